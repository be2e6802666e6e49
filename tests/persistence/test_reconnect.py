"""The server stops and comes back under a running app: nothing lost, nothing twice (issue 9).

On a PostgreSQL cluster of the test's own (tests/private_postgres.py), so it
can be stopped: a save while it is down is refused in the user's words and
writes nothing; once it is back the same save (same idempotency key) is
applied, and saving once more does not record it twice. The in-flight case: a
line that loses the server's answer to the COMMIT (the server did save it,
the app cannot know), then the retry: still exactly one contact, one audit
event, one referral.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, func, select

from healthvisitor.domain.enums import CarerRelationship
from healthvisitor.errors import DatabaseUnavailableError
from healthvisitor.persistence.database import create_database_engine
from healthvisitor.persistence.models import Carer, Family, Pregnancy
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services.records import CarerDetails, FamilyDetails
from tests.private_postgres import LossyLine, PrivateCluster
from tests.saving import TODAY, Saved, SavingWorld, saved, saving_world

pytestmark = pytest.mark.postgres


@pytest.fixture
def cluster(private_postgres_hv: PrivateCluster) -> PrivateCluster:
    return private_postgres_hv


def _engine(cluster: PrivateCluster, port: int | None = None) -> Engine:
    return create_database_engine(cluster.url("hv", port), password="")


def test_a_save_while_the_server_is_down_is_refused_then_applied_once_when_it_is_back(
    cluster: PrivateCluster,
) -> None:
    engine = _engine(cluster)
    world: SavingWorld = saving_world(engine)
    lost: list[str] = []
    world.workspace.watch_connection(lost.append)
    world.workspace.record_contact(world.contact(uuid.uuid4()))  # the app is working
    key = uuid.uuid4()

    cluster.stop()
    with pytest.raises(DatabaseUnavailableError) as caught:
        world.workspace.record_contact(world.contact(key))
    message = str(caught.value)
    assert message.startswith("The shared database cannot be reached (")
    assert "so the contact was not saved: nothing was saved." in message
    assert "Everything you typed is still in the form" in message
    assert lost and lost[-1].startswith("Cannot reach the shared database at ")
    with pytest.raises(DatabaseUnavailableError, match="Cannot reach the shared database"):
        world.workspace.check_connection()

    cluster.start()
    world.workspace.check_connection()
    first = world.workspace.record_contact(world.contact(key))
    again = world.workspace.record_contact(world.contact(key))
    assert not first.replayed and again.replayed and again.contact_id == first.contact_id
    assert saved(engine) == Saved(contacts=2, measurements=2, contact_events=2, referrals=0)
    engine.dispose()


def test_after_a_restart_the_next_save_just_works(cluster: PrivateCluster) -> None:
    """Connections in the pool died with the server; the user never sees that."""
    engine = _engine(cluster)
    world = saving_world(engine)
    world.workspace.caseload()
    cluster.stop()
    cluster.start()
    world.workspace.record_contact(world.contact(uuid.uuid4()))
    assert saved(engine).contacts == 1
    engine.dispose()


@pytest.fixture
def lossy(cluster: PrivateCluster) -> Iterator[tuple[LossyLine, Engine, Engine]]:
    """A line that can lose a COMMIT's answer; an engine through it; one straight to the server."""
    line = LossyLine(cluster.port)
    through, direct = _engine(cluster, line.port), _engine(cluster)
    yield line, through, direct
    through.dispose()
    direct.dispose()
    line.close()


def test_a_contact_whose_commit_answer_is_lost_is_applied_exactly_once(
    lossy: tuple[LossyLine, Engine, Engine],
) -> None:
    line, through, direct = lossy
    world = saving_world(through)
    key = uuid.uuid4()
    line.lose_next_commit_answer()
    with pytest.raises(DatabaseUnavailableError) as caught:
        world.workspace.record_contact(world.contact(key))
    assert line.answer_lost.is_set()
    assert "cannot tell yet whether it was saved" in str(caught.value)
    assert "Save again when the connection is back" in str(caught.value)
    # The server did save it: the answer, not the save, was lost on the way.
    assert saved(direct) == Saved(contacts=1, measurements=1, contact_events=1, referrals=0)

    retried = world.workspace.record_contact(world.contact(key))
    assert retried.replayed
    assert [m.kind for m in retried.measurements] == [m.kind for m in world.contact().measurements]
    assert saved(direct) == Saved(contacts=1, measurements=1, contact_events=1, referrals=0)


def test_a_referral_whose_commit_answer_is_lost_is_made_exactly_once(
    lossy: tuple[LossyLine, Engine, Engine],
) -> None:
    line, through, direct = lossy
    world = saving_world(through)
    entry = world.referral(uuid.uuid4())
    line.lose_next_commit_answer()
    with pytest.raises(DatabaseUnavailableError, match="the referral is not recorded twice"):
        world.workspace.make_referral(entry)
    assert saved(direct).referrals == 1
    first = world.workspace.make_referral(entry)
    assert world.workspace.make_referral(entry) == first
    assert saved(direct).referrals == 1


def test_registrations_whose_commit_answer_is_lost_are_saved_exactly_once(
    lossy: tuple[LossyLine, Engine, Engine],
) -> None:
    """A new family (with its first carer), a carer added and a pregnancy registered:
    the server saved each, its answer lost; the dialog saves again with its key."""
    line, through, direct = lossy
    world = saving_world(through)
    workspace = world.workspace

    def count(model: type) -> int:
        with unit_of_work(direct) as session:
            return int(session.scalar(select(func.count()).select_from(model)) or 0)

    families, carers = count(Family), count(Carer)
    details = FamilyDetails("Okafor", "2 Test Street", "", "Leeds", "LS7 4AA")
    mother = CarerDetails("Ada", "Okafor", CarerRelationship.MOTHER)
    key = uuid.uuid4()
    line.lose_next_commit_answer()
    with pytest.raises(DatabaseUnavailableError, match="the family is not recorded twice"):
        workspace.create_family(details, mother, idempotency_key=key)
    family = workspace.create_family(details, mother, idempotency_key=key)
    assert workspace.create_family(details, mother, idempotency_key=key) == family
    assert (count(Family), count(Carer)) == (families + 1, carers + 1)

    father = CarerDetails("Obi", "Okafor", CarerRelationship.FATHER)
    key = uuid.uuid4()
    line.lose_next_commit_answer()
    with pytest.raises(DatabaseUnavailableError, match="the carer is not recorded twice"):
        workspace.add_carer(family.id, father, idempotency_key=key)
    assert len(workspace.add_carer(family.id, father, idempotency_key=key).carers) == 2
    assert count(Carer) == carers + 2

    [ada] = [c for c in workspace.family(family.id).carers if c.name == "Ada Okafor"]
    due = TODAY + dt.timedelta(days=120)
    key = uuid.uuid4()
    line.lose_next_commit_answer()
    with pytest.raises(DatabaseUnavailableError, match="the pregnancy is not recorded twice"):
        workspace.register_pregnancy(
            family.id, ada.id, due, world.health_visitor_id, idempotency_key=key
        )
    again = workspace.register_pregnancy(
        family.id, ada.id, due, world.health_visitor_id, idempotency_key=key
    )
    assert again.estimated_delivery_date == due
    assert count(Pregnancy) == 1
