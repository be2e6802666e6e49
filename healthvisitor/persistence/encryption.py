"""Encrypting a local SQLite file at rest with SQLCipher, its key in the OS keyring.

One implementation for both encrypted local files (issue 8, "Data on a
laptop"; issue 12): the laptop's own database, when ``[database] encrypted``
is on or it was encrypted with ``healthvisitor db encrypt``, and the offline
copy (``healthvisitor.sync.local``). Each kind of file has its own keyring
service and its own words for the user (``KeyWords``); ``KeyKeeper`` holds the
two together.

* **The key** is 32 random bytes (AES-256), made with the file and kept only
  in the operating system's keyring, one entry per file (the account is the
  file's full path). It is stored and read back before the file exists, and
  handed to SQLCipher as a raw key (``x'...'``), so a connection costs no key
  derivation. It is never written to a file, a log or the database.
* **No usable keyring, no encrypted file**: keyring's fail or null backend, or
  a plain-text file keyring (keyrings.alt), is refused with a message.
* **A missing or wrong key**, or a keyring that cannot be reached, is an error
  in the user's words, and the file is left exactly as it is. SQLCipher cannot
  tell a wrong key from a damaged first page; the words say so.
* **Temporary files stay in memory** (``PRAGMA temp_store = MEMORY`` on every
  connection, plain or encrypted: ``healthvisitor.persistence.database``).
* **A copy is made with the key it needs**: ``connect_file`` opens any local
  file (plain or keyed) for the integrity check and the backup API
  (``healthvisitor.persistence.backup``), and ``convert_in_place`` re-keys a
  file (plain to encrypted or back) with ``sqlcipher_export`` into a new file,
  checked table by table before it atomically replaces the old one.
"""

from __future__ import annotations

import os
import re
import secrets
import sqlite3
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keyring
import keyring.errors

# sqlcipher3 ships no type information; this module is its one typed wrapper.
import sqlcipher3  # type: ignore[import-untyped]
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL
from sqlalchemy.exc import DatabaseError
from sqlalchemy.pool import QueuePool

from healthvisitor.errors import DatabaseUnavailableError, HealthVisitorError

#: The key's length: 256 bits, SQLCipher 4's AES-256 key (used raw, no derivation).
KEY_BYTES = 32
#: The files SQLite keeps beside a database.
COMPANION_SUFFIXES = ("-wal", "-shm", "-journal")
#: The first 16 bytes of every plain SQLite 3 file (an SQLCipher file starts with its salt).
SQLITE_HEADER = b"SQLite format 3\x00"
#: The keyring service the laptop's own database keys are kept under (one entry per file).
DATABASE_KEYRING_SERVICE = "HealthVisitor database"
#: Errors of either SQLite driver (the standard one for plain files, sqlcipher3 for keyed).
SQLITE_ERRORS: tuple[type[Exception], ...] = (sqlite3.Error, sqlcipher3.Error)
#: Either driver's "database is locked" and the like.
OPERATIONAL_ERRORS: tuple[type[Exception], ...] = (
    sqlite3.OperationalError,
    sqlcipher3.OperationalError,
)
#: A key as made here: 64 hexadecimal digits (anything else in the keyring is not ours).
_KEY_PATTERN = re.compile(r"^[0-9a-f]{64}$")
#: Only the owner may read a new file: it holds patient data.
_PRIVATE_FILE = stat.S_IRUSR | stat.S_IWUSR


class DatabaseKeyError(DatabaseUnavailableError):
    """The laptop's encrypted database cannot be made or opened (no keyring, a missing or
    wrong key); or it is plain where the settings say it must be encrypted."""


def keyring_account(path: Path) -> str:
    """The keyring entry of the file at ``path``: its full path."""
    return str(path.resolve())


def usable_keyring() -> str | None:
    """Why this computer's keyring cannot keep a key, or None if it can."""
    backend = keyring.get_keyring()
    name = f"{type(backend).__module__}.{type(backend).__name__}"
    if "plaintext" in name.lower():  # keyrings.alt's clear-text file: a key on disk
        return f"its keyring ({name}) keeps secrets in a plain file"
    priority = getattr(backend, "priority", 0)
    if not isinstance(priority, int | float) or priority <= 0:
        return f"it has no usable keyring ({name})"
    return None


def is_plain_sqlite(path: Path) -> bool:
    """Whether the file at ``path`` is a plain (unencrypted) SQLite file.

    An empty file counts as plain: SQLite treats it as a new database. Any
    other file that does not start with SQLite's header is taken to be
    encrypted (or damaged in its first page: nobody can tell which without
    the key).
    """
    with path.open("rb") as handle:
        start = handle.read(len(SQLITE_HEADER))
    return start in (b"", SQLITE_HEADER)


@dataclass(frozen=True)
class KeyWords:
    """What to tell the user about one kind of encrypted file.

    ``{path}`` is the file and ``{reason}`` what went wrong with the keyring.
    """

    #: The keyring could not be asked for the key of an existing file.
    unreachable: str
    #: No key is kept for an existing encrypted file.
    missing: str
    #: The key kept does not open the file.
    wrong: str
    #: A new file was not made: no keyring can keep its key.
    not_made: str


@dataclass(frozen=True)
class KeyKeeper:
    """The keys of one kind of encrypted file: where they are kept and the words for them."""

    service: str
    words: KeyWords
    error: type[HealthVisitorError]

    def read(self, path: Path) -> str | None:
        """The key kept for ``path``, or None; the error (``unreachable``) if the keyring fails."""
        try:
            key: Any = keyring.get_password(self.service, keyring_account(path))
        except keyring.errors.KeyringError as exc:
            raise self.error(self.words.unreachable.format(path=path, reason=exc)) from exc
        return key if isinstance(key, str) else None

    def make(self, path: Path) -> str:
        """A new random key, kept in the keyring (and read back) before any file exists."""
        refused = usable_keyring()
        key = secrets.token_hex(KEY_BYTES)
        if refused is None:
            try:
                keyring.set_password(self.service, keyring_account(path), key)
            except keyring.errors.KeyringError as exc:
                refused = f"its keyring refused the key ({exc})"
            else:
                if self.read(path) != key:
                    refused = "its keyring did not keep the key"
        if refused is not None:
            raise self.error(self.words.not_made.format(path=path, reason=refused))
        return key

    def forget(self, path: Path) -> bool:
        """Delete the key kept for ``path``; whether there was one."""
        try:
            keyring.delete_password(self.service, keyring_account(path))
        except keyring.errors.KeyringError:
            return False  # none kept (PasswordDeleteError), or no keyring: nothing to delete
        return True

    def check(self, engine: Engine, path: Path) -> None:
        """Raise the error (``wrong``) unless ``engine``'s key opens ``path``."""
        try:
            with engine.connect() as connection:
                connection.exec_driver_sql("SELECT count(*) FROM sqlite_master").all()
        except DatabaseError as exc:
            engine.dispose()
            raise self.error(self.words.wrong.format(path=path, reason=exc)) from exc

    def check_file(self, path: Path, key: str) -> None:
        """``check`` without an engine: a raw connection to ``path`` with ``key``."""
        try:
            connection = connect_file(path, key)
            try:
                connection.execute("SELECT count(*) FROM sqlite_master").fetchall()
            finally:
                connection.close()
        except sqlcipher3.DatabaseError as exc:
            raise self.error(self.words.wrong.format(path=path, reason=exc)) from exc


def _quiet_sqlcipher() -> None:
    """SQLCipher logs a wrong key's failed page check to standard error; the user gets
    our message instead (the setting is process-wide)."""
    connection = sqlcipher3.connect(":memory:")
    try:
        connection.execute("PRAGMA cipher_log_level = NONE")
    finally:
        connection.close()


def _key_pragma(key: str) -> str:
    if not _KEY_PATTERN.match(key):
        # Not a key made here: give SQLCipher one that cannot match, never the text itself.
        key = "0" * (2 * KEY_BYTES)
    return f"PRAGMA key = \"x'{key}'\""


def encrypted_engine(path: Path, key: str) -> Engine:
    """An SQLCipher engine for ``path`` with the usual connection settings.

    The same pragmas as every local SQLite file (``_on_sqlite_connect``:
    foreign keys, WAL, ``synchronous=FULL``, temporary files in memory),
    after the dialect has given the key. A queue pool, not the dialect's
    default ``SingletonThreadPool``: that hands the same connection to every
    ``connect()`` on a thread, so two units of work on one thread would share
    a transaction.
    """
    from healthvisitor.persistence.database import _on_sqlite_connect

    _quiet_sqlcipher()
    if not _KEY_PATTERN.match(key):
        key = "0" * (2 * KEY_BYTES)  # as in _key_pragma: never hand SQLCipher other text
    url = URL.create("sqlite+pysqlcipher", password=f"x'{key}'", database=str(path))
    engine = create_engine(url, poolclass=QueuePool)
    event.listen(engine, "connect", _on_sqlite_connect)
    return engine


def connect_file(path: Path, key: str | None, *, timeout: float = 5.0) -> Any:
    """A DB-API connection to the existing file ``path``: plain (``key`` None) or keyed.

    Never creates a missing file (``mode=rw``). Temporary files in memory, as
    on every local connection. The type is ``sqlite3.Connection`` or
    ``sqlcipher3.Connection``, which behave alike.
    """
    uri = f"{path.resolve().as_uri()}?mode=rw"
    connection: Any
    if key is None:
        connection = sqlite3.connect(uri, uri=True, timeout=timeout)
    else:
        _quiet_sqlcipher()
        connection = sqlcipher3.connect(uri, uri=True, timeout=timeout)
        connection.execute(_key_pragma(key))
    connection.execute("PRAGMA temp_store = MEMORY")
    return connection


def create_private_file(path: Path) -> None:
    """A new empty file only its owner can read (fails if it exists)."""
    os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, _PRIVATE_FILE))


def fsync_file(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def fsync_folder(folder: Path) -> None:
    """Make a rename durable (POSIX; Windows has no directory handles to flush)."""
    if os.name != "posix":
        return
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def table_counts(connection: Any) -> dict[str, int]:
    """Rows in every table of the database ``connection`` is on."""
    names = [
        str(row[0])
        for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]
    quoted = {name: '"' + name.replace('"', '""') + '"' for name in names}
    return {
        # The names come from the file's own schema, quoted as identifiers.
        name: int(connection.execute(f"SELECT count(*) FROM {quoted[name]}").fetchone()[0])  # noqa: S608
        for name in names
    }


class FileInUseError(HealthVisitorError):
    """The file is open in HealthVisitor or another program; nothing was changed."""


def export_copy(source: Path, source_key: str | None, target: Path, target_key: str | None) -> None:
    """Write the new file ``target``: every table, index and row of ``source``, re-keyed.

    SQLCipher's ``sqlcipher_export`` does it (the backup API cannot change a
    file's key). ``target_key`` None makes a plain file. The source is
    switched out of WAL first, which SQLite allows only to its one
    connection: while any other program has it open, ``FileInUseError``. The
    source is then read inside one transaction that holds its write lock, so
    nothing is written to it half-way through.
    """
    _quiet_sqlcipher()
    create_private_file(target)
    reading: Any = sqlcipher3.connect(f"{source.resolve().as_uri()}?mode=rw", uri=True, timeout=0)
    try:
        if source_key is not None:
            reading.execute(_key_pragma(source_key))
        reading.execute("PRAGMA temp_store = MEMORY")
        try:
            reading.execute("PRAGMA journal_mode = DELETE").fetchone()
        except sqlcipher3.OperationalError as exc:
            raise FileInUseError(
                f"{source} is open in HealthVisitor (or another program) on this computer. "
                "Close it everywhere, then run the command again. Nothing was changed."
            ) from exc
        reading.isolation_level = None  # the transaction below is ours, not the driver's
        attached = "''" if target_key is None else _key_pragma(target_key).split(" = ")[1]
        reading.execute(f"ATTACH DATABASE ? AS converted KEY {attached}", (str(target),))
        reading.execute("BEGIN IMMEDIATE")
        reading.execute("SELECT sqlcipher_export('converted')")
        # sqlcipher_export copies the schema and the rows, not the header's own numbers.
        for pragma in ("user_version", "application_id"):
            value = int(reading.execute(f"PRAGMA main.{pragma}").fetchone()[0])
            reading.execute(f"PRAGMA converted.{pragma} = {value}")
        reading.execute("COMMIT")
        reading.execute("DETACH DATABASE converted")
    finally:
        reading.close()
    fsync_file(target)


@dataclass(frozen=True)
class Converted:
    """What ``convert_in_place`` did: the file, and the rows of each table it checked."""

    path: Path
    rows: Mapping[str, int]

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def convert_in_place(path: Path, from_key: str | None, to_key: str | None) -> Converted:
    """Re-key ``path`` (plain to encrypted with ``to_key``, or back with ``to_key`` None).

    A new file is written beside it (``export_copy``), given the full
    ``integrity_check`` and compared table by table, row count by row count,
    with the original; only then does it replace the original in one rename,
    and the original's write-ahead log and shared-memory files go (there are
    none after ``export_copy`` left WAL: any left would belong to the old file).
    Anything wrong before the rename leaves the original exactly as it was.
    """
    partial = path.with_name(f".{path.name}.converting")
    partial.unlink(missing_ok=True)  # left by a crash during an earlier attempt
    try:
        export_copy(path, from_key, partial, to_key)
        before = connect_file(path, from_key)
        after = connect_file(partial, to_key)
        try:
            problems = [str(row[0]) for row in after.execute("PRAGMA integrity_check")]
            rows_before, rows_after = table_counts(before), table_counts(after)
        finally:
            after.close()
            before.close()
        if problems != ["ok"] or rows_before != rows_after:
            raise HealthVisitorError(
                f"The converted copy of {path} did not match it "
                f"({'; '.join(problems[:3]) if problems != ['ok'] else 'row counts differ'}), "
                "so it was discarded and the file was left as it was. Tell IT."
            )
        for suffix in COMPANION_SUFFIXES:
            path.with_name(path.name + suffix).unlink(missing_ok=True)
        os.replace(partial, path)
        fsync_folder(path.parent)
    finally:
        partial.unlink(missing_ok=True)
    return Converted(path, rows_after)


# --- The laptop's own database ---------------------------------------------------

LOCAL_DATABASE_WORDS = KeyWords(
    unreachable=(
        "The database file {path} is encrypted, and this computer's keyring, which holds "
        "its key, cannot be reached ({reason}). HealthVisitor has not opened it and nothing "
        "was changed. Sign in to the computer's desktop session and try again; if it "
        "persists, tell IT."
    ),
    missing=(
        "The database file {path} cannot be opened: it is encrypted, and its key is not in "
        "this computer's keyring (the key was removed, or the file came from another "
        "computer), or the file is damaged. Without the key nobody can read it. HealthVisitor "
        "has not opened it and the file was left as it is: do not delete it. Tell IT."
    ),
    wrong=(
        "The database file {path} cannot be read with the key this computer's keyring holds "
        "for it: the key does not match the file (or the file is damaged). HealthVisitor has "
        "not opened it and the file was left as it is: do not delete it. Tell IT."
    ),
    not_made=(
        "HealthVisitor did not create the encrypted database {path}: on this computer "
        "{reason}. Its key must be kept in the operating system's keyring, and HealthVisitor "
        "never writes that key to a file. Nothing was created. Ask IT to set up the keyring."
    ),
)
#: The laptop's own database files' keys.
DATABASE_KEYS = KeyKeeper(DATABASE_KEYRING_SERVICE, LOCAL_DATABASE_WORDS, DatabaseKeyError)

NOT_ENCRYPTED = (
    "The database file {path} is not encrypted, but this computer's settings ([database] "
    "encrypted) say it must be, so HealthVisitor has not opened it. IT can encrypt it in "
    "place with 'healthvisitor db encrypt'; nothing recorded in it is lost."
)
ENCRYPTED_WITHOUT_KEYRING = (
    "The database file {path} is encrypted (or damaged), and on this computer {reason}, so "
    "its key cannot be looked up. HealthVisitor has not opened it and the file was left as "
    "it is: do not delete it. Tell IT."
)


def key_for_database(path: Path, *, must_encrypt: bool) -> str | None:
    """The key to open the laptop's database file ``path`` with (None: it is plain).

    * No file yet: with ``must_encrypt`` a new key, kept in the keyring before
      the file is made (``DatabaseKeyError`` where no keyring can keep it);
      otherwise None, a plain file.
    * A plain file: None; refused with ``must_encrypt`` (``NOT_ENCRYPTED``).
    * An encrypted file: its key from the keyring, checked against the file.
      A missing key, a wrong key, no usable keyring or one that cannot be
      reached is ``DatabaseKeyError``; the file is not touched.

    Except: where this computer has no usable keyring at all and encryption
    is not asked for, a file that is not plain is left to the integrity check
    (this computer can never have encrypted it; most likely it is damaged).
    """
    if not path.exists():
        return DATABASE_KEYS.make(path) if must_encrypt else None
    if is_plain_sqlite(path):
        if must_encrypt:
            raise DatabaseKeyError(NOT_ENCRYPTED.format(path=path))
        return None
    refused = usable_keyring()
    if refused is not None:
        if not must_encrypt:
            return None
        raise DatabaseKeyError(ENCRYPTED_WITHOUT_KEYRING.format(path=path, reason=refused))
    key = DATABASE_KEYS.read(path)
    if key is None:
        raise DatabaseKeyError(LOCAL_DATABASE_WORDS.missing.format(path=path))
    DATABASE_KEYS.check_file(path, key)
    return key


# --- The offline copy (healthvisitor.sync.local) ----------------------------------

OFFLINE_COPY_WORDS = KeyWords(
    unreachable=(
        "The offline copy {path} cannot be opened: this computer's keyring, which holds "
        "its key, cannot be reached ({reason}). Nothing was changed. Sign in to the "
        "computer's desktop session and try again; if it persists, tell IT."
    ),
    missing=(
        "The offline copy {path} cannot be opened: its key is not in this computer's "
        "keyring (it was removed, or the file came from another computer). Without the key "
        "nobody can read the copy. The file was left as it is. Work online, and tell IT."
    ),
    wrong=(
        "The offline copy {path} cannot be read with the key this computer's keyring holds "
        "for it: the key does not match the file (or the file is damaged). The file was left "
        "as it is, since changes not yet sent may be on it. Work online, and tell IT."
    ),
    not_made=(
        "No offline copy was made on this computer: {reason}. The copy must be encrypted "
        "with a key kept in the operating system's keyring, and HealthVisitor never writes "
        "that key to a file. Work online, or ask IT to set up the keyring."
    ),
)
