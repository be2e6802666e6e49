"""The five mandated reviews: windows and statuses (issue 3).

Golden tables give each expected value with the reason for it; the property
test checks every date of birth from 1990 to 2100.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from healthvisitor.domain.enums import ContactKind, ContactOutcome, ReviewStatus
from healthvisitor.domain.schedule import (
    ReviewAttempt,
    ReviewWindow,
    ScheduledReview,
    add_months,
    antenatal_window,
    child_review_windows,
    child_schedule,
    most_urgent_open,
    pregnancy_schedule,
    review_status,
)

D = dt.date
NBV = ContactKind.NEW_BIRTH_VISIT
SIX_EIGHT = ContactKind.SIX_TO_EIGHT_WEEK
ONE_YEAR = ContactKind.ONE_YEAR
TWO_YEAR = ContactKind.TWO_YEAR
ANTENATAL = ContactKind.ANTENATAL


# --- Windows -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        # Issue 3's own example: 31 January + 1 month clamps to the end of February.
        (D(2023, 1, 31), 1, D(2023, 2, 28)),
        (D(2024, 1, 31), 1, D(2024, 2, 29)),  # ... which is the 29th in a leap year
        (D(2024, 2, 29), 12, D(2025, 2, 28)),  # leap-day birth, first birthday in a common year
        (D(2024, 2, 29), 48, D(2028, 2, 29)),  # ... and the 29th again four years on
        (D(2025, 12, 25), 1, D(2026, 1, 25)),  # across the year end
    ],
)
def test_add_months_clamps_to_the_end_of_a_shorter_month(
    start: dt.date, months: int, expected: dt.date
) -> None:
    assert add_months(start, months) == expected


# (date of birth, review, opens, target by, closes). "By N days" is birth + N
# days; "by N months" the same day N calendar months on, clamped (issue 3).
# Windows count from the date of birth whatever the gestation: the national
# metrics take their cohorts by chronological age ("infants who turned 8 weeks
# in the quarter"; LG Inform metric 4221 gives birth-date ranges per quarter),
# never by corrected age, so there are no separate preterm rows here: see
# test_preterm_windows_count_from_the_date_of_birth.
WINDOW_GOLDEN = [
    # An ordinary birth: days 10/14/30, days 42/56, 9/12/15 months, 24/30 months.
    (D(2026, 3, 1), NBV, D(2026, 3, 11), D(2026, 3, 15), D(2026, 3, 31)),
    (D(2026, 3, 1), SIX_EIGHT, D(2026, 4, 12), D(2026, 4, 26), D(2026, 4, 26)),
    (D(2026, 3, 1), ONE_YEAR, D(2026, 12, 1), D(2027, 3, 1), D(2027, 6, 1)),
    (D(2026, 3, 1), TWO_YEAR, D(2028, 3, 1), D(2028, 9, 1), D(2028, 9, 1)),
    # Leap-day birth: day counts cross 29 Feb itself, 12 and 24 months clamp to
    # 28 Feb of a common year, 9/15/30 months land on the 29th of 30/31-day months.
    (D(2024, 2, 29), NBV, D(2024, 3, 10), D(2024, 3, 14), D(2024, 3, 30)),
    (D(2024, 2, 29), SIX_EIGHT, D(2024, 4, 11), D(2024, 4, 25), D(2024, 4, 25)),
    (D(2024, 2, 29), ONE_YEAR, D(2024, 11, 29), D(2025, 2, 28), D(2025, 5, 29)),
    (D(2024, 2, 29), TWO_YEAR, D(2026, 2, 28), D(2026, 8, 29), D(2026, 8, 29)),
    # 31 January birth: 15 months is 30 April (clamped); the others are 31-day months.
    (D(2023, 1, 31), ONE_YEAR, D(2023, 10, 31), D(2024, 1, 31), D(2024, 4, 30)),
    (D(2023, 1, 31), TWO_YEAR, D(2025, 1, 31), D(2025, 7, 31), D(2025, 7, 31)),
    # 31 January birth, day counts run through February (day 10 = 10 Feb, day 42 = 14 Mar).
    (D(2023, 1, 31), NBV, D(2023, 2, 10), D(2023, 2, 14), D(2023, 3, 2)),
    (D(2023, 1, 31), SIX_EIGHT, D(2023, 3, 14), D(2023, 3, 28), D(2023, 3, 28)),
    # 31 August birth: 15 months clamps to 30 November, 30 months to 28 February.
    (D(2024, 8, 31), ONE_YEAR, D(2025, 5, 31), D(2025, 8, 31), D(2025, 11, 30)),
    (D(2024, 8, 31), TWO_YEAR, D(2026, 8, 31), D(2027, 2, 28), D(2027, 2, 28)),
    # 31 August 2025: 30 months is in a leap February, so 29 February 2028.
    (D(2025, 8, 31), TWO_YEAR, D(2027, 8, 31), D(2028, 2, 29), D(2028, 2, 29)),
    # Christmas birth: the new birth visit's days run into the new year.
    (D(2025, 12, 25), NBV, D(2026, 1, 4), D(2026, 1, 8), D(2026, 1, 24)),
]


@pytest.mark.parametrize(("born", "kind", "opens", "target_by", "closes"), WINDOW_GOLDEN)
def test_review_windows_golden(
    born: dt.date, kind: ContactKind, opens: dt.date, target_by: dt.date, closes: dt.date
) -> None:
    (window,) = [w for w in child_review_windows(born) if w.kind is kind]
    assert (window.opens, window.target_by, window.closes) == (opens, target_by, closes)


@pytest.mark.parametrize(
    ("estimated_delivery", "born", "opens", "target_by"),
    [
        # Unborn: opens at 28+0 weeks (EDD - 84 days), target the EDD itself.
        (D(2026, 3, 1), None, D(2025, 12, 7), D(2026, 3, 1)),
        # Born at term (39+0, a week early): target the day of birth.
        (D(2026, 3, 1), D(2026, 2, 22), D(2025, 12, 7), D(2026, 2, 22)),
        # Born after the EDD (41+3): the target moves with the birth.
        (D(2026, 3, 1), D(2026, 3, 11), D(2025, 12, 7), D(2026, 3, 11)),
        # Born at 26+0, before the window could open: it opens and closes at birth.
        (D(2026, 3, 1), D(2025, 11, 23), D(2025, 11, 23), D(2025, 11, 23)),
    ],
)
def test_antenatal_window_golden(
    estimated_delivery: dt.date, born: dt.date | None, opens: dt.date, target_by: dt.date
) -> None:
    window = antenatal_window(estimated_delivery, born)
    assert (window.opens, window.target_by, window.closes) == (opens, target_by, target_by)


def test_preterm_windows_count_from_the_date_of_birth() -> None:
    # Born at 30+0 weeks on 1 March 2026 (EDD 24 May 2026): the reviews after
    # birth are exactly those of a term baby born that day. The national
    # metrics count by chronological age (LG Inform metric 4221: cohorts by
    # date of birth); corrected age is for growth charts only (RCPCH UK-WHO).
    preterm = child_schedule(
        D(2026, 3, 1), [], D(2026, 3, 20), estimated_delivery_date=D(2026, 5, 24)
    )
    term = child_schedule(D(2026, 3, 1), [], D(2026, 3, 20))
    assert [r.window for r in preterm[1:]] == [r.window for r in term]
    # The antenatal review opened at 28+0 (24 May - 84 days) and was due by the birth.
    assert preterm[0].window == ReviewWindow(ANTENATAL, D(2026, 3, 1), D(2026, 3, 1), D(2026, 3, 1))


# --- Statuses ---------------------------------------------------------------------

BORN = D(2026, 3, 1)  # windows as in the first rows of WINDOW_GOLDEN
WINDOWS = {window.kind: window for window in child_review_windows(BORN)}


def done(kind: ContactKind, day: dt.date) -> ReviewAttempt:
    return ReviewAttempt(kind, day, ContactOutcome.COMPLETED)


def not_brought(kind: ContactKind, day: dt.date, rebooked: dt.date | None = None) -> ReviewAttempt:
    return ReviewAttempt(kind, day, ContactOutcome.NOT_ATTENDED, rebooked_for=rebooked)


def declined(kind: ContactKind, day: dt.date) -> ReviewAttempt:
    return ReviewAttempt(kind, day, ContactOutcome.DECLINED)


def cancelled(kind: ContactKind, day: dt.date) -> ReviewAttempt:
    return ReviewAttempt(kind, day, ContactOutcome.CANCELLED)


S = ReviewStatus

# (review, what was recorded, today, expected status, expected completed_on).
# New birth visit for a 1 March 2026 birth: opens 11 Mar, target 15 Mar, closes 31 Mar.
# 6-8 week: 12-26 Apr. 1 year: opens 1 Dec 2026, target 1 Mar 2027, closes 1 Jun 2027.
STATUS_GOLDEN = [
    # From the dates alone, at each boundary:
    (NBV, [], D(2026, 3, 10), S.NOT_YET_DUE, None),  # day 9: not yet open
    (NBV, [], D(2026, 3, 11), S.DUE, None),  # day 10: opens
    (NBV, [], D(2026, 3, 15), S.DUE, None),  # day 14: the target day is still in time
    (NBV, [], D(2026, 3, 16), S.OVERDUE, None),  # day 15: late window
    (NBV, [], D(2026, 3, 31), S.OVERDUE, None),  # day 30: last day counted late
    (NBV, [], D(2026, 4, 1), S.MISSED, None),  # day 31: window closed, no review
    (SIX_EIGHT, [], D(2026, 4, 26), S.DUE, None),  # 8 weeks: target day
    (SIX_EIGHT, [], D(2026, 4, 27), S.MISSED, None),  # no late window: never "overdue"
    (ONE_YEAR, [], D(2027, 3, 2), S.OVERDUE, None),  # after 12 months, before 15
    (ONE_YEAR, [], D(2027, 6, 2), S.MISSED, None),  # after 15 months
    # Completed. A new birth visit on day 8, before it opens, is on time (issue 3):
    (NBV, [done(NBV, D(2026, 3, 9))], D(2026, 3, 20), S.DONE_ON_TIME, D(2026, 3, 9)),
    (NBV, [done(NBV, D(2026, 3, 15))], D(2026, 3, 20), S.DONE_ON_TIME, D(2026, 3, 15)),  # day 14
    (NBV, [done(NBV, D(2026, 3, 16))], D(2026, 3, 20), S.DONE_LATE, D(2026, 3, 16)),  # day 15
    (NBV, [done(NBV, D(2026, 4, 5))], D(2026, 4, 9), S.DONE_LATE, D(2026, 4, 5)),  # day 35: seen
    # 6-8 week review at 31 days, before it opens: counted "by 8 weeks" nationally.
    (SIX_EIGHT, [done(SIX_EIGHT, D(2026, 4, 1))], D(2026, 4, 20), S.DONE_ON_TIME, D(2026, 4, 1)),
    # Done the day after 8 weeks: no late window, still done late, not missed.
    (SIX_EIGHT, [done(SIX_EIGHT, D(2026, 4, 27))], D(2026, 5, 1), S.DONE_LATE, D(2026, 4, 27)),
    (ONE_YEAR, [done(ONE_YEAR, D(2027, 3, 2))], D(2027, 3, 9), S.DONE_LATE, D(2027, 3, 2)),
    # Two completions: the first one counts.
    (
        NBV,
        [done(NBV, D(2026, 3, 20)), done(NBV, D(2026, 3, 14))],
        D(2026, 3, 25),
        S.DONE_ON_TIME,
        D(2026, 3, 14),
    ),
    # Not attended: never a completion (issue 3).
    (NBV, [not_brought(NBV, D(2026, 3, 12))], D(2026, 3, 13), S.NOT_ATTENDED, None),
    # Rebooked for 16 Mar: rebooked while that day is still to come, and on the day itself.
    (
        NBV,
        [not_brought(NBV, D(2026, 3, 12), D(2026, 3, 16))],
        D(2026, 3, 14),
        S.NOT_ATTENDED_REBOOKED,
        None,
    ),
    (
        NBV,
        [not_brought(NBV, D(2026, 3, 12), D(2026, 3, 16))],
        D(2026, 3, 16),
        S.NOT_ATTENDED_REBOOKED,
        None,
    ),
    # The rebooked day has passed with nothing recorded: back to "not rebooked".
    (
        NBV,
        [not_brought(NBV, D(2026, 3, 12), D(2026, 3, 16))],
        D(2026, 3, 17),
        S.NOT_ATTENDED,
        None,
    ),
    # Not brought and never seen: stays visible after the window closes, not "missed".
    (NBV, [not_brought(NBV, D(2026, 3, 12))], D(2026, 5, 1), S.NOT_ATTENDED, None),
    # Seen at the rebooked visit on day 15: done late.
    (
        NBV,
        [not_brought(NBV, D(2026, 3, 12), D(2026, 3, 16)), done(NBV, D(2026, 3, 16))],
        D(2026, 3, 17),
        S.DONE_LATE,
        D(2026, 3, 16),
    ),
    # A completion stands whatever is recorded after it.
    (
        NBV,
        [done(NBV, D(2026, 3, 13)), not_brought(NBV, D(2026, 3, 20))],
        D(2026, 3, 21),
        S.DONE_ON_TIME,
        D(2026, 3, 13),
    ),
    # Declined: before and after the window closes.
    (NBV, [declined(NBV, D(2026, 3, 12))], D(2026, 3, 13), S.DECLINED, None),
    (NBV, [declined(NBV, D(2026, 3, 12))], D(2026, 5, 1), S.DECLINED, None),
    # The latest unsuccessful attempt decides between declined and not attended.
    (
        NBV,
        [declined(NBV, D(2026, 3, 12)), not_brought(NBV, D(2026, 3, 14), D(2026, 3, 18))],
        D(2026, 3, 15),
        S.NOT_ATTENDED_REBOOKED,
        None,
    ),
    (
        NBV,
        [not_brought(NBV, D(2026, 3, 12), D(2026, 3, 18)), declined(NBV, D(2026, 3, 14))],
        D(2026, 3, 15),
        S.DECLINED,
        None,
    ),
    # Given out of date order: the dates decide, not the order in the list.
    (
        NBV,
        [declined(NBV, D(2026, 3, 14)), not_brought(NBV, D(2026, 3, 12))],
        D(2026, 3, 15),
        S.DECLINED,
        None,
    ),
    # Two on the same day: the one given last is the latest.
    (
        NBV,
        [not_brought(NBV, D(2026, 3, 12)), declined(NBV, D(2026, 3, 12))],
        D(2026, 3, 13),
        S.DECLINED,
        None,
    ),
    # Cancelled appointments are ignored, alone or after a non-attendance.
    (NBV, [cancelled(NBV, D(2026, 3, 12))], D(2026, 3, 13), S.DUE, None),
    (
        NBV,
        [not_brought(NBV, D(2026, 3, 12)), cancelled(NBV, D(2026, 3, 14))],
        D(2026, 3, 15),
        S.NOT_ATTENDED,
        None,
    ),
    # Other kinds of contact say nothing about this review.
    (NBV, [done(SIX_EIGHT, D(2026, 3, 12))], D(2026, 3, 13), S.DUE, None),
    (NBV, [done(ContactKind.OTHER, D(2026, 3, 12))], D(2026, 3, 16), S.OVERDUE, None),
    # A contact dated after "today" has not happened yet on that day.
    (NBV, [done(NBV, D(2026, 3, 14))], D(2026, 3, 13), S.DUE, None),
]


@pytest.mark.parametrize(("kind", "attempts", "today", "status", "completed_on"), STATUS_GOLDEN)
def test_review_status_golden(
    kind: ContactKind,
    attempts: list[ReviewAttempt],
    today: dt.date,
    status: ReviewStatus,
    completed_on: dt.date | None,
) -> None:
    assert review_status(WINDOWS[kind], attempts, today) is status
    (scheduled,) = [r for r in child_schedule(BORN, attempts, today) if r.kind is kind]
    assert scheduled == ScheduledReview(
        WINDOWS[kind], status, completed_on, (WINDOWS[kind].target_by - today).days
    )


EDD = D(2026, 3, 1)  # antenatal review opens 7 Dec 2025 (28+0)


@pytest.mark.parametrize(
    ("attempts", "today", "status", "completed_on"),
    [
        # Seen at 27+6: the national metric counts contacts at 28 weeks or more only,
        # so the review is still due.
        ([done(ANTENATAL, D(2025, 12, 6))], D(2025, 12, 10), S.DUE, None),
        # ... and once seen at 28+0 it is done on time.
        (
            [done(ANTENATAL, D(2025, 12, 6)), done(ANTENATAL, D(2025, 12, 7))],
            D(2025, 12, 10),
            S.DONE_ON_TIME,
            D(2025, 12, 7),
        ),
        # Not at home at 29 weeks, rebooked for 31 weeks.
        (
            [not_brought(ANTENATAL, D(2025, 12, 14), D(2025, 12, 28))],
            D(2025, 12, 20),
            S.NOT_ATTENDED_REBOOKED,
            None,
        ),
        # Unborn, past the EDD with no review: the window has closed.
        ([], D(2026, 3, 2), S.MISSED, None),
        ([], D(2025, 12, 6), S.NOT_YET_DUE, None),
    ],
)
def test_pregnancy_schedule_golden(
    attempts: list[ReviewAttempt],
    today: dt.date,
    status: ReviewStatus,
    completed_on: dt.date | None,
) -> None:
    (antenatal,) = pregnancy_schedule(EDD, attempts, today)
    assert antenatal.kind is ANTENATAL
    assert (antenatal.status, antenatal.completed_on) == (status, completed_on)


def test_child_schedule_puts_the_antenatal_review_first() -> None:
    reviews = child_schedule(
        BORN,
        [done(ANTENATAL, D(2026, 1, 10)), done(NBV, D(2026, 3, 12))],
        D(2026, 3, 20),
        estimated_delivery_date=D(2026, 3, 5),
    )
    assert [(r.kind, r.status, r.completed_on, r.days_to_target) for r in reviews] == [
        (ANTENATAL, S.DONE_ON_TIME, D(2026, 1, 10), -19),  # target the birth, 1 March
        (NBV, S.DONE_ON_TIME, D(2026, 3, 12), -5),  # target 15 March
        (SIX_EIGHT, S.NOT_YET_DUE, None, 37),  # target 26 April
        (ONE_YEAR, S.NOT_YET_DUE, None, 346),  # target 1 March 2027
        (TWO_YEAR, S.NOT_YET_DUE, None, 896),  # target 1 September 2028
    ]
    assert [r.kind for r in child_schedule(BORN, [], D(2026, 3, 20))] == [
        NBV,
        SIX_EIGHT,
        ONE_YEAR,
        TWO_YEAR,
    ]


# --- Properties ---------------------------------------------------------------------

_DATE_ORDER = [S.NOT_YET_DUE, S.DUE, S.OVERDUE, S.MISSED]


@given(
    born=st.dates(D(1990, 1, 1), D(2100, 12, 31)),
    days=st.lists(st.integers(-100, 40 * 31), min_size=2, max_size=12),
    gestation_days=st.integers(22 * 7, 44 * 7 + 6),
)
def test_windows_are_ordered_and_statuses_only_move_forward(
    born: dt.date, days: list[int], gestation_days: int
) -> None:
    estimated_delivery = born + dt.timedelta(days=280 - gestation_days)
    windows = [antenatal_window(estimated_delivery, born), *child_review_windows(born)]
    for window in windows:
        assert window.opens <= window.target_by <= window.closes
    # Each review opens no earlier than the one before it.
    assert all(a.opens <= b.opens for a, b in itertools.pairwise(windows))
    for window in windows:
        statuses = [
            review_status(window, [], born + dt.timedelta(days=offset)) for offset in sorted(days)
        ]
        ranks = [_DATE_ORDER.index(status) for status in statuses]
        assert ranks == sorted(ranks), (window, statuses)
        if window.closes == window.target_by:
            assert S.OVERDUE not in statuses  # no late window, never overdue


# --- The caseload's next review (issue 4) ---------------------------------------


def test_the_most_urgent_open_review_is_first_by_status_then_by_target() -> None:
    born = dt.date(2026, 9, 1)
    # 3 Nov 2026 is day 63: the new birth visit (closed day 30) is missed, so not
    # open. The 6-8 week review was not brought on 20 Oct, rebooked for 10 Nov:
    # "not brought, rebooked" comes before the 1 year review's "not yet due".
    attempts = [
        ReviewAttempt(
            ContactKind.SIX_TO_EIGHT_WEEK,
            dt.date(2026, 10, 20),
            ContactOutcome.NOT_ATTENDED,
            dt.date(2026, 11, 10),
        )
    ]
    schedule = child_schedule(born, attempts, dt.date(2026, 11, 3))
    urgent = most_urgent_open(schedule)
    assert urgent is not None
    assert (urgent.kind, urgent.status) == (
        ContactKind.SIX_TO_EIGHT_WEEK,
        ReviewStatus.NOT_ATTENDED_REBOOKED,
    )
    # Nothing rebooked: with nothing recorded, the earliest not-yet-due review is next.
    quiet = most_urgent_open(child_schedule(born, [], dt.date(2026, 11, 3)))
    assert quiet is not None
    assert (quiet.kind, quiet.status) == (ContactKind.ONE_YEAR, ReviewStatus.NOT_YET_DUE)
    # Every review done or closed: nothing open.
    assert most_urgent_open(child_schedule(dt.date(2020, 1, 1), [], dt.date(2026, 11, 3))) is None


# --- Kept windows and sorted attempts (issue 10) -----------------------------------


def test_a_callers_windows_are_its_own_though_kept_for_each_date_of_birth() -> None:
    born = D(2024, 1, 31)
    first = child_review_windows(born)
    first.clear()  # the caller's list: the kept windows are not touched
    child_schedule(born, [], D(2024, 12, 1), estimated_delivery_date=D(2024, 2, 7))
    again = child_review_windows(born)
    assert [w.kind for w in again] == [NBV, SIX_EIGHT, ONE_YEAR, TWO_YEAR]
    assert (again[2].opens, again[2].target_by, again[2].closes) == (
        D(2024, 10, 31),
        D(2025, 1, 31),
        D(2025, 4, 30),  # 31 Jan + 15 months: the end of the shorter month
    )


@given(
    born=st.dates(min_value=D(2019, 1, 1), max_value=D(2026, 12, 31)),
    today=st.dates(min_value=D(2019, 1, 1), max_value=D(2031, 12, 31)),
    attempts=st.lists(
        st.builds(
            ReviewAttempt,
            kind=st.sampled_from(list(ContactKind)),
            contact_date=st.dates(min_value=D(2019, 1, 1), max_value=D(2031, 12, 31)),
            outcome=st.sampled_from(list(ContactOutcome)),
            rebooked_for=st.none() | st.dates(min_value=D(2019, 1, 1), max_value=D(2031, 12, 31)),
        ),
        max_size=8,
    ),
)
def test_each_review_in_a_schedule_stands_as_review_status_says(
    born: dt.date, today: dt.date, attempts: list[ReviewAttempt]
) -> None:
    """``child_schedule`` sorts the attempts by kind once, and skips that with none;
    each review still stands exactly as ``review_status`` reads all the attempts."""
    schedule = child_schedule(born, attempts, today)
    assert [r.window for r in schedule] == child_review_windows(born)
    for review in schedule:
        assert review.status is review_status(review.window, attempts, today)
        assert review.days_to_target == (review.window.target_by - today).days
