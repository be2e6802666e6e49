"""The window asks for a shared database's password, masked, and retries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from healthvisitor.demo import generate_demo
from healthvisitor.persistence.database import check_connection, create_database_engine, upgrade
from healthvisitor.startup import has_children
from healthvisitor.ui import app
from healthvisitor.ui.opening import OpenRequest
from tests.conftest import PROTECTED_PASSWORD

pytestmark = [pytest.mark.gui, pytest.mark.postgres]


@pytest.fixture
def team_database(password_protected_postgres: str) -> Iterator[str]:
    engine = create_database_engine(password_protected_postgres, password=PROTECTED_PASSWORD)
    upgrade(engine)
    if not has_children(engine):
        generate_demo(engine, children=20, seed=3, today=dt.date(2026, 11, 24))
    engine.dispose()
    yield password_protected_postgres


def test_a_wrong_then_right_password_opens_the_caseload(
    qtbot: QtBot, team_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []
    answers = iter(["not it", PROTECTED_PASSWORD])

    def ask(message: str) -> str | None:
        asked.append(message)
        return next(answers)

    monkeypatch.setattr(app, "ask_password", ask)
    outcome = app.open_asking_for_password(OpenRequest(database_url=team_database))
    assert outcome.workspace is not None
    try:
        assert "needs a password" in asked[0] and "was not accepted" in asked[1]
        check_connection(outcome.workspace.engine)  # the password that was accepted
        assert PROTECTED_PASSWORD not in outcome.workspace.choice.describe()
    finally:
        outcome.workspace.engine.dispose()


def test_cancelling_the_password_opens_nothing(
    qtbot: QtBot, team_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app, "ask_password", lambda message: None)
    outcome = app.open_asking_for_password(OpenRequest(database_url=team_database))
    assert outcome.workspace is None
    assert outcome.problem == "No password was given, so the database was not opened."
