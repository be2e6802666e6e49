"""Referral prompts raised in pregnancy (issue 5): seen, counted and decided before the
birth, and not lost at it.

Rosa Patel has no child yet: her antenatal review finds carbon monoxide 8 ppm and a
GAD-2 score of 4. Before this, both prompts waited on no list a health visitor sees.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

import pytest
from sqlalchemy import Engine, select

from healthvisitor.domain.enums import (
    ContactKind,
    ContactLocation,
    ContactOutcome,
    PregnancyOutcome,
    PromptDecision,
    ReferralStatus,
    Role,
    Sex,
)
from healthvisitor.errors import PermissionDeniedError, ValidationError
from healthvisitor.persistence.models import ReferralPrompt
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services import referrals
from healthvisitor.services.actor import Actor
from healthvisitor.services.caseload import caseload
from healthvisitor.services.contacts import ContactEntry, record_contact
from healthvisitor.services.life_events import BabyDetails, record_birth, record_pregnancy_outcome
from healthvisitor.services.pregnancies import pregnancy_caseload
from tests import factories

TODAY = dt.date(2026, 11, 24)
EDD = dt.date(2026, 12, 1)  # 39 weeks today
ANTENATAL_ON = dt.date(2026, 11, 10)


@dataclasses.dataclass(frozen=True)
class Expecting:
    engine: Engine
    hv: Actor
    stranger: Actor
    admin: Actor
    mother_id: uuid.UUID
    pregnancy_id: uuid.UUID
    other_pregnancy_id: uuid.UUID
    contact_id: uuid.UUID


@pytest.fixture
def rosa(engine: Engine) -> Expecting:
    with unit_of_work(engine) as session:
        north, south = factories.team(session, "North"), factories.team(session, "South")
        me = factories.user(session, north)
        mother = factories.carer(session, factories.family(session, north, "Patel"), "Rosa")
        pregnancy = factories.pregnancy(session, mother, me, EDD)
        lily = factories.carer(session, factories.family(session, north, "Green"), "Lily")
        other = factories.pregnancy(session, lily, me, dt.date(2027, 2, 1))
        hv = factories.actor(me)
        contact_id = record_contact(
            session,
            hv,
            ContactEntry(
                kind=ContactKind.ANTENATAL,
                contact_date=ANTENATAL_ON,
                location=ContactLocation.HOME,
                outcome=ContactOutcome.COMPLETED,
                delivered_by_id=me.id,
                accountable_health_visitor_id=me.id,
                pregnancy_id=pregnancy.id,
                carbon_monoxide_ppm=8.0,
                gad2_score=4,
            ),
            today=TODAY,
        ).contact_id
        # As ``Workspace.record_contact`` does: the prompts are saved with the contact.
        referrals.raise_prompts(session, hv, contact_id, today=TODAY)
        return Expecting(
            engine=engine,
            hv=hv,
            stranger=factories.actor(factories.user(session, south)),
            admin=factories.actor(factories.user(session, None, Role.ADMINISTRATOR)),
            mother_id=mother.id,
            pregnancy_id=pregnancy.id,
            other_pregnancy_id=other.id,
            contact_id=contact_id,
        )


def on_the_pregnancy(rosa: Expecting, actor: Actor | None = None) -> list[str]:
    with unit_of_work(rosa.engine) as session:
        found = referrals.pregnancy_prompts(
            session, actor or rosa.hv, rosa.pregnancy_id, today=TODAY
        )
    return [p.rule_id for p in found]


def counted(rosa: Expecting) -> dict[uuid.UUID, int]:
    with unit_of_work(rosa.engine) as session:
        rows = pregnancy_caseload(session, rosa.hv, today=TODAY)
    return {row.pregnancy_id: row.prompts_to_decide for row in rows}


def test_a_prompt_raised_in_pregnancy_is_listed_and_counted_on_the_pregnancy(
    rosa: Expecting,
) -> None:
    with unit_of_work(rosa.engine) as session:
        [smoking, mood] = referrals.pregnancy_prompts(
            session, rosa.hv, rosa.pregnancy_id, today=TODAY
        )
    assert (smoking.rule_id, mood.rule_id) == ("smoking", "maternal_mood")
    assert smoking.about == "Rosa Patel (mother)"
    assert (smoking.carer_id, smoking.child_id) == (rosa.mother_id, None)
    assert smoking.pregnancy_id == rosa.pregnancy_id
    assert smoking.finding == "Carbon monoxide reading 8 ppm"
    assert smoking.found_at == "antenatal health promoting review on 10 Nov 2026"
    # The caseload's pregnancies count them, as a child's row counts the family's.
    assert counted(rosa) == {rosa.pregnancy_id: 2, rosa.other_pregnancy_id: 0}


def test_another_team_and_an_administrator_cannot_read_a_pregnancys_prompts(
    rosa: Expecting,
) -> None:
    for outsider in (rosa.stranger, rosa.admin):
        with pytest.raises(PermissionDeniedError):
            on_the_pregnancy(rosa, outsider)
        with unit_of_work(rosa.engine) as session, pytest.raises(PermissionDeniedError):
            referrals.pregnancy_referrals(session, outsider, rosa.pregnancy_id, today=TODAY)


def test_a_prompt_is_decided_in_pregnancy_and_its_referral_is_the_mothers(
    rosa: Expecting,
) -> None:
    with unit_of_work(rosa.engine) as session:
        referral_id = referrals.accept_prompt(
            session, rosa.hv, rosa.contact_id, "smoking", today=TODAY
        )
        subjects = referrals.pregnancy_referral_subjects(session, rosa.hv, rosa.pregnancy_id)
    assert on_the_pregnancy(rosa) == ["maternal_mood"]
    assert counted(rosa)[rosa.pregnancy_id] == 1
    with unit_of_work(rosa.engine) as session:
        [drafted] = referrals.pregnancy_referrals(session, rosa.hv, rosa.pregnancy_id, today=TODAY)
    # Finished and sent from the pregnancy, before the birth (NICE NG209).
    assert (drafted.id, drafted.type_code, drafted.status) == (
        referral_id,
        "stop_smoking",
        ReferralStatus.DRAFT,
    )
    assert drafted.carer_id == rosa.mother_id
    assert drafted.reason == (
        "Carbon monoxide reading 8 ppm at the antenatal health promoting review on 10 Nov 2026."
    )
    assert [(s.child_id, s.carer_id) for s in subjects] == [(None, rosa.mother_id)]


def test_at_the_birth_a_prompt_still_to_decide_shows_on_the_babys_record_and_row(
    rosa: Expecting,
) -> None:
    """The prompt stays the mother's (not moved to the baby) and waits where the health
    visitor looks after the birth: the baby's record and caseload row."""
    with unit_of_work(rosa.engine) as session:
        baby = record_birth(
            session,
            rosa.hv,
            rosa.pregnancy_id,
            BabyDetails(
                nhs_number=factories.nhs_number(7301),
                given_name="Mira",
                family_name="Patel",
                date_of_birth=dt.date(2026, 11, 22),
                sex=Sex.FEMALE,
                gestation_weeks=38,
                gestation_days=4,
                birth_weight_kg=3.2,
            ),
            today=TODAY,
        )
    # The pregnancy has left the list: the prompts are not counted twice.
    assert rosa.pregnancy_id not in counted(rosa)
    with unit_of_work(rosa.engine) as session:
        on_the_baby = referrals.pending_prompts(session, rosa.hv, baby.id, today=TODAY)
        [row] = [r for r in caseload(session, rosa.hv, today=TODAY) if r.child_id == baby.id]
        kept = list(session.scalars(select(ReferralPrompt)))
    assert [p.rule_id for p in on_the_baby] == ["smoking", "maternal_mood"]
    assert row.prompts_to_decide == 2
    assert {(p.carer_id, p.child_id, p.decision) for p in kept} == {
        (rosa.mother_id, None, PromptDecision.PENDING)
    }
    # Still decided as before, now from the baby's record.
    with unit_of_work(rosa.engine) as session:
        referrals.decline_prompt(
            session, rosa.hv, rosa.contact_id, "maternal_mood", reason="Under the GP", today=TODAY
        )
        left = referrals.pending_prompts(session, rosa.hv, baby.id, today=TODAY)
    assert [p.rule_id for p in left] == ["smoking"]


def test_a_pregnancy_that_ends_without_a_birth_stays_listed_until_its_prompts_are_decided(
    rosa: Expecting,
) -> None:
    """A loss leaves no baby's record to show the mother's prompts on: the ended
    pregnancy stays on the list, saying so, until each prompt is decided."""
    with unit_of_work(rosa.engine) as session:
        record_pregnancy_outcome(
            session,
            rosa.hv,
            rosa.pregnancy_id,
            PregnancyOutcome.STILLBIRTH,
            outcome_date=dt.date(2026, 11, 20),
            today=TODAY,
        )
        record_pregnancy_outcome(  # no prompts: it leaves the list as before
            session,
            rosa.hv,
            rosa.other_pregnancy_id,
            PregnancyOutcome.MISCARRIAGE,
            outcome_date=dt.date(2026, 11, 21),
            today=TODAY,
        )
        [row] = pregnancy_caseload(session, rosa.hv, today=TODAY)
    assert row.pregnancy_id == rosa.pregnancy_id
    assert row.ended == "Ended 20 Nov 2026: stillbirth"
    assert row.prompts_to_decide == 2
    assert on_the_pregnancy(rosa) == ["smoking", "maternal_mood"]
    with unit_of_work(rosa.engine) as session:
        for rule in ("smoking", "maternal_mood"):
            referrals.decline_prompt(
                session, rosa.hv, rosa.contact_id, rule, reason="Discussed", today=TODAY
            )
        assert pregnancy_caseload(session, rosa.hv, today=TODAY) == []


def test_no_antenatal_review_after_a_pregnancy_ended_but_a_visit_may_be_recorded(
    rosa: Expecting,
) -> None:
    with unit_of_work(rosa.engine) as session:
        record_pregnancy_outcome(
            session,
            rosa.hv,
            rosa.pregnancy_id,
            PregnancyOutcome.STILLBIRTH,
            outcome_date=dt.date(2026, 11, 20),
            today=TODAY,
        )
    after = ContactEntry(
        kind=ContactKind.ANTENATAL,
        contact_date=dt.date(2026, 11, 23),
        location=ContactLocation.HOME,
        outcome=ContactOutcome.COMPLETED,
        delivered_by_id=rosa.hv.user_id,
        accountable_health_visitor_id=rosa.hv.user_id,
        pregnancy_id=rosa.pregnancy_id,
    )
    with unit_of_work(rosa.engine) as session, pytest.raises(ValidationError) as refused:
        record_contact(session, rosa.hv, after, today=TODAY)
    assert "ended on 20 Nov 2026 (stillbirth)" in str(refused.value)
    # A visit to the mother after the loss is recorded as another kind of contact.
    visit = dataclasses.replace(after, kind=ContactKind.OTHER)
    with unit_of_work(rosa.engine) as session:
        record_contact(session, rosa.hv, visit, today=TODAY)
