"""The offline-working scene (issue 12): the shared PostgreSQL database and two laptops.

The server is the real PostgreSQL (``postgres_engine``: with CI=true it must
run). On it, team North: health visitor Ann, who carries the Smith family's
baby Sam; Bea, who covers Ann's caseload this week; Cat, whose caseload
neither may see; their team lead Lee; and team South's child, whom nobody here may see. Each
laptop is its own SQLCipher file opened with ``open_local_copy``, its key in
``MemoryKeyring`` (tests/keyrings.py; tests/conftest.py sets keyring's fail backend for every
test: a real keyring is never touched; this one keeps keys in memory for one
test, the way a desktop keyring would).
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlcipher3
from sqlalchemy import Engine

from healthvisitor.domain.enums import Role
from healthvisitor.persistence.models import CoverArrangement
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services.actor import Actor
from healthvisitor.sync import open_local_copy
from healthvisitor.sync.local import KEYRING_SERVICE, keyring_account
from tests import factories
from tests.keyrings import MemoryKeyring

#: A Tuesday in quarter 2026-27 Q1 (April to June).
TODAY = dt.date(2026, 5, 20)
#: Sam turns 30 days old on 31 May 2026, inside Q1: in the new birth visit cohort.
SAM_BORN = dt.date(2026, 5, 1)


@dataclass(frozen=True)
class Scene:
    server: Engine
    ann: Actor
    bea: Actor
    cat: Actor
    lead: Actor
    family_id: object
    mother_id: object
    sam_id: object
    cats_child_id: object
    south_child_id: object


@pytest.fixture
def scene(postgres_engine: Engine) -> Scene:
    with unit_of_work(postgres_engine) as session:
        north, south = factories.team(session, "North"), factories.team(session, "South")
        ann = factories.user(session, north)
        bea = factories.user(session, north)
        cat = factories.user(session, north)
        lead = factories.user(session, north, Role.TEAM_LEAD)
        for person in (ann, bea, cat):
            person.password_hash = "$argon2id$v=19$m=65536,t=3,p=4$not-a-real-hash"
        south_hv = factories.user(session, south)
        smiths = factories.family(session, north, "Smith")
        mother = factories.carer(session, smiths, "Alex")
        sam = factories.child(session, smiths, ann, date_of_birth=SAM_BORN, given_name="Sam")
        cats_child = factories.child(
            session, factories.family(session, north, "Jones"), cat, given_name="Jo"
        )
        south_child = factories.child(
            session, factories.family(session, south, "Brown"), south_hv, given_name="Bo"
        )
        session.add(
            CoverArrangement(
                team_id=north.id,
                absent_health_visitor_id=ann.id,
                covering_health_visitor_id=bea.id,
                start_date=TODAY - dt.timedelta(days=2),
                end_date=TODAY + dt.timedelta(days=5),
                reason="Annual leave",
                arranged_by_id=lead.id,
            )
        )
        session.flush()
        return Scene(
            postgres_engine,
            factories.actor(ann),
            factories.actor(bea),
            factories.actor(cat),
            factories.actor(lead),
            smiths.id,
            mother.id,
            sam.id,
            cats_child.id,
            south_child.id,
        )


#: The encrypted template's key (a test value; real keys are random, per copy).
TEMPLATE_KEY = "5a" * 32


@pytest.fixture(scope="session")
def _encrypted_template(_sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The migrated template, encrypted (SQLCipher's own export): migrating takes seconds."""
    path = tmp_path_factory.mktemp("encrypted") / "template.db"
    plain = sqlcipher3.connect(str(_sqlite_template))
    plain.execute(f"ATTACH DATABASE '{path}' AS encrypted KEY \"x'{TEMPLATE_KEY}'\"")
    plain.execute("SELECT sqlcipher_export('encrypted')")
    plain.execute("DETACH DATABASE encrypted")
    plain.close()
    return path


def new_laptop(template: Path, path: Path, kept: MemoryKeyring) -> Engine:
    """A new local copy: the encrypted template, its key in the keyring."""
    path.parent.mkdir(parents=True)
    shutil.copy(template, path)
    kept.set_password(KEYRING_SERVICE, keyring_account(path), TEMPLATE_KEY)
    return open_local_copy(path)


@pytest.fixture
def laptops(
    _encrypted_template: Path, tmp_path: Path, memory_keyring: MemoryKeyring
) -> Iterator[tuple[Engine, Engine]]:
    first = new_laptop(_encrypted_template, tmp_path / "laptop-1" / "offline.db", memory_keyring)
    second = new_laptop(_encrypted_template, tmp_path / "laptop-2" / "offline.db", memory_keyring)
    yield first, second
    first.dispose()
    second.dispose()
