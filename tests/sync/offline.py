"""What a health visitor does on the laptop, through the ordinary services (issue 12)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import Engine, select

from healthvisitor.domain.enums import (
    ContactKind,
    ContactLocation,
    ContactOutcome,
    FeedingStatus,
    MeasurementKind,
    ReferralConsent,
)
from healthvisitor.persistence.models import Base, ReferralType
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services import contacts, referrals
from healthvisitor.services.actor import Actor
from tests.sync.conftest import SAM_BORN, TODAY

#: Day 11: inside the new birth visit's window and its 14-day target.
VISIT_DAY = SAM_BORN + dt.timedelta(days=11)


def record_new_birth_visit(
    laptop: Engine, actor: Actor, child_id: Any, *, save_key: uuid.UUID | None = None
) -> uuid.UUID:
    """A completed new birth visit with a weight and feeding, as the contact form saves it
    (with the form's ``save_key``, if given)."""
    entry = contacts.ContactEntry(
        kind=ContactKind.NEW_BIRTH_VISIT,
        contact_date=VISIT_DAY,
        location=ContactLocation.HOME,
        outcome=ContactOutcome.COMPLETED,
        delivered_by_id=actor.user_id,
        accountable_health_visitor_id=actor.user_id,
        child_id=child_id,
        who_was_seen="Mother and baby",
        measurements=(
            contacts.MeasurementEntry(MeasurementKind.WEIGHT, 3.55),
            contacts.MeasurementEntry(MeasurementKind.HEAD_CIRCUMFERENCE, 35.0),
        ),
        feeding=FeedingStatus.TOTALLY_BREASTFED,
        idempotency_key=save_key,
    )
    with unit_of_work(laptop) as session:
        recorded = contacts.record_contact(session, actor, entry, today=TODAY)
        referrals.raise_prompts(session, actor, recorded.contact_id, today=TODAY)
    return recorded.contact_id


def make_referral(laptop: Engine, actor: Actor, child_id: Any) -> uuid.UUID:
    with unit_of_work(laptop) as session:
        type_id = session.scalars(
            select(ReferralType.id).where(ReferralType.retired.is_(False)).limit(1)
        ).one()
        return referrals.make_referral(
            session,
            actor,
            referrals.NewReferral(
                referral_type_id=type_id,
                reason="Tongue tie affecting feeding",
                made_on=TODAY,
                child_id=child_id,
                consent=ReferralConsent.GIVEN,
            ),
            today=TODAY,
        )


def snapshot(engine: Engine, *, leave_out: frozenset[str] = frozenset()) -> dict[str, list[str]]:
    """Every row of every table, in a stable order (to compare two states)."""
    found: dict[str, list[str]] = {}
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            if table.name in leave_out:
                continue
            rows = connection.execute(select(table)).mappings()
            found[table.name] = sorted(repr(sorted(dict(row).items())) for row in rows)
    return found
