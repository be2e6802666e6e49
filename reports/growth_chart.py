"""Draw a growth chart: one reportlab drawing for the screen (as SVG) and for paper (PDF).

Issue 3 asks for one renderer so that the chart on screen and the printed one
"never differ": the window shows :func:`growth_chart_svg` (``ui/growth_chart_view``)
and the reports put :func:`growth_chart_drawing` on the page. The drawing takes
a :class:`~healthvisitor.domain.growth_chart.GrowthChart`, the same read model
the screen shows (STYLE.md).

Everything is laid out for a 640 x 440 point design and scaled to the size
asked for, so a chart printed half a page wide is the screen chart, smaller.
Centile lines are black and grey (they print well in monochrome); the child's
points are NHS blue. All text is real text (Helvetica), so a PDF reader can
search it and a screen reader can read it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from reportlab.graphics import renderPDF, renderSVG
from reportlab.graphics.shapes import Circle, Drawing, Group, Line, Rect, String
from reportlab.graphics.shapes import Path as ShapePath
from reportlab.lib.colors import Color, HexColor, white
from reportlab.pdfbase.pdfmetrics import stringWidth

from healthvisitor.domain.enums import MeasurementKind
from healthvisitor.domain.growth_chart import (
    CENTILES,
    DAYS_PER_YEAR,
    DESIGN_HEIGHT,
    DESIGN_WIDTH,
    TERM_WEEKS,
    TWO_YEARS,
    GrowthChart,
    centile_label,
)

#: Every measure below is given in the design size (``DESIGN_WIDTH`` by
#: ``DESIGN_HEIGHT``, domain/growth_chart.py); drawings are scaled from it.

#: NHS palette (resources/style.qss): the child's points, and all text.
NHS_BLUE = HexColor("#005EB8")
NHS_TEXT = HexColor("#212B32")
#: Greys for the reference lines and grid: distinct from each other in monochrome.
CENTILE_GREY = HexColor("#4A4A4A")
MEDIAN_BLACK = HexColor("#000000")
GRID_MAJOR = HexColor("#C4C8CA")
GRID_MINOR = HexColor("#E6E8E9")
PRETERM_SHADE = HexColor("#F1F3F4")
SECONDARY_TEXT = HexColor("#4C6272")

FONT = "Helvetica"
#: Text sizes in design points (at 640 x 440: 9 pt ticks read on screen and on paper).
TITLE_SIZE = 14.0
TEXT_SIZE = 9.0
AXIS_TITLE_SIZE = 9.5
CENTILE_LABEL_SIZE = 8.5
NOTE_SIZE = 8.0
BOLD = "Helvetica-Bold"
#: In SVG, PDF's "Helvetica-Bold" is no family name a viewer knows: say family and
#: weight, with the usual stand-ins (Arial on Windows, Nimbus/Liberation Sans on Linux).
_SVG_FAMILY = "Helvetica, Arial, 'Nimbus Sans', 'Liberation Sans', sans-serif"
_SVG_FONTS = {
    FONT: {"family": _SVG_FAMILY},
    BOLD: {"family": _SVG_FAMILY, "weight": "bold"},
}


@dataclass(frozen=True)
class _Layout:
    """Where the plot sits in the drawing, and how ages and values map onto it."""

    scale: float
    left: float
    bottom: float
    right: float
    top: float
    age_from: float
    age_to: float
    value_from: float
    value_to: float

    def x(self, age: float) -> float:
        return self.left + (age - self.age_from) / (self.age_to - self.age_from) * (
            self.right - self.left
        )

    def y(self, value: float) -> float:
        return self.bottom + (value - self.value_from) / (self.value_to - self.value_from) * (
            self.top - self.bottom
        )

    @property
    def points_per_year(self) -> float:
        return (self.right - self.left) / (self.age_to - self.age_from)

    def size(self, design_points: float) -> float:
        """A design measure (font size, line width, gap) at this drawing's scale."""
        return design_points * self.scale


def growth_chart_drawing(chart: GrowthChart, width: float, height: float) -> Drawing:
    """The chart drawn ``width`` x ``height`` points: axes, grid, centiles, the child."""
    scale = min(width / DESIGN_WIDTH, height / DESIGN_HEIGHT)
    drawing = Drawing(width, height)
    drawing.add(Rect(0, 0, width, height, fillColor=white, strokeColor=None))

    left, bottom, right, top = 52 * scale, 42 * scale, width - 42 * scale, height - 50 * scale
    value_from, value_to, value_step = _value_axis(chart, top - bottom, scale)
    layout = _Layout(
        scale=scale,
        left=left,
        bottom=bottom,
        right=right,
        top=top,
        age_from=chart.age_from,
        age_to=chart.age_to,
        value_from=value_from,
        value_to=value_to,
    )
    _draw_preterm_section(drawing, chart, layout)
    _draw_grid_and_axes(drawing, chart, layout, value_step)
    _draw_length_height_step(drawing, chart, layout)
    _draw_centile_lines(drawing, chart, layout)
    _draw_child(drawing, chart, layout)
    _draw_titles(drawing, chart, layout, height)
    return drawing


def growth_chart_svg(chart: GrowthChart, width: float, height: float) -> bytes:
    """The chart as an SVG document (UTF-8), for the window (``QSvgRenderer``).

    ``useClip``: reportlab's default clips with a ``<clipPath>`` element, which
    QtSvg 6.11 paints as a black rectangle (its edges show round the chart);
    the ``clip`` attribute instead is what reportlab offers in its place.
    """
    text: str = renderSVG.drawToString(
        growth_chart_drawing(chart, width, height), useClip=True, fontHacks=_SVG_FONTS
    )
    return text.encode("utf-8")


def growth_chart_pdf(
    chart: GrowthChart, path: str | Path, width: float = DESIGN_WIDTH, height: float = DESIGN_HEIGHT
) -> Path:
    """Write the chart alone to a one-page PDF (the page is the chart's size)."""
    path = Path(path)
    renderPDF.drawToFile(growth_chart_drawing(chart, width, height), str(path), msg="")
    return path


# --- Value axis -----------------------------------------------------------------------


#: Candidate gaps between labelled values, from 0.1 kg to 20 cm.
_VALUE_STEPS = (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0)


def _value_axis(chart: GrowthChart, plot_height: float, scale: float) -> tuple[float, float, float]:
    """The lowest and highest value drawn and the gap between labelled values.

    Everything drawn fits: every centile line and every child point in range.
    Labelled values are at least 22 design points apart.
    """
    values = [value for line in chart.lines for _, value in line.points]
    values += [point.value for point in chart.child_in_range]
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    if high <= low:
        high = low + 1.0
    step = _VALUE_STEPS[-1]
    for candidate in _VALUE_STEPS:
        if plot_height / ((high - low) / candidate) >= 22 * scale:
            step = candidate
            break
    value_from = math.floor(low / step + 1e-9) * step
    value_to = math.ceil(high / step - 1e-9) * step
    return value_from, value_to, step


# --- Age axis --------------------------------------------------------------------------


def _age_ticks(layout: _Layout) -> tuple[list[tuple[float, str]], list[float]]:
    """Labelled ages and unlabelled (minor) ages along the bottom.

    As on the red book charts: weeks of gestation in a preterm section, then
    weeks and months in the first year ("2w" .. "8w", "3m" .. "11m"), months to
    2 years ("14m"), then years and months ("2y 6m"); as many as fit without
    crowding.
    """
    major: list[tuple[float, str]] = []
    minor: list[float] = []
    per_week = layout.points_per_year * 7 / DAYS_PER_YEAR
    per_month = layout.points_per_year / 12
    gap = layout.size(36)  # the least room a label gets

    if layout.age_from < 0:
        first_week = TERM_WEEKS + math.ceil(layout.age_from * DAYS_PER_YEAR / 7 - 1e-9)
        every = next((n for n in (1, 2, 4, 8) if per_week * n >= layout.size(16)), 8)
        for week in range(first_week, TERM_WEEKS + 1):
            age = (week - TERM_WEEKS) * 7 / DAYS_PER_YEAR
            if week % every == 0:
                major.append((age, str(week)))
            else:
                minor.append(age)

    start = max(layout.age_from, 0.0)
    if layout.age_from >= 0:
        major.append((start, "0" if start == 0 else _months_label(round(start * 12))))
    first_month = math.floor(start * 12 + 1e-9) + 1
    last_month = math.floor(layout.age_to * 12 + 1e-9)

    # The first year in weeks too: the new birth visit and 6-8 week review fall there.
    weeks_shown = start == 0.0 and layout.age_to <= 1.0 and per_week * 2 >= layout.size(16)
    if weeks_shown:
        last_week = math.floor(layout.age_to * DAYS_PER_YEAR / 7)
        for week in range(1, last_week + 1):
            age = week * 7 / DAYS_PER_YEAR
            if week % 2 == 0 and week <= 8:
                major.append((age, f"{week}w"))
            elif per_week >= layout.size(5):
                minor.append(age)

    # Every month, 2 months (to 2 years), then quarters, half years, years: what fits.
    steps = (1, 2, 3, 6, 12, 24) if layout.age_to <= TWO_YEARS else (3, 6, 12, 24)
    every = next((n for n in steps if per_month * n >= gap), 24)
    for month in range(first_month, last_month + 1):
        age = month / 12
        if weeks_shown and month < 3:
            continue
        if month % every == 0:
            major.append((age, _months_label(month)))
        elif not weeks_shown and (per_month >= layout.size(6) or month % 3 == 0):
            minor.append(age)
    return major, minor


def _months_label(months: int) -> str:
    """ "3m" under a year, "1y", months to 2 years ("18m"), then "2y 6m"."""
    years, rest = divmod(months, 12)
    if rest == 0:
        return f"{years}y"
    if months < 24:
        return f"{months}m"
    return f"{years}y {rest}m"


# --- Drawing ---------------------------------------------------------------------------


def _text(
    x: float,
    y: float,
    text: str,
    size: float,
    *,
    anchor: str = "start",
    font: str = FONT,
    colour: Color = NHS_TEXT,
) -> String:
    return String(x, y, text, fontName=font, fontSize=size, fillColor=colour, textAnchor=anchor)


def _open_path(
    points: list[tuple[float, float]],
    *,
    colour: Color,
    width: float,
    dashes: list[float] | None = None,
) -> ShapePath:
    """A line through ``points``, never filled.

    A ``Path`` rather than a ``PolyLine``: reportlab 5.1's SVG output writes a
    polyline's fill as "None", which SVG viewers (QtSvg too) read as black.
    """
    path = ShapePath(
        strokeColor=colour,
        strokeWidth=width,
        strokeDashArray=dashes,
        strokeLineJoin=1,
        strokeLineCap=1,
        fillColor=None,
    )
    (x, y), rest = points[0], points[1:]
    path.moveTo(x, y)
    for x, y in rest:
        path.lineTo(x, y)
    return path


def _draw_preterm_section(drawing: Drawing, chart: GrowthChart, layout: _Layout) -> None:
    if chart.age_from >= 0:
        return
    term = layout.x(0.0)
    drawing.add(
        Rect(
            layout.left,
            layout.bottom,
            term - layout.left,
            layout.top - layout.bottom,
            fillColor=PRETERM_SHADE,
            strokeColor=None,
        )
    )


def _draw_grid_and_axes(
    drawing: Drawing, chart: GrowthChart, layout: _Layout, value_step: float
) -> None:
    size = layout.size
    font_size = size(TEXT_SIZE)
    major_ages, minor_ages = _age_ticks(layout)

    # Value grid: labelled lines, and fainter ones between when there is room.
    per_step = (layout.top - layout.bottom) / ((layout.value_to - layout.value_from) / value_step)
    parts = next((n for n in (5, 2) if per_step / n >= size(5)), 1)
    count = round((layout.value_to - layout.value_from) / value_step * parts)
    decimals = 0 if value_step >= 1 else 1
    for index in range(count + 1):
        value = layout.value_from + index * value_step / parts
        y = layout.y(value)
        labelled = index % parts == 0
        drawing.add(
            Line(
                layout.left,
                y,
                layout.right,
                y,
                strokeColor=GRID_MAJOR if labelled else GRID_MINOR,
                strokeWidth=size(0.5 if labelled else 0.35),
            )
        )
        if labelled:
            drawing.add(
                _text(
                    layout.left - size(4),
                    y - font_size * 0.35,
                    f"{value:.{decimals}f}",
                    font_size,
                    anchor="end",
                )
            )

    for age in minor_ages:
        x = layout.x(age)
        drawing.add(
            Line(x, layout.bottom, x, layout.top, strokeColor=GRID_MINOR, strokeWidth=size(0.35))
        )
    for age, label in major_ages:
        x = layout.x(age)
        drawing.add(
            Line(x, layout.bottom, x, layout.top, strokeColor=GRID_MAJOR, strokeWidth=size(0.5))
        )
        drawing.add(
            Line(
                x,
                layout.bottom,
                x,
                layout.bottom - size(3),
                strokeColor=NHS_TEXT,
                strokeWidth=size(0.6),
            )
        )
        drawing.add(_text(x, layout.bottom - size(12), label, font_size, anchor="middle"))

    # The frame, over the grid.
    drawing.add(
        Rect(
            layout.left,
            layout.bottom,
            layout.right - layout.left,
            layout.top - layout.bottom,
            fillColor=None,
            strokeColor=NHS_TEXT,
            strokeWidth=size(0.8),
        )
    )

    # Axis titles.
    title_y = layout.bottom - size(25)
    postnatal_left = layout.x(max(chart.age_from, 0.0))
    drawing.add(
        _text(
            (postnatal_left + layout.right) / 2,
            title_y,
            "Age",
            size(AXIS_TITLE_SIZE),
            anchor="middle",
            font=BOLD,
        )
    )
    if chart.age_from < 0:
        # Centred under the preterm section, or from its left edge if wider than it.
        gestation = "Gestation (weeks)"
        centre = (layout.left + layout.x(0.0)) / 2
        centre = max(centre, layout.left + stringWidth(gestation, FONT, size(NOTE_SIZE)) / 2)
        drawing.add(
            _text(
                centre, title_y, gestation, size(NOTE_SIZE), anchor="middle", colour=SECONDARY_TEXT
            )
        )
    value_title = Group(
        _text(
            0,
            0,
            f"{chart.kind.label} ({chart.unit})",
            size(AXIS_TITLE_SIZE),
            anchor="middle",
            font=BOLD,
        )
    )
    value_title.translate(size(14), (layout.bottom + layout.top) / 2)
    value_title.rotate(90)
    drawing.add(value_title)


def _draw_length_height_step(drawing: Drawing, chart: GrowthChart, layout: _Layout) -> None:
    """Mark the change from lying length to standing height at 2 years (the lines step there)."""
    if chart.kind not in (MeasurementKind.LENGTH, MeasurementKind.HEIGHT):
        return
    if not chart.age_from < TWO_YEARS < chart.age_to:
        return
    x = layout.x(TWO_YEARS)
    size = layout.size
    drawing.add(
        Line(
            x,
            layout.bottom,
            x,
            layout.top,
            strokeColor=SECONDARY_TEXT,
            strokeWidth=size(0.8),
            strokeDashArray=[size(3), size(2)],
        )
    )
    y = layout.top - size(10)
    drawing.add(
        _text(
            x - size(3), y, "Length (lying)", size(NOTE_SIZE), anchor="end", colour=SECONDARY_TEXT
        )
    )
    drawing.add(_text(x + size(3), y, "Height (standing)", size(NOTE_SIZE), colour=SECONDARY_TEXT))


def _draw_centile_lines(drawing: Drawing, chart: GrowthChart, layout: _Layout) -> None:
    size = layout.size
    outer = (CENTILES[0], CENTILES[-1])
    for line in chart.lines:
        median = line.centile == 50
        drawing.add(
            _open_path(
                [(layout.x(age), layout.y(value)) for age, value in line.points],
                colour=MEDIAN_BLACK if median else CENTILE_GREY,
                width=size(1.5 if median else 0.8),
                dashes=[size(4), size(2.5)] if line.centile in outer else None,
            )
        )

    # Labels at the right edge, from the runs that reach it, kept apart.
    ends = [
        (layout.y(line.points[-1][1]), line.centile)
        for line in chart.lines
        if line.points[-1][0] >= chart.age_to - 1e-9
    ]
    font_size = size(CENTILE_LABEL_SIZE)
    for y, centile in _spread(ends, font_size * 1.1, layout.bottom, layout.top):
        drawing.add(
            _text(
                layout.right + size(4),
                y - font_size * 0.35,
                centile_label(centile),
                font_size,
                font=BOLD if centile == 50 else FONT,
            )
        )


def _spread(
    labels: Iterable[tuple[float, float]], gap: float, lowest: float, highest: float
) -> list[tuple[float, float]]:
    """Label heights moved apart by at least ``gap``, as little as possible, inside the plot."""
    placed = sorted(labels)
    for index in range(1, len(placed)):
        if placed[index][0] < placed[index - 1][0] + gap:
            placed[index] = (placed[index - 1][0] + gap, placed[index][1])
    if placed and placed[-1][0] > highest:
        placed[-1] = (highest, placed[-1][1])
        for index in range(len(placed) - 2, -1, -1):
            if placed[index][0] > placed[index + 1][0] - gap:
                placed[index] = (placed[index + 1][0] - gap, placed[index][1])
    return [(max(y, lowest), centile) for y, centile in placed]


def _draw_child(drawing: Drawing, chart: GrowthChart, layout: _Layout) -> None:
    size = layout.size
    points = [(layout.x(p.age_years), layout.y(p.value)) for p in chart.child_in_range]
    if len(points) > 1:
        drawing.add(_open_path(points, colour=NHS_BLUE, width=size(1.4)))
    for x, y in points:
        drawing.add(
            Circle(x, y, size(3.4), fillColor=NHS_BLUE, strokeColor=white, strokeWidth=size(0.9))
        )


def _draw_titles(drawing: Drawing, chart: GrowthChart, layout: _Layout, height: float) -> None:
    size = layout.size
    drawing.add(_text(layout.left, height - size(20), chart.title, size(TITLE_SIZE), font=BOLD))
    subtitle = f"UK-WHO centiles · {chart.kind.label.lower()} in {chart.unit}"
    if chart.age_used_note:
        subtitle += f" · {chart.age_used_note}"
    drawing.add(
        _text(layout.left, height - size(35), subtitle, size(TEXT_SIZE), colour=SECONDARY_TEXT)
    )

    # Legend, bottom right, clear of the title (whose width depends on the font
    # a viewer substitutes for Helvetica): what the blue dots are.
    legend = "Child's measurements"
    dot_x = layout.right - stringWidth(legend, FONT, size(TEXT_SIZE)) - size(8)
    drawing.add(Circle(dot_x, size(9), size(3.4), fillColor=NHS_BLUE, strokeColor=None))
    drawing.add(_text(dot_x + size(7), size(6), legend, size(TEXT_SIZE)))

    if chart.age_from < 0:
        drawing.add(
            _text(
                layout.x(0.0) - size(3),
                layout.top - size(10),
                "Preterm",
                size(NOTE_SIZE),
                anchor="end",
                colour=SECONDARY_TEXT,
            )
        )
    hidden = chart.child_out_of_range
    if hidden:
        note = (
            f"{hidden} measurement{'s' if hidden != 1 else ''} outside this chart's ages "
            f"({'is' if hidden == 1 else 'are'} not shown)"
        )
        drawing.add(_text(layout.left, size(6), note, size(NOTE_SIZE), colour=NHS_TEXT))
