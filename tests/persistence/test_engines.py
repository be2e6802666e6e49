"""The same persistence behaviour on SQLite and on the real PostgreSQL server."""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import IntegrityError

from healthvisitor.domain.enums import Role
from healthvisitor.errors import ConcurrentEditError
from healthvisitor.persistence.models import AuditEvent, Child, ReferralType
from healthvisitor.persistence.unit_of_work import unit_of_work
from tests import factories


def test_times_come_back_in_utc_and_timezone_aware(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        team = factories.team(session)
    with unit_of_work(engine) as session:
        loaded = session.get_one(type(team), team.id)
        assert loaded.created_at.tzinfo is not None
        assert loaded.created_at.utcoffset() == dt.timedelta(0)
        assert abs(loaded.created_at - team.created_at) < dt.timedelta(seconds=1)


def test_a_stale_save_is_refused_not_silently_overwritten(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        team = factories.team(session)
        hv = factories.user(session, team, Role.HEALTH_VISITOR)
        child = factories.child(session, factories.family(session, team), hv)
    # Two health visitors open the same record; the second to save is told.
    with pytest.raises(ConcurrentEditError), unit_of_work(engine) as mine:
        opened_by_me = mine.get_one(Child, child.id)
        with unit_of_work(engine) as theirs:
            theirs.get_one(Child, child.id).given_name = "Samira"
        opened_by_me.given_name = "Samuel"
    with unit_of_work(engine) as session:
        saved = session.get_one(Child, child.id)
        assert saved.given_name == "Samira"
        assert saved.version == 2


def test_nhs_number_is_unique_in_the_database(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        team = factories.team(session)
        family = factories.family(session, team)
        first = factories.child(session, family)
    with pytest.raises(IntegrityError), unit_of_work(engine) as session:
        clone = factories.child(session, family)
        clone.nhs_number = first.nhs_number
        session.flush()
    with unit_of_work(engine) as session:
        assert session.scalar(select(text("count(*)")).select_from(Child)) == 1


def test_foreign_keys_are_enforced(engine: Engine) -> None:
    import uuid

    with pytest.raises(IntegrityError), unit_of_work(engine) as session:
        session.add(AuditEvent(user_id=uuid.uuid4(), action="view", entity_type="child"))
        session.flush()


def test_gestation_outside_22_to_44_weeks_is_refused_by_the_database(engine: Engine) -> None:
    with pytest.raises(IntegrityError), unit_of_work(engine) as session:
        team = factories.team(session)
        child = factories.child(session, factories.family(session, team))
        child.gestation_weeks = 45
        session.flush()


def test_referral_types_are_seeded_with_the_same_ids_everywhere(engine: Engine) -> None:
    import uuid

    with unit_of_work(engine) as session:
        types = {t.code: t for t in session.scalars(select(ReferralType))}
    assert {"stop_smoking", "intensive_parenting", "childrens_social_care"} <= set(types)
    assert len(types) == 12
    namespace = uuid.UUID("6f1c4a3e-2b0d-4c8e-9a57-3d2f1e0b9c41")
    assert types["stop_smoking"].id == uuid.uuid5(namespace, "stop_smoking")


@pytest.mark.postgres
def test_the_apps_postgresql_sessions_run_without_jit_or_parallel_workers(
    postgres_engine: Engine,
) -> None:
    """Issue 10: both cost more than they save on the app's short queries (performance.md)."""
    with postgres_engine.connect() as connection:
        assert connection.scalar(text("SHOW jit")) == "off"
        assert connection.scalar(text("SHOW max_parallel_workers_per_gather")) == "0"
    url = postgres_engine.url
    with psycopg.connect(
        host=url.host, port=url.port, user=url.username, dbname=url.database
    ) as other:
        # Only the app's own sessions: the server's setting for anyone else is as it was.
        assert other.execute("SHOW max_parallel_workers_per_gather").fetchone() != ("0",)
