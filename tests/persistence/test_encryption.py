"""The laptop's own database encrypted at rest (issue 8, "Data on a laptop").

With ``[database] encrypted = true`` a new local database is an SQLCipher
file whose key lives only in the keyring (``tests/keyrings.py``'s
``MemoryKeyring`` plays the desktop keyring). These tests read the file's
bytes, take the key away or change it, take the keyring away, damage the
file, and look at the backups. See healthvisitor/persistence/encryption.py.
"""

from __future__ import annotations

import logging
import secrets
import shutil
from pathlib import Path

import keyring
import keyring.backends.fail
import keyring.errors
import pytest
from sqlalchemy import Engine, select, text

from healthvisitor.cli import main
from healthvisitor.config import data_dir, load_settings, user_config_file
from healthvisitor.errors import ConfigurationError
from healthvisitor.persistence.backup import (
    DatabaseDamagedError,
    backups_folder,
    list_backups,
)
from healthvisitor.persistence.database import create_database_engine
from healthvisitor.persistence.encryption import (
    DATABASE_KEYRING_SERVICE,
    SQLITE_HEADER,
    DatabaseKeyError,
    connect_file,
    convert_in_place,
    is_plain_sqlite,
    keyring_account,
)
from healthvisitor.persistence.models import Carer, Child
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.startup import (
    certify_clean_close,
    database_key,
    open_database,
)
from tests import factories
from tests.keyrings import MemoryKeyring
from tests.test_secret_scan import files_under, scan

#: Names no SQLite page would hold by chance.
FAMILY_NAME = "Quennellworth"
MOTHER_NAME = "Ottolinea"


def encrypt_by_setting() -> None:
    """The user's config file turns encryption on (as IT's machine-wide one would)."""
    file = user_config_file()
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text("[database]\nencrypted = true\n")


def on_disk(path: Path) -> bytes:
    """The bytes of the file and of the files SQLite keeps beside it."""
    files = [path, *(path.with_name(path.name + suffix) for suffix in ("-wal", "-shm"))]
    return b"".join(file.read_bytes() for file in files if file.exists())


def record_a_family(engine: Engine) -> list[bytes]:
    """A child, family and mother written to ``engine``; the identifying words, as bytes."""
    with unit_of_work(engine) as session:
        team = factories.team(session, "North")
        family = factories.family(session, team, FAMILY_NAME)
        factories.carer(session, family, MOTHER_NAME)
        child = factories.child(session, family, given_name="Wilhelmina")
        nhs_number = child.nhs_number
    return [nhs_number.encode(), FAMILY_NAME.encode(), MOTHER_NAME.encode()]


@pytest.fixture
def encrypted(memory_keyring: MemoryKeyring, tmp_path: Path, _sqlite_template: Path) -> Path:
    """An encrypted HealthVisitor database holding one family, closed.

    The migrated template, encrypted as ``db encrypt`` does it (migrating takes
    seconds; a new encrypted file is made from nothing in the first test below).
    """
    encrypt_by_setting()
    path = tmp_path / "laptop" / "healthvisitor.db"
    path.parent.mkdir()
    shutil.copy(_sqlite_template, path)
    key = secrets.token_hex(32)
    memory_keyring.set_password(DATABASE_KEYRING_SERVICE, keyring_account(path), key)
    convert_in_place(path, None, key)
    opened = open_database(f"sqlite:///{path}")
    record_a_family(opened.engine)
    opened.engine.dispose()
    return path


def test_a_new_database_is_encrypted_its_key_kept_in_the_keyring_before_the_file_exists(
    memory_keyring: MemoryKeyring, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    encrypt_by_setting()
    path = tmp_path / "laptop" / "healthvisitor.db"
    file_there_when_key_kept: list[bool] = []
    real_set = memory_keyring.set_password

    def set_password(service: str, username: str, password: str) -> None:
        file_there_when_key_kept.append(path.exists())
        real_set(service, username, password)

    monkeypatch.setattr(memory_keyring, "set_password", set_password)
    opened = open_database(f"sqlite:///{path}")
    try:
        with opened.engine.connect() as connection:
            settings = [
                connection.execute(text(f"PRAGMA {name}")).scalar()
                for name in ("journal_mode", "foreign_keys", "synchronous", "temp_store")
            ]
            cipher = connection.execute(text("PRAGMA cipher_version")).scalar()
    finally:
        opened.engine.dispose()
    assert file_there_when_key_kept == [False]
    assert settings == ["wal", 1, 2, 2]  # WAL, foreign keys, synchronous=FULL, temp in memory
    assert str(cipher).startswith("4.")
    key = memory_keyring.entries[(DATABASE_KEYRING_SERVICE, keyring_account(path))]
    assert len(key) == 64
    assert not path.read_bytes().startswith(SQLITE_HEADER)
    assert key.encode() not in on_disk(path)
    reopened = open_database(f"sqlite:///{path}")  # the key from the keyring opens it again
    reopened.engine.dispose()


def test_the_file_and_its_write_ahead_log_hold_no_nhs_number_and_no_name(
    memory_keyring: MemoryKeyring, tmp_path: Path
) -> None:
    encrypt_by_setting()
    path = tmp_path / "laptop" / "healthvisitor.db"
    opened = open_database(f"sqlite:///{path}")
    words = record_a_family(opened.engine)
    with opened.engine.connect() as connection:  # with its key the file holds them all
        assert connection.scalar(select(Child.nhs_number)) == words[0].decode()
        assert connection.scalar(select(Carer.given_name)) == MOTHER_NAME
    assert path.with_name(path.name + "-wal").stat().st_size > 0
    written = on_disk(path)  # the write-ahead log as it stands, then the file alone
    opened.engine.dispose()
    folded = on_disk(path)
    for contents in (written, folded):
        assert len(contents) > 100_000
        for word in words:
            assert word not in contents
    # The same search finds them in a plain copy of the same file: it can fail.
    plain = tmp_path / "plain.db"
    shutil.copy(path, plain)
    key = memory_keyring.entries[(DATABASE_KEYRING_SERVICE, keyring_account(path))]
    convert_in_place(plain, key, None)
    assert all(word in plain.read_bytes() for word in words)


def test_every_local_connection_keeps_temporary_files_in_memory(
    encrypted: Path, memory_keyring: MemoryKeyring, tmp_path: Path
) -> None:
    plain_engine = create_database_engine(f"sqlite:///{tmp_path / 'plain.db'}")
    key = memory_keyring.entries[(DATABASE_KEYRING_SERVICE, keyring_account(encrypted))]
    encrypted_engine = create_database_engine(f"sqlite:///{encrypted}", key=key)
    try:
        for engine in (plain_engine, encrypted_engine):
            with engine.connect() as connection:
                assert connection.execute(text("PRAGMA temp_store")).scalar() == 2  # MEMORY
    finally:
        plain_engine.dispose()
        encrypted_engine.dispose()
    raw = connect_file(encrypted, key)  # the integrity check's and the backup's connection
    try:
        assert raw.execute("PRAGMA temp_store").fetchone()[0] == 2
    finally:
        raw.close()


def test_a_wrong_key_is_explained_and_the_file_left_alone(
    encrypted: Path, memory_keyring: MemoryKeyring
) -> None:
    before = on_disk(encrypted)
    memory_keyring.set_password(DATABASE_KEYRING_SERVICE, keyring_account(encrypted), "00" * 32)
    with pytest.raises(DatabaseKeyError) as caught:
        open_database(f"sqlite:///{encrypted}")
    message = str(caught.value)
    assert f"The database file {encrypted} cannot be read with the key" in message
    assert "the key does not match the file" in message and "Tell IT" in message
    assert on_disk(encrypted) == before


@pytest.mark.parametrize("setting", ["on", "off"])
def test_a_missing_key_is_explained_and_the_file_left_alone(
    encrypted: Path, memory_keyring: MemoryKeyring, setting: str
) -> None:
    """The keyring entry removed, or the file copied from another laptop (any setting)."""
    if setting == "off":
        user_config_file().unlink()
    before = on_disk(encrypted)
    memory_keyring.entries.clear()
    with pytest.raises(DatabaseKeyError) as caught:
        open_database(f"sqlite:///{encrypted}")
    message = str(caught.value)
    assert "it is encrypted, and its key is not in this computer's keyring" in message
    assert "the file came from another computer" in message
    assert "do not delete it" in message
    assert on_disk(encrypted) == before


class UnreachableKeyring(MemoryKeyring):
    """A desktop keyring that is there but locked or not answering."""

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("the keyring is locked")


def test_a_keyring_that_cannot_be_reached_or_none_at_all_is_explained(encrypted: Path) -> None:
    before = on_disk(encrypted)
    for backend, words in (
        (UnreachableKeyring(), "cannot be reached (the keyring is locked)"),
        (keyring.backends.fail.Keyring(), "it has no usable keyring"),
    ):
        kept = keyring.get_keyring()
        keyring.set_keyring(backend)
        try:
            with pytest.raises(DatabaseKeyError, match="HealthVisitor has not opened it") as caught:
                open_database(f"sqlite:///{encrypted}")
        finally:
            keyring.set_keyring(kept)
        assert words in str(caught.value)
    assert on_disk(encrypted) == before


def test_no_encrypted_database_is_made_without_a_keyring_and_no_key_written(
    tmp_path: Path,
) -> None:
    encrypt_by_setting()  # conftest: keyring's fail backend, as on a machine with none
    folder = tmp_path / "laptop"
    with pytest.raises(DatabaseKeyError, match="did not create the encrypted database"):
        open_database(f"sqlite:///{folder / 'healthvisitor.db'}")
    assert not folder.exists() or list(folder.iterdir()) == []


def test_a_plain_file_is_refused_while_the_setting_says_encrypted(tmp_path: Path) -> None:
    path = tmp_path / "healthvisitor.db"
    open_database(f"sqlite:///{path}").engine.dispose()
    before = on_disk(path)
    encrypt_by_setting()
    with pytest.raises(DatabaseKeyError) as caught:
        open_database(f"sqlite:///{path}")
    assert "is not encrypted, but this computer's settings" in str(caught.value)
    assert "'healthvisitor db encrypt'" in str(caught.value)
    assert on_disk(path) == before


def test_the_demo_stays_plain_whatever_the_setting(tmp_path: Path) -> None:
    encrypt_by_setting()  # and no keyring at all: the demo needs no set-up
    settings = load_settings(demo=True)
    assert settings.database_encrypted and not settings.encrypt_local_database
    assert database_key(settings) is None
    assert load_settings().encrypt_local_database  # the real database is encrypted


def _damage(path: Path) -> None:
    """Overwrite a few pages in the middle of the file, as a failing disk might."""
    with path.open("r+b") as handle:
        handle.seek(4096 * 3)
        handle.write(b"\x0d\x00not a b-tree page" * 600)


def test_the_start_up_check_and_clean_close_work_on_an_encrypted_file(
    encrypted: Path, memory_keyring: MemoryKeyring
) -> None:
    key = memory_keyring.entries[(DATABASE_KEYRING_SERVICE, keyring_account(encrypted))]
    assert certify_clean_close(encrypted, data_dir(), key)  # quick_check passed with the key
    assert not certify_clean_close(encrypted, data_dir(), None)  # it cannot pass without
    open_database(f"sqlite:///{encrypted}").engine.dispose()  # a sound file opens
    _damage(encrypted)
    with pytest.raises(DatabaseDamagedError) as caught:
        open_database(f"sqlite:///{encrypted}")
    assert f"The database file {encrypted} is damaged" in str(caught.value)
    assert "The last good backup is" in str(caught.value)  # the one the first start made


def test_the_daily_backup_of_an_encrypted_database_is_encrypted_with_its_key(
    memory_keyring: MemoryKeyring, tmp_path: Path
) -> None:
    encrypt_by_setting()
    path = tmp_path / "laptop" / "healthvisitor.db"
    opened = open_database(f"sqlite:///{path}")
    words = record_a_family(opened.engine)
    opened.engine.dispose()
    assert list_backups(backups_folder(path, data_dir())) == []  # a new file: nothing yet
    open_database(f"sqlite:///{path}").engine.dispose()
    [backup] = list_backups(backups_folder(path, data_dir()))  # made at this start
    contents = backup.path.read_bytes()
    assert not is_plain_sqlite(backup.path)
    for word in words:
        assert word not in contents
    key = memory_keyring.entries[(DATABASE_KEYRING_SERVICE, keyring_account(path))]
    reading = connect_file(backup.path, key)  # the same key reads it: a real backup
    try:
        found = reading.execute("SELECT nhs_number FROM children").fetchone()[0]
    finally:
        reading.close()
    assert found.encode() == words[0]


def test_no_key_in_any_file_or_log_after_an_encrypted_session(
    memory_keyring: MemoryKeyring,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Issue 8's secret scan (tests/test_secret_scan.py), on an encrypted database."""
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="sqlalchemy.engine")
    encrypt_by_setting()
    path = data_dir() / "healthvisitor.db"
    opened = open_database()
    record_a_family(opened.engine)
    opened.engine.dispose()
    open_database().engine.dispose()  # again: the integrity check and the backup
    key = memory_keyring.entries[(DATABASE_KEYRING_SERVICE, keyring_account(path))]
    memory_keyring.set_password(DATABASE_KEYRING_SERVICE, keyring_account(path), "11" * 32)
    with pytest.raises(DatabaseKeyError):
        open_database()  # a wrong key's message names no key
    printed = capsys.readouterr()
    places = files_under(data_dir(), user_config_file().parent)
    assert any(name.endswith(".db") for name in places) and len(places) >= 2
    places["the log"] = "\n".join(record.getMessage() for record in caplog.records).encode()
    places["printed"] = (printed.out + printed.err).encode()
    hidden: dict[str, str | bytes] = {
        "the database key": key,
        "its bytes": bytes.fromhex(key),
        "the wrong key": "11" * 32,
    }
    assert scan(places, hidden) == []


def test_the_setting_is_true_or_false_and_config_show_says_where_it_came_from(
    capsys: pytest.CaptureFixture[str],
) -> None:
    file = user_config_file()
    file.parent.mkdir(parents=True)
    file.write_text('[database]\nencrypted = "yes"\n')
    with pytest.raises(ConfigurationError, match="must be true or false, without quotes"):
        load_settings()
    file.write_text("[database]\nencrypted = true\n")
    assert main(["config", "show"]) == 0
    shown = capsys.readouterr().out.splitlines()
    where = shown.index(next(line for line in shown if line.startswith("database.encrypted")))
    assert shown[where].split() == ["database.encrypted", "True"]
    assert f"from your config ({file})" in shown[where + 1]
