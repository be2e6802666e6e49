"""``healthvisitor db encrypt`` and ``db decrypt``: a laptop's plain database encrypted in
place, nothing lost (issue 8, "Data on a laptop"); and the command line's words when the
key is wrong or missing."""

from __future__ import annotations

import io
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import keyring
import keyring.backends.fail
import pytest

from healthvisitor.cli import main
from healthvisitor.config import data_dir, user_config_file
from healthvisitor.persistence.backup import backups_folder, list_backups
from healthvisitor.persistence.encryption import (
    DATABASE_KEYRING_SERVICE,
    connect_file,
    is_plain_sqlite,
    keyring_account,
    table_counts,
)
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.startup import open_database
from tests import factories
from tests.keyrings import MemoryKeyring

TEAM = "Chapeltown 0-19 team"
#: A program that opens the database as the app does (WAL) and waits.
HOLD_OPEN = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1])
connection.execute("PRAGMA journal_mode=WAL")
connection.execute("SELECT count(*) FROM children").fetchall()
print("open", flush=True)
sys.stdin.read()
"""
PASSWORD = "plum kettle orbit 42"


def run(monkeypatch: pytest.MonkeyPatch, database: Path, *args: str, stdin: str = "") -> int:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return main(["--database", f"sqlite:///{database}", *args])


@pytest.fixture
def plain(
    tmp_path: Path,
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
    _sqlite_template: Path,
) -> Path:
    """A plain laptop database as it is used today: a team, a child, two accounts (audited),
    and a backup."""
    path = tmp_path / "laptop" / "healthvisitor.db"
    path.parent.mkdir()
    shutil.copy(_sqlite_template, path)  # migrated already: migrating takes seconds
    opened = open_database(f"sqlite:///{path}")
    with unit_of_work(opened.engine) as session:
        team = factories.team(session, TEAM)
        factories.child(session, factories.family(session, team, "Quennellworth"))
    opened.engine.dispose()
    for username in ("psharma", "jfisher"):
        assert (
            run(
                monkeypatch,
                path,
                *("user", "add", username, "--name", username.title(), "--role"),
                *("health_visitor", "--team", TEAM),
                stdin=PASSWORD + "\n",
            )
            == 0
        )
    assert run(monkeypatch, path, "db", "backup") == 0
    return path


def counts(path: Path, key: str | None) -> dict[str, int]:
    connection = connect_file(path, key)
    try:
        return table_counts(connection)
    finally:
        connection.close()


def stored_key(kept: MemoryKeyring, path: Path) -> str:
    return kept.entries[(DATABASE_KEYRING_SERVICE, keyring_account(path))]


def test_encrypting_keeps_every_row_and_the_audit_chain_and_encrypts_the_backups(
    plain: Path,
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = counts(plain, None)
    assert before["audit_events"] >= 2 and before["children"] == 1
    nhs_number = sqlite3.connect(plain).execute("SELECT nhs_number FROM children").fetchone()[0]
    backups = [b.path for b in list_backups(backups_folder(plain, data_dir()))]
    assert backups and all(is_plain_sqlite(b) for b in backups)
    backed_up = [counts(backup, None) for backup in backups]
    capsys.readouterr()

    assert run(monkeypatch, plain, "db", "encrypt") == 0
    said = capsys.readouterr().out
    assert f"Encrypted {plain}: {len(before)} tables, {sum(before.values())} rows" in said
    assert f"Encrypted its {len(backups)} backup(s) with the same key." in said
    assert "[database] encrypted = true" in said  # not set yet: the command says so

    key = stored_key(memory_keyring, plain)
    assert not is_plain_sqlite(plain)
    assert counts(plain, key) == before
    assert not any(plain.with_name(plain.name + s).exists() for s in ("-wal", "-shm"))
    assert sorted(p.name for p in plain.parent.iterdir()) == [plain.name]  # no plain left
    for backup, rows in zip(backups, backed_up, strict=True):
        assert not is_plain_sqlite(backup) and nhs_number.encode() not in backup.read_bytes()
        assert counts(backup, key) == rows
    assert backed_up[-1] == before  # the last backup, made after the accounts, has them all
    assert nhs_number.encode() not in plain.read_bytes()
    assert run(monkeypatch, plain, "audit", "verify") == 0
    assert capsys.readouterr().out.startswith("The audit trail is intact:")
    assert run(monkeypatch, plain, "db", "status") == 0
    assert "encrypted: yes (SQLCipher" in capsys.readouterr().out
    # The app opens it (the file decides; the setting only makes it compulsory).
    opened = open_database(f"sqlite:///{plain}")
    opened.engine.dispose()
    # And the encrypted backup restores, still encrypted, with the same key.
    assert run(monkeypatch, plain, "db", "restore", str(backups[-1])) == 0
    assert not is_plain_sqlite(plain) and counts(plain, key) == before


def test_decrypting_is_the_reverse_and_removes_the_key(
    plain: Path,
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = counts(plain, None)
    assert run(monkeypatch, plain, "db", "encrypt") == 0
    file = user_config_file()
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text("[database]\nencrypted = true\n")
    capsys.readouterr()
    assert run(monkeypatch, plain, "db", "decrypt") == 1  # the setting would refuse it
    assert "[database] encrypted is true" in capsys.readouterr().err
    assert not is_plain_sqlite(plain)
    file.unlink()
    assert run(monkeypatch, plain, "db", "decrypt") == 0
    assert is_plain_sqlite(plain) and counts(plain, None) == before
    backups = list_backups(backups_folder(plain, data_dir()))
    assert backups and all(is_plain_sqlite(backup.path) for backup in backups)
    assert memory_keyring.entries.get((DATABASE_KEYRING_SERVICE, keyring_account(plain))) is None
    assert run(monkeypatch, plain, "audit", "verify") == 0


def test_encrypting_is_refused_while_the_database_is_open_and_nothing_changes(
    plain: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The window has it open, in its own process (SQLite's locks are per process).
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_OPEN, str(plain)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "open\n"
        contents = plain.read_bytes()
        assert run(monkeypatch, plain, "db", "encrypt") == 1
    finally:
        holder.communicate("", timeout=30)
    err = capsys.readouterr().err
    assert "is open in HealthVisitor (or another program)" in err and "Nothing was changed" in err
    assert is_plain_sqlite(plain) and plain.read_bytes() == contents
    assert [p.name for p in plain.parent.iterdir() if p.name.startswith(".")] == []


def test_encrypting_without_a_keyring_is_refused_and_nothing_changes(
    plain: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    contents = plain.read_bytes()
    kept = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    try:
        assert run(monkeypatch, plain, "db", "encrypt") == 1
    finally:
        keyring.set_keyring(kept)
    err = capsys.readouterr().err
    assert "was not encrypted: on this computer it has no usable keyring" in err
    assert "never writes that key to a file" in err
    assert plain.read_bytes() == contents


def test_encrypting_twice_says_it_is_already_encrypted(
    plain: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(monkeypatch, plain, "db", "encrypt") == 0
    capsys.readouterr()
    assert run(monkeypatch, plain, "db", "encrypt") == 1
    assert "is already encrypted; nothing was changed" in capsys.readouterr().err


def test_a_wrong_or_missing_key_is_one_line_on_the_command_line_not_a_traceback(
    plain: Path,
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    assert run(monkeypatch, plain, "db", "encrypt") == 0
    contents = plain.read_bytes()
    memory_keyring.set_password(DATABASE_KEYRING_SERVICE, keyring_account(plain), "00" * 32)
    capfd.readouterr()
    for command in (("db", "status"), ("audit", "verify"), ("db", "backup")):
        assert run(monkeypatch, plain, *command) == 1
        err = capfd.readouterr().err  # SQLCipher's own C-level log included
        assert err.startswith(f"healthvisitor: The database file {plain} cannot be read")
        assert err.count("\n") == 1 and "Traceback" not in err and "ERROR" not in err
    memory_keyring.entries.clear()
    assert run(monkeypatch, plain, "audit", "verify") == 1
    err = capfd.readouterr().err
    assert "its key is not in this computer's keyring" in err and err.count("\n") == 1
    assert plain.read_bytes() == contents


def test_the_help_says_what_encrypt_and_decrypt_do(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["db", "encrypt", "--help"])
    said = " ".join(capsys.readouterr().out.split())
    assert "SQLCipher" in said and "kept in this computer's keyring, never in a file" in said
    assert "checked table by table" in said and "-wal and -shm files are removed" in said
    assert "refuses while the database is open" in said
    with pytest.raises(SystemExit):
        main(["db", "--help"])
    said = " ".join(capsys.readouterr().out.split())
    assert "encrypt" in said and "decrypt" in said
    with pytest.raises(SystemExit):
        main(["db", "decrypt", "--help"])
    assert "key is removed from the keyring" in " ".join(capsys.readouterr().out.split())
