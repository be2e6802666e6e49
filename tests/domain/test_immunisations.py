"""The routine immunisation schedule as data by birth cohort, and what is due (issue 6).

Expected values from UKHSA's Green Book chapter 11 and its 2025-26 changes
(DOMAIN.md, "The red book"): MenB at 8 and 12 weeks and PCV at 16 weeks from
1 July 2025; no Hib/MenC and a new 18-month appointment for children born on or
after 1 July 2024; MMRV for children born on or after 1 January 2025.
"""

from __future__ import annotations

import datetime as dt

import pytest

from healthvisitor.domain.immunisations import (
    COHORTS,
    OVERDUE_AFTER_DAYS,
    VACCINES,
    DoseStatus,
    PlannedDose,
    cohort_for,
    immunisation_plan,
)


def _by_appointment(date_of_birth: dt.date) -> dict[str, set[tuple[str, int]]]:
    table: dict[str, set[tuple[str, int]]] = {}
    for dose in cohort_for(date_of_birth).doses:
        table.setdefault(dose.appointment, set()).add((dose.vaccine, dose.dose))
    return table


def test_every_date_of_birth_falls_in_exactly_one_cohort() -> None:
    day = dt.date(2019, 1, 1)
    while day < dt.date(2031, 1, 1):
        assert sum(c.applies_to(day) for c in COHORTS) == 1, day
        day += dt.timedelta(days=1)


def test_every_scheduled_vaccine_is_in_the_table_and_every_cohort_cites_its_source() -> None:
    for cohort in COHORTS:
        assert "Green Book" in cohort.source
        for dose in cohort.doses:
            assert dose.vaccine in VACCINES


def test_child_born_before_july_2024_keeps_the_old_schedule() -> None:
    table = _by_appointment(dt.date(2024, 3, 1))
    assert table["8 weeks"] == {("dtap_ipv_hib_hepb", 1), ("menb", 1), ("rotavirus", 1)}
    assert table["12 weeks"] == {("dtap_ipv_hib_hepb", 2), ("pcv", 1), ("rotavirus", 2)}
    assert table["16 weeks"] == {("dtap_ipv_hib_hepb", 3), ("menb", 2)}
    assert table["1 year"] == {("hib_menc", 1), ("pcv", 2), ("menb", 3), ("mmr", 1)}
    assert "18 months" not in table
    assert table["3 years 4 months"] == {("dtap_ipv", 1), ("mmr", 2)}


def test_child_born_in_autumn_2024_has_the_18_month_appointment_without_hib_menc() -> None:
    table = _by_appointment(dt.date(2024, 9, 15))
    assert ("hib_menc", 1) not in table["1 year"]
    assert table["1 year"] == {("pcv", 2), ("menb", 3), ("mmr", 1)}
    assert table["18 months"] == {("dtap_ipv_hib_hepb", 4), ("mmrv", 2)}
    assert table["3 years 4 months"] == {("dtap_ipv", 1)}


def test_child_born_in_2025_has_mmrv_and_babies_from_april_2025_the_new_primary_doses() -> None:
    early = _by_appointment(dt.date(2025, 2, 1))
    assert early["1 year"] == {("pcv", 2), ("menb", 3), ("mmrv", 1)}
    assert ("pcv", 1) in early["12 weeks"]
    late = _by_appointment(dt.date(2025, 9, 1))
    assert late["12 weeks"] == {("dtap_ipv_hib_hepb", 2), ("menb", 2), ("rotavirus", 2)}
    assert late["16 weeks"] == {("dtap_ipv_hib_hepb", 3), ("pcv", 1)}
    assert late["18 months"] == {("dtap_ipv_hib_hepb", 4), ("mmrv", 2)}


BORN = dt.date(2026, 1, 10)


def _status(plan: tuple[PlannedDose, ...], vaccine: str, dose: int) -> DoseStatus:
    wanted = (vaccine, dose)
    return next(p.status for p in plan if (p.scheduled.vaccine, p.scheduled.dose) == wanted)


@pytest.mark.parametrize(
    ("days_after_8_weeks", "expected"),
    [
        (-1, DoseStatus.NOT_YET_DUE),
        (0, DoseStatus.DUE),
        (OVERDUE_AFTER_DAYS, DoseStatus.DUE),
        (OVERDUE_AFTER_DAYS + 1, DoseStatus.OVERDUE),
    ],
)
def test_due_and_overdue_from_date_of_birth_and_today(
    days_after_8_weeks: int, expected: DoseStatus
) -> None:
    today = BORN + dt.timedelta(weeks=8, days=days_after_8_weeks)
    plan = immunisation_plan(BORN, [], today)
    assert _status(plan, "dtap_ipv_hib_hepb", 1) is expected
    assert plan[0].due_on == dt.date(2026, 3, 7)


def test_a_dose_on_record_is_given_whatever_the_date() -> None:
    today = dt.date(2026, 11, 24)
    given = [("dtap_ipv_hib_hepb", 1, dt.date(2026, 3, 9)), ("menb", 1, dt.date(2026, 3, 9))]
    plan = immunisation_plan(BORN, given, today)
    assert _status(plan, "dtap_ipv_hib_hepb", 1) is DoseStatus.GIVEN
    assert _status(plan, "menb", 1) is DoseStatus.GIVEN
    assert _status(plan, "dtap_ipv_hib_hepb", 2) is DoseStatus.OVERDUE
    # Rotavirus is not given after 15 / 24 weeks (Green Book chapter 27b).
    assert _status(plan, "rotavirus", 1) is DoseStatus.TOO_LATE
    assert _status(plan, "rotavirus", 2) is DoseStatus.TOO_LATE
    # The 1 year doses are due from the first birthday (months, not 52 weeks).
    assert next(p for p in plan if p.scheduled.vaccine == "mmrv").due_on == dt.date(2027, 1, 10)
    assert _status(plan, "mmrv", 1) is DoseStatus.NOT_YET_DUE
