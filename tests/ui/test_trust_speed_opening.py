"""Issue 10: the window's start opens the database without looking anyone up, as
signing in decides who works next; and the opened database reads nobody's records
(issue 8: before sign-in there is no actor to read them for)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from healthvisitor.services import workspace as workspace_module
from healthvisitor.ui import opening
from tests.ui.conftest import TeamData


def test_opening_without_a_user_name_looks_nobody_up(
    team_data: TeamData, monkeypatch: pytest.MonkeyPatch
) -> None:
    looked_up: list[str] = []
    real = workspace_module.default_username

    def default_username(session: Session) -> str:
        looked_up.append(real(session))
        return looked_up[-1]

    monkeypatch.setattr(workspace_module, "default_username", default_username)
    path = team_data.engine.url.database
    outcome = opening.open_workspace_now(opening.OpenRequest(database_url=f"sqlite:///{path}"))
    assert outcome.problem == ""
    assert isinstance(outcome.workspace, opening.OpenedDatabase)
    opened = outcome.workspace
    try:
        assert opened.choice.url.database == path
        assert looked_up == []  # the trust-wide count is not run at start
        # Before anyone signs in there is nobody to read for: no caseload to ask it for.
        assert not hasattr(opened, "caseload") and not hasattr(opened, "actor")
    finally:
        opened.engine.dispose()


def test_a_user_name_still_opens_that_users_workspace(team_data: TeamData) -> None:
    path = team_data.engine.url.database
    request = opening.OpenRequest(database_url=f"sqlite:///{path}", username=team_data.me.username)
    outcome = opening.open_workspace_now(request)
    assert isinstance(outcome.workspace, workspace_module.Workspace)
    try:
        assert outcome.workspace.actor.username == team_data.me.username
    finally:
        outcome.workspace.engine.dispose()
