"""The offline copy as the window uses it (``healthvisitor.sync.desk``, issue 12).

Against the real PostgreSQL server (the scene of tests/sync/conftest.py), each
laptop's copy an SQLCipher file whose key is in ``MemoryKeyring``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import Engine, update

from healthvisitor.domain.enums import Role
from healthvisitor.errors import DatabaseUnavailableError
from healthvisitor.persistence.database import create_database_engine
from healthvisitor.persistence.models import Child, Contact, Team
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.sync import pull, sync_status
from healthvisitor.sync.desk import OfflineDesk, copy_path, why_no_offline_copy
from tests import factories
from tests.keyrings import MemoryKeyring
from tests.sync.conftest import TODAY, Scene, new_laptop
from tests.sync.offline import record_new_birth_visit

pytestmark = pytest.mark.postgres


def test_each_account_has_its_own_copy_in_the_data_folder() -> None:
    import uuid

    someone, another = uuid.uuid4(), uuid.uuid4()
    folder = Path(os.environ["HEALTHVISITOR_DATA_DIR"]) / "offline"
    assert copy_path(someone) == folder / f"{someone}.db"
    assert copy_path(someone) != copy_path(another)


def test_only_clinicians_on_the_shared_database_have_a_copy(scene: Scene) -> None:
    assert why_no_offline_copy(on_local_file=False, actor=scene.ann) is None
    assert why_no_offline_copy(on_local_file=False, actor=scene.lead) is None
    local = why_no_offline_copy(on_local_file=True, actor=scene.ann)
    assert local is not None and "this database is a file on this computer" in local
    with unit_of_work(scene.server) as session:
        admin = factories.actor(factories.user(session, None, Role.ADMINISTRATOR))
    assert why_no_offline_copy(on_local_file=False, actor=admin) == (
        "Only health visitors and team leads take a caseload offline."
    )


def ann_desk(
    scene: Scene, template: Path, tmp_path: Path, kept: MemoryKeyring
) -> tuple[OfflineDesk, Engine]:
    path = tmp_path / "ann" / "offline.db"
    laptop = new_laptop(template, path, kept)
    return OfflineDesk(
        scene.server, scene.ann, path, sync_required_after_days=7, today=lambda: TODAY
    ), laptop


def test_a_change_the_server_refuses_stays_queued_and_the_caseload_still_comes(
    scene: Scene, _encrypted_template: Path, tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    desk, laptop = ann_desk(scene, _encrypted_template, tmp_path, memory_keyring)
    first = desk.synchronise()
    assert first.status.waiting == 0 and first.status.last_synchronised is not None
    record_new_birth_visit(laptop, scene.ann, scene.sam_id)
    assert desk.status().waiting == 1  # one save (the visit, its measurements, its audit)
    assert sync_status(laptop).waiting > 1
    with unit_of_work(scene.server) as session:  # Sam moved to another team meanwhile
        elsewhere = factories.team(session, "Elsewhere")
        session.execute(update(Child).where(Child.id == scene.sam_id).values(team_id=elsewhere.id))

    outcome = desk.synchronise()

    assert "not in" in outcome.not_sent and "team" in outcome.not_sent
    assert outcome.status.waiting == 1  # kept on the laptop, nothing lost
    assert outcome.status.last_synchronised is not None
    assert outcome.status.last_synchronised > first.status.last_synchronised  # pulled anyway
    assert "1 change could not be sent and stays on this computer" in outcome.words()
    with unit_of_work(scene.server) as session:
        assert session.query(Contact).count() == 0
        assert session.get_one(Team, elsewhere.id) is not None
    desk.close()
    laptop.dispose()


def test_synchronising_twice_sends_nothing_twice(
    scene: Scene, _encrypted_template: Path, tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    desk, laptop = ann_desk(scene, _encrypted_template, tmp_path, memory_keyring)
    pull(scene.server, laptop, scene.ann, today=TODAY)
    record_new_birth_visit(laptop, scene.ann, scene.sam_id)
    assert desk.synchronise().sent.batches == 1
    again = desk.synchronise()
    assert again.sent.batches == 0 and again.status.waiting == 0
    assert "sent" not in again.words()
    with unit_of_work(scene.server) as session:
        assert session.query(Contact).count() == 1
    desk.close()
    laptop.dispose()


def test_an_unreachable_server_is_said_in_words_and_the_copy_is_kept(
    scene: Scene, _encrypted_template: Path, tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    desk, laptop = ann_desk(scene, _encrypted_template, tmp_path, memory_keyring)
    pull(scene.server, laptop, scene.ann, today=TODAY)
    record_new_birth_visit(laptop, scene.ann, scene.sam_id)
    gone = create_database_engine("postgresql+psycopg://postgres@127.0.0.1:1/nowhere", password="")
    away = OfflineDesk(gone, scene.ann, desk.path, sync_required_after_days=7, today=lambda: TODAY)
    with pytest.raises(DatabaseUnavailableError):
        away.synchronise()
    assert away.status().waiting == 1
    assert away.check().waiting == 1  # offline at start: nothing wiped, nothing lost
    away.close()
    gone.dispose()
    laptop.dispose()
