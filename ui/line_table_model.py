"""A thin ``QAbstractTableModel`` over a tuple of read-model lines.

A table is a list of ``LineColumn``s (heading, cell text, and optional
tooltip, spoken text and colour) over one line a row, in the order given.
The record tables, the caseload and the pregnancies are all built on it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

ModelIndex = QModelIndex | QPersistentModelIndex

#: The read model behind a row.
LINE_ROLE = Qt.ItemDataRole.UserRole


@dataclass(frozen=True)
class LineColumn:
    """One column of a table: heading, cell text, and optional extras."""

    title: str
    display: Callable[[Any], str]
    tooltip: Callable[[Any], str] | None = None
    spoken: Callable[[Any], str] | None = None
    colour: Callable[[Any], str | None] | None = None


class LineTableModel(QAbstractTableModel):
    """Rows of one read-model tuple, one line a row, in the order given."""

    columns: tuple[LineColumn, ...] = ()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lines: list[Any] = []

    def set_lines(self, lines: Sequence[Any]) -> None:
        self.beginResetModel()
        self._lines = list(lines)
        self.endResetModel()

    def line_at(self, row: int) -> Any:
        return self._lines[row]

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self._lines)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._lines):
            return None
        line = self._lines[index.row()]
        column = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.display(line)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return (column.spoken or column.display)(line)
        if role == Qt.ItemDataRole.ToolTipRole and column.tooltip is not None:
            return column.tooltip(line)
        if role == Qt.ItemDataRole.ForegroundRole and column.colour is not None:
            colour = column.colour(line)
            return QBrush(QColor(colour)) if colour else None
        if role == LINE_ROLE:
            return line
        return None

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        # Not super().headerData(): see TOOLCHAIN.md on empty values from C++.
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self.columns[section].title
        return None
