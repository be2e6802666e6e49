"""The team lead's board: every caseload in the team at a glance (issue 4).

"Team leads see the whole team": each clinical member's caseload size,
weighted caseload, reviews due in the next four weeks and overdue now, and
the unallocated list (new birth notifications, transfers in: active children
of the team with no health visitor yet, and children still allocated to
someone who has left the team or no longer works: they must never vanish),
and the cover in force today. Allocating from the board is
``services/allocation.py``.

Each child is assessed exactly as on its health visitor's caseload
(``caseload.assess_children``), so the board and the caseloads cannot
disagree. A fixed number of queries whatever the team's size: the team's
members, the cover in force, then one batch for all the team's children
(and one for the names of former health visitors, only if a child is still
allocated to one).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from healthvisitor.domain.caseload_weights import (
    RECOMMENDED_CHILDREN_PER_HEALTH_VISITOR,
    CaseloadWeights,
)
from healthvisitor.domain.enums import ReviewStatus, Role
from healthvisitor.domain.schedule import OVERDUE_STATUSES, ScheduledReview
from healthvisitor.persistence.models import User
from healthvisitor.services.access import require_team_lead
from healthvisitor.services.actor import Actor
from healthvisitor.services.allocation import CoverLine, cover_in_force
from healthvisitor.services.caseload import CaseloadRow, assess_children, team_health_visitors
from healthvisitor.services.team_transfer import transferred_from

#: "Due in the next 4 weeks" (issue 4): a review whose national target date
#: falls within this many days from today, not yet done and not overdue.
DUE_WITHIN_DAYS = 28
#: Open and not overdue: still to do before its target date.
_STILL_TO_DO = frozenset(
    {ReviewStatus.DUE, ReviewStatus.NOT_YET_DUE, ReviewStatus.NOT_ATTENDED_REBOOKED}
)


def due_within(review: ScheduledReview, days: int = DUE_WITHIN_DAYS) -> bool:
    """Still to do, with its target date from today to ``days`` days ahead."""
    return review.status in _STILL_TO_DO and 0 <= review.days_to_target <= days


@dataclass(frozen=True)
class CaseloadLoad:
    """One clinical member of the team and the caseload they carry today."""

    health_visitor_id: uuid.UUID
    full_name: str
    role: Role
    #: Active children allocated to them.
    children: int
    #: The children weighed by ``TeamBoard.weights``.
    weighted: float
    #: Reviews whose target date is within ``DUE_WITHIN_DAYS`` (not overdue).
    due_soon: int
    #: Reviews overdue, or not brought and not rebooked, today (as on the caseload).
    overdue: int

    @property
    def over_recommended(self) -> bool:
        return self.children > RECOMMENDED_CHILDREN_PER_HEALTH_VISITOR


@dataclass(frozen=True)
class TeamBoard:
    loads: tuple[CaseloadLoad, ...]
    #: Active children of the team with no health visitor in the team, by family name:
    #: never allocated, or allocated to someone who has left (``former_holders``).
    unallocated: tuple[CaseloadRow, ...]
    #: The weights used, so the screen can show them.
    weights: CaseloadWeights
    due_within_days: int = DUE_WITHIN_DAYS
    recommended_children: int = RECOMMENDED_CHILDREN_PER_HEALTH_VISITOR
    #: Cover in force today: who covers whom, until when.
    cover: tuple[CoverLine, ...] = ()
    #: (id, name) of people no longer in the team who still hold unallocated children.
    former_holders: tuple[tuple[uuid.UUID, str], ...] = ()
    #: (child id, team name) of unallocated children transferred from another team.
    transferred_from: tuple[tuple[uuid.UUID, str], ...] = ()

    def from_team(self, row: CaseloadRow) -> str:
        """The team an unallocated child was transferred from: "" if none."""
        return dict(self.transferred_from).get(row.child_id, "")

    def was_with(self, row: CaseloadRow) -> str:
        """Whom an unallocated child was with, if someone who has left: "" otherwise."""
        return (
            dict(self.former_holders).get(row.health_visitor_id, "")
            if row.health_visitor_id
            else ""
        )


#: Until issue 8 lets an administrator set them, every board uses the defaults.
DEFAULT_WEIGHTS = CaseloadWeights()


def team_board(
    session: Session, actor: Actor, *, today: dt.date, weights: CaseloadWeights = DEFAULT_WEIGHTS
) -> TeamBoard:
    """The actor's team's board as on ``today``; for a team lead only.

    A health visitor or an administrator is refused (``PermissionDeniedError``).
    Members are the team's active clinical users (health visitors and team
    leads), by name. Eight queries however large the team: the members, the
    cover in force, then ``assess_children``'s six for every active child of
    the team (a ninth for the names of former members still holding children).
    """
    team_id = require_team_lead(actor)
    members = team_health_visitors(session, actor)
    cover = cover_in_force(session, team_id, today)
    children = assess_children(session, team_id, today=today)
    by_visitor: dict[uuid.UUID | None, list[int]] = defaultdict(list)
    for index, child in enumerate(children):
        by_visitor[child.health_visitor_id].append(index)
    loads = []
    for member in members:
        theirs = [children[i] for i in by_visitor.get(member.id, [])]
        loads.append(
            CaseloadLoad(
                health_visitor_id=member.id,
                full_name=member.full_name,
                role=member.role,
                children=len(theirs),
                weighted=sum(
                    weights.weight_of(child.service_level, bool(child.safeguarding))
                    for child in theirs
                ),
                due_soon=sum(1 for c in theirs for review in c.schedule if due_within(review)),
                overdue=sum(
                    1 for c in theirs for review in c.schedule if review.status in OVERDUE_STATUSES
                ),
            )
        )
    # A child whose health visitor is not an active clinician of the team
    # (left, retired, moved team) is waiting for one just as much.
    member_ids = {member.id for member in members}
    waiting = [c for c in children if c.health_visitor_id not in member_ids]
    former = {c.health_visitor_id for c in waiting if c.health_visitor_id is not None}
    former_holders = (
        tuple(
            (user_id, name)
            for user_id, name in session.execute(
                select(User.id, User.full_name).where(User.id.in_(former)).order_by(User.id)
            )
        )
        if former
        else ()
    )
    # Children handed over by another team of the trust (team_transfer.py): one query.
    from_teams = transferred_from(
        session, team_id, [c.row.child_id for c in waiting if c.health_visitor_id is None]
    )
    return TeamBoard(
        tuple(loads),
        tuple(child.row for child in waiting),
        weights,
        cover=cover,
        former_holders=former_holders,
        transferred_from=tuple(sorted(from_teams.items())),
    )
