"""A growth chart in the window: the printed chart's own drawing, shown as SVG.

Issue 3: one renderer for screen and paper. The widget asks
``healthvisitor.reports.growth_chart`` for the SVG of a
:class:`~healthvisitor.domain.growth_chart.GrowthChart` and paints it with
QtSvg, scaled to the widget but never stretched (the aspect ratio is kept).
A screen reader hears where the child's latest point lies.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QSizePolicy, QWidget

from healthvisitor.domain.growth_chart import (
    DESIGN_HEIGHT,
    DESIGN_WIDTH,
    GrowthChart,
    age_words,
    centile_label,
    latest_point_summary,
    value_words,
)

#: Keyboard focus: a thick NHS text-colour border (resources/style.qss).
FOCUS_COLOUR = "#212B32"


class GrowthChartView(QWidget):
    """Shows one :class:`GrowthChart`, scaled to fit and never distorted."""

    def __init__(self, chart: GrowthChart | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._chart: GrowthChart | None = None
        self._renderer = QSvgRenderer(self)
        policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.setMinimumSize(320, 220)
        # Focusable, so keyboard and screen-reader users can reach the chart and hear it.
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        if chart is not None:
            self.set_chart(chart)
        else:
            self.setAccessibleName("Growth chart: none shown")

    @property
    def chart(self) -> GrowthChart | None:
        return self._chart

    def set_chart(self, chart: GrowthChart) -> None:
        """Show ``chart`` (the same drawing the printed report uses)."""
        # The drawing (reportlab) is loaded with the first chart shown, not at every
        # start of the window (issue 10).
        from healthvisitor.reports.growth_chart import growth_chart_svg

        self._chart = chart
        self._renderer.load(QByteArray(growth_chart_svg(chart, DESIGN_WIDTH, DESIGN_HEIGHT)))
        self.setAccessibleName(latest_point_summary(chart))
        self.setAccessibleDescription(_description(chart))
        self.update()

    # --- Size ---------------------------------------------------------------------

    def sizeHint(self) -> QSize:
        return QSize(round(DESIGN_WIDTH), round(DESIGN_HEIGHT))

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return round(width * DESIGN_HEIGHT / DESIGN_WIDTH)

    def chart_rect(self) -> QRectF:
        """The largest rectangle of the chart's shape that fits, centred in the widget."""
        scale = min(self.width() / DESIGN_WIDTH, self.height() / DESIGN_HEIGHT)
        width, height = DESIGN_WIDTH * scale, DESIGN_HEIGHT * scale
        return QRectF((self.width() - width) / 2, (self.height() - height) / 2, width, height)

    # --- Painting -----------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("#FFFFFF"))
        if self._renderer.isValid():
            self._renderer.render(painter, self.chart_rect())
        if self.hasFocus():
            pen = QPen(QColor(FOCUS_COLOUR), 3)
            painter.setPen(pen)
            painter.drawRect(self.rect().adjusted(1, 1, -2, -2))
        painter.end()


def _description(chart: GrowthChart) -> str:
    """The longer text for a screen reader: what the chart shows and every point."""
    lines = [
        f"{chart.title}. UK-WHO centile lines from the {centile_label(0.4)} "
        f"to the {centile_label(99.6)}."
    ]
    if chart.age_used_note:
        lines.append(f"{chart.age_used_note}.")
    shown = chart.child_in_range
    if shown:
        lines.append(
            "Measurements: "
            + "; ".join(
                f"{value_words(point.value, chart.unit)} at {age_words(point.age_years)}"
                + (f" ({point.label})" if point.label else "")
                for point in shown
            )
            + "."
        )
    if chart.child_out_of_range:
        lines.append(f"{chart.child_out_of_range} outside this chart's ages, not shown.")
    return " ".join(lines)
