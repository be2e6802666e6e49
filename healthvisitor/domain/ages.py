"""How a child's age is said (weeks under 1 year, then months, then years and months),
and how far on a pregnancy is (weeks+days of gestation)."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from healthvisitor.domain.schedule import add_months

#: The estimated date of delivery is 40+0 weeks of gestation (280 days), the
#: convention every dating scan and the antenatal window use (schedule.py).
EDD_GESTATION_DAYS = 280


def completed_months(date_of_birth: dt.date, today: dt.date) -> int:
    """Whole calendar months since birth (a 31 Jan birth is 1 month on 28/29 Feb)."""
    months = (today.year - date_of_birth.year) * 12 + (today.month - date_of_birth.month)
    if months > 0 and add_months(date_of_birth, months) > today:
        months -= 1
    return max(months, 0)


#: A caseload says about 400 ages, a board's waiting list and a handover hundreds
#: more, of a few hundred dates of birth on one day: each worked out once (issue 10).
@lru_cache(maxsize=4096)
def age_text(date_of_birth: dt.date, today: dt.date) -> str:
    """Age as health visitors say it (issue 4: weeks under 1 year, months after).

    Under 2 weeks in days, under 1 year in completed weeks, from 1 to 2 years
    in months, from 2 years in years and months: "9 days", "34 weeks",
    "18 months", "3 y 2 m".
    """
    if today < date_of_birth:
        return "unborn"
    return age_words_from(
        days=(today - date_of_birth).days, months=completed_months(date_of_birth, today)
    )


def age_words_from(*, days: int, months: int) -> str:
    """The wording of ``age_text`` from whole days and completed months since birth."""
    if days < 14:
        return f"{days} day{'s' if days != 1 else ''}"
    if months < 12:
        return f"{days // 7} weeks"
    if months < 24:
        return f"{months} months"
    years, rest = divmod(months, 12)
    return f"{years} y {rest} m" if rest else f"{years} y"


def gestation_text(estimated_delivery_date: dt.date, today: dt.date) -> str:
    """How far on the pregnancy is today, as midwives write it: "31+2 weeks".

    Counted back from the EDD (40+0); past the EDD it keeps counting ("41+3
    weeks"), which is what a health visitor needs to see for an overdue birth.
    """
    days = max(EDD_GESTATION_DAYS - (estimated_delivery_date - today).days, 0)
    weeks, rest = divmod(days, 7)
    return f"{weeks}+{rest} weeks"
