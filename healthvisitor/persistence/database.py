"""Opening the database: engines, connection settings and the schema version.

SQLite (the embedded, single-machine database) is opened with foreign keys
on, write-ahead logging and ``synchronous=FULL`` so that a committed clinical
entry survives a crash or power cut, and temporary files kept in memory; an
encrypted file (SQLCipher, ``healthvisitor.persistence.encryption``) the same.
PostgreSQL (the shared database) is opened by URL with the password from the
keyring.

The schema is built and upgraded only by alembic migrations. A local SQLite
file is created and upgraded automatically; a shared PostgreSQL database is
never migrated by the desktop app: an older schema stops it with a message
telling the user an administrator must run ``healthvisitor db upgrade``.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, ExceptionContext
from sqlalchemy.exc import DatabaseError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from healthvisitor.errors import (
    DatabaseUnavailableError,
    PasswordRequiredError,
    SchemaOutOfDateError,
    ServerUnreachableError,
)
from healthvisitor.persistence.credentials import password_request, stored_password, with_password
from healthvisitor.persistence.unit_of_work import unit_of_work

if TYPE_CHECKING:
    from alembic.config import Config

T = TypeVar("T")

#: How long (ms) SQLite waits for another writer before reporting the database busy.
SQLITE_BUSY_TIMEOUT_MS = 10_000
#: How long (s) to wait for the PostgreSQL server before reporting it unreachable.
POSTGRES_CONNECT_TIMEOUT_S = 10
#: Settings for the application's PostgreSQL sessions (issue 10). The app's queries
#: are short, indexed and run one user at a time: a parallel worker costs 20-30 ms to
#: start and the JIT compiler 30 ms on the board's team query, more than either saves
#: (docs/performance.md). Sent at connection, so the server's defaults stay for others.
POSTGRES_SESSION_OPTIONS = "-c jit=off -c max_parallel_workers_per_gather=0"


def _on_sqlite_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
    if mode != "memory":
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    # Sorts, temporary tables and indices stay in memory, never in a temporary
    # file beside the database (issue 8: an encrypted file's temporary files
    # would otherwise hold its pages in clear).
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.close()


def create_database_engine(
    url: URL | str, *, password: str | None = None, key: str | None = None
) -> Engine:
    """An engine for ``url``; for PostgreSQL the keyring supplies a missing password.

    ``key`` opens a local SQLite file encrypted with SQLCipher
    (``healthvisitor.persistence.encryption``; ``key_for_database`` finds it).
    """
    if isinstance(url, str):
        from sqlalchemy.engine import make_url

        url = make_url(url)
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
            if key is not None:
                from healthvisitor.persistence.encryption import encrypted_engine

                return encrypted_engine(Path(database), key)
            engine = create_engine(url)
        else:
            engine = create_engine(url, poolclass=StaticPool)
        event.listen(engine, "connect", _on_sqlite_connect)
        return engine
    if url.password is None:
        url = with_password(url, password if password is not None else stored_password(url))
    return create_engine(
        url,
        pool_pre_ping=True,
        connect_args={
            "connect_timeout": POSTGRES_CONNECT_TIMEOUT_S,
            "options": POSTGRES_SESSION_OPTIONS,
        },
    )


#: The schema revision this version of HealthVisitor needs, the newest migration shipped
#: (migrations/versions/): what ``prepare`` compares a database with at every start,
#: without importing alembic and reading every migration (issue 10: 60-90 ms of a cold
#: start). A new migration changes it too; tests/persistence/test_migrations.py checks
#: that it names alembic's head.
SCHEMA_HEAD = "0019_registration_keys"


def alembic_config(engine: Engine | None = None) -> Config:
    """The alembic configuration, pointing at the migrations shipped in the package."""
    from alembic.config import Config

    location = resources.files("healthvisitor.persistence") / "migrations"
    config = Config()
    config.set_main_option("script_location", str(location))
    if engine is not None:
        config.attributes["engine"] = engine
    return config


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at (None for an empty database).

    Read from alembic's own table, as alembic reads it, without importing alembic.
    """
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table("alembic_version"):
                return None
            revision: str | None = connection.scalar(
                text("SELECT version_num FROM alembic_version")
            )
            return revision
    except OperationalError as exc:
        raise connection_error(engine, exc) from exc
    except DatabaseError as exc:  # SQLite: "database disk image is malformed"
        raise damaged_file_error(engine, exc) from exc


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to ``revision`` (the ``healthvisitor db upgrade`` command)."""
    from alembic import command

    try:
        command.upgrade(alembic_config(engine), revision)
    except OperationalError as exc:
        raise connection_error(engine, exc) from exc
    except DatabaseError as exc:
        raise damaged_file_error(engine, exc) from exc


def downgrade(engine: Engine, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(engine), revision)


def prepare(engine: Engine) -> None:
    """Make the database ready for use by the application.

    A local SQLite file is created or upgraded in place. A shared database
    whose schema is older than this version is refused: migrating a database
    many laptops share is an administrator's decision, made on release day.
    """
    current = current_revision(engine)
    head = SCHEMA_HEAD
    if current == head:
        return
    if engine.dialect.name == "sqlite":
        upgrade(engine)
        return
    if current is None:
        raise SchemaOutOfDateError(
            "This shared database has no HealthVisitor tables yet. An administrator must "
            "set it up with 'healthvisitor db upgrade' before anyone can use it."
        )
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    known = {rev.revision for rev in script.walk_revisions()}
    if current not in known:
        raise SchemaOutOfDateError(
            f"This shared database (schema {current}) was upgraded by a newer version of "
            "HealthVisitor than this one. Ask IT to install the current version."
        )
    raise SchemaOutOfDateError(
        f"This shared database (schema {current}) is older than this version of HealthVisitor "
        f"needs ({head}). An administrator must run 'healthvisitor db upgrade' first."
    )


#: PostgreSQL's SQLSTATE for a wrong password (28P01) or a refused authorisation (28000).
AUTHENTICATION_SQLSTATES = ("28P01", "28000")


def _is_password_problem(exc: OperationalError) -> bool:
    original = exc.orig
    if getattr(original, "sqlstate", None) in AUTHENTICATION_SQLSTATES:
        return True
    # At connection time psycopg carries no SQLSTATE: libpq's own words are all
    # there is (a missing password is even decided on the client side).
    text = str(original)
    return "no password supplied" in text or "password authentication failed" in text


def connection_error(
    engine: Engine, exc: OperationalError | InterfaceError
) -> DatabaseUnavailableError:
    """The user-facing error for a failed connection (a password problem is its own kind)."""
    if (
        engine.dialect.name == "postgresql"
        and isinstance(exc, OperationalError)
        and _is_password_problem(exc)
    ):
        return PasswordRequiredError(
            password_request(engine.url, refused=engine.url.password is not None)
        )
    if engine.dialect.name == "postgresql":
        return ServerUnreachableError(describe_connection_error(engine, exc))
    return DatabaseUnavailableError(describe_connection_error(engine, exc))


def save_interrupted(
    engine: Engine, exc: Exception, what: str, *, committing: bool, retry_safe: bool = False
) -> DatabaseUnavailableError:
    """The user's words for a save the database connection failed under (issue 9).

    Before the commit, nothing was saved, and the user can simply save again.
    During the commit the server may have saved it just before the line
    dropped, and nothing here can tell. With an idempotency key
    (``retry_safe``) saving again is safe: a save that did reach the database
    is found, not repeated. Without one, the user is asked to look first. The
    form stays open with everything typed, and its draft stays on disk.
    """
    kept = (
        "Everything you typed is still in the form, and kept on this computer even if "
        "HealthVisitor is closed."
    )
    detail = str(getattr(exc, "orig", exc)).strip().splitlines()
    reason = f" ({detail[0]})" if detail else ""
    if engine.dialect.name == "sqlite":
        where = f"The database file {engine.url.database} could not be written{reason}"
    else:
        where = f"The shared database cannot be reached{reason}"
    if committing and retry_safe:
        return DatabaseUnavailableError(
            f"{where} while the {what} was being saved, so HealthVisitor cannot tell yet "
            f"whether it was saved. {kept} Save again when the connection is back: if the "
            f"first save did reach the database, the {what} is not recorded twice."
        )
    if committing:
        return DatabaseUnavailableError(
            f"{where} while the {what} was being saved, so HealthVisitor cannot tell whether "
            f"it was saved. {kept} When the connection is back, look at the record before "
            f"saving again, so that the {what} is not recorded twice."
        )
    return DatabaseUnavailableError(
        f"{where}, so the {what} was not saved: nothing was saved. {kept} Save again when "
        "the connection is back; if it does not come back, tell your system administrator."
    )


def save_once(
    engine: Engine,
    what: str,
    key: uuid.UUID | None,
    save: Callable[[Session], T],
    earlier: Callable[[Session, uuid.UUID], T | None],
) -> T:
    """Run ``save`` in one unit of work, applied exactly once for idempotency ``key``.

    ``save`` itself returns an earlier save with the same key (``earlier``) if
    one is there. If a second save with the key races the first, the unique
    constraint stops it (``IntegrityError``) and the first one's result is
    returned. A dropped connection is a ``DatabaseUnavailableError`` in the
    user's words (``save_interrupted``): saving again with the same key is safe.
    """
    committing = False
    try:
        try:
            with unit_of_work(engine) as session:
                result = save(session)
                committing = True  # everything is sent; the commit follows on leaving
            return result
        except IntegrityError:
            if key is None:
                raise
            with unit_of_work(engine) as session:
                found = earlier(session, key)
            if found is None:
                raise
            return found
    except (OperationalError, InterfaceError) as exc:
        raise save_interrupted(
            engine, exc, what, committing=committing, retry_safe=key is not None
        ) from exc


def check_connection(engine: Engine) -> None:
    """Ask the server a trivial question; ``DatabaseUnavailableError`` if it cannot answer."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except (OperationalError, InterfaceError) as exc:
        raise connection_error(engine, exc) from exc


def watch_connection(engine: Engine, lost: Callable[[str], None]) -> Callable[[], None]:
    """Call ``lost`` (with the user's words) whenever the connection to the database fails.

    A broken connection during a query, or a failure to connect at all (the
    server stopped, the network dropped), on whatever thread it happens: the
    window shows that it is offline (issue 9). A wrong password is not
    "offline". Returns a function that stops watching.
    """

    def handle_error(context: ExceptionContext) -> None:
        error = context.sqlalchemy_exception
        failed_to_connect = context.connection is None and isinstance(
            error, OperationalError | InterfaceError
        )
        if not (context.is_disconnect or failed_to_connect):
            return
        if isinstance(error, OperationalError) and _is_password_problem(error):
            return
        lost(describe_connection_error(engine, context.original_exception))

    event.listen(engine, "handle_error", handle_error)

    def stop() -> None:
        if event.contains(engine, "handle_error", handle_error):
            event.remove(engine, "handle_error", handle_error)

    return stop


def damaged_file_error(engine: Engine, exc: DatabaseError) -> DatabaseUnavailableError:
    """A local file SQLite cannot read: the same message as the check on opening."""
    if engine.dialect.name != "sqlite" or not engine.url.database:
        return DatabaseUnavailableError(describe_connection_error(engine, exc))
    from healthvisitor.config import data_dir
    from healthvisitor.persistence.backup import (
        DatabaseDamagedError,
        backups_folder,
        damaged_message,
        last_good_backup,
    )

    path = Path(engine.url.database)
    detail = str(exc.orig).strip() or type(exc.orig).__name__
    backup = last_good_backup(backups_folder(path, data_dir()))
    return DatabaseDamagedError(damaged_message(path, [detail], backup))


def describe_connection_error(engine: Engine, exc: BaseException) -> str:
    where = engine.url.render_as_string(hide_password=True)
    detail = str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc) else ""
    if engine.dialect.name == "sqlite":
        return f"Cannot open the database file {engine.url.database}: {detail}"
    return (
        f"Cannot reach the shared database at {where}: {detail}. Check the network "
        "connection; if it persists, tell your system administrator."
    )
