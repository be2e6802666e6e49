"""The tamper-evident audit chain (issue 8): each event signed and linked to the one before.

Every audit event gets the next ``sequence`` number and a ``row_hash``:
HMAC-SHA256, under a per-database key kept outside the database
(``healthvisitor.persistence.audit_key``), over the event's canonical fields
and the previous event's hash. So:

* an edited event no longer matches its hash;
* a deleted event leaves a gap in the sequence;
* events swapped or renumbered no longer match (the number is signed);
* events deleted from the end are caught by the chain head
  (``audit_chain_head``), a separate row that always names the last event.

An event is made in its unit of work unsigned (``append``: kept on the
session, not yet written) and is numbered, signed and linked only when the
unit of work commits (a ``before_commit`` hook): the rest of the work is
flushed first, then the hook takes the chain head's row lock (``UPDATE ...
RETURNING``: a row lock on PostgreSQL, the database write lock on SQLite),
writes the events after the head's last link and moves the head on. The lock
is released by the commit itself, so it is held for the commit only, not for
the user's whole action (issue 9: every audited action, opening a record
included, queued behind every other session's unit of work). Holding it
through the commit is what keeps the chain in commit order: two sessions
committing at once take their numbers one after the other, and the second
links to the first's last event only once the first has committed. A unit of
work that rolls back (or a savepoint that does) drops its events unwritten,
so the chain has no gap. An event's ``occurred_at`` stays the time of the
action; its place in the chain is the time of the commit. On top of the
chain, triggers (migration 0009) refuse UPDATE and DELETE on ``audit_events``
outright.

On SQLite a unit of work that only reads (opening a record) now takes the
single writer's lock for its commit only; one that writes holds it from its
first write, as SQLite always does.

``verify_chain`` walks the chain in order and names the first broken event.
It reads the head again after the events, and reads on, so events others
commit while it runs (a shared database in use) are not taken for tampering.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Table, exists, func, insert, select, update
from sqlalchemy.event import listens_for
from sqlalchemy.orm import Session, SessionTransaction

from healthvisitor.errors import HealthVisitorError
from healthvisitor.persistence.audit_key import chain_key
from healthvisitor.persistence.models import AuditChainHead, AuditEvent

#: The chain head is one row with this id (a CHECK constraint keeps it so).
HEAD_ID = 1
#: How many events verification reads at a time.
VERIFY_BATCH = 2000
#: How many times verification reads on for events committed while it was reading.
CATCH_UP_PASSES = 5


class AuditChainError(HealthVisitorError):
    """The chain cannot be extended: its head is missing while events exist."""


@dataclass(frozen=True)
class Link:
    """Where the next event goes: its number and the hash it links to."""

    sequence: int
    previous_hash: str
    key: bytes


def canonical(
    *,
    sequence: int,
    occurred_at: dt.datetime,
    user_id: uuid.UUID | None,
    action: str,
    entity_type: str,
    entity_id: uuid.UUID | None,
    details: str,
    machine: str,
    previous_hash: str,
) -> bytes:
    """The bytes signed for one event: every field that says what happened, in order.

    The row's own ``id`` is left out: it is a surrogate key, and the sequence
    number is the event's identity in the chain.
    """
    fields = [
        sequence,
        occurred_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        str(user_id) if user_id else None,
        action,
        entity_type,
        str(entity_id) if entity_id else None,
        details,
        machine,
        previous_hash,
    ]
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode()


def sign(key: bytes, message: bytes) -> str:
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def event_hash(key: bytes, event: AuditEvent, previous_hash: str) -> str:
    return sign(
        key,
        canonical(
            sequence=event.sequence,
            occurred_at=event.occurred_at,
            user_id=event.user_id,
            action=event.action,
            entity_type=event.entity_type,
            entity_id=event.entity_id,
            details=event.details,
            machine=event.machine,
            previous_hash=previous_hash,
        ),
    )


def take_next_link(session: Session, count: int = 1) -> Link:
    """Lock the chain head and move it on by ``count`` places (held until the
    transaction ends); the link is where the first of them goes."""
    head = cast(Table, AuditChainHead.__table__)
    row = session.execute(
        update(head)
        .where(head.c.id == HEAD_ID)
        .values(sequence=head.c.sequence + count)
        .returning(head.c.sequence, head.c.last_hash, head.c.chain_id)
    ).one_or_none()
    if row is None:
        # Only an emptied database has no head (the migration makes one).
        if session.scalar(select(exists().where(AuditEvent.id.is_not(None)))):
            raise AuditChainError(
                "The audit trail's chain head is missing although events exist: the trail "
                "may have been tampered with. Nothing can be recorded until a system "
                "administrator has run 'healthvisitor audit verify'."
            )
        chain_id = uuid.uuid4()
        session.execute(
            insert(head).values(
                id=HEAD_ID, chain_id=chain_id, sequence=count, last_hash="", signed_from=1
            )
        )
        return Link(1, "", chain_key(chain_id, create=True))
    sequence, previous_hash, chain_id = row
    # A key is made only for a chain with nothing signed yet (audit_key docstring).
    return Link(
        sequence - count + 1, previous_hash, chain_key(chain_id, create=previous_hash == "")
    )


def _sign(event: AuditEvent, link: Link) -> str:
    event.sequence = link.sequence
    event.row_hash = event_hash(link.key, event, link.previous_hash)
    return event.row_hash


def _move_head_to(session: Session, last_hash: str) -> None:
    head = cast(Table, AuditChainHead.__table__)
    session.execute(update(head).where(head.c.id == HEAD_ID).values(last_hash=last_hash))


def seal(session: Session, event: AuditEvent, link: Link) -> None:
    """Number and sign ``event`` at ``link`` and make it the chain's last link
    (at once: the caller holds the head's lock from here to the end of its
    transaction; ``append`` waits for the commit instead)."""
    _move_head_to(session, _sign(event, link))


# --- Appending at commit -----------------------------------------------------------

#: Where a session keeps its events until it commits (``Session.info``).
PENDING = "healthvisitor.audit_chain.pending"


@dataclass(frozen=True)
class _Pending:
    event: AuditEvent
    # The savepoint it was made in (None: the transaction itself), so that rolling
    # back a savepoint drops only the events made inside it.
    savepoint: SessionTransaction | None


def append(session: Session, event: AuditEvent) -> None:
    """Add ``event`` to the chain when ``session`` commits, after its other work.

    Until then it is not written: a query in the same unit of work does not see
    it. If the unit of work rolls back, it is never written.
    """
    if not session.in_transaction():
        session.begin()  # so that a rollback, or closing the session, drops it
    pending: list[_Pending] = session.info.setdefault(PENDING, [])
    pending.append(_Pending(event, session.get_nested_transaction()))


@listens_for(Session, "before_commit")
def _link_pending_events(session: Session) -> None:
    """Sign and link the session's events: the head is locked for the commit only."""
    if session.get_nested_transaction() is not None:
        return  # a savepoint released: its events wait for the transaction's commit
    pending: list[_Pending] = session.info.pop(PENDING, [])
    if not pending:
        return
    session.flush()  # the rest of the unit of work first, before the lock is taken
    first = take_next_link(session, len(pending))
    previous_hash = first.previous_hash
    for place, item in enumerate(pending):  # in the order they were made
        previous_hash = _sign(item.event, Link(first.sequence + place, previous_hash, first.key))
    session.add_all(item.event for item in pending)
    _move_head_to(session, previous_hash)  # flushes the events first


@listens_for(Session, "after_soft_rollback")
def _drop_events_of_a_rolled_back_savepoint(
    session: Session, rolled_back: SessionTransaction
) -> None:
    """Events made in a savepoint rolled back are never written (the others wait)."""
    pending: list[_Pending] | None = session.info.get(PENDING)
    if pending and rolled_back.nested:
        session.info[PENDING] = [
            item for item in pending if not _inside(item.savepoint, rolled_back)
        ]


@listens_for(Session, "after_transaction_end")
def _drop_events_not_committed(session: Session, ended: SessionTransaction) -> None:
    """A transaction rolled back, or a session closed uncommitted, writes no event."""
    if ended.parent is None:
        session.info.pop(PENDING, None)


def _inside(savepoint: SessionTransaction | None, rolled_back: SessionTransaction) -> bool:
    while savepoint is not None:
        if savepoint is rolled_back:
            return True
        savepoint = savepoint.parent
    return False


# --- Verification -----------------------------------------------------------------


@dataclass(frozen=True)
class ChainProblem:
    sequence: int
    event_id: uuid.UUID | None
    action: str
    occurred_at: dt.datetime | None
    what: str

    def describe(self) -> str:
        if self.event_id is None:
            return f"event {self.sequence}: {self.what}"
        when = self.occurred_at.isoformat(timespec="seconds") if self.occurred_at else "?"
        return (
            f"event {self.sequence} ({self.action} at {when} UTC, id {self.event_id}): {self.what}"
        )


@dataclass(frozen=True)
class ChainReport:
    events: int
    unsigned: int
    problem: ChainProblem | None

    @property
    def intact(self) -> bool:
        return self.problem is None


def _problem(event: AuditEvent, what: str) -> ChainProblem:
    return ChainProblem(event.sequence, event.id, event.action, event.occurred_at, what)


def _in_order(session: Session, after: int | None = None) -> Iterator[AuditEvent]:
    """Every event by sequence (after ``after``), a batch at a time (keyset paging: no
    open cursor is left behind when verification stops at a broken event)."""
    while True:
        query = select(AuditEvent).order_by(AuditEvent.sequence).limit(VERIFY_BATCH)
        if after is not None:
            query = query.where(AuditEvent.sequence > after)
        batch = list(session.scalars(query))
        yield from batch
        if len(batch) < VERIFY_BATCH:
            return
        after = batch[-1].sequence


def _head_now(session: Session) -> tuple[int, str]:
    """The chain head's last link as committed now (read afresh, not the session's copy)."""
    row = session.execute(
        select(AuditChainHead.sequence, AuditChainHead.last_hash).where(
            AuditChainHead.id == HEAD_ID
        )
    ).one()
    return row.sequence, row.last_hash


def verify_chain(session: Session) -> ChainReport:
    """Walk every event in order; stop at the first that breaks the chain."""
    head = session.get(AuditChainHead, HEAD_ID)
    total = session.scalar(select(func.count()).select_from(AuditEvent)) or 0
    if head is None:
        if total == 0:
            return ChainReport(0, 0, None)
        return ChainReport(
            total, 0, ChainProblem(0, None, "", None, "the chain head is missing (deleted)")
        )
    key: bytes | None = None
    expected = 1
    previous_hash = ""
    unsigned = 0
    last: AuditEvent | None = None
    walked = 0
    for _ in range(CATCH_UP_PASSES):
        for event in _in_order(session, last.sequence if last else None):
            if event.sequence != expected:
                missing = (
                    f"event {expected} is missing"
                    if event.sequence == expected + 1
                    else f"events {expected} to {event.sequence - 1} are missing"
                )
                return ChainReport(
                    total, unsigned, _problem(event, f"{missing} before it (deleted)")
                )
            if event.sequence < head.signed_from:
                if event.row_hash is not None:
                    return ChainReport(
                        total,
                        unsigned,
                        _problem(
                            event,
                            "it is signed, yet the chain head says signing began at event "
                            f"{head.signed_from} (the head was altered)",
                        ),
                    )
                unsigned += 1
            else:
                if key is None:
                    key = chain_key(head.chain_id, create=False)
                if event.row_hash is None or not hmac.compare_digest(
                    event.row_hash, event_hash(key, event, previous_hash)
                ):
                    return ChainReport(
                        total,
                        unsigned,
                        _problem(
                            event,
                            "it does not match its signature: it was changed, or moved "
                            "from another place in the trail",
                        ),
                    )
                previous_hash = event.row_hash
            expected += 1
            last = event
            walked += 1
        # The head read after the events: an event committed before this read is at
        # or below it (its commit moved the head), so one committed while the walk
        # went on is read on next time round, not taken for a cut-off end.
        end_sequence, end_hash = _head_now(session)
        if end_sequence <= (last.sequence if last else 0):
            break
    total = max(total, walked)  # with those committed while it read
    last_sequence = last.sequence if last else 0
    if end_sequence > last_sequence:
        first = last_sequence + 1
        span = (
            f"event {first} is"
            if first == end_sequence
            else f"events {first} to {end_sequence} are"
        )
        return ChainReport(
            total,
            unsigned,
            ChainProblem(first, None, "", None, f"{span} missing from the end (truncated)"),
        )
    if end_sequence < last_sequence or (last is not None and end_hash != (last.row_hash or "")):
        assert last is not None
        return ChainReport(
            total, unsigned, _problem(last, "the chain head does not name it as the last event")
        )
    return ChainReport(total, unsigned, None)
