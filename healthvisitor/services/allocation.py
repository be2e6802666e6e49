"""Allocation, reallocation, cover and undo: the team lead shares out the work (issue 4).

* ``allocate`` gives children (new births, transfers in, or a whole caseload
  when a health visitor leaves) a named health visitor, with a reason.
  Siblings move together unless the lead says otherwise: the active children
  of the same family with the same health visitor as a chosen child, and the
  family's ongoing pregnancies with that health visitor, come too.
  ``plan_allocation`` says beforehand what would move, siblings included.
* The database decides races. Each child is read ``FOR UPDATE`` (PostgreSQL
  row locks; SQLite has one writer at a time) and checked against the holder
  the lead saw on screen; the ORM's ``version`` column then guards the UPDATE
  itself. If anyone moved a child meanwhile the whole action is refused,
  naming the child and where it is now: nothing is half-applied.
* Every change is an append-only ``AllocationChange`` row (one per child or
  pregnancy, grouped by ``batch_id``) and an audit event on the child.
  ``undo_allocation`` reverses a batch while every child is still where the
  batch put it; the undo is recorded too and cannot be applied twice.
* Cover: a colleague holds an absent health visitor's caseload from a start
  date to an end date (inclusive). The children stay allocated to their own
  health visitor and also appear on the covering health visitor's caseload
  while the cover is in force; after it, the caseload returns by itself.
  ``ended_on`` ends it early: the cover is not in force from that day.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.exc import StaleDataError

from healthvisitor.domain.enums import AllocationChangeKind, PregnancyOutcome, RecordStatus, Role
from healthvisitor.errors import (
    ConcurrentEditError,
    FieldProblem,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from healthvisitor.persistence.models import (
    AllocationChange,
    Carer,
    Child,
    CoverArrangement,
    Family,
    Pregnancy,
    TeamTransfer,
    User,
)
from healthvisitor.persistence.types import utc_now
from healthvisitor.services.access import require_team, require_team_lead
from healthvisitor.services.actor import Actor
from healthvisitor.services.audit import record_event
from healthvisitor.services.policy import Permission, requires

#: How many batches "Recent allocation changes" lists.
RECENT_BATCHES = 20
#: What the record and the lists say for "no health visitor".
UNALLOCATED = "Unallocated"

# Spelled out rather than strftime("%b"): the C locale may differ on a
# machine whose Qt application set it (see ui/caseload_model.py).
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def day_text(day: dt.date) -> str:
    """``12 Dec 2026``."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


# --- Read models ---------------------------------------------------------------


@dataclass(frozen=True)
class Moving:
    """One child or pregnancy an allocation would move."""

    subject_id: uuid.UUID
    name: str  # the child, or the mother for a pregnancy
    from_id: uuid.UUID | None
    from_name: str  # "" while unallocated
    #: Added to keep siblings together, not chosen by the lead.
    with_sibling: bool = False
    is_pregnancy: bool = False

    @property
    def label(self) -> str:
        return f"{self.name}'s pregnancy" if self.is_pregnancy else self.name


@dataclass(frozen=True)
class AllocationPlan:
    """What ``allocate`` would move, shown before the lead confirms."""

    to_health_visitor_id: uuid.UUID
    to_name: str
    children: tuple[Moving, ...]
    pregnancies: tuple[Moving, ...] = ()
    #: Chosen children already on the target's caseload: nothing to do for them.
    already_there: tuple[str, ...] = ()

    @property
    def siblings(self) -> tuple[Moving, ...]:
        return tuple(m for m in self.children + self.pregnancies if m.with_sibling)

    def expected(self) -> dict[uuid.UUID, uuid.UUID | None]:
        """Each child's holder as shown, for ``allocate(expected=...)``."""
        return {m.subject_id: m.from_id for m in self.children}

    def summary(self) -> str:
        """``3 children and 1 pregnancy to Helen Walker`` (``1 pregnancy to …`` alone)."""
        parts = []
        if self.children or not self.pregnancies:
            parts.append(_plural(len(self.children), "child", "children"))
        if self.pregnancies:
            parts.append(_plural(len(self.pregnancies), "pregnancy", "pregnancies"))
        return f"{' and '.join(parts)} to {self.to_name}"

    def siblings_text(self) -> str:
        """``Also moving with their siblings: Ada Okafor, Sara Okafor's pregnancy``."""
        if not self.siblings:
            return ""
        return "Also moving with their siblings: " + ", ".join(m.label for m in self.siblings)


@dataclass(frozen=True)
class AllocationResult:
    batch_id: uuid.UUID
    children: int
    pregnancies: int
    message: str  # what was done, in words, for the status bar


@dataclass(frozen=True)
class AllocationBatch:
    """One action on the "Recent allocation changes" list."""

    batch_id: uuid.UUID
    changed_at: dt.datetime
    changed_by: str
    kind: AllocationChangeKind
    reason: str
    #: Who the children went to, in words ("Helen Walker", "Unallocated", or several).
    to_names: str
    children: int
    pregnancies: int
    names: tuple[str, ...]
    undoable: bool
    #: Why it cannot be undone ("" when it can).
    why_not: str = ""

    def what(self) -> str:
        """``2 children and 1 pregnancy to Helen Walker``."""
        parts = []
        if self.children:
            parts.append(_plural(self.children, "child", "children"))
        if self.pregnancies:
            parts.append(_plural(self.pregnancies, "pregnancy", "pregnancies"))
        return f"{' and '.join(parts) or 'Nothing'} to {self.to_names}"


@dataclass(frozen=True)
class AllocationHistoryLine:
    """One change of a child's named health visitor, for the child's record."""

    changed_at: dt.datetime
    from_name: str  # "Unallocated" when there was none
    to_name: str
    changed_by: str
    reason: str
    kind: AllocationChangeKind
    #: A change made to the pregnancy the child was born of.
    before_birth: bool = False


@dataclass(frozen=True)
class CoverLine:
    """A cover arrangement: who covers whom, from when, until when."""

    cover_id: uuid.UUID
    absent_id: uuid.UUID
    absent_name: str
    covering_id: uuid.UUID
    covering_name: str
    start_date: dt.date
    #: The last day of cover (the end date, or the day before an early end).
    last_day: dt.date
    reason: str
    arranged_by: str
    version: int

    def in_force(self, today: dt.date) -> bool:
        return self.start_date <= today <= self.last_day

    def words(self) -> str:
        """``Helen Walker covers Priya Sharma until 12 Dec 2026``."""
        return f"{self.covering_name} covers {self.absent_name} until {day_text(self.last_day)}"

    def covering_for(self) -> str:
        """What the covering health visitor's caseload says on each covered child."""
        return f"Covering for {self.absent_name} until {day_text(self.last_day)}"


# --- Who may hold a caseload ---------------------------------------------------


def _team_member(
    session: Session, team_id: uuid.UUID, user_id: uuid.UUID, field: str, who: str
) -> User:
    """An active clinical member of the team, or a ValidationError on ``field``."""
    user = session.get(User, user_id)
    if user is None or user.team_id != team_id:
        raise ValidationError(f"Choose {who} from your team.", field)
    if not user.active:
        raise ValidationError(
            f"{user.full_name} no longer works in the team: choose someone else.", field
        )
    if user.role not in (Role.HEALTH_VISITOR, Role.TEAM_LEAD):
        raise ValidationError(
            f"{user.full_name} is not a health visitor and cannot hold a caseload.", field
        )
    return user


def _names(session: Session, ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(select(User.id, User.full_name).where(User.id.in_(wanted)))
    return {user_id: name for user_id, name in rows}


# --- Allocating ------------------------------------------------------------------


@dataclass
class _Gathered:
    plan: AllocationPlan
    #: The children the lead chose, as read now (locked when allocating).
    chosen: list[Child]
    #: The pregnancies the lead chose on their own, with the mother's name (issue 4).
    chosen_pregnancies: list[tuple[Pregnancy, str]]
    #: The children and pregnancies that move (siblings included).
    children: dict[uuid.UUID, Child]
    pregnancies: dict[uuid.UUID, Pregnancy]


def _gather(
    session: Session,
    actor: Actor,
    child_ids: Collection[uuid.UUID],
    to_health_visitor_id: uuid.UUID,
    *,
    keep_siblings_together: bool,
    lock: bool,
    pregnancy_ids: Collection[uuid.UUID] = (),
) -> _Gathered:
    team_id = require_team_lead(actor)
    target = _team_member(
        session, team_id, to_health_visitor_id, "to_health_visitor", "a health visitor"
    )
    if not child_ids and not pregnancy_ids:
        raise ValidationError("Choose at least one child.", "children")
    query = (
        select(Child)
        .where(Child.id.in_(set(child_ids)))
        .order_by(Child.family_name, Child.given_name, Child.id)
    )
    chosen = list(session.scalars(query.with_for_update() if lock else query)) if child_ids else []
    if len(chosen) != len(set(child_ids)):
        raise NotFoundError("One of the chosen children is no longer on record.")
    for child in chosen:
        if child.team_id != team_id:
            raise PermissionDeniedError("One of the chosen children belongs to another team.")
        if child.record_status is not RecordStatus.ACTIVE:
            raise ValidationError(
                f"{child.given_name} {child.family_name}'s record is closed "
                f"({child.record_status.label.lower()}); only active children can be allocated.",
                "children",
            )
    chosen_ids = {c.id for c in chosen}
    chosen_pregnancies = _chosen_pregnancies(session, team_id, pregnancy_ids, lock=lock)
    chosen_pregnancy_ids = {p.id for p, _ in chosen_pregnancies}
    siblings: list[Child] = []
    pregnancies: list[tuple[Pregnancy, str]] = list(chosen_pregnancies)
    if keep_siblings_together:
        # A child with the same holder as a chosen child (or pregnancy) of its family
        # comes too: a pregnancy moved on its own takes its brothers and sisters.
        holders = {(c.family_id, c.health_visitor_id) for c in chosen} | {
            (p.family_id, p.health_visitor_id) for p, _ in chosen_pregnancies
        }
        families = {family_id for family_id, _ in holders}
        sibling_query = (
            select(Child)
            .where(
                Child.family_id.in_(families),
                Child.team_id == team_id,
                Child.record_status == RecordStatus.ACTIVE,
                Child.id.not_in(chosen_ids),
            )
            .order_by(Child.family_name, Child.given_name, Child.id)
        )
        for sibling in session.scalars(sibling_query.with_for_update() if lock else sibling_query):
            if (sibling.family_id, sibling.health_visitor_id) in holders:
                siblings.append(sibling)
        pregnancy_query = (
            select(Pregnancy, Carer.given_name, Carer.family_name)
            .join(Carer, Carer.id == Pregnancy.mother_id)
            .join(Family, Family.id == Pregnancy.family_id)
            .where(
                Pregnancy.family_id.in_(families),
                Family.team_id == team_id,
                Pregnancy.outcome == PregnancyOutcome.ONGOING,
                Pregnancy.id.not_in(chosen_pregnancy_ids),
            )
            .order_by(Pregnancy.estimated_delivery_date, Pregnancy.id)
        )
        if lock:
            pregnancy_query = pregnancy_query.with_for_update(of=Pregnancy)
        for pregnancy, given, family_name in session.execute(pregnancy_query):
            if (pregnancy.family_id, pregnancy.health_visitor_id) in holders:
                pregnancies.append((pregnancy, f"{given} {family_name}"))
    everyone = chosen + siblings
    names = _names(
        session,
        [c.health_visitor_id for c in everyone] + [p.health_visitor_id for p, _ in pregnancies],
    )
    already = tuple(
        f"{c.given_name} {c.family_name}" for c in chosen if c.health_visitor_id == target.id
    ) + tuple(
        f"{name}'s pregnancy" for p, name in chosen_pregnancies if p.health_visitor_id == target.id
    )
    moving_children = [c for c in everyone if c.health_visitor_id != target.id]
    moving_pregnancies = [(p, n) for p, n in pregnancies if p.health_visitor_id != target.id]
    plan = AllocationPlan(
        to_health_visitor_id=target.id,
        to_name=target.full_name,
        children=tuple(
            Moving(
                c.id,
                f"{c.given_name} {c.family_name}",
                c.health_visitor_id,
                names.get(c.health_visitor_id, "") if c.health_visitor_id else "",
                with_sibling=c.id not in chosen_ids,
            )
            for c in moving_children
        ),
        pregnancies=tuple(
            Moving(
                p.id,
                name,
                p.health_visitor_id,
                names.get(p.health_visitor_id, "") if p.health_visitor_id else "",
                with_sibling=p.id not in chosen_pregnancy_ids,
                is_pregnancy=True,
            )
            for p, name in moving_pregnancies
        ),
        already_there=already,
    )
    return _Gathered(
        plan,
        chosen,
        chosen_pregnancies,
        {c.id: c for c in moving_children},
        {p.id: p for p, _ in moving_pregnancies},
    )


def _chosen_pregnancies(
    session: Session, team_id: uuid.UUID, pregnancy_ids: Collection[uuid.UUID], *, lock: bool
) -> list[tuple[Pregnancy, str]]:
    """The pregnancies chosen on their own, with the mother's name: the team's, ongoing."""
    if not pregnancy_ids:
        return []
    query = (
        select(Pregnancy, Carer.given_name, Carer.family_name, Family.team_id)
        .join(Carer, Carer.id == Pregnancy.mother_id)
        .join(Family, Family.id == Pregnancy.family_id)
        .where(Pregnancy.id.in_(set(pregnancy_ids)))
        .order_by(Pregnancy.estimated_delivery_date, Pregnancy.id)
    )
    found = session.execute(query.with_for_update(of=Pregnancy) if lock else query).all()
    if len(found) != len(set(pregnancy_ids)):
        raise NotFoundError("One of the chosen pregnancies is no longer on record.")
    chosen = []
    for pregnancy, given, family_name, in_team in found:
        if in_team != team_id:
            raise PermissionDeniedError("One of the chosen pregnancies belongs to another team.")
        if pregnancy.outcome is not PregnancyOutcome.ONGOING:
            raise ValidationError(
                f"{given} {family_name}'s pregnancy has ended "
                f"({pregnancy.outcome.label.lower()}); only an ongoing pregnancy is allocated.",
                "children",
            )
        chosen.append((pregnancy, f"{given} {family_name}"))
    return chosen


@requires(Permission.ALLOCATE)
def plan_allocation(
    session: Session,
    actor: Actor,
    child_ids: Collection[uuid.UUID],
    to_health_visitor_id: uuid.UUID,
    *,
    keep_siblings_together: bool = True,
    pregnancy_ids: Collection[uuid.UUID] = (),
) -> AllocationPlan:
    """What ``allocate`` would move now, siblings included; changes nothing."""
    return _gather(
        session,
        actor,
        child_ids,
        to_health_visitor_id,
        keep_siblings_together=keep_siblings_together,
        lock=False,
        pregnancy_ids=pregnancy_ids,
    ).plan


def _moved_meanwhile(name: str, now_with: str) -> ConcurrentEditError:
    where = f"is now on {now_with}'s caseload" if now_with else "is now on the unallocated list"
    return ConcurrentEditError(
        f"{name} {where}: someone changed their allocation after you opened this list. "
        "Nothing was changed. Look at the board again and choose again."
    )


@requires(Permission.ALLOCATE)
def allocate(
    session: Session,
    actor: Actor,
    child_ids: Collection[uuid.UUID],
    to_health_visitor_id: uuid.UUID,
    *,
    reason: str,
    today: dt.date,
    keep_siblings_together: bool = True,
    expected: Mapping[uuid.UUID, uuid.UUID | None] | None = None,
    pregnancy_ids: Collection[uuid.UUID] = (),
) -> AllocationResult:
    """Allocate or reallocate children (and their siblings) to one health visitor.

    ``pregnancy_ids`` are pregnancies moved on their own, before there is a
    child (issue 4); with ``keep_siblings_together`` the family's children
    with the same holder come too. ``expected`` maps each chosen child (and
    pregnancy) to the holder the lead saw (None for unallocated); one missing
    from it is taken as it is now. If any is no longer with that holder,
    ``ConcurrentEditError`` names it and nothing is changed.
    """
    problems = []
    if not reason.strip():
        problems.append(FieldProblem("reason", "Say why, in a few words (it goes on the record)."))
    if problems:
        require_team_lead(actor)
        raise ValidationError(problems)
    gathered = _gather(
        session,
        actor,
        child_ids,
        to_health_visitor_id,
        keep_siblings_together=keep_siblings_together,
        lock=True,
        pregnancy_ids=pregnancy_ids,
    )
    plan = gathered.plan
    # Siblings come because they share a chosen child's holder: checking the
    # chosen children checks them too. Read under lock, so this is the truth.
    seen = dict(expected or {})
    moved = [c for c in gathered.chosen if c.id in seen and seen[c.id] != c.health_visitor_id]
    if moved:
        holder = moved[0].health_visitor_id
        now_with = _names(session, [holder]).get(holder, "") if holder else ""
        raise _moved_meanwhile(f"{moved[0].given_name} {moved[0].family_name}", now_with)
    for pregnancy, mother in gathered.chosen_pregnancies:
        if pregnancy.id in seen and seen[pregnancy.id] != pregnancy.health_visitor_id:
            holder = pregnancy.health_visitor_id
            now_with = _names(session, [holder]).get(holder, "") if holder else ""
            raise _moved_meanwhile(f"{mother}'s pregnancy", now_with)
    if not plan.children and not plan.pregnancies:
        raise ValidationError(
            f"{'These children are' if len(plan.already_there) != 1 else 'This child is'} "
            f"already on {plan.to_name}'s caseload: nothing to move.",
            "children",
        )
    batch_id = uuid.uuid4()
    now = utc_now()
    text = reason.strip()
    for moving in plan.children:
        child = gathered.children[moving.subject_id]
        kind = (
            AllocationChangeKind.ALLOCATE
            if child.health_visitor_id is None
            else AllocationChangeKind.REALLOCATE
        )
        change_holder(session, actor, batch_id, now, kind, text, child, plan.to_health_visitor_id)
    for moving in plan.pregnancies:
        pregnancy = gathered.pregnancies[moving.subject_id]
        kind = (
            AllocationChangeKind.ALLOCATE
            if pregnancy.health_visitor_id is None
            else AllocationChangeKind.REALLOCATE
        )
        change_holder(
            session, actor, batch_id, now, kind, text, pregnancy, plan.to_health_visitor_id
        )
    flush_changes(session)
    return AllocationResult(
        batch_id,
        len(plan.children),
        len(plan.pregnancies),
        f"{plan.summary()[0].upper()}{plan.summary()[1:]}.",
    )


@requires(Permission.ALLOCATE)
def change_holder(
    session: Session,
    actor: Actor,
    batch_id: uuid.UUID,
    now: dt.datetime,
    kind: AllocationChangeKind,
    reason: str,
    subject: Child | Pregnancy,
    to_id: uuid.UUID | None,
    undoes: uuid.UUID | None = None,
) -> None:
    """Give ``subject`` the holder ``to_id``: one history row and one audit event.

    Used by allocation, undo and the transfer between teams (team_transfer.py).
    """
    is_child = isinstance(subject, Child)
    from_id = subject.health_visitor_id
    subject.health_visitor_id = to_id
    session.add(
        AllocationChange(
            child_id=subject.id if is_child else None,
            pregnancy_id=None if is_child else subject.id,
            kind=kind,
            from_health_visitor_id=from_id,
            to_health_visitor_id=to_id,
            reason=reason,
            batch_id=batch_id,
            undoes_batch_id=undoes,
            changed_by_id=actor.user_id,
            changed_at=now,
        )
    )
    # Written now, not by the audit event's own query (which would flush first and
    # turn a version clash into a generic message): the lead is told what happened.
    flush_changes(session)
    record_event(
        session,
        actor,
        kind.value,
        "child" if is_child else "pregnancy",
        subject.id,
        batch_id=str(batch_id),
        from_health_visitor_id=str(from_id) if from_id else None,
        to_health_visitor_id=str(to_id) if to_id else None,
        reason=reason,
    )


def flush_changes(session: Session) -> None:
    """Write the changes; a row changed since it was read refuses the whole action."""
    try:
        session.flush()
    except StaleDataError as exc:
        raise ConcurrentEditError(
            "Someone changed one of these children's allocation at the same moment. "
            "Nothing was changed. Look at the board again and choose again."
        ) from exc


# --- Undo ----------------------------------------------------------------------------


@requires(Permission.ALLOCATE)
def undo_allocation(
    session: Session, actor: Actor, batch_id: uuid.UUID, *, today: dt.date
) -> AllocationResult:
    """Put every child and pregnancy of a batch back where it was.

    Refused if any has moved since (naming it), if the batch was undone
    already, or if it is itself an undo. A child whose former health visitor
    is no longer active in the team returns to the unallocated list.
    """
    team_id = require_team_lead(actor)
    changes = list(
        session.scalars(
            select(AllocationChange)
            .where(AllocationChange.batch_id == batch_id)
            .order_by(AllocationChange.changed_at, AllocationChange.id)
        )
    )
    if not changes:
        raise NotFoundError("That allocation change is not on record.")
    if any(change.kind is AllocationChangeKind.UNDO for change in changes):
        raise ValidationError(
            "This was itself an undo and cannot be undone: allocate the children again instead."
        )
    undone = session.scalars(
        select(AllocationChange.changed_at).where(AllocationChange.undoes_batch_id == batch_id)
    ).first()
    if undone is not None:
        raise ValidationError("This change has already been undone.")
    child_ids = [c.child_id for c in changes if c.child_id is not None]
    pregnancy_ids = [c.pregnancy_id for c in changes if c.pregnancy_id is not None]
    children = {
        c.id: c
        for c in session.scalars(select(Child).where(Child.id.in_(child_ids)).with_for_update())
    }
    pregnancies: dict[uuid.UUID, tuple[Pregnancy, str, uuid.UUID]] = {
        p.id: (p, f"{given} {family_name}", family_team)
        for p, given, family_name, family_team in session.execute(
            select(Pregnancy, Carer.given_name, Carer.family_name, Family.team_id)
            .join(Carer, Carer.id == Pregnancy.mother_id)
            .join(Family, Family.id == Pregnancy.family_id)
            .where(Pregnancy.id.in_(pregnancy_ids))
            .with_for_update(of=Pregnancy)
        )
    }
    if any(c.team_id != team_id for c in children.values()) or any(
        team != team_id for _, _, team in pregnancies.values()
    ):
        raise PermissionDeniedError("That allocation change belongs to another team.")
    users = {
        u.id: u
        for u in session.scalars(
            select(User).where(
                User.id.in_(
                    {c.from_health_visitor_id for c in changes if c.from_health_visitor_id}
                    | {c.health_visitor_id for c in children.values() if c.health_visitor_id}
                    | {
                        p.health_visitor_id
                        for p, _, _ in pregnancies.values()
                        if p.health_visitor_id
                    }
                )
            )
        )
    }
    moved: list[str] = []
    changed_team = _last_team_transfers(session, children)
    for change in changes:
        if change.child_id is not None:
            child = children[change.child_id]
            name, holder_id = f"{child.given_name} {child.family_name}", child.health_visitor_id
            if child.record_status is not RecordStatus.ACTIVE:
                moved.append(f"{name} (record {child.record_status.label.lower()})")
                continue
            if child.id in changed_team and changed_team[child.id] >= change.changed_at:
                moved.append(f"{name} (moved between teams)")
                continue
        else:
            assert change.pregnancy_id is not None
            pregnancy, mother, _ = pregnancies[change.pregnancy_id]
            name, holder_id = f"{mother}'s pregnancy", pregnancy.health_visitor_id
        if holder_id != change.to_health_visitor_id:
            holder = users.get(holder_id) if holder_id else None
            moved.append(f"{name} (now {'with ' + holder.full_name if holder else 'unallocated'})")
    if moved:
        raise ValidationError(
            "This change cannot be undone: "
            + "; ".join(moved)
            + (" has" if len(moved) == 1 else " have")
            + " changed since. Reallocate the children one by one instead."
        )
    undo_batch = uuid.uuid4()
    now = utc_now()
    reason = f"Undo: {changes[0].reason}" if changes[0].reason else "Undo"
    returned_children = returned_pregnancies = unallocated = 0
    for change in changes:
        back_to = change.from_health_visitor_id
        former = users.get(back_to) if back_to else None
        if former is not None and (not former.active or former.team_id != team_id):
            back_to = None  # they have left: the child waits on the unallocated list
            unallocated += 1
        if change.child_id is not None:
            target: Child | Pregnancy = children[change.child_id]
            returned_children += 1
        else:
            assert change.pregnancy_id is not None
            target = pregnancies[change.pregnancy_id][0]
            returned_pregnancies += 1
        change_holder(
            session,
            actor,
            undo_batch,
            now,
            AllocationChangeKind.UNDO,
            reason,
            target,
            back_to,
            undoes=batch_id,
        )
    flush_changes(session)
    parts = [_plural(returned_children, "child", "children")] if returned_children else []
    if returned_pregnancies:
        parts.append(_plural(returned_pregnancies, "pregnancy", "pregnancies"))
    message = f"Undone: {' and '.join(parts)} put back"
    if unallocated:
        message += (
            f"; {unallocated} whose health visitor has left"
            f" {'is' if unallocated == 1 else 'are'} on the unallocated list"
        )
    return AllocationResult(undo_batch, returned_children, returned_pregnancies, message + ".")


# --- Lists -----------------------------------------------------------------------------


def _last_team_transfers(
    session: Session, child_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, dt.datetime]:
    """When each child last moved between teams (team_transfer.py): undo stops there."""
    wanted = set(child_ids)
    if not wanted:
        return {}
    rows = session.execute(
        select(TeamTransfer.child_id, func.max(TeamTransfer.transferred_at))
        .where(TeamTransfer.child_id.in_(wanted))
        .group_by(TeamTransfer.child_id)
    )
    return {child_id: at for child_id, at in rows}


def _team_changes(team_id: uuid.UUID) -> ColumnElement[bool]:
    return or_(Child.team_id == team_id, Family.team_id == team_id)


@requires(Permission.ALLOCATE)
def recent_allocation_changes(
    session: Session, actor: Actor, *, limit: int = RECENT_BATCHES
) -> tuple[AllocationBatch, ...]:
    """The team's latest allocation actions, newest first, each undoable or not.

    Four queries whatever the number of children moved: the latest batches,
    their changes with each subject's current holder, the batches undone
    since, and the names of the people involved.
    """
    team_id = require_team_lead(actor)
    latest = func.max(AllocationChange.changed_at)
    batch_ids = list(
        session.scalars(
            select(AllocationChange.batch_id)
            .outerjoin(Child, Child.id == AllocationChange.child_id)
            .outerjoin(Pregnancy, Pregnancy.id == AllocationChange.pregnancy_id)
            .outerjoin(Family, Family.id == Pregnancy.family_id)
            .where(_team_changes(team_id))
            .group_by(AllocationChange.batch_id)
            .order_by(latest.desc())
            .limit(limit)
        )
    )
    if not batch_ids:
        return ()
    mother = aliased(Carer)
    rows = list(
        session.execute(
            select(
                AllocationChange,
                Child.given_name,
                Child.family_name,
                Child.health_visitor_id,
                Child.record_status,
                mother.given_name,
                mother.family_name,
                Pregnancy.health_visitor_id,
            )
            .outerjoin(Child, Child.id == AllocationChange.child_id)
            .outerjoin(Pregnancy, Pregnancy.id == AllocationChange.pregnancy_id)
            .outerjoin(mother, mother.id == Pregnancy.mother_id)
            .where(AllocationChange.batch_id.in_(batch_ids))
            .order_by(AllocationChange.changed_at, Child.family_name, Child.given_name)
        )
    )
    by_batch: dict[uuid.UUID, list[_BatchLine]] = defaultdict(list)
    moved_team = _last_team_transfers(
        session, (row[0].child_id for row in rows if row[0].child_id is not None)
    )
    for change, given, family, holder, status, m_given, m_family, p_holder in rows:
        if change.child_id is not None:
            stayed = change.child_id not in moved_team or (
                moved_team[change.child_id] < change.changed_at
            )
            line = _BatchLine(
                change, f"{given} {family}", holder, status is RecordStatus.ACTIVE and stayed
            )
        else:
            line = _BatchLine(change, f"{m_given} {m_family}'s pregnancy", p_holder, True)
        by_batch[change.batch_id].append(line)
    undone = set(
        session.scalars(
            select(AllocationChange.undoes_batch_id).where(
                AllocationChange.undoes_batch_id.in_(batch_ids)
            )
        )
    )
    names = _names(
        session,
        {line.change.changed_by_id for lines in by_batch.values() for line in lines}
        | {line.change.to_health_visitor_id for lines in by_batch.values() for line in lines},
    )
    return tuple(_batch(batch_id, by_batch[batch_id], undone, names) for batch_id in batch_ids)


@dataclass(frozen=True)
class _BatchLine:
    change: AllocationChange
    name: str
    holder_now: uuid.UUID | None
    active: bool

    @property
    def moved_since(self) -> bool:
        return not self.active or self.holder_now != self.change.to_health_visitor_id


def _batch(
    batch_id: uuid.UUID,
    lines: list[_BatchLine],
    undone: set[uuid.UUID | None],
    names: dict[uuid.UUID, str],
) -> AllocationBatch:
    changes = [line.change for line in lines]
    kinds = {c.kind for c in changes}
    kind = next(
        k
        for k in (
            AllocationChangeKind.UNDO,
            AllocationChangeKind.REALLOCATE,
            AllocationChangeKind.ALLOCATE,
            AllocationChangeKind.UNALLOCATE,
        )
        if k in kinds
    )
    targets = sorted(
        {
            names.get(c.to_health_visitor_id, "") if c.to_health_visitor_id else UNALLOCATED
            for c in changes
        }
    )
    moved = [line.name for line in lines if line.moved_since]
    why_not = ""
    if kind is AllocationChangeKind.UNDO:
        why_not = "This was an undo"
    elif batch_id in undone:
        why_not = "Already undone"
    elif moved:
        why_not = "Changed since: " + ", ".join(moved)
    return AllocationBatch(
        batch_id=batch_id,
        changed_at=max(c.changed_at for c in changes),
        changed_by=names.get(changes[0].changed_by_id, ""),
        kind=kind,
        reason=changes[0].reason,
        to_names=", ".join(targets),
        children=sum(1 for c in changes if c.child_id is not None),
        pregnancies=sum(1 for c in changes if c.pregnancy_id is not None),
        names=tuple(line.name for line in lines),
        undoable=not why_not,
        why_not=why_not,
    )


@requires(Permission.VIEW_RECORD)
def allocation_history(
    session: Session, actor: Actor, child_id: uuid.UUID
) -> tuple[AllocationHistoryLine, ...]:
    """Every change of the child's named health visitor, oldest first.

    Includes the changes made to the pregnancy the child was born of, so the
    record shows who held the family before the birth. Two queries.
    """
    child = session.get(Child, child_id)
    if child is None:
        raise NotFoundError("That child is not on record.")
    require_team(actor, child.team_id)
    before, after, by = aliased(User), aliased(User), aliased(User)
    subject: ColumnElement[bool] = AllocationChange.child_id == child.id
    if child.pregnancy_id is not None:
        subject = or_(subject, AllocationChange.pregnancy_id == child.pregnancy_id)
    rows = session.execute(
        select(
            AllocationChange.changed_at,
            before.full_name,
            after.full_name,
            by.full_name,
            AllocationChange.reason,
            AllocationChange.kind,
            AllocationChange.pregnancy_id,
        )
        .outerjoin(before, before.id == AllocationChange.from_health_visitor_id)
        .outerjoin(after, after.id == AllocationChange.to_health_visitor_id)
        .join(by, by.id == AllocationChange.changed_by_id)
        .where(subject)
        .order_by(AllocationChange.changed_at, AllocationChange.id)
    )
    return tuple(
        AllocationHistoryLine(
            changed_at=at,
            from_name=from_name or UNALLOCATED,
            to_name=to_name or UNALLOCATED,
            changed_by=by_name,
            reason=reason,
            kind=kind,
            before_birth=pregnancy_id is not None,
        )
        for at, from_name, to_name, by_name, reason, kind, pregnancy_id in rows
    )


# --- Cover -------------------------------------------------------------------------------


def cover_in_force_on(day: dt.date) -> ColumnElement[bool]:
    """Cover arrangements in force on ``day`` (end date inclusive; not ended early by then)."""
    return and_(
        CoverArrangement.start_date <= day,
        CoverArrangement.end_date >= day,
        or_(CoverArrangement.ended_on.is_(None), CoverArrangement.ended_on > day),
    )


#: The three people a cover line names, aliased once: made afresh, their aliases
#: and the statement's cache key cost a caseload 1.5 ms of a 0.4 ms query (issue 10).
_ABSENT, _COVERING, _ARRANGER = aliased(User), aliased(User), aliased(User)


def _cover_lines(session: Session, *criteria: ColumnElement[bool]) -> tuple[CoverLine, ...]:
    absent, covering, arranger = _ABSENT, _COVERING, _ARRANGER
    rows = session.execute(
        select(CoverArrangement, absent.full_name, covering.full_name, arranger.full_name)
        .join(absent, absent.id == CoverArrangement.absent_health_visitor_id)
        .join(covering, covering.id == CoverArrangement.covering_health_visitor_id)
        .join(arranger, arranger.id == CoverArrangement.arranged_by_id)
        .where(*criteria)
        .order_by(CoverArrangement.start_date, absent.full_name, CoverArrangement.id)
    )
    return tuple(
        _cover_line(cover, absent_name, covering_name, arranged_by)
        for cover, absent_name, covering_name, arranged_by in rows
    )


def last_day_of_cover(end_date: dt.date, ended_on: dt.date | None) -> dt.date:
    """The end date, or the day before an early end (not in force from ``ended_on``)."""
    return min(end_date, ended_on - dt.timedelta(days=1)) if ended_on else end_date


def _cover_line(
    cover: CoverArrangement, absent_name: str, covering_name: str, arranged_by: str
) -> CoverLine:
    last_day = last_day_of_cover(cover.end_date, cover.ended_on)
    return CoverLine(
        cover_id=cover.id,
        absent_id=cover.absent_health_visitor_id,
        absent_name=absent_name,
        covering_id=cover.covering_health_visitor_id,
        covering_name=covering_name,
        start_date=cover.start_date,
        last_day=last_day,
        reason=cover.reason,
        arranged_by=arranged_by,
        version=cover.version,
    )


def cover_in_force(session: Session, team_id: uuid.UUID, today: dt.date) -> tuple[CoverLine, ...]:
    """The team's cover in force today, one query (the caller has checked access)."""
    return _cover_lines(session, CoverArrangement.team_id == team_id, cover_in_force_on(today))


def covered_by(session: Session, covering_id: uuid.UUID, today: dt.date) -> tuple[CoverLine, ...]:
    """The cover a health visitor holds today, one query (the caller has checked access)."""
    return _cover_lines(
        session,
        CoverArrangement.covering_health_visitor_id == covering_id,
        cover_in_force_on(today),
    )


@requires(Permission.ALLOCATE)
def team_cover(session: Session, actor: Actor, *, today: dt.date) -> tuple[CoverLine, ...]:
    """The team's cover in force today or arranged for later (for the lead to end)."""
    team_id = require_team_lead(actor)
    return tuple(
        line
        for line in _cover_lines(
            session, CoverArrangement.team_id == team_id, CoverArrangement.end_date >= today
        )
        if line.last_day >= today and line.last_day >= line.start_date
    )


@requires(Permission.ALLOCATE)
def arrange_cover(
    session: Session,
    actor: Actor,
    absent_id: uuid.UUID,
    covering_id: uuid.UUID,
    *,
    start: dt.date,
    end: dt.date,
    reason: str,
    today: dt.date,
) -> CoverLine:
    """A colleague covers an absent health visitor's caseload from ``start`` to ``end``."""
    team_id = require_team_lead(actor)
    problems: list[FieldProblem] = []
    absent = covering = None
    try:
        absent = _team_member(session, team_id, absent_id, "absent", "the health visitor away")
    except ValidationError as error:
        problems.extend(error.problems)
    if covering_id == absent_id:
        problems.append(
            FieldProblem("covering", "Choose a colleague to cover, not the health visitor away.")
        )
    else:
        try:
            covering = _team_member(
                session, team_id, covering_id, "covering", "a colleague to cover"
            )
        except ValidationError as error:
            problems.extend(error.problems)
    if end < start:
        problems.append(FieldProblem("end", "The cover must end on or after the day it starts."))
    elif end < today:
        problems.append(FieldProblem("end", "That end date has passed: choose a later one."))
    if not reason.strip():
        problems.append(FieldProblem("reason", "Say why, in a few words (annual leave, ...)."))
    if not problems and absent is not None and covering is not None:
        problems.extend(_clashes(session, absent, covering, start, end))
    if problems:
        raise ValidationError(problems)
    assert absent is not None and covering is not None
    cover = CoverArrangement(
        team_id=team_id,
        absent_health_visitor_id=absent.id,
        covering_health_visitor_id=covering.id,
        start_date=start,
        end_date=end,
        reason=reason.strip(),
        arranged_by_id=actor.user_id,
    )
    session.add(cover)
    session.flush()
    record_event(
        session,
        actor,
        "arrange_cover",
        "cover_arrangement",
        cover.id,
        absent_health_visitor_id=str(absent.id),
        covering_health_visitor_id=str(covering.id),
        start=start.isoformat(),
        end=end.isoformat(),
    )
    return _cover_line(cover, absent.full_name, covering.full_name, actor.full_name)


def _clashes(
    session: Session, absent: User, covering: User, start: dt.date, end: dt.date
) -> list[FieldProblem]:
    """Cover that would overlap this one in a way that leaves children with nobody."""
    overlapping = _cover_lines(
        session,
        CoverArrangement.start_date <= end,
        CoverArrangement.end_date >= start,
        or_(CoverArrangement.ended_on.is_(None), CoverArrangement.ended_on > start),
        or_(
            CoverArrangement.absent_health_visitor_id.in_([absent.id, covering.id]),
            CoverArrangement.covering_health_visitor_id == absent.id,
        ),
    )
    problems = []
    for line in overlapping:
        if line.last_day < max(start, line.start_date):
            continue  # ended before this one starts
        when = f"{day_text(line.start_date)} to {day_text(line.last_day)}"
        if line.absent_id == absent.id:
            problems.append(
                FieldProblem(
                    "start",
                    f"{absent.full_name} is already covered by {line.covering_name} "
                    f"from {when}. End that cover first, or choose dates outside it.",
                )
            )
        elif line.absent_id == covering.id:
            problems.append(
                FieldProblem(
                    "covering",
                    f"{covering.full_name} is away then (covered by {line.covering_name} "
                    f"from {when}): choose someone else.",
                )
            )
        else:
            problems.append(
                FieldProblem(
                    "absent",
                    f"{absent.full_name} is covering for {line.absent_name} from {when}: "
                    "arrange that cover with someone else first.",
                )
            )
    return problems


@requires(Permission.ALLOCATE)
def end_cover(
    session: Session,
    actor: Actor,
    cover_id: uuid.UUID,
    *,
    today: dt.date,
    expected_version: int | None = None,
) -> CoverLine:
    """End a cover arrangement today (or cancel one not yet started): the caseload returns."""
    team_id = require_team_lead(actor)
    cover = session.get(CoverArrangement, cover_id)
    if cover is None or cover.team_id != team_id:
        raise NotFoundError("That cover arrangement is not on record.")
    if expected_version is not None and cover.version != expected_version:
        raise ConcurrentEditError(
            "Someone changed this cover after you opened the list. Look at it again."
        )
    names = _names(
        session,
        [cover.absent_health_visitor_id, cover.covering_health_visitor_id, cover.arranged_by_id],
    )
    line = _cover_line(
        cover,
        names[cover.absent_health_visitor_id],
        names[cover.covering_health_visitor_id],
        names[cover.arranged_by_id],
    )
    if line.last_day < today or line.last_day < line.start_date:
        raise ValidationError("This cover has already ended.")
    cover.ended_on = today
    flush_changes(session)
    record_event(
        session,
        actor,
        "end_cover",
        "cover_arrangement",
        cover.id,
        ended_on=today.isoformat(),
    )
    return _cover_line(cover, line.absent_name, line.covering_name, line.arranged_by)
