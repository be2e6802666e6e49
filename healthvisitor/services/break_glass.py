"""Break-glass: opening another team's child's record in an emergency (issue 8).

"No access at all to another team's records except through a 'break-glass'
action that requires a typed reason, is flagged to that team's lead, and is
audited." A health visitor or team lead (never an administrator) gives the
child's exact NHS number and says why (``break_glass``): there is no browsing
or searching another team's records, and nothing about the child is told
before the reason is given. The grant lets that one person read that one
record, never change it, for ``GRANT_LASTS`` (``break_glass_record``); every
write service still refuses it, as they refuse every other team's record.

Each grant is kept (``BreakGlassAccess``) and audited ("break_glass": who,
when, which record, the reason, the machine); every opening under it is
audited as a "view" naming the grant. The lead of the record's team sees the
accesses to their team's records until they mark each reviewed
(``break_glass_to_review``, ``mark_break_glass_reviewed``, also audited).

A child of the user's own team is no break-glass: ``break_glass`` says so
(``OwnTeamChild``) and the record opens the usual way, with no grant.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import uuid
from dataclasses import dataclass
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from healthvisitor.domain.validation import clean_nhs_number, format_nhs_number
from healthvisitor.errors import FieldProblem, NotFoundError, PermissionDeniedError, ValidationError
from healthvisitor.persistence.models import BreakGlassAccess, Child, Team, User
from healthvisitor.persistence.types import new_id
from healthvisitor.services.access import require_clinical, require_team
from healthvisitor.services.actor import Actor
from healthvisitor.services.audit import record_event
from healthvisitor.services.child_record import ChildRecord, _opened_record, child_record
from healthvisitor.services.policy import Permission, requires

#: How long one break-glass grant lets its user read the record: a working
#: day's shift, so the record can be read again while the emergency lasts, and
#: not beyond it without a new reason.
GRANT_LASTS: Final = dt.timedelta(hours=8)
#: The fewest letters a reason may have: enough for a few words a lead can
#: judge ("A&E asked for immunisations"), not "x" or "urgent".
SHORTEST_REASON: Final = 10
#: The longest reason kept (the column's size).
LONGEST_REASON: Final = 1000

#: The audit actions of this module.
BREAK_GLASS_EVENT: Final = "break_glass"
BREAK_GLASS_NOT_FOUND_EVENT: Final = "break_glass_not_found"
REVIEWED_EVENT: Final = "review_break_glass"
#: The detail naming the grant on every "view" made under it.
GRANT_DETAIL: Final = "break_glass_grant"

_LETTERS = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class BreakGlassGrant:
    """One person's read-only access to one other team's child's record, until ``expires_at``."""

    id: uuid.UUID
    child_id: uuid.UUID
    child_name: str
    nhs_number: str  # 3-3-4
    team_name: str  # the team whose record it is
    reason: str
    granted_at: dt.datetime  # UTC
    expires_at: dt.datetime  # UTC


@dataclass(frozen=True)
class OwnTeamChild:
    """The NHS number is a child of the user's own team: open the record as usual."""

    child_id: uuid.UUID
    child_name: str


@dataclass(frozen=True)
class BreakGlassView:
    """The record as the child record window shows it, and the grant it was opened under.

    ``grant`` is None for a child of the user's own team (the usual record).
    """

    record: ChildRecord
    grant: BreakGlassGrant | None


@dataclass(frozen=True)
class BreakGlassOpening:
    """One break-glass opening of a team's record, as its lead reviews it."""

    id: uuid.UUID
    child_id: uuid.UUID
    child_name: str
    nhs_number: str  # 3-3-4
    who: str  # full name
    who_team: str  # their own team
    who_role: str
    reason: str
    machine: str
    granted_at: dt.datetime  # UTC
    expires_at: dt.datetime  # UTC
    reviewed_at: dt.datetime | None = None
    reviewed_by: str = ""


def clean_reason(text: str) -> str:
    """The reason as kept (spaces tidied); ``ValidationError`` on ``reason`` if too short."""
    reason = " ".join((text or "").split())
    if not reason:
        raise ValidationError(
            "Say why you need this record: break-glass access is only for a real need, "
            "and your reason is shown to that team's lead.",
            "reason",
        )
    if len(_LETTERS.findall(reason)) < SHORTEST_REASON:
        raise ValidationError(
            "Say a little more about why you need this record (a few words, at least "
            f'{SHORTEST_REASON} letters), for example "Seen in our clinic today; checking '
            'immunisations".',
            "reason",
        )
    if len(reason) > LONGEST_REASON:
        raise ValidationError(
            f"Keep the reason to {LONGEST_REASON} characters; this one has {len(reason)}.",
            "reason",
        )
    return reason


def _grant_line(grant: BreakGlassAccess, child: Child, team_name: str) -> BreakGlassGrant:
    return BreakGlassGrant(
        id=grant.id,
        child_id=child.id,
        child_name=f"{child.given_name} {child.family_name}",
        nhs_number=format_nhs_number(child.nhs_number),
        team_name=team_name,
        reason=grant.reason,
        granted_at=grant.granted_at,
        expires_at=grant.expires_at,
    )


def _team_name(session: Session, team_id: uuid.UUID) -> str:
    team = session.get(Team, team_id)
    return team.name if team is not None else ""


@requires(Permission.BREAK_GLASS)
def break_glass(
    session: Session, actor: Actor, nhs_number: str, reason: str, *, now: dt.datetime
) -> BreakGlassGrant | OwnTeamChild:
    """Grant ``actor`` read-only access to the child with this exact NHS number, for a reason.

    The reason and the number are checked before anything is looked up, so
    nobody learns who is on another team's records without giving a reason.
    A child of the actor's own team needs no break-glass (``OwnTeamChild``,
    nothing stored). Otherwise the grant is stored and audited; the record
    itself is opened with ``break_glass_record``.
    """
    own_team = require_clinical(actor)
    problems: list[FieldProblem] = []
    kept_reason = digits = ""
    try:
        digits = clean_nhs_number(nhs_number)
    except ValidationError as error:
        problems.extend(error.problems)
    try:
        kept_reason = clean_reason(reason)
    except ValidationError as error:
        problems.extend(error.problems)
    if problems:  # both said at once, each next to its field
        raise ValidationError(problems)
    child = session.scalars(select(Child).where(Child.nhs_number == digits)).one_or_none()
    if child is None:
        raise NotFoundError(
            f"No child with NHS number {format_nhs_number(digits)} is on record in this "
            "service; check the number."
        )
    if child.team_id == own_team:
        return OwnTeamChild(child.id, f"{child.given_name} {child.family_name}")
    grant = BreakGlassAccess(
        id=new_id(),
        child_id=child.id,
        team_id=child.team_id,
        user_id=actor.user_id,
        reason=kept_reason,
        machine=actor.machine[:100],
        granted_at=now,
        expires_at=now + GRANT_LASTS,
    )
    session.add(grant)
    session.flush()
    team_name = _team_name(session, child.team_id)
    record_event(
        session,
        actor,
        BREAK_GLASS_EVENT,
        "child",
        child.id,
        grant=grant.id,
        team=team_name,
        team_id=child.team_id,
        reason=kept_reason,
        expires_at=grant.expires_at.isoformat(),
    )
    return _grant_line(grant, child, team_name)


@requires(Permission.BREAK_GLASS)
def record_not_found(session: Session, actor: Actor, nhs_number: str, reason: str) -> None:
    """Audit a break-glass look-up that found no child (``break_glass``'s NotFoundError).

    The refusal rolls its own unit of work back, so the caller records it in a
    new one: an attempt to reach a record outside one's team, with its reason,
    is for the audit trail even when nothing was found."""
    require_clinical(actor)
    record_event(
        session,
        actor,
        BREAK_GLASS_NOT_FOUND_EVENT,
        "child",
        None,
        nhs_number=clean_nhs_number(nhs_number),
        reason=clean_reason(reason),
    )


def _live_grant(
    session: Session, actor: Actor, child: Child, now: dt.datetime
) -> BreakGlassAccess | None:
    """The actor's grant on ``child`` still running ``now`` (the latest to end), if any.

    A grant is for the team whose record it was: a child transferred since is
    another record to ask for.
    """
    return session.scalars(
        select(BreakGlassAccess)
        .where(
            BreakGlassAccess.user_id == actor.user_id,
            BreakGlassAccess.child_id == child.id,
            BreakGlassAccess.team_id == child.team_id,
            BreakGlassAccess.granted_at <= now,
            BreakGlassAccess.expires_at > now,
        )
        .order_by(BreakGlassAccess.expires_at.desc())
        .limit(1)
    ).first()


@requires(Permission.BREAK_GLASS)
def break_glass_record(
    session: Session, actor: Actor, child_id: uuid.UUID, *, now: dt.datetime, today: dt.date
) -> BreakGlassView:
    """The child's record, read under the actor's running break-glass grant (audited as a view).

    The same record the child record window shows, read by the same code as
    ``child_record.child_record``, with only the team check replaced by the
    grant. A child of the actor's own team is read the usual way, with no grant.
    """
    own_team = require_clinical(actor)
    child = session.get(Child, child_id)
    if child is None:
        raise NotFoundError("That child is not on record.")
    if child.team_id == own_team:
        return BreakGlassView(child_record(session, actor, child.id, today=today), None)
    grant = _live_grant(session, actor, child, now)
    if grant is None:
        raise PermissionDeniedError(
            "Your break-glass access to this record has ended (or was never given). To read "
            "it again, use break-glass again and say why."
        )
    record = _opened_record(session, actor, child, None, today=today, **{GRANT_DETAIL: grant.id})
    team_name = _team_name(session, child.team_id)
    # The window reads ``read_only_reason`` to switch every change off, and says it.
    record = dataclasses.replace(record, read_only_reason=read_only_reason(team_name))
    return BreakGlassView(record, _grant_line(grant, child, team_name))


def read_only_reason(team_name: str) -> str:
    """Why a record opened by break-glass cannot be changed, in the user's words."""
    return (
        f"This record belongs to another team ({team_name}) and was opened by break-glass: "
        "you can read it but not change it."
    )


def _accesses(session: Session, team_id: uuid.UUID, *, to_review: bool) -> list[BreakGlassAccess]:
    query = select(BreakGlassAccess).where(BreakGlassAccess.team_id == team_id)
    if to_review:
        query = query.where(BreakGlassAccess.reviewed_at.is_(None))
    return list(session.scalars(query.order_by(BreakGlassAccess.granted_at, BreakGlassAccess.id)))


@requires(Permission.REVIEW_BREAK_GLASS)
def break_glass_to_review(session: Session, actor: Actor) -> tuple[BreakGlassOpening, ...]:
    """Break-glass openings of the lead's team's records not yet reviewed, oldest first."""
    team_id = require_clinical(actor)
    grants = _accesses(session, team_id, to_review=True)
    if not grants:
        return ()
    children = {
        child.id: child
        for child in session.scalars(
            select(Child).where(Child.id.in_({grant.child_id for grant in grants}))
        )
    }
    people = {
        user.id: (user, team_name)
        for user, team_name in session.execute(
            select(User, Team.name)
            .outerjoin(Team, Team.id == User.team_id)
            .where(User.id.in_({grant.user_id for grant in grants}))
        )
    }
    lines = []
    for grant in grants:
        child = children[grant.child_id]
        user, their_team = people[grant.user_id]
        lines.append(
            BreakGlassOpening(
                id=grant.id,
                child_id=child.id,
                child_name=f"{child.given_name} {child.family_name}",
                nhs_number=format_nhs_number(child.nhs_number),
                who=user.full_name,
                who_team=their_team or "",
                who_role=user.role.label,
                reason=grant.reason,
                machine=grant.machine,
                granted_at=grant.granted_at,
                expires_at=grant.expires_at,
            )
        )
    return tuple(lines)


@requires(Permission.REVIEW_BREAK_GLASS)
def mark_break_glass_reviewed(
    session: Session, actor: Actor, grant_id: uuid.UUID, *, now: dt.datetime
) -> None:
    """The lead has looked at this break-glass opening of their team's record (audited).

    Marking one already reviewed changes nothing: the first review stands.
    """
    grant = session.get(BreakGlassAccess, grant_id)
    if grant is None:
        raise NotFoundError("That break-glass access is not on record.")
    require_team(actor, grant.team_id)
    if grant.reviewed_at is not None:
        return
    grant.reviewed_at = now
    grant.reviewed_by_id = actor.user_id
    session.flush()
    record_event(session, actor, REVIEWED_EVENT, "child", grant.child_id, grant=grant.id)
