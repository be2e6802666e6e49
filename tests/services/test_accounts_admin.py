"""Administering accounts (issue 8): what the administrator's window relies on.

Re-enabling, lifting a lockout, changing a role or team (a permission change
in the audit trail, old and new), and the two rules that keep the service
administrable: nobody disables their own account or changes their own role,
and the last active administrator is never disabled or demoted. SQLite and
PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import Engine, select

from healthvisitor.domain.enums import Role
from healthvisitor.errors import PermissionDeniedError, ValidationError
from healthvisitor.persistence.models import AuditEvent, User
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services import accounts
from healthvisitor.services.accounts import SignInDesk, SignInError
from healthvisitor.services.actor import Actor
from tests import factories

NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
PASSWORD = "plum kettle orbit 42"
TEAM = "Chapeltown 0-19 team"


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def add_account(engine: Engine, username: str, role: Role, team: str | None = TEAM) -> None:
    with unit_of_work(engine) as session:
        accounts.add_user(
            session,
            None,
            username=username,
            full_name=username.capitalize() + " Example",
            role=role,
            team_name=team,
            password=PASSWORD,
            now=NOW,
        )


@pytest.fixture
def admin(engine: Engine) -> Actor:
    """One administrator (signed in) and one health visitor, psharma, in a team."""
    with unit_of_work(engine) as session:
        factories.team(session, TEAM)
        factories.team(session, "Harehills 0-19 team")
    add_account(engine, "sadmin", Role.ADMINISTRATOR, None)
    add_account(engine, "psharma", Role.HEALTH_VISITOR)
    return SignInDesk(engine, now=Clock(NOW), machine="admin-pc").sign_in("sadmin", PASSWORD)


def _events(engine: Engine, action: str) -> list[AuditEvent]:
    with unit_of_work(engine) as session:
        return list(
            session.scalars(
                select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.sequence)
            )
        )


def _lines(engine: Engine, admin: Actor) -> dict[str, accounts.UserLine]:
    with unit_of_work(engine) as session:
        return {line.username: line for line in accounts.list_users(session, admin)}


def test_an_administrator_cannot_disable_their_own_account(engine: Engine, admin: Actor) -> None:
    add_account(engine, "another", Role.ADMINISTRATOR, None)  # not the last one either
    with (
        unit_of_work(engine) as session,
        pytest.raises(ValidationError, match="your own account") as refused,
    ):
        accounts.disable_user(session, admin, "sadmin")
    assert refused.value.for_field("username")
    assert _lines(engine, admin)["sadmin"].active
    assert _events(engine, "user_disabled") == []


def test_the_last_active_administrator_cannot_be_disabled_or_demoted(
    engine: Engine, admin: Actor
) -> None:
    # The command line (no signed-in user) is held to it too.
    with (
        unit_of_work(engine) as session,
        pytest.raises(ValidationError, match="only active administrator"),
    ):
        accounts.disable_user(session, None, "sadmin")
    with (
        unit_of_work(engine) as session,
        pytest.raises(ValidationError, match="Add another administrator first"),
    ):
        accounts.change_role_and_team(
            session, None, "sadmin", role=Role.HEALTH_VISITOR, team_name=TEAM
        )
    assert _lines(engine, admin)["sadmin"].role is Role.ADMINISTRATOR
    # With a second active administrator, either may go.
    add_account(engine, "another", Role.ADMINISTRATOR, None)
    with unit_of_work(engine) as session:
        accounts.disable_user(session, admin, "another")
    # A disabled administrator does not count: sadmin is the last active one again.
    with unit_of_work(engine) as session, pytest.raises(ValidationError, match="only active"):
        accounts.disable_user(session, None, "sadmin")


def test_a_disabled_leaver_can_be_re_enabled_and_signs_in_again(
    engine: Engine, admin: Actor
) -> None:
    with unit_of_work(engine) as session:
        accounts.disable_user(session, admin, "psharma")
    with pytest.raises(SignInError, match="disabled"):
        SignInDesk(engine, now=Clock(NOW)).sign_in("psharma", PASSWORD)
    with unit_of_work(engine) as session:
        accounts.enable_user(session, admin, "psharma")
    assert SignInDesk(engine, now=Clock(NOW)).sign_in("psharma", PASSWORD).username == "psharma"
    [enabled] = _events(engine, "user_enabled")
    assert (enabled.user_id, enabled.machine) == (admin.user_id, "admin-pc")
    with unit_of_work(engine) as session, pytest.raises(ValidationError, match="already active"):
        accounts.enable_user(session, admin, "psharma")


def test_unlocking_lifts_a_lockout_and_keeps_the_password(engine: Engine, admin: Actor) -> None:
    desk = SignInDesk(engine, now=Clock(NOW))
    with unit_of_work(engine) as session, pytest.raises(ValidationError, match="not locked"):
        accounts.unlock_user(session, admin, "psharma", now=NOW)
    for _ in range(5):
        with pytest.raises(SignInError):
            desk.sign_in("psharma", "not my password at all")
    line = _lines(engine, admin)["psharma"]
    assert line.is_locked(NOW) and not line.is_locked(NOW + dt.timedelta(minutes=1))
    with unit_of_work(engine) as session:
        accounts.unlock_user(session, admin, "psharma", now=NOW)
    assert desk.sign_in("psharma", PASSWORD).username == "psharma"
    with unit_of_work(engine) as session:
        user = session.scalars(select(User).where(User.username == "psharma")).one()
        assert (user.failed_sign_ins, user.lockouts, user.locked_until) == (0, 0, None)
    [unlocked] = _events(engine, "user_unlocked")
    assert unlocked.user_id == admin.user_id
    assert json.loads(unlocked.details)["was_locked_until"].startswith("2026-11-24T09:01")


def test_a_role_or_team_change_is_a_permission_change_with_old_and_new(
    engine: Engine, admin: Actor
) -> None:
    with unit_of_work(engine) as session:
        changed = accounts.change_role_and_team(
            session, admin, "psharma", role=Role.TEAM_LEAD, team_name="Harehills 0-19 team"
        )
    assert (changed.role, changed.team_name) == (Role.TEAM_LEAD, "Harehills 0-19 team")
    # It takes effect at the next sign-in.
    signed_in = SignInDesk(engine, now=Clock(NOW)).sign_in("psharma", PASSWORD)
    assert signed_in.role is Role.TEAM_LEAD
    [event] = _events(engine, accounts.PERMISSION_CHANGE)
    assert event.user_id == admin.user_id and event.entity_type == "user"
    details = json.loads(event.details)
    assert details["role"] == {"old": "health_visitor", "new": "team_lead"}
    assert details["team"] == {"old": TEAM, "new": "Harehills 0-19 team"}


def test_a_role_change_is_refused_in_words_beside_the_field(engine: Engine, admin: Actor) -> None:
    with unit_of_work(engine) as session:
        with pytest.raises(ValidationError, match="belongs to a team") as no_team:
            accounts.change_role_and_team(
                session, admin, "psharma", role=Role.HEALTH_VISITOR, team_name=None
            )
        assert no_team.value.for_field("team")
        with pytest.raises(ValidationError, match="already has this role") as same:
            accounts.change_role_and_team(
                session, admin, "psharma", role=Role.HEALTH_VISITOR, team_name=TEAM
            )
        assert same.value.for_field("role")
        with pytest.raises(ValidationError, match="no team called") as unknown:
            accounts.change_role_and_team(
                session, admin, "psharma", role=Role.HEALTH_VISITOR, team_name="Nowhere"
            )
        assert unknown.value.for_field("team")
    add_account(engine, "another", Role.ADMINISTRATOR, None)
    with (
        unit_of_work(engine) as session,
        pytest.raises(ValidationError, match="your own role") as own,
    ):
        accounts.change_role_and_team(session, admin, "sadmin", role=Role.TEAM_LEAD, team_name=TEAM)
    assert own.value.for_field("role")
    assert _events(engine, accounts.PERMISSION_CHANGE) == []


def test_the_list_says_when_each_last_signed_in_and_how_many_children_they_hold(
    engine: Engine, admin: Actor
) -> None:
    lines = _lines(engine, admin)
    assert lines["psharma"].last_sign_in is None  # never signed in
    assert lines["sadmin"].last_sign_in is not None  # the fixture signed in
    with unit_of_work(engine) as session:
        user = session.scalars(select(User).where(User.username == "psharma")).one()
        assert user.team is not None
        family = factories.family(session, user.team)
        for _ in range(3):
            factories.child(session, family, user)
    SignInDesk(engine, now=Clock(NOW)).sign_in("psharma", PASSWORD)
    lines = _lines(engine, admin)
    assert lines["psharma"].children == 3 and lines["sadmin"].children == 0
    last = lines["psharma"].last_sign_in
    assert last is not None and last.tzinfo is not None
    with unit_of_work(engine) as session:
        assert accounts.team_names(session, admin) == [
            "Chapeltown 0-19 team",
            "Harehills 0-19 team",
        ]


def test_nobody_but_an_administrator_re_enables_unlocks_or_changes_roles(
    engine: Engine, admin: Actor
) -> None:
    nurse = SignInDesk(engine, now=Clock(NOW)).sign_in("psharma", PASSWORD)
    with unit_of_work(engine) as session:
        for attempt in (
            lambda: accounts.enable_user(session, nurse, "sadmin"),
            lambda: accounts.unlock_user(session, nurse, "sadmin", now=NOW),
            lambda: accounts.change_role_and_team(
                session, nurse, "psharma", role=Role.ADMINISTRATOR, team_name=None
            ),
            lambda: accounts.team_names(session, nurse),
        ):
            with pytest.raises(PermissionDeniedError):
                attempt()
    assert _lines(engine, admin)["psharma"].role is Role.HEALTH_VISITOR
