"""Offline edits merged field by field; nothing silently overwritten (issue 12).

Two laptops: Ann's, and Bea's (she covers Ann's caseload, so both hold the
Smith family). Both edit offline, then send, in either order.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from sqlalchemy import Engine, insert, select, update

from healthvisitor.domain.enums import SafeguardingStatus, SmokingStatus
from healthvisitor.persistence.models import (
    AuditEvent,
    Carer,
    Child,
    CoverArrangement,
    Family,
    SafeguardingEntry,
    SyncConflict,
    SyncOutboxEntry,
)
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services.audit_chain import verify_chain
from healthvisitor.sync import (
    SyncRefusedError,
    open_conflicts,
    pull,
    push,
    resolve_conflict,
    sync_status,
)
from healthvisitor.sync.local import is_local_copy
from tests.sync.conftest import TODAY, Scene

pytestmark = pytest.mark.postgres


def both_pull(scene: Scene, laptops: tuple[Engine, Engine]) -> None:
    pull(scene.server, laptops[0], scene.ann, today=TODAY)
    pull(scene.server, laptops[1], scene.bea, today=TODAY)


def push_in_order(laptops: tuple[Engine, Engine], order: str, server: Engine) -> None:
    first, second = laptops if order == "ann first" else laptops[::-1]
    push(first, server, today=TODAY)
    push(second, server, today=TODAY)


def server_record(scene: Scene) -> dict[str, object]:
    with unit_of_work(scene.server) as session:
        family = session.get_one(Family, scene.family_id)
        child = session.get_one(Child, scene.sam_id)
        mother = session.get_one(Carer, scene.mother_id)
        return {
            "child": (child.given_name, child.health_visitor_id, child.version),
            "family": (
                family.address_line_1,
                family.town,
                family.main_language,
                family.interpreter_needed,
                family.version,
            ),
            "mother": (mother.phone, mother.smoking_status, mother.version),
        }


@pytest.mark.parametrize("order", ["ann first", "bea first"])
def test_offline_edits_to_different_fields_give_the_same_result_in_either_order(
    scene: Scene, laptops: tuple[Engine, Engine], order: str
) -> None:
    ann_laptop, bea_laptop = laptops
    both_pull(scene, laptops)
    with unit_of_work(ann_laptop) as session:
        session.get_one(Child, scene.sam_id).given_name = "Samantha"
        session.get_one(Family, scene.family_id).town = "Leeds"
    with unit_of_work(ann_laptop) as session:  # a second edit folds into the first
        session.get_one(Family, scene.family_id).address_line_1 = "4 Chapel Street"
    with unit_of_work(bea_laptop) as session:
        family = session.get_one(Family, scene.family_id)
        family.main_language, family.interpreter_needed = "Polish", True
        session.get_one(Carer, scene.mother_id).smoking_status = SmokingStatus.SMOKER

    push_in_order(laptops, order, scene.server)

    assert server_record(scene) == {
        # One accepted edit (based on the latest) and, for the family, one merged.
        "child": ("Samantha", scene.ann.user_id, 2),
        "family": ("4 Chapel Street", "Leeds", "Polish", True, 3),
        "mother": ("", SmokingStatus.SMOKER, 2),
    }
    with unit_of_work(scene.server) as session:
        assert open_conflicts(session, scene.lead) == []
        assert verify_chain(session).intact
        renamed = session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "sync_edit", AuditEvent.entity_id == scene.sam_id
            )
        ).one()
    assert json.loads(renamed.details)["applied"] == ["given_name"]
    # After the next pull each laptop holds the merged record.
    both_pull(scene, laptops)
    for laptop in laptops:
        with laptop.connect() as connection:
            assert connection.execute(
                select(Family.town, Family.main_language, Family.version)
            ).one() == ("Leeds", "Polish", 3)


@pytest.mark.parametrize("order", ["ann first", "bea first"])
def test_the_same_field_changed_on_both_laptops_keeps_both_values_as_a_conflict(
    scene: Scene, laptops: tuple[Engine, Engine], order: str
) -> None:
    ann_laptop, bea_laptop = laptops
    both_pull(scene, laptops)
    with unit_of_work(ann_laptop) as session:
        session.get_one(Carer, scene.mother_id).phone = "07700 900111"
    with unit_of_work(bea_laptop) as session:
        session.get_one(Carer, scene.mother_id).phone = "07700 900222"

    push_in_order(laptops, order, scene.server)

    with unit_of_work(scene.server) as session:
        (conflict,) = open_conflicts(session, scene.lead)
        on_record = session.get_one(Carer, scene.mother_id).phone
    assert (conflict.table_name, conflict.field, conflict.base_value) == ("carers", "phone", "")
    assert {conflict.server_value, conflict.laptop_value} == {"07700 900111", "07700 900222"}
    assert on_record == conflict.server_value  # the record keeps what was sent first
    second = scene.bea if order == "ann first" else scene.ann
    assert conflict.laptop_user == second.full_name

    # Sending again raises no second conflict.
    for laptop in laptops:
        with laptop.begin() as connection:
            connection.execute(update(SyncOutboxEntry).values(sent_at=None))
        push(laptop, scene.server, today=TODAY)
    with unit_of_work(scene.server) as session:
        assert len(open_conflicts(session, scene.lead)) == 1
        assert open_conflicts(session, scene.cat) != []  # the same team sees it
        resolve_conflict(session, scene.lead, conflict.conflict_id, keep_laptop_value=True)
    with unit_of_work(scene.server) as session:
        assert session.get_one(Carer, scene.mother_id).phone == conflict.laptop_value
        assert open_conflicts(session, scene.lead) == []
        resolved = session.get_one(SyncConflict, conflict.conflict_id)
        assert resolved.resolved_by_id == scene.lead.user_id


def test_an_offline_edit_against_an_edit_made_online_merges_or_conflicts(
    scene: Scene, laptops: tuple[Engine, Engine]
) -> None:
    ann_laptop, _ = laptops
    pull(scene.server, ann_laptop, scene.ann, today=TODAY)
    with unit_of_work(scene.server) as session:  # the office updates the address online
        family = session.get_one(Family, scene.family_id)
        family.address_line_1, family.postcode = "9 Mill Lane", "LS7 4CD"
    with unit_of_work(ann_laptop) as session:
        family = session.get_one(Family, scene.family_id)
        family.postcode, family.gp_practice = "LS7 9ZZ", "Chapeltown Health Centre"

    result = push(ann_laptop, scene.server, today=TODAY)

    assert result.conflicts == 1
    with unit_of_work(scene.server) as session:
        family = session.get_one(Family, scene.family_id)
        assert (family.address_line_1, family.postcode, family.gp_practice) == (
            "9 Mill Lane",
            "LS7 4CD",
            "Chapeltown Health Centre",
        )
        (conflict,) = open_conflicts(session, scene.ann)
    assert (conflict.field, conflict.server_value, conflict.laptop_value) == (
        "postcode",
        "LS7 4CD",
        "LS7 9ZZ",
    )


def test_a_safeguarding_flag_set_on_the_server_while_a_laptop_edits_the_child_stays(
    scene: Scene, laptops: tuple[Engine, Engine]
) -> None:
    ann_laptop, _ = laptops
    pull(scene.server, ann_laptop, scene.ann, today=TODAY)
    with unit_of_work(scene.server) as session:
        session.add(
            SafeguardingEntry(
                child_id=scene.sam_id,
                status=SafeguardingStatus.CHILD_PROTECTION_PLAN,
                start_date=TODAY,
                note="Strategy meeting",
            )
        )
        session.get_one(Child, scene.sam_id).place_of_birth = "St James's"
    with unit_of_work(ann_laptop) as session:
        child = session.get_one(Child, scene.sam_id)
        child.given_name, child.place_of_birth = "Samantha", "Leeds General Infirmary"

    push(ann_laptop, scene.server, today=TODAY)
    pull(scene.server, ann_laptop, scene.ann, today=TODAY)

    for engine in (scene.server, ann_laptop):
        with engine.connect() as connection:
            flags = connection.execute(
                select(SafeguardingEntry.status, SafeguardingEntry.end_date).where(
                    SafeguardingEntry.child_id == scene.sam_id
                )
            ).all()
            name = connection.scalar(select(Child.given_name).where(Child.id == scene.sam_id))
        assert flags == [(SafeguardingStatus.CHILD_PROTECTION_PLAN, None)]
        assert name == "Samantha"


def test_allocation_is_never_pushed_even_from_a_tampered_copy(
    scene: Scene, laptops: tuple[Engine, Engine]
) -> None:
    ann_laptop, _ = laptops
    pull(scene.server, ann_laptop, scene.ann, today=TODAY)
    # Around the services: the allocation changed and an edit queued by hand.
    with ann_laptop.begin() as connection:
        assert is_local_copy(connection)
        connection.execute(
            update(Child)
            .where(Child.id == scene.sam_id)
            .values(health_visitor_id=scene.cat.user_id, given_name="Samantha")
        )
        connection.execute(
            insert(SyncOutboxEntry).values(
                change_id=uuid.uuid4(),
                batch_id=uuid.uuid4(),
                table_name="children",
                record_id=scene.sam_id,
                kind="edit",
                queued_at=dt.datetime.now(dt.UTC),
            )
        )

    push(ann_laptop, scene.server, today=TODAY)

    assert server_record(scene)["child"] == ("Samantha", scene.ann.user_id, 2)


def test_a_change_about_another_teams_child_is_refused_and_stays_queued(
    scene: Scene, laptops: tuple[Engine, Engine]
) -> None:
    ann_laptop, _ = laptops
    pull(scene.server, ann_laptop, scene.ann, today=TODAY)
    with unit_of_work(ann_laptop) as session:
        session.get_one(Child, scene.sam_id).given_name = "Samantha"
    with unit_of_work(scene.server) as session:  # Sam moves to team South meanwhile
        south = session.get_one(Child, scene.south_child_id).team_id
        session.get_one(Child, scene.sam_id).team_id = south
        session.get_one(Family, scene.family_id).team_id = south

    with pytest.raises(SyncRefusedError, match=r"not in .*team"):
        push(ann_laptop, scene.server, today=TODAY)
    assert sync_status(ann_laptop).waiting == 1
    with unit_of_work(scene.server) as session:
        assert session.get_one(Child, scene.sam_id).given_name == "Sam"


def test_a_pull_before_sending_keeps_the_laptops_edit_and_its_base(
    scene: Scene, laptops: tuple[Engine, Engine]
) -> None:
    ann_laptop, _ = laptops
    pull(scene.server, ann_laptop, scene.ann, today=TODAY)
    with unit_of_work(ann_laptop) as session:
        session.get_one(Family, scene.family_id).town = "Leeds"
    with unit_of_work(scene.server) as session:
        session.get_one(Family, scene.family_id).main_language = "Urdu"

    pull(scene.server, ann_laptop, scene.ann, today=TODAY)  # back online, not yet sent
    with ann_laptop.connect() as connection:
        assert connection.scalar(select(Family.town)) == "Leeds"
    result = push(ann_laptop, scene.server, today=TODAY)

    assert result.conflicts == 0
    assert server_record(scene)["family"] == ("", "Leeds", "Urdu", False, 3)


def test_an_edit_of_a_child_reallocated_to_a_colleague_meanwhile_is_refused_and_stays_queued(
    scene: Scene, laptops: tuple[Engine, Engine]
) -> None:
    """Offline edits are held to the caseload, as online: same team is not enough."""
    ann_laptop, _ = laptops
    pull(scene.server, ann_laptop, scene.ann, today=TODAY)
    with unit_of_work(ann_laptop) as session:
        session.get_one(Child, scene.sam_id).given_name = "Samantha"
    with unit_of_work(scene.server) as session:  # the lead gives Sam to Cat meanwhile
        session.get_one(Child, scene.sam_id).health_visitor_id = scene.cat.user_id

    with pytest.raises(SyncRefusedError, match=r"Test User \d+'s caseload: you can read"):
        push(ann_laptop, scene.server, today=TODAY)
    assert sync_status(ann_laptop).waiting == 1
    with unit_of_work(scene.server) as session:
        assert session.get_one(Child, scene.sam_id).given_name == "Sam"

    with unit_of_work(scene.server) as session:  # Ann covers Cat: now hers to change
        session.add(
            CoverArrangement(
                team_id=scene.ann.team_id,
                absent_health_visitor_id=scene.cat.user_id,
                covering_health_visitor_id=scene.ann.user_id,
                start_date=TODAY,
                end_date=TODAY + dt.timedelta(days=1),
                reason="Training day",
                arranged_by_id=scene.lead.user_id,
            )
        )
    push(ann_laptop, scene.server, today=TODAY)
    assert sync_status(ann_laptop).waiting == 0
    with unit_of_work(scene.server) as session:
        assert session.get_one(Child, scene.sam_id).given_name == "Samantha"
