"""Conflicts from offline edits: both values kept, until a person decides (issue 12).

When a laptop and the shared database changed the same field of the same
record to different values, the record keeps the server's value and a
``SyncConflict`` row keeps both (``healthvisitor.sync.pushing``). These
services list a team's open conflicts and resolve one: keep the value on
record, take the laptop's, or type another (text fields only: a date, a yes
or no, or a coded value is one of the two sides). Whichever, the decision is
audited, and the conflict row stays as history.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, Enum, String, select
from sqlalchemy.orm import Session

from healthvisitor.errors import NotFoundError, ValidationError
from healthvisitor.persistence.models import Carer, Child, Family, SyncConflict, User
from healthvisitor.persistence.types import utc_now
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services.access import require_clinical
from healthvisitor.services.actor import Actor
from healthvisitor.services.audit import record_event
from healthvisitor.services.policy import Permission, requires
from healthvisitor.services.records import _normalise_postcode
from healthvisitor.sync.pushing import model_for, require_may_change, team_of
from healthvisitor.sync.records import FIELD_WORDS, dumps, from_json, table

#: Fields a record cannot be without: a typed value must not be blank.
REQUIRED_FIELDS = frozenset({"given_name", "family_name"})


class Resolution(enum.Enum):
    """What a person chose for one conflict."""

    KEEP_SERVER = "server"
    TAKE_LAPTOP = "laptop"
    TYPED = "typed"


@dataclass(frozen=True)
class ConflictLine:
    """One open conflict as a screen shows it: the record, the field and both values."""

    conflict_id: uuid.UUID
    table_name: str
    record_id: uuid.UUID
    field: str
    base_value: Any
    server_value: Any
    laptop_value: Any
    laptop_user: str
    raised_at: dt.datetime
    #: The record in words: "Sam Smith (child)", "Smith family", "Alex Smith (carer)".
    record: str = ""
    #: The field's name on screen ("Phone").
    field_words: str = ""
    #: Whether another value may be typed (a text field).
    can_type: bool = False

    @property
    def server_words(self) -> str:
        return value_words(self.table_name, self.field, self.server_value)

    @property
    def laptop_words(self) -> str:
        return value_words(self.table_name, self.field, self.laptop_value)


def value_words(table_name: str, field: str, value: Any) -> str:
    """A stored value as a person reads it (a blank field says so)."""
    if value is None or value == "":
        return "(blank)"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    column = table(table_name).c[field]
    typed = from_json(column, value)
    if isinstance(typed, dt.date):
        return f"{typed:%d %b %Y}"
    label = getattr(typed, "label", None)
    return str(label) if isinstance(label, str) else str(typed)


def _record_words(session: Session, table_name: str, record_id: uuid.UUID) -> str:
    if table_name == "children":
        child = session.get_one(Child, record_id)
        return f"{child.given_name} {child.family_name} (child)"
    if table_name == "families":
        return f"{session.get_one(Family, record_id).family_name} family"
    if table_name == "carers":
        carer = session.get_one(Carer, record_id)
        return f"{carer.given_name} {carer.family_name} (carer)"
    return table_name.replace("_", " ")


def _is_text(table_name: str, field: str) -> bool:
    """A free-text field (SQLAlchemy's ``Enum`` is a ``String`` too: a coded value is not)."""
    kind = table(table_name).c[field].type
    return isinstance(kind, String) and not isinstance(kind, Enum)


@requires(Permission.VIEW_RECORD)
def open_conflicts(session: Session, actor: Actor) -> list[ConflictLine]:
    """The conflicts still to resolve on the actor's team's records, oldest first."""
    team_id = require_clinical(actor)
    rows = session.execute(
        select(SyncConflict, User.full_name)
        .join(User, User.id == SyncConflict.laptop_user_id)
        .where(SyncConflict.resolved_at.is_(None))
        .order_by(SyncConflict.receipt_sequence, SyncConflict.field)
    ).all()
    return [
        ConflictLine(
            conflict.id,
            conflict.table_name,
            conflict.record_id,
            conflict.field,
            json.loads(conflict.base_value),
            json.loads(conflict.server_value),
            json.loads(conflict.laptop_value),
            laptop_user,
            conflict.raised_at,
            _record_words(session, conflict.table_name, conflict.record_id),
            FIELD_WORDS.get(conflict.field, conflict.field.replace("_", " ")),
            _is_text(conflict.table_name, conflict.field),
        )
        for conflict, laptop_user in rows
        if team_of(session, conflict.table_name, {"id": conflict.record_id}) == team_id
    ]


def _typed(conflict: SyncConflict, text: str) -> str:
    """The typed value, cleaned and checked as the record's own form would."""
    column = table(conflict.table_name).c[conflict.field]
    words = FIELD_WORDS.get(conflict.field, conflict.field).lower()
    if not _is_text(conflict.table_name, conflict.field):
        raise ValidationError(
            f"The {words} cannot be typed in: keep the value on record or take the laptop's.",
            "typed_value",
        )
    value = text.strip()
    if conflict.field == "postcode":
        value = _normalise_postcode(value)
    if not value and conflict.field in REQUIRED_FIELDS:
        raise ValidationError(f"Enter the {words}.", "typed_value")
    length = getattr(column.type, "length", None)
    if length is not None and len(value) > length:
        raise ValidationError(
            f"The {words} can be at most {length} characters; this is {len(value)}.",
            "typed_value",
        )
    return value


@requires(Permission.EDIT_RECORD)
def resolve_conflict(
    session: Session,
    actor: Actor,
    conflict_id: uuid.UUID,
    *,
    keep_laptop_value: bool = False,
    typed_value: str | None = None,
) -> None:
    """Settle one conflict: keep the value on record, write the laptop's, or a typed one."""
    team_id = require_clinical(actor)
    conflict = session.get(SyncConflict, conflict_id, with_for_update=True)
    if conflict is None or (
        team_of(session, conflict.table_name, {"id": conflict.record_id}) != team_id
    ):
        raise NotFoundError("That conflict is not on record.")
    require_may_change(session, actor, conflict.table_name, conflict.record_id)
    if conflict.resolved_at is not None:
        raise ValidationError("This conflict has already been resolved.")
    if keep_laptop_value and typed_value is not None:
        raise ValidationError("Choose the laptop's value or type one, not both.")
    record = session.get(model_for(conflict.table_name), conflict.record_id)
    assert record is not None
    if typed_value is not None:
        value = _typed(conflict, typed_value)
        setattr(record, conflict.field, value)
        chosen, kept = dumps(value), Resolution.TYPED
    elif keep_laptop_value:
        column = table(conflict.table_name).c[conflict.field]
        setattr(record, conflict.field, from_json(column, json.loads(conflict.laptop_value)))
        chosen, kept = conflict.laptop_value, Resolution.TAKE_LAPTOP
    else:
        chosen, kept = dumps(getattr(record, conflict.field)), Resolution.KEEP_SERVER
    conflict.resolved_at = utc_now()
    conflict.resolved_by_id = actor.user_id
    conflict.resolved_value = chosen
    session.flush()
    record_event(
        session,
        actor,
        "resolve_sync_conflict",
        conflict.table_name,
        conflict.record_id,
        field=conflict.field,
        kept=kept.value,
    )


@dataclass(frozen=True)
class ConflictDesk:
    """The conflict screen's two services on the shared database, for the signed-in user.

    Each call is one unit of work: the screen never holds a session.
    """

    engine: Engine
    actor: Actor

    def open_conflicts(self) -> list[ConflictLine]:
        with unit_of_work(self.engine) as session:
            return open_conflicts(session, self.actor)

    def resolve_conflict(
        self,
        conflict_id: uuid.UUID,
        *,
        keep_laptop_value: bool = False,
        typed_value: str | None = None,
    ) -> None:
        with unit_of_work(self.engine) as session:
            resolve_conflict(
                session,
                self.actor,
                conflict_id,
                keep_laptop_value=keep_laptop_value,
                typed_value=typed_value,
            )
