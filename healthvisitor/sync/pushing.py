"""The push: what the laptop recorded offline, sent to the shared database.

The outbox (``healthvisitor.sync.local``) is sent batch by batch, in the
order it was written; each batch (what one local save wrote) goes in one
server transaction, and is marked sent on the laptop only after the server
committed it. Interrupted anywhere, a push simply runs again:

* **additions** carry laptop-made UUIDs: a row the server already holds is
  not added again;
* every change carries a ``change_id``, and the server's ``sync_receipts``
  holds each one it applied (unique), so a batch the server committed but
  the laptop did not hear about is recognised and not applied twice;
* the server numbers what it receives (``sync_receipts.sequence``) and every
  offline audit event gets the next place in the server's own audit chain,
  signed with the server's key as the push commits (``audit_chain.append``):
  order comes from the server, never from a laptop clock. The event keeps the
  time it happened.

**Edits** are merged field by field against the base the laptop pulled
(``sync_base``): a field only the laptop changed takes the laptop's value; a
field only the server changed keeps the server's; the same field changed on
both sides to different values keeps the server's value in the record and
both values in ``sync_conflicts`` for a person to resolve. Only the fields in
``EDITABLE_FIELDS`` are ever written, so allocation and team never travel,
and safeguarding entries (dated history rows the laptop cannot add, end or
delete) set on the server stay whatever the laptop edited.

Before anything is sent, the laptop's own audit chain is verified: events
altered on the laptop are refused rather than signed into the server's chain.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import Connection, Engine, Row, insert, select, update
from sqlalchemy.orm import Session

from healthvisitor.errors import PermissionDeniedError, ValidationError
from healthvisitor.persistence.models import (
    AuditEvent,
    Base,
    Carer,
    Child,
    Contact,
    Family,
    Pregnancy,
    Referral,
    SyncBase,
    SyncConflict,
    SyncReceipt,
    SyncState,
    User,
)
from healthvisitor.persistence.types import utc_now
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services import policy
from healthvisitor.services.access import require_may_change_child, require_may_change_family
from healthvisitor.services.actor import Actor, actor_from_user
from healthvisitor.services.audit import record_event
from healthvisitor.services.audit_chain import append, verify_chain
from healthvisitor.services.policy import Permission
from healthvisitor.services.record_edits import replot_child_growth
from healthvisitor.sync.local import STATE_ID
from healthvisitor.sync.records import (
    EDITABLE_FIELDS,
    SyncRefusedError,
    from_json,
    table,
    to_json,
)


@dataclass(frozen=True)
class PushResult:
    """What one push did, for the window's status line and the tests."""

    batches: int = 0
    added: int = 0
    already_present: int = 0
    edits_applied: int = 0
    conflicts: int = 0


@dataclass(frozen=True)
class _Change:
    """One outbox entry with what it carries, read from the laptop."""

    change_id: uuid.UUID
    table_name: str
    record_id: uuid.UUID
    kind: str
    row: Mapping[str, Any] | None  # an addition: the row as it stands
    base_version: int = 0
    # an edit: field -> (base value, laptop value), JSON as ``to_json`` writes it
    fields: Mapping[str, tuple[Any, Any]] | None = None


# --- Reading the outbox on the laptop -------------------------------------------------


def _owner(local: Connection) -> tuple[uuid.UUID, str]:
    state = local.execute(
        select(SyncState.owner_id, SyncState.machine).where(SyncState.id == STATE_ID)
    ).one_or_none()
    if state is None:
        raise SyncRefusedError("This laptop has no offline copy yet: nothing to send.")
    return state.owner_id, state.machine


def _batches(local: Connection) -> list[list[Row[Any]]]:
    outbox = table("sync_outbox")
    entries = local.execute(
        select(outbox).where(outbox.c.sent_at.is_(None)).order_by(outbox.c.seq)
    ).all()
    grouped: dict[uuid.UUID, list[Row[Any]]] = {}
    for entry in entries:
        grouped.setdefault(entry.batch_id, []).append(entry)
    return list(grouped.values())  # dicts keep the order of each batch's first entry


def _read_change(local: Connection, entry: Row[Any]) -> _Change:
    t = table(entry.table_name)
    row = local.execute(select(t).where(t.c.id == entry.record_id)).mappings().one_or_none()
    if row is None:
        raise SyncRefusedError(
            f"A change waiting to be sent ({entry.table_name} {entry.record_id}) is missing "
            "from the laptop's copy; nothing was sent. Tell your system administrator."
        )
    if entry.kind == "add":
        return _Change(entry.change_id, entry.table_name, entry.record_id, "add", dict(row))
    base = local.execute(
        select(SyncBase.version, SyncBase.base_values).where(
            SyncBase.table_name == entry.table_name, SyncBase.record_id == entry.record_id
        )
    ).one()
    base_values = json.loads(base.base_values)
    fields = {
        name: (base_values[name], to_json(row[name]))
        for name in EDITABLE_FIELDS[entry.table_name]
        if to_json(row[name]) != base_values[name]
    }
    return _Change(
        entry.change_id,
        entry.table_name,
        entry.record_id,
        "edit",
        None,
        base_version=base.version,
        fields=fields,
    )


def _mark_sent(local_engine: Engine, batch: list[Row[Any]]) -> None:
    """Record on the laptop that the server holds ``batch`` (after the server committed)."""
    outbox = table("sync_outbox")
    with local_engine.begin() as local:
        local.execute(
            update(outbox)
            .where(outbox.c.seq.in_([entry.seq for entry in batch]))
            .values(sent_at=utc_now())
        )


# --- Applying on the server -----------------------------------------------------------


def team_of(session: Session, table_name: str, row: Mapping[str, Any]) -> uuid.UUID | None:
    """The team a record belongs to (where its child, pregnancy or carer belongs)."""

    def family_team(family_id: Any) -> uuid.UUID | None:
        return session.scalar(select(Family.team_id).where(Family.id == family_id))

    if table_name == "children":
        return session.scalar(select(Child.team_id).where(Child.id == row["id"]))
    if table_name == "families":
        return family_team(row["id"])
    if table_name == "carers":
        return family_team(session.scalar(select(Carer.family_id).where(Carer.id == row["id"])))
    if table_name == "development_scores":
        contact = session.get(Contact, row["contact_id"])
        return team_of(session, "contacts", _columns_of(contact)) if contact else None
    if table_name == "referral_events":
        referral = session.get(Referral, row["referral_id"])
        return team_of(session, "referrals", _columns_of(referral)) if referral else None
    if row.get("child_id") is not None:
        return session.scalar(select(Child.team_id).where(Child.id == row["child_id"]))
    if row.get("pregnancy_id") is not None:
        return family_team(
            session.scalar(select(Pregnancy.family_id).where(Pregnancy.id == row["pregnancy_id"]))
        )
    if row.get("carer_id") is not None:
        return family_team(
            session.scalar(select(Carer.family_id).where(Carer.id == row["carer_id"]))
        )
    return None


def _columns_of(record: Any) -> dict[str, Any]:
    """A mapped record's columns as a dict (for ``team_of``)."""
    return {column.key: getattr(record, column.key) for column in record.__mapper__.column_attrs}


def _check_team(session: Session, actor: Actor, change: _Change, row: Mapping[str, Any]) -> None:
    if team_of(session, change.table_name, row) != actor.team_id:
        raise SyncRefusedError(
            f"The shared database refused a change to {change.table_name} "
            f"({change.record_id}): the record is not in {actor.full_name}'s team (it may "
            "have moved while the laptop was offline). It stays on the laptop; ask the team "
            "lead."
        )


def require_may_change(
    session: Session,
    actor: Actor,
    table_name: str,
    record_id: uuid.UUID,
    *,
    today: dt.date | None = None,
) -> None:
    """Refuse (PermissionDeniedError) an edit of a child, family or carer that is not
    on the actor's caseload today (own, covered, or not yet allocated), as online.

    Only edits are held to the caseload: a contact or measurement made offline by a
    member of the child's team is a visit that happened, kept even if the child was
    reallocated within the team meanwhile (``_check_team`` still holds it to the team).
    """
    if table_name == "children":
        child = session.get_one(Child, record_id)
        require_may_change_child(session, actor, child, today=today)
    elif table_name == "families":
        family = session.get_one(Family, record_id)
        require_may_change_family(session, actor, family, today=today)
    elif table_name == "carers":
        family = session.get_one(Carer, record_id).family
        require_may_change_family(session, actor, family, today=today)


def _receipt(session: Session, actor: Actor, change: _Change, outcome: str) -> SyncReceipt:
    receipt = SyncReceipt(
        change_id=change.change_id,
        table_name=change.table_name,
        record_id=change.record_id,
        kind=change.kind,
        outcome=outcome,
        pushed_by_id=actor.user_id,
        machine=actor.machine,
        received_at=utc_now(),
    )
    session.add(receipt)
    session.flush()  # the server gives it its sequence number now
    return receipt


#: Additions made with a form's save key (issue 9), and what hangs on them.
KEYED: Final = ("contacts", "referrals")
PARTS_OF: Final = {
    "measurements": "contact_id",
    "development_scores": "contact_id",
    "referral_prompts": "contact_id",
    "referral_events": "referral_id",
}


def _add(session: Session, actor: Actor, change: _Change, saved_online: set[Any]) -> str:
    """Add one row; "already_present" if the server has it already.

    A contact or referral whose save key the server knows under another id was
    saved online just before the line dropped (its answer lost) and saved again
    from its draft on the copy: the server's is the one kept, and the laptop's
    parts of it (measurements, scores, prompts, steps) are not added a second
    time (``saved_online`` carries the laptop's ids of such saves)."""
    assert change.row is not None
    t = table(change.table_name)
    if session.scalar(select(t.c.id).where(t.c.id == change.record_id)) is not None:
        return "already_present"
    key = change.row.get("idempotency_key") if change.table_name in KEYED else None
    if key is not None and session.scalar(select(t.c.id).where(t.c.idempotency_key == key)):
        saved_online.add(change.record_id)
        return "already_present"
    part_of = PARTS_OF.get(change.table_name)
    if part_of is not None and change.row.get(part_of) in saved_online:
        return "already_present"
    if change.table_name == "audit_events":
        if change.row["user_id"] not in (actor.user_id, None):
            raise SyncRefusedError(
                "An audit event on the laptop names another user; the laptop's offline "
                "copy belongs to one user only. Nothing was sent."
            )
        event = AuditEvent(
            id=change.row["id"],
            occurred_at=change.row["occurred_at"],
            user_id=change.row["user_id"],
            action=change.row["action"],
            entity_type=change.row["entity_type"],
            entity_id=change.row["entity_id"],
            details=change.row["details"],
            machine=change.row["machine"],
        )
        # The server's next place and key, taken when this push's unit of work commits
        # (the chain head is locked for the commit only).
        append(session, event)
        return "added"
    _check_team(session, actor, change, change.row)
    session.execute(insert(t).values(dict(change.row)))
    if change.table_name == "measurements":
        _replot(session, change.row["child_id"])
    return "added"


def _replot(session: Session, child_id: uuid.UUID) -> None:
    """Place the child's measurements on the chart with the server's details of the child.

    The laptop worked a measurement's centile out from the date of birth, sex
    and gestation it had at its last pull; a correction made since on the
    shared database would leave that centile wrong (hazard H9).
    """
    try:
        replot_child_growth(session, child_id)
    except ValidationError as exc:
        raise SyncRefusedError(
            f"A measurement made on the laptop cannot be placed on the growth chart with the "
            f"child's details as corrected on the shared database: {exc} Nothing of this "
            "save was sent; it waits on the laptop."
        ) from exc


def model_for(table_name: str) -> type[Any]:
    for mapper in Base.registry.mappers:
        if mapper.local_table.name == table_name:  # type: ignore[attr-defined]
            return mapper.class_
    raise KeyError(table_name)


def _edit(
    session: Session, actor: Actor, change: _Change, today: dt.date | None
) -> tuple[str, list[SyncConflict]]:
    """Merge one offline edit into the server's record (ORM: the version and the
    search words follow, as for an edit made online)."""
    assert change.fields is not None
    t = table(change.table_name)
    record = session.get(model_for(change.table_name), change.record_id, with_for_update=True)
    if record is None:
        raise SyncRefusedError(
            f"The shared database has no {change.table_name} record {change.record_id}."
        )
    _check_team(session, actor, change, {"id": change.record_id})
    try:
        require_may_change(session, actor, change.table_name, change.record_id, today=today)
    except PermissionDeniedError as exc:
        raise SyncRefusedError(
            f"The shared database refused a change to {change.table_name} "
            f"({change.record_id}): {exc} It stays on the laptop; ask the team lead."
        ) from exc
    if not change.fields:
        return "unchanged", []
    based_on_latest = record.version == change.base_version
    applied: list[str] = []
    disputed: dict[str, tuple[Any, Any, Any]] = {}
    for name, (base, laptop) in change.fields.items():
        server = to_json(getattr(record, name))
        if based_on_latest or server == base:
            setattr(record, name, from_json(t.c[name], laptop))
            applied.append(name)
        elif server != laptop:
            disputed[name] = (base, server, laptop)
    session.flush()
    outcome = "conflict" if disputed else ("applied" if based_on_latest else "merged")
    receipt = _receipt(session, actor, change, outcome)
    conflicts = [
        SyncConflict(
            receipt_sequence=receipt.sequence,
            table_name=change.table_name,
            record_id=change.record_id,
            field=name,
            base_value=json.dumps(base),
            server_value=json.dumps(server),
            laptop_value=json.dumps(laptop),
            laptop_user_id=actor.user_id,
        )
        for name, (base, server, laptop) in sorted(disputed.items())
    ]
    session.add_all(conflicts)
    record_event(
        session,
        actor,
        "sync_edit",
        change.table_name,
        change.record_id,
        based_on_version=change.base_version,
        applied=sorted(applied),
        conflicts=sorted(disputed),
        change_id=str(change.change_id),
    )
    return outcome, conflicts


#: What the owner's role must hold, today, for the server to take each kind of change
#: (the role may have changed while the laptop was offline). Audit events need none:
#: they record what the other changes were allowed to do.
PERMISSION_TO_ADD: dict[str, Permission | None] = {
    "contacts": Permission.RECORD_CONTACT,
    "measurements": Permission.RECORD_CONTACT,
    "development_scores": Permission.RECORD_CONTACT,
    "referral_prompts": Permission.RECORD_CONTACT,
    "referrals": Permission.REFER,
    "referral_events": Permission.REFER,
    "audit_events": None,
}


def _apply_batch(
    session: Session, actor: Actor, changes: list[_Change], today: dt.date | None
) -> PushResult:
    added = present = applied = conflicts = 0
    saved_online: set[Any] = set()  # see _add
    for change in changes:
        needed = (
            PERMISSION_TO_ADD[change.table_name]
            if change.kind == "add"
            else (Permission.EDIT_RECORD)
        )
        if needed is not None:
            policy.check(actor, needed)
        received = session.scalar(
            select(SyncReceipt.sequence).where(SyncReceipt.change_id == change.change_id)
        )
        if received is not None:
            present += 1  # the server applied it; the laptop did not hear back
            continue
        if change.kind == "add":
            outcome = _add(session, actor, change, saved_online)
            _receipt(session, actor, change, outcome)
            added += outcome == "added"
            present += outcome == "already_present"
        else:
            outcome, raised = _edit(session, actor, change, today)
            applied += outcome in ("applied", "merged", "conflict")
            conflicts += len(raised)
    return PushResult(1, added, present, applied, conflicts)


def _server_actor(server_engine: Engine, owner_id: uuid.UUID, machine: str) -> Actor:
    with unit_of_work(server_engine) as session:
        user = session.get(User, owner_id)
        if user is None or not user.active:
            raise PermissionDeniedError(
                "The owner of this laptop's offline copy has no active account on the shared "
                "database; nothing was sent. The changes stay on the laptop: tell your team lead."
            )
        return actor_from_user(user, machine)


def _check_local_chain(local_engine: Engine) -> None:
    with unit_of_work(local_engine) as session:
        report = verify_chain(session)
    if not report.intact:
        assert report.problem is not None
        raise SyncRefusedError(
            "The audit trail recorded on this laptop is not intact ("
            + report.problem.describe()
            + "); nothing was sent. Tell your system administrator."
        )


def push(
    local_engine: Engine, server_engine: Engine, *, today: dt.date | None = None
) -> PushResult:
    """Send everything waiting on the laptop; safe to run again after any interruption.

    ``today`` (the local date, by default) decides whose caseload an edited record is
    on, cover included, as for an edit made online."""
    with local_engine.connect() as local:
        owner_id, machine = _owner(local)
        batches = _batches(local)
    if not batches:
        return PushResult()
    _check_local_chain(local_engine)
    actor = _server_actor(server_engine, owner_id, machine)
    total = PushResult()
    for batch in batches:
        with local_engine.connect() as local:
            changes = [_read_change(local, entry) for entry in batch]
        with unit_of_work(server_engine) as session:
            result = _apply_batch(session, actor, changes, today)
        _mark_sent(local_engine, batch)
        total = PushResult(
            total.batches + result.batches,
            total.added + result.added,
            total.already_present + result.already_present,
            total.edits_applied + result.edits_applied,
            total.conflicts + result.conflicts,
        )
    with local_engine.begin() as local:
        local.execute(
            update(table("sync_state"))
            .where(table("sync_state").c.id == STATE_ID)
            .values(last_pushed_at=utc_now())
        )
    return total


__all__ = ["PushResult", "push"]
