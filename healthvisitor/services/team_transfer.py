"""Transfer between two teams of the trust: a team lead hands a child over (issue 4).

A family moves house from one team's patch to another's. The sending team's
lead transfers the child, with a reason and the date the receiving team
became responsible (today or earlier):

* Brothers and sisters come too unless the lead says otherwise: every active
  child of the family in the sending team. The family record (carers,
  address) and its ongoing pregnancies go with the children once none of the
  family's active children stays behind; while one stays, the family record
  stays with them (a pregnancy belongs to its family's team, so it stays too).
* Each child gets the receiving team and loses its named health visitor: it
  waits on the receiving team's unallocated list ("Transfer from North"),
  and leaves every list of the sending team. The loss of the health visitor
  is an ``AllocationChange`` of kind ``UNALLOCATE`` (the child's allocation
  history), the move itself one ``TeamTransfer`` row per child (append-only:
  from, to, effective date, reason, who, when), and every change is audited.
  The records, contacts and history stay with the child: nothing is copied
  or deleted.
* Only a team lead of the sending team may do it (hazard H22). The database
  decides races as allocation does: the children are read ``FOR UPDATE`` and
  checked against the team and holder the lead saw; the row version guards
  the UPDATE. If anyone moved a child meanwhile, nothing is changed.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from healthvisitor.domain.enums import AllocationChangeKind, PregnancyOutcome, RecordStatus
from healthvisitor.errors import (
    ConcurrentEditError,
    FieldProblem,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from healthvisitor.persistence.models import (
    Carer,
    Child,
    Family,
    Pregnancy,
    Team,
    TeamTransfer,
)
from healthvisitor.persistence.types import utc_now
from healthvisitor.services.access import require_team_lead
from healthvisitor.services.actor import Actor
from healthvisitor.services.allocation import (
    Moving,
    _names,
    _plural,
    change_holder,
    day_text,
    flush_changes,
)
from healthvisitor.services.audit import record_event
from healthvisitor.services.policy import Permission, requires


@dataclass(frozen=True)
class TeamChoice:
    """A team of the trust a child can be transferred to."""

    team_id: uuid.UUID
    name: str


@dataclass(frozen=True)
class TransferPlan:
    """What ``transfer_to_team`` would move, shown before the lead confirms."""

    from_team: str
    to_team_id: uuid.UUID
    to_team: str
    children: tuple[Moving, ...]
    pregnancies: tuple[Moving, ...] = ()
    #: Families whose record (carers, address) moves: none of their active children stays.
    families: tuple[str, ...] = ()
    #: Active brothers and sisters who stay with the sending team (the lead unticked them).
    staying: tuple[str, ...] = ()

    @property
    def siblings(self) -> tuple[Moving, ...]:
        return tuple(m for m in self.children if m.with_sibling)

    def expected(self) -> dict[uuid.UUID, uuid.UUID | None]:
        """Each chosen child's holder as shown, for ``transfer_to_team(expected=...)``."""
        return {m.subject_id: m.from_id for m in self.children if not m.with_sibling}

    def summary(self) -> str:
        """``2 children and 1 pregnancy from North to South``."""
        parts = [_plural(len(self.children), "child", "children")]
        if self.pregnancies:
            parts.append(_plural(len(self.pregnancies), "pregnancy", "pregnancies"))
        return f"{' and '.join(parts)} from {self.from_team} to {self.to_team}"

    def lines(self) -> tuple[str, ...]:
        """Who moves, one line each, in the words of the preview."""
        lines = []
        for moving in self.children + self.pregnancies:
            holder = f"leaves {moving.from_name}'s caseload" if moving.from_name else "unallocated"
            extra = " (with their family)" if moving.with_sibling else ""
            lines.append(f"{moving.label}{extra}: {holder}")
        if self.families:
            lines.append("Family record (carers, address) moves too: " + ", ".join(self.families))
        if self.staying:
            lines.append(
                f"Staying with {self.from_team}: "
                + ", ".join(self.staying)
                + " (and so the family record and any pregnancy)"
            )
        return tuple(lines)


@dataclass(frozen=True)
class TransferResult:
    children: int
    pregnancies: int
    families: int
    message: str  # what was done, in words, for the board


@requires(Permission.TRANSFER_BETWEEN_TEAMS)
def trust_teams(session: Session, actor: Actor) -> tuple[TeamChoice, ...]:
    """The other teams of the trust, by name: where a team lead may send a child."""
    team_id = require_team_lead(actor)
    rows = session.execute(select(Team.id, Team.name).where(Team.id != team_id).order_by(Team.name))
    return tuple(TeamChoice(team, name) for team, name in rows)


@dataclass
class _Gathered:
    plan: TransferPlan
    from_team_id: uuid.UUID
    chosen: list[Child]
    children: list[Child]
    pregnancies: list[Pregnancy]
    families: list[Family]


def _moved_away(child: Child) -> ConcurrentEditError:
    return ConcurrentEditError(
        f"{child.given_name} {child.family_name} is no longer in your team: someone "
        "transferred them after you opened this list. Nothing was changed. Look at the "
        "board again."
    )


def _left_team(session: Session, child: Child, team_id: uuid.UUID) -> bool:
    left = select(TeamTransfer.id).where(
        TeamTransfer.child_id == child.id, TeamTransfer.from_team_id == team_id
    )
    return session.scalars(left.limit(1)).first() is not None


def _gather(
    session: Session,
    actor: Actor,
    child_ids: Collection[uuid.UUID],
    to_team_id: uuid.UUID | None,
    *,
    move_family: bool,
    lock: bool,
    seen: Mapping[uuid.UUID, uuid.UUID | None] | None = None,
) -> _Gathered:
    team_id = require_team_lead(actor)
    from_team = session.get_one(Team, team_id)
    if not child_ids:
        raise ValidationError("Choose at least one child.", "children")
    query = (
        select(Child)
        .where(Child.id.in_(set(child_ids)))
        .order_by(Child.family_name, Child.given_name, Child.id)
    )
    chosen = list(session.scalars(query.with_for_update() if lock else query))
    if len(chosen) != len(set(child_ids)):
        raise NotFoundError("One of the chosen children is no longer on record.")
    for child in chosen:
        if child.team_id != team_id:
            # Named only to a lead whose team held the child (and so saw it on the board).
            if seen is not None and child.id in seen and _left_team(session, child, team_id):
                raise _moved_away(child)
            raise PermissionDeniedError("One of the chosen children belongs to another team.")
        if child.record_status is not RecordStatus.ACTIVE:
            raise ValidationError(
                f"{child.given_name} {child.family_name}'s record is closed "
                f"({child.record_status.label.lower()}); only active children are transferred.",
                "children",
            )
    if to_team_id is None:
        raise ValidationError("Choose the team the child is moving to.", "to_team")
    if to_team_id == team_id:
        raise ValidationError(
            "That is your own team: choose the team the child is moving to, or reallocate "
            "within your team instead.",
            "to_team",
        )
    to_team = session.get(Team, to_team_id)
    if to_team is None:
        raise ValidationError("That team is not on record: choose another.", "to_team")
    chosen_ids = {c.id for c in chosen}
    family_ids = {c.family_id for c in chosen}
    sibling_query = (
        select(Child)
        .where(
            Child.family_id.in_(family_ids),
            Child.team_id == team_id,
            Child.record_status == RecordStatus.ACTIVE,
            Child.id.not_in(chosen_ids),
        )
        .order_by(Child.family_name, Child.given_name, Child.id)
    )
    others = list(session.scalars(sibling_query.with_for_update() if lock else sibling_query))
    siblings = others if move_family else []
    staying = [] if move_family else others
    families_staying = {c.family_id for c in staying}
    family_query = (
        select(Family)
        .where(
            Family.id.in_(family_ids - families_staying),
            Family.team_id == team_id,
        )
        .order_by(Family.family_name, Family.id)
    )
    families = list(session.scalars(family_query.with_for_update() if lock else family_query))
    pregnancies: list[tuple[Pregnancy, str]] = []
    if families:
        pregnancy_query = (
            select(Pregnancy, Carer.given_name, Carer.family_name)
            .join(Carer, Carer.id == Pregnancy.mother_id)
            .where(
                Pregnancy.family_id.in_({f.id for f in families}),
                Pregnancy.outcome == PregnancyOutcome.ONGOING,
            )
            .order_by(Pregnancy.estimated_delivery_date, Pregnancy.id)
        )
        if lock:
            pregnancy_query = pregnancy_query.with_for_update(of=Pregnancy)
        pregnancies = [
            (p, f"{given} {family}") for p, given, family in session.execute(pregnancy_query)
        ]
    everyone = chosen + siblings
    names = _names(
        session,
        [c.health_visitor_id for c in everyone] + [p.health_visitor_id for p, _ in pregnancies],
    )
    plan = TransferPlan(
        from_team=from_team.name,
        to_team_id=to_team.id,
        to_team=to_team.name,
        children=tuple(
            Moving(
                c.id,
                f"{c.given_name} {c.family_name}",
                c.health_visitor_id,
                names.get(c.health_visitor_id, "") if c.health_visitor_id else "",
                with_sibling=c.id not in chosen_ids,
            )
            for c in everyone
        ),
        pregnancies=tuple(
            Moving(
                p.id,
                name,
                p.health_visitor_id,
                names.get(p.health_visitor_id, "") if p.health_visitor_id else "",
                with_sibling=True,
                is_pregnancy=True,
            )
            for p, name in pregnancies
        ),
        families=tuple(f"{f.family_name} family" for f in families),
        staying=tuple(f"{c.given_name} {c.family_name}" for c in staying),
    )
    return _Gathered(plan, team_id, chosen, everyone, [p for p, _ in pregnancies], families)


@requires(Permission.TRANSFER_BETWEEN_TEAMS)
def plan_team_transfer(
    session: Session,
    actor: Actor,
    child_ids: Collection[uuid.UUID],
    to_team_id: uuid.UUID | None,
    *,
    move_family: bool = True,
) -> TransferPlan:
    """What ``transfer_to_team`` would move now, family included; changes nothing."""
    return _gather(session, actor, child_ids, to_team_id, move_family=move_family, lock=False).plan


def _date_problems(
    session: Session, children: list[Child], effective_date: dt.date, today: dt.date
) -> list[FieldProblem]:
    if effective_date > today:
        return [
            FieldProblem(
                "effective_date",
                f"{day_text(effective_date)} is in the future. A transfer takes effect when "
                "it is made: make it on the day the other team takes over, with that date.",
            )
        ]
    problems = []
    for child in children:
        if effective_date < child.date_of_birth:
            problems.append(
                FieldProblem(
                    "effective_date",
                    f"{day_text(effective_date)} is before {child.given_name} "
                    f"{child.family_name} was born ({day_text(child.date_of_birth)}).",
                )
            )
    latest = session.execute(
        select(TeamTransfer.child_id, func.max(TeamTransfer.effective_date))
        .where(TeamTransfer.child_id.in_([c.id for c in children]))
        .group_by(TeamTransfer.child_id)
    ).all()
    by_id = {c.id: c for c in children}
    for child_id, last in latest:
        if effective_date < last:
            child = by_id[child_id]
            problems.append(
                FieldProblem(
                    "effective_date",
                    f"{child.given_name} {child.family_name} came to your team on "
                    f"{day_text(last)}: the transfer cannot take effect before that.",
                )
            )
    return problems


@requires(Permission.TRANSFER_BETWEEN_TEAMS)
def transfer_to_team(
    session: Session,
    actor: Actor,
    child_ids: Collection[uuid.UUID],
    to_team_id: uuid.UUID | None,
    *,
    reason: str,
    effective_date: dt.date | None,
    today: dt.date,
    move_family: bool = True,
    expected: Mapping[uuid.UUID, uuid.UUID | None] | None = None,
) -> TransferResult:
    """Transfer children (and their family) to another team of the trust; all or nothing.

    ``expected`` maps each chosen child to the holder the lead saw (None for
    unallocated). A child no longer in the lead's team, or no longer with that
    holder, raises ``ConcurrentEditError`` naming it, and nothing is changed.
    """
    require_team_lead(actor)
    problems = []
    if not reason.strip():
        problems.append(FieldProblem("reason", "Say why, in a few words (it goes on the record)."))
    if effective_date is None:
        problems.append(FieldProblem("effective_date", "Enter the date the other team takes over."))
    if problems:
        raise ValidationError(problems)
    assert effective_date is not None
    seen = dict(expected or {})
    gathered = _gather(
        session, actor, child_ids, to_team_id, move_family=move_family, lock=True, seen=seen
    )
    date_problems = _date_problems(session, gathered.children, effective_date, today)
    if date_problems:
        raise ValidationError(date_problems)
    for child in gathered.chosen:
        if child.id in seen and seen[child.id] != child.health_visitor_id:
            holder = child.health_visitor_id
            now_with = _names(session, [holder]).get(holder, "") if holder else ""
            where = f"is now on {now_with}'s caseload" if now_with else "is now unallocated"
            raise ConcurrentEditError(
                f"{child.given_name} {child.family_name} {where}: someone changed their "
                "allocation after you opened this list. Nothing was changed. Look at the "
                "board again."
            )
    plan = gathered.plan
    text = reason.strip()
    why = f"Transfer from {plan.from_team} to {plan.to_team}: {text}"
    batch_id = uuid.uuid4()
    now = utc_now()
    details = {
        "batch_id": str(batch_id),
        "from_team_id": str(gathered.from_team_id),
        "to_team_id": str(plan.to_team_id),
        "effective_date": effective_date.isoformat(),
        "reason": text,
    }
    for child in gathered.children:
        session.add(
            TeamTransfer(
                child_id=child.id,
                from_team_id=gathered.from_team_id,
                to_team_id=plan.to_team_id,
                effective_date=effective_date,
                reason=text,
                transferred_by_id=actor.user_id,
                transferred_at=now,
            )
        )
        child.team_id = plan.to_team_id
        flush_changes(session)  # a version clash is told as such (see change_holder)
        if child.health_visitor_id is not None:
            change_holder(
                session, actor, batch_id, now, AllocationChangeKind.UNALLOCATE, why, child, None
            )
        record_event(session, actor, "team_transfer", "child", child.id, **details)
    for pregnancy in gathered.pregnancies:
        if pregnancy.health_visitor_id is not None:
            change_holder(
                session,
                actor,
                batch_id,
                now,
                AllocationChangeKind.UNALLOCATE,
                why,
                pregnancy,
                None,
            )
        record_event(session, actor, "team_transfer", "pregnancy", pregnancy.id, **details)
    for family in gathered.families:
        family.team_id = plan.to_team_id
        flush_changes(session)
        record_event(session, actor, "team_transfer", "family", family.id, **details)
    flush_changes(session)
    message = (
        f"Transferred {plan.summary()}, effective {day_text(effective_date)}. "
        f"They wait on {plan.to_team}'s unallocated list for that team's lead to allocate; "
        f"they no longer show on any of {plan.from_team}'s lists."
    )
    return TransferResult(len(plan.children), len(plan.pregnancies), len(plan.families), message)


def transferred_from(
    session: Session, team_id: uuid.UUID, child_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, str]:
    """The team each child last came from, for children transferred into ``team_id``.

    One query; children never transferred into the team are left out.
    """
    # Always one query, even for none, so the board's query count stays fixed.
    latest = (
        select(TeamTransfer.child_id, func.max(TeamTransfer.transferred_at).label("at"))
        .where(TeamTransfer.child_id.in_(set(child_ids)))
        .group_by(TeamTransfer.child_id)
        .subquery()
    )
    rows = session.execute(
        select(TeamTransfer.child_id, Team.name)
        .join(
            latest,
            (latest.c.child_id == TeamTransfer.child_id)
            & (latest.c.at == TeamTransfer.transferred_at),
        )
        .join(Team, Team.id == TeamTransfer.from_team_id)
        .where(TeamTransfer.to_team_id == team_id)
    )
    return {child_id: name for child_id, name in rows}
