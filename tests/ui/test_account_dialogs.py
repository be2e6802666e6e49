"""User accounts in the administrator's window (issue 8), driven as an administrator would.

The list (sortable, filtered), and each action: add an account, set a
password, disable a leaver (asked first, and told what stays), re-enable,
unlock and change role or team. Problems are shown beside the field in the
administrator's words, with what they typed kept; every action reaches the
services and the audit trail, and no password reaches the audit trail.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, select

from healthvisitor.domain.enums import Role
from healthvisitor.persistence.models import AuditEvent, User
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services import accounts
from healthvisitor.services.accounts import SignInDesk, SignInError, UserLine
from healthvisitor.services.actor import Actor
from healthvisitor.ui.account_dialogs import (
    AccountsModel,
    AccountsView,
    AddAccountDialog,
    ChangeRoleDialog,
    SetPasswordDialog,
)
from tests import factories
from tests.ui.conftest import TeamData

pytestmark = pytest.mark.gui

NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
PASSWORD = "plum kettle orbit 42"


@dataclass
class Desk:
    """The accounts view of a signed-in administrator, over Chapeltown (``build_team``)."""

    view: AccountsView
    admin: Actor
    engine: Engine
    asked: list[str]


@pytest.fixture
def desk(qtbot: QtBot, team_data: TeamData, monkeypatch: pytest.MonkeyPatch) -> Iterator[Desk]:
    with unit_of_work(team_data.engine) as session:
        admin_user = factories.user(session, None, Role.ADMINISTRATOR)
        admin_user.full_name = "Sam Admin"
        admin_user.password_hash = accounts.hash_password(PASSWORD)
    asked: list[str] = []

    def question(_parent: QWidget, _title: str, text: str, *_args: object) -> object:
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", question)
    workspace = team_data.workspace(user=admin_user)
    view = AccountsView(workspace, now=lambda: NOW)
    qtbot.addWidget(view)
    view.resize(1100, 500)
    view.show()
    yield Desk(view, workspace.actor, team_data.engine, asked)


def _events(engine: Engine, action: str) -> list[AuditEvent]:
    with unit_of_work(engine) as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def _cell(view: AccountsView, username: str, column: int) -> str:
    for row in range(view.proxy.rowCount()):
        if view.proxy.index(row, 0).data(Qt.ItemDataRole.UserRole).username == username:
            return str(view.proxy.index(row, column).data())
    raise AssertionError(f"{username} is not listed")


def _username(engine: Engine, full_name: str) -> str:
    with unit_of_work(engine) as session:
        return session.scalars(select(User.username).where(User.full_name == full_name)).one()


@pytest.mark.parametrize("filled", [False, True])
def test_the_model_passes_qt_model_checks(qtmodeltester: ModelTester, filled: bool) -> None:
    model = AccountsModel(lambda: NOW)
    if filled:
        model.set_lines(
            [
                UserLine(
                    "psharma",
                    "Priya Sharma",
                    Role.HEALTH_VISITOR,
                    "Chapeltown",
                    True,
                    True,
                    NOW + dt.timedelta(minutes=5),
                    NOW - dt.timedelta(days=1),
                    3,
                ),
                UserLine("sadmin", "Sam Admin", Role.ADMINISTRATOR, "", False, False, None),
            ]
        )
    qtmodeltester.check(model)


def test_the_list_shows_every_account_sorted_and_filtered(desk: Desk) -> None:
    view = desk.view
    names = [line.full_name for line in view.lines_shown()]
    assert names == sorted(names, key=str.casefold) and "Priya Sharma" in names
    priya = _username(desk.engine, "Priya Sharma")
    assert _cell(view, priya, 2) == "Health visitor"
    assert _cell(view, priya, 3) == "Chapeltown 0-19 team"
    assert _cell(view, priya, 4) == "Active, no password yet"
    assert _cell(view, priya, 6) == "Never"
    assert _cell(view, priya, 7) == "4"  # three children, and one wrongly in another team
    assert view.count.text() == "4 accounts"
    # Sorted by caseload, biggest first.
    view.table.sortByColumn(7, Qt.SortOrder.DescendingOrder)
    assert view.lines_shown()[0].full_name == "Priya Sharma"
    # Filtered by what is typed (any order of words), then by state.
    view.search.setText("team lead")
    assert [line.full_name for line in view.lines_shown()] == ["Joanne Fisher"]
    assert view.count.text() == "1 of 4"
    # The chosen account filtered out: nothing is chosen (not a neighbour left in
    # view), so nothing can be done to it.
    view.search.setText("")
    view.choose(_username(desk.engine, "Sam Admin"))
    view.search.setText("chapeltown")
    assert len(view.lines_shown()) == 3
    assert view.chosen() is None and not view.disable_button.isEnabled()
    view.search.setText("")
    view.show_state.set_value("disabled")
    assert view.lines_shown() == []
    view.show_state.set_value("all")
    assert len(view.lines_shown()) == 4


def test_adding_an_account_keeps_what_was_typed_when_refused(desk: Desk) -> None:
    dialog = desk.view.open_add()
    assert isinstance(dialog, AddAccountDialog)
    dialog.full_name.setText(dialog.full_name.text() + "Jo Okafor")
    dialog.username.setText(dialog.username.text() + "jokafor")
    dialog.role.set_value(Role.HEALTH_VISITOR)
    dialog.passwords.password.setText(dialog.passwords.password.text() + "short one")
    # Said as it is typed, by the service's own rule.
    assert "at least 12 characters (this one has 9)" in (
        dialog.fields["password"].message.message()
    )
    dialog.passwords.password.setText("passwordpassword")
    dialog.passwords.again.setText("passwordpassword")
    dialog.save()
    assert dialog.isVisible()
    assert "most commonly used" in dialog.fields["password"].message.message()
    assert dialog.passwords.password.echoMode() == dialog.passwords.password.EchoMode.Password
    # A health visitor without a team: the service's refusal, beside the team.
    dialog.passwords.password.setText(PASSWORD)
    dialog.passwords.again.setText(PASSWORD)
    dialog.save()
    assert dialog.isVisible()
    assert "belongs to a team" in dialog.fields["team"].message.message()
    assert dialog.full_name.text() == "Jo Okafor" and dialog.username.text() == "jokafor"
    # A user name already taken: beside the user name.
    dialog.team.set_value("Chapeltown 0-19 team")
    taken = _username(desk.engine, "Priya Sharma")
    dialog.username.setText(taken)
    dialog.save()
    assert f"already a user '{taken}'" in dialog.fields["username"].message.message()
    dialog.username.setText("jokafor")
    dialog.save()
    assert not dialog.isVisible()
    chosen = desk.view.chosen()
    assert chosen is not None and chosen.username == "jokafor"
    assert "Added Jo Okafor (jokafor, health visitor)" in desk.view.done.text()
    assert SignInDesk(desk.engine).sign_in("jokafor", PASSWORD).full_name == "Jo Okafor"
    [added] = _events(desk.engine, "user_added")
    assert added.user_id == desk.admin.user_id
    assert PASSWORD not in added.details and "passwordpassword" not in added.details


def test_setting_a_password_lifts_a_lockout_and_is_never_shown(desk: Desk) -> None:
    priya = _username(desk.engine, "Priya Sharma")
    with unit_of_work(desk.engine) as session:
        user = session.scalars(select(User).where(User.username == priya)).one()
        user.locked_until = NOW + dt.timedelta(minutes=8)
        user.lockouts = 3
    desk.view.reload(choose=priya)
    assert _cell(desk.view, priya, 5) == f"{(NOW + dt.timedelta(minutes=8)).astimezone():%H:%M}"
    assert desk.view.unlock_button.isEnabled()
    dialog = desk.view.open_set_password()
    assert isinstance(dialog, SetPasswordDialog)
    dialog.passwords.password.setText(dialog.passwords.password.text() + "seven brave otters")
    dialog.passwords.again.setText(dialog.passwords.again.text() + "seven brave otter")
    dialog.save()
    assert dialog.isVisible()
    assert dialog.fields["password_again"].message.message() == (
        "The two passwords typed are not the same."
    )
    dialog.passwords.again.setText(dialog.passwords.again.text() + "s")
    dialog.save()
    assert not dialog.isVisible()
    assert SignInDesk(desk.engine).sign_in(priya, "seven brave otters").username == priya
    assert "any lockout is lifted" in desk.view.done.text()
    everything = " ".join(e.details for e in _events(desk.engine, "password_set"))
    assert everything and "seven brave otters" not in everything


def test_disabling_a_leaver_asks_says_what_stays_and_can_be_undone(desk: Desk) -> None:
    priya = _username(desk.engine, "Priya Sharma")
    desk.view.choose(priya)
    desk.view.disable()
    [question] = desk.asked
    assert "Everything they recorded stays" in question
    assert "still has 4 children allocated" in question and "reallocate" in question
    assert _cell(desk.view, priya, 4) == "Disabled"
    assert not desk.view.disable_button.isEnabled() and desk.view.enable_button.isEnabled()
    with unit_of_work(desk.engine) as session:
        user = session.scalars(select(User).where(User.username == priya)).one()
        user.password_hash = accounts.hash_password(PASSWORD)
    with pytest.raises(SignInError, match="disabled"):
        SignInDesk(desk.engine).sign_in(priya, PASSWORD)
    desk.view.enable()
    assert _cell(desk.view, priya, 4) == "Active"
    assert SignInDesk(desk.engine).sign_in(priya, PASSWORD).username == priya
    assert len(_events(desk.engine, "user_disabled")) == 1
    assert len(_events(desk.engine, "user_enabled")) == 1


def test_an_administrator_is_told_why_they_cannot_disable_themselves(desk: Desk) -> None:
    desk.view.choose(desk.admin.username)
    desk.view.disable(confirmed=True)
    assert "your own account" in desk.view.message.message()
    assert desk.view.message.isVisible()
    assert _cell(desk.view, desk.admin.username, 4).startswith("Active")
    assert _events(desk.engine, "user_disabled") == []


def test_unlocking_from_the_list(desk: Desk) -> None:
    priya = _username(desk.engine, "Priya Sharma")
    with unit_of_work(desk.engine) as session:
        user = session.scalars(select(User).where(User.username == priya)).one()
        user.locked_until = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=30)
    desk.view.reload(choose=priya)
    desk.view.unlock()
    assert _cell(desk.view, priya, 5) == ""
    assert not desk.view.unlock_button.isEnabled()
    assert "can try their password again now" in desk.view.done.text()
    assert len(_events(desk.engine, "user_unlocked")) == 1


def test_changing_role_and_team_is_audited_as_a_permission_change(desk: Desk) -> None:
    priya = _username(desk.engine, "Priya Sharma")
    with unit_of_work(desk.engine) as session:
        factories.team(session, "Harehills 0-19 team")
    desk.view.choose(priya)
    dialog = desk.view.open_change_role()
    assert isinstance(dialog, ChangeRoleDialog)
    assert dialog.role.value() is Role.HEALTH_VISITOR
    assert dialog.team.value() == "Chapeltown 0-19 team"
    notes = " ".join(w.text() for w in dialog.findChildren(QWidget) if hasattr(w, "text"))
    assert "until they sign in again" in notes and "4 children" in notes
    dialog.save()  # nothing changed: said beside the role
    assert "already has this role and team" in dialog.fields["role"].message.message()
    dialog.role.set_value(Role.TEAM_LEAD)
    dialog.team.set_value("Harehills 0-19 team")
    dialog.save()
    assert not dialog.isVisible()
    assert _cell(desk.view, priya, 2) == "Team lead"
    assert _cell(desk.view, priya, 3) == "Harehills 0-19 team"
    [event] = _events(desk.engine, accounts.PERMISSION_CHANGE)
    details = json.loads(event.details)
    assert details["role"] == {"old": "health_visitor", "new": "team_lead"}
    assert event.user_id == desk.admin.user_id


def test_an_administrator_cannot_change_their_own_role(desk: Desk) -> None:
    desk.view.choose(desk.admin.username)
    dialog = desk.view.open_change_role()
    assert isinstance(dialog, ChangeRoleDialog)
    dialog.role.set_value(Role.TEAM_LEAD)
    dialog.team.set_value("Chapeltown 0-19 team")
    dialog.save()
    assert dialog.isVisible()
    assert "your own role" in dialog.fields["role"].message.message()
    assert dialog.role.value() is Role.TEAM_LEAD  # what they chose is kept
    assert _events(desk.engine, accounts.PERMISSION_CHANGE) == []
    dialog.done(0)
