"""Shared fixtures.

* Every test runs with its own data, config and machine-config folders, so no
  test ever reads or writes a real user's files or database.
* ``engine`` gives a migrated database (built by alembic ``upgrade head``,
  never ``create_all``), once on SQLite and once on the real PostgreSQL server
  (127.0.0.1:5432, TOOLCHAIN.md). With ``CI=true`` an unreachable PostgreSQL
  fails the run; elsewhere those tests are skipped with the reason.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

# Before anything imports Qt or keyring.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"

import keyring
import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from healthvisitor.persistence import audit_key
from healthvisitor.persistence.database import (
    SCHEMA_HEAD,
    create_database_engine,
    current_revision,
    upgrade,
)
from healthvisitor.persistence.models import Base
from tests.keyrings import MemoryKeyring
from tests.private_postgres import ClusterUnavailableError, PrivateCluster

POSTGRES_ADMIN_URL = os.environ.get(
    "HEALTHVISITOR_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(autouse=True)
def _isolated_user_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEALTHVISITOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("HEALTHVISITOR_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("HEALTHVISITOR_MACHINE_CONFIG", str(tmp_path / "machine" / "config.toml"))
    monkeypatch.delenv("HEALTHVISITOR_DATABASE_URL", raising=False)


# --- SQLite ------------------------------------------------------------------


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = create_database_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture
def sqlite_engine(_sqlite_template: Path, tmp_path: Path) -> Iterator[Engine]:
    path = tmp_path / "healthvisitor.db"
    shutil.copy(_sqlite_template, path)
    engine = create_database_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


# --- PostgreSQL --------------------------------------------------------------


def _postgres_unavailable(reason: str, where: str = POSTGRES_ADMIN_URL) -> None:
    message = f"PostgreSQL at {where} is not usable: {reason}"
    if IN_CI:
        pytest.fail(message + " (CI=true: PostgreSQL tests must run)", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A private database on the real server for this test session; the URL."""
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"hv_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # any failure to reach the server
        admin.dispose()
        _postgres_unavailable(str(exc).splitlines()[0])
    url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def _postgres_migrated(postgres_server: str) -> str:
    engine = create_database_engine(postgres_server)
    upgrade(engine)
    engine.dispose()
    return postgres_server


def _clean_postgres(engine: Engine) -> None:
    """Empty every table but the schema version and the seeded reference data."""
    tables = [
        table.name
        for table in reversed(Base.metadata.sorted_tables)
        if table.name != "referral_types"
    ]
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {', '.join(tables)} CASCADE"))


@pytest.fixture
def postgres_engine(_postgres_migrated: str) -> Iterator[Engine]:
    engine = create_database_engine(_postgres_migrated)
    if current_revision(engine) != SCHEMA_HEAD:  # a migration test went down
        upgrade(engine)
    _clean_postgres(engine)
    yield engine
    engine.dispose()


# --- Both --------------------------------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest) -> Engine:
    """A migrated, empty database: SQLite, then the real PostgreSQL server."""
    fixture = "sqlite_engine" if request.param == "sqlite" else "postgres_engine"
    result: Engine = request.getfixturevalue(fixture)
    return result


# --- A private PostgreSQL server that demands a password -----------------------

PROTECTED_PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="session")
def password_protected_postgres() -> Iterator[str]:
    """A throwaway PostgreSQL cluster with SCRAM password authentication on 127.0.0.1.

    The project's shared server trusts local connections, so it cannot show
    what happens when a password is missing or wrong; this one can
    (TOOLCHAIN.md: initdb as the postgres user, about a second).
    Yields the URL of database ``hv`` for role ``hv``, without the password.
    """
    try:
        cluster = PrivateCluster.create("--auth-local=trust", "--auth-host=scram-sha-256")
    except ClusterUnavailableError as exc:
        _postgres_unavailable(str(exc), where="a private cluster")
    try:
        cluster.psql(f"CREATE ROLE hv LOGIN PASSWORD '{PROTECTED_PASSWORD}'")
        cluster.psql("CREATE DATABASE hv OWNER hv")
        yield f"postgresql+psycopg://hv@127.0.0.1:{cluster.port}/hv"
    finally:
        cluster.destroy()


# --- A private PostgreSQL cluster to stop and start under a running app (issue 9) ---


@pytest.fixture(scope="session")
def private_postgres() -> Iterator[PrivateCluster]:
    """A throwaway cluster of this test session's own (trust on 127.0.0.1), running,
    with database ``hv`` migrated to head. Tests stop and start it
    (tests/private_postgres.py) and leave it running."""
    try:
        cluster = PrivateCluster.create("--auth=trust")
    except ClusterUnavailableError as exc:
        _postgres_unavailable(str(exc), where="a private cluster")
    try:
        cluster.psql("CREATE DATABASE hv")
        engine = create_database_engine(cluster.url("hv"), password="")
        upgrade(engine)
        engine.dispose()
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture
def private_postgres_hv(private_postgres: PrivateCluster) -> Iterator[PrivateCluster]:
    """The private cluster, running, with its migrated database ``hv`` emptied."""
    if not private_postgres.running():
        private_postgres.start()
    engine = create_database_engine(private_postgres.url("hv"), password="")
    _clean_postgres(engine)
    engine.dispose()
    yield private_postgres
    if not private_postgres.running():
        private_postgres.start()


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    before = keyring.get_keyring()
    kept = MemoryKeyring()
    keyring.set_keyring(kept)
    audit_key.forget_cached_keys()  # audit chain keys come from this keyring too
    yield kept
    keyring.set_keyring(before)
    audit_key.forget_cached_keys()
