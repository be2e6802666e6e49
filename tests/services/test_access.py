"""Own caseload (issue 8): a health visitor changes only the children and families
allocated to them or covered by them, reads the rest of their team's records, and a
read of a colleague's record is audited as such. On both engines.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import uuid

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from healthvisitor.domain.enums import (
    CarerRelationship,
    ContactKind,
    ContactLocation,
    ContactOutcome,
    PregnancyOutcome,
    Role,
    Sex,
)
from healthvisitor.errors import PermissionDeniedError
from healthvisitor.persistence.models import AuditEvent, Child, Contact, Family, User
from healthvisitor.persistence.models import Team as TeamRow
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services import access, allocation, child_record, contacts, life_events, records
from healthvisitor.services.actor import Actor
from tests import factories

TODAY = dt.date(2026, 11, 24)
BORN = dt.date(2026, 10, 1)
EDD = TODAY + dt.timedelta(days=60)
AMIRAS = (
    "Amira Khan's caseload: you can read this record but not change it. "
    "Ask your team lead for cover."
)


@dataclasses.dataclass(frozen=True)
class Team:
    engine: Engine
    hv: Actor  # Beth Lowe, the actor
    amira: Actor  # her colleague
    lead: Actor
    stranger: Actor  # another team's health visitor
    own_child: uuid.UUID
    amiras_child: uuid.UUID
    unallocated_child: uuid.UUID
    amiras_family: uuid.UUID
    amiras_pregnancy: uuid.UUID


def _named(session: Session, team: TeamRow, name: str, role: Role = Role.HEALTH_VISITOR) -> User:
    user = factories.user(session, team, role)
    user.full_name = name
    return user


@pytest.fixture
def team(engine: Engine) -> Team:
    with unit_of_work(engine) as session:
        north, south = factories.team(session, "North"), factories.team(session, "South")
        beth, amira = _named(session, north, "Beth Lowe"), _named(session, north, "Amira Khan")
        lead = _named(session, north, "Lena Ortiz", Role.TEAM_LEAD)
        stranger = _named(session, south, "Sam Park")
        session.flush()
        own = factories.child(session, factories.family(session, north, "Adeyemi"), beth)
        amiras_family = factories.family(session, north, "Brennan")
        amiras = factories.child(session, amiras_family, amira)
        mother = factories.carer(session, amiras_family, "Sara")
        pregnancy = factories.pregnancy(session, mother, amira, EDD)
        unallocated = factories.child(session, factories.family(session, north, "Carter"))
        return Team(
            engine,
            factories.actor(beth),
            factories.actor(amira),
            factories.actor(lead),
            factories.actor(stranger),
            own.id,
            amiras.id,
            unallocated.id,
            amiras_family.id,
            pregnancy.id,
        )


def _contact(actor: Actor, child_id: uuid.UUID) -> contacts.ContactEntry:
    return contacts.ContactEntry(
        kind=ContactKind.OTHER,
        contact_date=TODAY - dt.timedelta(days=1),
        location=ContactLocation.HOME,
        outcome=ContactOutcome.COMPLETED,
        delivered_by_id=actor.user_id,
        accountable_health_visitor_id=actor.user_id,
        child_id=child_id,
        notes="Weighed and well.",
    )


def _record_contact(team: Team, actor: Actor, child_id: uuid.UUID) -> None:
    with unit_of_work(team.engine) as session:
        contacts.record_contact(session, actor, _contact(actor, child_id), today=TODAY)


def _contacts_on(team: Team, child_id: uuid.UUID) -> int:
    with unit_of_work(team.engine) as session:
        return (
            session.scalar(
                select(func.count()).select_from(Contact).where(Contact.child_id == child_id)
            )
            or 0
        )


def test_a_health_visitor_changes_their_own_caseload_not_a_colleagues(team: Team) -> None:
    _record_contact(team, team.hv, team.own_child)
    assert _contacts_on(team, team.own_child) == 1
    with pytest.raises(PermissionDeniedError) as refused:
        _record_contact(team, team.hv, team.amiras_child)
    assert str(refused.value) == AMIRAS
    assert _contacts_on(team, team.amiras_child) == 0, "nothing was written"


def test_a_colleagues_record_is_read_and_the_read_is_audited_as_such(team: Team) -> None:
    with unit_of_work(team.engine) as session:
        theirs = child_record.child_record(session, team.hv, team.amiras_child, today=TODAY)
        own = child_record.child_record(session, team.hv, team.own_child, today=TODAY)
    assert theirs.colleague_caseload == "Amira Khan's caseload"
    assert theirs.read_only_reason == AMIRAS
    assert (own.colleague_caseload, own.read_only_reason) == ("", "")
    with unit_of_work(team.engine) as session:
        views = {
            entity: (user, json.loads(details))
            for entity, user, details in session.execute(
                select(AuditEvent.entity_id, AuditEvent.user_id, AuditEvent.details).where(
                    AuditEvent.action == "view", AuditEvent.entity_type == "child"
                )
            )
        }
    assert views == {
        team.amiras_child: (
            team.hv.user_id,
            {
                "access": "read as a colleague's record (not on own caseload)",
                "caseload_of": "Amira Khan",
            },
        ),
        team.own_child: (team.hv.user_id, {}),
    }


def test_the_view_event_of_a_colleagues_record_is_exact(team: Team) -> None:
    with unit_of_work(team.engine) as session:
        child_record.child_record(session, team.hv, team.amiras_child, today=TODAY)
    with unit_of_work(team.engine) as session:
        [event] = session.scalars(
            select(AuditEvent).where(AuditEvent.entity_id == team.amiras_child)
        ).all()
    assert (event.action, event.entity_type, event.user_id) == ("view", "child", team.hv.user_id)
    assert json.loads(event.details) == {
        "access": "read as a colleague's record (not on own caseload)",
        "caseload_of": "Amira Khan",
    }


def test_the_holder_and_the_team_lead_read_it_as_their_own(team: Team) -> None:
    for actor in (team.amira, team.lead):
        with unit_of_work(team.engine) as session:
            record = child_record.child_record(session, actor, team.amiras_child, today=TODAY)
        assert record.read_only_reason == ""
    with unit_of_work(team.engine) as session:
        details = session.scalars(
            select(AuditEvent.details).where(AuditEvent.entity_id == team.amiras_child)
        ).all()
    assert [json.loads(d) for d in details] == [{}, {}]


def test_the_team_lead_changes_any_record_of_the_team(team: Team) -> None:
    _record_contact(team, team.lead, team.amiras_child)
    assert _contacts_on(team, team.amiras_child) == 1


def _cover(team: Team, start: dt.date, end: dt.date) -> uuid.UUID:
    with unit_of_work(team.engine) as session:
        return allocation.arrange_cover(
            session,
            team.lead,
            team.amira.user_id,
            team.hv.user_id,
            start=start,
            end=end,
            reason="Annual leave",
            today=start,
        ).cover_id


def test_cover_in_force_opens_the_colleagues_caseload_and_only_while_it_lasts(
    team: Team,
) -> None:
    _cover(team, TODAY - dt.timedelta(days=2), TODAY + dt.timedelta(days=2))
    _record_contact(team, team.hv, team.amiras_child)
    assert _contacts_on(team, team.amiras_child) == 1
    with unit_of_work(team.engine) as session:
        record = child_record.child_record(session, team.hv, team.amiras_child, today=TODAY)
        assert record.read_only_reason == ""
        child = session.get_one(Child, team.amiras_child)
        after = TODAY + dt.timedelta(days=3)
        with pytest.raises(PermissionDeniedError, match=r"^Amira Khan's caseload"):
            access.require_may_change_child(session, team.hv, child, today=after)


def test_cover_arranged_for_later_does_not_open_it_yet(team: Team) -> None:
    _cover(team, TODAY + dt.timedelta(days=7), TODAY + dt.timedelta(days=14))
    with pytest.raises(PermissionDeniedError, match=r"^Amira Khan's caseload"):
        _record_contact(team, team.hv, team.amiras_child)


def test_a_child_not_yet_allocated_is_open_to_the_team(team: Team) -> None:
    """Someone must do the new birth visit before the team lead allocates the baby."""
    _record_contact(team, team.hv, team.unallocated_child)
    assert _contacts_on(team, team.unallocated_child) == 1


def test_a_child_left_with_a_disabled_account_counts_as_not_yet_allocated(team: Team) -> None:
    with unit_of_work(team.engine) as session:
        session.get_one(User, team.amira.user_id).active = False
    _record_contact(team, team.hv, team.amiras_child)
    assert _contacts_on(team, team.amiras_child) == 1


def test_another_teams_child_stays_out_of_reach(team: Team) -> None:
    with pytest.raises(PermissionDeniedError, match="another team"):
        _record_contact(team, team.stranger, team.amiras_child)


def test_a_family_is_within_reach_through_any_of_its_children_or_pregnancies(
    team: Team,
) -> None:
    father = records.CarerDetails("Jo", "Brennan", CarerRelationship.FATHER)

    def add_father(actor: Actor) -> None:
        with unit_of_work(team.engine) as session:
            records.add_carer(session, actor, team.amiras_family, father, today=TODAY)

    with pytest.raises(PermissionDeniedError) as refused:
        add_father(team.hv)
    assert str(refused.value) == AMIRAS
    # A new pregnancy not yet allocated brings the family within the team's reach.
    with unit_of_work(team.engine) as session:
        family = session.get_one(Family, team.amiras_family)
        aunt = factories.carer(session, family, "Ruth")
        factories.pregnancy(session, aunt, None, EDD)
    add_father(team.hv)


def test_registering_stays_open_to_the_team(team: Team) -> None:
    """A new family (and its first carer), and a new child in a colleague's family."""
    with unit_of_work(team.engine) as session:
        new = records.create_family_with_carer(
            session,
            team.hv,
            records.FamilyDetails("Dlamini"),
            records.CarerDetails("Nia", "Dlamini", CarerRelationship.MOTHER),
            today=TODAY,
        )
        details = records.ChildDetails(
            family_id=team.amiras_family,
            nhs_number=factories.nhs_number(7001),
            given_name="Kit",
            family_name="Brennan",
            date_of_birth=BORN,
            sex=Sex.MALE,
            gestation_weeks=40,
            gestation_days=0,
            birth_weight_kg=3.2,
        )
        records.register_child(session, team.hv, details, today=TODAY)
    assert new.family_name == "Dlamini"


def test_a_colleagues_pregnancy_is_read_only(team: Team) -> None:
    with pytest.raises(PermissionDeniedError) as refused, unit_of_work(team.engine) as session:
        life_events.record_pregnancy_outcome(
            session,
            team.hv,
            team.amiras_pregnancy,
            PregnancyOutcome.MOVED_AWAY,
            outcome_date=TODAY,
            today=TODAY,
        )
    assert str(refused.value) == AMIRAS
    with unit_of_work(team.engine) as session:
        life_events.record_pregnancy_outcome(
            session,
            team.amira,
            team.amiras_pregnancy,
            PregnancyOutcome.MOVED_AWAY,
            outcome_date=TODAY,
            today=TODAY,
        )
