"""The team lead's board: every caseload in the team at a glance (issue 4).

"Team leads see the whole team": each clinical member's caseload size,
weighted caseload, reviews due in the next four weeks and overdue now, and
the unallocated list (new birth notifications, transfers in: active children
of the team with no health visitor yet, and children still allocated to
someone who has left the team or no longer works: they must never vanish),
and the cover in force today. Allocating from the board is
``services/allocation.py``.

Each child is counted from the same schedule as on its health visitor's
caseload (``domain.schedule.child_schedule`` on the review attempts that
``caseload.review_attempts`` reads), and the unallocated rows are built by
``caseload.assess``, so the board and the caseloads cannot disagree. A fixed
number of queries whatever the team's size (``team_board`` lists them).

Issue 10: a team is about 4,000 children, of whom the board shows a whole row
for the hundred-odd waiting ones only. So it no longer assesses every child as
for a caseload: weights come from SQL, and a schedule is worked out only for
a child one of whose reviews can count today (``reviews_can_count``); the
tests compare it with assessing every child.
"""

from __future__ import annotations

import bisect
import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Exists, ScalarSelect, exists, or_, select
from sqlalchemy.orm import Session, aliased

from healthvisitor.domain.caseload_weights import (
    RECOMMENDED_CHILDREN_PER_HEALTH_VISITOR,
    CaseloadWeights,
)
from healthvisitor.domain.enums import (
    ContactOutcome,
    RecordStatus,
    ReviewStatus,
    Role,
    ServiceLevel,
)
from healthvisitor.domain.schedule import (
    OVERDUE_STATUSES,
    ReviewWindow,
    ScheduledReview,
    child_review_windows,
    child_schedule,
)
from healthvisitor.persistence.models import (
    Child,
    Contact,
    SafeguardingEntry,
    ServiceLevelEntry,
    User,
)
from healthvisitor.services import batch
from healthvisitor.services.access import require_team_lead
from healthvisitor.services.actor import Actor
from healthvisitor.services.allocation import CoverLine, cover_in_force
from healthvisitor.services.batch import child_key, ids_by_key
from healthvisitor.services.caseload import (
    CHILD_REVIEW_KINDS,
    SERVICE_LEVEL_ORDER,
    CaseloadRow,
    assess,
    batch_scope,
    review_attempts,
    team_children,
    team_health_visitors,
)
from healthvisitor.services.dated_history import in_force_on, not_corrected
from healthvisitor.services.policy import Permission, requires
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


#: Far enough back that every review after birth has closed for a child born then.
_BORN_LONG_AGO_DAYS = 10 * 366


def born_when_a_review_can_count(
    today: dt.date, days: int = DUE_WITHIN_DAYS
) -> list[tuple[dt.date, dt.date]]:
    """The dates of birth, as (first, last) for each review after birth, of children
    one of whose reviews can count as due soon or overdue on its dates alone today.

    By its dates alone (nothing recorded) a review is due within ``days`` while
    its target date is from today to ``days`` ahead, and overdue from the day
    after its target date to the day its window closes (``review_status``):
    so only while its target date is by ``today + days`` and its window has
    not closed before ``today``. Windows come from ``child_review_windows``
    itself and move later with the date of birth (days and calendar months
    added to it), so for each review those dates of birth are one range, found
    by bisection; a review that cannot count today has none.
    """
    horizon = today + dt.timedelta(days=days)
    births = range(today.toordinal() - _BORN_LONG_AGO_DAYS, horizon.toordinal() + 1)
    found = []
    for index in range(len(CHILD_REVIEW_KINDS)):

        def window(ordinal: int, index: int = index) -> ReviewWindow:
            return child_review_windows(dt.date.fromordinal(ordinal))[index]

        first = bisect.bisect_left(births, True, key=lambda n: window(n).closes >= today)
        after = bisect.bisect_left(births, True, key=lambda n: window(n).target_by > horizon)
        if first < after:
            found.append(
                (dt.date.fromordinal(births[first]), dt.date.fromordinal(births[after - 1]))
            )
    return found


def _level_in_force(today: dt.date) -> ScalarSelect[ServiceLevel]:
    """The child's level of service in force today, as ``caseload.service_levels``
    chooses it: of overlapping entries, the one started, then recorded, last."""
    return (
        select(ServiceLevelEntry.level)
        .where(ServiceLevelEntry.child_id == Child.id, in_force_on(ServiceLevelEntry, today))
        .order_by(*(column.desc() for column in SERVICE_LEVEL_ORDER))
        .limit(1)
        .correlate(Child)
        .scalar_subquery()
    )


def _safeguarding_in_force(today: dt.date) -> Exists:
    """Whether any safeguarding entry is in force for the child today."""
    return (
        exists()
        .where(SafeguardingEntry.child_id == Child.id, in_force_on(SafeguardingEntry, today))
        .correlate(Child)
    )


#: Outcomes that can never leave a review not attended (``review_status``): it is
#: done, the family declined, or the appointment was cancelled (says nothing).
_NOT_A_MISSED_ATTEMPT = (
    ContactOutcome.COMPLETED,
    ContactOutcome.DECLINED,
    ContactOutcome.CANCELLED,
)


#: The rest: an attempt that leaves the review not attended, as ``review_status``
#: reads any outcome other than those (today only "not attended").
_MISSED = tuple(outcome for outcome in ContactOutcome if outcome not in _NOT_A_MISSED_ATTEMPT)


def reviews_can_count(today: dt.date) -> ColumnElement[bool]:
    """Children one of whose reviews can be due soon or overdue today, and no others.

    By its dates alone (``born_when_a_review_can_count``), or because an attempt
    at it was not attended (any outcome but completed, declined or cancelled,
    as ``review_status`` reads them) and no contact of that kind completed it
    by today: only such a review can be not attended (overdue), or not
    attended and rebooked (still to do), whatever its dates. A completed
    review counts nowhere, whatever else was recorded, and every other review
    is declined, missed or not yet near, which the board counts nowhere either.
    A completion counts here as ``review_attempts`` reads it (not corrected);
    a not-attended attempt is taken even if corrected, so the children chosen
    are never fewer than those that count.
    """
    attempt, completion = aliased(Contact), aliased(Contact)
    return or_(
        *(
            Child.date_of_birth.between(first, last)
            for first, last in born_when_a_review_can_count(today)
        ),
        exists()
        .where(
            attempt.child_id == Child.id,
            attempt.kind.in_(CHILD_REVIEW_KINDS),
            attempt.outcome.in_(_MISSED),
            ~exists()
            .where(
                completion.child_id == Child.id,
                completion.kind == attempt.kind,
                completion.outcome == ContactOutcome.COMPLETED,
                completion.contact_date <= today,
                not_corrected(completion),
            )
            .correlate(Child, attempt),
        )
        .correlate(Child),
    )


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


@requires(Permission.ALLOCATE)
def team_board(
    session: Session, actor: Actor, *, today: dt.date, weights: CaseloadWeights = DEFAULT_WEIGHTS
) -> TeamBoard:
    """The actor's team's board as on ``today``; for a team lead only.

    A health visitor or an administrator is refused (``PermissionDeniedError``).
    Members are the team's active clinical users (health visitors and team
    leads), by name. Twelve queries however large the team (a thirteenth for
    the names of former members still holding children): the members, the
    cover in force, the team's children with their weights, the waiting
    children, the review attempts of those and of the children whose reviews
    can count today (``reviews_can_count``), the waiting children's
    safeguarding and levels of service, ``caseload.assess``'s four for their
    rows, and where they were transferred from.

    Issue 10: only the waiting children get a whole caseload row (weights and
    faltering, last contact, referrals, prompts); a member's children are
    counted and weighed, and a schedule is worked out only for a child one of
    whose reviews can be due soon or overdue today, the same counts as
    assessing every child (tests/services/test_team_board.py checks it).
    """
    team_id = require_team_lead(actor)
    members = team_health_visitors(session, actor)
    cover = cover_in_force(session, team_id, today)
    in_team = (Child.team_id == team_id, Child.record_status == RecordStatus.ACTIVE)
    # A child whose health visitor is not an active clinician of the team
    # (left, retired, moved team) is waiting for one just as much.
    waiting_now = or_(
        Child.health_visitor_id.is_(None),
        Child.health_visitor_id.not_in([member.id for member in members]),
    )
    can_count = reviews_can_count(today)
    # Every child of the team in one query, with what weighs it worked out in
    # SQL; in the caseload's order, so each weighted caseload is summed as before.
    team = batch.rows(
        session,
        select(
            Child.id,
            child_key(Child.health_visitor_id),
            Child.date_of_birth,
            _level_in_force(today),
            _safeguarding_in_force(today),
            can_count,
        )
        .where(*in_team)
        .order_by(Child.family_name, Child.given_name, Child.date_of_birth),
    )
    members_by_key = ids_by_key(member.id for member in members)
    assessed = [(child_id, born) for child_id, _, born, _, _, counts in team if counts]
    # The waiting children (``waiting_now``) are among those just read: fetched by id,
    # rather than reading the team's 4,000 children again to find a hundred (issue 10).
    waiting_ids = [child_id for child_id, visitor, *_ in team if visitor not in members_by_key]
    found = team_children(session, team_id, Child.id.in_(waiting_ids))
    chosen = [child_id for child_id, _ in assessed] + [row[0] for row in found]
    # By id: a subquery here would ask ``can_count`` of every child of the team again.
    attempts = review_attempts(session, chosen, ids_by_key(chosen))
    theirs: dict[uuid.UUID, list[float]] = defaultdict(list)
    for _, visitor, _, level, safeguarded, _ in team:
        if visitor in members_by_key:
            theirs[members_by_key[visitor]].append(weights.weight_of(level, bool(safeguarded)))
    due_soon: dict[uuid.UUID, int] = defaultdict(int)
    overdue: dict[uuid.UUID, int] = defaultdict(int)
    for child_id, visitor, born, _, _, counts in team:
        if counts and visitor in members_by_key:
            holder = members_by_key[visitor]
            for review in child_schedule(born, attempts.get(child_id, []), today):
                due_soon[holder] += due_within(review)
                overdue[holder] += review.status in OVERDUE_STATUSES
    loads = tuple(
        CaseloadLoad(
            health_visitor_id=member.id,
            full_name=member.full_name,
            role=member.role,
            children=len(theirs[member.id]),
            weighted=sum(theirs[member.id]),
            due_soon=due_soon[member.id],
            overdue=overdue[member.id],
        )
        for member in members
    )
    waiting_scope, families = batch_scope(found, team_id, waiting_now)
    waiting = assess(
        session,
        found,
        scope=waiting_scope,
        families=families,
        # Every child of the team, so the weights are asked for even when none waits.
        births=[(child_id, born) for child_id, _, born, *_ in team],
        attempts=attempts,
        today=today,
    )
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
        loads,
        tuple(child.row for child in waiting),
        weights,
        cover=cover,
        former_holders=former_holders,
        transferred_from=tuple(sorted(from_teams.items())),
    )
