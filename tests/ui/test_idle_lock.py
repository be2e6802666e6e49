"""The idle lock (issue 8): patient data hidden until the same person signs in again.

A short timeout stands in for the administrator's ten minutes; the last
keystroke typed into a contact form starts it, and nothing else touches the
keyboard or mouse until the lock falls. Then: nothing identifiable is left on
any screen (main window, the child's record, the contact form), what was
typed is kept, a wrong password is refused (and counts towards the lockout),
the right one gives everything back as it was. Every step is audited.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from healthvisitor.persistence.models import AuditEvent
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services import accounts
from healthvisitor.ui.app import Sessions
from healthvisitor.ui.child_record_window import ChildRecordWindow
from healthvisitor.ui.contact_form import ContactForm
from healthvisitor.ui.idle_lock import LOCKED_TITLE, IdleLock, UnlockDialog
from healthvisitor.ui.main_window import MainWindow
from healthvisitor.ui.sign_in import SignInDialog
from tests.ui.conftest import TeamData
from tests.ui.signing_in import (
    PASSWORD,
    WRONG_PASSWORD,
    actions,
    cheap_hashing,
    dispose,
    give_password,
    sign_in,
    unlock,
)
from tests.ui.test_sign_in import choice

pytestmark = pytest.mark.gui

NOTES = "Mum tired, feeding well; revisit Thursday"
SHORT_IDLE_MS = 400


@pytest.fixture(autouse=True)
def no_blocking_questions(monkeypatch: pytest.MonkeyPatch) -> None:
    """A question asked with a nested event loop would hang the test: fail it instead."""

    def asked(*args: object, **_kwargs: object) -> None:
        pytest.fail(f"a blocking message box was opened: {args[1:3]}")

    for name in ("question", "warning", "information", "critical"):
        monkeypatch.setattr(QMessageBox, name, asked)


@pytest.fixture
def sessions(team_data: TeamData, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sessions]:
    cheap_hashing(monkeypatch)
    for user in (team_data.me, team_data.colleague):
        give_password(team_data.engine, user.username)
    started = Sessions(
        team_data.engine,
        choice(team_data.engine),
        demo=False,
        idle_lock_minutes=10,
        offer_drafts=False,
    )
    windows: list[QWidget] = []
    started.window_opened.connect(windows.append)
    yield started
    started.end()
    dispose([*windows, *([started.dialog] if started.dialog else [])])


@pytest.fixture
def at_work(
    qtbot: QtBot, team_data: TeamData, sessions: Sessions
) -> tuple[MainWindow, ChildRecordWindow, ContactForm, IdleLock]:
    """Priya signed in, Amelia's record open, a contact half typed."""
    dialog = sessions.ask_to_sign_in()
    with qtbot.waitSignal(sessions.window_opened, timeout=10_000) as shown:
        sign_in(qtbot, dialog, team_data.me.username, PASSWORD)
    window: MainWindow = shown.args[0]
    record = window.open_record(team_data.mine[0].id)
    assert record is not None
    form = record.record_contact()
    assert form is not None
    lock = sessions.idle_lock
    assert lock is not None
    return window, record, form, lock


def what_shows() -> str:
    """Every word a person (or a screen reader) can see on any window of the application."""
    words: list[str] = []
    for widget in QApplication.allWidgets():
        if not widget.isVisible():
            continue
        if isinstance(widget, QAbstractItemView):
            words.append(f"<a {type(widget).__name__} is showing rows>")
        if widget.isWindow():
            words.append(widget.windowTitle())
        if isinstance(widget, QLabel | QLineEdit | QAbstractButton):
            words.append(widget.text())
        elif isinstance(widget, QPlainTextEdit):
            words.append(widget.toPlainText())
        words.append(widget.accessibleName())
    return "\n".join(words)


def type_then_go_idle(qtbot: QtBot, form: ContactForm, lock: IdleLock) -> None:
    lock.timer.setInterval(SHORT_IDLE_MS)
    qtbot.keyClicks(form.follow_up.notes, NOTES)  # each key restarts the countdown
    assert not lock.is_locked()
    qtbot.waitUntil(lock.is_locked, timeout=SHORT_IDLE_MS + 5_000)


def last_event(sessions: Sessions) -> AuditEvent:
    with unit_of_work(sessions.engine) as session:
        return session.scalars(select(AuditEvent).order_by(AuditEvent.sequence.desc())).first()


def test_idle_hides_every_window_keeps_the_form_and_wants_the_right_password(
    qtbot: QtBot,
    team_data: TeamData,
    sessions: Sessions,
    at_work: tuple[MainWindow, ChildRecordWindow, ContactForm, IdleLock],
) -> None:
    window, record, form, lock = at_work
    amelia = team_data.mine[0]
    qtbot.waitUntil(lambda: window.caseload.model.rowCount() == 3)
    assert amelia.name in what_shows()

    type_then_go_idle(qtbot, form, lock)

    dialog = lock.dialog
    assert isinstance(dialog, UnlockDialog) and dialog.isVisible()
    assert dialog.windowModality() == Qt.WindowModality.ApplicationModal
    shown = what_shows()
    for secret in (amelia.name, amelia.nhs_number, amelia.postcode, NOTES, "Oliver Nowak"):
        assert secret not in shown
    assert "<a" not in shown, "no list or table of patients is left showing"
    for each in (window, record, form):
        assert each.windowTitle() == LOCKED_TITLE
    assert "Patient data is hidden until Priya Sharma signs in again." in shown
    assert form.follow_up.notes.toPlainText() == NOTES  # hidden, not lost
    qtbot.waitUntil(lambda: last_event(sessions).action == "lock")  # audited off the GUI thread
    assert json.loads(last_event(sessions).details) == {"idle_minutes": 10}
    assert last_event(sessions).user_id == team_data.me.id

    said = unlock(qtbot, dialog, WRONG_PASSWORD)
    assert said == accounts.WRONG_AT_UNLOCK
    assert lock.is_locked() and amelia.name not in what_shows()
    assert dialog.password.text() == ""

    unlock(qtbot, dialog, PASSWORD)
    assert not lock.is_locked()
    after = what_shows()
    assert amelia.name in after and NOTES in after
    assert record.windowTitle().startswith(amelia.name)
    assert window.windowTitle().startswith("HealthVisitor — Priya Sharma")
    assert form.follow_up.notes.toPlainText() == NOTES
    assert form.isVisible() and form.follow_up.notes.isVisible()
    assert actions(sessions.engine)[-3:] == ["lock", "unlock_failed", "unlock"]
    assert lock.timer.isActive(), "the countdown starts again"


def test_five_wrong_passwords_at_the_lock_lock_the_account(
    qtbot: QtBot,
    team_data: TeamData,
    at_work: tuple[MainWindow, ChildRecordWindow, ContactForm, IdleLock],
) -> None:
    *_, lock = at_work
    dialog = lock.lock()
    said = [unlock(qtbot, dialog, WRONG_PASSWORD) for _ in range(5)]
    assert said[3].endswith("1 more wrong password will lock the account for a while.")
    assert "locked for 1 minute, until" in said[4]
    assert "locked for 1 minute, until" in unlock(qtbot, dialog, PASSWORD)
    assert lock.is_locked()
    assert team_data.mine[0].name not in what_shows()


def test_someone_else_may_sign_the_person_out_and_the_form_becomes_a_draft(
    qtbot: QtBot,
    team_data: TeamData,
    sessions: Sessions,
    at_work: tuple[MainWindow, ChildRecordWindow, ContactForm, IdleLock],
) -> None:
    window, _record, form, lock = at_work
    type_then_go_idle(qtbot, form, lock)
    assert lock.dialog is not None
    lock.dialog.sign_out_button.click()
    question = lock.sign_out_question
    assert question is not None and question.isVisible()
    asked = question.text()
    assert asked.startswith("Sign Priya Sharma out?")
    assert "1 open form is kept on this computer for Priya Sharma only" in asked
    assert team_data.mine[0].name not in asked
    [sign_out] = [b for b in question.buttons() if b.text() == "Sign Priya Sharma &out"]
    sign_out.click()

    qtbot.waitUntil(lambda: isinstance(sessions.dialog, SignInDialog))
    assert sessions.window is None and sessions.dialog is not None
    assert sessions.dialog.isVisible()
    qtbot.waitUntil(lambda: not window.isVisible())
    assert team_data.mine[0].name not in what_shows()
    drafts = window.workspace.draft_store().drafts_of(team_data.me.username)
    assert [d.subject_name for d in drafts] == [team_data.mine[0].name]
    assert NOTES in json.dumps(drafts[0].fields)
    assert actions(sessions.engine)[-1] == "sign_out"
    assert "locked screen" in last_event(sessions).details
    # The colleague signs in on the same laptop and gets their own window.
    with qtbot.waitSignal(sessions.window_opened, timeout=10_000) as shown:
        sign_in(qtbot, sessions.dialog, team_data.colleague.username, PASSWORD)
    assert shown.args[0].windowTitle().startswith("HealthVisitor — Helen Walker")


def test_cancelling_the_sign_out_keeps_the_lock(
    qtbot: QtBot, at_work: tuple[MainWindow, ChildRecordWindow, ContactForm, IdleLock]
) -> None:
    *_, lock = at_work
    dialog = lock.lock()
    dialog.sign_out_button.click()
    question = lock.sign_out_question
    assert question is not None
    question.button(QMessageBox.StandardButton.Cancel).click()
    assert lock.is_locked() and dialog.isVisible()
    dialog.reject()  # Esc does not dismiss the lock
    assert dialog.isVisible()


def test_lock_by_hand_is_audited_as_such(
    qtbot: QtBot,
    sessions: Sessions,
    at_work: tuple[MainWindow, ChildRecordWindow, ContactForm, IdleLock],
) -> None:
    window, *_, lock = at_work
    assert window.lock_action.shortcut().toString() == "Ctrl+L"
    window.lock_action.trigger()
    assert lock.is_locked()
    qtbot.waitUntil(lambda: last_event(sessions).action == "lock")
    assert json.loads(last_event(sessions).details) == {"by_hand": True}


def test_a_window_that_opens_while_locked_is_covered_too(
    qtbot: QtBot,
    team_data: TeamData,
    at_work: tuple[MainWindow, ChildRecordWindow, ContactForm, IdleLock],
) -> None:
    _window, record, _form, lock = at_work
    dialog = lock.lock()
    box = QMessageBox(
        QMessageBox.Icon.Information,
        f"About {team_data.mine[0].name}",
        "Weight falling",
        parent=record,
    )
    box.show()
    assert box.windowTitle() == LOCKED_TITLE
    assert "Weight falling" not in what_shows()
    unlock(qtbot, dialog, PASSWORD)
    assert box.windowTitle() == f"About {team_data.mine[0].name}"
    box.hide()


def test_using_the_application_postpones_the_lock(
    qtbot: QtBot, at_work: tuple[MainWindow, ChildRecordWindow, ContactForm, IdleLock]
) -> None:
    *_, form, lock = at_work
    lock.timer.stop()  # as if the countdown had nearly run out
    qtbot.keyClick(form.follow_up.notes, Qt.Key.Key_A)
    assert lock.timer.isActive(), "a key press starts the whole wait again"
    assert lock.timer.remainingTime() > lock.timer.interval() - 5_000
    lock.timer.stop()
    qtbot.mouseClick(form.follow_up.notes, Qt.MouseButton.LeftButton)
    assert lock.timer.isActive(), "so does a click"
    assert lock.timer.interval() == 10 * 60_000  # the configured ten minutes


def test_an_account_disabled_under_the_open_window_locks_it_at_the_next_read(
    qtbot: QtBot,
    team_data: TeamData,
    sessions: Sessions,
    at_work: tuple[MainWindow, ChildRecordWindow, ContactForm, IdleLock],
) -> None:
    """A leaver disabled while signed in: the next read is refused, the session locks
    (patient data hidden, the reason said), and the right password no longer unlocks."""
    window, _record, form, lock = at_work
    amelia = team_data.mine[0]
    qtbot.waitUntil(lambda: window.caseload.model.rowCount() == 3)
    qtbot.keyClicks(form.follow_up.notes, NOTES)
    with unit_of_work(team_data.engine) as session:  # an administrator, at the command line
        accounts.disable_user(session, None, team_data.me.username)

    window.caseload.refresh()
    qtbot.waitUntil(lock.is_locked, timeout=10_000)
    dialog = lock.dialog
    assert isinstance(dialog, UnlockDialog)
    assert dialog.message.message().startswith(
        "An administrator has changed your account since you signed in (it has been disabled)."
    )
    assert amelia.name not in what_shows()
    assert form.follow_up.notes.toPlainText() == NOTES  # hidden, not lost
    assert "disabled" in unlock(qtbot, dialog, PASSWORD)
    assert lock.is_locked() and amelia.name not in what_shows()
