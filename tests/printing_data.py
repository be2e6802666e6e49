"""Children to print (issue 6), built through the same services the window uses.

* Oliver Nowak, born 10 Sep 2025 at 30+2 weeks (very preterm: plotted at
  corrected age to 2 years), with his new birth visit, 6-8 week and 1 year
  reviews (measurements, feeding, maternal mood, ASQ-3) and ``extra_contacts``
  other contacts, each weighed: the long history;
* Isla Jones, 13 months, term, never measured: her 1 year review overdue;
* Tyler Reid, 7 months, on a child protection plan, 1 year review not yet due;
  referred to speech and language therapy (open, follow up by 1 Dec 2026), his
  mother Sara to the stop smoking service (open, no follow-up date), and an
  earlier infant feeding referral closed;
* Ben Walker, my colleague's child (never on my handover).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import Engine, select

from healthvisitor.domain.enums import (
    CarerRelationship,
    ContactKind,
    ContactLocation,
    ContactOutcome,
    DevelopmentDomain,
    FeedingStatus,
    MeasurementKind,
    ReferralStatus,
    Role,
    SafeguardingStatus,
    ScreeningZone,
    ServiceLevel,
    Sex,
)
from healthvisitor.persistence.models import (
    Carer,
    Child,
    Referral,
    ReferralType,
    SafeguardingEntry,
    ServiceLevelEntry,
    User,
)
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services.actor import Actor
from healthvisitor.services.contacts import (
    ContactEntry,
    DevelopmentEntry,
    MeasurementEntry,
    record_contact,
)
from healthvisitor.services.records import (
    CarerDetails,
    ChildDetails,
    FamilyDetails,
    add_carer,
    create_family,
    register_child,
)
from healthvisitor.services.referrals import NewReferral, make_referral
from tests import factories

TODAY = dt.date(2026, 11, 24)
OLIVER_BORN = dt.date(2025, 9, 10)

#: Oliver's mandated reviews: (kind, date, weight kg, length cm, head cm).
OLIVER_REVIEWS = (
    (ContactKind.NEW_BIRTH_VISIT, dt.date(2025, 9, 22), 1.45, None, None),
    (ContactKind.SIX_TO_EIGHT_WEEK, dt.date(2025, 10, 30), 2.6, 45.0, 32.5),
    (ContactKind.ONE_YEAR, dt.date(2026, 9, 1), 8.4, 71.0, 44.5),
)


@dataclass(frozen=True)
class PrintTeam:
    engine: Engine
    me: User
    colleague: User
    lead: User
    stranger: User  # another team's health visitor
    oliver: uuid.UUID
    isla: uuid.UUID
    tyler: uuid.UUID
    ben: uuid.UUID

    def actor(self, user: User | None = None) -> Actor:
        return factories.actor(user or self.me)


def _contact(
    actor: Actor,
    child_id: uuid.UUID,
    kind: ContactKind,
    on: dt.date,
    *,
    measurements: tuple[MeasurementEntry, ...] = (),
    **findings: object,
) -> ContactEntry:
    return ContactEntry(
        kind=kind,
        contact_date=on,
        location=ContactLocation.HOME,
        outcome=ContactOutcome.COMPLETED,
        delivered_by_id=actor.user_id,
        accountable_health_visitor_id=actor.user_id,
        child_id=child_id,
        measurements=measurements,
        **findings,  # type: ignore[arg-type]
    )


def build_print_team(engine: Engine, *, extra_contacts: int = 0) -> PrintTeam:
    with unit_of_work(engine) as session:
        team = factories.team(session, "Chapeltown 0-19 team")
        me = factories.user(session, team)
        me.full_name = "Priya Sharma"
        colleague = factories.user(session, team)
        colleague.full_name = "Helen Walker"
        lead = factories.user(session, team, Role.TEAM_LEAD)
        lead.full_name = "Joanne Fisher"
        stranger = factories.user(session, factories.team(session, "Headingley 0-19 team"))
    actor = factories.actor(me)
    with unit_of_work(engine) as session:

        def child(
            given: str,
            family: str,
            born: dt.date,
            weeks: int = 40,
            days: int = 0,
            birth_weight: float | None = 3.4,
            hv: User = me,
            seed: int = 0,
        ) -> uuid.UUID:
            family_id = create_family(
                session,
                actor,
                FamilyDetails(
                    family,
                    "12 Harehills Lane",
                    "",
                    "Leeds",
                    "LS7 4AA",
                    gp_practice="Chapeltown Family Surgery",
                ),
            )
            add_carer(
                session,
                actor,
                family_id,
                CarerDetails("Sara", family, CarerRelationship.MOTHER),
                today=TODAY,
            )
            return register_child(
                session,
                actor,
                ChildDetails(
                    nhs_number=factories.nhs_number(7000 + seed),
                    given_name=given,
                    family_name=family,
                    date_of_birth=born,
                    sex=Sex.MALE,
                    gestation_weeks=weeks,
                    gestation_days=days,
                    birth_weight_kg=birth_weight,
                    family_id=family_id,
                    health_visitor_id=hv.id,
                    place_of_birth="Leeds General Infirmary",
                ),
                today=TODAY,
            ).id

        oliver = child("Oliver", "Nowak", OLIVER_BORN, 30, 2, 1.32, seed=1)
        isla = child("Isla", "Jones", dt.date(2025, 10, 20), birth_weight=None, seed=2)
        tyler = child("Tyler", "Reid", dt.date(2026, 4, 20), seed=3)
        ben = child("Ben", "Walker", dt.date(2026, 5, 1), hv=colleague, seed=4)
        session.add(
            SafeguardingEntry(
                child_id=tyler,
                status=SafeguardingStatus.CHILD_PROTECTION_PLAN,
                start_date=dt.date(2026, 8, 3),
                note="",
            )
        )
        session.add(
            ServiceLevelEntry(
                child_id=tyler, level=ServiceLevel.UNIVERSAL_PARTNERSHIP_PLUS, start_date=TODAY
            )
        )
        mother = session.scalars(
            select(Carer.id).where(Carer.family_id == session.get_one(Child, tyler).family_id)
        ).one()
        for code, reason, made_on, follow_up, child_id, carer_id in (
            (
                "speech_language",
                "Few words",
                dt.date(2026, 11, 2),
                dt.date(2026, 12, 1),
                tyler,
                None,
            ),
            ("stop_smoking", "Smokes 10 a day", dt.date(2026, 10, 5), None, None, mother),
            ("infant_feeding", "Latch", dt.date(2026, 5, 1), None, tyler, None),
        ):
            referral_id = make_referral(
                session,
                actor,
                NewReferral(
                    referral_type_id=session.scalars(
                        select(ReferralType.id).where(ReferralType.code == code)
                    ).one(),
                    reason=reason,
                    made_on=made_on,
                    child_id=child_id,
                    carer_id=carer_id,
                    follow_up_on=follow_up,
                ),
                today=TODAY,
            )
            if code == "infant_feeding":
                session.get_one(Referral, referral_id).status = ReferralStatus.CLOSED
    with unit_of_work(engine) as session:
        for kind, on, weight, length, head in OLIVER_REVIEWS:
            measured = [MeasurementEntry(MeasurementKind.WEIGHT, weight)]
            if length is not None:
                measured.append(MeasurementEntry(MeasurementKind.LENGTH, length))
            if head is not None:
                measured.append(MeasurementEntry(MeasurementKind.HEAD_CIRCUMFERENCE, head))
            findings: dict[str, object] = {}
            if kind is not ContactKind.ONE_YEAR:
                findings = {
                    "feeding": FeedingStatus.PARTIALLY_BREASTFED,
                    "whooley_low_mood": False,
                    "whooley_loss_of_interest": False,
                }
            else:
                findings = {
                    "development": (
                        DevelopmentEntry(
                            DevelopmentDomain.COMMUNICATION, 25, ScreeningZone.BELOW_CUTOFF
                        ),
                        DevelopmentEntry(
                            DevelopmentDomain.GROSS_MOTOR, 50, ScreeningZone.ABOVE_CUTOFF
                        ),
                    ),
                    "notes": "Discussed talking and reading together.",
                }
            record_contact(
                session,
                actor,
                _contact(actor, oliver, kind, on, measurements=tuple(measured), **findings),
                today=TODAY,
                confirm_implausible=True,
            )
        for number in range(extra_contacts):
            on = dt.date(2025, 11, 3) + dt.timedelta(days=7 * number)
            if on > TODAY:
                break
            age_days = (on - OLIVER_BORN).days
            record_contact(
                session,
                actor,
                _contact(
                    actor,
                    oliver,
                    ContactKind.OTHER,
                    on,
                    measurements=(
                        MeasurementEntry(MeasurementKind.WEIGHT, round(2.6 + age_days * 0.018, 2)),
                    ),
                    notes=f"Weekly weight check {number + 1}.",
                ),
                today=TODAY,
                confirm_implausible=True,
            )
    return PrintTeam(engine, me, colleague, lead, stranger, oliver, isla, tyler, ben)
