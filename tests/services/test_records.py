"""Registering families and children: validation, duplicates and team scoping."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from healthvisitor.domain.enums import CarerRelationship, Role, Sex
from healthvisitor.errors import (
    DuplicateError,
    PermissionDeniedError,
    PossibleDuplicateError,
    ValidationError,
)
from healthvisitor.persistence.models import AuditEvent, Child, Family
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services.actor import Actor
from healthvisitor.services.records import (
    CarerDetails,
    ChildDetails,
    FamilyDetails,
    create_family,
    create_family_with_carer,
    find_families,
    register_child,
)
from tests import factories

TODAY = dt.date(2026, 11, 24)
Setup = tuple[Engine, Actor, Actor]


@pytest.fixture
def team_setup(engine: Engine) -> Setup:
    with unit_of_work(engine) as session:
        north, south = factories.team(session, "North"), factories.team(session, "South")
        hv_north = factories.actor(factories.user(session, north))
        hv_south = factories.actor(factories.user(session, south))
    return engine, hv_north, hv_south


def _details(family_id: uuid.UUID, **changes: Any) -> ChildDetails:
    details = ChildDetails(
        nhs_number="999 000 0018",
        given_name="Amelia",
        family_name="Khan",
        date_of_birth=dt.date(2026, 10, 2),
        sex=Sex.FEMALE,
        gestation_weeks=39,
        gestation_days=3,
        birth_weight_kg=3.21,
        family_id=family_id,
    )
    return dataclasses.replace(details, **changes)


def _children(engine: Engine) -> int:
    with unit_of_work(engine) as session:
        return session.scalar(select(func.count()).select_from(Child)) or 0


def test_register_child_saves_a_valid_child_with_its_audit_event(team_setup: Setup) -> None:
    engine, hv, _ = team_setup
    with unit_of_work(engine) as session:
        family_id = create_family(session, hv, FamilyDetails("Khan", postcode="ls73ab"))
        summary = register_child(session, hv, _details(family_id), today=TODAY)
    assert summary.nhs_number == "9990000018"
    with unit_of_work(engine) as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.entity_id == summary.id))
        assert [(e.action, e.entity_type, e.user_id) for e in events] == [
            ("create", "child", hv.user_id)
        ]


def test_every_problem_is_reported_at_once_and_nothing_is_saved(team_setup: Setup) -> None:
    engine, hv, _ = team_setup
    with pytest.raises(ValidationError) as caught, unit_of_work(engine) as session:
        family_id = create_family(session, hv, FamilyDetails("Khan"))
        register_child(
            session,
            hv,
            _details(
                family_id,
                nhs_number="999 000 0019",
                date_of_birth=TODAY + dt.timedelta(days=3),
                gestation_weeks=46,
                birth_weight_kg=3210,
            ),
            today=TODAY,
        )
    fields = {problem.field for problem in caught.value.problems}
    assert fields == {"nhs_number", "date_of_birth", "gestation", "birth_weight_kg"}
    assert "grams" in caught.value.for_field("birth_weight_kg")[0]
    assert _children(engine) == 0


def test_same_nhs_number_is_refused_and_names_the_existing_child(team_setup: Setup) -> None:
    engine, hv, _ = team_setup
    with unit_of_work(engine) as session:
        family_id = create_family(session, hv, FamilyDetails("Khan"))
        register_child(session, hv, _details(family_id), today=TODAY)
    with (
        pytest.raises(DuplicateError, match=r"999 000 0018.*Amelia Khan"),
        unit_of_work(engine) as session,
    ):
        register_child(session, hv, _details(family_id, given_name="Other"), today=TODAY)
    assert _children(engine) == 1


def test_same_name_and_birth_date_in_a_family_asks_to_confirm(team_setup: Setup) -> None:
    engine, hv, _ = team_setup
    with unit_of_work(engine) as session:
        family_id = create_family(session, hv, FamilyDetails("Khan"))
        first = register_child(session, hv, _details(family_id), today=TODAY)
    second = _details(family_id, nhs_number="999 000 0026", given_name="amelia ")
    with pytest.raises(PossibleDuplicateError) as caught, unit_of_work(engine) as session:
        register_child(session, hv, second, today=TODAY)
    assert caught.value.existing_id == first.id
    assert _children(engine) == 1
    with unit_of_work(engine) as session:
        register_child(session, hv, second, today=TODAY, confirm_possible_duplicate=True)
    assert _children(engine) == 2


def test_another_teams_family_cannot_be_added_to(team_setup: Setup) -> None:
    engine, hv_north, hv_south = team_setup
    with unit_of_work(engine) as session:
        family_id = create_family(session, hv_north, FamilyDetails("Khan"))
    with pytest.raises(PermissionDeniedError), unit_of_work(engine) as session:
        register_child(session, hv_south, _details(family_id), today=TODAY)
    assert _children(engine) == 0


def test_an_administrator_has_no_clinical_access(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        admin = factories.actor(factories.user(session, None, Role.ADMINISTRATOR))
    with (
        pytest.raises(PermissionDeniedError, match="administrator"),
        unit_of_work(engine) as session,
    ):
        create_family(session, admin, FamilyDetails("Khan"))


def test_families_are_found_by_name_or_postcode_prefix_in_the_team_only(
    team_setup: Setup,
) -> None:
    engine, hv_north, hv_south = team_setup
    with unit_of_work(engine) as session:
        khan = create_family_with_carer(
            session,
            hv_north,
            FamilyDetails("Khan", "3 Mill Lane", town="Leeds", postcode="ls73ab"),
            CarerDetails("Aisha", "Khan", CarerRelationship.MOTHER),
            today=TODAY,
        )
        create_family(session, hv_north, FamilyDetails("Kennedy", postcode="LS8 1AA"))
        create_family(session, hv_south, FamilyDetails("Khalil", postcode="LS7 9ZZ"))
    with unit_of_work(engine) as session:
        assert [f.family_name for f in find_families(session, hv_north, "K")] == []
        assert [f.family_name for f in find_families(session, hv_north, "kh")] == ["Khan"]
        assert [f.family_name for f in find_families(session, hv_north, "ls7 3")] == ["Khan"]
        assert [f.family_name for f in find_families(session, hv_north, "LS")] == [
            "Kennedy",
            "Khan",
        ]
        found = find_families(session, hv_north, "khan")[0]
    assert found == khan
    assert found.described == "Khan, 3 Mill Lane, Leeds, LS7 3AB"
    assert [c.described for c in found.carers] == ["Aisha Khan (mother)"]


def test_a_new_family_and_its_first_carer_report_every_problem_by_field(
    team_setup: Setup,
) -> None:
    engine, hv, _ = team_setup
    with pytest.raises(ValidationError) as caught, unit_of_work(engine) as session:
        create_family_with_carer(
            session,
            hv,
            FamilyDetails(" "),
            CarerDetails("", "Khan", CarerRelationship.MOTHER, TODAY + dt.timedelta(days=1)),
            today=TODAY,
        )
    assert {p.field for p in caught.value.problems} == {
        "family_name",
        "carer_given_name",
        "carer_date_of_birth",
    }
    with unit_of_work(engine) as session:
        assert session.scalar(select(func.count()).select_from(Family)) == 0
