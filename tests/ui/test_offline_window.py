"""Working offline in the window (issue 12): sign in on the laptop's copy when the shared
database cannot be reached, record a visit there, and send it when the database is back.

Against the real PostgreSQL server (the offline scene of tests/sync/conftest.py; with
CI=true these must run), reached through a line of the test's own that can be cut and
restored (``SwitchableLine``, tests/ui/offline_scene.py): the shared server stays up for
everyone else.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, select

from healthvisitor.persistence.models import AuditEvent, Contact
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.sync import pull
from healthvisitor.sync.desk import copy_path
from healthvisitor.sync.offline_sign_in import OfflineWorkspace
from healthvisitor.ui import app
from healthvisitor.ui.app import Sessions
from healthvisitor.ui.main_window import MainWindow
from healthvisitor.ui.offline_actions import offline_reason
from healthvisitor.ui.offline_window import BACK_ONLINE, WORKING_OFFLINE
from healthvisitor.ui.opening import OpenOutcome, OpenRequest, open_workspace_now
from healthvisitor.ui.sign_in import SignInDialog
from tests.keyrings import MemoryKeyring
from tests.sync.conftest import TODAY, Scene, new_laptop
from tests.ui import offline_scene
from tests.ui.conftest import LOAD_WAIT_MS, wait_loaded
from tests.ui.offline_scene import SwitchableLine, a_visit, prepare_copy, shoot
from tests.ui.signing_in import PASSWORD, cheap_hashing, give_password, sign_in

pytestmark = [pytest.mark.gui, pytest.mark.postgres]

# The fixtures, shared with the record window's offline tests (tests/ui/offline_scene.py).
scene = offline_scene.scene
_encrypted_template = offline_scene._encrypted_template
line = offline_scene.line
through_line = offline_scene.through_line
sessions = offline_scene.sessions


def test_offline_sign_in_opens_the_caseload_from_the_copy_and_what_is_recorded_reaches_the_server(
    qtbot: QtBot,
    scene: Scene,
    line: SwitchableLine,
    sessions: Sessions,
    memory_keyring: MemoryKeyring,
    _encrypted_template: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    cheap_hashing(monkeypatch)
    give_password(scene.server, scene.ann.username)
    laptop = new_laptop(_encrypted_template, copy_path(scene.ann.user_id), memory_keyring)
    pull(scene.server, laptop, scene.ann, today=TODAY)  # prepared at the office
    laptop.dispose()

    # Signed in online once since: the copy keeps its own check of her password.
    dialog = sessions.ask_to_sign_in()
    assert not dialog.offline_button.isVisibleTo(dialog)
    with qtbot.waitSignal(sessions.window_opened, timeout=LOAD_WAIT_MS):
        sign_in(qtbot, dialog, scene.ann.username, PASSWORD)
    online = sessions.window
    assert isinstance(online, MainWindow) and not isinstance(online.workspace, OfflineWorkspace)
    wait_loaded(qtbot, online)
    assert sessions.sign_out()

    # In the car park: the shared database does not answer.
    line.cut()
    dialog = sessions.dialog
    assert isinstance(dialog, SignInDialog)
    said = sign_in(qtbot, dialog, scene.ann.username, PASSWORD)
    assert "work offline on this laptop's copy" in said
    assert dialog.offline_button.isVisibleTo(dialog)
    qtbot.keyClicks(dialog.password, PASSWORD)
    shoot(dialog, "1_sign_in_offline.png", tmp_path)
    with qtbot.waitSignal(sessions.window_opened, timeout=LOAD_WAIT_MS):
        dialog.offline_button.click()
    window = sessions.window
    assert isinstance(window, MainWindow)
    assert isinstance(window.workspace, OfflineWorkspace)
    working = window.offline_menu.working_offline
    assert working is not None
    wait_loaded(qtbot, window)
    # The caseload, from the copy.
    assert window.caseload.model.rowCount() == 1
    assert "Sam" in str(window.caseload.model.index(0, 0).data()) or any(
        "Sam" in str(window.caseload.model.index(0, column).data())
        for column in range(window.caseload.model.columnCount())
    )
    assert working.banner.text.text() == WORKING_OFFLINE
    # Sam's record opens from the copy too.
    record = window.open_record(scene.sam_id)
    assert record is not None
    record.close()
    assert window.windowTitle().endswith(" — working offline")
    assert window.database_label.text() == "Database: the offline copy on this laptop (encrypted)"
    # What needs the server is disabled, saying why.
    new_family = window.records_menu.new_family_action
    assert not new_family.isEnabled()
    assert new_family.toolTip() == offline_reason("records_menu")
    assert new_family.toolTip().startswith("Not while working offline: registering")
    assert not window.offline_menu.conflicts_action.isEnabled()
    assert not window.offline_menu.synchronise_action.isEnabled()  # not back yet
    assert window.connection_status.offline
    # The idle lock works offline: the copy checks the password.
    assert sessions.idle_lock is not None
    lock = sessions.idle_lock.lock()
    qtbot.keyClicks(lock.password, PASSWORD)
    lock.unlock_button.click()
    qtbot.waitUntil(lambda: not sessions.idle_lock.is_locked(), timeout=LOAD_WAIT_MS)

    # A visit recorded on the copy waits as a change to send.
    status = window.offline_status
    qtbot.waitUntil(lambda: not status.busy(), timeout=LOAD_WAIT_MS)
    assert status.status is not None and status.status.waiting == 0  # sign-ins are no change
    recorded = window.workspace.record_contact(a_visit(scene.sam_id, scene.ann.user_id))

    def counted() -> bool:
        status.refresh()
        return status.status is not None and status.status.waiting == 1

    qtbot.waitUntil(counted, timeout=LOAD_WAIT_MS)
    qtbot.waitUntil(lambda: not status.busy(), timeout=LOAD_WAIT_MS)
    assert status.text().startswith("Offline copy: 1 change to send · last sync today ")
    with unit_of_work(scene.server) as session:
        assert session.get(Contact, recorded.contact_id) is None
    shoot(window, "2_offline_window.png", tmp_path)

    # Back in range: the window says so and offers the way back.
    line.restore()
    window.connection_status.try_now()
    qtbot.waitUntil(lambda: working.back, timeout=LOAD_WAIT_MS)
    assert working.banner.text.text() == BACK_ONLINE
    assert working.banner.button.isVisibleTo(window)
    shoot(window, "3_back_online.png", tmp_path)
    working.banner.button.click()
    qtbot.waitUntil(
        lambda: sessions.window is None and sessions.dialog is not None,
        timeout=LOAD_WAIT_MS * 3,
    )
    # Sent: the visit is on the shared database, the offline sign-in in its audit trail.
    with unit_of_work(scene.server) as session:
        assert session.get(Contact, recorded.contact_id) is not None
        offline_events = [
            (action, json.loads(details))
            for action, details in session.execute(
                select(AuditEvent.action, AuditEvent.details).where(
                    AuditEvent.user_id == scene.ann.user_id
                )
            )
        ]
    assert ("sign_in", {"offline": True}) in offline_events
    assert ("unlock", {"offline": True}) in offline_events
    # And the person signs in online again.
    online_again = sessions.dialog
    assert isinstance(online_again, SignInDialog)
    assert not online_again.offline_button.isVisibleTo(online_again)


def test_at_start_an_unreachable_shared_database_with_a_copy_here_opens_on_the_sign_in(
    scene: Scene,
    line: SwitchableLine,
    through_line: Engine,
    memory_keyring: MemoryKeyring,
    _encrypted_template: Path,
    tmp_path: Path,
) -> None:
    url = through_line.url.render_as_string(hide_password=False)
    args = app.argument_parser().parse_args(["--database", url])

    def opened() -> OpenOutcome:
        return open_workspace_now(OpenRequest(database_url=url))

    line.cut()
    cut_off = opened()
    assert cut_off.unreachable and cut_off.workspace is None
    assert app.unreachable_with_copies(args, cut_off) is None  # no copy here: the usual message
    laptop = new_laptop(_encrypted_template, copy_path(scene.ann.user_id), memory_keyring)
    pull(scene.server, laptop, scene.ann, today=TODAY)
    laptop.dispose()
    found = app.unreachable_with_copies(args, cut_off)
    assert found is not None
    engine, choice, reason = found
    engine.dispose()
    assert not choice.is_sqlite
    assert reason == cut_off.problem and reason.startswith("Cannot reach the shared database")
    line.restore()
    # The server is not asked again (a second connection timeout, on a network that
    # drops what it is sent): the copy is offered on the opening's answer alone.
    again = app.unreachable_with_copies(args, cut_off)
    assert again is not None
    again[0].dispose()
    answered = opened()
    assert answered.workspace is not None and not answered.unreachable
    answered.workspace.engine.dispose()
    assert app.unreachable_with_copies(args, answered) is None  # it opened: nothing to offer
    schema = OpenOutcome(problem="This shared database is older than this version needs.")
    assert app.unreachable_with_copies(args, schema) is None  # it answered: another problem
    local = app.argument_parser().parse_args(["--database", f"sqlite:///{tmp_path / 'hv.db'}"])
    assert app.unreachable_with_copies(local, cut_off) is None  # never a local file


def test_signing_out_of_the_offline_window_offers_the_copy_to_the_next_person(
    qtbot: QtBot,
    scene: Scene,
    line: SwitchableLine,
    sessions: Sessions,
    memory_keyring: MemoryKeyring,
    _encrypted_template: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    prepare_copy(scene, scene.ann, memory_keyring, _encrypted_template, monkeypatch)
    line.cut()
    dialog = sessions.ask_to_sign_in(unreachable="Cannot reach the shared database.")
    assert dialog.offline_button.isVisibleTo(dialog)
    assert dialog.message.message().startswith("Cannot reach the shared database. You can work")
    qtbot.keyClicks(dialog.username, scene.ann.username)
    qtbot.keyClicks(dialog.password, "not her password")
    dialog.offline_button.click()
    qtbot.waitUntil(lambda: not dialog.busy(), timeout=LOAD_WAIT_MS)
    assert dialog.message.message() == (
        "The user name or password is not right. Check them and try again."
    )
    assert dialog.password.text() == ""  # cleared, as online
    qtbot.keyClicks(dialog.password, PASSWORD)
    with qtbot.waitSignal(sessions.window_opened, timeout=LOAD_WAIT_MS):
        dialog.offline_button.click()
    window = sessions.window
    assert isinstance(window, MainWindow)
    wait_loaded(qtbot, window)
    assert sessions.sign_out()
    again = sessions.dialog
    assert isinstance(again, SignInDialog)
    assert again.offline_button.isVisibleTo(again)
    assert sessions.offline_session is None and sessions.session_desk is sessions.desk
