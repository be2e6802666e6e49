"""The caseload screen: whose caseload, a search line, and its children and pregnancies.

Issue 4: the children's table is the health visitor's worklist (next review
due, days to its target, status, flags), with a "Show" filter beside the
search ("Due this week", "Overdue", ...) that the window remembers between
sessions (``QSettings``). A child's record opens from
here (issue 3): Enter or a double-click on a row, or the "Open record" button
(Ctrl+O in the main window), asks the window to open it. The "Pregnancies"
tab lists the same health visitor's ongoing pregnancies (``PregnancyList``),
where the antenatal review is recorded before the birth (issue 3). The
filter line (Ctrl+Shift+F) narrows both lists to what it matches; finding any
child of the team, on a caseload or not, is the banner's team search
(Ctrl+F, ``healthvisitor.ui.search_panel``). A team lead also has a "Team" tab, the team
board (``TeamBoardView``, issue 4); Enter on a health visitor there shows
their caseload here. The panel asks the ``Workspace`` for plain rows and
never touches the database itself.

The children and the pregnancies are read off the GUI thread
(``healthvisitor.ui.worker.Loader``; a trust-scale caseload takes about
150 ms, docs/performance.md), so the window never freezes. Choosing another
health visitor empties the lists at once and says "Loading …'s caseload…"
in their place, never an empty list that would read as "no children"; a
refresh of the same caseload (after a contact, an allocation) keeps the rows
shown, the chosen child, the scroll, the filter and the sort until the new
rows arrive. ``loaded`` says when every list asked for has answered.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from healthvisitor.domain.enums import Role
from healthvisitor.ui.caseload_model import (
    ALERTS,
    CHILD_ID_ROLE,
    COLUMNS,
    DAYS,
    FLAGS,
    NAME,
    OVERDUE,
    STATUS,
    CaseloadFilter,
    CaseloadModel,
    CaseloadProxy,
)
from healthvisitor.ui.pregnancy_list import PregnancyList, pregnancies
from healthvisitor.ui.referrals_panel import FollowUpsList
from healthvisitor.ui.team_board import TeamBoardView
from healthvisitor.ui.worker import Loader, refusal_or_raise, warn_not_shown

if TYPE_CHECKING:
    from healthvisitor.services.caseload import CaseloadRow, HealthVisitorSummary
    from healthvisitor.services.pregnancies import PregnancyRow
    from healthvisitor.services.workspace import Workspace

SEARCH_HINT = "Name, NHS number or postcode"
#: The pregnancies list has no NHS number to search (the mother's is not held).
PREGNANCY_SEARCH_HINT = "Mother's name, family name or postcode"


#: Where the chosen filter is remembered (QSettings key).
FILTER_SETTING = "caseload/filter"
#: The widest a column of free text (flags, alerts) opens at; its tooltip has it all.
WIDEST_TEXT_COLUMN = 280
NUMBER_COLUMN_WIDTHS = {DAYS: 72, OVERDUE: 92}


#: Where the chosen sort is remembered: "column,order" (QSettings key).
SORT_SETTING = "caseload/sort"
#: What a health visitor needs first each morning: overdue, then not brought, then due.
DEFAULT_SORT = (STATUS, Qt.SortOrder.AscendingOrder)


def remembered_sort() -> tuple[int, Qt.SortOrder]:
    """The caseload's sort column and order from the last session, or most urgent first."""
    try:
        column_text, order_text = str(settings().value(SORT_SETTING, "")).split(",")
        column, order = int(column_text), Qt.SortOrder(int(order_text))
    except ValueError:
        return DEFAULT_SORT
    return (column, order) if 0 <= column < len(COLUMNS) else DEFAULT_SORT


def remember_sort(column: int, order: Qt.SortOrder) -> None:
    settings().setValue(SORT_SETTING, f"{column},{order.value}")


def settings() -> QSettings:
    """The user's settings: organisation and application "HealthVisitor" (INI format).

    Named here rather than taken from ``QCoreApplication``, so the panel reads
    the same settings however the application was started (tests point the INI
    folder at a temporary one with ``QSettings.setPath``).
    """
    return QSettings(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, "HealthVisitor", "HealthVisitor"
    )


def children(count: int) -> str:
    return f"{count} child" if count == 1 else f"{count} children"


#: Whose rows a list holds before its first answer: nobody's, not even "mine" (None).
_NOBODY = uuid.UUID(int=0)


class CaseloadPanel(QWidget):
    """One health visitor's caseload, filtered as the user types."""

    #: Whenever a count, or which list is shown, changes (``counts_text`` says it).
    counts_changed = Signal()
    #: The child (a ``uuid.UUID``) whose record the user asked to open.
    open_record_requested = Signal(object)
    #: The pregnancy (a ``PregnancyRow``) whose antenatal review the user asked to record.
    antenatal_review_requested = Signal(object)
    #: Every list asked for (children, pregnancies, the board) has answered: shown, or said why not.
    loaded = Signal()

    CHILDREN_TAB, PREGNANCIES_TAB, TEAM_TAB = 0, 1, 2

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._workspace = workspace
        self.model = CaseloadModel(self)
        self.proxy = CaseloadProxy(self.model, self)
        # Off the GUI thread: the children, and the pregnancies, of the chosen caseload.
        self._children = Loader(self)
        self._children.loaded.connect(self._children_loaded)
        self._children.failed.connect(self._children_failed)
        self._expecting = Loader(self)
        self._expecting.loaded.connect(self._pregnancies_loaded)
        self._expecting.failed.connect(self._pregnancies_failed)
        #: Whose children ``model`` holds, and whose pregnancies the list holds.
        self._children_of: uuid.UUID | None = _NOBODY
        self._pregnancies_of: uuid.UUID | None = _NOBODY
        #: Whose caseload was asked for last, with the name the combo gave it then.
        self._asked_for: tuple[uuid.UUID | None, str] = (_NOBODY, "")
        #: A pregnancy to choose once the pregnancies have come (``show_pregnancy``).
        self._pregnancy_to_choose: uuid.UUID | None = None

        self.health_visitor = QComboBox()
        self.health_visitor.setAccessibleName("Health visitor")
        self.health_visitor.setAccessibleDescription("Whose caseload the table shows")
        self.health_visitor.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.health_visitor.setMinimumWidth(220)
        caseload_of = QLabel("Caseload &of")
        caseload_of.setObjectName("caseloadOf")
        caseload_of.setBuddy(self.health_visitor)

        self.search = QLineEdit()
        self.search.setPlaceholderText(SEARCH_HINT)
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Filter the caseload")
        self.search.setAccessibleDescription(
            f"Shows only the children whose {SEARCH_HINT.lower()} match what you type"
        )
        self.search.setToolTip(f"{SEARCH_HINT} (Ctrl+Shift+F)")
        self.search.setMinimumWidth(300)
        search_label = QLabel("Fi&lter")
        search_label.setBuddy(self.search)

        self.filter = QComboBox()
        for choice in CaseloadFilter:
            self.filter.addItem(choice.label, choice.key)
        self.filter.setAccessibleName("Show")
        self.filter.setAccessibleDescription("Which of the caseload's children the table shows")
        self.filter.setToolTip("Show all children, or only those due this week, overdue, …")
        self.filter.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        show_label = QLabel("Sho&w")
        show_label.setBuddy(self.filter)
        remembered = CaseloadFilter.from_key(settings().value(FILTER_SETTING, "all"))
        self.filter.setCurrentIndex(list(CaseloadFilter).index(remembered))
        self.proxy.set_filter(remembered)

        self.table = self._build_table()
        self.empty_state = QLabel()
        self.empty_state.setObjectName("emptyState")
        self.empty_state.setWordWrap(True)
        self.empty_state.hide()

        self.open_button = QPushButton("&Open record")
        self.open_button.setAccessibleName("Open the chosen child's record")
        self.open_button.setToolTip("Open the chosen child's record (Enter or Ctrl+O)")
        self.open_button.setAutoDefault(False)
        self.open_button.setEnabled(False)
        self.open_button.clicked.connect(self.open_current_record)

        self.pregnancies = PregnancyList()
        self.antenatal_button = QPushButton("Record &antenatal review")
        self.antenatal_button.setAccessibleName(
            "Record the antenatal review for the chosen pregnancy"
        )
        self.antenatal_button.setToolTip(
            "Record the antenatal health promoting review for the chosen pregnancy (Enter)"
        )
        self.antenatal_button.setAutoDefault(False)
        self.antenatal_button.setEnabled(False)
        self.antenatal_button.hide()
        self.antenatal_button.clicked.connect(self.pregnancies.request_review)

        bar = QFrame()
        bar.setObjectName("caseloadBar")
        bar_layout = QHBoxLayout(bar)
        bar_layout.setContentsMargins(16, 10, 16, 10)
        bar_layout.setSpacing(8)
        bar_layout.addWidget(caseload_of)
        bar_layout.addWidget(self.health_visitor)
        bar_layout.addSpacing(16)
        bar_layout.addWidget(show_label)
        bar_layout.addWidget(self.filter)
        bar_layout.addStretch(1)
        bar_layout.addWidget(search_label)
        bar_layout.addWidget(self.search)
        bar_layout.addWidget(self.open_button)
        bar_layout.addWidget(self.antenatal_button)

        children_page = QWidget()
        children_layout = QVBoxLayout(children_page)
        children_layout.setContentsMargins(0, 8, 0, 0)
        children_layout.setSpacing(8)
        children_layout.addWidget(self.empty_state)
        children_layout.addWidget(self.table, 1)
        # Tabs above the table: the same caseload's children, or its pregnancies.
        self.tabs = QTabWidget()
        self.tabs.setObjectName("caseloadTabs")
        self.tabs.setDocumentMode(True)
        # The tab bar takes the focus, not the tab widget around it: through its focus
        # proxy (the bar) Qt 6 makes the widget a second stop at the end of the Tab chain.
        self.tabs.setFocusProxy(None)
        self.tabs.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.tabs.setAccessibleName("Children or pregnancies")
        self.tabs.tabBar().setAccessibleName("Children or pregnancies")
        self.tabs.addTab(children_page, "")
        self.tabs.addTab(self.pregnancies, "")
        #: The team board: for a team lead only (the service refuses anyone else).
        self.team: TeamBoardView | None = None
        if workspace.actor.role is Role.TEAM_LEAD:
            self.team = TeamBoardView(workspace, self.refresh)
            self.team.loaded.connect(self._answered)
            self.tabs.addTab(self.team, "&Team")
            self.tabs.setAccessibleName("Children, pregnancies or team")
            self.tabs.tabBar().setAccessibleName("Children, pregnancies or team")
        #: Referral follow-ups due on this caseload (issue 5), mothers' included:
        #: a pregnant woman's stop-smoking referral has no child to flag yet.
        self.follow_ups = FollowUpsList(workspace)
        self.follow_ups.open_child.connect(self._open_follow_up)
        self.tabs.addTab(self.follow_ups, "")

        body = QVBoxLayout()
        body.setContentsMargins(16, 12, 16, 12)
        body.setSpacing(8)
        body.addWidget(self.tabs, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(bar)
        layout.addLayout(body, 1)

        # Hidden widgets drop out of the chain: each tab's table and button take their turn.
        self.setTabOrder(self.health_visitor, self.filter)
        self.setTabOrder(self.filter, self.search)
        self.setTabOrder(self.search, self.tabs.tabBar())
        self.setTabOrder(self.tabs.tabBar(), self.table)
        self.setTabOrder(self.table, self.open_button)
        self.setTabOrder(self.open_button, self.pregnancies.table)
        self.setTabOrder(self.pregnancies.table, self.antenatal_button)
        if self.team is not None:
            self.setTabOrder(self.antenatal_button, self.team.table)
            self.setTabOrder(self.team.table, self.team.unallocated)
            self.team.caseload_requested.connect(self.show_caseload_of)
        self.tabs.currentChanged.connect(self._tab_changed)
        self.pregnancies.review_requested.connect(self.antenatal_review_requested)
        self.pregnancies.current_changed.connect(self._pregnancy_changed)
        # activated: Enter on a row, or a double-click (Qt emits it for both).
        self.table.activated.connect(self._row_activated)
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.search.textChanged.connect(self._search_changed)
        self.filter.currentIndexChanged.connect(self._filter_changed)
        self.search.returnPressed.connect(self._go_to_results)
        self._fill_health_visitors(workspace.team_health_visitors())
        self.health_visitor.currentIndexChanged.connect(self._health_visitor_changed)
        self.load_caseload()
        self.load_team_board()
        if self.team is not None:
            # A team lead starts on the whole team (their own caseload is often empty).
            self.tabs.setCurrentIndex(self.TEAM_TAB)

    def _build_table(self) -> QTableView:
        table = QTableView()
        table.setModel(self.proxy)
        table.setAccessibleName("Caseload")
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setAlternatingRowColors(True)
        table.setShowGrid(False)
        table.setWordWrap(False)
        table.setTabKeyNavigation(False)  # Tab leaves the table, arrows move within it
        table.setSortingEnabled(True)
        # Most urgent first unless the user chose another order, which is remembered.
        column, order = remembered_sort()
        table.sortByColumn(column, order)
        table.horizontalHeader().sortIndicatorChanged.connect(remember_sort)
        table.verticalHeader().hide()
        header = table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        return table

    def _fill_health_visitors(self, team: Sequence[HealthVisitorSummary]) -> None:
        me = self._workspace.actor.user_id
        for member in team:
            name = member.full_name
            if member.role is not Role.HEALTH_VISITOR:
                name = f"{name} ({member.role.label.lower()})"
            self.health_visitor.addItem(name, member.id)
        # Not findData(): Qt cannot compare the Python UUIDs it holds as item data.
        ids = [self.health_visitor.itemData(i) for i in range(self.health_visitor.count())]
        self.health_visitor.setCurrentIndex(ids.index(me) if me in ids else 0)

    # --- Loading -------------------------------------------------------------

    def selected_health_visitor(self) -> uuid.UUID | None:
        data = self.health_visitor.currentData()
        return data if isinstance(data, uuid.UUID) else None

    def load_caseload(self) -> None:
        """Ask for the chosen caseload's children and pregnancies; they show as they arrive.

        Another health visitor's caseload than the one shown empties the lists
        at once (they say it is loading); the same one keeps its rows shown
        until the new ones come (a refresh).
        """
        visitor = self.selected_health_visitor()
        self._asked_for = (visitor, self.health_visitor.currentText())
        if visitor != self._children_of:
            self._children_of = _NOBODY
            self.model.set_rows([])
        workspace = self._workspace
        self._children.request(lambda: workspace.caseload(visitor))
        self.load_pregnancies()
        self.follow_ups.reload(visitor)
        self._update_counts()
        self._update_tab_titles()

    def load_team_board(self) -> None:
        """Ask for the team board, for a team lead (nothing to do for anyone else)."""
        if self.team is not None:
            self.team.load()
            self.counts_changed.emit()

    def load_pregnancies(self) -> None:
        """Ask for the chosen caseload's ongoing pregnancies (after an antenatal review, too)."""
        visitor = self.selected_health_visitor()
        self._asked_for = (visitor, self.health_visitor.currentText())
        if visitor != self._pregnancies_of:
            self._pregnancies_of = _NOBODY
            self.pregnancies.show_rows([], self.health_visitor.currentText())
        workspace = self._workspace
        self._expecting.request(lambda: workspace.pregnancies(visitor))
        self._say_pregnancies_loading()
        self._update_tab_titles()

    def loading(self) -> bool:
        """Some list asked for has not answered yet."""
        board = self.team is not None and self.team.loading()
        return self._children.busy or self._expecting.busy or board

    def loading_children(self) -> bool:
        """The chosen caseload's children are on their way and none are shown yet."""
        return self._children.busy and self._children_of == _NOBODY

    def when_loaded(self, then: Callable[[], None]) -> None:
        """Call ``then`` once, when every list asked for has answered (soon, if all have)."""
        if not self.loading():
            QTimer.singleShot(0, self, then)
            return

        # Qt breaks a single-shot connection as it calls it; disconnecting a Python
        # slot from inside its own emission failed now and then in PySide6 6.11
        # ("Slot 'CaseloadPanel::' not found", tests/ui/test_app.py).
        self.loaded.connect(then, Qt.ConnectionType.SingleShotConnection)

    def _children_loaded(self, rows: Sequence[CaseloadRow]) -> None:
        refreshing = self._children_of == self._asked_for[0]
        chosen = self.current_child_id()
        scrolled = self.table.verticalScrollBar().value()
        self._children_of = self._asked_for[0]
        self.show_rows(rows)
        if refreshing:  # the same caseload again: the user's place in it is kept
            self._choose_child(chosen)
            self.table.verticalScrollBar().setValue(scrolled)
            if self.table.currentIndex().isValid():
                self.table.scrollTo(self.table.currentIndex())
        self._answered()

    def _children_failed(self, error: object) -> None:
        refusal = refusal_or_raise(error)
        self._children_of = self._asked_for[0]
        self.show_rows([])
        warn_not_shown(self, "Caseload not shown", refusal)
        self._answered()

    def _pregnancies_loaded(self, rows: Sequence[PregnancyRow]) -> None:
        self._pregnancies_of = self._asked_for[0]
        self.pregnancies.show_rows(rows, self._asked_for[1])
        self._choose_pregnancy_asked_for()
        self._update_tab_titles()
        self._answered()

    def _pregnancies_failed(self, error: object) -> None:
        refusal = refusal_or_raise(error)
        self._pregnancies_of = self._asked_for[0]
        self.pregnancies.show_rows([], self._asked_for[1])
        self._update_tab_titles()
        warn_not_shown(self, "Pregnancies not shown", refusal)
        self._answered()

    def _say_pregnancies_loading(self) -> None:
        """While the pregnancies are on their way and none are shown, the list says so."""
        if self._expecting.busy and self._pregnancies_of == _NOBODY:
            self.pregnancies.empty_state.setText(
                f"Loading the pregnancies on {self._asked_for[1]}'s caseload…"
            )
            self.pregnancies.empty_state.show()

    def _answered(self) -> None:
        self._update_counts()
        if not self.loading():
            self.loaded.emit()

    def show_rows(self, rows: Sequence[CaseloadRow]) -> None:
        self.model.set_rows(rows)
        self._size_columns()
        self._update_counts()
        self._update_tab_titles()

    def _update_tab_titles(self) -> None:
        children_count = "…" if self.loading_children() else self.model.rowCount()
        waiting = self._expecting.busy and self._pregnancies_of == _NOBODY
        expecting = "…" if waiting else self.pregnancies.model.rowCount()
        self.tabs.setTabText(self.CHILDREN_TAB, f"&Children ({children_count})")
        self.tabs.setTabText(self.PREGNANCIES_TAB, f"&Pregnancies ({expecting})")
        self.tabs.setTabText(
            self.tabs.indexOf(self.follow_ups),
            f"Referral &follow-ups ({self.follow_ups.model.rowCount()})",
        )

    def _size_columns(self) -> None:
        header = self.table.horizontalHeader()
        # The rows in view, not the first 1,000 (Qt's default): 0.30 s to 0.02 s for a
        # caseload of 380 at start (issue 10); the rows are alike in width.
        header.setResizeContentsPrecision(0)
        self.table.resizeColumnsToContents()
        for column in range(self.model.columnCount() - 1):
            header.resizeSection(column, header.sectionSize(column) + 24)
        header.resizeSection(NAME, max(header.sectionSize(NAME), 220))
        for column in (FLAGS, ALERTS):
            header.resizeSection(column, min(header.sectionSize(column), WIDEST_TEXT_COLUMN))
        # Short numbers: room for the heading and its sort arrow, no more (1366 px screens).
        for column, width in NUMBER_COLUMN_WIDTHS.items():
            header.resizeSection(column, width)

    def refresh(self) -> None:
        """Load the caseload again (a contact may change its alerts), keeping the chosen child."""
        self.load_caseload()  # the pregnancies too: a birth may move one onto the children
        self.load_team_board()  # a contact may change the team's due and overdue counts

    def _choose_child(self, child_id: uuid.UUID | None) -> None:
        if child_id is None:
            return
        for row in range(self.proxy.rowCount()):
            if self.proxy.index(row, NAME).data(CHILD_ID_ROLE) == child_id:
                self.table.selectRow(row)
                return

    # --- Reacting to the user --------------------------------------------------

    def current_child_id(self) -> uuid.UUID | None:
        index = self.table.currentIndex()
        child_id = index.data(CHILD_ID_ROLE) if index.isValid() else None
        return child_id if isinstance(child_id, uuid.UUID) else None

    def open_current_record(self) -> None:
        child_id = self.current_child_id()
        if child_id is not None:
            self.open_record_requested.emit(child_id)

    def _row_activated(self, _index: object) -> None:
        self.open_current_record()

    def _open_follow_up(self, child_id: object) -> None:
        """A follow-up about a child (or a carer with children) opens that child's record."""
        if isinstance(child_id, uuid.UUID):
            self.open_record_requested.emit(child_id)

    def _current_changed(self, current: object, _previous: object) -> None:
        self.open_button.setEnabled(self.current_child_id() is not None)

    def _health_visitor_changed(self, _index: int) -> None:
        self.load_caseload()

    def _search_changed(self, text: str) -> None:
        self.proxy.set_search_text(text)
        self.pregnancies.set_search_text(text)
        self._say_pregnancies_loading()
        self._update_counts()

    def chosen_filter(self) -> CaseloadFilter:
        return CaseloadFilter.from_key(self.filter.currentData())

    def _filter_changed(self, _index: int) -> None:
        chosen = self.chosen_filter()
        self.proxy.set_filter(chosen)
        settings().setValue(FILTER_SETTING, chosen.key)
        self._update_counts()

    def _go_to_results(self) -> None:
        """Enter in the search line moves to the first match in the list shown."""
        table = self.pregnancies.table if self.showing_pregnancies() else self.table
        if table.model().rowCount() == 0:
            return
        table.setFocus(Qt.FocusReason.ShortcutFocusReason)
        table.selectRow(0)

    # --- Children or pregnancies -----------------------------------------------

    def showing_pregnancies(self) -> bool:
        return self.tabs.currentIndex() == self.PREGNANCIES_TAB

    def showing_team(self) -> bool:
        return self.team is not None and self.tabs.currentIndex() == self.TEAM_TAB

    def show_team(self) -> None:
        """The team board (a team lead's only: for anyone else there is none to show)."""
        if self.team is not None:
            self.tabs.setCurrentIndex(self.TEAM_TAB)
            self.team.table.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def show_caseload_of(self, health_visitor_id: uuid.UUID) -> None:
        """Choose the health visitor under "Caseload of" and show their children."""
        ids = [self.health_visitor.itemData(i) for i in range(self.health_visitor.count())]
        if health_visitor_id not in ids:
            return
        self.health_visitor.setCurrentIndex(ids.index(health_visitor_id))
        self.show_children()
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def show_pregnancy(self, health_visitor_id: uuid.UUID | None, pregnancy_id: uuid.UUID) -> bool:
        """The pregnancy chosen on its health visitor's "Pregnancies" tab (the team search
        found it); False if it is on no caseload the combo offers (unallocated, say)."""
        ids = [self.health_visitor.itemData(i) for i in range(self.health_visitor.count())]
        if health_visitor_id not in ids:
            return False
        self._pregnancy_to_choose = pregnancy_id
        self.health_visitor.setCurrentIndex(ids.index(health_visitor_id))  # loads if another
        self.show_pregnancies()
        self.pregnancies.table.setFocus(Qt.FocusReason.OtherFocusReason)
        if not self._expecting.busy:
            self._choose_pregnancy_asked_for()
        return True

    def _choose_pregnancy_asked_for(self) -> None:
        if self._pregnancy_to_choose is not None:
            self.pregnancies.choose(self._pregnancy_to_choose)
            self._pregnancy_to_choose = None

    def show_children(self) -> None:
        self.tabs.setCurrentIndex(self.CHILDREN_TAB)

    def show_pregnancies(self) -> None:
        self.tabs.setCurrentIndex(self.PREGNANCIES_TAB)

    def _tab_changed(self, _index: int) -> None:
        pregnancies_shown = self.showing_pregnancies()
        team_shown = self.showing_team()
        self.open_button.setVisible(not pregnancies_shown and not team_shown)
        self.antenatal_button.setVisible(pregnancies_shown)
        # The search and the filter are the caseload's: the board shows the whole team.
        self.search.setEnabled(not team_shown)
        self.filter.setEnabled(not team_shown)
        hint = PREGNANCY_SEARCH_HINT if pregnancies_shown else SEARCH_HINT
        self.search.setPlaceholderText(hint)
        self.search.setToolTip(f"{hint} (Ctrl+Shift+F)")
        self.search.setAccessibleDescription(
            f"Shows only the {'pregnancies' if pregnancies_shown else 'children'} whose "
            f"{hint.lower()} match what you type"
        )
        self.counts_changed.emit()

    def _pregnancy_changed(self) -> None:
        self.antenatal_button.setEnabled(self.pregnancies.current_row() is not None)
        self.counts_changed.emit()

    def counts_text(self) -> str:
        """What the status bar says of the list shown: "3 children shown", "1 of 4 …"."""
        if self.team is not None and self.showing_team():
            if self.team.board is None:
                return self.team.loading_note.text()
            members, waiting = self.team.counts()
            said = f"{members} in the team; {children(waiting)} waiting for a health visitor"
            updating = self.team.loading()
        elif self.showing_pregnancies():
            if self._expecting.busy and self._pregnancies_of == _NOBODY:
                return f"Loading the pregnancies on {self._asked_for[1]}'s caseload…"
            shown, total = self.pregnancies.counts()
            what = pregnancies(total)
            said = f"{what} shown" if shown == total else f"{shown} of {what} shown"
            updating = self._expecting.busy
        else:
            if self.loading_children():
                return f"Loading {self._asked_for[1]}'s caseload…"
            shown, total = self.proxy.rowCount(), self.model.rowCount()
            what = children(total)
            said = f"{what} shown" if shown == total else f"{shown} of {what} shown"
            updating = self._children.busy
        return f"{said} (updating…)" if updating else said

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def focus_list(self) -> None:
        """The keyboard back on the list shown (after the team search, say)."""
        if self.team is not None and self.showing_team():
            self.team.table.setFocus(Qt.FocusReason.OtherFocusReason)
        elif self.showing_pregnancies():
            self.pregnancies.table.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def _nothing_shown_text(self) -> str:
        typed = self.search.text().strip()
        chosen = self.chosen_filter()
        if chosen is CaseloadFilter.ALL:
            return (
                f"No child on this caseload matches “{typed}”. Filter by name, NHS number "
                "or postcode; to find a child anywhere in the team, use Find a child (Ctrl+F)."
            )
        shown = f"“{chosen.label}”"
        if typed:
            return (
                f"No child shown under {shown} matches “{typed}”. "
                "Clear the search, or choose “All children” under Show."
            )
        return f"No child on this caseload is under {shown}. Choose “All children” under Show."

    def _update_counts(self) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        if self.loading_children():
            self.empty_state.setText(f"Loading {self._asked_for[1]}'s caseload…")
        elif total == 0:
            self.empty_state.setText(
                f"No children are allocated to {self.health_visitor.currentText()}."
            )
        elif shown == 0:
            self.empty_state.setText(self._nothing_shown_text())
        self.empty_state.setVisible(shown == 0)
        self.open_button.setEnabled(self.current_child_id() is not None)
        self.counts_changed.emit()
