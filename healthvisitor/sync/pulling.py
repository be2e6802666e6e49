"""The pull: the shared database's records a user may see, copied onto their laptop.

``pull`` reads, in one consistent snapshot of the server (REPEATABLE READ on
PostgreSQL), exactly what the user's role allows (``_scope``), and makes the
local copy hold just that, in one local transaction:

* the children on their caseload and on the caseloads they cover today
  (active records), those children's families, carers and pregnancies, and the
  ongoing pregnancies allocated to them, with the families;
* those children's whole record (contacts, measurements, ASQ scores,
  safeguarding, service levels, screening, immunisations, allocation and
  transfer history): under-fives' records are small, and the review
  schedule and growth charts need every entry, not only recent ones;
* open referrals about them and the referral prompts raised on them (with any
  closed referral a prompt names);
* reference data: the referral types, their team's users and anyone a copied
  record names (names and roles: never password hashes or sign-in state).

Pulling twice gives the same copy. An interrupted pull changes nothing (one
transaction), and running it again completes it. Rows with changes still
waiting to be sent are never overwritten; and while anything waits, nothing
is removed either (that happens at the first pull after a complete push), so
an unsent contact never loses the child it is about. Write the rows with Core
statements: the outbox (``healthvisitor.sync.local``) must not queue them.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Select,
    and_,
    delete,
    insert,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.orm import Session

from healthvisitor.domain.enums import PregnancyOutcome, RecordStatus, ReferralStatus
from healthvisitor.errors import PermissionDeniedError
from healthvisitor.persistence.models import (
    Carer,
    Child,
    Contact,
    CoverArrangement,
    Family,
    Pregnancy,
    Referral,
    ReferralPrompt,
    User,
)
from healthvisitor.persistence.types import utc_now
from healthvisitor.services.access import require_clinical
from healthvisitor.services.actor import Actor
from healthvisitor.services.allocation import cover_in_force_on
from healthvisitor.services.policy import Permission, requires
from healthvisitor.sync.local import STATE_ID
from healthvisitor.sync.records import (
    EDITABLE_FIELDS,
    PULLED_TABLES,
    REFERENCE_TABLES,
    editable_values,
    table,
)

Row = dict[str, Any]
Key = tuple[Any, ...]

#: Referral states that are still open (``ReferralStatus.is_open``), as stored.
OPEN_REFERRAL_STATUSES = tuple(status for status in ReferralStatus if status.is_open)
#: A user row on a laptop never carries these (they are for signing in online).
USER_SIGN_IN_BLANKS: Mapping[str, Any] = {
    "password_hash": None,
    "failed_sign_ins": 0,
    "lockouts": 0,
    "locked_until": None,
    "password_changed_at": None,
}


def _caseload_holders(session: Session, actor: Actor, today: dt.date) -> list[uuid.UUID]:
    """The actor, and the absent colleagues whose caseloads they cover today."""
    absent = session.scalars(
        select(CoverArrangement.absent_health_visitor_id).where(
            CoverArrangement.covering_health_visitor_id == actor.user_id,
            CoverArrangement.team_id == actor.team_id,
            cover_in_force_on(today),
        )
    )
    return [actor.user_id, *sorted(set(absent))]


def _scope(session: Session, actor: Actor, today: dt.date) -> dict[str, Select[Any]]:
    """For each pulled clinical table, the query of the rows ``actor`` may take offline."""
    team_id = require_clinical(actor)
    holders = _caseload_holders(session, actor, today)
    children = select(Child.id).where(
        Child.team_id == team_id,
        Child.health_visitor_id.in_(holders),
        Child.record_status == RecordStatus.ACTIVE,
    )
    families = select(Family.id).where(
        Family.team_id == team_id,
        or_(
            Family.id.in_(select(Child.family_id).where(Child.id.in_(children))),
            Family.id.in_(
                select(Pregnancy.family_id).where(
                    Pregnancy.health_visitor_id.in_(holders),
                    Pregnancy.outcome == PregnancyOutcome.ONGOING,
                )
            ),
        ),
    )
    carers = select(Carer.id).where(Carer.family_id.in_(families))
    pregnancies = select(Pregnancy.id).where(Pregnancy.family_id.in_(families))
    contacts = select(Contact.id).where(
        or_(
            Contact.child_id.in_(children),
            and_(Contact.child_id.is_(None), Contact.pregnancy_id.in_(pregnancies)),
        )
    )
    prompts = select(ReferralPrompt.id).where(
        or_(ReferralPrompt.child_id.in_(children), ReferralPrompt.carer_id.in_(carers)),
        or_(ReferralPrompt.contact_id.is_(None), ReferralPrompt.contact_id.in_(contacts)),
    )
    referrals = select(Referral.id).where(
        or_(Referral.child_id.in_(children), Referral.carer_id.in_(carers)),
        or_(
            Referral.status.in_(OPEN_REFERRAL_STATUSES),
            Referral.id.in_(
                select(ReferralPrompt.referral_id).where(ReferralPrompt.id.in_(prompts))
            ),
        ),
    )

    def rows(name: str, condition: ColumnElement[bool]) -> Select[Any]:
        return select(table(name)).where(condition)

    def of_children(name: str) -> Select[Any]:
        return rows(name, table(name).c.child_id.in_(children))

    def of_child_or_pregnancy(name: str) -> Select[Any]:
        t = table(name)
        return rows(name, or_(t.c.child_id.in_(children), t.c.pregnancy_id.in_(pregnancies)))

    return {
        "families": rows("families", table("families").c.id.in_(families)),
        "carers": rows("carers", table("carers").c.id.in_(carers)),
        "pregnancies": rows("pregnancies", table("pregnancies").c.id.in_(pregnancies)),
        "children": rows("children", table("children").c.id.in_(children)),
        "child_search_words": of_children("child_search_words"),
        "cover_arrangements": rows(
            "cover_arrangements",
            and_(
                table("cover_arrangements").c.covering_health_visitor_id == actor.user_id,
                cover_in_force_on(today),
            ),
        ),
        "contacts": rows("contacts", table("contacts").c.id.in_(contacts)),
        "measurements": of_children("measurements"),
        "development_scores": rows(
            "development_scores", table("development_scores").c.contact_id.in_(contacts)
        ),
        "safeguarding_history": of_child_or_pregnancy("safeguarding_history"),
        "service_level_history": of_children("service_level_history"),
        "record_status_changes": of_children("record_status_changes"),
        "allocation_changes": of_child_or_pregnancy("allocation_changes"),
        "team_transfers": of_children("team_transfers"),
        "newborn_screenings": of_children("newborn_screenings"),
        "immunisations": of_children("immunisations"),
        "referrals": rows("referrals", table("referrals").c.id.in_(referrals)),
        "referral_events": rows(
            "referral_events", table("referral_events").c.referral_id.in_(referrals)
        ),
        "referral_prompts": rows("referral_prompts", table("referral_prompts").c.id.in_(prompts)),
    }


def _key(name: str, row: Mapping[str, Any]) -> Key:
    return tuple(row[column.name] for column in table(name).primary_key.columns)


def _referenced(rows: dict[str, list[Row]], target: str) -> set[Any]:
    """Ids of ``target`` rows (users or teams) that the gathered rows name."""
    found: set[Any] = set()
    for name, table_rows in rows.items():
        for column in table(name).columns:
            if any(fk.column.table.name == target for fk in column.foreign_keys):
                found.update(row[column.name] for row in table_rows)
    found.discard(None)
    return found


def _gather(connection: Connection, actor: Actor, today: dt.date) -> dict[str, list[Row]]:
    """Every row the actor's copy should hold, read from the server."""
    session = Session(bind=connection)
    queries = _scope(session, actor, today)
    rows: dict[str, list[Row]] = {
        name: [dict(row) for row in connection.execute(query).mappings()]
        for name, query in queries.items()
    }
    users, teams = table("users"), table("teams")
    user_ids = _referenced(rows, "users") | {actor.user_id}
    rows["users"] = [
        {**dict(row), **USER_SIGN_IN_BLANKS}
        for row in connection.execute(
            select(users).where(or_(users.c.team_id == actor.team_id, users.c.id.in_(user_ids)))
        ).mappings()
    ]
    team_ids = _referenced(rows, "teams") | {actor.team_id}
    rows["teams"] = [
        dict(row)
        for row in connection.execute(select(teams).where(teams.c.id.in_(team_ids))).mappings()
    ]
    rows["referral_types"] = [
        dict(row) for row in connection.execute(select(table("referral_types"))).mappings()
    ]
    return rows


def _pending(connection: Connection) -> set[tuple[str, Any]]:
    outbox = table("sync_outbox")
    return {
        (name, record_id)
        for name, record_id in connection.execute(
            select(outbox.c.table_name, outbox.c.record_id).where(outbox.c.sent_at.is_(None))
        )
    }


def _write_table(
    connection: Connection, name: str, rows: list[Row], pending: set[tuple[str, Any]]
) -> set[Key]:
    """Insert new rows, update changed ones; the keys the server sent."""
    t = table(name)
    keys = [column for column in t.primary_key.columns]
    local = {_key(name, dict(row)): dict(row) for row in connection.execute(select(t)).mappings()}
    wanted: set[Key] = set()
    new_rows: list[Row] = []
    for row in rows:
        key = _key(name, row)
        wanted.add(key)
        if len(keys) == 1 and (name, key[0]) in pending:
            continue  # changed on the laptop and not sent: the laptop's version stays
        existing = local.get(key)
        if existing is None:
            new_rows.append(row)
        elif existing != row:
            condition = and_(*(column == value for column, value in zip(keys, key, strict=True)))
            connection.execute(update(t).where(condition).values(row))
    if new_rows:
        connection.execute(insert(t), new_rows)
    return wanted


def _remove_unwanted(connection: Connection, name: str, wanted: set[Key]) -> int:
    t = table(name)
    keys = list(t.primary_key.columns)
    local = {_key(name, dict(row)) for row in connection.execute(select(*keys)).mappings()}
    gone = sorted(local - wanted, key=repr)
    for start in range(0, len(gone), 500):
        chunk = gone[start : start + 500]
        if len(keys) == 1:
            connection.execute(delete(t).where(keys[0].in_([key[0] for key in chunk])))
        else:
            connection.execute(delete(t).where(tuple_(*keys).in_(chunk)))
    return len(gone)


def _write_bases(
    connection: Connection, rows: dict[str, list[Row]], pending: set[tuple[str, Any]]
) -> None:
    """The merge base of each editable record: the server's version as pulled."""
    base = table("sync_base")
    held = {
        (name, record_id): (version, values)
        for name, record_id, version, values in connection.execute(
            select(base.c.table_name, base.c.record_id, base.c.version, base.c.base_values)
        )
    }
    for name in EDITABLE_FIELDS:
        for row in rows.get(name, []):
            if (name, row["id"]) in pending:
                continue  # the edit waiting to be sent is based on the older base
            values = json.dumps(editable_values(name, row), sort_keys=True)
            current = held.get((name, row["id"]))
            if current is None:
                connection.execute(
                    insert(base).values(
                        table_name=name,
                        record_id=row["id"],
                        version=row["version"],
                        base_values=values,
                    )
                )
            elif current != (row["version"], values):
                connection.execute(
                    update(base)
                    .where(base.c.table_name == name, base.c.record_id == row["id"])
                    .values(version=row["version"], base_values=values)
                )


def _claim(connection: Connection, actor: Actor) -> None:
    """The copy belongs to one user: another user's pull into it is refused."""
    state = table("sync_state")
    owner = connection.scalar(select(state.c.owner_id).where(state.c.id == STATE_ID))
    if owner is None:
        assert actor.team_id is not None
        connection.execute(
            insert(state).values(
                id=STATE_ID, owner_id=actor.user_id, team_id=actor.team_id, machine=actor.machine
            )
        )
    elif owner != actor.user_id:
        raise PermissionDeniedError(
            "This laptop's offline copy belongs to another user; it cannot be filled with "
            "your records. Each user has their own copy."
        )


def _active(connection: Connection, actor: Actor) -> None:
    active = connection.scalar(select(User.active).where(User.id == actor.user_id))
    if not active:
        raise PermissionDeniedError(
            f"{actor.full_name}'s account is not active on the shared database: no records "
            "can be copied to this laptop."
        )


@requires(Permission.VIEW_RECORD)
def pull(server_engine: Engine, local_engine: Engine, actor: Actor, *, today: dt.date) -> None:
    """Make the local copy hold exactly what ``actor`` may take offline today."""
    require_clinical(actor)
    with server_engine.connect() as server:
        if server.dialect.name == "postgresql":
            server = server.execution_options(isolation_level="REPEATABLE READ")
        with server.begin():
            _active(server, actor)
            rows = _gather(server, actor, today)
    with local_engine.begin() as local:
        _claim(local, actor)
        local.execute(
            update(table("sync_state"))
            .where(table("sync_state").c.id == STATE_ID)
            .values(last_pulled_at=utc_now())
        )
        # Inside the transaction the write above opened (the pragma lasts until its
        # commit): a correction may arrive before the entry it supersedes.
        local.exec_driver_sql("PRAGMA defer_foreign_keys=ON")
        pending = _pending(local)
        wanted = {name: _write_table(local, name, rows[name], pending) for name in PULLED_TABLES}
        if not pending:
            for name in reversed(PULLED_TABLES):
                if name not in REFERENCE_TABLES:
                    _remove_unwanted(local, name, wanted[name])
            base = table("sync_base")
            for name in EDITABLE_FIELDS:
                keep = {key[0] for key in wanted[name]}
                stale = [
                    record_id
                    for record_id in local.scalars(
                        select(base.c.record_id).where(base.c.table_name == name)
                    )
                    if record_id not in keep
                ]
                if stale:
                    local.execute(
                        delete(base).where(base.c.table_name == name, base.c.record_id.in_(stale))
                    )
        _write_bases(local, rows, pending)
