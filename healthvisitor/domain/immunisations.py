"""The UK routine immunisation schedule for children under 5, as data (issue 6).

Source: UKHSA, "Immunisation against infectious disease" (the Green Book),
chapter 11 "The UK immunisation schedule", and UKHSA's announcements of the
2025-26 changes (DOMAIN.md, "The red book"):

* from 1 July 2025 the second MenB dose moved from 16 to 12 weeks and the
  first PCV dose from 12 to 16 weeks;
* children born on or after 1 July 2024 no longer have Hib/MenC at 1 year:
  instead a new 18-month appointment (from January 2026) gives a fourth dose of
  the 6-in-1 vaccine and the second measles-containing dose (moved from 3 years
  4 months);
* children born on or after 1 January 2025 have MMRV (measles, mumps, rubella
  and varicella) instead of MMR.

The schedule is kept as data by birth cohort (``COHORTS``), never as logic:
when the schedule changes again, add a cohort. Whether a dose is due or
overdue is a pure function of the date of birth, the doses given and
``today`` (``immunisation_plan``).

Simplifications, said here so nobody mistakes them for the Green Book:

* The July 2025 primary-schedule change applied by the date of the
  appointment. We assign it by birth date: babies whose 12-week appointment fell
  on or after 1 July 2025 (born on or after 8 April 2025) are on the new
  primary schedule. For babies born around then, check UKHSA's transitional
  guidance.
* Catch-up programmes (e.g. MMRV for older children), selective programmes
  (BCG, hepatitis B for babies of positive mothers) and the annual children's
  flu vaccine are not listed: they are not on the routine "by age" schedule.
* "Overdue" is a local working rule (``OVERDUE_AFTER_DAYS``), not a national
  definition.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from healthvisitor.domain.schedule import add_months


@dataclass(frozen=True)
class Vaccine:
    code: str
    name: str
    protects_against: str


#: The vaccines on the routine schedule under 5 (Green Book chapter 11). The
#: codes are stored in ``immunisations.vaccine``: never change one.
VACCINES: dict[str, Vaccine] = {
    v.code: v
    for v in (
        Vaccine(
            "dtap_ipv_hib_hepb",
            "6-in-1 (DTaP/IPV/Hib/HepB)",
            "diphtheria, tetanus, whooping cough, polio, Hib and hepatitis B",
        ),
        Vaccine("menb", "MenB", "meningococcal group B"),
        Vaccine("rotavirus", "Rotavirus", "rotavirus gastroenteritis"),
        Vaccine("pcv", "Pneumococcal (PCV)", "pneumococcal disease"),
        Vaccine("hib_menc", "Hib/MenC", "Hib and meningococcal group C"),
        Vaccine("mmr", "MMR", "measles, mumps and rubella"),
        Vaccine("mmrv", "MMRV", "measles, mumps, rubella and chickenpox"),
        Vaccine(
            "dtap_ipv",
            "4-in-1 pre-school booster (dTaP/IPV)",
            "diphtheria, tetanus, whooping cough and polio",
        ),
    )
}


@dataclass(frozen=True)
class ScheduledDose:
    """One dose at one appointment: due at ``weeks`` or ``months`` of age."""

    appointment: str
    vaccine: str  # a code in VACCINES
    dose: int
    weeks: int = 0
    months: int = 0
    #: Not given after this age in days (rotavirus: Green Book chapter 27b,
    #: first dose not after 15 weeks, second not after 24 weeks).
    latest_age_days: int | None = None

    def due_on(self, date_of_birth: dt.date) -> dt.date:
        if self.weeks:
            return date_of_birth + dt.timedelta(weeks=self.weeks)
        return add_months(date_of_birth, self.months)

    @property
    def vaccine_name(self) -> str:
        return VACCINES[self.vaccine].name


@dataclass(frozen=True)
class ScheduleCohort:
    """The routine schedule for children born in ``[born_from, born_before)``."""

    name: str
    born_from: dt.date | None
    born_before: dt.date | None
    doses: tuple[ScheduledDose, ...]
    source: str

    def applies_to(self, date_of_birth: dt.date) -> bool:
        return (self.born_from is None or date_of_birth >= self.born_from) and (
            self.born_before is None or date_of_birth < self.born_before
        )


_8W, _12W, _16W = "8 weeks", "12 weeks", "16 weeks"
_1Y, _18M, _3Y4M = "1 year", "18 months", "3 years 4 months"
_ROTA_1 = ScheduledDose(_8W, "rotavirus", 1, weeks=8, latest_age_days=15 * 7)
_ROTA_2 = ScheduledDose(_12W, "rotavirus", 2, weeks=12, latest_age_days=24 * 7)

#: Primary doses before 1 July 2025: MenB at 8 and 16 weeks, PCV at 12 weeks.
_PRIMARY_BEFORE_JULY_2025 = (
    ScheduledDose(_8W, "dtap_ipv_hib_hepb", 1, weeks=8),
    ScheduledDose(_8W, "menb", 1, weeks=8),
    _ROTA_1,
    ScheduledDose(_12W, "dtap_ipv_hib_hepb", 2, weeks=12),
    ScheduledDose(_12W, "pcv", 1, weeks=12),
    _ROTA_2,
    ScheduledDose(_16W, "dtap_ipv_hib_hepb", 3, weeks=16),
    ScheduledDose(_16W, "menb", 2, weeks=16),
)
#: Primary doses from 1 July 2025: MenB at 8 and 12 weeks, PCV at 16 weeks.
_PRIMARY_FROM_JULY_2025 = (
    ScheduledDose(_8W, "dtap_ipv_hib_hepb", 1, weeks=8),
    ScheduledDose(_8W, "menb", 1, weeks=8),
    _ROTA_1,
    ScheduledDose(_12W, "dtap_ipv_hib_hepb", 2, weeks=12),
    ScheduledDose(_12W, "menb", 2, weeks=12),
    _ROTA_2,
    ScheduledDose(_16W, "dtap_ipv_hib_hepb", 3, weeks=16),
    ScheduledDose(_16W, "pcv", 1, weeks=16),
)
_BOOSTERS_1Y = (
    ScheduledDose(_1Y, "pcv", 2, months=12),
    ScheduledDose(_1Y, "menb", 3, months=12),
)
_PRE_SCHOOL = ScheduledDose(_3Y4M, "dtap_ipv", 1, months=40)

_GREEN_BOOK = "UKHSA Green Book chapter 11, the UK immunisation schedule"

#: Oldest first; exactly one cohort applies to any date of birth (a test checks).
COHORTS: tuple[ScheduleCohort, ...] = (
    ScheduleCohort(
        "Born before 1 July 2024",
        None,
        dt.date(2024, 7, 1),
        (
            *_PRIMARY_BEFORE_JULY_2025,
            *_BOOSTERS_1Y,
            ScheduledDose(_1Y, "hib_menc", 1, months=12),
            ScheduledDose(_1Y, "mmr", 1, months=12),
            _PRE_SCHOOL,
            ScheduledDose(_3Y4M, "mmr", 2, months=40),
        ),
        _GREEN_BOOK,
    ),
    ScheduleCohort(
        "Born 1 July 2024 to 31 December 2024",
        dt.date(2024, 7, 1),
        dt.date(2025, 1, 1),
        (
            *_PRIMARY_BEFORE_JULY_2025,
            *_BOOSTERS_1Y,
            ScheduledDose(_1Y, "mmr", 1, months=12),
            ScheduledDose(_18M, "dtap_ipv_hib_hepb", 4, months=18),
            ScheduledDose(_18M, "mmrv", 2, months=18),
            _PRE_SCHOOL,
        ),
        f"{_GREEN_BOOK}; UKHSA: 18-month appointment from January 2026",
    ),
    ScheduleCohort(
        "Born 1 January 2025 to 7 April 2025",
        dt.date(2025, 1, 1),
        dt.date(2025, 4, 8),
        (
            *_PRIMARY_BEFORE_JULY_2025,
            *_BOOSTERS_1Y,
            ScheduledDose(_1Y, "mmrv", 1, months=12),
            ScheduledDose(_18M, "dtap_ipv_hib_hepb", 4, months=18),
            ScheduledDose(_18M, "mmrv", 2, months=18),
            _PRE_SCHOOL,
        ),
        f"{_GREEN_BOOK}; UKHSA: MMRV from January 2026",
    ),
    ScheduleCohort(
        "Born on or after 8 April 2025",
        dt.date(2025, 4, 8),
        None,
        (
            *_PRIMARY_FROM_JULY_2025,
            *_BOOSTERS_1Y,
            ScheduledDose(_1Y, "mmrv", 1, months=12),
            ScheduledDose(_18M, "dtap_ipv_hib_hepb", 4, months=18),
            ScheduledDose(_18M, "mmrv", 2, months=18),
            _PRE_SCHOOL,
        ),
        f"{_GREEN_BOOK}; UKHSA: primary schedule changes from 1 July 2025",
    ),
)

#: Local working rule (not national): a dose not given 28 days after it was
#: due is shown as overdue, so a missed appointment shows before the next one.
OVERDUE_AFTER_DAYS = 28

#: Doses are recorded up to the fifth birthday: older children are school nursing's.
OLDEST_AGE_MONTHS = 60


class DoseStatus(StrEnum):
    GIVEN = "Given"
    NOT_YET_DUE = "Not yet due"
    DUE = "Due"
    OVERDUE = "Overdue"
    #: Past the latest age it may be given (rotavirus): not offered any more.
    TOO_LATE = "No longer offered at this age"


@dataclass(frozen=True)
class PlannedDose:
    scheduled: ScheduledDose
    due_on: dt.date
    status: DoseStatus
    given_on: dt.date | None


def cohort_for(date_of_birth: dt.date) -> ScheduleCohort:
    return next(c for c in COHORTS if c.applies_to(date_of_birth))


def immunisation_plan(
    date_of_birth: dt.date,
    given: Iterable[tuple[str, int, dt.date]],
    today: dt.date,
) -> tuple[PlannedDose, ...]:
    """Each scheduled dose of the child's cohort with its status on ``today``.

    ``given`` holds (vaccine code, dose number, date given) of the doses on
    record; a scheduled dose counts as given when the same vaccine and dose
    number is on record.
    """
    given_on = {(vaccine, dose): on for vaccine, dose, on in given}
    age_days = (today - date_of_birth).days
    plan = []
    for scheduled in cohort_for(date_of_birth).doses:
        due_on = scheduled.due_on(date_of_birth)
        done = given_on.get((scheduled.vaccine, scheduled.dose))
        if done is not None:
            status = DoseStatus.GIVEN
        elif today < due_on:
            status = DoseStatus.NOT_YET_DUE
        elif scheduled.latest_age_days is not None and age_days > scheduled.latest_age_days:
            status = DoseStatus.TOO_LATE
        elif (today - due_on).days > OVERDUE_AFTER_DAYS:
            status = DoseStatus.OVERDUE
        else:
            status = DoseStatus.DUE
        plan.append(PlannedDose(scheduled, due_on, status, done))
    return tuple(plan)
