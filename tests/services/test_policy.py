"""The policy table (issue 8): every service function declares what it needs, and
every role is held to the table through the real services.

* Every public function of ``healthvisitor.services`` that takes an ``actor``
  declares a permission (``@requires``) or says why it needs none.
* Every role against every service operation, on the actor's own caseload,
  their own team and another team: allowed or refused exactly as
  ``policy.POLICY`` says (SQLite; each attempt is rolled back).
* Another team's child is out of reach by id, search, report, export and a
  direct service call, and the Workspace (the window's gateway) goes through
  the same checks.
* docs/access-control.md shows the table as it is.
"""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
import enum
import importlib
import inspect
import json
import pkgutil
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, make_url, select
from sqlalchemy.orm import Session, sessionmaker

import healthvisitor.services
from healthvisitor import interchange
from healthvisitor.config import DatabaseChoice
from healthvisitor.domain.enums import (
    CarerRelationship,
    ContactKind,
    ContactLocation,
    ContactOutcome,
    NewbornScreeningResult,
    NewbornScreeningTest,
    PregnancyOutcome,
    RecordStatus,
    ReferralConsent,
    ReferralStatus,
    Role,
    Sex,
)
from healthvisitor.domain.metrics import Quarter
from healthvisitor.errors import (
    EditConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from healthvisitor.persistence.database import create_database_engine
from healthvisitor.persistence.models import (
    AuditEvent,
    Family,
    ReferralPrompt,
    ReferralType,
    Team,
    User,
)
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services import (
    access_report,
    accounts,
    allocation,
    break_glass,  # break-glass (issue 8)
    caseload,
    child_record,
    contacts,
    life_events,
    metrics,
    policy,
    pregnancies,
    printing,
    record_edits,
    records,
    referrals,
    screening,
    search,
    team_board,
    team_transfer,
)
from healthvisitor.services.actor import Actor, actor_for
from healthvisitor.services.policy import Permission, Reach
from healthvisitor.services.workspace import Workspace
from tests import factories

TODAY = dt.date(2026, 11, 24)
NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)
BORN = dt.date(2026, 9, 1)
EDD = TODAY + dt.timedelta(days=60)
QUARTER = Quarter.parse("2026-27Q2")
#: Long, not common, and not like any user name (the new-password rules).
NEW_PASSWORD = "plum kettle orbit seventeen"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "access-control.md"


def _actor_functions() -> Iterator[tuple[str, Callable[..., object]]]:
    """Every public function and method of ``healthvisitor.services`` taking an ``actor``.

    ``access`` and ``policy`` are the checks themselves, not operations.
    """
    for found in pkgutil.iter_modules(healthvisitor.services.__path__):
        if found.name in ("access", "policy"):
            continue
        module = importlib.import_module(f"healthvisitor.services.{found.name}")
        for name, value in vars(module).items():
            if name.startswith("_") or getattr(value, "__module__", None) != module.__name__:
                continue
            candidates: list[tuple[str, object]] = [(name, value)]
            if inspect.isclass(value):
                candidates = [
                    (f"{name}.{attribute}", member)
                    for attribute, member in vars(value).items()
                    if not attribute.startswith("_")
                ]
            for qualname, function in candidates:
                if (
                    inspect.isfunction(function)
                    and "actor" in inspect.signature(function).parameters
                ):
                    yield f"{found.name}.{qualname}", function


SERVICE_FUNCTIONS = dict(_actor_functions())


# --- (a) Nothing undeclared ----------------------------------------------------------


def test_every_public_service_function_taking_an_actor_declares_its_permission() -> None:
    undeclared = [
        name
        for name, function in SERVICE_FUNCTIONS.items()
        if policy.permission_of(function) is None and policy.exemption_of(function) is None
    ]
    assert undeclared == [], (
        "These service functions take an actor but declare no permission: add "
        "@requires(Permission.…) from healthvisitor.services.policy: " + ", ".join(undeclared)
    )
    # The walk finds what it should: not an empty pass.
    assert policy.permission_of(SERVICE_FUNCTIONS["child_record.child_record"]) is (
        Permission.VIEW_RECORD
    )
    assert len(SERVICE_FUNCTIONS) > 60


def test_the_decorator_refuses_by_role_before_the_function_runs() -> None:
    ran: list[Actor | None] = []

    @policy.requires(Permission.ALLOCATE)
    def reallocate(session: object, actor: Actor | None) -> str:
        ran.append(actor)
        return "done"

    hv = Actor(uuid.uuid4(), "jo", "Jo Bloggs", Role.HEALTH_VISITOR, uuid.uuid4())
    lead = dataclasses.replace(hv, role=Role.TEAM_LEAD)
    with pytest.raises(PermissionDeniedError) as refused:
        reallocate(None, hv)
    assert str(refused.value) == (
        "Only a team lead can share out the team's work: the team board, allocation, "
        "undo and cover."
    )
    assert reallocate(None, actor=lead) == "done"
    with pytest.raises(PermissionDeniedError, match="Sign in first"):
        reallocate(None, None)
    assert ran == [lead]
    assert policy.permission_of(reallocate) is Permission.ALLOCATE
    admin = dataclasses.replace(hv, role=Role.ADMINISTRATOR, team_id=None)
    with pytest.raises(PermissionDeniedError) as refused:
        reallocate(None, admin)
    assert str(refused.value) == (
        "Jo Bloggs is signed in as administrator, which gives no access to children's records."
    )


def test_a_function_without_an_actor_cannot_declare_a_permission() -> None:
    with pytest.raises(TypeError, match="no 'actor'"):

        @policy.requires(Permission.PRINT)
        def nobody(session: object) -> None: ...


def test_the_table_keeps_administrators_out_of_childrens_records() -> None:
    assert not any(p.is_clinical for p in policy.POLICY[Role.ADMINISTRATOR])
    assert set(policy.POLICY[Role.HEALTH_VISITOR]) < set(policy.POLICY[Role.TEAM_LEAD])
    for role, grants in policy.POLICY.items():
        for permission, reach in grants.items():
            if permission.is_clinical:
                assert reach < Reach.EVERY_TEAM, (role, permission, "another team's records")


# --- The world every operation is tried in -------------------------------------------


class Place(enum.Enum):
    """Where the record tried is, seen from the actor; the reach it takes."""

    OWN_CASELOAD = Reach.OWN_CASELOAD
    OWN_TEAM = Reach.OWN_TEAM
    OTHER_TEAM = Reach.EVERY_TEAM


@dataclasses.dataclass(frozen=True)
class Holding:
    """What one health visitor holds, each thing a way in to try."""

    user_id: uuid.UUID
    username: str
    partner_id: uuid.UUID  # another member of the same team (cover, allocation)
    team_id: uuid.UUID
    team_name: str
    family_id: uuid.UUID
    family_name: str
    mother_id: uuid.UUID
    aunt_id: uuid.UUID  # a carer with no pregnancy (to register one)
    child_id: uuid.UUID
    nhs_number: str
    pregnancy_id: uuid.UUID
    quiet_contact_id: uuid.UUID  # a completed contact, saved with an idempotency key
    quiet_contact_key: uuid.UUID
    prompt_contact_id: uuid.UUID  # its "was not brought" prompt is still to decide
    discussion_id: uuid.UUID  # a safeguarding discussion asked of the team lead
    referral_id: uuid.UUID  # a draft, consent given
    batch_id: uuid.UUID  # an allocation that can still be undone
    cover_id: uuid.UUID  # cover for this health visitor, arranged for later


@dataclasses.dataclass(frozen=True)
class World:
    engine: Engine
    actors: dict[Role, Actor]
    holdings: dict[str, Holding]
    east_id: uuid.UUID  # a third team, to transfer to
    type_id: uuid.UUID  # a referral type
    data_dir: Path

    def target(self, role: Role, place: Place) -> Holding:
        """The actor's own caseload, a colleague's, or another team's health visitor's.

        An administrator has neither caseload nor team: their "own" places are
        the first team's, which their role does not make theirs.
        """
        own = {Role.HEALTH_VISITOR: "hv", Role.TEAM_LEAD: "lead", Role.ADMINISTRATOR: "hv"}
        colleague = {Role.HEALTH_VISITOR: "colleague", Role.TEAM_LEAD: "hv"}
        key = {
            Place.OWN_CASELOAD: own[role],
            Place.OWN_TEAM: colleague.get(role, "colleague"),
            Place.OTHER_TEAM: "south",
        }[place]
        return self.holdings[key]


def _contact_entry(actor: Actor, child_id: uuid.UUID, **changes: Any) -> contacts.ContactEntry:
    entry = contacts.ContactEntry(
        kind=ContactKind.OTHER,
        contact_date=TODAY - dt.timedelta(days=1),
        location=ContactLocation.HOME,
        outcome=ContactOutcome.COMPLETED,
        delivered_by_id=actor.user_id,
        accountable_health_visitor_id=actor.user_id,
        child_id=child_id,
    )
    return dataclasses.replace(entry, **changes)


def _not_brought_twice(session: Session, actor: Actor, child_id: uuid.UUID) -> uuid.UUID:
    """Two new birth visits not brought: the second raises a "was not brought" prompt."""
    for day in (dt.date(2026, 9, 11), dt.date(2026, 9, 14)):
        entry = _contact_entry(
            actor,
            child_id,
            kind=ContactKind.NEW_BIRTH_VISIT,
            contact_date=day,
            outcome=ContactOutcome.NOT_ATTENDED,
        )
        contact_id = contacts.record_contact(session, actor, entry, today=TODAY).contact_id
        referrals.raise_prompts(session, actor, contact_id, today=TODAY)
    return contact_id


def _hold(
    session: Session,
    holder: Actor,
    partner: Actor,
    lead: Actor,
    family_name: str,
    cover_from: int,
    type_id: uuid.UUID,
) -> Holding:
    """Give ``holder`` one of everything, through the services as the team would."""
    family_id = records.create_family(session, holder, records.FamilyDetails(family_name))
    carer = records.CarerDetails("Sara", family_name, CarerRelationship.MOTHER)
    mother_id = records.add_carer(session, holder, family_id, carer, today=TODAY)
    aunt = records.CarerDetails("Ruth", family_name, CarerRelationship.OTHER)
    aunt_id = records.add_carer(session, holder, family_id, aunt, today=TODAY)
    family = session.get_one(Family, family_id)
    holder_user = session.get_one(User, holder.user_id)
    child = factories.child(session, family, holder_user, date_of_birth=BORN, given_name="Amal")
    sibling = factories.child(session, family, holder_user, date_of_birth=BORN, given_name="Noor")
    pregnancy = life_events.register_pregnancy(
        session, holder, family_id, mother_id, EDD, health_visitor_id=holder.user_id, today=TODAY
    )
    key = uuid.uuid4()
    quiet = contacts.record_contact(
        session, holder, _contact_entry(holder, child.id, idempotency_key=key), today=TODAY
    )
    prompt_contact_id = _not_brought_twice(session, holder, child.id)
    asked = _not_brought_twice(session, holder, sibling.id)
    referrals.accept_prompt(session, holder, asked, "was_not_brought", today=TODAY)
    discussion_id = session.scalars(
        select(ReferralPrompt.id).where(ReferralPrompt.contact_id == asked)
    ).one()
    referral_id = referrals.make_referral(
        session,
        holder,
        referrals.NewReferral(
            referral_type_id=type_id,
            reason="Housing worries.",
            made_on=dt.date(2026, 11, 1),
            child_id=child.id,
            consent=ReferralConsent.GIVEN,
        ),
        today=TODAY,
    )
    newcomer = factories.child(session, factories.family(session, _team(session, holder), "New"))
    batch = allocation.allocate(
        session, lead, [newcomer.id], holder.user_id, reason="New birth", today=TODAY
    )
    cover = allocation.arrange_cover(
        session,
        lead,
        holder.user_id,
        partner.user_id,
        start=TODAY + dt.timedelta(days=cover_from),
        end=TODAY + dt.timedelta(days=cover_from + 4),
        reason="Annual leave",
        today=TODAY,
    )
    team = _team(session, holder)
    return Holding(
        user_id=holder.user_id,
        username=holder.username,
        partner_id=partner.user_id,
        team_id=team.id,
        team_name=team.name,
        family_id=family_id,
        family_name=family_name,
        mother_id=mother_id,
        aunt_id=aunt_id,
        child_id=child.id,
        nhs_number=child.nhs_number,
        pregnancy_id=pregnancy.id,
        quiet_contact_id=quiet.contact_id,
        quiet_contact_key=key,
        prompt_contact_id=prompt_contact_id,
        discussion_id=discussion_id,
        referral_id=referral_id,
        batch_id=batch.batch_id,
        cover_id=cover.cover_id,
    )


def _team(session: Session, actor: Actor) -> Team:
    assert actor.team_id is not None
    return session.get_one(Team, actor.team_id)


@pytest.fixture(scope="module")
def _world(_sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """Two teams, each member holding one of everything; built once, every attempt rolled back."""
    folder = tmp_path_factory.mktemp("policy")
    shutil.copy(_sqlite_template, folder / "healthvisitor.db")
    engine = create_database_engine(f"sqlite:///{folder / 'healthvisitor.db'}")
    with pytest.MonkeyPatch.context() as patch, unit_of_work(engine) as session:
        # The audit chain's key file goes in the data folder (persistence/audit_key.py).
        patch.setenv("HEALTHVISITOR_DATA_DIR", str(folder / "data"))
        north, south = factories.team(session, "North"), factories.team(session, "South")
        east = factories.team(session, "East")

        def member(team: Team | None, role: Role = Role.HEALTH_VISITOR) -> Actor:
            return factories.actor(factories.user(session, team, role))

        hv, colleague, lead = member(north), member(north), member(north, Role.TEAM_LEAD)
        south_hv, south_lead = member(south), member(south, Role.TEAM_LEAD)
        admin = member(None, Role.ADMINISTRATOR)
        type_id = session.scalars(
            select(ReferralType.id).where(ReferralType.code == "early_help")
        ).one()
        holdings = {
            "hv": _hold(session, hv, colleague, lead, "Adeyemi", 30, type_id),
            "colleague": _hold(session, colleague, hv, lead, "Brennan", 40, type_id),
            "lead": _hold(session, lead, hv, lead, "Carter", 50, type_id),
            "south": _hold(session, south_hv, south_lead, south_lead, "Dlamini", 30, type_id),
        }
    actors = {Role.HEALTH_VISITOR: hv, Role.TEAM_LEAD: lead, Role.ADMINISTRATOR: admin}
    yield World(engine, actors, holdings, east.id, type_id, folder / "data")
    engine.dispose()


@pytest.fixture
def world(_world: World, monkeypatch: pytest.MonkeyPatch) -> World:
    """The module's world, with its data folder (the audit key) in place for this test."""
    monkeypatch.setenv("HEALTHVISITOR_DATA_DIR", str(_world.data_dir))
    return _world


# --- (b) Every role, every operation, every place ------------------------------------

Run = Callable[[Session, World, Actor, Holding], Any]


@dataclasses.dataclass(frozen=True)
class Operation:
    """One thing a user does through a service, and how to try it on a record."""

    function: str  # "module.function", as in SERVICE_FUNCTIONS (or interchange's)
    needs: tuple[Permission, ...]  # any one of them, within its reach, allows it
    run: Run
    what: str = ""  # which use of the function, where one function has several
    #: Whether it is aimed at a record (a child, family, caseload, team): else it
    #: works on the actor's own team or on nothing that belongs to a team.
    aimed: bool = True
    #: The answer, where refusing is answering without the record (a search).
    reached: Callable[[Any, Holding], bool] | None = None
    #: What refusing the record looks like besides PermissionDeniedError.
    refusals: tuple[type[Exception], ...] = ()
    #: Raised after the permission check when allowed (an empty import file).
    allowed_raises: tuple[type[Exception], ...] = ()

    @property
    def name(self) -> str:
        return f"{self.function} ({self.what})" if self.what else self.function


def _baby(seed: int, family_name: str, **changes: Any) -> life_events.BabyDetails:
    baby = life_events.BabyDetails(
        nhs_number=factories.nhs_number(8000 + seed),
        given_name="Kit",
        family_name=family_name,
        date_of_birth=TODAY - dt.timedelta(days=1),
        sex=Sex.MALE,
        gestation_weeks=31,
        gestation_days=3,
        birth_weight_kg=1.6,
    )
    return dataclasses.replace(baby, **changes)


def _to(w: World, a: Actor, t: Holding) -> uuid.UUID:
    """Whom to allocate the target's child to: someone in the actor's own team, so that
    another team's child is refused for being another team's, not for the name chosen."""
    if a.team_id in (None, t.team_id):
        return t.partner_id
    return w.holdings["hv"].user_id


def _closed_then_reopened(s: Session, w: World, a: Actor, t: Holding) -> Any:
    life_events.change_record_status(
        s, a, t.child_id, RecordStatus.MOVED_AWAY, effective_date=TODAY, detail="Leeds", today=TODAY
    )
    return life_events.reopen_record(
        s, a, t.child_id, effective_date=TODAY, detail="Came back", today=TODAY
    )


def _figures(scope: metrics.MetricScope) -> Run:
    def run(s: Session, w: World, a: Actor, t: Holding) -> Any:
        if scope is metrics.MetricScope.HEALTH_VISITOR:
            return metrics.quarter_metrics(
                s, a, QUARTER, today=TODAY, scope=scope, health_visitor_id=t.user_id
            )
        return metrics.quarter_metrics(s, a, QUARTER, today=TODAY, scope=scope, team_id=t.team_id)

    return run


# --- break-glass (issue 8): tests/services/test_break_glass.py tries the rest ---
BREAK_GLASS_REASON = "Seen in our clinic today; checking her immunisations"


def _break_glass_then_read(s: Session, w: World, a: Actor, t: Holding) -> Any:
    """Break the glass on the target's child, then read the record under it: another
    team's child by the grant, the actor's own team's the usual way (no grant)."""
    break_glass.break_glass(s, a, t.nhs_number, BREAK_GLASS_REASON, now=NOW)
    return break_glass.break_glass_record(s, a, t.child_id, now=NOW, today=TODAY)


def _break_glass_reviewed(s: Session, w: World, a: Actor, t: Holding) -> Any:
    """Someone of another team breaks the glass on the target's child; the actor reviews it."""
    north = w.actors[Role.HEALTH_VISITOR]
    breaker = north if t.team_id != north.team_id else actor_for(s, w.holdings["south"].username)
    grant = break_glass.break_glass(s, breaker, t.nhs_number, BREAK_GLASS_REASON, now=NOW)
    assert isinstance(grant, break_glass.BreakGlassGrant)
    return break_glass.mark_break_glass_reviewed(s, a, grant.id, now=NOW)


# --- end of break-glass ---

P = Permission
TEAM_REPORTS = (P.VIEW_OWN_FIGURES, P.VIEW_TEAM_REPORTS)
OPERATIONS: tuple[Operation, ...] = (
    # Caseloads
    Operation(
        "caseload.team_health_visitors",
        (P.VIEW_CASELOAD,),
        lambda s, w, a, t: caseload.team_health_visitors(s, a),
        aimed=False,
    ),
    Operation(
        "caseload.caseload_owner",
        (P.VIEW_CASELOAD,),
        lambda s, w, a, t: caseload.caseload_owner(s, a, t.user_id),
    ),
    Operation(
        "caseload.caseload",
        (P.VIEW_CASELOAD,),
        lambda s, w, a, t: caseload.caseload(s, a, today=TODAY, health_visitor_id=t.user_id),
        reached=lambda rows, t: t.child_id in {row.child_id for row in rows},
    ),
    Operation(
        "pregnancies.pregnancy_caseload",
        (P.VIEW_CASELOAD,),
        lambda s, w, a, t: pregnancies.pregnancy_caseload(
            s, a, today=TODAY, health_visitor_id=t.user_id
        ),
    ),
    Operation(
        "referrals.follow_ups_due",
        (P.VIEW_CASELOAD,),
        lambda s, w, a, t: referrals.follow_ups_due(s, a, TODAY, health_visitor_id=t.user_id),
    ),
    # Finding and opening records
    Operation(
        "child_record.child_record",
        (P.VIEW_RECORD,),
        lambda s, w, a, t: child_record.child_record(s, a, t.child_id, today=TODAY),
    ),
    Operation(
        "allocation.allocation_history",
        (P.VIEW_RECORD,),
        lambda s, w, a, t: allocation.allocation_history(s, a, t.child_id),
    ),
    Operation(
        "records.find_families",
        (P.VIEW_RECORD,),
        lambda s, w, a, t: records.find_families(s, a, t.family_name),
        reached=lambda found, t: t.family_id in {f.id for f in found},
    ),
    Operation(
        "records.family_summary",
        (P.VIEW_RECORD,),
        lambda s, w, a, t: records.family_summary(s, a, t.family_id),
    ),
    Operation(
        "records.team_family",
        (P.VIEW_RECORD,),
        lambda s, w, a, t: records.team_family(s, a, t.family_id),
    ),
    Operation(
        "search.search_records",
        (P.VIEW_RECORD,),
        lambda s, w, a, t: search.search_records(s, a, t.nhs_number, today=TODAY),
        what="by NHS number",
        reached=lambda found, t: t.child_id in {row.child_id for row in found.rows},
    ),
    Operation(
        "search.search_records",
        (P.VIEW_RECORD,),
        lambda s, w, a, t: search.search_records(s, a, f"Amal {t.family_name}", today=TODAY),
        what="by name",
        reached=lambda found, t: t.child_id in {row.child_id for row in found.rows},
    ),
    Operation(
        "printing.find_child_by_nhs_number",
        (P.VIEW_RECORD,),
        lambda s, w, a, t: printing.find_child_by_nhs_number(s, a, t.nhs_number),
        reached=lambda found, t: found == t.child_id,
        refusals=(NotFoundError,),
    ),
    Operation(
        "screening.screening_and_immunisations",
        (P.VIEW_RECORD,),
        lambda s, w, a, t: screening.screening_and_immunisations(s, a, t.child_id, today=TODAY),
    ),
    Operation(
        "referrals.referral_subjects",
        (P.VIEW_RECORD,),
        lambda s, w, a, t: referrals.referral_subjects(s, a, t.child_id),
    ),
    Operation(
        "referrals.child_referrals",
        (P.VIEW_RECORD,),
        lambda s, w, a, t: referrals.child_referrals(s, a, t.child_id, today=TODAY),
    ),
    Operation(
        "referrals.referral",
        (P.VIEW_RECORD,),
        lambda s, w, a, t: referrals.referral(s, a, t.referral_id, today=TODAY),
    ),
    Operation(
        "referrals.pending_prompts",
        (P.VIEW_RECORD,),
        lambda s, w, a, t: referrals.pending_prompts(s, a, t.child_id, today=TODAY),
    ),
    Operation(
        "referrals.prompts_for_contact",
        (P.VIEW_RECORD,),
        lambda s, w, a, t: referrals.prompts_for_contact(s, a, t.prompt_contact_id, today=TODAY),
    ),
    Operation(
        "referrals.pregnancy_prompts",
        (P.VIEW_RECORD,),
        lambda s, w, a, t: referrals.pregnancy_prompts(s, a, t.pregnancy_id, today=TODAY),
    ),
    Operation(
        "referrals.pregnancy_referrals",
        (P.VIEW_RECORD,),
        lambda s, w, a, t: referrals.pregnancy_referrals(s, a, t.pregnancy_id, today=TODAY),
    ),
    Operation(
        "referrals.pregnancy_referral_subjects",
        (P.VIEW_RECORD,),
        lambda s, w, a, t: referrals.pregnancy_referral_subjects(s, a, t.pregnancy_id),
    ),
    Operation(
        "referrals.referral_types",
        (P.VIEW_REFERRAL_TYPES,),
        lambda s, w, a, t: referrals.referral_types(s, a),
        aimed=False,
    ),
    # Editing details after registration (issue 9, services/record_edits.py)
    Operation(
        "record_edits.editable_child",
        (P.VIEW_RECORD,),
        lambda s, w, a, t: record_edits.editable_child(s, a, t.child_id),
    ),
    Operation(
        "record_edits.editable_family",
        (P.VIEW_RECORD,),
        lambda s, w, a, t: record_edits.editable_family(s, a, t.family_id),
    ),
    Operation(
        "record_edits.editable_carers",
        (P.VIEW_RECORD,),
        lambda s, w, a, t: record_edits.editable_carers(s, a, t.family_id),
    ),
    Operation(
        "record_edits.edit_child",
        (P.EDIT_RECORD,),
        lambda s, w, a, t: record_edits.edit_child(
            s,
            a,
            t.child_id,
            base={"place_of_birth": "", "version": 1},
            changes={"place_of_birth": "Leeds General Infirmary"},
            today=TODAY,
        ),
        allowed_raises=(EditConflictError,),
    ),
    Operation(
        "record_edits.edit_family",
        (P.EDIT_RECORD,),
        lambda s, w, a, t: record_edits.edit_family(
            s,
            a,
            t.family_id,
            base={"gp_practice": "", "version": 1},
            changes={"gp_practice": "Chapeltown Health Centre"},
            today=TODAY,
        ),
        allowed_raises=(EditConflictError,),
    ),
    Operation(
        "record_edits.edit_carer",
        (P.EDIT_RECORD,),
        lambda s, w, a, t: record_edits.edit_carer(
            s,
            a,
            t.aunt_id,
            base={"phone": "", "version": 1},
            changes={"phone": "0113 496 0000"},
            today=TODAY,
        ),
        allowed_raises=(EditConflictError,),
    ),
    Operation(
        "record_edits.resolve_conflict",
        (P.EDIT_RECORD,),
        lambda s, w, a, t: record_edits.resolve_conflict(
            s,
            a,
            EditConflictError(
                kind="child",
                record_id=t.child_id,
                saved_version=1,
                saved_values={"place_of_birth": ""},
                changes={"place_of_birth": "Leeds General Infirmary"},
                fields=(),
            ),
            {},
            today=TODAY,
        ),
        allowed_raises=(EditConflictError,),
    ),
    # Changing records
    Operation(
        "records.create_family",
        (P.REGISTER,),
        lambda s, w, a, t: records.create_family(s, a, records.FamilyDetails("Evans")),
        aimed=False,
    ),
    Operation(
        "records.create_family_with_carer",
        (P.REGISTER,),
        lambda s, w, a, t: records.create_family_with_carer(
            s,
            a,
            records.FamilyDetails("Evans"),
            records.CarerDetails("Mo", "Evans", CarerRelationship.FATHER),
            today=TODAY,
        ),
        aimed=False,
    ),
    Operation(
        "records.add_carer",
        (P.EDIT_RECORD,),
        lambda s, w, a, t: records.add_carer(
            s,
            a,
            t.family_id,
            records.CarerDetails("Jo", t.family_name, CarerRelationship.FATHER),
            today=TODAY,
        ),
    ),
    Operation(
        "records.register_child",
        (P.REGISTER,),
        lambda s, w, a, t: records.register_child(
            s,
            a,
            _baby(1, t.family_name, date_of_birth=BORN, gestation_weeks=40).for_family(
                t.family_id, None
            ),
            today=TODAY,
            confirm_possible_duplicate=True,
        ),
    ),
    Operation(
        "life_events.register_pregnancy",
        (P.REGISTER,),
        lambda s, w, a, t: life_events.register_pregnancy(
            s, a, t.family_id, t.aunt_id, EDD, health_visitor_id=t.user_id, today=TODAY
        ),
    ),
    Operation(
        "life_events.record_pregnancy_outcome",
        (P.EDIT_RECORD,),
        lambda s, w, a, t: life_events.record_pregnancy_outcome(
            s, a, t.pregnancy_id, PregnancyOutcome.MOVED_AWAY, outcome_date=TODAY, today=TODAY
        ),
    ),
    Operation(
        "life_events.record_birth",
        (P.EDIT_RECORD,),
        lambda s, w, a, t: life_events.record_birth(
            s, a, t.pregnancy_id, _baby(2, t.family_name), today=TODAY
        ),
    ),
    Operation(
        "life_events.transfer_in",
        (P.REGISTER,),
        lambda s, w, a, t: life_events.transfer_in(
            s,
            a,
            life_events.TransferIn(
                baby=_baby(3, t.family_name, date_of_birth=BORN, gestation_weeks=40),
                from_area="Bradford 0-19 service",
                arrived_on=TODAY - dt.timedelta(days=3),
                family_id=t.family_id,
            ),
            today=TODAY,
            confirm_possible_duplicate=True,
        ),
    ),
    Operation(
        "life_events.change_record_status",
        (P.EDIT_RECORD,),
        lambda s, w, a, t: life_events.change_record_status(
            s,
            a,
            t.child_id,
            RecordStatus.MOVED_AWAY,
            effective_date=TODAY,
            detail="Leeds",
            today=TODAY,
        ),
    ),
    Operation("life_events.reopen_record", (P.EDIT_RECORD,), _closed_then_reopened),
    Operation(
        "screening.record_newborn_screening",
        (P.EDIT_RECORD,),
        lambda s, w, a, t: screening.record_newborn_screening(
            s,
            a,
            t.child_id,
            test=NewbornScreeningTest.BLOOD_SPOT,
            screened_on=BORN + dt.timedelta(days=5),
            result=NewbornScreeningResult.NO_FURTHER_ACTION,
            today=TODAY,
        ),
    ),
    Operation(
        "screening.record_immunisation",
        (P.EDIT_RECORD,),
        lambda s, w, a, t: screening.record_immunisation(
            s, a, t.child_id, vaccine="menb", dose=1, given_on=dt.date(2026, 10, 27), today=TODAY
        ),
    ),
    # Contacts
    Operation(
        "contacts.record_contact",
        (P.RECORD_CONTACT,),
        lambda s, w, a, t: contacts.record_contact(
            s, a, _contact_entry(a, t.child_id), today=TODAY
        ),
    ),
    Operation(
        "contacts.saved_contact",
        (P.RECORD_CONTACT,),
        lambda s, w, a, t: contacts.saved_contact(s, a, t.quiet_contact_key, today=TODAY),
        reached=lambda found, t: found is not None and found.contact_id == t.quiet_contact_id,
    ),
    Operation(
        "referrals.raise_prompts",
        (P.RECORD_CONTACT,),
        lambda s, w, a, t: referrals.raise_prompts(s, a, t.quiet_contact_id, today=TODAY),
    ),
    # Referrals
    Operation(
        "referrals.make_referral",
        (P.REFER,),
        lambda s, w, a, t: referrals.make_referral(
            s,
            a,
            referrals.NewReferral(
                referral_type_id=w.type_id,
                reason="Sleep.",
                made_on=TODAY,
                child_id=t.child_id,
                consent=ReferralConsent.GIVEN,
            ),
            today=TODAY,
        ),
    ),
    Operation(
        "referrals.record_consent",
        (P.REFER,),
        lambda s, w, a, t: referrals.record_consent(s, a, t.referral_id, ReferralConsent.REFUSED),
    ),
    Operation(
        "referrals.update_draft",
        (P.REFER,),
        lambda s, w, a, t: referrals.update_draft(
            s,
            a,
            t.referral_id,
            base={"reason": "", "sent_to": "", "tried_so_far": "", "version": 1},
            reason="Housing.",
            sent_to="Early help hub",
            tried_so_far="",
        ),
        allowed_raises=(EditConflictError,),
    ),
    Operation(
        "referrals.record_step",
        (P.REFER,),
        lambda s, w, a, t: referrals.record_step(
            s, a, t.referral_id, ReferralStatus.SENT, on=TODAY, today=TODAY
        ),
    ),
    Operation(
        "referrals.set_follow_up",
        (P.REFER,),
        lambda s, w, a, t: referrals.set_follow_up(
            s, a, t.referral_id, TODAY + dt.timedelta(days=14)
        ),
    ),
    Operation(
        "referrals.accept_prompt",
        (P.REFER,),
        lambda s, w, a, t: referrals.accept_prompt(
            s, a, t.prompt_contact_id, "was_not_brought", today=TODAY
        ),
    ),
    Operation(
        "referrals.decline_prompt",
        (P.REFER,),
        lambda s, w, a, t: referrals.decline_prompt(
            s, a, t.prompt_contact_id, "was_not_brought", reason="Seen at clinic", today=TODAY
        ),
    ),
    # Printing
    Operation(
        "printing.red_book_summary",
        (P.PRINT,),
        lambda s, w, a, t: printing.red_book_summary(s, a, t.child_id, today=TODAY),
    ),
    Operation(
        "printing.handover_report",
        (P.PRINT,),
        lambda s, w, a, t: printing.handover_report(s, a, t.user_id, today=TODAY),
    ),
    Operation(
        "referrals.referral_letter",
        (P.PRINT,),
        lambda s, w, a, t: referrals.referral_letter(s, a, t.referral_id, today=TODAY),
    ),
    # Export and import (healthvisitor.interchange checks these itself)
    Operation(
        "interchange.export_document",
        (P.EXPORT,),
        lambda s, w, a, t: interchange.export_document(s, a, team_id=t.team_id, exported_at=NOW),
    ),
    Operation(
        "interchange.import_document",
        (P.IMPORT,),
        lambda s, w, a, t: interchange.import_document(w.engine, a, {}, today=TODAY),
        aimed=False,
        allowed_raises=(interchange.ImportRejected,),
    ),
    # Figures
    Operation(
        "metrics.team_by_name",
        (P.VIEW_OWN_FIGURES,),
        lambda s, w, a, t: metrics.team_by_name(s, a, "North"),
        aimed=False,
    ),
    Operation(
        "metrics.quarter_metrics",
        TEAM_REPORTS,
        _figures(metrics.MetricScope.HEALTH_VISITOR),
        what="a health visitor's figures",
    ),
    Operation(
        "metrics.quarter_metrics",
        (P.VIEW_TEAM_REPORTS,),
        _figures(metrics.MetricScope.TEAM),
        what="a team's figures",
    ),
    Operation(
        "metrics.quarter_metrics",
        (P.VIEW_TEAM_REPORTS,),
        lambda s, w, a, t: metrics.quarter_metrics(
            s, a, QUARTER, today=TODAY, scope=metrics.MetricScope.SERVICE
        ),
        what="the whole service's figures",
        aimed=False,
    ),
    Operation(
        "metrics.metrics_history",
        TEAM_REPORTS,
        lambda s, w, a, t: metrics.metrics_history(
            s,
            a,
            QUARTER,
            today=TODAY,
            scope=metrics.MetricScope.HEALTH_VISITOR,
            health_visitor_id=t.user_id,
            quarters=2,
        ),
    ),
    Operation(
        "metrics.metric_exceptions",
        (P.VIEW_TEAM_REPORTS,),
        lambda s, w, a, t: metrics.metric_exceptions(
            s, a, QUARTER, min(metrics.WORKLIST_CODES), today=TODAY, team_id=t.team_id
        ),
    ),
    # The team lead's work
    Operation(
        "team_board.team_board",
        (P.ALLOCATE,),
        lambda s, w, a, t: team_board.team_board(s, a, today=TODAY),
        aimed=False,
    ),
    Operation(
        "allocation.plan_allocation",
        (P.ALLOCATE,),
        lambda s, w, a, t: allocation.plan_allocation(s, a, [t.child_id], _to(w, a, t)),
    ),
    Operation(
        "allocation.allocate",
        (P.ALLOCATE,),
        lambda s, w, a, t: allocation.allocate(
            s, a, [t.child_id], _to(w, a, t), reason="Balancing caseloads", today=TODAY
        ),
    ),
    Operation(
        "allocation.undo_allocation",
        (P.ALLOCATE,),
        lambda s, w, a, t: allocation.undo_allocation(s, a, t.batch_id, today=TODAY),
    ),
    Operation(
        "allocation.recent_allocation_changes",
        (P.ALLOCATE,),
        lambda s, w, a, t: allocation.recent_allocation_changes(s, a),
        aimed=False,
    ),
    Operation(
        "allocation.team_cover",
        (P.ALLOCATE,),
        lambda s, w, a, t: allocation.team_cover(s, a, today=TODAY),
        aimed=False,
    ),
    Operation(
        "allocation.arrange_cover",
        (P.ALLOCATE,),
        lambda s, w, a, t: allocation.arrange_cover(
            s,
            a,
            t.user_id,
            t.partner_id,
            start=TODAY + dt.timedelta(days=100),
            end=TODAY + dt.timedelta(days=104),
            reason="Training",
            today=TODAY,
        ),
        # Another team's health visitor is "not in your team", a field problem.
        refusals=(ValidationError,),
    ),
    Operation(
        "allocation.end_cover",
        (P.ALLOCATE,),
        lambda s, w, a, t: allocation.end_cover(s, a, t.cover_id, today=TODAY),
        refusals=(NotFoundError,),
    ),
    Operation(
        "team_transfer.trust_teams",
        (P.TRANSFER_BETWEEN_TEAMS,),
        lambda s, w, a, t: team_transfer.trust_teams(s, a),
        aimed=False,
    ),
    Operation(
        "team_transfer.plan_team_transfer",
        (P.TRANSFER_BETWEEN_TEAMS,),
        lambda s, w, a, t: team_transfer.plan_team_transfer(s, a, [t.child_id], w.east_id),
    ),
    Operation(
        "team_transfer.transfer_to_team",
        (P.TRANSFER_BETWEEN_TEAMS,),
        lambda s, w, a, t: team_transfer.transfer_to_team(
            s, a, [t.child_id], w.east_id, reason="Moved", effective_date=TODAY, today=TODAY
        ),
    ),
    Operation(
        "referrals.safeguarding_discussions",
        (P.HOLD_SAFEGUARDING_DISCUSSIONS,),
        lambda s, w, a, t: referrals.safeguarding_discussions(s, a),
        aimed=False,
    ),
    Operation(
        "referrals.record_discussion",
        (P.HOLD_SAFEGUARDING_DISCUSSIONS,),
        lambda s, w, a, t: referrals.record_discussion(
            s, a, t.discussion_id, discussed_on=TODAY, outcome="Plan agreed", today=TODAY
        ),
        refusals=(NotFoundError,),
    ),
    # The administrator's work: not one team's records, so every team's
    Operation(
        "accounts.add_user",
        (P.MANAGE_USERS,),
        lambda s, w, a, t: accounts.add_user(
            s,
            a,
            username=f"new{uuid.uuid4().hex[:8]}",
            full_name="New Starter",
            role=Role.HEALTH_VISITOR,
            team_name=t.team_name,
            password=NEW_PASSWORD,
            now=NOW,
        ),
    ),
    Operation(
        "accounts.set_password",
        (P.MANAGE_USERS,),
        lambda s, w, a, t: accounts.set_password(s, a, t.username, NEW_PASSWORD, now=NOW),
    ),
    Operation(
        "accounts.disable_user",
        (P.MANAGE_USERS,),
        lambda s, w, a, t: accounts.disable_user(s, a, t.username),
    ),
    Operation(
        "accounts.list_users",
        (P.MANAGE_USERS,),
        lambda s, w, a, t: accounts.list_users(s, a),
        aimed=False,
    ),
    # --- accounts in the administrator's window (accounts helper) ---
    Operation(
        "accounts.enable_user",
        (P.MANAGE_USERS,),
        lambda s, w, a, t: accounts.enable_user(s, a, t.username),
        allowed_raises=(ValidationError,),  # "already active": past the permission check
    ),
    Operation(
        "accounts.unlock_user",
        (P.MANAGE_USERS,),
        lambda s, w, a, t: accounts.unlock_user(s, a, t.username, now=NOW),
        allowed_raises=(ValidationError,),  # "not locked": past the permission check
    ),
    Operation(
        "accounts.change_role_and_team",
        (P.MANAGE_USERS,),
        lambda s, w, a, t: accounts.change_role_and_team(
            s, a, t.username, role=Role.TEAM_LEAD, team_name=t.team_name
        ),
    ),
    Operation(
        "accounts.add_team",
        (P.MANAGE_USERS,),
        lambda s, w, a, t: accounts.add_team(s, a, f"Riverside {uuid.uuid4().hex[:6]}"),
        aimed=False,
    ),
    Operation(
        "accounts.team_names",
        (P.MANAGE_USERS,),
        lambda s, w, a, t: accounts.team_names(s, a),
        aimed=False,
    ),
    # --- end of accounts in the administrator's window ---
    Operation(
        "referrals.add_referral_type",
        (P.MANAGE_REFERRAL_TYPES,),
        lambda s, w, a, t: referrals.add_referral_type(s, a, "Sleep clinic"),
        aimed=False,
    ),
    Operation(
        "referrals.rename_referral_type",
        (P.MANAGE_REFERRAL_TYPES,),
        lambda s, w, a, t: referrals.rename_referral_type(s, a, w.type_id, "Early help hub"),
        aimed=False,
    ),
    Operation(
        "referrals.set_family_copy",
        (P.MANAGE_REFERRAL_TYPES,),
        lambda s, w, a, t: referrals.set_family_copy(s, a, w.type_id, True),
        aimed=False,
    ),
    Operation(
        "referrals.retire_referral_type",
        (P.MANAGE_REFERRAL_TYPES,),
        lambda s, w, a, t: referrals.retire_referral_type(s, a, w.type_id),
        aimed=False,
    ),
    # --- break-glass (issue 8) ---
    Operation(
        "break_glass.break_glass",
        (P.BREAK_GLASS,),
        lambda s, w, a, t: break_glass.break_glass(s, a, t.nhs_number, BREAK_GLASS_REASON, now=NOW),
        # Another team's child: a grant to it; the actor's own team's: the usual way in.
        reached=lambda found, t: found.child_id == t.child_id,
    ),
    Operation(
        "break_glass.record_not_found",
        (P.BREAK_GLASS,),
        lambda s, w, a, t: break_glass.record_not_found(s, a, t.nhs_number, BREAK_GLASS_REASON),
        aimed=False,  # it records a look-up that found no record
    ),
    Operation(
        "break_glass.break_glass_record",
        (P.BREAK_GLASS,),
        _break_glass_then_read,
        reached=lambda view, t: view.record.id == t.child_id,
    ),
    Operation(
        "break_glass.break_glass_to_review",
        (P.REVIEW_BREAK_GLASS,),
        lambda s, w, a, t: break_glass.break_glass_to_review(s, a),
        aimed=False,
    ),
    Operation(
        "break_glass.mark_break_glass_reviewed", (P.REVIEW_BREAK_GLASS,), _break_glass_reviewed
    ),
    # --- end of break-glass ---
    # The audit trail
    Operation(
        "access_report.who_accessed",
        (P.READ_AUDIT,),
        lambda s, w, a, t: access_report.who_accessed(
            s, a, child_id=t.child_id, start=TODAY - dt.timedelta(days=30), end=TODAY, now=NOW
        ),
    ),
    # Everyone's own session
    Operation(
        "accounts.attempt_unlock",
        (P.USE_OWN_ACCOUNT,),
        lambda s, w, a, t: accounts.attempt_unlock(s, a, "not the password", now=NOW),
        aimed=False,
    ),
    Operation(
        "accounts.record_lock",
        (P.USE_OWN_ACCOUNT,),
        lambda s, w, a, t: accounts.record_lock(s, a, idle_minutes=10),
        aimed=False,
    ),
    Operation(
        "accounts.record_sign_out",
        (P.USE_OWN_ACCOUNT,),
        lambda s, w, a, t: accounts.record_sign_out(s, a, reason="signed out"),
        aimed=False,
    ),
)

#: Service functions tried only through the operations that call them.
TRIED_THROUGH = {
    "allocation.change_holder": "allocation.allocate",  # also undo and team transfer
    "accounts.SignInDesk.unlock": "accounts.attempt_unlock",
    "accounts.SignInDesk.record_lock": "accounts.record_lock",
    "accounts.SignInDesk.sign_out": "accounts.record_sign_out",
}


def _allowed(role: Role, operation: Operation, place: Place | None) -> bool:
    """What the table says: any permission needed, granted with enough reach."""
    for permission in operation.needs:
        reach = policy.reach(role, permission)
        if reach is not None and (place is None or reach >= place.value):
            return True
    return False


def _cases() -> Iterator[Any]:
    for operation in OPERATIONS:
        places: tuple[Place | None, ...] = tuple(Place) if operation.aimed else (None,)
        for role in Role:
            for place in places:
                where = place.name.lower() if place else "no record"
                yield pytest.param(
                    role, operation, place, id=f"{role.value}-{operation.name}-{where}"
                )


def _attempt(world: World, role: Role, operation: Operation, place: Place | None) -> bool:
    """Whether ``role`` reached the record; everything it did is rolled back."""
    actor = world.actors[role]
    target = world.target(role, place or Place.OWN_TEAM)
    session = sessionmaker(world.engine, expire_on_commit=False)()
    try:
        result = operation.run(session, world, actor, target)
    except PermissionDeniedError as refused:
        assert str(refused).strip(), "a refusal says why"
        return False
    except operation.refusals:
        return False
    except operation.allowed_raises:
        return True
    finally:
        session.rollback()
        session.close()
    return operation.reached is None or operation.reached(result, target)


@pytest.mark.parametrize(("role", "operation", "place"), list(_cases()))
def test_every_role_is_held_to_the_policy_table(
    world: World, role: Role, operation: Operation, place: Place | None
) -> None:
    expected = _allowed(role, operation, place)
    assert _attempt(world, role, operation, place) is expected, (
        f"The table says a {role.label.lower()} may{'' if expected else ' not'} "
        f"{operation.name} on {place.name.lower() if place else 'their own team'}"
    )


# --- own caseload (issue 8) ---
CHANGES = {P.EDIT_RECORD, P.RECORD_CONTACT, P.REFER}


def test_a_colleagues_record_is_read_not_changed_by_a_health_visitor(world: World) -> None:
    """Own team, not own caseload: every change refused, naming whose caseload; reads allowed."""
    actor = world.actors[Role.HEALTH_VISITOR]
    colleague = world.holdings["colleague"]
    with unit_of_work(world.engine) as session:
        whose = session.get_one(User, colleague.user_id).full_name
    changes = [o for o in OPERATIONS if o.aimed and set(o.needs) <= CHANGES]
    reads = [o for o in OPERATIONS if o.aimed and set(o.needs) <= {P.VIEW_RECORD, P.PRINT}]
    assert len(changes) >= 15 and len(reads) >= 10, "the table tries them all"
    for operation in changes:
        session = sessionmaker(world.engine, expire_on_commit=False)()
        try:
            with pytest.raises(PermissionDeniedError) as refused:
                operation.run(session, world, actor, colleague)
        finally:
            session.rollback()
            session.close()
        assert str(refused.value) == (
            f"{whose}'s caseload: you can read this record but not change it. "
            "Ask your team lead for cover."
        ), operation.name
    for operation in reads:
        assert _attempt(world, Role.HEALTH_VISITOR, operation, Place.OWN_TEAM), operation.name


# --- end of own caseload ---


def test_every_decorated_operation_is_tried_against_the_table() -> None:
    tried = {operation.function for operation in OPERATIONS}
    declared = {
        name for name, function in SERVICE_FUNCTIONS.items() if policy.permission_of(function)
    }
    assert declared - tried - set(TRIED_THROUGH) == set()
    assert set(TRIED_THROUGH.values()) <= tried
    # The declared permission is the gate: every role the operation is meant for gets
    # through it (a team's figures are gated by "own figures", then scoped inside).
    for operation in OPERATIONS:
        function = SERVICE_FUNCTIONS.get(operation.function)
        if function is None:  # interchange checks for itself (docs/access-control.md)
            continue
        declared = policy.permission_of(function)
        assert declared is not None, operation.name
        for role in Role:
            if any(policy.may(role, permission) for permission in operation.needs):
                assert policy.may(role, declared), (role, operation.name)
    # Every permission in the table is tried by something.
    needed = {permission for operation in OPERATIONS for permission in operation.needs}
    assert set(Permission) - needed == set()


def test_without_a_signed_in_user_only_accounts_can_be_managed(world: World) -> None:
    """``healthvisitor user …`` runs with the database's credentials and no user (H4)."""
    child_id = world.holdings["hv"].child_id
    session = sessionmaker(world.engine)()
    try:
        assert {line.username for line in accounts.list_users(session, None)} >= {
            world.holdings["hv"].username
        }
        # None where the types say Actor: a caller that gets it wrong is still refused.
        with pytest.raises(PermissionDeniedError, match="Sign in first"):
            child_record.child_record(session, None, child_id, today=TODAY)  # type: ignore[arg-type]
        with pytest.raises(PermissionDeniedError, match="Sign in first"):
            referrals.add_referral_type(session, None, "Sleep clinic")  # type: ignore[arg-type]
    finally:
        session.rollback()
        session.close()


# --- (c) Another team's child is out of reach ----------------------------------------


def _ways_in(actor: Actor, south: Holding) -> dict[str, Callable[[Session], Any]]:
    """Every way in to another team's child that must be refused outright."""
    return {
        "by id": lambda s: child_record.child_record(s, actor, south.child_id, today=TODAY),
        "by id, printed": lambda s: printing.red_book_summary(
            s, actor, south.child_id, today=TODAY
        ),
        "report: handover": lambda s: printing.handover_report(
            s, actor, south.user_id, today=TODAY
        ),
        "report: figures": lambda s: metrics.quarter_metrics(
            s, actor, QUARTER, today=TODAY, team_id=south.team_id
        ),
        "report: children behind a figure": lambda s: metrics.metric_exceptions(
            s, actor, QUARTER, min(metrics.WORKLIST_CODES), today=TODAY, team_id=south.team_id
        ),
        "export": lambda s: interchange.export_document(
            s, actor, team_id=south.team_id, exported_at=NOW
        ),
        "direct call: contact": lambda s: contacts.record_contact(
            s, actor, _contact_entry(actor, south.child_id), today=TODAY
        ),
        "direct call: referral": lambda s: referrals.child_referrals(
            s, actor, south.child_id, today=TODAY
        ),
        "direct call: screening": lambda s: screening.screening_and_immunisations(
            s, actor, south.child_id, today=TODAY
        ),
    }


def test_another_teams_child_is_out_of_reach_every_way_in(world: World) -> None:
    south = world.holdings["south"]
    for role in (Role.HEALTH_VISITOR, Role.TEAM_LEAD):
        actor = world.actors[role]
        ways_in = _ways_in(actor, south)
        for way, attempt in ways_in.items():
            with pytest.raises(PermissionDeniedError), unit_of_work(world.engine) as session:
                attempt(session)
                pytest.fail(f"a {role.label.lower()} reached another team's child {way}")
        with unit_of_work(world.engine) as session:
            for text in (south.nhs_number, f"Amal {south.family_name}", south.family_name):
                assert search.search_records(session, actor, text, today=TODAY).rows == ()
            assert records.find_families(session, actor, south.family_name) == []
            exported = interchange.export_document(session, actor, exported_at=NOW)
        assert south.nhs_number not in json.dumps(exported), "their team's export only"
    with unit_of_work(world.engine) as session:
        views = session.scalars(
            select(AuditEvent.action).where(AuditEvent.entity_id == south.child_id)
        ).all()
    assert "view" not in views and "print" not in views, "no view of it was recorded"


# --- The window's gateway ------------------------------------------------------------

#: Workspace methods that use the database but open no record, and why.
NO_RECORD = {
    "signed_in": "the signed-in user's own name and team, for the title bar",
    "check_connection": "only whether the database answers",
    "watch_connection": "only whether the connection fails",
}


def test_every_workspace_method_goes_through_a_checked_service_function() -> None:
    """A method that reaches the database at all must do it through a checked service."""
    checked = {
        function.__name__
        for function in SERVICE_FUNCTIONS.values()
        if policy.permission_of(function) is not None
    }
    tree = ast.parse(inspect.getsource(Workspace))
    [workspace] = [node for node in tree.body if isinstance(node, ast.ClassDef)]
    unchecked, uses_database = [], []
    for method in workspace.body:
        if not isinstance(method, ast.FunctionDef) or method.name.startswith("_"):
            continue
        names = {
            node.attr if isinstance(node, ast.Attribute) else node.id
            for node in ast.walk(method)
            if isinstance(node, ast.Attribute | ast.Name)
        }
        if "engine" not in names and "unit_of_work" not in names:
            continue  # the clock, drafts on this computer: no database
        uses_database.append(method.name)
        if not names & checked and method.name not in NO_RECORD:
            unchecked.append(method.name)
    assert unchecked == [], f"Workspace methods that call no checked service: {unchecked}"
    assert {"caseload", "child_record", "record_contact", "allocate"} <= set(uses_database)


def test_the_workspace_refuses_what_the_services_refuse(world: World) -> None:
    choice = DatabaseChoice(url=make_url("sqlite:///policy.db"), source="test")
    south = world.holdings["south"]

    def workspace(role: Role) -> Workspace:
        return Workspace(world.engine, world.actors[role], choice, today=lambda: TODAY)

    admin, hv = workspace(Role.ADMINISTRATOR), workspace(Role.HEALTH_VISITOR)
    refused: list[Callable[[], object]] = [
        admin.caseload,
        admin.team_board,
        lambda: admin.child_record(south.child_id),
        lambda: admin.search_records(south.nhs_number),
        lambda: admin.quarter_metrics("2026-27Q2"),
        hv.team_board,
        hv.recent_allocation_changes,
        lambda: hv.allocate([world.holdings["hv"].child_id], south.user_id, reason="x"),
        lambda: hv.child_record(south.child_id),
        lambda: hv.referral_subjects(south.child_id),
        lambda: hv.caseload(south.user_id),
        lambda: hv.add_referral_type("Sleep clinic"),
        lambda: hv.quarter_metrics("2026-27Q2"),
    ]
    for attempt in refused:
        with pytest.raises(PermissionDeniedError):
            attempt()
    assert hv.search_records(south.nhs_number).rows == ()


# --- (d) The page says what the table says -------------------------------------------


def test_the_access_control_page_shows_the_policy_table_as_it_is() -> None:
    page = DOCS.read_text(encoding="utf-8")
    table = policy.access_table_markdown()
    assert table in page, (
        "docs/access-control.md is out of date with healthvisitor/services/policy.py; "
        "put this table between its markers:\n\n" + table
    )
