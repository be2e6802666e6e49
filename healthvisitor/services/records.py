"""Families, carers and children: creating the records a caseload is made of.

Every value is checked by ``healthvisitor.domain.validation`` and every
problem is reported at once (``ValidationError`` with one entry per field),
so a form can show them all next to their fields and keep what was typed.
A child is never registered twice: the same NHS number is refused outright;
the same name and date of birth in the same family asks the user to confirm
(twins are real, but so are double entries).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from healthvisitor.domain.enums import (
    CarerRelationship,
    MeasurementKind,
    RecordStatus,
    Sex,
    SmokingStatus,
)
from healthvisitor.domain.growth import GrowthResult, assess_measurement
from healthvisitor.domain.validation import (
    Gestation,
    check_birth_weight,
    check_date_of_birth,
    check_gestation,
    clean_nhs_number,
    format_nhs_number,
)
from healthvisitor.errors import (
    DuplicateError,
    FieldProblem,
    NotFoundError,
    PossibleDuplicateError,
    ValidationError,
)
from healthvisitor.persistence.models import Carer, Child, Family, Measurement, User
from healthvisitor.services.access import (
    require_clinical,
    require_may_change_family,
    require_team,
)
from healthvisitor.services.actor import Actor
from healthvisitor.services.audit import record_event
from healthvisitor.services.policy import Permission, requires


@dataclass(frozen=True)
class FamilyDetails:
    family_name: str
    address_line_1: str = ""
    address_line_2: str = ""
    town: str = ""
    postcode: str = ""
    main_language: str = "English"
    interpreter_needed: bool = False
    gp_practice: str = ""


@dataclass(frozen=True)
class CarerDetails:
    given_name: str
    family_name: str
    relationship_to_child: CarerRelationship
    date_of_birth: dt.date | None = None
    phone: str = ""
    smoking_status: SmokingStatus = SmokingStatus.NOT_KNOWN


@dataclass(frozen=True)
class ChildDetails:
    nhs_number: str
    given_name: str
    family_name: str
    date_of_birth: dt.date
    sex: Sex
    gestation_weeks: int
    gestation_days: int
    birth_weight_kg: float | None
    family_id: uuid.UUID
    health_visitor_id: uuid.UUID | None = None
    place_of_birth: str = ""


@dataclass(frozen=True)
class ChildSummary:
    id: uuid.UUID
    nhs_number: str
    name: str
    date_of_birth: dt.date
    family_id: uuid.UUID


@dataclass(frozen=True)
class CarerSummary:
    id: uuid.UUID
    name: str
    relationship: CarerRelationship

    @property
    def described(self) -> str:
        return f"{self.name} ({self.relationship.label.lower()})"


@dataclass(frozen=True)
class FamilySummary:
    """A family as a chooser lists it: name, where they live, who cares for the children."""

    id: uuid.UUID
    family_name: str
    address: str
    postcode: str
    carers: tuple[CarerSummary, ...]
    children: int

    @property
    def described(self) -> str:
        where = ", ".join(part for part in (self.address, self.postcode) if part)
        return f"{self.family_name}, {where}" if where else self.family_name


#: A chooser shows at most this many families; the user types more to narrow it.
FAMILY_CHOICES = 30


@requires(Permission.VIEW_RECORD)
def find_families(
    session: Session, actor: Actor, text: str, *, limit: int = FAMILY_CHOICES
) -> list[FamilySummary]:
    """The team's families whose name or postcode starts with ``text``, by name.

    Three queries whatever the number found: the families, their carers and
    their children counted. Fewer than two characters finds nothing.
    """
    team_id = require_clinical(actor)
    typed = " ".join(text.split()).lower()
    if len(typed) < 2:
        return []
    compact = typed.replace(" ", "").upper()
    families = session.scalars(
        select(Family)
        .where(
            Family.team_id == team_id,
            func.lower(Family.family_name).startswith(typed, autoescape=True)
            | func.replace(Family.postcode, " ", "").startswith(compact, autoescape=True),
        )
        .order_by(Family.family_name, Family.postcode, Family.id)
        .limit(limit)
    ).all()
    return _summaries(session, families)


def _summaries(session: Session, families: Sequence[Family]) -> list[FamilySummary]:
    """The families as summaries: two queries (carers, children counted) for all of them."""
    if not families:
        return []
    ids = [family.id for family in families]
    carers: dict[uuid.UUID, list[CarerSummary]] = {}
    for carer in session.scalars(
        select(Carer).where(Carer.family_id.in_(ids)).order_by(Carer.given_name)
    ):
        carers.setdefault(carer.family_id, []).append(
            CarerSummary(
                carer.id, f"{carer.given_name} {carer.family_name}", carer.relationship_to_child
            )
        )
    children: dict[uuid.UUID, int] = {
        row.family_id: row.children
        for row in session.execute(
            select(Child.family_id, func.count(Child.id).label("children"))
            .where(Child.family_id.in_(ids))
            .group_by(Child.family_id)
        )
    }
    return [
        FamilySummary(
            id=family.id,
            family_name=family.family_name,
            address=", ".join(part for part in (family.address_line_1, family.town) if part),
            postcode=family.postcode,
            carers=tuple(carers.get(family.id, [])),
            children=children.get(family.id, 0),
        )
        for family in families
    ]


@requires(Permission.VIEW_RECORD)
def family_summary(session: Session, actor: Actor, family_id: uuid.UUID) -> FamilySummary:
    """One family of the actor's team, as ``find_families`` lists it."""
    family = team_family(session, actor, family_id)
    return _summaries(session, [family])[0]


def _gather(problems: list[FieldProblem], check: Callable[[], object]) -> None:
    try:
        check()
    except ValidationError as error:
        problems.extend(error.problems)


def _required(problems: list[FieldProblem], field: str, value: str, label: str) -> None:
    if not value.strip():
        problems.append(FieldProblem(field, f"Enter the {label}."))


def _normalise_postcode(postcode: str) -> str:
    compact = "".join(postcode.split()).upper()
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact


def saved_family(session: Session, key: uuid.UUID) -> uuid.UUID | None:
    """The family registered with idempotency ``key`` (issue 9), if any."""
    return session.scalar(select(Family.id).where(Family.idempotency_key == key))


def saved_carer(session: Session, key: uuid.UUID) -> uuid.UUID | None:
    """The carer added with idempotency ``key`` (issue 9), if any."""
    return session.scalar(select(Carer.id).where(Carer.idempotency_key == key))


@requires(Permission.REGISTER)
def create_family(
    session: Session,
    actor: Actor,
    details: FamilyDetails,
    *,
    idempotency_key: uuid.UUID | None = None,
) -> uuid.UUID:
    team_id = require_clinical(actor)
    problems: list[FieldProblem] = []
    _required(problems, "family_name", details.family_name, "family name")
    if problems:
        raise ValidationError(problems)
    family = Family(
        team_id=team_id,
        idempotency_key=idempotency_key,
        family_name=details.family_name.strip(),
        address_line_1=details.address_line_1.strip(),
        address_line_2=details.address_line_2.strip(),
        town=details.town.strip(),
        postcode=_normalise_postcode(details.postcode),
        main_language=details.main_language.strip() or "English",
        interpreter_needed=details.interpreter_needed,
        gp_practice=details.gp_practice.strip(),
    )
    session.add(family)
    session.flush()
    record_event(session, actor, "create", "family", family.id)
    return family.id


def carer_problems(details: CarerDetails, *, today: dt.date) -> list[FieldProblem]:
    """Every problem with a carer's details, each named by its field."""
    problems: list[FieldProblem] = []
    _required(problems, "given_name", details.given_name, "carer's first name")
    _required(problems, "family_name", details.family_name, "carer's family name")
    if details.date_of_birth is not None and details.date_of_birth > today:
        problems.append(
            FieldProblem("date_of_birth", "The carer's date of birth is in the future.")
        )
    return problems


@requires(Permission.REGISTER)
def create_family_with_carer(
    session: Session,
    actor: Actor,
    details: FamilyDetails,
    first_carer: CarerDetails | None,
    *,
    today: dt.date,
    idempotency_key: uuid.UUID | None = None,
) -> FamilySummary:
    """A new family and its first carer (the "New family" form), checked together.

    The carer's problems are named ``carer_<field>`` so a form with both can
    put each beside the right field. Saved again with the form's
    ``idempotency_key`` (a retry after a dropped connection), the family
    registered the first time is returned and nothing is written (issue 9).
    """
    require_clinical(actor)
    earlier = saved_family(session, idempotency_key) if idempotency_key else None
    if earlier is not None:
        return family_summary(session, actor, earlier)
    problems: list[FieldProblem] = []
    _required(problems, "family_name", details.family_name, "family name")
    if first_carer is not None:
        problems += [
            FieldProblem(f"carer_{p.field}", p.message)
            for p in carer_problems(first_carer, today=today)
        ]
    if problems:
        raise ValidationError(problems)
    family_id = create_family(session, actor, details, idempotency_key=idempotency_key)
    if first_carer is not None:
        add_carer(session, actor, family_id, first_carer, today=today)
    return family_summary(session, actor, family_id)


@requires(Permission.EDIT_RECORD)
def add_carer(
    session: Session,
    actor: Actor,
    family_id: uuid.UUID,
    details: CarerDetails,
    *,
    today: dt.date,
    idempotency_key: uuid.UUID | None = None,
) -> uuid.UUID:
    """A carer joins a family; saved again with the same ``idempotency_key``, the
    carer added the first time is returned and nothing is written (issue 9)."""
    family = team_family(session, actor, family_id)
    earlier = saved_carer(session, idempotency_key) if idempotency_key else None
    if earlier is not None:
        return earlier
    # Issue 8: a colleague's family is read-only (services/access.py).
    require_may_change_family(session, actor, family, today=today)
    problems = carer_problems(details, today=today)
    if problems:
        raise ValidationError(problems)
    carer = Carer(
        family_id=family.id,
        idempotency_key=idempotency_key,
        given_name=details.given_name.strip(),
        family_name=details.family_name.strip(),
        relationship_to_child=details.relationship_to_child,
        date_of_birth=details.date_of_birth,
        phone=details.phone.strip(),
        smoking_status=details.smoking_status,
    )
    session.add(carer)
    session.flush()
    record_event(session, actor, "create", "carer", carer.id, family_id=str(family.id))
    return carer.id


@requires(Permission.VIEW_RECORD)
def team_family(session: Session, actor: Actor, family_id: uuid.UUID) -> Family:
    """The family, if it belongs to the actor's team (NotFoundError, PermissionDeniedError)."""
    family = session.get(Family, family_id)
    if family is None:
        raise NotFoundError("That family is not on record.")
    require_team(actor, family.team_id)
    return family


def validate_child(details: ChildDetails, *, today: dt.date) -> str:
    """Check every field of a new child; return the cleaned NHS number."""
    problems: list[FieldProblem] = []
    nhs: list[str] = []
    _gather(problems, lambda: nhs.append(clean_nhs_number(details.nhs_number)))
    _required(problems, "given_name", details.given_name, "child's first name")
    _required(problems, "family_name", details.family_name, "child's family name")
    _gather(problems, lambda: check_date_of_birth(details.date_of_birth, today))
    _gather(problems, lambda: check_gestation(details.gestation_weeks, details.gestation_days))
    if details.birth_weight_kg is not None:
        weight = details.birth_weight_kg
        _gather(problems, lambda: check_birth_weight(weight))
    if problems:
        raise ValidationError(problems)
    return nhs[0]


def _birth_weight(details: ChildDetails) -> GrowthResult | None:
    """The birth weight on the UK-WHO chart (its centile anchors NICE NG75's rules)."""
    if details.birth_weight_kg is None:
        return None
    try:
        return assess_measurement(
            MeasurementKind.WEIGHT,
            details.birth_weight_kg,
            sex=details.sex,
            date_of_birth=details.date_of_birth,
            gestation=Gestation(details.gestation_weeks, details.gestation_days),
            measured_on=details.date_of_birth,
        )
    except ValidationError as error:
        raise ValidationError(
            [FieldProblem("birth_weight_kg", problem.message) for problem in error.problems]
        ) from error


def birth_measurement(
    child_id: uuid.UUID, birth_weight: GrowthResult, *, recorded_by_id: uuid.UUID
) -> Measurement:
    """The birth weight as a weight measurement on the date of birth.

    NICE NG75's rules read the birth weight and its centile from here
    (``services.growth_alerts``), so every route that creates a child with a
    birth weight (the form, an import) stores it this way.
    """
    return Measurement(
        child_id=child_id,
        kind=MeasurementKind.WEIGHT,
        value=birth_weight.value,
        measured_on=birth_weight.measured_on,
        recorded_by_id=recorded_by_id,
        sds=birth_weight.sds,
        centile=birth_weight.centile,
        age_used=birth_weight.age_used,
        decimal_age=birth_weight.decimal_age,
        growth_reference=birth_weight.reference,
    )


@requires(Permission.REGISTER)
def register_child(
    session: Session,
    actor: Actor,
    details: ChildDetails,
    *,
    today: dt.date,
    confirm_possible_duplicate: bool = False,
) -> ChildSummary:
    """Add a child to a family, after validation and the duplicate checks."""
    family = team_family(session, actor, details.family_id)
    nhs_number = validate_child(details, today=today)
    birth_weight = _birth_weight(details)
    if details.health_visitor_id is not None:
        visitor = session.get(User, details.health_visitor_id)
        if visitor is None or visitor.team_id != family.team_id or not visitor.active:
            raise ValidationError("Choose a health visitor from this team.", "health_visitor_id")
    existing = session.scalars(select(Child).where(Child.nhs_number == nhs_number)).first()
    if existing is not None and existing.team_id != family.team_id:
        # Another team's child: say only that the number is known, never whose it is.
        record_event(session, actor, "duplicate_nhs_number_other_team", "child", existing.id)
        raise DuplicateError(
            f"NHS number {format_nhs_number(nhs_number)} is already on record in another "
            "team of the trust, so the child cannot be registered again. Ask your team lead "
            "to arrange a transfer from the other team: that team's lead transfers the child, "
            "with their record, to your team."
        )
    if existing is not None:
        raise DuplicateError(
            f"A child with NHS number {format_nhs_number(nhs_number)} is already on record "
            f"({existing.given_name} {existing.family_name}, born "
            f"{existing.date_of_birth:%d %b %Y}). Open that record instead."
        )
    if not confirm_possible_duplicate:
        twin = session.scalars(
            select(Child).where(
                Child.family_id == family.id,
                Child.date_of_birth == details.date_of_birth,
                func.lower(Child.given_name) == details.given_name.strip().lower(),
                func.lower(Child.family_name) == details.family_name.strip().lower(),
            )
        ).first()
        if twin is not None:
            raise PossibleDuplicateError(
                f"This family already has a {twin.given_name} {twin.family_name} born "
                f"{twin.date_of_birth:%d %b %Y} (NHS {format_nhs_number(twin.nhs_number)}). "
                "Is this a different child? Confirm to add them anyway.",
                twin.id,
            )
    child = Child(
        nhs_number=nhs_number,
        given_name=details.given_name.strip(),
        family_name=details.family_name.strip(),
        date_of_birth=details.date_of_birth,
        sex=details.sex,
        gestation_weeks=details.gestation_weeks,
        gestation_days=details.gestation_days,
        birth_weight_kg=details.birth_weight_kg,
        place_of_birth=details.place_of_birth.strip(),
        family_id=family.id,
        team_id=family.team_id,
        health_visitor_id=details.health_visitor_id,
        record_status=RecordStatus.ACTIVE,
    )
    session.add(child)
    session.flush()
    if birth_weight is not None:
        session.add(birth_measurement(child.id, birth_weight, recorded_by_id=actor.user_id))
    record_event(
        session,
        actor,
        "create",
        "child",
        child.id,
        confirmed_possible_duplicate=confirm_possible_duplicate,
    )
    return ChildSummary(
        child.id,
        child.nhs_number,
        f"{child.given_name} {child.family_name}",
        child.date_of_birth,
        family.id,
    )
