"""Golden tests for the national metric definitions (issue 7; DOMAIN.md, LG Inform 4221).

Each expected date is worked by hand from the rules in ``domain/metrics.py``'s
docstring: day 0 is the date of birth, months clamp to the month's end, "by"
is on or before the target day.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from healthvisitor.domain.enums import (
    ContactLocation,
    ContactOutcome,
    DevelopmentDomain,
    FeedingStatus,
)
from healthvisitor.domain.metrics import (
    ASQ3_DOMAINS,
    EIGHT_WEEKS,
    FIFTEEN_MONTHS,
    NEW_BIRTH_VISIT_AFTER_14_DAYS,
    NEW_BIRTH_VISIT_WITHIN_14_DAYS,
    ONE_YEAR_BY_12_MONTHS,
    ONE_YEAR_BY_15_MONTHS,
    REVIEW_METRICS,
    SIX_TO_EIGHT_WEEK_BY_8_WEEKS,
    THIRTY_DAYS,
    THIRTY_MONTHS,
    TWELVE_MONTHS,
    TWO_YEAR_BY_30_MONTHS,
    Age,
    Attempt,
    MissedReason,
    Quarter,
    antenatal_counts,
    feeding_missed_reason,
    missed_reason,
    percent,
    too_small_to_compare,
)
from healthvisitor.errors import ValidationError

D = dt.date
HOME, PHONE = ContactLocation.HOME, ContactLocation.PHONE
DONE, DNA = ContactOutcome.COMPLETED, ContactOutcome.NOT_ATTENDED


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2026-27Q1", D(2026, 4, 1), D(2026, 6, 30)),
        ("2026-27Q2", D(2026, 7, 1), D(2026, 9, 30)),
        ("2026-27Q3", D(2026, 10, 1), D(2026, 12, 31)),
        ("2026-27Q4", D(2027, 1, 1), D(2027, 3, 31)),
        ("2027-28q4", D(2028, 1, 1), D(2028, 3, 31)),
        ("1999-00Q1", D(1999, 4, 1), D(1999, 6, 30)),
    ],
)
def test_financial_quarters(text: str, start: dt.date, end: dt.date) -> None:
    quarter = Quarter.parse(text)
    assert (quarter.start, quarter.end) == (start, end)
    assert Quarter.containing(start) == quarter == Quarter.containing(end)
    assert str(Quarter.parse(str(quarter))) == str(quarter)


def test_previous_quarter_crosses_the_financial_year() -> None:
    assert str(Quarter.parse("2026-27Q1").previous()) == "2025-26Q4"
    assert str(Quarter.parse("2026-27Q3").previous()) == "2026-27Q2"


@pytest.mark.parametrize("text", ["2026Q1", "2026-28Q1", "2026-27Q5", "Q1 2026", ""])
def test_a_quarter_written_wrongly_says_how_to_write_it(text: str) -> None:
    with pytest.raises(ValidationError, match="2026-27Q1") as raised:
        Quarter.parse(text)
    assert raised.value.for_field("quarter")


Q1 = Quarter.parse("2026-27Q1")  # 1 April to 30 June 2026


@pytest.mark.parametrize(
    ("age", "first", "last"),
    [
        # LG Inform 4221's births for a Q1 30-day cohort: 2 March to 31 May.
        (THIRTY_DAYS, D(2026, 3, 2), D(2026, 5, 31)),
        (EIGHT_WEEKS, D(2026, 2, 4), D(2026, 5, 5)),
        (TWELVE_MONTHS, D(2025, 4, 1), D(2025, 6, 30)),
        (FIFTEEN_MONTHS, D(2025, 1, 1), D(2025, 3, 31)),
        (THIRTY_MONTHS, D(2023, 10, 1), D(2023, 12, 31)),
    ],
)
def test_cohort_birth_dates_for_a_quarter(age: Age, first: dt.date, last: dt.date) -> None:
    assert age.birth_dates_turning_in(Q1) == (first, last)
    # The range agrees with the definition: turns the age inside the quarter.
    assert Q1.contains(age.reached_on(first)) and Q1.contains(age.reached_on(last))
    assert not Q1.contains(age.reached_on(first - dt.timedelta(days=1)))
    assert not Q1.contains(age.reached_on(last + dt.timedelta(days=1)))


def test_birthday_on_the_first_and_last_day_of_the_quarter() -> None:
    # Born 2 March 2026: 30 days old on 1 April (first day of Q1); born 31 May: 30 June.
    assert THIRTY_DAYS.reached_on(D(2026, 3, 2)) == Q1.start
    assert THIRTY_DAYS.reached_on(D(2026, 5, 31)) == Q1.end
    assert TWELVE_MONTHS.reached_on(D(2025, 4, 1)) == Q1.start
    assert TWELVE_MONTHS.reached_on(D(2025, 6, 30)) == Q1.end


def test_leap_day_births() -> None:
    # Days count through the leap day; months clamp to 28 Feb in a common year.
    assert THIRTY_DAYS.reached_on(D(2028, 2, 29)) == D(2028, 3, 30)
    assert TWELVE_MONTHS.reached_on(D(2024, 2, 29)) == D(2025, 2, 28)
    assert THIRTY_MONTHS.reached_on(D(2024, 2, 29)) == D(2026, 8, 29)
    # 28 Feb 2025 is in Q4 of 2024-25: the leap-day baby is in that 12-month cohort.
    first, last = TWELVE_MONTHS.birth_dates_turning_in(Quarter.parse("2024-25Q4"))
    assert first <= D(2024, 2, 29) <= last == D(2024, 3, 31)


def test_month_end_births_clamp_into_the_shorter_month() -> None:
    # Born 31 Dec 2023: 30 months on 30 June 2026, the last day of Q1 (not 1 July).
    assert THIRTY_MONTHS.reached_on(D(2023, 12, 31)) == D(2026, 6, 30)
    # Born 31 Aug 2025: 15 months old on 30 Nov 2026 (no 31 Nov), in 2026-27Q3.
    assert FIFTEEN_MONTHS.reached_on(D(2025, 8, 31)) == D(2026, 11, 30)
    # Born 30 and 31 Jan 2025: 12 months on 30 and 31 Jan 2026; born 31 May 2025: 31 May 2026.
    assert TWELVE_MONTHS.reached_on(D(2025, 1, 31)) == D(2026, 1, 31)
    first, last = FIFTEEN_MONTHS.birth_dates_turning_in(Quarter.parse("2026-27Q3"))
    assert (first, last) == (D(2025, 7, 1), D(2025, 9, 30))


BORN = D(2026, 4, 10)


@pytest.mark.parametrize(
    ("metric", "on_target", "day_after"),
    [
        (NEW_BIRTH_VISIT_WITHIN_14_DAYS, D(2026, 4, 24), D(2026, 4, 25)),
        (SIX_TO_EIGHT_WEEK_BY_8_WEEKS, D(2026, 6, 5), D(2026, 6, 6)),
        (ONE_YEAR_BY_12_MONTHS, D(2027, 4, 10), D(2027, 4, 11)),
        (ONE_YEAR_BY_15_MONTHS, D(2027, 7, 10), D(2027, 7, 11)),
        (TWO_YEAR_BY_30_MONTHS, D(2028, 10, 10), D(2028, 10, 11)),
    ],
)
def test_a_review_on_the_target_day_counts_and_the_day_after_does_not(
    metric: object, on_target: dt.date, day_after: dt.date
) -> None:
    assert isinstance(metric, type(NEW_BIRTH_VISIT_WITHIN_14_DAYS))
    assert metric.target_date(BORN) == on_target
    assert metric.counts(BORN, on_target, HOME, DONE)
    assert not metric.counts(BORN, day_after, HOME, DONE)
    assert missed_reason(metric, BORN, [Attempt(day_after, HOME, DONE)]) is (
        MissedReason.AFTER_TARGET
    )


def test_new_birth_visit_after_14_days_is_days_15_to_30() -> None:
    metric = NEW_BIRTH_VISIT_AFTER_14_DAYS
    assert not metric.counts(BORN, D(2026, 4, 24), HOME, DONE)  # day 14
    assert metric.counts(BORN, D(2026, 4, 25), HOME, DONE)  # day 15
    assert metric.counts(BORN, D(2026, 5, 10), HOME, DONE)  # day 30
    assert not metric.counts(BORN, D(2026, 5, 11), HOME, DONE)  # day 31


def test_a_new_birth_visit_by_telephone_is_not_face_to_face() -> None:
    metric = NEW_BIRTH_VISIT_WITHIN_14_DAYS
    assert not metric.counts(BORN, D(2026, 4, 20), PHONE, DONE)
    assert missed_reason(metric, BORN, [Attempt(D(2026, 4, 20), PHONE, DONE)]) is (
        MissedReason.NOT_FACE_TO_FACE
    )
    # The 6-8 week review has no such rule.
    assert SIX_TO_EIGHT_WEEK_BY_8_WEEKS.counts(BORN, D(2026, 6, 1), PHONE, DONE)


def test_a_review_not_attended_does_not_count_and_says_why() -> None:
    metric = SIX_TO_EIGHT_WEEK_BY_8_WEEKS
    assert not metric.counts(BORN, D(2026, 6, 1), HOME, DNA)
    attempts = [Attempt(D(2026, 6, 1), HOME, DNA)]
    assert missed_reason(metric, BORN, attempts) is MissedReason.NOT_ATTENDED
    declined = [*attempts, Attempt(D(2026, 6, 3), HOME, ContactOutcome.DECLINED)]
    assert missed_reason(metric, BORN, declined) is MissedReason.DECLINED
    # A completed review after a missed one, still in time: counted.
    done = [*attempts, Attempt(D(2026, 6, 4), HOME, DONE)]
    assert missed_reason(metric, BORN, done) is None
    assert missed_reason(metric, BORN, []) is MissedReason.NO_REVIEW


def test_a_review_before_the_quarter_counts_for_the_cohort_turning_the_age_in_it() -> None:
    # Born 15 Apr 2025: 15 months old on 15 Jul 2026 (2026-27Q2); reviewed at 12
    # months, on 15 Apr 2026, in Q1: counts for the Q2 15-month cohort.
    born = D(2025, 4, 15)
    q2 = Quarter.parse("2026-27Q2")
    first, last = FIFTEEN_MONTHS.birth_dates_turning_in(q2)
    assert first <= born <= last
    assert not q2.contains(D(2026, 4, 15))
    assert ONE_YEAR_BY_15_MONTHS.counts(born, D(2026, 4, 15), HOME, DONE)


def test_transferred_in_after_the_target() -> None:
    reason = missed_reason(ONE_YEAR_BY_12_MONTHS, BORN, [], transferred_in_on=D(2027, 5, 1))
    assert reason is MissedReason.TRANSFERRED_IN_LATE
    # Transferred in before the target and not reviewed: simply no review.
    early = missed_reason(ONE_YEAR_BY_12_MONTHS, BORN, [], transferred_in_on=D(2027, 1, 1))
    assert early is MissedReason.NO_REVIEW


def test_asq3_has_five_domains_and_not_asq_se2() -> None:
    assert len(ASQ3_DOMAINS) == 5
    assert DevelopmentDomain.SOCIAL_EMOTIONAL not in ASQ3_DOMAINS


def test_antenatal_review_from_28_weeks() -> None:
    edd = D(2026, 7, 1)  # 28+0 weeks is 84 days earlier: 8 April 2026
    assert antenatal_counts(edd, D(2026, 4, 8))
    assert not antenatal_counts(edd, D(2026, 4, 7))


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [(1, 3, Decimal("33.3")), (2, 3, Decimal("66.7")), (1, 8, Decimal("12.5")), (0, 0, None)],
)
def test_percent_to_one_decimal(numerator: int, denominator: int, expected: Decimal | None) -> None:
    assert percent(numerator, denominator) == expected


def test_too_small_to_compare_below_five() -> None:
    assert too_small_to_compare(4) and not too_small_to_compare(5)


@pytest.mark.parametrize(
    ("reviewed", "feeding", "breastfed", "recorded"),
    [
        (True, FeedingStatus.TOTALLY_BREASTFED, None, None),
        (True, FeedingStatus.PARTIALLY_BREASTFED, None, None),
        (True, FeedingStatus.NOT_BREASTFED, MissedReason.NOT_BREASTFED, None),
        (True, None, MissedReason.FEEDING_NOT_RECORDED, MissedReason.FEEDING_NOT_RECORDED),
        (False, None, MissedReason.NO_REVIEW, MissedReason.NO_REVIEW),
    ],
)
def test_why_a_child_is_not_in_a_breastfeeding_figure(
    reviewed: bool,
    feeding: FeedingStatus | None,
    breastfed: MissedReason | None,
    recorded: MissedReason | None,
) -> None:
    # OHID C10: totally or partially breastfed at the 6-8 week review; and recorded at all.
    assert feeding_missed_reason(reviewed, feeding, recorded_only=False) is breastfed
    assert feeding_missed_reason(reviewed, feeding, recorded_only=True) is recorded


def test_only_the_2_year_review_keeps_a_child_reviewed_before_they_died() -> None:
    # LG Inform 4239: "children who died before the review" are excluded.
    assert [m.code for m in REVIEW_METRICS if m.counts_reviewed_before_death] == [
        TWO_YEAR_BY_30_MONTHS.code
    ]
