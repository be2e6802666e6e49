"""Who accessed a child's record: the audit trail read back for one child (issue 8).

A family may ask who has looked at or changed their child's record (DOMAIN.md,
"Rules of thumb"). ``who_accessed`` answers for a date range: every audit
event on the child's record, on its contacts and on its referrals, with who
(by name and role), when (kept in UTC; shown in local time by the screen and
the report), what they did and from which machine.

Only the child's own team lead and administrators may ask (``READ_AUDIT`` in
the policy table; another team's lead is refused by the record-level check).
Asking is itself recorded on the child's record ("view_access_log"): looking
at who looked is an access too, and shows in the next report.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from healthvisitor.domain.enums import AllocationChangeKind, Role
from healthvisitor.domain.validation import format_nhs_number
from healthvisitor.errors import NotFoundError, ValidationError
from healthvisitor.persistence.models import AuditEvent, Child, Contact, Referral, Team, User
from healthvisitor.services.access import require_team
from healthvisitor.services.actor import Actor
from healthvisitor.services.allocation import day_text
from healthvisitor.services.audit import record_event
from healthvisitor.services.policy import Permission, requires

#: The audit action recorded when someone asks who accessed a record.
VIEW_ACCESS_LOG = "view_access_log"
#: The ``report`` of the "print" event when the report is printed or saved.
ACCESS_LOG = "who accessed the record"

#: The longest range one report covers: a family's request under UK GDPR
#: (subject access) may reach back years; a bound keeps one report printable.
LONGEST_RANGE = dt.timedelta(days=366 * 8)

#: What each audit action on a record means, in the words of the report.
_ACTION_WORDS: dict[tuple[str, str], str] = {
    ("view", "child"): "Opened the record",
    ("view", "screening_and_immunisations"): "Opened screening and immunisations",
    ("create", "child"): "Registered the child",
    ("print", "child"): "Printed from the record",
    ("create", "contact"): "Recorded a contact",
    ("update", "contact"): "Changed a contact",
    ("create", "referral"): "Made a referral",
    ("update", "referral"): "Changed a referral",
    ("print", "referral"): "Printed a referral letter",
    ("change_record_status", "child"): "Changed the record's status",
    ("transfer_in", "child"): "Transferred the child in",
    ("team_transfer", "child"): "Transferred the child to another team",
    ("duplicate_nhs_number_other_team", "child"): (
        "Tried to register the NHS number again in another team"
    ),
    (VIEW_ACCESS_LOG, "child"): "Looked at who accessed the record",
}
_ACTION_WORDS.update(
    {(kind.value, "child"): f"{kind.label} (health visitor)" for kind in AllocationChangeKind}
)


# --- break-glass (issue 8): each access shows with its reason ---
def _break_glass_words(action: str, details: str) -> str | None:
    """What a break-glass event says (with the reason typed), or None for any other event."""
    from healthvisitor.services.break_glass import (
        BREAK_GLASS_EVENT,
        GRANT_DETAIL,
        REVIEWED_EVENT,
    )

    if action not in (BREAK_GLASS_EVENT, REVIEWED_EVENT, "view") or (
        action == "view" and GRANT_DETAIL not in details
    ):
        return None
    try:
        said = json.loads(details)
    except ValueError:
        said = {}
    if not isinstance(said, dict):
        said = {}
    if action == REVIEWED_EVENT:
        return "The team lead reviewed a break-glass access"
    if action == "view":
        return "Opened the record by break-glass (read-only)"
    reason = said.get("reason")
    words = "Broke the glass (from another team) to read the record"
    return f'{words}, saying: "{reason}"' if isinstance(reason, str) else words


# --- break-glass (issue 8): end ---


@dataclass(frozen=True)
class RecordAccess:
    """One access to the record: who, when, what and from where."""

    occurred_at: dt.datetime  # UTC, timezone-aware (as stored)
    who: str  # their full name, or how the event was made without a user
    username: str
    role: Role | None  # their role now (the audit trail keeps who, not their role then)
    action: str  # the audit action, as stored
    what: str  # what they did, in words
    machine: str
    sequence: int  # the event's place in the audit chain

    @property
    def local_time(self) -> dt.datetime:
        """When, in the computer's local time zone (what a reader is shown)."""
        return self.occurred_at.astimezone()

    @property
    def role_label(self) -> str:
        return self.role.label if self.role is not None else ""

    @property
    def when_words(self) -> str:
        """``2 Nov 2026 09:15:00 (UTC+00:00)``: local time, with its offset from UTC
        (so a reader can match it to the audit trail, kept in UTC)."""
        local = self.local_time
        offset = local.strftime("%z")
        return f"{day_text(local.date())} {local:%H:%M:%S} (UTC{offset[:3]}:{offset[3:]})"

    @property
    def who_words(self) -> str:
        """Their name, with their user name and role: ``Jane Smith (jsmith, team lead)``."""
        if not self.username:
            return self.who
        role = f", {self.role_label.lower()}" if self.role_label else ""
        return f"{self.who} ({self.username}{role})"


@dataclass(frozen=True)
class AccessReport:
    """Every access to one child's record from ``start`` to ``end`` (inclusive), oldest first."""

    child_id: uuid.UUID
    child_name: str
    nhs_number: str  # 3-3-4, as shown
    team_name: str
    start: dt.date
    end: dt.date
    accesses: tuple[RecordAccess, ...]
    asked_by: str
    asked_at: dt.datetime  # UTC


def _day_start(day: dt.date, zone: dt.tzinfo | None) -> dt.datetime:
    """Midnight at the start of ``day`` in ``zone`` (the computer's own, with its DST, if None)."""
    midnight = dt.datetime.combine(day, dt.time.min)
    return midnight.replace(tzinfo=zone) if zone is not None else midnight.astimezone()


def _find_child(session: Session, child_id: uuid.UUID | None, nhs_number: str | None) -> Child:
    if (child_id is None) == (nhs_number is None):
        raise ValueError("give the child's id or their NHS number, not both")
    if child_id is not None:
        child = session.get(Child, child_id)
        if child is None:
            raise NotFoundError("This child's record was not found.")
        return child
    digits = "".join(ch for ch in str(nhs_number) if not ch.isspace())
    found = session.scalars(select(Child).where(Child.nhs_number == digits)).one_or_none()
    if found is None:
        raise NotFoundError(
            f"No child with NHS number {format_nhs_number(digits)} is on record; check the number."
        )
    return found


def _what(action: str, entity_type: str, details: str) -> str:
    if entity_type == "child" and (broke := _break_glass_words(action, details)) is not None:
        return broke  # break-glass (issue 8)
    words = _ACTION_WORDS.get((action, entity_type))
    if words is None:
        words = f"{action.replace('_', ' ').capitalize()} ({entity_type.replace('_', ' ')})"
    if action == "print":
        try:
            printed = json.loads(details)
        except ValueError:
            printed = {}
        report = (
            printed.get("report") or printed.get("document") if isinstance(printed, dict) else None
        )
        if isinstance(report, str) and report:
            copy = printed.get("copy")
            words += f": {report}" + (f" ({copy}'s copy)" if isinstance(copy, str) and copy else "")
    return words


@requires(Permission.READ_AUDIT)
def who_accessed(
    session: Session,
    actor: Actor,
    *,
    child_id: uuid.UUID | None = None,
    nhs_number: str | None = None,
    start: dt.date,
    end: dt.date,
    now: dt.datetime,
    zone: dt.tzinfo | None = None,
    for_print: bool = False,
) -> AccessReport:
    """Who accessed one child's record (by id or NHS number) from ``start`` to ``end``.

    The days are whole local days in ``zone`` (the computer's own if None).
    A team lead may ask only about their own team's children; an
    administrator about any child. Asking is recorded in the audit trail: as
    a look at the access log, or ``for_print`` as a print of it.
    """
    if end < start:
        raise ValidationError(
            f"The range ends ({end:%d %b %Y}) before it starts ({start:%d %b %Y}).", "end"
        )
    if end - start > LONGEST_RANGE:
        raise ValidationError(
            "One report covers at most 8 years; ask for a shorter range.", "start"
        )
    child = _find_child(session, child_id, nhs_number)
    if actor.role is not Role.ADMINISTRATOR:
        require_team(actor, child.team_id)
    since = _day_start(start, zone)
    until = _day_start(end + dt.timedelta(days=1), zone)
    contact_ids = select(Contact.id).where(Contact.child_id == child.id)
    referral_ids = select(Referral.id).where(Referral.child_id == child.id)
    rows = session.execute(
        select(AuditEvent, User)
        .outerjoin(User, User.id == AuditEvent.user_id)
        .where(
            or_(
                AuditEvent.entity_id == child.id,
                and_(AuditEvent.entity_type == "contact", AuditEvent.entity_id.in_(contact_ids)),
                and_(AuditEvent.entity_type == "referral", AuditEvent.entity_id.in_(referral_ids)),
            ),
            AuditEvent.occurred_at >= since,
            AuditEvent.occurred_at < until,
        )
        .order_by(AuditEvent.occurred_at, AuditEvent.sequence)
    ).all()
    accesses = tuple(
        RecordAccess(
            occurred_at=event.occurred_at,
            who=user.full_name if user is not None else "No signed-in user (command line)",
            username=user.username if user is not None else "",
            role=user.role if user is not None else None,
            action=event.action,
            what=_what(event.action, event.entity_type, event.details),
            machine=event.machine,
            sequence=event.sequence,
        )
        for event, user in rows
    )
    # After the query: this look shows in the next report, not in its own.
    asked = {"start": start.isoformat(), "end": end.isoformat(), "found": len(accesses)}
    if for_print:
        record_event(session, actor, "print", "child", child.id, report=ACCESS_LOG, **asked)
    else:
        record_event(session, actor, VIEW_ACCESS_LOG, "child", child.id, **asked)
    team = session.get(Team, child.team_id)
    return AccessReport(
        child_id=child.id,
        child_name=f"{child.given_name} {child.family_name}",
        nhs_number=format_nhs_number(child.nhs_number),
        team_name=team.name if team is not None else "",
        start=start,
        end=end,
        accesses=accesses,
        asked_by=actor.full_name,
        asked_at=now,
    )
