"""The schema is built by alembic, and the migrations match the models."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from healthvisitor.persistence.database import (
    SCHEMA_HEAD,
    alembic_config,
    current_revision,
    downgrade,
    upgrade,
)
from healthvisitor.persistence.models import Base


def test_the_schema_head_a_start_compares_with_is_the_newest_migration() -> None:
    from alembic.script import ScriptDirectory

    newest = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert newest == SCHEMA_HEAD, (
        f"a migration was added: set SCHEMA_HEAD in healthvisitor/persistence/database.py "
        f"to {newest!r}, or every start will think the database out of date"
    )


def test_upgrade_from_empty_to_head_then_down_and_up_again(engine: Engine) -> None:
    # The fixture database is already at head; go all the way down and back.
    assert current_revision(engine) == SCHEMA_HEAD
    downgrade(engine, "base")
    assert current_revision(engine) is None
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(engine)
    assert current_revision(engine) == SCHEMA_HEAD
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())


def test_migrations_and_models_agree(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_a_database_with_records_upgrades_in_place(engine: Engine) -> None:
    """Release day: a team's database full of records moves to the new schema."""
    import uuid

    from sqlalchemy import text

    downgrade(engine, "0001_foundation")
    ids = {name: uuid.uuid4().hex for name in ("team", "user", "family", "child", "contact")}
    as_uuid = {name: str(uuid.UUID(value)) for name, value in ids.items()}
    keys = as_uuid if engine.dialect.name == "postgresql" else ids
    now = "2026-11-01 10:00:00"
    statements = [
        "INSERT INTO teams (id, name, version, created_at, updated_at) "
        "VALUES (:team, 'North', 1, :now, :now)",
        "INSERT INTO users (id, username, full_name, role, team_id, active, version, created_at,"
        " updated_at) VALUES (:user, 'hv', 'H V', 'health_visitor', :team, true, 1, :now, :now)",
        "INSERT INTO families (id, team_id, family_name, address_line_1, address_line_2, town,"
        " postcode, main_language, interpreter_needed, gp_practice, version, created_at,"
        " updated_at) VALUES (:family, :team, 'Khan', '', '', '', '', 'English', false, '', 1,"
        " :now, :now)",
        "INSERT INTO children (id, nhs_number, given_name, family_name, date_of_birth, sex,"
        " gestation_weeks, gestation_days, place_of_birth, family_id, team_id, record_status,"
        " version, created_at, updated_at) VALUES (:child, '9990000018', 'Amelia', 'Khan',"
        " '2026-10-01', 'female', 40, 0, '', :family, :team, 'active', 1, :now, :now)",
        "INSERT INTO contacts (id, kind, child_id, contact_date, location, outcome,"
        " delivered_by_id, notes, version, created_at, updated_at) VALUES (:contact,"
        " 'new_birth_visit', :child, '2026-10-12', 'home', 'completed', :user, '', 1, :now, :now)",
        "INSERT INTO measurements (id, child_id, contact_id, kind, value, measured_on,"
        " recorded_by_id, recorded_at) VALUES (:contact, :child, :contact, 'weight', 3.6,"
        " '2026-10-12', :user, :now)",
    ]
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement), {**keys, "now": now})
    upgrade(engine)
    with engine.connect() as connection:
        contact = connection.execute(
            text("SELECT who_was_seen, interpreter_used, feeding FROM contacts")
        ).one()
        measurement = connection.execute(
            text("SELECT value, growth_reference, change_confirmed, sds FROM measurements")
        ).one()
    assert tuple(contact) == ("", False, None)
    # The measurement saved before 0002 gets its UK-WHO result, as a save would.
    from healthvisitor.domain.enums import MeasurementKind, Sex
    from healthvisitor.domain.growth import assess_measurement
    from healthvisitor.domain.validation import Gestation

    expected = assess_measurement(
        MeasurementKind.WEIGHT,
        3.6,
        sex=Sex.FEMALE,
        date_of_birth=dt.date(2026, 10, 1),
        gestation=Gestation(40, 0),
        measured_on=dt.date(2026, 10, 12),
    )
    value, reference, confirmed, sds = measurement
    assert (value, reference, confirmed) == (3.6, "uk-who", False)
    assert sds == pytest.approx(expected.sds)
