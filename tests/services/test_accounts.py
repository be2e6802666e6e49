"""Accounts and signing in (issue 8): password rules, lockout, disabling, audit.

The rules are pure (``healthvisitor.domain.accounts``, time passed in); the
service tests run on SQLite and PostgreSQL and check what is saved, including
that a failed attempt is saved although it fails, and that no password ever
reaches the audit trail.
"""

from __future__ import annotations

import datetime as dt

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, select

from healthvisitor.domain import accounts as rules
from healthvisitor.domain.enums import RecordStatus, Role
from healthvisitor.errors import PermissionDeniedError, ValidationError
from healthvisitor.persistence.models import AuditEvent, Team, User
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services import accounts
from healthvisitor.services.accounts import SignInDesk, SignInError, SignInProblem
from tests import factories

NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
PASSWORD = "plum kettle orbit 42"


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


# --- The rules ----------------------------------------------------------------------


def test_a_password_needs_twelve_characters() -> None:
    with pytest.raises(ValidationError, match="at least 12 characters") as refused:
        rules.check_new_password("plum kettle", "priya")  # 11
    assert refused.value.for_field("password")
    rules.check_new_password("plum kettle!", "priya")  # 12


@pytest.mark.parametrize("common", ["passwordpassword", "QWERTY123456", "1qaz2wsx3edc"])
def test_a_common_password_is_refused_whatever_its_case(common: str) -> None:
    with pytest.raises(ValidationError, match="most commonly used"):
        rules.check_new_password(common, "priya")


def test_the_user_name_and_the_demo_password_are_refused() -> None:
    with pytest.raises(ValidationError, match="user name"):
        rules.check_new_password("hello-psharma-2026", "psharma")
    with pytest.raises(ValidationError, match="demo database"):
        rules.check_new_password(rules.DEMO_PASSWORD, "psharma")
    with pytest.raises(ValidationError, match="at most 128"):
        rules.check_new_password("x1" * 65, "psharma")


def test_the_lockout_doubles_up_to_an_hour() -> None:
    assert [rules.lockout_minutes(n) for n in range(1, 9)] == [1, 2, 4, 8, 16, 32, 60, 60]
    assert rules.lockout_minutes(1000) == 60


def test_the_fifth_wrong_password_in_a_row_locks() -> None:
    state = rules.LockState()
    for _ in range(4):
        state = rules.after_wrong_password(state, NOW)
        assert not state.is_locked(NOW)
    state = rules.after_wrong_password(state, NOW)
    assert state.locked_until == NOW + dt.timedelta(minutes=1)
    assert state.is_locked(NOW + dt.timedelta(seconds=59))
    assert not state.is_locked(NOW + dt.timedelta(minutes=1))
    assert state.failed_sign_ins == 0 and state.lockouts == 1


# --- The service --------------------------------------------------------------------


def add_health_visitor(engine: Engine, username: str = "psharma") -> None:
    with unit_of_work(engine) as session:
        team = factories.team(session, "Chapeltown 0-19 team")
        accounts.add_user(
            session,
            None,
            username=username,
            full_name="Priya Sharma",
            role=Role.HEALTH_VISITOR,
            team_name=team.name,
            password=PASSWORD,
            now=NOW,
        )


def events(engine: Engine) -> list[AuditEvent]:
    with unit_of_work(engine) as session:
        return list(session.scalars(select(AuditEvent).order_by(AuditEvent.sequence)))


def test_signing_in_with_the_right_password(engine: Engine) -> None:
    add_health_visitor(engine)
    actor = SignInDesk(engine, now=Clock(NOW), machine="laptop-7").sign_in("psharma", PASSWORD)
    assert (actor.username, actor.full_name, actor.role) == (
        "psharma",
        "Priya Sharma",
        Role.HEALTH_VISITOR,
    )
    last = events(engine)[-1]
    assert (last.action, last.user_id, last.machine) == ("sign_in", actor.user_id, "laptop-7")


def test_a_wrong_password_is_refused_and_the_attempt_is_kept(engine: Engine) -> None:
    add_health_visitor(engine)
    desk = SignInDesk(engine, now=Clock(NOW))
    with pytest.raises(SignInError, match="not right") as refused:
        desk.sign_in("psharma", "plum kettle orbit 43")
    assert refused.value.problem is SignInProblem.WRONG
    failed = events(engine)[-1]
    assert failed.action == "sign_in_failed"
    assert '"reason": "wrong password"' in failed.details
    with unit_of_work(engine) as session:
        assert session.scalars(select(User)).one().failed_sign_ins == 1


def test_five_wrong_passwords_lock_for_a_growing_delay(engine: Engine) -> None:
    add_health_visitor(engine)
    clock = Clock(NOW)
    desk = SignInDesk(engine, now=clock)
    messages = []
    for _ in range(5):
        with pytest.raises(SignInError) as refused:
            desk.sign_in("psharma", "not my password at all")
        messages.append(str(refused.value))
    assert "1 more wrong password will lock" in messages[3]
    assert refused.value.problem is SignInProblem.LOCKED
    local = (NOW + dt.timedelta(minutes=1)).astimezone()
    assert f"locked for 1 minute, until {local:%H:%M}" in messages[4]
    # Locked: even the right password is refused, and not checked.
    with pytest.raises(SignInError, match="locked for 1 minute") as locked:
        desk.sign_in("psharma", PASSWORD)
    assert locked.value.problem is SignInProblem.LOCKED
    # A minute later it may try again; five more wrong ones lock for two minutes.
    clock.now = NOW + dt.timedelta(minutes=1)
    for _ in range(5):
        with pytest.raises(SignInError):
            desk.sign_in("psharma", "not my password at all")
    with unit_of_work(engine) as session:
        user = session.scalars(select(User)).one()
        assert user.locked_until == clock.now + dt.timedelta(minutes=2)
    # Half a minute on, the wait still left is said in whole minutes, rounded up.
    clock.now += dt.timedelta(seconds=30)
    with pytest.raises(SignInError, match="locked for 2 minutes, until"):
        desk.sign_in("psharma", PASSWORD)
    clock.now += dt.timedelta(seconds=31)
    with pytest.raises(SignInError, match="locked for 1 minute, until"):
        desk.sign_in("psharma", PASSWORD)
    clock.now += dt.timedelta(seconds=59)
    assert desk.sign_in("psharma", PASSWORD).username == "psharma"
    with unit_of_work(engine) as session:
        user = session.scalars(select(User)).one()
        assert (user.failed_sign_ins, user.lockouts, user.locked_until) == (0, 0, None)


def test_an_administrator_lifts_a_lockout_by_setting_a_new_password(engine: Engine) -> None:
    add_health_visitor(engine)
    desk = SignInDesk(engine, now=Clock(NOW))
    for _ in range(5):
        with pytest.raises(SignInError):
            desk.sign_in("psharma", "not my password at all")
    with unit_of_work(engine) as session:
        accounts.set_password(session, None, "psharma", "seven brave otters", now=NOW)
    assert desk.sign_in("psharma", "seven brave otters").username == "psharma"
    with pytest.raises(SignInError):
        desk.sign_in("psharma", PASSWORD)  # the old one no longer works


def test_a_disabled_leaver_cannot_sign_in_and_their_history_stays(engine: Engine) -> None:
    add_health_visitor(engine)
    desk = SignInDesk(engine, now=Clock(NOW))
    desk.sign_in("psharma", PASSWORD)
    with unit_of_work(engine) as session:
        accounts.disable_user(session, None, "psharma")
    with pytest.raises(SignInError, match="disabled") as refused:
        desk.sign_in("psharma", PASSWORD)
    assert refused.value.problem is SignInProblem.DISABLED
    with unit_of_work(engine) as session:
        [line] = accounts.list_users(session, None)
        assert not line.active
    # Their sign-in before leaving is still on record, then the disabling, then the refusal.
    assert [e.action for e in events(engine)][-3:] == ["sign_in", "user_disabled", "sign_in_failed"]
    assert '"reason": "account disabled"' in events(engine)[-1].details


def test_an_unknown_user_name_is_refused_without_recording_what_was_typed(
    engine: Engine,
) -> None:
    add_health_visitor(engine)
    with pytest.raises(SignInError, match="not right"):
        SignInDesk(engine, now=Clock(NOW)).sign_in("my secret words", PASSWORD)
    failed = events(engine)[-1]
    assert failed.action == "sign_in_failed" and failed.user_id is None
    assert "my secret words" not in failed.details


def test_no_password_reaches_the_audit_trail(engine: Engine) -> None:
    add_health_visitor(engine)
    desk = SignInDesk(engine, now=Clock(NOW))
    desk.sign_in("psharma", PASSWORD)
    with pytest.raises(SignInError):
        desk.sign_in("psharma", "a wrong guess 123")
    with unit_of_work(engine) as session:
        accounts.set_password(session, None, "psharma", "seven brave otters", now=NOW)
    everything = " ".join(f"{e.action} {e.details} {e.machine}" for e in events(engine))
    for secret in (PASSWORD, "a wrong guess 123", "seven brave otters"):
        assert secret not in everything


def test_a_hash_made_with_weaker_settings_is_remade_at_sign_in(engine: Engine) -> None:
    add_health_visitor(engine)
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)
    with unit_of_work(engine) as session:
        session.scalars(select(User)).one().password_hash = weak.hash(PASSWORD)
    SignInDesk(engine, now=Clock(NOW)).sign_in("psharma", PASSWORD)
    with unit_of_work(engine) as session:
        stored = session.scalars(select(User)).one().password_hash
    assert stored is not None and stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert not accounts.HASHER.check_needs_rehash(stored)


def test_the_hash_settings_are_at_least_owasps_minimum() -> None:
    # OWASP Password Storage Cheat Sheet: argon2id, m=19 MiB, t=2, p=1 at least.
    assert accounts.ARGON2_MEMORY_KIB >= 19 * 1024
    assert accounts.ARGON2_TIME_COST >= 2
    assert accounts.ARGON2_PARALLELISM >= 1
    assert accounts.hash_password(PASSWORD).startswith("$argon2id$")


def test_only_an_administrator_manages_accounts(engine: Engine) -> None:
    add_health_visitor(engine)
    with unit_of_work(engine) as session:
        nurse = factories.actor(session.scalars(select(User)).one())
        with pytest.raises(PermissionDeniedError):
            accounts.set_password(session, nurse, "psharma", "seven brave otters", now=NOW)
        with pytest.raises(PermissionDeniedError):
            accounts.list_users(session, nurse)


def test_a_new_account_gets_the_same_password_rules(engine: Engine) -> None:
    with unit_of_work(engine) as session, pytest.raises(ValidationError, match="at least 12"):
        accounts.add_user(
            session,
            None,
            username="admin2",
            full_name="Sam Admin",
            role=Role.ADMINISTRATOR,
            team_name=None,
            password="short",
            now=NOW,
        )


def test_the_demo_password_opens_only_demo_accounts(engine: Engine) -> None:
    add_health_visitor(engine)
    with pytest.raises(SignInError):
        SignInDesk(engine, now=Clock(NOW)).sign_in_to_demo("psharma")
    with unit_of_work(engine) as session:
        session.scalars(select(User)).one().password_hash = accounts.demo_password_hash()
    assert SignInDesk(engine, now=Clock(NOW)).sign_in_to_demo("psharma").username == "psharma"
    # Signing in keeps the demo's one hash (its salt is not the hasher's length), so the
    # account is still offered as a demo account the next time.
    with unit_of_work(engine) as session:
        assert session.scalars(select(User)).one().password_hash == accounts.demo_password_hash()
    assert [a.username for a in SignInDesk(engine).demo_accounts()] == ["psharma"]


def test_locking_unlocking_and_signing_out_are_audited(engine: Engine) -> None:
    add_health_visitor(engine)
    desk = SignInDesk(engine, now=Clock(NOW), machine="laptop-7")
    actor = desk.sign_in("psharma", PASSWORD)
    desk.record_lock(actor, idle_minutes=10)
    with pytest.raises(SignInError, match="not right"):
        desk.unlock(actor, "not my password at all")
    desk.unlock(actor, PASSWORD)
    desk.record_lock(actor, idle_minutes=None)
    desk.sign_out(actor, reason="signed out at the locked screen")
    made = events(engine)[-6:]
    assert [e.action for e in made] == [
        "sign_in",
        "lock",
        "unlock_failed",
        "unlock",
        "lock",
        "sign_out",
    ]
    assert {e.user_id for e in made} == {actor.user_id}
    assert {e.machine for e in made} == {"laptop-7"}
    assert '"idle_minutes": 10' in made[1].details
    assert '"by_hand": true' in made[4].details
    assert '"reason": "signed out at the locked screen"' in made[5].details


def test_the_demo_accounts_are_those_with_the_demo_password_biggest_caseload_first(
    engine: Engine,
) -> None:
    add_health_visitor(engine)  # a real account: never offered
    with unit_of_work(engine) as session:
        team = session.scalars(select(Team)).one()
        busy, quiet, lead = (
            factories.user(session, team, role)
            for role in (Role.HEALTH_VISITOR, Role.HEALTH_VISITOR, Role.TEAM_LEAD)
        )
        admin = factories.user(session, None, Role.ADMINISTRATOR)
        family = factories.family(session, team)
        for _ in range(2):
            factories.child(session, family, busy)
        gone = factories.child(session, family, quiet)
        gone.record_status = RecordStatus.DISCHARGED
        for user in (quiet, lead, busy, admin):
            user.password_hash = accounts.demo_password_hash()
        expected = [(busy.username, 2), (quiet.username, 0), (lead.username, 0)]
    offered = SignInDesk(engine).demo_accounts()
    assert [(a.username, a.children) for a in offered] == expected
    assert offered[0].team_name == "Chapeltown 0-19 team"
