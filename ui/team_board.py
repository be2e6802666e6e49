"""The team lead's board (issue 4): every caseload in the team, and the unallocated children.

Shown on the caseload panel's "Team" tab, for a team lead only (the service
refuses anyone else). The upper table has one row per clinical member of
the team: children, weighted caseload, reviews due in the next four weeks
and overdue now; Enter or a double-click on a row asks the panel to show
that health visitor's caseload. Below it the unallocated children (new
birth notifications, transfers in) wait for a health visitor; allocating
them comes later in issue 4. The weights used are said in words above the
table: they are the team's own, not a national standard.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QSortFilterProxyModel, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from healthvisitor.domain.enums import Role
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

if TYPE_CHECKING:
    from healthvisitor.services.caseload import CaseloadRow
    from healthvisitor.services.team_board import CaseloadLoad, TeamBoard

#: NHS red: a caseload over the recommended size (the number says it; colour repeats it).
OVER_COLOUR = "#D5281B"


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
UNALLOCATED_COLUMNS: tuple[LineColumn, ...] = tuple(
    CASELOAD_COLUMNS[i]
    for i in (NAME, NHS_NUMBER, DATE_OF_BIRTH, AGE, NEXT_REVIEW, STATUS, TARGET_BY)
)


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
    """The team's active children with no health visitor, by family name."""

    columns = UNALLOCATED_COLUMNS


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


class TeamBoardView(QWidget):
    """The board and the unallocated list, as one tab."""

    #: The health visitor (a ``uuid.UUID``) whose caseload the team lead asked to see.
    caseload_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
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
            "Active children of the team with no health visitor yet",
        )
        self.unallocated_heading.setBuddy(self.unallocated)
        self.unallocated_empty = QLabel("Every child in the team has a health visitor.")
        self.unallocated_empty.setObjectName("emptyState")
        self.unallocated_empty.hide()
        # Takes the spare height when there is no unallocated list to take it.
        self._filler = QWidget()
        self._filler.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        self._filler.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.recommended)
        layout.addWidget(self.weights)
        # The board as tall as its rows (a team is a handful of people); the
        # unallocated list below takes the rest of a 768-pixel-high screen.
        layout.addWidget(self.table)
        layout.addSpacing(6)
        layout.addWidget(self.unallocated_heading)
        layout.addWidget(self.unallocated_empty)
        layout.addWidget(self.unallocated, 1)
        layout.addWidget(self._filler, 1)
        self.setTabOrder(self.table, self.unallocated)

        # activated: Enter on a row, or a double-click (Qt emits it for both).
        self.table.activated.connect(self._member_activated)

    def show_board(self, board: TeamBoard) -> None:
        self.model.set_board(board)
        self.unallocated_model.set_lines(board.unallocated)
        self.recommended.setText(
            f"Recommended: about {board.recommended_children} children per health visitor "
            "(Institute of Health Visiting); more is shown in red."
        )
        self.weights.setText(
            f"Weights: {board.weights.describe()} (the team's own, not a national standard)"
        )
        count = len(board.unallocated)
        self.unallocated_heading.setText(
            f"&Unallocated: {count} child{'' if count == 1 else 'ren'} "
            "(new births, transfers in) waiting for a health visitor"
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

    def _member_activated(self, _index: object) -> None:
        load = self.current_member()
        if load is not None:
            self.caseload_requested.emit(load.health_visitor_id)
