"""Changing a child's, a family's or a carer's details after registration (issue 9).

Two people may have the same record open. Every edit says what the user saw
(``base``, with the record's ``version``) and what they typed (``changes``);
when a colleague saved in between, the two are merged field by field
(``merge_fields``, the same rule the offline push follows):

* a field only the colleague changed keeps the colleague's value;
* a field only this user changed takes this user's value;
* a field both changed to the same value is simply saved;
* a field both changed to different values is the user's to decide:
  ``EditConflictError`` says, per field, what they first saw, what the
  colleague saved (who and when, from the audit trail) and what they typed,
  and nothing is written. ``resolve_conflict`` then saves their choices
  against the colleague's version (and merges again if someone saved since).

The record is read ``FOR UPDATE`` (PostgreSQL), so two edits of the same
record at the same moment are merged one after the other rather than one
refused; the ``version`` column is still checked in the ``UPDATE`` itself, so
any other writer holding a stale copy is refused by the database
(``ConcurrentEditError`` from the unit of work) and never overwrites.

Values are checked exactly as at registration (``records.validate_child``,
``records.carer_problems``, the family's name required), an NHS number
already on record is refused as at registration, and the same name and date
of birth in the family asks for confirmation. Every saved edit is one audit
event (``update``) with each field's old and new value.

A child's date of birth, sex and gestation at birth place every measurement
on the UK-WHO chart (hazard: wrong centile). Changing any of them recomputes,
in the same transaction, the SDS, centile, age used (corrected or
chronological) and decimal age stored with each of the child's measurements,
with ``growth.assess_measurement`` as when they were saved (rcpchgrowth; never
a centile of our own). The birth weight is the measurement on the date of
birth, so it moves with a corrected date of birth. A measurement that can no
longer be plotted (dated before the new date of birth, or impossible on the
chart for the new details) refuses the edit and nothing is written; one that
a correction has replaced (superseded) and that can no longer be plotted keeps
no centile rather than a wrong one. The audit event says how many were
recomputed. Faltering-growth alerts are not stored: they are worked out from
the stored SDS and centiles when read, so they follow.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import String, func, select
from sqlalchemy.orm import Session

from healthvisitor.domain.enums import CarerRelationship, RecordStatus, Sex, SmokingStatus
from healthvisitor.domain.growth import GrowthResult, assess_measurement
from healthvisitor.domain.validation import Gestation, format_nhs_number
from healthvisitor.errors import (
    ConflictingField,
    DuplicateError,
    EditConflictError,
    FieldProblem,
    NotFoundError,
    PossibleDuplicateError,
    ValidationError,
)
from healthvisitor.persistence.models import AuditEvent, Carer, Child, Family, Measurement, User
from healthvisitor.services.access import (
    require_may_change_child,
    require_may_change_family,
    require_team,
)
from healthvisitor.services.actor import Actor
from healthvisitor.services.audit import record_event
from healthvisitor.services.policy import Permission, requires
from healthvisitor.services.records import (
    CarerDetails,
    ChildDetails,
    carer_problems,
    validate_child,
)

# --- The merge (pure: shared with the offline push's rule) -------------------------


@dataclass(frozen=True)
class Merge:
    """How one user's changes meet a colleague's, field by field."""

    write: dict[str, Any]  # this user's changes to save (only they changed the field)
    theirs: tuple[str, ...]  # changed only by the colleague: their value stays
    same: tuple[str, ...]  # both changed it to the same value
    disputed: tuple[str, ...]  # both changed it, differently: the user decides


def merge_fields(
    base: Mapping[str, Any], saved: Mapping[str, Any], mine: Mapping[str, Any]
) -> Merge:
    """Merge ``mine`` (typed on top of ``base``) into ``saved`` (the record now).

    ``base`` must hold every field in ``mine``; a field of ``mine`` equal to
    its base is no change of this user's. Values are compared with ``==``, so
    the caller passes them in one form (the push compares them as JSON).
    """
    write: dict[str, Any] = {}
    same: list[str] = []
    disputed: list[str] = []
    changed_by_me = set()
    for name, value in mine.items():
        if value == base[name]:
            continue
        changed_by_me.add(name)
        if saved[name] == base[name]:
            write[name] = value
        elif saved[name] == value:
            same.append(name)
        else:
            disputed.append(name)
    theirs = tuple(
        name
        for name in base
        if name in saved and name not in changed_by_me and saved[name] != base[name]
    )
    return Merge(write, theirs, tuple(same), tuple(disputed))


def merge_or_conflict(
    session: Session,
    kind: str,
    record_id: uuid.UUID,
    fields: Sequence[EditableField],
    *,
    base: Mapping[str, Any],
    saved: Mapping[str, Any],
    saved_version: int,
    mine: Mapping[str, Any],
) -> Merge:
    """``mine`` merged into the record as saved now (read ``FOR UPDATE`` by the caller).

    ``base`` is what the user saw, with its ``version``; at the saved version
    nothing can have moved. A field both changed differently raises
    ``EditConflictError`` (who saved it and when, from the audit trail of
    ``kind``'s record; ``fields`` say how each field is called and reads), and
    the caller writes nothing. Any editable record's save can use it: the
    child's, family's and carer's details here, a referral draft's words.
    """
    base_version = int(base["version"])
    # What the user saw; at the same version it is what is saved (nothing to merge).
    seen = (
        dict(saved)
        if base_version == saved_version
        else {**saved, **{n: base[n] for n in saved if n in base}}
    )
    merge = merge_fields(seen, saved, mine)
    if merge.disputed:
        who = who_saved(session, kind, record_id, base_version)
        raise EditConflictError(
            kind=kind,
            record_id=record_id,
            saved_version=saved_version,
            saved_values=dict(saved),
            changes={n: v for n, v in mine.items() if v != seen[n]},  # what they changed
            fields=tuple(
                ConflictingField(
                    field=name,
                    label=_label(fields, name),
                    first_saw=_words(fields, name, seen[name]),
                    theirs=_words(fields, name, saved[name]),
                    mine=_words(fields, name, mine[name]),
                    saved_by=who.get(name, ("", None))[0],
                    saved_at=who.get(name, ("", None))[1],
                )
                for name in merge.disputed
            ),
            kept_theirs=tuple(_label(fields, name) for name in merge.theirs),
        )
    return merge


def resolution(
    conflict: EditConflictError, choices: Mapping[str, Choice]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The ``base`` and ``changes`` that save the user's choice for each disputed field.

    The base is the record as the colleague left it (with their version);
    the changes are everything the user typed, less the disputed fields where
    they chose to keep the colleague's value. ``ValidationError`` if a
    disputed field has no choice.
    """
    missing = [f.label for f in conflict.fields if f.field not in choices]
    if missing:
        raise ValidationError(f"Choose whose value to keep for {', '.join(missing)}.", missing[0])
    disputed = {f.field for f in conflict.fields}
    changes = {
        name: value
        for name, value in conflict.changes.items()
        if name not in disputed or choices[name] is Choice.MINE
    }
    base = {**conflict.saved_values, "version": conflict.saved_version}
    return base, changes


# --- What can be edited, and how each value reads -----------------------------------


def _plain_words(value: Any) -> str:
    if value is None or value == "":
        return "(blank)"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, Sex | CarerRelationship | SmokingStatus):
        return value.label
    if isinstance(value, dt.date):
        return f"{value:%d %b %Y}"
    return str(value)


def _nhs_words(value: Any) -> str:
    return format_nhs_number(str(value)) if value else "(blank)"


def _gestation_words(value: Any) -> str:
    return f"{value} weeks" if isinstance(value, Gestation) else _plain_words(value)


@dataclass(frozen=True)
class EditableField:
    name: str
    label: str
    words: Callable[[Any], str] = _plain_words


CHILD_FIELDS: Final = (
    EditableField("nhs_number", "NHS number", _nhs_words),
    EditableField("given_name", "Child's first name"),
    EditableField("family_name", "Child's family name"),
    EditableField("date_of_birth", "Date of birth"),
    EditableField("sex", "Sex"),
    EditableField("gestation", "Gestation at birth", _gestation_words),
    EditableField("place_of_birth", "Place of birth"),
)
FAMILY_FIELDS: Final = (
    EditableField("family_name", "Family name"),
    EditableField("address_line_1", "Address"),
    EditableField("address_line_2", "Address line 2"),
    EditableField("town", "Town"),
    EditableField("postcode", "Postcode"),
    EditableField("main_language", "Main language"),
    EditableField("interpreter_needed", "Interpreter needed"),
    EditableField("gp_practice", "GP practice"),
)
CARER_FIELDS: Final = (
    EditableField("given_name", "Carer's first name"),
    EditableField("family_name", "Carer's family name"),
    EditableField("relationship_to_child", "Relationship"),
    EditableField("date_of_birth", "Carer's date of birth"),
    EditableField("phone", "Phone"),
    EditableField("smoking_status", "Smoking"),
)
FIELDS: Final[Mapping[str, tuple[EditableField, ...]]] = {
    "child": CHILD_FIELDS,
    "family": FAMILY_FIELDS,
    "carer": CARER_FIELDS,
}
#: What each kind of record is called in a message.
RECORD_WORDS: Final = {"child": "child's details", "family": "family", "carer": "carer"}


def field_label(kind: str, name: str) -> str:
    return _label(FIELDS[kind], name)


def value_words(kind: str, name: str, value: Any) -> str:
    """A field's value as the user reads it ("39+2 weeks", "943 476 5919", "(blank)")."""
    return _words(FIELDS[kind], name, value)


def _label(fields: Sequence[EditableField], name: str) -> str:
    return next((f.label for f in fields if f.name == name), name)


def _words(fields: Sequence[EditableField], name: str, value: Any) -> str:
    spec = next((f for f in fields if f.name == name), None)
    return spec.words(value) if spec else _plain_words(value)


@dataclass(frozen=True)
class EditableRecord:
    """A record's editable values as the form shows them, and the version they belong to."""

    kind: str  # "child", "family" or "carer"
    id: uuid.UUID
    version: int
    title: str  # "Amal Adeyemi", "Adeyemi family", "Sara Adeyemi (mother)"
    values: dict[str, Any]

    @property
    def base(self) -> dict[str, Any]:
        """What to pass back as ``base`` on save: the values seen, with the version."""
        return {**self.values, "version": self.version}


@dataclass(frozen=True)
class EditSaved:
    """What a save did: the record now, what this user saved, what a colleague's kept."""

    record: EditableRecord
    saved: tuple[str, ...]  # labels
    kept_theirs: tuple[str, ...]  # labels of the colleague's changes, kept
    #: Measurements placed on the growth chart again (a changed date of birth, sex or
    #: gestation); None when none of those changed.
    centiles_recomputed: int | None = None

    @property
    def summary(self) -> str:
        if not self.saved:
            text = "Nothing had changed, so nothing was saved."
        else:
            text = f"Saved: {', '.join(self.saved)}."
        if self.kept_theirs:
            text += (
                " A colleague's change since you opened the form was kept: "
                f"{', '.join(self.kept_theirs)}."
            )
        return text


class Choice(enum.Enum):
    """For one disputed field: keep the colleague's value, or use what the user typed."""

    THEIRS = "theirs"
    MINE = "mine"


# --- Reading and writing each kind ---------------------------------------------------


def _child_values(child: Child) -> dict[str, Any]:
    return {
        "nhs_number": child.nhs_number,
        "given_name": child.given_name,
        "family_name": child.family_name,
        "date_of_birth": child.date_of_birth,
        "sex": child.sex,
        "gestation": Gestation(child.gestation_weeks, child.gestation_days),
        "place_of_birth": child.place_of_birth,
    }


def _family_values(family: Family) -> dict[str, Any]:
    return {spec.name: getattr(family, spec.name) for spec in FAMILY_FIELDS}


def _carer_values(carer: Carer) -> dict[str, Any]:
    return {spec.name: getattr(carer, spec.name) for spec in CARER_FIELDS}


def _editable(kind: str, row: Child | Family | Carer) -> EditableRecord:
    if isinstance(row, Child):
        return EditableRecord(
            "child", row.id, row.version, f"{row.given_name} {row.family_name}", _child_values(row)
        )
    if isinstance(row, Family):
        return EditableRecord(
            "family", row.id, row.version, f"{row.family_name} family", _family_values(row)
        )
    title = f"{row.given_name} {row.family_name} ({row.relationship_to_child.label.lower()})"
    return EditableRecord("carer", row.id, row.version, title, _carer_values(row))


def _load(
    session: Session, actor: Actor, kind: str, record_id: uuid.UUID, today: dt.date
) -> Child | Family | Carer:
    """The record, locked for this edit (PostgreSQL), read afresh; who may change it checked.

    A health visitor changes only their own caseload's records (issue 8,
    ``access.require_may_change_*``); a team lead any of the team's.
    """
    row: Child | Family | Carer | None
    if kind == "child":
        row = session.get(Child, record_id, with_for_update=True, populate_existing=True)
    elif kind == "family":
        row = session.get(Family, record_id, with_for_update=True, populate_existing=True)
    else:
        row = session.get(Carer, record_id, with_for_update=True, populate_existing=True)
    if row is None:
        raise NotFoundError(f"That {kind} is not on record.")
    if isinstance(row, Child):
        require_may_change_child(session, actor, row, today=today)
    elif isinstance(row, Family):
        require_may_change_family(session, actor, row, today=today)
    else:
        require_may_change_family(session, actor, row.family, today=today)
    return row


def _clean(kind: str, changes: Mapping[str, Any]) -> dict[str, Any]:
    """What was typed, tidied as registration tidies it (spaces, postcode, NHS number)."""
    known = {spec.name for spec in FIELDS[kind]}
    unknown = set(changes) - known
    if unknown:
        raise ValueError(f"not editable on a {kind}: {sorted(unknown)}")
    cleaned: dict[str, Any] = {}
    for name, value in changes.items():
        if isinstance(value, str) and not isinstance(value, enum.Enum):  # codes are str too
            value = value.strip()
            if name == "nhs_number":
                value = "".join(value.replace("-", " ").split())
            elif name == "postcode":
                compact = "".join(value.split()).upper()
                value = f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact
            elif name == "main_language":
                value = value or "English"
        cleaned[name] = value
    return cleaned


def _length_problems(kind: str, values: Mapping[str, Any]) -> list[FieldProblem]:
    """Text longer than its column holds (PostgreSQL would refuse it)."""
    table = {"child": Child, "family": Family, "carer": Carer}[kind].__table__
    problems = []
    for name, value in values.items():
        column = table.c.get(name)
        if isinstance(value, str) and column is not None and isinstance(column.type, String):
            limit = column.type.length
            if limit is not None and len(value) > limit:
                problems.append(
                    FieldProblem(name, f"{field_label(kind, name)} holds up to {limit} characters.")
                )
    return problems


def _check(
    session: Session,
    actor: Actor,
    row: Child | Family | Carer,
    final: dict[str, Any],
    written: Mapping[str, Any],
    *,
    today: dt.date,
    confirm_possible_duplicate: bool,
) -> None:
    """The merged record checked as registration checks it; duplicates refused."""
    if isinstance(row, Family):
        problems = _length_problems("family", written)
        if not final["family_name"]:
            problems.append(FieldProblem("family_name", "Enter the family name."))
        if problems:
            raise ValidationError(problems)
        return
    if isinstance(row, Carer):
        details = CarerDetails(
            given_name=final["given_name"],
            family_name=final["family_name"],
            relationship_to_child=final["relationship_to_child"],
            date_of_birth=final["date_of_birth"],
            phone=final["phone"],
            smoking_status=final["smoking_status"],
        )
        problems = carer_problems(details, today=today) + _length_problems("carer", written)
        if problems:
            raise ValidationError(problems)
        return
    _check_child(session, actor, row, final, written, today, confirm_possible_duplicate)


def _check_child(
    session: Session,
    actor: Actor,
    child: Child,
    final: dict[str, Any],
    written: Mapping[str, Any],
    today: dt.date,
    confirm_possible_duplicate: bool,
) -> None:
    gestation = final["gestation"]
    sex = final["sex"]
    problems = _length_problems("child", written)
    if not isinstance(sex, Sex):
        problems.append(FieldProblem("sex", "Choose the child's sex."))
    if not isinstance(gestation, Gestation):
        problems.append(FieldProblem("gestation", "Enter the gestation at birth, e.g. 39+2."))
    if problems:
        raise ValidationError(problems)
    assert isinstance(gestation, Gestation) and isinstance(sex, Sex)
    details = ChildDetails(
        nhs_number=final["nhs_number"],
        given_name=final["given_name"],
        family_name=final["family_name"],
        date_of_birth=final["date_of_birth"],
        sex=sex,
        gestation_weeks=gestation.weeks,
        gestation_days=gestation.days,
        birth_weight_kg=None,  # not edited here: the birth measurement holds it
        family_id=child.family_id,
        place_of_birth=final["place_of_birth"],
    )
    final["nhs_number"] = validate_child(details, today=today)
    if "nhs_number" in written:
        number = final["nhs_number"]
        existing = session.scalars(
            select(Child).where(Child.nhs_number == number, Child.id != child.id)
        ).first()
        if existing is not None and existing.team_id != child.team_id:
            # Another team's child: say only that the number is known (as at registration).
            record_event(session, actor, "duplicate_nhs_number_other_team", "child", existing.id)
            raise DuplicateError(
                f"NHS number {format_nhs_number(number)} is already on record in another team "
                "of the trust, so it cannot be given to this child. Check the number against "
                "the birth notification or the NHS Spine."
            )
        if existing is not None:
            raise DuplicateError(
                f"NHS number {format_nhs_number(number)} is already another child's "
                f"({existing.given_name} {existing.family_name}, born "
                f"{existing.date_of_birth:%d %b %Y}). Check the number; nothing was saved."
            )
    renamed = {"given_name", "family_name", "date_of_birth"} & set(written)
    if renamed and not confirm_possible_duplicate:
        twin = session.scalars(
            select(Child).where(
                Child.family_id == child.family_id,
                Child.id != child.id,
                Child.date_of_birth == final["date_of_birth"],
                func.lower(Child.given_name) == final["given_name"].lower(),
                func.lower(Child.family_name) == final["family_name"].lower(),
            )
        ).first()
        if twin is not None:
            raise PossibleDuplicateError(
                f"This family already has a {twin.given_name} {twin.family_name} born "
                f"{twin.date_of_birth:%d %b %Y} (NHS {format_nhs_number(twin.nhs_number)}). "
                "Is this a different child? Confirm to save anyway.",
                twin.id,
            )


def _write(row: Child | Family | Carer, values: Mapping[str, Any]) -> None:
    for name, value in values.items():
        if name == "gestation":
            assert isinstance(row, Child) and isinstance(value, Gestation)
            row.gestation_weeks, row.gestation_days = value.weeks, value.days
        else:
            setattr(row, name, value)


def _plain(value: Any) -> Any:
    """A value as the audit trail keeps it (JSON: codes, ISO dates, "39+2")."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Gestation):
        return str(value)
    return value


def who_saved(
    session: Session, kind: str, record_id: uuid.UUID, since_version: int
) -> dict[str, tuple[str, dt.datetime]]:
    """Per field, who last saved it after ``since_version`` and when (from the audit).

    Reads the ``update`` (and offline ``sync_edit``) events of ``kind``'s record:
    the fields named in ``changes`` (with old and new values) or ``applied`` (the
    push).
    """
    rows = session.execute(
        select(AuditEvent.details, AuditEvent.occurred_at, User.full_name)
        .outerjoin(User, User.id == AuditEvent.user_id)
        .where(
            AuditEvent.entity_type == kind,
            AuditEvent.entity_id == record_id,
            AuditEvent.action.in_(("update", "sync_edit")),
        )
        .order_by(AuditEvent.sequence.desc())
        .limit(50)
    ).all()
    found: dict[str, tuple[str, dt.datetime]] = {}
    for details, occurred_at, full_name in rows:
        try:
            data = json.loads(details)
        except ValueError:
            continue
        version = data.get("version")
        if not isinstance(version, int):  # an offline edit (sync_edit) names its base
            based_on = data.get("based_on_version")
            version = based_on + 1 if isinstance(based_on, int) else since_version + 1
        if version <= since_version:
            continue
        for name in list(data.get("changes", {})) + list(data.get("applied", [])):
            found.setdefault(name, (full_name or "someone", occurred_at))
    return found


# --- A corrected date of birth, sex or gestation: every stored centile again -----------

#: The child's details that place a measurement on the UK-WHO chart.
GROWTH_FIELDS: Final = ("date_of_birth", "sex", "gestation")


@dataclass(frozen=True)
class _Replotted:
    """One stored measurement placed on the chart again with the edited details."""

    row: Measurement
    measured_on: dt.date  # the birth weight's moves with the date of birth
    result: GrowthResult | None  # None: replaced by a correction and no longer plottable


def _replot_growth(
    session: Session, child: Child, final: Mapping[str, Any], written: Mapping[str, Any]
) -> list[_Replotted]:
    """Every measurement of ``child`` on the UK-WHO chart with the edited details.

    The same ``growth.assess_measurement`` as when each was saved. The birth
    weight (``records.birth_measurement``: no contact, dated the date of birth)
    stays on the date of birth. Raises ``ValidationError`` on the changed
    field when a measurement that stands can no longer be plotted; nothing is
    written before this returns.
    """
    date_of_birth, sex, gestation = (final[name] for name in GROWTH_FIELDS)
    assert isinstance(sex, Sex) and isinstance(gestation, Gestation)  # _check_child saw to it
    rows = session.scalars(
        select(Measurement)
        .where(Measurement.child_id == child.id)
        .order_by(Measurement.measured_on, Measurement.recorded_at, Measurement.id)
    ).all()
    replaced = {row.supersedes_id for row in rows if row.supersedes_id is not None}
    field = next(name for name in GROWTH_FIELDS if name in written)
    what = " and ".join(
        field_label("child", name).lower() for name in GROWTH_FIELDS if name in written
    )
    replotted: list[_Replotted] = []
    problems: list[FieldProblem] = []
    for row in rows:
        at_birth = row.contact_id is None and row.measured_on == child.date_of_birth
        measured_on = date_of_birth if at_birth else row.measured_on
        try:
            result: GrowthResult | None = assess_measurement(
                row.kind,
                row.value,
                sex=sex,
                date_of_birth=date_of_birth,
                gestation=gestation,
                measured_on=measured_on,
            )
        except ValidationError as error:
            if row.id in replaced:  # not on the chart any more: no centile, never a wrong one
                result = None
            else:
                reason = " ".join(problem.message for problem in error.problems)
                problems.append(
                    FieldProblem(
                        field,
                        f"Not saved: with this {what} the {row.kind.label.lower()} of "
                        f"{row.value:g} {row.kind.unit} measured on {row.measured_on:%d %b %Y} "
                        f"could not be placed on the growth chart. {reason} If the new {what} "
                        "is right, correct that measurement first.",
                    )
                )
                continue
        replotted.append(_Replotted(row, measured_on, result))
    if problems:
        raise ValidationError(problems)
    return replotted


def _store_replotted(replotted: list[_Replotted]) -> int:
    """Write each measurement's new chart position (derived values only: the
    measured value is never changed). Returns how many were recomputed."""
    for item in replotted:
        row, result = item.row, item.result
        row.measured_on = item.measured_on
        row.sds = result.sds if result else None
        row.centile = result.centile if result else None
        row.age_used = result.age_used if result else None
        row.decimal_age = result.decimal_age if result else None
        if result is not None:
            row.growth_reference = result.reference
    return sum(1 for item in replotted if item.result is not None)


def replot_child_growth(session: Session, child_id: uuid.UUID) -> int:
    """Every measurement of the child placed on the UK-WHO chart again, with the
    child's details as they are saved now; how many were recomputed.

    For a route that stores a centile worked out elsewhere: the offline push
    adds a laptop's measurements with the centiles the laptop computed, from the
    date of birth, sex and gestation it had when it last pulled (a correction
    made since on the shared database would leave them wrong). Raises
    ``ValidationError`` when one can no longer be plotted; the caller's
    transaction then writes nothing. No permission of its own: the caller's
    operation is the one checked.
    """
    child = session.get(Child, child_id)
    if child is None:
        raise NotFoundError("That child is not on record.")
    current = _child_values(child)
    return _store_replotted(_replot_growth(session, child, current, current))


def _edit(
    session: Session,
    actor: Actor,
    kind: str,
    record_id: uuid.UUID,
    base: Mapping[str, Any],
    changes: Mapping[str, Any],
    *,
    today: dt.date,
    confirm_possible_duplicate: bool = False,
) -> EditSaved:
    row = _load(session, actor, kind, record_id, today)
    if isinstance(row, Child) and row.record_status is not RecordStatus.ACTIVE:
        raise ValidationError(
            "This record is closed and read-only. Reopen the record to correct the child's details."
        )
    base_version = int(base["version"])
    mine = _clean(kind, changes)
    saved = _editable(kind, row).values
    merge = merge_or_conflict(
        session,
        kind,
        row.id,
        FIELDS[kind],
        base=base,
        saved=saved,
        saved_version=row.version,
        mine=mine,
    )
    final = {**saved, **merge.write}
    _check(
        session,
        actor,
        row,
        final,
        merge.write,
        today=today,
        confirm_possible_duplicate=confirm_possible_duplicate,
    )
    written = {name: final[name] for name in merge.write}
    kept = tuple(field_label(kind, name) for name in merge.theirs)
    if not written:
        return EditSaved(_editable(kind, row), (), kept)
    # Hazard: wrong centile. Every measurement placed again before anything is written.
    replotted = (
        _replot_growth(session, row, final, written)
        if isinstance(row, Child) and set(GROWTH_FIELDS) & set(written)
        else None
    )
    _write(row, written)
    recomputed = _store_replotted(replotted) if replotted is not None else None
    session.flush()  # UPDATE … WHERE version = the version read: a stale copy is refused
    details: dict[str, Any] = {
        "changes": {
            name: {"old": _plain(saved[name]), "new": _plain(value)}
            for name, value in written.items()
        },
        "version": row.version,
        "based_on_version": base_version,
    }
    if merge.theirs:
        details["kept_colleagues"] = list(merge.theirs)
    if recomputed is not None:
        details["centiles_recomputed"] = recomputed
        cleared = len(replotted or ()) - recomputed
        if cleared:
            details["centiles_cleared_on_replaced_measurements"] = cleared
    if isinstance(row, Carer):
        details["family_id"] = str(row.family_id)
    record_event(session, actor, "update", kind, row.id, **details)
    return EditSaved(
        _editable(kind, row),
        tuple(field_label(kind, name) for name in written),
        kept,
        recomputed,
    )


# --- The operations ----------------------------------------------------------------------


@requires(Permission.VIEW_RECORD)
def editable_child(session: Session, actor: Actor, child_id: uuid.UUID) -> EditableRecord:
    """The child's details as the edit form starts them, with their version."""
    row = session.get(Child, child_id)
    if row is None:
        raise NotFoundError("That child is not on record.")
    require_team(actor, row.team_id)
    return _editable("child", row)


@requires(Permission.VIEW_RECORD)
def editable_family(session: Session, actor: Actor, family_id: uuid.UUID) -> EditableRecord:
    row = session.get(Family, family_id)
    if row is None:
        raise NotFoundError("That family is not on record.")
    require_team(actor, row.team_id)
    return _editable("family", row)


@requires(Permission.VIEW_RECORD)
def editable_carers(
    session: Session, actor: Actor, family_id: uuid.UUID
) -> tuple[EditableRecord, ...]:
    """The family's carers, by first name, each as its edit form starts it."""
    family = session.get(Family, family_id)
    if family is None:
        raise NotFoundError("That family is not on record.")
    require_team(actor, family.team_id)
    carers = session.scalars(
        select(Carer).where(Carer.family_id == family_id).order_by(Carer.given_name, Carer.id)
    )
    return tuple(_editable("carer", carer) for carer in carers)


@requires(Permission.EDIT_RECORD)
def edit_child(
    session: Session,
    actor: Actor,
    child_id: uuid.UUID,
    *,
    base: Mapping[str, Any],
    changes: Mapping[str, Any],
    today: dt.date,
    confirm_possible_duplicate: bool = False,
) -> EditSaved:
    """Save changes to the child's details (names, NHS number, birth details).

    ``base`` is what the user saw, with ``version``; ``gestation`` is a
    ``Gestation``. Not the birth weight (a measurement) nor allocation.
    """
    return _edit(
        session,
        actor,
        "child",
        child_id,
        base,
        changes,
        today=today,
        confirm_possible_duplicate=confirm_possible_duplicate,
    )


@requires(Permission.EDIT_RECORD)
def edit_family(
    session: Session,
    actor: Actor,
    family_id: uuid.UUID,
    *,
    base: Mapping[str, Any],
    changes: Mapping[str, Any],
    today: dt.date,
) -> EditSaved:
    """Save changes to the family's name, address, language and GP practice."""
    return _edit(session, actor, "family", family_id, base, changes, today=today)


@requires(Permission.EDIT_RECORD)
def edit_carer(
    session: Session,
    actor: Actor,
    carer_id: uuid.UUID,
    *,
    base: Mapping[str, Any],
    changes: Mapping[str, Any],
    today: dt.date,
) -> EditSaved:
    """Save changes to a carer's name, relationship, date of birth, phone, smoking."""
    return _edit(session, actor, "carer", carer_id, base, changes, today=today)


@requires(Permission.EDIT_RECORD)
def resolve_conflict(
    session: Session,
    actor: Actor,
    conflict: EditConflictError,
    choices: Mapping[str, Choice],
    *,
    today: dt.date,
    confirm_possible_duplicate: bool = False,
) -> EditSaved:
    """Save the user's choice for each disputed field against the colleague's version.

    Everything else the user typed is saved too; what the colleague changed
    and the user did not stays the colleague's. If someone saved again in the
    meantime, the merge runs again (and may raise a new ``EditConflictError``).
    """
    base, changes = resolution(conflict, choices)
    if not isinstance(conflict.record_id, uuid.UUID) or conflict.kind not in FIELDS:
        raise ValueError("not a record edit's conflict")
    return _edit(
        session,
        actor,
        conflict.kind,
        conflict.record_id,
        base,
        changes,
        today=today,
        confirm_possible_duplicate=confirm_possible_duplicate,
    )
