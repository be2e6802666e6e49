"""What the printed reports show (issue 6): the red book summary and the handover.

Each function builds a frozen read model from the same services the screens
use (``child_record`` for one child, ``caseload.assess_children`` for a
caseload), adds what only the paper needs (GP, place of birth, flags and plan,
each review's key findings) and records a "print" event in the audit trail:
families may ask who printed their child's record, and for whom. The PDF
itself is drawn by ``healthvisitor.reports`` from these read models.

Newborn screening (blood spot, hearing, NIPE) and immunisations come with the
child record (``ChildRecord.screening``, from ``services.screening``), so the
paper and the "Screening and immunisations" tab show the same entries.
Referrals come from the referrals service (issue 5), so the paper lists the
same referrals as the child's record.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from healthvisitor.domain.ages import EDD_GESTATION_DAYS as TERM_DAYS
from healthvisitor.domain.ages import age_text
from healthvisitor.domain.enums import (
    AgeUsed,
    ContactKind,
    ContactOutcome,
    MeasurementKind,
    ReviewStatus,
    ServiceLevel,
)
from healthvisitor.domain.growth import corrected_age_applies
from healthvisitor.domain.schedule import OPEN_STATUSES, OVERDUE_STATUSES
from healthvisitor.domain.validation import Gestation, format_nhs_number
from healthvisitor.errors import NotFoundError, ValidationError
from healthvisitor.persistence.models import (
    Carer,
    Child,
    Contact,
    DevelopmentScore,
    Family,
    Referral,
    SafeguardingEntry,
    ServiceLevelEntry,
    Team,
    User,
)
from healthvisitor.services import referrals as referrals_service
from healthvisitor.services.access import require_clinical
from healthvisitor.services.actor import Actor
from healthvisitor.services.audit import record_event
from healthvisitor.services.caseload import AssessedChild, assess_children, caseload_owner
from healthvisitor.services.child_record import (
    ChildRecord,
    ContactLine,
    MeasurementLine,
    _findings,
    child_record,
)
from healthvisitor.services.dated_history import in_force_on
from healthvisitor.services.policy import Permission, requires

#: "Reviews due in the next 4 weeks" on the handover's cover (issue 6).
HANDOVER_DUE_WITHIN_DAYS = 28
#: Referrals are read from the referrals service (issue 5). Kept as a switch:
#: should referrals ever be unreadable, the paper says so rather than "none".
REFERRALS_AVAILABLE = True


@dataclass(frozen=True)
class ReferralLine:
    """One referral as printed: what, about whom, where it stands, when made, follow-up."""

    id: uuid.UUID
    referral_type: str
    about: str
    status: str
    made_on: dt.date
    follow_up_on: dt.date | None
    is_open: bool


@dataclass(frozen=True)
class ReviewSummary:
    """One mandated review as the red book records it."""

    kind: ContactKind
    status: ReviewStatus
    target_by: dt.date
    done_on: dt.date | None
    delivered_by: str
    accountable: str
    #: Feeding, maternal mood, smoking, ASQ-3 zones: the contact's structured findings.
    findings: str
    #: Measurements taken on the day of the review, with their centiles.
    measurements: tuple[MeasurementLine, ...]


@dataclass(frozen=True)
class RedBookSummary:
    """Everything the red book summary prints for one child."""

    record: ChildRecord
    place_of_birth: str
    gp_practice: str
    reviews: tuple[ReviewSummary, ...]
    #: Safeguarding, level of service, interpreter, faltering growth: in force today.
    flags: tuple[str, ...]
    #: What happens next: the next review and the next planned contact.
    plan: tuple[str, ...]
    referrals: tuple[ReferralLine, ...]
    printed_on: dt.date
    printed_by: str
    #: Age corrected for prematurity, while the RCPCH guidance corrects ("" otherwise).
    corrected_age: str = ""
    #: False while referrals cannot be read (issue 5's service): the paper says so.
    referrals_available: bool = False
    #: The family's copy (the parent-held red book) or a professional's (``FOR_FAMILY``).
    for_family: bool = True


#: Which referral routes print on the family's copy is a property of each type
#: (``ReferralType.on_family_copy``, False unless an administrator says so): a
#: parent-held record may be read by the person a safeguarding or domestic abuse
#: referral is about, so a new route fails closed (hazard H17). The
#: professional's copy prints them all.


def measurement_text(line: MeasurementLine) -> str:
    """``Weight 4.52 kg, centile 48.3 (SDS +0.12), corrected age``."""
    value = f"{line.value:.2f}" if line.kind is MeasurementKind.WEIGHT else f"{line.value:.1f}"
    words = f"{line.kind.label} {value} {line.kind.unit}"
    if line.centile is not None and line.sds is not None:
        words += f", centile {line.centile:.1f} (SDS {line.sds:+.2f})"
    else:
        words += ", centile not calculated"
    if line.age_used is AgeUsed.CORRECTED:
        words += ", corrected age"
    return words


def _completing_contact(record: ChildRecord, kind: ContactKind, on: dt.date) -> ContactLine | None:
    completed = ContactOutcome.COMPLETED.label
    return next(
        (
            c
            for c in record.contacts
            if c.kind is kind and c.contact_date == on and c.outcome_label == completed
        ),
        None,
    )


def _review_summaries(record: ChildRecord) -> tuple[ReviewSummary, ...]:
    result = []
    for review in record.reviews:
        contact = (
            _completing_contact(record, review.kind, review.completed_on)
            if review.completed_on
            else None
        )
        measured = (
            tuple(m for m in record.measurements if m.measured_on == review.completed_on)
            if review.completed_on and review.kind is not ContactKind.ANTENATAL
            else ()
        )
        result.append(
            ReviewSummary(
                kind=review.kind,
                status=review.status,
                target_by=review.window.target_by,
                done_on=review.completed_on,
                delivered_by=contact.delivered_by if contact else "",
                accountable=contact.accountable if contact else "",
                findings=contact.findings if contact else "",
                measurements=measured,
            )
        )
    return tuple(result)


def _safeguarding_words(
    session: Session, child_ids: list[uuid.UUID], today: dt.date
) -> dict[uuid.UUID, list[str]]:
    """Safeguarding in force today per child, in words, oldest first, in one query."""
    found: dict[uuid.UUID, list[str]] = defaultdict(list)
    if not child_ids:
        return found
    for child_id, status, start in session.execute(
        select(SafeguardingEntry.child_id, SafeguardingEntry.status, SafeguardingEntry.start_date)
        .where(SafeguardingEntry.child_id.in_(child_ids), in_force_on(SafeguardingEntry, today))
        .order_by(SafeguardingEntry.start_date, SafeguardingEntry.recorded_at)
    ):
        if child_id is not None:
            found[child_id].append(f"{status.label} (since {start.day} {start:%b %Y})")
    return found


def _printed(line: referrals_service.ReferralLine) -> ReferralLine:
    return ReferralLine(
        id=line.id,
        referral_type=line.type_name,
        about=line.about,
        status=line.status.label,
        made_on=line.made_on,
        follow_up_on=line.follow_up_on,
        is_open=line.is_open,
    )


def _caseload_referrals(
    session: Session, child_ids: list[uuid.UUID], today: dt.date
) -> dict[uuid.UUID, list[ReferralLine]]:
    """Referrals about each child or a carer in the child's family, open first.

    The same referrals as ``referrals.child_referrals`` shows on one record,
    for a whole caseload at once: three queries here and the referrals
    service's read models (four more) whatever the caseload's size.
    """
    if not child_ids:
        return {}
    families = dict(
        session.execute(select(Child.id, Child.family_id).where(Child.id.in_(child_ids))).all()
    )
    children_of: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for child_id, family_id in families.items():
        children_of[family_id].append(child_id)
    carer_family: dict[uuid.UUID, uuid.UUID] = dict(
        session.execute(
            select(Carer.id, Carer.family_id).where(Carer.family_id.in_(list(children_of)))
        ).all()
    )
    found = list(
        session.scalars(
            select(Referral)
            .where(or_(Referral.child_id.in_(child_ids), Referral.carer_id.in_(list(carer_family))))
            .order_by(Referral.made_on.desc(), Referral.created_at.desc())
        )
    )
    # Its read models come from the referrals service, so paper and screen agree
    # (``_lines`` is that module's batch builder: asked to be made public).
    lines = referrals_service._lines(session, found, today=today)
    result: dict[uuid.UUID, list[ReferralLine]] = defaultdict(list)
    for line in sorted(lines, key=lambda line: not line.is_open):
        if line.child_id is not None:
            owners = [line.child_id] if line.child_id in families else []
        elif line.carer_id is not None:
            owners = children_of.get(carer_family[line.carer_id], [])
        else:
            owners = []
        for child_id in owners:
            result[child_id].append(_printed(line))
    return result


@requires(Permission.PRINT)
def red_book_summary(
    session: Session,
    actor: Actor,
    child_id: uuid.UUID,
    *,
    today: dt.date,
    for_family: bool = True,
) -> RedBookSummary:
    """The red book summary of one child, as printed; the print is audited.

    The family's copy (the default) leaves out safeguarding flags and the
    referrals whose type is not marked ``on_family_copy``: the red book is parent-held, and
    may be read by the very person a safeguarding concern is about. A
    professional's copy (``for_family=False``) prints everything.
    """
    record = child_record(session, actor, child_id, today=today)  # checks access
    child = session.get_one(Child, child_id)
    family = session.get_one(Family, child.family_id)
    flags = (
        []
        if for_family
        else list(_safeguarding_words(session, [child_id], today).get(child_id, []))
    )
    level = session.scalars(
        select(ServiceLevelEntry.level)
        .where(ServiceLevelEntry.child_id == child_id, in_force_on(ServiceLevelEntry, today))
        .order_by(ServiceLevelEntry.start_date.desc(), ServiceLevelEntry.recorded_at.desc())
        .limit(1)
    ).first()
    if level is not None:
        flags.append(f"Level of service: {level.label}")
    if record.interpreter_needed:
        flags.append(f"Interpreter needed ({record.main_language})")
    flags.extend(alert.message for alert in record.alerts)

    plan: list[str] = []
    open_reviews = [r for r in record.reviews if r.status in OPEN_STATUSES]
    for review in sorted(open_reviews, key=lambda r: r.window.target_by):
        plan.append(
            f"{review.kind.label}: {review.status.label.lower()}, target by "
            f"{review.window.target_by.day} {review.window.target_by:%b %Y}"
        )
    planned = session.scalar(
        select(func.min(Contact.next_planned_contact)).where(
            Contact.child_id == child_id, Contact.next_planned_contact >= today
        )
    )
    if planned is not None:
        plan.append(f"Next planned contact: {planned.day} {planned:%b %Y}")

    gestation = Gestation(child.gestation_weeks, child.gestation_days)
    corrected_age = ""
    if corrected_age_applies(gestation, child.date_of_birth, today):
        due = child.date_of_birth + dt.timedelta(days=TERM_DAYS - gestation.total_days)
        corrected_age = age_text(due, today)

    summary = RedBookSummary(
        record=record,
        place_of_birth=child.place_of_birth,
        gp_practice=family.gp_practice,
        reviews=_review_summaries(record),
        flags=tuple(flags),
        plan=tuple(plan),
        referrals=tuple(
            _printed(line)
            for line in referrals_service.child_referrals(session, actor, child_id, today=today)
            # The family's copy is the child's book: not a carer's own referrals.
            if not (for_family and (not line.type_on_family_copy or line.carer_id))
        ),
        printed_on=today,
        printed_by=actor.full_name,
        corrected_age=corrected_age,
        referrals_available=REFERRALS_AVAILABLE,
        for_family=for_family,
    )
    record_event(
        session,
        actor,
        "print",
        "child",
        child_id,
        report="red book summary",
        copy="family" if for_family else "professional",
        child=record.name,
        nhs_number=record.nhs_number,
    )
    return summary


# --- Handover (a caseload) -------------------------------------------------------


@dataclass(frozen=True)
class LastContact:
    contact_date: dt.date
    kind: ContactKind
    delivered_by: str
    findings: str
    notes: str


@dataclass(frozen=True)
class HandoverChild:
    child_id: uuid.UUID
    name: str
    nhs_number: str  # formatted 3-3-4
    date_of_birth: dt.date
    age: str
    family: str
    postcode: str
    next_review: ContactKind | None
    next_review_status: ReviewStatus | None
    next_review_target_by: dt.date | None
    days_to_target: int | None
    overdue_reviews: int
    safeguarding: tuple[str, ...]
    #: Everything else to know at a glance: faltering growth, an enhanced level of
    #: service, interpreter needed.
    flags: tuple[str, ...]
    service_level: str
    referrals: tuple[ReferralLine, ...]
    last_contact: LastContact | None

    @property
    def flagged(self) -> bool:
        return bool(self.safeguarding or self.flags)


@dataclass(frozen=True)
class HandoverTotals:
    children: int
    reviews_due_next_4_weeks: int
    reviews_overdue: int
    safeguarding: int
    open_referrals: int


@dataclass(frozen=True)
class HandoverReport:
    health_visitor: str
    team: str
    #: The whole caseload, whatever the report is limited to.
    totals: HandoverTotals
    #: What the report is limited to, in words ("" for the whole caseload).
    limited_to: str
    window_from: dt.date | None
    window_to: dt.date | None
    flagged_only: bool
    children: tuple[HandoverChild, ...]
    printed_on: dt.date
    printed_by: str
    referrals_available: bool = False


#: Levels of service that are a flag on the handover: more than the universal offer.
ENHANCED_LEVELS = frozenset({ServiceLevel.UNIVERSAL_PLUS, ServiceLevel.UNIVERSAL_PARTNERSHIP_PLUS})


def _flags(assessed: AssessedChild) -> tuple[str, ...]:
    """Faltering growth, an enhanced level of service, an interpreter: the caseload's flags."""
    row = assessed.row
    flags = list(row.alerts)
    if assessed.service_level in ENHANCED_LEVELS:
        flags.append(f"Level of service: {row.service_level}")
    if row.interpreter_needed:
        flags.append("Interpreter needed")
    return tuple(flags)


def _last_contacts(
    session: Session, child_ids: list[uuid.UUID], today: dt.date
) -> dict[uuid.UUID, LastContact]:
    """Each child's latest completed contact with its findings: three queries in all."""
    if not child_ids:
        return {}
    contacts = session.scalars(
        select(Contact)
        .where(
            Contact.child_id.in_(child_ids),
            Contact.outcome == ContactOutcome.COMPLETED,
            Contact.contact_date <= today,
        )
        .order_by(Contact.contact_date, Contact.created_at)
    ).all()
    corrected = {c.supersedes_id for c in contacts if c.supersedes_id}
    latest: dict[uuid.UUID, Contact] = {}
    for contact in contacts:
        if contact.id not in corrected and contact.child_id is not None:
            latest[contact.child_id] = contact  # oldest first: the last one wins
    if not latest:
        return {}
    scores: dict[uuid.UUID, list[DevelopmentScore]] = defaultdict(list)
    for score in session.scalars(
        select(DevelopmentScore).where(
            DevelopmentScore.contact_id.in_([c.id for c in latest.values()])
        )
    ):
        scores[score.contact_id].append(score)
    names = dict(
        session.execute(
            select(User.id, User.full_name).where(
                User.id.in_({c.delivered_by_id for c in latest.values()})
            )
        ).all()
    )
    return {
        child_id: LastContact(
            contact_date=c.contact_date,
            kind=c.kind,
            delivered_by=names.get(c.delivered_by_id, ""),
            findings=_findings(c, scores.get(c.id, [])),
            notes=c.notes,
        )
        for child_id, c in latest.items()
    }


def _urgency(child: HandoverChild) -> tuple[int, int, int, str]:
    """Most urgent first: as the caseload sorts (review status, then days to target),
    a safeguarding case before others at the same point, then by name."""
    status = (
        list(ReviewStatus).index(child.next_review_status)
        if child.next_review_status
        else len(ReviewStatus)
    )
    days = child.days_to_target if child.days_to_target is not None else 1_000_000
    return status, days, 0 if child.safeguarding else 1, child.name.casefold()


def _in_window(assessed: AssessedChild, start: dt.date | None, end: dt.date | None) -> bool:
    """A review open and due in the window, or one overdue now (overdue work is handed on)."""
    for review in assessed.schedule:
        if review.status in OVERDUE_STATUSES:
            return True
        if review.status in OPEN_STATUSES:
            target = review.window.target_by
            if (start is None or target >= start) and (end is None or target <= end):
                return True
    return False


def _limits_words(start: dt.date | None, end: dt.date | None, flagged_only: bool) -> str:
    parts = []
    if start and end:
        parts.append(
            f"children with a review due {start.day} {start:%b %Y} to {end.day} {end:%b %Y} "
            "or overdue"
        )
    elif start:
        parts.append(f"children with a review due from {start.day} {start:%b %Y} or overdue")
    elif end:
        parts.append(f"children with a review due by {end.day} {end:%b %Y} or overdue")
    if flagged_only:
        parts.append("flagged children only (safeguarding, growth, level of service, interpreter)")
    return "; ".join(parts)


@requires(Permission.PRINT)
def handover_report(
    session: Session,
    actor: Actor,
    health_visitor_id: uuid.UUID,
    *,
    today: dt.date,
    window_from: dt.date | None = None,
    window_to: dt.date | None = None,
    flagged_only: bool = False,
) -> HandoverReport:
    """A health visitor's caseload as a handover, most urgent first; the print is audited.

    The cover's totals are for the whole caseload; the blocks can be limited to
    children with a review due in a date window (overdue ones always included)
    and to flagged children. A fixed number of queries whatever the caseload's
    size: the owner, ``assess_children``'s eight, safeguarding, referrals (seven) and
    the last contacts (three); ``test_handover_queries_do_not_grow_with_the_caseload``.
    """
    if window_from and window_to and window_from > window_to:
        raise ValidationError(
            f"The window starts on {window_from.day} {window_from:%b %Y}, after it ends on "
            f"{window_to.day} {window_to:%b %Y}; swap the dates.",
            "window_to",
        )
    team_id, visitor_id = caseload_owner(session, actor, health_visitor_id)
    visitor = session.get_one(User, visitor_id)
    team = session.get_one(Team, team_id)
    assessed = assess_children(session, team_id, Child.health_visitor_id == visitor_id, today=today)
    child_ids = [a.row.child_id for a in assessed]
    safeguarding = _safeguarding_words(session, child_ids, today)
    referrals = _caseload_referrals(session, child_ids, today)
    horizon = today + dt.timedelta(days=HANDOVER_DUE_WITHIN_DAYS)
    totals = HandoverTotals(
        children=len(assessed),
        reviews_due_next_4_weeks=sum(
            1
            for a in assessed
            for r in a.schedule
            if r.status in OPEN_STATUSES
            and r.status not in OVERDUE_STATUSES
            and today <= r.window.target_by <= horizon
        ),
        reviews_overdue=sum(a.row.overdue_reviews for a in assessed),
        safeguarding=sum(1 for a in assessed if a.safeguarding),
        open_referrals=len({r.id for lines in referrals.values() for r in lines if r.is_open}),
    )
    windowed = window_from is not None or window_to is not None
    chosen = [a for a in assessed if not windowed or _in_window(a, window_from, window_to)]
    last = _last_contacts(session, [a.row.child_id for a in chosen], today)
    children = []
    for a in chosen:
        row = a.row
        child = HandoverChild(
            child_id=row.child_id,
            name=row.name,
            nhs_number=row.nhs_number,
            date_of_birth=row.date_of_birth,
            age=row.age,
            family=row.family,
            postcode=row.postcode,
            next_review=row.next_review,
            next_review_status=row.next_review_status,
            next_review_target_by=row.next_review_target_by,
            days_to_target=row.days_to_target,
            overdue_reviews=row.overdue_reviews,
            safeguarding=tuple(safeguarding.get(row.child_id, [])),
            flags=_flags(a),
            service_level=row.service_level,
            referrals=tuple(referrals.get(row.child_id, [])),
            last_contact=last.get(row.child_id),
        )
        if flagged_only and not child.flagged:
            continue
        children.append(child)
    children.sort(key=_urgency)
    record_event(
        session,
        actor,
        "print",
        "caseload",
        visitor_id,
        report="handover",
        health_visitor=visitor.full_name,
        children=len(children),
        window_from=window_from,
        window_to=window_to,
        flagged_only=flagged_only,
    )
    return HandoverReport(
        health_visitor=visitor.full_name,
        team=team.name,
        totals=totals,
        limited_to=_limits_words(window_from, window_to, flagged_only),
        window_from=window_from,
        window_to=window_to,
        flagged_only=flagged_only,
        children=tuple(children),
        printed_on=today,
        printed_by=actor.full_name,
        referrals_available=REFERRALS_AVAILABLE,
    )


@requires(Permission.VIEW_RECORD)
def find_child_by_nhs_number(session: Session, actor: Actor, nhs_number: str) -> uuid.UUID:
    """The child of the actor's team with this NHS number (spaces allowed), for the command line.

    Another team's child is not found, and the message does not say whether one
    exists elsewhere: who is on another team's records is not this user's to know.
    """
    team_id = require_clinical(actor)
    digits = "".join(ch for ch in nhs_number if not ch.isspace())
    child_id = session.scalar(
        select(Child.id).where(Child.nhs_number == digits, Child.team_id == team_id)
    )
    if child_id is None:
        raise NotFoundError(
            f"No child with NHS number {format_nhs_number(digits)} is on your team's records; "
            "check the number."
        )
    return child_id
