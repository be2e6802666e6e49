"""At start: a stale copy must synchronise first; a disabled user's copy is wiped (issue 12)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.exc import OperationalError

from healthvisitor.config import load_settings
from healthvisitor.errors import ConfigurationError
from healthvisitor.persistence.models import AuditEvent, SyncState, User
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services.audit_chain import verify_chain
from healthvisitor.sync import at_start, pull, sync_status
from healthvisitor.sync.at_start import WIPED_ACTION, CopyState, check_offline_copy
from tests.keyrings import MemoryKeyring
from tests.sync.conftest import TODAY, Scene
from tests.sync.offline import record_new_birth_visit

pytestmark = pytest.mark.postgres

LIMIT = 7


def copy_path(laptop: Engine) -> Path:
    return Path(str(laptop.url.database))


def last_pulled(laptop: Engine) -> dt.datetime:
    with laptop.connect() as connection:
        pulled = connection.scalar(select(SyncState.last_pulled_at))
    assert pulled is not None
    return pulled


def check(laptop: Engine, now: dt.datetime, server: Engine | None = None, days: int = LIMIT):
    laptop.dispose()
    found = check_offline_copy(
        copy_path(laptop), server=server, now=now, sync_required_after_days=days
    )
    if found.engine is not None:
        found.engine.dispose()
    return found


def test_a_copy_offline_longer_than_the_limit_must_synchronise_before_showing_records(
    scene: Scene, laptops: tuple[Engine, Engine]
) -> None:
    laptop, _ = laptops
    assert check(laptop, dt.datetime.now(dt.UTC)).state is CopyState.SYNC_REQUIRED  # never
    pull(scene.server, laptop, scene.ann, today=TODAY)
    pulled = last_pulled(laptop)

    assert check(laptop, pulled + dt.timedelta(days=LIMIT)).state is CopyState.READY
    stale = check(laptop, pulled + dt.timedelta(days=LIMIT, minutes=1))
    assert stale.state is CopyState.SYNC_REQUIRED
    assert "not shown until it has synchronised" in stale.message
    assert stale.last_synchronised == pulled
    # The limit is the setting's; a clock set back before the last sync cannot be trusted.
    later = pulled + dt.timedelta(days=9)
    assert check(laptop, later, days=10).state is CopyState.READY
    behind = check(laptop, pulled - dt.timedelta(days=1))
    assert behind.state is CopyState.SYNC_REQUIRED
    # Online and not disabled: still stale until the start-up synchronises.
    assert check(laptop, later, scene.server).state is CopyState.SYNC_REQUIRED


def test_the_limit_is_a_machine_setting_with_a_default_of_seven_days(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert load_settings().offline_sync_days == LIMIT
    machine = tmp_path / "machine" / "config.toml"
    machine.parent.mkdir(parents=True, exist_ok=True)
    machine.write_text("[offline]\nsync_required_after_days = 3\n")
    assert load_settings().offline_sync_days == 3
    machine.write_text("[offline]\nsync_required_after_days = 90\n")
    with pytest.raises(ConfigurationError, match="from 1 to 30"):
        load_settings()


def wiped_events(scene: Scene) -> list[dict[str, object]]:
    with unit_of_work(scene.server) as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == WIPED_ACTION))
        found = [{"user": event.entity_id, **json.loads(event.details)} for event in events.all()]
        assert verify_chain(session).intact
    return found


def disable(scene: Scene) -> None:
    with unit_of_work(scene.server) as session:
        session.get_one(User, scene.ann.user_id).active = False


def test_a_disabled_users_copy_is_wiped_at_the_next_start_with_a_connection_and_audited(
    scene: Scene, laptops: tuple[Engine, Engine], memory_keyring: MemoryKeyring
) -> None:
    laptop, _ = laptops
    pull(scene.server, laptop, scene.ann, today=TODAY)
    record_new_birth_visit(laptop, scene.ann, scene.sam_id)
    waiting = sync_status(laptop).waiting
    assert waiting > 0
    held = set(memory_keyring.entries)
    disable(scene)
    now = last_pulled(laptop) + dt.timedelta(hours=2)

    offline = check(laptop, now)  # the laptop cannot know yet
    assert offline.state is CopyState.READY
    wiped = check(laptop, now, scene.server)

    assert wiped.state is CopyState.WIPED
    assert f"{waiting} change(s)" in wiped.message
    assert list(copy_path(laptop).parent.iterdir()) == []
    assert {service for service, _ in held - set(memory_keyring.entries)} == {
        "HealthVisitor offline copy",  # the copy's key
        "HealthVisitor audit chain",  # and its audit trail's
    }
    assert wiped_events(scene) == [
        {
            "user": scene.ann.user_id,
            "reason": "account disabled",
            "machine": scene.ann.machine,
            "wiped_at": now.isoformat(),
            "unsent_changes_lost": waiting,
        }
    ]
    again = check_offline_copy(
        copy_path(laptop), server=scene.server, now=now, sync_required_after_days=LIMIT
    )
    assert again.state is CopyState.NONE
    assert len(wiped_events(scene)) == 1


def test_a_wipe_the_server_could_not_hear_about_is_audited_at_the_next_contact(
    scene: Scene, laptops: tuple[Engine, Engine], monkeypatch: pytest.MonkeyPatch
) -> None:
    laptop, _ = laptops
    pull(scene.server, laptop, scene.ann, today=TODAY)
    disable(scene)
    now = last_pulled(laptop) + dt.timedelta(hours=1)

    def line_drops(*_args: object, **_kwargs: object) -> None:
        raise OperationalError("INSERT INTO audit_events", {}, Exception("connection lost"))

    with monkeypatch.context() as patched:
        patched.setattr(at_start, "record_event", line_drops)
        assert check(laptop, now, scene.server).state is CopyState.WIPED
    path = copy_path(laptop)
    assert not path.exists()
    assert wiped_events(scene) == []
    note = at_start.wipe_notes_file(path).read_text()
    assert str(scene.ann.user_id) in note and "Smith" not in note

    found = check_offline_copy(path, server=scene.server, now=now, sync_required_after_days=LIMIT)

    assert found.state is CopyState.NONE
    assert [event["unsent_changes_lost"] for event in wiped_events(scene)] == [0]
    assert not at_start.wipe_notes_file(path).exists()
