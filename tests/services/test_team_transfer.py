"""Transfer between two teams of the trust (issue 4, hazard H22); both engines.

Built on test_allocation's North team (Carol Lead; Ann Ahmed and Bea Brown,
health visitors): the Okafor family (Nia and Bo, Ann's; Cal, Bea's; Mo's
ongoing pregnancy, Ann's) and the Mensah family (Una and Kofi, unallocated).
South has Sam South (a health visitor) and, added here, Sue South-Lead.
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

from healthvisitor.domain.enums import AllocationChangeKind, Role, Sex
from healthvisitor.errors import (
    ConcurrentEditError,
    DuplicateError,
    PermissionDeniedError,
    ValidationError,
)
from healthvisitor.persistence.models import (
    AllocationChange,
    AuditEvent,
    Child,
    Family,
    Pregnancy,
    Team,
    TeamTransfer,
)
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services import allocation, team_transfer
from healthvisitor.services.actor import Actor
from healthvisitor.services.caseload import caseload
from healthvisitor.services.child_record import child_record
from healthvisitor.services.pregnancies import pregnancy_caseload
from healthvisitor.services.records import ChildDetails, register_child
from healthvisitor.services.search import search_records
from healthvisitor.services.team_board import team_board
from tests import factories
from tests.services.test_allocation import TODAY, North, build_north, member

MOVED_ON = TODAY - dt.timedelta(days=3)


@dataclasses.dataclass(frozen=True)
class Trust:
    north: North
    south_id: uuid.UUID
    south_lead: Actor

    @property
    def engine(self) -> Engine:
        return self.north.engine

    def kid(self, name: str) -> uuid.UUID:
        return self.north.kids[name]

    def team_of(self, name: str) -> uuid.UUID:
        with unit_of_work(self.engine) as session:
            return session.get_one(Child, self.kid(name)).team_id


def build_trust(engine: Engine) -> Trust:
    north = build_north(engine)
    with unit_of_work(engine) as session:
        south = session.scalars(select(Team).where(Team.name == "South")).one()
        lead = member(session, south, "Sue South-Lead", Role.TEAM_LEAD)
        return Trust(north, south.id, factories.actor(lead))


@pytest.fixture
def trust(engine: Engine) -> Trust:
    return build_trust(engine)


def transfer(trust: Trust, names: list[str], **kwargs: Any) -> team_transfer.TransferResult:
    kwargs.setdefault("reason", "Family moved to Beeston")
    kwargs.setdefault("effective_date", MOVED_ON)
    with unit_of_work(trust.engine) as session:
        return team_transfer.transfer_to_team(
            session,
            kwargs.pop("actor", trust.north.lead),
            [trust.kid(n) for n in names],
            kwargs.pop("to_team_id", trust.south_id),
            today=TODAY,
            **kwargs,
        )


def count(trust: Trust, model: type) -> int:
    with unit_of_work(trust.engine) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_the_lead_transfers_a_child_with_the_family_to_another_team(trust: Trust) -> None:
    north = trust.north
    with unit_of_work(trust.engine) as session:
        plan = team_transfer.plan_team_transfer(
            session, north.lead, [trust.kid("Nia")], trust.south_id
        )
    assert plan.summary() == "3 children and 1 pregnancy from North to South"
    assert [m.name for m in plan.siblings] == ["Bo Okafor", "Cal Okafor"]
    assert plan.families == ("Okafor family",)
    assert "Nia Okafor: leaves Ann Ahmed's caseload" in plan.lines()
    assert plan.expected() == {trust.kid("Nia"): north.ann.user_id}

    result = transfer(trust, ["Nia"], expected=plan.expected())
    assert (result.children, result.pregnancies, result.families) == (3, 1, 1)
    assert "3 children and 1 pregnancy from North to South, effective 21 Nov 2026" in (
        result.message
    )
    assert "South's unallocated list" in result.message

    with unit_of_work(trust.engine) as session:
        for name in ("Nia", "Bo", "Cal"):
            child = session.get_one(Child, trust.kid(name))
            assert (child.team_id, child.health_visitor_id) == (trust.south_id, None)
        family = session.get_one(Family, session.get_one(Child, trust.kid("Nia")).family_id)
        assert family.team_id == trust.south_id
        pregnancy = session.get_one(Pregnancy, north.pregnancy)
        assert pregnancy.health_visitor_id is None
        rows = session.scalars(select(TeamTransfer).order_by(TeamTransfer.child_id)).all()
        assert {r.child_id for r in rows} == {trust.kid(n) for n in ("Nia", "Bo", "Cal")}
        assert {
            (r.from_team_id, r.to_team_id, r.effective_date, r.reason, r.transferred_by_id)
            for r in rows
        } == {
            (
                north.lead.team_id,
                trust.south_id,
                MOVED_ON,
                "Family moved to Beeston",
                north.lead.user_id,
            )
        }
        changes = session.scalars(select(AllocationChange)).all()
        assert len(changes) == 4  # three children and the pregnancy lose their health visitor
        assert {c.kind for c in changes} == {AllocationChangeKind.UNALLOCATE}
        assert all(c.reason.startswith("Transfer from North to South:") for c in changes)
        audited = session.execute(
            select(AuditEvent.entity_type, func.count())
            .where(AuditEvent.action == "team_transfer")
            .group_by(AuditEvent.entity_type)
        ).all()
        assert dict(audited) == {"child": 3, "pregnancy": 1, "family": 1}


def test_a_transferred_child_leaves_every_list_of_the_sending_team(trust: Trust) -> None:
    north = trust.north
    transfer(trust, ["Nia"])
    with unit_of_work(trust.engine) as session:
        ann_list = {row.child_id for row in caseload(session, north.ann, today=TODAY)}
        board = team_board(session, north.lead, today=TODAY)
        found = search_records(session, north.lead, "Okafor", today=TODAY)
        mothers = pregnancy_caseload(session, north.ann, today=TODAY)
        recent = allocation.recent_allocation_changes(session, north.lead)
    okafors = {trust.kid(n) for n in ("Nia", "Bo", "Cal")}
    assert not ann_list & okafors
    assert not {row.child_id for row in board.unallocated} & okafors
    assert [load.children for load in board.loads if load.full_name == "Ann Ahmed"] == [0]
    assert not found.rows
    assert mothers == []
    assert recent == ()
    with unit_of_work(trust.engine) as session, pytest.raises(PermissionDeniedError):
        child_record(session, north.ann, trust.kid("Nia"), today=TODAY)


def test_the_receiving_team_sees_them_unallocated_as_a_transfer_from_the_team(
    trust: Trust,
) -> None:
    # Allocated before the move: the history stays with the child.
    with unit_of_work(trust.engine) as session:
        allocation.allocate(
            session,
            trust.north.lead,
            [trust.kid("Una")],
            trust.north.bea.user_id,
            reason="Bea's patch",
            today=TODAY,
        )
    transfer(trust, ["Una"])
    with unit_of_work(trust.engine) as session:
        board = team_board(session, trust.south_lead, today=TODAY)
        waiting = {row.child_id: board.from_team(row) for row in board.unallocated}
        assert waiting == {trust.kid("Una"): "North", trust.kid("Kofi"): "North"}
        record = child_record(session, trust.south_lead, trust.kid("Una"), today=TODAY)
        history = allocation.allocation_history(session, trust.south_lead, trust.kid("Una"))
    assert (record.name, record.health_visitor_id, record.carers) == ("Una Mensah", None, ())
    assert [line.kind for line in history] == [
        AllocationChangeKind.ALLOCATE,
        AllocationChangeKind.UNALLOCATE,
    ]
    assert history[-1].from_name == "Bea Brown"
    assert history[-1].reason == "Transfer from North to South: Family moved to Beeston"
    # The receiving lead allocates as for any transfer in.
    sam = trust.north.stranger.user_id
    with unit_of_work(trust.engine) as session:
        allocation.allocate(
            session, trust.south_lead, [trust.kid("Una")], sam, reason="Sam's patch", today=TODAY
        )
        board = team_board(session, trust.south_lead, today=TODAY)
    assert board.unallocated == ()
    assert trust.north.holders()["Kofi"] == sam, "Kofi came with his sister"


def test_the_transfer_cannot_be_undone_as_an_allocation(trust: Trust) -> None:
    transfer(trust, ["Nia"])
    with unit_of_work(trust.engine) as session:
        (batch,) = allocation.recent_allocation_changes(session, trust.south_lead)
    assert batch.kind is AllocationChangeKind.UNALLOCATE and not batch.undoable
    with unit_of_work(trust.engine) as session, pytest.raises(ValidationError) as caught:
        allocation.undo_allocation(session, trust.south_lead, batch.batch_id, today=TODAY)
    assert "moved between teams" in str(caught.value)
    assert trust.team_of("Nia") == trust.south_id


def test_unticked_siblings_stay_and_so_do_the_family_and_the_pregnancy(trust: Trust) -> None:
    north = trust.north
    with unit_of_work(trust.engine) as session:
        plan = team_transfer.plan_team_transfer(
            session, north.lead, [trust.kid("Nia")], trust.south_id, move_family=False
        )
    assert [m.name for m in plan.children] == ["Nia Okafor"]
    assert plan.pregnancies == () and plan.families == ()
    assert plan.staying == ("Bo Okafor", "Cal Okafor")
    transfer(trust, ["Nia"], move_family=False)
    assert trust.team_of("Nia") == trust.south_id
    assert trust.team_of("Bo") == trust.team_of("Cal") == north.lead.team_id
    holders = north.holders()
    assert holders["Bo"] == north.ann.user_id and holders["Cal"] == north.bea.user_id
    assert north.pregnancy_holder() == north.ann.user_id
    with unit_of_work(trust.engine) as session:
        family = session.get_one(Family, session.get_one(Child, trust.kid("Bo")).family_id)
        assert family.team_id == north.lead.team_id


def test_both_children_chosen_move_the_family_even_unticked(trust: Trust) -> None:
    result = transfer(trust, ["Una", "Kofi"], move_family=False)
    assert (result.children, result.families) == (2, 1)


@pytest.mark.parametrize("who", ["ann", "stranger", "admin", "south_lead"])
def test_only_a_lead_of_the_sending_team_may_transfer(trust: Trust, who: str) -> None:
    actor = trust.south_lead if who == "south_lead" else getattr(trust.north, who)
    before = count(trust, TeamTransfer)
    with pytest.raises(PermissionDeniedError):
        transfer(trust, ["Nia"], actor=actor)
    with pytest.raises(PermissionDeniedError), unit_of_work(trust.engine) as session:
        team_transfer.plan_team_transfer(session, actor, [trust.kid("Nia")], trust.south_id)
    assert count(trust, TeamTransfer) == before
    assert trust.team_of("Nia") == trust.north.lead.team_id


def test_what_is_wrong_is_said_and_nothing_changes(trust: Trust) -> None:
    north = trust.north
    with pytest.raises(ValidationError) as caught:
        transfer(trust, ["Nia"], reason=" ", effective_date=None)
    assert {p.field for p in caught.value.problems} == {"reason", "effective_date"}
    with pytest.raises(ValidationError) as caught:
        transfer(trust, ["Nia"], effective_date=TODAY + dt.timedelta(days=1))
    assert "25 Nov 2026 is in the future" in str(caught.value)
    with pytest.raises(ValidationError) as caught:
        transfer(trust, ["Nia"], effective_date=dt.date(2026, 5, 1))
    assert "before Nia Okafor was born (1 Jun 2026)" in str(caught.value)
    with pytest.raises(ValidationError) as caught:
        transfer(trust, ["Nia"], to_team_id=north.lead.team_id)
    assert caught.value.problems[0].field == "to_team"
    with pytest.raises(ValidationError):
        transfer(trust, ["Nia"], to_team_id=None)
    with pytest.raises(ValidationError):
        transfer(trust, [])
    assert count(trust, TeamTransfer) == 0
    assert trust.team_of("Nia") == north.lead.team_id
    with unit_of_work(trust.engine) as session:
        teams = team_transfer.trust_teams(session, north.lead)
    assert [t.name for t in teams] == ["South"]


def test_decided_against_what_the_lead_saw(trust: Trust) -> None:
    north = trust.north
    with pytest.raises(ConcurrentEditError) as caught:
        transfer(trust, ["Nia"], expected={trust.kid("Nia"): north.bea.user_id})
    assert "Nia Okafor is now on Ann Ahmed's caseload" in str(caught.value)
    assert trust.team_of("Nia") == north.lead.team_id
    transfer(trust, ["Una"])
    # The same lead, on a board opened before: Una has gone already.
    with pytest.raises(ConcurrentEditError) as caught:
        transfer(trust, ["Una"], expected={trust.kid("Una"): None})
    assert "Una Mensah is no longer in your team" in str(caught.value)
    assert count(trust, TeamTransfer) == 2


def test_a_child_known_to_another_team_is_not_registered_again_nor_named(trust: Trust) -> None:
    with unit_of_work(trust.engine) as session:
        nhs = session.get_one(Child, trust.kid("Nia")).nhs_number
        family_id = factories.family(session, session.get_one(Team, trust.south_id), "Okafor").id
    details = ChildDetails(
        nhs_number=nhs,
        given_name="Nia",
        family_name="Okafor",
        date_of_birth=dt.date(2026, 6, 1),
        sex=Sex.FEMALE,
        gestation_weeks=40,
        gestation_days=0,
        birth_weight_kg=3.4,
        family_id=family_id,
    )
    with pytest.raises(DuplicateError) as caught, unit_of_work(trust.engine) as session:
        register_child(session, trust.north.stranger, details, today=TODAY)
    message = str(caught.value)
    assert "Ask your team lead to arrange a transfer from the other team" in message
    assert "Nia" not in message and "Okafor" not in message


@pytest.mark.postgres
def test_two_transfers_of_one_child_at_once_one_wins(postgres_engine: Engine) -> None:
    """Two real sessions on PostgreSQL: the second waits on the row lock, then is told."""
    trust = build_trust(postgres_engine)
    with unit_of_work(postgres_engine) as session:
        west = factories.team(session, "West").id
    una = trust.kid("Una")
    outcome: dict[str, Any] = {}
    started = threading.Event()

    def second() -> None:
        started.set()
        try:
            transfer(trust, ["Una"], to_team_id=west, expected={una: None})
        except Exception as exc:  # what the second lead is told
            outcome["error"] = exc

    with unit_of_work(postgres_engine) as session:
        team_transfer.transfer_to_team(
            session,
            trust.north.lead,
            [una],
            trust.south_id,
            reason="Moved to Beeston",
            effective_date=MOVED_ON,
            today=TODAY,
            expected={una: None},
        )
        worker = threading.Thread(target=second)
        worker.start()
        started.wait(5)
        worker.join(0.5)
        assert worker.is_alive(), "the second waits for the first to finish"
    worker.join(10)
    assert not worker.is_alive()
    assert isinstance(outcome.get("error"), ConcurrentEditError)
    assert "Una Mensah is no longer in your team" in str(outcome["error"])
    assert trust.team_of("Una") == trust.team_of("Kofi") == trust.south_id
    with unit_of_work(postgres_engine) as session:
        assert set(session.scalars(select(TeamTransfer.to_team_id))) == {trust.south_id}


def test_a_write_between_read_and_update_is_caught_by_the_version(trust: Trust) -> None:
    """Someone else's UPDATE lands after the read: the version check refuses the transfer."""
    una = trust.kid("Una")

    def colleague_writes(flushing: Session, *_: Any) -> None:
        flushing.connection().execute(
            update(Child)
            .where(Child.id == una)
            .values(version=Child.version + 1, health_visitor_id=trust.north.ann.user_id)
        )

    with (
        pytest.raises(ConcurrentEditError, match="at the same moment"),
        unit_of_work(trust.engine) as session,
    ):
        event.listen(session, "before_flush", colleague_writes, once=True)
        team_transfer.transfer_to_team(
            session,
            trust.north.lead,
            [una],
            trust.south_id,
            reason="Moved",
            effective_date=MOVED_ON,
            today=TODAY,
            move_family=False,
        )
    assert trust.team_of("Una") == trust.north.lead.team_id
    assert count(trust, TeamTransfer) == 0
