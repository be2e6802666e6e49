"""Records through time (issue 4): pregnancy, birth, arriving, leaving, and death.

A family's records change as life does: a pregnancy is registered and, at
the birth, becomes a child's record (the antenatal review stays on the
pregnancy and shows in the child's record); a child arrives from another
area with reviews already done there; a child transfers out, moves away, is
handed over to school nursing, or dies, and the record closes. Nothing is
ever deleted from the clinical record by these actions: a closed record
keeps every contact and measurement, and each change of status is a new
``RecordStatusChange`` row, so the record says what happened and when.

A closed record is read-only: ``contacts.record_contact`` refuses new
contacts on it, and it is on no caseload, so no review is ever shown as due
for it. Health visitors and team leads of the child's team may do all of
this (``require_team``); administrators have no clinical access.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from healthvisitor.domain.enums import (
    AllocationChangeKind,
    ContactKind,
    ContactLocation,
    ContactOutcome,
    PregnancyOutcome,
    RecordStatus,
    Role,
    Sex,
)
from healthvisitor.domain.schedule import child_review_windows
from healthvisitor.errors import FieldProblem, NotFoundError, ValidationError
from healthvisitor.persistence.models import (
    AllocationChange,
    Carer,
    Child,
    Family,
    Pregnancy,
    RecordStatusChange,
    SafeguardingEntry,
    User,
)
from healthvisitor.services.access import (
    require_clinical,
    require_may_change_child,
    require_may_change_pregnancy,
    require_team,
)
from healthvisitor.services.actor import Actor
from healthvisitor.services.audit import record_event
from healthvisitor.services.contacts import (
    PREVIOUS_PROVIDER_LENGTH,
    ContactEntry,
    MeasurementEntry,
    record_contact,
)
from healthvisitor.services.dated_history import in_force_on
from healthvisitor.services.policy import Permission, requires
from healthvisitor.services.records import (
    CarerDetails,
    ChildDetails,
    ChildSummary,
    FamilyDetails,
    add_carer,
    create_family,
    register_child,
    team_family,
    validate_child,
)

#: A pregnancy is registered up to two weeks past its estimated date of
#: delivery (a late notification of a woman still pregnant: 42 weeks is the
#: latest induction is offered, NICE NG207) ...
EDD_LATEST_PAST_DAYS = 14
#: ... and no more than 42 weeks ahead: a pregnancy lasts about 40 weeks from
#: the last period, so a later date is a typing error.
EDD_FURTHEST_AHEAD_DAYS = 42 * 7
#: A baby is born between 22+0 and 44+6 weeks (the gestations the record
#: accepts, validation.py): 18 weeks before to 4 weeks and 6 days after the EDD.
BIRTH_EARLIEST_BEFORE_EDD_DAYS = (40 - 22) * 7
BIRTH_LATEST_AFTER_EDD_DAYS = 4 * 7 + 6
#: Twins may be born either side of midnight, rarely days apart: a second baby
#: of one pregnancy is accepted within this many days of the first.
TWIN_BIRTHS_WITHIN_DAYS = 2
#: The reviews a child may arrive with from another area (after birth only:
#: an antenatal review elsewhere belongs to a pregnancy this team never held).
TRANSFERABLE_REVIEWS = (
    ContactKind.NEW_BIRTH_VISIT,
    ContactKind.SIX_TO_EIGHT_WEEK,
    ContactKind.ONE_YEAR,
    ContactKind.TWO_YEAR,
)
#: The ways a pregnancy ends other than in a live birth (``record_birth`` does that).
OTHER_OUTCOMES = (
    PregnancyOutcome.MISCARRIAGE,
    PregnancyOutcome.STILLBIRTH,
    PregnancyOutcome.TERMINATION,
    PregnancyOutcome.MOVED_AWAY,
)
#: Statuses that close a record, and the one that reopens it.
CLOSING_STATUSES = (
    RecordStatus.TRANSFERRED_OUT,
    RecordStatus.MOVED_AWAY,
    RecordStatus.DISCHARGED,
    RecordStatus.DECEASED,
)


@dataclass(frozen=True)
class PregnancySummary:
    id: uuid.UUID
    family_id: uuid.UUID
    mother_name: str
    estimated_delivery_date: dt.date
    health_visitor_id: uuid.UUID | None
    outcome: PregnancyOutcome


@dataclass(frozen=True)
class BabyDetails:
    """A newborn (or arriving) child as typed: everything ``ChildDetails`` has but the family."""

    nhs_number: str
    given_name: str
    family_name: str
    date_of_birth: dt.date
    sex: Sex | None  # None until chosen: refused with the other problems
    gestation_weeks: int
    gestation_days: int
    birth_weight_kg: float | None
    place_of_birth: str = ""

    def for_family(self, family_id: uuid.UUID, health_visitor_id: uuid.UUID | None) -> ChildDetails:
        if self.sex is None:
            raise ValidationError("Choose the child's sex.", "sex")
        return ChildDetails(
            nhs_number=self.nhs_number,
            given_name=self.given_name,
            family_name=self.family_name,
            date_of_birth=self.date_of_birth,
            sex=self.sex,
            gestation_weeks=self.gestation_weeks,
            gestation_days=self.gestation_days,
            birth_weight_kg=self.birth_weight_kg,
            family_id=family_id,
            health_visitor_id=health_visitor_id,
            place_of_birth=self.place_of_birth,
        )


def baby_problems(baby: BabyDetails, *, today: dt.date) -> list[FieldProblem]:
    """Every problem with a new child's details (``records.validate_child``'s, and the sex)."""
    problems: list[FieldProblem] = []
    if baby.sex is None:
        problems.append(FieldProblem("sex", "Choose the child's sex."))
    # With no sex chosen, a stand-in lets every other field be checked too.
    checked = baby if baby.sex is not None else replace(baby, sex=Sex.FEMALE)
    try:
        validate_child(checked.for_family(uuid.uuid4(), None), today=today)
    except ValidationError as error:
        problems.extend(error.problems)
    return problems


@dataclass(frozen=True)
class PriorReview:
    """A mandated review done by the previous area's service, as its record says."""

    kind: ContactKind
    contact_date: dt.date
    location: ContactLocation
    measurements: tuple[MeasurementEntry, ...] = ()


@dataclass(frozen=True)
class TransferIn:
    """A child arriving from another area's health visiting service.

    The family is an existing one of the team (``family_id``) or a new one
    (``new_family``, with its first carer if known).
    """

    baby: BabyDetails
    from_area: str
    arrived_on: dt.date
    family_id: uuid.UUID | None = None
    new_family: FamilyDetails | None = None
    first_carer: CarerDetails | None = None
    reviews: tuple[PriorReview, ...] = ()


@dataclass(frozen=True)
class StatusChangeSummary:
    child_id: uuid.UUID
    status: RecordStatus
    effective_date: dt.date
    detail: str


# --- Who may do it ---------------------------------------------------------------


def _health_visitor(
    session: Session, team_id: uuid.UUID, health_visitor_id: uuid.UUID | None, field: str
) -> FieldProblem | None:
    if health_visitor_id is None:
        return FieldProblem(field, "Choose the health visitor for this pregnancy.")
    visitor = session.get(User, health_visitor_id)
    if (
        visitor is None
        or visitor.team_id != team_id
        or not visitor.active
        or visitor.role not in (Role.HEALTH_VISITOR, Role.TEAM_LEAD)
    ):
        return FieldProblem(field, "Choose a health visitor who works in this team now.")
    return None


def _team_child(session: Session, actor: Actor, child_id: uuid.UUID) -> Child:
    child = session.get(Child, child_id)
    if child is None:
        raise NotFoundError("That child is not on record.")
    require_team(actor, child.team_id)
    return child


def _team_pregnancy(session: Session, actor: Actor, pregnancy_id: uuid.UUID) -> Pregnancy:
    pregnancy = session.get(Pregnancy, pregnancy_id)
    if pregnancy is None:
        raise NotFoundError("That pregnancy is not on record.")
    require_team(actor, session.get_one(Family, pregnancy.family_id).team_id)
    return pregnancy


def _allocation_row(
    session: Session,
    actor: Actor,
    child: Child,
    kind: AllocationChangeKind,
    to_health_visitor_id: uuid.UUID | None,
    reason: str,
) -> None:
    """One line of the child's allocation history for a change this module makes."""
    session.add(
        AllocationChange(
            child_id=child.id,
            kind=kind,
            from_health_visitor_id=child.health_visitor_id,
            to_health_visitor_id=to_health_visitor_id,
            reason=reason,
            batch_id=uuid.uuid4(),
            changed_by_id=actor.user_id,
        )
    )
    child.health_visitor_id = to_health_visitor_id


# --- Pregnancy -------------------------------------------------------------------


@requires(Permission.REGISTER)
def register_pregnancy(
    session: Session,
    actor: Actor,
    family_id: uuid.UUID,
    mother_id: uuid.UUID,
    estimated_delivery_date: dt.date,
    *,
    health_visitor_id: uuid.UUID | None,
    today: dt.date,
    idempotency_key: uuid.UUID | None = None,
) -> PregnancySummary:
    """Register an ongoing pregnancy of a carer of the family, allocated to a health visitor.

    Saved again with the form's ``idempotency_key`` (a retry after a dropped
    connection), the pregnancy registered the first time is returned (issue 9)."""
    family = team_family(session, actor, family_id)
    earlier = saved_pregnancy(session, idempotency_key) if idempotency_key else None
    if earlier is not None and earlier.family_id == family.id:
        return _pregnancy_summary(earlier, earlier.mother)
    problems: list[FieldProblem] = []
    mother = session.get(Carer, mother_id)
    if mother is None or mother.family_id != family.id:
        problems.append(FieldProblem("mother", "Choose the mother from this family's carers."))
    elif session.scalars(
        select(Pregnancy.id).where(
            Pregnancy.mother_id == mother.id, Pregnancy.outcome == PregnancyOutcome.ONGOING
        )
    ).first():
        problems.append(
            FieldProblem(
                "mother",
                f"{mother.given_name} {mother.family_name} already has an ongoing pregnancy on "
                "record. Record how that one ended first.",
            )
        )
    earliest = today - dt.timedelta(days=EDD_LATEST_PAST_DAYS)
    latest = today + dt.timedelta(days=EDD_FURTHEST_AHEAD_DAYS)
    if estimated_delivery_date < earliest:
        problems.append(
            FieldProblem(
                "estimated_delivery_date",
                f"An estimated delivery date of {estimated_delivery_date:%d %b %Y} is more than "
                "2 weeks ago. If the baby is born, record the birth instead.",
            )
        )
    elif estimated_delivery_date > latest:
        problems.append(
            FieldProblem(
                "estimated_delivery_date",
                f"An estimated delivery date of {estimated_delivery_date:%d %b %Y} is more than "
                "42 weeks away; check the year.",
            )
        )
    visitor_problem = _health_visitor(
        session, family.team_id, health_visitor_id, "health_visitor_id"
    )
    if visitor_problem:
        problems.append(visitor_problem)
    if problems:
        raise ValidationError(problems)
    assert mother is not None
    pregnancy = Pregnancy(
        family_id=family.id,
        mother_id=mother.id,
        estimated_delivery_date=estimated_delivery_date,
        outcome=PregnancyOutcome.ONGOING,
        health_visitor_id=health_visitor_id,
        idempotency_key=idempotency_key,
    )
    session.add(pregnancy)
    session.flush()
    record_event(session, actor, "create", "pregnancy", pregnancy.id, family_id=str(family.id))
    return _pregnancy_summary(pregnancy, mother)


def saved_pregnancy(session: Session, key: uuid.UUID) -> Pregnancy | None:
    """The pregnancy registered with idempotency ``key`` (issue 9), if any."""
    return session.scalars(select(Pregnancy).where(Pregnancy.idempotency_key == key)).first()


def pregnancy_summary(pregnancy: Pregnancy) -> PregnancySummary:
    """The summary of a pregnancy on record (as its registration returned it)."""
    return _pregnancy_summary(pregnancy, pregnancy.mother)


def _pregnancy_summary(pregnancy: Pregnancy, mother: Carer) -> PregnancySummary:
    return PregnancySummary(
        id=pregnancy.id,
        family_id=pregnancy.family_id,
        mother_name=f"{mother.given_name} {mother.family_name}",
        estimated_delivery_date=pregnancy.estimated_delivery_date,
        health_visitor_id=pregnancy.health_visitor_id,
        outcome=pregnancy.outcome,
    )


@requires(Permission.EDIT_RECORD)
def record_pregnancy_outcome(
    session: Session,
    actor: Actor,
    pregnancy_id: uuid.UUID,
    outcome: PregnancyOutcome,
    *,
    outcome_date: dt.date,
    today: dt.date,
) -> PregnancySummary:
    """A pregnancy that ended other than in a live birth; it leaves the pregnancies list.

    Its antenatal contacts and safeguarding history stay on record.
    """
    pregnancy = _team_pregnancy(session, actor, pregnancy_id)
    # Issue 8: a colleague's pregnancy is read-only (services/access.py).
    require_may_change_pregnancy(session, actor, pregnancy, today=today)
    if outcome not in OTHER_OUTCOMES:
        raise ValidationError(
            "Record a live birth with 'Record birth', which also registers the baby.", "outcome"
        )
    if pregnancy.outcome is not PregnancyOutcome.ONGOING:
        raise ValidationError(
            f"This pregnancy has already ended ({pregnancy.outcome.label.lower()}).", "outcome"
        )
    problems: list[FieldProblem] = []
    if outcome_date > today:
        problems.append(FieldProblem("outcome_date", "The date is in the future."))
    if outcome_date < pregnancy.estimated_delivery_date - dt.timedelta(
        days=EDD_FURTHEST_AHEAD_DAYS
    ):
        problems.append(
            FieldProblem(
                "outcome_date",
                f"{outcome_date:%d %b %Y} is before this pregnancy began (estimated delivery "
                f"{pregnancy.estimated_delivery_date:%d %b %Y}).",
            )
        )
    if problems:
        raise ValidationError(problems)
    pregnancy.outcome = outcome
    pregnancy.outcome_date = outcome_date
    session.flush()
    record_event(
        session,
        actor,
        "record_outcome",
        "pregnancy",
        pregnancy.id,
        outcome=outcome.value,
        outcome_date=outcome_date.isoformat(),
    )
    return _pregnancy_summary(pregnancy, session.get_one(Carer, pregnancy.mother_id))


# --- Birth -----------------------------------------------------------------------


@requires(Permission.EDIT_RECORD)
def record_birth(
    session: Session,
    actor: Actor,
    pregnancy_id: uuid.UUID,
    baby: BabyDetails,
    *,
    today: dt.date,
    confirm_possible_duplicate: bool = False,
) -> ChildSummary:
    """The birth of a baby of an ongoing pregnancy: the child's record, born of it.

    The child is registered exactly as ``records.register_child`` registers
    any child (the same checks, the same duplicate questions), in the
    pregnancy's family and team, allocated to the pregnancy's health visitor
    (unallocated if they have left), and linked to the pregnancy, so the
    antenatal review recorded on it shows in the child's record and schedule.
    The pregnancy's outcome becomes a live birth on the date of birth. A
    second baby of the same pregnancy (twins) is recorded the same way.
    A referral prompt still to decide about the mother is not moved: it stays
    hers and shows on the baby's record and caseload row from the birth
    (issue 5, ``referrals.pregnancy_prompts`` says why).
    """
    pregnancy = _team_pregnancy(session, actor, pregnancy_id)
    # Issue 8: a colleague's pregnancy is read-only (services/access.py).
    require_may_change_pregnancy(session, actor, pregnancy, today=today)
    family = session.get_one(Family, pregnancy.family_id)
    twin = pregnancy.outcome is PregnancyOutcome.LIVE_BIRTH
    if pregnancy.outcome not in (PregnancyOutcome.ONGOING, PregnancyOutcome.LIVE_BIRTH):
        raise ValidationError(
            f"This pregnancy ended ({pregnancy.outcome.label.lower()}); no birth can be "
            "recorded on it.",
            "pregnancy",
        )
    problems: list[FieldProblem] = []
    edd = pregnancy.estimated_delivery_date
    born = baby.date_of_birth
    if twin and pregnancy.outcome_date is not None:
        if abs((born - pregnancy.outcome_date).days) > TWIN_BIRTHS_WITHIN_DAYS:
            problems.append(
                FieldProblem(
                    "date_of_birth",
                    f"A baby of this pregnancy was born on {pregnancy.outcome_date:%d %b %Y}; "
                    f"a twin born {born:%d %b %Y} is too far apart. Check the date.",
                )
            )
    elif not (
        edd - dt.timedelta(days=BIRTH_EARLIEST_BEFORE_EDD_DAYS)
        <= born
        <= edd + dt.timedelta(days=BIRTH_LATEST_AFTER_EDD_DAYS)
    ):
        problems.append(
            FieldProblem(
                "date_of_birth",
                f"A birth on {born:%d %b %Y} does not fit this pregnancy (estimated delivery "
                f"{edd:%d %b %Y}). Check the date.",
            )
        )
    holder = pregnancy.health_visitor_id
    if holder is not None and _health_visitor(session, family.team_id, holder, "hv") is not None:
        holder = None  # the pregnancy's health visitor has left: the baby awaits allocation
    problems = [*baby_problems(baby, today=today), *problems]
    if problems:
        raise ValidationError(problems)
    summary = register_child(
        session,
        actor,
        baby.for_family(family.id, None),
        today=today,
        confirm_possible_duplicate=confirm_possible_duplicate,
    )
    child = session.get_one(Child, summary.id)
    child.pregnancy_id = pregnancy.id
    if holder is not None:
        _allocation_row(
            session,
            actor,
            child,
            AllocationChangeKind.ALLOCATE,
            holder,
            "Born: stays with the health visitor who had the pregnancy.",
        )
    carried = _carry_safeguarding_to_baby(session, actor, pregnancy.id, child.id, born)
    if not twin:
        pregnancy.outcome = PregnancyOutcome.LIVE_BIRTH
        pregnancy.outcome_date = born
    session.flush()
    record_event(
        session,
        actor,
        "record_birth",
        "pregnancy",
        pregnancy.id,
        child_id=str(child.id),
        date_of_birth=born.isoformat(),
        second_baby=twin,
        safeguarding_carried_over=carried,
    )
    return summary


def _carry_safeguarding_to_baby(
    session: Session, actor: Actor, pregnancy_id: uuid.UUID, child_id: uuid.UUID, born: dt.date
) -> int:
    """Safeguarding in force on the pregnancy (a pre-birth plan) goes on to the baby.

    DOMAIN.md: safeguarding flags must never be lost. The pregnancy leaves the
    caseload at birth and every list reads the child's own entries, so each
    entry in force at birth is added to the child from the date of birth, with
    a note asking for the plan to be reviewed (hazard H21). Returns how many.
    """
    entries = session.scalars(
        select(SafeguardingEntry).where(
            SafeguardingEntry.pregnancy_id == pregnancy_id, in_force_on(SafeguardingEntry, born)
        )
    ).all()
    for entry in entries:
        note = f"Carried over from the pregnancy at birth: review the plan. {entry.note}".strip()
        session.add(
            SafeguardingEntry(
                child_id=child_id,
                status=entry.status,
                start_date=born,
                note=note[:4000],
                recorded_by_id=actor.user_id,
            )
        )
    return len(entries)


# --- Transfer in -----------------------------------------------------------------


def _review_problems(transfer: TransferIn, today: dt.date) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    born = transfer.baby.date_of_birth
    opens = {window.kind: window.opens for window in child_review_windows(born)}
    seen: set[ContactKind] = set()
    for review in transfer.reviews:
        field = f"review_{review.kind.value}"
        where = review.kind.label
        if review.kind not in TRANSFERABLE_REVIEWS:
            problems.append(
                FieldProblem(field, f"{where} is not a review done after birth.", where)
            )
        if review.kind in seen:
            problems.append(FieldProblem(field, f"{where} is entered twice.", where))
        seen.add(review.kind)
        if review.contact_date > today:
            problems.append(
                FieldProblem(field, f"{review.contact_date:%d %b %Y} is in the future.", where)
            )
        elif review.contact_date < born:
            problems.append(
                FieldProblem(
                    field,
                    f"{review.contact_date:%d %b %Y} is before the child was born "
                    f"({born:%d %b %Y}).",
                    where,
                )
            )
        elif review.kind in opens and review.contact_date < opens[review.kind]:
            # A review dated before its window would count as done and stop its reminder.
            problems.append(
                FieldProblem(
                    field,
                    f"A {where.lower()} on {review.contact_date:%d %b %Y} is too early for this "
                    f"child: it can be done from {opens[review.kind]:%d %b %Y}. Check the date.",
                    where,
                )
            )
        elif review.contact_date > transfer.arrived_on:
            problems.append(
                FieldProblem(
                    field,
                    f"A review done elsewhere is before the child arrived "
                    f"({transfer.arrived_on:%d %b %Y}); record later ones as contacts.",
                    where,
                )
            )
    return problems


@requires(Permission.REGISTER)
def transfer_in(
    session: Session,
    actor: Actor,
    transfer: TransferIn,
    *,
    today: dt.date,
    confirm_possible_duplicate: bool = False,
    confirm_implausible: bool = False,
) -> ChildSummary:
    """Register a child who has moved in from another area, unallocated.

    The child appears on the team lead's unallocated list as a transfer in
    (``Child.transferred_in_from``). Each mandated review already done by the
    previous area's service is recorded as a completed contact with
    ``previous_provider`` set to where it was done, so the schedule counts it
    as done and nobody books the family for it again. Those contacts are
    ``delivered_by`` the actor who records them, who is also the accountable
    health visitor: the practitioner elsewhere is no user of this system, and
    ``previous_provider`` says the review was theirs. Every problem is
    reported at once; nothing is saved unless everything is.
    """
    team_id = require_clinical(actor)
    problems: list[FieldProblem] = []
    if (transfer.family_id is None) == (transfer.new_family is None):
        problems.append(FieldProblem("family", "Choose the family, or enter a new one."))
    if transfer.new_family is not None and not transfer.new_family.family_name.strip():
        problems.append(FieldProblem("family_name", "Enter the family name."))
    if not transfer.from_area.strip():
        problems.append(
            FieldProblem(
                "from_area",
                "Enter where the child has come from (the previous area or its health "
                "visiting service).",
            )
        )
    if len(transfer.from_area.strip()) > PREVIOUS_PROVIDER_LENGTH:
        problems.append(FieldProblem("from_area", "Shorten this to 100 characters or fewer."))
    born = transfer.baby.date_of_birth
    if transfer.arrived_on > today:
        problems.append(FieldProblem("arrived_on", "The date the child arrived is in the future."))
    elif transfer.arrived_on < born:
        problems.append(
            FieldProblem("arrived_on", "The child cannot have arrived before being born.")
        )
    problems = [*baby_problems(transfer.baby, today=today), *problems]
    problems += _review_problems(transfer, today)
    if problems:
        raise ValidationError(_unique(problems))

    if transfer.family_id is not None:
        family_id = team_family(session, actor, transfer.family_id).id
    else:
        assert transfer.new_family is not None
        family_id = create_family(session, actor, transfer.new_family)
        if transfer.first_carer is not None:
            add_carer(session, actor, family_id, transfer.first_carer, today=today)
    summary = register_child(
        session,
        actor,
        transfer.baby.for_family(family_id, None),
        today=today,
        confirm_possible_duplicate=confirm_possible_duplicate,
    )
    child = session.get_one(Child, summary.id)
    child.transferred_in_from = transfer.from_area.strip()
    child.transferred_in_on = transfer.arrived_on
    session.flush()
    for review in sorted(transfer.reviews, key=lambda r: r.contact_date):
        record_contact(
            session,
            actor,
            ContactEntry(
                kind=review.kind,
                contact_date=review.contact_date,
                location=review.location,
                outcome=ContactOutcome.COMPLETED,
                delivered_by_id=actor.user_id,
                accountable_health_visitor_id=actor.user_id,
                child_id=child.id,
                measurements=review.measurements,
                previous_provider=child.transferred_in_from,
                notes=f"Done by {child.transferred_in_from} before the child moved here.",
            ),
            today=today,
            confirm_implausible=confirm_implausible,
        )
    record_event(
        session,
        actor,
        "transfer_in",
        "child",
        child.id,
        team_id=str(team_id),
        from_area=child.transferred_in_from,
        arrived_on=transfer.arrived_on.isoformat(),
        reviews=[review.kind.value for review in transfer.reviews],
    )
    return summary


def _unique(problems: Sequence[FieldProblem]) -> list[FieldProblem]:
    seen: list[FieldProblem] = []
    for problem in problems:
        if problem not in seen:
            seen.append(problem)
    return seen


# --- Closing and reopening -------------------------------------------------------


def _detail_problem(status: RecordStatus, detail: str) -> FieldProblem | None:
    if status is RecordStatus.TRANSFERRED_OUT and not detail.strip():
        return FieldProblem(
            "detail", "Say where the child's care is transferred to (the area or service)."
        )
    if status is RecordStatus.DISCHARGED and not detail.strip():
        return FieldProblem(
            "detail",
            "Say who the child is handed over to, e.g. 'School nursing, Hillside Primary'.",
        )
    return None


@requires(Permission.EDIT_RECORD)
def change_record_status(
    session: Session,
    actor: Actor,
    child_id: uuid.UUID,
    status: RecordStatus,
    *,
    effective_date: dt.date,
    detail: str,
    today: dt.date,
) -> StatusChangeSummary:
    """Close an active child's record: transferred out, moved away, discharged or deceased.

    ``detail`` says where to (required for a transfer out and a discharge,
    "if known" for a move) or anything else worth keeping; for a death,
    ``effective_date`` is the date of death. The change is appended to the
    child's status history; every contact and measurement stays. The child
    leaves every caseload and the record becomes read-only.
    """
    child = _team_child(session, actor, child_id)
    # Issue 8: a colleague's child is read-only (services/access.py).
    require_may_change_child(session, actor, child, today=today)
    if status not in CLOSING_STATUSES:
        raise ValidationError("Choose why the record is closing.", "status")
    if child.record_status is not RecordStatus.ACTIVE:
        since = f" on {child.record_status_date:%d %b %Y}" if child.record_status_date else ""
        raise ValidationError(
            f"This record is already closed ({child.record_status.label.lower()}{since}).",
            "status",
        )
    problems = _date_problems(child, effective_date, today, status)
    detail_problem = _detail_problem(status, detail)
    if detail_problem:
        problems.append(detail_problem)
    if problems:
        raise ValidationError(problems)
    return _append_status(session, actor, child, status, effective_date, detail.strip())


def _date_problems(
    child: Child, effective_date: dt.date, today: dt.date, status: RecordStatus
) -> list[FieldProblem]:
    what = "date of death" if status is RecordStatus.DECEASED else "date"
    problems: list[FieldProblem] = []
    if effective_date > today:
        problems.append(
            FieldProblem(
                "effective_date", f"The {what} {effective_date:%d %b %Y} is in the future."
            )
        )
    if effective_date < child.date_of_birth:
        problems.append(
            FieldProblem(
                "effective_date",
                f"The {what} {effective_date:%d %b %Y} is before the child was born "
                f"({child.date_of_birth:%d %b %Y}).",
            )
        )
    elif child.record_status_date is not None and effective_date < child.record_status_date:
        problems.append(
            FieldProblem(
                "effective_date",
                f"The {what} is before the record's last change "
                f"({child.record_status_date:%d %b %Y}).",
            )
        )
    return problems


def _append_status(
    session: Session,
    actor: Actor,
    child: Child,
    status: RecordStatus,
    effective_date: dt.date,
    detail: str,
) -> StatusChangeSummary:
    previous = child.record_status
    session.add(
        RecordStatusChange(
            child_id=child.id,
            status=status,
            effective_date=effective_date,
            detail=detail,
            recorded_by_id=actor.user_id,
        )
    )
    child.record_status = status
    child.record_status_date = effective_date
    session.flush()
    record_event(
        session,
        actor,
        "change_record_status",
        "child",
        child.id,
        previous=previous.value,
        status=status.value,
        effective_date=effective_date.isoformat(),
        detail=detail,
    )
    return StatusChangeSummary(child.id, status, effective_date, detail)


@requires(Permission.EDIT_RECORD)
def reopen_record(
    session: Session,
    actor: Actor,
    child_id: uuid.UUID,
    *,
    effective_date: dt.date,
    detail: str,
    today: dt.date,
) -> StatusChangeSummary:
    """Reopen a closed record (a child who moved back); never a deceased child's.

    The child returns to the team as active and unallocated, so the team
    lead allocates them again from the board; the previous health visitor is
    kept in the allocation history.
    """
    child = _team_child(session, actor, child_id)
    # Issue 8: a colleague's child is read-only (services/access.py).
    require_may_change_child(session, actor, child, today=today)
    if child.record_status is RecordStatus.ACTIVE:
        raise ValidationError("This record is open already.", "status")
    if child.record_status is RecordStatus.DECEASED:
        raise ValidationError(
            "The record of a child who has died stays closed. If the death was recorded in "
            "error, ask your team lead to have the record corrected.",
            "status",
        )
    problems = _date_problems(child, effective_date, today, RecordStatus.ACTIVE)
    if problems:
        raise ValidationError(problems)
    if child.health_visitor_id is not None:
        _allocation_row(
            session,
            actor,
            child,
            AllocationChangeKind.UNALLOCATE,
            None,
            "Record reopened: back on the unallocated list to be allocated again.",
        )
    return _append_status(
        session, actor, child, RecordStatus.ACTIVE, effective_date, detail.strip()
    )
