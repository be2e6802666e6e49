"""Signing in to the window (issue 8): each person with their own account and password.

``SignInDialog`` asks for the user name and password before any patient data
is shown. The check (argon2id, about a tenth of a second, and the audit
event) runs off the GUI thread through ``ui.worker.Loader``; the answer says
what to do in the person's own words: a wrong password never says whether it
was the user name or the password that was wrong; a locked account says for
how long; a disabled one says to ask the system administrator
(``healthvisitor.services.accounts``, which also audits every attempt).

With ``--demo`` the dialog offers the demo accounts, biggest caseload first,
and fills in the published demo password, so README's first command still
opens the demo with one press of Enter.

Offline (issue 12): when the shared database cannot be reached (at start, or
when "Sign in" finds it gone), the dialog says so and, if this laptop has an
offline copy, offers "Work offline on this laptop's copy": the same user name
and password, checked against the copy (``healthvisitor.sync.offline_sign_in``),
answered with ``signed_in_offline``. After "Carry on offline on this laptop's
copy" in a window whose connection dropped, the dialog opens so (``offline_first``:
the user name filled in, the password asked again, Enter working offline).

Nothing here blocks: the dialog is shown with ``open()`` and answers with its
``signed_in`` signal, so the start-up (``ui.app``) and the tests drive it
without a nested event loop. Passwords stay in memory, in the input and for
the one check; they are cleared as soon as it is answered.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from healthvisitor.domain.accounts import DEMO_PASSWORD
from healthvisitor.errors import (
    DatabaseUnavailableError,
    HealthVisitorError,
    PasswordRequiredError,
)
from healthvisitor.services.accounts import DemoAccount, SignInDesk
from healthvisitor.services.actor import Actor
from healthvisitor.ui.form_fields import FieldMessage
from healthvisitor.ui.theme import app_icon
from healthvisitor.ui.worker import Loader

if TYPE_CHECKING:
    from healthvisitor.sync.offline_sign_in import OfflineSignIn

log = logging.getLogger(__name__)

TITLE = "Sign in to HealthVisitor"
WIDTH = 480
DEMO_WIDTH = 760  # a demo account's line names the team and the caseload
EMPTY = "Type your user name and your password."
OFFLINE_TEXT = "Work &offline on this laptop's copy"


def unreachable_words(reason: str, *, copies: bool) -> str:
    """The shared database does not answer: what the person can do."""
    if copies:
        return (
            f"{reason} You can work offline on this laptop's copy: type your user name and "
            'password and choose "Work offline on this laptop\'s copy". What you record is '
            "kept on this laptop and sent when the shared database answers again."
        )
    return f"{reason} This laptop has no offline copy to work on; try again when connected."


def refusal_text(exc: BaseException) -> str:
    """What to tell the person when signing in (or unlocking) did not work."""
    if isinstance(exc, HealthVisitorError):  # SignInError and e.g. a missing audit key
        return str(exc)
    log.error("Signing in failed", exc_info=exc)
    return (
        f"Signing in failed because of an unexpected problem ({type(exc).__name__}). "
        "Please tell your system administrator; the details are in the log."
    )


def password_input(accessible_name: str) -> QLineEdit:
    """A masked password box that no other program can copy out of."""
    box = QLineEdit()
    box.setEchoMode(QLineEdit.EchoMode.Password)
    box.setAccessibleName(accessible_name)
    box.setInputMethodHints(
        Qt.InputMethodHint.ImhHiddenText
        | Qt.InputMethodHint.ImhSensitiveData
        | Qt.InputMethodHint.ImhNoPredictiveText
    )
    box.setMaxLength(256)  # the domain refuses more than 128 anyway
    return box


def demo_account_text(account: DemoAccount) -> str:
    role = account.role.label.lower()
    where = f", {account.team_name}" if account.team_name else ""
    children = f" ({account.children} children)" if account.children else ""
    return f"{account.full_name}: {role}{where}{children}"


class SignInDialog(QDialog):
    """User name and password; ``signed_in`` carries the ``Actor`` once they are right.

    The dialog stays open after ``signed_in``: whoever opens the window closes
    it (``accept``), or shows why the window cannot open (``show_problem``,
    e.g. an administrator, who has no caseload) and lets the person try again.
    """

    signed_in = Signal(object)  # Actor
    #: Signed in on the laptop's copy (``OfflineSession``), the shared database unreachable.
    signed_in_offline = Signal(object)

    def __init__(
        self,
        desk: SignInDesk,
        *,
        database: str,
        demo_accounts: Sequence[DemoAccount] = (),
        username: str = "",
        offline: OfflineSignIn | None = None,
        unreachable: str = "",
        offline_first: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.desk = desk
        self.offline = offline
        #: The person chose to carry on offline (the connection dropped under their window):
        #: Enter works offline, as that is what they asked for.
        self.offline_first = offline_first
        self.demo = bool(demo_accounts)
        self.setObjectName("signInDialog")
        self.setWindowTitle(TITLE)
        self.setWindowIcon(app_icon())
        # A fixed width, so wrapped words (a long message) make it taller, never clipped.
        self.setFixedWidth(DEMO_WIDTH if demo_accounts else WIDTH)

        heading = QLabel(TITLE)
        heading.setObjectName("formHeading")
        where = QLabel(f"Database: {database}")
        where.setWordWrap(True)
        where.setAccessibleName("Database")

        self.username = QLineEdit(username)
        self.username.setAccessibleName("User name")
        self.username.setMaxLength(200)
        self.account = QComboBox()  # the demo accounts, in place of typing a name
        self.account.setAccessibleName("Demo account")
        # A long account line must not squeeze the label beside it (it clipped it).
        self.account.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.account.setMinimumContentsLength(24)
        for account in demo_accounts:
            self.account.addItem(demo_account_text(account), account.username)
        if username:
            self.account.setCurrentIndex(max(0, self.account.findData(username)))
        self.password = password_input("Password")
        self.message = FieldMessage()
        self.message.setObjectName("fieldMessage")
        self.message.setAccessibleName("Why signing in did not work")

        form = QFormLayout()
        if self.demo:
            label = QLabel("&Demo account")
            label.setMinimumWidth(label.sizeHint().width())
            label.setBuddy(self.account)
            form.addRow(label, self.account)
            self.username.hide()
        else:
            label = QLabel("&User name")
            label.setBuddy(self.username)
            form.addRow(label, self.username)
            self.account.hide()
        password_label = QLabel("&Password")
        password_label.setBuddy(self.password)
        form.addRow(password_label, self.password)

        self.sign_in_button = QPushButton("&Sign in")
        self.sign_in_button.setDefault(True)
        self.sign_in_button.setAccessibleName("Sign in")
        self.quit_button = QPushButton("&Quit")
        self.quit_button.setAutoDefault(False)
        self.quit_button.setToolTip("Close HealthVisitor without signing in (Esc)")
        self.sign_in_button.clicked.connect(self.sign_in)
        self.quit_button.clicked.connect(self.reject)
        self.offline_button = QPushButton(OFFLINE_TEXT)
        self.offline_button.setAutoDefault(False)
        self.offline_button.setAccessibleName("Work offline on this laptop's copy")
        self.offline_button.setToolTip(
            "The shared database cannot be reached: sign in on the encrypted copy of your "
            "caseload kept on this laptop. Changes are sent when the shared database answers."
        )
        self.offline_button.clicked.connect(self.sign_in_offline)
        self.offline_button.hide()
        buttons = QHBoxLayout()
        buttons.addWidget(self.offline_button)
        buttons.addStretch(1)
        buttons.addWidget(self.sign_in_button)
        buttons.addWidget(self.quit_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 18)
        layout.setSpacing(10)
        layout.addWidget(heading)
        layout.addWidget(where)
        layout.addLayout(form)
        if self.demo:
            note = QLabel(
                f"Demo data, not real children. Every demo account's password is "
                f"<b>{DEMO_PASSWORD}</b>; it opens demo accounts only."
            )
            note.setObjectName("demoNote")
            note.setWordWrap(True)
            layout.addWidget(note)
            self.password.setText(DEMO_PASSWORD)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.adjustSize()

        self.loader = Loader(self)
        self.loader.loaded.connect(self._signed_in)
        self.loader.failed.connect(self._refused)
        self.offline_loader = Loader(self)
        self.offline_loader.loaded.connect(self._signed_in_offline)
        self.offline_loader.failed.connect(self._refused)
        if unreachable:
            self.server_unreachable(unreachable)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        first = self.account if self.demo else self.username
        target = self.password if self.demo or self.username.text() else first
        target.setFocus(Qt.FocusReason.OtherFocusReason)

    def chosen_username(self) -> str:
        if self.demo:
            return str(self.account.currentData() or "")
        return self.username.text().strip()

    def sign_in(self) -> None:
        """Check the name and password typed (off the GUI thread); see the class."""
        if self.busy():
            return
        username, password = self.chosen_username(), self.password.text()
        if not username or not password:
            self.show_problem(EMPTY)
            return
        self._busy(True)
        desk = self.desk
        self.loader.request(lambda: desk.sign_in(username, password))

    def busy(self) -> bool:
        return bool(self.loader.busy or self.offline_loader.busy)

    def server_unreachable(self, reason: str) -> None:
        """The shared database does not answer: say so, and offer the offline copy."""
        copies = self.offline is not None and self.offline.available()
        self.offline_button.setVisible(copies)
        if copies and self.offline_first:
            self.offline_button.setDefault(True)
            self.sign_in_button.setDefault(False)
        self.show_problem(unreachable_words(reason, copies=copies))

    def sign_in_offline(self) -> None:
        """Check the name and password against this laptop's copy (off the GUI thread)."""
        offline = self.offline
        if offline is None or self.busy():
            return
        username, password = self.chosen_username(), self.password.text()
        if not username or not password:
            self.show_problem(EMPTY)
            return
        self._busy(True)
        self.offline_loader.request(lambda: offline.sign_in(username, password))

    def _signed_in_offline(self, session: object) -> None:
        self._busy(False)
        if not self.demo:
            self.password.clear()
        self.signed_in_offline.emit(session)

    def _busy(self, busy: bool) -> None:
        for widget in (
            self.username,
            self.account,
            self.password,
            self.sign_in_button,
            self.offline_button,
        ):
            widget.setEnabled(not busy)
        if busy:
            self.message.show_message(None)
            self.setCursor(Qt.CursorShape.BusyCursor)
        else:
            self.unsetCursor()

    def _signed_in(self, actor: Actor) -> None:
        self._busy(False)
        if not self.demo:
            self.password.clear()
        self.signed_in.emit(actor)

    def _refused(self, exc: BaseException) -> None:
        self._busy(False)
        if isinstance(exc, DatabaseUnavailableError) and not isinstance(exc, PasswordRequiredError):
            self.server_unreachable(str(exc))
        else:
            self.show_problem(refusal_text(exc))
        if not self.demo:  # the demo's password is published: left for the next try
            self.password.clear()
        self.password.setFocus(Qt.FocusReason.OtherFocusReason)

    def show_problem(self, message: str) -> None:
        """Say why signing in (or opening the window) did not work; the dialog stays."""
        self._busy(False)
        self.message.show_message(message)
        self.adjustSize()
