"""When each Healthy Child Programme mandated review is due (pure rules).

Windows follow issue 3 and the national metrics (OHID, "Health visitor
service delivery metrics, 2024 to 2025"; DOMAIN.md). Day 0 is the date of
birth. "By N days" means on or before date of birth + N days; "by N months"
means on or before the date N calendar months after birth, a month-end birth
clamping to the last day of the shorter month (31 Jan + 1 month = 28/29 Feb).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from healthvisitor.domain.enums import ContactKind

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

    def day(n: int) -> dt.date:
        return date_of_birth + dt.timedelta(days=n)

    def month(n: int) -> dt.date:
        return add_months(date_of_birth, n)

    return [
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
    ]
