"""NICE NG75 faltering growth: a golden table per rule, firing and not at each boundary.

Sources of every expected answer (see healthvisitor/domain/faltering.py):

* NG75 1.1.2: infants who "lose more than 10% of their birth weight" in the
  early days of life (strictly more: exactly 10% does not fire).
* NG75 1.1.1: "most infants have returned to their birth weight by 3 weeks of
  age" (day 21; the early days are days 0-20).
* NG75 1.2: a fall across 1 or more weight centile spaces if birth weight was
  below the 9th centile, 2 or more if between the 9th and 91st, 3 or more if
  above the 91st; current weight below the 2nd centile whatever the birth
  weight. A centile space is 2/3 SD (DOMAIN.md); the chart's 9th, 91st and 2nd
  centile lines lie at -4/3, +4/3 and -2 SDS.
"""

from __future__ import annotations

import datetime as dt
import math

import pytest

from healthvisitor.domain.enums import FalteringRule
from healthvisitor.domain.faltering import FalteringAlert, WeightPoint, faltering_alerts
from healthvisitor.errors import ValidationError

BORN = dt.date(2025, 3, 3)
SPACE = 2 / 3
EARLY = FalteringRule.EARLY_WEIGHT_LOSS
NOT_BACK = FalteringRule.NOT_BACK_TO_BIRTH_WEIGHT
FALL = FalteringRule.FALL_ACROSS_CENTILE_SPACES
BELOW_2ND = FalteringRule.BELOW_SECOND_CENTILE


def day(n: int) -> dt.date:
    return BORN + dt.timedelta(days=n)


def w(days_old: int, kg: float, sds: float = 0.0) -> WeightPoint:
    """A weight ``days_old`` days after birth, its centile consistent with its SDS."""
    return WeightPoint(day(days_old), kg, sds, 100 * 0.5 * (1 + math.erf(sds / math.sqrt(2))))


def rules(
    birth: WeightPoint | None, weights: list[WeightPoint], today_days: int
) -> list[FalteringRule]:
    found = faltering_alerts(
        date_of_birth=BORN, birth_weight=birth, weights=weights, today=day(today_days)
    )
    return [alert.rule for alert in found]


BIRTH = w(0, 3.400, 0.0)

# NG75 1.1.2: more than 10% of birth weight lost in the early days (days 0-20).
EARLY_WEIGHT_LOSS_TABLE = [
    ("exactly 10% (340 g of 3400 g) does not fire", [w(4, 3.060)], 4, []),
    ("10.03% fires", [w(4, 3.059)], 4, [EARLY]),
    ("11% on day 4 fires", [w(4, 3.020)], 4, [EARLY]),
    ("still in the early days on day 20", [w(20, 3.050)], 20, [EARLY]),
    # Day 21 is after the early days: the 3-week rule speaks instead.
    ("day 21 is not the early days", [w(21, 3.050)], 21, [NOT_BACK]),
    ("a recovered early loss does not fire", [w(4, 3.020), w(10, 3.300)], 10, []),
    (
        "a later weight not yet taken (after today) is not counted",
        [w(4, 3.02), w(9, 3.3)],
        8,
        [EARLY],
    ),
]


@pytest.mark.parametrize(("case", "weights", "today", "expected"), EARLY_WEIGHT_LOSS_TABLE)
def test_early_weight_loss_ng75_1_1_2(
    case: str, weights: list[WeightPoint], today: int, expected: list[FalteringRule]
) -> None:
    assert rules(BIRTH, weights, today) == expected, case


# NG75 1.1.1: back to birth weight by 3 weeks (day 21).
NOT_BACK_TABLE = [
    ("1 g short at day 21 fires", [w(21, 3.399)], 21, [NOT_BACK]),
    ("exactly birth weight at day 21 is back", [w(21, 3.400)], 21, []),
    ("below at day 20, judged on day 20: not yet 3 weeks", [w(20, 3.300)], 20, []),
    ("below at day 20, judged on day 21: not known to be back", [w(20, 3.300)], 21, [NOT_BACK]),
    ("below at day 20, back by day 22", [w(20, 3.300), w(22, 3.450)], 22, []),
    ("still below at 5 weeks", [w(12, 3.300), w(35, 3.350)], 40, [NOT_BACK]),
    ("below at day 25, back at day 35", [w(25, 3.300), w(35, 3.500)], 40, []),
]


@pytest.mark.parametrize(("case", "weights", "today", "expected"), NOT_BACK_TABLE)
def test_not_back_to_birth_weight_by_3_weeks_ng75_1_1_1(
    case: str, weights: list[WeightPoint], today: int, expected: list[FalteringRule]
) -> None:
    assert rules(BIRTH, weights, today) == expected, case


def scenario(birth_sds: float, latest_sds: float) -> list[FalteringRule]:
    """Birth weight at ``birth_sds``, back to birth weight, latest weight at 3 months."""
    return rules(w(0, 3.4, birth_sds), [w(14, 3.6, birth_sds), w(90, 5.5, latest_sds)], 90)


# NG75 1.2: fall across centile spaces, threshold by birth weight centile.
FALL_TABLE = [
    # birth SDS, latest SDS, expected       birth band (chart lines at ±4/3 SDS)
    (-1.34, -1.34 - SPACE, [FALL, BELOW_2ND]),  # just below the 9th: 1 space is enough
    (-1.34, -1.34 - 0.99 * SPACE, []),
    (-1.33, -1.33 - SPACE, []),  # just above the 9th: 2 spaces needed
    (-1.33, -1.33 - 2 * SPACE, [FALL, BELOW_2ND]),
    (-4 / 3, -4 / 3 - SPACE, []),  # on the 9th line counts as between
    (0.0, -SPACE, []),  # between: exactly 1 space
    (0.0, -2 * SPACE, [FALL]),  # between: exactly 2 spaces
    (0.0, -1.99 * SPACE, []),
    (1.33, 1.33 - 2 * SPACE, [FALL]),  # just below the 91st: 2 spaces
    (4 / 3, 4 / 3 - 2 * SPACE, [FALL]),  # on the 91st line counts as between
    (1.34, 1.34 - 2 * SPACE, []),  # just above the 91st: 3 spaces needed
    (1.34, 1.34 - 2.99 * SPACE, []),
    (1.34, 1.34 - 3 * SPACE, [FALL]),  # exactly 3 spaces
    (1.5, -0.5, [FALL]),  # exactly 3 spaces (2 SDS)
    (0.0, 0.5, []),  # rising is not faltering
]


@pytest.mark.parametrize(("birth_sds", "latest_sds", "expected"), FALL_TABLE)
def test_fall_across_centile_spaces_ng75_1_2(
    birth_sds: float, latest_sds: float, expected: list[FalteringRule]
) -> None:
    assert scenario(birth_sds, latest_sds) == expected


def test_exactly_one_space_below_the_9th_fires_despite_rounding() -> None:
    # -1.5 - 2/3 in floating point is a hair less than one space below -1.5.
    assert scenario(-1.5, -1.5 - SPACE) == [FALL, BELOW_2ND]


def test_the_fall_is_measured_from_the_lowest_early_days_centile() -> None:
    # Birth on the 50th, dipping to -0.5 SDS on day 10 (normal early loss), now
    # -1.7 SDS: 1.8 spaces from the dip (no alert), 2.55 from birth.
    birth = w(0, 3.4, 0.0)
    weights = [w(10, 3.2, -0.5), w(21, 3.5, -0.3), w(90, 5.2, -1.7)]
    assert rules(birth, weights, 90) == []
    # Without the dip the same latest weight has fallen 2.55 spaces from birth.
    found = faltering_alerts(
        date_of_birth=BORN, birth_weight=birth, weights=weights[1:], today=day(90)
    )
    assert [alert.rule for alert in found] == [FALL]
    assert found[0].measurements == (birth, weights[-1])
    assert "from centile 50 (3.40 kg on 3 Mar 2025, birth weight)" in found[0].message
    assert "between the 9th and 91st centiles" in found[0].message


def test_a_fall_that_has_recovered_does_not_fire() -> None:
    weights = [w(14, 3.6, 0.0), w(60, 4.2, -1.6), w(120, 6.4, -0.3)]
    assert rules(BIRTH, weights, 120) == []
    assert rules(BIRTH, weights, 100) == [FALL]  # as it stood before the recovery


def test_no_centile_rules_in_the_early_days() -> None:
    # NG75 section 1.2 applies after the early days; day 20 is still early.
    assert rules(w(0, 3.4, 1.0), [w(20, 3.45, -2.3)], 20) == []


# NG75 1.2: current weight below the 2nd centile (the -2 SDS line), whatever the birth weight.
BELOW_2ND_TABLE = [
    ("just below the line", [w(60, 4.0, -2.01)], [BELOW_2ND]),
    ("on the line", [w(60, 4.0, -2.0)], []),
    ("just above", [w(60, 4.0, -1.99)], []),
    ("an old dip that has recovered", [w(60, 4.0, -2.3), w(90, 5.0, -1.8)], []),
    ("a new dip after recovery", [w(60, 4.0, -1.8), w(90, 4.4, -2.3)], [BELOW_2ND]),
]


@pytest.mark.parametrize(("case", "weights", "expected"), BELOW_2ND_TABLE)
def test_below_the_2nd_centile_ng75_1_2(
    case: str, weights: list[WeightPoint], expected: list[FalteringRule]
) -> None:
    # Born on the 2nd centile line (-2 SDS, 2.3%): no fall across a space matters here.
    assert rules(w(0, 2.7, -2.0), weights, 120) == expected, case
    # "Whatever the birth weight": the same without a birth weight.
    assert rules(None, weights, 120) == expected, case


def test_without_a_birth_weight_only_the_2nd_centile_rule_can_be_judged() -> None:
    assert rules(None, [w(4, 2.0, -1.0), w(25, 2.0, -1.9)], 30) == []
    assert rules(None, [], 30) == []


def test_messages_name_the_rule_and_the_numbers() -> None:
    [early] = faltering_alerts(
        date_of_birth=BORN, birth_weight=BIRTH, weights=[w(4, 3.02)], today=day(4)
    )
    assert early == FalteringAlert(
        EARLY,
        "Weight 3.02 kg on 7 Mar 2025 (4 days old) is 11% below birth weight 3.40 kg: "
        "more than 10% lost in the early days.",
        (BIRTH, w(4, 3.02)),
    )
    [not_back] = faltering_alerts(
        date_of_birth=BORN, birth_weight=BIRTH, weights=[w(12, 3.27)], today=day(21)
    )
    assert not_back.message == (
        "Not known to be back to birth weight at 3 weeks: last weighed 3.27 kg on "
        "15 Mar 2025 (12 days old), 130 g (4%) below birth weight 3.40 kg, and not weighed "
        "since. Weigh again."
    )
    [still] = faltering_alerts(
        date_of_birth=BORN, birth_weight=BIRTH, weights=[w(24, 3.38)], today=day(24)
    )
    assert still.message == (
        "Weight 3.38 kg on 27 Mar 2025 (3 weeks old) is still 20 g below birth weight "
        "3.40 kg: not back to birth weight by 3 weeks."
    )
    [low] = faltering_alerts(
        date_of_birth=BORN, birth_weight=None, weights=[w(60, 4.0, -2.05)], today=day(60)
    )
    assert (
        low.message
        == "Weight 4.00 kg on 2 May 2025 (8 weeks old) is below the 2nd centile line (centile 2.0)."
    )


def test_a_weight_before_birth_is_refused() -> None:
    with pytest.raises(ValidationError, match="before the child was born"):
        faltering_alerts(date_of_birth=BORN, birth_weight=None, weights=[w(-1, 3.0)], today=day(5))
