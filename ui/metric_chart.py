"""A small line chart of one metric over the last quarters, drawn with QPainter (issue 7).

``draw_series`` paints the points into any rectangle: the performance view's
table uses it for a sparkline in each row (``SparklineDelegate``) and
``MetricChart`` for the larger chart of the chosen figure, with the quarters
and values written beside it. A quarter with nothing to show (no children
in the group, so no percentage) is a gap in the line, never a zero.

The chart only draws what it is given: the figures come from the service
(``healthvisitor.services.metrics.metrics_history``), the same count as the
CLI and the PDF.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QSizePolicy,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

#: NHS identity colours: NHS Blue for the line, Dark Grey for text and axes.
LINE_COLOUR = QColor("#005eb8")
AXIS_COLOUR = QColor("#425563")
GRID_COLOUR = QColor("#d8dde0")

#: The role a table cell hands its series to ``SparklineDelegate`` in.
SERIES_ROLE = Qt.ItemDataRole.UserRole + 1


@dataclass(frozen=True)
class Series:
    """The values to draw, oldest first (None: nothing to show that quarter).

    ``percent``: values are percentages (the axis runs 0-100); otherwise counts
    (the axis runs from 0 to the largest).
    """

    labels: tuple[str, ...]
    values: tuple[float | None, ...]
    percent: bool = True

    @property
    def top(self) -> float:
        if self.percent:
            return 100.0
        return max([v for v in self.values if v is not None] + [1.0])

    def spoken(self) -> str:
        """The chart in words, for a screen reader."""
        unit = "%" if self.percent else ""
        parts = [
            f"{label}: {'no figure' if value is None else f'{value:g}{unit}'}"
            for label, value in zip(self.labels, self.values, strict=True)
        ]
        return "; ".join(parts)


def _points(series: Series, area: QRectF) -> list[QPointF | None]:
    count = len(series.values)
    step = area.width() / max(count - 1, 1)
    return [
        None
        if value is None
        else QPointF(area.left() + i * step, area.bottom() - area.height() * value / series.top)
        for i, value in enumerate(series.values)
    ]


def draw_series(
    painter: QPainter,
    area: QRectF,
    series: Series,
    *,
    dot: float = 2.0,
    colour: QColor = LINE_COLOUR,
) -> None:
    """The line (broken where a quarter has no figure) and a dot on each point."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    pen = QPen(colour, 1.6)
    painter.setPen(pen)
    points = _points(series, area)
    for start, end in itertools.pairwise(points):
        if start is not None and end is not None:
            painter.drawLine(start, end)
    painter.setBrush(colour)
    for point in points:
        if point is not None:
            painter.drawEllipse(point, dot, dot)
    painter.restore()


class MetricChart(QWidget):
    """The chosen figure over the last quarters, with an axis and the values."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.series: Series | None = None
        self.setMinimumHeight(150)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setAccessibleName("Chart of the chosen figure over the last 8 quarters")

    def sizeHint(self) -> QSize:
        return QSize(520, 170)

    def show_series(self, series: Series | None) -> None:
        self.series = series
        self.setAccessibleDescription(series.spoken() if series else "No figure chosen")
        self.update()

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), Qt.GlobalColor.white)
        font = QFont(self.font())
        font.setPointSizeF(max(font.pointSizeF() - 1, 7.0))
        painter.setFont(font)
        metrics = painter.fontMetrics()
        if self.series is None:
            painter.setPen(AXIS_COLOUR)
            painter.drawText(
                QRectF(self.rect()), Qt.AlignmentFlag.AlignCenter, "Choose a figure above"
            )
            return
        series = self.series
        left = metrics.horizontalAdvance("100%") + 10
        # Room above for the top value, right for the last quarter's label, below for the quarters.
        top = metrics.height() + 8
        area = QRectF(
            left, top, self.width() - left - 44, self.height() - top - 2 * metrics.height()
        )
        painter.setPen(QPen(GRID_COLOUR, 1))
        unit = "%" if series.percent else ""
        for fraction in (0.0, 0.5, 1.0):
            y = area.bottom() - area.height() * fraction
            painter.drawLine(QPointF(area.left(), y), QPointF(area.right(), y))
            painter.setPen(AXIS_COLOUR)
            painter.drawText(
                QRectF(0, y - metrics.height() / 2, left - 6, metrics.height()),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                f"{series.top * fraction:g}{unit}",
            )
            painter.setPen(QPen(GRID_COLOUR, 1))
        draw_series(painter, area, series, dot=3.0)
        painter.setPen(AXIS_COLOUR)
        for label, point, value in zip(
            series.labels, _points(series, area), series.values, strict=True
        ):
            x = point.x() if point is not None else None
            if x is None:
                index = series.labels.index(label)
                x = area.left() + index * area.width() / max(len(series.labels) - 1, 1)
            width = 70.0
            painter.drawText(
                QRectF(x - width / 2, area.bottom() + 4, width, metrics.height()),
                Qt.AlignmentFlag.AlignHCenter,
                label,
            )
            text = "–" if value is None else f"{value:g}{unit}"
            y = point.y() - metrics.height() - 4 if point is not None else area.bottom() - 18
            painter.drawText(
                QRectF(x - width / 2, y, width, metrics.height()),
                Qt.AlignmentFlag.AlignHCenter,
                text,
            )


class SparklineDelegate(QStyledItemDelegate):
    """A cell holding a ``Series`` in ``SERIES_ROLE`` is drawn as a small line."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        series = index.data(SERIES_ROLE)
        if not isinstance(series, Series):
            super().paint(painter, option, index)
            return
        style = option.widget.style() if option.widget is not None else None
        if style is not None:
            # The selection highlight and focus frame, with no text.
            blank = QStyleOptionViewItem(option)
            self.initStyleOption(blank, index)
            blank.text = ""
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, blank, painter, option.widget)
        rect = QRectF(option.rect).adjusted(6, 5, -6, -5)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        colour = option.palette.highlightedText().color() if selected else LINE_COLOUR
        draw_series(painter, rect, series, dot=1.6, colour=colour)

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        return QSize(110, 26)


def series_labels(quarters: Sequence[str]) -> tuple[str, ...]:
    """'2026-27Q1' → 'Q1 26-27': short enough to sit under a point."""
    return tuple(f"Q{q[-1]} {q[2:7]}" for q in quarters)
