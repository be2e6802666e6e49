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

Appending takes the chain head's row lock first (``UPDATE ... RETURNING``:
a row lock on PostgreSQL, the database write lock on SQLite), so two writers
can never both link to the same previous event and fork the chain; the lock
is released when the unit of work commits. On top of the chain, triggers
(migration 0009) refuse UPDATE and DELETE on ``audit_events`` outright.

``verify_chain`` walks the chain in order and names the first broken event.
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
from sqlalchemy.orm import Session

from healthvisitor.errors import HealthVisitorError
from healthvisitor.persistence.audit_key import chain_key
from healthvisitor.persistence.models import AuditChainHead, AuditEvent

#: The chain head is one row with this id (a CHECK constraint keeps it so).
HEAD_ID = 1
#: How many events verification reads at a time.
VERIFY_BATCH = 2000


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


def take_next_link(session: Session) -> Link:
    """Lock the chain head and move it on by one (held until the transaction ends)."""
    head = cast(Table, AuditChainHead.__table__)
    row = session.execute(
        update(head)
        .where(head.c.id == HEAD_ID)
        .values(sequence=head.c.sequence + 1)
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
                id=HEAD_ID, chain_id=chain_id, sequence=1, last_hash="", signed_from=1
            )
        )
        return Link(1, "", chain_key(chain_id, create=True))
    sequence, previous_hash, chain_id = row
    # A key is made only for a chain with nothing signed yet (audit_key docstring).
    return Link(sequence, previous_hash, chain_key(chain_id, create=previous_hash == ""))


def seal(session: Session, event: AuditEvent, link: Link) -> None:
    """Number and sign ``event`` at ``link`` and make it the chain's last link."""
    event.sequence = link.sequence
    event.row_hash = event_hash(link.key, event, link.previous_hash)
    head = cast(Table, AuditChainHead.__table__)
    session.execute(update(head).where(head.c.id == HEAD_ID).values(last_hash=event.row_hash))


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


def _in_order(session: Session) -> Iterator[AuditEvent]:
    """Every event by sequence, a batch at a time (keyset paging: no open cursor is
    left behind when verification stops at a broken event)."""
    after: int | None = None
    while True:
        query = select(AuditEvent).order_by(AuditEvent.sequence).limit(VERIFY_BATCH)
        if after is not None:
            query = query.where(AuditEvent.sequence > after)
        batch = list(session.scalars(query))
        yield from batch
        if len(batch) < VERIFY_BATCH:
            return
        after = batch[-1].sequence


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
    for event in _in_order(session):
        if event.sequence != expected:
            missing = (
                f"event {expected} is missing"
                if event.sequence == expected + 1
                else f"events {expected} to {event.sequence - 1} are missing"
            )
            return ChainReport(total, unsigned, _problem(event, f"{missing} before it (deleted)"))
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
    last_sequence = last.sequence if last else 0
    if head.sequence > last_sequence:
        first = last_sequence + 1
        span = (
            f"event {first} is"
            if first == head.sequence
            else f"events {first} to {head.sequence} are"
        )
        return ChainReport(
            total,
            unsigned,
            ChainProblem(first, None, "", None, f"{span} missing from the end (truncated)"),
        )
    if head.sequence < last_sequence or (
        last is not None and head.last_hash != (last.row_hash or "")
    ):
        assert last is not None
        return ChainReport(
            total, unsigned, _problem(last, "the chain head does not name it as the last event")
        )
    return ChainReport(total, unsigned, None)
