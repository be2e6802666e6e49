"""How ages are said on screen (issue 4: weeks under 1 year, months after)."""

from __future__ import annotations

import datetime as dt

import pytest

from healthvisitor.domain.ages import age_text, completed_months, gestation_text


@pytest.mark.parametrize(
    ("born", "today", "expected"),
    [
        (dt.date(2026, 11, 20), dt.date(2026, 11, 24), "4 days"),
        (dt.date(2026, 11, 23), dt.date(2026, 11, 24), "1 day"),
        (dt.date(2026, 10, 1), dt.date(2026, 11, 24), "7 weeks"),
        (dt.date(2025, 11, 25), dt.date(2026, 11, 24), "52 weeks"),
        (dt.date(2025, 11, 24), dt.date(2026, 11, 24), "12 months"),
        (dt.date(2024, 12, 1), dt.date(2026, 11, 24), "23 months"),
        (dt.date(2024, 9, 24), dt.date(2026, 11, 24), "2 y 2 m"),
        (dt.date(2022, 11, 24), dt.date(2026, 11, 24), "4 y"),
    ],
)
def test_age_text(born: dt.date, today: dt.date, expected: str) -> None:
    assert age_text(born, today) == expected


def test_month_end_birth_completes_a_month_at_the_shorter_month_end() -> None:
    assert completed_months(dt.date(2024, 1, 31), dt.date(2024, 2, 28)) == 0
    assert completed_months(dt.date(2024, 1, 31), dt.date(2024, 2, 29)) == 1
    assert completed_months(dt.date(2023, 1, 31), dt.date(2023, 2, 28)) == 1


@pytest.mark.parametrize(
    ("edd", "today", "expected"),
    [
        # 40+0 on the EDD; 28+0 twelve weeks (84 days) before it (schedule.py's window).
        (dt.date(2027, 2, 1), dt.date(2027, 2, 1), "40+0 weeks"),
        (dt.date(2027, 2, 1), dt.date(2026, 11, 9), "28+0 weeks"),
        (dt.date(2027, 2, 1), dt.date(2026, 11, 24), "30+1 weeks"),
        (dt.date(2026, 12, 20), dt.date(2026, 11, 24), "36+2 weeks"),
        (dt.date(2026, 11, 20), dt.date(2026, 11, 24), "40+4 weeks"),
    ],
)
def test_gestation_text(edd: dt.date, today: dt.date, expected: str) -> None:
    assert gestation_text(edd, today) == expected
