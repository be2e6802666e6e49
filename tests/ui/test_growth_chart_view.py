"""The growth chart in the window: the report's own drawing, shown as SVG (issue 3)."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QImage
from pytestqt.qtbot import QtBot

from healthvisitor.domain.enums import MeasurementKind, Sex
from healthvisitor.domain.growth_chart import (
    DAYS_PER_YEAR,
    DESIGN_HEIGHT,
    DESIGN_WIDTH,
    ChartPoint,
    GrowthChart,
    growth_chart,
    latest_point_summary,
)
from healthvisitor.domain.growth_reference import uk_who_value_for_sds
from healthvisitor.ui.growth_chart_view import GrowthChartView

pytestmark = pytest.mark.gui


def on_the_50th(days: list[int]) -> GrowthChart:
    points = [
        ChartPoint(
            day / DAYS_PER_YEAR,
            round(
                uk_who_value_for_sds(
                    kind=MeasurementKind.WEIGHT,
                    sex=Sex.MALE,
                    decimal_age=day / DAYS_PER_YEAR,
                    sds=0.0,
                ),
                2,
            ),
            f"day {day}",
        )
        for day in days
    ]
    return growth_chart(MeasurementKind.WEIGHT, Sex.MALE, points)


def colours(image: QImage, step: int = 2) -> dict[str, int]:
    counts: dict[str, int] = {}
    for y in range(0, image.height(), step):
        for x in range(0, image.width(), step):
            name = image.pixelColor(x, y).name()
            counts[name] = counts.get(name, 0) + 1
    return counts


def is_nhs_blue(name: str) -> bool:
    colour = QColor(name)
    return colour.red() < 40 and 70 < colour.green() < 120 and colour.blue() > 150


def test_the_chart_renders(qtbot: QtBot) -> None:
    view = GrowthChartView(on_the_50th([10, 45, 100, 274]))
    qtbot.addWidget(view)
    view.resize(640, 440)
    image = view.grab().toImage()
    assert not image.isNull()
    seen = colours(image)
    ink = sum(count for name, count in seen.items() if QColor(name).lightness() < 200)
    assert ink > 0.02 * sum(seen.values())  # lines, grid and text, not a blank page
    assert any(is_nhs_blue(name) for name in seen)  # the child's points


def test_the_accessible_name_says_where_the_latest_point_lies(qtbot: QtBot) -> None:
    chart = on_the_50th([10, 45, 100, 274])
    view = GrowthChartView(chart)
    qtbot.addWidget(view)
    assert view.accessibleName() == latest_point_summary(chart)
    assert view.accessibleName().startswith("Weight chart: latest ")
    assert view.accessibleName().endswith("at 39 weeks, about the 50th centile")
    description = view.accessibleDescription()
    assert chart.title in description
    assert "(day 274)" in description


def test_the_chart_keeps_its_shape_when_resized(qtbot: QtBot) -> None:
    view = GrowthChartView(on_the_50th([45]))
    qtbot.addWidget(view)
    for width, height in [(500, 700), (1200, 500), (640, 440)]:
        view.resize(width, height)
        rect = view.chart_rect()
        assert rect.width() / rect.height() == pytest.approx(DESIGN_WIDTH / DESIGN_HEIGHT)
        assert rect.width() <= width + 1e-6 and rect.height() <= height + 1e-6
        assert rect.width() == pytest.approx(width) or rect.height() == pytest.approx(height)
        assert (rect.center().x(), rect.center().y()) == pytest.approx((width / 2, height / 2))
    assert view.heightForWidth(960) == round(960 * DESIGN_HEIGHT / DESIGN_WIDTH)


def test_a_new_chart_replaces_the_old(qtbot: QtBot) -> None:
    view = GrowthChartView()
    qtbot.addWidget(view)
    assert view.accessibleName() == "Growth chart: none shown"
    chart = growth_chart(MeasurementKind.HEAD_CIRCUMFERENCE, Sex.FEMALE, [])
    view.set_chart(chart)
    assert view.chart is chart
    assert view.accessibleName() == "Head circumference chart: no measurements yet"
