"""Records through time (issue 4): pregnancy, birth, transfer in, closing and reopening.

Each test runs on SQLite and on the real PostgreSQL server (the ``engine``
fixture). A family in Chapeltown: Sara is pregnant, due 10 Dec 2026, with
her antenatal review done; Priya is her health visitor, Joanne the team lead.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from healthvisitor.domain.enums import (
    AllocationChangeKind,
    CarerRelationship,
    ContactKind,
    ContactLocation,
    ContactOutcome,
    MeasurementKind,
    PregnancyOutcome,
    RecordStatus,
    ReviewStatus,
    Role,
    SafeguardingStatus,
    Sex,
)
from healthvisitor.errors import (
    PermissionDeniedError,
    PossibleDuplicateError,
    ValidationError,
)
from healthvisitor.persistence.models import (
    AllocationChange,
    AuditEvent,
    Carer,
    Child,
    Contact,
    Family,
    Measurement,
    Pregnancy,
    RecordStatusChange,
    SafeguardingEntry,
)
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services.actor import Actor
from healthvisitor.services.caseload import caseload
from healthvisitor.services.child_record import child_record
from healthvisitor.services.contacts import ContactEntry, MeasurementEntry, record_contact
from healthvisitor.services.life_events import (
    BabyDetails,
    PriorReview,
    TransferIn,
    change_record_status,
    record_birth,
    record_pregnancy_outcome,
    register_pregnancy,
    reopen_record,
    transfer_in,
)
from healthvisitor.services.pregnancies import pregnancy_caseload
from healthvisitor.services.records import (
    CarerDetails,
    FamilyDetails,
    add_carer,
    create_family,
    find_families,
)
from healthvisitor.services.team_board import team_board
from tests import factories

TODAY = dt.date(2026, 11, 24)
EDD = dt.date(2026, 12, 10)
BORN = dt.date(2026, 11, 22)


@dataclasses.dataclass(frozen=True)
class Family_:
    engine: Engine
    hv: Actor
    lead: Actor
    stranger: Actor
    admin: Actor
    family_id: uuid.UUID
    mother_id: uuid.UUID
    pregnancy_id: uuid.UUID


def _antenatal(hv: Actor, pregnancy_id: uuid.UUID, day: dt.date) -> ContactEntry:
    return ContactEntry(
        kind=ContactKind.ANTENATAL,
        contact_date=day,
        location=ContactLocation.HOME,
        outcome=ContactOutcome.COMPLETED,
        delivered_by_id=hv.user_id,
        accountable_health_visitor_id=hv.user_id,
        pregnancy_id=pregnancy_id,
    )


@pytest.fixture
def family(engine: Engine) -> Family_:
    with unit_of_work(engine) as session:
        team, elsewhere = factories.team(session, "Chapeltown"), factories.team(session, "Leeds")
        hv = factories.actor(factories.user(session, team))
        lead = factories.actor(factories.user(session, team, Role.TEAM_LEAD))
        stranger = factories.actor(factories.user(session, elsewhere))
        admin = factories.actor(factories.user(session, None, Role.ADMINISTRATOR))
        family_id = create_family(
            session, hv, FamilyDetails("Ahmed", "1 Test Street", town="Leeds", postcode="ls74aa")
        )
        mother_id = add_carer(
            session,
            hv,
            family_id,
            CarerDetails("Sara", "Ahmed", CarerRelationship.MOTHER),
            today=TODAY,
        )
        pregnancy = register_pregnancy(
            session, hv, family_id, mother_id, EDD, health_visitor_id=hv.user_id, today=TODAY
        )
        record_contact(
            session, hv, _antenatal(hv, pregnancy.id, dt.date(2026, 11, 20)), today=TODAY
        )
    return Family_(engine, hv, lead, stranger, admin, family_id, mother_id, pregnancy.id)


def baby(seed: int = 1, **changes: Any) -> BabyDetails:
    details = BabyDetails(
        nhs_number=factories.nhs_number(7000 + seed),
        given_name="Poppy",
        family_name="Ahmed",
        date_of_birth=BORN,
        sex=Sex.FEMALE,
        gestation_weeks=37,
        gestation_days=4,
        birth_weight_kg=3.1,
        place_of_birth="Leeds General Infirmary",
    )
    return dataclasses.replace(details, **changes)


def count(engine: Engine, model: type[Any]) -> int:
    with unit_of_work(engine) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def born_child(f: Family_, **changes: Any) -> uuid.UUID:
    with unit_of_work(f.engine) as session:
        return record_birth(session, f.hv, f.pregnancy_id, baby(**changes), today=TODAY).id


# --- Pregnancy and birth -------------------------------------------------------------


def test_a_birth_makes_a_child_of_the_pregnancy_keeping_its_antenatal_review(
    family: Family_,
) -> None:
    child_id = born_child(family)
    with unit_of_work(family.engine) as session:
        child = session.get_one(Child, child_id)
        assert child.pregnancy_id == family.pregnancy_id
        assert child.family_id == family.family_id
        assert child.health_visitor_id == family.hv.user_id
        pregnancy = session.get_one(Pregnancy, family.pregnancy_id)
        assert pregnancy.outcome is PregnancyOutcome.LIVE_BIRTH
        assert pregnancy.outcome_date == BORN
        record = child_record(session, family.hv, child_id, today=TODAY)
        # The antenatal contact stays on the pregnancy and shows in the child's record.
        assert [c.kind for c in record.contacts] == [ContactKind.ANTENATAL]
        assert record.reviews[0].kind is ContactKind.ANTENATAL
        assert record.reviews[0].status is ReviewStatus.DONE_ON_TIME
        assert [
            (a.kind, a.from_health_visitor, a.reason[:5]) for a in record.allocation_history
        ] == [(AllocationChangeKind.ALLOCATE, "Unallocated", "Born:")]
        # The pregnancy leaves the pregnancies list; the baby is on the caseload.
        assert pregnancy_caseload(session, family.hv, today=TODAY) == []
        assert [row.child_id for row in caseload(session, family.hv, today=TODAY)] == [child_id]
        contact = session.scalars(select(Contact)).one()
        assert contact.child_id is None and contact.pregnancy_id == family.pregnancy_id


def test_twins_are_two_children_of_one_pregnancy_and_both_show_the_antenatal_review(
    family: Family_,
) -> None:
    first = born_child(family)
    with pytest.raises(PossibleDuplicateError), unit_of_work(family.engine) as session:
        record_birth(session, family.hv, family.pregnancy_id, baby(2), today=TODAY)
    second = born_child(family, seed=3, given_name="Rose", sex=Sex.FEMALE)
    with unit_of_work(family.engine) as session:
        pregnancy = session.get_one(Pregnancy, family.pregnancy_id)
        assert pregnancy.outcome_date == BORN
        for child_id in (first, second):
            record = child_record(session, family.hv, child_id, today=TODAY)
            assert record.pregnancy_id == family.pregnancy_id
            assert [c.kind for c in record.contacts] == [ContactKind.ANTENATAL]
    with pytest.raises(ValidationError) as caught, unit_of_work(family.engine) as session:
        record_birth(
            session,
            family.hv,
            family.pregnancy_id,
            baby(4, given_name="Ivy", date_of_birth=BORN - dt.timedelta(days=9)),
            today=TODAY,
        )
    assert "too far apart" in caught.value.for_field("date_of_birth")[0]
    assert count(family.engine, Child) == 2


def test_a_birth_is_checked_like_any_new_child_and_against_the_pregnancy(
    family: Family_,
) -> None:
    with pytest.raises(ValidationError) as caught, unit_of_work(family.engine) as session:
        record_birth(
            session,
            family.hv,
            family.pregnancy_id,
            baby(nhs_number="123", date_of_birth=dt.date(2026, 5, 1), sex=None),
            today=TODAY,
        )
    fields = {p.field for p in caught.value.problems}
    assert fields == {"nhs_number", "date_of_birth", "sex"}
    assert "does not fit this pregnancy" in caught.value.for_field("date_of_birth")[0]
    assert count(family.engine, Child) == 0


def test_a_pregnancy_is_checked_before_it_is_registered(family: Family_) -> None:
    with unit_of_work(family.engine) as session:
        other_family = create_family(session, family.hv, FamilyDetails("Bell"))
        other_mother = add_carer(
            session,
            family.hv,
            other_family,
            CarerDetails("Jo", "Bell", CarerRelationship.MOTHER),
            today=TODAY,
        )
    with pytest.raises(ValidationError) as caught, unit_of_work(family.engine) as session:
        register_pregnancy(
            session,
            family.hv,
            family.family_id,
            other_mother,
            TODAY + dt.timedelta(days=400),
            health_visitor_id=family.stranger.user_id,
            today=TODAY,
        )
    assert {p.field for p in caught.value.problems} == {
        "mother",
        "estimated_delivery_date",
        "health_visitor_id",
    }
    with pytest.raises(ValidationError) as caught, unit_of_work(family.engine) as session:
        register_pregnancy(
            session,
            family.hv,
            family.family_id,
            family.mother_id,
            TODAY - dt.timedelta(days=20),
            health_visitor_id=family.hv.user_id,
            today=TODAY,
        )
    assert "already has an ongoing pregnancy" in caught.value.for_field("mother")[0]
    assert "record the birth" in caught.value.for_field("estimated_delivery_date")[0]
    assert count(family.engine, Pregnancy) == 1


def test_a_pregnancy_ended_otherwise_leaves_the_list_and_keeps_its_contacts(
    family: Family_,
) -> None:
    with unit_of_work(family.engine) as session:
        record_pregnancy_outcome(
            session,
            family.hv,
            family.pregnancy_id,
            PregnancyOutcome.MOVED_AWAY,
            outcome_date=TODAY,
            today=TODAY,
        )
        assert pregnancy_caseload(session, family.hv, today=TODAY) == []
    assert count(family.engine, Contact) == 1
    assert count(family.engine, Pregnancy) == 1
    with pytest.raises(ValidationError, match="no birth"), unit_of_work(family.engine) as session:
        record_birth(session, family.hv, family.pregnancy_id, baby(), today=TODAY)
    with (
        pytest.raises(ValidationError, match="Record birth"),
        unit_of_work(family.engine) as session,
    ):
        record_pregnancy_outcome(
            session,
            family.hv,
            family.pregnancy_id,
            PregnancyOutcome.LIVE_BIRTH,
            outcome_date=TODAY,
            today=TODAY,
        )


# --- Transfer in ------------------------------------------------------------------------


def _transfer(f: Family_, **changes: Any) -> TransferIn:
    transfer = TransferIn(
        baby=baby(20, given_name="Leo", family_name="Dunn", date_of_birth=dt.date(2026, 6, 1)),
        from_area="Bradford 0-19 service",
        arrived_on=dt.date(2026, 11, 1),
        new_family=FamilyDetails("Dunn", "4 New Road", town="Leeds", postcode="LS8 1AA"),
        first_carer=CarerDetails("Kim", "Dunn", CarerRelationship.MOTHER),
        reviews=(
            PriorReview(ContactKind.NEW_BIRTH_VISIT, dt.date(2026, 6, 12), ContactLocation.HOME),
            PriorReview(
                ContactKind.SIX_TO_EIGHT_WEEK,
                dt.date(2026, 7, 24),
                ContactLocation.CLINIC,
                (MeasurementEntry(MeasurementKind.WEIGHT, 5.2),),
            ),
        ),
    )
    return dataclasses.replace(transfer, **changes)


def test_a_transfer_in_arrives_unallocated_with_its_reviews_done(family: Family_) -> None:
    with unit_of_work(family.engine) as session:
        child_id = transfer_in(session, family.hv, _transfer(family), today=TODAY).id
    with unit_of_work(family.engine) as session:
        board = team_board(session, family.lead, today=TODAY)
        assert [row.child_id for row in board.unallocated] == [child_id]
        record = child_record(session, family.hv, child_id, today=TODAY)
        assert record.health_visitor == "Not allocated"
        assert record.transferred_in_from == "Bradford 0-19 service"
        assert record.transferred_in_on == dt.date(2026, 11, 1)
        statuses = {line.kind: line.status for line in record.reviews}
        assert statuses[ContactKind.NEW_BIRTH_VISIT] is ReviewStatus.DONE_ON_TIME
        assert statuses[ContactKind.SIX_TO_EIGHT_WEEK] is ReviewStatus.DONE_ON_TIME
        assert {c.previous_provider for c in record.contacts} == {"Bradford 0-19 service"}
        assert {c.delivered_by for c in record.contacts} == {family.hv.full_name}
        weights = [m.value for m in record.measurements]
        assert 5.2 in weights
        family_row = find_families(session, family.hv, "dun")[0]
        assert [c.name for c in family_row.carers] == ["Kim Dunn"]
        assert family_row.children == 1
    # An existing family works too.
    with unit_of_work(family.engine) as session:
        transfer_in(
            session,
            family.hv,
            _transfer(
                family,
                baby=baby(21, given_name="Ada", date_of_birth=dt.date(2025, 1, 5)),
                new_family=None,
                first_carer=None,
                family_id=family.family_id,
                reviews=(),
            ),
            today=TODAY,
        )
    assert count(family.engine, Family) == 2


def test_a_transfer_in_reports_every_problem_at_once_and_saves_nothing(
    family: Family_,
) -> None:
    before = (count(family.engine, Child), count(family.engine, Family))
    with pytest.raises(ValidationError) as caught, unit_of_work(family.engine) as session:
        transfer_in(
            session,
            family.hv,
            _transfer(
                family,
                from_area=" ",
                baby=baby(22, sex=None, date_of_birth=dt.date(2026, 6, 1)),
                reviews=(
                    PriorReview(
                        ContactKind.NEW_BIRTH_VISIT, dt.date(2026, 11, 10), ContactLocation.HOME
                    ),
                ),
            ),
            today=TODAY,
        )
    fields = {p.field for p in caught.value.problems}
    assert fields == {"from_area", "sex", "review_new_birth_visit"}
    assert "before the child arrived" in caught.value.for_field("review_new_birth_visit")[0]
    assert (count(family.engine, Child), count(family.engine, Family)) == before


# --- Closing and reopening ----------------------------------------------------------


CLOSINGS = [
    (RecordStatus.TRANSFERRED_OUT, "Bradford 0-19 service"),
    (RecordStatus.MOVED_AWAY, ""),
    (RecordStatus.DISCHARGED, "Handed over to school nursing, Hillside Primary"),
    (RecordStatus.DECEASED, ""),
]


@pytest.mark.parametrize(("status", "detail"), CLOSINGS)
def test_a_closed_record_leaves_the_caseload_stops_reminders_and_is_read_only(
    family: Family_, status: RecordStatus, detail: str
) -> None:
    child_id = born_child(family)
    closed_on = dt.date(2026, 11, 23)
    with unit_of_work(family.engine) as session:
        change_record_status(
            session,
            family.hv,
            child_id,
            status,
            effective_date=closed_on,
            detail=detail,
            today=TODAY,
        )
    with unit_of_work(family.engine) as session:
        assert caseload(session, family.hv, today=TODAY) == []
        assert team_board(session, family.lead, today=TODAY).unallocated == ()
        record = child_record(session, family.hv, child_id, today=TODAY)
        assert record.record_status is status
        assert record.record_status_date == closed_on
        assert record.is_closed
        closing = record.closing
        assert closing is not None
        assert (closing.status, closing.effective_date, closing.detail) == (
            status,
            closed_on,
            detail,
        )
        assert closing.recorded_by == family.hv.full_name
        # Nothing reminds anyone any more; what was done stays done.
        open_reviews = [line for line in record.reviews if not line.stopped]
        assert [line.kind for line in open_reviews] == [ContactKind.ANTENATAL]
        assert all(
            line.status in (ReviewStatus.NOT_YET_DUE, ReviewStatus.DUE)
            for line in record.reviews
            if line.stopped
        )
        events = session.scalars(
            select(AuditEvent.action).where(AuditEvent.entity_id == child_id)
        ).all()
        assert "change_record_status" in events
    with pytest.raises(ValidationError) as caught, unit_of_work(family.engine) as session:
        record_contact(
            session,
            family.hv,
            dataclasses.replace(
                _antenatal(family.hv, family.pregnancy_id, TODAY),
                kind=ContactKind.OTHER,
                pregnancy_id=None,
                child_id=child_id,
            ),
            today=TODAY,
        )
    assert "read-only" in caught.value.for_field("child")[0]
    assert count(family.engine, Contact) == 1


def test_a_discharged_child_is_still_on_record_and_found_by_nhs_number(family: Family_) -> None:
    child_id = born_child(family)
    with unit_of_work(family.engine) as session:
        change_record_status(
            session,
            family.hv,
            child_id,
            RecordStatus.DISCHARGED,
            effective_date=TODAY,
            detail="School nursing, Hillside Primary",
            today=TODAY,
        )
    with unit_of_work(family.engine) as session:
        found = session.scalars(select(Child).where(Child.nhs_number == baby().nhs_number)).one()
        assert found.id == child_id
        assert found.record_status is RecordStatus.DISCHARGED
        assert caseload(session, family.hv, today=TODAY) == []


def test_closing_is_checked_dates_and_where_to(family: Family_) -> None:
    child_id = born_child(family)
    with pytest.raises(ValidationError) as caught, unit_of_work(family.engine) as session:
        change_record_status(
            session,
            family.hv,
            child_id,
            RecordStatus.TRANSFERRED_OUT,
            effective_date=TODAY + dt.timedelta(days=1),
            detail="",
            today=TODAY,
        )
    assert {p.field for p in caught.value.problems} == {"effective_date", "detail"}
    with (
        pytest.raises(ValidationError, match="before the child was born"),
        unit_of_work(family.engine) as session,
    ):
        change_record_status(
            session,
            family.hv,
            child_id,
            RecordStatus.DECEASED,
            effective_date=BORN - dt.timedelta(days=1),
            detail="",
            today=TODAY,
        )
    assert count(family.engine, RecordStatusChange) == 0


def test_a_deceased_childs_record_cannot_be_reopened(family: Family_) -> None:
    child_id = born_child(family)
    with unit_of_work(family.engine) as session:
        change_record_status(
            session,
            family.hv,
            child_id,
            RecordStatus.DECEASED,
            effective_date=TODAY,
            detail="",
            today=TODAY,
        )
    with (
        pytest.raises(ValidationError, match="stays closed"),
        unit_of_work(family.engine) as session,
    ):
        reopen_record(session, family.hv, child_id, effective_date=TODAY, detail="", today=TODAY)
    with unit_of_work(family.engine) as session:
        assert session.get_one(Child, child_id).record_status is RecordStatus.DECEASED


def test_a_child_who_moved_back_is_reopened_unallocated(family: Family_) -> None:
    child_id = born_child(family)
    with unit_of_work(family.engine) as session:
        change_record_status(
            session,
            family.hv,
            child_id,
            RecordStatus.MOVED_AWAY,
            effective_date=dt.date(2026, 11, 23),
            detail="Leeds",
            today=TODAY,
        )
    with unit_of_work(family.engine) as session:
        reopen_record(
            session, family.lead, child_id, effective_date=TODAY, detail="Back", today=TODAY
        )
    with unit_of_work(family.engine) as session:
        board = team_board(session, family.lead, today=TODAY)
        assert [row.child_id for row in board.unallocated] == [child_id]
        record = child_record(session, family.hv, child_id, today=TODAY)
        assert record.record_status is RecordStatus.ACTIVE and not record.is_closed
        assert [line.status for line in record.status_history] == [
            RecordStatus.MOVED_AWAY,
            RecordStatus.ACTIVE,
        ]
        assert [
            (a.kind, a.from_health_visitor, a.to_health_visitor) for a in record.allocation_history
        ] == [
            (AllocationChangeKind.ALLOCATE, "Unallocated", family.hv.full_name),
            (AllocationChangeKind.UNALLOCATE, family.hv.full_name, "Unallocated"),
        ]
        assert all(a.changed_by for a in record.allocation_history)
        assert not any(line.stopped for line in record.reviews)
    with (
        pytest.raises(ValidationError, match="open already"),
        unit_of_work(family.engine) as session,
    ):
        reopen_record(session, family.hv, child_id, effective_date=TODAY, detail="", today=TODAY)


def test_only_the_childs_team_may_change_its_record_and_never_an_administrator(
    family: Family_,
) -> None:
    child_id = born_child(family)
    for outsider in (family.stranger, family.admin):
        with pytest.raises(PermissionDeniedError), unit_of_work(family.engine) as session:
            change_record_status(
                session,
                outsider,
                child_id,
                RecordStatus.MOVED_AWAY,
                effective_date=TODAY,
                detail="",
                today=TODAY,
            )
        with pytest.raises(PermissionDeniedError), unit_of_work(family.engine) as session:
            record_birth(session, outsider, family.pregnancy_id, baby(30), today=TODAY)
        into_this_family = _transfer(
            family, new_family=None, first_carer=None, family_id=family.family_id
        )
        with pytest.raises(PermissionDeniedError), unit_of_work(family.engine) as session:
            transfer_in(session, outsider, into_this_family, today=TODAY)
    assert count(family.engine, RecordStatusChange) == 0
    assert count(family.engine, Child) == 1


def test_nothing_is_ever_deleted_by_these_actions(family: Family_) -> None:
    child_id = born_child(family)
    with unit_of_work(family.engine) as session:
        transfer_in(session, family.hv, _transfer(family), today=TODAY)
    tables = (Child, Contact, Measurement, Pregnancy, Carer, Family, AllocationChange)
    before = {table: count(family.engine, table) for table in tables}
    with unit_of_work(family.engine) as session:
        change_record_status(
            session,
            family.hv,
            child_id,
            RecordStatus.MOVED_AWAY,
            effective_date=TODAY,
            detail="",
            today=TODAY,
        )
    with unit_of_work(family.engine) as session:
        reopen_record(session, family.hv, child_id, effective_date=TODAY, detail="", today=TODAY)
    with unit_of_work(family.engine) as session:
        change_record_status(
            session,
            family.hv,
            child_id,
            RecordStatus.DECEASED,
            effective_date=TODAY,
            detail="",
            today=TODAY,
        )
    after = {table: count(family.engine, table) for table in tables}
    assert after == {**before, AllocationChange: before[AllocationChange] + 1}
    assert count(family.engine, RecordStatusChange) == 3


def test_a_pre_birth_plan_goes_on_to_the_baby_at_birth(family: Family_) -> None:
    """Hazard H21: the pregnancy leaves the caseload at birth; its plan must not vanish."""
    with unit_of_work(family.engine) as session:
        session.add(
            SafeguardingEntry(
                pregnancy_id=family.pregnancy_id,
                status=SafeguardingStatus.PRE_BIRTH_PLAN,
                start_date=BORN - dt.timedelta(days=60),
                note="Strategy meeting",
            )
        )
    child_id = born_child(family)
    with unit_of_work(family.engine) as session:
        [row] = caseload(session, family.hv, today=TODAY)
        assert row.child_id == child_id
        assert row.safeguarding == (SafeguardingStatus.PRE_BIRTH_PLAN.label,)
        carried = session.scalars(
            select(SafeguardingEntry).where(SafeguardingEntry.child_id == child_id)
        ).one()
        assert carried.start_date == BORN
        assert carried.note.startswith("Carried over from the pregnancy at birth")


def test_a_review_done_elsewhere_cannot_be_dated_before_it_could_be_done(
    family: Family_,
) -> None:
    """A 1 year review at one month old would count as done and stop its reminder."""
    with pytest.raises(ValidationError) as caught, unit_of_work(family.engine) as session:
        transfer_in(
            session,
            family.hv,
            _transfer(
                family,
                baby=baby(23, date_of_birth=dt.date(2026, 6, 1)),
                reviews=(
                    PriorReview(ContactKind.ONE_YEAR, dt.date(2026, 7, 2), ContactLocation.HOME),
                ),
            ),
            today=TODAY,
        )
    [message] = caught.value.for_field("review_one_year")
    assert "too early for this child" in message
