"""Growth on the UK-WHO chart: golden tables with their sources, and properties.

Every expected SDS, centile and decimal age is computed in the test by
``rcpchgrowth.Measurement`` itself (the RCPCH implementation of UK-WHO),
called directly, so the app is checked against the reference, not against a
copy of its own output. Which of rcpchgrowth's two answers (corrected or
chronological) is expected follows the RCPCH UK-WHO chart guidance: correct
if born before 37+0 weeks, until 1 year if born 32+0 to 36+6, until 2 years
if born before 32+0.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healthvisitor.domain.enums import AgeUsed, MeasurementKind, Sex
from healthvisitor.domain.growth import (
    GrowthResult,
    assess_measurement,
    corrected_age_applies,
    implausible_change,
)
from healthvisitor.domain.growth_reference import RCPCH_METHOD, uk_who_value_for_sds
from healthvisitor.domain.validation import Gestation
from healthvisitor.errors import ValidationError

D = dt.date
WEIGHT = MeasurementKind.WEIGHT
LENGTH = MeasurementKind.LENGTH
HEIGHT = MeasurementKind.HEIGHT
OFC = MeasurementKind.HEAD_CIRCUMFERENCE


def rcpchgrowth_says(
    kind: MeasurementKind,
    value: float,
    *,
    sex: Sex,
    date_of_birth: dt.date,
    gestation: Gestation,
    measured_on: dt.date,
) -> dict[str, Any]:
    """rcpchgrowth's own answer, called directly (the source of every expected value)."""
    from rcpchgrowth import Measurement

    result = Measurement(
        sex=sex.value,
        birth_date=date_of_birth,
        observation_date=measured_on,
        measurement_method=RCPCH_METHOD[kind],
        observation_value=value,
        reference="uk-who",
        gestation_weeks=gestation.weeks,
        gestation_days=gestation.days,
    ).measurement
    return {**result["measurement_calculated_values"], **result["measurement_dates"]}


# --- corrected_age_applies: RCPCH UK-WHO chart guidance -------------------------------

# "Until 1 year" / "until 2 years" = before the 1st / 2nd birthday; birthdays in
# calendar months (schedule.add_months), so 29 Feb births turn 1 on 28 Feb.
CORRECTION_TABLE = [
    # gestation, born, measured, corrected?   why
    (Gestation(36, 6), D(2025, 1, 15), D(2025, 1, 15), True),  # preterm, at birth
    (Gestation(36, 6), D(2025, 1, 15), D(2025, 12, 15), True),  # 11 months
    (Gestation(36, 6), D(2025, 1, 15), D(2026, 1, 14), True),  # day before 1st birthday
    (Gestation(36, 6), D(2025, 1, 15), D(2026, 1, 15), False),  # 12 months: stop
    (Gestation(36, 6), D(2025, 1, 15), D(2026, 1, 16), False),  # 12 months + 1 day
    (Gestation(32, 0), D(2025, 1, 15), D(2026, 1, 14), True),  # 32+0 is "32-36": 1 year
    (Gestation(32, 0), D(2025, 1, 15), D(2026, 1, 15), False),
    (Gestation(31, 6), D(2024, 3, 10), D(2026, 2, 10), True),  # 23 months
    (Gestation(31, 6), D(2024, 3, 10), D(2026, 3, 9), True),  # day before 2nd birthday
    (Gestation(31, 6), D(2024, 3, 10), D(2026, 3, 10), False),  # 24 months: stop
    (Gestation(23, 0), D(2024, 3, 10), D(2025, 6, 10), True),  # extremely preterm, 15 months
    (Gestation(37, 0), D(2025, 1, 15), D(2025, 1, 15), False),  # 37+0 is term: never
    (Gestation(37, 0), D(2025, 1, 15), D(2025, 3, 1), False),
    (Gestation(40, 0), D(2025, 1, 15), D(2025, 3, 1), False),
    (Gestation(42, 3), D(2025, 1, 15), D(2025, 3, 1), False),  # post-term: never
    # Leap-day births: a year after 29 Feb 2024 is 28 Feb 2025 (add_months clamps).
    (Gestation(36, 6), D(2024, 2, 29), D(2025, 2, 27), True),
    (Gestation(36, 6), D(2024, 2, 29), D(2025, 2, 28), False),
    (Gestation(36, 6), D(2024, 2, 29), D(2025, 3, 1), False),
    (Gestation(31, 6), D(2024, 2, 29), D(2026, 2, 27), True),
    (Gestation(31, 6), D(2024, 2, 29), D(2026, 2, 28), False),
]


@pytest.mark.parametrize(("gestation", "born", "measured", "expected"), CORRECTION_TABLE)
def test_corrected_age_applies_per_rcpch_guidance(
    gestation: Gestation, born: dt.date, measured: dt.date, expected: bool
) -> None:
    assert corrected_age_applies(gestation, born, measured) is expected


# --- assess_measurement against rcpchgrowth ---------------------------------------------

ASSESS_TABLE = [
    # kind, value, sex, born, gestation, measured, age used (RCPCH guidance)
    (WEIGHT, 5.0, Sex.MALE, D(2025, 1, 1), Gestation(40, 0), D(2025, 3, 1), "chronological"),
    # 39+0: rcpchgrowth corrects under UK-WHO; the chart guidance does not (term).
    (WEIGHT, 5.0, Sex.MALE, D(2025, 1, 1), Gestation(39, 0), D(2025, 3, 1), "chronological"),
    (WEIGHT, 3.4, Sex.FEMALE, D(2025, 1, 1), Gestation(40, 0), D(2025, 1, 1), "chronological"),
    (LENGTH, 57.5, Sex.FEMALE, D(2025, 1, 1), Gestation(40, 0), D(2025, 3, 1), "chronological"),
    (OFC, 45.0, Sex.FEMALE, D(2024, 1, 1), Gestation(38, 2), D(2025, 1, 3), "chronological"),
    (HEIGHT, 92.0, Sex.MALE, D(2022, 6, 1), Gestation(40, 0), D(2025, 1, 3), "chronological"),
    (WEIGHT, 2.1, Sex.MALE, D(2025, 1, 1), Gestation(34, 0), D(2025, 1, 1), "corrected"),
    (WEIGHT, 0.7, Sex.FEMALE, D(2025, 1, 1), Gestation(24, 0), D(2025, 1, 1), "corrected"),
    (WEIGHT, 4.1, Sex.FEMALE, D(2025, 1, 10), Gestation(34, 0), D(2025, 3, 1), "corrected"),
    (LENGTH, 52.0, Sex.FEMALE, D(2025, 1, 10), Gestation(34, 0), D(2025, 3, 1), "corrected"),
    (OFC, 36.0, Sex.FEMALE, D(2025, 1, 10), Gestation(34, 0), D(2025, 3, 1), "corrected"),
    (WEIGHT, 9.2, Sex.MALE, D(2024, 1, 10), Gestation(35, 0), D(2025, 1, 9), "corrected"),
    (WEIGHT, 9.2, Sex.MALE, D(2024, 1, 10), Gestation(35, 0), D(2025, 1, 10), "chronological"),
    (WEIGHT, 10.1, Sex.FEMALE, D(2024, 1, 10), Gestation(29, 3), D(2025, 7, 10), "corrected"),
    (LENGTH, 78.0, Sex.FEMALE, D(2024, 1, 10), Gestation(29, 3), D(2025, 7, 10), "corrected"),
    (OFC, 45.5, Sex.FEMALE, D(2024, 1, 10), Gestation(29, 3), D(2025, 7, 10), "corrected"),
    (HEIGHT, 86.0, Sex.FEMALE, D(2024, 1, 10), Gestation(29, 3), D(2026, 1, 10), "chronological"),
]


@pytest.mark.parametrize(
    ("kind", "value", "sex", "born", "gestation", "measured", "age_used"), ASSESS_TABLE
)
def test_assess_measurement_picks_rcpchgrowths_answer_for_the_age_the_guidance_uses(
    kind: MeasurementKind,
    value: float,
    sex: Sex,
    born: dt.date,
    gestation: Gestation,
    measured: dt.date,
    age_used: str,
) -> None:
    child = {"sex": sex, "date_of_birth": born, "gestation": gestation, "measured_on": measured}
    result = assess_measurement(kind, value, **child)
    expected = rcpchgrowth_says(kind, value, **child)
    assert result == GrowthResult(
        kind=kind,
        value=value,
        measured_on=measured,
        sds=expected[f"{age_used}_sds"],
        centile=expected[f"{age_used}_centile"],
        age_used=AgeUsed(age_used),
        decimal_age=expected[f"{age_used}_decimal_age"],
        reference="uk-who",
    )
    assert type(result.sds) is float and type(result.centile) is float  # not numpy scalars


def test_a_39_week_baby_is_not_corrected_although_rcpchgrowth_offers_it() -> None:
    # TOOLCHAIN.md: under UK-WHO rcpchgrowth corrects every gestation; the app chooses.
    child = {
        "sex": Sex.MALE,
        "date_of_birth": D(2025, 1, 1),
        "gestation": Gestation(39, 0),
        "measured_on": D(2025, 3, 1),
    }
    expected = rcpchgrowth_says(WEIGHT, 5.0, **child)
    assert expected["corrected_sds"] != expected["chronological_sds"]
    result = assess_measurement(WEIGHT, 5.0, **child)
    assert (result.sds, result.age_used) == (expected["chronological_sds"], AgeUsed.CHRONOLOGICAL)


REFUSED = [
    # kind, value, born, gestation, measured, message fragment      source of the limit
    (WEIGHT, 45.0, D(2025, 1, 1), Gestation(40, 0), D(2025, 3, 1), "standard deviations above"),
    (WEIGHT, 0.1, D(2025, 1, 1), Gestation(40, 0), D(2025, 3, 1), "outside what is possible"),
    (OFC, 10.0, D(2025, 1, 1), Gestation(40, 0), D(2025, 3, 1), "outside what is possible"),
    # rcpchgrowth: "UK-WHO length data does not exist in infants below 25 weeks gestation."
    (LENGTH, 30.0, D(2025, 1, 1), Gestation(24, 0), D(2025, 1, 1), "below 25 weeks"),
    (WEIGHT, 3.5, D(2025, 1, 1), Gestation(40, 0), D(2024, 12, 31), "before the child was born"),
]


@pytest.mark.parametrize(("kind", "value", "born", "gestation", "measured", "says"), REFUSED)
def test_out_of_range_measurements_are_refused_with_a_reason(
    kind: MeasurementKind,
    value: float,
    born: dt.date,
    gestation: Gestation,
    measured: dt.date,
    says: str,
) -> None:
    with pytest.raises(ValidationError, match=says) as refused:
        assess_measurement(
            kind,
            value,
            sex=Sex.FEMALE,
            date_of_birth=born,
            gestation=gestation,
            measured_on=measured,
        )
    assert refused.value.problems[0].field == kind.value


# --- implausible_change -----------------------------------------------------------------


def point(kind: MeasurementKind, value: float, measured_on: dt.date, sds: float) -> GrowthResult:
    return GrowthResult(
        kind=kind,
        value=value,
        measured_on=measured_on,
        sds=sds,
        centile=100 * 0.5 * (1 + math.erf(sds / math.sqrt(2))),
        age_used=AgeUsed.CHRONOLOGICAL,
        decimal_age=0.5,
    )


START = D(2025, 6, 1)

IMPLAUSIBLE_TABLE = [
    # previous, current, expected fragment or None     reason (growth.py constants)
    (None, point(WEIGHT, 7.0, START, 0.0), None),  # nothing to compare with
    (point(WEIGHT, 7.0, START, 0.0), point(WEIGHT, 7.3, D(2025, 6, 15), 0.2), None),
    # Close together (28 days or fewer): more than 2 SDS asks.
    (point(WEIGHT, 7.0, START, 0.0), point(WEIGHT, 9.9, D(2025, 6, 15), 2.4), "2.4 SDS"),
    (point(WEIGHT, 7.0, START, 0.0), point(WEIGHT, 9.6, D(2025, 6, 29), 2.0), None),
    (point(WEIGHT, 7.0, START, 0.0), point(WEIGHT, 9.9, D(2025, 6, 29), 2.1), "higher"),
    (point(WEIGHT, 7.0, START, 0.0), point(WEIGHT, 5.1, D(2025, 6, 29), -2.1), "lower"),
    (point(WEIGHT, 7.0, START, 0.0), point(WEIGHT, 7.0, START, -2.5), "same day"),
    # Further apart (29 days or more): more than 3 SDS asks.
    (point(WEIGHT, 7.0, START, 0.0), point(WEIGHT, 9.9, D(2025, 6, 30), 2.1), None),
    (point(WEIGHT, 7.0, START, 1.0), point(WEIGHT, 6.9, D(2025, 12, 1), -2.0), None),
    (point(WEIGHT, 7.0, START, 1.0), point(WEIGHT, 6.6, D(2025, 12, 1), -2.1), "6 months"),
    # Length and head circumference do not go down by more than measurement error
    # (WHO MGRS maximum allowable differences: 7 mm length, 5 mm head).
    (point(LENGTH, 70.0, START, 0.0), point(LENGTH, 69.3, D(2025, 7, 1), -0.6), None),
    (point(LENGTH, 70.0, START, 0.0), point(LENGTH, 69.2, D(2025, 7, 1), -0.6), "0.8 cm less"),
    (point(OFC, 44.0, START, 0.0), point(OFC, 43.5, D(2025, 7, 1), -0.6), None),
    (point(OFC, 44.0, START, 0.0), point(OFC, 43.4, D(2025, 7, 1), -0.6), "head circumference"),
    # Lying length to standing height: 0.7 cm more allowed (WHO 2006).
    (point(LENGTH, 88.0, START, 0.0), point(HEIGHT, 86.6, D(2025, 8, 1), -0.5), None),
    (point(LENGTH, 88.0, START, 0.0), point(HEIGHT, 86.5, D(2025, 8, 1), -0.5), "1.5 cm less"),
    (point(HEIGHT, 88.0, START, 0.0), point(HEIGHT, 87.2, D(2025, 8, 1), -0.5), "0.8 cm less"),
    # Length going up is growth, however fast, unless the SDS jump is implausible.
    (point(LENGTH, 60.0, START, 0.0), point(LENGTH, 64.0, D(2025, 7, 1), 1.0), None),
]


@pytest.mark.parametrize(("previous", "current", "says"), IMPLAUSIBLE_TABLE)
def test_implausible_change_asks_for_confirmation(
    previous: GrowthResult | None, current: GrowthResult, says: str | None
) -> None:
    message = implausible_change(previous, current)
    if says is None:
        assert message is None
    else:
        assert message is not None and says in message and "confirm" in message


def test_an_earlier_date_entered_second_is_still_compared_in_time_order() -> None:
    later = point(LENGTH, 70.0, D(2025, 7, 1), 0.0)
    earlier = point(LENGTH, 71.0, START, 0.0)
    message = implausible_change(later, earlier)
    assert message is not None and message.startswith("Length 70.0 cm on 1 Jul 2025")


def test_different_measures_are_not_compared() -> None:
    with pytest.raises(ValueError, match="weight"):
        implausible_change(point(OFC, 44.0, START, 0.0), point(WEIGHT, 7.0, START, 0.0))


# --- Properties (rcpchgrowth is about 1 ms a call: few examples) ----------------------


def _phi(sds: float) -> float:
    return 0.5 * (1 + math.erf(sds / math.sqrt(2)))


STEP = {WEIGHT: 0.05, LENGTH: 0.5, OFC: 0.3}


@settings(max_examples=12, deadline=None)
@given(
    sex=st.sampled_from(Sex),
    kind=st.sampled_from([WEIGHT, LENGTH, OFC]),
    age_days=st.integers(min_value=14, max_value=700),
    target_sds=st.floats(min_value=-2.5, max_value=2.5),
)
def test_centile_matches_sds_and_sds_rises_with_the_value(
    sex: Sex, kind: MeasurementKind, age_days: int, target_sds: float
) -> None:
    born = D(2023, 5, 17)
    measured = born + dt.timedelta(days=age_days)
    value = uk_who_value_for_sds(kind=kind, sex=sex, decimal_age=age_days / 365.25, sds=target_sds)
    value = round(value, 2 if kind is WEIGHT else 1)
    child = {
        "sex": sex,
        "date_of_birth": born,
        "gestation": Gestation(40, 0),
        "measured_on": measured,
    }

    result = assess_measurement(kind, value, **child)
    assert result.sds == pytest.approx(target_sds, abs=0.1)
    assert result.centile == pytest.approx(100 * _phi(result.sds), abs=1e-6)

    bigger = assess_measurement(kind, value + STEP[kind], **child)
    assert bigger.sds > result.sds
    assert bigger.centile >= result.centile
