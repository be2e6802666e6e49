"""The window says when it is offline, keeps the open form, and says when it is back (issue 9).

The indicator on its own, with a database that answers on the third try;
then the whole path on a PostgreSQL cluster of the test's own, stopped under
the open window: the contact form's save is refused in the user's words, the
form stays open, the status bar says offline; the server comes back, the
indicator says so and the form saves itself, once.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from healthvisitor.domain.enums import ContactKind, ContactLocation, ContactOutcome
from healthvisitor.errors import DatabaseUnavailableError
from healthvisitor.persistence.database import create_database_engine
from healthvisitor.persistence.models import Contact
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.ui.connection_status import (
    BACK_TEXT,
    ONLINE_TEXT,
    ConnectionEvents,
    ConnectionStatus,
)
from healthvisitor.ui.main_window import MainWindow
from healthvisitor.ui.worker import wait_for_loads
from tests.private_postgres import PrivateCluster
from tests.saving import Saved, saved, saving_world
from tests.ui.conftest import wait_loaded

pytestmark = pytest.mark.gui


class FlakyDatabase:
    """A probe that fails ``failures`` times, then answers."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.asked = 0

    def __call__(self) -> None:
        self.asked += 1
        if self.asked <= self.failures:
            raise DatabaseUnavailableError("Cannot reach the shared database at db: refused.")


def test_offline_then_retries_with_back_off_until_it_is_back(qtbot: QtBot) -> None:
    database = FlakyDatabase(failures=2)
    events = ConnectionEvents()
    status = ConnectionStatus(database, events, delays_ms=(20, 60, 200))
    qtbot.addWidget(status)
    assert status.text() == ONLINE_TEXT
    delays: list[int] = []
    events.lost.connect(lambda _message: delays.append(status.current_delay_ms()))

    events.report_lost("Cannot reach the shared database at db: connection refused.")
    assert status.offline
    assert status.text().startswith("Offline: can't reach the database, trying again in ")
    assert "connection refused" in status.toolTip()
    # A second failure elsewhere while offline does not start a second round of tries.
    events.report_lost("Cannot reach the shared database at db: again.")
    assert status.attempts == 0
    waits = []
    original = status._schedule

    def schedule() -> None:
        waits.append(status.current_delay_ms())
        original()

    status._schedule = schedule  # type: ignore[method-assign]
    with qtbot.waitSignal(events.back, timeout=5000):
        pass
    assert database.asked == 3  # two failed tries, then the answer
    assert waits == [60, 200]  # each wait longer than the one before
    assert not status.offline and status.text() == BACK_TEXT


def test_clicking_the_indicator_tries_again_at_once(qtbot: QtBot) -> None:
    database = FlakyDatabase(failures=0)
    events = ConnectionEvents()
    status = ConnectionStatus(database, events, delays_ms=(60_000,))
    qtbot.addWidget(status)
    events.report_lost("Cannot reach the shared database.")
    with qtbot.waitSignal(events.back, timeout=5000):
        qtbot.mouseClick(status, Qt.MouseButton.LeftButton)
    assert database.asked == 1


@pytest.fixture
def cluster(private_postgres_hv: PrivateCluster) -> Iterator[PrivateCluster]:
    yield private_postgres_hv


@pytest.mark.postgres
def test_the_server_stops_under_an_open_form_and_the_contact_is_saved_once_when_back(
    qtbot: QtBot, cluster: PrivateCluster
) -> None:
    engine = create_database_engine(cluster.url("hv"), password="")
    world = saving_world(engine)
    window = MainWindow(world.workspace)
    qtbot.addWidget(window)
    window.show()
    wait_loaded(qtbot, window)
    assert window.connection_status.text() == ONLINE_TEXT
    record = window.open_record(world.child_id)
    assert record is not None
    form = record.record_contact(ContactKind.OTHER)
    assert form is not None
    form.details.location.set_value(ContactLocation.HOME)
    form.details.outcome.set_value(ContactOutcome.COMPLETED)
    qtbot.keyClicks(form.follow_up.notes, "Sleep advice; all well.")

    cluster.stop()
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    assert form.isVisible() and form.recorded is None
    said = form.summary.message()
    assert "The shared database cannot be reached" in said and "nothing was saved" in said
    assert "saves the contact by itself as soon as the database answers again" in said
    assert form.follow_up.notes.toPlainText() == "Sleep advice; all well."
    qtbot.waitUntil(lambda: window.connection_status.offline, timeout=5000)
    assert window.connection_status.text().startswith("Offline: can't reach the database")
    qtbot.keyClicks(form.follow_up.notes, " Typed while offline.")  # she goes on typing

    cluster.start()
    with qtbot.waitSignal(form.saved, timeout=20_000) as saving:  # by itself: no click
        pass
    assert window.connection_status.text() == BACK_TEXT
    assert isinstance(saving.args[0].contact_id, uuid.UUID)
    assert record.contact_form is None or not record.contact_form.isVisible()
    assert saved(engine) == Saved(contacts=1, measurements=0, contact_events=1, referrals=0)
    with unit_of_work(engine) as session:
        notes = session.get_one(Contact, saving.args[0].contact_id).notes
    assert notes == "Sleep advice; all well. Typed while offline."
    window.stop_watching_connection()
    window.close()
    wait_for_loads()  # a worker's connection goes back to the pool before it is closed
    engine.dispose()
