"""A save the connection drops under is explained, never a traceback (issue 9).

Real failures on the real PostgreSQL server: a closed port (the server is
down), and the session's own server process terminated (what a dropped
network or a restarted server does to a connection) before or during the
commit. Before the commit the user is told nothing was saved; during it,
that HealthVisitor cannot tell, so they look before saving again.
"""

from __future__ import annotations

import dataclasses
import socket
import uuid
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, event, text

from healthvisitor.config import DatabaseChoice, parse_url
from healthvisitor.domain.enums import Role
from healthvisitor.errors import DatabaseUnavailableError
from healthvisitor.persistence.database import create_database_engine
from healthvisitor.services.actor import Actor
from healthvisitor.services.contacts import ContactEntry
from healthvisitor.services.workspace import Workspace
from tests.saving import SavingWorld, saved, saving_world


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # closed again on leaving: nothing listens


def _workspace(engine: Engine) -> tuple[Workspace, ContactEntry]:
    world = saving_world(engine)
    return world.workspace, world.contact(measurements=())


def _contacts(engine: Engine) -> int:
    return saved(engine).contacts


def test_a_save_while_the_shared_database_is_down_says_nothing_was_saved() -> None:
    url = f"postgresql+psycopg://hv@127.0.0.1:{_closed_port()}/hv"
    engine = create_database_engine(url, password="not-needed")
    actor = Actor(uuid.uuid4(), "hv", "Test Visitor", Role.HEALTH_VISITOR, uuid.uuid4(), "here")
    workspace = Workspace(engine, actor, DatabaseChoice(parse_url(url, "test"), "test"))
    try:
        with pytest.raises(DatabaseUnavailableError) as caught:
            entry = SavingWorld(workspace, uuid.uuid4(), actor.user_id).contact()
            workspace.record_contact(entry)
    finally:
        engine.dispose()
    message = str(caught.value)
    assert message.startswith("The shared database cannot be reached (")
    assert "so the contact was not saved: nothing was saved." in message
    assert "Everything you typed is still in the form" in message


def _terminate_own_backend(engine: Engine, admin: Engine, when: str) -> None:
    """Have the server end this engine's connection at ``when``: as a dropped line does."""

    def terminate(connection: Any, *_args: Any) -> None:
        pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        with admin.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})

    if when == "commit":
        event.listen(engine, "commit", terminate, once=True)
    else:

        def before_insert(connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            if statement.lstrip().upper().startswith("INSERT INTO CONTACTS"):
                event.remove(engine, "before_cursor_execute", before_insert)
                terminate(connection)

        event.listen(engine, "before_cursor_execute", before_insert)


@pytest.fixture
def admin(postgres_engine: Engine) -> Any:
    engine = create_engine(postgres_engine.url, isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


@pytest.mark.postgres
def test_a_connection_dropped_before_the_commit_saves_nothing_and_the_next_save_works(
    postgres_engine: Engine, admin: Engine
) -> None:
    workspace, entry = _workspace(postgres_engine)
    _terminate_own_backend(postgres_engine, admin, "insert")
    with pytest.raises(DatabaseUnavailableError, match="nothing was saved") as caught:
        workspace.record_contact(entry)
    assert "The shared database cannot be reached" in str(caught.value)
    assert _contacts(postgres_engine) == 0
    # The connection is back (a new one from the pool): saving again works, once.
    workspace.record_contact(entry)
    assert _contacts(postgres_engine) == 1


@pytest.mark.postgres
def test_a_connection_dropped_during_the_commit_asks_to_look_before_saving_again(
    postgres_engine: Engine, admin: Engine
) -> None:
    workspace, entry = _workspace(postgres_engine)
    _terminate_own_backend(postgres_engine, admin, "commit")
    with pytest.raises(DatabaseUnavailableError) as caught:
        workspace.record_contact(entry)
    message = str(caught.value)
    assert "cannot tell whether it was saved" in message
    assert "look at the record before saving again" in message
    # Here the server ended the session before COMMIT reached it: not saved.
    assert _contacts(postgres_engine) == 0


@pytest.mark.postgres
def test_with_an_idempotency_key_a_save_lost_in_the_commit_may_simply_be_saved_again(
    postgres_engine: Engine, admin: Engine
) -> None:
    workspace, entry = _workspace(postgres_engine)
    keyed = dataclasses.replace(entry, idempotency_key=uuid.uuid4())
    _terminate_own_backend(postgres_engine, admin, "commit")
    with pytest.raises(DatabaseUnavailableError) as caught:
        workspace.record_contact(keyed)
    message = str(caught.value)
    assert "cannot tell yet whether it was saved" in message
    assert "Save again when the connection is back" in message
    assert "the contact is not recorded twice" in message
    first = workspace.record_contact(keyed)
    assert workspace.record_contact(keyed).contact_id == first.contact_id
    assert _contacts(postgres_engine) == 1


def test_a_local_file_that_cannot_be_written_is_said_in_words(sqlite_engine: Engine) -> None:
    import sqlite3

    from sqlalchemy.exc import OperationalError

    workspace, entry = _workspace(sqlite_engine)

    def disk_fails(*_args: Any) -> None:
        raise OperationalError("COMMIT", None, sqlite3.OperationalError("disk I/O error"))

    event.listen(sqlite_engine, "commit", disk_fails, once=True)
    with pytest.raises(DatabaseUnavailableError) as caught:
        workspace.record_contact(entry)
    message = str(caught.value)
    assert message.startswith(f"The database file {sqlite_engine.url.database} could not be")
    assert "(disk I/O error)" in message and "cannot tell whether it was saved" in message
