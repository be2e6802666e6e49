"""The laptop's local copy: opening it, and the outbox every offline change goes into.

A local copy is an SQLite file with the same schema as the shared database,
built and upgraded by the same migrations. ``open_local_copy`` marks its
engine, and for connections of a marked engine the mapper events below turn
each change the ordinary services make into an outbox entry in the same
transaction, so a change can never be saved without being queued:

* a new row of a table in ``ADDED_OFFLINE`` is queued as an ``add``;
* a change to the ``EDITABLE_FIELDS`` of a pulled record is queued as an
  ``edit`` (once: later edits before sending fold into it, since the fields
  sent are found by comparing the row with its pulled base);
* a change to a row added offline and not sent yet needs nothing (the row is
  sent as it stands);
* anything else (a new child, an allocation, a safeguarding entry, a deletion)
  is refused with ``OfflineNotAllowedError`` and nothing is saved.

The pull writes with Core statements, which fire no mapper events, so what
comes from the server is never queued back to it.

The copy is encrypted at rest with SQLCipher (the ``sqlcipher3`` wheel, which
bundles it): every page of the file and of its write-ahead log. Its key is 32
random bytes made when the copy is made, kept only in the operating system's
keyring (one entry per file), and handed to SQLCipher as a raw key, so
opening a connection costs no key derivation. Without a usable keyring no
copy is made: the key is never written to a file. A missing or wrong key is
``LocalCopyUnavailableError``, in words the user can act on; the file is left
as it is (changes not yet sent may be on it).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keyring
import keyring.errors
from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Uuid,
    event,
    func,
    insert,
    inspect,
    select,
)
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Mapper

from healthvisitor.errors import HealthVisitorError
from healthvisitor.persistence import audit_key
from healthvisitor.persistence.database import prepare
from healthvisitor.persistence.encryption import (
    COMPANION_SUFFIXES,
    OFFLINE_COPY_WORDS,
    KeyKeeper,
    encrypted_engine,
    keyring_account,
)
from healthvisitor.persistence.models import AuditChainHead, Base, SyncOutboxEntry, SyncState
from healthvisitor.persistence.types import UTCDateTime, utc_now
from healthvisitor.sync.records import (
    ADDED_OFFLINE,
    BOOKKEEPING_COLUMNS,
    EDITABLE_FIELDS,
    JOURNAL_TABLES,
    RECORD_WORDS,
    OfflineNotAllowedError,
    table,
)

#: The execution option that marks a local copy's engine.
LOCAL_COPY = "healthvisitor_local_copy"
#: ``Connection.info`` key: the current transaction and its outbox batch id.
_BATCH = "healthvisitor_sync_batch"
#: The one row of ``sync_state``.
STATE_ID = 1


#: The keyring service the copies' keys are kept under (one entry per file).
KEYRING_SERVICE = "HealthVisitor offline copy"
# The key, its keyring entry, the engine and the words: one implementation with the
# laptop's own encrypted database (healthvisitor.persistence.encryption).


#: Tables the laptop's copy has and the shared database never has (no migration: they
#: are made here, when the copy is opened, and are neither pulled, replaced nor sent).
LOCAL_ONLY = MetaData()
#: The offline sign-in's verifier (``healthvisitor.sync.offline_sign_in``): an argon2id
#: hash of the password the copy's owner last signed in with online, made on this
#: laptop (never the server's hash, never the password), and its own count of wrong
#: passwords. The pull rewrites ``users`` (without any password hash) and never
#: touches this table; wiping the copy deletes it with the file.
OFFLINE_SIGN_IN = Table(
    "offline_sign_in",
    LOCAL_ONLY,
    Column("user_id", Uuid, primary_key=True),
    Column("verifier", String(200), nullable=False),
    Column("made_at", UTCDateTime(), nullable=False),
    Column("failed_sign_ins", Integer, nullable=False, default=0),
    Column("lockouts", Integer, nullable=False, default=0),
    Column("locked_until", UTCDateTime(), nullable=True),
)


class LocalCopyUnavailableError(HealthVisitorError):
    """The offline copy cannot be made or opened (no keyring, a missing or wrong key)."""


_keys = KeyKeeper(KEYRING_SERVICE, OFFLINE_COPY_WORDS, LocalCopyUnavailableError)
_read_key = _keys.read
_make_key = _keys.make
_check_key = _keys.check


def open_local_copy(path: Path) -> Engine:
    """The engine of the encrypted local copy at ``path``, created or upgraded, outbox on.

    Raises ``LocalCopyUnavailableError`` where no key can be kept (a new copy)
    or the key is missing or wrong (an existing one).
    """
    if path.exists():
        key = _read_key(path)
        if key is None:
            raise LocalCopyUnavailableError(
                f"The offline copy {path} cannot be opened: its key is not in this computer's "
                "keyring (it was removed, or the file came from another computer). Without "
                "the key nobody can read the copy. The file was left as it is. Work online, "
                "and tell IT."
            )
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = _make_key(path)
    engine = encrypted_engine(path, key)
    _check_key(engine, path)
    prepare(engine)
    LOCAL_ONLY.create_all(engine)  # checkfirst: made once, kept across openings
    _install()
    return engine.execution_options(**{LOCAL_COPY: True})


def _audit_chain_id(path: Path) -> uuid.UUID | None:
    """The copy's audit chain id (its chain key is kept outside it), if it can be read."""
    try:
        key = _read_key(path)
    except LocalCopyUnavailableError:
        return None
    if key is None or not path.exists():
        return None
    engine = encrypted_engine(path, key)
    try:
        with engine.connect() as connection:
            return connection.scalar(select(AuditChainHead.chain_id))
    except DatabaseError:
        return None
    finally:
        engine.dispose()


def _forget_audit_key(chain_id: uuid.UUID) -> None:
    """Delete the copy's audit chain key (``healthvisitor.persistence.audit_key``)."""
    with contextlib.suppress(keyring.errors.KeyringError):  # kept in the file, if anywhere
        keyring.delete_password(audit_key.KEYRING_SERVICE, str(chain_id))
    audit_key.key_file(chain_id).unlink(missing_ok=True)


def wipe_local_copy(path: Path) -> bool:
    """Delete the copy at ``path``, the files beside it and its keys; whether there was one.

    Close (``dispose``) its engine first. The copy's own key and its audit
    chain's key go with it, so nothing of it is left on the computer.
    """
    chain_id = _audit_chain_id(path)
    found = False
    for file in (path, *(path.with_name(path.name + suffix) for suffix in COMPANION_SUFFIXES)):
        if file.exists():
            file.unlink()
            found = True
    try:
        keyring.delete_password(KEYRING_SERVICE, keyring_account(path))
        found = True
    except keyring.errors.KeyringError:
        pass  # no key kept (PasswordDeleteError), or no keyring: nothing to delete
    if chain_id is not None:
        _forget_audit_key(chain_id)
    return found


def is_local_copy(connection: Connection) -> bool:
    return bool(connection.get_execution_options().get(LOCAL_COPY))


@dataclass(frozen=True)
class SyncStatus:
    """What the window shows: changes waiting, and when the copy last synchronised."""

    waiting: int
    last_pulled_at: dt.datetime | None
    last_pushed_at: dt.datetime | None
    #: The saves those changes came from (one contact with its measurements and its
    #: audit events is one save): what a health visitor counts as "changes waiting".
    #: Audit events alone (signing in, locking on the copy) are not counted.
    waiting_saves: int = 0


def sync_status(local_engine: Engine) -> SyncStatus:
    unsent = SyncOutboxEntry.sent_at.is_(None)
    with local_engine.connect() as connection:
        waiting = connection.scalar(select(func.count()).select_from(SyncOutboxEntry).where(unsent))
        # A save of the user's: a batch with a record in it. One that holds only audit
        # events (a sign-in, a lock on the copy) goes too, but is no change of theirs.
        saves = connection.scalar(
            select(func.count(func.distinct(SyncOutboxEntry.batch_id))).where(
                unsent, SyncOutboxEntry.table_name != "audit_events"
            )
        )
        state = connection.execute(
            select(SyncState.last_pulled_at, SyncState.last_pushed_at).where(
                SyncState.id == STATE_ID
            )
        ).one_or_none()
    pulled, pushed = state if state is not None else (None, None)
    return SyncStatus(int(waiting or 0), pulled, pushed, int(saves or 0))


# --- The outbox -------------------------------------------------------------------


def _batch_id(connection: Connection) -> uuid.UUID:
    """One batch per local transaction: what was saved together is sent together."""
    transaction = connection.get_transaction()
    current = connection.info.get(_BATCH)
    if current is not None and current[0] is transaction:
        return uuid.UUID(str(current[1]))
    batch = uuid.uuid4()
    connection.info[_BATCH] = (transaction, batch)
    return batch


def _unsent(connection: Connection, table_name: str, record_id: Any, kind: str) -> bool:
    outbox = table("sync_outbox")
    found = connection.scalar(
        select(func.count())
        .select_from(outbox)
        .where(
            outbox.c.table_name == table_name,
            outbox.c.record_id == record_id,
            outbox.c.kind == kind,
            outbox.c.sent_at.is_(None),
        )
    )
    return bool(found)


def _queue(connection: Connection, table_name: str, record_id: Any, kind: str) -> None:
    connection.execute(
        insert(table("sync_outbox")).values(
            change_id=uuid.uuid4(),
            batch_id=_batch_id(connection),
            table_name=table_name,
            record_id=record_id,
            kind=kind,
            queued_at=utc_now(),
        )
    )


def _words(table_name: str) -> str:
    return RECORD_WORDS.get(table_name, table_name.replace("_", " "))


def _after_insert(mapper: Mapper[Any], connection: Connection, target: Any) -> None:
    if not is_local_copy(connection):
        return
    table_name = mapper.local_table.name  # type: ignore[attr-defined]
    if table_name in JOURNAL_TABLES:
        return
    if table_name not in ADDED_OFFLINE:
        raise OfflineNotAllowedError(
            f"Adding {_words(table_name)} cannot be done on the laptop's offline copy yet; "
            "nothing was saved. Do it when you are connected to the shared database."
        )
    _queue(connection, table_name, target.id, "add")


def _changed_columns(target: Any) -> set[str]:
    state = inspect(target)
    return {
        attribute.key
        for attribute in state.mapper.column_attrs
        if state.attrs[attribute.key].history.has_changes()
    } - BOOKKEEPING_COLUMNS


def _after_update(mapper: Mapper[Any], connection: Connection, target: Any) -> None:
    if not is_local_copy(connection):
        return
    table_name = mapper.local_table.name  # type: ignore[attr-defined]
    if table_name in JOURNAL_TABLES:
        return
    record_id = target.id
    if table_name in ADDED_OFFLINE and _unsent(connection, table_name, record_id, "add"):
        return  # not sent yet: it goes as it stands now
    changed = _changed_columns(target)
    allowed = set(EDITABLE_FIELDS.get(table_name, ()))
    if not changed <= allowed:
        names = ", ".join(sorted(changed - allowed)).replace("_", " ")
        raise OfflineNotAllowedError(
            f"Changing {_words(table_name)} ({names}) cannot be done on the laptop's offline "
            "copy; nothing was saved. The shared database decides it: change it when you are "
            "connected."
        )
    if not _unsent(connection, table_name, record_id, "edit"):
        _queue(connection, table_name, record_id, "edit")


def _after_delete(mapper: Mapper[Any], connection: Connection, target: Any) -> None:
    if is_local_copy(connection):
        raise OfflineNotAllowedError(
            "Nothing is ever deleted from the laptop's offline copy; nothing was changed."
        )


_installed = False


def _install() -> None:
    """Listen to every mapped table once (the listeners ignore other databases)."""
    global _installed
    if _installed:
        return
    event.listen(Base, "after_insert", _after_insert, propagate=True)
    event.listen(Base, "after_update", _after_update, propagate=True)
    event.listen(Base, "after_delete", _after_delete, propagate=True)
    _installed = True
