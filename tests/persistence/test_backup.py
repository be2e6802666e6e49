"""A local SQLite file: integrity check on opening, daily rolling backups, restore (issue 9, H3)."""

from __future__ import annotations

import datetime as dt
import sqlite3
import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from healthvisitor import config
from healthvisitor.cli import main
from healthvisitor.config import data_dir, default_database_path, load_settings, user_config_file
from healthvisitor.errors import ConfigurationError
from healthvisitor.persistence import backup
from healthvisitor.persistence.backup import (
    DatabaseDamagedError,
    DatabaseInUseError,
    back_up,
    back_up_if_due,
    backups_folder,
    integrity_problems,
    list_backups,
    restore,
)
from healthvisitor.persistence.database import create_database_engine
from healthvisitor.startup import check_and_back_up_local_database, open_database

MORNING = dt.datetime(2026, 12, 2, 8, 15, tzinfo=dt.UTC)


def _damage(path: Path) -> None:
    """Overwrite a few pages in the middle of the file, as a failing disk might."""
    with path.open("r+b") as handle:
        handle.seek(4096 * 3)
        handle.write(b"\x0d\x00not a b-tree page" * 600)


def _make_database(path: Path, rows: int = 2000) -> None:
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
    connection.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    connection.execute("CREATE INDEX ix_notes_body ON notes (body)")
    connection.executemany(
        "INSERT INTO notes (body) VALUES (?)", [(f"note {n} " * 8,) for n in range(rows)]
    )
    connection.commit()
    connection.close()


def _count(path: Path) -> int:
    connection = sqlite3.connect(path)
    try:
        return int(connection.execute("SELECT count(*) FROM notes").fetchone()[0])
    finally:
        connection.close()


def test_the_default_number_of_backups_is_the_same_in_config_and_backup() -> None:
    assert config.DEFAULT_BACKUPS_KEPT == backup.DEFAULT_BACKUPS_KEPT == 7
    assert load_settings().backups_kept == 7


def test_a_sound_file_passes_and_a_damaged_one_is_named_with_its_problem(tmp_path: Path) -> None:
    path = tmp_path / "hv.db"
    _make_database(path)
    assert integrity_problems(path) == []
    assert integrity_problems(path, quick=True) == []
    _damage(path)
    assert integrity_problems(path)
    assert integrity_problems(path, quick=True)
    missing = tmp_path / "missing.db"
    assert integrity_problems(missing)
    assert not missing.exists()  # checking a missing file does not create one


def test_a_damaged_database_stops_the_start_naming_the_file_and_the_last_good_backup() -> None:
    first = open_database()  # a new file: created and migrated
    first.engine.dispose()
    second = open_database()  # today's backup is made before it opens
    second.engine.dispose()
    path = default_database_path()
    [good] = list_backups(backups_folder(path, data_dir()))
    _damage(path)
    with pytest.raises(DatabaseDamagedError) as caught:
        open_database()
    message = str(caught.value)
    assert f"The database file {path} is damaged" in message
    assert f"The last good backup is {good.path}" in message
    assert "healthvisitor db restore" in message
    assert integrity_problems(good.path) == []


def test_a_damaged_database_is_one_sentence_on_the_command_line_not_a_traceback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    open_database().engine.dispose()
    _damage(default_database_path())
    assert main(["import", "nothing.json", "--user", "someone"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("healthvisitor: The database file ")
    assert "There is no backup of it on this computer: ask IT for help." in err
    assert "Traceback" not in err


def test_one_backup_a_day_at_start_up_keeping_the_newest_n(tmp_path: Path) -> None:
    path = tmp_path / "hv.db"
    _make_database(path)
    folder = backups_folder(path, data_dir())
    made = back_up_if_due(path, folder, now=MORNING, keep=3)
    assert made is not None
    assert back_up_if_due(path, folder, now=MORNING + dt.timedelta(hours=6), keep=3) is None
    for day in range(1, 5):
        assert back_up_if_due(path, folder, now=MORNING + dt.timedelta(days=day), keep=3)
    kept = list_backups(folder)
    assert [b.made_at.date() for b in kept] == [dt.date(2026, 12, d) for d in (4, 5, 6)]
    assert all(_count(b.path) == 2000 for b in kept)


def test_backups_are_private_files_in_a_private_folder(tmp_path: Path) -> None:
    path = tmp_path / "hv.db"
    _make_database(path)
    made = back_up(path, backups_folder(path, data_dir()), now=MORNING)
    assert stat.S_IMODE(made.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(made.path.parent.stat().st_mode) == 0o700
    assert made.path.is_relative_to(data_dir() / "backups")
    # One self-contained file: no -wal to lose beside it.
    assert sqlite3.connect(made.path).execute("PRAGMA journal_mode").fetchone()[0] == "delete"


def test_a_half_written_backup_is_never_taken_for_a_good_one(tmp_path: Path) -> None:
    path = tmp_path / "hv.db"
    _make_database(path)
    folder = backups_folder(path, data_dir())
    good = back_up(path, folder, now=MORNING)
    # A crash during the next backup leaves its temporary file behind.
    crashed = folder / f".hv-{MORNING + dt.timedelta(days=1):%Y%m%d-%H%M%S}Z.db.partial"
    crashed.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    assert [b.path for b in list_backups(folder)] == [good.path]
    _damage(path)
    with pytest.raises(DatabaseDamagedError, match=str(good.path)):
        backup.check_integrity(path, folder)


def test_two_files_of_the_same_name_keep_separate_backups(tmp_path: Path) -> None:
    one, two = tmp_path / "a" / "hv.db", tmp_path / "b" / "hv.db"
    for path in (one, two):
        path.parent.mkdir()
        _make_database(path)
    assert backups_folder(one, data_dir()) != backups_folder(two, data_dir())


def test_a_backup_taken_while_the_app_writes_has_every_committed_row(tmp_path: Path) -> None:
    path = tmp_path / "hv.db"
    _make_database(path)
    engine = create_database_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as connection:  # committed, still in the WAL file
            connection.execute(text("INSERT INTO notes (body) VALUES ('in the wal')"))
        with engine.connect() as reading:  # the app holds the file open meanwhile
            reading.execute(text("SELECT 1")).scalar()
            made = back_up(path, backups_folder(path, data_dir()), now=MORNING)
    finally:
        engine.dispose()
    assert _count(made.path) == 2001


def test_restore_checks_the_backup_refuses_an_open_file_and_keeps_the_old_one(
    tmp_path: Path,
) -> None:
    path = tmp_path / "hv.db"
    _make_database(path, rows=10)
    made = back_up(path, backups_folder(path, data_dir()), now=MORNING)
    with sqlite3.connect(path) as later:
        later.execute("INSERT INTO notes (body) VALUES ('after the backup')")
    later.close()

    engine = create_database_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
        with pytest.raises(DatabaseInUseError, match="Close it everywhere"):
            restore(made.path, path, now=MORNING)
    engine.dispose()
    assert _count(path) == 11

    damaged = tmp_path / "damaged-backup.db"
    damaged.write_bytes(made.path.read_bytes())
    _damage(damaged)
    with pytest.raises(DatabaseDamagedError, match="nothing was changed"):
        restore(damaged, path, now=MORNING)
    assert _count(path) == 11

    done = restore(made.path, path, now=MORNING + dt.timedelta(hours=1))
    assert _count(path) == 10
    assert done.kept_aside is not None and _count(done.kept_aside) == 11
    assert done.kept_aside.parent == path.parent
    assert integrity_problems(path) == []


def test_restore_refuses_a_file_that_is_not_a_healthvisitor_database(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE x (y)").connection.close()
    with pytest.raises(Exception, match="not a HealthVisitor database"):
        restore(other, tmp_path / "hv.db", now=MORNING)


def test_db_backup_and_db_restore_on_the_command_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    open_database().engine.dispose()
    path = default_database_path()
    assert main(["db", "backup", "--keep", "2"]) == 0
    out = capsys.readouterr().out
    [made] = list_backups(backups_folder(path, data_dir()))
    assert f"Backed up {path} to {made.path}" in out
    assert "1 backup kept in" in out
    assert main(["db", "restore", str(made.path)]) == 0
    out = capsys.readouterr().out
    assert f"Restored {made.path} to {path}." in out
    assert "before-restore-" in out
    assert main(["db", "restore", str(path.parent / "no-such-backup.db")]) == 1
    assert "There is no backup file" in capsys.readouterr().err


def test_db_backup_of_a_shared_database_says_it_is_done_on_the_server(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--database", "postgresql://hv@db.example/hv", "db", "backup"]) == 1
    assert "IT backs it up on the server" in capsys.readouterr().err


def test_the_help_says_what_backup_and_restore_do(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["db", "restore", "--help"])
    said = " ".join(capsys.readouterr().out.split())
    assert "integrity check first" in said
    assert "refused while the database is open" in said
    assert "never deleted" in said
    with pytest.raises(SystemExit):
        main(["db", "backup", "--help"])
    said = " ".join(capsys.readouterr().out.split())
    assert "SQLite's backup API" in said and "default 7" in said


def test_how_many_backups_to_keep_is_a_setting(tmp_path: Path) -> None:
    file = user_config_file()
    file.parent.mkdir(parents=True)
    file.write_text("[backup]\nkeep = 3\n")
    assert load_settings().backups_kept == 3
    file.write_text("[backup]\nkeep = 0\n")
    with pytest.raises(ConfigurationError, match="how many daily backups to keep"):
        load_settings()


def test_the_start_up_step_uses_the_configured_number(tmp_path: Path) -> None:
    file = user_config_file()
    file.parent.mkdir(parents=True)
    file.write_text("[backup]\nkeep = 2\n")
    open_database().engine.dispose()
    choice = load_settings().database
    for day in range(4):
        check_and_back_up_local_database(choice, now=MORNING + dt.timedelta(days=day))
    assert len(list_backups(backups_folder(default_database_path(), data_dir()))) == 2


def test_the_demo_database_is_checked_but_not_backed_up() -> None:
    choice = load_settings(demo=True).database
    path = Path(choice.url.database or "")
    path.parent.mkdir(parents=True, exist_ok=True)
    _make_database(path)
    check_and_back_up_local_database(choice, demo=True, now=MORNING)
    assert list_backups(backups_folder(path, data_dir())) == []
    _damage(path)
    with pytest.raises(DatabaseDamagedError):
        check_and_back_up_local_database(choice, demo=True, now=MORNING)


def _damage_an_index(path: Path) -> None:
    """An index that no longer matches its rows: only the full integrity_check sees it."""
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA writable_schema=ON")
    connection.execute(
        "UPDATE sqlite_master SET sql = 'CREATE INDEX ix_notes_body ON notes (id, body)' "
        "WHERE name = 'ix_notes_body'"
    )
    connection.commit()
    connection.close()


def test_a_damaged_index_is_found_by_the_daily_full_check_of_the_backup(tmp_path: Path) -> None:
    path = tmp_path / "hv.db"
    _make_database(path)
    folder = backups_folder(path, data_dir())
    good = back_up(path, folder, now=MORNING)
    _damage_an_index(path)
    assert integrity_problems(path, quick=True) == []  # the quick check on opening misses it
    assert integrity_problems(path) != []
    choice = load_settings(f"sqlite:///{path}").database
    with pytest.raises(DatabaseDamagedError) as caught:
        check_and_back_up_local_database(choice, now=MORNING + dt.timedelta(days=1))
    assert f"The last good backup is {good.path}" in str(caught.value)
    assert "missing from index" in str(caught.value)
    assert [b.path for b in list_backups(folder)] == [good.path]  # the damaged copy was not kept
    assert [p.name for p in folder.iterdir()] == [good.path.name]


def test_a_damaged_database_is_restored_from_its_backup_on_the_command_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    open_database().engine.dispose()
    open_database().engine.dispose()  # today's backup
    path = default_database_path()
    [good] = list_backups(backups_folder(path, data_dir()))
    _damage(path)
    assert main(["db", "status"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"healthvisitor: The database file {path} is damaged")
    assert str(good.path) in err and "Traceback" not in err
    assert main(["db", "restore", str(good.path)]) == 0
    out = capsys.readouterr().out
    assert "The file it replaced is kept as" in out
    assert main(["db", "status"]) == 0
    assert integrity_problems(path) == []
    [aside] = path.parent.glob("healthvisitor.before-restore-*.db")
    assert integrity_problems(aside)  # the damaged file, kept for IT to look at
