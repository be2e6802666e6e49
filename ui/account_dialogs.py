"""User accounts in the administrator's window (issue 8): the list and its dialogs.

* ``AccountsView``: every account (name, user name, role, team, state, locked
  until, last sign-in, caseload size), sortable by any column and filtered by
  what is typed and by state; under it what can be done to the chosen account.
* ``AddAccountDialog``, ``SetPasswordDialog`` and ``ChangeRoleDialog``: forms
  in the house style (``registration_dialogs.RecordDialog``): each problem
  beside its field in the administrator's words, everything typed kept.
* Disabling a leaver asks first and says what stays (their history) and what
  does not (their caseload is not reallocated by itself).

Every action goes through ``Workspace`` to ``healthvisitor.services.accounts``,
which checks ``Permission.MANAGE_USERS`` and writes the audit event; the
password rules are the service's (``domain.accounts.check_new_password``,
called here only to say what is wrong as the password is typed). A password
is typed twice, masked, and never shown, kept or logged by the window.
A few hundred accounts load in one query on the GUI thread: no worker needed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from healthvisitor.domain.accounts import MIN_PASSWORD_LENGTH, check_new_password
from healthvisitor.domain.enums import Role
from healthvisitor.errors import (
    DuplicateError,
    HealthVisitorError,
    ValidationError,
)
from healthvisitor.services.accounts import UserLine
from healthvisitor.ui.contact_form_sections import FormSection
from healthvisitor.ui.form_fields import ChoiceCombo, FieldMessage, FormField
from healthvisitor.ui.line_lists import attempt, chosen_line, line_table
from healthvisitor.ui.line_table_model import LINE_ROLE, LineColumn, LineTableModel
from healthvisitor.ui.registration_dialogs import RecordDialog
from healthvisitor.ui.window_modal import open_window_modal

if TYPE_CHECKING:
    from healthvisitor.services.workspace import Workspace

ModelIndex = QModelIndex | QPersistentModelIndex
#: The key a column sorts by (text sorts by its words, times by the time).
SORT_ROLE = Qt.ItemDataRole.UserRole + 1

NO_TEAM = "No team (administrators only)"
PASSWORD_ADVICE = (
    f"At least {MIN_PASSWORD_LENGTH} characters, not a commonly used password and not "
    "containing the user name: three random words make a good one. Give it to them "
    "in person or by telephone, never by email. It is not shown anywhere or kept by "
    "this window."
)
#: Said before a leaver is disabled: what stays, and what the team lead must do.
DISABLE_EXPLAINED = (
    "They will no longer be able to sign in. Everything they recorded stays, with "
    "their name on it, and the audit trail keeps what they did: disabling never "
    "deletes anything. You can re-enable the account later."
)


def _when(moment: dt.datetime) -> str:
    """A stored UTC time on the administrator's own clock: ``24 Nov 2026 09:00``."""
    return f"{moment.astimezone():%d %b %Y %H:%M}"


def state_words(line: UserLine) -> str:
    if not line.active:
        return "Disabled"
    if not line.has_password:
        return "Active, no password yet"
    return "Active"


def locked_words(line: UserLine, now: dt.datetime) -> str:
    if not line.is_locked(now):
        return ""
    assert line.locked_until is not None
    local = line.locked_until.astimezone()
    same_day = local.date() == now.astimezone().date()
    return f"{local:%H:%M}" if same_day else _when(line.locked_until)


def caseload_words(count: int) -> str:
    return f"{count} {'child' if count == 1 else 'children'}"


class AccountsModel(LineTableModel):
    """Every account, one a row; ``SORT_ROLE`` gives each column's sort key."""

    def __init__(self, now: Callable[[], dt.datetime], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.now = now
        self.columns = (
            LineColumn("Name", lambda u: u.full_name),
            LineColumn("User name", lambda u: u.username),
            LineColumn("Role", lambda u: u.role.label),
            LineColumn(
                "Team", lambda u: u.team_name or "—", spoken=lambda u: u.team_name or "none"
            ),
            LineColumn(
                "State",
                state_words,
                colour=lambda u: None if u.active else "#6b6b6b",
                tooltip=lambda u: "" if u.active else "Cannot sign in; their history stays",
            ),
            LineColumn(
                "Locked until",
                lambda u: locked_words(u, self.now()),
                spoken=lambda u: (
                    f"locked until {locked_words(u, self.now())}"
                    if u.is_locked(self.now())
                    else "not locked"
                ),
                tooltip=lambda u: (
                    "Too many wrong passwords: Unlock lets them try again"
                    if u.is_locked(self.now())
                    else ""
                ),
            ),
            LineColumn(
                "Last signed in",
                lambda u: _when(u.last_sign_in) if u.last_sign_in else "Never",
            ),
            LineColumn(
                "Caseload",
                lambda u: str(u.children) if u.role is not Role.ADMINISTRATOR else "",
                spoken=lambda u: caseload_words(u.children),
                tooltip=lambda u: "Active children allocated to them",
            ),
        )

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == SORT_ROLE and index.isValid() and 0 <= index.row() < self.rowCount():
            return self._sort_key(self.line_at(index.row()), index.column())
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = super().data(index, role)
            return tip or None
        return super().data(index, role)

    def _sort_key(self, line: UserLine, column: int) -> str:
        """A string for every column, so that the proxy compares like with like."""
        if column == 5:
            locked = line.locked_until if line.is_locked(self.now()) else None
            return locked.isoformat() if locked else ""
        if column == 6:
            return line.last_sign_in.isoformat() if line.last_sign_in else ""
        if column == 7:
            return f"{line.children:08d}"
        return str(self.columns[column].display(line)).casefold()


class AccountsFilter(QSortFilterProxyModel):
    """Rows whose name, user name, team or role hold the words typed, in the state chosen."""

    STATES: ClassVar[tuple[tuple[str, str], ...]] = (
        ("All accounts", "all"),
        ("Active", "active"),
        ("Disabled (leavers)", "disabled"),
        ("Locked", "locked"),
    )

    def __init__(self, model: AccountsModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.accounts = model
        self.setSourceModel(model)
        self.setSortRole(SORT_ROLE)
        self.words = ""
        self.state = "all"

    def set_words(self, words: str) -> None:
        self.beginFilterChange()
        self.words = words.strip().casefold()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_state(self, state: str) -> None:
        self.beginFilterChange()
        self.state = state
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: ModelIndex) -> bool:
        line: UserLine = self.accounts.line_at(source_row)
        if self.state == "active" and not line.active:
            return False
        if self.state == "disabled" and line.active:
            return False
        if self.state == "locked" and not line.is_locked(self.accounts.now()):
            return False
        if not self.words:
            return True
        haystack = " ".join((line.full_name, line.username, line.team_name, line.role.label))
        return all(word in haystack.casefold() for word in self.words.split())


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class AccountsView(QWidget):
    """The "User accounts" part of the administrator's window."""

    def __init__(
        self,
        workspace: Workspace,
        parent: QWidget | None = None,
        *,
        now: Callable[[], dt.datetime] = _utc_now,
    ) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.setAccessibleName("User accounts")
        self.model = AccountsModel(now, self)
        self.proxy = AccountsFilter(self.model, self)
        self.dialog: RecordDialog | None = None

        heading = QLabel("User accounts")
        heading.setObjectName("heading")
        self.search = QLineEdit()
        self.search.setPlaceholderText("Name, user name, team or role")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Find an account")
        find_label = QLabel("F&ind:")
        find_label.setBuddy(self.search)
        self.show_state = ChoiceCombo(list(AccountsFilter.STATES))
        self.show_state.setAccessibleName("Show")
        show_label = QLabel("S&how:")
        show_label.setBuddy(self.show_state)
        self.count = QLabel()
        self.count.setAccessibleName("Accounts shown")
        filters = QHBoxLayout()
        filters.addWidget(find_label)
        filters.addWidget(self.search, 1)
        filters.addWidget(show_label)
        filters.addWidget(self.show_state)
        filters.addWidget(self.count)

        self.table = line_table(self.proxy, "User accounts", self._show_chosen)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)

        self.add_button = QPushButton("Add a&ccount…")
        self.password_button = QPushButton("Set &password…")
        self.disable_button = QPushButton("&Disable (leaver)…")
        self.enable_button = QPushButton("Re-e&nable")
        self.unlock_button = QPushButton("&Unlock")
        self.role_button = QPushButton("Change role/&team…")
        tips = {
            self.add_button: "A new account with its first password",
            self.password_button: "Set or reset the chosen account's password (lifts a lockout)",
            self.disable_button: "A leaver: they can no longer sign in; their history stays",
            self.enable_button: "Let the chosen disabled account sign in again",
            self.unlock_button: "Let the chosen locked account try its password again now",
            self.role_button: "Give the chosen account another role or team",
        }
        actions = QHBoxLayout()
        for button, tip in tips.items():
            button.setToolTip(tip)
            button.setAutoDefault(False)
            actions.addWidget(button)
        actions.addStretch(1)
        #: Why the last action was refused (inline, under the list), or what it did.
        self.message = FieldMessage()
        self.message.setAccessibleName("Why that was not done")
        self.done = QLabel()
        self.done.setObjectName("formNote")
        self.done.setWordWrap(True)
        self.done.setAccessibleName("What was done")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(heading)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)
        layout.addWidget(self.message)
        layout.addWidget(self.done)

        self.search.textChanged.connect(self._filter_changed)
        self.show_state.currentIndexChanged.connect(self._filter_changed)
        self.add_button.clicked.connect(self.open_add)
        self.password_button.clicked.connect(self.open_set_password)
        self.disable_button.clicked.connect(lambda: self.disable())
        self.enable_button.clicked.connect(self.enable)
        self.unlock_button.clicked.connect(self.unlock)
        self.role_button.clicked.connect(self.open_change_role)
        self.reload()

    # --- The list ------------------------------------------------------------------------

    def reload(self, choose: str | None = None) -> None:
        """Read the accounts again, keeping the chosen one chosen (or ``choose``)."""
        chosen = choose or (line.username if (line := self.chosen()) else None)
        try:
            lines = self.workspace.user_accounts()
        except HealthVisitorError as error:
            self.model.set_lines([])
            self._show_chosen()
            self.message.show_message(f"The accounts cannot be shown: {error}")
            return
        self.model.set_lines(lines)
        if chosen is not None:
            self.choose(chosen)
        self._count()
        self._show_chosen()

    def lines_shown(self) -> list[UserLine]:
        """The rows as shown: filtered and in the order sorted (for tests)."""
        return [self.proxy.index(row, 0).data(LINE_ROLE) for row in range(self.proxy.rowCount())]

    def chosen(self) -> UserLine | None:
        line: UserLine | None = chosen_line(self.table)
        return line

    def choose(self, username: str) -> None:
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, 0)
            if index.data(LINE_ROLE).username == username:
                self.table.selectRow(row)
                self.table.scrollTo(index)
                return
        self.table.clearSelection()

    def _filter_changed(self) -> None:
        chosen = self.chosen()
        self.proxy.set_words(self.search.text())
        self.proxy.set_state(str(self.show_state.value() or "all"))
        # Qt may move the selection to a neighbour when the chosen row is filtered
        # out: an action must never fall on an account nobody chose.
        if chosen is not None:
            self.choose(chosen.username)
        else:
            self.table.clearSelection()
        self._count()
        self._show_chosen()

    def _count(self) -> None:
        shown, every = self.proxy.rowCount(), self.model.rowCount()
        self.count.setText(f"{shown} of {every}" if shown != every else f"{every} accounts")

    def _show_chosen(self) -> None:
        line = self.chosen()
        self.message.show_message(None)  # a refusal was about the account chosen before
        locked = line is not None and line.is_locked(self.model.now())
        self.password_button.setEnabled(line is not None)
        self.role_button.setEnabled(line is not None)
        self.disable_button.setEnabled(line is not None and line.active)
        self.enable_button.setEnabled(line is not None and not line.active)
        self.unlock_button.setEnabled(locked)

    def _said(self, done: str) -> None:
        self.message.show_message(None)
        self.done.setText(done)

    def _refused(self, error: HealthVisitorError) -> None:
        self.done.setText("")
        words = (
            " ".join(p.message for p in error.problems)
            if isinstance(error, ValidationError)
            else str(error)
        )
        self.message.show_message(words)

    # --- What can be done to an account ----------------------------------------------------

    def _open(self, dialog: RecordDialog, done: Callable[[Any], None]) -> RecordDialog:
        dialog.saved.connect(done)
        self.dialog = dialog
        return open_window_modal(dialog, self._dialog_closed)

    def _dialog_closed(self, _result: int) -> None:
        self.dialog = None

    def _teams(self) -> list[str] | None:
        """The teams to choose from; None, and why under the list, if they cannot be read."""
        try:
            return self.workspace.account_teams()
        except HealthVisitorError as error:
            self._refused(error)
            return None

    def open_add(self) -> RecordDialog | None:
        teams = self._teams()
        if teams is None:
            return None

        def added(line: UserLine) -> None:
            self.reload(choose=line.username)
            self._said(
                f"Added {line.full_name} ({line.username}, {line.role.label.lower()}). "
                "They can sign in now with the password you gave."
            )

        return self._open(AddAccountDialog(self.workspace, teams, self), added)

    def open_set_password(self) -> RecordDialog | None:
        line = self.chosen()
        if line is None:
            return None

        def set_(_result: object) -> None:
            self.reload()
            self._said(f"New password set for {line.full_name}; any lockout is lifted.")

        return self._open(SetPasswordDialog(self.workspace, line, self), set_)

    def open_change_role(self) -> RecordDialog | None:
        line = self.chosen()
        if line is None:
            return None
        teams = self._teams()
        if teams is None:
            return None

        def changed(new: UserLine) -> None:
            self.reload(choose=new.username)
            self._said(
                f"{new.full_name} is now {new.role.label.lower()}"
                + (f" in {new.team_name}" if new.team_name else "")
                + ": a window they have open stops at its next action until they sign in again."
            )

        return self._open(ChangeRoleDialog(self.workspace, line, teams, self), changed)

    def disable_question(self, line: UserLine) -> str:
        caseload = (
            f"\n\n{line.full_name} still has {caseload_words(line.children)} allocated. "
            "Disabling does not move them: ask their team lead to reallocate them, so "
            "that no child's reviews are missed."
            if line.children
            else ""
        )
        return f"Disable {line.full_name} ({line.username})?\n\n{DISABLE_EXPLAINED}{caseload}"

    def disable(self, *, confirmed: bool = False) -> None:
        line = self.chosen()
        if line is None:
            return
        if not confirmed:
            answer = QMessageBox.question(
                self,
                "Disable a leaver's account",
                self.disable_question(line),
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        self._change(
            self.workspace.disable_account,
            lambda line: (
                f"{line.full_name} is disabled and can no longer sign in; everything "
                "they recorded stays."
            ),
        )

    def enable(self) -> None:
        self._change(
            self.workspace.enable_account,
            lambda line: (
                f"{line.full_name} can sign in again with the password they had. If "
                "others may know it, set a new one."
            ),
        )

    def unlock(self) -> None:
        self._change(
            self.workspace.unlock_account,
            lambda line: f"{line.full_name} can try their password again now.",
        )

    def _change(self, change: Callable[[str], object], done: Callable[[UserLine], str]) -> None:
        """``change`` the chosen account (by user name); if done, read the list again and say so."""
        line = self.chosen()
        if line is not None and attempt(lambda: change(line.username), self._refused):
            self.reload()
            self._said(done(line))


# --- The dialogs ---------------------------------------------------------------------------


def _password_edit() -> QLineEdit:
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    # No copying out of it, and no input method guessing at it (Qt's password hints).
    edit.setInputMethodHints(
        Qt.InputMethodHint.ImhHiddenText
        | Qt.InputMethodHint.ImhNoPredictiveText
        | Qt.InputMethodHint.ImhSensitiveData
    )
    edit.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
    return edit


class PasswordSection(FormSection):
    """A new password, typed twice, checked by the service's own rule as it is typed."""

    def __init__(self, username: Callable[[], str], parent: QWidget | None = None) -> None:
        super().__init__("Password", parent)
        self.username = username
        self.password = _password_edit()
        self.again = _password_edit()
        self.add(
            "password",
            FormField("&Password", self.password, check=self._check_password),
        )
        self.add("password_again", FormField("Type it a&gain", self.again, check=self._check_again))
        self.note(PASSWORD_ADVICE)

    def _check_password(self) -> str | None:
        typed = self.password.text()
        if not typed:
            return "Type the password they will sign in with."
        try:
            check_new_password(typed, self.username().strip())
        except ValidationError as refused:
            return " ".join(refused.for_field("password")) or str(refused)
        return None

    def _check_again(self) -> str | None:
        if not self.again.text():
            return "Type the password again, to be sure of it."
        if self.again.text() != self.password.text():
            return "The two passwords typed are not the same."
        return None


def _team_combo(teams: list[str]) -> ChoiceCombo:
    return ChoiceCombo([(name, name) for name in teams], none_text=NO_TEAM)


def _role_combo(placeholder: str = "") -> ChoiceCombo:
    return ChoiceCombo([(role.label, role) for role in Role], placeholder=placeholder)


class _AccountDialog(RecordDialog):
    """A ``RecordDialog`` whose "already a user" refusal goes beside the user name."""

    def submit(self, *, confirm_possible_duplicate: bool, confirm_implausible: bool) -> Any:
        try:
            return self.save_account()
        except DuplicateError as error:
            raise ValidationError(str(error), "username") from error

    def save_account(self) -> Any:
        raise NotImplementedError


class AddAccountDialog(_AccountDialog):
    """A new account: who they are, their role and team, and a first password."""

    what = "Account"

    def __init__(self, workspace: Workspace, teams: list[str], parent: QWidget | None = None):
        super().__init__(workspace, "<b>Add an account</b>", parent)
        self.setWindowTitle("Add an account")
        self.setAccessibleName("Add an account")
        who = FormSection("Who they are")
        self.full_name = QLineEdit()
        self.full_name.setPlaceholderText("As colleagues know them, e.g. Jo Okafor")
        self.username = QLineEdit()
        self.username.setPlaceholderText("What they sign in with, e.g. jokafor")
        self.role = _role_combo("Choose their role")
        self.team = _team_combo(teams)
        who.add(
            "name",
            FormField(
                "Full &name",
                self.full_name,
                check=lambda: None if self.full_name.text().strip() else "Enter their full name.",
            ),
        )
        who.add(
            "username",
            FormField(
                "&User name",
                self.username,
                check=lambda: None if self.username.text().strip() else "Enter a user name.",
            ),
        )
        who.add(
            "role",
            FormField(
                "&Role",
                self.role,
                check=lambda: None if self.role.value() is not None else "Choose their role.",
            ),
        )
        who.add("team", FormField("&Team", self.team))
        self.add_section(who)
        self.passwords = PasswordSection(self.username.text)
        self.add_section(self.passwords)
        self.save_button.setText("&Add account")
        self.finish()
        # Room for a message under every field and the advice under the password,
        # without scrolling, on a 1366x768 laptop (RecordDialog caps it at 720).
        self.resize(self.width(), max(self.height(), 660))

    def save_account(self) -> UserLine:
        role = self.role.value()
        assert isinstance(role, Role)
        return self.workspace.add_account(
            username=self.username.text(),
            full_name=self.full_name.text(),
            role=role,
            team_name=self.team.value(),
            password=self.passwords.password.text(),
        )


class SetPasswordDialog(_AccountDialog):
    """A new password for an existing account; it also lifts a lockout."""

    what = "Password"

    def __init__(self, workspace: Workspace, line: UserLine, parent: QWidget | None = None):
        super().__init__(
            workspace,
            f"<b>A new password for {line.full_name}</b> ({line.username})<br>"
            "It replaces the one they had and lifts any lockout.",
            parent,
        )
        self.line = line
        self.setWindowTitle("Set a password")
        self.setAccessibleName(f"Set a password for {line.full_name}")
        self.passwords = PasswordSection(lambda: line.username)
        self.add_section(self.passwords)
        self.save_button.setText("&Set password")
        self.finish()

    def save_account(self) -> None:
        self.workspace.set_account_password(self.line.username, self.passwords.password.text())


class ChangeRoleDialog(_AccountDialog):
    """Another role or team for an account: a permission change, audited old and new."""

    what = "Role and team"
    aliases: ClassVar[dict[str, str]] = {"username": "role"}

    def __init__(
        self,
        workspace: Workspace,
        line: UserLine,
        teams: list[str],
        parent: QWidget | None = None,
    ):
        super().__init__(
            workspace,
            f"<b>Role and team of {line.full_name}</b> ({line.username})",
            parent,
        )
        self.line = line
        self.setWindowTitle("Change role or team")
        self.setAccessibleName(f"Change the role or team of {line.full_name}")
        section = FormSection("What they may see and do")
        self.role = _role_combo()
        self.role.set_value(line.role)
        self.team = _team_combo(teams)
        self.team.set_value(line.team_name or None)
        section.add("role", FormField("&Role", self.role))
        section.add("team", FormField("&Team", self.team))
        caseload = (
            f" They hold {caseload_words(line.children)} on their caseload: moving them to "
            "another team does not move the children, so ask their team lead to reallocate."
            if line.children
            else ""
        )
        section.note(
            "A window they have open stops at its next action until they sign in again "
            "with the new role. The change is kept in the "
            "audit trail as a permission change, with the old and the new." + caseload
        )
        self.add_section(section)
        self.save_button.setText("&Change")
        self.finish()

    def save_account(self) -> UserLine:
        role = self.role.value()
        assert isinstance(role, Role)
        return self.workspace.change_account_role(
            self.line.username, role=role, team_name=self.team.value()
        )
