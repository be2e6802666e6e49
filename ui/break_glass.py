"""Break-glass on screen (issue 8): another team's child's record, for a reason, read-only.

File > "Break glass: open another team's record…" asks for the child's exact
NHS number and why (``BreakGlassDialog``); nothing is looked up before both
are given. The record then opens in ``BreakGlassRecordWindow``: the child
record window with every change switched off, a red banner saying whose
record it is, why it was opened and until when, and only what the record
itself holds (referrals are the other team's to show). When the grant ends
the window closes. A child of the user's own team opens the usual way.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from healthvisitor.domain.validation import clean_nhs_number
from healthvisitor.errors import (
    HealthVisitorError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from healthvisitor.services.break_glass import (
    GRANT_LASTS,
    BreakGlassGrant,
    BreakGlassView,
    OwnTeamChild,
    clean_reason,
)
from healthvisitor.services.policy import Permission, may
from healthvisitor.ui.child_record_window import ChildRecordWindow
from healthvisitor.ui.form_fields import WARNING_SIGN
from healthvisitor.ui.screening_panel import ScreeningPanel

if TYPE_CHECKING:
    from healthvisitor.services.child_record import ChildRecord
    from healthvisitor.services.screening import ScreeningAndImmunisations
    from healthvisitor.services.workspace import Workspace
    from healthvisitor.ui.main_window import MainWindow

TITLE = "Break glass: open another team's record"
MENU_TEXT = "&Break glass: open another team's record…"
#: What the dialog says before anything is typed.
EXPLANATION = (
    "Only for a real need: a child of another team who is in front of you, or whose "
    "record you must see now. Give the child's exact NHS number and say why. The record "
    f"opens read-only for {int(GRANT_LASTS.total_seconds() // 3600)} hours; your reason, "
    "your name and this computer are recorded and shown to that team's lead."
)


def local_time(moment: dt.datetime, today: dt.date | None = None) -> str:
    """ "14:05", or "3 Dec 14:05" on another day, in this computer's time zone."""
    local = moment.astimezone()
    if today is not None and local.date() == today:
        return f"{local:%H:%M}"
    return f"{local.day} {local:%b %H:%M}"


class BreakGlassDialog(QDialog):
    """Asks for the NHS number and the reason, then opens the record read-only."""

    #: The record opened under a new grant (the BreakGlassRecordWindow).
    opened = Signal(object)
    #: The NHS number is a child of the user's own team: the child's id, to open as usual.
    own_team_child = Signal(object)

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.setWindowTitle(TITLE)
        self.setMinimumWidth(520)
        self.window_opened: BreakGlassRecordWindow | None = None

        explanation = QLabel(EXPLANATION)
        explanation.setWordWrap(True)
        explanation.setObjectName("formNote")
        self.nhs_number = QLineEdit()
        self.nhs_number.setAccessibleName("NHS number of the child")
        self.nhs_number.setPlaceholderText("e.g. 999 123 4560")
        self.nhs_number.setMaxLength(14)
        self.nhs_problem = self._problem_label("Problem with the NHS number")
        self.reason = QPlainTextEdit()
        self.reason.setAccessibleName("Why you need this record")
        self.reason.setPlaceholderText(
            "e.g. Brought to our clinic by her grandmother; checking her immunisations"
        )
        self.reason.setTabChangesFocus(True)
        self.reason.setFixedHeight(90)
        self.reason_problem = self._problem_label("Problem with the reason")
        self.problem = self._problem_label("Why the record did not open")

        nhs_label = QLabel("&NHS number:")
        nhs_label.setBuddy(self.nhs_number)
        reason_label = QLabel("&Why you need it:")
        reason_label.setBuddy(self.reason)
        form = QFormLayout()
        form.addRow(nhs_label, self.nhs_number)
        form.addRow("", self.nhs_problem)
        form.addRow(reason_label, self.reason)
        form.addRow("", self.reason_problem)

        self.buttons = QDialogButtonBox()
        self.open_button = QPushButton("&Open the record read-only")
        self.open_button.setAccessibleName("Open the record read-only")
        self.open_button.setDefault(True)
        self.buttons.addButton(self.open_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.break_glass)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(explanation)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)

        self.nhs_number.textChanged.connect(self._nhs_number_typed)
        self.reason.textChanged.connect(self._reason_typed)
        self._enable()

    @staticmethod
    def _problem_label(name: str) -> QLabel:
        label = QLabel()
        label.setObjectName("fieldError")
        label.setWordWrap(True)
        label.setAccessibleName(name)
        label.setStyleSheet("color: #D5281B; font-weight: bold;")  # NHS red, kept with it
        label.hide()
        return label

    def _say(self, label: QLabel, text: str) -> None:
        label.setText(f"{WARNING_SIGN} {text}" if text else "")
        label.setVisible(bool(text))
        self.adjustSize()  # room for every message, never one clipped

    # --- As the user types ------------------------------------------------------------

    def _nhs_number_typed(self) -> None:
        """Said as soon as ten digits are typed: a wrong check digit, a placeholder."""
        self._say(self.problem, "")
        digits = "".join(ch for ch in self.nhs_number.text() if ch.isdigit())
        problem = ""
        if len(digits) >= 10:
            try:
                clean_nhs_number(self.nhs_number.text())
            except ValidationError as error:
                problem = " ".join(error.for_field("nhs_number"))
        self._say(self.nhs_problem, problem)
        self._enable()

    def _reason_typed(self) -> None:
        self._say(self.problem, "")
        self._say(self.reason_problem, "")
        self._enable()

    def _enable(self) -> None:
        self.open_button.setEnabled(
            bool(self.nhs_number.text().strip()) and bool(self.reason.toPlainText().strip())
        )

    # --- Breaking the glass -------------------------------------------------------------

    def break_glass(self) -> BreakGlassRecordWindow | None:
        """Ask the service; on a grant open the record read-only; else say why, keeping the text."""
        nhs_number, reason = self.nhs_number.text(), self.reason.toPlainText()
        try:
            clean_reason(reason)  # said next to the field before anything is asked
        except ValidationError as error:
            self._say(self.reason_problem, " ".join(error.for_field("reason")))
            self.reason.setFocus(Qt.FocusReason.OtherFocusReason)
            return None
        try:
            granted = self.workspace.break_glass(nhs_number, reason)
        except ValidationError as error:
            self._say(self.nhs_problem, " ".join(error.for_field("nhs_number")))
            self._say(self.reason_problem, " ".join(error.for_field("reason")))
            return None
        except NotFoundError as error:
            self._say(self.nhs_problem, str(error))
            self.nhs_number.setFocus(Qt.FocusReason.OtherFocusReason)
            return None
        except HealthVisitorError as error:
            self._say(self.problem, str(error))
            return None
        if isinstance(granted, OwnTeamChild):
            self.own_team_child.emit(granted.child_id)
            self.accept()
            return None
        return self._open(granted)

    def _open(self, grant: BreakGlassGrant) -> BreakGlassRecordWindow | None:
        try:
            view = self.workspace.break_glass_record(grant.child_id)
        except HealthVisitorError as error:
            self._say(self.problem, str(error))
            return None
        window = BreakGlassRecordWindow(self.workspace, view, self.parentWidget())
        self.window_opened = window
        self.opened.emit(window)
        self.accept()
        return window


class BreakGlassBanner(QFrame):
    """Whose record, why it was opened and until when: above everything else, in red."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("breakGlassBanner")
        # Kept with the widget while other work edits the shared style sheets.
        self.setStyleSheet(
            "QFrame#breakGlassBanner { background: #FDECEA; border: 2px solid #D5281B;"
            " border-left: 8px solid #D5281B; }"
            " QLabel#breakGlassText { font-weight: bold; font-size: 11pt; }"
            " QLabel#breakGlassNote { color: #212B32; }"
        )
        self.text = QLabel()
        self.text.setObjectName("breakGlassText")
        self.text.setWordWrap(True)
        self.note = QLabel()
        self.note.setObjectName("breakGlassNote")
        self.note.setWordWrap(True)
        self.note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 8, 14, 8)
        layout.setSpacing(2)
        layout.addWidget(self.text)
        layout.addWidget(self.note)

    def show_grant(self, grant: BreakGlassGrant, today: dt.date) -> None:
        self.text.setText(
            f"{WARNING_SIGN} Break-glass access: {grant.team_name}'s record, read-only "
            f"until {local_time(grant.expires_at, today)}"
        )
        self.note.setText(
            f'Opened at {local_time(grant.granted_at, today)} because: "{grant.reason}". '
            f"Each opening is recorded and shown to {grant.team_name}'s team lead. Nothing "
            "can be changed or printed here."
        )
        self.setAccessibleName(self.text.text())
        self.setAccessibleDescription(self.note.text())


class _RecordScreening(ScreeningPanel):
    """The record's own screening and immunisations, read-only (not read again by its service)."""

    def __init__(self, workspace: Workspace, record: ChildRecord) -> None:
        super().__init__(workspace, record.id)
        self.from_record = record.screening

    def reload(self) -> None:
        if self.from_record is not None:
            self.show_view(self.from_record)

    def show_view(self, view: ScreeningAndImmunisations) -> None:
        super().show_view(view)
        for button in (self.screening_button, self.immunisation_button):
            button.hide()


class BreakGlassRecordWindow(ChildRecordWindow):
    """Another team's child's record under a break-glass grant: read, never changed."""

    #: Says the window closed itself because the grant ended (for the main window).
    grant_ended = Signal(str)

    def __init__(
        self, workspace: Workspace, view: BreakGlassView, parent: QWidget | None = None
    ) -> None:
        if view.grant is None:
            raise ValueError("a break-glass window is for a record opened under a grant")
        self.grant: BreakGlassGrant = view.grant
        super().__init__(workspace, view.record, parent)
        self.glass_banner = BreakGlassBanner()
        self.glass_banner.show_grant(self.grant, workspace.today())
        self._put_above_the_record(self.glass_banner)
        for action in (self.print_action, self.print_professional_action, self.access_log_action):
            action.setEnabled(False)
            action.setVisible(False)
        details = getattr(self, "details_menu", None)  # editing details (issue 9)
        if isinstance(details, QMenu):
            details.menuAction().setVisible(False)
            for button in self.header.findChildren(QPushButton):
                if button.menu() is details:
                    button.hide()
        self.expiry = QTimer(self)
        self.expiry.setSingleShot(True)
        self.expiry.timeout.connect(self._grant_ended)
        left = self.grant.expires_at - dt.datetime.now(dt.UTC)
        self.expiry.start(max(0, min(int(left.total_seconds() * 1000), 2**31 - 1)))
        self._read_only()

    def _put_above_the_record(self, banner: QWidget) -> None:
        """First in the record's body, where the closed and colleague banners are."""
        central = self.centralWidget()
        outer = central.layout() if central is not None else None
        for number in range(outer.count() if outer is not None else 0):
            item = outer.itemAt(number) if outer is not None else None
            body = item.layout() if item is not None else None
            if isinstance(body, QVBoxLayout) and body.indexOf(self.closed_banner) >= 0:
                body.insertWidget(0, banner)
                return
        raise RuntimeError("the record window has no body to put the break-glass banner in")

    def _add_team_tabs(self) -> None:
        """The record's own screening and immunisations; referrals are the other team's."""
        note = QLabel(
            "Referrals are not shown with break-glass access: they are the other team's to "
            "share. Ask their team if you need them."
        )
        note.setObjectName("emptyState")
        note.setWordWrap(True)
        note.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.tabs.addTab(note, "Re&ferrals")
        self.screening_panel = _RecordScreening(self.workspace, self.record)
        self.tabs.addTab(self.screening_panel, "Screening and &immunisations")

    def show_record(self, record: ChildRecord) -> None:
        super().show_record(record)
        self.setWindowTitle(f"BREAK-GLASS, read-only: {self.windowTitle()}")
        panel = getattr(self, "screening_panel", None)
        if isinstance(panel, _RecordScreening):
            panel.from_record = record.screening
        self._read_only()

    def _read_only(self) -> None:
        """Every way to change the record off and hidden (the services refuse them anyway)."""
        banner = getattr(self, "colleague_banner", None)  # ours says it, not a colleague's
        if isinstance(banner, QWidget):
            banner.hide()
        for action in (
            self.record_action,
            self.close_record_action,
            self.reopen_action,
        ):
            action.setEnabled(False)
            action.setVisible(False)
        self.record_button.hide()
        self.closed_banner.reopen_button.hide()

    def reload(self) -> None:
        """Read the record again under the grant (F5); closes if the grant has ended."""
        try:
            view = self.workspace.break_glass_record(self.record.id)
        except PermissionDeniedError as error:
            self._close_for(str(error))
            return
        except HealthVisitorError as error:
            self.glass_banner.note.setText(f"{WARNING_SIGN} Not read again: {error}")
            return
        if view.grant is not None:
            self.grant = view.grant
            self.glass_banner.show_grant(view.grant, self.workspace.today())
        self.show_record(view.record)

    def _grant_ended(self) -> None:
        self._close_for(
            f"Break-glass access to {self.record.name}'s record has ended; the window is closed."
        )

    def _close_for(self, why: str) -> None:
        self.grant_ended.emit(why)
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.expiry.stop()
        super().closeEvent(event)


class BreakGlassDesk(QObject):
    """The main window's break-glass: the menu action, the dialog and the windows it opened."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.dialog: BreakGlassDialog | None = None
        self.windows: dict[uuid.UUID, BreakGlassRecordWindow] = {}
        self.action: QAction | None = None
        # Signing out, or quitting, closes the main window: its break-glass windows go too.
        window.installEventFilter(self)

    @property
    def main_window(self) -> MainWindow:
        """The window this desk belongs to: its Qt parent, so no Python cycle holds it.

        A reference kept in the desk's own attributes made a cycle that the
        cycle collector cleared while Qt still delivered events to the filter.
        """
        window = self.parent()
        assert window is not None
        return window  # type: ignore[return-value]

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Close and watched is self.parent():
            for opened in list(self.windows.values()):
                opened.close()  # nothing can be typed in one, so it never asks
        return False

    def ask(self) -> BreakGlassDialog:
        """The dialog, window-modal over the main window."""
        dialog = BreakGlassDialog(self.main_window.workspace, self.main_window)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.opened.connect(self._opened)
        dialog.own_team_child.connect(self._own_team_child)
        dialog.finished.connect(self._dialog_closed)
        self.dialog = dialog
        dialog.open()
        return dialog

    def _dialog_closed(self, _result: int) -> None:
        self.dialog = None

    def _own_team_child(self, child_id: object) -> None:
        if isinstance(child_id, uuid.UUID):
            self.main_window.statusBar().showMessage(
                "That child is in your own team: no break-glass needed, the record opens as usual.",
                8000,
            )
            self.main_window.open_record(child_id)

    def _opened(self, window: object) -> None:
        if not isinstance(window, BreakGlassRecordWindow):
            return
        earlier = self.windows.pop(window.record.id, None)
        if earlier is not None:
            earlier.close()
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        window.closed.connect(self._closed)
        window.grant_ended.connect(self._ended)
        self.windows[window.record.id] = window
        screen = self.main_window.screen()
        if screen is not None:
            window.setGeometry(screen.availableGeometry())
        window.showMaximized()
        window.activateWindow()

    def _closed(self, child_id: object) -> None:
        if isinstance(child_id, uuid.UUID):
            self.windows.pop(child_id, None)

    def _ended(self, why: str) -> None:
        self.main_window.statusBar().showMessage(why, 15000)


def build_break_glass_action(menu: QMenu, window: MainWindow) -> BreakGlassDesk | None:
    """Add "Break glass: open another team's record…" for roles that may (else None)."""
    if not may(window.workspace.actor.role, Permission.BREAK_GLASS):
        return None
    desk = BreakGlassDesk(window)
    desk.action = menu.addAction(MENU_TEXT)
    desk.action.setStatusTip(
        "Read another team's child's record when you must: by NHS number, with your reason; "
        "read-only, recorded and shown to that team's lead"
    )
    desk.action.triggered.connect(desk.ask)
    return desk
