"""Issue 10: the window's start opens the database without looking anyone up, as
signing in decides who works next; anything else asked of the opened database is
answered as before, by the workspace of the health visitor with the largest caseload."""

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
        # What a caller asked of it before: the largest caseload's, looked up now, once.
        before = workspace_module.open_workspace(opened.engine, opened.choice, None)
        assert [row.child_id for row in opened.caseload()] == [
            row.child_id for row in before.caseload()
        ]
        assert opened.actor == before.actor
        assert len(looked_up) == 2  # ``before``'s, and the opened database's first ask
        opened.signed_in()
        assert len(looked_up) == 2
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
