"""The caseload: the children allocated to a health visitor, as read models.

Issue 4 adds next review due, flags and filters; this is the list the main
window opens on. One query, no per-row loading.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from healthvisitor.domain.ages import age_text
from healthvisitor.domain.enums import RecordStatus, Role
from healthvisitor.domain.validation import format_nhs_number
from healthvisitor.errors import NotFoundError, PermissionDeniedError
from healthvisitor.persistence.models import Child, Family, User
from healthvisitor.services.access import require_clinical
from healthvisitor.services.actor import Actor
from healthvisitor.services.growth_alerts import alerts_for_children


@dataclass(frozen=True)
class CaseloadRow:
    child_id: uuid.UUID
    name: str
    nhs_number: str  # formatted 3-3-4
    date_of_birth: dt.date
    age: str
    family: str
    postcode: str
    alerts: tuple[str, ...] = ()  # e.g. "Faltering growth: weight below the 2nd centile"


@dataclass(frozen=True)
class HealthVisitorSummary:
    id: uuid.UUID
    full_name: str
    role: Role


def team_health_visitors(session: Session, actor: Actor) -> list[HealthVisitorSummary]:
    """The clinical members of the actor's team, by name."""
    team_id = require_clinical(actor)
    users = session.scalars(
        select(User)
        .where(User.team_id == team_id, User.active.is_(True), User.role != Role.ADMINISTRATOR)
        .order_by(User.full_name)
    )
    return [HealthVisitorSummary(u.id, u.full_name, u.role) for u in users]


def caseload_owner(
    session: Session, actor: Actor, health_visitor_id: uuid.UUID | None
) -> tuple[uuid.UUID, uuid.UUID]:
    """The actor's team and whose caseload to show (default: the actor's own).

    A health visitor may open a colleague's caseload in their own team (cover);
    another team's caseload is refused. The children's and the pregnancies'
    lists both ask here, so they can never disagree on who may see what.
    """
    team_id = require_clinical(actor)
    visitor_id = health_visitor_id or actor.user_id
    visitor = session.get(User, visitor_id)
    if visitor is None:
        raise NotFoundError("That health visitor is not on record.")
    if visitor.team_id != team_id:
        raise PermissionDeniedError("That caseload belongs to another team.")
    return team_id, visitor_id


def caseload(
    session: Session, actor: Actor, *, today: dt.date, health_visitor_id: uuid.UUID | None = None
) -> list[CaseloadRow]:
    """Active children allocated to a health visitor (default: the actor), by name.

    A health visitor may open a colleague's caseload in their own team (cover);
    another team's caseload is refused.
    """
    team_id, visitor_id = caseload_owner(session, actor, health_visitor_id)
    rows = session.execute(
        select(
            Child.id,
            Child.given_name,
            Child.family_name,
            Child.nhs_number,
            Child.date_of_birth,
            Family.family_name,
            Family.postcode,
        )
        .join(Family, Family.id == Child.family_id)
        .where(
            Child.health_visitor_id == visitor_id,
            Child.team_id == team_id,
            Child.record_status == RecordStatus.ACTIVE,
        )
        .order_by(Child.family_name, Child.given_name, Child.date_of_birth)
    )
    found = list(rows)
    faltering = alerts_for_children(session, [(row[0], row[4]) for row in found], today=today)
    return [
        CaseloadRow(
            child_id=row[0],
            name=f"{row[1]} {row[2]}",
            nhs_number=format_nhs_number(row[3]),
            date_of_birth=row[4],
            age=age_text(row[4], today),
            family=row[5],
            postcode=row[6],
            alerts=tuple(
                f"Faltering growth: {alert.rule.label[0].lower()}{alert.rule.label[1:]}"
                for alert in faltering.get(row[0], [])
            ),
        )
        for row in found
    ]
