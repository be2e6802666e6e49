"""Signing in to the window (issue 8): the dialog before any patient data, as a person uses it.

Each test drives ``Sessions`` (what ``healthvisitor-gui`` runs) with qtbot:
the dialog is shown with ``open()``, so nothing blocks, and the check runs
off the GUI thread. The words are what the person reads; the audit trail is
checked for every attempt.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from healthvisitor.config import DatabaseChoice, parse_url
from healthvisitor.domain.accounts import DEMO_PASSWORD
from healthvisitor.domain.enums import Role
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services import accounts
from healthvisitor.ui.admin_window import AdministrationWindow
from healthvisitor.ui.app import Sessions
from healthvisitor.ui.main_window import MainWindow
from healthvisitor.ui.sign_in import SignInDialog
from tests import factories
from tests.ui.conftest import TeamData
from tests.ui.signing_in import (
    PASSWORD,
    WRONG_PASSWORD,
    actions,
    cheap_hashing,
    dispose,
    give_demo_password,
    give_password,
    gone,
    sign_in,
)

pytestmark = pytest.mark.gui


def choice(engine: Engine) -> DatabaseChoice:
    return DatabaseChoice(parse_url(str(engine.url), "test"), "the test database")


@pytest.fixture
def team(team_data: TeamData, monkeypatch: pytest.MonkeyPatch) -> TeamData:
    cheap_hashing(monkeypatch)
    for user in (team_data.me, team_data.colleague, team_data.lead):
        give_password(team_data.engine, user.username)
    return team_data


@pytest.fixture
def sessions(team: TeamData) -> Iterator[Sessions]:
    started = Sessions(
        team.engine, choice(team.engine), demo=False, idle_lock_minutes=10, offer_drafts=False
    )
    windows: list[QWidget] = []
    started.window_opened.connect(windows.append)
    yield started
    started.end()
    dispose([*windows, *([started.dialog] if started.dialog else [])])


def opened(qtbot: QtBot, sessions: Sessions) -> MainWindow:
    qtbot.waitUntil(lambda: sessions.window is not None, timeout=10_000)
    assert sessions.window is not None
    return sessions.window


def test_the_right_password_opens_the_window_and_is_audited(
    qtbot: QtBot, team: TeamData, sessions: Sessions
) -> None:
    dialog = sessions.ask_to_sign_in()
    assert dialog.isVisible() and dialog.windowTitle() == "Sign in to HealthVisitor"
    assert dialog.password.echoMode() == dialog.password.EchoMode.Password
    with qtbot.waitSignal(sessions.window_opened, timeout=10_000) as shown:
        sign_in(qtbot, dialog, team.me.username, PASSWORD)
    window = shown.args[0]
    assert isinstance(window, MainWindow)
    assert window.windowTitle().startswith("HealthVisitor — Priya Sharma (Health visitor)")
    qtbot.waitUntil(lambda: window.caseload.model.rowCount() == 3)  # loaded off the GUI thread
    qtbot.waitUntil(lambda: gone(dialog))
    assert actions(team.engine)[-1] == "sign_in"


def test_a_wrong_password_or_user_name_says_the_same_and_nothing_opens(
    qtbot: QtBot, team: TeamData, sessions: Sessions
) -> None:
    dialog = sessions.ask_to_sign_in()
    wrong_password = sign_in(qtbot, dialog, team.me.username, WRONG_PASSWORD)
    assert wrong_password == accounts.WRONG
    assert dialog.password.text() == "", "a refused password is not left in the box"
    assert dialog.focusWidget() is dialog.password
    wrong_name = sign_in(qtbot, dialog, "psharmaa", PASSWORD)
    assert wrong_name == wrong_password, "never says which of the two was wrong"
    assert sessions.window is None and dialog.isVisible()
    assert actions(team.engine)[-2:] == ["sign_in_failed", "sign_in_failed"]


def test_an_empty_box_is_pointed_out_without_trying(
    qtbot: QtBot, team: TeamData, sessions: Sessions
) -> None:
    dialog = sessions.ask_to_sign_in()
    before = actions(team.engine)
    assert sign_in(qtbot, dialog, team.me.username, "") == "Type your user name and your password."
    assert actions(team.engine) == before


def test_five_wrong_passwords_lock_the_account_through_the_dialog(
    qtbot: QtBot, team: TeamData, sessions: Sessions
) -> None:
    dialog = sessions.ask_to_sign_in()
    said = [sign_in(qtbot, dialog, team.me.username, WRONG_PASSWORD) for _ in range(5)]
    assert said[2].endswith("2 more wrong passwords will lock the account for a while.")
    assert said[3].endswith("1 more wrong password will lock the account for a while.")
    assert "fifth wrong password in a row" in said[4]
    assert "locked for 1 minute, until" in said[4]
    # Locked: the right password does not open it either, and it says so.
    still = sign_in(qtbot, dialog, team.me.username, PASSWORD)
    assert "locked for 1 minute, until" in still
    assert sessions.window is None
    # A colleague on the same laptop is not locked out.
    with qtbot.waitSignal(sessions.window_opened, timeout=10_000):
        sign_in(qtbot, dialog, team.colleague.username, PASSWORD)


def test_a_disabled_leaver_is_told_to_ask_the_administrator(
    qtbot: QtBot, team: TeamData, sessions: Sessions
) -> None:
    with unit_of_work(team.engine) as session:
        accounts.disable_user(session, None, team.colleague.username)
    dialog = sessions.ask_to_sign_in()
    said = sign_in(qtbot, dialog, team.colleague.username, PASSWORD)
    assert said.startswith("This account has been disabled")
    assert "system administrator" in said
    assert sessions.window is None


def test_an_administrator_gets_the_administration_window_and_no_caseload(
    qtbot: QtBot, team: TeamData, sessions: Sessions
) -> None:
    with unit_of_work(team.engine) as session:
        admin = factories.user(session, None, Role.ADMINISTRATOR).username
    give_password(team.engine, admin)
    dialog = sessions.ask_to_sign_in()
    with qtbot.waitSignal(sessions.window_opened, timeout=10_000) as shown:
        sign_in(qtbot, dialog, admin, PASSWORD)
    window = shown.args[0]
    assert isinstance(window, AdministrationWindow)
    assert not isinstance(window, MainWindow)  # no caseload, no child's record
    assert "(administrator)" in window.status_text()
    assert actions(team.engine)[-1] == "sign_in"
    # What an administrator is for: the referral types, from the window.
    types = window.open_referral_types()
    assert types.isVisible()
    types.close()
    # The idle lock and sign-out work as for everyone.
    assert sessions.idle_lock is not None
    assert sessions.sign_out()
    assert actions(team.engine)[-1] == "sign_out"


def test_the_user_name_given_with_user_is_filled_in_and_the_password_still_asked(
    qtbot: QtBot, team: TeamData, sessions: Sessions
) -> None:
    dialog = sessions.ask_to_sign_in(team.colleague.username)
    assert dialog.username.text() == team.colleague.username
    assert dialog.password.text() == ""
    assert dialog.focusWidget() is dialog.password
    with qtbot.waitSignal(sessions.window_opened, timeout=10_000) as shown:
        sign_in(qtbot, dialog, None, PASSWORD)
    assert shown.args[0].caseload.health_visitor.currentText() == "Helen Walker"


def test_the_demo_offers_its_accounts_with_the_published_password(
    qtbot: QtBot, team: TeamData
) -> None:
    give_demo_password(team.engine)
    demo = Sessions(
        team.engine, choice(team.engine), demo=True, idle_lock_minutes=10, offer_drafts=False
    )
    try:
        dialog = demo.ask_to_sign_in()
        offered = [dialog.account.itemText(i) for i in range(dialog.account.count())]
        # Health visitors, biggest caseload first, then the lead; no administrator.
        assert offered == [
            "Priya Sharma: health visitor, Chapeltown 0-19 team (4 children)",
            "Helen Walker: health visitor, Chapeltown 0-19 team (2 children)",
            "Joanne Fisher: team lead, Chapeltown 0-19 team",
        ]
        assert dialog.password.text() == DEMO_PASSWORD
        assert DEMO_PASSWORD in dialog.findChild(QLabel, "demoNote").text()
        dialog.account.setCurrentIndex(1)
        with qtbot.waitSignal(demo.window_opened, timeout=10_000) as shown:
            dialog.sign_in_button.click()
        opened_window = shown.args[0]
        assert opened_window.windowTitle().startswith("HealthVisitor — Helen Walker")
    finally:
        window = demo.window
        demo.end()
        dispose([w for w in (window, demo.dialog) if w is not None])


def test_a_real_database_offers_no_accounts_even_with_demo(qtbot: QtBot, team: TeamData) -> None:
    demo = Sessions(
        team.engine, choice(team.engine), demo=True, idle_lock_minutes=10, offer_drafts=False
    )
    assert demo.desk.demo_accounts() == []


def test_no_password_typed_is_written_to_the_database_or_the_data_folder(
    qtbot: QtBot, team: TeamData, sessions: Sessions, tmp_path: Path
) -> None:
    dialog = sessions.ask_to_sign_in()
    sign_in(qtbot, dialog, team.me.username, "a wrong guess 123")
    sign_in(qtbot, dialog, "my secret words", PASSWORD)
    with qtbot.waitSignal(sessions.window_opened, timeout=10_000):
        sign_in(qtbot, dialog, team.me.username, PASSWORD)
    sessions.end()
    team.engine.dispose()
    database = Path(str(team.engine.url.database))
    written = [database, *(p for p in (tmp_path / "data").rglob("*") if p.is_file())]
    for secret in (PASSWORD, "a wrong guess 123", "my secret words"):
        for path in written:
            assert secret.encode() not in path.read_bytes(), path


def test_quitting_from_the_dialog_opens_nothing(
    qtbot: QtBot, team: TeamData, sessions: Sessions
) -> None:
    dialog = sessions.ask_to_sign_in()
    with qtbot.waitSignal(dialog.rejected):
        dialog.quit_button.click()
    assert sessions.window is None
    assert isinstance(dialog, SignInDialog)
