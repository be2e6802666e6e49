"""A growth chart as plain data: UK-WHO centile lines and one child's points.

The screen and the printed summary draw the same :class:`GrowthChart` with the
same renderer (``healthvisitor.reports.growth_chart``), so they never differ
(issue 3). Nothing here knows about Qt or reportlab.

The chart follows the red book (DOMAIN.md, "The red book"): weight 0-1 year and
then 0-4 years, length and head circumference 0-1 year and then 0-2 years,
height 2-4 years, and a preterm section before term when a preterm baby has
measurements there. See :func:`chart_age_range` for the exact choice.

UK-WHO is made of parts (RCPCH, "Chart information for health staff"): UK90
preterm and birth data up to 42 weeks' gestation (2 weeks after term), WHO 2006
lying length from 2 weeks to 2 years, WHO 2006 standing height from 2 to 4
years, and UK90 from 4 years. "There is a purposeful step at the junction." So
each part gets its own run of line (its own :class:`CentileLine`), running right
up to its join, and the runs are never joined by a sloping segment: the lines
step at 2 weeks and at 2 years instead of zig-zagging.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from healthvisitor.domain.ages import age_words_from
from healthvisitor.domain.enums import MeasurementKind, Sex
from healthvisitor.domain.growth_reference import uk_who_values_for_sds

#: The nine UK-WHO centile lines (DOMAIN.md, "What a review records": growth).
CENTILES = (0.4, 2, 9, 25, 50, 75, 91, 98, 99.6)
#: Cole's nine centiles are exactly two thirds of an SDS apart (rcpchgrowth's
#: ``rounded_sds_for_centile``): -8/3, -2, -4/3, -2/3, 0, 2/3, 4/3, 2, 8/3.
CENTILE_SPACE_SDS = 2 / 3
CENTILE_SDS = tuple((index - 4) * CENTILE_SPACE_SDS for index in range(len(CENTILES)))
#: A point within a quarter of a centile space of a line is "on" that line
#: (RCPCH UK-WHO chart guidance: "within 1/4 of a centile space").
ON_A_LINE_SDS = CENTILE_SPACE_SDS / 4

#: The size a chart is designed in, on screen and paper alike: each drawing
#: (reports/growth_chart.py) is given in it and scaled from it, and keeps its shape.
DESIGN_WIDTH = 640.0
DESIGN_HEIGHT = 440.0

#: Days to the year, as rcpchgrowth counts decimal age.
DAYS_PER_YEAR = 365.25
#: Where the UK-WHO parts meet, in decimal years (rcpchgrowth's thresholds):
#: 42 weeks' gestation (UK90 preterm to WHO 2006), 2 years (lying length to
#: standing height), 4 years (WHO 2006 to UK90).
TWO_WEEKS_AFTER_TERM = 14 / DAYS_PER_YEAR
TWO_YEARS = 2.0
FOUR_YEARS = 4.0
_PARTS = (
    (-math.inf, TWO_WEEKS_AFTER_TERM),
    (TWO_WEEKS_AFTER_TERM, TWO_YEARS),
    (TWO_YEARS, FOUR_YEARS),
    (FOUR_YEARS, 20.0),
)

#: The red book's preterm section starts at 32 weeks' gestation, 8 weeks before
#: term; a baby measured earlier gets a longer section, back to the earliest
#: gestation UK-WHO has data for (UK90: weight and head circumference from 23
#: weeks, length from 25 weeks; rcpchgrowth ``reference_data_absent``).
TERM_WEEKS = 40
PRETERM_SECTION_FROM_WEEKS = 32
EARLIEST_DATA_WEEKS = {
    MeasurementKind.WEIGHT: 23,
    MeasurementKind.HEAD_CIRCUMFERENCE: 23,
    MeasurementKind.LENGTH: 25,
    MeasurementKind.HEIGHT: 25,
}


@dataclass(frozen=True)
class ChartPoint:
    """One measurement as plotted: ``age_years`` is the age it is plotted at.

    That is corrected age (negative before term) or chronological age, as the
    caller chose; :attr:`GrowthChart.age_used_note` says which.
    """

    age_years: float
    value: float
    label: str


@dataclass(frozen=True)
class CentileLine:
    """One unbroken run of a centile line, as (age in years, value) points.

    A chart holds one run per centile for each UK-WHO part it spans, so the
    line steps where the reference data changes instead of zig-zagging.
    """

    centile: float
    points: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class GrowthChart:
    """Everything needed to draw one growth chart, on screen or on paper."""

    kind: MeasurementKind
    sex: Sex
    title: str
    unit: str
    age_from: float
    age_to: float
    lines: tuple[CentileLine, ...]
    child: tuple[ChartPoint, ...]
    age_used_note: str

    @property
    def child_in_range(self) -> tuple[ChartPoint, ...]:
        """The child's points within the chart's ages, oldest last."""
        return tuple(
            point
            for point in sorted(self.child, key=lambda p: p.age_years)
            if self.age_from <= point.age_years <= self.age_to
        )

    @property
    def child_out_of_range(self) -> int:
        """How many of the child's points fall outside the chart's ages (not drawn)."""
        return len(self.child) - len(self.child_in_range)


def centile_label(centile: float) -> str:
    """The centile as said: "0.4th", "2nd", "9th", "91st", "99.6th"."""
    if centile != int(centile):
        return f"{centile:g}th"
    number = int(centile)
    if number % 100 in (11, 12, 13):
        return f"{number}th"
    suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def chart_age_range(
    kind: MeasurementKind, ages: Sequence[float], *, age_to: float | None = None
) -> tuple[float, float]:
    """The ages (decimal years) a chart for ``kind`` spans, given the child's ages.

    - The end: 1 year while every point is within the first year (weight,
      length, head circumference); then 4 years for weight and 2 years for
      length and head circumference (4 if a point is older still); height is
      charted to 4 years. Past 4 years, the next whole year. ``age_to`` overrides.
    - The start: 0 (birth at term), or 2 years for height when every height
      was taken from 2 years (the red book's 2-4 year chart; 1 year or 0 if a
      height was taken earlier). A chart that ends by 2 years and has points
      before term (a preterm baby plotted at corrected age) starts with a
      preterm section: at 32 weeks' gestation as in the red book, or at the
      whole week before the earliest point if that is earlier still. On a 0-4
      year chart such points are not drawn (the red book's 1-4 year chart has
      no preterm section either).
    """
    latest = max(ages, default=0.0)
    # With nothing measured yet, height is charted from 2 years (the red book's 2-4 chart).
    earliest = min(ages, default=TWO_YEARS if kind is MeasurementKind.HEIGHT else 0.0)
    if age_to is None:
        if kind is MeasurementKind.HEIGHT:
            age_to = max(FOUR_YEARS, float(math.ceil(latest)))
        elif latest <= 1.0:
            age_to = 1.0
        elif latest <= TWO_YEARS and kind is not MeasurementKind.WEIGHT:
            age_to = TWO_YEARS
        else:
            age_to = max(FOUR_YEARS, float(math.ceil(latest)))
    if not 0.0 < age_to <= 20.0:
        raise ValueError(f"A growth chart runs to an age from 0 to 20 years, not {age_to}.")

    if kind is MeasurementKind.HEIGHT and earliest >= TWO_YEARS:
        age_from = TWO_YEARS
    elif kind is MeasurementKind.HEIGHT and earliest >= 1.0:
        age_from = 1.0
    elif earliest < 0.0 and age_to <= TWO_YEARS:
        earliest_weeks = TERM_WEEKS + math.floor(earliest * DAYS_PER_YEAR / 7)
        weeks = max(min(PRETERM_SECTION_FROM_WEEKS, earliest_weeks), EARLIEST_DATA_WEEKS[kind])
        age_from = (weeks - TERM_WEEKS) * 7 / DAYS_PER_YEAR
    else:
        age_from = 0.0
    if age_from >= age_to:
        age_from = 0.0
    return age_from, age_to


def growth_chart(
    kind: MeasurementKind,
    sex: Sex,
    points: Sequence[ChartPoint],
    *,
    age_to: float | None = None,
    age_used_note: str = "",
) -> GrowthChart:
    """The UK-WHO chart for ``kind`` and ``sex`` with the child's ``points`` on it.

    The age range comes from :func:`chart_age_range`; ``age_to`` overrides its
    end. Points outside the range are kept in :attr:`GrowthChart.child` (and
    counted by :attr:`GrowthChart.child_out_of_range`) but are not drawn.
    """
    age_from, age_to = chart_age_range(kind, [p.age_years for p in points], age_to=age_to)
    return GrowthChart(
        kind=kind,
        sex=sex,
        title=f"{kind.label} – {_sex_word(sex)}, {_range_words(age_from, age_to)}",
        unit=kind.unit,
        age_from=age_from,
        age_to=age_to,
        lines=centile_lines(kind, sex, age_from, age_to),
        child=tuple(sorted(points, key=lambda p: p.age_years)),
        age_used_note=age_used_note,
    )


@functools.lru_cache(maxsize=64)
def centile_lines(
    kind: MeasurementKind, sex: Sex, age_from: float, age_to: float
) -> tuple[CentileLine, ...]:
    """The nine UK-WHO centile lines from ``age_from`` to ``age_to`` (decimal years).

    Computed with rcpchgrowth at whole days (every 2nd day for the first 8
    weeks, where babies change fastest, then weekly to 6 months, fortnightly to
    1 year and every 4 weeks after), plus the exact ends and joins. One run per
    centile for each UK-WHO part the range spans, ordered by part then centile.
    Cached: a first 0-1 year chart takes some tens of milliseconds, a 0-4 year
    one a few hundred; the same chart again is free.
    """
    lines: list[CentileLine] = []
    for part_from, part_to in _PARTS:
        start, end = max(age_from, part_from), min(age_to, part_to)
        if end <= start:
            continue
        runs: list[list[tuple[float, float]]] = [[] for _ in CENTILES]
        for age in _ages_between(start, end):
            try:
                values = uk_who_values_for_sds(
                    kind=kind,
                    sex=sex,
                    decimal_age=age,
                    sds=CENTILE_SDS,
                    younger_reference=age == part_to,
                )
            except LookupError:
                continue  # no data at this age (e.g. length before 25 weeks)
            for run, value in zip(runs, values, strict=True):
                run.append((age, value))
        lines.extend(
            CentileLine(centile, tuple(run))
            for centile, run in zip(CENTILES, runs, strict=True)
            if len(run) > 1
        )
    return tuple(lines)


def _grid_step_days(day: int) -> int:
    if day < 56:
        return 2
    if day < 182:
        return 7
    if day < 365:
        return 14
    return 28


def _ages_between(start: float, end: float) -> list[float]:
    """Whole-day ages strictly between ``start`` and ``end``, with both ends.

    rcpchgrowth 4.6 fails for some fractional ages just under 2 years (see
    ``uk_who_value_for_sds``), so an end that is neither a whole year (2 years
    is 730.5 days) nor a whole day is taken at the whole day before it.
    """
    end_days = end * DAYS_PER_YEAR
    if end != round(end) and abs(end_days - round(end_days)) > 1e-6:
        end = math.floor(end_days) / DAYS_PER_YEAR
    ages = [start]
    day = math.floor(start * DAYS_PER_YEAR) + 1
    day += day % 2  # even days, so every chart samples the same grid
    while day / DAYS_PER_YEAR < end:
        if day / DAYS_PER_YEAR > start:
            ages.append(day / DAYS_PER_YEAR)
        day += _grid_step_days(day)
    ages.append(end)
    return ages


def _sex_word(sex: Sex) -> str:
    return "boys" if sex is Sex.MALE else "girls"


def _years_words(years: float) -> str:
    if years == round(years):
        whole = round(years)
        return f"{whole} year" if whole == 1 else f"{whole} years"
    return f"{round(years * 12)} months"


def _range_words(age_from: float, age_to: float) -> str:
    """ "0–1 year", "2–4 years", "32 weeks' gestation to 1 year"."""
    if age_from < 0:
        weeks = TERM_WEEKS + round(age_from * DAYS_PER_YEAR / 7)
        return f"{weeks} weeks' gestation to {_years_words(age_to)}"
    start = "0" if age_from == 0 else _years_words(age_from).split(" ")[0]
    return f"{start}–{_years_words(age_to)}"


# --- Saying where the child is -------------------------------------------------


def age_words(age_years: float) -> str:
    """An age on the chart as a health visitor says it (as ``ages.age_text``, issue 4).

    Before term in weeks and days of gestation ("34+2 weeks' gestation"), under
    2 weeks in days, under 1 year in completed weeks, to 2 years in months,
    then years and months ("2 y 3 m").
    """
    days = math.floor(age_years * DAYS_PER_YEAR + 1e-6)
    if days < 0:
        weeks, rest = divmod(TERM_WEEKS * 7 + days, 7)
        return f"{weeks}+{rest} weeks' gestation"
    return age_words_from(days=days, months=math.floor(age_years * 12 + 1e-6))


def value_words(value: float, unit: str) -> str:
    """A measurement as written: "7.9 kg", "3.45 kg", "65.5 cm"."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return f"{text} {unit}"


def centile_position(chart: GrowthChart, point: ChartPoint) -> str:
    """Where ``point`` lies among the chart's lines: "about the 50th centile".

    Read off the drawn lines (linear between the line points and, across a
    centile space, in SDS), as a practitioner reads a paper chart; the exact
    centile is rcpchgrowth's. A point within a quarter of a centile space of a
    line is "about" it, otherwise "between" two lines. Empty if no line covers
    the point's age.
    """
    at_age = _line_values_at(chart, point.age_years)
    if at_age is None:
        return ""
    if point.value < at_age[0]:
        return f"below the {centile_label(CENTILES[0])} centile"
    if point.value > at_age[-1]:
        return f"above the {centile_label(CENTILES[-1])} centile"
    below = max(i for i, line_value in enumerate(at_age) if line_value <= point.value)
    above = min(below + 1, len(at_age) - 1)
    span = at_age[above] - at_age[below]
    fraction = (point.value - at_age[below]) / span if span > 0 else 0.0
    sds = CENTILE_SDS[below] + fraction * CENTILE_SPACE_SDS
    nearest = min(range(len(CENTILES)), key=lambda i: abs(CENTILE_SDS[i] - sds))
    if abs(CENTILE_SDS[nearest] - sds) <= ON_A_LINE_SDS:
        return f"about the {centile_label(CENTILES[nearest])} centile"
    return (
        f"between the {centile_label(CENTILES[below])} "
        f"and {centile_label(CENTILES[above])} centiles"
    )


def _line_values_at(chart: GrowthChart, age: float) -> list[float] | None:
    """The nine lines' values at ``age``, from the run covering it (the later at a join)."""
    covering = [line for line in chart.lines if line.points[0][0] <= age <= line.points[-1][0]]
    if len(covering) < len(CENTILES):
        return None
    # At a join two runs cover the age: take the later part, as rcpchgrowth does.
    covering = covering[-len(CENTILES) :]
    values: list[float] = []
    for line in covering:
        points = line.points
        index = next(i for i, (a, _) in enumerate(points) if a >= age)
        if index == 0:
            values.append(points[0][1])
            continue
        (a0, v0), (a1, v1) = points[index - 1], points[index]
        values.append(v0 + (v1 - v0) * (age - a0) / (a1 - a0))
    return values


def latest_point_summary(chart: GrowthChart) -> str:
    """One sentence for a screen reader: "Weight chart: latest 7.9 kg at 39 weeks, ...".

    Ends "about the 50th centile" or "between the 25th and 50th centiles" as
    read off the chart's lines (:func:`centile_position`).
    """
    name = f"{chart.kind.label} chart"
    if not chart.child:
        return f"{name}: no measurements yet"
    latest = chart.child[-1]
    words = (
        f"{name}: latest {value_words(latest.value, chart.unit)} at {age_words(latest.age_years)}"
    )
    position = centile_position(chart, latest)
    return f"{words}, {position}" if position else words


#: The charts a health visitor opens most: every term chart of the first years.
COMMON_CHARTS: tuple[tuple[MeasurementKind, float, float], ...] = (
    (MeasurementKind.WEIGHT, 0.0, 1.0),
    (MeasurementKind.LENGTH, 0.0, 1.0),
    (MeasurementKind.HEAD_CIRCUMFERENCE, 0.0, 1.0),
    (MeasurementKind.WEIGHT, 0.0, FOUR_YEARS),
    (MeasurementKind.LENGTH, 0.0, TWO_YEARS),
    (MeasurementKind.HEAD_CIRCUMFERENCE, 0.0, TWO_YEARS),
)


def warm_common_charts() -> None:
    """Compute the common charts' centile lines ahead of need (a few seconds).

    The first chart otherwise pays for importing rcpchgrowth (about 0.8 s)
    and its lines; the window calls this on a worker thread after it opens,
    so the first child's record opens as fast as the rest.
    """
    for sex in Sex:
        for kind, age_from, age_to in COMMON_CHARTS:
            centile_lines(kind, sex, age_from, age_to)
