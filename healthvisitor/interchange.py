"""The JSON interchange format: a team's caseload out of HealthVisitor and into another.

``export_file`` writes a team's families (with their carers), pregnancies (with
pre-birth plans and allocation history), children (with their service-level,
safeguarding, allocation and record status history), contacts, measurements,
referrals (with consent and their events), referral prompt decisions and cover
arrangements to one JSON file;
``import_file`` reads such a file into a HealthVisitor database. The format is
documented for a trust's IT team in ``docs/interchange.md``. ``RECORD_SPECS``
below is its one definition: export writes it and import reads it, so the two
cannot drift apart.

Every record keeps its id, so export, import and export again give the same
file. People are named by username, teams by name, referral types by code,
coded values by their stored value.

An import is all or nothing. The whole file is checked first, with the same
validators the forms use (``healthvisitor.domain.validation``), and every
problem is reported together (``ImportRejected``), each naming the record in a
health visitor's terms (``children[3] (NHS 999 123 4567, Amelia Khan)``) and
the field. Only a file without problems is written, in one unit of work: if
the database fails part-way, nothing of the file remains.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import graphlib
import json
import math
import os
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import Engine, Select, and_, func, or_, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from healthvisitor.domain.enums import (
    AllocationChangeKind,
    CarerRelationship,
    ContactKind,
    ContactLocation,
    ContactOutcome,
    DevelopmentDomain,
    FeedingStatus,
    MeasurementKind,
    PregnancyOutcome,
    PromptDecision,
    RecordStatus,
    ReferralConsent,
    ReferralOutcome,
    ReferralStatus,
    Role,
    SafeguardingStatus,
    ScreeningZone,
    ServiceLevel,
    Sex,
    SmokingStatus,
)
from healthvisitor.domain.growth import GrowthResult, assess_measurement
from healthvisitor.domain.validation import (
    Gestation,
    check_birth_weight,
    check_contact_date,
    check_contact_subject,
    check_date_of_birth,
    check_event_date,
    check_gestation,
    check_measurement_value,
    check_period,
    check_safeguarding_subject,
    clean_nhs_number,
    format_nhs_number,
    parse_date,
)
from healthvisitor.errors import (
    FieldProblem,
    HealthVisitorError,
    PermissionDeniedError,
    ValidationError,
)
from healthvisitor.persistence.models import (
    AllocationChange,
    Base,
    Carer,
    Child,
    Contact,
    CoverArrangement,
    DevelopmentScore,
    Family,
    Measurement,
    Pregnancy,
    RecordStatusChange,
    Referral,
    ReferralEvent,
    ReferralPrompt,
    ReferralType,
    SafeguardingEntry,
    ServiceLevelEntry,
    Team,
    User,
)
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services.access import require_clinical, require_team_lead
from healthvisitor.services.actor import Actor
from healthvisitor.services.allocation import last_day_of_cover
from healthvisitor.services.audit import record_event
from healthvisitor.services.contacts import ContactEntry, DevelopmentEntry, findings_problems
from healthvisitor.services.policy import Permission, requires
from healthvisitor.services.records import birth_measurement

FORMAT_NAME = "healthvisitor-interchange"
FORMAT_VERSION = 3
#: Versions this HealthVisitor reads: version 2 added the structured findings of a
#: contact (all optional), so a version 1 file reads as one with none recorded;
#: version 3 added allocation, cover, record status and referral history, consent
#: and prompt decisions (all optional), so an older file reads as one with none.
READABLE_VERSIONS = (1, 2, 3)

#: ids per ``IN (...)`` query, well under the bound-parameter limits of SQLite
#: (32,766) and PostgreSQL (65,535) however large the file.
_QUERY_CHUNK = 500
#: How the whole file is named in a problem that belongs to no one record.
_THE_FILE = "the file"
#: No whole number in the format comes near this; larger ones are refused as slips.
_LARGEST_WHOLE_NUMBER = 1_000_000
_EXAMPLE_ID = "0f8fad5b-d9cb-469f-a165-70867728950e"

P = ParamSpec("P")
T = TypeVar("T")
K = TypeVar("K")
V = TypeVar("V")


class ImportRejected(HealthVisitorError):
    """The file was not imported; ``problems`` lists everything wrong with it."""

    def __init__(self, problems: Sequence[FieldProblem]) -> None:
        self.problems: list[FieldProblem] = list(problems)
        count = len(self.problems)
        heading = (
            f"Nothing was imported: the file has {count} problem{'' if count == 1 else 's'}. "
            "Correct the file and import all of it again."
        )
        super().__init__("\n".join([heading, *(f"- {problem}" for problem in self.problems)]))


@dataclass(frozen=True)
class ImportSummary:
    """How many records a file held (imported or exported)."""

    families: int
    carers: int
    pregnancies: int
    children: int
    contacts: int
    measurements: int
    referrals: int
    allocation_changes: int = 0
    cover_arrangements: int = 0
    record_status_changes: int = 0
    referral_events: int = 0
    referral_prompts: int = 0


# --- The format ----------------------------------------------------------------


class FieldKind(enum.Enum):
    """How a value is written in the file (docs/interchange.md, "Types of value")."""

    ID = "id"
    REFERENCE = "reference"
    TEXT = "text"
    NAME = "name"
    NHS_NUMBER = "NHS number"
    DATE = "date"
    TIMESTAMP = "timestamp"
    BOOLEAN = "true/false"
    WHOLE_NUMBER = "whole number"
    NUMBER = "number"
    CODE = "code"
    USERNAME = "username"
    TEAM = "team name"
    REFERRAL_TYPE = "referral type code"


#: Kinds written as a name that the database holds as the id of a user, team or referral type.
_LOOKED_UP = (FieldKind.USERNAME, FieldKind.TEAM, FieldKind.REFERRAL_TYPE)


@dataclass(frozen=True)
class FieldSpec:
    """One field of a record in the file."""

    name: str
    kind: FieldKind
    required: bool = False
    #: The coded values allowed (``FieldKind.CODE``).
    codes: type[enum.StrEnum] | None = None
    #: The kind of record a ``FieldKind.REFERENCE`` points at.
    refers_to: type[Base] | None = None
    #: The first version of the format with this field: an older file may not have it.
    since: int = 1

    @property
    def attribute(self) -> str:
        """The model attribute: ``team`` is held as ``team_id``, ``made_by`` as ``made_by_id``."""
        return f"{self.name}_id" if self.kind in _LOOKED_UP else self.name


@dataclass(frozen=True, eq=False)
class RecordSpec:
    """One kind of record: the list it is written in, its fields and nested lists."""

    section: str
    noun: str
    model: type[Base]
    fields: tuple[FieldSpec, ...]
    #: Model attributes that order the export (so the same records give the same file).
    sort_by: tuple[str, ...]
    nested: tuple[RecordSpec, ...] = ()
    #: The first version of the format with this kind of record.
    since: int = 1

    @property
    def field_names(self) -> tuple[str, ...]:
        return self.names_in(FORMAT_VERSION)

    def names_in(self, version: int) -> tuple[str, ...]:
        """The fields and nested lists a file of ``version`` may have."""
        return tuple(spec.name for spec in self.fields if spec.since <= version) + tuple(
            n.section for n in self.nested if n.since <= version
        )


def _code(
    name: str, codes: type[enum.StrEnum], *, required: bool = False, since: int = 1
) -> FieldSpec:
    return FieldSpec(name, FieldKind.CODE, required, codes=codes, since=since)


def _reference(
    name: str, model: type[Base], *, required: bool = False, since: int = 1
) -> FieldSpec:
    return FieldSpec(name, FieldKind.REFERENCE, required, refers_to=model, since=since)


def _v3(name: str, kind: FieldKind, *, required: bool = False) -> FieldSpec:
    """A field added in version 3 of the format."""
    return FieldSpec(name, kind, required, since=3)


_ID = FieldSpec("id", FieldKind.ID, required=True)
_TIMESTAMPS = (
    FieldSpec("created_at", FieldKind.TIMESTAMP),
    FieldSpec("updated_at", FieldKind.TIMESTAMP),
)
_HISTORY_DATES = (
    FieldSpec("start_date", FieldKind.DATE, required=True),
    FieldSpec("end_date", FieldKind.DATE),
)
_RECORDED = (
    FieldSpec("recorded_by", FieldKind.USERNAME),
    FieldSpec("recorded_at", FieldKind.TIMESTAMP),
)

CARER = RecordSpec(
    "carers",
    "carer",
    Carer,
    (
        _ID,
        FieldSpec("given_name", FieldKind.NAME, required=True),
        FieldSpec("family_name", FieldKind.NAME, required=True),
        FieldSpec("date_of_birth", FieldKind.DATE),
        _code("relationship_to_child", CarerRelationship, required=True),
        FieldSpec("phone", FieldKind.TEXT),
        _code("smoking_status", SmokingStatus),
        *_TIMESTAMPS,
    ),
    sort_by=("given_name", "family_name", "id"),
)
FAMILY = RecordSpec(
    "families",
    "family",
    Family,
    (
        _ID,
        FieldSpec("team", FieldKind.TEAM, required=True),
        FieldSpec("family_name", FieldKind.NAME, required=True),
        FieldSpec("address_line_1", FieldKind.TEXT),
        FieldSpec("address_line_2", FieldKind.TEXT),
        FieldSpec("town", FieldKind.TEXT),
        FieldSpec("postcode", FieldKind.TEXT),
        FieldSpec("main_language", FieldKind.TEXT),
        FieldSpec("interpreter_needed", FieldKind.BOOLEAN),
        FieldSpec("gp_practice", FieldKind.TEXT),
        *_TIMESTAMPS,
    ),
    sort_by=("family_name", "id"),
    nested=(CARER,),
)
SAFEGUARDING = RecordSpec(
    "safeguarding_history",
    "safeguarding entry",
    SafeguardingEntry,
    (
        _ID,
        _code("status", SafeguardingStatus, required=True),
        *_HISTORY_DATES,
        FieldSpec("note", FieldKind.TEXT),
        *_RECORDED,
    ),
    sort_by=("start_date", "id"),
)
SERVICE_LEVEL = RecordSpec(
    "service_level_history",
    "service level entry",
    ServiceLevelEntry,
    (_ID, _code("level", ServiceLevel, required=True), *_HISTORY_DATES, *_RECORDED),
    sort_by=("start_date", "id"),
)
ALLOCATION = RecordSpec(
    "allocation_history",
    "allocation change",
    AllocationChange,
    (
        _ID,
        _code("kind", AllocationChangeKind, required=True),
        FieldSpec("from_health_visitor", FieldKind.USERNAME),
        FieldSpec("to_health_visitor", FieldKind.USERNAME),
        FieldSpec("reason", FieldKind.TEXT),
        FieldSpec("batch_id", FieldKind.ID, required=True),
        FieldSpec("undoes_batch_id", FieldKind.ID),
        FieldSpec("changed_by", FieldKind.USERNAME, required=True),
        FieldSpec("changed_at", FieldKind.TIMESTAMP),
    ),
    sort_by=("changed_at", "id"),
    since=3,
)
RECORD_STATUS = RecordSpec(
    "record_status_history",
    "record status change",
    RecordStatusChange,
    (
        _ID,
        _code("status", RecordStatus, required=True),
        FieldSpec("effective_date", FieldKind.DATE, required=True),
        FieldSpec("detail", FieldKind.TEXT),
        FieldSpec("recorded_by", FieldKind.USERNAME, required=True),
        FieldSpec("recorded_at", FieldKind.TIMESTAMP),
    ),
    sort_by=("effective_date", "recorded_at", "id"),
    since=3,
)
PREGNANCY = RecordSpec(
    "pregnancies",
    "pregnancy",
    Pregnancy,
    (
        _ID,
        _reference("family_id", Family, required=True),
        _reference("mother_id", Carer, required=True),
        FieldSpec("estimated_delivery_date", FieldKind.DATE, required=True),
        _code("outcome", PregnancyOutcome),
        FieldSpec("outcome_date", FieldKind.DATE),
        FieldSpec("health_visitor", FieldKind.USERNAME),
        *_TIMESTAMPS,
    ),
    sort_by=("estimated_delivery_date", "id"),
    nested=(SAFEGUARDING, ALLOCATION),
)
CHILD = RecordSpec(
    "children",
    "child",
    Child,
    (
        _ID,
        FieldSpec("nhs_number", FieldKind.NHS_NUMBER, required=True),
        FieldSpec("given_name", FieldKind.NAME, required=True),
        FieldSpec("family_name", FieldKind.NAME, required=True),
        FieldSpec("date_of_birth", FieldKind.DATE, required=True),
        _code("sex", Sex, required=True),
        FieldSpec("gestation_weeks", FieldKind.WHOLE_NUMBER, required=True),
        FieldSpec("gestation_days", FieldKind.WHOLE_NUMBER),
        FieldSpec("birth_weight_kg", FieldKind.NUMBER),
        FieldSpec("place_of_birth", FieldKind.TEXT),
        _reference("family_id", Family, required=True),
        _reference("pregnancy_id", Pregnancy),
        FieldSpec("team", FieldKind.TEAM, required=True),
        FieldSpec("health_visitor", FieldKind.USERNAME),
        _code("record_status", RecordStatus),
        FieldSpec("record_status_date", FieldKind.DATE),
        _v3("transferred_in_from", FieldKind.TEXT),
        _v3("transferred_in_on", FieldKind.DATE),
        *_TIMESTAMPS,
    ),
    sort_by=("date_of_birth", "family_name", "given_name", "id"),
    nested=(SERVICE_LEVEL, SAFEGUARDING, ALLOCATION, RECORD_STATUS),
)
DEVELOPMENT_SCORE = RecordSpec(
    "development_scores",
    "development score",
    DevelopmentScore,
    (
        _ID,
        _code("domain", DevelopmentDomain, required=True),
        FieldSpec("score", FieldKind.WHOLE_NUMBER, required=True),
        _code("zone", ScreeningZone, required=True),
    ),
    sort_by=("domain", "id"),
)
CONTACT = RecordSpec(
    "contacts",
    "contact",
    Contact,
    (
        _ID,
        _code("kind", ContactKind, required=True),
        _reference("child_id", Child),
        _reference("pregnancy_id", Pregnancy),
        FieldSpec("contact_date", FieldKind.DATE, required=True),
        _code("location", ContactLocation, required=True),
        _code("outcome", ContactOutcome, required=True),
        FieldSpec("delivered_by", FieldKind.USERNAME, required=True),
        FieldSpec("accountable_health_visitor", FieldKind.USERNAME),
        FieldSpec("notes", FieldKind.TEXT),
        _reference("supersedes_id", Contact),
        _v3("previous_provider", FieldKind.TEXT),
        FieldSpec("who_was_seen", FieldKind.TEXT),
        FieldSpec("interpreter_used", FieldKind.BOOLEAN),
        FieldSpec("next_planned_contact", FieldKind.DATE),
        _code("feeding", FeedingStatus),
        FieldSpec("whooley_low_mood", FieldKind.BOOLEAN),
        FieldSpec("whooley_loss_of_interest", FieldKind.BOOLEAN),
        FieldSpec("gad2_score", FieldKind.WHOLE_NUMBER),
        FieldSpec("mother_smokes", FieldKind.BOOLEAN),
        FieldSpec("household_smokes", FieldKind.BOOLEAN),
        FieldSpec("carbon_monoxide_ppm", FieldKind.NUMBER),
        *_TIMESTAMPS,
    ),
    sort_by=("contact_date", "id"),
    nested=(DEVELOPMENT_SCORE,),
)
MEASUREMENT = RecordSpec(
    "measurements",
    "measurement",
    Measurement,
    (
        _ID,
        _reference("child_id", Child, required=True),
        _reference("contact_id", Contact),
        _code("kind", MeasurementKind, required=True),
        FieldSpec("value", FieldKind.NUMBER, required=True),
        FieldSpec("measured_on", FieldKind.DATE, required=True),
        FieldSpec("recorded_by", FieldKind.USERNAME, required=True),
        FieldSpec("recorded_at", FieldKind.TIMESTAMP),
        _reference("supersedes_id", Measurement),
    ),
    sort_by=("measured_on", "kind", "id"),
)
REFERRAL_EVENT = RecordSpec(
    "events",
    "referral event",
    ReferralEvent,
    (
        _ID,
        _code("status", ReferralStatus, required=True),
        FieldSpec("event_date", FieldKind.DATE, required=True),
        FieldSpec("note", FieldKind.TEXT),
        FieldSpec("recorded_by", FieldKind.USERNAME, required=True),
        FieldSpec("recorded_at", FieldKind.TIMESTAMP),
    ),
    sort_by=("event_date", "recorded_at", "id"),
    since=3,
)
REFERRAL = RecordSpec(
    "referrals",
    "referral",
    Referral,
    (
        _ID,
        FieldSpec("referral_type", FieldKind.REFERRAL_TYPE, required=True),
        _reference("child_id", Child),
        _reference("carer_id", Carer),
        _code("status", ReferralStatus),
        FieldSpec("reason", FieldKind.TEXT),
        FieldSpec("made_on", FieldKind.DATE, required=True),
        FieldSpec("follow_up_on", FieldKind.DATE),
        FieldSpec("closed_on", FieldKind.DATE),
        FieldSpec("outcome", FieldKind.TEXT),
        FieldSpec("made_by", FieldKind.USERNAME, required=True),
        _code("consent", ReferralConsent, since=3),
        _v3("consent_note", FieldKind.TEXT),
        _code("outcome_code", ReferralOutcome, since=3),
        _v3("sent_to", FieldKind.TEXT),
        _v3("tried_so_far", FieldKind.TEXT),
        *_TIMESTAMPS,
    ),
    sort_by=("made_on", "id"),
    nested=(REFERRAL_EVENT,),
)
REFERRAL_PROMPT = RecordSpec(
    "referral_prompts",
    "referral prompt decision",
    ReferralPrompt,
    (
        _ID,
        FieldSpec("rule_id", FieldKind.NAME, required=True),
        _reference("contact_id", Contact),
        _reference("child_id", Child),
        _reference("carer_id", Carer),
        FieldSpec("finding", FieldKind.TEXT),
        _code("decision", PromptDecision, required=True),
        _reference("referral_id", Referral),
        FieldSpec("reason", FieldKind.TEXT),
        # Issue 5: a prompt is kept from when it fired, "pending" until decided; a
        # file without raised_* (written before) was decided when it was raised.
        FieldSpec("raised_on", FieldKind.DATE, since=3),
        FieldSpec("raised_by", FieldKind.USERNAME, since=3),
        FieldSpec("raised_at", FieldKind.TIMESTAMP, since=3),
        FieldSpec("decided_on", FieldKind.DATE),
        FieldSpec("decided_by", FieldKind.USERNAME),
        FieldSpec("decided_at", FieldKind.TIMESTAMP),
        FieldSpec("discussed_on", FieldKind.DATE, since=3),
        FieldSpec("discussed_by", FieldKind.USERNAME, since=3),
        FieldSpec("discussed_at", FieldKind.TIMESTAMP, since=3),
        FieldSpec("discussion_outcome", FieldKind.TEXT, since=3),
    ),
    sort_by=("raised_on", "raised_at", "id"),
    since=3,
)
COVER = RecordSpec(
    "cover_arrangements",
    "cover arrangement",
    CoverArrangement,
    (
        _ID,
        FieldSpec("team", FieldKind.TEAM, required=True),
        FieldSpec("absent_health_visitor", FieldKind.USERNAME, required=True),
        FieldSpec("covering_health_visitor", FieldKind.USERNAME, required=True),
        FieldSpec("start_date", FieldKind.DATE, required=True),
        FieldSpec("end_date", FieldKind.DATE, required=True),
        FieldSpec("ended_on", FieldKind.DATE),
        FieldSpec("reason", FieldKind.TEXT),
        FieldSpec("arranged_by", FieldKind.USERNAME, required=True),
        *_TIMESTAMPS,
    ),
    sort_by=("start_date", "id"),
    since=3,
)

#: The top-level lists of a document, in the order they are written.
RECORD_SPECS: tuple[RecordSpec, ...] = (
    FAMILY,
    PREGNANCY,
    CHILD,
    CONTACT,
    MEASUREMENT,
    REFERRAL,
    REFERRAL_PROMPT,
    COVER,
)
#: Every kind of record, in the order an import writes them (each after what it refers to).
_WRITE_ORDER: tuple[RecordSpec, ...] = (
    FAMILY,
    CARER,
    PREGNANCY,
    CHILD,
    SERVICE_LEVEL,
    SAFEGUARDING,
    ALLOCATION,
    RECORD_STATUS,
    COVER,
    CONTACT,
    DEVELOPMENT_SCORE,
    MEASUREMENT,
    REFERRAL,
    REFERRAL_EVENT,
    REFERRAL_PROMPT,
)
_ENVELOPE = ("format", "version", "exported_at")
#: How a nested record points at the record it is nested in.
_PARENT_LINK: dict[type[Base], str] = {
    Family: "family_id",
    Pregnancy: "pregnancy_id",
    Child: "child_id",
    Contact: "contact_id",
    Referral: "referral_id",
}


def _max_length(model: type[Base], attribute: str) -> int | None:
    """The column's length limit (PostgreSQL enforces it; SQLite would not)."""
    length = getattr(model.__table__.c[attribute].type, "length", None)
    return length if isinstance(length, int) else None


# --- Export ----------------------------------------------------------------------


def _pairs(session: Session, query: Select[K, V]) -> dict[K, V]:
    return {key: value for key, value in session.execute(query)}


@dataclass(frozen=True)
class _Names:
    """The names the file uses for users, teams and referral types, by id."""

    usernames: Mapping[uuid.UUID, str]
    teams: Mapping[uuid.UUID, str]
    referral_types: Mapping[uuid.UUID, str]

    @classmethod
    def load(cls, session: Session) -> _Names:
        return cls(
            usernames=_pairs(session, select(User.id, User.username)),
            teams=_pairs(session, select(Team.id, Team.name)),
            referral_types=_pairs(session, select(ReferralType.id, ReferralType.code)),
        )

    def to_json(self, spec: FieldSpec, value: Any) -> Any:
        """A model value as the file writes it."""
        if value is None:
            return None
        match spec.kind:
            case FieldKind.ID | FieldKind.REFERENCE:
                return str(value)
            case FieldKind.DATE:
                return value.isoformat()
            case FieldKind.TIMESTAMP:
                return value.astimezone(dt.UTC).isoformat()
            case FieldKind.CODE:
                return value.value
            case FieldKind.NUMBER:
                return float(value)
            case FieldKind.USERNAME:
                return self.usernames[value]
            case FieldKind.TEAM:
                return self.teams[value]
            case FieldKind.REFERRAL_TYPE:
                return self.referral_types[value]
            case _:
                return value


def _export_scope(actor: Actor, team_id: uuid.UUID | None) -> uuid.UUID:
    """The team whose records ``actor`` may export: their own, and only if clinical.

    Administrators have no clinical access (issue 8), so they export nothing.
    """
    own_team = require_clinical(actor)
    if team_id is not None and team_id != own_team:
        raise PermissionDeniedError("You can export only your own team's records.")
    return own_team


@requires(Permission.EXPORT)
def export_document(
    session: Session,
    actor: Actor,
    *,
    team_id: uuid.UUID | None = None,
    exported_at: dt.datetime,
) -> dict[str, Any]:
    """The interchange document for one team's records (nothing is written or audited).

    A health visitor or team lead exports their own team (``team_id`` None or
    their own); administrators have no clinical access and export nothing.
    A team's records are its families (with their carers and pregnancies) and
    its children, and the contacts, measurements and referrals about them.
    """
    if exported_at.tzinfo is None:
        raise ValueError("exported_at must be timezone-aware")
    scope = _export_scope(actor, team_id)
    names = _Names.load(session)
    family_ids = select(Family.id)
    child_ids = select(Child.id)
    if scope is not None:
        family_ids = family_ids.where(Family.team_id == scope)
        child_ids = child_ids.where(Child.team_id == scope)
    pregnancy_ids = select(Pregnancy.id).where(Pregnancy.family_id.in_(family_ids))
    carer_ids = select(Carer.id).where(Carer.family_id.in_(family_ids))

    def rows(spec: RecordSpec, *where: Any) -> list[Any]:
        found = session.scalars(select(spec.model).where(*where))
        return sorted(found, key=lambda row: tuple(getattr(row, a) for a in spec.sort_by))

    def as_json(spec: RecordSpec, row: Any, **nested: list[dict[str, Any]]) -> dict[str, Any]:
        return {f.name: names.to_json(f, getattr(row, f.attribute)) for f in spec.fields} | nested

    def history(spec: RecordSpec, link: str, parents: Any) -> dict[uuid.UUID, list[Any]]:
        grouped: dict[uuid.UUID, list[Any]] = defaultdict(list)
        for row in rows(spec, getattr(spec.model, link).in_(parents)):
            grouped[getattr(row, link)].append(as_json(spec, row))
        return grouped

    contact_ids = select(Contact.id).where(
        or_(
            Contact.child_id.in_(child_ids),
            and_(Contact.child_id.is_(None), Contact.pregnancy_id.in_(pregnancy_ids)),
        )
    )
    referral_ids = select(Referral.id).where(
        or_(Referral.child_id.in_(child_ids), Referral.carer_id.in_(carer_ids))
    )
    carers = history(CARER, "family_id", family_ids)
    scores = history(DEVELOPMENT_SCORE, "contact_id", contact_ids)
    plans = history(SAFEGUARDING, "pregnancy_id", pregnancy_ids)
    pregnancy_allocations = history(ALLOCATION, "pregnancy_id", pregnancy_ids)
    levels = history(SERVICE_LEVEL, "child_id", child_ids)
    safeguarding = history(SAFEGUARDING, "child_id", child_ids)
    allocations = history(ALLOCATION, "child_id", child_ids)
    statuses = history(RECORD_STATUS, "child_id", child_ids)
    events = history(REFERRAL_EVENT, "referral_id", referral_ids)
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "exported_at": exported_at.astimezone(dt.UTC).isoformat(),
        "families": [
            as_json(FAMILY, row, carers=carers.get(row.id, []))
            for row in rows(FAMILY, Family.id.in_(family_ids))
        ],
        "pregnancies": [
            as_json(
                PREGNANCY,
                row,
                safeguarding_history=plans.get(row.id, []),
                allocation_history=pregnancy_allocations.get(row.id, []),
            )
            for row in rows(PREGNANCY, Pregnancy.id.in_(pregnancy_ids))
        ],
        "children": [
            as_json(
                CHILD,
                row,
                service_level_history=levels.get(row.id, []),
                safeguarding_history=safeguarding.get(row.id, []),
                allocation_history=allocations.get(row.id, []),
                record_status_history=statuses.get(row.id, []),
            )
            for row in rows(CHILD, Child.id.in_(child_ids))
        ],
        "contacts": [
            as_json(CONTACT, row, development_scores=scores.get(row.id, []))
            for row in rows(CONTACT, Contact.id.in_(contact_ids))
        ],
        "measurements": [
            as_json(MEASUREMENT, row)
            for row in rows(MEASUREMENT, Measurement.child_id.in_(child_ids))
        ],
        "referrals": [
            as_json(REFERRAL, row, events=events.get(row.id, []))
            for row in rows(REFERRAL, Referral.id.in_(referral_ids))
        ],
        "referral_prompts": [
            as_json(REFERRAL_PROMPT, row)
            for row in rows(
                REFERRAL_PROMPT,
                or_(
                    ReferralPrompt.child_id.in_(child_ids),
                    ReferralPrompt.carer_id.in_(carer_ids),
                ),
            )
        ],
        "cover_arrangements": [
            as_json(COVER, row) for row in rows(COVER, CoverArrangement.team_id == scope)
        ],
    }


def _summary_of(document: Mapping[str, Any]) -> ImportSummary:
    return ImportSummary(
        families=len(document["families"]),
        carers=sum(len(family["carers"]) for family in document["families"]),
        pregnancies=len(document["pregnancies"]),
        children=len(document["children"]),
        contacts=len(document["contacts"]),
        measurements=len(document["measurements"]),
        referrals=len(document["referrals"]),
        allocation_changes=sum(
            len(record["allocation_history"])
            for record in (*document["pregnancies"], *document["children"])
        ),
        cover_arrangements=len(document["cover_arrangements"]),
        record_status_changes=sum(
            len(child["record_status_history"]) for child in document["children"]
        ),
        referral_events=sum(len(referral["events"]) for referral in document["referrals"]),
        referral_prompts=len(document["referral_prompts"]),
    )


@requires(Permission.EXPORT)
def export_file(
    engine: Engine,
    actor: Actor,
    path: Path,
    *,
    team_id: uuid.UUID | None = None,
    now: dt.datetime,
) -> ImportSummary:
    """Write the team's records to ``path`` (UTF-8 JSON); return how many of each.

    The file is written beside ``path`` and moved into place only when
    complete, so a reader never sees half a file and a failed export leaves
    any earlier file as it was. The export is audited (who, which team, which
    file, how many records) before the file appears.
    """
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.partial")
    try:
        with unit_of_work(engine) as session:
            document = export_document(session, actor, team_id=team_id, exported_at=now)
            summary = _summary_of(document)
            scope = _export_scope(actor, team_id)
            team = session.get(Team, scope) if scope is not None else None
            team_name = team.name if team is not None else "all teams"
            details = {"file": path.name, "team": team_name, **asdict(summary)}
            record_event(session, actor, "export", "caseload", None, **details)
            _write_json(temporary, document)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return summary


def _write_json(path: Path, document: Mapping[str, Any]) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        json.dump(document, handle, indent=2, sort_keys=True, ensure_ascii=False)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())


# --- Import: entry points -----------------------------------------------------------


def _require_importer(actor: Actor) -> None:
    if actor.role is not Role.TEAM_LEAD:
        raise PermissionDeniedError(
            f"{actor.full_name} is signed in as {actor.role.label.lower()}; only a team lead "
            "can import records into their team. Ask your team lead to import the file."
        )
    require_team_lead(actor)


@requires(Permission.IMPORT)
def import_file(engine: Engine, actor: Actor, path: Path, *, today: dt.date) -> ImportSummary:
    """Import an interchange file: all of it, or (``ImportRejected``) none of it."""
    _require_importer(actor)
    return _import(engine, actor, _load_json(path), today=today, source=path.name)


@requires(Permission.IMPORT)
def import_document(
    engine: Engine, actor: Actor, document: object, *, today: dt.date
) -> ImportSummary:
    """Import an interchange document already read from JSON: all of it or none of it."""
    return _import(engine, actor, document, today=today, source="")


def _load_json(path: Path) -> object:
    try:
        # utf-8-sig: a byte-order mark (Windows Notepad adds one) is not an error.
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportRejected(
            [_problem(path.name, "encoding", f"The file is not UTF-8 text (byte {exc.start}).")]
        ) from None
    except OSError as exc:
        raise HealthVisitorError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportRejected(
            [
                _problem(
                    path.name,
                    f"line {exc.lineno}, column {exc.colno}",
                    f"This is not valid JSON ({exc.msg}). Check that the file was copied "
                    "completely and not edited by hand.",
                )
            ]
        ) from None
    except RecursionError:
        raise ImportRejected(
            [
                _problem(
                    path.name, "structure", "The JSON is nested far too deeply to be a caseload."
                )
            ]
        ) from None


def _import(
    engine: Engine, actor: Actor, document: object, *, today: dt.date, source: str
) -> ImportSummary:
    _require_importer(actor)
    try:
        with unit_of_work(engine) as session:
            importer = _Importer(session, actor, today)
            importer.read(document)
            summary = importer.write()
            record_event(session, actor, "import", "caseload", None, file=source, **asdict(summary))
    except SQLAlchemyError as exc:
        detail = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or ["unknown"])[0]
        raise HealthVisitorError(
            f"The database refused the import ({detail}), so nothing was imported. Try again; "
            "if it happens again, tell your system administrator."
        ) from exc
    return summary


# --- Import: reading values ------------------------------------------------------------


def _problem(record: str, field_name: str, message: str) -> FieldProblem:
    return FieldProblem(field=field_name, message=message, record=record)


def _refused(field_name: str, message: str) -> ImportRejected:
    """A problem with the file as a whole, which stops the import before any record is read."""
    return ImportRejected([_problem(_THE_FILE, field_name, message)])


def _describe(raw: object) -> str:
    """A JSON value in words, for "should be ..., not ..." messages."""
    if raw is None:
        return "null"
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, int) and abs(raw) >= 10**15:
        return "a very large number"
    if isinstance(raw, int | float):
        return f"the number {raw}"
    if isinstance(raw, str):
        return f"the text {raw if len(raw) <= 40 else raw[:37] + '...'!r}"
    if isinstance(raw, list):
        return "a list"
    if isinstance(raw, dict):
        return "an object"
    return type(raw).__name__


def _expect_text(raw: object, expected: str) -> str:
    if not isinstance(raw, str):
        raise ValidationError(f"Should be {expected}, not {_describe(raw)}.")
    return raw


def _read_id(raw: object) -> uuid.UUID:
    text = _expect_text(raw, "an id (a UUID)")
    try:
        return uuid.UUID(text)
    except ValueError:
        raise ValidationError(
            f"'{text}' is not an id; ids are UUIDs such as {_EXAMPLE_ID}."
        ) from None


def _read_text(raw: object, max_length: int | None, *, blank_allowed: bool) -> str:
    text = _expect_text(raw, "text")
    if not blank_allowed and not text.strip():
        raise ValidationError("Must not be blank.")
    if "\x00" in text:
        raise ValidationError("Contains a NUL character, which cannot be stored.")
    if max_length is not None and len(text) > max_length:
        raise ValidationError(f"Is {len(text)} characters long; the most is {max_length}.")
    return text


def _read_timestamp(raw: object) -> dt.datetime:
    text = _expect_text(raw, "a timestamp such as 2026-03-31T14:05:00+00:00")
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError(
            f"'{text}' is not a timestamp; write it as ISO 8601 with the offset, "
            "e.g. 2026-03-31T14:05:00+00:00."
        ) from None
    if value.utcoffset() is None:
        raise ValidationError(
            f"'{text}' has no time zone offset, so the time is ambiguous; add one, e.g. +00:00."
        )
    return value.astimezone(dt.UTC)


def _read_boolean(raw: object) -> bool:
    if not isinstance(raw, bool):
        raise ValidationError(f"Should be true or false, not {_describe(raw)}.")
    return raw


def _read_whole_number(raw: object) -> int:
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)  # 39.0 is written by some tools for 39
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise ValidationError(f"Should be a whole number, not {_describe(raw)}.")
    if abs(raw) > _LARGEST_WHOLE_NUMBER:
        raise ValidationError(f"{_describe(raw).capitalize()} is far too large.")
    return raw


def _read_number(raw: object) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise ValidationError(f"Should be a number, not {_describe(raw)}.")
    value = float(raw)  # OverflowError for a huge whole number: caught by _attempt
    if not math.isfinite(value):
        raise ValidationError(f"Should be a number, not {raw}.")
    return value


def _read_code(raw: object, codes: type[enum.StrEnum], name: str) -> enum.StrEnum:
    text = _expect_text(raw, "text")
    try:
        return codes(text)
    except ValueError:
        allowed = ", ".join(code.value for code in codes)
        raise ValidationError(
            f"'{text}' is not a known {name.replace('_', ' ')}; use one of: {allowed}."
        ) from None


def _read_value(spec: RecordSpec, field_spec: FieldSpec, raw: object) -> object:
    """A value that needs nothing from the database, read and checked."""
    match field_spec.kind:
        case FieldKind.ID | FieldKind.REFERENCE:
            return _read_id(raw)
        case FieldKind.TEXT | FieldKind.NAME:
            limit = _max_length(spec.model, field_spec.attribute)
            return _read_text(raw, limit, blank_allowed=field_spec.kind is FieldKind.TEXT)
        case FieldKind.NHS_NUMBER:
            return clean_nhs_number(_expect_text(raw, "text"), field_spec.name)
        case FieldKind.DATE:
            return parse_date(_expect_text(raw, "a date (YYYY-MM-DD)"), field_spec.name)
        case FieldKind.TIMESTAMP:
            return _read_timestamp(raw)
        case FieldKind.BOOLEAN:
            return _read_boolean(raw)
        case FieldKind.WHOLE_NUMBER:
            return _read_whole_number(raw)
        case FieldKind.NUMBER:
            return _read_number(raw)
        case FieldKind.CODE:
            assert field_spec.codes is not None
            return _read_code(raw, field_spec.codes, field_spec.name)
    raise AssertionError(f"{field_spec.kind} is read with a lookup")  # pragma: no cover


# --- Import: the file's records and what they refer to ----------------------------------


@dataclass
class _Row:
    """One record of the file: where it is, what it is, and its values by model attribute."""

    spec: RecordSpec
    label: str
    values: dict[str, Any]
    parent: _Row | None = None

    @property
    def id(self) -> uuid.UUID | None:
        value = self.values.get("id")
        return value if isinstance(value, uuid.UUID) else None


@dataclass(frozen=True)
class _Known:
    """What the cross-record checks need about a record, from the file or the database."""

    team_id: uuid.UUID | None = None
    family_id: uuid.UUID | None = None
    child_id: uuid.UUID | None = None
    pregnancy_id: uuid.UUID | None = None
    date_of_birth: dt.date | None = None
    estimated_delivery_date: dt.date | None = None
    sex: Sex | None = None
    gestation_weeks: int | None = None
    gestation_days: int | None = None

    @classmethod
    def of(cls, values: Mapping[str, Any]) -> _Known:
        return cls(**{f.name: values.get(f.name) for f in fields(cls)})


def _known_in_database(model: type[Base], ids: Sequence[uuid.UUID]) -> Select[*tuple[Any, ...]]:
    """The facts ``_Known`` holds about records in the database, with the team each belongs to."""
    if model is Family:
        return select(Family.id, Family.team_id).where(Family.id.in_(ids))
    if model is Carer:
        return (
            select(Carer.id, Carer.family_id, Family.team_id)
            .join(Family, Carer.family_id == Family.id)
            .where(Carer.id.in_(ids))
        )
    if model is Pregnancy:
        return (
            select(
                Pregnancy.id,
                Pregnancy.family_id,
                Pregnancy.estimated_delivery_date,
                Family.team_id,
            )
            .join(Family, Pregnancy.family_id == Family.id)
            .where(Pregnancy.id.in_(ids))
        )
    if model is Child:
        return select(
            Child.id,
            Child.family_id,
            Child.team_id,
            Child.date_of_birth,
            Child.sex,
            Child.gestation_weeks,
            Child.gestation_days,
        ).where(Child.id.in_(ids))
    if model is Contact:
        return (
            select(
                Contact.id,
                Contact.child_id,
                Contact.pregnancy_id,
                func.coalesce(Child.team_id, Family.team_id).label("team_id"),
            )
            .outerjoin(Child, Contact.child_id == Child.id)
            .outerjoin(Pregnancy, Contact.pregnancy_id == Pregnancy.id)
            .outerjoin(Family, Pregnancy.family_id == Family.id)
            .where(Contact.id.in_(ids))
        )
    if model is Measurement:
        return (
            select(Measurement.id, Measurement.child_id, Child.team_id)
            .join(Child, Measurement.child_id == Child.id)
            .where(Measurement.id.in_(ids))
        )
    if model is Referral:
        return (
            select(
                Referral.id,
                Referral.child_id,
                func.coalesce(Child.team_id, Family.team_id).label("team_id"),
            )
            .outerjoin(Child, Referral.child_id == Child.id)
            .outerjoin(Carer, Referral.carer_id == Carer.id)
            .outerjoin(Family, Carer.family_id == Family.id)
            .where(Referral.id.in_(ids))
        )
    raise AssertionError(f"nothing refers to {model.__name__}")  # pragma: no cover


def _chunks(items: Iterable[T]) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == _QUERY_CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


def _in_supersession_order(rows: Sequence[_Row]) -> list[_Row]:
    """The rows with every superseded record before the correction that replaces it.

    Raises ``graphlib.CycleError`` if corrections replace each other in a circle.
    """
    by_id = {row.id: row for row in rows}
    order: graphlib.TopologicalSorter[uuid.UUID | None] = graphlib.TopologicalSorter()
    for row in rows:
        earlier = row.values.get("supersedes_id")
        order.add(row.id, *([earlier] if earlier in by_id else []))
    return [by_id[row_id] for row_id in order.static_order()]


def _text_in(item: object, key: str) -> str:
    value = item.get(key) if isinstance(item, dict) else None
    return value.strip() if isinstance(value, str) else ""


def _no_rule(row: _Row) -> None:
    """For the kinds of record with no rule of their own beyond their fields."""


def _joined(separator: str, *words: str) -> str:
    return separator.join(word for word in words if word)


def _amount(item: object) -> str:
    """A measurement as written, e.g. ``weight 45000 kg``."""
    kind = _text_in(item, "kind")
    value = item.get("value") if isinstance(item, dict) else None
    if not isinstance(value, int | float) or isinstance(value, bool) or abs(value) >= 1e15:
        return kind
    unit = next((known.unit for known in MeasurementKind if known.value == kind), "")
    return _joined(" ", kind, f"{value:g}", unit)


def _label_of_code(codes: type[enum.StrEnum], text: str) -> str:
    try:
        return str(getattr(codes(text), "label", text))
    except ValueError:
        return text


# --- Import: the checks ------------------------------------------------------------------


class _Importer:
    """Reads a whole document, collecting every problem, then writes it if there are none."""

    def __init__(self, session: Session, actor: Actor, today: dt.date) -> None:
        self.session = session
        self.actor = actor
        self.today = today
        self.problems: list[FieldProblem] = []
        #: The version of the file being read (set from its envelope).
        self.version = FORMAT_VERSION
        self.rows: dict[RecordSpec, list[_Row]] = {spec: [] for spec in _WRITE_ORDER}
        self.in_file: dict[type[Base], dict[uuid.UUID, _Row]] = defaultdict(dict)
        self.in_database: dict[type[Base], dict[uuid.UUID, _Known]] = defaultdict(dict)
        self.nhs_numbers: dict[str, str] = {}  # NHS number -> label of the child with it
        self.child_names: dict[str, str] = {}  # child id as written -> name, for labels
        self.user_ids = _pairs(session, select(User.username, User.id))
        self.user_facts = {
            user_id: (role, team_id, active)
            for user_id, role, team_id, active in session.execute(
                select(User.id, User.role, User.team_id, User.active)
            )
        }
        self.team_ids = _pairs(session, select(Team.name, Team.id))
        self.referral_type_ids = _pairs(session, select(ReferralType.code, ReferralType.id))
        self.own_rules: dict[RecordSpec, Callable[[_Row], None]] = {
            CARER: self._check_carer,
            PREGNANCY: self._check_pregnancy,
            CHILD: self._check_child,
            SERVICE_LEVEL: self._check_history,
            SAFEGUARDING: self._check_history,
            MEASUREMENT: self._check_measurement,
            REFERRAL: self._check_referral,
            RECORD_STATUS: self._check_record_status,
            COVER: self._check_cover,
            REFERRAL_EVENT: self._check_referral_event,
            REFERRAL_PROMPT: self._check_prompt,
        }
        self.cross_checks: dict[RecordSpec, Callable[[_Row], None]] = {
            PREGNANCY: self._cross_check_pregnancy,
            CHILD: self._cross_check_child,
            CONTACT: self._cross_check_contact,
            MEASUREMENT: self._cross_check_measurement,
            REFERRAL: self._cross_check_referral,
            REFERRAL_PROMPT: self._cross_check_prompt,
        }

    # -- the whole document

    def read(self, document: object) -> None:
        """Read and check everything; raise ``ImportRejected`` listing every problem."""
        sections = self._read_envelope(document)
        for spec in RECORD_SPECS:
            if spec.since <= self.version:
                self._read_list(spec, sections.get(spec.section), prefix="", parent=None)
        self._check_against_database()
        for spec in _WRITE_ORDER:
            for row in self.rows[spec]:
                self.cross_checks.get(spec, _no_rule)(row)
        self._check_supersession(CONTACT)
        self._check_supersession(MEASUREMENT)
        if self.problems:
            raise ImportRejected(self.problems)

    def write(self) -> ImportSummary:
        """Add every record, each kind after the kinds it refers to, in one transaction."""
        for spec in _WRITE_ORDER:
            rows = self.rows[spec]
            if spec in (CONTACT, MEASUREMENT):
                rows = _in_supersession_order(rows)
            self.session.add_all([spec.model(**row.values) for row in rows])
            self.session.flush()
        self._add_birth_measurements()
        count = {spec: len(self.rows[spec]) for spec in _WRITE_ORDER}
        return ImportSummary(
            families=count[FAMILY],
            carers=count[CARER],
            pregnancies=count[PREGNANCY],
            children=count[CHILD],
            contacts=count[CONTACT],
            measurements=count[MEASUREMENT],
            referrals=count[REFERRAL],
            allocation_changes=count[ALLOCATION],
            cover_arrangements=count[COVER],
            record_status_changes=count[RECORD_STATUS],
            referral_events=count[REFERRAL_EVENT],
            referral_prompts=count[REFERRAL_PROMPT],
        )

    def _add_birth_measurements(self) -> None:
        """Store each child's birth weight as a weight on the date of birth, as the
        form does, where the file has none: NICE NG75's rules read it there."""
        weighed_at_birth = {
            (row.values.get("child_id"), row.values.get("measured_on"))
            for row in self.rows[MEASUREMENT]
            if row.values.get("kind") is MeasurementKind.WEIGHT
        }
        for row in self.rows[CHILD]:
            values = row.values
            kilograms, born = values.get("birth_weight_kg"), values.get("date_of_birth")
            if kilograms is None or born is None or (row.id, born) in weighed_at_birth:
                continue
            try:
                result = assess_measurement(
                    MeasurementKind.WEIGHT,
                    kilograms,
                    sex=values["sex"],
                    date_of_birth=born,
                    gestation=Gestation(values["gestation_weeks"], values.get("gestation_days", 0)),
                    measured_on=born,
                )
            except ValidationError:
                continue  # checked already; UK-WHO has no reference at this gestation
            assert row.id is not None
            self.session.add(birth_measurement(row.id, result, recorded_by_id=self.actor.user_id))
        self.session.flush()

    def _read_envelope(self, document: object) -> Mapping[str, Any]:
        """The document's top level; a file of another kind or version is refused at once."""
        if not isinstance(document, dict):
            raise _refused(
                "(whole file)",
                f"A HealthVisitor interchange file is a JSON object {{...}}, not "
                f"{_describe(document)}.",
            )
        name, version = document.get("format"), document.get("version")
        if name != FORMAT_NAME:
            raise _refused(
                "format",
                f"This is not a HealthVisitor interchange file: 'format' should be "
                f"'{FORMAT_NAME}', not {_describe(name)}.",
            )
        if type(version) is not int or version not in READABLE_VERSIONS:
            raise _refused(
                "version",
                f"This file is in version {_describe(version)} of the format; this version of "
                f"HealthVisitor reads versions {', '.join(map(str, READABLE_VERSIONS[:-1]))} "
                f"and {READABLE_VERSIONS[-1]}.",
            )
        self.version = version
        allowed = {*_ENVELOPE, *(spec.section for spec in RECORD_SPECS if spec.since <= version)}
        later = {spec.section for spec in RECORD_SPECS} - allowed
        self._unknown_fields(_THE_FILE, document, allowed, "the file", later)
        if document.get("exported_at") is not None:
            self._attempt(_THE_FILE, "exported_at", _read_timestamp, document["exported_at"])
        return document

    def _read_list(
        self, spec: RecordSpec, items: object, *, prefix: str, parent: _Row | None
    ) -> None:
        if items is None:
            return
        if not isinstance(items, list):
            where = prefix.strip() or _THE_FILE
            message = f"Should be a list [...] of {spec.noun} records, not {_describe(items)}."
            self.problems.append(_problem(where, spec.section, message))
            return
        for index, item in enumerate(items):
            label = f"{prefix}{spec.section}[{index}]{self._name_for_label(spec, item)}"
            if not isinstance(item, dict):
                message = f"Each {spec.noun} should be an object {{...}}, not {_describe(item)}."
                self.problems.append(_problem(label, "(record)", message))
                continue
            row = _Row(spec, label, self._read_fields(spec, item, label), parent)
            if parent is not None:
                row.values[_PARENT_LINK[parent.spec.model]] = parent.id
            self.own_rules.get(spec, _no_rule)(row)
            self._remember(row)
            for nested in spec.nested:
                if nested.since <= self.version:
                    section = item.get(nested.section)
                    self._read_list(nested, section, prefix=f"{label} ", parent=row)

    def _name_for_label(self, spec: RecordSpec, item: object) -> str:
        """The record in a health visitor's terms, e.g. ``(NHS 999 123 4567, Amelia Khan)``.

        Read from the raw item, so even a record with wrong fields is named; a
        child's name is remembered for the labels of its contacts and measurements.
        """
        text = functools.partial(_text_in, item)
        person = _joined(" ", text("given_name"), text("family_name"))
        child = self.child_names.get(text("child_id"), "")
        parts: tuple[str, ...]
        if spec is FAMILY:
            parts = (_joined(" ", text("family_name"), "family" if text("family_name") else ""),)
            parts += (text("postcode"),)
        elif spec is CARER:
            parts = (person,)
        elif spec is PREGNANCY:
            parts = (
                _joined(
                    " ",
                    "due" if text("estimated_delivery_date") else "",
                    text("estimated_delivery_date"),
                ),
            )
        elif spec is CHILD:
            digits = "".join(text("nhs_number").split())
            parts = (f"NHS {format_nhs_number(digits)}" if digits else "", person)
            if text("id") and person:
                self.child_names[text("id")] = person
        elif spec is CONTACT:
            kind = _label_of_code(ContactKind, text("kind"))
            parts = (_joined(" on ", kind, text("contact_date")), child)
        elif spec is MEASUREMENT:
            parts = (_joined(" on ", _amount(item), text("measured_on")), child)
        elif spec is REFERRAL:
            parts = (_joined(" made ", text("referral_type"), text("made_on")), child)
        elif spec is ALLOCATION:
            parts = (_joined(" at ", text("kind"), text("changed_at")),)
        elif spec is RECORD_STATUS:
            parts = (_joined(" from ", text("status"), text("effective_date")),)
        elif spec is REFERRAL_EVENT:
            parts = (_joined(" on ", text("status"), text("event_date")),)
        elif spec is REFERRAL_PROMPT:
            parts = (_joined(" on ", text("rule_id"), text("decided_on")), child)
        elif spec is COVER:
            absent = text("absent_health_visitor")
            parts = (
                _joined(" from ", f"cover for {absent}" if absent else "", text("start_date")),
            )
        else:
            parts = (_joined(" from ", text("status") or text("level"), text("start_date")),)
        shown = _joined(", ", *parts)
        return f" ({shown})" if shown else ""

    def _unknown_fields(
        self,
        label: str,
        item: Mapping[Any, Any],
        allowed: Iterable[str],
        what: str,
        later: Iterable[str] = (),
    ) -> None:
        """Report keys that are not fields; ``later`` are fields of a later version."""
        newer = set(later)
        for key in sorted(set(item) - set(allowed), key=str):
            if key in newer:
                message = (
                    f"'{key}' is a field of {what} only from version {FORMAT_VERSION} of the "
                    f"format, but the file says it is version {self.version}. Export the "
                    f"file again, or set 'version' to {FORMAT_VERSION} if it follows that "
                    "version throughout."
                )
            else:
                message = (
                    f"'{key}' is not a field of {what} in version {self.version} of the format; "
                    "check the spelling."
                )
            self.problems.append(_problem(label, str(key) or '""', message))

    def _read_fields(self, spec: RecordSpec, item: Mapping[Any, Any], label: str) -> dict[str, Any]:
        allowed = spec.names_in(self.version)
        later = set(spec.field_names) - set(allowed)
        self._unknown_fields(label, item, allowed, f"a {spec.noun}", later)
        values: dict[str, Any] = {}
        for field_spec in spec.fields:
            if field_spec.since > self.version:
                continue
            raw = item.get(field_spec.name)
            if raw is None:
                if field_spec.required:
                    message = f"Missing: every {spec.noun} must have a value for {field_spec.name}."
                    self.problems.append(_problem(label, field_spec.name, message))
                continue
            value = self._convert(spec, field_spec, raw, label)
            if value is not None:
                values[field_spec.attribute] = value
        return values

    def _convert(
        self, spec: RecordSpec, field_spec: FieldSpec, raw: object, label: str
    ) -> object | None:
        match field_spec.kind:
            case FieldKind.USERNAME:
                return self._look_up(label, field_spec.name, raw, self.user_ids, self._no_user)
            case FieldKind.TEAM:
                return self._team(label, field_spec.name, raw)
            case FieldKind.REFERRAL_TYPE:
                known = self.referral_type_ids
                return self._look_up(label, field_spec.name, raw, known, self._no_referral_type)
        return self._attempt(label, field_spec.name, _read_value, spec, field_spec, raw)

    def _attempt(
        self, label: str, field_name: str, check: Callable[P, T], *a: P.args, **k: P.kwargs
    ) -> T | None:
        """Run a reader or validator; note its problems against ``label`` and return None."""
        try:
            return check(*a, **k)
        except ValidationError as error:
            self.problems.extend(
                _problem(label, problem.field or field_name, problem.message)
                for problem in error.problems
            )
        except OverflowError:
            self.problems.append(
                _problem(label, field_name, "The value is far outside any possible range.")
            )
        return None

    def _validate(self, row: _Row, attribute: str, check: Callable[[Any], object]) -> None:
        """Check a value that was read; if it is wrong, drop it so no later check relies on it."""
        value = row.values.get(attribute)
        if value is not None and self._attempt(row.label, attribute, check, value) is None:
            row.values.pop(attribute, None)

    # -- names looked up in the database

    def _look_up(
        self,
        label: str,
        field_name: str,
        raw: object,
        known: Mapping[str, uuid.UUID],
        unknown: Callable[[str], str],
    ) -> uuid.UUID | None:
        name = self._attempt(label, field_name, _expect_text, raw, "text")
        if name is None:
            return None
        if name not in known:
            self.problems.append(_problem(label, field_name, unknown(name)))
            return None
        return known[name]

    @staticmethod
    def _no_user(name: str) -> str:
        return (
            f"There is no user '{name}' in HealthVisitor. Usernames must match exactly; an "
            "administrator can add the account before the import."
        )

    def _no_referral_type(self, code: str) -> str:
        return f"'{code}' is not a referral type; use one of: {', '.join(self.referral_type_ids)}."

    def _team(self, label: str, field_name: str, raw: object) -> uuid.UUID | None:
        message = (
            "There is no team called '{}' in HealthVisitor. Team names must match exactly; an "
            "administrator can create the team before the import."
        )
        team_id = self._look_up(label, field_name, raw, self.team_ids, message.format)
        if team_id is not None and team_id != self.actor.team_id:
            message = (
                f"'{raw}' is not your team: a team lead imports only their own team's records. "
                "That team's lead must import it."
            )
            self.problems.append(_problem(label, field_name, message))
            return None
        return team_id

    # -- rules about one record

    def _remember(self, row: _Row) -> None:
        if row.id is None:
            return
        same_kind = self.in_file[row.spec.model]
        earlier = same_kind.get(row.id)
        if earlier is not None:
            message = (
                f"The id {row.id} is also used by {earlier.label}; every record needs its own."
            )
            self.problems.append(_problem(row.label, "id", message))
        else:
            same_kind[row.id] = row
        self.rows[row.spec].append(row)

    def _check_carer(self, row: _Row) -> None:
        self._validate(row, "date_of_birth", self._not_in_future("date_of_birth", "carer's birth"))

    def _check_pregnancy(self, row: _Row) -> None:
        self._validate(row, "outcome_date", self._not_in_future("outcome_date", "outcome"))
        self._check_allocated(row)

    def _not_in_future(self, attribute: str, what: str) -> Callable[[dt.date], dt.date]:
        return lambda when: check_event_date(
            when, today=self.today, date_of_birth=None, field=attribute, what=what
        )

    def _check_child(self, row: _Row) -> None:
        values = row.values
        self._validate(row, "date_of_birth", lambda born: check_date_of_birth(born, self.today))
        born = values.get("date_of_birth")
        weeks: int | None = values.get("gestation_weeks")
        days: int | None = values.get("gestation_days", 0)
        if weeks is not None and days is not None:
            gestation = self._attempt(row.label, "gestation", check_gestation, weeks, days)
            if gestation is None:
                values.pop("gestation_weeks", None)
        self._validate(row, "birth_weight_kg", check_birth_weight)
        self._validate(
            row,
            "record_status_date",
            lambda when: check_event_date(
                when,
                today=self.today,
                date_of_birth=born,
                field="record_status_date",
                what="record status",
            ),
        )
        self._validate(
            row,
            "transferred_in_on",
            lambda when: check_event_date(
                when,
                today=self.today,
                date_of_birth=born,
                field="transferred_in_on",
                what="transfer in",
            ),
        )
        self._check_nhs_number_once(row)
        self._check_allocated(row)

    def _check_allocated(self, row: _Row) -> None:
        """The allocated health visitor works in the importing team: a child or
        pregnancy allocated elsewhere would show in no caseload at all."""
        visitor = row.values.get("health_visitor_id")
        if visitor is None:
            return
        role, team_id, active = self.user_facts[visitor]
        if role is Role.ADMINISTRATOR or team_id != self.actor.team_id or not active:
            message = (
                "The allocated health visitor must be an active health visitor or team lead "
                "in your team; leave it empty to allocate after the import."
            )
            self.problems.append(_problem(row.label, "health_visitor", message))

    def _check_nhs_number_once(self, row: _Row) -> None:
        nhs_number = row.values.get("nhs_number")
        if nhs_number is None:
            return
        first = self.nhs_numbers.setdefault(nhs_number, row.label)
        if first != row.label:
            message = (
                f"The NHS number {format_nhs_number(nhs_number)} is also given to {first}: "
                "the same child is in the file twice."
            )
            self.problems.append(_problem(row.label, "nhs_number", message))

    def _check_history(self, row: _Row) -> None:
        """A dated service-level or safeguarding entry nested in a child or a pregnancy."""
        on_pregnancy = row.parent is not None and row.parent.spec is PREGNANCY
        born = None if row.parent is None else row.parent.values.get("date_of_birth")
        self._validate(
            row,
            "status",
            lambda status: check_safeguarding_subject(status, on_pregnancy=on_pregnancy),
        )
        # A family may have had its level of service since the pregnancy, so a
        # child's service level may start before birth; a safeguarding status
        # before birth is a pre-birth plan, on the pregnancy.
        early = on_pregnancy or row.spec is SERVICE_LEVEL
        for attribute in ("start_date", "end_date"):
            self._validate(row, attribute, self._in_history(attribute, born, early=early))
        start = row.values.get("start_date")
        if start is not None:
            self._validate(row, "end_date", lambda end: check_period(start, end))

    def _in_history(
        self, attribute: str, born: dt.date | None, *, early: bool
    ) -> Callable[[dt.date], dt.date]:
        return lambda when: check_event_date(
            when,
            today=self.today,
            date_of_birth=born,
            field=attribute,
            what=attribute.removesuffix("_date"),
            before_birth_allowed=early,
        )

    def _check_measurement(self, row: _Row) -> None:
        kind = row.values.get("kind")
        if kind is not None:
            self._validate(
                row, "value", lambda value: check_measurement_value(kind, value, "value")
            )

    def _check_referral(self, row: _Row) -> None:
        values = row.values
        if (values.get("child_id") is None) == (values.get("carer_id") is None):
            message = (
                "A referral is about one person: give either child_id (a referral about the "
                "child) or carer_id (about a carer, e.g. a mother referred to stop smoking)."
            )
            self.problems.append(_problem(row.label, "child_id", message))
        for attribute in ("made_on", "closed_on"):
            self._validate(row, attribute, self._not_in_future(attribute, "referral"))
        made_on = values.get("made_on")
        if made_on is not None:
            self._validate(
                row,
                "closed_on",
                lambda closed_on: check_period(
                    made_on, closed_on, "closed_on", starts="referral date", ends="closing date"
                ),
            )

    def _check_record_status(self, row: _Row) -> None:
        born = None if row.parent is None else row.parent.values.get("date_of_birth")
        self._validate(row, "effective_date", self._in_history("effective_date", born, early=False))

    def _check_cover(self, row: _Row) -> None:
        values = row.values
        start = values.get("start_date")
        if start is not None:
            self._validate(row, "end_date", lambda end: check_period(start, end))
        # ``ended_on`` may be before ``start_date``: cover cancelled before it began.
        absent = values.get("absent_health_visitor_id")
        if absent is not None and absent == values.get("covering_health_visitor_id"):
            message = "A health visitor cannot cover their own caseload; name a colleague."
            self.problems.append(_problem(row.label, "covering_health_visitor", message))
            return
        end = values.get("end_date")
        if end is None or last_day_of_cover(end, values.get("ended_on")) < self.today:
            return  # cover that is over changes no caseload: its people may have moved on
        for attribute, name in (
            ("absent_health_visitor_id", "absent_health_visitor"),
            ("covering_health_visitor_id", "covering_health_visitor"),
        ):
            user = values.get(attribute)
            if user is None:
                continue
            role, team_id, _active = self.user_facts[user]
            if role is Role.ADMINISTRATOR or team_id != self.actor.team_id:
                message = (
                    "Cover in force or arranged for later is between health visitors of your "
                    "team; this person is not in your team."
                )
                self.problems.append(_problem(row.label, name, message))

    def _check_referral_event(self, row: _Row) -> None:
        self._validate(row, "event_date", self._not_in_future("event_date", "referral step"))

    def _check_prompt(self, row: _Row) -> None:
        values = row.values
        if (values.get("child_id") is None) == (values.get("carer_id") is None):
            message = "A referral prompt is about one person: give either child_id or carer_id."
            self.problems.append(_problem(row.label, "child_id", message))
        if (
            values.get("decision") is PromptDecision.DECLINED
            and not values.get("reason", "").strip()
        ):
            message = "A prompt that was not taken up needs the reason the health visitor gave."
            self.problems.append(_problem(row.label, "reason", message))
        pending = values.get("decision") is PromptDecision.PENDING
        decided = [name for name in ("decided_on", "decided_by_id") if values.get(name)]
        if pending and decided:
            message = "A prompt still to decide has no decision date or decider yet."
            self.problems.append(_problem(row.label, "decided_on", message))
        elif not pending and len(decided) < 2 and values.get("decision") is not None:
            message = "A decided prompt needs the date it was decided and who decided it."
            self.problems.append(_problem(row.label, "decided_on", message))
        if not pending and values.get("decided_at") is None and values.get("decided_on"):
            values["decided_at"] = values.get("raised_at") or dt.datetime.combine(
                values["decided_on"], dt.time(12), tzinfo=dt.UTC
            )
        for raised, decided_name in (
            ("raised_on", "decided_on"),
            ("raised_by_id", "decided_by_id"),
            ("raised_at", "decided_at"),
        ):
            if values.get(raised) is None and values.get(decided_name) is not None:
                values[raised] = values[decided_name]
        if values.get("raised_on") is None or values.get("raised_by_id") is None:
            message = "A prompt needs the date it was raised and by whom (raised_on, raised_by)."
            self.problems.append(_problem(row.label, "raised_on", message))
        if values.get("discussed_on") is not None and not (
            values.get("discussed_by_id") and values.get("discussion_outcome", "").strip()
        ):
            message = "A discussion held needs who recorded it and what was agreed."
            self.problems.append(_problem(row.label, "discussion_outcome", message))
        if values.get("discussed_on") is not None and values.get("discussed_at") is None:
            values["discussed_at"] = dt.datetime.combine(
                values["discussed_on"], dt.time(12), tzinfo=dt.UTC
            )
        self._validate(row, "raised_on", self._not_in_future("raised_on", "prompt"))
        self._validate(row, "decided_on", self._not_in_future("decided_on", "decision"))
        self._validate(row, "discussed_on", self._not_in_future("discussed_on", "discussion"))

    # -- rules across records

    def _check_against_database(self) -> None:
        """Ids and NHS numbers already in the database; facts about records referred to."""
        for model, rows in self.in_file.items():
            self._check_ids_are_new(model, rows)
        self._check_nhs_numbers_are_new()
        for model, ids in self._referred_to_outside_the_file().items():
            for batch in _chunks(ids):
                for found in self.session.execute(_known_in_database(model, batch)):
                    facts = found._asdict()
                    record_id = facts.pop("id")
                    self.in_database[model][record_id] = _Known(**facts)

    def _check_ids_are_new(self, model: type[Base], rows: Mapping[uuid.UUID, _Row]) -> None:
        id_column = model.__table__.c["id"]
        message = (
            "A record with this id is already in HealthVisitor: this file, or part of it, has "
            "been imported before."
        )
        for batch in _chunks(rows):
            for existing in self.session.scalars(select(id_column).where(id_column.in_(batch))):
                self.problems.append(_problem(rows[existing].label, "id", message))

    def _check_nhs_numbers_are_new(self) -> None:
        for numbers in _chunks(self.nhs_numbers):
            found = self.session.scalars(
                select(Child.nhs_number).where(Child.nhs_number.in_(numbers))
            )
            for nhs_number in found:
                message = (
                    f"A child with NHS number {format_nhs_number(nhs_number)} is already on "
                    "record in HealthVisitor; importing would register the child twice."
                )
                self.problems.append(_problem(self.nhs_numbers[nhs_number], "nhs_number", message))

    def _referred_to_outside_the_file(self) -> dict[type[Base], set[uuid.UUID]]:
        wanted: dict[type[Base], set[uuid.UUID]] = defaultdict(set)
        for spec, rows in self.rows.items():
            for field_spec in spec.fields:
                model = field_spec.refers_to
                if model is None:
                    continue
                for row in rows:
                    target = row.values.get(field_spec.attribute)
                    if target is not None and target not in self.in_file[model]:
                        wanted[model].add(target)
        return wanted

    def _resolve(self, row: _Row, attribute: str) -> _Known | None:
        """The record ``row.values[attribute]`` refers to, or None (noted as a problem)."""
        target = row.values.get(attribute)
        if target is None:
            return None
        field_spec = next(f for f in row.spec.fields if f.attribute == attribute)
        assert field_spec.refers_to is not None
        model = field_spec.refers_to
        if target in self.in_file[model]:
            return _Known.of(self.in_file[model][target].values)
        known = self.in_database[model].get(target)
        if known is not None and known.team_id == self.actor.team_id:
            return known
        where = "your team's records"
        noun = next(s.noun for s in _WRITE_ORDER if s.model is model)
        message = f"There is no {noun} with id {target} in this file or in {where}."
        self.problems.append(_problem(row.label, attribute, message))
        return None

    def _different(self, row: _Row, attribute: str, message: str, *pairs: tuple[Any, Any]) -> None:
        if any(
            mine is not None and theirs is not None and mine != theirs for mine, theirs in pairs
        ):
            self.problems.append(_problem(row.label, attribute, message))

    def _cross_check_pregnancy(self, row: _Row) -> None:
        self._resolve(row, "family_id")
        mother = self._resolve(row, "mother_id")
        if mother is not None:
            message = "This carer belongs to another family, not the family of this pregnancy."
            self._different(
                row, "mother_id", message, (row.values.get("family_id"), mother.family_id)
            )

    def _cross_check_child(self, row: _Row) -> None:
        self._resolve(row, "family_id")
        pregnancy = self._resolve(row, "pregnancy_id")
        if pregnancy is not None:
            message = "This pregnancy belongs to another family, not the child's family."
            family = row.values.get("family_id")
            self._different(row, "pregnancy_id", message, (family, pregnancy.family_id))

    def _cross_check_contact(self, row: _Row) -> None:
        values = row.values
        child = self._resolve(row, "child_id")
        pregnancy = self._resolve(row, "pregnancy_id")
        kind = values.get("kind")
        if kind is None:
            return
        has_child, has_pregnancy = "child_id" in values, "pregnancy_id" in values
        self._validate(
            row,
            "kind",
            lambda kind: check_contact_subject(
                kind, has_child=has_child, has_pregnancy=has_pregnancy
            ),
        )
        self._validate(
            row,
            "contact_date",
            lambda when: check_contact_date(
                kind,
                when,
                today=self.today,
                date_of_birth=child.date_of_birth if child else None,
                estimated_delivery_date=pregnancy.estimated_delivery_date if pregnancy else None,
            ),
        )
        self._check_findings(row, kind)
        for attribute, name in (
            ("delivered_by_id", "delivered_by"),
            ("accountable_health_visitor_id", "accountable_health_visitor"),
        ):
            user = values.get(attribute)
            if user is not None and self.user_facts[user][0] is Role.ADMINISTRATOR:
                message = "An administrator account cannot deliver or be accountable for a contact."
                self.problems.append(_problem(row.label, name, message))
        earlier = self._resolve(row, "supersedes_id")
        if earlier is not None:
            message = (
                "A correction is about the same child and pregnancy as the contact it replaces."
            )
            self._different(
                row,
                "supersedes_id",
                message,
                (values.get("child_id"), earlier.child_id),
                (values.get("pregnancy_id"), earlier.pregnancy_id),
            )

    def _check_findings(self, row: _Row, kind: ContactKind) -> None:
        """The findings rules a contact saved in the window obeys (services.contacts)."""
        values = row.values
        outcome = values.get("outcome")
        if outcome is None or values.get("contact_date") is None:
            return
        scores = [
            DevelopmentEntry(score.values["domain"], score.values["score"], score.values["zone"])
            for score in self.rows[DEVELOPMENT_SCORE]
            if score.values.get("contact_id") == row.id
            and {"domain", "score", "zone"} <= score.values.keys()
        ]
        entry = ContactEntry(
            kind=kind,
            contact_date=values["contact_date"],
            location=values.get("location", ContactLocation.HOME),
            outcome=outcome,
            delivered_by_id=values.get("delivered_by_id", uuid.UUID(int=0)),
            accountable_health_visitor_id=values.get("accountable_health_visitor_id"),
            next_planned_contact=values.get("next_planned_contact"),
            feeding=values.get("feeding"),
            whooley_low_mood=values.get("whooley_low_mood"),
            whooley_loss_of_interest=values.get("whooley_loss_of_interest"),
            gad2_score=values.get("gad2_score"),
            mother_smokes=values.get("mother_smokes"),
            household_smokes=values.get("household_smokes"),
            carbon_monoxide_ppm=values.get("carbon_monoxide_ppm"),
            development=tuple(scores),
        )
        for problem in findings_problems(entry):
            self.problems.append(_problem(row.label, problem.field, problem.message))

    def _cross_check_measurement(self, row: _Row) -> None:
        values = row.values
        child = self._resolve(row, "child_id")
        born = child.date_of_birth if child else None
        self._validate(
            row,
            "measured_on",
            lambda when: check_event_date(
                when, today=self.today, date_of_birth=born, field="measured_on", what="measurement"
            ),
        )
        contact = self._resolve(row, "contact_id")
        if contact is not None:
            message = "This contact is about another child, not the child measured."
            self._different(row, "contact_id", message, (values.get("child_id"), contact.child_id))
        earlier = self._resolve(row, "supersedes_id")
        if earlier is not None:
            message = "A correction is about the same child as the measurement it replaces."
            self._different(
                row, "supersedes_id", message, (values.get("child_id"), earlier.child_id)
            )
        if child is not None:
            self._check_against_reference(row, child)

    def _check_against_reference(self, row: _Row, child: _Known) -> None:
        """Assess the value as a save would: impossible values are refused, and the
        UK-WHO result is computed here with rcpchgrowth, never taken from the file."""
        kind, measured_on = row.values.get("kind"), row.values.get("measured_on")
        sex, born, weeks = child.sex, child.date_of_birth, child.gestation_weeks
        value = row.values.get("value")
        if kind is None or measured_on is None or sex is None or born is None:
            return
        if weeks is None or value is None:
            return
        gestation = Gestation(weeks, child.gestation_days or 0)

        def assess(reading: float) -> GrowthResult:
            try:
                return assess_measurement(
                    kind,
                    reading,
                    sex=sex,
                    date_of_birth=born,
                    gestation=gestation,
                    measured_on=measured_on,
                )
            except ValidationError as error:  # reported against the file's field name
                raise ValidationError(
                    [FieldProblem("value", problem.message) for problem in error.problems]
                ) from error

        result = self._attempt(row.label, "value", assess, value)
        if result is None:
            row.values.pop("value", None)
            return
        row.values.update(
            sds=result.sds,
            centile=result.centile,
            age_used=result.age_used,
            decimal_age=result.decimal_age,
            growth_reference=result.reference,
        )

    def _cross_check_referral(self, row: _Row) -> None:
        self._resolve(row, "child_id")
        self._resolve(row, "carer_id")

    def _cross_check_prompt(self, row: _Row) -> None:
        for attribute in ("contact_id", "child_id", "carer_id"):
            self._resolve(row, attribute)
        referral = self._resolve(row, "referral_id")
        if referral is not None:
            message = "This referral is about another child, not the child of the prompt."
            self._different(
                row, "referral_id", message, (row.values.get("child_id"), referral.child_id)
            )

    def _check_supersession(self, spec: RecordSpec) -> None:
        try:
            _in_supersession_order([row for row in self.rows[spec] if row.id is not None])
        except graphlib.CycleError as cycle:
            in_circle = {row_id for row_id in cycle.args[1]}
            for row in self.rows[spec]:
                if row.id in in_circle:
                    message = f"These {spec.section} replace each other in a circle."
                    self.problems.append(_problem(row.label, "supersedes_id", message))
