"""An account changed while its window is open (issue 8): nothing more is shown or saved.

The window keeps the Actor it signed in with. When an administrator disables
the account (a leaver) or gives it another role or team, the next action in
the window is refused with words saying why, nothing is read or written, and
unlocking the idle lock does not carry the old role on. Signing in again
gives the account as it now is. SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.engine import make_url

from healthvisitor.config import DatabaseChoice
from healthvisitor.domain.enums import Role
from healthvisitor.errors import AccountChangedError, PermissionDeniedError
from healthvisitor.persistence.models import AuditEvent, Family
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services import accounts
from healthvisitor.services.accounts import SignInDesk, SignInError, SignInProblem
from healthvisitor.services.actor import Actor
from healthvisitor.services.records import FamilyDetails
from healthvisitor.services.workspace import Workspace
from tests import factories
from tests.services.test_accounts_admin import PASSWORD, add_account

NOW = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)
TEAM, OTHER_TEAM = "Chapeltown 0-19 team", "Harehills 0-19 team"
CHOICE = DatabaseChoice(url=make_url("sqlite:///account-changes.db"), source="test")


@pytest.fixture
def admin(engine: Engine) -> Actor:
    with unit_of_work(engine) as session:
        factories.team(session, TEAM)
        factories.team(session, OTHER_TEAM)
    add_account(engine, "sadmin", Role.ADMINISTRATOR, None)
    add_account(engine, "psharma", Role.HEALTH_VISITOR, TEAM)
    return SignInDesk(engine, now=lambda: NOW).sign_in("sadmin", PASSWORD)


def _window(engine: Engine) -> Workspace:
    """psharma's window, signed in as a health visitor of the first team."""
    actor = SignInDesk(engine, now=lambda: NOW).sign_in("psharma", PASSWORD)
    return Workspace(engine, actor, CHOICE, today=lambda: NOW.date())


def _counts(engine: Engine) -> tuple[int, int]:
    with unit_of_work(engine) as session:
        families = session.scalar(select(func.count()).select_from(Family))
        events = session.scalar(select(func.count()).select_from(AuditEvent))
    return int(families or 0), int(events or 0)


def _refused_everything(engine: Engine, window: Workspace, change: str) -> None:
    before = _counts(engine)
    with pytest.raises(AccountChangedError) as read:
        window.caseload()
    assert str(read.value) == (
        f"An administrator has changed your account since you signed in ({change}). "
        "Sign out and sign in again to carry on; nothing more was shown or saved."
    )
    with pytest.raises(AccountChangedError):
        window.create_family(FamilyDetails("Okafor", "2 Test Street", "", "Leeds", "LS7 4AA"))
    assert _counts(engine) == before  # no family, and not even an audit event


def test_a_disabled_leavers_open_window_can_do_nothing_more(engine: Engine, admin: Actor) -> None:
    window = _window(engine)
    window.create_family(FamilyDetails("Dlamini", "1 Test Street", "", "Leeds", "LS7 4AA"))
    assert window.caseload() == []
    with unit_of_work(engine) as session:
        accounts.disable_user(session, admin, "psharma")
    _refused_everything(engine, window, "it has been disabled")
    with pytest.raises(SignInError, match="disabled"):
        _window(engine)


def test_a_new_role_takes_effect_at_once_and_signing_in_again_gives_it(
    engine: Engine, admin: Actor
) -> None:
    window = _window(engine)
    with pytest.raises(PermissionDeniedError, match="team lead"):
        window.team_board()  # a health visitor has no board
    with unit_of_work(engine) as session:
        accounts.change_role_and_team(
            session, admin, "psharma", role=Role.TEAM_LEAD, team_name=TEAM
        )
    _refused_everything(engine, window, "it is now a team lead account")
    # The idle lock's right password does not carry the old role on either.
    desk = SignInDesk(engine, now=lambda: NOW)
    with pytest.raises(SignInError, match="team lead account") as refused:
        desk.unlock(window.actor, PASSWORD)
    assert refused.value.problem is SignInProblem.CHANGED
    again = _window(engine)
    assert again.actor.role is Role.TEAM_LEAD
    again.team_board()  # now allowed: no refusal


def test_a_move_to_another_team_stops_the_old_teams_records(engine: Engine, admin: Actor) -> None:
    window = _window(engine)
    with unit_of_work(engine) as session:
        accounts.change_role_and_team(
            session, admin, "psharma", role=Role.HEALTH_VISITOR, team_name=OTHER_TEAM
        )
    _refused_everything(engine, window, "it has been moved to another team")
    with pytest.raises(SignInError, match="another team"):
        SignInDesk(engine, now=lambda: NOW).unlock(window.actor, PASSWORD)
    again = _window(engine)
    assert again.actor.team_id != window.actor.team_id
    assert again.caseload() == []


def test_an_unchanged_account_carries_on(engine: Engine, admin: Actor) -> None:
    add_account(engine, "jbloggs", Role.HEALTH_VISITOR, TEAM)
    window = _window(engine)
    with unit_of_work(engine) as session:  # a change to a colleague's account, not hers
        accounts.disable_user(session, admin, "jbloggs")
    SignInDesk(engine, now=lambda: NOW).unlock(window.actor, PASSWORD)
    assert window.caseload() == []
