"""Checked on closing, trusted on opening (issue 10; issue 9's start-up check, hazard H3).

A local file that passed ``quick_check`` when the app last closed cleanly, and
has not changed since, opens without being checked again; anything else (a
crash or a kill, a change by another program, damage) is checked before it
opens and stops the start as before. See healthvisitor/startup.py.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from healthvisitor import startup
from healthvisitor.config import data_dir, load_settings
from healthvisitor.persistence.backup import DatabaseDamagedError
from healthvisitor.startup import (
    certify_clean_close,
    check_and_back_up_local_database,
    clean_close_certificate,
    closed_cleanly_since_checked,
    open_database,
)

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")


def _damage(path: Path) -> None:
    """Overwrite a few pages in the middle of the file, as a failing disk might."""
    with path.open("r+b") as handle:
        handle.seek(4096 * 3)
        handle.write(b"\x0d\x00not a b-tree page" * 600)


@pytest.fixture
def database(tmp_path: Path) -> Path:
    """A migrated HealthVisitor file, closed (no connection left open)."""
    path = tmp_path / "hv.db"
    open_database(f"sqlite:///{path}").engine.dispose()
    return path


def _checks(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The files the start-up check is run on, from now on."""
    checked: list[Path] = []
    real = startup.check_integrity

    def spy(path: Path, folder: Path) -> None:
        checked.append(path)
        real(path, folder)

    monkeypatch.setattr(startup, "check_integrity", spy)
    return checked


def test_a_cleanly_closed_file_opens_without_the_check_once(
    database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert certify_clean_close(database, data_dir())
    checked = _checks(monkeypatch)
    choice = load_settings(f"sqlite:///{database}").database
    check_and_back_up_local_database(choice)
    assert checked == []
    # Opened: from now on only another clean close may vouch for it.
    assert not clean_close_certificate(database, data_dir()).exists()
    check_and_back_up_local_database(choice)
    assert checked == [database]


def test_a_file_changed_after_its_clean_close_is_checked_and_its_damage_stops_the_start(
    database: Path,
) -> None:
    assert certify_clean_close(database, data_dir())
    _damage(database)
    assert not closed_cleanly_since_checked(database, data_dir())
    with pytest.raises(DatabaseDamagedError) as caught:
        open_database(f"sqlite:///{database}")
    assert f"The database file {database} is damaged" in str(caught.value)


def test_a_damaged_file_is_never_certified(database: Path) -> None:
    _damage(database)
    assert not certify_clean_close(database, data_dir())
    assert not clean_close_certificate(database, data_dir()).exists()


def test_a_file_still_open_elsewhere_is_not_trusted(database: Path) -> None:
    assert certify_clean_close(database, data_dir())
    other = sqlite3.connect(database)  # another program, writing through the log
    try:
        other.execute("PRAGMA journal_mode=WAL")
        other.execute("CREATE TABLE scratch (n INTEGER)")
        other.commit()
        assert not closed_cleanly_since_checked(database, data_dir())
        assert not certify_clean_close(database, data_dir())
    finally:
        other.close()


def test_two_files_of_the_same_name_keep_separate_certificates(tmp_path: Path) -> None:
    first, second = tmp_path / "a" / "hv.db", tmp_path / "b" / "hv.db"
    assert clean_close_certificate(first, data_dir()) != clean_close_certificate(second, data_dir())


OPEN_AND_WAIT = textwrap.dedent(
    """
    import sys, time
    from healthvisitor.startup import open_database
    opened = open_database(sys.argv[1])
    print("open", flush=True)
    if sys.argv[2] == "wait":
        time.sleep(60)
    """
)


def _app(database: Path, how: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", OPEN_AND_WAIT, f"sqlite:///{database}", how],
        env={**os.environ, "HEALTHVISITOR_DATA_DIR": str(data_dir())},
        stdout=subprocess.PIPE,
        text=True,
    )


def test_only_a_clean_exit_vouches_for_the_file(database: Path) -> None:
    """End to end: a normal exit certifies the file; a killed app leaves it to be checked."""
    app = _app(database, "exit")
    assert app.communicate(timeout=120)[0] == "open\n"
    assert app.returncode == 0
    assert closed_cleanly_since_checked(database, data_dir())

    app = _app(database, "wait")
    assert app.stdout is not None
    assert app.stdout.readline() == "open\n"
    app.send_signal(signal.SIGKILL)
    app.communicate(timeout=60)
    assert not closed_cleanly_since_checked(database, data_dir())
