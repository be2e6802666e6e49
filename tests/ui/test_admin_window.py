"""The administrator's window (issue 8): user accounts, referral types and the access log,
no caseload."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtWidgets import QMessageBox, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from healthvisitor.domain.enums import Role
from healthvisitor.persistence.models import AuditEvent, Child
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services import audit
from healthvisitor.ui.admin_window import AdministrationWindow
from tests import factories
from tests.ui.conftest import TODAY, RecordTeam

pytestmark = pytest.mark.gui


def _admin_window(qtbot: QtBot, record_team: RecordTeam) -> AdministrationWindow:
    team = record_team.team
    with unit_of_work(team.engine) as session:
        admin = factories.user(session, None, Role.ADMINISTRATOR)
    window = AdministrationWindow(team.workspace(user=admin))
    qtbot.addWidget(window)
    window.show()
    return window


def _access_log_looks(record_team: RecordTeam) -> int:
    with unit_of_work(record_team.engine) as session:
        return len(
            session.scalars(select(AuditEvent).where(AuditEvent.action == "view_access_log")).all()
        )


def test_an_administrator_finds_who_accessed_a_record_by_nhs_number(
    qtbot: QtBot, record_team: RecordTeam, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = _admin_window(qtbot, record_team)
    with unit_of_work(record_team.engine) as session:
        noah = session.get_one(Child, record_team.children["Noah"])
        nhs = f"{noah.nhs_number[:3]} {noah.nhs_number[3:6]} {noah.nhs_number[6:]}"
    moment = dt.datetime.combine(TODAY, dt.time(9, 0), tzinfo=dt.UTC)  # in the range shown
    monkeypatch.setattr(audit, "utc_now", lambda: moment)
    record_team.team.workspace().child_record(record_team.children["Noah"])  # an access
    monkeypatch.undo()
    before = _access_log_looks(record_team)
    dialog = window.show_access_log(nhs)
    assert dialog is not None and dialog.isVisible()
    assert dialog.report is not None and dialog.report.child_id == record_team.children["Noah"]
    assert any(line.what == "Opened the record" for line in dialog.report.accesses)
    # One look, recorded once: the dialog shows the answer it was opened with.
    assert _access_log_looks(record_team) == before + 1
    dialog.close()


def test_an_unknown_nhs_number_is_said_and_nothing_opens(
    qtbot: QtBot, record_team: RecordTeam, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = _admin_window(qtbot, record_team)
    said: list[str] = []

    def warn(_parent: QWidget, _title: str, text: str) -> QMessageBox.StandardButton:
        said.append(text)
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QMessageBox, "warning", warn)
    assert window.show_access_log("999 000 0000") is None
    assert said and "No child with NHS number" in said[0]


def test_the_window_offers_what_an_administrator_does_with_the_accounts_in_view(
    qtbot: QtBot, record_team: RecordTeam
) -> None:
    window = _admin_window(qtbot, record_team)
    texts = " ".join(w.text() for w in window.findChildren(QWidget) if hasattr(w, "text"))
    assert "Referral types" in texts and "Who accessed a child's record" in texts
    # The accounts are in the window itself, no longer only on the command line.
    assert window.accounts.isVisible()
    listed = {line.full_name for line in window.accounts.lines_shown()}
    assert {"Priya Sharma", "Helen Walker", "Joanne Fisher"} <= listed
    for button in (
        window.accounts.add_button,
        window.accounts.password_button,
        window.accounts.disable_button,
        window.accounts.enable_button,
        window.accounts.unlock_button,
        window.accounts.role_button,
    ):
        assert button.isVisible()
    dialog = window.open_referral_types()
    assert dialog.isVisible()
    dialog.close()
