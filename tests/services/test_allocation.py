"""Allocation, reallocation, cover and undo (issue 4): the team lead shares out the work.

North team: Carol Lead (team lead), Ann Ahmed and Bea Brown (health
visitors), Dan Gone (a health visitor who has left: inactive), Ivy Admin;
South team: Sam South.

* The Okafor family: Nia and Bo (Ann's), Cal (Bea's), and Mo's ongoing
  pregnancy (Ann's);
* The Mensah family: Una and Kofi, unallocated;
* Zed Adeyemi, still allocated to Dan Gone.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import uuid
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, select, update
from sqlalchemy.orm import Session

from healthvisitor.domain.enums import AllocationChangeKind, PregnancyOutcome, RecordStatus, Role
from healthvisitor.errors import (
    ConcurrentEditError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from healthvisitor.persistence.models import (
    AllocationChange,
    AuditEvent,
    Child,
    CoverArrangement,
    Pregnancy,
    Team,
    User,
)
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services import allocation
from healthvisitor.services.actor import Actor
from healthvisitor.services.caseload import caseload
from healthvisitor.services.pregnancies import pregnancy_caseload
from healthvisitor.services.team_board import team_board
from tests import factories

TODAY = dt.date(2026, 11, 24)


@dataclasses.dataclass(frozen=True)
class North:
    engine: Engine
    lead: Actor
    ann: Actor
    bea: Actor
    admin: Actor
    stranger: Actor
    gone: uuid.UUID
    kids: dict[str, uuid.UUID]
    pregnancy: uuid.UUID

    def session(self) -> Any:
        return unit_of_work(self.engine)

    def holders(self) -> dict[str, uuid.UUID | None]:
        with self.session() as session:
            return {
                name: session.get_one(Child, kid).health_visitor_id
                for name, kid in self.kids.items()
            }

    def pregnancy_holder(self) -> uuid.UUID | None:
        with self.session() as session:
            return session.get_one(Pregnancy, self.pregnancy).health_visitor_id


def member(session: Session, team: Team, name: str, role: Role = Role.HEALTH_VISITOR) -> User:
    result = factories.user(session, team, role)
    result.full_name = name
    return result


@pytest.fixture
def north(engine: Engine) -> North:
    return build_north(engine)


def build_north(engine: Engine) -> North:
    with unit_of_work(engine) as session:
        team, south = factories.team(session, "North"), factories.team(session, "South")
        lead = member(session, team, "Carol Lead", Role.TEAM_LEAD)
        ann, bea = member(session, team, "Ann Ahmed"), member(session, team, "Bea Brown")
        gone = member(session, team, "Dan Gone")
        gone.active = False
        admin = member(session, team, "Ivy Admin", Role.ADMINISTRATOR)
        stranger = member(session, south, "Sam South")
        okafor, mensah = (
            factories.family(session, team, "Okafor"),
            factories.family(session, team, "Mensah"),
        )
        kids = {
            "Nia": factories.child(session, okafor, ann, given_name="Nia").id,
            "Bo": factories.child(session, okafor, ann, given_name="Bo").id,
            "Cal": factories.child(session, okafor, bea, given_name="Cal").id,
            "Una": factories.child(session, mensah, None, given_name="Una").id,
            "Kofi": factories.child(session, mensah, None, given_name="Kofi").id,
            "Zed": factories.child(
                session, factories.family(session, team, "Adeyemi"), gone, given_name="Zed"
            ).id,
        }
        mother = factories.carer(session, okafor, "Mo")
        pregnancy = factories.pregnancy(session, mother, ann, dt.date(2027, 1, 20)).id
        return North(
            engine,
            factories.actor(lead),
            factories.actor(ann),
            factories.actor(bea),
            factories.actor(admin),
            factories.actor(stranger),
            gone.id,
            kids,
            pregnancy,
        )


def allocate(north: North, names: list[str], to: Actor, **kwargs: Any) -> Any:
    kwargs.setdefault("reason", "New birth, lives in Ann's patch")
    with north.session() as session:
        return allocation.allocate(
            session,
            kwargs.pop("actor", north.lead),
            [north.kids[n] for n in names],
            to.user_id,
            today=TODAY,
            **kwargs,
        )


# --- Who may ---------------------------------------------------------------------


@pytest.mark.parametrize("who", ["ann", "admin", "stranger"])
def test_only_a_team_lead_may_allocate_cover_or_undo(north: North, who: str) -> None:
    actor: Actor = getattr(north, who)
    with pytest.raises(PermissionDeniedError):
        allocate(north, ["Una"], north.ann, actor=actor)
    with north.session() as session:
        for attempt in (
            lambda: allocation.plan_allocation(
                session, actor, [north.kids["Una"]], north.ann.user_id
            ),
            lambda: allocation.undo_allocation(session, actor, uuid.uuid4(), today=TODAY),
            lambda: allocation.recent_allocation_changes(session, actor),
            lambda: allocation.arrange_cover(
                session,
                actor,
                north.ann.user_id,
                north.bea.user_id,
                start=TODAY,
                end=TODAY,
                reason="Leave",
                today=TODAY,
            ),
            lambda: allocation.end_cover(session, actor, uuid.uuid4(), today=TODAY),
            lambda: allocation.team_cover(session, actor, today=TODAY),
        ):
            with pytest.raises(PermissionDeniedError):
                attempt()
    assert north.holders()["Una"] is None


# --- Allocating -----------------------------------------------------------------------


def test_allocating_records_who_when_why_and_the_audit(north: North) -> None:
    result = allocate(north, ["Una"], north.ann, keep_siblings_together=False)
    assert (result.children, result.pregnancies) == (1, 0)
    assert result.message == "1 child to Ann Ahmed."
    assert north.holders()["Una"] == north.ann.user_id
    assert north.holders()["Kofi"] is None, "siblings kept apart when the lead says so"
    with north.session() as session:
        (change,) = session.scalars(select(AllocationChange))
        assert change.child_id == north.kids["Una"]
        assert change.kind is AllocationChangeKind.ALLOCATE
        assert (change.from_health_visitor_id, change.to_health_visitor_id) == (
            None,
            north.ann.user_id,
        )
        assert change.reason == "New birth, lives in Ann's patch"
        assert change.batch_id == result.batch_id
        assert change.changed_by_id == north.lead.user_id
        assert change.changed_at.tzinfo is not None
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.entity_id == north.kids["Una"])
        ).all()
        assert [(e.action, e.entity_type, e.user_id) for e in events] == [
            ("allocate", "child", north.lead.user_id)
        ]
        history = allocation.allocation_history(session, north.ann, north.kids["Una"])
    assert [(h.from_name, h.to_name, h.changed_by, h.kind) for h in history] == [
        ("Unallocated", "Ann Ahmed", "Carol Lead", AllocationChangeKind.ALLOCATE)
    ]
    assert history[0].reason == "New birth, lives in Ann's patch"
    with north.session() as session:
        board = team_board(session, north.lead, today=TODAY)
        assert north.kids["Una"] not in {row.child_id for row in board.unallocated}
        assert north.kids["Una"] in {r.child_id for r in caseload(session, north.ann, today=TODAY)}


def test_siblings_and_the_familys_pregnancy_move_together(north: North) -> None:
    with north.session() as session:
        plan = allocation.plan_allocation(
            session, north.lead, [north.kids["Nia"]], north.bea.user_id
        )
    assert [(m.name, m.from_name, m.with_sibling) for m in plan.children] == [
        ("Nia Okafor", "Ann Ahmed", False),
        ("Bo Okafor", "Ann Ahmed", True),
    ]
    assert [m.label for m in plan.pregnancies] == ["Mo Okafor's pregnancy"]
    assert (
        plan.siblings_text() == "Also moving with their siblings: Bo Okafor, Mo Okafor's pregnancy"
    )
    assert plan.summary() == "2 children and 1 pregnancy to Bea Brown"
    assert north.holders()["Bo"] == north.ann.user_id, "a plan changes nothing"

    result = allocate(north, ["Nia"], north.bea, reason="Ann's caseload is too big")
    holders = north.holders()
    assert holders["Nia"] == holders["Bo"] == holders["Cal"] == north.bea.user_id
    assert north.pregnancy_holder() == north.bea.user_id
    with north.session() as session:
        changes = session.scalars(
            select(AllocationChange).where(AllocationChange.batch_id == result.batch_id)
        ).all()
    assert {c.kind for c in changes} == {AllocationChangeKind.REALLOCATE}
    assert len(changes) == 3
    assert {c.pregnancy_id for c in changes} - {None} == {north.pregnancy}


def test_unallocated_siblings_come_along_and_others_stay(north: North) -> None:
    allocate(north, ["Una"], north.bea)
    holders = north.holders()
    assert holders["Una"] == holders["Kofi"] == north.bea.user_id
    assert holders["Nia"] == north.ann.user_id


def test_without_siblings_only_the_chosen_child_moves(north: North) -> None:
    allocate(north, ["Nia"], north.bea, keep_siblings_together=False)
    holders = north.holders()
    assert (holders["Nia"], holders["Bo"]) == (north.bea.user_id, north.ann.user_id)
    assert north.pregnancy_holder() == north.ann.user_id


def test_a_whole_caseload_moves_in_one_action(north: North) -> None:
    result = allocate(north, ["Nia", "Bo"], north.bea, reason="Ann has left the team")
    assert (result.children, result.pregnancies) == (2, 1)
    with north.session() as session:
        assert caseload(session, north.ann, today=TODAY) == []
        (batch,) = allocation.recent_allocation_changes(session, north.lead)
    assert (batch.children, batch.pregnancies, batch.to_names) == (2, 1, "Bea Brown")
    assert batch.kind is AllocationChangeKind.REALLOCATE
    assert batch.what() == "2 children and 1 pregnancy to Bea Brown"
    assert batch.changed_by == "Carol Lead"
    assert batch.undoable


@pytest.mark.parametrize(
    ("to", "reason", "field"),
    [
        ("bea", "  ", "reason"),
        ("gone", "Cover", "to_health_visitor"),
        ("stranger", "Cover", "to_health_visitor"),
        ("admin", "Cover", "to_health_visitor"),
    ],
)
def test_a_reason_and_an_active_clinician_of_the_team_are_required(
    north: North, to: str, reason: str, field: str
) -> None:
    target = north.gone if to == "gone" else getattr(north, to).user_id
    with north.session() as session, pytest.raises(ValidationError) as refused:
        allocation.allocate(
            session, north.lead, [north.kids["Una"]], target, reason=reason, today=TODAY
        )
    assert refused.value.for_field(field), refused.value.problems
    assert north.holders()["Una"] is None


def test_a_closed_record_or_another_teams_child_is_refused(north: North) -> None:
    with north.session() as session:
        session.get_one(Child, north.kids["Una"]).record_status = RecordStatus.DISCHARGED
        south = session.scalars(select(Team).where(Team.name == "South")).one()
        theirs = factories.child(session, factories.family(session, south), None).id
    with pytest.raises(ValidationError, match="Una Mensah's record is closed"):
        allocate(north, ["Una"], north.ann)
    with north.session() as session, pytest.raises(PermissionDeniedError):
        allocation.allocate(
            session, north.lead, [theirs], north.ann.user_id, reason="x", today=TODAY
        )
    with pytest.raises(ValidationError, match="already on Ann Ahmed's caseload"):
        allocate(north, ["Nia"], north.ann)


# --- Concurrency ------------------------------------------------------------------------


def test_a_child_moved_meanwhile_refuses_the_whole_action(north: North) -> None:
    # The lead's screen showed Nia and Kofi unallocated; Nia is in fact Ann's now.
    with pytest.raises(ConcurrentEditError) as refused:
        allocate(
            north,
            ["Kofi", "Nia"],
            north.bea,
            expected={north.kids["Kofi"]: None, north.kids["Nia"]: None},
        )
    assert "Nia Okafor is now on Ann Ahmed's caseload" in str(refused.value)
    assert north.holders()["Kofi"] is None, "nothing is half-applied"
    with north.session() as session:
        assert session.scalar(select(func.count()).select_from(AllocationChange)) == 0


def test_a_write_between_read_and_update_is_caught_by_the_version(north: North) -> None:
    """Someone else's UPDATE lands after the read: the version check refuses ours."""
    una = north.kids["Una"]

    def colleague_writes(flushing: Session, *_: Any) -> None:
        flushing.connection().execute(
            update(Child)
            .where(Child.id == una)
            .values(version=Child.version + 1, health_visitor_id=north.ann.user_id)
        )

    with (
        pytest.raises(ConcurrentEditError, match="at the same moment"),
        north.session() as session,
    ):
        event.listen(session, "before_flush", colleague_writes, once=True)
        allocation.allocate(
            session,
            north.lead,
            [una],
            north.bea.user_id,
            reason="New birth",
            today=TODAY,
            keep_siblings_together=False,
        )
    assert north.holders()["Una"] is None  # the colleague's write was rolled back with ours


@pytest.mark.postgres
def test_two_leads_allocating_the_same_child_at_once_one_wins(postgres_engine: Engine) -> None:
    """Two real sessions on PostgreSQL: the second waits on the row lock, then is told."""
    north = build_north(postgres_engine)
    una = north.kids["Una"]
    outcome: dict[str, Any] = {}
    started = threading.Event()

    def second_lead() -> None:
        started.set()
        try:
            with unit_of_work(postgres_engine) as session:
                outcome["result"] = allocation.allocate(
                    session,
                    north.lead,
                    [una],
                    north.bea.user_id,
                    reason="Bea has room",
                    today=TODAY,
                    expected={una: None},
                )
        except Exception as exc:  # what the second lead is told
            outcome["error"] = exc

    with unit_of_work(postgres_engine) as session:
        won = allocation.allocate(
            session,
            north.lead,
            [una],
            north.ann.user_id,
            reason="Ann's patch",
            today=TODAY,
            expected={una: None},
        )
        worker = threading.Thread(target=second_lead)
        worker.start()
        started.wait(5)
        worker.join(0.5)
        assert worker.is_alive(), "the second lead waits for the first to finish"
    worker.join(10)
    assert not worker.is_alive()
    assert "result" not in outcome
    assert isinstance(outcome["error"], ConcurrentEditError)
    assert "Una Mensah is now on Ann Ahmed's caseload" in str(outcome["error"])
    assert north.holders()["Una"] == north.ann.user_id
    assert north.holders()["Kofi"] == north.ann.user_id  # the winner's sibling moved too
    with unit_of_work(postgres_engine) as session:
        batches = set(session.scalars(select(AllocationChange.batch_id)))
    assert batches == {won.batch_id}


# --- Undo --------------------------------------------------------------------------------


def test_undo_puts_everyone_back_once(north: North) -> None:
    moved = allocate(north, ["Nia"], north.bea)
    with north.session() as session:
        undone = allocation.undo_allocation(session, north.lead, moved.batch_id, today=TODAY)
    assert undone.message == "Undone: 2 children and 1 pregnancy put back."
    holders = north.holders()
    assert holders["Nia"] == holders["Bo"] == north.ann.user_id
    assert holders["Cal"] == north.bea.user_id, "Cal was Bea's before: untouched"
    assert north.pregnancy_holder() == north.ann.user_id
    with north.session() as session:
        changes = session.scalars(
            select(AllocationChange).where(AllocationChange.batch_id == undone.batch_id)
        ).all()
        assert {(c.kind, c.undoes_batch_id) for c in changes} == {
            (AllocationChangeKind.UNDO, moved.batch_id)
        }
        recent = allocation.recent_allocation_changes(session, north.lead)
        history = allocation.allocation_history(session, north.lead, north.kids["Nia"])
    assert [(b.kind, b.undoable, b.why_not) for b in recent] == [
        (AllocationChangeKind.UNDO, False, "This was an undo"),
        (AllocationChangeKind.REALLOCATE, False, "Already undone"),
    ]
    assert [(h.kind, h.to_name) for h in history] == [
        (AllocationChangeKind.REALLOCATE, "Bea Brown"),
        (AllocationChangeKind.UNDO, "Ann Ahmed"),
    ]
    with north.session() as session, pytest.raises(ValidationError, match="already been undone"):
        allocation.undo_allocation(session, north.lead, moved.batch_id, today=TODAY)
    with north.session() as session, pytest.raises(ValidationError, match="itself an undo"):
        allocation.undo_allocation(session, north.lead, undone.batch_id, today=TODAY)


def test_undo_is_refused_once_a_child_has_moved_since(north: North) -> None:
    first = allocate(north, ["Una"], north.ann)
    allocate(north, ["Kofi"], north.bea, keep_siblings_together=False, reason="Bea knows them")
    with north.session() as session:
        recent = allocation.recent_allocation_changes(session, north.lead)
    assert [(b.undoable, b.why_not) for b in recent] == [
        (True, ""),
        (False, "Changed since: Kofi Mensah"),
    ]
    with north.session() as session, pytest.raises(ValidationError) as refused:
        allocation.undo_allocation(session, north.lead, first.batch_id, today=TODAY)
    assert "Kofi Mensah (now with Bea Brown)" in str(refused.value)
    assert north.holders()["Una"] == north.ann.user_id


def test_undo_to_someone_who_has_left_returns_the_child_to_the_unallocated_list(
    north: North,
) -> None:
    moved = allocate(north, ["Zed"], north.ann, reason="Dan has left")
    with north.session() as session:
        undone = allocation.undo_allocation(session, north.lead, moved.batch_id, today=TODAY)
    assert "on the unallocated list" in undone.message
    assert north.holders()["Zed"] is None
    with north.session() as session:
        board = team_board(session, north.lead, today=TODAY)
    assert north.kids["Zed"] in {row.child_id for row in board.unallocated}


def test_an_unknown_batch_is_not_found(north: North) -> None:
    with north.session() as session, pytest.raises(NotFoundError):
        allocation.undo_allocation(session, north.lead, uuid.uuid4(), today=TODAY)


def test_allocation_history_is_for_the_team_only(north: North) -> None:
    allocate(north, ["Una"], north.ann)
    with north.session() as session, pytest.raises(PermissionDeniedError):
        allocation.allocation_history(session, north.stranger, north.kids["Una"])


# --- The board ---------------------------------------------------------------------------


def test_a_child_held_by_someone_who_has_left_is_on_the_unallocated_list(north: North) -> None:
    with north.session() as session:
        board = team_board(session, north.lead, today=TODAY)
    waiting = {row.child_id: row for row in board.unallocated}
    assert set(waiting) == {north.kids["Una"], north.kids["Kofi"], north.kids["Zed"]}
    assert board.was_with(waiting[north.kids["Zed"]]) == "Dan Gone"
    assert board.was_with(waiting[north.kids["Una"]]) == ""
    assert "Dan Gone" not in [load.full_name for load in board.loads]


# --- Cover -------------------------------------------------------------------------------


def arrange(north: North, **kwargs: Any) -> allocation.CoverLine:
    values: dict[str, Any] = {
        "absent": north.ann.user_id,
        "covering": north.bea.user_id,
        "start": TODAY,
        "end": dt.date(2026, 12, 12),
        "reason": "Annual leave",
        "today": TODAY,
    }
    values.update(kwargs)
    with north.session() as session:
        return allocation.arrange_cover(
            session,
            north.lead,
            values.pop("absent"),
            values.pop("covering"),
            **values,
        )


def test_cover_shows_the_absent_caseload_on_the_covering_one_until_it_ends(
    north: North,
) -> None:
    cover = arrange(north)
    assert cover.words() == "Bea Brown covers Ann Ahmed until 12 Dec 2026"

    def bea_sees(day: dt.date) -> dict[str, str]:
        with north.session() as session:
            rows = caseload(session, north.bea, today=day)
            pregnancies = pregnancy_caseload(session, north.bea, today=day)
        return {r.name: r.covering_for for r in rows} | {
            p.mother_name: p.covering_for for p in pregnancies
        }

    covering = "Covering for Ann Ahmed until 12 Dec 2026"
    assert bea_sees(TODAY) == {
        "Bo Okafor": covering,
        "Cal Okafor": "",
        "Nia Okafor": covering,
        "Mo Okafor": covering,
    }
    assert bea_sees(dt.date(2026, 12, 12))["Nia Okafor"] == covering, "the end date is inclusive"
    assert bea_sees(dt.date(2026, 12, 13)) == {"Cal Okafor": ""}, "then the caseload returns"
    assert bea_sees(dt.date(2026, 11, 23)) == {"Cal Okafor": ""}, "not before it starts"
    with north.session() as session:
        own = caseload(session, north.ann, today=TODAY)
        board = team_board(session, north.lead, today=TODAY)
        in_force = allocation.cover_in_force(session, north.lead.team_id, TODAY)  # type: ignore[arg-type]
    assert {(r.name, r.covering_for) for r in own} == {("Nia Okafor", ""), ("Bo Okafor", "")}
    assert [line.words() for line in board.cover] == [cover.words()]
    assert in_force == board.cover
    # Ended early today: from today it is over.
    with north.session() as session:
        ended = allocation.end_cover(
            session, north.lead, cover.cover_id, today=TODAY, expected_version=cover.version
        )
    assert ended.last_day == dt.date(2026, 11, 23)
    assert bea_sees(TODAY) == {"Cal Okafor": ""}
    with north.session() as session:
        assert allocation.team_cover(session, north.lead, today=TODAY) == ()
        with pytest.raises(ValidationError, match="already ended"):
            allocation.end_cover(session, north.lead, cover.cover_id, today=TODAY)


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"end": dt.date(2026, 11, 30), "start": dt.date(2026, 12, 1)}, "end", "on or after"),
        ({"start": dt.date(2026, 11, 1), "end": dt.date(2026, 11, 20)}, "end", "has passed"),
        ({"covering": "ann"}, "covering", "not the health visitor away"),
        ({"covering": "gone"}, "covering", "no longer works in the team"),
        ({"covering": "stranger"}, "covering", "from your team"),
        ({"reason": " "}, "reason", "Say why"),
    ],
)
def test_cover_that_cannot_work_is_refused(
    north: North, change: dict[str, Any], field: str, words: str
) -> None:
    if "covering" in change:
        who = change["covering"]
        change = {"covering": north.gone if who == "gone" else getattr(north, who).user_id}
    with pytest.raises(ValidationError) as refused:
        arrange(north, **change)
    assert any(words in message for message in refused.value.for_field(field)), refused.value
    with north.session() as session:
        assert session.scalar(select(func.count()).select_from(CoverArrangement)) == 0


def test_overlapping_cover_is_refused_but_cover_after_it_is_fine(north: North) -> None:
    first = arrange(north)
    with pytest.raises(ValidationError, match="already covered by Bea Brown"):
        arrange(north, start=dt.date(2026, 12, 10), end=dt.date(2026, 12, 20))
    # Bea is covering Ann then, so she cannot be away herself, nor Ann cover her.
    with pytest.raises(ValidationError, match="Ann Ahmed is away then"):
        arrange(north, absent=north.bea.user_id, covering=north.ann.user_id)
    arrange(north, start=dt.date(2026, 12, 13), end=dt.date(2026, 12, 20))
    with north.session() as session:
        planned = allocation.team_cover(session, north.lead, today=TODAY)
    assert [(c.start_date, c.last_day) for c in planned] == [
        (TODAY, dt.date(2026, 12, 12)),
        (dt.date(2026, 12, 13), dt.date(2026, 12, 20)),
    ]
    assert planned[0].cover_id == first.cover_id


def test_ending_cover_that_someone_changed_meanwhile_is_refused(north: North) -> None:
    cover = arrange(north)
    with north.session() as session, pytest.raises(ConcurrentEditError):
        allocation.end_cover(
            session, north.lead, cover.cover_id, today=TODAY, expected_version=cover.version + 1
        )


# --- A pregnancy on its own (issue 4: before there is a child to move it with) ----------


def lone_pregnancy(north: North, holder: Actor | None = None, team: str = "North") -> uuid.UUID:
    """Pia Patel's pregnancy, Ann's by default: a family with no child yet."""
    with north.session() as session:
        in_team = session.scalars(select(Team).where(Team.name == team)).one()
        patel = factories.family(session, in_team, "Patel")
        mother = factories.carer(session, patel, "Pia")
        holder_user = session.get_one(User, (holder or north.ann).user_id)
        return factories.pregnancy(session, mother, holder_user, dt.date(2027, 2, 14)).id


def test_a_pregnancy_is_reallocated_on_its_own_recorded_and_undone(north: North) -> None:
    pia = lone_pregnancy(north)
    with north.session() as session:
        plan = allocation.plan_allocation(
            session, north.lead, [], north.bea.user_id, pregnancy_ids=[pia]
        )
    assert [(m.label, m.from_name, m.with_sibling) for m in plan.pregnancies] == [
        ("Pia Patel's pregnancy", "Ann Ahmed", False)
    ]
    assert (plan.children, plan.summary()) == ((), "1 pregnancy to Bea Brown")
    result = allocate(north, [], north.bea, pregnancy_ids=[pia], expected={pia: north.ann.user_id})
    assert (result.children, result.pregnancies, result.message) == (
        0,
        1,
        "1 pregnancy to Bea Brown.",
    )
    with north.session() as session:
        assert session.get_one(Pregnancy, pia).health_visitor_id == north.bea.user_id
        (change,) = session.scalars(
            select(AllocationChange).where(AllocationChange.batch_id == result.batch_id)
        )
        assert (change.pregnancy_id, change.child_id, change.kind) == (
            pia,
            None,
            AllocationChangeKind.REALLOCATE,
        )
        bea_list = pregnancy_caseload(session, north.bea, today=TODAY)
        assert pia in {row.pregnancy_id for row in bea_list}
        undone = allocation.undo_allocation(session, north.lead, result.batch_id, today=TODAY)
    assert undone.message == "Undone: 1 pregnancy put back."
    with north.session() as session:
        assert session.get_one(Pregnancy, pia).health_visitor_id == north.ann.user_id
    assert north.holders()["Nia"] == north.ann.user_id, "nobody else moved"


def test_a_pregnancy_chosen_on_its_own_brings_its_familys_children_unless_told_not(
    north: North,
) -> None:
    """Mo Okafor's pregnancy is Ann's, as are Nia and Bo; Cal is Bea's."""
    with north.session() as session:
        plan = allocation.plan_allocation(
            session, north.lead, [], north.bea.user_id, pregnancy_ids=[north.pregnancy]
        )
    assert [(m.name, m.with_sibling) for m in plan.children] == [
        ("Bo Okafor", True),
        ("Nia Okafor", True),
    ]
    assert [m.with_sibling for m in plan.pregnancies] == [False]
    allocate(north, [], north.bea, pregnancy_ids=[north.pregnancy], keep_siblings_together=False)
    assert north.pregnancy_holder() == north.bea.user_id
    assert north.holders()["Nia"] == north.ann.user_id


def test_a_pregnancy_moved_meanwhile_ended_or_of_another_team_is_refused(north: North) -> None:
    pia = lone_pregnancy(north)
    with pytest.raises(ConcurrentEditError, match="Pia Patel's pregnancy is now on Ann Ahmed's"):
        allocate(north, [], north.bea, pregnancy_ids=[pia], expected={pia: None})
    with north.session() as session:
        session.get_one(Pregnancy, pia).outcome = PregnancyOutcome.MISCARRIAGE
    with pytest.raises(ValidationError, match="Pia Patel's pregnancy has ended"):
        allocate(north, [], north.bea, pregnancy_ids=[pia])
    southern = lone_pregnancy(north, north.stranger, team="South")
    with pytest.raises(PermissionDeniedError):
        allocate(north, [], north.bea, pregnancy_ids=[southern])
    with pytest.raises(NotFoundError):
        allocate(north, [], north.bea, pregnancy_ids=[uuid.uuid4()])
    with north.session() as session:
        assert session.get_one(Pregnancy, pia).health_visitor_id == north.ann.user_id
