"""Break-glass on screen (issue 8): the dialog, the read-only record window, and the lead's review.

Chapeltown's Priya Sharma breaks the glass into Headingley's child Never Stray;
Headingley's lead sees it in their main window and marks it reviewed.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass

import pytest
from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from sqlalchemy import select, update

from healthvisitor.domain.enums import Role
from healthvisitor.persistence.models import AuditEvent, BreakGlassAccess, Child, Team, User
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services.break_glass import BreakGlassOpening
from healthvisitor.ui.break_glass import MENU_TEXT, BreakGlassDialog, BreakGlassRecordWindow
from healthvisitor.ui.break_glass_review import (
    BreakGlassModel,
    BreakGlassNotice,
    BreakGlassReviewDialog,
)
from healthvisitor.ui.main_window import MainWindow
from tests import factories
from tests.ui.conftest import TeamData, wait_loaded

pytestmark = pytest.mark.gui

REASON = "Brought to our baby clinic by her aunt; checking which immunisations are due"


@dataclass(frozen=True)
class Headingley:
    """The other team: its lead, and one of its health visitors."""

    lead: User
    hv: User


@pytest.fixture
def headingley(team_data: TeamData) -> Headingley:
    with unit_of_work(team_data.engine) as session:
        child = session.get_one(Child, team_data.other_team.id)
        team = session.get_one(Team, child.team_id)
        lead = factories.user(session, team, Role.TEAM_LEAD)
        lead.full_name = "Grace Obi"
        hv = factories.user(session, team)
        session.flush()
        session.expunge_all()
    return Headingley(lead, hv)


def _dialog(qtbot: QtBot, team_data: TeamData) -> BreakGlassDialog:
    dialog = BreakGlassDialog(team_data.workspace())
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def _fill(qtbot: QtBot, dialog: BreakGlassDialog, nhs_number: str, reason: str) -> None:
    dialog.nhs_number.clear()
    qtbot.keyClicks(dialog.nhs_number, nhs_number)
    dialog.reason.setPlainText(reason)


def _grants(team_data: TeamData) -> list[BreakGlassAccess]:
    with unit_of_work(team_data.engine) as session:
        found = list(session.scalars(select(BreakGlassAccess)))
        session.expunge_all()
        return found


def _spaced(digits: str) -> str:
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"


def test_the_dialog_says_whats_wrong_next_to_each_field_and_keeps_what_was_typed(
    qtbot: QtBot, team_data: TeamData
) -> None:
    dialog = _dialog(qtbot, team_data)
    assert not dialog.open_button.isEnabled()  # nothing typed: nothing to ask
    qtbot.keyClicks(dialog.nhs_number, "999 000 0001")  # a wrong check digit
    assert dialog.nhs_problem.isVisible()
    assert "check digit does not match" in dialog.nhs_problem.text()
    _fill(qtbot, dialog, _spaced(team_data.other_team.nhs_number), "urgent")
    assert not dialog.nhs_problem.isVisible()
    assert dialog.open_button.isEnabled()
    qtbot.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible(), "not opened without a real reason"
    assert "Say a little more about why" in dialog.reason_problem.text()
    assert dialog.reason.toPlainText() == "urgent"
    assert dialog.nhs_number.text() == _spaced(team_data.other_team.nhs_number)
    assert _grants(team_data) == []
    unknown = factories.nhs_number(777)
    _fill(qtbot, dialog, unknown, REASON)
    assert dialog.break_glass() is None
    assert "No child with NHS number" in dialog.nhs_problem.text()
    assert dialog.reason.toPlainText() == REASON


def test_another_teams_child_opens_read_only_with_the_reason_and_the_time_it_ends(
    qtbot: QtBot, team_data: TeamData
) -> None:
    dialog = _dialog(qtbot, team_data)
    _fill(qtbot, dialog, _spaced(team_data.other_team.nhs_number), REASON)
    with qtbot.waitSignal(dialog.opened) as opened:
        qtbot.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
    window = opened.args[0]
    assert isinstance(window, BreakGlassRecordWindow)
    qtbot.addWidget(window)
    window.show()
    assert not dialog.isVisible()
    assert window.record.name == "Never Stray"
    assert window.windowTitle().startswith("BREAK-GLASS, read-only: Never Stray")
    banner = window.glass_banner.text.text()
    assert "Break-glass access: Headingley 0-19 team's record, read-only until" in banner
    assert f'because: "{REASON}"' in window.glass_banner.note.text()
    assert window.glass_banner.isVisible()
    # Nothing can be changed or printed here, and the screen offers no way to try.
    assert not window.record_button.isVisible()
    for action in (
        window.record_action,
        window.close_record_action,
        window.reopen_action,
        window.print_action,
        window.print_professional_action,
    ):
        assert not action.isEnabled() and not action.isVisible(), action.text()
    assert window.record_contact() is None and window.close_record() is None
    assert window.tabs.tabText(3) == "Re&ferrals"
    assert "not shown with break-glass access" in window.tabs.widget(3).text()
    # F5 reads it again under the same grant: each opening is a view naming the grant.
    window.reload()
    [grant] = _grants(team_data)
    with unit_of_work(team_data.engine) as session:
        views = session.scalars(
            select(AuditEvent.details).where(
                AuditEvent.entity_id == team_data.other_team.id, AuditEvent.action == "view"
            )
        ).all()
    assert [json.loads(view) for view in views] == [{"break_glass_grant": str(grant.id)}] * 2


def test_when_the_grant_has_ended_the_window_closes_and_says_why(
    qtbot: QtBot, team_data: TeamData
) -> None:
    dialog = _dialog(qtbot, team_data)
    _fill(qtbot, dialog, team_data.other_team.nhs_number, REASON)
    window = dialog.break_glass()
    assert isinstance(window, BreakGlassRecordWindow)
    qtbot.addWidget(window)
    window.show()
    with unit_of_work(team_data.engine) as session:
        session.execute(
            update(BreakGlassAccess).values(
                granted_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=9),
                expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1),
            )
        )
    with qtbot.waitSignal(window.grant_ended) as ended:
        window.reload()
    assert "has ended" in ended.args[0]
    assert not window.isVisible()


def test_a_child_of_ones_own_team_opens_the_usual_way_without_break_glass(
    qtbot: QtBot, team_data: TeamData
) -> None:
    dialog = _dialog(qtbot, team_data)
    mine = team_data.mine[0]
    _fill(qtbot, dialog, mine.nhs_number, REASON)
    with qtbot.waitSignal(dialog.own_team_child) as own:
        assert dialog.break_glass() is None
    assert own.args == [mine.id]
    assert _grants(team_data) == []


def test_the_main_window_offers_break_glass_and_closes_its_records_with_it(
    qtbot: QtBot, team_data: TeamData
) -> None:
    window = MainWindow(team_data.workspace())
    qtbot.addWidget(window)
    wait_loaded(qtbot, window)
    assert window.break_glass is not None and window.break_glass.action is not None
    assert window.break_glass.action.text() == MENU_TEXT
    dialog = window.break_glass.ask()
    assert dialog.isVisible() and dialog.windowTitle() == "Break glass: open another team's record"
    assert window.break_glass_notice is None, "a health visitor reviews nobody's break-glass"
    _fill(qtbot, dialog, team_data.other_team.nhs_number, REASON)
    record = dialog.break_glass()
    assert record is not None and record.isVisible()
    assert window.break_glass.windows == {team_data.other_team.id: record}
    # Signing out (or quitting) closes the main window: the other team's record goes with it.
    assert window.close()
    assert not record.isVisible()


def test_the_records_team_lead_is_flagged_and_marks_it_reviewed(
    qtbot: QtBot, team_data: TeamData, headingley: Headingley
) -> None:
    priya = BreakGlassDialog(team_data.workspace())
    qtbot.addWidget(priya)
    _fill(qtbot, priya, team_data.other_team.nhs_number, REASON)
    opened = priya.break_glass()
    assert opened is not None
    qtbot.addWidget(opened)
    window = MainWindow(team_data.workspace(user=headingley.lead))
    qtbot.addWidget(window)
    wait_loaded(qtbot, window)
    window.show()
    notice = window.break_glass_notice
    assert isinstance(notice, BreakGlassNotice)
    assert notice.isVisible()
    assert notice.text().endswith("Break-glass: 1 to review")
    assert notice.accessibleName().startswith("1 break-glass access to your team's records")
    review = notice.open_review()
    assert isinstance(review, BreakGlassReviewDialog)
    assert review.windowTitle() == "Break-glass access to your team's records"
    assert review.model.rowCount() == 1
    row = [review.model.index(0, c).data() for c in range(review.model.columnCount())]
    assert row[1:6] == [
        "Priya Sharma (health visitor)",
        "Chapeltown 0-19 team",
        "Never Stray",
        _spaced(team_data.other_team.nhs_number),
        REASON,
    ]
    assert f'because: "{REASON}"' in review.detail.text()
    assert review.mark_reviewed()
    assert review.model.rowCount() == 0 and review.empty.isVisible()
    assert not notice.isVisible() and notice.count == 0
    with unit_of_work(team_data.engine) as session:
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.user_id == headingley.lead.id)
        ).all()
    assert "review_break_glass" in actions
    review.reject()


def test_another_teams_lead_is_not_flagged(
    qtbot: QtBot, team_data: TeamData, headingley: Headingley
) -> None:
    priya = BreakGlassDialog(team_data.workspace())
    qtbot.addWidget(priya)
    _fill(qtbot, priya, team_data.other_team.nhs_number, REASON)
    opened = priya.break_glass()
    assert opened is not None
    qtbot.addWidget(opened)
    window = MainWindow(team_data.workspace(user=team_data.lead))  # Chapeltown's own lead
    qtbot.addWidget(window)
    wait_loaded(qtbot, window)
    window.show()
    notice = window.break_glass_notice
    assert isinstance(notice, BreakGlassNotice)
    assert not notice.isVisible() and notice.count == 0


@pytest.mark.parametrize("filled", [False, True])
def test_the_review_model_passes_qt_model_checks(qtmodeltester: ModelTester, filled: bool) -> None:
    model = BreakGlassModel()
    if filled:
        at = dt.datetime(2026, 11, 24, 9, 30, tzinfo=dt.UTC)
        model.set_lines(
            [
                BreakGlassOpening(
                    id=uuid.uuid4(),
                    child_id=uuid.uuid4(),
                    child_name="Never Stray",
                    nhs_number="999 000 0018",
                    who="Priya Sharma",
                    who_team="Chapeltown 0-19 team",
                    who_role="Health visitor",
                    reason=REASON,
                    machine="clinic-pc-4",
                    granted_at=at,
                    expires_at=at + dt.timedelta(hours=8),
                )
            ]
        )
    qtmodeltester.check(model)
