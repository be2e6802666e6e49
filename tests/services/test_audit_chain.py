"""The tamper-evident audit chain (issue 8), on SQLite and PostgreSQL.

Each tamper is made the way someone with the database owner's rights would
make it: the append-only trigger switched off first, then plain SQL. Each
must be found, and the first broken event named. Two real PostgreSQL
sessions appending at once must give one unbroken chain. Events are linked
when their unit of work commits (issue 9): a unit of work still open holds
no lock on the chain, the chain is in commit order, and one that rolls back
leaves no event and no gap.
"""

from __future__ import annotations

import os
import stat
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DatabaseError, IntegrityError
from sqlalchemy.orm import Session

from healthvisitor.domain.enums import Role
from healthvisitor.persistence import audit_key
from healthvisitor.persistence.database import downgrade, upgrade
from healthvisitor.persistence.models import AuditChainHead, AuditEvent, User
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services import audit_chain
from healthvisitor.services.audit import record_event
from healthvisitor.services.audit_chain import ChainReport, verify_chain
from tests import factories

EVENTS = 6


@pytest.fixture(autouse=True)
def _no_key_from_an_earlier_test() -> Iterator[None]:
    audit_key.forget_cached_keys()
    yield
    audit_key.forget_cached_keys()


def write_events(engine: Engine, count: int = EVENTS) -> list[uuid.UUID]:
    with unit_of_work(engine) as session:
        nurse = factories.actor(factories.user(session, factories.team(session)))
        made = [
            record_event(session, nurse, "view", "child", uuid.uuid4(), step=n)
            for n in range(count)
        ]
        session.flush()
        return [event.id for event in made]


def verify(engine: Engine) -> ChainReport:
    with unit_of_work(engine) as session:
        return verify_chain(session)


@contextmanager
def as_the_database_owner(engine: Engine) -> Iterator[None]:
    """Switch the append-only triggers off, as an owner could, and back on after."""
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
        else:
            connection.execute(text("DROP TRIGGER IF EXISTS audit_events_no_update"))
            connection.execute(text("DROP TRIGGER IF EXISTS audit_events_no_delete"))
    try:
        yield
    finally:
        if engine.dialect.name == "postgresql":
            with engine.begin() as connection:
                connection.execute(text("ALTER TABLE audit_events ENABLE TRIGGER USER"))


def tamper(engine: Engine, statement: str, **params: object) -> None:
    with as_the_database_owner(engine), engine.begin() as connection:
        connection.execute(text(statement), params)


def test_an_untouched_trail_verifies(engine: Engine) -> None:
    write_events(engine)
    report = verify(engine)
    assert report.intact and report.events == EVENTS
    with unit_of_work(engine) as session:
        sequences = list(session.scalars(select(AuditEvent.sequence).order_by(AuditEvent.sequence)))
        head = session.get_one(AuditChainHead, 1)
    assert sequences == list(range(1, EVENTS + 1))
    assert head.sequence == EVENTS


def test_an_edited_event_is_found(engine: Engine) -> None:
    write_events(engine)
    tamper(engine, "UPDATE audit_events SET details = '{\"step\": 99}' WHERE sequence = 3")
    report = verify(engine)
    assert report.problem is not None and report.problem.sequence == 3
    assert "changed" in report.problem.describe()


def test_an_edited_time_or_user_is_found(engine: Engine) -> None:
    write_events(engine)
    tamper(engine, "UPDATE audit_events SET user_id = NULL WHERE sequence = 2")
    problem = verify(engine).problem
    assert problem is not None and problem.sequence == 2


def test_a_deleted_event_is_found(engine: Engine) -> None:
    write_events(engine)
    tamper(engine, "DELETE FROM audit_events WHERE sequence = 4")
    problem = verify(engine).problem
    assert problem is not None and problem.sequence == 5
    assert "event 4 is missing before it (deleted)" in problem.describe()


def test_reordered_events_are_found(engine: Engine) -> None:
    write_events(engine)
    tamper(
        engine,
        "UPDATE audit_events SET sequence = CASE sequence WHEN 2 THEN -3 ELSE -2 END "
        "WHERE sequence IN (2, 3)",
    )
    tamper(engine, "UPDATE audit_events SET sequence = -sequence WHERE sequence < 0")
    problem = verify(engine).problem
    assert problem is not None and problem.sequence == 2
    assert "moved from another place" in problem.describe()


def test_a_truncated_end_is_found_through_the_chain_head(engine: Engine) -> None:
    write_events(engine)
    tamper(engine, "DELETE FROM audit_events WHERE sequence > 4")
    problem = verify(engine).problem
    assert problem is not None and problem.sequence == 5
    assert "events 5 to 6 are missing from the end (truncated)" in problem.describe()


def test_an_altered_chain_head_is_found(engine: Engine) -> None:
    write_events(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE audit_chain_head SET signed_from = 4"))
    problem = verify(engine).problem
    assert problem is not None and problem.sequence == 1
    assert "head was altered" in problem.describe()


def test_a_forged_event_after_the_head_is_found(engine: Engine) -> None:
    write_events(engine)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO audit_events (id, occurred_at, action, entity_type, details,"
                " machine, sequence, row_hash) VALUES (:id, '2026-11-24 09:00:00', 'view',"
                " 'child', '{}', '', :n, :h)"
            ),
            {
                "id": uuid.uuid4().hex if engine.dialect.name == "sqlite" else str(uuid.uuid4()),
                "n": EVENTS + 1,
                "h": "0" * 64,
            },
        )
    problem = verify(engine).problem
    assert problem is not None and problem.sequence == EVENTS + 1


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_events SET action = 'x'", "DELETE FROM audit_events"]
)
def test_the_database_refuses_to_change_or_delete_an_event(engine: Engine, statement: str) -> None:
    write_events(engine, 2)
    with pytest.raises(DatabaseError, match="append-only"), engine.begin() as connection:
        connection.execute(text(statement))
    assert verify(engine).intact


def test_the_key_is_kept_outside_the_database_readable_by_this_user_only(
    sqlite_engine: Engine,
) -> None:
    write_events(sqlite_engine, 1)
    with unit_of_work(sqlite_engine) as session:
        chain_id = session.get_one(AuditChainHead, 1).chain_id
    key_file = audit_key.key_file(chain_id)
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(key_file.parent).st_mode) == 0o700
    key = key_file.read_text().strip()
    database = Path(str(sqlite_engine.url.database))
    sqlite_engine.dispose()
    stored = b"".join(p.read_bytes() for p in database.parent.glob(database.name + "*"))
    assert key.encode() not in stored and bytes.fromhex(key) not in stored


def test_a_signed_chain_is_not_extended_with_a_new_key(
    sqlite_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_events(sqlite_engine, 1)
    audit_key.forget_cached_keys()
    monkeypatch.setenv("HEALTHVISITOR_DATA_DIR", str(tmp_path / "another-computer"))
    with pytest.raises(audit_key.AuditKeyMissingError, match="does not hold the key"):
        write_events(sqlite_engine, 1)
    assert verify_fails_without_key(sqlite_engine)


def verify_fails_without_key(engine: Engine) -> bool:
    try:
        verify(engine)
    except audit_key.AuditKeyMissingError:
        return True
    return False


@pytest.mark.postgres
def test_two_sessions_appending_at_once_make_one_unbroken_chain(postgres_engine: Engine) -> None:
    write_events(postgres_engine, 1)  # the key exists before the writers start
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            start.wait()
            for _ in range(15):
                write_events(postgres_engine, 2)
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=writer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    report = verify(postgres_engine)
    assert report.intact, report.problem
    assert report.events == 1 + 2 * 15 * 2


def test_events_from_before_the_chain_are_numbered_not_signed(engine: Engine) -> None:
    """Release day: events written before migration 0009 are kept, numbered in the
    order they happened, and counted as unsigned; the chain begins after them."""
    downgrade(engine, "0008_performance_indexes")
    with engine.begin() as connection:
        for minute in (5, 1):
            event_id = uuid.uuid4()
            connection.execute(
                text(
                    "INSERT INTO audit_events (id, occurred_at, action, entity_type, details,"
                    " machine) VALUES (:id, :at, 'view', 'child', '{}', 'old-pc')"
                ),
                {
                    "id": event_id.hex if engine.dialect.name == "sqlite" else str(event_id),
                    "at": f"2026-11-01 10:0{minute}:00",
                },
            )
    upgrade(engine)
    write_events(engine, 2)
    report = verify(engine)
    assert report.intact and (report.events, report.unsigned) == (4, 2)
    with unit_of_work(engine) as session:
        old = session.scalars(select(AuditEvent).order_by(AuditEvent.sequence).limit(2)).all()
    assert [e.occurred_at.minute for e in old] == [1, 5]
    assert [e.row_hash for e in old] == [None, None]


def chain_of(engine: Engine) -> list[tuple[int, str]]:
    with unit_of_work(engine) as session:
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.sequence))
        return [(event.sequence, event.action) for event in events]


def test_an_open_unit_of_work_does_not_hold_up_another_users_audited_action(
    engine: Engine,
) -> None:
    """Issue 9: opening a record (an audited view) waited for every other session's
    whole unit of work. Now the chain is locked only while a unit of work commits;
    the chain is in commit order, each event keeping the time of its action."""
    write_events(engine, 1)
    with unit_of_work(engine) as slow:  # reads only, as opening a record does
        nurse = factories.actor(slow.scalars(select(User)).one())
        first_made = record_event(slow, nurse, "view", "child", uuid.uuid4())
        with unit_of_work(engine) as quick:
            if engine.dialect.name == "postgresql":  # fail, not hang, if it were locked
                quick.execute(text("SET LOCAL lock_timeout = '3s'"))
            record_event(quick, None, "search", "child", None)
        assert chain_of(engine) == [(1, "view"), (2, "search")]
    assert chain_of(engine) == [(1, "view"), (2, "search"), (3, "view")]
    assert first_made.sequence == 3
    with unit_of_work(engine) as session:
        search = session.scalars(select(AuditEvent).where(AuditEvent.sequence == 2)).one()
    assert first_made.occurred_at < search.occurred_at
    assert verify(engine).intact


def test_a_unit_of_work_rolled_back_leaves_no_event_and_no_gap(engine: Engine) -> None:
    write_events(engine, 2)
    with pytest.raises(RuntimeError), unit_of_work(engine) as session:
        record_event(session, None, "view", "child", uuid.uuid4())
        raise RuntimeError("the user's action failed")
    with pytest.raises(IntegrityError), unit_of_work(engine) as session:
        record_event(session, None, "create", "user", uuid.uuid4())
        taken = session.scalars(select(User.username).limit(1)).one()
        session.add(User(username=taken, full_name="Twice", role=Role.HEALTH_VISITOR))
    write_events(engine, 1)
    assert [sequence for sequence, _ in chain_of(engine)] == [1, 2, 3]
    report = verify(engine)
    assert report.intact and report.events == 3


def test_a_savepoint_rolled_back_drops_only_its_own_events(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        record_event(session, None, "view", "child", None, step="kept before")
        savepoint = session.begin_nested()
        record_event(session, None, "view", "child", None, step="dropped")
        savepoint.rollback()
        with session.begin_nested():
            record_event(session, None, "view", "child", None, step="kept in a savepoint")
        record_event(session, None, "view", "child", None, step="kept after")
    with unit_of_work(engine) as session:
        steps = list(session.scalars(select(AuditEvent.details).order_by(AuditEvent.sequence)))
    assert steps == [
        '{"step": "kept before"}',
        '{"step": "kept in a savepoint"}',
        '{"step": "kept after"}',
    ]
    assert verify(engine).intact


def test_events_committed_while_the_trail_is_verified_are_not_taken_for_tampering(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Verifying a shared database in use: others save while it reads, just after it
    first read the chain head and just after it read the events."""
    write_events(engine, 3)
    walk = audit_chain._in_order
    walks: list[int | None] = []

    def others_saving_meanwhile(session: Session, after: int | None = None) -> Iterator[AuditEvent]:
        walks.append(after)
        if len(walks) == 1:
            write_events(engine, 1)
        yield from walk(session, after)
        if len(walks) == 1:
            write_events(engine, 1)

    monkeypatch.setattr(audit_chain, "_in_order", others_saving_meanwhile)
    report = verify(engine)
    assert report.intact, report.problem
    assert report.events == 5 and walks == [None, 4]
