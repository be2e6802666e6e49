"""The laptop's copy holds exactly what the user may see (issue 12), from the real PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select, update

from healthvisitor.domain.enums import ContactKind, ContactLocation, ContactOutcome, Role
from healthvisitor.errors import PermissionDeniedError
from healthvisitor.persistence.models import (
    AuditEvent,
    Carer,
    Child,
    ChildSearchWord,
    Contact,
    Family,
    Measurement,
    SyncBase,
    User,
)
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services.actor import Actor
from healthvisitor.services.caseload import caseload
from healthvisitor.services.child_record import child_record
from healthvisitor.services.search import search_records
from healthvisitor.sync import pull, sync_status
from tests import factories
from tests.sync.conftest import TODAY, Scene
from tests.sync.offline import record_new_birth_visit, snapshot

pytestmark = pytest.mark.postgres


def ids(engine: Engine, column: object) -> set[object]:
    with engine.connect() as connection:
        return set(connection.scalars(select(column)))  # type: ignore[call-overload]


def test_a_health_visitors_copy_holds_nothing_outside_what_they_may_see(
    scene: Scene, laptops: tuple[Engine, Engine]
) -> None:
    laptop, _ = laptops
    with unit_of_work(scene.server) as session:  # history on both sides of the line
        record_new_birth_visit(scene.server, scene.ann, scene.sam_id)
        cats = session.get_one(Child, scene.cats_child_id)
        factories.carer(session, session.get_one(Family, cats.family_id), "Chris")
    with unit_of_work(scene.server) as session:
        cat_contact = Contact(
            kind=ContactKind.OTHER,
            child_id=scene.cats_child_id,
            contact_date=TODAY,
            location=ContactLocation.CLINIC,
            outcome=ContactOutcome.COMPLETED,
            delivered_by_id=scene.cat.user_id,
        )
        session.add(cat_contact)

    pull(scene.server, laptop, scene.ann, today=TODAY)

    assert ids(laptop, Child.id) == {scene.sam_id}
    assert ids(laptop, Family.id) == {scene.family_id}
    assert ids(laptop, Carer.id) == {scene.mother_id}
    assert ids(laptop, Contact.child_id) == {scene.sam_id}
    assert ids(laptop, Measurement.child_id) == {scene.sam_id}
    assert ids(laptop, ChildSearchWord.child_id) == {scene.sam_id}  # the search works offline
    assert ids(laptop, AuditEvent.id) == set()  # the server's audit trail stays there
    with laptop.connect() as connection:
        users = connection.execute(select(User.id, User.password_hash, User.team_id)).all()
        team_id = connection.scalar(select(Child.team_id))
    assert {user.password_hash for user in users} == {None}
    assert {user.team_id for user in users} == {team_id}  # no one from team South
    with scene.server.connect() as connection:
        north_users = set(connection.scalars(select(User.id).where(User.team_id == team_id)))
    assert {user.id for user in users} == north_users


def test_the_covering_health_visitor_takes_the_covered_caseload_too(
    scene: Scene, laptops: tuple[Engine, Engine]
) -> None:
    _, bea_laptop = laptops
    pull(scene.server, bea_laptop, scene.bea, today=TODAY)
    assert ids(bea_laptop, Child.id) == {scene.sam_id}
    # The cover ended: the next pull takes Ann's children off Bea's laptop.
    pull(scene.server, bea_laptop, scene.bea, today=TODAY.replace(day=28))
    assert ids(bea_laptop, Child.id) == set()
    assert ids(bea_laptop, Family.id) == set()
    assert ids(bea_laptop, SyncBase.record_id) == set()


def test_pulling_twice_gives_the_same_copy_and_follows_the_server(
    scene: Scene, laptops: tuple[Engine, Engine]
) -> None:
    laptop, _ = laptops
    record_new_birth_visit(scene.server, scene.ann, scene.sam_id)
    pull(scene.server, laptop, scene.ann, today=TODAY)
    first = snapshot(laptop, leave_out=frozenset({"sync_state"}))
    pull(scene.server, laptop, scene.ann, today=TODAY)
    assert snapshot(laptop, leave_out=frozenset({"sync_state"})) == first
    assert first["contacts"] and first["measurements"]

    # Reallocated to Cat on the server: gone from Ann's laptop, with its history.
    with scene.server.begin() as connection:
        connection.execute(
            update(Child)
            .where(Child.id == scene.sam_id)
            .values(health_visitor_id=scene.cat.user_id)
        )
    pull(scene.server, laptop, scene.ann, today=TODAY)
    with laptop.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Child)) == 0
        assert connection.scalar(select(func.count()).select_from(Contact)) == 0
        assert connection.scalar(select(func.count()).select_from(Measurement)) == 0


def test_an_administrator_or_another_user_gets_no_copy(
    scene: Scene, laptops: tuple[Engine, Engine]
) -> None:
    laptop, _ = laptops
    administrator = Actor(scene.ann.user_id, "admin", "Ada Admin", Role.ADMINISTRATOR, None)
    with pytest.raises(PermissionDeniedError):
        pull(scene.server, laptop, administrator, today=TODAY)
    pull(scene.server, laptop, scene.ann, today=TODAY)
    with pytest.raises(PermissionDeniedError, match="belongs to another user"):
        pull(scene.server, laptop, scene.bea, today=TODAY)
    with scene.server.begin() as connection:
        connection.execute(update(User).where(User.id == scene.ann.user_id).values(active=False))
    with pytest.raises(PermissionDeniedError, match="not active"):
        pull(scene.server, laptop, scene.ann, today=TODAY)


def test_the_services_work_on_the_copy_as_on_the_server(
    scene: Scene, laptops: tuple[Engine, Engine]
) -> None:
    ann_laptop, bea_laptop = laptops
    record_new_birth_visit(scene.server, scene.ann, scene.sam_id)
    pull(scene.server, ann_laptop, scene.ann, today=TODAY)
    pull(scene.server, bea_laptop, scene.bea, today=TODAY)

    with unit_of_work(ann_laptop) as session:
        (row,) = caseload(session, scene.ann, today=TODAY)
        record = child_record(session, scene.ann, scene.sam_id, today=TODAY)
        found = search_records(session, scene.ann, "sam", today=TODAY)
    assert row.child_id == scene.sam_id and row.last_contact is not None
    assert [line.kind for line in record.contacts] == [ContactKind.NEW_BIRTH_VISIT]
    assert [row.child_id for row in found.rows] == [scene.sam_id]
    with unit_of_work(bea_laptop) as session:
        (covered,) = caseload(session, scene.bea, today=TODAY)
    assert covered.covering_for.startswith("Covering for")
    # Opening the record offline is audited, and that event waits to be sent.
    with ann_laptop.connect() as connection:
        assert connection.scalars(select(AuditEvent.action)).all() == ["view"]
    assert sync_status(ann_laptop).waiting == 1
