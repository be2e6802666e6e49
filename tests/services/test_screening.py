"""Recording newborn screening results and immunisations (issue 6), on both engines."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import uuid

import pytest
from sqlalchemy import Engine, select

from healthvisitor.domain.enums import (
    NewbornScreeningResult,
    NewbornScreeningTest,
    RecordStatus,
)
from healthvisitor.domain.immunisations import DoseStatus
from healthvisitor.errors import PermissionDeniedError, ValidationError
from healthvisitor.persistence.models import AuditEvent, Child, Immunisation, NewbornScreening
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services.actor import Actor
from healthvisitor.services.child_record import child_record
from healthvisitor.services.screening import (
    record_immunisation,
    record_newborn_screening,
    screening_and_immunisations,
)
from tests import factories

BORN = dt.date(2026, 6, 1)
TODAY = dt.date(2026, 11, 24)


@dataclasses.dataclass(frozen=True)
class Team:
    engine: Engine
    hv: Actor
    child_id: uuid.UUID
    stranger: Actor


@pytest.fixture
def team(engine: Engine) -> Team:
    with unit_of_work(engine) as session:
        ours = factories.team(session)
        hv = factories.user(session, ours)
        child = factories.child(session, factories.family(session, ours), hv, date_of_birth=BORN)
        stranger = factories.user(session, factories.team(session))
        return Team(engine, factories.actor(hv), child.id, factories.actor(stranger))


def test_screening_result_is_recorded_audited_and_shown_on_the_record(team: Team) -> None:
    with unit_of_work(team.engine) as session:
        line = record_newborn_screening(
            session,
            team.hv,
            team.child_id,
            test=NewbornScreeningTest.BLOOD_SPOT,
            screened_on=BORN + dt.timedelta(days=5),
            result=NewbornScreeningResult.NO_FURTHER_ACTION,
            today=TODAY,
        )
    assert line.recorded_by == team.hv.full_name
    with unit_of_work(team.engine) as session:
        record = child_record(session, team.hv, team.child_id, today=TODAY)
        audit = session.scalars(
            select(AuditEvent).where(AuditEvent.entity_type == "newborn_screening")
        ).one()
    assert record.screening is not None
    [shown] = record.screening.screenings
    assert (shown.test, shown.screened_on, shown.result) == (
        NewbornScreeningTest.BLOOD_SPOT,
        dt.date(2026, 6, 6),
        NewbornScreeningResult.NO_FURTHER_ACTION,
    )
    assert NewbornScreeningTest.BLOOD_SPOT not in record.screening.untested
    assert NewbornScreeningTest.HEARING in record.screening.untested
    assert audit.user_id == team.hv.user_id
    assert json.loads(audit.details)["child_id"] == str(team.child_id)


@pytest.mark.parametrize(
    ("screened_on", "message"),
    [
        (TODAY + dt.timedelta(days=1), "in the future"),
        (BORN - dt.timedelta(days=1), "before the child was born"),
        (BORN + dt.timedelta(days=60), "between 0 and 42 days"),
        (None, "Enter the date"),
    ],
)
def test_implausible_screening_dates_are_refused_by_field(
    team: Team, screened_on: dt.date | None, message: str
) -> None:
    with unit_of_work(team.engine) as session, pytest.raises(ValidationError) as raised:
        record_newborn_screening(
            session,
            team.hv,
            team.child_id,
            test=NewbornScreeningTest.NIPE_NEWBORN,
            screened_on=screened_on,
            result=NewbornScreeningResult.NO_FURTHER_ACTION,
            today=TODAY,
        )
    assert any(message in m for m in raised.value.for_field("screened_on"))


def test_declined_needs_a_note_saying_why(team: Team) -> None:
    with unit_of_work(team.engine) as session, pytest.raises(ValidationError) as raised:
        record_newborn_screening(
            session,
            team.hv,
            team.child_id,
            test=NewbornScreeningTest.HEARING,
            screened_on=BORN + dt.timedelta(days=10),
            result=NewbornScreeningResult.DECLINED,
            today=TODAY,
        )
    assert raised.value.for_field("note")


def test_a_correction_supersedes_and_keeps_the_old_entry(team: Team) -> None:
    with unit_of_work(team.engine) as session:
        first = record_newborn_screening(
            session,
            team.hv,
            team.child_id,
            test=NewbornScreeningTest.HEARING,
            screened_on=BORN + dt.timedelta(days=3),
            result=NewbornScreeningResult.REFERRED,
            today=TODAY,
        )
    with unit_of_work(team.engine) as session:
        record_newborn_screening(
            session,
            team.hv,
            team.child_id,
            test=NewbornScreeningTest.HEARING,
            screened_on=BORN + dt.timedelta(days=3),
            result=NewbornScreeningResult.NO_FURTHER_ACTION,
            note="Entered against the wrong test result",
            today=TODAY,
            supersedes_id=first.id,
        )
    with unit_of_work(team.engine) as session:
        view = screening_and_immunisations(session, team.hv, team.child_id, today=TODAY)
        assert len(session.scalars(select(NewbornScreening)).all()) == 2
        with pytest.raises(ValidationError) as raised:
            record_newborn_screening(
                session,
                team.hv,
                team.child_id,
                test=NewbornScreeningTest.HEARING,
                screened_on=BORN + dt.timedelta(days=3),
                result=NewbornScreeningResult.REFERRED,
                today=TODAY,
                supersedes_id=first.id,
            )
    assert [s.result for s in view.screenings] == [NewbornScreeningResult.NO_FURTHER_ACTION]
    assert view.screenings[0].is_correction
    assert "already been corrected" in raised.value.for_field("supersedes")[0]


def test_immunisation_is_recorded_and_the_plan_follows(team: Team) -> None:
    with unit_of_work(team.engine) as session:
        for vaccine in ("dtap_ipv_hib_hepb", "menb", "rotavirus"):
            record_immunisation(
                session,
                team.hv,
                team.child_id,
                vaccine=vaccine,
                dose=1,
                given_on=dt.date(2026, 7, 28),
                batch="AB123",
                today=TODAY,
            )
    with unit_of_work(team.engine) as session:
        record = child_record(session, team.hv, team.child_id, today=TODAY)
    assert record.screening is not None
    assert [i.vaccine_name for i in record.screening.immunisations] == [
        "6-in-1 (DTaP/IPV/Hib/HepB)",
        "MenB",
        "Rotavirus",
    ]
    statuses = {(p.scheduled.vaccine, p.scheduled.dose): p.status for p in record.screening.plan}
    assert statuses[("menb", 1)] is DoseStatus.GIVEN
    # Born 1 June 2026, seen 24 November: 12 and 16 week doses overdue.
    assert statuses[("dtap_ipv_hib_hepb", 2)] is DoseStatus.OVERDUE
    assert statuses[("pcv", 1)] is DoseStatus.OVERDUE
    assert ("pcv", 1) in {
        (p.scheduled.vaccine, p.scheduled.dose) for p in record.screening.due_or_overdue
    }


def test_implausible_immunisations_are_refused_with_every_problem(team: Team) -> None:
    with unit_of_work(team.engine) as session, pytest.raises(ValidationError) as raised:
        record_immunisation(
            session,
            team.hv,
            team.child_id,
            vaccine="smallpox",
            dose=0,
            given_on=BORN + dt.timedelta(days=20),
            today=TODAY,
        )
    assert raised.value.for_field("vaccine")
    assert raised.value.for_field("dose")
    assert "before 6 weeks" in raised.value.for_field("given_on")[0]
    with unit_of_work(team.engine) as session:
        assert session.scalars(select(Immunisation)).all() == []


def test_the_same_dose_twice_is_refused(team: Team) -> None:
    def give() -> None:
        with unit_of_work(team.engine) as session:
            record_immunisation(
                session,
                team.hv,
                team.child_id,
                vaccine="menb",
                dose=1,
                given_on=dt.date(2026, 7, 28),
                today=TODAY,
            )

    give()
    with pytest.raises(ValidationError) as raised:
        give()
    assert "already recorded" in raised.value.for_field("dose")[0]


def test_another_team_cannot_record_or_read(team: Team) -> None:
    with unit_of_work(team.engine) as session, pytest.raises(PermissionDeniedError):
        record_immunisation(
            session,
            team.stranger,
            team.child_id,
            vaccine="menb",
            dose=1,
            given_on=dt.date(2026, 7, 28),
            today=TODAY,
        )
    with unit_of_work(team.engine) as session, pytest.raises(PermissionDeniedError):
        screening_and_immunisations(session, team.stranger, team.child_id, today=TODAY)


def test_a_closed_record_takes_no_new_entries(team: Team) -> None:
    with unit_of_work(team.engine) as session:
        child = session.get_one(Child, team.child_id)
        child.record_status = RecordStatus.MOVED_AWAY
    with unit_of_work(team.engine) as session, pytest.raises(ValidationError) as raised:
        record_newborn_screening(
            session,
            team.hv,
            team.child_id,
            test=NewbornScreeningTest.BLOOD_SPOT,
            screened_on=BORN + dt.timedelta(days=5),
            result=NewbornScreeningResult.NO_FURTHER_ACTION,
            today=TODAY,
        )
    assert raised.value.for_field("child")
