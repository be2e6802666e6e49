"""Opening the database the way both the window and the command line do it.

``open_database`` chooses the database (``healthvisitor.config``), opens it,
creates or upgrades a local SQLite file, refuses a shared database whose
schema is out of date, and, when asked for the demo, fills an empty demo
database with realistic synthetic data (never a database that has records).
Before a local SQLite file is opened, ``check_and_back_up_local_database``
checks its integrity and makes the day's backup (issue 9).

Checked on closing, trusted on opening (issue 10). ``PRAGMA quick_check``
reads the whole file: 13 s for the 1.9 GB trust-scale file, most of a cold
start, on every start. So the check moves to where a sound file is known to
end: when the app closes cleanly (the last connection closed, its
write-ahead log folded into the file and removed), ``certify_clean_close``
runs ``quick_check`` and, if it passes, records the file's size, change time
and identity in a certificate (``checks/`` in the data folder). The next
start opens the file without checking only if that certificate still
matches and there is no write-ahead log with content; anything else (a
crash, a kill or a power cut, a file copied in, changed by another program,
restored, or never closed by this version) gets the check before opening,
as before, with the same message naming the last good backup. Every opening
is therefore of a file that passed ``quick_check`` since it last changed. The
certificate is removed as the file opens, so only a clean close writes a new
one. What this does not see is damage at rest that leaves the size and time
alone (a failing disk): the daily backup's full ``integrity_check`` of the
copy, still at start, is there for that. The price is paid on closing, after
the window has gone (about as long as the check took at start; the process
simply ends later). A shared PostgreSQL database is not checked here at all.

Encrypted at rest (issue 8). ``database_key`` finds the key a local file is
opened with (``healthvisitor.persistence.encryption.key_for_database``): a
new file is encrypted when ``[database] encrypted`` is on (never the demo
database), its key made and kept in the keyring before the file exists; an
existing file is opened as it is, plain or encrypted, except that a plain
file is refused while the setting is on. A missing or wrong key, or no
keyring, stops the start with ``DatabaseKeyError`` in the user's words before
anything reads or writes the file. The integrity check, the clean-close
check and the daily backup then use the same key, so a backup of an
encrypted database is encrypted too.
"""

from __future__ import annotations

import atexit
import datetime as dt
import json
import logging
import os
import weakref
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, func, select

from healthvisitor.clock import local_today
from healthvisitor.config import DatabaseChoice, Settings, data_dir, load_settings
from healthvisitor.persistence.backup import (
    back_up_if_due,
    backups_folder,
    check_integrity,
    integrity_problems,
)
from healthvisitor.persistence.database import create_database_engine, prepare
from healthvisitor.persistence.encryption import SQLITE_ERRORS, key_for_database
from healthvisitor.persistence.models import Child
from healthvisitor.persistence.unit_of_work import unit_of_work

#: The demo opens on a caseload-sized data set: a few teams, realistic mix.
DEMO_CHILDREN = 600
DEMO_SEED = 2026

log = logging.getLogger(__name__)
#: What a local file's check or backup can fail with (a full disk; either SQLite driver).
_FILE_ERRORS: tuple[type[Exception], ...] = (OSError, *SQLITE_ERRORS)


@dataclass(frozen=True)
class OpenDatabase:
    engine: Engine
    choice: DatabaseChoice
    demo_created: bool


def has_children(engine: Engine) -> bool:
    with unit_of_work(engine) as session:
        return bool(session.scalar(select(func.count()).select_from(Child)))


def local_database_file(choice: DatabaseChoice) -> Path | None:
    """The SQLite file ``choice`` names, or None (PostgreSQL, or an in-memory database)."""
    database = choice.url.database if choice.is_sqlite else None
    return Path(database) if database and database != ":memory:" else None


#: The folder, under the user's data folder, of the clean-close certificates.
CHECKS_FOLDER_NAME = "checks"


def _file_state(path: Path) -> dict[str, int]:
    """What changes whenever the file is written, moved over or replaced."""
    found = path.stat()
    return {
        "size": found.st_size,
        "modified_ns": found.st_mtime_ns,
        "device": found.st_dev,
        "inode": found.st_ino,
    }


def clean_close_certificate(database: Path, data_folder: Path) -> Path:
    """Where the certificate of ``database``'s last clean close is kept (named as its
    backups' folder, so two files of the same name never share one)."""
    return data_folder / CHECKS_FOLDER_NAME / f"{backups_folder(database, data_folder).name}.json"


def _write_ahead_log_in_use(database: Path) -> bool:
    """A write-ahead log with content: a connection is open, or was never closed."""
    log_file = database.with_name(database.name + "-wal")
    return log_file.exists() and log_file.stat().st_size > 0


def closed_cleanly_since_checked(database: Path, data_folder: Path) -> bool:
    """The file is as ``certify_clean_close`` left it after passing ``quick_check``."""
    try:
        certified = json.loads(clean_close_certificate(database, data_folder).read_text())
    except (OSError, ValueError):
        return False
    return not _write_ahead_log_in_use(database) and certified == _file_state(database)


def database_key(settings: Settings) -> str | None:
    """The key the chosen database is opened with: None for PostgreSQL or a plain file.

    ``DatabaseKeyError`` (the user's words) for a missing or wrong key, no
    usable keyring, or a plain file where the settings say encrypted.
    """
    path = local_database_file(settings.database)
    if path is None:
        return None
    return key_for_database(path, must_encrypt=settings.encrypt_local_database)


def certify_clean_close(database: Path, data_folder: Path, key: str | None = None) -> bool:
    """On closing, once every connection to ``database`` is closed: ``quick_check`` it
    and, if it is sound, record its state so the next start need not check it again.

    Returns whether it certified. Nothing is certified while a write-ahead log
    has content (another program still has the file open) or if the check
    finds a problem: the next start then checks, and stops on the damage.
    """
    if not database.exists() or _write_ahead_log_in_use(database):
        return False
    before = _file_state(database)
    if integrity_problems(database, quick=True, key=key) or _file_state(database) != before:
        return False
    certificate = clean_close_certificate(database, data_folder)
    certificate.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = certificate.with_name(f".{certificate.name}.partial")
    partial.write_text(json.dumps(before))
    os.replace(partial, certificate)
    return True


def _certify_at_exit(
    engine: weakref.ref[Engine], database: Path, data_folder: Path, key: str | None = None
) -> None:
    """The interpreter is ending normally (never after a kill or a crash)."""
    opened = engine()
    if opened is not None:
        opened.dispose()  # closes the pooled connections: SQLite folds the log in
    try:
        certify_clean_close(database, data_folder, key)
    except _FILE_ERRORS:
        log.exception("The clean close of %s could not be recorded", database)


def check_and_back_up_local_database(
    choice: DatabaseChoice,
    *,
    demo: bool = False,
    now: dt.datetime | None = None,
    key: str | None = None,
) -> None:
    """Issue 9, hazard H3: before a local SQLite file is opened, check it and back it up.

    A file that fails ``PRAGMA quick_check`` stops the start with
    ``DatabaseDamagedError`` (naming the file and the last good backup); a
    file that passed it on its last clean close and has not changed since is
    not checked again (``closed_cleanly_since_checked``, module docstring). Then,
    at most once a day, a backup with SQLite's backup API, keeping the
    configured number (``[backup] keep``), whose copy gets the full
    ``integrity_check`` (healthvisitor.persistence.backup says why): a copy
    that fails it stops the start the same way. A backup that cannot be made
    (a full disk) is logged and does not stop anyone working. The demo database holds
    made-up data only and is checked but not backed up. A new file has nothing
    to check yet; PostgreSQL is IT's to back up on the server. ``key`` opens an
    encrypted file (``database_key``), and its backup is encrypted with it.
    """
    path = local_database_file(choice)
    if path is None or not path.exists():
        return
    folder = backups_folder(path, data_dir())
    if not closed_cleanly_since_checked(path, data_dir()):
        if key is None:
            check_integrity(path, folder)
        else:
            check_integrity(path, folder, key=key)
    # From here on the file may change, and only a clean close certifies it again.
    clean_close_certificate(path, data_dir()).unlink(missing_ok=True)
    if demo:
        return
    try:
        back_up_if_due(
            path,
            folder,
            now=now or dt.datetime.now().astimezone(),
            keep=load_settings().backups_kept,
            key=key,
        )
    except _FILE_ERRORS:
        log.exception("The daily backup of %s could not be made", path)


def open_database(
    cli_url: str | None = None,
    *,
    demo: bool = False,
    today: dt.date | None = None,
    password: str | None = None,
) -> OpenDatabase:
    """Open the chosen database ready for use.

    ``password`` is what the user typed when asked (``PasswordRequiredError``);
    otherwise the keyring supplies it. It is held only in memory.
    """
    settings = load_settings(cli_url, demo=demo)
    choice = settings.database
    key = database_key(settings)
    check_and_back_up_local_database(choice, demo=demo and cli_url is None, key=key)
    engine = create_database_engine(choice.url, password=password, key=key)
    local_file = local_database_file(choice)
    if local_file is not None:
        atexit.register(_certify_at_exit, weakref.ref(engine), local_file, data_dir(), key)
    try:
        prepare(engine)
        created = False
        if demo and not has_children(engine):
            from healthvisitor.demo import generate_demo

            generate_demo(
                engine, children=DEMO_CHILDREN, seed=DEMO_SEED, today=today or local_today()
            )
            created = True
    except BaseException:
        engine.dispose()
        raise
    return OpenDatabase(engine, choice, created)
