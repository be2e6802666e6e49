"""The growth chart drawing: one renderer for PDF and SVG (issue 3)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from pypdf import PdfReader
from reportlab.graphics.shapes import Circle, Drawing, Group, String

from healthvisitor.domain.enums import MeasurementKind, Sex
from healthvisitor.domain.growth_chart import (
    CENTILES,
    DAYS_PER_YEAR,
    ChartPoint,
    GrowthChart,
    centile_label,
    growth_chart,
)
from healthvisitor.domain.growth_reference import uk_who_value_for_sds
from healthvisitor.reports.growth_chart import (
    NHS_BLUE,
    growth_chart_drawing,
    growth_chart_pdf,
    growth_chart_svg,
)

SVG = "{http://www.w3.org/2000/svg}"
CENTILE_LABELS = [centile_label(c) for c in CENTILES]


def following_the_25th(days: list[int]) -> list[ChartPoint]:
    """A term boy's weights, each on the 25th centile (SDS -2/3)."""
    return [
        ChartPoint(
            day / DAYS_PER_YEAR,
            uk_who_value_for_sds(
                kind=MeasurementKind.WEIGHT,
                sex=Sex.MALE,
                decimal_age=day / DAYS_PER_YEAR,
                sds=-2 / 3,
            ),
            f"day {day}",
        )
        for day in days
    ]


@pytest.fixture(scope="module")
def boy() -> GrowthChart:
    points = following_the_25th([0, 12, 45, 90, 180, 330])
    return growth_chart(MeasurementKind.WEIGHT, Sex.MALE, points)


@pytest.fixture(scope="module")
def preterm_girl() -> GrowthChart:
    ages = [-70, -42, -14, 20, 60, 200]
    points = [ChartPoint(day / DAYS_PER_YEAR, 1.3 + 0.025 * (day + 70), "") for day in ages]
    return growth_chart(
        MeasurementKind.WEIGHT,
        Sex.FEMALE,
        points,
        age_used_note="Plotted at corrected age until 2 years",
    )


def shapes(node: Drawing | Group) -> list[object]:
    found: list[object] = []
    for child in node.contents:
        found.append(child)
        if isinstance(child, Group):
            found.extend(shapes(child))
    return found


def child_dots(drawing: Drawing) -> list[Circle]:
    return [s for s in shapes(drawing) if isinstance(s, Circle) and s.fillColor == NHS_BLUE]


def test_the_pdf_has_the_title_centile_labels_and_axes_as_text(
    boy: GrowthChart, tmp_path: Path
) -> None:
    path = growth_chart_pdf(boy, tmp_path / "weight.pdf")
    text = PdfReader(path).pages[0].extract_text()
    assert boy.title in text
    for label in CENTILE_LABELS:
        assert label in text
    assert "Weight (kg)" in text
    assert "Age" in text
    assert "Child's measurements" in text


def test_the_preterm_chart_says_which_age_is_plotted(
    preterm_girl: GrowthChart, tmp_path: Path
) -> None:
    text = PdfReader(growth_chart_pdf(preterm_girl, tmp_path / "p.pdf")).pages[0].extract_text()
    assert "Weight – girls, 30 weeks' gestation to 1 year" in text
    assert "Plotted at corrected age until 2 years" in text
    assert "Gestation (weeks)" in text
    assert "Preterm" in text


def test_the_svg_is_well_formed_with_real_text_and_the_childs_points(boy: GrowthChart) -> None:
    root = ET.fromstring(growth_chart_svg(boy, 640, 440))
    assert root.tag == f"{SVG}svg"
    assert root.get("viewBox") == "0 0 640 440"
    texts = [element.text for element in root.iter(f"{SVG}text")]
    assert boy.title in texts
    assert all(label in texts for label in CENTILE_LABELS)
    # Six points and the legend's dot.
    assert len(list(root.iter(f"{SVG}circle"))) == len(boy.child) + 1
    # QtSvg paints reportlab's <clipPath> black and reads its "fill: None" as black.
    assert not list(root.iter(f"{SVG}clipPath"))
    assert b"fill: None" not in growth_chart_svg(boy, 640, 440)


def test_every_child_point_in_range_is_a_blue_dot(boy: GrowthChart) -> None:
    drawing = growth_chart_drawing(boy, 640, 440)
    assert len(child_dots(drawing)) == len(boy.child) + 1  # and the legend


def test_points_outside_the_chart_are_not_drawn_but_said(tmp_path: Path) -> None:
    points = [*following_the_25th([30, 200]), ChartPoint(1.5, 10.5, "")]
    chart = growth_chart(MeasurementKind.WEIGHT, Sex.MALE, points, age_to=1.0)
    assert len(child_dots(growth_chart_drawing(chart, 640, 440))) == 2 + 1
    text = PdfReader(growth_chart_pdf(chart, tmp_path / "w.pdf")).pages[0].extract_text()
    assert "1 measurement outside this chart's ages (is not shown)" in text


@pytest.mark.parametrize("size", [(640, 440), (515, 354), (1280, 880), (400, 400)])
def test_nothing_is_drawn_outside_the_drawing(
    preterm_girl: GrowthChart, size: tuple[float, float]
) -> None:
    width, height = size
    x0, y0, x1, y1 = growth_chart_drawing(preterm_girl, width, height).getBounds()
    assert x0 >= 0 and y0 >= 0 and x1 <= width and y1 <= height


def test_a_smaller_drawing_is_the_same_chart_scaled(boy: GrowthChart) -> None:
    big, small = growth_chart_drawing(boy, 640, 440), growth_chart_drawing(boy, 320, 220)
    assert len(shapes(big)) == len(shapes(small))
    big_text = [s.text for s in shapes(big) if isinstance(s, String)]
    assert big_text == [s.text for s in shapes(small) if isinstance(s, String)]


@pytest.mark.parametrize(
    ("kind", "ages", "labels"),
    [
        (MeasurementKind.WEIGHT, [0.5], ["0", "2w", "8w", "3m", "11m", "1y"]),
        (MeasurementKind.HEAD_CIRCUMFERENCE, [1.5], ["0", "2m", "1y", "14m", "2y"]),
        (MeasurementKind.WEIGHT, [3.0], ["0", "6m", "1y", "18m", "2y", "2y 6m", "4y"]),
        (MeasurementKind.HEIGHT, [3.0], ["2y", "2y 3m", "3y", "3y 9m", "4y"]),
    ],
)
def test_age_ticks_as_on_the_red_book_charts(
    kind: MeasurementKind, ages: list[float], labels: list[str]
) -> None:
    chart = growth_chart(kind, Sex.FEMALE, [ChartPoint(age, 0.0, "") for age in ages])
    strings = {
        s.text for s in shapes(growth_chart_drawing(chart, 640, 440)) if isinstance(s, String)
    }
    assert set(labels) <= strings


def test_length_chart_past_2_years_marks_lying_and_standing() -> None:
    chart = growth_chart(MeasurementKind.LENGTH, Sex.MALE, [ChartPoint(2.5, 91.0, "")])
    strings = {
        s.text for s in shapes(growth_chart_drawing(chart, 640, 440)) if isinstance(s, String)
    }
    assert {"Length (lying)", "Height (standing)"} <= strings
