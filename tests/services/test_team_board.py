"""The team lead's board (issue 4): counts, weights, the unallocated list, who may see it."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from healthvisitor.domain.caseload_weights import CaseloadWeights
from healthvisitor.domain.enums import (
    ContactKind,
    ContactOutcome,
    RecordStatus,
    ReviewStatus,
    Role,
    SafeguardingStatus,
    ServiceLevel,
)
from healthvisitor.domain.schedule import OVERDUE_STATUSES, child_review_windows
from healthvisitor.errors import PermissionDeniedError
from healthvisitor.persistence.models import Team, User
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services.caseload import CHILD_REVIEW_KINDS as REVIEW_KINDS
from healthvisitor.services.caseload import assess_children
from healthvisitor.services.team_board import (
    DUE_WITHIN_DAYS,
    born_when_a_review_can_count,
    due_within,
    team_board,
)
from tests import factories
from tests.services.test_caseload import (
    contact,
    safeguarding,
    service_level,
)
from tests.statements import statements_sent

TODAY = dt.date(2026, 11, 24)


def member(session: Session, team: Team, name: str, role: Role = Role.HEALTH_VISITOR) -> User:
    result = factories.user(session, team, role)
    result.full_name = name
    return result


def test_each_caseload_counted_and_weighed(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        north, south = factories.team(session, "North"), factories.team(session, "South")
        lead = member(session, north, "Carol Lead", Role.TEAM_LEAD)
        ann = member(session, north, "Ann Ahmed")
        bea = member(session, north, "Bea Brown")
        member(session, north, "Ivy Admin", Role.ADMINISTRATOR)
        stranger = member(session, south, "Sam South")
        family = factories.family(session, north, "Okafor")
        # Born 23 days ago, not visited: the new birth visit (target 15 Nov) is overdue;
        # the 6-8 week review's target (27 Dec) is 33 days away, beyond 4 weeks. Weight 1.
        factories.child(session, family, ann, given_name="Nia", date_of_birth=dt.date(2026, 11, 1))
        # New birth visit done; 6-8 week review target 5 Dec, in 11 days. Universal
        # Partnership Plus (2) on a child protection plan (+1): weight 3.
        bo = factories.child(
            session, family, ann, given_name="Bo", date_of_birth=dt.date(2026, 10, 10)
        )
        contact(session, bo, ann, ContactKind.NEW_BIRTH_VISIT, dt.date(2026, 10, 22))
        service_level(session, bo, ServiceLevel.UNIVERSAL_PARTNERSHIP_PLUS, dt.date(2026, 10, 22))
        safeguarding(session, bo, SafeguardingStatus.CHILD_PROTECTION_PLAN, dt.date(2026, 11, 1))
        moved = factories.child(session, family, ann, given_name="Cal")
        moved.record_status = RecordStatus.MOVED_AWAY
        # 1 year review target 20 Dec, in 26 days. Community (0.5); the plan ended.
        ella = factories.child(
            session, family, bea, given_name="Ella", date_of_birth=dt.date(2025, 12, 20)
        )
        service_level(session, ella, ServiceLevel.COMMUNITY, dt.date(2026, 1, 1))
        safeguarding(
            session,
            ella,
            SafeguardingStatus.CHILD_IN_NEED,
            dt.date(2026, 1, 1),
            dt.date(2026, 11, 1),
        )
        # Unallocated: a new birth notification, and a transfer in.
        new_birth = factories.child(
            session, family, None, given_name="Una", date_of_birth=dt.date(2026, 11, 20)
        )
        transfer = factories.child(
            session,
            factories.family(session, north, "Adeyemi"),
            None,
            given_name="Tom",
            date_of_birth=dt.date(2025, 5, 1),
        )
        discharged = factories.child(session, family, None, given_name="Dee")
        discharged.record_status = RecordStatus.DISCHARGED
        factories.child(session, factories.family(session, south), stranger)
        factories.child(session, factories.family(session, south), None)
        actor = factories.actor(lead)

    with unit_of_work(engine) as session:
        board = team_board(session, actor, today=TODAY)
    assert [
        (load.full_name, load.role, load.children, load.weighted, load.due_soon, load.overdue)
        for load in board.loads
    ] == [
        ("Ann Ahmed", Role.HEALTH_VISITOR, 2, 4.0, 1, 1),
        ("Bea Brown", Role.HEALTH_VISITOR, 1, 0.5, 1, 0),
        ("Carol Lead", Role.TEAM_LEAD, 0, 0.0, 0, 0),
    ]
    assert board.loads[0].health_visitor_id == ann.id
    assert board.weights == CaseloadWeights()
    assert (board.due_within_days, board.recommended_children) == (28, 250)
    assert [(row.child_id, row.name) for row in board.unallocated] == [
        (transfer.id, "Tom Adeyemi"),
        (new_birth.id, "Una Okafor"),
    ]
    una = board.unallocated[1]
    assert (una.age, una.date_of_birth) == ("4 days", dt.date(2026, 11, 20))
    assert una.next_review is ContactKind.NEW_BIRTH_VISIT
    assert una.next_review_status is ReviewStatus.NOT_YET_DUE
    assert una.next_review_target_by == dt.date(2026, 12, 4)

    with unit_of_work(engine) as session:
        heavier = team_board(
            session, actor, today=TODAY, weights=CaseloadWeights(universal=2.0, safeguarding=3.0)
        )
    # Nia (no level: Universal) 2, Bo 2 + 3.
    assert heavier.loads[0].weighted == 7.0
    assert heavier.weights.universal == 2.0


@pytest.mark.parametrize("role", [Role.HEALTH_VISITOR, Role.ADMINISTRATOR])
def test_only_a_team_lead_sees_the_board(engine: Engine, role: Role) -> None:
    with unit_of_work(engine) as session:
        north = factories.team(session, "North")
        someone = factories.user(session, north, role)
        factories.child(session, factories.family(session, north), someone)
        actor = factories.actor(someone)
    with unit_of_work(engine) as session, pytest.raises(PermissionDeniedError):
        team_board(session, actor, today=TODAY)


def test_the_number_of_queries_does_not_grow_with_the_team(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        north = factories.team(session, "North")
        lead = member(session, north, "Carol Lead", Role.TEAM_LEAD)
        first = member(session, north, "Ann Ahmed")
        kid = factories.child(session, factories.family(session, north), first)
        contact(session, kid, first, ContactKind.NEW_BIRTH_VISIT, dt.date(2026, 6, 12))
        actor = factories.actor(lead)

    def statements_for_board() -> tuple[int, int, int]:
        with statements_sent(engine) as statements, unit_of_work(engine) as session:
            board = team_board(session, actor, today=TODAY)
        return len(board.loads), len(board.unallocated), len(statements)

    small = statements_for_board()
    with unit_of_work(engine) as session:
        for n in range(4):
            visitor = member(session, north, f"Visitor {n}")
            for allocated_to in (visitor, visitor, None):
                family = factories.family(session, north, f"Family {n}")
                kid = factories.child(
                    session, family, allocated_to, date_of_birth=dt.date(2026, 10, n + 1)
                )
                contact(session, kid, lead, ContactKind.NEW_BIRTH_VISIT, dt.date(2026, 10, n + 12))
                safeguarding(session, kid, SafeguardingStatus.CHILD_IN_NEED, dt.date(2026, 10, 20))
                service_level(session, kid, ServiceLevel.UNIVERSAL_PLUS, dt.date(2026, 10, 20))
    large = statements_for_board()
    assert (small[:2], large[:2]) == ((2, 0), (6, 4))
    assert large[2] == small[2]


def test_children_of_someone_no_longer_in_the_team_wait_on_the_unallocated_list(
    engine: Engine,
) -> None:
    """They used to vanish from the board: neither on a caseload nor unallocated."""
    with unit_of_work(engine) as session:
        north, south = factories.team(session, "North"), factories.team(session, "South")
        lead = member(session, north, "Carol Lead", Role.TEAM_LEAD)
        retired = member(session, north, "Rita Retired")
        retired.active = False
        moved = member(session, north, "Mo Moved")
        family = factories.family(session, north, "Okafor")
        left_behind = factories.child(session, family, retired, given_name="Ada")
        # Mo now works in the South team; her North child stays with North.
        elsewhere = factories.child(session, family, moved, given_name="Ben")
        moved.team_id = south.id
        actor = factories.actor(lead)
    with unit_of_work(engine) as session:
        board = team_board(session, actor, today=TODAY)
    assert [load.full_name for load in board.loads] == ["Carol Lead"]
    waiting = {row.child_id: row for row in board.unallocated}
    assert set(waiting) == {left_behind.id, elsewhere.id}
    assert board.was_with(waiting[left_behind.id]) == "Rita Retired"
    assert board.was_with(waiting[elsewhere.id]) == "Mo Moved"
    assert waiting[left_behind.id].health_visitor_id == retired.id


@pytest.mark.parametrize(
    "today",
    [
        TODAY,
        dt.date(2027, 2, 28),
        dt.date(2028, 2, 29),
        dt.date(2026, 12, 31),
        dt.date(2027, 8, 30),
    ],
)
def test_the_births_whose_reviews_can_count_are_exactly_those_of_the_windows(
    today: dt.date,
) -> None:
    """Issue 10: the board works out schedules only for children born in these ranges
    (or not brought to a review); every day of five years against the windows."""
    ranges = born_when_a_review_can_count(today)
    horizon = today + dt.timedelta(days=DUE_WITHIN_DAYS)
    for back in range(-DUE_WITHIN_DAYS - 1, 5 * 366):
        born = today - dt.timedelta(days=back)
        can_count = any(
            window.target_by <= horizon and window.closes >= today
            for window in child_review_windows(born)
        )
        assert can_count == any(first <= born <= last for first, last in ranges), born


def test_the_board_counts_what_assessing_every_child_counts(engine: Engine) -> None:
    """Issue 10: the board assesses only the children whose reviews can count (and the
    waiting ones); its loads and its unallocated list must be those of assessing every
    child of the team, as it did before, on a team with every kind of review history."""
    draw = random.Random(10)
    with unit_of_work(engine) as session:
        north = factories.team(session, "North")
        lead = member(session, north, "Carol Lead", Role.TEAM_LEAD)
        holders = [member(session, north, "Ann Ahmed"), member(session, north, "Bea Brown")]
        left = member(session, north, "Rita Retired")
        left.active = False
        outcomes = (*ContactOutcome, ContactOutcome.COMPLETED, ContactOutcome.NOT_ATTENDED)
        for n in range(160):
            holder = draw.choice([*holders, *holders, None, left])
            family = factories.family(session, north, f"Family {n % 40}")
            # Most near a review's target or the end of its window, where counts change.
            near = draw.choice((14, 30, 56, 365, 456, 913)) + draw.randrange(-40, 40)
            age = max(5, near) if draw.random() < 0.7 else draw.randrange(5, 5 * 365)
            born = TODAY - dt.timedelta(days=age)
            kid = factories.child(session, family, holder, date_of_birth=born)
            for kind in draw.sample(list(REVIEW_KINDS), draw.randrange(0, 5)):
                on = born + dt.timedelta(days=draw.randrange(0, 3 * 365))
                outcome = draw.choice(outcomes)
                rebooked = on + dt.timedelta(days=draw.randrange(1, 60))
                attempt = contact(session, kid, lead, kind, on, outcome)
                if draw.random() < 0.5:  # not brought: rebooked for that day
                    attempt.next_planned_contact = rebooked
                if draw.random() < 0.1:  # corrected: the correction stands instead
                    contact(session, kid, lead, kind, on, draw.choice(outcomes), supersedes=attempt)
            if draw.random() < 0.5:
                service_level(session, kid, draw.choice(list(ServiceLevel)), born)
            if draw.random() < 0.2:
                ends = draw.choice([None, TODAY - dt.timedelta(days=3)])
                safeguarding(session, kid, draw.choice(list(SafeguardingStatus)), born, ends)
        actor = factories.actor(lead)
        team_id = north.id
    weights = CaseloadWeights(community=0.3, universal_plus=1.7, safeguarding=1.1)
    for today in (TODAY, TODAY + dt.timedelta(days=20), TODAY - dt.timedelta(days=30)):
        with unit_of_work(engine) as session:
            board = team_board(session, actor, today=today, weights=weights)
            everyone = assess_children(session, team_id, today=today)
        members = {load.health_visitor_id for load in board.loads}
        expected = []
        for load in board.loads:
            theirs = [c for c in everyone if c.health_visitor_id == load.health_visitor_id]
            expected.append(
                (
                    len(theirs),
                    sum(weights.weight_of(c.service_level, bool(c.safeguarding)) for c in theirs),
                    sum(1 for c in theirs for r in c.schedule if due_within(r, DUE_WITHIN_DAYS)),
                    sum(1 for c in theirs for r in c.schedule if r.status in OVERDUE_STATUSES),
                )
            )
        assert [(x.children, x.weighted, x.due_soon, x.overdue) for x in board.loads] == expected
        assert sum(due for _, _, due, _ in expected) > 0
        assert sum(overdue for _, _, _, overdue in expected) > 0
        assert board.unallocated == tuple(
            c.row for c in everyone if c.health_visitor_id not in members
        )
