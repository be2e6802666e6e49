"""Migration 0004 (issue 5): a database holding referrals upgrades in place, and back."""

from __future__ import annotations

import uuid

from sqlalchemy import Engine, inspect, text

from healthvisitor.persistence.database import downgrade, upgrade


def test_referrals_made_before_0004_upgrade_with_consent_not_recorded(engine: Engine) -> None:
    downgrade(engine, "0003_allocation")
    assert "referral_events" not in inspect(engine).get_table_names()
    ids = {name: uuid.uuid4() for name in ("team", "user", "family", "child", "referral")}
    keys = {
        name: str(value) if engine.dialect.name == "postgresql" else value.hex
        for name, value in ids.items()
    }
    now = "2026-11-01 10:00:00"
    with engine.begin() as connection:
        gp = connection.execute(text("SELECT id FROM referral_types WHERE code = 'gp'")).scalar()
        for statement in (
            "INSERT INTO teams (id, name, version, created_at, updated_at) "
            "VALUES (:team, 'North', 1, :now, :now)",
            "INSERT INTO users (id, username, full_name, role, team_id, active, version,"
            " created_at, updated_at) VALUES (:user, 'hv', 'H V', 'health_visitor', :team, true,"
            " 1, :now, :now)",
            "INSERT INTO families (id, team_id, family_name, address_line_1, address_line_2,"
            " town, postcode, main_language, interpreter_needed, gp_practice, version,"
            " created_at, updated_at) VALUES (:family, :team, 'Khan', '', '', '', '', 'English',"
            " false, '', 1, :now, :now)",
            "INSERT INTO children (id, nhs_number, given_name, family_name, date_of_birth, sex,"
            " gestation_weeks, gestation_days, place_of_birth, family_id, team_id, record_status,"
            " transferred_in_from, version, created_at, updated_at) VALUES (:child, '9990000018',"
            " 'Amelia', 'Khan', '2026-10-01', 'female', 40, 0, '', :family, :team, 'active', '',"
            " 1, :now, :now)",
            "INSERT INTO referrals (id, referral_type_id, child_id, status, reason, made_on,"
            " outcome, made_by_id, version, created_at, updated_at) VALUES (:referral, :gp,"
            " :child, 'sent', 'Eczema', '2026-11-01', '', :user, 1, :now, :now)",
        ):
            connection.execute(text(statement), {**keys, "now": now, "gp": gp})
    upgrade(engine)
    with engine.connect() as connection:
        row = connection.execute(
            text("SELECT consent, consent_note, outcome_code, sent_to, tried_so_far FROM referrals")
        ).one()
    assert tuple(row) == ("not_recorded", "", None, "", "")
    downgrade(engine, "0003_allocation")
    columns = {c["name"] for c in inspect(engine).get_columns("referrals")}
    assert "consent" not in columns
    upgrade(engine)
