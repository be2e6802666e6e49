"""Realistic, deterministic synthetic data: a trust's health visiting caseload.

``generate_demo`` fills an empty database with teams, staff, families, pregnancies and
children under 5 carrying the history a real caseload has: the mandated reviews (most
on time, some late, missed, declined, or "was not brought" and rebooked), growth that
follows each child's own centile on the UK-WHO charts (a few falter), dated service
levels, safeguarding flags, and referrals in every state. It serves demonstrations,
training, screenshots and load tests (issue 10 runs it at trust scale: 100,000
children, 300 health visitors in 25 teams).

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
work: either the whole demo is saved or nothing is.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import random
import unicodedata
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy import Engine, insert, select
from sqlalchemy.orm import Session

from healthvisitor.domain.enums import (
    CarerRelationship,
    ContactKind,
    ContactLocation,
    ContactOutcome,
    MeasurementKind,
    PregnancyOutcome,
    RecordStatus,
    ReferralStatus,
    Role,
    SafeguardingStatus,
    ServiceLevel,
    Sex,
    SmokingStatus,
)
from healthvisitor.domain.growth_reference import uk_who_value_for_sds
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
    check_measurement_value,
    clean_nhs_number,
)
from healthvisitor.errors import HealthVisitorError, ValidationError
from healthvisitor.persistence.models import (
    Base,
    Carer,
    Child,
    Contact,
    Family,
    Measurement,
    Pregnancy,
    Referral,
    ReferralType,
    SafeguardingEntry,
    ServiceLevelEntry,
    Team,
    User,
)
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services.audit import record_event

__all__ = ["DemoSummary", "generate_demo"]

T = TypeVar("T")
_Row = dict[str, Any]


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
    engine: Engine, *, children: int = 300, seed: int = 1, today: dt.date
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
        generator = _DemoGenerator(session, children=children, seed=seed, today=today)
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
#: Faltering growth (NICE NG75): weight falls 1.5-2.5 SDS over the first year.
FALTERING_SHARE = 0.03
FALTERING_FALL_SDS = (1.5, 2.5)
#: Pregnancies are recorded for children born in the last two years.
PREGNANCY_RECORDS_FOR_BIRTHS_WITHIN_MONTHS = 24
#: Ongoing pregnancies: births run at about a fifth of an under-5 caseload a year,
#: so about 6% of the caseload is due in the next 16 weeks; about 40% of births
#: are first babies (new families), the rest a sibling in an existing family.
ONGOING_PREGNANCY_HORIZON_DAYS = 16 * 7
FIRST_PREGNANCIES_PER_CHILD = 0.025
NEXT_BABY_SHARE = 0.075
#: Issue 9: about one referral per ten children.
CHILDREN_PER_REFERRAL = 10
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


# --- Referrals ------------------------------------------------------------------------------

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
    #: Who it may be about: "mothers" and "smoking_mothers" are referrals about the
    #: carer herself; the others are about a child (see ``_referral_pools``).
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
        pool="mothers",
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
#: down (totally, partially, not breastfed): about half of babies are still breastfed
#: at 6-8 weeks, as in England (OHID breastfeeding statistics, 2023-24: 49%).
_FEEDING = (
    "Totally breastfed; good latch observed.",
    "Partially breastfed; plan to increase breastfeeds discussed.",
    "Formula fed; responsive bottle feeding and making up feeds safely discussed.",
)
_FEEDING_AT_NEW_BIRTH_VISIT = _Odds({0: 45, 1: 22, 2: 33})
_FEEDING_STEPS_DOWN_BY_SIX_WEEKS = {0: _Odds({0: 70, 1: 20, 2: 10}), 1: _Odds({1: 55, 2: 45})}
_REVIEW_NOTES: dict[ContactKind, tuple[tuple[str, ...], ...]] = {
    ContactKind.ANTENATAL: (
        (
            "Plans to breastfeed; Start for Life information given.",
            "Undecided about feeding; responsive feeding discussed.",
            "Plans to formula feed; safe making-up of feeds discussed.",
        ),
        (
            "Whooley questions negative.",
            "Whooley negative; GAD-2 score 1.",
            "Anxious about the birth; GAD-2 score 3, midwife informed and follow-up agreed.",
        ),
        (
            "Safer sleep and preparing the home discussed.",
            "Partner present; transition to parenthood and support network discussed.",
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
        (
            "Mother well; Whooley negative.",
            "Mother tired but coping; Whooley negative, good family support.",
            "Mother tearful at times; Whooley positive on one question. Review at 6-8 weeks.",
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
        ("Maternal mood: Whooley negative, GAD-2 0.", "Maternal mood: Whooley negative."),
    ),
    ContactKind.ONE_YEAR: (
        (
            "ASQ-3 completed: all domains above cut-off.",
            "ASQ-3 completed: gross motor in monitoring zone; activities given.",
            "ASQ-3 completed: all domains above cut-off; cruising and babbling.",
        ),
        (
            "Dental registration encouraged; Healthy Start vitamins discussed.",
            "Home safety (stairs, hot drinks, blind cords) discussed.",
        ),
        ("Eating family foods; drinking from an open cup.", "Still breastfed; weaning well."),
    ),
    ContactKind.TWO_YEAR: (
        (
            "ASQ-3 completed: all domains above cut-off.",
            "ASQ-3 completed: communication in monitoring zone; activities given, "
            "review in 3 months.",
            "ASQ-3 and ASQ:SE-2 completed: all domains above cut-off.",
        ),
        (
            "Toilet training and sleep routines discussed.",
            "Funded two-year-old childcare place discussed.",
            "Tooth brushing twice a day; dentist registered.",
        ),
    ),
}
_NOT_BROUGHT_NOTES = {
    ContactLocation.HOME: (
        "No answer at the door; calling card left and text sent to rebook.",
        "Family not at home; mother phoned later and the visit was rebooked.",
    ),
    "elsewhere": (
        "Was not brought to the appointment; mother phoned, child unwell. Rebooked.",
        "Was not brought; no contact from the family. Letter sent offering a new date.",
    ),
}
_DECLINED_NOTES = (
    "Mother declined the review; knows how to contact the team.",
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

    rcpchgrowth takes 20 µs to 0.7 ms a value (it scans its tables, slower at older
    ages), and a trust-sized demo needs millions. So values are computed exactly on
    SDS lines half an SDS apart, at every day of age for the first 8 weeks (where
    the charts change fastest) and every 7th day after, each once, and interpolated
    log-linearly in between. Against rcpchgrowth's exact value the error is under
    0.06% from term age on (2 g at 4 kg) and under 0.5% for preterm weights before
    term (a few grams), far inside the 0.1 SDS noise each measurement is given.
    Interpolation never spans a change of reference data, where the charts step.
    """

    STEP_SDS = 0.5
    DAILY_UNTIL_DAYS = 56
    STEP_DAYS = 7
    #: Where UK-WHO changes data (DOMAIN.md, "What a review records"): WHO under-2s
    #: (lying length) to over-2s (standing height) at 2 years, WHO 2006 to UK90 at
    #: 4 years (rcpchgrowth's thresholds, in days of 365.25 to the year). The UK90
    #: preterm to WHO change at corrected 2 weeks lies in the daily part.
    REFERENCE_CHANGES_DAYS = (730.5, 1461.0)

    def __init__(self) -> None:
        self._log_on_line: dict[tuple[str, Sex, int, int], float] = {}

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

    def _log_value(self, kind: MeasurementKind, sex: Sex, age_days: int, sds: float) -> float:
        position = sds / self.STEP_SDS
        line = math.floor(position)
        towards_above = position - line
        log_value = self._log_on(kind, sex, age_days, line)
        if towards_above:
            log_above = self._log_on(kind, sex, age_days, line + 1)
            log_value += (log_above - log_value) * towards_above
        return log_value

    def _log_on(self, kind: MeasurementKind, sex: Sex, age_days: int, line: int) -> float:
        # Length and height are one UK-WHO measure, so they share the cache too.
        measure = "height" if kind is MeasurementKind.LENGTH else kind.value
        key = (measure, sex, age_days, line)
        cached = self._log_on_line.get(key)
        if cached is None:
            value = uk_who_value_for_sds(
                kind=kind, sex=sex, decimal_age=age_days / 365.25, sds=line * self.STEP_SDS
            )
            cached = self._log_on_line[key] = math.log(value)
        return cached


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
        ServiceLevelEntry,
        SafeguardingEntry,
        Contact,
        Measurement,
        Referral,
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
                # Every column is given, so NULLs are written as such: without
                # render_nulls the ORM splits rows by which values are None and
                # sends each run as its own statement.
                self._session.execute(insert(model).execution_options(render_nulls=True), rows)
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


#: Who a referral is about: a child, or (None) the household's mother.
_Subject = tuple[_Household, _ChildPlan | None]


# --- The generator ------------------------------------------------------------------------------


class _DemoGenerator:
    """Builds the demo caseload, household by household, into ``session``."""

    def __init__(self, session: Session, *, children: int, seed: int, today: dt.date) -> None:
        self.session = session
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

    def run(self) -> DemoSummary:
        self._load_reference_data()
        self._staff_and_teams()
        while len(self.children) < self.children_wanted:
            self._household_with_children()
        for _ in range(round(self.children_wanted * FIRST_PREGNANCIES_PER_CHILD)):
            self._household_expecting_first_baby()
        self._referrals()
        self.rows.write()
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
            password_hash=None,
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

    def _household_with_children(self) -> None:
        kind = self.dice.draw(_HOUSEHOLD_KIND)
        birthdays = self._birthdays(most=self.children_wanted - len(self.children))
        household = self._household(kind, known_from=birthdays[0])
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

    def _birthdays(self, most: int) -> list[dt.date]:
        """Dates of birth of a new family's children under 5 (at most ``most``), oldest first.

        The family's children are placed at random on a timeline longer than five
        years, and only those born by yesterday and under 5 today are kept (elder ones
        are at school, younger ones not born yet). So every child's date of birth is
        uniform over the five years, whatever the size of the family.
        """
        yesterday = self.today - dt.timedelta(days=1)
        while True:
            planned = self.dice.draw(_PLANNED_CHILDREN)
            gaps = [round(self.dice.triangular(*_SIBLING_GAP_DAYS)) for _ in range(planned - 1)]
            youngest = self.dice.day(self.oldest_birthday, yesterday + dt.timedelta(sum(gaps)))
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
            interpreter_needed=language != "English" and dice.chance(_INTERPRETER_SHARE),
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
        birth_sds = dice.normal(0, 1, -2.8, 2.8)
        faltering = dice.chance(FALTERING_SHARE)
        if faltering:  # from a centile that keeps the fall within the charts
            birth_sds = dice.normal(0.3, 0.8, -1.5, 2.5)
        child = _ChildPlan(
            id=dice.new_id(),
            household=household,
            date_of_birth=birthday,
            sex=sex,
            gestation=gestation,
            last_day=household.last_day,
            birth_weight_sds=birth_sds,
            # Centiles drift towards the middle after birth (regression to the mean).
            settled_weight_sds=dice.normal(0.8 * birth_sds, 0.3, -3, 3),
            length_sds=dice.normal(0.6 * birth_sds, 0.8, -3, 3),
            head_sds=dice.normal(0.5 * birth_sds, 0.85, -3, 3),
            faltering_fall_sds=dice.uniform(*FALTERING_FALL_SDS) if faltering else 0.0,
        )
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
        place = dice.draw(_PLACES_OF_BIRTH)
        if gestation.weeks < _VERY_PRETERM_WEEKS:
            place = _NEONATAL_UNIT
        notified = birthday + dt.timedelta(days=1)
        self._row(
            Child,
            notified,
            updated=status_date,
            id=child.id,
            nhs_number=self._nhs_number(),
            given_name=self._given_name(household, culture, sex),
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
        # Safeguarding first: a child with a plan is supported at Universal Partnership Plus.
        self._child_safeguarding(
            child, from_birth=pregnancy_id is not None and pregnancy_id in self.pre_birth_plans
        )
        self._service_levels(child)
        self._birth_weight(child, birth_weight)
        self._mandated_reviews(child)
        self._other_contacts(child)

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
        for when, outcome in self._attempts(window, self.dice.draw(_REVIEW_OUTCOMES[window.kind])):
            if when > last_day:
                break
            check_contact_date(
                window.kind,
                when,
                today=self.today,
                date_of_birth=child.date_of_birth if child else born,
                estimated_delivery_date=due,
            )
            location = self.dice.draw(_REVIEW_LOCATIONS[window.kind])
            contact = self._contact(
                window.kind,
                household,
                when,
                location,
                outcome,
                self._review_note(window.kind, outcome, location, household, child),
                child=child,
                pregnancy_id=pregnancy_id,
            )
            if child is not None and outcome is ContactOutcome.COMPLETED:
                self._measurements(child, contact, _REVIEW_MEASURES[window.kind])

    def _attempts(
        self, window: ReviewWindow, scenario: str
    ) -> list[tuple[dt.date, ContactOutcome]]:
        """The contacts a review scenario produces, in date order."""
        dice, opens, target = self.dice, window.opens, window.target_by
        if window.kind is ContactKind.ANTENATAL:
            # Before the birth: the window's target is the day of birth itself.
            target -= dt.timedelta(days=1)
            if target < opens:
                return []
        if scenario == ON_TIME:
            return [(dice.day(opens, target), ContactOutcome.COMPLETED)]
        if scenario == LATE:
            late_until = window.closes
            if late_until == window.target_by:
                late_until += dt.timedelta(days=_LATE_DAYS_AFTER_TARGET[window.kind])
            first_late = window.target_by + dt.timedelta(days=1)
            return [(dice.day(first_late, late_until), ContactOutcome.COMPLETED)]
        if scenario == NOT_BROUGHT_THEN_REBOOKED:
            not_brought = dice.day(opens, target)
            rebooked = not_brought + dt.timedelta(days=dice.whole(*_REBOOKED_AFTER_DAYS))
            attempts = [(not_brought, ContactOutcome.NOT_ATTENDED)]
            if window.kind is not ContactKind.ANTENATAL or rebooked <= target:
                attempts.append((rebooked, ContactOutcome.COMPLETED))
            return attempts
        if scenario == DECLINED:
            return [(dice.day(opens, target), ContactOutcome.DECLINED)]
        return []  # missed: nobody saw the family within the window

    def _review_note(
        self,
        kind: ContactKind,
        outcome: ContactOutcome,
        location: ContactLocation,
        household: _Household,
        child: _ChildPlan | None,
    ) -> str:
        if outcome is ContactOutcome.NOT_ATTENDED:
            where = location if location is ContactLocation.HOME else "elsewhere"
            return self.dice.pick(_NOT_BROUGHT_NOTES[where])
        if outcome is ContactOutcome.DECLINED:
            return self.dice.pick(_DECLINED_NOTES)
        sentences = [self.dice.pick(options) for options in _REVIEW_NOTES[kind]]
        if child is not None and kind is ContactKind.NEW_BIRTH_VISIT:
            sentences.insert(0, _FEEDING[child.feeding[0]])
        if child is not None and kind is ContactKind.SIX_TO_EIGHT_WEEK:
            sentences.insert(0, _FEEDING[child.feeding[1]])
        mother = household.mother
        if kind is ContactKind.ANTENATAL and mother and mother.smoking is SmokingStatus.SMOKER:
            sentences.append(
                f"Smokes; CO reading {self.dice.whole(4, 20)} ppm. Opt-out referral to the "
                "stop-smoking service explained."
            )
        return " ".join(sentences)

    def _other_contacts(self, child: _ChildPlan) -> None:
        """Contacts besides the mandated reviews: more for families needing more support."""
        first = child.date_of_birth + dt.timedelta(days=14)
        if first > child.last_day:
            return
        dice = self.dice
        dates = [
            dice.day(first, child.last_day) for _ in range(dice.draw(_OTHER_CONTACTS[child.level]))
        ]
        planned: list[tuple[dt.date, str, ContactLocation, bool]] = []
        for when in sorted(dates):
            infant = (when - child.date_of_birth).days < 365
            if child.safeguarding and dice.chance(0.5):
                planned.append((when, _SAFEGUARDING_VISIT_NOTE, ContactLocation.HOME, False))
            else:
                options = _OTHER_CONTACT_NOTES_INFANT if infant else _OTHER_CONTACT_NOTES_TODDLER
                note, location, weigh = dice.pick(options)
                planned.append((when, note, location, weigh))
        if child.faltering_fall_sds:
            for week in range(_FALTERING_WEIGHT_CHECKS):
                when = child.date_of_birth + dt.timedelta(days=120 + 70 * week + dice.whole(0, 20))
                if when <= child.last_day:
                    planned.append((when, _FALTERING_CHECK_NOTE, ContactLocation.CLINIC, True))
        for when, note, location, weigh in sorted(planned, key=lambda plan: plan[0]):
            brought = not dice.chance(_OTHER_CONTACT_NOT_BROUGHT_SHARE)
            contact = self._contact(
                ContactKind.OTHER,
                child.household,
                when,
                location,
                ContactOutcome.COMPLETED if brought else ContactOutcome.NOT_ATTENDED,
                note if brought else dice.pick(_NOT_BROUGHT_NOTES["elsewhere"]),
                child=child,
            )
            if brought and weigh:
                self._measurements(child, contact, (MeasurementKind.WEIGHT,))

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
        )
        return contact

    # --- Growth measurements -------------------------------------------------------------------

    def _birth_weight(self, child: _ChildPlan, kilograms: float) -> None:
        """Birth weight is also the first point on the weight chart."""
        self._row(
            Measurement,
            child.date_of_birth + dt.timedelta(days=1),  # with the birth notification
            id=self.dice.new_id(),
            child_id=child.id,
            contact_id=None,
            kind=MeasurementKind.WEIGHT,
            value=kilograms,
            measured_on=child.date_of_birth,
            recorded_by_id=self._named_or_lead(child.household).id,
            supersedes_id=None,
        )

    def _measurements(
        self,
        child: _ChildPlan,
        contact: _ContactMade,
        kinds: Sequence[MeasurementKind],
    ) -> None:
        """Measurements following the child's own centiles, with a little noise.

        Plotted against corrected age, as rcpchgrowth's UK-WHO does for every
        gestation, so a preterm baby follows the centile its parents see on the chart.
        """
        dice, when = self.dice, contact.contact_date
        age_days = (when - child.date_of_birth).days
        corrected_days = age_days - child.correction_days
        lying = when < add_months(child.date_of_birth, 24)
        for kind in kinds:
            measured = kind
            if kind is MeasurementKind.WEIGHT:
                sds, decimals = child.weight_sds(age_days) + dice.normal(0, 0.1, -0.3, 0.3), 2
            elif kind is MeasurementKind.HEAD_CIRCUMFERENCE:
                sds, decimals = child.head_sds + dice.normal(0, 0.15, -0.45, 0.45), 1
            else:  # lying length under 2, standing height from 2
                measured = MeasurementKind.LENGTH if lying else MeasurementKind.HEIGHT
                sds, decimals = child.length_sds + dice.normal(0, 0.2, -0.6, 0.6), 1
            value = round(self.curves.value(measured, child.sex, corrected_days, sds), decimals)
            check_measurement_value(measured, value)
            self._stamped_row(
                Measurement,
                contact.saved_at,
                id=dice.new_id(),
                child_id=child.id,
                contact_id=contact.id,
                kind=measured,
                value=value,
                measured_on=when,
                recorded_by_id=contact.delivered_by.id,
                supersedes_id=None,
            )

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
        count = max(len(ReferralStatus), round(self.children_wanted / CHILDREN_PER_REFERRAL))
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
            "mothers": mothers,
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
        self._row(
            Referral,
            made_on,
            updated=updated_on,
            id=dice.new_id(),
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
        )
        return True

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


def _ascii_letters(text: str) -> str:
    """Lower-case ASCII letters of a name, for a username: "Łukasz" -> "lukasz"."""
    folded = unicodedata.normalize("NFKD", text.replace("ł", "l").replace("Ł", "L"))
    return "".join(c for c in folded if c.isascii() and c.isalpha()).lower()
