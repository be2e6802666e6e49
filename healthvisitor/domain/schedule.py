"""When each Healthy Child Programme mandated review is due (pure rules).

Windows follow issue 3 and the national metrics (OHID, "Health visitor
service delivery metrics, 2024 to 2025"; DOMAIN.md). Day 0 is the date of
birth. "By N days" means on or before date of birth + N days; "by N months"
means on or before the date N calendar months after birth, a month-end birth
clamping to the last day of the shorter month (31 Jan + 1 month = 28/29 Feb).

Windows count from the date of birth for every baby, preterm or not: the
national metrics take their cohorts by chronological age ("infants who turned
8 weeks in the quarter", with birth-date ranges per quarter: LG Inform metric
4221), never by corrected age, which is for plotting growth only.

``review_status`` and the ``*_schedule`` functions say where each review stands
on a given day (issue 3): not yet due, due, overdue, done on time, done late,
missed, declined, not attended (rebooked or not). ``today`` is always passed
in. ``review_status`` documents the precise rules.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from healthvisitor.domain.enums import ContactKind, ContactOutcome, ReviewStatus

#: Antenatal review opens at 28+0 weeks of pregnancy: 12 weeks (84 days)
#: before the estimated date of delivery (40+0).
ANTENATAL_OPENS_DAYS_BEFORE_EDD = 84
#: New birth visit: opens day 10, target by day 14, counted late to day 30.
NEW_BIRTH_VISIT_OPENS_DAY = 10
NEW_BIRTH_VISIT_TARGET_DAY = 14
NEW_BIRTH_VISIT_CLOSES_DAY = 30
#: 6-8 week review: opens at 6 weeks, target by 8 weeks, no late window.
SIX_TO_EIGHT_WEEK_OPENS_DAY = 42
SIX_TO_EIGHT_WEEK_TARGET_DAY = 56
#: 1 year review: opens 9 months, target by 12 months, counted late to 15 months.
ONE_YEAR_OPENS_MONTHS = 9
ONE_YEAR_TARGET_MONTHS = 12
ONE_YEAR_CLOSES_MONTHS = 15
#: 2-2½ year review: opens 24 months, target by 30 months, no late window.
TWO_YEAR_OPENS_MONTHS = 24
TWO_YEAR_TARGET_MONTHS = 30


def add_months(start: dt.date, months: int) -> dt.date:
    """The same day ``months`` calendar months later, clamped to the month's end."""
    month_index = start.month - 1 + months
    year = start.year + month_index // 12
    month = month_index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return dt.date(year, month, day)


@dataclass(frozen=True)
class ReviewWindow:
    """When a review opens, its national target date, and the end of its late window.

    ``closes`` equals ``target_by`` where there is no late window.
    """

    kind: ContactKind
    opens: dt.date
    target_by: dt.date
    closes: dt.date

    def contains(self, day: dt.date) -> bool:
        return self.opens <= day <= self.closes


def antenatal_window(
    estimated_delivery_date: dt.date, date_of_birth: dt.date | None = None
) -> ReviewWindow:
    """Antenatal review: from 28+0 weeks, target by birth (or the EDD while unborn)."""
    target = date_of_birth or estimated_delivery_date
    opens = estimated_delivery_date - dt.timedelta(days=ANTENATAL_OPENS_DAYS_BEFORE_EDD)
    return ReviewWindow(ContactKind.ANTENATAL, min(opens, target), target, target)


def child_review_windows(date_of_birth: dt.date) -> list[ReviewWindow]:
    """The four mandated reviews after birth, in order."""
    return list(_child_review_windows(date_of_birth))


#: Dates of birth whose windows are kept (issue 10: a caseload or a team's board
#: works out the same few hundred dates again on every opening; a child under 5
#: has one of about 1,830, and the board's bisection asks a few dozen more).
_WINDOWS_KEPT = 4096


@lru_cache(maxsize=_WINDOWS_KEPT)
def _child_review_windows(date_of_birth: dt.date) -> tuple[ReviewWindow, ...]:
    """``child_review_windows``, worked out once for each date of birth: the windows
    are frozen, and their calendar arithmetic was most of a child's schedule."""

    def day(n: int) -> dt.date:
        return date_of_birth + dt.timedelta(days=n)

    def month(n: int) -> dt.date:
        return add_months(date_of_birth, n)

    return (
        ReviewWindow(
            ContactKind.NEW_BIRTH_VISIT,
            day(NEW_BIRTH_VISIT_OPENS_DAY),
            day(NEW_BIRTH_VISIT_TARGET_DAY),
            day(NEW_BIRTH_VISIT_CLOSES_DAY),
        ),
        ReviewWindow(
            ContactKind.SIX_TO_EIGHT_WEEK,
            day(SIX_TO_EIGHT_WEEK_OPENS_DAY),
            day(SIX_TO_EIGHT_WEEK_TARGET_DAY),
            day(SIX_TO_EIGHT_WEEK_TARGET_DAY),
        ),
        ReviewWindow(
            ContactKind.ONE_YEAR,
            month(ONE_YEAR_OPENS_MONTHS),
            month(ONE_YEAR_TARGET_MONTHS),
            month(ONE_YEAR_CLOSES_MONTHS),
        ),
        ReviewWindow(
            ContactKind.TWO_YEAR,
            month(TWO_YEAR_OPENS_MONTHS),
            month(TWO_YEAR_TARGET_MONTHS),
            month(TWO_YEAR_TARGET_MONTHS),
        ),
    )


# --- Where each review stands -------------------------------------------------

#: Reviews whose completion counts only on or after the day the window opens.
#: The national metric counts "the first face-to-face antenatal contact at 28
#: weeks or more" (OHID, "Health visitor service delivery metrics, 2024 to
#: 2025"; DOMAIN.md), so a contact at 27+6 is not the antenatal health
#: promoting review and the mother is still due one. The reviews after birth
#: are counted "by N days/weeks/months" with no lower bound (same source), so
#: an early one still counts (see ``review_status``).
COUNTED_ONLY_FROM_OPENING = frozenset({ContactKind.ANTENATAL})


@dataclass(frozen=True)
class ReviewAttempt:
    """What was recorded for a review: one contact of that kind.

    ``rebooked_for`` is the next planned contact when the child was not
    brought (or the family was not at home).
    """

    kind: ContactKind
    contact_date: dt.date
    outcome: ContactOutcome
    rebooked_for: dt.date | None = None


@dataclass(frozen=True)
class ScheduledReview:
    """One mandated review of one child or pregnancy, as it stands on a given day.

    ``completed_on`` is the date of the contact that completed the review
    (``None`` until then); ``days_to_target`` counts the days from the day the
    schedule was made for to ``window.target_by``: negative once it has passed.
    """

    window: ReviewWindow
    status: ReviewStatus
    completed_on: dt.date | None
    days_to_target: int

    @property
    def kind(self) -> ContactKind:
        return self.window.kind


def _attempts_by(
    window: ReviewWindow, attempts: Sequence[ReviewAttempt], today: dt.date
) -> list[ReviewAttempt]:
    """This review's attempts that had happened by ``today``, oldest first.

    Other kinds of contact and cancelled appointments say nothing about the
    review. Contacts dated after ``today`` have not happened yet as far as
    that day is concerned, so the schedule can be replayed as at any date
    (a quarter's end, say). Attempts on the same day keep the order given.
    """
    mine = [
        attempt
        for attempt in attempts
        if attempt.kind is window.kind
        and attempt.outcome is not ContactOutcome.CANCELLED
        and attempt.contact_date <= today
    ]
    return sorted(mine, key=lambda attempt: attempt.contact_date)


def _completion(window: ReviewWindow, attempts: Sequence[ReviewAttempt]) -> dt.date | None:
    """The day the review was first completed, if it has been."""
    return min(
        (
            attempt.contact_date
            for attempt in attempts
            if attempt.outcome is ContactOutcome.COMPLETED
            and not (
                window.kind in COUNTED_ONLY_FROM_OPENING and attempt.contact_date < window.opens
            )
        ),
        default=None,
    )


def _status_from_dates(window: ReviewWindow, today: dt.date) -> ReviewStatus:
    if today < window.opens:
        return ReviewStatus.NOT_YET_DUE
    if today <= window.target_by:
        return ReviewStatus.DUE
    if today <= window.closes:
        return ReviewStatus.OVERDUE
    return ReviewStatus.MISSED


def _assess(
    window: ReviewWindow, attempts: Sequence[ReviewAttempt], today: dt.date
) -> tuple[ReviewStatus, dt.date | None]:
    happened = _attempts_by(window, attempts, today)
    completed_on = _completion(window, happened)
    if completed_on is not None:
        on_time = completed_on <= window.target_by
        return (ReviewStatus.DONE_ON_TIME if on_time else ReviewStatus.DONE_LATE), completed_on
    # Completed contacts left here are antenatal contacts before 28 weeks:
    # they neither complete the review nor stand as a refusal or non-attendance.
    unsuccessful = [a for a in happened if a.outcome is not ContactOutcome.COMPLETED]
    if not unsuccessful:
        return _status_from_dates(window, today), None
    latest = unsuccessful[-1]
    if latest.outcome is ContactOutcome.DECLINED:
        return ReviewStatus.DECLINED, None
    if latest.rebooked_for is not None and latest.rebooked_for >= today:
        return ReviewStatus.NOT_ATTENDED_REBOOKED, None
    return ReviewStatus.NOT_ATTENDED, None


def review_status(
    window: ReviewWindow, attempts: Sequence[ReviewAttempt], today: dt.date
) -> ReviewStatus:
    """Where one review stands on ``today`` (issue 3), from its window and what was recorded.

    Only ``attempts`` of the window's kind, not cancelled, dated on or before
    ``today`` count. In order of precedence:

    1. **Completed.** The first completed contact completes the review, and
       nothing recorded after it undoes that. On or before ``target_by`` it is
       *done on time*; after it, *done late*. Early counts as on time:

       - a new birth visit before day 10 (issue 3 says so);
       - any review after birth done before its window opens, because the
         national metrics count "reviewed by 8 weeks / 12 months / 2½ years"
         with no lower bound (DOMAIN.md), and a health visitor who saw the
         family must not be sent back for a duplicate review;
       - but not the antenatal review: a contact before 28+0 weeks is not
         counted nationally (``COUNTED_ONLY_FROM_OPENING``), so it does not
         complete the review and the mother is still due one.

       A review completed after ``target_by`` is *done late* however late,
       even after ``closes``, including the 6-8 week and 2-2½ year reviews
       that have no late window: "missed" means no review happened (issue 3),
       and the child was reviewed. The KPI counts (within 14 days, by 15
       months) are read from ``completed_on``, not from this status.
    2. **Declined.** If the latest unsuccessful attempt was declined, the
       review is *declined*, before, during or after its window: the family's
       choice is more use to the health visitor than "missed".
    3. **Not attended.** If the latest unsuccessful attempt was not attended
       (never a completion, issue 3), it is *not attended, rebooked* while
       ``rebooked_for`` is today or later, and *not attended* (not rebooked)
       when there is no rebooking or the rebooked day has passed with nothing
       recorded: either way someone has to find out what happened and book
       again, and that status sorts as more urgent. It stays so after the
       window closes rather than turning into *missed*, because a child who
       was not brought and never seen is a safeguarding signal (DOMAIN.md,
       "Was not brought") that must not sink to the bottom of the caseload.
    4. **From the dates alone** (nothing recorded): before ``opens`` *not yet
       due*; ``opens`` to ``target_by`` *due*; after ``target_by`` up to
       ``closes`` *overdue* (only the new birth visit and the 1 year review
       have such a late window); after ``closes`` *missed*.
    """
    return _assess(window, attempts, today)[0]


def _scheduled(
    window: ReviewWindow, attempts: Sequence[ReviewAttempt], today: dt.date
) -> ScheduledReview:
    status, completed_on = _assess(window, attempts, today)
    return ScheduledReview(window, status, completed_on, (window.target_by - today).days)


def child_schedule(
    date_of_birth: dt.date,
    attempts: Sequence[ReviewAttempt],
    today: dt.date,
    *,
    estimated_delivery_date: dt.date | None = None,
) -> list[ScheduledReview]:
    """A born child's mandated reviews as they stand on ``today``, in order.

    With the pregnancy's ``estimated_delivery_date`` the antenatal review comes
    first, its target the date of birth. Windows count from the date of birth
    for every baby, preterm ones included (see ``child_review_windows``).
    """
    windows = _child_review_windows(date_of_birth)
    if estimated_delivery_date is not None:
        windows = (antenatal_window(estimated_delivery_date, date_of_birth), *windows)
    if not attempts:  # nothing recorded: each review stands by its dates alone (``_assess``)
        return [
            ScheduledReview(w, _status_from_dates(w, today), None, (w.target_by - today).days)
            for w in windows
        ]
    # Each review looks only at its own kind's attempts (``_attempts_by``): sorted
    # out once here rather than once a review (issue 10).
    by_kind: dict[ContactKind, list[ReviewAttempt]] = {}
    for attempt in attempts:
        by_kind.setdefault(attempt.kind, []).append(attempt)
    return [_scheduled(window, by_kind.get(window.kind, ()), today) for window in windows]


def pregnancy_schedule(
    estimated_delivery_date: dt.date, attempts: Sequence[ReviewAttempt], today: dt.date
) -> list[ScheduledReview]:
    """An unborn baby's mandated reviews on ``today``: the antenatal review only.

    Its target is the estimated date of delivery until the birth is recorded;
    then use ``child_schedule`` with the date of birth.
    """
    return [_scheduled(antenatal_window(estimated_delivery_date), attempts, today)]


# --- The caseload's worklist (issue 4) -------------------------------------------

#: Statuses of a review still to do, most urgent first (``ReviewStatus`` order).
#: Declined and missed reviews are not open: the family said no, or the window
#: has closed with nothing to book.
OPEN_STATUSES = (
    ReviewStatus.OVERDUE,
    ReviewStatus.NOT_ATTENDED,
    ReviewStatus.DUE,
    ReviewStatus.NOT_ATTENDED_REBOOKED,
    ReviewStatus.NOT_YET_DUE,
)
#: Statuses counted as overdue on the caseload: past target with nothing done,
#: or not brought with nothing rebooked.
OVERDUE_STATUSES = frozenset({ReviewStatus.OVERDUE, ReviewStatus.NOT_ATTENDED})


def most_urgent_open(schedule: Sequence[ScheduledReview]) -> ScheduledReview | None:
    """The open review to act on first: by status urgency, then the earlier target."""
    open_reviews = [review for review in schedule if review.status in OPEN_STATUSES]
    return min(
        open_reviews,
        key=lambda review: (OPEN_STATUSES.index(review.status), review.window.target_by),
        default=None,
    )
