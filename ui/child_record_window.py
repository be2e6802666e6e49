"""One child's record in its own window: who the child is, reviews, contacts and growth.

Opened from the caseload (Enter, a double-click, or Ctrl+O), one window per
child, sized for a 1366x768 laptop: the header says who the child is, a
banner says what needs attention (faltering growth), and two tabs hold the
rest: the five mandated reviews above the contacts timeline, and the growth
measurements beside the UK-WHO charts. "Record contact…" (Ctrl+N, or Enter
on a review) opens the contact form; when it saves, the whole record is read
again so the reviews, contacts, measurements, charts and alerts all agree.

Working offline (issue 12): on the laptop's copy a yellow banner says so, and
what the shared database decides (closing or reopening the record, who
accessed it; in the tabs, screening and immunisations and changes to
referrals made before going offline) is switched off, each saying why
(``ui/offline_actions.py``). Contacts, new referrals, printing and correcting
details stay on.

Records through time (issue 4): "Close the record…" records a transfer out,
a move, a discharge or a death; a closed record shows a banner saying so
("Moved away on 3 Oct 2026 — to Leeds. Record is read-only."), contact
recording is switched off, and no review shows as due. "Reopen the
record…" brings back a child who moved back (never one who died). The
"History" tab lists the record's status changes and its allocation history.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from healthvisitor.domain.enums import ContactKind, RecordStatus
from healthvisitor.errors import HealthVisitorError
from healthvisitor.services.policy import Permission, may
from healthvisitor.ui.access_log_view import AccessLogDialog, open_access_log
from healthvisitor.ui.caseload_model import short_date
from healthvisitor.ui.child_record_models import (
    LINE_ROLE,
    AllocationHistoryModel,
    ContactsModel,
    LineTableModel,
    MeasurementsModel,
    ReviewsModel,
    StatusHistoryModel,
)
from healthvisitor.ui.contact_form import (
    ContactForm,
    ContactSubject,
    available_kinds,
    open_contact_form,
)
from healthvisitor.ui.edit_details_dialogs import EditDetailsMenu  # issue 9: editing details
from healthvisitor.ui.form_fields import WARNING_SIGN
from healthvisitor.ui.growth_chart_view import GrowthChartView
from healthvisitor.ui.offline_actions import (
    RECORD_OFFLINE,
    TITLE_SUFFIX,
    OfflineBanner,
    disable_offline,
    offline_reason,
    works_offline,
)
from healthvisitor.ui.print_preview import ReportRun, preview_red_book
from healthvisitor.ui.referral_prompts import ReferralPromptsDialog, show_referral_prompts
from healthvisitor.ui.referrals_panel import ReferralsPanel
from healthvisitor.ui.registration_dialogs import (
    CloseRecordDialog,
    RecordDialog,
    ReopenRecordDialog,
    open_dialog,
)
from healthvisitor.ui.screening_panel import ScreeningPanel
from healthvisitor.ui.theme import app_icon

if TYPE_CHECKING:
    from healthvisitor.domain.faltering import FalteringAlert
    from healthvisitor.services.child_record import ChildRecord
    from healthvisitor.services.contacts import RecordedContact
    from healthvisitor.services.workspace import Workspace

#: Tab titles for the charts, in ``ChildRecord.charts`` order (red book order).
CHART_TITLES = ("Weight", "Length/height", "Head circumference")
#: How each closed status begins its sentence on the banner.
CLOSED_WORDS = {
    RecordStatus.TRANSFERRED_OUT: "Transferred out",
    RecordStatus.MOVED_AWAY: "Moved away",
    RecordStatus.DISCHARGED: "Discharged",
    RecordStatus.DECEASED: "Died",
}


def _where_to(status: RecordStatus, detail: str) -> str:
    """ "to Leeds" for a move or transfer typed as "Leeds"; other details as typed."""
    if not detail:
        return ""
    moving = status in (RecordStatus.TRANSFERRED_OUT, RecordStatus.MOVED_AWAY)
    if moving and not detail.lower().startswith("to "):
        return f"to {detail}"
    return detail


def closed_text(record: ChildRecord) -> str:
    """What the closed-record banner says: what happened, when, where to; read-only."""
    if not record.is_closed:
        return ""
    closing = record.closing
    words = CLOSED_WORDS.get(record.record_status, record.record_status.label)
    day = closing.effective_date if closing else record.record_status_date
    sentence = f"{words} on {short_date(day)}" if day else words
    where = _where_to(record.record_status, closing.detail if closing else "")
    if where:
        sentence += f" — {where.rstrip('.')}"
    return f"{sentence}. Record is read-only."


def record_fact(record: ChildRecord) -> str:
    """The header's "Record" fact: its status, and where the child came from."""
    text = record.record_status.label
    if record.is_closed and record.record_status_date:
        text += f" since {short_date(record.record_status_date)}"
    if record.transferred_in_from:
        arrived = f" on {short_date(record.transferred_in_on)}" if record.transferred_in_on else ""
        text += f"; transferred in from {record.transferred_in_from}{arrived}"
    return text


def record_table(model: LineTableModel, name: str) -> QTableView:
    """A read-only table of one record list, styled like the caseload."""
    table = QTableView()
    table.setModel(model)
    table.setAccessibleName(name)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setShowGrid(False)
    table.setWordWrap(False)
    table.setTabKeyNavigation(False)  # Tab leaves the table, arrows move within it
    table.verticalHeader().hide()
    header = table.horizontalHeader()
    header.setHighlightSections(False)
    header.setStretchLastSection(True)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    return table


def size_columns(table: QTableView) -> None:
    table.resizeColumnsToContents()
    header = table.horizontalHeader()
    model = table.model()
    for column in range(model.columnCount() - 1):
        header.resizeSection(column, header.sectionSize(column) + 8)


def heading(text: str, buddy: QWidget | None = None) -> QLabel:
    label = QLabel(text)
    label.setObjectName("sectionHeading")
    if buddy is not None:
        label.setBuddy(buddy)
    return label


class RecordHeader(QFrame):
    """Who the child is: name, NHS number, birth details, family and health visitor."""

    FACTS = (
        "NHS number",
        "Date of birth",
        "Age",
        "Sex",
        "Gestation",
        "Birth weight",
        "Family",
        "Address",
        "Language",
        "Carers",
        "Health visitor",
        "Record",
    )
    #: Facts per row of the header grid (caption and value each).
    PER_ROW = 4

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("recordHeader")
        self.name = QLabel()
        self.name.setObjectName("recordName")
        self.name.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.values: dict[str, QLabel] = {}
        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(4)
        for number, fact in enumerate(self.FACTS):
            row, column = divmod(number, self.PER_ROW)
            caption = QLabel(f"{fact}:")
            caption.setObjectName("factCaption")
            value = QLabel()
            value.setObjectName("factValue")
            value.setAccessibleName(fact)
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            grid.addWidget(caption, row, column * 2, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(value, row, column * 2 + 1, Qt.AlignmentFlag.AlignTop)
            grid.setColumnStretch(column * 2 + 1, 1)
            self.values[fact] = value
        self.top = QHBoxLayout()
        self.top.addWidget(self.name)
        self.top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 10, 16, 10)
        layout.setSpacing(6)
        layout.addLayout(self.top)
        layout.addLayout(grid)

    def show_record(self, record: ChildRecord) -> None:
        self.name.setText(record.name)
        self.name.setAccessibleName(f"Child: {record.name}")
        weight = f"{record.birth_weight_kg:.3f} kg" if record.birth_weight_kg else "Not recorded"
        language = record.main_language or "Not recorded"
        if record.interpreter_needed:
            language = f"{language} (interpreter needed)"
        facts = {
            "NHS number": record.nhs_number,
            "Date of birth": short_date(record.date_of_birth),
            "Age": record.age,
            "Sex": record.sex.label,
            "Gestation": f"{record.gestation} weeks",
            "Birth weight": weight,
            "Family": record.family,
            "Address": record.address or "Not recorded",
            "Language": language,
            "Carers": "; ".join(record.carers) or "None recorded",
            "Health visitor": record.health_visitor,
            "Record": record_fact(record),
        }
        for fact, text in facts.items():
            self.values[fact].setText(text)


class AlertBanner(QFrame):
    """Faltering-growth alerts, prominent above everything else, in words with a warning sign."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("alertBanner")
        self.title = QLabel()
        self.title.setObjectName("alertTitle")
        self.text = QLabel()
        self.text.setObjectName("alertText")
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 8, 14, 8)
        layout.setSpacing(2)
        layout.addWidget(self.title)
        layout.addWidget(self.text)
        self.hide()

    def show_alerts(self, alerts: tuple[FalteringAlert, ...]) -> None:
        count = len(alerts)
        self.title.setText(
            f"{WARNING_SIGN} Faltering growth (NICE NG75): {count} alert{'s' if count != 1 else ''}"
        )
        self.text.setText("\n".join(f"• {alert.message}" for alert in alerts))
        self.setAccessibleName(self.title.text())
        self.setAccessibleDescription(" ".join(alert.message for alert in alerts))
        self.setVisible(bool(alerts))

    def messages(self) -> list[str]:
        return [line.removeprefix("• ") for line in self.text.text().splitlines()]


class ClosedBanner(QFrame):
    """A closed record, said in words above everything else: what, when, where to."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("closedBanner")
        # Kept with the widget while other work edits the shared style sheets.
        self.setStyleSheet(
            "QFrame#closedBanner { background: #F0F4F5; border: 2px solid #4C6272;"
            " border-left: 8px solid #4C6272; }"
            " QLabel#closedText { font-weight: bold; font-size: 11pt; }"
            " QLabel#closedNote { color: #212B32; }"
        )
        self.text = QLabel()
        self.text.setObjectName("closedText")
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.note = QLabel()
        self.note.setObjectName("closedNote")
        self.note.setWordWrap(True)
        self.reopen_button = QPushButton("Re&open the record…")
        self.reopen_button.setAccessibleName("Reopen the record")
        self.reopen_button.setAutoDefault(False)
        words = QVBoxLayout()
        words.setSpacing(2)
        words.addWidget(self.text)
        words.addWidget(self.note)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(14, 8, 14, 8)
        layout.addLayout(words, 1)
        layout.addWidget(self.reopen_button, 0, Qt.AlignmentFlag.AlignVCenter)
        self.hide()

    def show_record(self, record: ChildRecord) -> None:
        text = closed_text(record)
        self.text.setText(text)
        deceased = record.record_status is RecordStatus.DECEASED
        self.note.setText(
            "All reminders have stopped. Contacts, growth and history stay on record."
            if deceased
            else "All reminders have stopped. If the child comes back to the area, reopen "
            "the record: they return to the team's unallocated list."
        )
        self.reopen_button.setVisible(not deceased)
        self.setAccessibleName(text)
        self.setAccessibleDescription(self.note.text())
        self.setVisible(bool(text))


# --- issue 8, own caseload: a colleague's record is read only ---
class ColleagueBanner(QFrame):
    """A colleague's record the user may read but not change, said above everything else."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("colleagueBanner")
        # Kept with the widget while other work edits the shared style sheets.
        self.setStyleSheet(
            "QFrame#colleagueBanner { background: #FFF9E6; border: 2px solid #8A6D00;"
            " border-left: 8px solid #8A6D00; }"
            " QLabel#colleagueText { font-weight: bold; font-size: 11pt; }"
            " QLabel#colleagueNote { color: #212B32; }"
        )
        self.text = QLabel()
        self.text.setObjectName("colleagueText")
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.note = QLabel()
        self.note.setObjectName("colleagueNote")
        self.note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 8, 14, 8)
        layout.setSpacing(2)
        layout.addWidget(self.text)
        layout.addWidget(self.note)
        self.hide()

    def show_record(self, record: ChildRecord) -> None:
        # Only a colleague's record; one opened by break-glass says so its own way.
        self.text.setText(
            f"{record.colleague_caseload} — read only" if record.colleague_caseload else ""
        )
        self.note.setText(
            "You can read this record but not change it: no contact, referral or change "
            "of status can be recorded. Ask your team lead for cover."
        )
        self.setAccessibleName(self.text.text())
        self.setAccessibleDescription(self.note.text())
        self.setVisible(bool(record.colleague_caseload))


# --- end of issue 8, own caseload ---


class ChildRecordWindow(QMainWindow):
    """The record of one child, for the signed-in user of ``workspace``."""

    #: The child whose record changed (a contact was saved): the caseload refreshes.
    record_changed = Signal(object)
    #: The window closed; carries the child's id.
    closed = Signal(object)

    def __init__(
        self, workspace: Workspace, record: ChildRecord, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowFlag(Qt.WindowType.Window)
        self.setWindowIcon(app_icon())
        self.setMinimumSize(900, 560)
        self.workspace = workspace
        #: On the laptop's offline copy (issue 12): what the shared database decides is off.
        self.offline = works_offline(workspace)
        self.record = record
        self.contact_form: ContactForm | None = None
        self.status_dialog: RecordDialog | None = None
        self.prompts: ReferralPromptsDialog | None = None
        self._sized = False

        self.header = RecordHeader()
        self.record_button = QPushButton("Record a &contact…")
        self.record_button.setAccessibleName("Record a contact")
        self.record_button.setToolTip("Record a review or other contact (Ctrl+N)")
        self.record_button.setAutoDefault(False)
        self.record_button.clicked.connect(lambda: self.record_contact())
        self.header.top.addWidget(self.record_button)
        self.banner = AlertBanner()
        self.closed_banner = ClosedBanner()
        self.closed_banner.reopen_button.clicked.connect(self.reopen_record)
        self.colleague_banner = ColleagueBanner()  # issue 8: a colleague's record

        self.reviews = ReviewsModel(self)
        self.contacts = ContactsModel(self)
        self.measurements = MeasurementsModel(self)
        self.reviews_table = record_table(self.reviews, "Mandated reviews")
        self.reviews_table.setToolTip("Enter or double-click a review to record it")
        self.reviews_table.activated.connect(self._review_activated)
        self.contacts_table = record_table(self.contacts, "Contacts")
        self.measurements_table = record_table(self.measurements, "Growth measurements")
        self.status_history = StatusHistoryModel(self)
        self.allocation_history = AllocationHistoryModel(self)
        self.status_table = record_table(self.status_history, "Record status history")
        self.allocation_table = record_table(self.allocation_history, "Allocation history")
        self.chart_tabs = QTabWidget()
        self.chart_tabs.setAccessibleName("Growth charts")
        self.chart_views: list[GrowthChartView] = []
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Record sections")
        self.tabs.addTab(self._reviews_page(), "Re&views and contacts")
        self.tabs.addTab(self._growth_page(), "&Growth")
        self.tabs.addTab(self._history_page(), "&History")
        self._add_team_tabs()  # break-glass (issue 8): ui/break_glass.py adds its own

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        # Issue 12: on the laptop's offline copy the record says so above everything.
        self.offline_banner: OfflineBanner | None = None
        if self.offline:
            self.offline_banner = OfflineBanner(central, RECORD_OFFLINE)
            layout.addWidget(self.offline_banner)
        layout.addWidget(self.header)
        body = QVBoxLayout()
        body.setContentsMargins(16, 10, 16, 12)
        body.setSpacing(8)
        body.addWidget(self.colleague_banner)  # issue 8: a colleague's record
        body.addWidget(self.closed_banner)
        body.addWidget(self.banner)
        body.addWidget(self.tabs, 1)
        layout.addLayout(body, 1)
        self.setCentralWidget(central)
        self._build_actions()
        # --- editing details (issue 9, ui/edit_details_dialogs.py) ---
        self.details_menu = EditDetailsMenu(self)
        self.menuBar().addMenu(self.details_menu)
        self.header.top.addWidget(self.details_menu.button())
        # --- end editing details ---
        self.show_record(record)
        self.reviews_table.setFocus(Qt.FocusReason.OtherFocusReason)

    # --- Building ---------------------------------------------------------------

    # --- break-glass (issue 8): begin ---
    def _add_team_tabs(self) -> None:
        """Referrals, and screening and immunisations: each read by its own service, within
        the team (a record opened by break-glass, ``ui/break_glass.py``, shows its own)."""
        self.referrals_panel = ReferralsPanel(self.workspace, self.record.id)
        self.tabs.addTab(self.referrals_panel, "Re&ferrals")
        self.tabs.addTab(
            ScreeningPanel(self.workspace, self.record.id), "Screening and &immunisations"
        )

    # --- break-glass (issue 8): end ---

    def _reviews_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(8, 10, 8, 8)
        layout.setSpacing(6)
        layout.addWidget(heading("Mandated r&eviews (Healthy Child Programme)", self.reviews_table))
        layout.addWidget(self.reviews_table)
        layout.addWidget(heading("Contacts, &newest first", self.contacts_table))
        layout.addWidget(self.contacts_table, 1)
        return page

    def _growth_page(self) -> QWidget:
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(heading("&Measurements, newest first", self.measurements_table))
        left_layout.addWidget(self.measurements_table, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(left)
        splitter.addWidget(self.chart_tabs)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        self.growth_splitter = splitter
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(8, 10, 8, 8)
        layout.addWidget(splitter)
        return page

    def _history_page(self) -> QWidget:
        self.status_empty = QLabel()
        self.status_empty.setObjectName("formNote")
        self.allocation_empty = QLabel()
        self.allocation_empty.setObjectName("formNote")
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(8, 10, 8, 8)
        layout.setSpacing(6)
        layout.addWidget(heading("Record &status: closed and reopened", self.status_table))
        layout.addWidget(self.status_empty)
        layout.addWidget(self.status_table, 1)
        layout.addWidget(
            heading("&Allocation history: the named health visitor", self.allocation_table)
        )
        layout.addWidget(self.allocation_empty)
        layout.addWidget(self.allocation_table, 2)
        return page

    def _build_actions(self) -> None:
        record_menu = self.menuBar().addMenu("&Record")
        self.record_menu = record_menu
        self.record_action = QAction("Record a &contact…", self)
        self.record_action.setShortcut(QKeySequence.StandardKey.New)
        self.record_action.triggered.connect(lambda: self.record_contact())
        record_menu.addAction(self.record_action)
        self.reload_action = QAction("Re&load the record", self)
        self.reload_action.setShortcut(QKeySequence.StandardKey.Refresh)
        self.reload_action.triggered.connect(self.reload)
        record_menu.addAction(self.reload_action)
        record_menu.addSeparator()
        self.print_action = QAction("&Print the red book summary (family's copy)…", self)
        self.print_action.setShortcut(QKeySequence.StandardKey.Print)
        self.print_action.triggered.connect(self.print_red_book)
        record_menu.addAction(self.print_action)
        self.print_professional_action = QAction(
            "Print a professional's copy, &with safeguarding…", self
        )
        self.print_professional_action.setShortcut(QKeySequence("Ctrl+Shift+P"))
        self.print_professional_action.triggered.connect(self.print_professional_copy)
        record_menu.addAction(self.print_professional_action)
        # Who accessed the record (issue 8): only for roles the policy lets read the audit.
        self.access_log_action = QAction("Who &accessed this record…", self)
        self.access_log_action.triggered.connect(lambda: self.show_access_log())
        self.access_log_action.setVisible(may(self.workspace.actor.role, Permission.READ_AUDIT))
        record_menu.addAction(self.access_log_action)
        record_menu.addSeparator()
        self.close_record_action = QAction(
            "Close the &record (transferred out, moved away, discharged, died)…", self
        )
        self.close_record_action.setShortcut(QKeySequence("Ctrl+Shift+X"))
        self.close_record_action.triggered.connect(lambda: self.close_record())
        record_menu.addAction(self.close_record_action)
        self.reopen_action = QAction("Re&open the record…", self)
        self.reopen_action.triggered.connect(lambda: self.reopen_record())
        record_menu.addAction(self.reopen_action)
        record_menu.addSeparator()
        self.close_action = QAction("Close this &window", self)
        self.close_action.setShortcut(QKeySequence.StandardKey.Close)
        self.close_action.triggered.connect(self.close)
        record_menu.addAction(self.close_action)

    # --- Showing ------------------------------------------------------------------

    def show_record(self, record: ChildRecord) -> None:
        self.record = record
        self.setWindowTitle(
            f"{record.name} ({record.nhs_number}) — HealthVisitor"
            + (TITLE_SUFFIX if self.offline else "")
        )
        self.header.show_record(record)
        self.banner.show_alerts(record.alerts)
        self.reviews.set_lines(record.reviews)
        self.contacts.set_lines(record.contacts)
        self.measurements.set_lines(record.measurements)
        for table in (self.reviews_table, self.contacts_table, self.measurements_table):
            size_columns(table)
        rows = self.reviews.rowCount()
        self.reviews_table.setFixedHeight(
            self.reviews_table.horizontalHeader().sizeHint().height()
            + sum(self.reviews_table.rowHeight(r) for r in range(rows))
            + 2 * self.reviews_table.frameWidth()
            + 2
        )
        self._show_charts(record)
        self._show_history(record)
        self.closed_banner.show_record(record)
        closed = record.is_closed
        for control in (self.record_button, self.record_action):
            control.setEnabled(not closed)
        # Hidden too: a disabled button still invites a click; the banner says why.
        self.record_button.setVisible(not closed)
        self.record_button.setToolTip(
            f"{closed_text(record)} No contact can be added."
            if closed
            else "Record a review or other contact (Ctrl+N)"
        )
        self.close_record_action.setEnabled(not closed)
        self.reopen_action.setEnabled(closed and record.record_status is not RecordStatus.DECEASED)
        # --- issue 8, own caseload: a colleague's record is read only, and says why ---
        self.colleague_banner.show_record(record)
        if record.read_only_reason:
            self.record_button.setToolTip(record.read_only_reason)
            for change in (
                self.record_button,
                self.record_action,
                self.close_record_action,
                self.reopen_action,
                self.closed_banner.reopen_button,
            ):
                change.setEnabled(False)
                change.setToolTip(record.read_only_reason)
            self.reviews_table.setToolTip(record.read_only_reason)
        self._offline_limits(record)
        # The tabs hear it at once too, not only the next time they are shown.
        for index in range(self.tabs.count()):
            tab = self.tabs.widget(index)
            if isinstance(tab, (ReferralsPanel, ScreeningPanel)):
                tab.set_read_only(record.read_only_reason)
        # --- end of issue 8, own caseload ---

    def _offline_limits(self, record: ChildRecord) -> None:
        """On the offline copy (issue 12): off, saying why, what the shared database decides.

        A contact, a new referral, printing and the details the copy may change stay on.
        """
        if not self.offline:
            return
        disable_offline(self.access_log_action, "access_log")
        if record.read_only_reason:
            return  # a colleague's record: already off, and why is said
        for change in (
            self.close_record_action,
            self.reopen_action,
            self.closed_banner.reopen_button,
        ):
            disable_offline(change, "record_status")
        if record.is_closed and self.closed_banner.reopen_button.isVisibleTo(self.closed_banner):
            # The banner's button is the way most people reopen: say beside it why not now.
            self.closed_banner.note.setText(
                f"{self.closed_banner.note.text()} {offline_reason('record_status')}"
            )

    def _show_history(self, record: ChildRecord) -> None:
        self.status_history.set_lines(record.status_history)
        self.allocation_history.set_lines(record.allocation_history)
        for table, empty, text in (
            (self.status_table, self.status_empty, "The record has never been closed."),
            (
                self.allocation_table,
                self.allocation_empty,
                "No change of health visitor has been recorded.",
            ),
        ):
            size_columns(table)
            empty.setText(text)
            empty.setVisible(table.model().rowCount() == 0)

    def _show_charts(self, record: ChildRecord) -> None:
        current = self.chart_tabs.currentIndex()
        if len(self.chart_views) != len(record.charts):
            self.chart_tabs.clear()
            self.chart_views = []
            for number, chart in enumerate(record.charts):
                view = GrowthChartView(chart)
                title = CHART_TITLES[number] if number < len(CHART_TITLES) else chart.title
                self.chart_tabs.addTab(view, title)
                self.chart_views.append(view)
        else:
            for view, chart in zip(self.chart_views, record.charts, strict=True):
                view.set_chart(chart)
        if 0 <= current < self.chart_tabs.count():
            self.chart_tabs.setCurrentIndex(current)

    def reload(self) -> None:
        """Read the record again (after a save, or when asked: F5)."""
        try:
            record = self.workspace.child_record(self.record.id)
        except HealthVisitorError as error:
            QMessageBox.warning(self, "Record not reloaded", str(error))
            return
        self.show_record(record)
        self.referrals_panel.reload()

    # --- Printing ------------------------------------------------------------------

    def print_red_book(self) -> ReportRun:
        """The family's copy of the red book summary: no safeguarding information."""
        return preview_red_book(self, self.workspace, self.record.id)

    def print_professional_copy(self) -> ReportRun:
        return preview_red_book(self, self.workspace, self.record.id, for_family=False)

    def show_access_log(self) -> AccessLogDialog | None:
        """Who accessed this record, over a range of days (team leads; audited).

        Not offline (issue 12): the copy holds only what this laptop did.
        """
        if self.offline:
            return None
        return open_access_log(self, self.workspace, self.record.id, self.record.name)

    # --- Recording a contact --------------------------------------------------------

    def record_contact(self, kind: ContactKind | None = None) -> ContactForm | None:
        """Open the contact form (window-modal) for ``kind``, or the next review due.

        Nothing opens on a closed record, or a colleague's: they are read-only.
        """
        if self.record.is_closed or self.record.read_only_reason:  # issue 8
            return None
        self.contact_form = open_contact_form(
            self,
            self.workspace,
            ContactSubject.for_child(self.record),
            kind,
            on_saved=self._contact_saved,
            on_finished=self._form_closed,
        )
        return self.contact_form

    # --- Closing and reopening the record (issue 4) -----------------------------------

    def close_record(self) -> RecordDialog | None:
        """Ask why and when the record closes (window-modal); the record is read again after."""
        if self.record.is_closed or self.record.read_only_reason:  # issue 8
            return None
        if self.offline:  # issue 12: the action is off; a shortcut must not open it
            return None
        self.status_dialog = open_dialog(
            CloseRecordDialog(self.workspace, self.record, self),
            on_saved=self._status_saved,
            on_finished=self._status_dialog_closed,
        )
        return self.status_dialog

    def reopen_record(self) -> RecordDialog | None:
        if not self.record.is_closed or self.record.record_status is RecordStatus.DECEASED:
            return None
        if self.record.read_only_reason or self.offline:  # issue 8; issue 12
            return None
        self.status_dialog = open_dialog(
            ReopenRecordDialog(self.workspace, self.record, self),
            on_saved=self._status_saved,
            on_finished=self._status_dialog_closed,
        )
        return self.status_dialog

    def _status_saved(self, _summary: object) -> None:
        self.reload()
        self.record_changed.emit(self.record.id)

    def _status_dialog_closed(self, _result: int) -> None:
        self.status_dialog = None

    def _review_activated(self, index: object) -> None:
        if self.record.is_closed or self.record.read_only_reason:  # issue 8
            return
        line = self.reviews_table.currentIndex().data(LINE_ROLE)
        kind = getattr(line, "kind", None)
        if isinstance(kind, ContactKind) and kind in available_kinds(
            ContactSubject.for_child(self.record)
        ):
            self.record_contact(kind)

    def _form_closed(self, _result: int) -> None:
        self.contact_form = None

    def _contact_saved(self, recorded: RecordedContact) -> None:
        self.reload()
        self.record_changed.emit(self.record.id)
        if recorded.alerts:
            listed = "\n\n".join(f"• {alert.message}" for alert in recorded.alerts)
            QMessageBox.warning(
                self,
                "Faltering growth",
                "The contact is saved. The child's weights now meet these NICE NG75 "
                f"thresholds for faltering growth:\n\n{listed}\n\n"
                "They are shown at the top of the record until the weight recovers.",
            )
        # What the findings call for (issue 5): suggested referrals, each accepted or
        # declined with a reason.
        self.prompts = show_referral_prompts(self, self.workspace, recorded.contact_id)
        if self.prompts is not None:
            self.prompts.referral_drafted.connect(self._referral_drafted)

    def _referral_drafted(self, *_args: object) -> None:
        self.referrals_panel.reload()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._sized:
            # Half each: left alone, the table takes all it asks for and squeezes
            # the chart, which keeps its shape (more width than half is white space).
            self._sized = True
            width = max(self.growth_splitter.width(), self.width() - 60)
            self.growth_splitter.setSizes([width // 2, width - width // 2])

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.status_dialog is not None and self.status_dialog.isVisible():
            self.status_dialog.reject()  # asks before discarding anything typed
            if self.status_dialog is not None and self.status_dialog.isVisible():
                event.ignore()
                return
        if self.contact_form is not None and self.contact_form.isVisible():
            self.contact_form.reject()  # asks before discarding anything typed
            if self.contact_form is not None and self.contact_form.isVisible():
                event.ignore()
                return
        self.closed.emit(self.record.id)
        super().closeEvent(event)
