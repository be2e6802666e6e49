"""The idle lock (issue 8): after a while without use, patient data is hidden until
the same person signs in again.

``IdleLock`` watches the application's input (keys, mouse, wheel, touch);
after ``session.idle_lock_minutes`` without any (10 by default, set by the
administrator in the machine-wide config: ``healthvisitor.config``), or at
once with File > Lock (Ctrl+L), it locks:

* every open window of the application (the caseload, each child's record,
  a contact form, a print preview, a message box) has its contents hidden
  and its title replaced, so nothing identifiable shows on the screen, in
  the taskbar or to a screen reader; windows that open while locked are
  covered as they appear;
* nothing is closed or reset: a half-typed form is only hidden, and comes
  back exactly as it was (its draft keeps being kept on this computer,
  ``ui.form_drafts``);
* ``UnlockDialog``, application-modal, asks for the signed-in person's
  password. Wrong passwords count towards the account's lockout, as at
  sign-in. Someone else at the computer may sign the person out instead:
  their open forms are kept as drafts for them (never shown to the other
  person) and the session ends.

The lock and the unlock (and failed unlocks) are audited by the services
(``healthvisitor.services.accounts``).

Offline (issue 12) the desk is the laptop copy's (``OfflineSessionDesk``): the
unlock checks the copy's own check of the password, and the lock and unlock are
audited in the copy, sent with the next synchronisation.

Hiding is done to any window, rather than by each window's own code, so a
window added later is covered too without remembering to add a hook.
"""

from __future__ import annotations

import logging
from typing import Protocol

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from healthvisitor.domain.accounts import DEMO_PASSWORD
from healthvisitor.services.actor import Actor
from healthvisitor.ui.form_drafts import DraftKeeper
from healthvisitor.ui.form_fields import FieldMessage
from healthvisitor.ui.sign_in import password_input, refusal_text
from healthvisitor.ui.worker import Loader

log = logging.getLogger(__name__)


class LockDesk(Protocol):
    """What the lock asks: ``SignInDesk`` online, ``OfflineSessionDesk`` on the copy."""

    def unlock(self, actor: Actor, password: str) -> None: ...

    def record_lock(self, actor: Actor, *, idle_minutes: int | None) -> None: ...


LOCKED_TITLE = "HealthVisitor — locked"
MS_PER_MINUTE = 60_000

#: What counts as using the application: any key, click, wheel or touch, and the mouse
#: moving over one of its windows.
ACTIVITY = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseButtonDblClick,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
        QEvent.Type.TouchUpdate,
        QEvent.Type.TabletPress,
    }
)


def _is_coverable(widget: QWidget) -> bool:
    """A window that can show data (not a menu, a tooltip or a combo's list)."""
    kind = widget.windowType()
    return widget.isWindow() and kind not in (
        Qt.WindowType.Popup,
        Qt.WindowType.ToolTip,
        Qt.WindowType.Desktop,
    )


def _descends_from(widget: QObject | None, ancestor: QObject) -> bool:
    while widget is not None:
        if widget is ancestor:
            return True
        widget = widget.parent()
    return False


class WindowCover(QObject):
    """Hides one window's contents and title while locked, and gives them back as they were.

    Only the window's own children are hidden (never closed): every input keeps
    what was typed, scroll positions and the chosen tab included. A title set
    while locked (a record reloaded behind the lock) is kept for later, not shown.
    """

    def __init__(self, window: QWidget, text: str) -> None:
        super().__init__(window)
        self.window = window
        self.title = window.windowTitle()
        self.focus = window.focusWidget()
        self.hidden = [
            child
            for child in window.findChildren(
                QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly
            )
            if not child.isWindow() and not child.isHidden()
        ]
        for child in self.hidden:
            child.hide()
        self.panel = QFrame(window)
        self.panel.setObjectName("lockCover")
        self.panel.setAutoFillBackground(True)
        self.panel.setStyleSheet(
            "QFrame#lockCover { background: #E8EDEE; }"
            "QLabel#lockCoverTitle { font-size: 16pt; font-weight: bold; color: #005EB8; }"
            "QLabel#lockCoverText { font-size: 11pt; color: #212B32; }"
        )
        title = QLabel("HealthVisitor is locked")
        title.setObjectName("lockCoverTitle")
        words = QLabel(text)
        words.setObjectName("lockCoverText")
        words.setWordWrap(True)
        layout = QVBoxLayout(self.panel)
        layout.setContentsMargins(24, 48, 24, 24)  # above the unlock dialog, centred below
        for label in (title, words):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            layout.addWidget(label)
        layout.addStretch(1)
        self.panel.setAccessibleName(f"HealthVisitor is locked. {text}")
        self.panel.setGeometry(window.rect())
        self.panel.show()
        self.panel.raise_()
        window.setWindowTitle(LOCKED_TITLE)
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window:
            if event.type() == QEvent.Type.Resize:
                self.panel.setGeometry(self.window.rect())
            elif event.type() == QEvent.Type.WindowTitleChange:
                title = self.window.windowTitle()
                if title != LOCKED_TITLE:
                    self.title = title
                    self.window.setWindowTitle(LOCKED_TITLE)
        return False

    def detach(self) -> None:
        """Stop following the window (the session is over); what is hidden stays hidden."""
        if shiboken6.isValid(self.window):
            self.window.removeEventFilter(self)

    def remove(self) -> None:
        """Show the window's contents again, exactly as they were."""
        if not shiboken6.isValid(self.window):
            return
        self.detach()
        self.panel.hide()
        self.panel.deleteLater()
        for child in self.hidden:
            if shiboken6.isValid(child):
                child.show()
        self.window.setWindowTitle(self.title)
        if self.focus is not None and shiboken6.isValid(self.focus):
            self.focus.setFocus(Qt.FocusReason.OtherFocusReason)
        self.deleteLater()


class UnlockDialog(QDialog):
    """The signed-in person's password again; or signing them out. Esc does not dismiss it."""

    unlocked = Signal()
    sign_out_requested = Signal()

    def __init__(
        self,
        desk: LockDesk,
        actor: Actor,
        *,
        demo: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.desk = desk
        self.actor = actor
        self.setObjectName("unlockDialog")
        self.setWindowTitle(LOCKED_TITLE)
        self.setWindowModality(Qt.WindowModality.ApplicationModal)
        self.setFixedWidth(480)  # wrapped words make it taller, never clipped
        heading = QLabel("HealthVisitor is locked")
        heading.setObjectName("formHeading")
        who = QLabel(
            f"Patient data is hidden until <b>{actor.full_name}</b> ({actor.username}) "
            "signs in again. Anything typed and not yet saved is kept as it was."
        )
        who.setWordWrap(True)
        self.password = password_input(f"Password for {actor.username}")
        label = QLabel("&Password")
        label.setBuddy(self.password)
        self.message = FieldMessage()
        self.message.setAccessibleName("Why unlocking did not work")
        self.unlock_button = QPushButton("&Unlock")
        self.unlock_button.setDefault(True)
        self.sign_out_button = QPushButton(f"Not {actor.full_name}? Sign &out…")
        self.sign_out_button.setAutoDefault(False)
        self.sign_out_button.setToolTip(
            f"End {actor.full_name}'s session here, so that someone else can sign in"
        )
        self.unlock_button.clicked.connect(self.unlock)
        self.sign_out_button.clicked.connect(self.sign_out_requested)
        row = QHBoxLayout()
        row.addWidget(label)
        row.addWidget(self.password, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.sign_out_button)
        buttons.addStretch(1)
        buttons.addWidget(self.unlock_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 18)
        layout.setSpacing(10)
        layout.addWidget(heading)
        layout.addWidget(who)
        layout.addLayout(row)
        if demo:
            note = QLabel(f"Demo accounts' password: <b>{DEMO_PASSWORD}</b>")
            note.setWordWrap(True)
            layout.addWidget(note)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.adjustSize()
        self.loader = Loader(self)
        self.loader.loaded.connect(self._unlocked)
        self.loader.failed.connect(self._refused)
        self._done = False

    def unlock(self) -> None:
        if self.loader.busy:
            return
        password = self.password.text()
        if not password:
            self.message.show_message("Type your password to carry on.")
            return
        self._busy(True)
        desk, actor = self.desk, self.actor
        self.loader.request(lambda: desk.unlock(actor, password))

    def _busy(self, busy: bool) -> None:
        for widget in (self.password, self.unlock_button, self.sign_out_button):
            widget.setEnabled(not busy)
        if busy:
            self.message.show_message(None)

    def _unlocked(self, _result: object) -> None:
        self._busy(False)
        self.password.clear()
        self.unlocked.emit()

    def _refused(self, exc: BaseException) -> None:
        self._busy(False)
        self.password.clear()
        self.message.show_message(refusal_text(exc))
        self.adjustSize()
        self.password.setFocus(Qt.FocusReason.OtherFocusReason)

    def finish(self) -> None:
        """Close it for good (unlocked, or signed out)."""
        self._done = True
        self.accept()

    def reject(self) -> None:
        if self._done:
            super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._done:
            super().closeEvent(event)
        else:
            event.ignore()


class IdleLock(QObject):
    """Locks ``window``'s session after ``minutes`` without use; see the module.

    ``timeout_ms`` replaces the minutes for tests. ``signed_out`` is emitted
    when someone at the locked screen chose to sign the person out: the open
    forms are closed by then (their drafts kept), and the caller ends the session.
    """

    locked = Signal()
    unlocked = Signal()
    signed_out = Signal()

    def __init__(
        self,
        window: QWidget,
        desk: LockDesk,
        actor: Actor,
        *,
        minutes: int,
        demo: bool = False,
        timeout_ms: int | None = None,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.desk = desk
        self.actor = actor
        self.minutes = minutes
        self.demo = demo
        self.covers: dict[QWidget, WindowCover] = {}
        self.dialog: UnlockDialog | None = None
        self.sign_out_question: QMessageBox | None = None
        self._sign_out_button: QAbstractButton | None = None
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(timeout_ms if timeout_ms is not None else minutes * MS_PER_MINUTE)
        self.timer.timeout.connect(self._idle)
        self.auditor = Loader(self)  # the lock's audit event, so a slow server never delays it
        self.auditor.failed.connect(self._not_audited)
        app = QApplication.instance()
        assert app is not None
        app.installEventFilter(self)
        self.timer.start()

    def is_locked(self) -> bool:
        return self.dialog is not None

    def stop(self) -> None:
        """The session is over: watch nothing more (a covered window stays covered)."""
        self.timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        for cover in self.covers.values():
            cover.detach()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if self.dialog is None:
            if kind in ACTIVITY:
                self.timer.start()
        elif kind == QEvent.Type.Show and isinstance(watched, QWidget):
            self._cover(watched)
        return False

    # --- Locking ---------------------------------------------------------------------

    def _idle(self) -> None:
        self.lock(idle=True)

    def lock(self, *, idle: bool = False) -> UnlockDialog:
        """Hide every window's patient data and ask for the password (Ctrl+L, or idle)."""
        if self.dialog is not None:
            return self.dialog
        self.timer.stop()
        while (popup := QApplication.activePopupWidget()) is not None:
            popup.close()
        QToolTip.hideText()
        dialog = UnlockDialog(self.desk, self.actor, demo=self.demo, parent=self.window)
        self.dialog = dialog
        for widget in QApplication.topLevelWidgets():
            self._cover(widget)
        dialog.unlocked.connect(self._unlocked)
        dialog.sign_out_requested.connect(self.ask_to_sign_out)
        dialog.show()  # not open(), which would make it window-modal: it blocks every window
        dialog.activateWindow()
        minutes = self.minutes if idle else None
        desk, actor = self.desk, self.actor
        self.auditor.request(lambda: desk.record_lock(actor, idle_minutes=minutes))
        self.locked.emit()
        return dialog

    def _cover(self, widget: QWidget) -> None:
        dialog = self.dialog
        if (
            dialog is None
            or widget in self.covers
            or not widget.isVisible()
            or not _is_coverable(widget)
            or _descends_from(widget, dialog)
        ):
            return
        cover = WindowCover(
            widget,
            f"Patient data is hidden until {self.actor.full_name} signs in again.",
        )
        self.covers[widget] = cover

    def _not_audited(self, exc: BaseException) -> None:
        log.error("The lock could not be recorded in the audit trail", exc_info=exc)

    def _unlocked(self) -> None:
        covers, self.covers = self.covers, {}
        for cover in covers.values():
            cover.remove()
        self._close_dialog()
        self.timer.start()
        self.unlocked.emit()

    def _close_dialog(self) -> None:
        if self.dialog is not None:
            self.dialog.finish()
            self.dialog.deleteLater()
            self.dialog = None

    # --- Signing out from the lock ----------------------------------------------------------

    def open_forms(self) -> tuple[int, int]:
        """(forms whose typing is kept as a draft, forms whose typing would be lost)."""
        kept = lost = 0
        for window in self._forms():
            if window.findChildren(DraftKeeper):
                kept += 1
            else:
                has_typing = getattr(window, "has_typing", None)
                if callable(has_typing) and has_typing():
                    lost += 1
        return kept, lost

    def _forms(self) -> list[QDialog]:
        dialog = self.dialog
        return [
            widget
            for widget in QApplication.topLevelWidgets()
            if isinstance(widget, QDialog)
            and widget.isVisible()
            and (dialog is None or not _descends_from(widget, dialog))
        ]

    def ask_to_sign_out(self) -> QMessageBox:
        """Ask before ending the session (never naming a child: the asker may be anyone)."""
        name = self.actor.full_name
        kept, lost = self.open_forms()
        words = [f"Sign {name} out? Their open records and forms close."]
        if kept:
            words.append(
                f"What they typed in {kept} open {'form' if kept == 1 else 'forms'} is kept "
                f"on this computer for {name} only, and offered when they next open it."
            )
        if lost:
            words.append(
                f"{lost} open {'form' if lost == 1 else 'forms'} with typing that cannot be "
                "kept as a draft will be lost."
            )
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Sign out?",
            " ".join(words),
            QMessageBox.StandardButton.Cancel,
            self.dialog,
        )
        sign_out = box.addButton(f"Sign {name} &out", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        # A bound method, not a lambda holding the button: PySide6 6.11 crashes deleting
        # a widget whose signal is connected to a lambda that holds another widget.
        self._sign_out_button = sign_out
        box.buttonClicked.connect(self._answered)
        self.sign_out_question = box
        box.open()
        return box

    def _answered(self, button: QAbstractButton) -> None:
        chosen, self._sign_out_button = self._sign_out_button, None
        self.sign_out_question = None
        if button is chosen:
            self.sign_out()

    def sign_out(self) -> None:
        """Close every open form, keeping its draft, and end the session (``signed_out``)."""
        for form in self._forms():
            for keeper in form.findChildren(DraftKeeper):
                keeper.write_now()
            # QDialog's own reject: the form's asks "discard what you typed?", which would
            # show the person at the keyboard whose form it is, and then throw the draft away.
            QDialog.reject(form)
        self.stop()  # the windows stay covered while the caller closes them
        self._close_dialog()
        self.signed_out.emit()
