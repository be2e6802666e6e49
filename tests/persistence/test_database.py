"""Opening databases: SQLite settings, schema checks, config and the keyring."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from healthvisitor.config import choose_database, user_config_file
from healthvisitor.errors import ConfigurationError, SchemaOutOfDateError
from healthvisitor.persistence.credentials import store_password
from healthvisitor.persistence.database import (
    SCHEMA_HEAD,
    create_database_engine,
    current_revision,
    downgrade,
    prepare,
)
from healthvisitor.startup import open_database


def test_sqlite_is_opened_crash_safe(sqlite_engine: Engine) -> None:
    with sqlite_engine.connect() as connection:
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL


def test_a_new_local_database_is_created_and_migrated_on_first_use(tmp_path: Path) -> None:
    opened = open_database()
    try:
        assert opened.choice.source == "the default local database"
        assert Path(opened.engine.url.database or "").is_relative_to(tmp_path)
        assert current_revision(opened.engine) == SCHEMA_HEAD
    finally:
        opened.engine.dispose()


@pytest.mark.postgres
def test_the_app_never_migrates_a_shared_database(postgres_engine: Engine) -> None:
    downgrade(postgres_engine, "base")
    with pytest.raises(SchemaOutOfDateError, match="administrator must"):
        prepare(postgres_engine)
    assert current_revision(postgres_engine) is None


def test_database_choice_order(monkeypatch: pytest.MonkeyPatch) -> None:
    config = user_config_file()
    config.parent.mkdir(parents=True)
    config.write_text('[database]\nurl = "postgresql://hv@db.trust.nhs.uk/health"\n')
    assert choose_database().source == str(config)
    assert choose_database().url.drivername == "postgresql+psycopg"
    monkeypatch.setenv("HEALTHVISITOR_DATABASE_URL", "sqlite:///env.db")
    assert choose_database().url.database == "env.db"
    assert choose_database("sqlite:///cli.db").url.database == "cli.db"
    assert choose_database(demo=True).url.database.endswith("demo.db")  # type: ignore[union-attr]


def test_a_password_in_a_config_file_is_refused(tmp_path: Path) -> None:
    config = user_config_file()
    config.parent.mkdir(parents=True)
    config.write_text('[database]\nurl = "postgresql://hv:secret@db/health"\n')
    with pytest.raises(ConfigurationError, match="must never be kept in a file"):
        choose_database()


def test_an_unknown_database_kind_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="SQLite or PostgreSQL"):
        choose_database("mysql://x@y/z")


def test_without_a_keyring_storing_a_password_explains_and_writes_nothing(
    tmp_path: Path,
) -> None:
    # conftest selects keyring's "fail" backend: a machine with no keyring.
    url = choose_database("postgresql://hv@db/health").url
    with pytest.raises(ConfigurationError, match="never writes it to a file"):
        store_password(url, "s3cret-pass")
    for root, _dirs, files in os.walk(tmp_path):
        for name in files:
            assert b"s3cret-pass" not in (Path(root) / name).read_bytes()


def test_engine_hides_password_when_described() -> None:
    choice = choose_database("postgresql://hv:topsecret@db/health")
    assert "topsecret" not in choice.describe()
    engine = create_database_engine(choice.url)
    assert "topsecret" not in repr(engine)
    engine.dispose()
