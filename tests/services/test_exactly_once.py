"""A save retried with the same idempotency key is applied exactly once (issue 9).

The form chooses the key when it opens; whatever happened to the first save
(applied, lost, or still in flight in another connection), saving again with
the key gives the first save's result and writes nothing more. On both
engines; the race of two saves with one key on the real PostgreSQL server.
"""

from __future__ import annotations

import threading
import uuid
from typing import Any

import pytest
from sqlalchemy import Engine, event

from healthvisitor.services.contacts import RecordedContact
from tests.saving import Saved, saved, saving_world


def test_a_contact_saved_twice_with_one_key_is_recorded_once(engine: Engine) -> None:
    world = saving_world(engine)
    key = uuid.uuid4()
    first = world.workspace.record_contact(world.contact(key))
    again = world.workspace.record_contact(world.contact(key))
    assert not first.replayed and again.replayed
    assert again.contact_id == first.contact_id
    assert again.measurements == first.measurements  # the same centiles, not recalculated
    assert saved(engine) == Saved(contacts=1, measurements=1, contact_events=1, referrals=0)


def test_contacts_with_different_keys_or_none_are_each_recorded(engine: Engine) -> None:
    world = saving_world(engine)
    world.workspace.record_contact(world.contact(uuid.uuid4()))
    world.workspace.record_contact(world.contact(uuid.uuid4()))
    world.workspace.record_contact(world.contact(None))
    world.workspace.record_contact(world.contact(None))
    assert saved(engine).contacts == 4


def test_a_referral_saved_twice_with_one_key_is_made_once(engine: Engine) -> None:
    world = saving_world(engine)
    key = uuid.uuid4()
    first = world.workspace.make_referral(world.referral(key))
    assert world.workspace.make_referral(world.referral(key)) == first
    assert world.workspace.make_referral(world.referral(uuid.uuid4())) != first
    assert saved(engine).referrals == 2


def _held_at_insert(engine: Engine, table: str, parties: int, *, at: str = "") -> None:
    """Hold each save at its INSERT (or the first statement containing ``at``) until
    ``parties`` saves have all looked for the key."""
    barrier = threading.Barrier(parties, timeout=20)

    def before(_connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if (at and at in statement) or (
            not at and statement.lstrip().upper().startswith(f"INSERT INTO {table.upper()} ")
        ):
            barrier.wait()

    event.listen(engine, "before_cursor_execute", before)


@pytest.mark.postgres
def test_two_saves_with_one_key_at_the_same_moment_record_one_contact(
    postgres_engine: Engine,
) -> None:
    """The retry races the first save, still in flight: the unique key decides."""
    world = saving_world(postgres_engine)
    key = uuid.uuid4()
    # Both have looked for the key and found none; a contact's save then holds its child
    # (FOR NO KEY UPDATE, so a correction of the child's details cannot slip between), so
    # the second waits there for the first's commit, then meets the key at its INSERT.
    _held_at_insert(postgres_engine, "contacts", 2, at="FOR NO KEY UPDATE")
    results: list[RecordedContact] = []
    errors: list[BaseException] = []

    def save() -> None:
        try:
            results.append(world.workspace.record_contact(world.contact(key)))
        except BaseException as exc:  # reported below, with the test's own failure
            errors.append(exc)

    threads = [threading.Thread(target=save) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert {r.contact_id for r in results} == {results[0].contact_id} and len(results) == 2
    assert sorted(r.replayed for r in results) == [False, True]
    assert saved(postgres_engine) == Saved(
        contacts=1, measurements=1, contact_events=1, referrals=0
    )


@pytest.mark.postgres
def test_two_referrals_with_one_key_at_the_same_moment_make_one(postgres_engine: Engine) -> None:
    world = saving_world(postgres_engine)
    key = uuid.uuid4()
    _held_at_insert(postgres_engine, "referrals", 2)
    results: list[uuid.UUID] = []
    threads = [
        threading.Thread(
            target=lambda: results.append(world.workspace.make_referral(world.referral(key)))
        )
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(results) == 2 and results[0] == results[1]
    assert saved(postgres_engine).referrals == 1
