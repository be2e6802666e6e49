"""Realistic, deterministic synthetic data: a trust's health visiting caseload.

``generate_demo`` fills an empty database with teams, staff, families, pregnancies and
children under 5 carrying the history a real caseload has: the mandated reviews (most
on time, some late, missed, declined, or "was not brought" and rebooked), with the
structured findings each review records (who was seen, interpreter, feeding, Whooley
and GAD-2, smoking and carbon monoxide, ASQ-3 and ASQ:SE-2 scores); growth that dips
after birth and then follows each child's own centile on the UK-WHO charts, every
measurement saved with the SDS and centile the app itself would store (a few children
falter, and every NICE NG75 alert shows on the caseload); dated service levels,
safeguarding flags, and referrals in every state. It serves demonstrations, training,
screenshots and load tests (issue 10 runs it at trust scale: 100,000 children, 300
health visitors in 25 teams).

Nothing in it can be a real person's data:

* NHS numbers come only from the 999 range, which is never issued (DOMAIN.md).
* Phone numbers come from Ofcom's range kept for drama, 07700 900000 to 900999.
* Postcodes have the valid UK format but the area letters "ZY", which no postcode
  area uses, so no demo address is anyone's home.

The same ``children``, ``seed`` and ``today`` give byte-identical rows, ids and
timestamps included: every random choice comes from one seeded ``random.Random``,
and every timestamp is derived from the date of the event it records, never from the
clock, so a demo, a screenshot or a bug report can be reproduced exactly. The one
exception is the audit event's ``occurred_at``: the audit trail must say when the demo
data was really created.

Rows are plain dictionaries inserted in batches, parents first, all in one unit of
work: either the whole demo is saved or nothing is. The findings only appear on
completed contacts of the reviews they belong to (``services.contacts``); the ASQ
cut-offs are the demo's own simple ones, not the publisher's (``ASQ3_CUTOFFS``).
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import random
import statistics
import unicodedata
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Generic, TypeVar, cast

from sqlalchemy import Engine, Table, func, insert, or_, select
from sqlalchemy.orm import Session

from healthvisitor.domain.enums import (
    CarerRelationship,
    ContactKind,
    ContactLocation,
    ContactOutcome,
    DevelopmentDomain,
    FalteringRule,
    FeedingStatus,
    MeasurementKind,
    NewbornScreeningResult,
    NewbornScreeningTest,
    PregnancyOutcome,
    PromptDecision,
    RecordStatus,
    ReferralConsent,
    ReferralOutcome,
    ReferralStatus,
    Role,
    SafeguardingStatus,
    ScreeningZone,
    ServiceLevel,
    Sex,
    SmokingStatus,
)
from healthvisitor.domain.faltering import WeightPoint, faltering_alerts
from healthvisitor.domain.growth import (
    GrowthResult,
    assess_measurement_quickly,
    implausible_change,
)
from healthvisitor.domain.growth_reference import uk_who_value_for_sds_quickly
from healthvisitor.domain.immunisations import cohort_for
from healthvisitor.domain.referral_rules import (
    ASQ_COMMUNICATION,
    ASQ_OTHER_DOMAIN,
    MATERNAL_MOOD,
    SMOKING,
    PromptSubject,
    fired_rules,
)
from healthvisitor.domain.schedule import (
    ReviewWindow,
    add_months,
    antenatal_window,
    child_review_windows,
)
from healthvisitor.domain.validation import (
    Gestation,
    check_birth_weight,
    check_contact_date,
    check_date_of_birth,
    check_gestation,
    clean_nhs_number,
)
from healthvisitor.errors import HealthVisitorError, ValidationError
from healthvisitor.persistence.models import (
    Base,
    Carer,
    Child,
    ChildSearchWord,
    Contact,
    DevelopmentScore,
    Family,
    Immunisation,
    Measurement,
    NewbornScreening,
    Pregnancy,
    Referral,
    ReferralEvent,
    ReferralPrompt,
    ReferralType,
    SafeguardingEntry,
    ServiceLevelEntry,
    Team,
    User,
    search_words_for,
)
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services.accounts import demo_password_hash
from healthvisitor.services.audit import record_event
from healthvisitor.services.contacts import FEEDING_REVIEWS, MATERNAL_MOOD_REVIEWS
from healthvisitor.services.referrals import contact_findings

__all__ = [
    "STANDARD_VOLUME",
    "TRUST_VOLUME",
    "DemoSummary",
    "DemoVolume",
    "generate_demo",
]

T = TypeVar("T")
_Row = dict[str, Any]


@dataclass(frozen=True)
class DemoVolume:
    """How much history the demo gives each child.

    ``STANDARD_VOLUME`` is the demo's own (and, drawing no extra dice, keeps its
    byte-identical output for each seed). ``TRUST_VOLUME`` is issue 10's load-test data
    set: about ten contacts and ten measurements a child and a referral a child, the
    volumes the trust-scale benchmark asks of 100,000 children.
    """

    #: Contacts besides the reviews on top of ``_OTHER_CONTACTS``: 0 to twice this many.
    extra_contacts: int = 0
    #: Baby-clinic weight checks in the first year, on top of everything else.
    extra_infant_weighings: int = 0
    #: Issue 9: about one referral per ten children.
    children_per_referral: int = 10


STANDARD_VOLUME = DemoVolume()
TRUST_VOLUME = DemoVolume(extra_contacts=2, extra_infant_weighings=3, children_per_referral=1)


@dataclass(frozen=True)
class DemoSummary:
    """How many records of each kind the demo created (for the CLI to print)."""

    teams: int
    users: int
    families: int
    children: int
    pregnancies: int
    contacts: int
    measurements: int
    referrals: int
    safeguarding_flags: int


def generate_demo(
    engine: Engine,
    *,
    children: int = 300,
    seed: int = 1,
    today: dt.date,
    volume: DemoVolume = STANDARD_VOLUME,
) -> DemoSummary:
    """Fill an empty database with a demo caseload of ``children`` children under 5.

    Refuses (``HealthVisitorError``) if the database already holds any child, so demo
    data can never mix with real records. Everything is written in one transaction.
    """
    if not 1 <= children <= MAXIMUM_CHILDREN:
        raise ValidationError(
            f"A demo has 1 to {MAXIMUM_CHILDREN:,} children; {children:,} were asked for.",
            "children",
        )
    with unit_of_work(engine) as session:
        if session.scalar(select(Child.id).limit(1)) is not None:
            raise HealthVisitorError(
                "This database already holds children's records. Demo data is only "
                "generated into an empty database, so that it can never mix with real "
                "records: create a new database for the demo."
            )
        generator = _DemoGenerator(
            session, children=children, seed=seed, today=today, volume=volume
        )
        summary = generator.run()
        event = record_event(
            session,
            None,
            "demo_data_created",
            "demo",
            None,
            seed=seed,
            children_requested=children,
            today=today.isoformat(),
            created=asdict(summary),
        )
        # A reproducible id like every other demo row; occurred_at stays the real time.
        event.id = generator.dice.new_id()
    return summary


# --- The shape of the demo population -------------------------------------------------

#: Issue 6: days of age at which each screening test is done in the demo.
DEMO_SCREENING_DAYS = {
    NewbornScreeningTest.NIPE_NEWBORN: (0, 2),
    NewbornScreeningTest.BLOOD_SPOT: (5, 8),
    NewbornScreeningTest.HEARING: (1, 20),
    NewbornScreeningTest.NIPE_SIX_TO_EIGHT_WEEK: (42, 56),
}
#: A few results other than "no further action" (shares are the demo's own).
DEMO_SCREENING_OUTCOMES = {
    NewbornScreeningTest.BLOOD_SPOT: (
        (NewbornScreeningResult.REPEAT_NEEDED, 0.02, "Insufficient sample: repeat taken"),
        (NewbornScreeningResult.DECLINED, 0.003, "Parents declined after discussion"),
    ),
    NewbornScreeningTest.HEARING: (
        (NewbornScreeningResult.REFERRED, 0.02, "No clear response: referred to audiology"),
    ),
    NewbornScreeningTest.NIPE_NEWBORN: (
        (NewbornScreeningResult.REFERRED, 0.01, "Hip: referred for ultrasound"),
    ),
}
#: Children whose immunisations stop partway (declined, or not brought).
DEMO_IMMUNISATIONS_STOP_SHARE = 0.08
DEMO_GIVEN_ELSEWHERE_SHARE = 0.03
#: Days after the due date a dose is given: mostly within a fortnight.
DEMO_DELAY_DAYS = (0, 1, 2, 3, 5, 7, 7, 10, 14, 21, 35)

#: No demo can need more: the 999 range holds about 909,000 valid NHS numbers.
MAXIMUM_CHILDREN = 250_000
#: Issue 10: 100,000 children with 300 health visitors (IHV recommends at most 250
#: children each; real caseloads are larger, DOMAIN.md "Who uses it").
HEALTH_VISITORS_PER_1000_CHILDREN = 3
#: Issue 10: 300 health visitors in 25 teams.
HEALTH_VISITORS_PER_TEAM = 12
MINIMUM_TEAMS = 2
MINIMUM_HEALTH_VISITORS_PER_TEAM = 2
#: Health visiting is a nursing workforce, overwhelmingly women.
STAFF_WOMEN_SHARE = 0.93
#: Families awaiting allocation to a named health visitor.
UNALLOCATED_FAMILY_SHARE = 0.03
#: Delegated reviews: another team member delivers, the named HV stays accountable.
DELEGATED_CONTACT_SHARE = 0.15
#: Households moving away or transferring out during the five years.
MOVED_FAMILY_SHARE = 0.045
#: Children over 4 handed over to school nursing (discharged from the caseload).
DISCHARGED_OVER_FOURS_SHARE = 0.08
#: Safeguarding (child in need, protection plan, MARAC) households, besides foster homes.
SAFEGUARDING_FAMILY_SHARE = 0.028
#: Pre-birth plans: mostly in households already known to children's social care.
PRE_BIRTH_PLAN_IN_SAFEGUARDING_FAMILY = 0.6
PRE_BIRTH_PLAN_OTHERWISE = 0.02
#: Faltering growth (NICE NG75): weight falls 2-3 SDS over the first year. NG75
#: measures the fall from the lowest centile of the early days (the new birth visit
#: weight, before the baby is back on its centile), so a fall that crosses NG75's
#: thresholds from there is about 2 SDS or more along the child's own track.
FALTERING_SHARE = 0.03
FALTERING_FALL_SDS = (2.0, 3.0)
#: Pregnancies are recorded for children born in the last two years.
PREGNANCY_RECORDS_FOR_BIRTHS_WITHIN_MONTHS = 24
#: Ongoing pregnancies: births run at about a fifth of an under-5 caseload a year,
#: so about 6% of the caseload is due in the next 16 weeks; about 40% of births
#: are first babies (new families), the rest a sibling in an existing family.
ONGOING_PREGNANCY_HORIZON_DAYS = 16 * 7
FIRST_PREGNANCIES_PER_CHILD = 0.025
NEXT_BABY_SHARE = 0.075
CHILDREN_PER_REFERRAL = STANDARD_VOLUME.children_per_referral

#: Timestamps fall in the working day, 08:00 to 18:00 UTC.
WORKING_DAY_STARTS_HOUR = 8
WORKING_DAY_MINUTES = 600
#: Rows written per batch: large enough for fast multi-row inserts, small enough
#: that 100,000 children never hold millions of dictionaries in memory.
BATCH_ROWS = 20_000
#: Day 0 of a pregnancy is 280 days (40+0 weeks) before its estimated delivery date.
TERM_DAYS = 280


class _Odds(Generic[T]):
    """Options with relative weights (they need not add up to 100), ready to draw from."""

    def __init__(self, weights: Mapping[T, float]) -> None:
        self.options: tuple[T, ...] = tuple(weights)
        self.cumulative: tuple[float, ...] = tuple(itertools.accumulate(weights.values()))


# Family make-up. Kinship (grandparent) and foster households have no mother on the
# record, so no pregnancies; foster children are looked after.
_HOUSEHOLD_KIND = _Odds(
    {"two_parents": 76, "lone_mother": 18, "lone_father": 2, "kinship": 2.5, "foster": 1.5}
)
#: Children a family has over the years, and the gaps between them (triangular: least,
#: most, most often, in days). Only those under 5 today are on the caseload, which
#: leaves about 57% of families with one child under 5, 35% with two and 8% with three.
_PLANNED_CHILDREN = _Odds({1: 20, 2: 40, 3: 30, 4: 10})
_SIBLING_GAP_DAYS = (380, 1100, 450)
#: A second parent is sometimes the parent's partner rather than the child's father.
_PARTNER_NOT_FATHER_SHARE = 0.12
#: Mothers: about 12% smoke (issue 9; ONS smoking at delivery is 7-10%, higher in pregnancy).
_SMOKING = {
    CarerRelationship.MOTHER: _Odds(
        {
            SmokingStatus.SMOKER: 12,
            SmokingStatus.EX_SMOKER: 10,
            SmokingStatus.NON_SMOKER: 75,
            SmokingStatus.NOT_KNOWN: 3,
        }
    ),
    CarerRelationship.FATHER: _Odds(
        {
            SmokingStatus.SMOKER: 18,
            SmokingStatus.EX_SMOKER: 12,
            SmokingStatus.NON_SMOKER: 60,
            SmokingStatus.NOT_KNOWN: 10,
        }
    ),
    CarerRelationship.GRANDPARENT: _Odds(
        {
            SmokingStatus.SMOKER: 12,
            SmokingStatus.EX_SMOKER: 25,
            SmokingStatus.NON_SMOKER: 60,
            SmokingStatus.NOT_KNOWN: 3,
        }
    ),
    # Fostering services do not place under-5s with carers who smoke.
    CarerRelationship.FOSTER_CARER: _Odds(
        {SmokingStatus.NON_SMOKER: 90, SmokingStatus.EX_SMOKER: 10}
    ),
}
_SMOKING[CarerRelationship.PARTNER] = _SMOKING[CarerRelationship.FATHER]
#: Carers' ages (mean, SD, youngest, oldest) when the eldest child here was born or is
#: due: mothers average 29-30 at a birth in England and Wales (ONS).
_CARER_AGE_AT_FIRST_BIRTH = {
    CarerRelationship.MOTHER: (29, 5.5, 17, 44),
    CarerRelationship.FATHER: (32, 6, 18, 60),
    CarerRelationship.PARTNER: (32, 6, 18, 60),
    CarerRelationship.GRANDPARENT: (52, 6, 40, 70),
}
#: Foster carers' ages today.
_FOSTER_CARER_AGE = (32, 62)
#: Share of families speaking another language at home who need an interpreter.
_INTERPRETER_SHARE = 0.45

#: Gestation at birth in completed weeks: about 8% preterm (< 37 weeks), 1.5% < 32.
_GESTATION_WEEKS = _Odds(
    {
        24: 0.1, 25: 0.1, 26: 0.15, 27: 0.15, 28: 0.2, 29: 0.2, 30: 0.25, 31: 0.35,
        32: 0.5, 33: 0.7, 34: 1.2, 35: 1.6, 36: 2.5,
        37: 6, 38: 13, 39: 25, 40: 30, 41: 13.5, 42: 1.5,
    }
)  # fmt: skip
#: Babies born before 32 weeks are born where there is a neonatal intensive care unit.
_VERY_PRETERM_WEEKS = 32

_SERVICE_LEVEL_AT_BIRTH = _Odds(
    {ServiceLevel.UNIVERSAL: 85, ServiceLevel.UNIVERSAL_PLUS: 11,
     ServiceLevel.UNIVERSAL_PARTNERSHIP_PLUS: 4}
)  # fmt: skip
_SERVICE_LEVEL_CHANGES = _Odds({0: 72, 1: 22, 2: 6})
_SERVICE_LEVEL_STEPS = {
    ServiceLevel.UNIVERSAL: (ServiceLevel.UNIVERSAL_PLUS,),
    ServiceLevel.UNIVERSAL_PLUS: (ServiceLevel.UNIVERSAL, ServiceLevel.UNIVERSAL_PARTNERSHIP_PLUS),
    ServiceLevel.UNIVERSAL_PARTNERSHIP_PLUS: (ServiceLevel.UNIVERSAL_PLUS,),
}
_CHILD_SAFEGUARDING = _Odds(
    {SafeguardingStatus.CHILD_IN_NEED: 40, SafeguardingStatus.CHILD_PROTECTION_PLAN: 35,
     SafeguardingStatus.DOMESTIC_ABUSE_MARAC: 25}
)  # fmt: skip
_SAFEGUARDING_ENDED_SHARE = 0.3
#: A protection plan that ends often steps down to child in need.
_STEP_DOWN_TO_CHILD_IN_NEED_SHARE = 0.6


# --- The mandated reviews ----------------------------------------------------------------

ON_TIME = "on_time"
LATE = "late"
NOT_BROUGHT_THEN_REBOOKED = "not_brought_then_rebooked"
DECLINED = "declined"
MISSED = "missed"

#: How each review goes, per hundred children. New birth visit: 85.2% within 14 days
#: and 98.0% within 30 (OHID, 2024-25 commentary); 6-8 week 81.5%, 1 year 74.6% by 12
#: months and 82.6% by 15, 2-2½ year 75.7% (PHE, Q1 2017-18). Antenatal reviews are
#: reached less often. Rebooked reviews land on time or late depending on the date.
_REVIEW_OUTCOMES = {
    ContactKind.ANTENATAL: _Odds(
        {ON_TIME: 62, NOT_BROUGHT_THEN_REBOOKED: 6, DECLINED: 5, MISSED: 27}
    ),
    ContactKind.NEW_BIRTH_VISIT: _Odds(
        {ON_TIME: 83, LATE: 11, NOT_BROUGHT_THEN_REBOOKED: 3, DECLINED: 1, MISSED: 2}
    ),
    ContactKind.SIX_TO_EIGHT_WEEK: _Odds(
        {ON_TIME: 79, LATE: 9, NOT_BROUGHT_THEN_REBOOKED: 4, DECLINED: 2, MISSED: 6}
    ),
    ContactKind.ONE_YEAR: _Odds(
        {ON_TIME: 71, LATE: 10, NOT_BROUGHT_THEN_REBOOKED: 5, DECLINED: 3, MISSED: 11}
    ),
    ContactKind.TWO_YEAR: _Odds(
        {ON_TIME: 71, LATE: 6, NOT_BROUGHT_THEN_REBOOKED: 5, DECLINED: 4, MISSED: 14}
    ),
}
#: Reviews without a late window in the metrics are still done late: up to 12 weeks
#: for the 6-8 week review, up to 33 months for the 2-2½ year review.
_LATE_DAYS_AFTER_TARGET = {ContactKind.SIX_TO_EIGHT_WEEK: 28, ContactKind.TWO_YEAR: 91}
#: A review the child was not brought to is rebooked 1 to 3 weeks later.
_REBOOKED_AFTER_DAYS = (7, 21)

#: Antenatal, new birth and 6-8 week reviews are best at home; the 1 and 2-2½ year
#: reviews are often in clinics or family hubs (DHSC, Delivery of the HCP, 2026).
_REVIEW_LOCATIONS = {
    ContactKind.ANTENATAL: _Odds(
        {ContactLocation.HOME: 75, ContactLocation.CLINIC: 8, ContactLocation.FAMILY_HUB: 10,
         ContactLocation.VIRTUAL: 4, ContactLocation.PHONE: 3}
    ),
    ContactKind.NEW_BIRTH_VISIT: _Odds(
        {ContactLocation.HOME: 96, ContactLocation.CLINIC: 2, ContactLocation.VIRTUAL: 2}
    ),
    ContactKind.SIX_TO_EIGHT_WEEK: _Odds(
        {ContactLocation.HOME: 70, ContactLocation.CLINIC: 20, ContactLocation.FAMILY_HUB: 6,
         ContactLocation.VIRTUAL: 4}
    ),
    ContactKind.ONE_YEAR: _Odds(
        {ContactLocation.CLINIC: 40, ContactLocation.FAMILY_HUB: 35, ContactLocation.HOME: 25}
    ),
    ContactKind.TWO_YEAR: _Odds(
        {ContactLocation.CLINIC: 40, ContactLocation.FAMILY_HUB: 40, ContactLocation.HOME: 20}
    ),
}  # fmt: skip

#: What is measured at each completed review. Length and head circumference are
#: measured under 2 years; from 2, standing height (UK-WHO chart guidance).
_REVIEW_MEASURES = {
    ContactKind.NEW_BIRTH_VISIT: (MeasurementKind.WEIGHT,),
    ContactKind.SIX_TO_EIGHT_WEEK: (
        MeasurementKind.WEIGHT,
        MeasurementKind.LENGTH,
        MeasurementKind.HEAD_CIRCUMFERENCE,
    ),
    ContactKind.ONE_YEAR: (
        MeasurementKind.WEIGHT,
        MeasurementKind.LENGTH,
        MeasurementKind.HEAD_CIRCUMFERENCE,
    ),
    ContactKind.TWO_YEAR: (MeasurementKind.WEIGHT, MeasurementKind.HEIGHT),
}
#: Extra contacts besides the mandated reviews, by level of service.
_OTHER_CONTACTS = {
    ServiceLevel.UNIVERSAL: _Odds({0: 50, 1: 35, 2: 15}),
    ServiceLevel.UNIVERSAL_PLUS: _Odds({1: 30, 2: 40, 3: 30}),
    ServiceLevel.UNIVERSAL_PARTNERSHIP_PLUS: _Odds({3: 30, 4: 30, 5: 25, 6: 15}),
}
#: Children whose weight is falling are weighed every few weeks in their first year.
_FALTERING_WEIGHT_CHECKS = 3
_OTHER_CONTACT_NOT_BROUGHT_SHARE = 0.08
#: A contact the child was not brought to gets a new date, mostly (the rest: a
#: letter asks the family to call).
_REBOOKED_SHARE = 0.92


# --- The early days: weight loss after birth, and the NG75 alerts it can raise ----------------

#: Babies lose weight for the first 3-4 days and "most infants have returned to their
#: birth weight by 3 weeks" (NICE NG75 1.1.1). Here half are back by about 8-9 days,
#: about 1 in 6 are not by 2 weeks and about 1 in 30 not by 3 weeks, of the order
#: newborn weight nomograms report (e.g. Paul et al., Pediatrics 2016). Loss at the
#: lowest point: about 6% on average, more than 10% in a few percent.
EARLY_LOSS_SHARE = (0.062, 0.02, 0.01, 0.13)  # mean, SD, least, most
NADIR_DAY = 3
REGAIN_DAY_MEDIAN = 8.5
REGAIN_DAY_SPREAD = 0.5  # log-normal SD
REGAIN_DAY_RANGE = (4, 35)
#: After regaining birth weight a baby climbs back to its own centile over 3 weeks.
CATCH_UP_DAYS = 21

#: Every NG75 alert is shown in any demo large enough: the first children of the
#: right age for an alert not yet shown are given the growth that raises it (so a
#: 300-child demo still shows the rare early-days alerts), and the first two
#: families have a baby of that age. ``_GrowthPattern`` says what each one means.
EARLY_LOSS_AGES_DAYS = (12, 20)  # old enough to have been weighed, still in the early days
SLOW_REGAIN_AGES_DAYS = (25, 40)  # past 3 weeks, not yet at the 6-8 week review
#: From a quarter of the demo on, the later-growth alerts, if no child shows them yet.
LATER_ALERTS_FROM_SHARE_OF_CHILDREN = 0.25
FALTERING_FROM_AGE_DAYS = 240
SMALL_FROM_AGE_DAYS = 120


# --- Referrals ------------------------------------------------------------------------------

#: Referral prompts left to decide in a demo (issue 5): on children's records (the
#: child's own, or the mother's shown on her child's), and on ongoing pregnancies.
DEMO_PROMPTS_ON_CHILDREN = 3
DEMO_PROMPTS_ON_PREGNANCIES = 1
#: Of those on children's records, kept for a prompt about the child (ASQ-3), if any.
DEMO_PROMPTS_ABOUT_THE_CHILD = 1
#: Contacts this recent leave a prompt undecided first: a busy health visitor decides
#: within weeks (the demo's own figure), so older undecided prompts come last.
PROMPT_UNDECIDED_WITHIN_DAYS = 42
#: The latest contacts with a prompting finding read to choose from (trust scale too).
_PROMPT_CANDIDATES = 2000
#: The rules read from one contact's own findings (the others need the child's history).
_DEMO_PROMPT_RULES = (SMOKING, MATERNAL_MOOD, ASQ_COMMUNICATION, ASQ_OTHER_DOMAIN)

#: Each status appears at least once in any demo of 7 or more referrals.
_REFERRAL_STATUSES = _Odds(
    {ReferralStatus.DRAFT: 5, ReferralStatus.SENT: 10, ReferralStatus.ACKNOWLEDGED: 10,
     ReferralStatus.ACCEPTED: 25, ReferralStatus.DECLINED: 8, ReferralStatus.COMPLETED: 25,
     ReferralStatus.CLOSED: 17}
)  # fmt: skip
#: When a referral in each status was made, in days before today: open referrals are
#: recent, finished ones older.
_REFERRAL_MADE_DAYS_AGO = {
    ReferralStatus.DRAFT: (0, 6),
    ReferralStatus.SENT: (1, 20),
    ReferralStatus.ACKNOWLEDGED: (5, 45),
    ReferralStatus.ACCEPTED: (14, 240),
    ReferralStatus.DECLINED: (20, 5 * 365),
    ReferralStatus.COMPLETED: (45, 5 * 365),
    ReferralStatus.CLOSED: (45, 5 * 365),
}


@dataclass(frozen=True)
class _ReferralRoute:
    """Who a referral of one type is about, and at what age of the child it is made."""

    weight: float
    reason: tuple[str, ...]
    #: Who it may be about: "mothers", "low_mood_mothers" and "smoking_mothers" are
    #: referrals about the carer herself; the others are about a child
    #: (see ``_referral_pools``).
    pool: str = "all"
    #: When it is made, in days from the child's birth; for a referral about the
    #: mother, from the birth (or due date) of one of her babies.
    days_from_birth: tuple[int, int] = (0, 5 * 366)


_REFERRAL_ROUTES: dict[str, _ReferralRoute] = {
    # NICE NG209: opt-out referral to stop-smoking support for everyone who smokes;
    # the referral is about the mother herself.
    "stop_smoking": _ReferralRoute(
        20,
        (
            "Smokes about 10 a day; CO reading 8 ppm. Opt-out referral to stop-smoking service.",
            "Smokes; wants to stop before the baby arrives. Referred with consent.",
            "Smoking in the home discussed; mother keen to quit. Referred.",
        ),
        pool="smoking_mothers",
        days_from_birth=(-120, 365),  # in pregnancy or the baby's first year
    ),
    "perinatal_mental_health": _ReferralRoute(
        11,
        (
            "Low mood since the birth; Whooley positive, GAD-2 score 4. Referred with consent.",
            "History of postnatal depression; anxiety rising. Referred for assessment.",
        ),
        pool="low_mood_mothers",
        days_from_birth=(-120, 365),  # perinatal: pregnancy and the first year
    ),
    "domestic_abuse": _ReferralRoute(
        3,
        ("Disclosure of domestic abuse at a routine enquiry; referred with consent.",),
        pool="mothers",
    ),
    "infant_feeding": _ReferralRoute(
        14,
        (
            "Painful latch and slow weight gain; referred to the infant feeding team.",
            "Wishes to increase breastfeeding; referred for specialist support.",
        ),
        days_from_birth=(3, 180),
    ),
    "speech_language": _ReferralRoute(
        12,
        (
            "ASQ-3 communication below cut-off at the 2-2½ year review; few single words.",
            "Parental concern about speech; limited words and not combining two words.",
        ),
        pool="communication_concern",
        days_from_birth=(540, 5 * 366),
    ),
    "intensive_parenting": _ReferralRoute(
        10,
        (
            "Young parents with little family support; referred for intensive parenting support.",
            "Parents struggling with behaviour and routines; referred to the parenting programme.",
        ),
        pool="additional_needs",
    ),
    "early_help": _ReferralRoute(
        10,
        (
            "Housing and money worries; referred to the family hub early help team.",
            "Family would benefit from early help: isolation and low income.",
        ),
    ),
    "childrens_social_care": _ReferralRoute(
        4,
        ("Safeguarding concerns shared with children's social care.",),
        pool="safeguarding",
    ),
    "paediatrics": _ReferralRoute(
        5,
        ("Weight has fallen across two centile spaces; referred for paediatric assessment.",),
        pool="faltering",
    ),
    "dietetics": _ReferralRoute(
        3,
        ("Faltering growth; referred for dietetic advice on intake and weaning.",),
        pool="faltering",
    ),
    "gp": _ReferralRoute(
        4,
        (
            "Persistent eczema; advised to see GP and letter sent.",
            "Undescended testis noted; referred to GP.",
        ),
    ),
    "other": _ReferralRoute(
        2,
        ("Parental concern about hearing; referred to community audiology.",),
    ),
}
#: How long a service takes to acknowledge or accept a referral, in days.
_REFERRAL_ANSWERED_WITHIN_DAYS = {
    ReferralStatus.ACKNOWLEDGED: (2, 10),
    ReferralStatus.ACCEPTED: (5, 20),
}
_REFERRAL_OUTCOMES = {
    ReferralStatus.COMPLETED: (
        "Support completed; goals met.",
        "Seen and discharged back to the health visitor.",
        "Programme completed; family reports improvement.",
    ),
    ReferralStatus.CLOSED: (
        "Family did not engage after three attempts; closed.",
        "No longer needed; closed by agreement with the family.",
        "Family moved out of the area; closed.",
    ),
    ReferralStatus.DECLINED: (
        "Did not meet the service threshold; advice given.",
        "Family declined the service when contacted.",
    ),
}

#: The coded outcome of each outcome above (issue 5); a threshold refusal has none.
_REFERRAL_OUTCOME_CODES = {
    "Family did not engage after three attempts; closed.": ReferralOutcome.DID_NOT_ENGAGE,
    "No longer needed; closed by agreement with the family.": ReferralOutcome.NO_LONGER_NEEDED,
    "Family moved out of the area; closed.": ReferralOutcome.MOVED,
    "Family declined the service when contacted.": ReferralOutcome.DID_NOT_ENGAGE,
}
#: Safeguarding referrals go without consent when seeking it could put a child at risk.
_SAFEGUARDING_CONSENT_NOTE = (
    "Consent not sought: seeking it could put the child at risk. Agreed with the team lead."
)
#: The steps each status has passed through, after the draft (issue 5's lifecycle).
_REFERRAL_PATHS = {
    ReferralStatus.DRAFT: (),
    ReferralStatus.SENT: (ReferralStatus.SENT,),
    ReferralStatus.ACKNOWLEDGED: (ReferralStatus.SENT, ReferralStatus.ACKNOWLEDGED),
    ReferralStatus.ACCEPTED: (ReferralStatus.SENT, ReferralStatus.ACCEPTED),
    ReferralStatus.DECLINED: (ReferralStatus.SENT, ReferralStatus.DECLINED),
    ReferralStatus.COMPLETED: (
        ReferralStatus.SENT,
        ReferralStatus.ACCEPTED,
        ReferralStatus.COMPLETED,
    ),
    ReferralStatus.CLOSED: (ReferralStatus.SENT, ReferralStatus.CLOSED),
}

# --- Names, places and words ----------------------------------------------------------------


@dataclass(frozen=True, eq=False)  # compared by identity: used as a dictionary key
class _Culture:
    """Names and home languages of one community living in an English trust's area."""

    weight: float  # share of families (%), roughly England's births by mother's origin
    surnames: tuple[str, ...]
    women: tuple[str, ...]
    men: tuple[str, ...]
    girls: tuple[str, ...]
    boys: tuple[str, ...]
    languages: tuple[tuple[str, float], ...] = (("English", 100),)
    staff_weight: float = 0  # share of the health visiting workforce (%)


_BRITISH = _Culture(
    60,
    ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies",
     "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green",
     "Hall", "Wood", "Jackson", "Clarke", "Hughes", "Lewis", "Harrison", "Baker",
     "Turner", "Mitchell", "Cooper", "Ward", "Morris", "Parker", "Bennett", "Shaw",
     "Holmes", "Fletcher", "Marsh", "Barker", "Dawson", "Pickering", "Hartley", "Sutcliffe"),
    ("Sarah", "Emma", "Laura", "Gemma", "Hannah", "Rebecca", "Jessica", "Amy", "Chloe",
     "Lauren", "Katie", "Danielle", "Stacey", "Kirsty", "Charlotte", "Jade", "Natalie",
     "Rachel", "Leanne", "Zoe", "Joanne", "Helen", "Claire", "Lucy"),
    ("James", "Daniel", "Thomas", "Matthew", "Christopher", "Ryan", "Liam", "Jack", "Adam",
     "Luke", "Michael", "David", "Craig", "Jamie", "Lee", "Ashley", "Scott", "Mark",
     "Nathan", "Carl", "Paul", "Stephen"),
    ("Olivia", "Amelia", "Isla", "Ava", "Lily", "Freya", "Florence", "Ivy", "Poppy", "Evie",
     "Grace", "Sophie", "Rosie", "Ella", "Millie", "Daisy", "Emily", "Charlotte", "Harper",
     "Willow", "Matilda", "Elsie", "Isabella", "Phoebe", "Sienna"),
    ("Oliver", "George", "Noah", "Arthur", "Leo", "Harry", "Oscar", "Jack", "Charlie",
     "Freddie", "Alfie", "Theo", "Archie", "Henry", "Teddy", "Finley", "Jacob", "Reggie",
     "Tommy", "Albie", "Louie", "Jude"),
    staff_weight=62,
)  # fmt: skip
_CULTURES: tuple[_Culture, ...] = (
    _BRITISH,
    _Culture(
        2,
        ("Murphy", "Kelly", "O'Brien", "Byrne", "Ryan", "O'Sullivan", "Walsh", "Doyle",
         "McCarthy", "Gallagher", "Quinn", "Brennan"),
        ("Siobhan", "Niamh", "Aoife", "Ciara", "Sinead", "Roisin", "Orla", "Clodagh",
         "Aisling", "Grainne"),
        ("Conor", "Sean", "Ciaran", "Declan", "Padraig", "Eoin", "Cathal", "Niall",
         "Darragh", "Fergal"),
        ("Saoirse", "Aoife", "Niamh", "Caoimhe", "Fiadh", "Ciara", "Ellie", "Sadie", "Orla"),
        ("Oisin", "Cillian", "Fionn", "Darragh", "Tadhg", "Conor", "Rory", "Cian", "Sean"),
        staff_weight=5,
    ),
    _Culture(
        4,
        ("Nowak", "Wójcik", "Kaczmarek", "Mazur", "Krawczyk", "Zając", "Król", "Wieczorek",
         "Pawlak", "Michalak", "Walczak", "Sikora", "Baran", "Duda", "Szewczyk"),
        ("Agnieszka", "Katarzyna", "Magdalena", "Joanna", "Monika", "Anna", "Aleksandra",
         "Karolina", "Justyna", "Paulina"),
        ("Tomasz", "Piotr", "Krzysztof", "Łukasz", "Michał", "Marcin", "Paweł", "Jakub",
         "Mateusz", "Kamil"),
        ("Zuzanna", "Julia", "Maja", "Zofia", "Hanna", "Lena", "Alicja", "Maria", "Oliwia"),
        ("Jakub", "Antoni", "Jan", "Szymon", "Filip", "Franciszek", "Aleksander",
         "Mikołaj", "Wojciech", "Kacper"),
        (("Polish", 65), ("English", 35)),
        staff_weight=2,
    ),
    _Culture(
        3,
        ("Popescu", "Ionescu", "Popa", "Dumitru", "Stan", "Stoica", "Gheorghe", "Matei",
         "Ciobanu", "Rusu", "Munteanu", "Constantin"),
        ("Andreea", "Ioana", "Elena", "Mihaela", "Alexandra", "Roxana", "Cristina",
         "Gabriela", "Florentina", "Denisa"),
        ("Andrei", "Ionuț", "Alexandru", "Florin", "Mihai", "Gabriel", "Bogdan", "Adrian",
         "Cosmin", "Marius"),
        ("Maria", "Sofia", "Ioana", "Daria", "Ana", "Eva", "Bianca", "Antonia", "Ilinca"),
        ("David", "Luca", "Matei", "Andrei", "Ștefan", "Rareș", "Darius", "Vlad", "Tudor"),
        (("Romanian", 70), ("English", 30)),
        staff_weight=1,
    ),
    _Culture(
        5,
        ("Khan", "Hussain", "Ahmed", "Ali", "Iqbal", "Akhtar", "Mahmood", "Riaz", "Butt",
         "Malik", "Shah", "Rashid"),
        ("Ayesha", "Fatima", "Saima", "Nadia", "Amina", "Sadia", "Rabia", "Sana", "Aneela",
         "Shazia", "Zainab", "Mehwish"),
        ("Imran", "Asif", "Tariq", "Usman", "Adnan", "Zeeshan", "Faisal", "Kamran", "Bilal",
         "Naveed", "Shahid", "Waqas"),
        ("Maryam", "Hafsa", "Aleena", "Inaaya", "Zara", "Hania", "Eshal", "Ayra", "Khadija",
         "Anaya"),
        ("Muhammad", "Ibrahim", "Musa", "Ayaan", "Yusuf", "Zayn", "Hamza", "Rayyan",
         "Abdullah", "Ismail"),
        (("English", 55), ("Urdu", 25), ("Punjabi", 15), ("Pashto", 5)),
        staff_weight=5,
    ),
    _Culture(
        2.5,
        ("Miah", "Uddin", "Rahman", "Islam", "Hoque", "Choudhury", "Ahmed", "Alom", "Karim",
         "Sarkar", "Talukdar", "Begum"),
        ("Nasima", "Shirin", "Rokeya", "Farzana", "Shamima", "Jahanara", "Sumaiya",
         "Taslima", "Rumana", "Nazma"),
        ("Abdul", "Mohammed", "Shahidul", "Jamal", "Rafiq", "Anwar", "Kamal", "Faruk",
         "Habib", "Sohel"),
        ("Aisha", "Safa", "Raiya", "Inaya", "Tasnim", "Nusaybah", "Ruqayyah", "Maryam",
         "Amira"),
        ("Ayaan", "Zakariya", "Yahya", "Rayhan", "Ibrahim", "Ismail", "Adam", "Hamza", "Idris"),
        (("English", 45), ("Bengali", 30), ("Sylheti", 25)),
        staff_weight=2,
    ),
    _Culture(
        3,
        ("Patel", "Sharma", "Gill", "Sandhu", "Dhillon", "Mistry", "Desai", "Shah", "Kumar",
         "Chauhan", "Joshi", "Bains"),
        ("Priya", "Pooja", "Neha", "Sunita", "Harpreet", "Manpreet", "Kiran", "Anjali",
         "Divya", "Rupinder"),
        ("Raj", "Sanjay", "Amit", "Vikram", "Jaspreet", "Gurpreet", "Rohit", "Nikhil",
         "Arjun", "Harjit"),
        ("Anaya", "Siya", "Aarya", "Diya", "Myra", "Ishani", "Simran", "Riya", "Avni",
         "Jasleen"),
        ("Arjun", "Aarav", "Reyansh", "Vihaan", "Kabir", "Dev", "Rohan", "Krish", "Fateh"),
        (("English", 65), ("Punjabi", 15), ("Gujarati", 15), ("Hindi", 5)),
        staff_weight=6,
    ),
    _Culture(
        1.5,
        ("Mohamed", "Ahmed", "Hassan", "Abdi", "Ali", "Omar", "Farah", "Warsame", "Jama",
         "Hersi", "Ismail", "Yusuf"),
        ("Hodan", "Fadumo", "Amran", "Sahra", "Hibo", "Ifrah", "Nasra", "Ubah", "Sagal",
         "Idil"),
        ("Abdirahman", "Abdullahi", "Mohamud", "Abdikadir", "Said", "Hussein", "Liban",
         "Bashir", "Khalid", "Mustafe"),
        ("Safiya", "Sumaya", "Najma", "Ikran", "Hafsa", "Aisha", "Naima", "Ilhan", "Salma"),
        ("Yusuf", "Mahad", "Zakaria", "Ilyas", "Abdiaziz", "Hamza", "Mohamed", "Bilal"),
        (("Somali", 60), ("English", 40)),
        staff_weight=1,
    ),
    _Culture(
        2,
        ("Haddad", "Khalil", "Mansour", "Nasser", "Saleh", "Hamdan", "Abbas", "Jaber",
         "Darwish", "Aziz", "Sabbagh", "Al-Hassan"),
        ("Rania", "Lina", "Hiba", "Noor", "Rasha", "Dalia", "Mariam", "Samar", "Reem", "Hala"),
        ("Ahmad", "Mohammad", "Omar", "Khaled", "Samer", "Tarek", "Bassam", "Hassan", "Fadi",
         "Yasser"),
        ("Jana", "Layan", "Lana", "Salma", "Joud", "Sara", "Rahaf", "Lujain", "Tala"),
        ("Adam", "Kareem", "Zain", "Yousef", "Ali", "Omar", "Hamza", "Rayan", "Taim", "Elias"),
        (("Arabic", 70), ("English", 30)),
        staff_weight=1,
    ),
    _Culture(
        2.5,
        ("Okafor", "Adeyemi", "Okonkwo", "Balogun", "Eze", "Nwosu", "Adebayo", "Oladipo",
         "Ogunleye", "Chukwu", "Afolabi", "Olatunji"),
        ("Chioma", "Funmilayo", "Ngozi", "Adaeze", "Temitope", "Oluwakemi", "Blessing",
         "Folake", "Ifeoma", "Yetunde"),
        ("Chinedu", "Oluwaseun", "Emeka", "Tunde", "Babatunde", "Ikenna", "Femi", "Obinna",
         "Segun", "Chukwudi"),
        ("Adaora", "Chiamaka", "Ifeoluwa", "Toluwani", "Amara", "Ebunoluwa", "Favour",
         "Precious", "Zara"),
        ("David", "Daniel", "Chidera", "Ayomide", "Oluwatobi", "Tobenna", "Kamsi", "Jayden",
         "Joshua"),
        (("English", 85), ("Yoruba", 10), ("Igbo", 5)),
        staff_weight=8,
    ),
    _Culture(
        1,
        ("Mensah", "Owusu", "Asante", "Boateng", "Osei", "Appiah", "Agyeman", "Darko",
         "Ofori", "Addo"),
        ("Akosua", "Abena", "Ama", "Efua", "Adwoa", "Yaa", "Gifty", "Comfort", "Esi", "Afua"),
        ("Kwame", "Kofi", "Kwabena", "Yaw", "Kwaku", "Kojo", "Emmanuel", "Prince", "Fiifi"),
        ("Nana", "Adjoa", "Maame", "Akua", "Elorm", "Serwaa", "Efia", "Esi"),
        ("Kwame", "Kofi", "Kwesi", "Yaw", "Jayden", "Kobby", "Elikem", "Ekow"),
        (("English", 85), ("Twi", 15)),
        staff_weight=4,
    ),
    _Culture(
        1.5,
        ("Campbell", "Francis", "Grant", "Thomas", "Henry", "Edwards", "Clarke", "Reid",
         "Samuels", "Bailey", "Brown", "Williams"),
        ("Shanice", "Tanisha", "Jasmine", "Keisha", "Monique", "Chantelle", "Simone",
         "Tamika", "Nadine", "Kerry-Ann"),
        ("Tyrone", "Dwayne", "Marlon", "Jermaine", "Andre", "Delroy", "Kyle", "Leon",
         "Marcus", "Shane"),
        ("Nia", "Amara", "Aaliyah", "Kaia", "Zuri", "Imani", "Jada", "Kiara", "Skye"),
        ("Malachi", "Josiah", "Isaiah", "Kai", "Elijah", "Micah", "Zion", "Tyrese",
         "Nathaniel"),
        staff_weight=5,
    ),
    _Culture(
        1,
        ("Chen", "Wang", "Li", "Zhang", "Liu", "Wong", "Lam", "Cheung", "Lin", "Huang",
         "Yang", "Zhao"),
        ("Mei", "Xiaoling", "Yan", "Jing", "Hui", "Wen", "Ying", "Ling", "Fang"),
        ("Wei", "Jun", "Hao", "Ming", "Lei", "Jian", "Tao", "Feng", "Qiang"),
        ("Chloe", "Mia", "Yuxin", "Xinyi", "Ruoxi", "Zoe", "Jiayi", "Evie"),
        ("Ethan", "Lucas", "Zihan", "Yichen", "Haoran", "Max", "Aaron", "Junhao"),
        (("English", 50), ("Mandarin", 35), ("Cantonese", 15)),
        staff_weight=1,
    ),
    _Culture(
        1,
        ("Silva", "Santos", "Ferreira", "Pereira", "Oliveira", "Costa", "Rodrigues",
         "Martins", "Sousa", "Fernandes"),
        ("Ana", "Mariana", "Sofia", "Inês", "Beatriz", "Catarina", "Joana", "Rita",
         "Patrícia", "Daniela"),
        ("João", "Tiago", "Pedro", "Ricardo", "Nuno", "Rui", "Bruno", "Miguel", "André",
         "Diogo"),
        ("Leonor", "Matilde", "Beatriz", "Carolina", "Alice", "Mariana", "Francisca", "Lara"),
        ("Francisco", "Santiago", "Afonso", "Tomás", "Duarte", "Rodrigo", "Martim",
         "Lourenço", "Gabriel"),
        (("Portuguese", 60), ("English", 40)),
        staff_weight=2,
    ),
    _Culture(
        1,
        ("Yilmaz", "Kaya", "Demir", "Sahin", "Celik", "Yildiz", "Aydin", "Ozturk", "Arslan",
         "Dogan"),
        ("Ayse", "Fatma", "Elif", "Zeynep", "Emine", "Hatice", "Merve", "Ozlem", "Dilek",
         "Sibel"),
        ("Mehmet", "Mustafa", "Ahmet", "Ali", "Huseyin", "Hasan", "Ibrahim", "Murat", "Emre",
         "Serkan"),
        ("Zeynep", "Elif", "Defne", "Asel", "Eylul", "Azra", "Ela", "Nehir", "Duru"),
        ("Yusuf", "Eymen", "Omer", "Mustafa", "Aras", "Kerem", "Emir", "Miran", "Deniz"),
        (("Turkish", 55), ("Kurdish", 15), ("English", 30)),
    ),
    _Culture(
        1,
        ("Ahmadi", "Rahimi", "Karimi", "Hakimi", "Sultani", "Stanikzai", "Noori", "Popal",
         "Amiri", "Safi"),
        ("Farzana", "Mariam", "Zahra", "Shabana", "Freshta", "Nilofar", "Laila", "Mursal",
         "Hosai", "Parwana"),
        ("Ahmad", "Farid", "Naveed", "Jawad", "Sayed", "Rahmatullah", "Ajmal", "Hamid",
         "Wahid", "Nasir"),
        ("Marwa", "Sana", "Asma", "Hadia", "Yalda", "Nazanin", "Mahsa", "Setara"),
        ("Mustafa", "Ali", "Yasin", "Omid", "Haroon", "Sohail", "Zubair", "Mansoor"),
        (("Pashto", 45), ("Dari", 40), ("English", 15)),
    ),
    _Culture(
        1,
        ("Shevchenko", "Bondarenko", "Kovalenko", "Tkachenko", "Kravchenko", "Melnyk",
         "Boyko", "Oliynyk", "Lysenko", "Moroz"),
        ("Olena", "Oksana", "Iryna", "Tetiana", "Natalia", "Yulia", "Anastasiia",
         "Kateryna", "Viktoriia", "Svitlana"),
        ("Oleksandr", "Andrii", "Dmytro", "Serhii", "Volodymyr", "Mykola", "Vitalii",
         "Yurii", "Taras", "Ihor"),
        ("Sofiia", "Anna", "Solomiia", "Zlata", "Mariia", "Veronika", "Milana", "Polina"),
        ("Maksym", "Artem", "Matvii", "Mark", "Nazar", "Bohdan", "Tymofii", "Ivan", "Danylo"),
        (("Ukrainian", 55), ("Russian", 10), ("English", 35)),
    ),
    _Culture(
        0.5,
        ("Tesfay", "Gebremedhin", "Habte", "Kidane", "Berhane", "Tekle", "Yohannes",
         "Ghebreyesus"),
        ("Senait", "Selam", "Saba", "Mebrat", "Winta", "Ruta", "Hiwet", "Helen"),
        ("Dawit", "Yonas", "Samuel", "Filmon", "Mehari", "Biniam", "Robel", "Tesfalem"),
        ("Eden", "Liya", "Soliana", "Delina", "Abigail", "Ruth"),
        ("Nahom", "Abel", "Kidus", "Elias", "Naod", "Joel"),
        (("Tigrinya", 65), ("English", 35)),
    ),
)  # fmt: skip
_CULTURE_ODDS = _Odds({culture: culture.weight for culture in _CULTURES})
_STAFF_CULTURE_ODDS = _Odds(
    {culture: culture.staff_weight for culture in _CULTURES if culture.staff_weight}
)
_LANGUAGE_ODDS = {culture: _Odds(dict(culture.languages)) for culture in _CULTURES}
#: Children of families from other communities are often given names common in England.
_ENGLISH_NAME_FOR_CHILD_SHARE = 0.15
#: Couples where the second parent comes from another community.
_MIXED_COUPLE_SHARE = 0.08
#: Mothers keeping their own surname.
_OWN_SURNAME_SHARE = 0.2
#: Carers who gave no phone number (second carers only).
_NO_PHONE_SHARE = 0.1

#: Fictional localities: one per team; the team's town.
_LOCALITIES = (
    "Ashcombe", "Brackenford", "Calderbrook", "Dunmoor", "Elmridge", "Fernhill",
    "Greywell", "Hollinsgate", "Ingleby Vale", "Juniper Heath", "Kestrel Bank",
    "Larkfield", "Millbrook", "Netherby", "Oakhurst", "Pennington Cross", "Queensmead",
    "Ravensworth", "Saltmarsh", "Thornbury Park", "Underwood", "Valley End", "Westbourne",
    "Yarrow Bridge", "Ashdown Moor", "Brook Farm", "Church Eaton", "Deepdale", "Edgecote",
    "Foxley Green", "Gorsey Bank", "Hawthorn Rise",
)  # fmt: skip
_STREETS = (
    "Station Road", "Church Street", "Victoria Road", "Mill Lane", "Park Avenue",
    "Elm Grove", "Meadow Close", "Windsor Drive", "Kingsway", "Albert Street",
    "Orchard Way", "Chapel Lane", "Highfield Road", "Beech Crescent", "Cedar Avenue",
    "Springfield Road", "The Green", "Manor Road", "Oak Tree Close", "Willow Walk",
    "Sycamore Drive", "Moorland View", "Canal Street", "Brook Street", "Jubilee Terrace",
    "Queen's Road", "Hawthorn Avenue", "Foxglove Way", "Primrose Hill", "Mulberry Lane",
)  # fmt: skip
_BLOCKS_OF_FLATS = (
    "Jubilee Court", "Riverside House", "Beacon Heights", "Lister Court",
    "Nightingale House", "Seacole Court", "Victoria Mansions", "Mill View",
)  # fmt: skip
_FLAT_SHARE = 0.22
_GP_PRACTICE_KINDS = ("{locality} Medical Centre", "{street} Surgery", "{locality} Health Centre")
#: Inward postcode letters never include C, I, K, M, O or V.
_POSTCODE_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
#: "ZY" is not a postcode area in use, yet has the valid format (AA9 9AA).
_FICTIONAL_POSTCODE_AREA = "ZY"
_PLACES_OF_BIRTH = _Odds(
    {"{first} General Hospital": 55, "St Helen's Maternity Unit": 25,
     "{second} Birth Centre": 12, "Home birth": 3, "Out-of-area hospital": 5}
)  # fmt: skip
_NEONATAL_UNIT = "Royal {first} Infirmary (neonatal unit)"

#: Feeding at the new birth visit and the 6-8 week review, which only ever steps
#: down (totally, partially, not breastfed): about two thirds of babies are breastfed
#: at the new birth visit and about half still at 6-8 weeks, as in England (OHID
#: breastfeeding statistics, 2023-24: 49% at 6-8 weeks).
_FEEDING_STATUSES = (
    FeedingStatus.TOTALLY_BREASTFED,
    FeedingStatus.PARTIALLY_BREASTFED,
    FeedingStatus.NOT_BREASTFED,
)
_FEEDING = (
    "Good latch observed.",
    "Plan to increase breastfeeds discussed.",
    "Responsive bottle feeding and making up feeds safely discussed.",
)
_FEEDING_AT_NEW_BIRTH_VISIT = _Odds({0: 45, 1: 22, 2: 33})
_FEEDING_STEPS_DOWN_BY_SIX_WEEKS = {0: _Odds({0: 70, 1: 20, 2: 10}), 1: _Odds({1: 55, 2: 45})}
#: The national metric reports the share of 6-8 week reviews with feeding recorded:
#: about 5% are not.
_FEEDING_NOT_RECORDED_SHARE = 0.05

#: Maternal mood (NICE CG192), asked of the mother when she is seen at the antenatal,
#: new birth and 6-8 week reviews. About 10-15% of women screen positive on the
#: Whooley questions in the perinatal period; a mother low after one birth is usually
#: still low at the next review, so each baby's mother either is (12%) or is not.
_MOOD_NOT_ASKED_SHARE = 0.06
_LOW_MOOD_AFTER_BIRTH_SHARE = 0.12
_WHOOLEY_POSITIVE_IF_LOW = 0.8
_WHOOLEY_POSITIVE_OTHERWISE = 0.03
_WHOOLEY_POSITIVE_ANTENATAL = 0.11
#: NICE CG192: a GAD-2 score of 3 or more warrants further assessment.
GAD2_FURTHER_ASSESSMENT = 3
#: A positive screen: (low mood, loss of interest).
_WHOOLEY_POSITIVE_ANSWERS = _Odds({(True, True): 45, (True, False): 40, (False, True): 15})
#: GAD-2 totals 0-6; mostly 0-2, 3 or more (further assessment) in about 1 in 8,
#: far more often with a positive Whooley screen.
_GAD2_SCORE = {
    False: _Odds({0: 52, 1: 25, 2: 14, 3: 5, 4: 3, 5: 1}),
    True: _Odds({0: 5, 1: 12, 2: 23, 3: 27, 4: 18, 5: 9, 6: 6}),
}
#: A mother with a positive screen is offered a listening visit within 2 weeks.
_LISTENING_VISIT_AFTER_DAYS = 14

#: Smoking is asked at every mandated review (mother, and anyone else at home).
_SMOKING_NOT_ASKED_SHARE = 0.05
#: Carbon monoxide is measured at some antenatal contacts (midwives at every one).
#: NICE NG209: 4 ppm or more suggests smoking; smokers read 4 to 20-odd ppm, most
#: about 8-12; non-smokers 0-3.
_CO_MEASURED_AT_ANTENATAL_SHARE = 0.4
_CO_PPM_SMOKER = (4, 26, 9)  # least, most, most often
_CO_PPM_NON_SMOKER = (0, 3)

#: ASQ-3 at the 1 year review (commonly) and the 2-2½ year review: 91.2% of 2-2½
#: year reviews used it (PHE, Q1 2017-18).
_ASQ_REVIEWS = frozenset({ContactKind.ONE_YEAR, ContactKind.TWO_YEAR})
_ASQ3_AT_ONE_YEAR_SHARE = 0.8
_ASQ3_AT_TWO_YEARS_SHARE = 0.91
_ASQ_SE2_AT_TWO_YEARS_SHARE = 0.3
_ASQ3_DOMAINS = (
    DevelopmentDomain.COMMUNICATION,
    DevelopmentDomain.GROSS_MOTOR,
    DevelopmentDomain.FINE_MOTOR,
    DevelopmentDomain.PROBLEM_SOLVING,
    DevelopmentDomain.PERSONAL_SOCIAL,
)
#: An ASQ-3 domain is six items scored 0, 5 or 10: 0 to 60 in steps of 5.
ASQ3_ITEM_STEP = 5
ASQ3_DOMAIN_MAXIMUM = 60
#: Demo cut-offs, NOT the publisher's: the real ASQ-3 cut-offs are Brookes
#: Publishing's, differ for every questionnaire interval (12, 24, 27, 30 months...)
#: and are not reproduced here. These are simple round numbers per domain, one set
#: for both reviews, chosen only so that the zones look plausible: below the cut-off
#: if the score is less than it, the monitoring zone for the next
#: ``ASQ3_MONITORING_BAND`` points, above the cut-off from there. The app itself
#: stores the zone the practitioner reads and never computes one.
ASQ3_CUTOFFS = {
    DevelopmentDomain.COMMUNICATION: 25,
    DevelopmentDomain.GROSS_MOTOR: 35,
    DevelopmentDomain.FINE_MOTOR: 35,
    DevelopmentDomain.PROBLEM_SOLVING: 30,
    DevelopmentDomain.PERSONAL_SOCIAL: 30,
}
ASQ3_MONITORING_BAND = 10
#: Below the cut-off: communication about 10%, more often than the other domains
#: (about 5% each), as in the national 2-2½ year figures, where communication is
#: the domain most often below.
_ASQ3_BELOW_CUTOFF_SHARE = {
    DevelopmentDomain.COMMUNICATION: 0.10,
    DevelopmentDomain.GROSS_MOTOR: 0.05,
    DevelopmentDomain.FINE_MOTOR: 0.05,
    DevelopmentDomain.PROBLEM_SOLVING: 0.05,
    DevelopmentDomain.PERSONAL_SOCIAL: 0.05,
}
_ASQ3_MONITORING_SHARE = 0.09
#: How much a child's domains go together (a general factor), as a correlation.
_ASQ3_DOMAIN_CORRELATION = 0.4
#: ASQ:SE-2 runs the other way: a higher total is more concern. Demo cut-offs again,
#: not the publisher's: below the monitoring zone is no concern, above the cut-off
#: suggests referral.
ASQ_SE2_MONITORING_FROM = 45
ASQ_SE2_CUTOFF = 60
_ASQ_SE2_ABOVE_CUTOFF_SHARE = 0.06
_ASQ_SE2_MONITORING_SHARE = 0.1
#: A child below a cut-off is reviewed in about 3 months.
_DEVELOPMENT_REVIEW_AFTER_DAYS = 91

#: Who was seen, in the words a health visitor writes ("{n}": baby under 1, else child).
_SEEN_ANTENATAL_WITH_PARTNER = _Odds({("Mother", True): 60, ("Mother and partner", True): 40})
_SEEN_ANTENATAL_ALONE = _Odds({("Mother", True): 92, ("Mother and grandmother", True): 8})
_SEEN_BY_HOUSEHOLD = {
    "mother_and_father": _Odds(
        {("Mother and {n}", True): 56, ("Both parents and {n}", True): 36,
         ("Father and {n}", False): 5, ("Grandmother and {n}", False): 3}
    ),
    "mother_and_partner": _Odds(
        {("Mother and {n}", True): 62, ("Mother, partner and {n}", True): 38}
    ),
    "mother": _Odds({("Mother and {n}", True): 85, ("Mother, grandmother and {n}", True): 15}),
    "father": _Odds({("Father and {n}", False): 100}),
    "grandparent": _Odds({("Grandmother and {n}", False): 100}),
    "grandparents": _Odds(
        {("Grandmother and {n}", False): 60, ("Grandparents and {n}", False): 40}
    ),
    "foster_carer": _Odds({("Foster carer and {n}", False): 100}),
    "foster_carers": _Odds(
        {("Foster carer and {n}", False): 70, ("Both foster carers and {n}", False): 30}
    ),
}  # fmt: skip
#: Families needing an interpreter mostly have one (now and then a relative helps,
#: against advice, or the family chooses English).
_INTERPRETER_USED_SHARE = 0.88

#: Free-text notes stay short: a sentence or two a health visitor would add to the
#: structured findings, never contradicting them (findings have their own fields).
_REVIEW_NOTES: dict[ContactKind, tuple[tuple[str, ...], ...]] = {
    ContactKind.ANTENATAL: (
        (
            "Plans to breastfeed; Start for Life information given.",
            "Undecided about feeding; responsive feeding discussed.",
            "Plans to formula feed; safe making-up of feeds discussed.",
        ),
        (
            "Safer sleep and preparing the home discussed.",
            "Transition to parenthood and support network discussed.",
            "Relationship with the baby in pregnancy discussed; leaflets given.",
        ),
    ),
    ContactKind.NEW_BIRTH_VISIT: (
        (
            "Cord separated, skin clear.",
            "Mild jaundice settling; midwife aware.",
            "Baby alert and settled between feeds.",
        ),
        (
            "Safer sleep, car seat and ICON (coping with crying) discussed.",
            "Safer sleep discussed; baby sleeps in a Moses basket in the parents' room.",
        ),
    ),
    ContactKind.SIX_TO_EIGHT_WEEK: (
        (
            "Smiling responsively; following faces.",
            "Good head control for age; hips checked at GP 6-8 week check.",
        ),
        (
            "Immunisations at 8 weeks booked with the GP.",
            "Immunisations discussed; first appointment booked.",
        ),
    ),
    ContactKind.ONE_YEAR: (
        (
            "Dental registration encouraged; Healthy Start vitamins discussed.",
            "Home safety (stairs, hot drinks, blind cords) discussed.",
        ),
        (
            "Eating family foods; drinking from an open cup.",
            "Weaning well; enjoys finger foods.",
        ),
    ),
    ContactKind.TWO_YEAR: (
        (
            "Toilet training and sleep routines discussed.",
            "Funded two-year-old childcare place discussed.",
            "Tooth brushing twice a day; dentist registered.",
        ),
    ),
}
_LOW_MOOD_NOTE = "Low mood discussed; listening visit offered and GP informed."
_ANXIETY_NOTE = "Anxiety discussed; further assessment with the GP agreed."
_SMOKER_NOTE = "Smokes; opt-out referral to the stop-smoking service explained."
_HOUSEHOLD_SMOKES_NOTE = "Smoke-free home and car discussed."
_ASQ3_NOT_DONE_NOTE = "ASQ-3 not completed at this visit."
_ASQ_SE2_CONCERN_NOTE = "ASQ:SE-2 above cut-off; behaviour support discussed."
_NOT_BROUGHT_NOTES = {
    "home": (
        "No answer at the door; calling card left and text sent to rebook.",
        "Family not at home; parent phoned later and the visit was rebooked.",
    ),
    "elsewhere": (
        "Was not brought to the appointment; parent phoned, child unwell. Rebooked.",
        "Was not brought; no contact from the family. Letter sent offering a new date.",
    ),
    "at a distance": ("No answer to the call; text sent to rebook.",),
    "antenatal": (
        "Not at home for the antenatal visit; card left and text sent to rebook.",
        "Did not attend the antenatal appointment; text sent offering a new date.",
    ),
}
_NOT_REBOOKED_NOTE = "No answer by phone; letter sent asking the family to call to rebook."
_DECLINED_NOTES = (
    "Declined the review; knows how to contact the team.",
    "Declined: family feel well supported. Contact details given.",
)
_OTHER_CONTACT_NOTES_INFANT = (
    (
        "Baby clinic: weight check. Feeding going well; parent reassured.",
        ContactLocation.CLINIC,
        True,
    ),
    ("Telephone advice on reflux and winding; leaflet sent.", ContactLocation.PHONE, False),
    ("Home visit: sleep and settling advice.", ContactLocation.HOME, False),
    (
        "Listening visit for maternal low mood; plan agreed, review in 2 weeks.",
        ContactLocation.HOME,
        False,
    ),
    (
        "Video call about starting solid foods and Healthy Start vitamins.",
        ContactLocation.VIRTUAL,
        False,
    ),
)
_OTHER_CONTACT_NOTES_TODDLER = (
    ("Family hub stay-and-play; development discussed.", ContactLocation.FAMILY_HUB, False),
    ("Home visit: toilet training and behaviour support.", ContactLocation.HOME, False),
    ("Telephone advice on fussy eating.", ContactLocation.PHONE, False),
    ("Clinic visit: sleep and bedtime routine.", ContactLocation.CLINIC, False),
)
_FALTERING_CHECK_NOTE = "Weight review: weight crossing down the centiles; feeding plan agreed."
_EARLY_WEIGHT_CHECK_NOTE = (
    "Joint visit with the midwife: sleepy baby, weight well below birth weight. Feeding "
    "assessed; infant feeding team informed."
)
_SLOW_REGAIN_CHECK_NOTE = (
    "Weight check: not yet back to birth weight. Feeding plan agreed; weigh again in a week."
)
#: Days to the next weight check after one of those.
_WEIGH_AGAIN_AFTER_DAYS = 7
_SAFEGUARDING_VISIT_NOTE = "Core group visit: child seen, home conditions observed."
_SAFEGUARDING_NOTES = {
    SafeguardingStatus.CHILD_PROTECTION_PLAN: (
        "Child protection plan, category neglect; core group meets monthly.",
        "Child protection plan, category emotional abuse; health visitor in core group.",
    ),
    SafeguardingStatus.CHILD_IN_NEED: (
        "Child in need plan; health visitor attends reviews.",
        "Child in need: parental mental health and housing.",
    ),
    SafeguardingStatus.LOOKED_AFTER: (
        "Looked after; placed with local authority foster carers.",
        "Looked after under a care order; initial health assessment done.",
    ),
    SafeguardingStatus.DOMESTIC_ABUSE_MARAC: (
        "Discussed at MARAC; safety plan in place. Speak to mother alone.",
        "MARAC notification received; routine enquiry at every contact.",
    ),
    SafeguardingStatus.PRE_BIRTH_PLAN: (
        "Pre-birth assessment: plan agreed with children's social care.",
        "Pre-birth plan; birth plan shared with the maternity safeguarding team.",
    ),
}


# --- Chance -----------------------------------------------------------------------------------


def _end_of_working_day(day: dt.date) -> dt.datetime:
    """When a demo entry dated ``day`` was saved: no dice (see ``_screening_and_immunisations``)."""
    return dt.datetime(day.year, day.month, day.day, 16, 30, tzinfo=dt.UTC)


class _Dice:
    """Every random choice in the demo, from one seeded generator (never the global one)."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)

    def new_id(self) -> uuid.UUID:
        return uuid.UUID(int=self._rng.getrandbits(128), version=4)

    def chance(self, probability: float) -> bool:
        return self._rng.random() < probability

    def draw(self, odds: _Odds[T]) -> T:
        return self._rng.choices(odds.options, cum_weights=odds.cumulative)[0]

    def pick(self, options: Sequence[T]) -> T:
        return self._rng.choice(options)

    def whole(self, low: int, high: int) -> int:
        """A whole number from ``low`` to ``high`` inclusive."""
        return self._rng.randint(low, high)

    def normal(self, mean: float, sd: float, low: float, high: float) -> float:
        return min(max(self._rng.gauss(mean, sd), low), high)

    def uniform(self, low: float, high: float) -> float:
        return self._rng.uniform(low, high)

    def triangular(self, low: float, high: float, mode: float) -> float:
        return self._rng.triangular(low, high, mode)

    def day(self, first: dt.date, last: dt.date) -> dt.date:
        """A date from ``first`` to ``last`` inclusive."""
        return first + dt.timedelta(days=self._rng.randint(0, (last - first).days))

    def moment(self, day: dt.date) -> dt.datetime:
        """A time in the working day of ``day``, UTC: when something dated ``day`` was saved."""
        start = dt.datetime(day.year, day.month, day.day, WORKING_DAY_STARTS_HOUR, tzinfo=dt.UTC)
        return start + dt.timedelta(minutes=self._rng.randrange(WORKING_DAY_MINUTES))

    def deal(self, odds: _Odds[T], count: int) -> list[T]:
        """``count`` draws, every option at least once when ``count`` allows.

        So that even a small demo shows every state a user may meet.
        """
        dealt = list(odds.options) if count >= len(odds.options) else []
        dealt += self._rng.choices(odds.options, cum_weights=odds.cumulative, k=count - len(dealt))
        self._rng.shuffle(dealt)
        return dealt


# --- Growth -------------------------------------------------------------------------------------


class _GrowthCurves:
    """UK-WHO values for any SDS, from rcpchgrowth, fast enough for 100,000 children.

    rcpchgrowth takes 20 µs to 0.7 ms a value (it scans its tables for the LMS
    values of the age, slower at older ages), and a trust-sized demo needs
    millions. ``uk_who_value_for_sds_quickly`` looks each age up once; ages are
    taken at every day for the first 8 weeks (where the charts change fastest) and
    every 7th day after, and values interpolated log-linearly in between, so a
    100,000-child demo looks up a few thousand ages, not millions. Against
    rcpchgrowth's exact value the error is under 0.05% (2 g at 4 kg), far inside the
    0.1 SDS noise each measurement is given; the SDS and centile stored with each
    measurement are computed exactly from the value (``assess_measurement_quickly``).
    Interpolation never spans a change of reference data, where the charts step.
    """

    DAILY_UNTIL_DAYS = 56
    STEP_DAYS = 7
    #: Where UK-WHO changes data (DOMAIN.md, "What a review records"): WHO under-2s
    #: (lying length) to over-2s (standing height) at 2 years, WHO 2006 to UK90 at
    #: 4 years (rcpchgrowth's thresholds, in days of 365.25 to the year). The UK90
    #: preterm to WHO change at corrected 2 weeks lies in the daily part.
    REFERENCE_CHANGES_DAYS = (730.5, 1461.0)

    def value(self, kind: MeasurementKind, sex: Sex, age_days: int, sds: float) -> float:
        """The ``kind`` value at ``sds`` for a corrected age of ``age_days`` days."""
        earlier, later, towards_later = self._age_bracket(age_days)
        log_value = self._log_value(kind, sex, earlier, sds)
        if towards_later:
            log_later = self._log_value(kind, sex, later, sds)
            log_value += (log_later - log_value) * towards_later
        return math.exp(log_value)

    def _age_bracket(self, age_days: int) -> tuple[int, int, float]:
        """The grid ages either side of ``age_days`` and how far it lies towards the later."""
        if age_days < self.DAILY_UNTIL_DAYS:
            return age_days, age_days, 0.0
        earlier = age_days - (age_days - self.DAILY_UNTIL_DAYS) % self.STEP_DAYS
        later = earlier + self.STEP_DAYS
        if earlier == age_days or any(
            earlier <= change <= later for change in self.REFERENCE_CHANGES_DAYS
        ):
            return age_days, age_days, 0.0
        return earlier, later, (age_days - earlier) / self.STEP_DAYS

    @staticmethod
    def _log_value(kind: MeasurementKind, sex: Sex, age_days: int, sds: float) -> float:
        value = uk_who_value_for_sds_quickly(
            kind=kind, sex=sex, decimal_age=age_days / 365.25, sds=sds
        )
        return math.log(value)


# --- Batched rows -------------------------------------------------------------------------------


class _Rows:
    """Rows waiting to be inserted, written in batches, parents first.

    Plain dictionaries and one multi-row INSERT per table, not an ORM object per row:
    100,000 children mean about 1.5 million rows. Writing every table in foreign-key
    order means each row's parents are always written before it.
    """

    ORDER: tuple[type[Base], ...] = (
        Team,
        User,
        Family,
        Carer,
        Pregnancy,
        Child,
        ChildSearchWord,
        ServiceLevelEntry,
        SafeguardingEntry,
        Contact,
        DevelopmentScore,
        Measurement,
        Referral,
        ReferralEvent,
        NewbornScreening,
        Immunisation,
    )

    def __init__(self, session: Session) -> None:
        self._session = session
        self._pending: dict[type[Base], list[_Row]] = {model: [] for model in self.ORDER}
        self._waiting = 0
        self.written: dict[type[Base], int] = dict.fromkeys(self.ORDER, 0)

    def add(self, model: type[Base], row: _Row) -> None:
        self._pending[model].append(row)
        self.written[model] += 1
        self._waiting += 1
        if self._waiting >= BATCH_ROWS:
            self.write()

    def write(self) -> None:
        for model in self.ORDER:
            rows = self._pending[model]
            if rows:
                # A Core INSERT of the table, every column given in every row: one
                # executemany, without the ORM's work per row (a third of the time).
                table = cast(Table, model.__table__)
                self._session.connection().execute(insert(table), rows)
                rows.clear()
        self._waiting = 0


# --- What the generator keeps about the people it creates ------------------------------------


@dataclass(frozen=True)
class _Staff:
    id: uuid.UUID
    full_name: str


@dataclass(eq=False)  # compared by identity: used as a dictionary key
class _Team:
    id: uuid.UUID
    locality: str
    district: int
    gp_practices: tuple[str, ...]
    lead: _Staff
    health_visitors: list[_Staff] = field(default_factory=list)

    @property
    def members(self) -> list[_Staff]:
        return [*self.health_visitors, self.lead]


@dataclass
class _Carer:
    id: uuid.UUID
    relationship: CarerRelationship
    smoking: SmokingStatus


@dataclass
class _Household:
    id: uuid.UUID
    team: _Team
    health_visitor: _Staff | None
    culture: _Culture
    surname: str
    known_from: dt.date
    last_day: dt.date  # today, or the day the family moved away
    moved: RecordStatus | None = None
    safeguarding: SafeguardingStatus | None = None
    safeguarding_from: dt.date | None = None
    carers: list[_Carer] = field(default_factory=list)
    children: list[_ChildPlan] = field(default_factory=list)
    given_names: set[str] = field(default_factory=set)  # siblings get different names
    due_dates: list[dt.date] = field(default_factory=list)  # ongoing pregnancies
    interpreter_needed: bool = False
    #: A mother in this household has screened positive for low mood (for referrals).
    mood_concern: bool = False

    @property
    def mother(self) -> _Carer | None:
        for carer in self.carers:
            if carer.relationship is CarerRelationship.MOTHER:
                return carer
        return None


@dataclass(frozen=True)
class _ContactMade:
    """A contact just written: what its measurements need to know."""

    id: uuid.UUID
    contact_date: dt.date
    saved_at: dt.datetime
    delivered_by: _Staff


#: What a contact records besides its kind, date, place and outcome: every column is
#: always given (``_Rows``), so a contact without findings carries these.
_NO_FINDINGS: dict[str, Any] = {
    "who_was_seen": "",
    "interpreter_used": False,
    "next_planned_contact": None,
    "feeding": None,
    "whooley_low_mood": None,
    "whooley_loss_of_interest": None,
    "gad2_score": None,
    "mother_smokes": None,
    "household_smokes": None,
    "carbon_monoxide_ppm": None,
}


class _GrowthPattern:
    """How a child's weight goes, as far as NICE NG75 is concerned."""

    #: Like most babies: a dip after birth, then the child's own centile.
    USUAL = "usual"
    #: Weight falls across the centiles from 6 weeks to 1 year (NG75 1.2).
    FALTERING = "faltering"
    #: Small but growing along a centile below the 2nd (NG75 1.2, whatever the trend).
    SMALL = "small"
    #: Loses more than 10% of birth weight and stays there for the first weeks (NG75 1.1).
    EARLY_LOSS = "early_loss"
    #: Not back to birth weight until 6 weeks (NG75 1.1: most are by 3 weeks).
    SLOW_REGAIN = "slow_regain"


#: The alert each pattern is there to show (see ``EARLY_LOSS_AGES_DAYS``).
_PATTERN_SHOWS = {
    _GrowthPattern.EARLY_LOSS: FalteringRule.EARLY_WEIGHT_LOSS,
    _GrowthPattern.SLOW_REGAIN: FalteringRule.NOT_BACK_TO_BIRTH_WEIGHT,
    _GrowthPattern.FALTERING: FalteringRule.FALL_ACROSS_CENTILE_SPACES,
    _GrowthPattern.SMALL: FalteringRule.BELOW_SECOND_CENTILE,
}


@dataclass
class _Development:
    """The ASQ scores of one review, and what the note says of them."""

    scores: list[tuple[DevelopmentDomain, int, ScreeningZone]]
    sentences: list[str]
    needs_review: bool  # a domain below the cut-off: review in about 3 months


@dataclass
class _ChildPlan:
    """One child and the growth they will show: SDS tracks on the UK-WHO charts."""

    id: uuid.UUID
    household: _Household
    date_of_birth: dt.date
    sex: Sex
    gestation: Gestation
    last_day: dt.date  # today, or when the record closed
    birth_weight_sds: float
    settled_weight_sds: float
    length_sds: float
    head_sds: float
    faltering_fall_sds: float = 0.0
    feeding: tuple[int, int] = (0, 0)  # _FEEDING at the new birth visit, at 6-8 weeks
    level: ServiceLevel = ServiceLevel.UNIVERSAL
    safeguarding_from: dt.date | None = None
    pattern: str = _GrowthPattern.USUAL
    birth_weight_kg: float = 0.0
    # The early days: weight falls by early_loss (a fraction of birth weight) to
    # nadir_day, stays there to plateau_until, is back to birth weight on regain_day.
    early_loss: float = 0.0
    plateau_until: int = NADIR_DAY
    regain_day: float = 0.0
    low_mood: bool = False  # the mother, after this birth
    development: float = 0.0  # ASQ general factor, standard normal
    communication_concern: bool = False  # below the ASQ-3 cut-off (for referrals)
    #: Contacts whose measurements are still to be taken, in any order: they are
    #: taken in date order, as a practitioner records them (``_measure``).
    to_measure: list[tuple[_ContactMade, tuple[MeasurementKind, ...]]] = field(default_factory=list)

    @property
    def safeguarding(self) -> bool:
        return self.safeguarding_from is not None

    @property
    def correction_days(self) -> int:
        """Days to subtract for corrected age: rcpchgrowth's UK-WHO correction (40+0 weeks)."""
        return TERM_DAYS - self.gestation.total_days

    def weight_sds(self, age_days: int) -> float:
        """Weight SDS by age: drifting from birth to a settled centile by 6 months, and
        for a faltering child falling steadily from 6 weeks to 1 year."""
        settling = min(max(age_days, 0) / 182, 1.0)
        sds = self.birth_weight_sds + (self.settled_weight_sds - self.birth_weight_sds) * settling
        if self.faltering_fall_sds:
            sds -= self.faltering_fall_sds * min(max((age_days - 42) / (365 - 42), 0.0), 1.0)
        return sds

    def weight_kg(self, age_days: int, on_track_kg: float) -> float:
        """Weight by age: the dip after birth, then back up to ``on_track_kg`` (the
        weight on the child's own centile) over ``CATCH_UP_DAYS``."""
        birth = self.birth_weight_kg
        if age_days >= self.regain_day + CATCH_UP_DAYS:
            return on_track_kg
        if age_days <= NADIR_DAY:
            return birth * (1 - self.early_loss * age_days / NADIR_DAY)
        if age_days <= self.plateau_until:
            return birth * (1 - self.early_loss)
        if age_days <= self.regain_day:
            still_to_regain = (self.regain_day - age_days) / (self.regain_day - self.plateau_until)
            return birth * (1 - self.early_loss * still_to_regain)
        return birth + (on_track_kg - birth) * (age_days - self.regain_day) / CATCH_UP_DAYS


#: Who a referral is about: a child, or (None) the household's mother.
_Subject = tuple[_Household, _ChildPlan | None]


# --- The generator ------------------------------------------------------------------------------


class _DemoGenerator:
    """Builds the demo caseload, household by household, into ``session``."""

    def __init__(
        self,
        session: Session,
        *,
        children: int,
        seed: int,
        today: dt.date,
        volume: DemoVolume = STANDARD_VOLUME,
    ) -> None:
        self.session = session
        self.volume = volume
        self.dice = _Dice(seed)
        self.today = today
        self.children_wanted = children
        self.rows = _Rows(session)
        self.curves = _GrowthCurves()
        # Children up to their 5th birthday (then school nursing); staff a month before.
        self.oldest_birthday = add_months(today, -60) + dt.timedelta(days=1)
        self.service_start = self.oldest_birthday - dt.timedelta(days=31)
        self.teams: list[_Team] = []
        self.households: list[_Household] = []
        self.children: list[_ChildPlan] = []
        self.team_odds: _Odds[_Team] = _Odds({})
        self.nhs_numbers: set[str] = set()
        self.pre_birth_plans: set[uuid.UUID] = set()
        self.referral_type_ids: dict[str, uuid.UUID] = {}
        self.taken_usernames: set[str] = set()
        self.taken_team_names: set[str] = set()
        #: NG75 alerts no child on the caseload shows yet (see ``EARLY_LOSS_AGES_DAYS``).
        self.alerts_to_show: set[FalteringRule] = set(FalteringRule)

    def run(self) -> DemoSummary:
        self._load_reference_data()
        self._staff_and_teams()
        # The first two families have a baby young enough for the early-days alerts.
        showcase = [EARLY_LOSS_AGES_DAYS, SLOW_REGAIN_AGES_DAYS]
        while len(self.children) < self.children_wanted:
            self._household_with_children(youngest_age_days=showcase.pop(0) if showcase else None)
        for _ in range(round(self.children_wanted * FIRST_PREGNANCIES_PER_CHILD)):
            self._household_expecting_first_baby()
        self._referrals()
        self._screening_and_immunisations()
        self.rows.write()
        self._referral_prompts()
        written = self.rows.written
        return DemoSummary(
            teams=written[Team],
            users=written[User],
            families=written[Family],
            children=written[Child],
            pregnancies=written[Pregnancy],
            contacts=written[Contact],
            measurements=written[Measurement],
            referrals=written[Referral],
            safeguarding_flags=written[SafeguardingEntry],
        )

    def _load_reference_data(self) -> None:
        types = select(ReferralType.code, ReferralType.id).where(ReferralType.retired.is_(False))
        self.referral_type_ids = {code: type_id for code, type_id in self.session.execute(types)}
        self.taken_usernames = set(self.session.scalars(select(User.username)))
        self.taken_team_names = set(self.session.scalars(select(Team.name)))

    # --- Teams and staff ----------------------------------------------------------------

    def _staff_and_teams(self) -> None:
        """About one health visitor per 333 children, 12 to a team, a lead per team."""
        health_visitors = max(
            MINIMUM_TEAMS * MINIMUM_HEALTH_VISITORS_PER_TEAM,
            round(self.children_wanted * HEALTH_VISITORS_PER_1000_CHILDREN / 1000),
        )
        team_count = max(MINIMUM_TEAMS, math.ceil(health_visitors / HEALTH_VISITORS_PER_TEAM))
        for index in range(team_count):
            team_id = self.dice.new_id()
            locality = self._team_locality(index)
            self._row(Team, self.service_start, id=team_id, name=f"{locality} Health Visiting Team")
            lead = self._staff_member(Role.TEAM_LEAD, team_id)
            practices = tuple(
                kind.format(locality=locality, street=self.dice.pick(_STREETS).split()[0])
                for kind in _GP_PRACTICE_KINDS
            )
            self.teams.append(_Team(team_id, locality, index + 1, practices, lead))
        for index in range(health_visitors):
            team = self.teams[index % team_count]
            team.health_visitors.append(self._staff_member(Role.HEALTH_VISITOR, team.id))
        self._staff_member(Role.ADMINISTRATOR, None)
        self.team_odds = _Odds({team: len(team.health_visitors) for team in self.teams})

    def _team_locality(self, index: int) -> str:
        base = _LOCALITIES[index % len(_LOCALITIES)]
        locality = base if index < len(_LOCALITIES) else f"{base} {index // len(_LOCALITIES) + 1}"
        while f"{locality} Health Visiting Team" in self.taken_team_names:
            locality += " North"
        return locality

    def _staff_member(self, role: Role, team_id: uuid.UUID | None) -> _Staff:
        culture = self.dice.draw(_STAFF_CULTURE_ODDS)
        woman = self.dice.chance(STAFF_WOMEN_SHARE)
        given = self.dice.pick(culture.women if woman else culture.men)
        surname = self.dice.pick(culture.surnames)
        staff = _Staff(self.dice.new_id(), f"{given} {surname}")
        self._row(
            User,
            self.service_start,
            id=staff.id,
            username=self._username(given, surname),
            full_name=staff.full_name,
            role=role,
            team_id=team_id,
            active=True,
            password_hash=demo_password_hash(),  # DEMO_PASSWORD, README "Signing in"
        )
        return staff

    def _username(self, given: str, surname: str) -> str:
        """First initial and surname, e.g. ``jokafor``; a number added if already taken."""
        base = (_ascii_letters(given)[:1] + _ascii_letters(surname))[:60]
        username, number = base, 1
        while username in self.taken_usernames:
            number += 1
            username = f"{base}{number}"
        self.taken_usernames.add(username)
        return username

    # --- Families -------------------------------------------------------------------------

    def _household_with_children(self, youngest_age_days: tuple[int, int] | None = None) -> None:
        kind = self.dice.draw(_HOUSEHOLD_KIND)
        birthdays = self._birthdays(
            most=self.children_wanted - len(self.children), youngest_age_days=youngest_age_days
        )
        household = self._household(kind, known_from=birthdays[0])
        if youngest_age_days is None:
            self._maybe_moved_away(household, youngest=birthdays[-1])
        if kind == "foster":
            household.safeguarding = SafeguardingStatus.LOOKED_AFTER
        elif self.dice.chance(SAFEGUARDING_FAMILY_SHARE):
            household.safeguarding = self.dice.draw(_CHILD_SAFEGUARDING)
        if household.safeguarding:
            household.safeguarding_from = self.dice.day(household.known_from, household.last_day)
        self._family_row(household, kind, first_birthday=birthdays[0])
        # Foster children keep their birth family's surname and names.
        if kind == "foster":
            birth_family = self.dice.draw(_CULTURE_ODDS)
            birth_surname = self.dice.pick(birth_family.surnames)
        else:
            birth_family, birth_surname = household.culture, household.surname
        for birthday in birthdays:
            self._child(household, birthday, birth_family, birth_surname)
        youngest = household.children[-1].date_of_birth
        if (
            household.mother is not None
            and household.moved is None
            and (self.today - youngest).days >= 270
            and self.dice.chance(NEXT_BABY_SHARE)
        ):
            self._ongoing_pregnancy(household)

    def _household_expecting_first_baby(self) -> None:
        kind = "two_parents" if self.dice.chance(0.75) else "lone_mother"
        due = self.today + dt.timedelta(days=self.dice.whole(1, ONGOING_PREGNANCY_HORIZON_DAYS))
        # Midwives tell the health visiting team of a pregnancy at about 16 weeks.
        household = self._household(kind, known_from=due - dt.timedelta(days=TERM_DAYS - 16 * 7))
        self._family_row(household, kind, first_birthday=due)
        self._ongoing_pregnancy(household, due=due)

    def _household(self, kind: str, known_from: dt.date) -> _Household:
        team = self.dice.draw(self.team_odds)
        allocated = not self.dice.chance(UNALLOCATED_FAMILY_SHARE)
        culture = self.dice.draw(_CULTURE_ODDS)
        household = _Household(
            id=self.dice.new_id(),
            team=team,
            health_visitor=self.dice.pick(team.health_visitors) if allocated else None,
            culture=culture,
            surname=self.dice.pick(culture.surnames),
            known_from=known_from,
            last_day=self.today,
        )
        self.households.append(household)
        return household

    def _birthdays(
        self, most: int, youngest_age_days: tuple[int, int] | None = None
    ) -> list[dt.date]:
        """Dates of birth of a new family's children under 5 (at most ``most``), oldest first.

        The family's children are placed at random on a timeline longer than five
        years, and only those born by yesterday and under 5 today are kept (elder ones
        are at school, younger ones not born yet). So every child's date of birth is
        uniform over the five years, whatever the size of the family. Given
        ``youngest_age_days`` (least, most), the youngest is that many days old today.
        """
        yesterday = self.today - dt.timedelta(days=1)
        while True:
            planned = self.dice.draw(_PLANNED_CHILDREN)
            gaps = [round(self.dice.triangular(*_SIBLING_GAP_DAYS)) for _ in range(planned - 1)]
            youngest = self.dice.day(self.oldest_birthday, yesterday + dt.timedelta(sum(gaps)))
            if youngest_age_days is not None:
                youngest = self.today - dt.timedelta(days=self.dice.whole(*youngest_age_days))
            birthdays = [youngest]
            for gap in gaps:
                birthdays.insert(0, birthdays[0] - dt.timedelta(days=gap))
            under_five = [day for day in birthdays if self.oldest_birthday <= day <= yesterday]
            if under_five:
                return under_five[:most]

    def _maybe_moved_away(self, household: _Household, youngest: dt.date) -> None:
        earliest = youngest + dt.timedelta(days=30)
        if earliest < self.today and self.dice.chance(MOVED_FAMILY_SHARE):
            household.moved = (
                RecordStatus.MOVED_AWAY if self.dice.chance(0.55) else RecordStatus.TRANSFERRED_OUT
            )
            household.last_day = self.dice.day(earliest, self.today - dt.timedelta(days=1))

    def _family_row(self, household: _Household, kind: str, first_birthday: dt.date) -> None:
        dice, team, culture = self.dice, household.team, household.culture
        language = dice.draw(_LANGUAGE_ODDS[culture])
        household.interpreter_needed = language != "English" and dice.chance(_INTERPRETER_SHARE)
        if dice.chance(_FLAT_SHARE):
            flat = f"Flat {dice.whole(1, 24)}, {dice.pick(_BLOCKS_OF_FLATS)}"
            address = (flat, dice.pick(_STREETS))
        else:
            address = (f"{dice.whole(1, 180)} {dice.pick(_STREETS)}", "")
        inward = f"{dice.whole(1, 9)}{dice.pick(_POSTCODE_INWARD_LETTERS)}"
        inward += dice.pick(_POSTCODE_INWARD_LETTERS)
        self._row(
            Family,
            household.known_from,
            id=household.id,
            team_id=team.id,
            family_name=household.surname,
            address_line_1=address[0],
            address_line_2=address[1],
            town=team.locality,
            postcode=f"{_FICTIONAL_POSTCODE_AREA}{team.district} {inward}",
            main_language=language,
            interpreter_needed=household.interpreter_needed,
            gp_practice=dice.pick(team.gp_practices),
        )
        for relationship, woman in self._carer_roles(kind):
            self._carer(household, relationship, woman, first_birthday)

    def _carer_roles(self, kind: str) -> list[tuple[CarerRelationship, bool]]:
        """Who cares for the children: (relationship, is a woman), main carer first."""
        if kind == "two_parents":
            second = CarerRelationship.FATHER
            woman = False
            if self.dice.chance(_PARTNER_NOT_FATHER_SHARE):
                second, woman = CarerRelationship.PARTNER, self.dice.chance(0.1)
            return [(CarerRelationship.MOTHER, True), (second, woman)]
        if kind == "lone_mother":
            return [(CarerRelationship.MOTHER, True)]
        if kind == "lone_father":
            return [(CarerRelationship.FATHER, False)]
        roles = [(CarerRelationship.GRANDPARENT, True)] if kind == "kinship" else []
        roles = roles or [(CarerRelationship.FOSTER_CARER, True)]
        if self.dice.chance(0.5):
            roles.append((roles[0][0], False))
        return roles

    def _carer(
        self,
        household: _Household,
        relationship: CarerRelationship,
        woman: bool,
        first_birthday: dt.date,
    ) -> None:
        dice = self.dice
        culture = household.culture
        if relationship is not CarerRelationship.MOTHER and dice.chance(_MIXED_COUPLE_SHARE):
            culture = dice.draw(_CULTURE_ODDS)
        surname = household.surname
        if (
            relationship is CarerRelationship.MOTHER and dice.chance(_OWN_SURNAME_SHARE)
        ) or culture is not household.culture:
            surname = dice.pick(culture.surnames)
        if relationship is CarerRelationship.FOSTER_CARER:
            age_years, on = dice.uniform(*_FOSTER_CARER_AGE), self.today
        else:
            age_years, on = dice.normal(*_CARER_AGE_AT_FIRST_BIRTH[relationship]), first_birthday
        born = on - dt.timedelta(days=round(age_years * 365.25))
        first_carer = not household.carers
        carer = _Carer(dice.new_id(), relationship, dice.draw(_SMOKING[relationship]))
        household.carers.append(carer)
        self._row(
            Carer,
            household.known_from,
            id=carer.id,
            family_id=household.id,
            given_name=dice.pick(culture.women if woman else culture.men),
            family_name=surname,
            date_of_birth=born,
            relationship_to_child=relationship,
            phone="" if not first_carer and dice.chance(_NO_PHONE_SHARE) else self._phone(),
            smoking_status=carer.smoking,
        )

    # --- Children ----------------------------------------------------------------------------

    def _child(
        self, household: _Household, birthday: dt.date, culture: _Culture, surname: str
    ) -> None:
        dice = self.dice
        sex = Sex.MALE if dice.chance(0.512) else Sex.FEMALE  # 105 boys : 100 girls
        gestation = check_gestation(dice.draw(_GESTATION_WEEKS), dice.whole(0, 6))
        check_date_of_birth(birthday, self.today)
        pattern = self._growth_pattern(
            (self.today - birthday).days, on_caseload=household.moved is None
        )
        birth_sds = dice.normal(0, 1, -2.8, 2.8)
        fall = 0.0
        if pattern == _GrowthPattern.FALTERING:
            # From a centile between the 9th and 91st that keeps the fall within the charts.
            birth_sds = dice.normal(0.3, 0.6, -1.0, 1.3)
            fall = dice.uniform(*FALTERING_FALL_SDS)
        elif pattern == _GrowthPattern.SMALL:
            birth_sds = dice.normal(-1.8, 0.2, -2.2, -1.4)
        # Centiles drift towards the middle after birth (regression to the mean).
        settled_sds = dice.normal(0.8 * birth_sds, 0.3, -3, 3)
        if pattern == _GrowthPattern.SMALL:
            settled_sds = dice.normal(-2.45, 0.15, -2.8, -2.2)
        child = _ChildPlan(
            id=dice.new_id(),
            household=household,
            date_of_birth=birthday,
            sex=sex,
            gestation=gestation,
            last_day=household.last_day,
            birth_weight_sds=birth_sds,
            settled_weight_sds=settled_sds,
            length_sds=dice.normal(0.6 * birth_sds, 0.8, -3, 3),
            head_sds=dice.normal(0.5 * birth_sds, 0.85, -3, 3),
            faltering_fall_sds=fall,
            pattern=pattern,
            low_mood=dice.chance(_LOW_MOOD_AFTER_BIRTH_SHARE),
            development=dice.normal(0, 1, -4, 4),
        )
        self._early_days(child)
        feeding = dice.draw(_FEEDING_AT_NEW_BIRTH_VISIT)
        later = _FEEDING_STEPS_DOWN_BY_SIX_WEEKS.get(feeding)
        child.feeding = (feeding, dice.draw(later) if later else feeding)
        status, status_date = household.moved, None
        if status is not None:
            status_date = household.last_day
        elif add_months(birthday, 48) < self.today and dice.chance(DISCHARGED_OVER_FOURS_SHARE):
            status = RecordStatus.DISCHARGED
            status_date = dice.day(
                max(add_months(birthday, 48), self.today - dt.timedelta(days=180)),
                self.today - dt.timedelta(days=1),
            )
            child.last_day = status_date
        household.children.append(child)
        self.children.append(child)

        pregnancy_id = self._pregnancy_for_birth(child)
        birth_weight = round(
            self.curves.value(MeasurementKind.WEIGHT, sex, -child.correction_days, birth_sds), 2
        )
        check_birth_weight(birth_weight)
        child.birth_weight_kg = birth_weight
        place = dice.draw(_PLACES_OF_BIRTH)
        if gestation.weeks < _VERY_PRETERM_WEEKS:
            place = _NEONATAL_UNIT
        notified = birthday + dt.timedelta(days=1)
        given_name = self._given_name(household, culture, sex)
        self._row(
            Child,
            notified,
            updated=status_date,
            id=child.id,
            nhs_number=self._nhs_number(),
            given_name=given_name,
            family_name=surname,
            date_of_birth=birthday,
            sex=sex,
            gestation_weeks=gestation.weeks,
            gestation_days=gestation.days,
            birth_weight_kg=birth_weight,
            place_of_birth=place.format(
                first=self.teams[0].locality, second=self.teams[-1].locality
            ),
            family_id=household.id,
            pregnancy_id=pregnancy_id,
            team_id=household.team.id,
            health_visitor_id=household.health_visitor.id if household.health_visitor else None,
            record_status=status or RecordStatus.ACTIVE,
            record_status_date=status_date,
        )
        # Bulk rows bypass the ORM's events, so the search words are written here.
        for word in search_words_for(child.id, given_name, surname):
            self.rows.add(ChildSearchWord, word)
        # Safeguarding first: a child with a plan is supported at Universal Partnership Plus.
        self._child_safeguarding(
            child, from_birth=pregnancy_id is not None and pregnancy_id in self.pre_birth_plans
        )
        self._service_levels(child)
        at_birth = self._birth_weight(child)
        self._mandated_reviews(child)
        self._other_contacts(child)
        self._early_weight_check(child)
        weights = self._measure(child, at_birth)
        self._note_alerts_shown(child, at_birth, weights)

    def _growth_pattern(self, age_today: int, *, on_caseload: bool) -> str:
        """How a child's weight will go: mostly as usual, 3% faltering, and the first
        children of the right age for an NG75 alert no child shows yet get it."""
        wanted = self.alerts_to_show
        if on_caseload and wanted:
            later = len(self.children) >= self.children_wanted * LATER_ALERTS_FROM_SHARE_OF_CHILDREN
            fits = {
                _GrowthPattern.EARLY_LOSS: EARLY_LOSS_AGES_DAYS[0]
                <= age_today
                <= EARLY_LOSS_AGES_DAYS[1],
                _GrowthPattern.SLOW_REGAIN: SLOW_REGAIN_AGES_DAYS[0]
                <= age_today
                <= SLOW_REGAIN_AGES_DAYS[1],
                _GrowthPattern.FALTERING: later and age_today >= FALTERING_FROM_AGE_DAYS,
                _GrowthPattern.SMALL: later and age_today >= SMALL_FROM_AGE_DAYS,
            }
            for pattern, shows in _PATTERN_SHOWS.items():
                if shows in wanted and fits[pattern]:
                    return pattern
        return (
            _GrowthPattern.FALTERING if self.dice.chance(FALTERING_SHARE) else _GrowthPattern.USUAL
        )

    def _early_days(self, child: _ChildPlan) -> None:
        """The weight lost after birth and the day it is regained: the longer a baby
        takes to regain, the more it tends to have lost."""
        dice = self.dice
        if child.pattern == _GrowthPattern.EARLY_LOSS:
            child.early_loss = dice.uniform(0.11, 0.13)  # NG75 1.1.2: more than 10%
            child.plateau_until = EARLY_LOSS_AGES_DAYS[1] - 1  # low all the early days
            child.regain_day = dice.whole(38, 45)
        elif child.pattern == _GrowthPattern.SLOW_REGAIN:
            child.early_loss = dice.uniform(0.07, 0.09)
            child.regain_day = dice.whole(44, 50)
        else:
            slow = dice.normal(0, 1, -3, 3)
            least, most = REGAIN_DAY_RANGE
            regain = REGAIN_DAY_MEDIAN * math.exp(REGAIN_DAY_SPREAD * slow)
            child.regain_day = min(max(regain, least), most)
            mean, sd, smallest, largest = EARLY_LOSS_SHARE
            child.early_loss = dice.normal(mean + 0.7 * sd * slow, 0.71 * sd, smallest, largest)

    def _given_name(self, household: _Household, culture: _Culture, sex: Sex) -> str:
        names = culture.girls if sex is Sex.FEMALE else culture.boys
        if culture is not _BRITISH and self.dice.chance(_ENGLISH_NAME_FOR_CHILD_SHARE):
            names = _BRITISH.girls if sex is Sex.FEMALE else _BRITISH.boys
        given = self.dice.pick(names)
        if given in household.given_names:
            given = self.dice.pick(names)  # a second try makes a repeat rare enough
        household.given_names.add(given)
        return given

    def _phone(self) -> str:
        """A mobile number from Ofcom's drama range, 07700 900000 to 900999."""
        return f"07700 900{self.dice.whole(0, 999):03d}"

    def _nhs_number(self) -> str:
        """A new NHS number from the never-issued 999 range with a valid check digit."""
        while True:
            first_nine = f"999{self.dice.whole(0, 999_999):06d}"
            total = sum(int(d) * w for d, w in zip(first_nine, range(10, 1, -1), strict=True))
            check = (11 - total % 11) % 11
            number = f"{first_nine}{check}"
            if check != 10 and number not in self.nhs_numbers:
                self.nhs_numbers.add(clean_nhs_number(number))
                return number

    # --- Pregnancies ----------------------------------------------------------------------

    def _pregnancy_for_birth(self, child: _ChildPlan) -> uuid.UUID | None:
        """The pregnancy record of a recent birth, with its antenatal review."""
        household = child.household
        mother = household.mother
        recent = add_months(self.today, -PREGNANCY_RECORDS_FOR_BIRTHS_WITHIN_MONTHS)
        if mother is None or child.date_of_birth < recent:
            return None
        due = child.date_of_birth + dt.timedelta(days=child.correction_days)
        pregnancy_id = self._pregnancy_row(household, mother, due, born=child.date_of_birth)
        window = antenatal_window(due, child.date_of_birth)
        self._review(
            window,
            household,
            last_day=child.date_of_birth - dt.timedelta(days=1),
            pregnancy_id=pregnancy_id,
            due=due,
            born=child.date_of_birth,
        )
        return pregnancy_id

    def _ongoing_pregnancy(self, household: _Household, due: dt.date | None = None) -> None:
        mother = household.mother
        assert mother is not None, "only a household with a mother has a pregnancy"
        if due is None:
            due = self.today + dt.timedelta(days=self.dice.whole(1, ONGOING_PREGNANCY_HORIZON_DAYS))
        household.due_dates.append(due)
        pregnancy_id = self._pregnancy_row(household, mother, due, born=None)
        self._review(
            antenatal_window(due),
            household,
            last_day=min(self.today, due - dt.timedelta(days=1)),
            pregnancy_id=pregnancy_id,
            due=due,
            born=None,
        )

    def _pregnancy_row(
        self, household: _Household, mother: _Carer, due: dt.date, born: dt.date | None
    ) -> uuid.UUID:
        pregnancy_id = self.dice.new_id()
        notified = max(due - dt.timedelta(days=TERM_DAYS - 16 * 7), self.service_start)
        self._row(
            Pregnancy,
            min(notified, self.today),
            updated=born,
            id=pregnancy_id,
            family_id=household.id,
            mother_id=mother.id,
            estimated_delivery_date=due,
            outcome=PregnancyOutcome.LIVE_BIRTH if born else PregnancyOutcome.ONGOING,
            outcome_date=born,
            health_visitor_id=household.health_visitor.id if household.health_visitor else None,
        )
        in_safeguarding_family = household.safeguarding in (
            SafeguardingStatus.CHILD_PROTECTION_PLAN,
            SafeguardingStatus.CHILD_IN_NEED,
            SafeguardingStatus.DOMESTIC_ABUSE_MARAC,
        )
        if self.dice.chance(
            PRE_BIRTH_PLAN_IN_SAFEGUARDING_FAMILY
            if in_safeguarding_family
            else PRE_BIRTH_PLAN_OTHERWISE
        ):
            # Pre-birth assessments start around 20-30 weeks and end at the birth.
            start = min(due - dt.timedelta(days=self.dice.whole(70, 140)), self.today)
            end = born if born and born >= start else None
            if born is None or end is not None:
                self.pre_birth_plans.add(pregnancy_id)
                self._safeguarding_row(
                    SafeguardingStatus.PRE_BIRTH_PLAN,
                    household,
                    start,
                    end,
                    pregnancy_id=pregnancy_id,
                )
        return pregnancy_id

    # --- Levels of service and safeguarding --------------------------------------------------

    def _service_levels(self, child: _ChildPlan) -> None:
        """Dated history of the child's level of service: the open entry is current."""
        dice = self.dice
        periods = [(child.date_of_birth, dice.draw(_SERVICE_LEVEL_AT_BIRTH))]
        changes = dice.draw(_SERVICE_LEVEL_CHANGES)
        for _ in range(changes):
            first = periods[-1][0] + dt.timedelta(days=42)
            if first >= child.last_day:
                break
            periods.append(
                (dice.day(first, child.last_day), dice.pick(_SERVICE_LEVEL_STEPS[periods[-1][1]]))
            )
        # A child with a safeguarding plan is supported at Universal Partnership Plus.
        household = child.household
        if child.safeguarding_from is not None:
            start = child.safeguarding_from
            periods = [period for period in periods if period[0] < start]
            periods.append((start, ServiceLevel.UNIVERSAL_PARTNERSHIP_PLUS))
        child.level = periods[-1][1]
        for index, (start, level) in enumerate(periods):
            following = periods[index + 1][0] if index + 1 < len(periods) else None
            self._row(
                ServiceLevelEntry,
                start,
                id=dice.new_id(),
                child_id=child.id,
                level=level,
                start_date=start,
                end_date=following - dt.timedelta(days=1) if following else None,
                recorded_by_id=self._named_or_lead(household).id,
            )

    def _child_safeguarding(self, child: _ChildPlan, from_birth: bool) -> None:
        household = child.household
        if household.safeguarding is None or household.safeguarding_from is None:
            return
        start = child.date_of_birth if from_birth else household.safeguarding_from
        start = max(start, child.date_of_birth)
        if start > child.last_day:
            return
        child.safeguarding_from = start
        status = household.safeguarding
        end = None
        if (child.last_day - start).days > 120 and self.dice.chance(_SAFEGUARDING_ENDED_SHARE):
            end = self.dice.day(start + dt.timedelta(days=90), child.last_day)
        self._safeguarding_row(status, household, start, end, child_id=child.id)
        if (
            end is not None
            and end < child.last_day
            and status is SafeguardingStatus.CHILD_PROTECTION_PLAN
            and self.dice.chance(_STEP_DOWN_TO_CHILD_IN_NEED_SHARE)
        ):
            self._safeguarding_row(
                SafeguardingStatus.CHILD_IN_NEED,
                household,
                end + dt.timedelta(days=1),
                None,
                child_id=child.id,
            )

    def _safeguarding_row(
        self,
        status: SafeguardingStatus,
        household: _Household,
        start: dt.date,
        end: dt.date | None,
        *,
        child_id: uuid.UUID | None = None,
        pregnancy_id: uuid.UUID | None = None,
    ) -> None:
        self._row(
            SafeguardingEntry,
            start,
            id=self.dice.new_id(),
            child_id=child_id,
            pregnancy_id=pregnancy_id,
            status=status,
            start_date=start,
            end_date=end,
            note=self.dice.pick(_SAFEGUARDING_NOTES[status]),
            recorded_by_id=self._named_or_lead(household).id,
        )

    # --- Contacts -----------------------------------------------------------------------

    def _mandated_reviews(self, child: _ChildPlan) -> None:
        for window in child_review_windows(child.date_of_birth):
            if window.opens > child.last_day:
                break
            self._review(window, child.household, last_day=child.last_day, child=child)

    def _review(
        self,
        window: ReviewWindow,
        household: _Household,
        *,
        last_day: dt.date,
        child: _ChildPlan | None = None,
        pregnancy_id: uuid.UUID | None = None,
        due: dt.date | None = None,
        born: dt.date | None = None,
    ) -> None:
        """One mandated review: its attempts, as far as they have happened by ``last_day``."""
        kind = window.kind
        for when, outcome, rebooked in self._attempts(
            window, self.dice.draw(_REVIEW_OUTCOMES[kind])
        ):
            if when > last_day:
                break
            check_contact_date(
                kind,
                when,
                today=self.today,
                date_of_birth=child.date_of_birth if child else born,
                estimated_delivery_date=due,
            )
            location = self.dice.draw(_REVIEW_LOCATIONS[kind])
            findings: dict[str, Any] = {}
            development: _Development | None = None
            if outcome is ContactOutcome.COMPLETED:
                findings, sentences, development = self._review_findings(
                    kind, household, child, when, location
                )
                notes = " ".join(sentences)
            elif outcome is ContactOutcome.NOT_ATTENDED:
                findings["next_planned_contact"] = rebooked
                notes = self._not_brought_note(kind, location, rebooked)
            else:
                notes = self.dice.pick(_DECLINED_NOTES)
            contact = self._contact(
                kind,
                household,
                when,
                location,
                outcome,
                notes,
                child=child,
                pregnancy_id=pregnancy_id,
                findings=findings,
            )
            if development is not None:
                for domain, score, zone in development.scores:
                    self.rows.add(
                        DevelopmentScore,
                        {
                            "id": self.dice.new_id(),
                            "contact_id": contact.id,
                            "domain": domain,
                            "score": score,
                            "zone": zone,
                        },
                    )
            if child is not None and outcome is ContactOutcome.COMPLETED:
                child.to_measure.append((contact, _REVIEW_MEASURES[kind]))

    def _attempts(
        self, window: ReviewWindow, scenario: str
    ) -> list[tuple[dt.date, ContactOutcome, dt.date | None]]:
        """The contacts a review scenario produces, in date order, each with the date a
        contact the child was not brought to is rebooked for (if it is)."""
        dice, opens, target = self.dice, window.opens, window.target_by
        if window.kind is ContactKind.ANTENATAL:
            # Before the birth: the window's target is the day of birth itself.
            target -= dt.timedelta(days=1)
            if target < opens:
                return []
        if scenario == ON_TIME:
            return [(dice.day(opens, target), ContactOutcome.COMPLETED, None)]
        if scenario == LATE:
            late_until = window.closes
            if late_until == window.target_by:
                late_until += dt.timedelta(days=_LATE_DAYS_AFTER_TARGET[window.kind])
            first_late = window.target_by + dt.timedelta(days=1)
            return [(dice.day(first_late, late_until), ContactOutcome.COMPLETED, None)]
        if scenario == NOT_BROUGHT_THEN_REBOOKED:
            not_brought = dice.day(opens, target)
            rebooked = not_brought + dt.timedelta(days=dice.whole(*_REBOOKED_AFTER_DAYS))
            # Now and then no date is agreed at first: the family calls back to rebook.
            planned = rebooked if dice.chance(_REBOOKED_SHARE) else None
            attempts = [(not_brought, ContactOutcome.NOT_ATTENDED, planned)]
            if window.kind is not ContactKind.ANTENATAL or rebooked <= target:
                attempts.append((rebooked, ContactOutcome.COMPLETED, None))
            return attempts
        if scenario == DECLINED:
            return [(dice.day(opens, target), ContactOutcome.DECLINED, None)]
        return []  # missed: nobody saw the family within the window

    def _not_brought_note(
        self, kind: ContactKind, location: ContactLocation, rebooked: dt.date | None
    ) -> str:
        if rebooked is None:
            return _NOT_REBOOKED_NOTE
        if kind is ContactKind.ANTENATAL:
            return self.dice.pick(_NOT_BROUGHT_NOTES["antenatal"])
        where: str = "elsewhere"
        if location in (ContactLocation.HOME, ContactLocation.PHONE, ContactLocation.VIRTUAL):
            where = "at a distance" if location is not ContactLocation.HOME else "home"
        return self.dice.pick(_NOT_BROUGHT_NOTES[where])

    # --- What a completed review records -------------------------------------------------

    def _review_findings(
        self,
        kind: ContactKind,
        household: _Household,
        child: _ChildPlan | None,
        when: dt.date,
        location: ContactLocation,
    ) -> tuple[dict[str, Any], list[str], _Development | None]:
        """The structured findings of a completed review, its short note, its ASQ scores.

        Only the findings that belong to the review (``services.contacts``) are
        recorded, and the note never says more than a sentence about them.
        """
        dice = self.dice
        findings, mother_seen = self._seen(household, child, when, location)
        sentences = [dice.pick(options) for options in _REVIEW_NOTES[kind]]
        follow_up: dt.date | None = None
        if (
            child is not None
            and kind in FEEDING_REVIEWS
            and not dice.chance(_FEEDING_NOT_RECORDED_SHARE)
        ):
            index = child.feeding[0 if kind is ContactKind.NEW_BIRTH_VISIT else 1]
            findings["feeding"] = _FEEDING_STATUSES[index]
            sentences.insert(0, _FEEDING[index])
        if kind in MATERNAL_MOOD_REVIEWS and mother_seen and not dice.chance(_MOOD_NOT_ASKED_SHARE):
            if child is None:
                positive = dice.chance(_WHOOLEY_POSITIVE_ANTENATAL)
            else:
                positive = dice.chance(
                    _WHOOLEY_POSITIVE_IF_LOW if child.low_mood else _WHOOLEY_POSITIVE_OTHERWISE
                )
            low_mood, loss_of_interest = (
                dice.draw(_WHOOLEY_POSITIVE_ANSWERS) if positive else (False, False)
            )
            gad2 = dice.draw(_GAD2_SCORE[positive])
            findings["whooley_low_mood"] = low_mood
            findings["whooley_loss_of_interest"] = loss_of_interest
            findings["gad2_score"] = gad2
            if positive:
                household.mood_concern = True
                sentences.append(_LOW_MOOD_NOTE)
                follow_up = when + dt.timedelta(days=_LISTENING_VISIT_AFTER_DAYS)
            elif gad2 >= GAD2_FURTHER_ASSESSMENT:
                sentences.append(_ANXIETY_NOTE)
        if not dice.chance(_SMOKING_NOT_ASKED_SHARE):
            sentences += self._smoking(kind, household, findings)
        development = None
        if child is not None and kind in _ASQ_REVIEWS:
            development = self._development(kind, child)
            sentences += development.sentences
            if development.needs_review:
                follow_up = when + dt.timedelta(days=_DEVELOPMENT_REVIEW_AFTER_DAYS)
        findings["next_planned_contact"] = follow_up
        return findings, sentences, development

    def _seen(
        self,
        household: _Household,
        child: _ChildPlan | None,
        when: dt.date,
        location: ContactLocation,
    ) -> tuple[dict[str, Any], bool]:
        """Who was seen (spoken to, on the telephone), whether the mother was, and whether
        an interpreter was used."""
        relationships = [carer.relationship for carer in household.carers]
        if child is None:  # antenatal: the mother, perhaps with her partner
            partnered = (
                CarerRelationship.FATHER in relationships
                or CarerRelationship.PARTNER in relationships
            )
            odds = _SEEN_ANTENATAL_WITH_PARTNER if partnered else _SEEN_ANTENATAL_ALONE
        else:
            odds = _SEEN_BY_HOUSEHOLD[_seen_key(relationships)]
        text, mother_seen = self.dice.draw(odds)
        if location is ContactLocation.PHONE:
            text = text.split(" and ")[0].split(",")[0] + " (telephone)"  # who answered
        elif child is not None:
            infant = (when - child.date_of_birth).days < 365
            text = text.format(n="baby" if infant else "child")
        interpreter = household.interpreter_needed and self.dice.chance(_INTERPRETER_USED_SHARE)
        return {"who_was_seen": text, "interpreter_used": interpreter}, mother_seen

    def _smoking(
        self, kind: ContactKind, household: _Household, findings: dict[str, Any]
    ) -> list[str]:
        """Smoking as the carers' smoking status says, and a CO reading at some antenatal
        reviews (NICE NG209); the note's sentence, if any."""
        mother = household.mother
        others = [carer.smoking for carer in household.carers if carer is not mother]
        mother_smokes = (
            None
            if mother is None or mother.smoking is SmokingStatus.NOT_KNOWN
            else mother.smoking is SmokingStatus.SMOKER
        )
        household_smokes: bool | None = False
        if SmokingStatus.SMOKER in others:
            household_smokes = True
        elif SmokingStatus.NOT_KNOWN in others:
            household_smokes = None
        findings["mother_smokes"] = mother_smokes
        findings["household_smokes"] = household_smokes
        if kind is ContactKind.ANTENATAL:
            ppm: int | None = None
            if mother is not None and self.dice.chance(_CO_MEASURED_AT_ANTENATAL_SHARE):
                ppm = (
                    round(self.dice.triangular(*_CO_PPM_SMOKER))
                    if mother_smokes
                    else self.dice.whole(*_CO_PPM_NON_SMOKER)
                )
                findings["carbon_monoxide_ppm"] = float(ppm)
            if mother_smokes:
                reading = f" CO reading {ppm} ppm." if ppm is not None else ""
                return [_SMOKER_NOTE + reading]
            return []
        if kind in FEEDING_REVIEWS and (mother_smokes or household_smokes):
            return [_HOUSEHOLD_SMOKES_NOTE]  # safer sleep: a smoke-free home
        return []

    def _development(self, kind: ContactKind, child: _ChildPlan) -> _Development:
        """ASQ-3 (and at 2 years sometimes ASQ:SE-2): scores, zones and a sentence."""
        dice = self.dice
        done = dice.chance(
            _ASQ3_AT_ONE_YEAR_SHARE if kind is ContactKind.ONE_YEAR else _ASQ3_AT_TWO_YEARS_SHARE
        )
        scores: list[tuple[DevelopmentDomain, int, ScreeningZone]] = []
        sentences: list[str] = []
        shared = math.sqrt(_ASQ3_DOMAIN_CORRELATION)
        if done:
            for domain in _ASQ3_DOMAINS:
                own = dice.normal(0, 1, -5, 5)
                standing = shared * child.development + math.sqrt(1 - shared**2) * own
                score = _asq3_score(domain, _STANDARD_NORMAL.cdf(standing), dice.uniform(0, 1))
                scores.append((domain, score, asq3_zone(domain, score)))
            below = [d for d, _, zone in scores if zone is ScreeningZone.BELOW_CUTOFF]
            monitoring = [d for d, _, zone in scores if zone is ScreeningZone.MONITORING]
            if below:
                sentences.append(
                    f"ASQ-3: {_domain_list(below)} below cut-off; activities given, "
                    "review in 3 months."
                )
                if DevelopmentDomain.COMMUNICATION in below:
                    child.communication_concern = True
            elif monitoring:
                sentences.append(
                    f"ASQ-3: {_domain_list(monitoring)} in the monitoring zone; activities given."
                )
            else:
                sentences.append("ASQ-3: all domains above cut-off.")
        elif kind is ContactKind.TWO_YEAR:
            sentences.append(_ASQ3_NOT_DONE_NOTE)
        concern = False
        if kind is ContactKind.TWO_YEAR and dice.chance(_ASQ_SE2_AT_TWO_YEARS_SHARE):
            own = dice.normal(0, 1, -5, 5)
            # Behaviour concerns go a little with slower development generally.
            standing = -0.4 * child.development + math.sqrt(1 - 0.4**2) * own
            score = _asq_se2_score(_STANDARD_NORMAL.cdf(standing), dice.uniform(0, 1))
            zone = asq_se2_zone(score)
            scores.append((DevelopmentDomain.SOCIAL_EMOTIONAL, score, zone))
            if zone is ScreeningZone.ABOVE_CUTOFF:
                concern = True
                sentences.append(_ASQ_SE2_CONCERN_NOTE)
        below_any = any(zone is ScreeningZone.BELOW_CUTOFF for _, _, zone in scores[:5])
        return _Development(scores, sentences, needs_review=below_any or concern)

    def _other_contacts(self, child: _ChildPlan) -> None:
        """Contacts besides the mandated reviews: more for families needing more support."""
        first = child.date_of_birth + dt.timedelta(days=14)
        if first > child.last_day:
            return
        dice = self.dice
        count = dice.draw(_OTHER_CONTACTS[child.level])
        if self.volume.extra_contacts:  # only then, so the standard demo draws as before
            count += dice.whole(0, 2 * self.volume.extra_contacts)
        dates = [dice.day(first, child.last_day) for _ in range(count)]
        planned: list[tuple[dt.date, str, ContactLocation, bool]] = []
        for when in sorted(dates):
            infant = (when - child.date_of_birth).days < 365
            if child.safeguarding and dice.chance(0.5):
                planned.append((when, _SAFEGUARDING_VISIT_NOTE, ContactLocation.HOME, False))
            else:
                options = _OTHER_CONTACT_NOTES_INFANT if infant else _OTHER_CONTACT_NOTES_TODDLER
                note, location, weigh = dice.pick(options)
                planned.append((when, note, location, weigh))
        first_year_ends = min(child.date_of_birth + dt.timedelta(days=364), child.last_day)
        for _ in range(self.volume.extra_infant_weighings if first <= first_year_ends else 0):
            note, location, weigh = _OTHER_CONTACT_NOTES_INFANT[0]  # baby clinic weight check
            planned.append((dice.day(first, first_year_ends), note, location, weigh))
        if child.faltering_fall_sds:
            for week in range(_FALTERING_WEIGHT_CHECKS):
                when = child.date_of_birth + dt.timedelta(days=120 + 70 * week + dice.whole(0, 20))
                if when <= child.last_day:
                    planned.append((when, _FALTERING_CHECK_NOTE, ContactLocation.CLINIC, True))
        for when, note, location, weigh in sorted(planned, key=lambda plan: plan[0]):
            if not dice.chance(_OTHER_CONTACT_NOT_BROUGHT_SHARE):
                self._other_contact(child, when, note, location, weigh)
                continue
            rebooked: dt.date | None = when + dt.timedelta(days=dice.whole(*_REBOOKED_AFTER_DAYS))
            if not dice.chance(_REBOOKED_SHARE):
                rebooked = None
            self._contact(
                ContactKind.OTHER,
                child.household,
                when,
                location,
                ContactOutcome.NOT_ATTENDED,
                self._not_brought_note(ContactKind.OTHER, location, rebooked),
                child=child,
                findings={"next_planned_contact": rebooked},
            )
            if rebooked is not None and rebooked <= child.last_day:
                self._other_contact(child, rebooked, note, location, weigh)

    def _other_contact(
        self,
        child: _ChildPlan,
        when: dt.date,
        note: str,
        location: ContactLocation,
        weigh: bool,
        next_planned: dt.date | None = None,
    ) -> None:
        """A completed contact besides the mandated reviews, weighing the child if ``weigh``."""
        findings, _mother_seen = self._seen(child.household, child, when, location)
        findings["next_planned_contact"] = next_planned
        contact = self._contact(
            ContactKind.OTHER,
            child.household,
            when,
            location,
            ContactOutcome.COMPLETED,
            note,
            child=child,
            findings=findings,
        )
        if weigh:
            child.to_measure.append((contact, (MeasurementKind.WEIGHT,)))

    def _early_weight_check(self, child: _ChildPlan) -> None:
        """The extra weighing a baby with an early-days growth pattern gets."""
        age_today = (child.last_day - child.date_of_birth).days
        if child.pattern == _GrowthPattern.EARLY_LOSS:
            day = self.dice.whole(5, 9)
            if day <= age_today:
                when = child.date_of_birth + dt.timedelta(days=day)
                self._other_contact(
                    child, when, _EARLY_WEIGHT_CHECK_NOTE, ContactLocation.HOME, weigh=True
                )
        elif child.pattern == _GrowthPattern.SLOW_REGAIN and age_today >= 21:
            # Weighed in the last week, from 3 weeks old; to be weighed again next week.
            day = max(21, age_today - self.dice.whole(0, _WEIGH_AGAIN_AFTER_DAYS - 1))
            when = child.date_of_birth + dt.timedelta(days=day)
            self._other_contact(
                child,
                when,
                _SLOW_REGAIN_CHECK_NOTE,
                ContactLocation.CLINIC,
                weigh=True,
                next_planned=when + dt.timedelta(days=_WEIGH_AGAIN_AFTER_DAYS),
            )

    def _contact(
        self,
        kind: ContactKind,
        household: _Household,
        when: dt.date,
        location: ContactLocation,
        outcome: ContactOutcome,
        notes: str,
        *,
        child: _ChildPlan | None = None,
        pregnancy_id: uuid.UUID | None = None,
        findings: Mapping[str, Any] | None = None,
    ) -> _ContactMade:
        """Write a contact; who delivers it follows supervised delegation (DHSC, 2026)."""
        named = household.health_visitor
        team = household.team
        if named is None:  # awaiting allocation: whoever in the team saw the family
            delivered_by = accountable = self.dice.pick(team.health_visitors)
        else:
            accountable = named
            delivered_by = named
            if self.dice.chance(DELEGATED_CONTACT_SHARE):
                delivered_by = self.dice.pick(team.members)
        contact = _ContactMade(self.dice.new_id(), when, self.dice.moment(when), delivered_by)
        self._stamped_row(
            Contact,
            contact.saved_at,
            id=contact.id,
            kind=kind,
            child_id=child.id if child else None,
            pregnancy_id=pregnancy_id,
            contact_date=when,
            location=location,
            outcome=outcome,
            delivered_by_id=delivered_by.id,
            accountable_health_visitor_id=accountable.id,
            notes=notes,
            supersedes_id=None,
            **{**_NO_FINDINGS, **(findings or {})},
        )
        return contact

    # --- Growth measurements -------------------------------------------------------------------

    def _birth_weight(self, child: _ChildPlan) -> GrowthResult:
        """Birth weight is also the first point on the weight chart, saved with its UK-WHO
        centile when the child is registered (NG75's rules start from it)."""
        result = self._assess(
            child, MeasurementKind.WEIGHT, child.birth_weight_kg, child.date_of_birth
        )
        self._measurement_row(
            child,
            result,
            self.dice.moment(child.date_of_birth + dt.timedelta(days=1)),  # with the notification
            contact_id=None,
            recorded_by=self._named_or_lead(child.household),
            confirmed=False,
        )
        return result

    def _measure(self, child: _ChildPlan, at_birth: GrowthResult) -> list[WeightPoint]:
        """Take the measurements of the child's contacts in date order, as a practitioner
        records them: each is saved with its UK-WHO result, and a change the app would
        find implausible (``implausible_change``, against the last of the same kind) as
        confirmed. Returns the weights after birth."""
        latest: dict[MeasurementKind, GrowthResult] = {MeasurementKind.WEIGHT: at_birth}
        weights: list[WeightPoint] = []
        in_order = sorted(
            child.to_measure, key=lambda item: (item[0].contact_date, item[0].saved_at)
        )
        for contact, kinds in in_order:
            for result in self._measurements(child, contact.contact_date, kinds):
                confirmed = implausible_change(latest.get(result.kind), result) is not None
                latest[result.kind] = result
                self._measurement_row(
                    child,
                    result,
                    contact.saved_at,
                    contact_id=contact.id,
                    recorded_by=contact.delivered_by,
                    confirmed=confirmed,
                )
                if result.kind is MeasurementKind.WEIGHT:
                    weights.append(
                        WeightPoint(result.measured_on, result.value, result.sds, result.centile)
                    )
        child.to_measure.clear()
        return weights

    def _measurements(
        self, child: _ChildPlan, when: dt.date, kinds: Sequence[MeasurementKind]
    ) -> list[GrowthResult]:
        """Measurements following the child's own centiles, with a little noise.

        Plotted against corrected age, as rcpchgrowth's UK-WHO does for every
        gestation, so a preterm baby follows the centile its parents see on the chart;
        weight dips after birth first (``_ChildPlan.weight_kg``).
        """
        dice = self.dice
        age_days = (when - child.date_of_birth).days
        corrected_days = age_days - child.correction_days
        lying = when < add_months(child.date_of_birth, 24)
        results = []
        for kind in kinds:
            measured = kind
            if kind is MeasurementKind.WEIGHT:
                sds = child.weight_sds(age_days) + dice.normal(0, 0.1, -0.3, 0.3)
                on_track = self.curves.value(kind, child.sex, corrected_days, sds)
                value = round(child.weight_kg(age_days, on_track), 2)
            else:
                if kind is MeasurementKind.HEAD_CIRCUMFERENCE:
                    sds = child.head_sds + dice.normal(0, 0.15, -0.45, 0.45)
                else:  # lying length under 2, standing height from 2
                    measured = MeasurementKind.LENGTH if lying else MeasurementKind.HEIGHT
                    sds = child.length_sds + dice.normal(0, 0.2, -0.6, 0.6)
                value = round(self.curves.value(measured, child.sex, corrected_days, sds), 1)
            results.append(self._assess(child, measured, value, when))
        return results

    def _assess(
        self, child: _ChildPlan, kind: MeasurementKind, value: float, when: dt.date
    ) -> GrowthResult:
        """The UK-WHO result the app stores when the measurement is saved (identical)."""
        return assess_measurement_quickly(
            kind,
            value,
            sex=child.sex,
            date_of_birth=child.date_of_birth,
            gestation=child.gestation,
            measured_on=when,
        )

    def _measurement_row(
        self,
        child: _ChildPlan,
        result: GrowthResult,
        saved_at: dt.datetime,
        *,
        contact_id: uuid.UUID | None,
        recorded_by: _Staff,
        confirmed: bool,
    ) -> None:
        self._stamped_row(
            Measurement,
            saved_at,
            id=self.dice.new_id(),
            child_id=child.id,
            contact_id=contact_id,
            kind=result.kind,
            value=result.value,
            measured_on=result.measured_on,
            recorded_by_id=recorded_by.id,
            supersedes_id=None,
            sds=result.sds,
            centile=result.centile,
            age_used=result.age_used,
            decimal_age=result.decimal_age,
            growth_reference=result.reference,
            change_confirmed=confirmed,
        )

    def _note_alerts_shown(
        self, child: _ChildPlan, at_birth: GrowthResult, weights: list[WeightPoint]
    ) -> None:
        """Cross off the NG75 alerts this child shows on today's caseload, worked out as
        ``services.growth_alerts`` does (needed only until every alert is shown)."""
        if not self.alerts_to_show or child.last_day != self.today:
            return
        born = child.date_of_birth
        found = faltering_alerts(
            date_of_birth=born,
            birth_weight=WeightPoint(born, at_birth.value, at_birth.sds, at_birth.centile),
            weights=[point for point in weights if point.measured_on > born],
            today=self.today,
        )
        self.alerts_to_show.difference_update(alert.rule for alert in found)

    # --- Referrals ------------------------------------------------------------------------

    def _referrals(self) -> None:
        """About one referral per ten children, in every status, about children or carers."""
        routes = {
            code: route
            for code, route in _REFERRAL_ROUTES.items()
            if code in self.referral_type_ids
        }
        if not routes:
            return
        route_odds = _Odds({code: route.weight for code, route in routes.items()})
        count = max(
            len(ReferralStatus), round(self.children_wanted / self.volume.children_per_referral)
        )
        pools = self._referral_pools()
        for status in self.dice.deal(_REFERRAL_STATUSES, count):
            for _attempt in range(50):
                code = self.dice.draw(route_odds)
                if self._referral(code, routes[code], status, pools):
                    break

    def _referral_pools(self) -> dict[str, list[_Subject]]:
        """Who each kind of referral can be about: (household, child), or
        (household, None) for a referral about the mother herself."""
        children: list[_Subject] = [(child.household, child) for child in self.children]
        mothers: list[_Subject] = [(h, None) for h in self.households if h.mother is not None]

        def children_who(wanted: Callable[[_ChildPlan], object]) -> list[_Subject]:
            return [(household, c) for household, c in children if c and wanted(c)]

        return {
            "all": children,
            "additional_needs": children_who(lambda c: c.level is not ServiceLevel.UNIVERSAL),
            "safeguarding": children_who(lambda c: c.safeguarding),
            "faltering": children_who(lambda c: c.faltering_fall_sds),
            "communication_concern": children_who(lambda c: c.communication_concern),
            "mothers": mothers,
            "low_mood_mothers": [(h, None) for h, _ in mothers if h.mood_concern],
            "smoking_mothers": [
                (household, None)
                for household, _ in mothers
                if household.mother and household.mother.smoking is SmokingStatus.SMOKER
            ],
        }

    def _referral(
        self,
        code: str,
        route: _ReferralRoute,
        status: ReferralStatus,
        pools: dict[str, list[_Subject]],
    ) -> bool:
        """Write one referral if a suitable subject and date exist; False to try again."""
        pool = pools[route.pool]
        if not pool:
            return False
        dice = self.dice
        household, child = dice.pick(pool)
        mother = household.mother
        if child is None and mother is None:
            return False
        if child is not None:
            birth, last_day = child.date_of_birth, child.last_day
        else:
            births = [baby.date_of_birth for baby in household.children]
            birth, last_day = dice.pick([*births, *household.due_dates]), household.last_day
        earliest, latest = route.days_from_birth
        first = max(birth + dt.timedelta(days=earliest), household.known_from)
        last = min(birth + dt.timedelta(days=latest), last_day)
        newest, oldest = _REFERRAL_MADE_DAYS_AGO[status]
        first = max(first, self.today - dt.timedelta(days=oldest), self.service_start)
        last = min(last, self.today - dt.timedelta(days=newest))
        if first > last:
            return False
        made_on = dice.day(first, last)
        follow_up_on, closed_on, outcome = None, None, ""
        updated_on = made_on
        if status is not ReferralStatus.DRAFT:
            follow_up_on = made_on + dt.timedelta(days=dice.whole(14, 42))
        if status is ReferralStatus.ACCEPTED:
            follow_up_on = made_on + dt.timedelta(days=dice.whole(28, 120))
        if status in _REFERRAL_ANSWERED_WITHIN_DAYS:  # the service's answer updated it
            answered = made_on + dt.timedelta(
                days=dice.whole(*_REFERRAL_ANSWERED_WITHIN_DAYS[status])
            )
            updated_on = min(answered, self.today)
        if status in _REFERRAL_OUTCOMES:
            # A service declines within weeks; support runs one to six months.
            shortest = 7 if status is ReferralStatus.DECLINED else 30
            closed_on = dice.day(
                made_on + dt.timedelta(days=shortest),
                min(made_on + dt.timedelta(days=180), self.today),
            )
            outcome = dice.pick(_REFERRAL_OUTCOMES[status])
            updated_on = closed_on
            if follow_up_on and follow_up_on >= closed_on:
                follow_up_on = None  # closed before the follow-up fell due
        maker = self._named_or_lead(household)
        if dice.chance(DELEGATED_CONTACT_SHARE):
            maker = dice.pick(household.team.members)
        referral_id = dice.new_id()
        safeguarding = code == "childrens_social_care"
        if status is ReferralStatus.DRAFT:
            consent = ReferralConsent.NOT_RECORDED
        else:
            consent = (
                ReferralConsent.NOT_REQUIRED_SAFEGUARDING if safeguarding else ReferralConsent.GIVEN
            )
        outcome_code = (
            ReferralOutcome.ENGAGED
            if status is ReferralStatus.COMPLETED
            else _REFERRAL_OUTCOME_CODES.get(outcome)
        )
        self._row(
            Referral,
            made_on,
            updated=updated_on,
            id=referral_id,
            referral_type_id=self.referral_type_ids[code],
            child_id=child.id if child else None,
            carer_id=mother.id if child is None and mother else None,
            status=status,
            reason=dice.pick(route.reason),
            made_on=made_on,
            follow_up_on=follow_up_on,
            closed_on=closed_on,
            outcome=outcome,
            made_by_id=maker.id,
            consent=consent,
            consent_note=_SAFEGUARDING_CONSENT_NOTE
            if consent is ReferralConsent.NOT_REQUIRED_SAFEGUARDING
            else "",
            outcome_code=outcome_code if status in _REFERRAL_OUTCOMES else None,
            sent_to="",
            tried_so_far="",
        )
        self._referral_history(referral_id, status, made_on, updated_on, closed_on, maker.id)
        return True

    def _referral_history(
        self,
        referral_id: uuid.UUID,
        status: ReferralStatus,
        made_on: dt.date,
        answered_on: dt.date,
        closed_on: dt.date | None,
        recorded_by_id: uuid.UUID,
    ) -> None:
        """The dated steps of one referral (``referral_events``), made without drawing
        on the dice so the rest of the demo stays as it was for each seed."""
        steps = [(ReferralStatus.DRAFT, made_on), (ReferralStatus.SENT, made_on)]
        for step in _REFERRAL_PATHS[status][1:]:
            if step in (ReferralStatus.ACKNOWLEDGED, ReferralStatus.ACCEPTED):
                if status in _REFERRAL_OUTCOMES:  # accepted some time before it finished
                    assert closed_on is not None
                    answered_on = made_on + (closed_on - made_on) // 4
                steps.append((step, answered_on))
            else:
                assert closed_on is not None
                steps.append((step, closed_on))
        for order, (step, day) in enumerate(steps[: 1 + len(_REFERRAL_PATHS[status])]):
            # Saved at the start of the working day, a minute apart so that two steps
            # on one day keep their order: no dice, see above.
            at = dt.datetime(
                day.year, day.month, day.day, WORKING_DAY_STARTS_HOUR, order, tzinfo=dt.UTC
            )
            self.rows.add(
                ReferralEvent,
                {
                    "id": uuid.uuid5(referral_id, step.value),
                    "referral_id": referral_id,
                    "status": step,
                    "event_date": day,
                    "note": "",
                    "recorded_by_id": recorded_by_id,
                    "recorded_at": at,
                },
            )

    def _referral_prompts(self) -> None:
        """A few referral prompts still to decide (issue 5), so a demo shows them.

        Read from the contacts already written, never from the dice (the rest of the
        demo stays as it was for each seed): the latest contacts whose findings fire a
        prompt (smoking, maternal mood, ASQ-3 below the cut-off), as
        ``referrals.raise_prompts`` would have raised them, saved by whoever saved
        the contact, and left undecided. Contacts of the last few weeks on the demo
        account's caseload first (the busiest health visitor, whom the demo signs in
        as), then the team's, then older ones; never where an open referral of the
        suggested type already covers it. ``DEMO_PROMPTS_ON_CHILDREN`` on children's
        records (one of them about the child, ASQ-3, if any fires) and
        ``DEMO_PROMPTS_ON_PREGNANCIES`` on an ongoing pregnancy, whose mother has no
        child's record to show it on yet. A demo too small to hold such a finding
        gets fewer: a prompt is never made up without the finding that raises it.
        """
        session = self.session
        busiest = session.scalars(
            select(User.id)
            .join(Child, Child.health_visitor_id == User.id)
            .where(User.role == Role.HEALTH_VISITOR)
            .group_by(User.id, User.full_name, User.username)
            # As ``accounts.demo_accounts`` orders them: the demo signs in as the first.
            .order_by(func.count(Child.id).desc(), User.full_name, User.username)
            .limit(1)
        ).first()
        fired_by_finding = or_(
            Contact.mother_smokes.is_(True),
            Contact.household_smokes.is_(True),
            Contact.carbon_monoxide_ppm.is_not(None),
            Contact.whooley_low_mood.is_(True),
            Contact.whooley_loss_of_interest.is_(True),
            Contact.gad2_score.is_not(None),
            Contact.id.in_(
                select(DevelopmentScore.contact_id).where(
                    DevelopmentScore.zone == ScreeningZone.BELOW_CUTOFF
                )
            ),
        )
        contacts = list(
            session.scalars(
                select(Contact)
                .where(Contact.outcome == ContactOutcome.COMPLETED, fired_by_finding)
                .order_by(Contact.contact_date.desc(), Contact.id)
                .limit(_PROMPT_CANDIDATES)
            )
        )
        if not contacts:
            return
        ids = [c.id for c in contacts]
        children = {
            row.id: row
            for row in session.execute(
                select(Child.id, Child.family_id, Child.record_status, Child.health_visitor_id)
            )
        }
        pregnancies = {
            row.id: row
            for row in session.execute(
                select(
                    Pregnancy.id,
                    Pregnancy.family_id,
                    Pregnancy.mother_id,
                    Pregnancy.outcome,
                    Pregnancy.health_visitor_id,
                )
            )
        }
        mothers: dict[uuid.UUID, uuid.UUID] = {}
        for family_id, carer_id in session.execute(
            select(Carer.family_id, Carer.id)
            .where(Carer.relationship_to_child == CarerRelationship.MOTHER)
            .order_by(Carer.given_name.desc())  # the first by name wins, as in referrals
        ):
            mothers[family_id] = carer_id
        development: dict[uuid.UUID, list[tuple[DevelopmentDomain, ScreeningZone]]] = {}
        for contact_id, domain, zone in session.execute(
            select(DevelopmentScore.contact_id, DevelopmentScore.domain, DevelopmentScore.zone)
            .where(DevelopmentScore.contact_id.in_(ids))
            .order_by(DevelopmentScore.contact_id, DevelopmentScore.domain)
        ):
            development.setdefault(contact_id, []).append((domain, zone))
        codes = {type_id: code for code, type_id in self.referral_type_ids.items()}
        open_referrals = {
            (child_id or carer_id, codes.get(type_id, ""))
            for child_id, carer_id, type_id in session.execute(
                select(Referral.child_id, Referral.carer_id, Referral.referral_type_id).where(
                    Referral.status.in_([s for s in ReferralStatus if s.is_open])
                )
            )
        }
        recent = self.today - dt.timedelta(days=PROMPT_UNDECIDED_WITHIN_DAYS)

        def order(contact: Contact) -> tuple[bool, bool]:
            if contact.child_id is not None:
                owner = children[contact.child_id].health_visitor_id
            else:
                assert contact.pregnancy_id is not None
                owner = pregnancies[contact.pregnancy_id].health_visitor_id
            return (contact.contact_date < recent, owner != busiest)

        # (on a pregnancy?, about the child only?) -> how many more to leave undecided.
        wanted = {
            (True, False): DEMO_PROMPTS_ON_PREGNANCIES,
            (False, True): DEMO_PROMPTS_ABOUT_THE_CHILD,
            (False, False): DEMO_PROMPTS_ON_CHILDREN - DEMO_PROMPTS_ABOUT_THE_CHILD,
        }
        taken: set[tuple[str, uuid.UUID]] = set()
        rows: list[dict[str, Any]] = []
        # ``sorted`` keeps the query's order (newest first) within each group.
        for contact in sorted(contacts, key=order):
            if contact.child_id is not None:
                child = children[contact.child_id]
                if child.record_status is not RecordStatus.ACTIVE:
                    continue
                on_pregnancy, mother = False, mothers.get(child.family_id)
            else:
                assert contact.pregnancy_id is not None
                pregnancy = pregnancies[contact.pregnancy_id]
                if pregnancy.outcome is not PregnancyOutcome.ONGOING:
                    continue
                on_pregnancy, mother = True, pregnancy.mother_id
            findings = contact_findings(contact, tuple(development.get(contact.id, ())))
            for fired in fired_rules(findings):
                rule = fired.rule
                about_mother = rule.subject is PromptSubject.MOTHER
                # A prompt about the child fills its own place first, then any other.
                room = [
                    key
                    for key in ((on_pregnancy, not about_mother), (on_pregnancy, False))
                    if wanted.get(key, 0) > 0
                ]
                if rule not in _DEMO_PROMPT_RULES or not room:
                    continue
                subject = mother if rule.subject is PromptSubject.MOTHER else contact.child_id
                if subject is None or (rule.id, subject) in taken:
                    continue
                if any((subject, code) in open_referrals for code in rule.referral_types):
                    continue  # an open referral already covers it: no prompt is raised
                taken.add((rule.id, subject))
                wanted[room[0]] -= 1
                rows.append(
                    {
                        "id": uuid.uuid5(contact.id, rule.id),
                        "rule_id": rule.id,
                        "contact_id": contact.id,
                        "child_id": None if about_mother else subject,
                        "carer_id": subject if about_mother else None,
                        "finding": fired.finding,
                        "decision": PromptDecision.PENDING,
                        "raised_on": contact.contact_date,
                        "raised_by_id": contact.delivered_by_id,
                        "raised_at": contact.created_at,
                        "referral_id": None,
                        "reason": "",
                        "decided_on": None,
                        "decided_by_id": None,
                        "decided_at": None,
                        "discussed_on": None,
                        "discussed_by_id": None,
                        "discussed_at": None,
                        "discussion_outcome": "",
                    }
                )
        if rows:
            session.connection().execute(insert(cast(Table, ReferralPrompt.__table__)), rows)

    # --- Newborn screening and immunisations (issue 6) ------------------------------------

    def _screening_and_immunisations(self) -> None:
        """Screening results and vaccine doses for every child.

        Drawn from a ``random.Random`` of each child's own id, never from the demo's
        dice, so that every other row of a seed's demo stays exactly as it was; ids
        are uuid5 of the child's id and timestamps follow from the dates.
        """
        for child in self.children:
            rng = random.Random(child.id.int)
            recorded_by = self._named_or_lead(child.household).id
            self._newborn_screening(child, rng, recorded_by)
            self._immunisations(child, rng, recorded_by)

    def _newborn_screening(
        self, child: _ChildPlan, rng: random.Random, recorded_by: uuid.UUID
    ) -> None:
        born = child.date_of_birth
        for test, (first_day, last_day) in DEMO_SCREENING_DAYS.items():
            day = born + dt.timedelta(days=rng.randint(first_day, last_day))
            draw = rng.random()
            if day > child.last_day:
                continue
            result, note = NewbornScreeningResult.NO_FURTHER_ACTION, ""
            for outcome, share, words in DEMO_SCREENING_OUTCOMES.get(test, ()):
                if draw < share:
                    result, note = outcome, words
                    break
                draw -= share
            self.rows.add(
                NewbornScreening,
                {
                    "id": uuid.uuid5(child.id, f"screening:{test.value}"),
                    "child_id": child.id,
                    "test": test,
                    "screened_on": day,
                    "result": result,
                    "note": note,
                    "recorded_by_id": recorded_by,
                    "recorded_at": _end_of_working_day(day),
                    "supersedes_id": None,
                },
            )

    def _immunisations(self, child: _ChildPlan, rng: random.Random, recorded_by: uuid.UUID) -> None:
        born = child.date_of_birth
        # Some families decline or miss doses: from one appointment on, nothing is given.
        stops_after = (
            rng.randrange(len(cohort_for(born).doses))
            if rng.random() < DEMO_IMMUNISATIONS_STOP_SHARE
            else None
        )
        elsewhere = rng.random() < DEMO_GIVEN_ELSEWHERE_SHARE
        delays: dict[str, int] = {}
        for number, dose in enumerate(cohort_for(born).doses):
            if stops_after is not None and number >= stops_after:
                break
            # One delay per appointment: the doses of a visit are given together.
            delay = delays.setdefault(dose.appointment, rng.choice(DEMO_DELAY_DAYS))
            given_on = dose.due_on(born) + dt.timedelta(days=delay)
            if given_on > child.last_day:
                break
            if dose.latest_age_days is not None and (given_on - born).days > dose.latest_age_days:
                continue
            self.rows.add(
                Immunisation,
                {
                    "id": uuid.uuid5(child.id, f"immunisation:{dose.vaccine}:{dose.dose}"),
                    "child_id": child.id,
                    "vaccine": dose.vaccine,
                    "dose": dose.dose,
                    "given_on": given_on,
                    "given_elsewhere": elsewhere,
                    "batch": f"{dose.vaccine[:2].upper()}{rng.randrange(1000, 9999)}",
                    "recorded_by_id": recorded_by,
                    "recorded_at": _end_of_working_day(given_on),
                    "supersedes_id": None,
                },
            )

    # --- Helpers ---------------------------------------------------------------------------

    def _named_or_lead(self, household: _Household) -> _Staff:
        """The family's named health visitor, or the team lead while awaiting allocation."""
        return household.health_visitor or household.team.lead

    def _row(
        self, model: type[Base], created_on: dt.date, updated: dt.date | None = None, **row: Any
    ) -> None:
        """Add a row whose timestamps are working-day times on the dates of its events."""
        created_at = self.dice.moment(created_on)
        self._stamped_row(
            model, created_at, self.dice.moment(updated) if updated else created_at, **row
        )

    def _stamped_row(
        self,
        model: type[Base],
        created_at: dt.datetime,
        updated_at: dt.datetime | None = None,
        **row: Any,
    ) -> None:
        """Add a row: entries never edited carry ``recorded_at``, the others a version."""
        if model in (ServiceLevelEntry, SafeguardingEntry, Measurement):
            row["recorded_at"] = created_at
        else:
            row["version"] = 1
            row["created_at"] = created_at
            row["updated_at"] = max(updated_at or created_at, created_at)
        self.rows.add(model, row)


def _seen_key(relationships: Sequence[CarerRelationship]) -> str:
    """Which ``_SEEN_BY_HOUSEHOLD`` odds fit a household's carers."""
    if CarerRelationship.MOTHER in relationships:
        if CarerRelationship.FATHER in relationships:
            return "mother_and_father"
        if CarerRelationship.PARTNER in relationships:
            return "mother_and_partner"
        return "mother"
    if CarerRelationship.FATHER in relationships:
        return "father"
    several = len(relationships) > 1
    if CarerRelationship.GRANDPARENT in relationships:
        return "grandparents" if several else "grandparent"
    return "foster_carers" if several else "foster_carer"


_STANDARD_NORMAL = statistics.NormalDist()


def asq3_zone(domain: DevelopmentDomain, score: int) -> ScreeningZone:
    """The zone of an ASQ-3 domain score on the demo's cut-offs (``ASQ3_CUTOFFS``)."""
    cutoff = ASQ3_CUTOFFS[domain]
    if score < cutoff:
        return ScreeningZone.BELOW_CUTOFF
    if score < cutoff + ASQ3_MONITORING_BAND:
        return ScreeningZone.MONITORING
    return ScreeningZone.ABOVE_CUTOFF


def asq_se2_zone(score: int) -> ScreeningZone:
    """The zone of an ASQ:SE-2 total on the demo's cut-offs: higher is more concern."""
    if score >= ASQ_SE2_CUTOFF:
        return ScreeningZone.ABOVE_CUTOFF
    if score >= ASQ_SE2_MONITORING_FROM:
        return ScreeningZone.MONITORING
    return ScreeningZone.BELOW_CUTOFF


def _pick_in(options: range, position: float) -> int:
    """The option ``position`` (0 to 1) of the way along ``options``."""
    return options[min(int(position * len(options)), len(options) - 1)]


def _asq3_score(domain: DevelopmentDomain, standing: float, position: float) -> int:
    """An ASQ-3 domain score for a child at centile ``standing`` (0-1) of their age group.

    The lowest ``_ASQ3_BELOW_CUTOFF_SHARE`` score below the cut-off, the next
    ``_ASQ3_MONITORING_SHARE`` in the monitoring zone, the rest above it, most near
    the top; ``position`` (0-1) places the score within its zone.
    """
    step, cutoff = ASQ3_ITEM_STEP, ASQ3_CUTOFFS[domain]
    below = _ASQ3_BELOW_CUTOFF_SHARE[domain]
    if standing < below:
        return _pick_in(range(max(0, cutoff - 6 * step), cutoff, step), standing / below)
    monitoring = below + _ASQ3_MONITORING_SHARE
    if standing < monitoring:
        return _pick_in(range(cutoff, cutoff + ASQ3_MONITORING_BAND, step), position)
    return _pick_in(
        range(cutoff + ASQ3_MONITORING_BAND, ASQ3_DOMAIN_MAXIMUM + step, step), math.sqrt(position)
    )


def _asq_se2_score(standing: float, position: float) -> int:
    """An ASQ:SE-2 total for a child at centile ``standing`` of concern: most score low."""
    step = ASQ3_ITEM_STEP
    if standing >= 1 - _ASQ_SE2_ABOVE_CUTOFF_SHARE:
        return _pick_in(range(ASQ_SE2_CUTOFF, ASQ_SE2_CUTOFF + 13 * step, step), position**2)
    if standing >= 1 - _ASQ_SE2_ABOVE_CUTOFF_SHARE - _ASQ_SE2_MONITORING_SHARE:
        return _pick_in(range(ASQ_SE2_MONITORING_FROM, ASQ_SE2_CUTOFF, step), position)
    return _pick_in(range(0, ASQ_SE2_MONITORING_FROM, step), position**2)


def _domain_list(domains: Sequence[DevelopmentDomain]) -> str:
    """ "communication", "communication and fine motor", "a, b and c"."""
    names = [domain.label.lower() for domain in domains]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _ascii_letters(text: str) -> str:
    """Lower-case ASCII letters of a name, for a username: "Łukasz" -> "lukasz"."""
    folded = unicodedata.normalize("NFKD", text.replace("ł", "l").replace("Ł", "L"))
    return "".join(c for c in folded if c.isascii() and c.isalpha()).lower()
