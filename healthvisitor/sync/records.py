"""Which records travel between the shared database and a laptop, and how (issue 12).

Three kinds of table:

* **pulled** (``PULLED_TABLES``): copied onto the laptop, in foreign-key
  order, limited to what the user may see (``healthvisitor.sync.pulling``);
* **added offline** (``ADDED_OFFLINE``): clinical additions made on the
  laptop with laptop-made UUIDs; sent as they stand; they cannot conflict;
* **edited offline** (``EDITABLE_FIELDS``): editable records whose listed
  fields may be changed offline; merged field by field when sent.

Anything else changed offline is refused at once with a message
(``OfflineNotAllowedError``), never queued and lost. Allocation
(``health_visitor_id``, ``team_id``) and safeguarding (dated history rows) are
in no list: the server decides them, and an offline change can never touch
them.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import uuid
from typing import Any

from sqlalchemy import Column, Date, DateTime, Enum, Table, Uuid

from healthvisitor.errors import HealthVisitorError
from healthvisitor.persistence.models import Base

#: Copied onto the laptop, parents before children (the pull writes in this order).
PULLED_TABLES: tuple[str, ...] = (
    "teams",
    "users",
    "referral_types",
    "families",
    "carers",
    "pregnancies",
    "children",
    "child_search_words",
    "cover_arrangements",
    "contacts",
    "measurements",
    "development_scores",
    "safeguarding_history",
    "service_level_history",
    "record_status_changes",
    "allocation_changes",
    "team_transfers",
    "newborn_screenings",
    "immunisations",
    "referrals",
    "referral_events",
    "referral_prompts",
)

#: Reference data: kept on the laptop even when no pulled record names it any more
#: (names only, no clinical content; offline audit events may still name a user).
REFERENCE_TABLES = frozenset({"teams", "users", "referral_types"})

#: Rows a health visitor adds offline: a contact with its measurements and
#: findings, a referral with its steps, the prompts a contact fires, and the
#: audit events of all of it (re-signed into the server's chain when sent).
ADDED_OFFLINE: tuple[str, ...] = (
    "contacts",
    "measurements",
    "development_scores",
    "referrals",
    "referral_events",
    "referral_prompts",
    "audit_events",
)

#: The fields that may be changed offline on records pulled from the server.
#: Not here, on purpose: NHS number, date of birth, sex and gestation (identity and
#: growth-chart inputs, corrected online), allocation and team (the server decides),
#: record status (dated history, online).
EDITABLE_FIELDS: dict[str, tuple[str, ...]] = {
    "children": ("given_name", "family_name", "place_of_birth"),
    "families": (
        "family_name",
        "address_line_1",
        "address_line_2",
        "town",
        "postcode",
        "main_language",
        "interpreter_needed",
        "gp_practice",
    ),
    "carers": ("given_name", "family_name", "date_of_birth", "phone", "smoking_status"),
}

#: How each editable field is named on screen (the conflict screen).
FIELD_WORDS: dict[str, str] = {
    "given_name": "First name",
    "family_name": "Family name",
    "place_of_birth": "Place of birth",
    "address_line_1": "Address line 1",
    "address_line_2": "Address line 2",
    "town": "Town",
    "postcode": "Postcode",
    "main_language": "Main language",
    "interpreter_needed": "Interpreter needed",
    "gp_practice": "GP practice",
    "date_of_birth": "Date of birth",
    "phone": "Phone",
    "smoking_status": "Smoking status",
}

#: Columns every update touches by itself; they are not the user's change.
BOOKKEEPING_COLUMNS = frozenset({"version", "updated_at"})

#: The journal's own tables: never pulled, never queued.
JOURNAL_TABLES = frozenset(
    {"sync_state", "sync_outbox", "sync_base", "sync_receipts", "sync_conflicts"}
)

#: How each kind of record is named in a message.
RECORD_WORDS: dict[str, str] = {
    "children": "a child's details",
    "families": "a family's details",
    "carers": "a carer's details",
    "contacts": "a contact",
    "referrals": "a referral",
    "referral_prompts": "a referral prompt",
}


class OfflineNotAllowedError(HealthVisitorError):
    """Something that cannot be done on the laptop's copy; it was not saved."""


class SyncRefusedError(HealthVisitorError):
    """The server refused what a laptop sent; it stays queued on the laptop."""


def table(name: str) -> Table:
    return Base.metadata.tables[name]


def to_json(value: Any) -> Any:
    """A column value as JSON can hold it (dates ISO, enumerations by code)."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def from_json(column: Column[Any], value: Any) -> Any:
    """The column value ``to_json`` wrote, back in the column's own type."""
    if value is None:
        return None
    kind = column.type
    if isinstance(kind, Enum) and kind.enum_class is not None:
        return kind.enum_class(value)
    if isinstance(kind, DateTime):
        return dt.datetime.fromisoformat(value)
    if isinstance(kind, Date):
        return dt.date.fromisoformat(value)
    if isinstance(kind, Uuid):
        return uuid.UUID(value)
    if hasattr(kind, "impl") and isinstance(kind.impl, DateTime):  # UTCDateTime
        return dt.datetime.fromisoformat(value)
    return value


def dumps(value: Any) -> str:
    """One value as the JSON text stored in ``sync_conflicts``."""
    return json.dumps(to_json(value), ensure_ascii=False)


def editable_values(table_name: str, row: dict[str, Any]) -> dict[str, Any]:
    """The editable fields of ``row`` as JSON values (the ``sync_base`` snapshot)."""
    return {name: to_json(row[name]) for name in EDITABLE_FIELDS[table_name]}
