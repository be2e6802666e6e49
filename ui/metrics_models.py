"""Table models for the team performance view (issue 7): the figures, and the children
behind one figure.

Both are thin adapters over read models from ``healthvisitor.services.metrics``:
``FigureRow`` puts one figure of the chosen quarter beside the previous
quarter's (the change is the service's ``change_from``) and the last 8
quarters' series; ``MissedChild`` is one child of a drill-down. Nothing here
counts anything.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QObject, Qt

from healthvisitor.services.metrics import MetricFigure, MissedChild, QuarterMetrics, change_from
from healthvisitor.ui.line_table_model import LineColumn, LineTableModel, ModelIndex
from healthvisitor.ui.metric_chart import SERIES_ROLE, Series, series_labels

#: The child's id on a drill-down row (what opening the record needs).
CHILD_ID_ROLE = Qt.ItemDataRole.UserRole + 2


@dataclass(frozen=True)
class FigureRow:
    """One figure of the chosen quarter, the previous quarter's, and the last 8."""

    figure: MetricFigure
    previous: MetricFigure | None
    series: Series

    @property
    def change(self) -> Decimal | None:
        return change_from(self.previous, self.figure)


def figure_rows(history: Sequence[QuarterMetrics]) -> list[FigureRow]:
    """The chosen quarter (the last of ``history``) figure by figure."""
    if not history:
        return []
    chosen = history[-1]
    previous = history[-2] if len(history) > 1 else None
    labels = series_labels([found.quarter for found in history])
    rows = []
    for figure in chosen.figures:
        values: list[float | None] = []
        for found in history:
            past = found.figure(figure.code)
            if figure.denominator is None:
                values.append(float(past.numerator))
            else:
                values.append(None if past.percent is None else float(past.percent))
        rows.append(
            FigureRow(
                figure,
                previous.figure(figure.code) if previous is not None else None,
                Series(labels, tuple(values), percent=figure.denominator is not None),
            )
        )
    return rows


def percent_text(figure: MetricFigure) -> str:
    if figure.denominator is None:
        return "(a count)"
    return "–" if figure.percent is None else f"{figure.percent}%"


def change_text(row: FigureRow) -> str:
    change = row.change
    if change is None:
        return "–"
    if change == 0:
        return "no change"
    sign = "+" if change > 0 else "−"  # a real minus sign, as printed figures use
    unit = "" if row.figure.denominator is None else " points"
    return f"{sign}{abs(change)}{unit}"


def change_spoken(row: FigureRow) -> str:
    change = row.change
    if change is None:
        return "No previous figure to compare with"
    if change == 0:
        return "No change from the previous quarter"
    direction = "Up" if change > 0 else "Down"
    unit = "" if row.figure.denominator is None else " percentage points"
    return f"{direction} {abs(change)}{unit} from the previous quarter"


class FiguresModel(LineTableModel):
    """The quarter's figures, one a row, in the national returns' order."""

    columns = (
        LineColumn("Figure", lambda r: r.figure.title, tooltip=lambda r: r.figure.source),
        LineColumn("Numerator", lambda r: str(r.figure.numerator)),
        LineColumn(
            "Denominator",
            lambda r: "" if r.figure.denominator is None else str(r.figure.denominator),
            spoken=lambda r: (
                "none, a count" if r.figure.denominator is None else str(r.figure.denominator)
            ),
        ),
        LineColumn("%", lambda r: percent_text(r.figure)),
        LineColumn("Change", change_text, spoken=change_spoken),
        LineColumn("Last 8 quarters", lambda r: "", spoken=lambda r: r.series.spoken()),
        LineColumn(
            "Note",
            lambda r: r.figure.note,
            colour=lambda r: "#8a1538" if r.figure.too_small_to_compare else None,
        ),
    )
    FIGURE, NUMERATOR, DENOMINATOR, PERCENT, CHANGE, TREND, NOTE = range(7)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (
            role == SERIES_ROLE
            and index.isValid()
            and index.column() == self.TREND
            and 0 <= index.row() < self.rowCount()
        ):
            return self.line_at(index.row()).series
        if (
            role == Qt.ItemDataRole.TextAlignmentRole
            and index.isValid()
            and self.NUMERATOR <= index.column() <= self.CHANGE
        ):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return super().data(index, role)

    def row_of(self, code: str) -> int:
        for row in range(self.rowCount()):
            if self.line_at(row).figure.code == code:
                return row
        raise KeyError(code)


def _day(value: Any) -> str:
    return f"{value:%d %b %Y}"


class MissedChildrenModel(LineTableModel):
    """The children a figure leaves out, each with the reason."""

    columns = (
        LineColumn("Child", lambda m: m.name),
        LineColumn("NHS number", lambda m: m.nhs_number),
        LineColumn("Born", lambda m: _day(m.date_of_birth)),
        LineColumn("Due by", lambda m: _day(m.target_by)),
        LineColumn("Reason", lambda m: m.reason_text),
        LineColumn("Health visitor", lambda m: m.health_visitor or "Unallocated"),
    )

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == CHILD_ID_ROLE and index.isValid() and 0 <= index.row() < self.rowCount():
            child: MissedChild = self.line_at(index.row())
            return child.child_id
        return super().data(index, role)

    def child_id_at(self, row: int) -> uuid.UUID:
        child: MissedChild = self.line_at(row)
        return child.child_id
