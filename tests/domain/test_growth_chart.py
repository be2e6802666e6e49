"""The growth chart as data: UK-WHO centile lines, age ranges, where the child lies (issue 3)."""

from __future__ import annotations

import math
import time
from collections import defaultdict

import pytest

from healthvisitor.domain.enums import MeasurementKind, Sex
from healthvisitor.domain.growth_chart import (
    CENTILE_SDS,
    CENTILES,
    DAYS_PER_YEAR,
    TWO_WEEKS_AFTER_TERM,
    ChartPoint,
    GrowthChart,
    age_words,
    centile_label,
    centile_lines,
    centile_position,
    chart_age_range,
    growth_chart,
    latest_point_summary,
)
from healthvisitor.domain.growth_reference import uk_who_value_for_sds

WEIGHT = MeasurementKind.WEIGHT
LENGTH = MeasurementKind.LENGTH
HEIGHT = MeasurementKind.HEIGHT
OFC = MeasurementKind.HEAD_CIRCUMFERENCE


def weeks(n: float) -> float:
    """``n`` weeks as decimal years (negative: before term)."""
    return n * 7 / DAYS_PER_YEAR


def days(n: int) -> float:
    return n / DAYS_PER_YEAR


def on_line(kind: MeasurementKind, sex: Sex, age: float, sds: float, label: str = "") -> ChartPoint:
    """A point exactly ``sds`` from the UK-WHO mean, as rcpchgrowth gives it."""
    value = uk_who_value_for_sds(kind=kind, sex=sex, decimal_age=age, sds=sds)
    return ChartPoint(age, value, label)


def runs_by_part(chart: GrowthChart) -> list[list[tuple[float, tuple[tuple[float, float], ...]]]]:
    """The chart's lines grouped by the UK-WHO part they cover (runs sharing their ages)."""
    parts: dict[tuple[float, ...], list[tuple[float, tuple[tuple[float, float], ...]]]]
    parts = defaultdict(list)
    for line in chart.lines:
        parts[tuple(age for age, _ in line.points)].append((line.centile, line.points))
    return list(parts.values())


# --- The centile lines --------------------------------------------------------------------


@pytest.mark.parametrize("sex", list(Sex))
@pytest.mark.parametrize("kind", [WEIGHT, LENGTH, OFC])
def test_the_50th_line_is_rcpchgrowths_sds_0(kind: MeasurementKind, sex: Sex) -> None:
    chart = growth_chart(kind, sex, [], age_to=1.0)
    medians = [line for line in chart.lines if line.centile == 50]
    by_age = {age: value for line in medians for age, value in line.points}
    # 4 and 8 weeks (reviews), 6 months (182 days), and 1 year: all on the chart's grid.
    for age in (days(28), days(56), days(182), 1.0):
        expected = uk_who_value_for_sds(kind=kind, sex=sex, decimal_age=age, sds=0.0)
        assert by_age[age] == pytest.approx(expected, abs=1e-9)


def test_every_point_of_every_line_is_rcpchgrowths_value() -> None:
    chart = growth_chart(WEIGHT, Sex.FEMALE, [ChartPoint(weeks(-8), 1.9, "")])
    for line in chart.lines:
        sds = CENTILE_SDS[CENTILES.index(line.centile)]
        # Every point but a run's last (at a join it takes the younger part's value).
        for age, value in line.points[:-1]:
            expected = uk_who_value_for_sds(kind=WEIGHT, sex=Sex.FEMALE, decimal_age=age, sds=sds)
            assert value == pytest.approx(expected, abs=1e-9)


def test_centiles_are_two_thirds_of_an_sds_apart() -> None:
    # Cole's nine centiles (rcpchgrowth rounded_sds_for_centile).
    assert [round(sds, 2) for sds in CENTILE_SDS] == [
        -2.67,
        -2.0,
        -1.33,
        -0.67,
        0.0,
        0.67,
        1.33,
        2.0,
        2.67,
    ]


@pytest.mark.parametrize(
    ("kind", "sex", "points"),
    [
        (WEIGHT, Sex.MALE, [ChartPoint(0.5, 8.0, "")]),
        (WEIGHT, Sex.FEMALE, [ChartPoint(weeks(-10), 1.2, ""), ChartPoint(0.3, 6.0, "")]),
        (WEIGHT, Sex.MALE, [ChartPoint(3.0, 14.0, "")]),
        (LENGTH, Sex.FEMALE, [ChartPoint(1.5, 80.0, "")]),
        (HEIGHT, Sex.MALE, [ChartPoint(3.0, 95.0, "")]),
        (OFC, Sex.FEMALE, [ChartPoint(weeks(-6), 30.0, ""), ChartPoint(1.5, 46.0, "")]),
    ],
)
def test_lines_are_in_order_at_every_age(
    kind: MeasurementKind, sex: Sex, points: list[ChartPoint]
) -> None:
    chart = growth_chart(kind, sex, points)
    for part in runs_by_part(chart):
        assert [centile for centile, _ in part] == list(CENTILES)
        for index in range(len(part[0][1])):
            values = [run[index][1] for _, run in part]
            assert values == sorted(values) and len(set(values)) == len(values)


def test_the_lines_cover_the_chart_and_never_go_back_in_age() -> None:
    chart = growth_chart(WEIGHT, Sex.MALE, [ChartPoint(3.0, 14.0, "")])
    assert (chart.age_from, chart.age_to) == (0.0, 4.0)
    for line in chart.lines:
        ages = [age for age, _ in line.points]
        assert ages == sorted(ages) and len(set(ages)) == len(ages)
        assert chart.age_from <= ages[0] and ages[-1] <= chart.age_to
    ends = sorted({(line.points[0][0], line.points[-1][0]) for line in chart.lines})
    # One run per UK-WHO part, meeting at 2 weeks and 2 years: a step, never a slope.
    assert ends == [(0.0, TWO_WEEKS_AFTER_TERM), (TWO_WEEKS_AFTER_TERM, 2.0), (2.0, 4.0)]


def test_lines_step_from_lying_length_to_standing_height_at_2_years() -> None:
    # WHO Child Growth Standards, length/height-for-age, boys: median 87.8 cm lying and
    # 87.1 cm standing at 24 months (WHO 2006 tables; rcpchgrowth 87.80 and 87.13).
    length = growth_chart(LENGTH, Sex.MALE, [ChartPoint(1.5, 82.0, "")])
    height = growth_chart(HEIGHT, Sex.MALE, [ChartPoint(2.5, 91.0, "")])
    (lying,) = [line for line in length.lines if line.centile == 50 and line.points[-1][0] == 2.0]
    (standing,) = [line for line in height.lines if line.centile == 50]
    assert lying.points[-1] == (2.0, pytest.approx(87.8, abs=0.05))
    assert standing.points[0] == (2.0, pytest.approx(87.1, abs=0.05))


def test_weight_lines_step_where_uk90_birth_data_meets_who_at_2_weeks() -> None:
    chart = growth_chart(WEIGHT, Sex.MALE, [ChartPoint(0.2, 6.0, "")])
    medians = [line for line in chart.lines if line.centile == 50]
    birth_part, who_part = medians
    assert birth_part.points[0][0] == 0.0 and birth_part.points[-1][0] == TWO_WEEKS_AFTER_TERM
    assert who_part.points[0][0] == TWO_WEEKS_AFTER_TERM
    # UK90 (3.87 kg) and WHO (3.75 kg) differ at 2 weeks: RCPCH's "purposeful step".
    assert birth_part.points[-1][1] - who_part.points[0][1] == pytest.approx(0.12, abs=0.02)


def test_centile_lines_are_cached_so_a_second_chart_is_fast() -> None:
    centile_lines.cache_clear()
    points = [ChartPoint(1.5, 11.0, "")]
    started = time.perf_counter()
    first = growth_chart(WEIGHT, Sex.FEMALE, points)
    first_took = time.perf_counter() - started
    started = time.perf_counter()
    second = growth_chart(WEIGHT, Sex.FEMALE, points)
    second_took = time.perf_counter() - started
    assert second.lines is first.lines
    assert centile_lines.cache_info().hits == 1
    assert second_took < first_took / 10


# --- The age range ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "ages", "expected"),
    [
        (WEIGHT, [], (0.0, 1.0)),
        (WEIGHT, [0.0, weeks(8), 0.75], (0.0, 1.0)),
        (WEIGHT, [0.0, 1.0], (0.0, 1.0)),
        (WEIGHT, [0.5, 1.1], (0.0, 4.0)),
        (WEIGHT, [3.9], (0.0, 4.0)),
        (WEIGHT, [4.5], (0.0, 5.0)),
        (LENGTH, [0.5], (0.0, 1.0)),
        (LENGTH, [0.5, 1.5], (0.0, 2.0)),
        (LENGTH, [2.5], (0.0, 4.0)),
        (OFC, [0.9], (0.0, 1.0)),
        (OFC, [1.9], (0.0, 2.0)),
        (HEIGHT, [], (2.0, 4.0)),
        (HEIGHT, [2.0, 3.5], (2.0, 4.0)),
        (HEIGHT, [1.8, 2.5], (1.0, 4.0)),
        # Preterm: the red book's section from 32 weeks, or earlier for an earlier point.
        (WEIGHT, [weeks(-3), 0.2], (weeks(-8), 1.0)),
        (WEIGHT, [weeks(-10), 0.2], (weeks(-10), 1.0)),
        (WEIGHT, [weeks(-9.5), 0.2], (weeks(-10), 1.0)),
        (OFC, [weeks(-6), 1.5], (weeks(-8), 2.0)),
        (WEIGHT, [weeks(-17), 0.1], (weeks(-17), 1.0)),  # 23 weeks: UK90's first
        (WEIGHT, [weeks(-20), 0.1], (weeks(-17), 1.0)),
        (LENGTH, [weeks(-17), 0.1], (weeks(-15), 1.0)),  # length from 25 weeks
        # On a 0-4 year chart there is no preterm section (nor on the red book's).
        (WEIGHT, [weeks(-6), 1.5], (0.0, 4.0)),
    ],
)
def test_chart_age_range(
    kind: MeasurementKind, ages: list[float], expected: tuple[float, float]
) -> None:
    assert chart_age_range(kind, ages) == pytest.approx(expected)


def test_age_to_overrides_the_end() -> None:
    assert chart_age_range(WEIGHT, [0.2], age_to=2.0) == (0.0, 2.0)
    assert chart_age_range(HEIGHT, [], age_to=1.5) == (0.0, 1.5)
    with pytest.raises(ValueError, match="0 to 20 years"):
        chart_age_range(WEIGHT, [0.2], age_to=0.0)


def test_a_chart_ending_at_a_part_year_has_lines_to_its_end() -> None:
    chart = growth_chart(LENGTH, Sex.MALE, [], age_to=1.5)
    assert max(line.points[-1][0] for line in chart.lines) == pytest.approx(1.5, abs=1 / 365)


def test_the_chart_carries_title_unit_note_and_sorted_points() -> None:
    points = [ChartPoint(0.5, 7.5, "6 month"), ChartPoint(0.1, 4.5, "6-8 week review")]
    chart = growth_chart(
        WEIGHT, Sex.FEMALE, points, age_used_note="Plotted at corrected age until 1 year"
    )
    assert chart.title == "Weight – girls, 0–1 year"
    assert chart.unit == "kg"
    assert chart.age_used_note == "Plotted at corrected age until 1 year"
    assert [p.label for p in chart.child] == ["6-8 week review", "6 month"]
    preterm = growth_chart(WEIGHT, Sex.MALE, [ChartPoint(weeks(-10), 1.2, "")])
    assert preterm.title == "Weight – boys, 30 weeks' gestation to 1 year"
    assert growth_chart(HEIGHT, Sex.MALE, []).title == "Height – boys, 2–4 years"


def test_points_outside_the_chart_are_kept_and_counted() -> None:
    points = [ChartPoint(0.5, 8.0, ""), ChartPoint(1.5, 11.0, "")]
    chart = growth_chart(WEIGHT, Sex.MALE, points, age_to=1.0)
    assert len(chart.child) == 2
    assert [p.age_years for p in chart.child_in_range] == [0.5]
    assert chart.child_out_of_range == 1


# --- Where the child lies -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("centile", "label"),
    [
        (0.4, "0.4th"),
        (2, "2nd"),
        (9, "9th"),
        (25, "25th"),
        (50, "50th"),
        (75, "75th"),
        (91, "91st"),
        (98, "98th"),
        (99.6, "99.6th"),
    ],
)
def test_centile_label(centile: float, label: str) -> None:
    assert centile_label(centile) == label


@pytest.mark.parametrize(
    ("age", "words"),
    [
        (weeks(-6) + days(2), "34+2 weeks' gestation"),
        (0.0, "0 days"),
        (days(9), "9 days"),
        (days(52), "7 weeks"),
        (days(274), "39 weeks"),
        (1.0, "12 months"),
        (1.5, "18 months"),
        (2.25, "2 y 3 m"),
        (4.0, "4 y"),
    ],
)
def test_age_words_follow_the_caseloads_ages(age: float, words: str) -> None:
    assert age_words(age) == words


@pytest.mark.parametrize(
    ("sds", "position"),
    [
        (0.0, "about the 50th centile"),
        (0.1, "about the 50th centile"),  # within a quarter of a centile space
        (-0.67, "about the 25th centile"),
        (-1.0, "between the 9th and 25th centiles"),
        (1.8, "between the 91st and 98th centiles"),
        (-3.2, "below the 0.4th centile"),
        (3.0, "above the 99.6th centile"),
    ],
)
def test_centile_position_is_read_off_the_lines(sds: float, position: str) -> None:
    point = on_line(WEIGHT, Sex.MALE, days(200), sds)
    chart = growth_chart(WEIGHT, Sex.MALE, [point])
    assert centile_position(chart, point) == position


def test_latest_point_summary() -> None:
    points = [
        on_line(WEIGHT, Sex.MALE, days(45), -0.2, "6-8 week review"),
        ChartPoint(days(274), 9.2, "9 month"),
    ]
    chart = growth_chart(WEIGHT, Sex.MALE, points)
    # UK-WHO boys at 274 days: 50th 8.9 kg, 75th 9.5 kg: 9.2 kg lies between them.
    assert latest_point_summary(chart) == (
        "Weight chart: latest 9.2 kg at 39 weeks, between the 50th and 75th centiles"
    )
    at_median = on_line(WEIGHT, Sex.MALE, days(274), 0.0)
    rounded = ChartPoint(at_median.age_years, round(at_median.value, 1), "")
    assert latest_point_summary(growth_chart(WEIGHT, Sex.MALE, [rounded])).endswith(
        f"latest {rounded.value:g} kg at 39 weeks, about the 50th centile"
    )
    assert latest_point_summary(growth_chart(OFC, Sex.FEMALE, [])) == (
        "Head circumference chart: no measurements yet"
    )


def test_a_point_at_the_join_is_read_against_the_who_lines() -> None:
    point = on_line(WEIGHT, Sex.FEMALE, TWO_WEEKS_AFTER_TERM, 0.0)
    chart = growth_chart(WEIGHT, Sex.FEMALE, [point])
    assert centile_position(chart, point) == "about the 50th centile"
    assert math.isfinite(point.value)


def test_warming_fills_the_cache_for_the_common_charts() -> None:
    from healthvisitor.domain.enums import Sex
    from healthvisitor.domain.growth_chart import COMMON_CHARTS, centile_lines, warm_common_charts

    warm_common_charts()
    before = centile_lines.cache_info()
    for sex in Sex:
        for kind, age_from, age_to in COMMON_CHARTS:
            centile_lines(kind, sex, age_from, age_to)
    after = centile_lines.cache_info()
    assert after.hits - before.hits == 2 * len(COMMON_CHARTS)
    assert after.misses == before.misses
