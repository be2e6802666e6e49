"""Keeping a local SQLite file safe: an integrity check on opening, rolling backups, restore.

A laptop's own database is the only copy of what was recorded on it until it
is synchronised, so (issue 9, hazard H3):

* **On every opening**, ``check_integrity`` runs SQLite's ``PRAGMA
  quick_check``. A damaged file is not opened: ``DatabaseDamagedError`` names
  the file and the last good backup, in words an IT administrator can act on.
* **Once a day at start-up**, ``back_up_if_due`` copies the file with SQLite's
  online backup API (``sqlite3.Connection.backup``: a consistent copy even
  while the file is in use, which a file copy of a WAL database is not). The
  copy is written under a temporary name, given the full ``PRAGMA
  integrity_check``, flushed to disk, and only then renamed, so a half-written
  or damaged copy is never taken for a good one. The pages are copied as they
  are, so a copy that fails the check means the database itself is damaged:
  the start stops just as above. The last ``keep`` backups are kept
  (``[backup] keep`` in the config file, default 7).

Why two checks (measured on a 10,000-child demo file of 130 MB, 2 busy
cores): ``integrity_check`` took 3.7-5.3 s and ``quick_check`` 1.2-1.8 s, so
at 100,000 children (about 1.3 GB) about 40-55 s against 12-18 s on every
start. ``quick_check`` finds damaged pages and b-trees, what a crash or a
failing disk leaves; only the cross-check of every index entry against its
row is left to the daily full check of the backup copy.
* **Restore** (``healthvisitor db restore FILE``) checks the backup first,
  refuses while the database is open in HealthVisitor or another program, and
  keeps the current file aside rather than deleting it.

Backups hold patient data: their folder is private to the user (0700) and
each file is 0600. A backup of an encrypted database (SQLCipher,
``healthvisitor.persistence.encryption``) is encrypted with the same key:
every function here takes the database's ``key``, and SQLCipher's backup API
refuses to copy an encrypted file into a plain one, so a backup can never be
a clear copy. A shared PostgreSQL database is backed up by IT on the
server (``pg_dump``, point-in-time recovery), not by each laptop.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from healthvisitor.errors import DatabaseUnavailableError, HealthVisitorError
from healthvisitor.persistence.encryption import (
    OPERATIONAL_ERRORS,
    SQLITE_ERRORS,
    connect_file,
    fsync_folder,
    is_plain_sqlite,
)

#: How many backups are kept by default (issue 9: "keeping the last N").
DEFAULT_BACKUPS_KEPT = 7
#: The folder, under the user's data folder, that holds the backups.
BACKUPS_FOLDER_NAME = "backups"
#: A backup's file name: the database's name and the UTC time it was made.
_STAMP_FORMAT = "%Y%m%d-%H%M%SZ"
_BACKUP_NAME = re.compile(r"^(?P<stem>.+)-(?P<stamp>\d{8}-\d{6}Z)\.db$")
#: What SQLite's integrity check says when nothing is wrong.
_OK = "ok"
#: Problems listed in a message at most (integrity_check can list thousands).
_PROBLEMS_SHOWN = 3
#: Private to the user: backups and their folder hold patient data.
_PRIVATE_FILE = stat.S_IRUSR | stat.S_IWUSR
_PRIVATE_FOLDER = stat.S_IRWXU


class DatabaseDamagedError(DatabaseUnavailableError):
    """The local database file fails SQLite's integrity check and was not opened."""


class DatabaseInUseError(HealthVisitorError):
    """The database file is open in HealthVisitor or another program."""


@dataclass(frozen=True)
class Backup:
    """One completed backup: where it is and when it was made (UTC)."""

    path: Path
    made_at: dt.datetime


def _connect_existing(path: Path, key: str | None = None) -> Any:
    """A connection to an existing file (``sqlite3.connect`` would create a missing one),
    plain or with the encrypted file's ``key``."""
    return connect_file(path, key)


def integrity_problems(path: Path, *, quick: bool = False, key: str | None = None) -> list[str]:
    """What SQLite's integrity check finds wrong with the file at ``path`` (empty: sound).

    ``quick`` runs ``quick_check`` (skips the index-content cross-checks);
    ``key`` opens an encrypted file. A file that is not a SQLite database at
    all (or not with this key) is one problem, not an exception.
    """
    pragma = "quick_check" if quick else "integrity_check"
    try:
        connection = _connect_existing(path, key)
    except SQLITE_ERRORS as exc:
        return [f"{exc} ({path})"]
    try:
        rows = connection.execute(f"PRAGMA {pragma}").fetchall()
    except SQLITE_ERRORS as exc:  # e.g. "file is not a database"
        return [str(exc)]
    finally:
        connection.close()
    found = [str(row[0]) for row in rows]
    return [] if found == [_OK] else found


def backups_folder(database: Path, data_folder: Path) -> Path:
    """Where the backups of ``database`` go: one folder per database file.

    The folder's name carries a short hash of the file's full path, so two
    files both called ``healthvisitor.db`` in different places never share
    (or prune) each other's backups, and a restore never picks the wrong one.
    """
    where = str(database.resolve())
    tag = hashlib.sha256(where.encode("utf-8")).hexdigest()[:8]
    return data_folder / BACKUPS_FOLDER_NAME / f"{database.stem}-{tag}"


def list_backups(folder: Path) -> list[Backup]:
    """The completed backups in ``folder``, oldest first (temporary files are not backups)."""
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        match = _BACKUP_NAME.match(path.name)
        if match is None or not path.is_file():
            continue
        made = dt.datetime.strptime(match["stamp"], _STAMP_FORMAT).replace(tzinfo=dt.UTC)
        found.append(Backup(path, made))
    return sorted(found, key=lambda backup: backup.made_at)


def last_good_backup(folder: Path) -> Backup | None:
    """The newest backup (each was checked before it was given its name)."""
    backups = list_backups(folder)
    return backups[-1] if backups else None


_fsync_folder = fsync_folder


def _private_folder(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, _PRIVATE_FOLDER)


def _copy_with_backup_api(source: Path, target: Path, key: str | None = None) -> None:
    """A consistent copy of ``source`` into the new file ``target``, made self-contained.

    ``target`` is created empty with owner-only permissions first, so patient
    data is never readable by others, not even for a moment. An encrypted
    ``source`` (``key``) gives a copy encrypted with the same key.
    """
    os.close(os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, _PRIVATE_FILE))
    reading = _connect_existing(source, key)
    writing = _connect_existing(target, key)
    try:
        reading.backup(writing)
        # One file, no -wal beside it: a backup must be a single thing to keep or move.
        writing.execute("PRAGMA journal_mode=DELETE")
    finally:
        writing.close()
        reading.close()
    with open(target, "rb") as handle:
        os.fsync(handle.fileno())


def back_up(
    database: Path,
    folder: Path,
    *,
    now: dt.datetime,
    keep: int = DEFAULT_BACKUPS_KEPT,
    key: str | None = None,
) -> Backup:
    """Back up ``database`` into ``folder`` now; keep the newest ``keep`` backups.

    The copy is checked with ``integrity_check`` under a temporary name and
    renamed only once it passes, so every file that looks like a backup is a
    good one. ``key`` is an encrypted database's: the copy is encrypted with it.
    """
    if keep < 1:
        raise ValueError("keep at least one backup")
    _private_folder(folder)
    made_at = now.astimezone(dt.UTC).replace(microsecond=0)
    name = f"{database.stem}-{made_at:{_STAMP_FORMAT}}.db"
    final = folder / name
    partial = folder / f".{name}.partial"
    partial.unlink(missing_ok=True)  # left by a crash during an earlier backup
    try:
        _copy_with_backup_api(database, partial, key)
        problems = integrity_problems(partial, key=key)
        if problems:  # the pages came from the database as they are: it is damaged
            raise DatabaseDamagedError(
                damaged_message(database, problems, last_good_backup(folder))
            )
        os.replace(partial, final)
        _fsync_folder(folder)
    finally:
        partial.unlink(missing_ok=True)
    for old in list_backups(folder)[:-keep]:
        old.path.unlink(missing_ok=True)
    return Backup(final, made_at)


def back_up_if_due(
    database: Path,
    folder: Path,
    *,
    now: dt.datetime,
    keep: int = DEFAULT_BACKUPS_KEPT,
    key: str | None = None,
) -> Backup | None:
    """The start-up backup: made unless one was already made today (local date of ``now``)."""
    newest = last_good_backup(folder)
    if newest is not None and newest.made_at.astimezone(now.tzinfo).date() == now.date():
        return None
    return back_up(database, folder, now=now, keep=keep, key=key)


def damaged_message(database: Path, problems: list[str], backup: Backup | None) -> str:
    """What to tell the user when the file fails its integrity check."""
    shown = "; ".join(problems[:_PROBLEMS_SHOWN])
    more = f" and {len(problems) - _PROBLEMS_SHOWN} more" if len(problems) > _PROBLEMS_SHOWN else ""
    opening = (
        f"The database file {database} is damaged (SQLite's integrity check found: "
        f"{shown}{more}). HealthVisitor has not opened it, so nothing more can be lost. "
        "Do not delete it. "
    )
    if database.is_file() and not is_plain_sqlite(database):
        opening += (
            "(It may instead be an encrypted HealthVisitor database whose key is not in this "
            "computer's keyring.) "
        )
    if backup is None:
        return opening + "There is no backup of it on this computer: ask IT for help."
    made = backup.made_at.astimezone().strftime("%d %B %Y %H:%M")
    return opening + (
        f"The last good backup is {backup.path} (made {made}). Ask IT to restore it with "
        f"'healthvisitor db restore \"{backup.path}\"'; anything recorded on this computer "
        "since then must be entered again."
    )


def check_integrity(
    database: Path, folder: Path, *, quick: bool = True, key: str | None = None
) -> None:
    """Raise ``DatabaseDamagedError`` (naming the last good backup) if ``database`` is damaged."""
    problems = integrity_problems(database, quick=quick, key=key)
    if problems:
        raise DatabaseDamagedError(damaged_message(database, problems, last_good_backup(folder)))


@dataclass(frozen=True)
class Restored:
    """What ``restore`` did: which backup went where, and where the old file was kept."""

    backup: Path
    database: Path
    kept_aside: Path | None


def _refuse_if_open(database: Path, key: str | None = None) -> None:
    """Refuse while another connection has the file open.

    Leaving WAL mode needs the only connection to the file, so asking for it
    (without waiting) tells whether HealthVisitor, or anything else, has it
    open. The file is left in rollback-journal mode, fully checkpointed, so it
    is one self-contained file while it is set aside.
    """
    connection = connect_file(database, key, timeout=0)
    try:
        connection.execute("PRAGMA journal_mode=DELETE").fetchone()
    except OPERATIONAL_ERRORS as exc:
        raise DatabaseInUseError(
            f"{database} is open in HealthVisitor (or another program) on this computer. "
            "Close it everywhere, then run the restore again. Nothing was changed."
        ) from exc
    except SQLITE_ERRORS:
        # Too damaged to read at all, the usual reason to restore. HealthVisitor
        # refuses to open such a file, so it is not in use by the app; its -wal
        # and -shm are set aside with it.
        pass
    finally:
        connection.close()


def restore(backup: Path, database: Path, *, now: dt.datetime, key: str | None = None) -> Restored:
    """Put ``backup`` in place of ``database``, keeping the current file aside.

    Checked first: the backup exists, passes ``integrity_check`` and is a
    HealthVisitor database; the database is not open anywhere. The current
    file is renamed ``<name>.before-restore-<time>.db`` beside it, never deleted.
    ``key`` is the database's encryption key: an encrypted backup is read,
    and put in place still encrypted, with it (a plain backup needs none).
    """
    if not backup.is_file():
        raise HealthVisitorError(f"There is no backup file {backup}.")
    backup_key = None if is_plain_sqlite(backup) else key
    if not is_plain_sqlite(backup) and key is None:
        raise HealthVisitorError(
            f"The backup {backup} is encrypted, and this computer's keyring holds no key for "
            f"{database}; it was not restored and nothing was changed. Tell IT."
        )
    problems = integrity_problems(backup, key=backup_key)
    if problems:
        raise DatabaseDamagedError(
            f"The backup {backup} fails SQLite's integrity check "
            f"({'; '.join(problems[:_PROBLEMS_SHOWN])}); it was not restored and nothing "
            "was changed. Choose an older backup."
        )
    probe = _connect_existing(backup, backup_key)
    try:
        tables = {row[0] for row in probe.execute("SELECT name FROM sqlite_master")}
    finally:
        probe.close()
    if "alembic_version" not in tables:
        raise HealthVisitorError(
            f"{backup} is not a HealthVisitor database; it was not restored and nothing "
            "was changed."
        )
    stamp = now.astimezone(dt.UTC).strftime(_STAMP_FORMAT)
    kept_aside: Path | None = None
    incoming = database.with_name(f".{database.name}.restoring")
    incoming.unlink(missing_ok=True)
    database.parent.mkdir(parents=True, exist_ok=True)
    if database.exists():
        _refuse_if_open(database, None if is_plain_sqlite(database) else key)
    _copy_with_backup_api(backup, incoming, backup_key)
    try:
        if database.exists():
            kept_aside = database.with_name(f"{database.stem}.before-restore-{stamp}.db")
            os.replace(database, kept_aside)
            for suffix in ("-wal", "-shm"):  # none after _refuse_if_open; never reuse old ones
                stale = database.with_name(database.name + suffix)
                if stale.exists():
                    os.replace(stale, kept_aside.with_name(kept_aside.name + suffix))
        os.replace(incoming, database)
        _fsync_folder(database.parent)
    finally:
        incoming.unlink(missing_ok=True)
    return Restored(backup, database, kept_aside)
