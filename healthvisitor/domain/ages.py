"""How a child's age is said: weeks under 1 year, then months, then years and months."""

from __future__ import annotations

import datetime as dt

from healthvisitor.domain.schedule import add_months


def completed_months(date_of_birth: dt.date, today: dt.date) -> int:
    """Whole calendar months since birth (a 31 Jan birth is 1 month on 28/29 Feb)."""
    months = (today.year - date_of_birth.year) * 12 + (today.month - date_of_birth.month)
    if months > 0 and add_months(date_of_birth, months) > today:
        months -= 1
    return max(months, 0)


def age_text(date_of_birth: dt.date, today: dt.date) -> str:
    """Age as health visitors say it (issue 4: weeks under 1 year, months after).

    Under 2 weeks in days, under 1 year in completed weeks, from 1 to 2 years
    in months, from 2 years in years and months: "9 days", "34 weeks",
    "18 months", "3 y 2 m".
    """
    if today < date_of_birth:
        return "unborn"
    days = (today - date_of_birth).days
    months = completed_months(date_of_birth, today)
    if days < 14:
        return f"{days} day{'s' if days != 1 else ''}"
    if months < 12:
        return f"{days // 7} weeks"
    if months < 24:
        return f"{months} months"
    years, rest = divmod(months, 12)
    return f"{years} y {rest} m" if rest else f"{years} y"
