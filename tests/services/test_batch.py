"""``batch.among``: the caseload's batches name their children the same way on both
engines, and on PostgreSQL as one parameter however many there are; ``batch.alongside``
reads on a second connection there (issue 10)."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from healthvisitor.persistence.models import Child, Team
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services import batch
from tests import factories
from tests.statements import statements_sent


def test_among_finds_exactly_the_ids_given_in_any_form(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        team = factories.team(session)
        me = factories.user(session, team)
        family = factories.family(session, team)
        ids = [factories.child(session, family, me).id for _ in range(5)]
    chosen, stranger = ids[1:4], uuid.uuid4()
    with unit_of_work(engine) as session:

        def found(among: Any) -> set[uuid.UUID]:
            query = select(Child.id).where(batch.among(session, Child.id, among))
            return set(session.scalars(query))

        assert found(chosen) == found(set(chosen)) == found(batch.Ids(chosen)) == set(chosen)
        assert found([*chosen, stranger]) == set(chosen)  # an id with no row finds nothing
        assert found([]) == found(batch.Ids()) == set()
        subquery = select(Child.id).where(Child.id.in_(chosen))
        assert found(subquery) == set(chosen)


@pytest.mark.postgres
def test_on_postgresql_the_ids_are_one_parameter_whatever_their_number(
    postgres_engine: Engine,
) -> None:
    few = [uuid.uuid4() for _ in range(3)]
    many = [uuid.uuid4() for _ in range(400)]
    with unit_of_work(postgres_engine) as session, statements_sent(postgres_engine) as statements:
        for ids in (few, batch.Ids(many)):
            session.execute(select(Child.id).where(batch.among(session, Child.id, ids))).all()
    (small, small_parameters), (large, large_parameters) = statements
    assert small == large  # the same text: one parameter, not one for each id
    assert len(small_parameters) == len(large_parameters) == 1
    (array,) = large_parameters.values()
    assert array == "{" + ",".join(str(each) for each in many) + "}"


# --- ``batch.alongside``: a caseload's second connection (issue 10) ------------------


def _backend(session: Session) -> Any:
    """Which server process (PostgreSQL) or which connection (SQLite) the session uses."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        return connection.scalar(text("SELECT pg_backend_pid()"))
    return id(connection.connection.dbapi_connection)


def test_alongside_reads_what_the_session_would_and_hands_it_back(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        team = factories.team(session)
        family = factories.family(session, team)
        ids = {factories.child(session, family).id for _ in range(3)}
    with unit_of_work(engine) as session:
        mine = _backend(session)
        with batch.alongside(
            session, lambda own: (_backend(own), set(own.scalars(select(Child.id))))
        ) as read:
            also_mine = set(session.scalars(select(Child.id)))
            theirs, found = read()
    assert found == also_mine == ids
    # On PostgreSQL another server process read it; SQLite's snapshot is the
    # transaction's, so there it is read on the session itself.
    assert (theirs != mine) == (engine.dialect.name == "postgresql")


def test_what_alongside_raises_is_raised_to_the_caller(engine: Engine) -> None:
    def broken(own: Session) -> object:
        return own.execute(text("SELECT * FROM no_such_table")).all()

    with (
        pytest.raises(DBAPIError),
        unit_of_work(engine) as session,
        batch.alongside(session, broken) as read,
    ):
        read()


@pytest.mark.postgres
def test_a_caller_that_fails_is_not_kept_waiting_for_the_read_alongside(
    postgres_engine: Engine,
) -> None:
    def slow(own: Session) -> object:
        return own.execute(text("SELECT pg_sleep(3)")).all()

    started = time.monotonic()
    with (
        pytest.raises(RuntimeError, match="the caller's own failure"),
        unit_of_work(postgres_engine) as session,
        batch.alongside(session, slow),
    ):
        session.execute(text("SELECT 1"))
        raise RuntimeError("the caller's own failure")
    assert time.monotonic() - started < 2  # told at once, not after the 3 s read
    # The read finishes on its own and gives its connection back to the pool.
    while postgres_engine.pool.checkedout() and time.monotonic() - started < 10:
        time.sleep(0.1)
    assert postgres_engine.pool.checkedout() == 0


@pytest.mark.postgres
def test_alongside_never_reads_past_a_change_the_session_has_not_saved(
    postgres_engine: Engine,
) -> None:
    with unit_of_work(postgres_engine) as session:
        team = factories.team(session, "Before")
    with unit_of_work(postgres_engine) as session:
        session.get_one(Team, team.id).name = "After"  # not flushed yet
        mine = _backend(session)
        with batch.alongside(
            session, lambda own: (_backend(own), own.scalar(select(Team.name)))
        ) as read:
            theirs, name = read()
        session.rollback()
    assert (theirs, name) == (mine, "After")
