"""The team lead's board (issue 4): every caseload in the team, and the unallocated children.

Shown on the caseload panel's "Team" tab, for a team lead only (the service
refuses anyone else). The upper table has one row per clinical member of
the team: children, weighted caseload, reviews due in the next four weeks
and overdue now; Enter or a double-click on a row asks the panel to show
that health visitor's caseload. Below it the unallocated children (new
birth notifications, transfers in, and children whose health visitor has
left) wait for a health visitor. The weights used, and the cover in force,
are said in words above the table: the weights are the team's own, not a
national standard.

The lead acts from here (issue 4, ``allocation_dialogs``): allocate the
chosen unallocated children (Ctrl+Shift+A, or Enter on the list), reallocate
children of the chosen health visitor (Ctrl+Shift+R), arrange or end cover
(Ctrl+Shift+O), see recent allocation changes to undo one
(Ctrl+Shift+G), and transfer children to another team of the trust
(Ctrl+Shift+M: the chosen unallocated children, or else the chosen health
visitor's). After each action the board and the caseloads reload.

The board is read off the GUI thread (``healthvisitor.ui.worker.Loader``): at
trust scale it takes about a second (docs/performance.md). Until the first
answer the tab says it is loading; while a later one is on its way the board
shown stays, with the lead's choices kept, but the actions wait for it (each
dialog works on the rows the lead saw, and the services refuse a change made
against rows someone has changed since).

On the laptop's offline copy (issue 12) the board is shown from the copy, but
every allocation, cover, undo and transfer is the shared database's to
decide: those buttons (and their shortcuts) are off, their tooltip and a note
above the board saying why (``ui/offline_actions.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QItemSelection,
    QItemSelectionModel,
    QObject,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from healthvisitor.domain.enums import Role
from healthvisitor.errors import HealthVisitorError
from healthvisitor.ui.allocation_dialogs import (
    AllocationDialog,
    CoverDialog,
    Member,
    RecentChangesDialog,
    TransferDialog,
)
from healthvisitor.ui.caseload_model import (
    AGE,
    DATE_OF_BIRTH,
    NAME,
    NEXT_REVIEW,
    NHS_NUMBER,
    SORT_ROLE,
    STATUS,
    TARGET_BY,
)
from healthvisitor.ui.caseload_model import (
    COLUMNS as CASELOAD_COLUMNS,
)
from healthvisitor.ui.line_table_model import LINE_ROLE, LineColumn, LineTableModel, ModelIndex
from healthvisitor.ui.offline_actions import (
    disable_offline,
    offline_note,
    say_offline,
    works_offline,
)
from healthvisitor.ui.worker import Loader, refusal_or_raise, warn_not_shown

if TYPE_CHECKING:
    from healthvisitor.services.caseload import CaseloadRow
    from healthvisitor.services.team_board import CaseloadLoad, TeamBoard
    from healthvisitor.services.workspace import Workspace

#: NHS red: a caseload over the recommended size (the number says it; colour repeats it).
OVER_COLOUR = "#D5281B"
LOADING_TEXT = "Loading the team's caseloads and the unallocated list…"
UPDATING_TEXT = "Updating the board…"
WAIT_FOR_BOARD = "The board is being updated: try again in a moment, on the fresh rows."


@dataclass(frozen=True)
class BoardColumn(LineColumn):
    """A column of the board; ``sort_key`` orders it (numbers as numbers)."""

    sort_key: Callable[[Any], str | int | float] | None = None


def member_name(load: CaseloadLoad) -> str:
    if load.role is Role.HEALTH_VISITOR:
        return load.full_name
    return f"{load.full_name} ({load.role.label.lower()})"


def _reviews(count: int, what: str) -> str:
    return f"{count} review{'' if count == 1 else 's'} {what}"


def _children_words(load: CaseloadLoad, recommended: int) -> str:
    said = f"{load.children} child{'' if load.children == 1 else 'ren'}"
    if load.over_recommended:
        return f"{said}: more than the recommended {recommended} or so"
    return said


def board_columns(recommended: int, due_within_days: int) -> tuple[BoardColumn, ...]:
    weeks = due_within_days // 7
    return (
        BoardColumn(
            "Health visitor",
            member_name,
            tooltip=lambda r: f"Press Enter to show {r.full_name}'s caseload",
            sort_key=lambda r: r.full_name.casefold(),
        ),
        BoardColumn(
            "Children",
            lambda r: str(r.children),
            tooltip=lambda r: _children_words(r, recommended),
            spoken=lambda r: _children_words(r, recommended),
            colour=lambda r: OVER_COLOUR if r.over_recommended else None,
            sort_key=lambda r: r.children,
        ),
        BoardColumn(
            "Weighted",
            lambda r: f"{r.weighted:.1f}",
            tooltip=lambda r: "The children weighed by level of service and safeguarding",
            spoken=lambda r: f"Weighted caseload {r.weighted:.1f}",
            sort_key=lambda r: r.weighted,
        ),
        BoardColumn(
            f"Due in {weeks} weeks",
            lambda r: str(r.due_soon),
            tooltip=lambda r: _reviews(r.due_soon, f"with a target date in the next {weeks} weeks"),
            spoken=lambda r: _reviews(r.due_soon, f"due in the next {weeks} weeks"),
            sort_key=lambda r: r.due_soon,
        ),
        BoardColumn(
            "Overdue",
            lambda r: str(r.overdue),
            tooltip=lambda r: _reviews(r.overdue, "overdue, or not brought and not rebooked"),
            spoken=lambda r: _reviews(r.overdue, "overdue"),
            colour=lambda r: OVER_COLOUR if r.overdue else None,
            sort_key=lambda r: r.overdue,
        ),
    )


#: Until a board is shown: the national recommendation and the service's four weeks.
BOARD_COLUMNS = board_columns(250, 28)
MEMBER, CHILDREN, WEIGHTED, DUE_SOON, OVERDUE = range(len(BOARD_COLUMNS))


def unallocated_columns(
    was_with: Callable[[CaseloadRow], str],
    from_team: Callable[[CaseloadRow], str] = lambda _row: "",
) -> tuple[LineColumn, ...]:
    """The caseload's columns for a waiting child, and why it waits: whom it was with
    if they have left, or the team of the trust it was transferred from."""

    def because(row: CaseloadRow) -> str:
        return _waiting_because(row, was_with(row), from_team(row))

    return (
        *(
            CASELOAD_COLUMNS[i]
            for i in (NAME, NHS_NUMBER, DATE_OF_BIRTH, AGE, NEXT_REVIEW, STATUS, TARGET_BY)
        ),
        BoardColumn(
            "Waiting because",
            because,
            tooltip=lambda r: (
                f"Transferred from {from_team(r)}, another team of the trust"
                if from_team(r)
                else f"Allocated to {was_with(r)}, who no longer works in the team"
                if was_with(r)
                else because(r)
            ),
            spoken=because,
            sort_key=lambda r: because(r).casefold(),
        ),
    )


def _waiting_because(row: CaseloadRow, was_with: str, from_team: str = "") -> str:
    """Why a child is on the unallocated list: a colleague left, a transfer, or new."""
    if from_team:
        return f"Transfer from {from_team}"
    if was_with:
        return f"Was with {was_with} (left)"
    if row.transferred_in_from:
        return f"Transfer in from {row.transferred_in_from}"
    return "New, not yet allocated"


UNALLOCATED_COLUMNS = unallocated_columns(lambda _row: "")


class _SortedLineModel(LineTableModel):
    """A line model whose columns say how they sort (``SORT_ROLE``)."""

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != SORT_ROLE:
            return super().data(index, role)
        line = super().data(index, LINE_ROLE)
        if line is None:
            return None
        column = self.columns[index.column()]
        sort_key = getattr(column, "sort_key", None)
        return sort_key(line) if sort_key is not None else column.display(line)

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if (
            role == Qt.ItemDataRole.ToolTipRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(self.columns)
        ):
            return f"Sort by {self.columns[section].title.lower()}"
        return super().headerData(section, orientation, role)


class TeamBoardModel(_SortedLineModel):
    """One row per clinical member of the team, in the service's order (by name)."""

    columns: tuple[LineColumn, ...] = BOARD_COLUMNS

    def set_board(self, board: TeamBoard) -> None:
        self.columns = board_columns(board.recommended_children, board.due_within_days)
        self.set_lines(board.loads)


class UnallocatedModel(_SortedLineModel):
    """The team's active children with no health visitor in the team, by family name."""

    columns = UNALLOCATED_COLUMNS

    def set_board(self, board: TeamBoard) -> None:
        self.columns = unallocated_columns(board.was_with, board.from_team)
        self.set_lines(board.unallocated)


def sorting_proxy(source: LineTableModel, parent: QObject | None = None) -> QSortFilterProxyModel:
    proxy = QSortFilterProxyModel(parent)
    proxy.setSourceModel(source)
    proxy.setSortRole(SORT_ROLE)
    return proxy


def _table(proxy: QSortFilterProxyModel, name: str, description: str) -> QTableView:
    table = QTableView()
    table.setModel(proxy)
    table.setAccessibleName(name)
    table.setAccessibleDescription(description)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setShowGrid(False)
    table.setWordWrap(False)
    table.setTabKeyNavigation(False)  # Tab leaves the table, arrows move within it
    table.setSortingEnabled(True)
    table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # the service's order at first
    table.verticalHeader().hide()
    header = table.horizontalHeader()
    header.setHighlightSections(False)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(True)
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    return table


def _board_button(text: str, name: str, tooltip: str) -> QPushButton:
    button = QPushButton(text)
    button.setAccessibleName(name)
    button.setToolTip(tooltip)
    button.setAutoDefault(False)
    return button


class TeamBoardView(QWidget):
    """The board and the unallocated list, as one tab; the lead allocates from here."""

    #: The health visitor (a ``uuid.UUID``) whose caseload the team lead asked to see.
    caseload_requested = Signal(object)
    #: An allocation, a cover or an undo was saved: what was done, in words.
    changed = Signal(str)
    #: The board asked for last has answered: shown, or its problem said.
    loaded = Signal()

    def __init__(
        self,
        workspace: Workspace | None = None,
        reload: Callable[[], None] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._workspace = workspace
        self._reload = reload
        #: On the offline copy (issue 12): the board is read, nothing on it is changed.
        self.offline = works_offline(workspace)
        self.offline_note = offline_note("Why allocations cannot be changed")
        self.board: TeamBoard | None = None
        #: The dialog open now, if any (tests drive it; it closes itself).
        self.dialog: QDialog | None = None
        self.model = TeamBoardModel(self)
        self.proxy = sorting_proxy(self.model, self)
        self.unallocated_model = UnallocatedModel(self)
        self.unallocated_proxy = sorting_proxy(self.unallocated_model, self)

        self.recommended = QLabel()
        self.recommended.setObjectName("boardNote")
        self.recommended.setAccessibleName("Recommended caseload")
        self.weights = QLabel()
        self.weights.setObjectName("boardNote")
        self.weights.setWordWrap(True)
        self.weights.setAccessibleName("How caseloads are weighted")
        self.cover = QLabel()
        self.cover.setObjectName("boardNote")
        self.cover.setWordWrap(True)
        self.cover.setAccessibleName("Cover in force")
        self.cover.hide()
        self.table = _table(
            self.proxy,
            "Team caseloads",
            "Each health visitor's caseload; Enter shows that caseload",
        )
        self.unallocated_heading = QLabel()
        self.unallocated_heading.setObjectName("boardHeading")
        self.unallocated = _table(
            self.unallocated_proxy,
            "Unallocated children",
            "Children of the team waiting for a health visitor; choose one or more and "
            "press Enter to allocate them",
        )
        self.unallocated.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.unallocated_heading.setBuddy(self.unallocated)
        self.unallocated_empty = QLabel("Every child in the team has a health visitor.")
        self.unallocated_empty.setObjectName("emptyState")
        self.unallocated_empty.hide()
        # Takes the spare height when there is no unallocated list to take it.
        self._filler = QWidget()
        self._filler.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        self._filler.hide()
        self.done_message = QLabel()
        self.done_message.setObjectName("boardNote")
        self.done_message.setWordWrap(True)
        self.done_message.setAccessibleName("Last allocation change")
        self.done_message.hide()
        #: Said while the board is read (the first time in place of the tables).
        self.loading_note = QLabel(LOADING_TEXT)
        self.loading_note.setObjectName("emptyState")
        self.loading_note.setAccessibleName("Team board loading")
        self.loading_note.hide()
        #: Said beside the actions while a fresh board is on its way (nothing moves).
        self.updating = QLabel(UPDATING_TEXT)
        self.updating.setObjectName("boardNote")
        self.updating.setAccessibleName("Team board updating")
        self.updating.hide()
        self._loader = Loader(self)
        self._loader.loaded.connect(self._board_loaded)
        self._loader.failed.connect(self._board_failed)

        self.allocate_button = _board_button(
            "&Allocate…",
            "Allocate the chosen children",
            "Give the chosen unallocated children a health visitor (Ctrl+Shift+A)",
        )
        self.reallocate_button = _board_button(
            "&Reallocate…",
            "Reallocate children of the chosen health visitor",
            "Move some or all children of the chosen health visitor (Ctrl+Shift+R)",
        )
        self.cover_button = _board_button(
            "C&over…",
            "Cover while a health visitor is away",
            "Arrange or end cover for a health visitor who is away (Ctrl+Shift+O)",
        )
        self.history_button = _board_button(
            "Recent chan&ges…",
            "Recent allocation changes",
            "The team's latest allocation changes, to undo one (Ctrl+Shift+G)",
        )
        self.transfer_button = _board_button(
            "Transfer to another tea&m…",
            "Transfer to another team",
            "Move the chosen unallocated children, or children of the chosen health "
            "visitor, to another team of the trust (Ctrl+Shift+M)",
        )
        self.allocate_button.clicked.connect(self.allocate_chosen)
        self.transfer_button.clicked.connect(self.transfer_chosen)
        self.reallocate_button.clicked.connect(self.reallocate_chosen)
        self.cover_button.clicked.connect(self.open_cover)
        self.history_button.clicked.connect(self.open_recent_changes)
        for button, keys in (
            (self.allocate_button, "Ctrl+Shift+A"),
            (self.reallocate_button, "Ctrl+Shift+R"),
            (self.cover_button, "Ctrl+Shift+O"),
            (self.history_button, "Ctrl+Shift+G"),
            (self.transfer_button, "Ctrl+Shift+M"),
        ):
            # Only while the board is shown: the shortcuts belong to this tab.
            action = QAction(button.accessibleName(), self)
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(button.click)
            self.addAction(action)
            if workspace is None:  # (not setVisible(True): the button has no parent yet)
                button.hide()

        actions = QHBoxLayout()
        actions.setSpacing(8)
        actions.addWidget(self.recommended, 1)
        actions.addWidget(self.reallocate_button)
        actions.addWidget(self.cover_button)
        actions.addWidget(self.history_button)
        actions.addWidget(self.transfer_button)
        unallocated_bar = QHBoxLayout()
        unallocated_bar.addWidget(self.unallocated_heading, 1)
        unallocated_bar.addWidget(self.allocate_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.setSpacing(6)
        layout.addLayout(actions)
        layout.addWidget(self.offline_note)
        weights_line = QHBoxLayout()
        weights_line.addWidget(self.weights, 1)
        weights_line.addWidget(self.updating)
        layout.addLayout(weights_line)
        layout.addWidget(self.cover)
        layout.addWidget(self.done_message)
        layout.addWidget(self.loading_note)
        # Issue 5: the safeguarding discussions health visitors asked the lead for
        # (its own widget and file; it reads its list again each time it is shown).
        if workspace is not None:
            from healthvisitor.ui.safeguarding_discussions import SafeguardingDiscussions

            self.discussions = SafeguardingDiscussions(workspace)
            self.discussions.changed.connect(self.say)
            layout.addWidget(self.discussions)
        # The board as tall as its rows (a team is a handful of people); the
        # unallocated list below takes the rest of a 768-pixel-high screen.
        layout.addWidget(self.table)
        layout.addSpacing(6)
        layout.addLayout(unallocated_bar)
        layout.addWidget(self.unallocated_empty)
        layout.addWidget(self.unallocated, 1)
        layout.addWidget(self._filler, 1)
        self.setTabOrder(self.table, self.reallocate_button)
        self.setTabOrder(self.reallocate_button, self.cover_button)
        self.setTabOrder(self.cover_button, self.history_button)
        self.setTabOrder(self.history_button, self.transfer_button)
        self.setTabOrder(self.transfer_button, self.unallocated)
        self.setTabOrder(self.unallocated, self.allocate_button)

        # activated: Enter on a row, or a double-click (Qt emits it for both).
        self.table.activated.connect(self._member_activated)
        self.unallocated.activated.connect(lambda _index: self.allocate_chosen())
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._enable())
        self.unallocated.selectionModel().selectionChanged.connect(lambda *_: self._enable())
        self._enable()

    # --- Loading -------------------------------------------------------------------------

    def load(self) -> None:
        """Read the board again off the GUI thread; the board shown stays until it answers."""
        if self._workspace is None:
            return
        self._loader.request(self._workspace.team_board)
        self.updating.setVisible(self.board is not None)
        if self.board is None:  # nothing to show yet: no empty tables that say "nobody"
            self.loading_note.setText(LOADING_TEXT)
            self.loading_note.show()
            for widget in (
                self.table,
                self.unallocated,
                self.unallocated_heading,
                self.unallocated_empty,
                self.allocate_button,
            ):
                widget.hide()
            self._filler.show()
        self._enable()

    def loading(self) -> bool:
        """A board is on its way (the actions wait for it)."""
        return self._loader.busy

    def _board_loaded(self, board: TeamBoard) -> None:
        # The lead's choices, kept across the reload where the rows are still there.
        member = self.current_member()
        chosen = {row.child_id for row in self.chosen_unallocated()}
        scrolled = self.unallocated.verticalScrollBar().value()
        self.loading_note.hide()
        self.updating.hide()
        if self.done_message.text() == WAIT_FOR_BOARD:
            self.say("")
        self.show_board(board)
        self.table.show()
        self.allocate_button.show()
        self.unallocated_heading.show()
        if member is not None:
            self._choose_member(member.health_visitor_id)
        self._choose_unallocated(chosen)
        self.unallocated.verticalScrollBar().setValue(scrolled)
        self.loaded.emit()

    def _board_failed(self, error: object) -> None:
        """Said as before the board moved off the GUI thread; the board shown (if any) stays."""
        refusal = refusal_or_raise(error)
        self.loading_note.setText(f"The team board is not shown: {refusal}")
        self.loading_note.setVisible(self.board is None)
        self.updating.hide()
        self._enable()
        warn_not_shown(self, "Team board not shown", refusal)
        self.loaded.emit()

    def _choose_member(self, health_visitor_id: object) -> None:
        for row in range(self.proxy.rowCount()):
            load = self.proxy.index(row, MEMBER).data(LINE_ROLE)
            if load is not None and load.health_visitor_id == health_visitor_id:
                self.table.selectRow(row)
                return

    def _choose_unallocated(self, child_ids: set[object]) -> None:
        if not child_ids:
            return
        selection = QItemSelection()
        for row in range(self.unallocated_proxy.rowCount()):
            line = self.unallocated_proxy.index(row, 0).data(LINE_ROLE)
            if line is not None and line.child_id in child_ids:
                selection.select(
                    self.unallocated_proxy.index(row, 0),
                    self.unallocated_proxy.index(row, self.unallocated_proxy.columnCount() - 1),
                )
        self.unallocated.selectionModel().select(
            selection, QItemSelectionModel.SelectionFlag.ClearAndSelect
        )

    def show_board(self, board: TeamBoard) -> None:
        self.board = board
        self.model.set_board(board)
        self.unallocated_model.set_board(board)
        self.recommended.setText(
            f"Recommended: about {board.recommended_children} children per health visitor "
            "(Institute of Health Visiting); more is shown in red."
        )
        self.weights.setText(
            f"Weights: {board.weights.describe()} (the team's own, not a national standard)"
        )
        self.cover.setText(
            "Cover today: " + "; ".join(line.words() for line in board.cover) + "."
            if board.cover
            else ""
        )
        self.cover.setVisible(bool(board.cover))
        count = len(board.unallocated)
        self.unallocated_heading.setText(
            f"&Unallocated: {count} child{'' if count == 1 else 'ren'} "
            "(new births, transfers in, a health visitor who has left) waiting for a "
            "health visitor"
        )
        self.unallocated_empty.setVisible(count == 0)
        self.unallocated.setVisible(count > 0)
        self._filler.setVisible(count == 0)
        for table in (self.table, self.unallocated):
            table.resizeColumnsToContents()
            header = table.horizontalHeader()
            for column in range(table.model().columnCount() - 1):
                header.resizeSection(column, header.sectionSize(column) + 24)
        header = self.table.horizontalHeader()
        header.resizeSection(MEMBER, max(header.sectionSize(MEMBER), 260))
        self._fit_board_height()
        self._enable()

    def _fit_board_height(self) -> None:
        """No taller than its rows (at least one), so the unallocated list gets the rest."""
        rows = max(self.model.rowCount(), 1)
        self.table.setMaximumHeight(
            self.table.horizontalHeader().sizeHint().height()
            + rows * self.table.verticalHeader().defaultSectionSize()
            + 2 * self.table.frameWidth()
        )

    def counts(self) -> tuple[int, int]:
        """(members of the team on the board, unallocated children)."""
        return self.model.rowCount(), self.unallocated_model.rowCount()

    def current_member(self) -> CaseloadLoad | None:
        index = self.table.currentIndex()
        load: CaseloadLoad | None = index.data(LINE_ROLE) if index.isValid() else None
        return load

    def unallocated_rows(self) -> list[CaseloadRow]:
        return [self.unallocated_model.line_at(i) for i in range(self.unallocated_model.rowCount())]

    def chosen_unallocated(self) -> list[CaseloadRow]:
        """The unallocated children chosen (selected) in the list, in the list's order."""
        rows = sorted(
            self.unallocated_proxy.mapToSource(index).row()
            for index in self.unallocated.selectionModel().selectedRows()
        )
        return [self.unallocated_model.line_at(row) for row in rows]

    def _member_activated(self, _index: object) -> None:
        load = self.current_member()
        if load is not None:
            self.caseload_requested.emit(load.health_visitor_id)

    def _enable(self) -> None:
        # Not while a board is on its way: the lead acts on the rows shown once they are fresh.
        acting = self._workspace is not None and self.board is not None and not self.loading()
        self.allocate_button.setEnabled(acting and self.unallocated_model.rowCount() > 0)
        # Not disabled without a chosen health visitor: pressing it then says what to do.
        self.reallocate_button.setEnabled(acting)
        self.cover_button.setEnabled(acting)
        self.history_button.setEnabled(acting)
        self.transfer_button.setEnabled(acting)
        if self.offline:  # issue 12: the shared database decides who has which child
            for button in self._changing_buttons():
                disable_offline(button, "allocation")
        say_offline(self.offline_note, "allocation" if self.offline else None)

    def _changing_buttons(self) -> tuple[QPushButton, ...]:
        return (
            self.allocate_button,
            self.reallocate_button,
            self.cover_button,
            self.history_button,
            self.transfer_button,
        )

    def _offline(self) -> bool:
        """True (and said) on the offline copy: no allocation is changed there."""
        if self.offline:
            say_offline(self.offline_note, "allocation")
        return self.offline

    # --- Acting: the dialogs -------------------------------------------------------------

    def members(self, leaving_out: object = None) -> list[Member]:
        """The team's clinicians for a dialog's list, with their caseload size."""
        if self.board is None:
            return []
        return [
            (
                load.health_visitor_id,
                f"{member_name(load)} ({load.children} child{'' if load.children == 1 else 'ren'})",
            )
            for load in self.board.loads
            if load.health_visitor_id != leaving_out
        ]

    def _open(self, dialog: QDialog) -> QDialog:
        """Show a dialog window-modally (``open``, not a nested ``exec`` loop)."""
        self.dialog = dialog
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _result: self._dialog_closed(dialog))
        dialog.open()
        return dialog

    def _dialog_closed(self, dialog: QDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None

    def _waiting_for_board(self) -> bool:
        """True (and said) while a board is on its way: no action on the rows it replaces."""
        if self.loading():
            self.say(WAIT_FOR_BOARD)
        return self.loading()

    def allocate_chosen(self) -> AllocationDialog | None:
        """The allocation dialog over the unallocated list, the chosen children ticked."""
        if self._workspace is None or self.board is None or not self.board.unallocated:
            return None
        if self._offline() or self._waiting_for_board():
            return None
        dialog = AllocationDialog(
            self._workspace,
            self.board.unallocated,
            self.members(),
            chosen=[row.child_id for row in self.chosen_unallocated()],
            parent=self,
        )
        dialog.accepted.connect(lambda: self._allocated(dialog))
        self._open(dialog)
        return dialog

    def reallocate_chosen(self) -> AllocationDialog | None:
        """The allocation dialog over the chosen health visitor's own children."""
        load = self.current_member()
        if self._workspace is None or self._offline() or self._waiting_for_board():
            return None
        if load is None:
            self.say("Choose a health visitor in the table first, then press Reallocate.")
            self.table.setFocus(Qt.FocusReason.OtherFocusReason)
            return None
        try:
            rows = [
                row
                for row in self._workspace.caseload(load.health_visitor_id)
                if row.health_visitor_id == load.health_visitor_id  # not children they cover
            ]
            # Her pregnancies too: one with no child yet moves on its own (issue 4).
            expecting = [
                row
                for row in self._workspace.pregnancies(load.health_visitor_id)
                if row.health_visitor_id == load.health_visitor_id
            ]
        except HealthVisitorError as exc:
            self.say(str(exc))
            return None
        if not rows and not expecting:
            self.say(f"{load.full_name} has no children or pregnancies to reallocate.")
            return None
        dialog = AllocationDialog(
            self._workspace,
            rows,
            self.members(leaving_out=load.health_visitor_id),
            from_name=load.full_name,
            pregnancies=expecting,
            parent=self,
        )
        dialog.accepted.connect(lambda: self._allocated(dialog))
        self._open(dialog)
        return dialog

    def open_cover(self) -> CoverDialog | None:
        if self._workspace is None or self._offline() or self._waiting_for_board():
            return None
        load = self.current_member()
        dialog = CoverDialog(
            self._workspace,
            self.members(),
            absent=load.health_visitor_id if load else None,
            parent=self,
        )
        dialog.changed.connect(self._changed)
        self._open(dialog)
        return dialog

    def open_recent_changes(self) -> RecentChangesDialog | None:
        if self._workspace is None or self._offline() or self._waiting_for_board():
            return None
        dialog = RecentChangesDialog(self._workspace, parent=self)
        dialog.changed.connect(self._changed)
        self._open(dialog)
        return dialog

    def transfer_chosen(self) -> TransferDialog | None:
        """The transfer dialog over the chosen unallocated children, or else over the
        chosen health visitor's own children."""
        if self._workspace is None or self.board is None:
            return None
        if self._offline() or self._waiting_for_board():
            return None
        chosen = self.chosen_unallocated()
        load = self.current_member()
        if not chosen and load is None:
            self.say(
                "Choose children on the unallocated list, or a health visitor in the table, "
                "then press Transfer to another team."
            )
            self.table.setFocus(Qt.FocusReason.OtherFocusReason)
            return None
        try:
            teams = self._workspace.trust_teams()
            if chosen:
                rows, from_name = list(self.board.unallocated), ""
            else:
                assert load is not None
                rows = [
                    row
                    for row in self._workspace.caseload(load.health_visitor_id)
                    if row.health_visitor_id == load.health_visitor_id
                ]
                from_name = load.full_name
        except HealthVisitorError as exc:
            self.say(str(exc))
            return None
        if not teams:
            self.say("There is no other team in the trust to transfer to.")
            return None
        if not rows:
            self.say(f"{from_name} has no children to transfer.")
            return None
        dialog = TransferDialog(
            self._workspace,
            rows,
            teams,
            chosen=[row.child_id for row in chosen],
            from_name=from_name,
            parent=self,
        )
        dialog.accepted.connect(lambda: self._transferred(dialog))
        self._open(dialog)
        return dialog

    def _transferred(self, dialog: TransferDialog) -> None:
        if dialog.outcome is not None:
            self._changed(
                f"Done: {dialog.outcome.message} To bring a child back, that team's lead "
                "transfers them."
            )

    def _allocated(self, dialog: AllocationDialog) -> None:
        if dialog.outcome is not None:
            self._changed(
                f"Done: {dialog.outcome.message} To put it back: Recent changes (Ctrl+Shift+G)."
            )

    def _changed(self, message: str) -> None:
        self.say(message)
        if self._reload is not None:
            self._reload()
        else:
            self.load()
        self.changed.emit(message)

    def say(self, message: str) -> None:
        """What was just done (or why not), in words above the board."""
        self.done_message.setText(message)
        self.done_message.setVisible(bool(message))
