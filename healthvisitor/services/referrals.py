"""Referrals: from a finding to a service and back (issue 5).

A referral is about a child or about a carer (a smoking mother is referred
herself). It moves through a fixed lifecycle, one dated step at a time, each
step kept in ``referral_events`` with who recorded it::

    draft -> sent -> acknowledged -> accepted | declined by the service
                  \\-> accepted | declined (a service may answer at once)
    accepted -> completed
    any open step -> closed, with a coded outcome

A finished referral (completed, closed or declined) never moves again: a new
need is a new referral. Consent is recorded before a referral is sent (or
"not required: safeguarding", with the reason). Health visitors and team
leads of the child's team work on referrals; administrators only manage the
list of referral types (a retired type stays on old referrals and is not
offered for new ones).

Prompts: after a contact is saved, ``prompts_for_contact`` reads its
findings against ``healthvisitor.domain.referral_rules``; the health visitor
accepts a prompt (the referral is drafted with the reason filled in) or
declines it with a reason. Every decision is kept (``referral_prompts``) and
audited.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import ColumnElement, CursorResult, Select, or_, select, update
from sqlalchemy.orm import Session

from healthvisitor.domain.enums import (
    CarerRelationship,
    ContactKind,
    ContactOutcome,
    DevelopmentDomain,
    FalteringRule,
    MeasurementKind,
    PromptDecision,
    RecordStatus,
    ReferralConsent,
    ReferralOutcome,
    ReferralStatus,
    Role,
    SafeguardingStatus,
    ScreeningZone,
    ServiceLevel,
)
from healthvisitor.domain.referral_rules import (
    ADDITIONAL_NEEDS,
    RULES_BY_ID,
    Findings,
    FiredRule,
    PromptAction,
    PromptSubject,
    ReferralRule,
    fired_rules,
)
from healthvisitor.domain.validation import format_nhs_number
from healthvisitor.errors import (
    ConcurrentEditError,
    DuplicateError,
    EditConflictError,
    FieldProblem,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from healthvisitor.persistence.models import (
    Carer,
    Child,
    Contact,
    DevelopmentScore,
    Family,
    Measurement,
    Pregnancy,
    Referral,
    ReferralEvent,
    ReferralPrompt,
    ReferralType,
    SafeguardingEntry,
    ServiceLevelEntry,
    Team,
    User,
)
from healthvisitor.persistence.types import utc_now
from healthvisitor.services.access import (
    require_clinical,
    require_may_change_child,
    require_may_change_family,
    require_may_change_pregnancy,
    require_team,
    require_team_lead,
)
from healthvisitor.services.actor import Actor
from healthvisitor.services.audit import record_event
from healthvisitor.services.caseload import caseload_owner
from healthvisitor.services.dated_history import in_force_on
from healthvisitor.services.growth_alerts import alerts_for_child
from healthvisitor.services.life_events import _team_pregnancy
from healthvisitor.services.policy import Permission, requires
from healthvisitor.services.record_edits import (
    Choice,
    EditableField,
    EditableRecord,
    EditSaved,
    merge_or_conflict,
    resolution,
)

#: The legal next steps from each status (issue 5). Finished referrals have none.
NEXT_STEPS: dict[ReferralStatus, tuple[ReferralStatus, ...]] = {
    ReferralStatus.DRAFT: (ReferralStatus.SENT, ReferralStatus.CLOSED),
    ReferralStatus.SENT: (
        ReferralStatus.ACKNOWLEDGED,
        ReferralStatus.ACCEPTED,
        ReferralStatus.DECLINED,
        ReferralStatus.CLOSED,
    ),
    ReferralStatus.ACKNOWLEDGED: (
        ReferralStatus.ACCEPTED,
        ReferralStatus.DECLINED,
        ReferralStatus.CLOSED,
    ),
    ReferralStatus.ACCEPTED: (ReferralStatus.COMPLETED, ReferralStatus.CLOSED),
    ReferralStatus.DECLINED: (),
    ReferralStatus.COMPLETED: (),
    ReferralStatus.CLOSED: (),
}
#: What a step is called as an action (the buttons and the messages).
STEP_ACTIONS: dict[ReferralStatus, str] = {
    ReferralStatus.SENT: "Mark as sent",
    ReferralStatus.ACKNOWLEDGED: "Acknowledged by the service",
    ReferralStatus.ACCEPTED: "Accepted by the service",
    ReferralStatus.DECLINED: "Declined by the service",
    ReferralStatus.COMPLETED: "Completed",
    ReferralStatus.CLOSED: "Close with outcome",
}


# --- Read models ------------------------------------------------------------------------


@dataclass(frozen=True)
class ReferralTypeLine:
    id: uuid.UUID
    code: str
    name: str
    retired: bool
    #: Printed on the family's red book copy (False unless an administrator says so).
    on_family_copy: bool = False


@dataclass(frozen=True)
class ReferralStep:
    status: ReferralStatus
    on: dt.date
    recorded_by: str
    note: str


@dataclass(frozen=True)
class ReferralLine:
    """One referral as the child's record shows it."""

    id: uuid.UUID
    type_code: str
    type_name: str
    #: The type prints on the family's red book copy (``ReferralType.on_family_copy``).
    type_on_family_copy: bool
    #: Whom it is about: the child, or a carer ("Alex Smith (mother)").
    about: str
    child_id: uuid.UUID | None
    carer_id: uuid.UUID | None
    status: ReferralStatus
    reason: str
    made_on: dt.date
    made_by: str
    follow_up_on: dt.date | None
    follow_up_due: bool
    consent: ReferralConsent
    consent_note: str
    sent_to: str
    tried_so_far: str
    closed_on: dt.date | None
    outcome_code: ReferralOutcome | None
    outcome: str
    last_step_on: dt.date
    next_steps: tuple[ReferralStatus, ...]
    steps: tuple[ReferralStep, ...]
    #: The row's version when read: an edit of the draft's words is based on it (issue 9).
    version: int = 1

    @property
    def is_open(self) -> bool:
        return self.status.is_open

    @property
    def draft_base(self) -> dict[str, Any]:
        """What an edit of the draft's words passes as ``base``: the words shown, the version."""
        return {
            "reason": self.reason,
            "sent_to": self.sent_to,
            "tried_so_far": self.tried_so_far,
            "version": self.version,
        }


@dataclass(frozen=True)
class FollowUpLine:
    """An open referral whose follow-up date has come, for the caseload's worklist."""

    referral_id: uuid.UUID
    #: The record to open: the child, or for a carer a child of hers on the caseload;
    #: None for an expectant mother with no child yet (her pregnancy is on the caseload).
    child_id: uuid.UUID | None
    about: str
    type_name: str
    status: ReferralStatus
    follow_up_on: dt.date
    days_overdue: int


@dataclass(frozen=True)
class ReferralLetter:
    """What a referral letter says (``reports.referral_letter`` prints it)."""

    referral_id: uuid.UUID
    service: str
    sent_to: str
    about_name: str
    about_kind: str  # "child" or the carer's relationship ("mother")
    date_of_birth: dt.date | None
    nhs_number: str  # 3-3-4, or "" for a carer (not held)
    address: str
    reason: str
    tried_so_far: str
    consent: ReferralConsent
    consent_note: str
    status: ReferralStatus
    made_on: dt.date
    referrer_name: str
    referrer_role: str
    team_name: str
    child_names: tuple[str, ...]  # for a carer referral: the children in the family
    generated_on: dt.date


@dataclass(frozen=True)
class ReferralPromptLine:
    """A referral prompt a contact raised, still to decide (it stays until decided)."""

    #: The contact it was found at (None only for a prompt whose contact is not held).
    contact_id: uuid.UUID | None
    rule_id: str
    suggestion: str
    trigger: str
    finding: str
    source: str
    action: PromptAction
    about: str
    child_id: uuid.UUID | None
    carer_id: uuid.UUID | None
    #: The referral types it suggests (active ones only), the usual route first.
    referral_types: tuple[ReferralTypeLine, ...]
    #: The saved prompt, when it fired (the contact was saved) and by whose save.
    id: uuid.UUID | None = None
    raised_on: dt.date | None = None
    raised_by: str = ""
    #: Where it was found, in words: "new birth visit on 12 Sep 2026".
    found_at: str = ""
    #: The pregnancy whose contact raised it (an antenatal contact), else None.
    pregnancy_id: uuid.UUID | None = None


@dataclass(frozen=True)
class NewReferral:
    """What the new-referral form hands to the service."""

    referral_type_id: uuid.UUID
    reason: str
    made_on: dt.date
    child_id: uuid.UUID | None = None
    carer_id: uuid.UUID | None = None
    follow_up_on: dt.date | None = None
    consent: ReferralConsent = ReferralConsent.NOT_RECORDED
    consent_note: str = ""
    sent_to: str = ""
    tried_so_far: str = ""
    #: Chosen when the form opens (issue 9): a retried save returns the first referral.
    idempotency_key: uuid.UUID | None = None


# --- Referral types (administrators) -------------------------------------------------------


def _require_administrator(actor: Actor) -> None:
    if actor.role is not Role.ADMINISTRATOR:
        raise PermissionDeniedError(
            "Only an administrator can change the list of referral types. Ask your system "
            "manager to add, rename or retire one."
        )


def _type_line(row: ReferralType) -> ReferralTypeLine:
    return ReferralTypeLine(row.id, row.code, row.name, row.retired, row.on_family_copy)


@requires(Permission.VIEW_REFERRAL_TYPES)
def referral_types(
    session: Session, actor: Actor, *, include_retired: bool = False
) -> list[ReferralTypeLine]:
    """The referral types by name: active ones for a new referral, all for the administrator."""
    if actor.role is not Role.ADMINISTRATOR:
        require_clinical(actor)
    query = select(ReferralType).order_by(ReferralType.name)
    if not include_retired:
        query = query.where(ReferralType.retired.is_(False))
    return [_type_line(row) for row in session.scalars(query)]


def _clean_type_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise ValidationError("Enter the name of the referral type.", "name")
    if len(cleaned) > 100:
        raise ValidationError("Keep the name to 100 characters or fewer.", "name")
    return cleaned


def _name_taken(session: Session, name: str, other_than: uuid.UUID | None = None) -> None:
    for row in session.scalars(select(ReferralType)):
        if row.id != other_than and row.name.casefold() == name.casefold():
            retired = " (retired)" if row.retired else ""
            raise DuplicateError(f"There is already a referral type called '{row.name}'{retired}.")


@requires(Permission.MANAGE_REFERRAL_TYPES)
def add_referral_type(
    session: Session, actor: Actor, name: str, code: str = "", *, on_family_copy: bool = False
) -> ReferralTypeLine:
    """A new referral type; its code is made from the name unless given.

    It is left off the family's red book copy unless ``on_family_copy`` says
    otherwise: a route nobody has thought about fails closed (hazard H17).
    """
    _require_administrator(actor)
    cleaned = _clean_type_name(name)
    code = code.strip().lower() or re.sub(r"[^a-z0-9]+", "_", cleaned.lower()).strip("_")
    if not re.fullmatch(r"[a-z0-9_]{1,40}", code):
        raise ValidationError(
            "A code is up to 40 lower-case letters, digits and underscores.", "code"
        )
    _name_taken(session, cleaned)
    if session.scalars(select(ReferralType).where(ReferralType.code == code)).first():
        raise DuplicateError(f"There is already a referral type with the code '{code}'.")
    row = ReferralType(code=code, name=cleaned, retired=False, on_family_copy=on_family_copy)
    session.add(row)
    session.flush()
    record_event(
        session,
        actor,
        "create",
        "referral_type",
        row.id,
        code=code,
        name=cleaned,
        on_family_copy=on_family_copy,
    )
    return _type_line(row)


def _referral_type(session: Session, type_id: uuid.UUID) -> ReferralType:
    row = session.get(ReferralType, type_id)
    if row is None:
        raise NotFoundError("That referral type is not on record.")
    return row


@requires(Permission.MANAGE_REFERRAL_TYPES)
def rename_referral_type(
    session: Session, actor: Actor, type_id: uuid.UUID, name: str
) -> ReferralTypeLine:
    """A new name for a type; old referrals show the new name (the code does not change)."""
    _require_administrator(actor)
    row = _referral_type(session, type_id)
    cleaned = _clean_type_name(name)
    _name_taken(session, cleaned, other_than=row.id)
    old = row.name
    row.name = cleaned
    session.flush()
    record_event(session, actor, "rename", "referral_type", row.id, old=old, new=cleaned)
    return _type_line(row)


@requires(Permission.MANAGE_REFERRAL_TYPES)
def set_family_copy(
    session: Session, actor: Actor, type_id: uuid.UUID, on_family_copy: bool
) -> ReferralTypeLine:
    """Whether referrals of this type print on the family's (parent-held) red book copy.

    Say yes only for routes the family may safely read about: the copy may be read
    by the person a safeguarding or domestic abuse referral is about (hazard H17).
    """
    _require_administrator(actor)
    row = _referral_type(session, type_id)
    if row.on_family_copy != on_family_copy:
        row.on_family_copy = on_family_copy
        session.flush()
        record_event(
            session,
            actor,
            "family_copy",
            "referral_type",
            row.id,
            code=row.code,
            on_family_copy=on_family_copy,
        )
    return _type_line(row)


@requires(Permission.MANAGE_REFERRAL_TYPES)
def retire_referral_type(session: Session, actor: Actor, type_id: uuid.UUID) -> ReferralTypeLine:
    """No longer offered for new referrals; referrals already made keep it."""
    _require_administrator(actor)
    row = _referral_type(session, type_id)
    if not row.retired:
        row.retired = True
        session.flush()
        record_event(session, actor, "retire", "referral_type", row.id, code=row.code)
    return _type_line(row)


# --- Whom a referral is about ----------------------------------------------------------------


@dataclass(frozen=True)
class _About:
    team_id: uuid.UUID
    family_id: uuid.UUID
    child: Child | None
    carer: Carer | None


def _about(
    session: Session, actor: Actor, child_id: uuid.UUID | None, carer_id: uuid.UUID | None
) -> _About:
    if (child_id is None) == (carer_id is None):
        raise ValidationError("Choose whom the referral is about: the child or a carer.", "about")
    if child_id is not None:
        child = session.get(Child, child_id)
        if child is None:
            raise NotFoundError("That child is not on record.")
        require_team(actor, child.team_id)
        return _About(child.team_id, child.family_id, child, None)
    assert carer_id is not None
    carer = session.get(Carer, carer_id)
    if carer is None:
        raise NotFoundError("That carer is not on record.")
    family = session.get_one(Family, carer.family_id)
    require_team(actor, family.team_id)
    return _About(family.team_id, family.id, None, carer)


def _referral(session: Session, actor: Actor, referral_id: uuid.UUID) -> Referral:
    referral = session.get(Referral, referral_id)
    if referral is None:
        raise NotFoundError("That referral is not on record.")
    _about(session, actor, referral.child_id, referral.carer_id)
    return referral


# Issue 8: a colleague's child or family is read-only (services/access.py).
def _require_may_change(
    session: Session, actor: Actor, about: _About, *, today: dt.date | None = None
) -> None:
    if about.child is not None:
        require_may_change_child(session, actor, about.child, today=today)
    else:
        family = session.get_one(Family, about.family_id)
        require_may_change_family(session, actor, family, today=today)


def _referral_to_change(
    session: Session, actor: Actor, referral_id: uuid.UUID, *, today: dt.date | None = None
) -> Referral:
    referral = _referral(session, actor, referral_id)
    about = _about(session, actor, referral.child_id, referral.carer_id)
    _require_may_change(session, actor, about, today=today)
    return referral


# --- Making a referral and moving it on ------------------------------------------------------


def _check_consent(problems: list[FieldProblem], consent: ReferralConsent, note: str) -> None:
    if consent is ReferralConsent.NOT_REQUIRED_SAFEGUARDING and not note.strip():
        problems.append(
            FieldProblem(
                "consent_note",
                "Say why consent is not required: the safeguarding concern, and who agreed it.",
            )
        )


@requires(Permission.REFER)
def make_referral(
    session: Session, actor: Actor, entry: NewReferral, *, today: dt.date
) -> uuid.UUID:
    """A new referral, as a draft (its first step).

    A referral already saved with the entry's idempotency key is returned and
    nothing is written (issue 9: a save retried after a dropped connection).
    """
    about = _about(session, actor, entry.child_id, entry.carer_id)
    _require_may_change(session, actor, about, today=today)
    if entry.idempotency_key is not None:
        earlier = saved_referral(session, entry.idempotency_key)
        if earlier is not None:
            return earlier
    problems: list[FieldProblem] = []
    referral_type = session.get(ReferralType, entry.referral_type_id)
    if referral_type is None or referral_type.retired:
        problems.append(FieldProblem("referral_type", "Choose a referral type from the list."))
    if not entry.reason.strip():
        problems.append(FieldProblem("reason", "Say why you are referring: what you found."))
    if entry.made_on > today:
        problems.append(FieldProblem("made_on", "The referral date cannot be in the future."))
    if entry.follow_up_on is not None and entry.follow_up_on < entry.made_on:
        problems.append(
            FieldProblem("follow_up_on", "The follow-up date must be on or after the referral.")
        )
    _check_consent(problems, entry.consent, entry.consent_note)
    if about.child is not None and about.child.record_status is RecordStatus.DECEASED:
        problems.append(FieldProblem("about", "This child has died; the record is read-only."))
    if problems:
        raise ValidationError(problems)
    referral = Referral(
        referral_type_id=entry.referral_type_id,
        child_id=entry.child_id,
        carer_id=entry.carer_id,
        status=ReferralStatus.DRAFT,
        reason=entry.reason.strip(),
        made_on=entry.made_on,
        follow_up_on=entry.follow_up_on,
        made_by_id=actor.user_id,
        consent=entry.consent,
        consent_note=entry.consent_note.strip(),
        sent_to=entry.sent_to.strip(),
        tried_so_far=entry.tried_so_far.strip(),
        idempotency_key=entry.idempotency_key,
    )
    session.add(referral)
    session.flush()
    session.add(
        ReferralEvent(
            referral_id=referral.id,
            status=ReferralStatus.DRAFT,
            event_date=entry.made_on,
            recorded_by_id=actor.user_id,
        )
    )
    record_event(
        session,
        actor,
        "create",
        "referral",
        referral.id,
        referral_type=referral_type.code if referral_type else "",
        about="child" if entry.child_id else "carer",
        consent=entry.consent.value,
    )
    return referral.id


def saved_referral(session: Session, key: uuid.UUID) -> uuid.UUID | None:
    """The referral already saved with idempotency key ``key`` (issue 9), if any."""
    return session.scalar(select(Referral.id).where(Referral.idempotency_key == key))


def _last_step_on(session: Session, referral: Referral) -> dt.date:
    dates = [
        day
        for day in session.scalars(
            select(ReferralEvent.event_date).where(ReferralEvent.referral_id == referral.id)
        )
    ]
    return max([referral.made_on, *dates])


@requires(Permission.REFER)
def record_consent(
    session: Session,
    actor: Actor,
    referral_id: uuid.UUID,
    consent: ReferralConsent,
    note: str = "",
) -> None:
    """Record (or correct) the family's consent on a draft referral; audited.

    Once sent, the consent it was sent on stands: changing it afterwards would
    rewrite why information was shared (the old note is kept in the audit too).
    """
    referral = _referral_to_change(session, actor, referral_id)
    if referral.status is not ReferralStatus.DRAFT:
        raise ValidationError(
            f"This referral is {referral.status.label.lower()}; the consent it was sent on "
            "cannot change. Record what the family says now in a note on the next step.",
            "consent",
        )
    problems: list[FieldProblem] = []
    _check_consent(problems, consent, note)
    if problems:
        raise ValidationError(problems)
    old, old_note = referral.consent, referral.consent_note
    referral.consent = consent
    referral.consent_note = note.strip()
    session.flush()
    record_event(
        session,
        actor,
        "consent",
        "referral",
        referral.id,
        old=old.value,
        new=consent.value,
        old_note=old_note,
    )


#: The words of a draft referral, as the edit form and a conflict between two edits name them.
DRAFT_FIELDS: Final = (
    EditableField("reason", "Why (what you found)"),
    EditableField("tried_so_far", "What has been tried"),
    EditableField("sent_to", "Service address"),
)
_SENT_TO_LIMIT: Final = 200  # Referral.sent_to's column


def _draft_words(referral: Referral) -> dict[str, Any]:
    return {spec.name: getattr(referral, spec.name) for spec in DRAFT_FIELDS}


def _no_longer_a_draft(session: Session, referral: Referral) -> ValidationError:
    """The refusal when a draft being edited was sent (or closed) in the meantime."""
    sent = referral.status is not ReferralStatus.CLOSED  # a draft is sent, or closed unsent
    wanted = ReferralStatus.SENT if sent else ReferralStatus.CLOSED
    step = session.scalars(
        select(ReferralEvent)
        .where(ReferralEvent.referral_id == referral.id, ReferralEvent.status == wanted)
        .order_by(ReferralEvent.recorded_at.desc())
    ).first()
    who = _user_names(session, [step.recorded_by_id]).get(step.recorded_by_id) if step else None
    done = "marked as sent" if sent else "closed"
    by = f" by {who}" if who else ""
    when = f" on {step.event_date:%d %b %Y}" if step else ""
    return ValidationError(
        f"This referral has been {done}{by}{when}, so its words can no longer be changed"
        + (": the service has it as it was. " if sent else ". ")
        + "Nothing you typed here was saved, and it is still in the form: copy anything "
        + (
            "the service still needs into a note on the referral's next step."
            if sent
            else "still needed into a new referral."
        ),
        "status",
    )


@requires(Permission.REFER)
def update_draft(
    session: Session,
    actor: Actor,
    referral_id: uuid.UUID,
    *,
    base: Mapping[str, Any],
    reason: str,
    sent_to: str,
    tried_so_far: str,
) -> EditSaved:
    """Edit the words of a referral that has not been sent yet (the letter reads them).

    ``base`` is what the form showed when it opened (``reason``, ``sent_to``,
    ``tried_so_far``) with the referral's ``version`` (``ReferralLine``
    carries both). Two people may edit one draft: the referral is read
    ``FOR UPDATE`` and, if someone saved since, the words are merged field by
    field as a child's details are (``record_edits.merge_or_conflict``): what
    only the colleague changed stays theirs, what only this user changed is
    saved, and the same field changed differently by both raises
    ``EditConflictError`` (kind ``"referral"``) and nothing is written;
    ``draft_resolution`` turns the user's choices into the save to make next.
    A draft sent or closed in the meantime is refused (``ValidationError``
    on ``status``), nothing written. The audit event holds each field saved,
    old and new, with the versions, as for an edit of a child's details.
    """
    session.get(Referral, referral_id, with_for_update=True, populate_existing=True)
    referral = _referral_to_change(session, actor, referral_id)
    if referral.status is not ReferralStatus.DRAFT:
        raise _no_longer_a_draft(session, referral)
    base_version = int(base["version"])
    mine = {
        "reason": reason.strip(),
        "sent_to": sent_to.strip(),
        "tried_so_far": tried_so_far.strip(),
    }
    seen = {name: str(base[name]).strip() for name in mine}
    saved = _draft_words(referral)
    merge = merge_or_conflict(
        session,
        "referral",
        referral.id,
        DRAFT_FIELDS,
        base={**seen, "version": base_version},
        saved=saved,
        saved_version=referral.version,
        mine=mine,
    )
    final = {**saved, **merge.write}
    problems: list[FieldProblem] = []
    if not final["reason"]:
        problems.append(FieldProblem("reason", "Say why you are referring: what you found."))
    if len(final["sent_to"]) > _SENT_TO_LIMIT:
        problems.append(
            FieldProblem("sent_to", f"The service address holds up to {_SENT_TO_LIMIT} characters.")
        )
    if problems:
        raise ValidationError(problems)
    title = f"{referral.referral_type.name} referral"
    kept = tuple(spec.label for spec in DRAFT_FIELDS if spec.name in merge.theirs)
    if not merge.write:
        return EditSaved(
            EditableRecord("referral", referral.id, referral.version, title, saved), (), kept
        )
    for name, value in merge.write.items():
        setattr(referral, name, value)
    session.flush()  # UPDATE … WHERE version = the version read: a stale copy is refused
    details: dict[str, Any] = {  # old and new, as for an edit of a child's details
        "changes": {
            name: {"old": saved[name], "new": merge.write[name]}
            for name in saved
            if name in merge.write
        },
        "version": referral.version,
        "based_on_version": base_version,
    }
    if merge.theirs:
        details["kept_colleagues"] = list(merge.theirs)
    record_event(session, actor, "update", "referral", referral.id, **details)
    return EditSaved(
        EditableRecord("referral", referral.id, referral.version, title, _draft_words(referral)),
        tuple(spec.label for spec in DRAFT_FIELDS if spec.name in merge.write),
        kept,
    )


def draft_resolution(conflict: EditConflictError, choices: Mapping[str, Choice]) -> dict[str, Any]:
    """``update_draft``'s arguments (after the session and actor) that save the user's
    choice for each disputed field.

    Based on the colleague's version (``conflict.saved_version``); everything
    else the user typed goes too. If someone saved again meanwhile, that save
    merges again (and may raise a new ``EditConflictError``). No permission of
    its own: ``update_draft`` is the save, and is checked.
    """
    if conflict.kind != "referral" or not isinstance(conflict.record_id, uuid.UUID):
        raise ValueError("not a referral draft's conflict")
    base, changes = resolution(conflict, choices)
    typed = {spec.name: str(changes.get(spec.name, base[spec.name])) for spec in DRAFT_FIELDS}
    return {"referral_id": conflict.record_id, "base": base, **typed}


@requires(Permission.REFER)
def record_step(
    session: Session,
    actor: Actor,
    referral_id: uuid.UUID,
    status: ReferralStatus,
    *,
    on: dt.date,
    today: dt.date,
    note: str = "",
    outcome: ReferralOutcome | None = None,
) -> None:
    """Move a referral on one legal step, dated ``on`` (not in the future, not before
    the previous step). Closing needs a coded outcome; completing defaults to engaged."""
    referral = _referral_to_change(session, actor, referral_id, today=today)
    current = referral.status
    if status not in NEXT_STEPS[current]:
        if not current.is_open:
            raise ValidationError(
                f"This referral is {current.label.lower()}; it cannot be "
                f"{status.label.lower()} again. Make a new referral if it is needed.",
                "status",
            )
        allowed = ", ".join(s.label.lower() for s in NEXT_STEPS[current])
        raise ValidationError(
            f"A referral that is {current.label.lower()} cannot go to "
            f"'{status.label.lower()}'; next it can be: {allowed}.",
            "status",
        )
    problems: list[FieldProblem] = []
    if on > today:
        problems.append(FieldProblem("on", "The date of this step cannot be in the future."))
    previous = _last_step_on(session, referral)
    if on < previous:
        problems.append(
            FieldProblem(
                "on", f"The date cannot be before the previous step ({previous:%d %b %Y})."
            )
        )
    if status is ReferralStatus.SENT and not referral.consent.allows_sending:
        problems.append(
            FieldProblem(
                "consent",
                "Record the family's consent before sending (or 'not required: "
                "safeguarding' with the reason)."
                if referral.consent is ReferralConsent.NOT_RECORDED
                else "The family refused consent; this referral cannot be sent.",
            )
        )
    if status is ReferralStatus.CLOSED and outcome is None:
        problems.append(FieldProblem("outcome", "Choose the outcome to close the referral."))
    if problems:
        raise ValidationError(problems)
    referral.status = status
    if not status.is_open:
        referral.closed_on = on
        if status is ReferralStatus.COMPLETED:
            outcome = outcome or ReferralOutcome.ENGAGED
        referral.outcome_code = outcome
        referral.outcome = note.strip()[:200]
        # A follow-up no longer falls due on a finished referral.
        referral.follow_up_on = None
    session.add(
        ReferralEvent(
            referral_id=referral.id,
            status=status,
            event_date=on,
            note=note.strip(),
            recorded_by_id=actor.user_id,
        )
    )
    session.flush()
    record_event(
        session,
        actor,
        "step",
        "referral",
        referral.id,
        from_status=current.value,
        to_status=status.value,
        on=on.isoformat(),
        outcome=outcome.value if outcome else None,
    )


@requires(Permission.REFER)
def set_follow_up(
    session: Session,
    actor: Actor,
    referral_id: uuid.UUID,
    follow_up_on: dt.date | None,
) -> None:
    """When to check on an open referral (None clears it)."""
    referral = _referral_to_change(session, actor, referral_id)
    if not referral.status.is_open:
        raise ValidationError(
            f"This referral is {referral.status.label.lower()}; there is nothing to follow up.",
            "follow_up_on",
        )
    if follow_up_on is not None and follow_up_on < referral.made_on:
        raise ValidationError(
            "The follow-up date must be on or after the referral date.", "follow_up_on"
        )
    referral.follow_up_on = follow_up_on
    session.flush()
    record_event(
        session,
        actor,
        "follow_up",
        "referral",
        referral.id,
        follow_up_on=follow_up_on.isoformat() if follow_up_on else None,
    )


# --- Lists -----------------------------------------------------------------------------------


def _user_names(session: Session, ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return dict(session.execute(select(User.id, User.full_name).where(User.id.in_(wanted))).all())


def _carer_words(carer: Carer) -> str:
    return f"{carer.given_name} {carer.family_name} ({carer.relationship_to_child.label.lower()})"


def _lines(session: Session, referrals: list[Referral], *, today: dt.date) -> list[ReferralLine]:
    """Read models for ``referrals`` in four queries whatever their number."""
    if not referrals:
        return []
    ids = [r.id for r in referrals]
    types = {t.id: t for t in session.scalars(select(ReferralType))}
    child_ids = {r.child_id for r in referrals if r.child_id}
    carer_ids = {r.carer_id for r in referrals if r.carer_id}
    children = (
        {c.id: c for c in session.scalars(select(Child).where(Child.id.in_(child_ids)))}
        if child_ids
        else {}
    )
    carers = (
        {c.id: c for c in session.scalars(select(Carer).where(Carer.id.in_(carer_ids)))}
        if carer_ids
        else {}
    )
    events: dict[uuid.UUID, list[ReferralEvent]] = defaultdict(list)
    for event in session.scalars(
        select(ReferralEvent)
        .where(ReferralEvent.referral_id.in_(ids))
        .order_by(ReferralEvent.event_date, ReferralEvent.recorded_at)
    ):
        events[event.referral_id].append(event)
    names = _user_names(
        session,
        [r.made_by_id for r in referrals]
        + [e.recorded_by_id for steps in events.values() for e in steps],
    )
    lines = []
    for r in referrals:
        if r.child_id:
            child = children[r.child_id]
            about = f"{child.given_name} {child.family_name}"
        else:
            assert r.carer_id is not None
            about = _carer_words(carers[r.carer_id])
        steps = tuple(
            ReferralStep(e.status, e.event_date, names.get(e.recorded_by_id, ""), e.note)
            for e in events[r.id]
        )
        referral_type = types[r.referral_type_id]
        lines.append(
            ReferralLine(
                id=r.id,
                type_code=referral_type.code,
                type_name=referral_type.name,
                type_on_family_copy=referral_type.on_family_copy,
                about=about,
                child_id=r.child_id,
                carer_id=r.carer_id,
                status=r.status,
                reason=r.reason,
                made_on=r.made_on,
                made_by=names.get(r.made_by_id, ""),
                follow_up_on=r.follow_up_on,
                follow_up_due=r.status.is_open
                and r.follow_up_on is not None
                and r.follow_up_on <= today,
                consent=r.consent,
                consent_note=r.consent_note,
                sent_to=r.sent_to,
                tried_so_far=r.tried_so_far,
                closed_on=r.closed_on,
                outcome_code=r.outcome_code,
                outcome=r.outcome,
                last_step_on=max([r.made_on, *(s.on for s in steps)]),
                next_steps=NEXT_STEPS[r.status],
                steps=steps,
                version=r.version,
            )
        )
    return lines


@dataclass(frozen=True)
class ReferralSubject:
    """Someone a new referral from a child's record can be about."""

    child_id: uuid.UUID | None
    carer_id: uuid.UUID | None
    name: str


@requires(Permission.VIEW_RECORD)
def referral_subjects(session: Session, actor: Actor, child_id: uuid.UUID) -> list[ReferralSubject]:
    """The child first, then the family's carers by name."""
    child = session.get(Child, child_id)
    if child is None:
        raise NotFoundError("That child is not on record.")
    require_team(actor, child.team_id)
    carers = session.scalars(
        select(Carer).where(Carer.family_id == child.family_id).order_by(Carer.given_name)
    )
    return [
        ReferralSubject(child.id, None, f"{child.given_name} {child.family_name} (child)"),
        *(ReferralSubject(None, c.id, _carer_words(c)) for c in carers),
    ]


@requires(Permission.VIEW_RECORD)
def child_referrals(
    session: Session, actor: Actor, child_id: uuid.UUID, *, today: dt.date
) -> list[ReferralLine]:
    """The child's referrals and those about the family's carers: open ones first,
    then newest first."""
    child = session.get(Child, child_id)
    if child is None:
        raise NotFoundError("That child is not on record.")
    require_team(actor, child.team_id)
    family_carers = select(Carer.id).where(Carer.family_id == child.family_id)
    return _open_first(
        session,
        or_(Referral.child_id == child.id, Referral.carer_id.in_(family_carers)),
        today=today,
    )


def _open_first(
    session: Session, about: ColumnElement[bool], *, today: dt.date
) -> list[ReferralLine]:
    """Read models of the referrals ``about`` selects: open ones first, then newest first."""
    referrals = list(
        session.scalars(
            select(Referral)
            .where(about)
            .order_by(Referral.made_on.desc(), Referral.created_at.desc())
        )
    )
    lines = _lines(session, referrals, today=today)
    return sorted(lines, key=lambda line: not line.is_open)


@requires(Permission.VIEW_RECORD)
def referral(
    session: Session, actor: Actor, referral_id: uuid.UUID, *, today: dt.date
) -> ReferralLine:
    return _lines(session, [_referral(session, actor, referral_id)], today=today)[0]


@requires(Permission.VIEW_CASELOAD)
def follow_ups_due(
    session: Session,
    actor: Actor,
    today: dt.date,
    *,
    health_visitor_id: uuid.UUID | None = None,
) -> list[FollowUpLine]:
    """Open referrals on a caseload (default: the actor's) whose follow-up is due or
    overdue, most overdue first: the caseload's children, and carers in their families
    or mothers of the pregnancies on the caseload (``child_id`` None when there is no
    child yet). Four statements: the children, then one per way a referral belongs."""
    _team_id, visitor_id = caseload_owner(session, actor, health_visitor_id)
    children = list(
        session.execute(
            select(Child.id, Child.family_id, Child.given_name, Child.family_name)
            .where(
                Child.health_visitor_id == visitor_id, Child.record_status == RecordStatus.ACTIVE
            )
            .order_by(Child.date_of_birth.desc())
        )
    )
    child_by_family: dict[uuid.UUID, uuid.UUID] = {}
    for child_id, family_id, _given, _family in children:
        child_by_family.setdefault(family_id, child_id)
    child_ids = [c[0] for c in children]
    mothers = select(Pregnancy.mother_id).where(Pregnancy.health_visitor_id == visitor_id)
    open_statuses = [s for s in ReferralStatus if s.is_open]
    due = (
        select(Referral, ReferralType.name, Carer)
        .join(ReferralType, ReferralType.id == Referral.referral_type_id)
        .outerjoin(Carer, Carer.id == Referral.carer_id)
        .where(
            Referral.status.in_(open_statuses),
            Referral.follow_up_on.is_not(None),
            Referral.follow_up_on <= today,
        )
    )
    # One statement per way a referral belongs to the caseload, not one OR of the three:
    # each then uses its own index (issue 10: 71 ms to 14 ms on PostgreSQL at trust scale).
    found: dict[uuid.UUID, Any] = {}
    for belongs in (
        Referral.child_id.in_(child_ids),
        Carer.family_id.in_(list(child_by_family)),
        Referral.carer_id.in_(mothers),
    ):
        for row in session.execute(due.where(belongs)):
            found.setdefault(row[0].id, row)
    rows = sorted(
        found.values(), key=lambda row: (row[0].follow_up_on, row[0].made_on, str(row[0].id))
    )
    names = {c[0]: f"{c[2]} {c[3]}" for c in children}
    lines = []
    for referral_row, type_name, carer in rows:
        assert referral_row.follow_up_on is not None
        if referral_row.child_id:
            open_child: uuid.UUID | None = referral_row.child_id
            about = names.get(referral_row.child_id, "")
        else:
            open_child = child_by_family.get(carer.family_id)
            about = _carer_words(carer)
        # A mother whose pregnancy is on the caseload and who has no child yet keeps
        # her line: a pregnant smoker's stop-smoking referral matters most of all.
        lines.append(
            FollowUpLine(
                referral_id=referral_row.id,
                child_id=open_child,
                about=about,
                type_name=type_name,
                status=referral_row.status,
                follow_up_on=referral_row.follow_up_on,
                days_overdue=(today - referral_row.follow_up_on).days,
            )
        )
    return lines


# --- The letter ------------------------------------------------------------------------------


@requires(Permission.PRINT)
def referral_letter(
    session: Session, actor: Actor, referral_id: uuid.UUID, *, today: dt.date
) -> ReferralLetter:
    """The minimum necessary data for the letter (printing it is audited)."""
    referral_row = _referral(session, actor, referral_id)
    about = _about(session, actor, referral_row.child_id, referral_row.carer_id)
    family = session.get_one(Family, about.family_id)
    referrer = session.get_one(User, referral_row.made_by_id)
    team = session.get(Team, referrer.team_id) if referrer.team_id else None
    referral_type = session.get_one(ReferralType, referral_row.referral_type_id)
    address = ", ".join(
        part
        for part in (family.address_line_1, family.address_line_2, family.town, family.postcode)
        if part
    )
    if about.child is not None:
        child = about.child
        name = f"{child.given_name} {child.family_name}"
        born: dt.date | None = child.date_of_birth
        kind, nhs = "child", format_nhs_number(child.nhs_number)
        child_names: tuple[str, ...] = ()
    else:
        assert about.carer is not None
        carer = about.carer
        name = f"{carer.given_name} {carer.family_name}"
        born = carer.date_of_birth
        kind, nhs = carer.relationship_to_child.label.lower(), ""
        child_names = tuple(
            f"{c.given_name} {c.family_name}, born {c.date_of_birth:%d %b %Y}"
            for c in session.scalars(
                select(Child)
                .where(Child.family_id == family.id, Child.record_status == RecordStatus.ACTIVE)
                .order_by(Child.date_of_birth)
            )
        )
    record_event(session, actor, "print", "referral", referral_row.id, document="letter")
    return ReferralLetter(
        referral_id=referral_row.id,
        service=referral_type.name,
        sent_to=referral_row.sent_to,
        about_name=name,
        about_kind=kind,
        date_of_birth=born,
        nhs_number=nhs,
        address=address,
        reason=referral_row.reason,
        tried_so_far=referral_row.tried_so_far,
        consent=referral_row.consent,
        consent_note=referral_row.consent_note,
        status=referral_row.status,
        made_on=referral_row.made_on,
        referrer_name=referrer.full_name,
        referrer_role=referrer.role.label,
        team_name=team.name if team else "",
        child_names=child_names,
        generated_on=today,
    )


# --- Prompts from findings -------------------------------------------------------------------


@dataclass(frozen=True)
class _PromptContext:
    contact: Contact
    child: Child | None
    mother: Carer | None
    #: When the state behind a state-based rule began (the UPP or safeguarding entry).
    additional_needs_since: dt.date | None


def _contact(session: Session, actor: Actor, contact_id: uuid.UUID) -> Contact:
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise NotFoundError("That contact is not on record.")
    if contact.child_id is not None:
        require_team(actor, session.get_one(Child, contact.child_id).team_id)
    else:
        assert contact.pregnancy_id is not None
        pregnancy = session.get_one(Pregnancy, contact.pregnancy_id)
        require_team(actor, session.get_one(Family, pregnancy.family_id).team_id)
    return contact


def _mother(session: Session, contact: Contact, child: Child | None) -> Carer | None:
    if contact.pregnancy_id is not None:
        pregnancy = session.get_one(Pregnancy, contact.pregnancy_id)
        return session.get_one(Carer, pregnancy.mother_id)
    if child is None:
        return None
    return session.scalars(
        select(Carer)
        .where(
            Carer.family_id == child.family_id,
            Carer.relationship_to_child == CarerRelationship.MOTHER,
        )
        .order_by(Carer.given_name)
        .limit(1)
    ).first()


def _not_brought_in_a_row(session: Session, contact: Contact) -> int:
    """Mandated reviews not attended in a row, ending with ``contact``."""
    if (
        contact.child_id is None
        or contact.outcome is not ContactOutcome.NOT_ATTENDED
        or not contact.kind.is_mandated
    ):
        return 0
    superseded = select(Contact.supersedes_id).where(Contact.supersedes_id.is_not(None))
    outcomes = session.scalars(
        select(Contact.outcome)
        .where(
            Contact.child_id == contact.child_id,
            Contact.kind != ContactKind.OTHER,
            Contact.contact_date <= contact.contact_date,
            Contact.id.not_in(superseded),
        )
        .order_by(Contact.contact_date.desc(), Contact.created_at.desc())
    )
    count = 0
    for outcome in outcomes:
        if outcome is not ContactOutcome.NOT_ATTENDED:
            break
        count += 1
    return count


def _findings(
    session: Session, contact: Contact, child: Child | None
) -> tuple[Findings, dt.date | None]:
    development: tuple[tuple[DevelopmentDomain, ScreeningZone], ...] = tuple(
        (score.domain, score.zone)
        for score in session.scalars(
            select(DevelopmentScore).where(DevelopmentScore.contact_id == contact.id)
        )
    )
    faltering: tuple[FalteringRule, ...] = ()
    level: ServiceLevel | None = None
    flags: tuple[SafeguardingStatus, ...] = ()
    since: dt.date | None = None
    if child is not None:
        weighed = session.scalars(
            select(Measurement.id).where(
                Measurement.contact_id == contact.id, Measurement.kind == MeasurementKind.WEIGHT
            )
        ).first()
        if weighed is not None:
            faltering = tuple(
                alert.rule for alert in alerts_for_child(session, child, today=contact.contact_date)
            )
        day = contact.contact_date
        levels = session.execute(
            select(ServiceLevelEntry.level, ServiceLevelEntry.start_date)
            .where(ServiceLevelEntry.child_id == child.id, in_force_on(ServiceLevelEntry, day))
            .order_by(ServiceLevelEntry.start_date, ServiceLevelEntry.recorded_at)
        ).all()
        if levels:
            level = levels[-1][0]
            if level is ServiceLevel.UNIVERSAL_PARTNERSHIP_PLUS:
                since = levels[-1][1]
        safeguarding = session.execute(
            select(SafeguardingEntry.status, SafeguardingEntry.start_date)
            .where(SafeguardingEntry.child_id == child.id, in_force_on(SafeguardingEntry, day))
            .order_by(SafeguardingEntry.start_date)
        ).all()
        flags = tuple(dict.fromkeys(status for status, _start in safeguarding))
        starts = [start for _status, start in safeguarding]
        if since is not None:
            starts.append(since)
        since = max(starts) if starts else None
    findings = contact_findings(
        contact,
        development,
        faltering=faltering,
        service_level=level,
        safeguarding=flags,
        mandated_not_brought_in_a_row=_not_brought_in_a_row(session, contact),
    )
    return findings, since


def contact_findings(
    contact: Contact,
    development: tuple[tuple[DevelopmentDomain, ScreeningZone], ...] = (),
    *,
    faltering: tuple[FalteringRule, ...] = (),
    service_level: ServiceLevel | None = None,
    safeguarding: tuple[SafeguardingStatus, ...] = (),
    mandated_not_brought_in_a_row: int = 0,
) -> Findings:
    """What ``contact`` recorded (its ASQ zones in ``development``), as the rules read
    it, with the child's state on the day where the caller knows it (the demo leaves
    its prompts to decide from the same reading: ``healthvisitor.demo``)."""
    return Findings(
        took_place=contact.outcome is ContactOutcome.COMPLETED,
        about_child=contact.child_id is not None,
        mother_smokes=contact.mother_smokes,
        household_smokes=contact.household_smokes,
        carbon_monoxide_ppm=contact.carbon_monoxide_ppm,
        whooley_low_mood=contact.whooley_low_mood,
        whooley_loss_of_interest=contact.whooley_loss_of_interest,
        gad2_score=contact.gad2_score,
        development=development,
        faltering=faltering,
        service_level=service_level,
        safeguarding=safeguarding,
        mandated_not_brought_in_a_row=mandated_not_brought_in_a_row,
    )


def _subject_ids(
    rule: ReferralRule, context: _PromptContext
) -> tuple[uuid.UUID | None, uuid.UUID | None]:
    if rule.subject is PromptSubject.MOTHER:
        return None, context.mother.id if context.mother else None
    return context.child.id if context.child else None, None


def _candidates(
    session: Session, contact: Contact
) -> list[tuple[FiredRule, uuid.UUID | None, uuid.UUID | None]]:
    """The rules ``contact`` fires that should be asked now: (rule, child_id, carer_id).

    Not asked when already raised for this contact, when the same prompt about the
    same person is still to decide, when an open referral of a suggested type already
    exists for that person, or (for a level of service or a safeguarding flag) when it
    was raised after that level or flag began.
    """
    child = session.get(Child, contact.child_id) if contact.child_id else None
    mother = _mother(session, contact, child)
    findings, since = _findings(session, contact, child)
    context = _PromptContext(contact, child, mother, since)
    fired = fired_rules(findings)
    if not fired:
        return []
    subject_filter = []
    prompt_subjects = []
    if child is not None:
        subject_filter.append(Referral.child_id == child.id)
        prompt_subjects.append(ReferralPrompt.child_id == child.id)
    if mother is not None:
        subject_filter.append(Referral.carer_id == mother.id)
        prompt_subjects.append(ReferralPrompt.carer_id == mother.id)
    if not subject_filter:
        return []
    open_statuses = [s for s in ReferralStatus if s.is_open]
    open_referrals = {
        (child_id, carer_id, code)
        for child_id, carer_id, code in session.execute(
            select(Referral.child_id, Referral.carer_id, ReferralType.code)
            .join(ReferralType, ReferralType.id == Referral.referral_type_id)
            .where(or_(*subject_filter), Referral.status.in_(open_statuses))
        )
    }
    raised = list(session.scalars(select(ReferralPrompt).where(or_(*prompt_subjects))))
    types = {t.code: t for t in session.scalars(select(ReferralType))}
    result = []
    for fired_rule in fired:
        rule = fired_rule.rule
        child_id, carer_id = _subject_ids(rule, context)
        if child_id is None and carer_id is None:
            continue  # a prompt about the mother, but no mother is on record
        same = [
            d
            for d in raised
            if d.rule_id == rule.id and d.child_id == child_id and d.carer_id == carer_id
        ]
        if any(d.contact_id == contact.id for d in same):
            continue  # already raised for this contact
        if any(d.decision is PromptDecision.PENDING for d in same):
            continue  # the same prompt is still to decide: it stands for this finding too
        if (
            rule is ADDITIONAL_NEEDS
            and since is not None
            and any(d.raised_on >= since for d in same)
        ):
            continue  # already asked since this level or flag began
        if any((child_id, carer_id, code) in open_referrals for code in rule.referral_types):
            continue  # an open referral already covers it
        offered = [
            code for code in rule.referral_types if code in types and not types[code].retired
        ]
        if rule.action is PromptAction.REFERRAL and not offered:
            continue  # every suggested type has been retired
        result.append((fired_rule, child_id, carer_id))
    return result


@requires(Permission.RECORD_CONTACT)
def raise_prompts(
    session: Session, actor: Actor, contact_id: uuid.UUID, *, today: dt.date
) -> list[ReferralPromptLine]:
    """Save, "to decide", the referral prompts a contact's findings fire (issue 5).

    Called in the unit of work that saves the contact (``Workspace.record_contact``),
    so a prompt cannot be lost to a closed window or a crash: it stays on the child's
    record and the caseload until a health visitor accepts or declines it.
    """
    contact = _contact(session, actor, contact_id)
    # Issue 8: prompts are raised with the contact, on a record the actor may change.
    if contact.child_id is not None:
        child = session.get_one(Child, contact.child_id)
        require_may_change_child(session, actor, child, today=today)
    else:
        assert contact.pregnancy_id is not None
        pregnancy = session.get_one(Pregnancy, contact.pregnancy_id)
        require_may_change_pregnancy(session, actor, pregnancy, today=today)
    rows = []
    for fired_rule, child_id, carer_id in _candidates(session, contact):
        row = ReferralPrompt(
            rule_id=fired_rule.rule.id,
            contact_id=contact.id,
            child_id=child_id,
            carer_id=carer_id,
            finding=fired_rule.finding,
            decision=PromptDecision.PENDING,
            raised_on=today,
            raised_by_id=actor.user_id,
        )
        session.add(row)
        rows.append(row)
    if not rows:
        return []
    session.flush()
    for row in rows:
        record_event(
            session,
            actor,
            "raise",
            "referral_prompt",
            row.id,
            rule=row.rule_id,
            contact_id=str(contact.id),
        )
    return _prompt_lines(session, rows)


def _prompt_lines(session: Session, rows: list[ReferralPrompt]) -> list[ReferralPromptLine]:
    """Read models for prompt rows, in four queries whatever their number."""
    if not rows:
        return []
    types = {t.code: t for t in session.scalars(select(ReferralType))}
    contacts = {
        c.id: c
        for c in session.scalars(
            select(Contact).where(Contact.id.in_({r.contact_id for r in rows if r.contact_id}))
        )
    }
    child_ids = {r.child_id for r in rows if r.child_id}
    carer_ids = {r.carer_id for r in rows if r.carer_id}
    children = {c.id: c for c in session.scalars(select(Child).where(Child.id.in_(child_ids)))}
    carers = {c.id: c for c in session.scalars(select(Carer).where(Carer.id.in_(carer_ids)))}
    names = _user_names(session, [r.raised_by_id for r in rows])
    lines = []
    for row in rows:
        rule = RULES_BY_ID.get(row.rule_id)
        codes = rule.referral_types if rule else ()
        offered = tuple(
            _type_line(types[code]) for code in codes if code in types and not types[code].retired
        )
        if row.carer_id is not None:
            about = _carer_words(carers[row.carer_id])
        else:
            assert row.child_id is not None
            child = children[row.child_id]
            about = f"{child.given_name} {child.family_name}"
        found_at = contacts.get(row.contact_id) if row.contact_id else None
        lines.append(
            ReferralPromptLine(
                contact_id=row.contact_id,
                rule_id=row.rule_id,
                suggestion=rule.suggestion if rule else row.rule_id,
                trigger=rule.trigger if rule else "",
                finding=row.finding,
                source=rule.source if rule else "",
                action=rule.action if rule else PromptAction.REFERRAL,
                about=about,
                child_id=row.child_id,
                carer_id=row.carer_id,
                referral_types=offered,
                id=row.id,
                raised_on=row.raised_on,
                raised_by=names.get(row.raised_by_id, ""),
                found_at=(
                    f"{found_at.kind.label.lower()} on {found_at.contact_date:%d %b %Y}"
                    if found_at
                    else ""
                ),
                pregnancy_id=found_at.pregnancy_id if found_at else None,
            )
        )
    return lines


def _pending(query: Select[ReferralPrompt]) -> Select[ReferralPrompt]:
    return query.where(ReferralPrompt.decision == PromptDecision.PENDING).order_by(
        ReferralPrompt.raised_on, ReferralPrompt.raised_at, ReferralPrompt.rule_id
    )


@requires(Permission.VIEW_RECORD)
def prompts_for_contact(
    session: Session, actor: Actor, contact_id: uuid.UUID, *, today: dt.date
) -> list[ReferralPromptLine]:
    """The referral prompts a saved contact raised that nobody has decided yet."""
    contact = _contact(session, actor, contact_id)
    rows = list(
        session.scalars(
            _pending(select(ReferralPrompt).where(ReferralPrompt.contact_id == contact.id))
        )
    )
    return _prompt_lines(session, rows)


@requires(Permission.VIEW_RECORD)
def pending_prompts(
    session: Session, actor: Actor, child_id: uuid.UUID, *, today: dt.date
) -> list[ReferralPromptLine]:
    """Prompts still to decide about the child or a carer of the family, oldest first
    (the child's record lists them beside the referrals, mothers' included)."""
    child = session.get(Child, child_id)
    if child is None:
        raise NotFoundError("That child is not on record.")
    require_team(actor, child.team_id)
    family_carers = select(Carer.id).where(Carer.family_id == child.family_id)
    return _pending_lines(
        session,
        or_(ReferralPrompt.child_id == child.id, ReferralPrompt.carer_id.in_(family_carers)),
    )


def _pending_lines(session: Session, about: ColumnElement[bool]) -> list[ReferralPromptLine]:
    """Read models of the prompts still to decide that ``about`` selects, oldest first."""
    rows = list(session.scalars(_pending(select(ReferralPrompt).where(about))))
    return _prompt_lines(session, rows)


# --- An expectant mother's prompts and referrals, before there is a child to open -----------


@requires(Permission.VIEW_RECORD)
def pregnancy_prompts(
    session: Session, actor: Actor, pregnancy_id: uuid.UUID, *, today: dt.date
) -> list[ReferralPromptLine]:
    """Prompts still to decide about the pregnancy's mother, oldest first.

    A prompt raised in pregnancy (carbon monoxide of 4 ppm or more at the antenatal
    review, a positive Whooley question) is about the mother herself: NICE NG209
    refers the pregnant woman, and her mood is hers. So it is listed here, on the
    pregnancy the health visitor works from until the birth, whatever contact raised
    it (one at an older child's review counts too: it is still about her).

    At the birth nothing is moved: the prompt stays about the mother, and the baby's
    record lists the family's carers' prompts beside the baby's own
    (``pending_prompts``), as the caseload counts them on the baby's row. That is
    what a health visitor expects at the new birth visit: the mother's stop-smoking
    or mood prompt waiting on the record she opens, still drafting a referral about
    the mother, never one wrongly about the baby.
    """
    pregnancy = _team_pregnancy(session, actor, pregnancy_id)
    return _pending_lines(session, ReferralPrompt.carer_id == pregnancy.mother_id)


@requires(Permission.VIEW_RECORD)
def pregnancy_referrals(
    session: Session, actor: Actor, pregnancy_id: uuid.UUID, *, today: dt.date
) -> list[ReferralLine]:
    """The mother's own referrals (a smoking mother is referred herself): open ones
    first, then newest first. A referral drafted from a prompt in pregnancy is finished
    and sent from here, before the birth (NICE NG209)."""
    pregnancy = _team_pregnancy(session, actor, pregnancy_id)
    return _open_first(session, Referral.carer_id == pregnancy.mother_id, today=today)


@requires(Permission.VIEW_RECORD)
def pregnancy_referral_subjects(
    session: Session, actor: Actor, pregnancy_id: uuid.UUID
) -> list[ReferralSubject]:
    """Whom a new referral from a pregnancy is about: the mother (the baby is not born)."""
    pregnancy = _team_pregnancy(session, actor, pregnancy_id)
    mother = session.get_one(Carer, pregnancy.mother_id)
    return [ReferralSubject(None, mother.id, _carer_words(mother))]


def _prompt(session: Session, actor: Actor, contact_id: uuid.UUID, rule_id: str) -> ReferralPrompt:
    """The prompt still to decide that ``rule_id`` raised on the contact."""
    if rule_id not in RULES_BY_ID:
        raise NotFoundError("That referral prompt is not one the app knows.")
    contact = _contact(session, actor, contact_id)
    row = session.scalars(
        _pending(
            select(ReferralPrompt).where(
                ReferralPrompt.contact_id == contact.id, ReferralPrompt.rule_id == rule_id
            )
        )
    ).first()
    if row is None:
        raise ValidationError(
            "This prompt has already been decided (it is kept with who decided it).", "prompt"
        )
    return row


def _decide(
    session: Session,
    actor: Actor,
    row: ReferralPrompt,
    decision: PromptDecision,
    *,
    today: dt.date,
    reason: str = "",
    referral_id: uuid.UUID | None = None,
) -> None:
    """The prompt's one move from "to decide", recorded with who and when.

    A conditional update: should a colleague have decided it in the meantime, nothing
    changes and they are told (the decision first recorded stands).
    """
    moved: CursorResult[Any] = session.execute(  # type: ignore[assignment]
        update(ReferralPrompt)
        .where(ReferralPrompt.id == row.id, ReferralPrompt.decision == PromptDecision.PENDING)
        .values(
            decision=decision,
            reason=reason,
            referral_id=referral_id,
            decided_on=today,
            decided_by_id=actor.user_id,
            decided_at=utc_now(),
        )
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        raise ConcurrentEditError(
            "A colleague has just decided this prompt; open the record again to see what "
            "they decided."
        )
    session.expire(row)
    record_event(
        session,
        actor,
        "accept" if decision is PromptDecision.ACCEPTED else "decline",
        "referral_prompt",
        row.id,
        rule=row.rule_id,
        contact_id=str(row.contact_id) if row.contact_id else None,
        referral_id=str(referral_id) if referral_id else None,
    )


@requires(Permission.REFER)
def accept_prompt(
    session: Session,
    actor: Actor,
    contact_id: uuid.UUID,
    rule_id: str,
    *,
    today: dt.date,
    referral_type_id: uuid.UUID | None = None,
) -> uuid.UUID | None:
    """Accept a prompt: draft the referral with the reason filled in (its id), or for a
    discussion prompt ask the team lead for the discussion (None; it goes on the lead's
    board). Should an open referral of the chosen type already exist for the same
    person (made by hand after the prompt fired), the prompt is linked to it instead of
    drafting a second one."""
    row = _prompt(session, actor, contact_id, rule_id)
    about = _about(session, actor, row.child_id, row.carer_id)
    _require_may_change(session, actor, about, today=today)
    rule = RULES_BY_ID[rule_id]
    [line] = _prompt_lines(session, [row])
    referral_id: uuid.UUID | None = None
    if rule.action is PromptAction.REFERRAL:
        if not line.referral_types:
            raise ValidationError(
                "Every referral type this prompt suggests has been retired: make the "
                "referral by hand, or say why not now.",
                "referral_type",
            )
        chosen = referral_type_id or line.referral_types[0].id
        if chosen not in {t.id for t in line.referral_types}:
            raise ValidationError(
                "Choose one of the referral types this prompt suggests.", "referral_type"
            )
        referral_id = session.scalars(
            select(Referral.id).where(
                Referral.referral_type_id == chosen,
                Referral.child_id == row.child_id
                if row.child_id
                else Referral.carer_id == row.carer_id,
                Referral.status.in_([s for s in ReferralStatus if s.is_open]),
            )
        ).first()
        if referral_id is None:
            contact = session.get(Contact, row.contact_id) if row.contact_id else None
            where = (
                f" at the {contact.kind.label.lower()} on {contact.contact_date:%d %b %Y}"
                if contact
                else ""
            )
            referral_id = make_referral(
                session,
                actor,
                NewReferral(
                    referral_type_id=chosen,
                    child_id=row.child_id,
                    carer_id=row.carer_id,
                    reason=f"{row.finding}{where}.",
                    made_on=today,
                ),
                today=today,
            )
    _decide(
        session,
        actor,
        row,
        PromptDecision.ACCEPTED,
        today=today,
        referral_id=referral_id,
        reason="" if referral_id else "Safeguarding discussion with the team lead needed.",
    )
    return referral_id


@requires(Permission.REFER)
def decline_prompt(
    session: Session,
    actor: Actor,
    contact_id: uuid.UUID,
    rule_id: str,
    *,
    reason: str,
    today: dt.date,
) -> None:
    """Decline a prompt ("not now"): the reason typed is required and kept."""
    if not reason.strip():
        raise ValidationError(
            "Say why you are not referring now (for example: already known to the service, "
            "or the family declined).",
            "reason",
        )
    row = _prompt(session, actor, contact_id, rule_id)
    about = _about(session, actor, row.child_id, row.carer_id)
    _require_may_change(session, actor, about, today=today)
    _decide(session, actor, row, PromptDecision.DECLINED, today=today, reason=reason.strip())


# --- Safeguarding discussions with the team lead ---------------------------------------------

#: The rules whose accepted prompt asks the team lead for a discussion ("was not brought").
DISCUSSION_RULES = tuple(
    rule_id for rule_id, rule in RULES_BY_ID.items() if rule.action is PromptAction.DISCUSSION
)


@dataclass(frozen=True)
class DiscussionLine:
    """A safeguarding discussion a health visitor asked the team lead for."""

    prompt_id: uuid.UUID
    child_id: uuid.UUID | None
    #: The child (or carer) it is about, and the child's NHS number (3-3-4) if a child.
    about: str
    nhs_number: str
    finding: str
    #: Where it was found: "new birth visit on 12 Sep 2026" ("" if not known).
    found_at: str
    asked_by: str
    asked_on: dt.date
    discussed_on: dt.date | None = None
    discussed_by: str = ""
    outcome: str = ""


def _discussions_query(team_id: uuid.UUID) -> Select[ReferralPrompt]:
    families = select(Family.id).where(Family.team_id == team_id)
    return (
        select(ReferralPrompt)
        .outerjoin(Child, Child.id == ReferralPrompt.child_id)
        .outerjoin(Carer, Carer.id == ReferralPrompt.carer_id)
        .where(
            ReferralPrompt.rule_id.in_(DISCUSSION_RULES),
            ReferralPrompt.decision == PromptDecision.ACCEPTED,
            or_(Child.team_id == team_id, Carer.family_id.in_(families)),
        )
    )


@requires(Permission.HOLD_SAFEGUARDING_DISCUSSIONS)
def safeguarding_discussions(
    session: Session, actor: Actor, *, include_discussed: bool = False
) -> list[DiscussionLine]:
    """The discussions asked of the lead's team, oldest request first (team leads only);
    those already discussed only with ``include_discussed``."""
    team_id = require_team_lead(actor)
    query = _discussions_query(team_id).order_by(
        ReferralPrompt.decided_on, ReferralPrompt.decided_at
    )
    if not include_discussed:
        query = query.where(ReferralPrompt.discussed_on.is_(None))
    rows = list(session.scalars(query))
    if not rows:
        return []
    lines = {line.id: line for line in _prompt_lines(session, rows)}
    children = {
        c.id: c
        for c in session.scalars(
            select(Child).where(Child.id.in_({r.child_id for r in rows if r.child_id}))
        )
    }
    names = _user_names(
        session, [r.decided_by_id for r in rows] + [r.discussed_by_id for r in rows]
    )
    result = []
    for row in rows:
        assert row.decided_on is not None and row.decided_by_id is not None
        child = children.get(row.child_id) if row.child_id else None
        result.append(
            DiscussionLine(
                prompt_id=row.id,
                child_id=row.child_id,
                about=lines[row.id].about,
                nhs_number=format_nhs_number(child.nhs_number) if child else "",
                finding=row.finding,
                found_at=lines[row.id].found_at,
                asked_by=names.get(row.decided_by_id, ""),
                asked_on=row.decided_on,
                discussed_on=row.discussed_on,
                discussed_by=names.get(row.discussed_by_id, "") if row.discussed_by_id else "",
                outcome=row.discussion_outcome,
            )
        )
    return result


@requires(Permission.HOLD_SAFEGUARDING_DISCUSSIONS)
def record_discussion(
    session: Session,
    actor: Actor,
    prompt_id: uuid.UUID,
    *,
    discussed_on: dt.date,
    outcome: str,
    today: dt.date,
) -> None:
    """The lead records the discussion held (dated, with its outcome): it closes, once."""
    team_id = require_team_lead(actor)
    row = session.scalars(_discussions_query(team_id).where(ReferralPrompt.id == prompt_id)).first()
    if row is None:
        raise NotFoundError("That safeguarding discussion is not on your team's list.")
    if row.discussed_on is not None:
        raise ValidationError(
            f"This discussion was recorded on {row.discussed_on:%d %b %Y}; it is kept as it was.",
            "discussed_on",
        )
    problems: list[FieldProblem] = []
    if discussed_on > today:
        problems.append(FieldProblem("discussed_on", "The discussion cannot be in the future."))
    assert row.decided_on is not None
    if discussed_on < row.decided_on:
        problems.append(
            FieldProblem(
                "discussed_on",
                f"The discussion cannot be before it was asked for ({row.decided_on:%d %b %Y}).",
            )
        )
    if not outcome.strip():
        problems.append(
            FieldProblem(
                "outcome",
                "Say what was agreed (for example: refer to children's social care, or "
                "monitor at the next review).",
            )
        )
    if problems:
        raise ValidationError(problems)
    moved: CursorResult[Any] = session.execute(  # type: ignore[assignment]
        update(ReferralPrompt)
        .where(ReferralPrompt.id == row.id, ReferralPrompt.discussed_on.is_(None))
        .values(
            discussed_on=discussed_on,
            discussed_by_id=actor.user_id,
            discussed_at=utc_now(),
            discussion_outcome=outcome.strip(),
        )
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        raise ConcurrentEditError("This discussion has just been recorded by a colleague.")
    session.expire(row)
    record_event(
        session,
        actor,
        "discussed",
        "referral_prompt",
        row.id,
        rule=row.rule_id,
        discussed_on=discussed_on.isoformat(),
    )


__all__ = [
    "DISCUSSION_RULES",
    "NEXT_STEPS",
    "STEP_ACTIONS",
    "DiscussionLine",
    "FollowUpLine",
    "NewReferral",
    "ReferralConsent",
    "ReferralLetter",
    "ReferralLine",
    "ReferralOutcome",
    "ReferralPromptLine",
    "ReferralStatus",
    "ReferralStep",
    "ReferralSubject",
    "ReferralTypeLine",
    "accept_prompt",
    "add_referral_type",
    "child_referrals",
    "contact_findings",
    "decline_prompt",
    "draft_resolution",
    "follow_ups_due",
    "make_referral",
    "pending_prompts",
    "pregnancy_prompts",
    "pregnancy_referral_subjects",
    "pregnancy_referrals",
    "prompts_for_contact",
    "raise_prompts",
    "record_consent",
    "record_discussion",
    "record_step",
    "referral",
    "referral_letter",
    "referral_subjects",
    "referral_types",
    "rename_referral_type",
    "retire_referral_type",
    "safeguarding_discussions",
    "set_family_copy",
    "set_follow_up",
    "update_draft",
]
