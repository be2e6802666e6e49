"""Referrals (issue 5): the lifecycle, consent, follow-ups, access, types and prompts."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, delete, select, update

from healthvisitor.domain.enums import (
    ContactKind,
    ContactLocation,
    ContactOutcome,
    DevelopmentDomain,
    MeasurementKind,
    PromptDecision,
    ReferralConsent,
    ReferralOutcome,
    ReferralStatus,
    Role,
    SafeguardingStatus,
    ScreeningZone,
    ServiceLevel,
)
from healthvisitor.errors import (
    DuplicateError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from healthvisitor.persistence.models import (
    AuditEvent,
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
from healthvisitor.services import allocation, referrals
from healthvisitor.services.actor import Actor
from healthvisitor.services.contacts import (
    ContactEntry,
    DevelopmentEntry,
    MeasurementEntry,
    record_contact,
)
from healthvisitor.services.referrals import NewReferral
from tests import factories

BORN = dt.date(2026, 9, 1)
TODAY = dt.date(2026, 11, 24)


@dataclasses.dataclass(frozen=True)
class World:
    engine: Engine
    hv: Actor
    colleague: Actor
    lead: Actor
    admin: Actor
    stranger: Actor
    child_id: uuid.UUID
    mother_id: uuid.UUID
    other_child_id: uuid.UUID  # on the colleague's caseload

    def type_id(self, code: str) -> uuid.UUID:
        with unit_of_work(self.engine) as session:
            return session.scalars(select(ReferralType.id).where(ReferralType.code == code)).one()


@pytest.fixture
def _referral_types_restored(engine: Engine) -> Iterator[None]:
    """Put the seeded referral types back after a test that changes them: the PostgreSQL
    test database keeps ``referral_types`` between tests (conftest truncates the rest)."""
    with engine.connect() as connection:
        before = connection.execute(
            select(
                ReferralType.id,
                ReferralType.name,
                ReferralType.retired,
                ReferralType.on_family_copy,
            )
        ).all()
    yield
    with engine.begin() as connection:
        kept = [row.id for row in before]
        added = select(ReferralType.id).where(ReferralType.id.not_in(kept))
        made = select(Referral.id).where(Referral.referral_type_id.in_(added))
        connection.execute(delete(ReferralEvent).where(ReferralEvent.referral_id.in_(made)))
        connection.execute(delete(Referral).where(Referral.id.in_(made)))
        connection.execute(delete(ReferralType).where(ReferralType.id.not_in(kept)))
        for row in before:
            connection.execute(
                update(ReferralType)
                .where(ReferralType.id == row.id)
                .values(name=row.name, retired=row.retired, on_family_copy=row.on_family_copy)
            )


@pytest.fixture
def world(engine: Engine) -> World:
    with unit_of_work(engine) as session:
        north, south = factories.team(session, "North"), factories.team(session, "South")
        hv_user = factories.user(session, north)
        colleague_user = factories.user(session, north)
        family = factories.family(session, north, "Khan")
        mother = factories.carer(session, family, "Sara")
        child = factories.child(session, family, hv_user, date_of_birth=BORN, given_name="Amelia")
        other = factories.child(
            session, factories.family(session, north, "Jones"), colleague_user, date_of_birth=BORN
        )
        return World(
            engine=engine,
            hv=factories.actor(hv_user),
            colleague=factories.actor(colleague_user),
            lead=factories.actor(factories.user(session, north, Role.TEAM_LEAD)),
            admin=factories.actor(factories.user(session, None, Role.ADMINISTRATOR)),
            stranger=factories.actor(factories.user(session, south)),
            child_id=child.id,
            mother_id=mother.id,
            other_child_id=other.id,
        )


def make(
    world: World, code: str = "early_help", *, by: Actor | None = None, **changes: Any
) -> uuid.UUID:
    fields: dict[str, Any] = {
        "referral_type_id": world.type_id(code),
        "child_id": world.child_id,
        "reason": "Housing worries.",
        "made_on": dt.date(2026, 11, 1),
        "consent": ReferralConsent.GIVEN,
    }
    fields.update(changes)
    with unit_of_work(world.engine) as session:
        return referrals.make_referral(session, by or world.hv, NewReferral(**fields), today=TODAY)


def step(
    world: World,
    referral_id: uuid.UUID,
    status: ReferralStatus,
    on: dt.date,
    **options: Any,
) -> None:
    with unit_of_work(world.engine) as session:
        referrals.record_step(session, world.hv, referral_id, status, on=on, today=TODAY, **options)


def line(world: World, referral_id: uuid.UUID) -> referrals.ReferralLine:
    with unit_of_work(world.engine) as session:
        return referrals.referral(session, world.hv, referral_id, today=TODAY)


# --- Lifecycle ------------------------------------------------------------------------------


def test_a_referral_goes_from_draft_to_completed_with_every_step_dated(world: World) -> None:
    referral_id = make(world)
    step(world, referral_id, ReferralStatus.SENT, dt.date(2026, 11, 2))
    step(world, referral_id, ReferralStatus.ACKNOWLEDGED, dt.date(2026, 11, 5))
    step(world, referral_id, ReferralStatus.ACCEPTED, dt.date(2026, 11, 9), note="First visit")
    step(world, referral_id, ReferralStatus.COMPLETED, dt.date(2026, 11, 20))

    done = line(world, referral_id)
    assert done.status is ReferralStatus.COMPLETED
    assert [(s.status, s.on) for s in done.steps] == [
        (ReferralStatus.DRAFT, dt.date(2026, 11, 1)),
        (ReferralStatus.SENT, dt.date(2026, 11, 2)),
        (ReferralStatus.ACKNOWLEDGED, dt.date(2026, 11, 5)),
        (ReferralStatus.ACCEPTED, dt.date(2026, 11, 9)),
        (ReferralStatus.COMPLETED, dt.date(2026, 11, 20)),
    ]
    assert {s.recorded_by for s in done.steps} == {world.hv.full_name}
    assert done.steps[3].note == "First visit"
    assert done.closed_on == dt.date(2026, 11, 20)
    assert done.outcome_code is ReferralOutcome.ENGAGED
    assert done.next_steps == ()


def test_a_completed_referral_cannot_be_sent_again(world: World) -> None:
    referral_id = make(world)
    for status, day in [
        (ReferralStatus.SENT, 2),
        (ReferralStatus.ACCEPTED, 3),
        (ReferralStatus.COMPLETED, 4),
    ]:
        step(world, referral_id, status, dt.date(2026, 11, day))
    with pytest.raises(ValidationError, match="completed; it cannot be sent again"):
        step(world, referral_id, ReferralStatus.SENT, dt.date(2026, 11, 5))
    assert line(world, referral_id).status is ReferralStatus.COMPLETED


@pytest.mark.parametrize(
    ("path", "illegal"),
    [
        ((), ReferralStatus.ACCEPTED),  # a draft has not been sent
        ((), ReferralStatus.COMPLETED),
        ((ReferralStatus.SENT,), ReferralStatus.COMPLETED),  # not accepted yet
        ((ReferralStatus.SENT, ReferralStatus.DECLINED), ReferralStatus.SENT),
        ((ReferralStatus.SENT, ReferralStatus.DECLINED), ReferralStatus.ACCEPTED),
        ((ReferralStatus.SENT, ReferralStatus.ACKNOWLEDGED), ReferralStatus.SENT),
    ],
)
def test_illegal_steps_are_refused(
    world: World, path: tuple[ReferralStatus, ...], illegal: ReferralStatus
) -> None:
    referral_id = make(world)
    for status in path:
        step(world, referral_id, status, dt.date(2026, 11, 3))
    before = line(world, referral_id)
    with pytest.raises(ValidationError) as raised:
        step(world, referral_id, illegal, dt.date(2026, 11, 4))
    assert raised.value.for_field("status")
    assert line(world, referral_id).steps == before.steps


def test_any_open_referral_closes_only_with_a_coded_outcome(world: World) -> None:
    referral_id = make(world)
    step(world, referral_id, ReferralStatus.SENT, dt.date(2026, 11, 2))
    with pytest.raises(ValidationError) as raised:
        step(world, referral_id, ReferralStatus.CLOSED, dt.date(2026, 11, 6))
    assert raised.value.for_field("outcome")
    step(
        world,
        referral_id,
        ReferralStatus.CLOSED,
        dt.date(2026, 11, 6),
        outcome=ReferralOutcome.MOVED,
        note="Moved to Leeds",
    )
    closed = line(world, referral_id)
    assert (closed.status, closed.outcome_code, closed.outcome) == (
        ReferralStatus.CLOSED,
        ReferralOutcome.MOVED,
        "Moved to Leeds",
    )


def test_a_step_is_not_in_the_future_nor_before_the_previous_step(world: World) -> None:
    referral_id = make(world)
    with pytest.raises(ValidationError, match="future"):
        step(world, referral_id, ReferralStatus.SENT, TODAY + dt.timedelta(days=1))
    with pytest.raises(ValidationError, match="before the previous step"):
        step(world, referral_id, ReferralStatus.SENT, dt.date(2026, 10, 31))
    step(world, referral_id, ReferralStatus.SENT, dt.date(2026, 11, 10))
    with pytest.raises(ValidationError, match=r"before the previous step \(10 Nov 2026\)"):
        step(world, referral_id, ReferralStatus.ACCEPTED, dt.date(2026, 11, 9))
    step(world, referral_id, ReferralStatus.ACCEPTED, dt.date(2026, 11, 10))  # same day is fine


def test_consent_is_needed_before_sending(world: World) -> None:
    referral_id = make(world, consent=ReferralConsent.NOT_RECORDED)
    with pytest.raises(ValidationError, match="Record the family's consent"):
        step(world, referral_id, ReferralStatus.SENT, dt.date(2026, 11, 2))
    with unit_of_work(world.engine) as session:
        referrals.record_consent(session, world.hv, referral_id, ReferralConsent.REFUSED)
    with pytest.raises(ValidationError, match="refused consent"):
        step(world, referral_id, ReferralStatus.SENT, dt.date(2026, 11, 2))
    with unit_of_work(world.engine) as session, pytest.raises(ValidationError) as raised:
        referrals.record_consent(
            session, world.hv, referral_id, ReferralConsent.NOT_REQUIRED_SAFEGUARDING
        )
    assert raised.value.for_field("consent_note")
    with unit_of_work(world.engine) as session:
        referrals.record_consent(
            session,
            world.hv,
            referral_id,
            ReferralConsent.NOT_REQUIRED_SAFEGUARDING,
            "Child protection strategy discussion; agreed with team lead",
        )
    step(world, referral_id, ReferralStatus.SENT, dt.date(2026, 11, 2))
    sent = line(world, referral_id)
    assert sent.status is ReferralStatus.SENT
    assert sent.consent is ReferralConsent.NOT_REQUIRED_SAFEGUARDING
    with unit_of_work(world.engine) as session:
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.entity_id == referral_id)
        ).all()
    assert actions.count("consent") == 2


def test_a_new_referral_is_checked_field_by_field(world: World) -> None:
    with pytest.raises(ValidationError) as raised:
        make(
            world,
            reason="  ",
            made_on=TODAY + dt.timedelta(days=1),
            follow_up_on=dt.date(2026, 1, 1),
        )
    assert raised.value.for_field("reason")
    assert raised.value.for_field("made_on")
    assert raised.value.for_field("follow_up_on")


# --- Follow-ups and the child's list ---------------------------------------------------------


def test_follow_ups_due_lists_open_referrals_on_the_caseload_most_overdue_first(
    world: World,
) -> None:
    overdue = make(world, follow_up_on=dt.date(2026, 11, 10))
    due_today = make(
        world, code="stop_smoking", child_id=None, carer_id=world.mother_id, follow_up_on=TODAY
    )
    make(world, follow_up_on=TODAY + dt.timedelta(days=1))  # not yet due
    closed = make(world, follow_up_on=dt.date(2026, 11, 10))
    step(world, closed, ReferralStatus.CLOSED, dt.date(2026, 11, 12), outcome=ReferralOutcome.MOVED)
    make(  # the colleague's, made by them (issue 8: only they change their caseload)
        world, by=world.colleague, child_id=world.other_child_id, follow_up_on=dt.date(2026, 11, 10)
    )

    with unit_of_work(world.engine) as session:
        due = referrals.follow_ups_due(session, world.hv, TODAY)
        colleague = referrals.follow_ups_due(
            session, world.hv, TODAY, health_visitor_id=world.colleague.user_id
        )
    assert [(d.referral_id, d.days_overdue) for d in due] == [(overdue, 14), (due_today, 0)]
    assert due[1].child_id == world.child_id  # the mother's referral opens her child's record
    assert due[1].about == "Sara Khan (mother)"
    assert [d.child_id for d in colleague] == [world.other_child_id]


def test_setting_a_follow_up_shows_it_on_the_record_when_due(world: World) -> None:
    referral_id = make(world)
    with unit_of_work(world.engine) as session:
        referrals.set_follow_up(session, world.hv, referral_id, dt.date(2026, 11, 20))
    assert line(world, referral_id).follow_up_due
    with unit_of_work(world.engine) as session, pytest.raises(ValidationError):
        referrals.set_follow_up(session, world.hv, referral_id, dt.date(2026, 10, 1))


def test_the_childs_list_includes_the_familys_carers_open_first(world: World) -> None:
    finished = make(world, made_on=dt.date(2026, 11, 20))
    step(
        world, finished, ReferralStatus.CLOSED, dt.date(2026, 11, 21), outcome=ReferralOutcome.MOVED
    )
    about_mother = make(world, code="stop_smoking", child_id=None, carer_id=world.mother_id)
    about_child = make(world, code="infant_feeding", made_on=dt.date(2026, 10, 1))
    make(world, by=world.colleague, child_id=world.other_child_id)  # another family
    with unit_of_work(world.engine) as session:
        lines = referrals.child_referrals(session, world.hv, world.child_id, today=TODAY)
    assert [x.id for x in lines] == [about_mother, about_child, finished]
    assert lines[0].about == "Sara Khan (mother)"
    assert lines[0].type_name == "Stop smoking service"
    assert lines[1].about == "Amelia Khan"


# --- Access and referral types ---------------------------------------------------------------


def test_an_administrator_cannot_see_referrals(world: World) -> None:
    make(world)
    with unit_of_work(world.engine) as session, pytest.raises(PermissionDeniedError):
        referrals.child_referrals(session, world.admin, world.child_id, today=TODAY)


def test_another_team_cannot_see_or_refer(world: World) -> None:
    referral_id = make(world)
    with unit_of_work(world.engine) as session, pytest.raises(PermissionDeniedError):
        referrals.child_referrals(session, world.stranger, world.child_id, today=TODAY)
    with unit_of_work(world.engine) as session, pytest.raises(PermissionDeniedError):
        referrals.record_step(
            session,
            world.stranger,
            referral_id,
            ReferralStatus.SENT,
            on=TODAY,
            today=TODAY,
        )


def test_a_team_lead_works_on_the_teams_referrals(world: World) -> None:
    referral_id = make(world)
    with unit_of_work(world.engine) as session:
        referrals.record_step(
            session, world.lead, referral_id, ReferralStatus.SENT, on=TODAY, today=TODAY
        )
    assert line(world, referral_id).steps[-1].recorded_by == world.lead.full_name


def test_a_health_visitor_cannot_manage_referral_types(world: World) -> None:
    with unit_of_work(world.engine) as session, pytest.raises(PermissionDeniedError):
        referrals.add_referral_type(session, world.hv, "Audiology")
    with unit_of_work(world.engine) as session, pytest.raises(PermissionDeniedError):
        referrals.retire_referral_type(session, world.lead, world.type_id("gp"))


@pytest.mark.usefixtures("_referral_types_restored")
def test_an_administrator_adds_renames_and_retires_types(world: World) -> None:
    old_referral = make(world, code="dietetics")
    with unit_of_work(world.engine) as session:
        added = referrals.add_referral_type(session, world.admin, " Community  audiology ")
        renamed = referrals.rename_referral_type(
            session, world.admin, world.type_id("dietetics"), "Paediatric dietetics"
        )
        retired = referrals.retire_referral_type(session, world.admin, renamed.id)
    assert (added.code, added.name) == ("community_audiology", "Community audiology")
    assert retired.retired
    with unit_of_work(world.engine) as session:
        offered = referrals.referral_types(session, world.hv)
        every = referrals.referral_types(session, world.admin, include_retired=True)
        with pytest.raises(DuplicateError):
            referrals.add_referral_type(session, world.admin, "community audiology")
    assert "Community audiology" in [t.name for t in offered]
    assert "Paediatric dietetics" not in [t.name for t in offered]
    assert "Paediatric dietetics" in [t.name for t in every]
    # The old referral keeps its (now retired, renamed) type; a new one cannot use it.
    assert line(world, old_referral).type_name == "Paediatric dietetics"
    with pytest.raises(ValidationError) as raised:
        make(world, code="dietetics")
    assert raised.value.for_field("referral_type")


# --- The letter ------------------------------------------------------------------------------


def test_the_letter_holds_the_minimum_necessary_data_and_printing_is_audited(
    world: World,
) -> None:
    referral_id = make(world, sent_to="Hillside Family Hub", tried_so_far="Advice on budgeting")
    with unit_of_work(world.engine) as session:
        letter = referrals.referral_letter(session, world.hv, referral_id, today=TODAY)
    # The print's audit event is written as that unit of work commits (audit_chain.append).
    with unit_of_work(world.engine) as session:
        printed = session.scalars(
            select(AuditEvent).where(
                AuditEvent.entity_id == referral_id, AuditEvent.action == "print"
            )
        ).all()
    assert letter.about_name == "Amelia Khan"
    assert len(letter.nhs_number) == 12 and letter.nhs_number.count(" ") == 2
    assert (letter.service, letter.sent_to) == ("Early help / family hub", "Hillside Family Hub")
    assert letter.referrer_name == world.hv.full_name
    assert letter.team_name == "North"
    assert len(printed) == 1


# --- Prompts from findings -------------------------------------------------------------------


def contact(world: World, **findings: Any) -> uuid.UUID:
    fields: dict[str, Any] = {
        "kind": ContactKind.NEW_BIRTH_VISIT,
        "contact_date": dt.date(2026, 9, 12),
        "location": ContactLocation.HOME,
        "outcome": ContactOutcome.COMPLETED,
        "delivered_by_id": world.hv.user_id,
        "accountable_health_visitor_id": world.hv.user_id,
        "child_id": world.child_id,
    }
    fields.update(findings)
    # As ``Workspace.record_contact`` does: the prompts are saved with the contact.
    with unit_of_work(world.engine) as session:
        contact_id = record_contact(
            session, world.hv, ContactEntry(**fields), today=TODAY, confirm_implausible=True
        ).contact_id
        referrals.raise_prompts(session, world.hv, contact_id, today=TODAY)
        return contact_id


def prompts(world: World, contact_id: uuid.UUID) -> list[referrals.ReferralPromptLine]:
    with unit_of_work(world.engine) as session:
        return referrals.prompts_for_contact(session, world.hv, contact_id, today=TODAY)


def asq(domain: DevelopmentDomain, zone: ScreeningZone) -> dict[str, Any]:
    return {
        "kind": ContactKind.OTHER,
        "contact_date": dt.date(2026, 11, 20),
        "development": (DevelopmentEntry(domain, 20, zone),),
    }


#: Each trigger with a finding that fires it and one just below the threshold.
TRIGGERS: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("smoking", {"carbon_monoxide_ppm": 4.0}, {"carbon_monoxide_ppm": 3.9}),
    ("smoking", {"household_smokes": True}, {"household_smokes": False}),
    ("smoking", {"mother_smokes": True}, {"mother_smokes": False}),
    ("maternal_mood", {"gad2_score": 3}, {"gad2_score": 2}),
    (
        "maternal_mood",
        {"whooley_low_mood": False, "whooley_loss_of_interest": True},
        {"whooley_low_mood": False, "whooley_loss_of_interest": False},
    ),
    (
        "asq_communication",
        asq(DevelopmentDomain.COMMUNICATION, ScreeningZone.BELOW_CUTOFF),
        asq(DevelopmentDomain.COMMUNICATION, ScreeningZone.MONITORING),
    ),
    (
        "asq_other_domain",
        asq(DevelopmentDomain.FINE_MOTOR, ScreeningZone.BELOW_CUTOFF),
        asq(DevelopmentDomain.FINE_MOTOR, ScreeningZone.MONITORING),
    ),
    (
        # NICE NG75: more than 10% of the 3.4 kg birth weight lost in the early days.
        "faltering_growth",
        {"measurements": (MeasurementEntry(MeasurementKind.WEIGHT, 3.05),)},  # 10.3%
        {"measurements": (MeasurementEntry(MeasurementKind.WEIGHT, 3.07),)},  # 9.7%
    ),
]


@pytest.mark.parametrize(
    ("rule_id", "fires", "below"), TRIGGERS, ids=[f"{t[0]}-{sorted(t[1])[0]}" for t in TRIGGERS]
)
def test_each_trigger_fires_at_its_threshold_and_not_below(
    world: World, rule_id: str, fires: dict[str, Any], below: dict[str, Any]
) -> None:
    with unit_of_work(world.engine) as session:  # the birth weight NG75 compares with
        from healthvisitor.persistence.models import Measurement

        session.add(
            Measurement(
                child_id=world.child_id,
                kind=MeasurementKind.WEIGHT,
                value=3.4,
                measured_on=BORN,
                recorded_by_id=world.hv.user_id,
                sds=0.0,
                centile=50.0,
                decimal_age=0.0,
                growth_reference="uk-who",
            )
        )
    fired = prompts(world, contact(world, **fires))
    quiet = prompts(world, contact(world, **below))
    assert rule_id in [p.rule_id for p in fired]
    assert rule_id not in [p.rule_id for p in quiet]


def test_the_smoking_prompt_is_about_the_mother_and_cites_its_source(world: World) -> None:
    [prompt] = prompts(world, contact(world, carbon_monoxide_ppm=8.0))
    assert prompt.carer_id == world.mother_id and prompt.child_id is None
    assert prompt.finding == "Carbon monoxide reading 8 ppm"
    assert "NICE NG209" in prompt.source
    assert [t.code for t in prompt.referral_types] == ["stop_smoking"]


@pytest.mark.parametrize(
    ("level", "fires"),
    [(ServiceLevel.UNIVERSAL_PARTNERSHIP_PLUS, True), (ServiceLevel.UNIVERSAL_PLUS, False)],
)
def test_universal_partnership_plus_prompts_intensive_parenting_support(
    world: World, level: ServiceLevel, fires: bool
) -> None:
    with unit_of_work(world.engine) as session:
        session.add(
            ServiceLevelEntry(child_id=world.child_id, level=level, start_date=dt.date(2026, 9, 5))
        )
    found = [p for p in prompts(world, contact(world)) if p.rule_id == "additional_needs"]
    assert bool(found) is fires
    if fires:
        assert [t.code for t in found[0].referral_types] == ["intensive_parenting", "early_help"]


def test_a_safeguarding_flag_prompts_early_help_once_per_flag(world: World) -> None:
    with unit_of_work(world.engine) as session:
        session.add(
            SafeguardingEntry(
                child_id=world.child_id,
                status=SafeguardingStatus.CHILD_IN_NEED,
                start_date=dt.date(2026, 9, 5),
            )
        )
    first = contact(world)
    [prompt] = prompts(world, first)
    assert prompt.rule_id == "additional_needs"
    assert "Child in need" in prompt.finding
    with unit_of_work(world.engine) as session:
        referrals.decline_prompt(
            session,
            world.hv,
            first,
            "additional_needs",
            reason="Already has a social worker",
            today=TODAY,
        )
    later = contact(world, contact_date=dt.date(2026, 10, 20), kind=ContactKind.SIX_TO_EIGHT_WEEK)
    assert prompts(world, later) == []


def test_two_reviews_in_a_row_not_brought_prompt_a_safeguarding_discussion(world: World) -> None:
    not_brought = {"outcome": ContactOutcome.NOT_ATTENDED}
    once = contact(world, contact_date=dt.date(2026, 9, 11), **not_brought)
    assert prompts(world, once) == []
    twice = contact(world, contact_date=dt.date(2026, 9, 14), **not_brought)
    [prompt] = prompts(world, twice)
    assert prompt.rule_id == "was_not_brought"
    assert prompt.finding == "Not brought to 2 mandated reviews in a row"
    assert prompt.suggestion == "Discuss safeguarding with your team lead"
    with unit_of_work(world.engine) as session:
        assert (
            referrals.accept_prompt(session, world.hv, twice, "was_not_brought", today=TODAY)
            is None
        )
    assert prompts(world, twice) == []
    # Brought to the next one: the run is broken.
    seen = contact(world, contact_date=dt.date(2026, 9, 18))
    assert "was_not_brought" not in [p.rule_id for p in prompts(world, seen)]


def test_accepting_a_prompt_drafts_the_referral_with_the_reason_filled_in(world: World) -> None:
    contact_id = contact(world, gad2_score=4)
    with unit_of_work(world.engine) as session:
        referral_id = referrals.accept_prompt(
            session, world.hv, contact_id, "maternal_mood", today=TODAY
        )
    assert referral_id is not None
    drafted = line(world, referral_id)
    assert drafted.status is ReferralStatus.DRAFT
    assert drafted.carer_id == world.mother_id
    assert drafted.type_code == "perinatal_mental_health"
    assert drafted.reason == "GAD-2 score 4 at the new birth visit on 12 Sep 2026."
    assert drafted.made_on == TODAY
    with unit_of_work(world.engine) as session:
        decision = session.scalars(select(ReferralPrompt)).one()
        audit = session.scalars(
            select(AuditEvent).where(
                AuditEvent.entity_type == "referral_prompt", AuditEvent.action == "accept"
            )
        ).one()
    assert (decision.decision, decision.referral_id, decision.contact_id) == (
        PromptDecision.ACCEPTED,
        referral_id,
        contact_id,
    )
    assert (decision.decided_on, decision.decided_by_id) == (TODAY, world.hv.user_id)
    assert json.loads(audit.details)["rule"] == "maternal_mood"
    # Not asked again, at this contact or the next, while the referral is open ...
    assert prompts(world, contact_id) == []
    next_contact = contact(world, contact_date=dt.date(2026, 10, 20), gad2_score=5)
    assert prompts(world, next_contact) == []
    # ... and asked again, at the next contact with the finding, once it is closed.
    step(world, referral_id, ReferralStatus.CLOSED, TODAY, outcome=ReferralOutcome.DID_NOT_ENGAGE)
    after = contact(world, contact_date=dt.date(2026, 10, 27), gad2_score=5)
    assert [p.rule_id for p in prompts(world, after)] == ["maternal_mood"]


def test_accepting_can_choose_another_suggested_type_but_not_any_type(world: World) -> None:
    contact_id = contact(world, **asq(DevelopmentDomain.GROSS_MOTOR, ScreeningZone.BELOW_CUTOFF))
    with unit_of_work(world.engine) as session, pytest.raises(ValidationError):
        referrals.accept_prompt(
            session,
            world.hv,
            contact_id,
            "asq_other_domain",
            today=TODAY,
            referral_type_id=world.type_id("stop_smoking"),
        )
    with unit_of_work(world.engine) as session:
        referral_id = referrals.accept_prompt(
            session,
            world.hv,
            contact_id,
            "asq_other_domain",
            today=TODAY,
            referral_type_id=world.type_id("early_help"),
        )
    assert referral_id is not None
    assert line(world, referral_id).type_code == "early_help"


def test_declining_a_prompt_needs_a_reason_and_is_kept(world: World) -> None:
    contact_id = contact(world, household_smokes=True)
    with unit_of_work(world.engine) as session, pytest.raises(ValidationError) as raised:
        referrals.decline_prompt(session, world.hv, contact_id, "smoking", reason=" ", today=TODAY)
    assert raised.value.for_field("reason")
    assert [p.rule_id for p in prompts(world, contact_id)] == ["smoking"]
    with unit_of_work(world.engine) as session:
        referrals.decline_prompt(
            session, world.hv, contact_id, "smoking", reason="Partner already referred", today=TODAY
        )
    assert prompts(world, contact_id) == []
    with unit_of_work(world.engine) as session:
        decision = session.scalars(select(ReferralPrompt)).one()
        assert session.scalars(select(ReferralEvent)).all() == []  # no referral made
    assert (decision.decision, decision.reason, decision.decided_by_id) == (
        PromptDecision.DECLINED,
        "Partner already referred",
        world.hv.user_id,
    )
    # A decision is for that contact: the finding at a later contact asks again.
    later = contact(world, contact_date=dt.date(2026, 10, 20), household_smokes=True)
    assert [p.rule_id for p in prompts(world, later)] == ["smoking"]


def test_an_open_referral_made_by_hand_stops_the_prompt(world: World) -> None:
    make(world, code="stop_smoking", child_id=None, carer_id=world.mother_id)
    assert prompts(world, contact(world, mother_smokes=True)) == []


def test_prompts_are_scoped_to_the_team(world: World) -> None:
    contact_id = contact(world, gad2_score=6)
    with unit_of_work(world.engine) as session, pytest.raises(PermissionDeniedError):
        referrals.prompts_for_contact(session, world.stranger, contact_id, today=TODAY)
    with unit_of_work(world.engine) as session, pytest.raises(PermissionDeniedError):
        referrals.prompts_for_contact(session, world.admin, contact_id, today=TODAY)


# --- No prompt is lost; discussions reach the team lead; the family's copy fails closed -----


def _pending(world: World, actor: Actor | None = None) -> dict[str, referrals.ReferralPromptLine]:
    with unit_of_work(world.engine) as session:
        found = referrals.pending_prompts(session, actor or world.hv, world.child_id, today=TODAY)
    return {p.rule_id: p for p in found}


def _to_decide_on_the_caseload(world: World) -> int:
    from healthvisitor.services.caseload import caseload

    with unit_of_work(world.engine) as session:
        rows = {r.child_id: r for r in caseload(session, world.hv, today=TODAY)}
    return rows[world.child_id].prompts_to_decide


def test_a_prompt_closed_unanswered_stays_to_decide_on_the_record_and_caseload(
    world: World,
) -> None:
    """Issue 5: the prompt window closed with Esc decides nothing and loses nothing."""
    contact_id = contact(world, carbon_monoxide_ppm=8.0, gad2_score=4)
    # The window is closed: nothing was decided. The record and the caseload still say so.
    waiting = _pending(world)
    assert set(waiting) == {"smoking", "maternal_mood"}
    smoking = waiting["smoking"]
    assert (smoking.carer_id, smoking.raised_on, smoking.contact_id) == (
        world.mother_id,
        TODAY,
        contact_id,
    )
    assert smoking.found_at == "new birth visit on 12 Sep 2026"
    assert smoking.about == "Sara Khan (mother)"
    assert _to_decide_on_the_caseload(world) == 2
    assert set(_pending(world, world.colleague)) == {"smoking", "maternal_mood"}  # same team
    with unit_of_work(world.engine) as session, pytest.raises(PermissionDeniedError):
        referrals.pending_prompts(session, world.stranger, world.child_id, today=TODAY)

    with unit_of_work(world.engine) as session:
        referrals.decline_prompt(
            session, world.hv, contact_id, "smoking", reason="Quit last week", today=TODAY
        )
    assert set(_pending(world)) == {"maternal_mood"}
    assert _to_decide_on_the_caseload(world) == 1
    # The colleague covers the health visitor's caseload (issue 8: else read only).
    with unit_of_work(world.engine) as session:
        allocation.arrange_cover(
            session,
            world.lead,
            world.hv.user_id,
            world.colleague.user_id,
            start=TODAY,
            end=TODAY + dt.timedelta(days=5),
            reason="Annual leave",
            today=TODAY,
        )
    with unit_of_work(world.engine) as session, pytest.raises(ValidationError):
        referrals.decline_prompt(
            session, world.colleague, contact_id, "smoking", reason="Again", today=TODAY
        )
    with unit_of_work(world.engine) as session:
        referral_id = referrals.accept_prompt(
            session, world.colleague, contact_id, "maternal_mood", today=TODAY
        )
    assert referral_id is not None
    assert _pending(world) == {}
    assert _to_decide_on_the_caseload(world) == 0
    with unit_of_work(world.engine) as session:
        rows = {p.rule_id: p for p in session.scalars(select(ReferralPrompt))}
        actions = sorted(
            session.scalars(
                select(AuditEvent.action).where(AuditEvent.entity_type == "referral_prompt")
            )
        )
    # One move each from "to decide", saying who raised it, who decided and when.
    assert (rows["smoking"].decision, rows["smoking"].decided_by_id) == (
        PromptDecision.DECLINED,
        world.hv.user_id,
    )
    assert (rows["maternal_mood"].decision, rows["maternal_mood"].decided_by_id) == (
        PromptDecision.ACCEPTED,
        world.colleague.user_id,
    )
    assert {r.raised_by_id for r in rows.values()} == {world.hv.user_id}
    assert all(r.decided_on == TODAY and r.decided_at is not None for r in rows.values())
    assert actions == ["accept", "decline", "raise", "raise"]


def test_the_workspace_saves_the_prompts_with_the_contact(world: World) -> None:
    """A window that crashes after saving loses nothing: the next one lists the prompt."""
    from healthvisitor.config import DatabaseChoice, parse_url
    from healthvisitor.services.workspace import Workspace

    choice = DatabaseChoice(parse_url(str(world.engine.url), "test"), "the test database")
    first = Workspace(world.engine, world.hv, choice, today=lambda: TODAY)
    recorded = first.record_contact(
        ContactEntry(
            kind=ContactKind.NEW_BIRTH_VISIT,
            contact_date=dt.date(2026, 9, 12),
            location=ContactLocation.HOME,
            outcome=ContactOutcome.COMPLETED,
            delivered_by_id=world.hv.user_id,
            accountable_health_visitor_id=world.hv.user_id,
            child_id=world.child_id,
            whooley_low_mood=True,
        ),
        confirm_implausible=True,
    )
    del first  # the window is gone before any prompt was shown
    again = Workspace(world.engine, world.hv, choice, today=lambda: TODAY)
    assert [p.rule_id for p in again.pending_referral_prompts(world.child_id)] == ["maternal_mood"]
    assert [p.rule_id for p in again.referral_prompts(recorded.contact_id)] == ["maternal_mood"]


def test_a_prompt_still_to_decide_is_not_raised_twice(world: World) -> None:
    first = contact(world, household_smokes=True)
    second = contact(world, contact_date=dt.date(2026, 10, 20), household_smokes=True)
    assert prompts(world, second) == []  # the first one stands for it
    assert [p.contact_id for p in _pending(world).values()] == [first]
    with unit_of_work(world.engine) as session:
        referrals.decline_prompt(
            session, world.hv, first, "smoking", reason="Smokes outside only", today=TODAY
        )
    third = contact(world, contact_date=dt.date(2026, 10, 27), household_smokes=True)
    assert [p.contact_id for p in _pending(world).values()] == [third]


def _not_brought_twice(world: World) -> uuid.UUID:
    not_brought = {"outcome": ContactOutcome.NOT_ATTENDED}
    contact(world, contact_date=dt.date(2026, 9, 11), **not_brought)
    return contact(world, contact_date=dt.date(2026, 9, 14), **not_brought)


def test_an_asked_for_discussion_reaches_the_team_lead_who_closes_it_once(
    world: World,
) -> None:
    twice = _not_brought_twice(world)
    with unit_of_work(world.engine) as session:
        assert referrals.safeguarding_discussions(session, world.lead) == []  # not asked yet
        referrals.accept_prompt(session, world.hv, twice, "was_not_brought", today=TODAY)
    with unit_of_work(world.engine) as session:
        [asked] = referrals.safeguarding_discussions(session, world.lead)
        hv_name = session.get_one(User, world.hv.user_id).full_name
    assert (asked.child_id, asked.about, asked.asked_on, asked.asked_by) == (
        world.child_id,
        "Amelia Khan",
        TODAY,
        hv_name,
    )
    assert asked.finding == "Not brought to 2 mandated reviews in a row"
    assert asked.found_at == "new birth visit on 14 Sep 2026"
    assert asked.nhs_number.count(" ") == 2
    # Only the lead records it; with a date not in the future and what was agreed.
    with unit_of_work(world.engine) as session, pytest.raises(PermissionDeniedError):
        referrals.safeguarding_discussions(session, world.hv)
    with unit_of_work(world.engine) as session, pytest.raises(PermissionDeniedError):
        referrals.record_discussion(
            session, world.hv, asked.prompt_id, discussed_on=TODAY, outcome="x", today=TODAY
        )
    with unit_of_work(world.engine) as session, pytest.raises(ValidationError) as raised:
        referrals.record_discussion(
            session,
            world.lead,
            asked.prompt_id,
            discussed_on=TODAY + dt.timedelta(days=1),
            outcome=" ",
            today=TODAY,
        )
    assert raised.value.for_field("discussed_on") and raised.value.for_field("outcome")
    with unit_of_work(world.engine) as session:
        referrals.record_discussion(
            session,
            world.lead,
            asked.prompt_id,
            discussed_on=TODAY,
            outcome="Refer to children's social care; HV to visit this week.",
            today=TODAY,
        )
    with unit_of_work(world.engine) as session:
        assert referrals.safeguarding_discussions(session, world.lead) == []
        [held] = referrals.safeguarding_discussions(session, world.lead, include_discussed=True)
        audit = session.scalars(select(AuditEvent).where(AuditEvent.action == "discussed")).one()
    assert (held.discussed_on, held.outcome) == (
        TODAY,
        "Refer to children's social care; HV to visit this week.",
    )
    assert audit.user_id == world.lead.user_id and audit.entity_id == asked.prompt_id
    with unit_of_work(world.engine) as session, pytest.raises(ValidationError):
        referrals.record_discussion(
            session, world.lead, asked.prompt_id, discussed_on=TODAY, outcome="Again", today=TODAY
        )


def test_the_discussion_list_is_scoped_to_the_leads_team(world: World) -> None:
    twice = _not_brought_twice(world)
    with unit_of_work(world.engine) as session:
        referrals.accept_prompt(session, world.hv, twice, "was_not_brought", today=TODAY)
        south_id = session.get_one(User, world.stranger.user_id).team_id
        south = session.get_one(Team, south_id)
        other_lead = factories.actor(factories.user(session, south, Role.TEAM_LEAD))
    with unit_of_work(world.engine) as session:
        [asked] = referrals.safeguarding_discussions(session, world.lead)
        assert referrals.safeguarding_discussions(session, other_lead) == []
    with unit_of_work(world.engine) as session, pytest.raises(NotFoundError) as raised:
        referrals.record_discussion(
            session, other_lead, asked.prompt_id, discussed_on=TODAY, outcome="x", today=TODAY
        )
    assert "not on your team's list" in str(raised.value)


def test_a_declined_discussion_prompt_does_not_reach_the_lead(world: World) -> None:
    twice = _not_brought_twice(world)
    with unit_of_work(world.engine) as session:
        referrals.decline_prompt(
            session,
            world.hv,
            twice,
            "was_not_brought",
            reason="Family in hospital with the baby",
            today=TODAY,
        )
    with unit_of_work(world.engine) as session:
        assert referrals.safeguarding_discussions(session, world.lead) == []


@pytest.mark.usefixtures("_referral_types_restored")
def test_a_new_referral_type_is_left_off_the_familys_copy_until_an_administrator_says_so(
    world: World,
) -> None:
    """Hazard H17: the family's red book copy fails closed for a route nobody has judged."""
    from healthvisitor.services.printing import red_book_summary

    with unit_of_work(world.engine) as session:
        seeded = {t.code: t.on_family_copy for t in referrals.referral_types(session, world.admin)}
        added = referrals.add_referral_type(session, world.admin, "Young carers service")
    assert seeded["stop_smoking"] and seeded["speech_language"] and seeded["other"]
    assert not seeded["childrens_social_care"] and not seeded["domestic_abuse"]
    assert added.on_family_copy is False
    make(world, code="young_carers_service")
    make(world, code="speech_language")

    def printed(*, for_family: bool = True) -> set[str]:
        with unit_of_work(world.engine) as session:
            summary = red_book_summary(
                session, world.hv, world.child_id, today=TODAY, for_family=for_family
            )
        return {r.referral_type for r in summary.referrals}

    assert printed() == {"Speech and language therapy"}
    assert printed(for_family=False) == {"Speech and language therapy", "Young carers service"}
    with unit_of_work(world.engine) as session, pytest.raises(PermissionDeniedError):
        referrals.set_family_copy(session, world.hv, added.id, True)
    with unit_of_work(world.engine) as session:
        assert referrals.set_family_copy(session, world.admin, added.id, True).on_family_copy
    assert printed() == {"Speech and language therapy", "Young carers service"}
    with unit_of_work(world.engine) as session:
        referrals.set_family_copy(session, world.admin, added.id, False)
    with unit_of_work(world.engine) as session:  # audit events are written at commit
        changes = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "family_copy")
        ).all()
    assert printed() == {"Speech and language therapy"}
    assert [json.loads(c.details)["on_family_copy"] for c in changes] == [True, False]


def test_a_drafts_words_can_change_until_it_is_sent(world: World) -> None:
    referral_id = make(world)
    first = line(world, referral_id)
    with unit_of_work(world.engine) as session, pytest.raises(ValidationError):
        referrals.update_draft(
            session,
            world.hv,
            referral_id,
            base=first.draft_base,
            reason=" ",
            sent_to="",
            tried_so_far="",
        )
    with unit_of_work(world.engine) as session:
        saved = referrals.update_draft(
            session,
            world.hv,
            referral_id,
            base=first.draft_base,
            reason="Rent arrears; asked for help with housing.",
            sent_to="Family hub, Chapeltown",
            tried_so_far="Signposted to Citizens Advice.",
        )
    assert saved.saved == ("Why (what you found)", "What has been tried", "Service address")
    edited = line(world, referral_id)
    assert (edited.reason, edited.sent_to, edited.tried_so_far) == (
        "Rent arrears; asked for help with housing.",
        "Family hub, Chapeltown",
        "Signposted to Citizens Advice.",
    )
    assert edited.version == first.version + 1
    with unit_of_work(world.engine) as session:  # audit events are written at commit
        event = session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "update", AuditEvent.entity_id == referral_id
            )
        ).one()
    # Each field changed, old and new, as for an edit of a child's details.
    assert json.loads(event.details) == {
        "changes": {
            "reason": {"old": first.reason, "new": edited.reason},
            "tried_so_far": {"old": first.tried_so_far, "new": edited.tried_so_far},
            "sent_to": {"old": first.sent_to, "new": edited.sent_to},
        },
        "version": edited.version,
        "based_on_version": first.version,
    }
    step(world, referral_id, ReferralStatus.SENT, TODAY)
    with unit_of_work(world.engine) as session, pytest.raises(ValidationError) as refused:
        referrals.update_draft(
            session,
            world.hv,
            referral_id,
            base=edited.draft_base,
            reason="Changed",
            sent_to="",
            tried_so_far="",
        )
    assert refused.value.for_field("status")
    assert "marked as sent" in str(refused.value)
    assert line(world, referral_id).reason == "Rent arrears; asked for help with housing."


def test_a_service_address_longer_than_it_holds_is_refused_in_words(world: World) -> None:
    referral_id = make(world)
    first = line(world, referral_id)
    with unit_of_work(world.engine) as session, pytest.raises(ValidationError) as refused:
        referrals.update_draft(
            session,
            world.hv,
            referral_id,
            base=first.draft_base,
            reason=first.reason,
            sent_to="x" * 201,
            tried_so_far="",
        )
    assert refused.value.for_field("sent_to") == ["The service address holds up to 200 characters."]
    assert line(world, referral_id).sent_to == first.sent_to
