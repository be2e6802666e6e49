"""A health visitor's workspace with one child, for the tests of saves that must be
applied exactly once (issue 9): saved, counted, and the entries a form hands over."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

from sqlalchemy import Engine, Select, func, select

from healthvisitor.config import DatabaseChoice, parse_url
from healthvisitor.domain.enums import (
    ContactKind,
    ContactLocation,
    ContactOutcome,
    MeasurementKind,
    ReferralConsent,
)
from healthvisitor.persistence.models import (
    AuditEvent,
    Contact,
    Measurement,
    Referral,
    ReferralType,
)
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services.contacts import ContactEntry, MeasurementEntry
from healthvisitor.services.referrals import NewReferral
from healthvisitor.services.workspace import Workspace
from tests import factories

TODAY = dt.date(2026, 11, 24)
BORN = dt.date(2026, 9, 1)


@dataclasses.dataclass(frozen=True)
class SavingWorld:
    workspace: Workspace
    child_id: uuid.UUID
    health_visitor_id: uuid.UUID

    def contact(self, key: uuid.UUID | None = None, **changes: object) -> ContactEntry:
        """An "other" home visit with a weight, as the contact form hands it over."""
        entry = ContactEntry(
            kind=ContactKind.OTHER,
            contact_date=TODAY,
            location=ContactLocation.HOME,
            outcome=ContactOutcome.COMPLETED,
            delivered_by_id=self.health_visitor_id,
            accountable_health_visitor_id=self.health_visitor_id,
            child_id=self.child_id,
            notes="Home visit, all well.",
            measurements=(MeasurementEntry(MeasurementKind.WEIGHT, 5.2),),
            idempotency_key=key,
        )
        return dataclasses.replace(entry, **changes)

    def referral(self, key: uuid.UUID | None = None) -> NewReferral:
        with unit_of_work(self.workspace.engine) as session:
            type_id = session.scalars(
                select(ReferralType.id).where(ReferralType.code == "early_help")
            ).one()
        return NewReferral(
            referral_type_id=type_id,
            child_id=self.child_id,
            reason="Housing worries.",
            made_on=TODAY,
            consent=ReferralConsent.GIVEN,
            idempotency_key=key,
        )


def saving_world(engine: Engine) -> SavingWorld:
    """A team, a health visitor signed in on ``engine``, and a child on her caseload."""
    with unit_of_work(engine) as session:
        team = factories.team(session)
        me = factories.user(session, team)
        child = factories.child(session, factories.family(session, team), me, date_of_birth=BORN)
        actor = factories.actor(me)
        child_id, my_id = child.id, me.id
    choice = DatabaseChoice(parse_url(str(engine.url), "test"), "the test database")
    workspace = Workspace(engine, actor, choice, today=lambda: TODAY)
    return SavingWorld(workspace, child_id, my_id)


@dataclasses.dataclass(frozen=True)
class Saved:
    """What is in the database: each count must match the saves the user made."""

    contacts: int
    measurements: int
    contact_events: int
    referrals: int


def saved(engine: Engine) -> Saved:
    def count(query: Select[tuple[int]]) -> int:
        return int(session.scalar(query) or 0)

    with unit_of_work(engine) as session:
        return Saved(
            contacts=count(select(func.count()).select_from(Contact)),
            measurements=count(select(func.count()).select_from(Measurement)),
            contact_events=count(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.entity_type == "contact", AuditEvent.action == "create")
            ),
            referrals=count(select(func.count()).select_from(Referral)),
        )
