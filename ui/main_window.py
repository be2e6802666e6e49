"""The main window: banner, caseload, menus and a status bar saying who and where.

The banner holds the team search (issue 4, ``TeamSearch``): Ctrl+F from
anywhere in the window, results as you type in place of the caseload, Esc
back to it. The caseload's own line (Ctrl+Shift+F) only filters the list
shown, so "find any child of the team" and "narrow my worklist" never mix.

A child's record opens in its own window (``ChildRecordWindow``), one per
child, from the caseload; the antenatal review of a pregnancy whose baby is
not born yet is recorded from the caseload's "Pregnancies" tab, in the
contact form opened over this window (issue 3). A team lead also has the
team board, the caseload's "Team" tab (Ctrl+3, issue 4). The window itself
only frames them and holds the one ``Workspace`` they share.
"""

from __future__ import annotations

import sys
import uuid
from typing import TYPE_CHECKING

import PySide6
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.engine import make_url

from healthvisitor import __version__
from healthvisitor.config import load_settings
from healthvisitor.domain.enums import ContactKind, Role
from healthvisitor.errors import HealthVisitorError
from healthvisitor.services.metrics import MetricScope
from healthvisitor.ui.break_glass import build_break_glass_action  # issue 8, break-glass
from healthvisitor.ui.break_glass_review import add_break_glass_notice  # issue 8, break-glass
from healthvisitor.ui.caseload_model import COLUMNS
from healthvisitor.ui.caseload_panel import CaseloadPanel
from healthvisitor.ui.child_record_window import ChildRecordWindow
from healthvisitor.ui.connection_status import ConnectionStatus
from healthvisitor.ui.contact_form import ContactForm, ContactSubject, open_contact_form
from healthvisitor.ui.offline_sync import build_offline_menu, offline_status_for
from healthvisitor.ui.performance_view import PerformanceView
from healthvisitor.ui.print_preview import ReportRun, preview_handover, preview_red_book
from healthvisitor.ui.referral_prompts import ReferralPromptsDialog, show_referral_prompts
from healthvisitor.ui.referral_types_admin import build_administration_menu
from healthvisitor.ui.referrals_panel import PregnancyReferralsDialog
from healthvisitor.ui.registration_dialogs import build_records_menu
from healthvisitor.ui.search_panel import TeamSearch
from healthvisitor.ui.theme import app_icon

if TYPE_CHECKING:
    from healthvisitor.services.contacts import RecordedContact
    from healthvisitor.services.pregnancies import PregnancyRow
    from healthvisitor.services.search import PregnancySearchRow
    from healthvisitor.services.workspace import SignedIn, Workspace

APP_NAME = "HealthVisitor"
DEMO_TITLE = " — DEMO DATA, not real children"


def window_title(who: SignedIn) -> str:
    title = f"{APP_NAME} — {who.full_name} ({who.role.label})"
    return f"{title}, {who.team_name}" if who.team_name else title


def database_location(described_url: str) -> str:
    """Where the database is, for people: a SQLite file's path or a server's host.

    ``described_url`` is ``SignedIn.database`` (already rendered with the
    password hidden); only the path, or the database name, host and port, are
    taken from it, so no user name or password can reach the screen.
    """
    url = make_url(described_url)
    if url.get_backend_name() == "sqlite":
        return url.database or "a temporary in-memory database"
    host = f"{url.host or 'localhost'}{f':{url.port}' if url.port else ''}"
    return f"{url.database} on {host}" if url.database else host


def about_text() -> str:
    return (
        f"<h3>{APP_NAME} {__version__}</h3>"
        "<p>Case management for NHS health visitor teams: caseloads, the five mandated "
        "reviews, growth, referrals and the red book.</p>"
        "<p>Free software under the GNU Affero General Public License, version 3 or "
        "later (AGPL-3.0-or-later).</p>"
        "<p>Growth centiles come from <b>rcpchgrowth</b>, the Royal College of "
        "Paediatrics and Child Health (RCPCH) reference implementation of the UK-WHO "
        "growth charts.</p>"
        f"<p>Qt {qVersion()}, PySide6 {PySide6.__version__}, "
        f"Python {sys.version.split()[0]}</p>"
    )


class Banner(QFrame):
    """The NHS-blue strip along the top: the app, the team, and a demo warning."""

    def __init__(
        self,
        team_name: str,
        *,
        demo: bool,
        search: TeamSearch | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        icon = QLabel()
        icon.setPixmap(app_icon().pixmap(28, 28))
        icon.setAccessibleName(APP_NAME)
        title = QLabel(APP_NAME)
        title.setObjectName("bannerTitle")
        team = QLabel(team_name)
        team.setObjectName("bannerTeam")
        team.setAccessibleName(f"Team: {team_name}")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(16, 8, 16, 8)
        layout.setSpacing(10)
        layout.addWidget(icon)
        layout.addWidget(title)
        layout.addSpacing(24)
        if search is not None:
            # The team search, one keystroke away (Ctrl+F) on every screen of the window.
            layout.addWidget(search.label)
            layout.addWidget(search.box, 1)
            layout.addSpacing(16)
        layout.addStretch(1)
        if demo:
            badge = QLabel("Demo data: not real children")
            badge.setObjectName("demoBadge")
            badge.setToolTip(
                "This is the separate demo database, filled with made-up families. "
                "Nothing entered here reaches a real record."
            )
            layout.addWidget(badge)
        layout.addWidget(team)


class MainWindow(QMainWindow):
    """The signed-in user's window on one database."""

    def __init__(self, workspace: Workspace, *, demo: bool = False) -> None:
        super().__init__()
        self.workspace = workspace
        self.signed_in = workspace.signed_in()
        # The demo says so in the title too (issue 8: the demo signs in by itself).
        self.setWindowTitle(window_title(self.signed_in) + (DEMO_TITLE if demo else ""))
        self.setWindowIcon(app_icon())
        self.setMinimumSize(900, 560)

        self.caseload = CaseloadPanel(workspace)
        self.record_windows: dict[uuid.UUID, ChildRecordWindow] = {}
        self.contact_form: ContactForm | None = None
        self.prompts: ReferralPromptsDialog | None = None
        self.caseload.open_record_requested.connect(self.open_record)
        self.caseload.antenatal_review_requested.connect(self.record_antenatal_review)
        # Issue 5: an expectant mother's referral prompts, before there is a child's record.
        self.pregnancy_referrals: PregnancyReferralsDialog | None = None
        self.caseload.pregnancies.referrals_requested.connect(self.open_pregnancy_referrals)
        self.search = TeamSearch(workspace)
        self.search.open_record_requested.connect(self.open_record)
        self.search.open_pregnancy_requested.connect(self.open_pregnancy)
        self.search.showing_changed.connect(self._show_search)
        self.search.left.connect(self._search_left)
        # The caseload, or in its place the children the team search found.
        self.pages = QStackedWidget()
        self.pages.addWidget(self.caseload)
        self.pages.addWidget(self.search)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(Banner(self.signed_in.team_name, demo=demo, search=self.search))
        layout.addWidget(self.pages, 1)
        self.setCentralWidget(central)
        # The search box first, then the page shown: the caseload's controls, or the results.
        self.setTabOrder(self.search.box, self.search.table)
        self.setTabOrder(self.search.table, self.search.open_button)
        self.setTabOrder(self.search.open_button, self.search.back_button)
        self.setTabOrder(self.search.back_button, self.caseload.health_visitor)

        self._build_status_bar()
        self._build_menus()
        self.caseload.counts_changed.connect(self._show_counts)
        self._show_counts()
        self.caseload.health_visitor.setFocus(Qt.FocusReason.OtherFocusReason)

    # --- Status bar -----------------------------------------------------------

    def _build_status_bar(self) -> None:
        who = self.signed_in
        self.count_label = QLabel()
        self.count_label.setAccessibleName("Shown on the caseload")
        self.user_label = QLabel(f"Signed in as {who.full_name} ({who.role.label.lower()})")
        self.user_label.setAccessibleName("Signed in as")
        self.database_label = QLabel(
            f"Database: {database_location(who.database)} ({who.database_source})"
        )
        self.database_label.setAccessibleName("Database")
        self.database_label.setToolTip(f"Chosen by {who.database_source}")
        self.database_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        bar = self.statusBar()
        bar.setSizeGripEnabled(False)
        bar.addWidget(self.count_label, 1)
        bar.addPermanentWidget(self.user_label)
        bar.addPermanentWidget(self.database_label)
        # Issue 9: offline while the database cannot be reached, and when it is back.
        self.connection_status = ConnectionStatus(self.workspace.check_connection)
        self.stop_watching_connection = self.workspace.watch_connection(
            self.connection_status.events.report_lost
        )
        bar.addPermanentWidget(self.connection_status)
        # Issue 12: the offline copy's changes waiting, its last synchronisation.
        self.offline_status = offline_status_for(
            self.workspace, sync_required_after_days=load_settings().offline_sync_days
        )
        bar.addPermanentWidget(self.offline_status)

    def _show_counts(self) -> None:
        searching = self.pages.currentWidget() is self.search
        self.count_label.setText(
            self.search.status_text() if searching else self.caseload.counts_text()
        )

    def status_text(self) -> str:
        """Everything the status bar says, in order (for tests and screen readers)."""
        labels = (self.count_label, self.user_label, self.database_label)
        return "  |  ".join(label.text() for label in labels)

    # --- Menus ----------------------------------------------------------------

    def _build_menus(self) -> None:
        menus = self.menuBar()
        file_menu = menus.addMenu("&File")
        self.open_action = file_menu.addAction("&Open the chosen child's record")
        self.open_action.setShortcut(QKeySequence.StandardKey.Open)
        self.open_action.triggered.connect(self.caseload.open_current_record)
        self.antenatal_action = file_menu.addAction(
            "Record the &antenatal review for the chosen pregnancy"
        )
        self.antenatal_action.triggered.connect(self.caseload.pregnancies.request_review)
        # Issue 8, break-glass (ui/break_glass.py): clinicians only (None for anyone else).
        self.break_glass = build_break_glass_action(file_menu, self)
        file_menu.addSeparator()
        self.print_action = file_menu.addAction(
            "&Print the chosen child's red book summary (family's copy)…"
        )
        self.print_action.setShortcut(QKeySequence.StandardKey.Print)
        self.print_action.triggered.connect(self.print_red_book)
        self.handover_action = file_menu.addAction("Print a &handover of the caseload shown…")
        self.handover_action.setShortcut(QKeySequence("Ctrl+Shift+H"))
        self.handover_action.triggered.connect(self.print_handover)
        file_menu.addSeparator()
        # Issue 8: healthvisitor.ui.app connects these to the idle lock and to signing out.
        self.lock_action = file_menu.addAction("&Lock (hide patient data)")
        self.lock_action.setShortcut(QKeySequence("Ctrl+L"))
        self.sign_out_action = file_menu.addAction("Sign &out")
        file_menu.addSeparator()
        self.quit_action = file_menu.addAction("&Quit")
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.quit_action.triggered.connect(self.close)

        view_menu = menus.addMenu("&View")
        self.children_action = view_menu.addAction("&Children on the caseload")
        self.children_action.setShortcut(QKeySequence("Ctrl+1"))
        self.children_action.triggered.connect(self.caseload.show_children)
        self.pregnancies_action = view_menu.addAction("&Pregnancies on the caseload")
        self.pregnancies_action.setShortcut(QKeySequence("Ctrl+2"))
        self.pregnancies_action.triggered.connect(self.caseload.show_pregnancies)
        # The team board: a team lead's only, so nobody else has the menu item either.
        self.team_action: QAction | None = None
        if self.caseload.team is not None:
            self.team_action = view_menu.addAction("&Team board")
            self.team_action.setShortcut(QKeySequence("Ctrl+3"))
            self.team_action.triggered.connect(self.caseload.show_team)
        # The national metrics (issue 7): the team's for a team lead, one's own for
        # every clinician; each opens in its own window (PerformanceView).
        self.team_performance_action: QAction | None = None
        self.my_figures_action: QAction | None = None
        self.performance_views: dict[MetricScope, PerformanceView] = {}
        if self.signed_in.role is Role.TEAM_LEAD:
            self.team_performance_action = view_menu.addAction("Team &performance…")
            self.team_performance_action.setShortcut(QKeySequence("Ctrl+4"))
            self.team_performance_action.triggered.connect(self.show_team_performance)
        if self.signed_in.role in (Role.TEAM_LEAD, Role.HEALTH_VISITOR):
            self.my_figures_action = view_menu.addAction("&My figures…")
            self.my_figures_action.setShortcut(QKeySequence("Ctrl+5"))
            self.my_figures_action.triggered.connect(self.show_my_figures)
        view_menu.addSeparator()
        self.find_action = view_menu.addAction("&Find a child in the team")
        self.find_action.setShortcut(QKeySequence("Ctrl+F"))
        self.find_action.setStatusTip(
            "Search the team's records by name, NHS number, date of birth or postcode"
        )
        self.find_action.triggered.connect(self.search.focus_box)
        self.filter_action = view_menu.addAction("Fi&lter the caseload")
        self.filter_action.setShortcut(QKeySequence("Ctrl+Shift+F"))
        self.filter_action.triggered.connect(self._filter_caseload)
        view_menu.addMenu(SortMenu(self.caseload, view_menu))
        # Issue 8, break-glass: a team lead's notice of openings to review (None for others).
        self.break_glass_notice = add_break_glass_notice(view_menu, self)

        self.records_menu = build_records_menu(menus, self, self.workspace)
        # Issue 5: an administrator's list of referral types (None for anyone else).
        self.administration_menu = build_administration_menu(menus, self, self.workspace)
        # Issue 12: prepare / synchronise the offline copy, and the conflicts from offline working.
        self.offline_menu = build_offline_menu(menus, self, self.workspace, self.offline_status)

        help_menu = menus.addMenu("&Help")
        self.about_action = help_menu.addAction(f"&About {APP_NAME}")
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_action.triggered.connect(self.show_about)

    # --- Team performance (issue 7) ------------------------------------------------

    def show_team_performance(self) -> PerformanceView:
        return self._performance(MetricScope.TEAM)

    def show_my_figures(self) -> PerformanceView:
        return self._performance(MetricScope.HEALTH_VISITOR)

    def _performance(self, scope: MetricScope) -> PerformanceView:
        view = self.performance_views.get(scope)
        if view is None:
            view = PerformanceView(self.workspace, scope, parent=self)
            view.open_record_requested.connect(self.open_record)
            self.performance_views[scope] = view
        view.show()
        view.activateWindow()
        return view

    # --- The team search (issue 4) -------------------------------------------------

    def _show_search(self, shown: bool) -> None:
        self.pages.setCurrentWidget(self.search if shown else self.caseload)
        self._show_counts()

    def _search_left(self) -> None:
        self.caseload.focus_list()

    def open_pregnancy(self, found: PregnancySearchRow) -> None:
        """A pregnancy the team search found, chosen on its health visitor's caseload."""
        if not self.caseload.show_pregnancy(found.health_visitor_id, found.pregnancy_id):
            self.search.summary.setText(
                f"{found.mother_name}'s pregnancy has no health visitor in the team yet, "
                "so it is on no caseload to open it from."
            )
            return
        self.search.clear()
        self.caseload.pregnancies.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def _filter_caseload(self) -> None:
        """Back to the caseload (leaving any team search) and into its filter line."""
        if self.search.showing():
            self.search.clear()
        self.caseload.focus_search()

    # --- Child records ------------------------------------------------------------

    def open_record(self, child_id: uuid.UUID) -> ChildRecordWindow | None:
        """Show the child's record: its window if already open, else a new one."""
        window = self.record_windows.get(child_id)
        if window is not None:
            if window.isMinimized():
                window.showNormal()
            # Offscreen (tests, screenshots) has no stacking order to change.
            if QGuiApplication.platformName() != "offscreen":
                window.raise_()
            window.activateWindow()
            return window
        try:
            record = self.workspace.child_record(child_id)
        except HealthVisitorError as exc:
            QMessageBox.warning(self, "Record not opened", str(exc))
            return None
        window = ChildRecordWindow(self.workspace, record, parent=self)
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        window.closed.connect(self._record_closed)
        # A bound method, not a lambda: PySide6 6.11 crashes deleting a window whose
        # signal is connected to a lambda that holds another widget.
        window.record_changed.connect(self._record_changed)
        self.record_windows[child_id] = window
        screen = self.screen()
        if screen is not None:
            window.setGeometry(screen.availableGeometry())
        window.showMaximized()
        window.activateWindow()
        return window

    def _record_closed(self, child_id: uuid.UUID) -> None:
        self.record_windows.pop(child_id, None)

    # --- The antenatal review of a pregnancy -------------------------------------------

    def record_antenatal_review(self, row: PregnancyRow) -> ContactForm:
        """Open the contact form (window-modal) for the pregnancy's antenatal review."""
        self.contact_form = open_contact_form(
            self,
            self.workspace,
            ContactSubject.for_pregnancy(row),
            ContactKind.ANTENATAL,
            on_saved=self._antenatal_saved,
            on_finished=self._form_closed,
        )
        return self.contact_form

    def _antenatal_saved(self, recorded: RecordedContact) -> None:
        self.caseload.load_pregnancies()
        # Smoking and mood at the antenatal review prompt referrals for the mother (issue 5).
        self.prompts = show_referral_prompts(self, self.workspace, recorded.contact_id)
        if self.prompts is not None:  # the pregnancy's count of prompts to decide changes
            self.prompts.finished.connect(self._pregnancy_referrals_closed)

    def open_pregnancy_referrals(self, row: PregnancyRow) -> PregnancyReferralsDialog:
        """The mother's referral prompts to decide and her referrals (window-modal)."""
        dialog = PregnancyReferralsDialog(self.workspace, row, self)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(self._pregnancy_referrals_closed)
        self.pregnancy_referrals = dialog
        dialog.open()
        return dialog

    def _pregnancy_referrals_closed(self, _result: int) -> None:
        self.pregnancy_referrals = None
        self.caseload.load_pregnancies()

    # --- Printing ----------------------------------------------------------------

    def print_red_book(self) -> ReportRun | None:
        """The chosen child's red book summary, the family's copy (Ctrl+P)."""
        child_id = self.caseload.current_child_id()
        if child_id is None:
            self.statusBar().showMessage("Choose a child in the list first, then print.", 5000)
            return None
        return preview_red_book(self, self.workspace, child_id)

    def print_handover(self) -> ReportRun:
        """A handover of the caseload shown (yours, or the colleague's chosen)."""
        visitor = self.caseload.selected_health_visitor() or self.workspace.actor.user_id
        return preview_handover(self, self.workspace, visitor)

    def _form_closed(self, _result: int) -> None:
        self.contact_form = None

    def closeEvent(self, event: QCloseEvent) -> None:
        """Quitting closes every record first; one with a contact half typed may say no."""
        if self.contact_form is not None and self.contact_form.isVisible():
            self.contact_form.reject()  # asks before discarding anything typed
            if self.contact_form is not None and self.contact_form.isVisible():
                event.ignore()
                return
        for window in list(self.record_windows.values()):
            if not window.close():
                event.ignore()
                return
        self.stop_watching_connection()
        self.offline_status.stop()  # issue 12
        super().closeEvent(event)

    def _record_changed(self, _child_id: uuid.UUID) -> None:
        """A contact was saved: the caseload's alerts may have changed."""
        self.caseload.refresh()
        if self.search.showing():
            self.search.search_now()

    def fit_to_screen(self) -> None:
        """Fill the screen's free area (a 1366x768 laptop) before maximising.

        Without a window manager (a kiosk, Xvfb) maximising does nothing, so
        the window sizes itself; with one, ``showMaximized`` takes over.
        """
        screen = self.screen()
        if screen is not None:
            self.setGeometry(screen.availableGeometry())

    def show_about(self) -> None:
        QMessageBox.about(self, f"About {APP_NAME}", about_text())


class SortMenu(QMenu):
    """View > Sort by: the keyboard's way to sort (a heading needs a mouse click).

    It follows the table's heading, so clicking a column and choosing here
    always agree.
    """

    def __init__(self, caseload: CaseloadPanel, parent: QWidget | None = None) -> None:
        super().__init__("Sort &by", parent)
        self._table = caseload.table
        self._group = QActionGroup(self)
        self._by_column: dict[int, QAction] = {}
        for column, title in [(-1, "Family, then name (as allocated)")] + [
            (i, c.title) for i, c in enumerate(COLUMNS)
        ]:
            action = self.addAction(title)
            action.setCheckable(True)
            action.setData(column)
            self._group.addAction(action)
            self._by_column[column] = action
        self.addSeparator()
        self.descending = self.addAction("&Reverse order")
        self.descending.setCheckable(True)
        self._group.triggered.connect(self._sort)
        self.descending.toggled.connect(lambda _on: self._sort())
        header = self._table.horizontalHeader()
        header.sortIndicatorChanged.connect(self._follow_heading)
        self._follow_heading(header.sortIndicatorSection(), header.sortIndicatorOrder())

    def _sort(self, _action: QAction | None = None) -> None:
        checked = self._group.checkedAction()
        column = checked.data() if checked is not None else -1
        order = (
            Qt.SortOrder.DescendingOrder
            if self.descending.isChecked()
            else Qt.SortOrder.AscendingOrder
        )
        self._table.sortByColumn(int(column), order)

    def _follow_heading(self, section: int, order: Qt.SortOrder) -> None:
        action = self._by_column.get(section, self._by_column[-1])
        action.setChecked(True)
        by_column = section in self._by_column and section != -1
        self.descending.blockSignals(True)
        self.descending.setChecked(by_column and order == Qt.SortOrder.DescendingOrder)
        self.descending.blockSignals(False)
        # The allocation order has no reverse worth having: offer it for columns only.
        self.descending.setEnabled(by_column)
