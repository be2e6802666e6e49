"""The window's offline working (issue 12): its status, the Offline menu, the check at start.

Against the real PostgreSQL server (the offline scene of tests/sync/conftest.py:
Ann carries baby Sam; with CI=true these must run) and, for "nothing to go
offline from", the local SQLite database of tests/ui/conftest.py. The copies'
keys are kept in ``MemoryKeyring`` (a desktop keyring played in memory).
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, func, select, update

from healthvisitor.clock import local_today
from healthvisitor.config import DatabaseChoice, parse_url
from healthvisitor.domain.enums import Role
from healthvisitor.persistence.models import AuditEvent, Child, Contact, SyncState, User
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services.actor import Actor
from healthvisitor.services.workspace import Workspace
from healthvisitor.sync import open_local_copy
from healthvisitor.sync.at_start import WIPED_ACTION
from healthvisitor.sync.desk import CopyStatus, OfflineDesk, copy_path
from healthvisitor.ui.connection_status import ConnectionEvents
from healthvisitor.ui.main_window import MainWindow
from healthvisitor.ui.offline_sync import (
    PREPARE_TEXT,
    SYNCHRONISE_TEXT,
    CopiesChecked,
    OfflineMenu,
    OfflineStatus,
    check_copies_once_open,
    status_words,
    when_words,
)
from healthvisitor.ui.sync_conflicts import SyncConflictsDialog
from tests import factories
from tests.keyrings import MemoryKeyring
from tests.sync import conftest as offline_scene
from tests.sync.conftest import TODAY, Scene, new_laptop
from tests.sync.offline import record_new_birth_visit
from tests.ui.conftest import LOAD_WAIT_MS, TeamData, wait_loaded

pytestmark = pytest.mark.gui

# The offline scene's fixtures (tests/sync/conftest.py), for this folder too.
scene = offline_scene.scene
_encrypted_template = offline_scene._encrypted_template

AT_TEN = dt.datetime(2026, 5, 20, 10, 5, tzinfo=dt.UTC).astimezone()


# --- The words -----------------------------------------------------------------------


def test_the_status_says_how_many_changes_wait_and_when_it_last_synchronised() -> None:
    today = AT_TEN.date()
    assert status_words(CopyStatus(exists=False), today) == (
        "Offline copy: not prepared on this computer"
    )
    assert status_words(CopyStatus(True, 0, AT_TEN), today) == (
        f"Offline copy: nothing to send · last sync today {AT_TEN:%H:%M}"
    )
    assert status_words(CopyStatus(True, 1, AT_TEN), today).startswith(
        "Offline copy: 1 change to send · last sync "
    )
    stale = CopyStatus(True, 3, None, must_synchronise="synchronise first")
    assert status_words(stale, today) == (
        "Offline copy: 3 changes to send · never synchronised: must synchronise"
    )
    assert status_words(CopyStatus(True, problem="no key"), today) == (
        "Offline copy: cannot be used (hover for why)"
    )


def test_when_words_say_today_yesterday_or_the_date() -> None:
    today = AT_TEN.date()
    assert when_words(AT_TEN - dt.timedelta(days=1), today).startswith("yesterday ")
    assert when_words(AT_TEN - dt.timedelta(days=5), today).startswith(
        f"{(AT_TEN - dt.timedelta(days=5)).day} May "
    )
    assert when_words(AT_TEN - dt.timedelta(days=400), today).endswith(
        f"{(AT_TEN - dt.timedelta(days=400)):%Y} {AT_TEN:%H:%M}"
    )
    assert when_words(None, today) == "never"


# --- On the local SQLite database: nothing to go offline from ---------------------------


def test_on_the_local_database_the_menu_says_why_there_is_no_offline_copy(
    qtbot: QtBot, team_data: TeamData
) -> None:
    window = MainWindow(team_data.workspace())
    qtbot.addWidget(window)
    wait_loaded(qtbot, window)
    menu = window.offline_menu
    assert not window.offline_status.isVisibleTo(window)
    assert window.offline_status.desk is None
    assert not menu.synchronise_action.isEnabled()
    assert menu.reason_action is not None and not menu.reason_action.isEnabled()
    assert menu.reason_action.text().startswith("Not needed here: this database is a file")
    # The conflicts screen is a clinician's, on any database.
    assert menu.conflicts_action.isEnabled()
    dialog = menu.open_conflicts()
    assert isinstance(dialog, SyncConflictsDialog)
    qtbot.waitUntil(lambda: not dialog.loading(), timeout=LOAD_WAIT_MS)
    assert dialog.status.text() == "No conflicts to resolve."


def test_the_conflicts_are_not_offered_to_an_administrator(
    qtbot: QtBot, team_data: TeamData
) -> None:
    with unit_of_work(team_data.engine) as session:
        admin = factories.user(session, None, Role.ADMINISTRATOR)
    window = MainWindow(team_data.workspace())  # any window: the menu is the admin's below
    qtbot.addWidget(window)
    wait_loaded(qtbot, window)
    admins = team_data.workspace(user=admin)
    status = OfflineStatus(None, "Only health visitors and team leads take a caseload offline.")
    menu = OfflineMenu(window, admins, status)
    assert not menu.conflicts_action.isEnabled()
    assert "health visitors and team leads only" in menu.conflicts_action.text()
    assert menu.open_conflicts() is None


# --- On the shared PostgreSQL database ------------------------------------------------


def postgres_workspace(scene: Scene, actor: Actor) -> Workspace:
    choice = DatabaseChoice(parse_url(str(scene.server.url), "test"), "the test database")
    return Workspace(scene.server, actor, choice, today=lambda: TODAY)


def wait_idle(qtbot: QtBot, status: OfflineStatus) -> None:
    qtbot.waitUntil(lambda: not status.busy(), timeout=LOAD_WAIT_MS * 3)


def local_children(path: Path) -> set[uuid.UUID]:
    engine = open_local_copy(path)
    try:
        with engine.connect() as connection:
            return set(connection.scalars(select(Child.id)))
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_preparing_the_laptop_copies_the_caseload_and_synchronising_sends_a_contact(
    qtbot: QtBot, scene: Scene, memory_keyring: MemoryKeyring
) -> None:
    window = MainWindow(postgres_workspace(scene, scene.ann))
    qtbot.addWidget(window)
    wait_loaded(qtbot, window)
    status, menu = window.offline_status, window.offline_menu
    wait_idle(qtbot, status)
    assert status.isVisibleTo(window)
    assert status.text() == "Offline copy: not prepared on this computer"
    assert menu.synchronise_action.text() == PREPARE_TEXT
    assert menu.synchronise_action.isEnabled()

    with qtbot.waitSignal(status.synchronised, timeout=LOAD_WAIT_MS * 6):
        menu.synchronise_action.trigger()
        assert not menu.synchronise_action.isEnabled()  # one at a time, off the GUI thread
        assert status.text() == "Synchronising the offline copy…"
    path = copy_path(scene.ann.user_id)
    assert path.exists()
    assert local_children(path) == {scene.sam_id}  # Ann's caseload, nobody else's
    # The result, in the status bar for a while; then the counts.
    assert status.showing_result()
    assert status.text().startswith("Offline copy synchronised at ")
    assert status.toolTip().startswith("Synchronised at ")
    assert "your caseload is on this computer, encrypted." in status.toolTip()
    assert status.status is not None
    assert status_words(status.status, local_today()).startswith(
        "Offline copy: nothing to send · last sync today "
    )
    assert menu.synchronise_action.text() == SYNCHRONISE_TEXT

    # A visit recorded on the laptop's copy waits, and is counted as one change.
    laptop = open_local_copy(path)
    contact_id = record_new_birth_visit(laptop, scene.ann, scene.sam_id)
    laptop.dispose()
    assert window.offline_status.desk is not None
    assert window.offline_status.desk.status().waiting == 1

    with qtbot.waitSignal(status.synchronised, timeout=LOAD_WAIT_MS * 6) as sent:
        status.synchronise_now()
    assert "1 change sent to the shared database." in sent.args[0].words()
    assert status.text().endswith(", 1 change sent")  # shown even unasked: something went
    assert status.status is not None and status.status.waiting == 0
    with unit_of_work(scene.server) as session:
        assert session.get(Contact, contact_id) is not None
    window.close()


@pytest.mark.postgres
def test_a_copy_too_old_is_synchronised_as_the_window_opens(
    qtbot: QtBot, scene: Scene, memory_keyring: MemoryKeyring, _encrypted_template: Path
) -> None:
    path = copy_path(scene.ann.user_id)
    laptop = new_laptop(_encrypted_template, path, memory_keyring)
    from healthvisitor.sync import pull

    pull(scene.server, laptop, scene.ann, today=TODAY)
    ten_days_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=10)
    with laptop.begin() as connection:
        connection.execute(update(SyncState).values(last_pulled_at=ten_days_ago))
    laptop.dispose()

    desk = OfflineDesk(scene.server, scene.ann, path, sync_required_after_days=7)
    status = OfflineStatus(desk)
    qtbot.addWidget(status)
    seen: list[str] = []
    status.status_changed.connect(lambda found: seen.append(found.must_synchronise))
    with qtbot.waitSignal(status.synchronised, timeout=LOAD_WAIT_MS * 6):
        pass  # the check at start finds it stale, and synchronises straight away
    assert seen[0].startswith("This computer last synchronised its offline copy on ")
    assert "not shown until it has synchronised" in seen[0]
    assert seen[-1] == ""
    assert status.status is not None and not status.status.must_synchronise
    assert not status.showing_result()  # unasked and nothing sent: just the counts
    assert status.text().startswith("Offline copy: nothing to send · last sync today ")
    status.stop()


@pytest.mark.postgres
def test_a_copy_synchronises_by_itself_soon_after_opening_and_when_the_connection_is_back(
    qtbot: QtBot, scene: Scene, memory_keyring: MemoryKeyring, _encrypted_template: Path
) -> None:
    path = copy_path(scene.ann.user_id)
    laptop = new_laptop(_encrypted_template, path, memory_keyring)
    from healthvisitor.sync import pull

    pull(scene.server, laptop, scene.ann, today=TODAY)
    record_new_birth_visit(laptop, scene.ann, scene.sam_id)
    laptop.dispose()
    events = ConnectionEvents()
    desk = OfflineDesk(scene.server, scene.ann, path, sync_required_after_days=7)
    status = OfflineStatus(desk, events=events, start_sync_delay_ms=50, auto_sync_ms=60_000)
    qtbot.addWidget(status)
    with qtbot.waitSignal(status.synchronised, timeout=LOAD_WAIT_MS * 6) as first:
        pass  # fresh enough: not at once, but soon after the window opens
    assert first.args[0].sent.batches == 1
    assert status.showing_result() and status.text().endswith(", 1 change sent")

    events.lost.emit("The network dropped")
    status.timer.timeout.emit()  # the quarter-hour comes while offline: nothing is tried
    assert not status.busy()
    with qtbot.waitSignal(status.synchronised, timeout=LOAD_WAIT_MS * 6):
        events.back.emit()
    status.stop()
    assert not status.synchronise_now()  # the window has closed


@pytest.mark.postgres
def test_a_copy_whose_key_is_gone_says_so_and_is_left_alone(
    qtbot: QtBot, scene: Scene, memory_keyring: MemoryKeyring, _encrypted_template: Path
) -> None:
    path = copy_path(scene.ann.user_id)
    new_laptop(_encrypted_template, path, memory_keyring).dispose()
    memory_keyring.entries.clear()
    events = ConnectionEvents()
    desk = OfflineDesk(scene.server, scene.ann, path, sync_required_after_days=7)
    status = OfflineStatus(desk, events=events, start_sync_delay_ms=0)
    qtbot.addWidget(status)
    wait_idle(qtbot, status)
    assert status.text() == "Offline copy: cannot be used (hover for why)"
    assert "its key is not in this computer's keyring" in status.toolTip()
    events.back.emit()  # nothing to synchronise with: no attempt, no new file
    assert not status.syncing and not status.timer.isActive()
    assert path.exists()


@pytest.mark.postgres
def test_at_start_a_disabled_users_copy_is_wiped_and_the_user_told(
    qtbot: QtBot, scene: Scene, memory_keyring: MemoryKeyring, _encrypted_template: Path
) -> None:
    path = copy_path(scene.bea.user_id)
    laptop = new_laptop(_encrypted_template, path, memory_keyring)
    from healthvisitor.sync import pull

    pull(scene.server, laptop, scene.bea, today=TODAY)
    laptop.dispose()
    with unit_of_work(scene.server) as session:
        session.get_one(User, scene.bea.user_id).active = False
    choice = DatabaseChoice(parse_url(str(scene.server.url), "test"), "the test database")
    checked = check_copies_once_open(scene.server, choice, sync_required_after_days=7)
    assert isinstance(checked, CopiesChecked)
    qtbot.waitUntil(lambda: checked.messages is not None, timeout=LOAD_WAIT_MS)
    assert not path.exists()
    assert checked.messages is not None and len(checked.messages) == 1
    assert len(checked.boxes) == 1 and checked.boxes[0].isVisible()
    assert "no longer active, so it has been deleted" in checked.boxes[0].text()
    with unit_of_work(scene.server) as session:
        wiped = session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == WIPED_ACTION)
        )
    assert wiped == 1
    checked.boxes[0].close()


def test_on_the_local_database_nothing_is_checked_at_start(sqlite_engine: Engine) -> None:
    choice = DatabaseChoice(parse_url(str(sqlite_engine.url), "test"), "the test database")
    assert check_copies_once_open(sqlite_engine, choice, sync_required_after_days=7) is None
