"""Recording contacts: findings, stored centiles, confirmations, alerts and scoping."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from typing import Any

import pytest
import rcpchgrowth
from sqlalchemy import Engine, func, select

from healthvisitor.domain.enums import (
    AgeUsed,
    ContactKind,
    ContactLocation,
    ContactOutcome,
    DevelopmentDomain,
    FeedingStatus,
    MeasurementKind,
    ReviewStatus,
    Role,
    ScreeningZone,
    Sex,
)
from healthvisitor.errors import PermissionDeniedError, ValidationError
from healthvisitor.persistence.models import AuditEvent, Contact, DevelopmentScore, Measurement
from healthvisitor.persistence.models import Team as Team_
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services.actor import Actor
from healthvisitor.services.caseload import caseload
from healthvisitor.services.child_record import child_record
from healthvisitor.services.contacts import (
    ContactEntry,
    DevelopmentEntry,
    ImplausibleChangeError,
    MeasurementEntry,
    record_contact,
)
from healthvisitor.services.records import (
    ChildDetails,
    FamilyDetails,
    create_family,
    register_child,
)
from tests import factories

BORN = dt.date(2026, 9, 1)
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
        north, south = factories.team(session, "North"), factories.team(session, "South")
        hv = factories.actor(factories.user(session, north))
        stranger = factories.actor(factories.user(session, south))
        family_id = create_family(session, hv, FamilyDetails("Khan"))
        child = register_child(
            session,
            hv,
            ChildDetails(
                nhs_number=factories.nhs_number(42),
                given_name="Amelia",
                family_name="Khan",
                date_of_birth=BORN,
                sex=Sex.FEMALE,
                gestation_weeks=40,
                gestation_days=0,
                birth_weight_kg=3.4,
                family_id=family_id,
                health_visitor_id=hv.user_id,
            ),
            today=TODAY,
        )
    return Team(engine, hv, child.id, stranger)


def visit(team: Team, **changes: Any) -> ContactEntry:
    entry = ContactEntry(
        kind=ContactKind.NEW_BIRTH_VISIT,
        child_id=team.child_id,
        contact_date=BORN + dt.timedelta(days=12),
        location=ContactLocation.HOME,
        outcome=ContactOutcome.COMPLETED,
        delivered_by_id=team.hv.user_id,
        accountable_health_visitor_id=team.hv.user_id,
    )
    return dataclasses.replace(entry, **changes)


def save(team: Team, entry: ContactEntry, **options: Any) -> Any:
    with unit_of_work(team.engine) as session:
        return record_contact(session, team.hv, entry, today=TODAY, **options)


def count(team: Team, model: type) -> int:
    with unit_of_work(team.engine) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_new_birth_visit_is_saved_with_findings_and_uk_who_centiles(team: Team) -> None:
    measured = BORN + dt.timedelta(days=12)
    entry = visit(
        team,
        measurements=(
            MeasurementEntry(MeasurementKind.WEIGHT, 3.55),
            MeasurementEntry(MeasurementKind.LENGTH, 51.0),
            MeasurementEntry(MeasurementKind.HEAD_CIRCUMFERENCE, 35.5),
        ),
        feeding=FeedingStatus.TOTALLY_BREASTFED,
        whooley_low_mood=False,
        whooley_loss_of_interest=True,
        gad2_score=2,
        who_was_seen="Mother and baby",
    )
    saved = save(team, entry)
    expected = rcpchgrowth.Measurement(
        sex="female",
        birth_date=BORN,
        observation_date=measured,
        measurement_method="weight",
        observation_value=3.55,
        reference="uk-who",
        gestation_weeks=40,
        gestation_days=0,
    ).measurement["measurement_calculated_values"]
    with unit_of_work(team.engine) as session:
        weight = session.scalars(
            select(Measurement).where(
                Measurement.contact_id == saved.contact_id,
                Measurement.kind == MeasurementKind.WEIGHT,
            )
        ).one()
        assert weight.sds == pytest.approx(expected["chronological_sds"])
        assert weight.centile == pytest.approx(expected["chronological_centile"])
        assert weight.age_used is AgeUsed.CHRONOLOGICAL and weight.growth_reference == "uk-who"
        contact = session.get_one(Contact, saved.contact_id)
        assert contact.feeding is FeedingStatus.TOTALLY_BREASTFED
        assert (contact.whooley_low_mood, contact.whooley_loss_of_interest) == (False, True)
        events = session.scalars(select(AuditEvent).where(AuditEvent.entity_id == contact.id))
        assert [e.action for e in events] == ["create"]
        record = child_record(session, team.hv, team.child_id, today=TODAY)
    status = {line.kind: line.status for line in record.reviews}
    assert status[ContactKind.NEW_BIRTH_VISIT] is ReviewStatus.DONE_ON_TIME
    assert len(record.measurements) == 4  # the birth weight and these three


def test_every_problem_is_named_at_once_and_nothing_is_saved(team: Team) -> None:
    entry = visit(
        team,
        kind=ContactKind.ONE_YEAR,
        contact_date=TODAY + dt.timedelta(days=2),
        measurements=(MeasurementEntry(MeasurementKind.WEIGHT, 3450.0),),
        feeding=FeedingStatus.NOT_BREASTFED,
        gad2_score=7,
        carbon_monoxide_ppm=250.0,
    )
    before = count(team, Contact)
    with pytest.raises(ValidationError) as caught:
        save(team, entry)
    fields = {problem.field for problem in caught.value.problems}
    assert {
        "contact_date",
        "weight",
        "feeding",
        "maternal_mood",
        "gad2_score",
        "carbon_monoxide_ppm",
    } <= fields
    assert count(team, Contact) == before


def test_an_implausible_change_must_be_confirmed_and_is_recorded(team: Team) -> None:
    save(team, visit(team, measurements=(MeasurementEntry(MeasurementKind.WEIGHT, 3.6),)))
    jump = visit(
        team,
        kind=ContactKind.OTHER,
        contact_date=BORN + dt.timedelta(days=20),
        measurements=(MeasurementEntry(MeasurementKind.WEIGHT, 6.4),),
    )
    with pytest.raises(ImplausibleChangeError) as caught:
        save(team, jump)
    assert caught.value.problems[0].field == "weight"
    saved = save(team, jump, confirm_implausible=True)
    with unit_of_work(team.engine) as session:
        weight = session.scalars(
            select(Measurement).where(Measurement.contact_id == saved.contact_id)
        ).one()
        assert weight.change_confirmed


def test_not_brought_records_no_findings_and_a_rebook_shows_in_the_status(team: Team) -> None:
    not_brought = visit(
        team, outcome=ContactOutcome.NOT_ATTENDED, feeding=FeedingStatus.NOT_BREASTFED
    )
    with pytest.raises(ValidationError, match="only when the contact took place"):
        save(team, not_brought)
    rebooked = dataclasses.replace(
        not_brought, feeding=None, next_planned_contact=TODAY + dt.timedelta(days=3)
    )
    save(
        team,
        dataclasses.replace(
            rebooked, kind=ContactKind.SIX_TO_EIGHT_WEEK, contact_date=BORN + dt.timedelta(days=50)
        ),
    )
    with unit_of_work(team.engine) as session:
        record = child_record(session, team.hv, team.child_id, today=TODAY)
    status = {line.kind: line.status for line in record.reviews}
    assert status[ContactKind.SIX_TO_EIGHT_WEEK] is ReviewStatus.NOT_ATTENDED_REBOOKED


def test_asq_scores_are_kept_with_their_zones(team: Team) -> None:
    scores = (
        DevelopmentEntry(DevelopmentDomain.COMMUNICATION, 25, ScreeningZone.BELOW_CUTOFF),
        DevelopmentEntry(DevelopmentDomain.GROSS_MOTOR, 60, ScreeningZone.ABOVE_CUTOFF),
    )
    entry = visit(team, kind=ContactKind.OTHER, development=scores)
    saved = save(team, entry)
    with unit_of_work(team.engine) as session:
        kept = session.scalars(
            select(DevelopmentScore).where(DevelopmentScore.contact_id == saved.contact_id)
        ).all()
    assert {(s.domain, s.score, s.zone) for s in kept} == {
        (s.domain, s.score, s.zone) for s in scores
    }
    with pytest.raises(ValidationError, match="run from 0 to 60"):
        save(
            team,
            visit(
                team,
                kind=ContactKind.OTHER,
                development=(
                    DevelopmentEntry(DevelopmentDomain.FINE_MOTOR, 65, ScreeningZone.ABOVE_CUTOFF),
                ),
            ),
        )


def test_another_teams_child_cannot_be_recorded_against(team: Team) -> None:
    with pytest.raises(PermissionDeniedError), unit_of_work(team.engine) as session:
        record_contact(session, team.stranger, visit(team), today=TODAY)


def test_a_mandated_review_names_an_accountable_health_visitor(team: Team) -> None:
    with unit_of_work(team.engine) as session:
        admin = factories.user(session, None, Role.ADMINISTRATOR)
    with pytest.raises(ValidationError) as caught:
        save(team, visit(team, accountable_health_visitor_id=None))
    assert caught.value.for_field("accountable_health_visitor")
    with pytest.raises(ValidationError) as caught:
        save(team, visit(team, accountable_health_visitor_id=admin.id))
    assert caught.value.for_field("accountable_health_visitor")


def test_faltering_growth_is_alerted_on_saving_and_shows_in_the_caseload(team: Team) -> None:
    # 3.4 kg at birth (about the 50th centile); 2.95 kg at 12 days is a 13% loss (NICE NG75).
    saved = save(
        team,
        visit(team, measurements=(MeasurementEntry(MeasurementKind.WEIGHT, 2.95),)),
        confirm_implausible=True,
    )
    assert saved.alerts, "a 13% loss of birth weight must raise an alert"
    with unit_of_work(team.engine) as session:
        rows = caseload(session, team.hv, today=TODAY)
        record = child_record(session, team.hv, team.child_id, today=TODAY)
    assert rows[0].alerts and rows[0].alerts[0].startswith("Faltering growth")
    assert record.alerts


def test_the_record_says_which_side_of_each_cut_off_is_the_concern(team: Team) -> None:
    # ASQ-3: below the cut-off is the concern; ASQ:SE-2 runs the other way (hazard H14).
    scores = (
        DevelopmentEntry(DevelopmentDomain.COMMUNICATION, 20, ScreeningZone.BELOW_CUTOFF),
        DevelopmentEntry(DevelopmentDomain.GROSS_MOTOR, 60, ScreeningZone.ABOVE_CUTOFF),
        DevelopmentEntry(DevelopmentDomain.SOCIAL_EMOTIONAL, 90, ScreeningZone.ABOVE_CUTOFF),
    )
    save(team, visit(team, kind=ContactKind.OTHER, development=scores))
    with unit_of_work(team.engine) as session:
        record = child_record(session, team.hv, team.child_id, today=TODAY)
    findings = next(c.findings for c in record.contacts if c.findings)
    assert "Communication 20 (below cut-off: concern)" in findings
    assert "Gross motor 60 (above cut-off: no concern)" in findings
    assert "Social-emotional (ASQ:SE-2) 90 (above cut-off: concern)" in findings


def test_another_teams_pregnancy_cannot_be_written_to(team: Team) -> None:
    from healthvisitor.persistence.models import Pregnancy

    with unit_of_work(team.engine) as session:
        south = session.scalars(select(Team_.id).where(Team_.name == "South")).one()
        family = factories.family(session, session.get_one(Team_, south), "Other")
        mother = factories.carer(session, family)
        theirs = Pregnancy(family_id=family.id, mother_id=mother.id, estimated_delivery_date=TODAY)
        session.add(theirs)
        session.flush()
    antenatal = visit(
        team,
        kind=ContactKind.ANTENATAL,
        child_id=None,
        pregnancy_id=theirs.id,
        contact_date=TODAY - dt.timedelta(days=10),
    )
    with pytest.raises(PermissionDeniedError):
        save(team, antenatal)
    # Nor may a child's contact name a pregnancy it was not born from.
    with pytest.raises((PermissionDeniedError, ValidationError)):
        save(team, visit(team, pregnancy_id=theirs.id))


def test_a_height_after_a_length_is_compared_with_it(team: Team) -> None:
    save(team, visit(team, measurements=(MeasurementEntry(MeasurementKind.LENGTH, 57.0),)))
    shorter = visit(
        team,
        kind=ContactKind.OTHER,
        contact_date=BORN + dt.timedelta(days=40),
        measurements=(MeasurementEntry(MeasurementKind.HEIGHT, 50.0),),
    )
    with pytest.raises(ImplausibleChangeError):
        save(team, shorter)


def test_smoking_is_not_recorded_on_a_contact_that_did_not_happen(team: Team) -> None:
    with pytest.raises(ValidationError, match="only when the contact took place"):
        save(team, visit(team, outcome=ContactOutcome.DECLINED, mother_smokes=True))


def test_a_corrected_contact_no_longer_counts_or_shows(team: Team) -> None:
    first = save(team, visit(team))
    with unit_of_work(team.engine) as session:
        original = session.get_one(Contact, first.contact_id)
        # The visit was recorded in error: the child was not brought (a correction
        # supersedes the entry, which is kept).
        session.add(
            Contact(
                kind=original.kind,
                child_id=original.child_id,
                contact_date=original.contact_date,
                location=original.location,
                outcome=ContactOutcome.NOT_ATTENDED,
                delivered_by_id=original.delivered_by_id,
                accountable_health_visitor_id=original.accountable_health_visitor_id,
                supersedes_id=original.id,
            )
        )
    with unit_of_work(team.engine) as session:
        record = child_record(session, team.hv, team.child_id, today=TODAY)
    status = {line.kind: line.status for line in record.reviews}
    assert status[ContactKind.NEW_BIRTH_VISIT] is ReviewStatus.NOT_ATTENDED
    assert [c.id for c in record.contacts if c.kind is ContactKind.NEW_BIRTH_VISIT] != [
        first.contact_id
    ]
    assert first.contact_id not in {c.id for c in record.contacts}


def test_of_two_attempts_on_one_day_the_later_recorded_counts(team: Team) -> None:
    day = BORN + dt.timedelta(days=50)
    six_weeks = ContactKind.SIX_TO_EIGHT_WEEK
    save(team, visit(team, kind=six_weeks, contact_date=day, outcome=ContactOutcome.NOT_ATTENDED))
    save(team, visit(team, kind=six_weeks, contact_date=day, outcome=ContactOutcome.DECLINED))
    with unit_of_work(team.engine) as session:
        record = child_record(session, team.hv, team.child_id, today=TODAY)
    assert {line.kind: line.status for line in record.reviews}[six_weeks] is ReviewStatus.DECLINED
