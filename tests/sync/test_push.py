"""What is recorded offline reaches the shared database once, in the server's order (issue 12)."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from sqlalchemy import Engine, func, select, update

from healthvisitor.domain.enums import MeasurementKind, ReferralStatus, Role, SafeguardingStatus
from healthvisitor.domain.metrics import Quarter
from healthvisitor.errors import PermissionDeniedError
from healthvisitor.persistence.models import (
    AuditEvent,
    Child,
    Contact,
    Measurement,
    Referral,
    ReferralEvent,
    SafeguardingEntry,
    SyncOutboxEntry,
    SyncReceipt,
    User,
)
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services import record_edits, referrals
from healthvisitor.services.audit_chain import verify_chain
from healthvisitor.services.metrics import quarter_metrics
from healthvisitor.sync import OfflineNotAllowedError, PushResult, pull, push, pushing, sync_status
from tests.services.test_record_edits_growth import _rcpch as rcpch_values
from tests.sync.conftest import TODAY, Scene
from tests.sync.offline import (
    SAM_BORN,
    VISIT_DAY,
    make_referral,
    record_new_birth_visit,
    snapshot,
)

pytestmark = pytest.mark.postgres

Q1 = Quarter.parse("2026-27Q1")
NBV = "new_birth_visit_within_14_days"
#: The server's record of what arrived (new rows each push would add) and the audit trail.
SERVER_ONLY = frozenset({"sync_receipts", "audit_chain_head", "audit_events"})


def new_birth_visit_figure(scene: Scene) -> tuple[int, int | None]:
    with unit_of_work(scene.server) as session:
        figures = quarter_metrics(session, scene.lead, Q1, today=TODAY).figures
    (figure,) = [f for f in figures if f.code == NBV]
    return figure.numerator, figure.denominator


def count(engine: Engine, model: type) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(model)) or 0)


def test_a_contact_recorded_offline_counts_in_the_teams_metrics_after_sync(
    scene: Scene, laptops: tuple[Engine, Engine]
) -> None:
    laptop, _ = laptops
    pull(scene.server, laptop, scene.ann, today=TODAY)
    assert new_birth_visit_figure(scene) == (0, 1)  # Sam is in the cohort, not yet visited

    contact_id = record_new_birth_visit(laptop, scene.ann, scene.sam_id)
    assert sync_status(laptop).waiting > 0
    assert count(scene.server, Contact) == 0  # offline: nothing reached the server

    result = push(laptop, scene.server, today=TODAY)

    assert result.added > 0 and result.conflicts == 0
    assert new_birth_visit_figure(scene) == (1, 1)
    assert sync_status(laptop).waiting == 0
    with unit_of_work(scene.server) as session:
        contact = session.get_one(Contact, contact_id)  # the laptop's id, kept
        assert len(contact.measurements) == 2
        assert {m.recorded_by_id for m in contact.measurements} == {scene.ann.user_id}


def test_a_save_made_online_then_again_from_its_draft_on_the_copy_is_kept_once(
    scene: Scene, laptops: tuple[Engine, Engine]
) -> None:
    """The line drops as a contact is saved: the server committed it, the answer was lost,
    and the health visitor, carrying on offline, saves the same form from its draft on
    the copy. The form's save key makes the second one the same contact."""
    laptop, _ = laptops
    pull(scene.server, laptop, scene.ann, today=TODAY)
    save_key = uuid.uuid4()
    online = record_new_birth_visit(scene.server, scene.ann, scene.sam_id, save_key=save_key)
    offline = record_new_birth_visit(laptop, scene.ann, scene.sam_id, save_key=save_key)
    assert offline != online  # the copy never heard of the server's

    result = push(laptop, scene.server, today=TODAY)

    assert result.added == 1 and result.already_present >= 3  # the audit event is kept
    assert sync_status(laptop).waiting == 0
    with unit_of_work(scene.server) as session:
        [kept] = session.scalars(select(Contact).where(Contact.child_id == scene.sam_id)).all()
        assert kept.id == online and len(kept.measurements) == 2
    assert new_birth_visit_figure(scene) == (1, 1)


def test_offline_audit_events_join_the_servers_chain_intact_in_the_servers_order(
    scene: Scene, laptops: tuple[Engine, Engine]
) -> None:
    laptop, _ = laptops
    pull(scene.server, laptop, scene.ann, today=TODAY)
    contact_id = record_new_birth_visit(laptop, scene.ann, scene.sam_id)
    with unit_of_work(scene.server) as session:  # the server's trail moves on meanwhile
        new_birth_visit_figure(scene)
        before = session.scalar(select(func.max(AuditEvent.sequence)))
    with laptop.connect() as connection:
        offline = connection.execute(select(AuditEvent)).all()
    assert [event.action for event in offline] == ["create"]

    push(laptop, scene.server, today=TODAY)

    with unit_of_work(scene.server) as session:
        report = verify_chain(session)
        joined = session.get_one(AuditEvent, offline[0].id)
    assert report.intact, report.problem
    assert joined.entity_id == contact_id
    assert joined.occurred_at == offline[0].occurred_at  # when it happened, on the laptop
    assert before is not None and joined.sequence == before + 1  # where it arrived, on the server
    assert json.loads(joined.details)["measurements"] == 2


def test_an_interrupted_push_resumed_and_a_push_repeated_add_nothing_twice(
    scene: Scene, laptops: tuple[Engine, Engine], monkeypatch: pytest.MonkeyPatch
) -> None:
    laptop, _ = laptops
    pull(scene.server, laptop, scene.ann, today=TODAY)
    record_new_birth_visit(laptop, scene.ann, scene.sam_id)
    make_referral(laptop, scene.ann, scene.sam_id)

    # The line drops just after the server committed the first batch, before the
    # laptop heard back: the worst moment.
    real_mark_sent = pushing._mark_sent

    def drop_the_line(*args: object) -> None:
        raise ConnectionError("network unreachable")

    monkeypatch.setattr(pushing, "_mark_sent", drop_the_line)
    with pytest.raises(ConnectionError):
        push(laptop, scene.server, today=TODAY)
    assert count(scene.server, Contact) == 1  # the first batch arrived
    assert count(scene.server, Referral) == 0  # the second did not
    assert sync_status(laptop).waiting > 0  # and the laptop still thinks all is waiting
    monkeypatch.setattr(pushing, "_mark_sent", real_mark_sent)

    resumed = push(laptop, scene.server, today=TODAY)
    assert resumed.already_present > 0
    after_resume = snapshot(scene.server)
    assert count(scene.server, Contact) == 1
    assert count(scene.server, Measurement) == 2
    assert count(scene.server, Referral) == 1
    assert count(scene.server, ReferralEvent) == 1
    assert sync_status(laptop).waiting == 0
    with unit_of_work(scene.server) as session:
        assert verify_chain(session).intact

    # Nothing waits, so pushing again sends nothing.
    assert push(laptop, scene.server, today=TODAY) == PushResult()
    # A laptop restored from an older backup sends it all again: nothing changes.
    with laptop.begin() as connection:
        connection.execute(update(SyncOutboxEntry).values(sent_at=None))
    again = push(laptop, scene.server, today=TODAY)
    assert again.added == 0 and again.already_present > 0
    assert snapshot(scene.server) == after_resume
    assert count(scene.server, SyncReceipt) == len(after_resume["sync_receipts"])


def test_what_the_server_decides_cannot_be_changed_offline(
    scene: Scene, laptops: tuple[Engine, Engine]
) -> None:
    laptop, _ = laptops
    with unit_of_work(scene.server) as session:
        session.add(
            SafeguardingEntry(
                child_id=scene.sam_id,
                status=SafeguardingStatus.CHILD_IN_NEED,
                start_date=TODAY,
            )
        )
    pull(scene.server, laptop, scene.ann, today=TODAY)
    allocation = pytest.raises(OfflineNotAllowedError, match="health visitor id")
    with allocation, unit_of_work(laptop) as session:
        session.get_one(Child, scene.sam_id).health_visitor_id = scene.cat.user_id
    ending = pytest.raises(OfflineNotAllowedError, match="end date")
    with ending, unit_of_work(laptop) as session:
        session.scalars(select(SafeguardingEntry)).one().end_date = TODAY
    deleting = pytest.raises(OfflineNotAllowedError, match="Nothing is ever deleted")
    with deleting, unit_of_work(laptop) as session:
        session.delete(session.scalars(select(SafeguardingEntry)).one())
    adding = pytest.raises(OfflineNotAllowedError, match="cannot be done on the laptop")
    with adding, unit_of_work(laptop) as session:
        session.add(
            SafeguardingEntry(
                child_id=scene.sam_id, status=SafeguardingStatus.LOOKED_AFTER, start_date=TODAY
            )
        )
    with laptop.connect() as connection:  # nothing was saved, nothing is queued
        assert connection.scalar(select(SafeguardingEntry.end_date)) is None
        assert connection.scalar(select(Child.health_visitor_id)) == scene.ann.user_id
    assert sync_status(laptop).waiting == 0


def test_a_laptop_whose_user_was_disabled_or_moved_off_clinical_work_sends_nothing(
    scene: Scene, laptops: tuple[Engine, Engine]
) -> None:
    laptop, _ = laptops
    pull(scene.server, laptop, scene.ann, today=TODAY)
    record_new_birth_visit(laptop, scene.ann, scene.sam_id)
    waiting = sync_status(laptop).waiting
    with scene.server.begin() as connection:
        connection.execute(
            update(User).where(User.id == scene.ann.user_id).values(role=Role.ADMINISTRATOR)
        )
    with pytest.raises(PermissionDeniedError):
        push(laptop, scene.server, today=TODAY)
    with scene.server.begin() as connection:
        connection.execute(
            update(User)
            .where(User.id == scene.ann.user_id)
            .values(role=Role.HEALTH_VISITOR, active=False)
        )
    with pytest.raises(PermissionDeniedError, match="no active account"):
        push(laptop, scene.server, today=TODAY)
    assert count(scene.server, Contact) == 0
    assert sync_status(laptop).waiting == waiting  # kept on the laptop, for the team lead


def test_a_referral_drafted_and_sent_offline_arrives_as_sent_with_both_steps(
    scene: Scene, laptops: tuple[Engine, Engine]
) -> None:
    laptop, _ = laptops
    pull(scene.server, laptop, scene.ann, today=TODAY)
    referral_id = make_referral(laptop, scene.ann, scene.sam_id)
    with unit_of_work(laptop) as session:
        referrals.record_step(
            session, scene.ann, referral_id, ReferralStatus.SENT, on=TODAY, today=TODAY
        )

    push(laptop, scene.server, today=TODAY)

    with unit_of_work(scene.server) as session:
        referral = session.get_one(Referral, referral_id)
        assert referral.status is ReferralStatus.SENT
        assert [event.status for event in referral.events] == [
            ReferralStatus.DRAFT,
            ReferralStatus.SENT,
        ]
    # Once it is on the server, a further step waits for the connection.
    pull(scene.server, laptop, scene.ann, today=TODAY)
    refused = pytest.raises(OfflineNotAllowedError, match="referral")
    with refused, unit_of_work(laptop) as session:
        referrals.record_step(
            session, scene.ann, referral_id, ReferralStatus.ACKNOWLEDGED, on=TODAY, today=TODAY
        )


def test_a_weight_recorded_offline_is_charted_with_the_date_of_birth_corrected_meanwhile(
    scene: Scene, laptops: tuple[Engine, Engine]
) -> None:
    """The laptop charts with the date of birth it pulled; the server's correction wins (H9)."""
    laptop, _ = laptops
    pull(scene.server, laptop, scene.ann, today=TODAY)
    born = SAM_BORN - dt.timedelta(days=4)  # registered with the wrong day; corrected at the office
    with unit_of_work(scene.server) as session:
        seen = record_edits.editable_child(session, scene.lead, scene.sam_id)
    with unit_of_work(scene.server) as session:
        record_edits.edit_child(
            session,
            scene.lead,
            scene.sam_id,  # type: ignore[arg-type]
            base=seen.base,
            changes={"date_of_birth": born},
            today=TODAY,
        )
    contact_id = record_new_birth_visit(laptop, scene.ann, scene.sam_id)
    with laptop.connect() as connection:
        on_laptop = connection.execute(
            select(Measurement.centile).where(
                Measurement.contact_id == contact_id, Measurement.kind == MeasurementKind.WEIGHT
            )
        ).scalar_one()

    push(laptop, scene.server, today=TODAY)

    with unit_of_work(scene.server) as session:
        weight = session.scalars(
            select(Measurement).where(
                Measurement.contact_id == contact_id, Measurement.kind == MeasurementKind.WEIGHT
            )
        ).one()
        assert weight.value == 3.55
        expected = rcpch_values("female", born, VISIT_DAY, "weight", 3.55)
        assert weight.centile == pytest.approx(expected["chronological_centile"], rel=1e-12)
        assert weight.centile != pytest.approx(on_laptop, abs=0.5)  # the laptop's was wrong
