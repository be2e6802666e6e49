"""One child's record as the screen shows it (and the red book summary will print it).

A frozen read model: who the child is, the five mandated reviews with their
status, the contacts timeline, growth measurements with their centiles, the
growth charts and any faltering-growth alerts. Opening it is audited: a
family may ask who looked at their child's record.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from healthvisitor.domain.ages import age_text
from healthvisitor.domain.enums import (
    AgeUsed,
    AllocationChangeKind,
    ContactKind,
    DevelopmentDomain,
    MeasurementKind,
    RecordStatus,
    ReviewStatus,
    ScreeningZone,
    Sex,
)
from healthvisitor.domain.faltering import FalteringAlert
from healthvisitor.domain.growth_chart import ChartPoint, GrowthChart, growth_chart
from healthvisitor.domain.schedule import (
    OPEN_STATUSES,
    ReviewAttempt,
    ReviewWindow,
    child_schedule,
)
from healthvisitor.domain.validation import Gestation, format_nhs_number
from healthvisitor.errors import NotFoundError
from healthvisitor.persistence.models import (
    AllocationChange,
    Carer,
    Child,
    Contact,
    DevelopmentScore,
    Family,
    Measurement,
    Pregnancy,
    RecordStatusChange,
    User,
)
from healthvisitor.services.access import Standing, child_standing, require_team
from healthvisitor.services.actor import Actor
from healthvisitor.services.audit import record_event
from healthvisitor.services.growth_alerts import alerts_for_child
from healthvisitor.services.policy import Permission, requires
from healthvisitor.services.screening import (
    ScreeningAndImmunisations,
    screening_and_immunisations_for,
)

#: The charts a record shows, in red book order, and the measurements on each
#: (length and height share one chart, as on the UK-WHO 0-4 years charts).
CHART_KINDS: dict[MeasurementKind, frozenset[MeasurementKind]] = {
    MeasurementKind.WEIGHT: frozenset({MeasurementKind.WEIGHT}),
    MeasurementKind.LENGTH: frozenset({MeasurementKind.LENGTH, MeasurementKind.HEIGHT}),
    MeasurementKind.HEAD_CIRCUMFERENCE: frozenset({MeasurementKind.HEAD_CIRCUMFERENCE}),
}


@dataclass(frozen=True)
class ReviewLine:
    kind: ContactKind
    window: ReviewWindow
    status: ReviewStatus
    completed_on: dt.date | None
    days_to_target: int
    #: The record is closed: this review, still open when it closed, is no
    #: longer anyone's to do, and is never shown as due or overdue.
    stopped: bool = False


@dataclass(frozen=True)
class ContactLine:
    id: uuid.UUID
    contact_date: dt.date
    kind: ContactKind
    outcome_label: str
    location_label: str
    delivered_by: str
    accountable: str
    findings: str  # a one-line summary of the structured findings
    notes: str
    #: Done by another area's service before the child transferred in; "" if ours.
    previous_provider: str = ""


@dataclass(frozen=True)
class MeasurementLine:
    measured_on: dt.date
    kind: MeasurementKind
    value: float
    centile: float | None
    sds: float | None
    age_used: AgeUsed | None
    change_confirmed: bool


@dataclass(frozen=True)
class RecordStatusLine:
    """One change of the record's status (closed, reopened), oldest first."""

    status: RecordStatus
    effective_date: dt.date
    detail: str
    recorded_by: str
    recorded_at: dt.datetime


@dataclass(frozen=True)
class AllocationLine:
    """One change of the child's named health visitor, oldest first (issue 4)."""

    changed_at: dt.datetime
    kind: AllocationChangeKind
    from_health_visitor: str  # "Unallocated" when there was none
    to_health_visitor: str
    changed_by: str
    reason: str


#: How the audit trail marks a view of a colleague's record (issue 8: "read
#: access to the rest of their own team's records ..., recorded as such").
COLLEAGUE_READ = "read as a colleague's record (not on own caseload)"


@dataclass(frozen=True)
class ChildRecord:
    id: uuid.UUID
    name: str
    nhs_number: str  # formatted 3-3-4
    date_of_birth: dt.date
    age: str
    sex: Sex
    gestation: str
    birth_weight_kg: float | None
    record_status: RecordStatus
    family_id: uuid.UUID
    family: str
    address: str
    main_language: str
    interpreter_needed: bool
    carers: tuple[str, ...]
    health_visitor_id: uuid.UUID | None
    health_visitor: str
    reviews: tuple[ReviewLine, ...]
    contacts: tuple[ContactLine, ...]
    measurements: tuple[MeasurementLine, ...]
    charts: tuple[GrowthChart, ...]
    alerts: tuple[FalteringAlert, ...]
    #: The pregnancy the child was born of: the antenatal review is recorded on it.
    pregnancy_id: uuid.UUID | None = None
    #: When the current status began (the closing date of a closed record).
    record_status_date: dt.date | None = None
    #: Every change of status, oldest first; the last closing one says where to.
    status_history: tuple[RecordStatusLine, ...] = ()
    allocation_history: tuple[AllocationLine, ...] = ()
    #: Arrived from another area's service (issue 4): where from, and when.
    transferred_in_from: str = ""
    transferred_in_on: dt.date | None = None
    #: Newborn screening results, immunisations given and the immunisation
    #: plan (issue 6); ``None`` only where a record is built without them.
    screening: ScreeningAndImmunisations | None = None
    # --- issue 8, own caseload (services/access.py) ---
    #: A colleague's record the actor may read but not change: whose caseload it
    #: is ("Amira Khan's caseload"), and why changes are refused; "" otherwise.
    colleague_caseload: str = ""
    read_only_reason: str = ""
    # --- end of issue 8, own caseload ---

    @property
    def is_closed(self) -> bool:
        """Closed records are read-only: no contact can be added."""
        return self.record_status is not RecordStatus.ACTIVE

    @property
    def closing(self) -> RecordStatusLine | None:
        """The status change that closed the record, if it is closed and it was recorded."""
        if not self.is_closed:
            return None
        return next(
            (line for line in reversed(self.status_history) if line.status is self.record_status),
            None,
        )


def _zone_words(score: DevelopmentScore) -> str:
    """The zone, saying which side is the concern (hazard H14).

    ASQ-3: below the cut-off is the concern. ASQ:SE-2 runs the other way.
    """
    concern = (
        ScreeningZone.ABOVE_CUTOFF
        if score.domain is DevelopmentDomain.SOCIAL_EMOTIONAL
        else ScreeningZone.BELOW_CUTOFF
    )
    words = score.zone.label.lower()
    if score.zone is concern:
        return f"{words}: concern"
    if score.zone is ScreeningZone.MONITORING:
        return words
    return f"{words}: no concern"


def _findings(contact: Contact, scores: list[DevelopmentScore]) -> str:
    parts: list[str] = []
    if contact.feeding is not None:
        parts.append(contact.feeding.label)
    if contact.whooley_low_mood is not None or contact.whooley_loss_of_interest is not None:
        positive = bool(contact.whooley_low_mood) or bool(contact.whooley_loss_of_interest)
        parts.append(f"Whooley {'positive' if positive else 'negative'}")
    if contact.gad2_score is not None:
        parts.append(f"GAD-2 {contact.gad2_score}")
    if contact.mother_smokes:
        parts.append("mother smokes")
    if contact.household_smokes:
        parts.append("household smokes")
    if contact.carbon_monoxide_ppm is not None:
        parts.append(f"CO {contact.carbon_monoxide_ppm:g} ppm")
    order = list(DevelopmentDomain)
    for score in sorted(scores, key=lambda s: order.index(s.domain)):
        parts.append(f"{score.domain.label} {score.score} ({_zone_words(score)})")
    return "; ".join(parts)


def _names(session: Session, ids: set[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return dict(session.execute(select(User.id, User.full_name).where(User.id.in_(wanted))).all())


def _chart_points(
    measurements: list[Measurement], kinds: frozenset[MeasurementKind]
) -> list[ChartPoint]:
    return [
        ChartPoint(m.decimal_age, m.value, f"{m.measured_on:%d %b %Y}")
        for m in measurements
        if m.kind in kinds and m.decimal_age is not None
    ]


def _charts(child: Child, measurements: list[Measurement]) -> tuple[GrowthChart, ...]:
    preterm = Gestation(child.gestation_weeks, child.gestation_days).is_preterm
    note = (
        "Plotted at corrected age where the RCPCH guidance corrects for prematurity"
        if preterm
        else "Plotted at chronological age"
    )
    charts = []
    for kind, kinds in CHART_KINDS.items():
        charts.append(
            growth_chart(kind, child.sex, _chart_points(measurements, kinds), age_used_note=note)
        )
    return tuple(charts)


@requires(Permission.VIEW_RECORD)
def child_record(
    session: Session, actor: Actor, child_id: uuid.UUID, *, today: dt.date
) -> ChildRecord:
    child = session.get(Child, child_id)
    if child is None:
        raise NotFoundError("That child is not on record.")
    require_team(actor, child.team_id)
    standing = child_standing(session, actor, child, today=today)
    return _opened_record(session, actor, child, standing, today=today)


# --- break-glass (issue 8): the reading shared with break_glass.break_glass_record ---
def _opened_record(
    session: Session,
    actor: Actor,
    child: Child,
    standing: Standing | None,
    *,
    today: dt.date,
    **audited: object,
) -> ChildRecord:
    """The record of ``child``, its opening audited (with ``audited`` in the event's details).

    No access check: the caller has made it (``child_record`` the team's,
    ``break_glass.break_glass_record`` a break-glass grant's). ``standing`` is
    the actor's to a record of their own team; None for another team's record
    opened by break-glass (read-only by the grant, not as a colleague's).
    """
    # --- break-glass (issue 8): end ---
    family = session.get_one(Family, child.family_id)
    carers = session.scalars(
        select(Carer).where(Carer.family_id == family.id).order_by(Carer.given_name)
    ).all()
    contacts = session.scalars(
        select(Contact)
        .where(
            (Contact.child_id == child.id)
            | ((Contact.pregnancy_id == child.pregnancy_id) & Contact.child_id.is_(None))
            if child.pregnancy_id
            else Contact.child_id == child.id
        )
        .order_by(Contact.contact_date.desc(), Contact.created_at.desc())
    ).all()
    # A corrected contact is replaced by its correction: it neither shows as
    # current nor counts towards a review (entries are never deleted).
    corrected = {c.supersedes_id for c in contacts if c.supersedes_id}
    contacts = [c for c in contacts if c.id not in corrected]
    scores: dict[uuid.UUID, list[DevelopmentScore]] = {}
    if contacts:
        for score in session.scalars(
            select(DevelopmentScore).where(
                DevelopmentScore.contact_id.in_([c.id for c in contacts])
            )
        ):
            scores.setdefault(score.contact_id, []).append(score)
    measurements = list(
        session.scalars(
            select(Measurement)
            .where(Measurement.child_id == child.id)
            .order_by(Measurement.measured_on, Measurement.recorded_at)
        )
    )
    superseded = {m.supersedes_id for m in measurements if m.supersedes_id}
    measurements = [m for m in measurements if m.id not in superseded]
    statuses = session.scalars(
        select(RecordStatusChange)
        .where(RecordStatusChange.child_id == child.id)
        .order_by(RecordStatusChange.recorded_at, RecordStatusChange.effective_date)
    ).all()
    allocations = session.scalars(
        select(AllocationChange)
        .where(AllocationChange.child_id == child.id)
        .order_by(AllocationChange.changed_at)
    ).all()
    names = _names(
        session,
        {c.delivered_by_id for c in contacts}
        | {c.accountable_health_visitor_id for c in contacts}
        | {child.health_visitor_id}
        | {s.recorded_by_id for s in statuses}
        | {a.from_health_visitor_id for a in allocations}
        | {a.to_health_visitor_id for a in allocations}
        | {a.changed_by_id for a in allocations},
    )
    pregnancy = session.get(Pregnancy, child.pregnancy_id) if child.pregnancy_id else None
    # Oldest first: for two attempts on one day, the later-recorded one is the latest.
    attempts = [
        ReviewAttempt(c.kind, c.contact_date, c.outcome, c.next_planned_contact)
        for c in reversed(contacts)
    ]
    schedule = child_schedule(
        child.date_of_birth,
        attempts,
        today,
        estimated_delivery_date=pregnancy.estimated_delivery_date if pregnancy else None,
    )
    closed = child.record_status is not RecordStatus.ACTIVE
    # Issue 8: a colleague's record is read, not changed, and the audit says so.
    if standing is None or standing.may_change:  # break-glass: standing None
        record_event(session, actor, "view", "child", child.id, **audited)  # break-glass: **audited
    else:
        record_event(
            session,
            actor,
            "view",
            "child",
            child.id,
            access=COLLEAGUE_READ,
            caseload_of=", ".join(standing.holders),
        )
    address = ", ".join(
        part for part in (family.address_line_1, family.address_line_2, family.town) if part
    )
    return ChildRecord(
        id=child.id,
        name=f"{child.given_name} {child.family_name}",
        nhs_number=format_nhs_number(child.nhs_number),
        date_of_birth=child.date_of_birth,
        age=age_text(child.date_of_birth, today),
        sex=child.sex,
        gestation=str(Gestation(child.gestation_weeks, child.gestation_days)),
        birth_weight_kg=child.birth_weight_kg,
        record_status=child.record_status,
        family_id=family.id,
        family=family.family_name,
        address=f"{address} {family.postcode}".strip(),
        main_language=family.main_language,
        interpreter_needed=family.interpreter_needed,
        carers=tuple(
            f"{c.given_name} {c.family_name} ({c.relationship_to_child.label.lower()})"
            for c in carers
        ),
        health_visitor_id=child.health_visitor_id,
        health_visitor=names.get(child.health_visitor_id, "Not allocated")
        if child.health_visitor_id
        else "Not allocated",
        reviews=tuple(
            ReviewLine(
                r.window.kind,
                r.window,
                r.status,
                r.completed_on,
                r.days_to_target,
                # A closed record reminds nobody (issue 4: "all reminders stop").
                stopped=closed and r.status in OPEN_STATUSES,
            )
            for r in schedule
        ),
        contacts=tuple(
            ContactLine(
                id=c.id,
                contact_date=c.contact_date,
                kind=c.kind,
                outcome_label=c.outcome.label,
                location_label=c.location.label,
                delivered_by=names.get(c.delivered_by_id, ""),
                accountable=names.get(c.accountable_health_visitor_id, "")
                if c.accountable_health_visitor_id
                else "",
                findings=_findings(c, scores.get(c.id, [])),
                notes=c.notes,
                previous_provider=c.previous_provider,
            )
            for c in contacts
        ),
        measurements=tuple(
            MeasurementLine(
                m.measured_on, m.kind, m.value, m.centile, m.sds, m.age_used, m.change_confirmed
            )
            for m in measurements
        ),
        charts=_charts(child, measurements),
        alerts=tuple(alerts_for_child(session, child, today=today)),
        pregnancy_id=child.pregnancy_id,
        record_status_date=child.record_status_date,
        status_history=tuple(
            RecordStatusLine(
                s.status, s.effective_date, s.detail, names.get(s.recorded_by_id, ""), s.recorded_at
            )
            for s in statuses
        ),
        allocation_history=tuple(
            AllocationLine(
                changed_at=a.changed_at,
                kind=a.kind,
                from_health_visitor=_holder(names, a.from_health_visitor_id),
                to_health_visitor=_holder(names, a.to_health_visitor_id),
                changed_by=names.get(a.changed_by_id, ""),
                reason=a.reason,
            )
            for a in allocations
        ),
        transferred_in_from=child.transferred_in_from,
        transferred_in_on=child.transferred_in_on,
        screening=screening_and_immunisations_for(session, child, today=today),
        colleague_caseload=standing.whose if standing and not standing.may_change else "",
        read_only_reason=standing.refusal if standing and not standing.may_change else "",
    )


def _holder(names: dict[uuid.UUID, str], health_visitor_id: uuid.UUID | None) -> str:
    return names.get(health_visitor_id, "") if health_visitor_id else "Unallocated"
