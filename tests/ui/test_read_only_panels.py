"""The Referrals and Screening tabs of a record the user may read but not change (issue 8).

A colleague's child's record (and another team's, opened by break-glass) is
read only: the services refuse every change, so the tabs must not offer one.
Each change button is off with the record's ``read_only_reason`` as its
tooltip, the reason shows above the buttons, and the actions behind them
(a shortcut, a double click) open nothing. The user's own child's record
keeps them all.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from healthvisitor.persistence.models import ReferralType
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services.referrals import NewReferral, make_referral
from healthvisitor.ui.break_glass import BreakGlassRecordWindow
from healthvisitor.ui.child_record_window import ChildRecordWindow
from healthvisitor.ui.referrals_panel import ReferralsPanel
from healthvisitor.ui.screening_panel import ScreeningPanel
from tests import factories
from tests.ui.conftest import Kid, TeamData

pytestmark = pytest.mark.gui

REASON = (
    "Helen Walker's caseload: you can read this record but not change it. "
    "Ask your team lead for cover."
)


def _refer(team_data: TeamData, kid: Kid, holder_is_me: bool) -> None:
    """An open referral on the child, made by the health visitor whose caseload it is."""
    with unit_of_work(team_data.engine) as session:
        make_referral(
            session,
            factories.actor(team_data.me if holder_is_me else team_data.colleague),
            NewReferral(
                referral_type_id=session.scalars(
                    select(ReferralType.id).where(ReferralType.code == "stop_smoking")
                ).one(),
                reason="Mother smokes 10 a day",
                made_on=dt.date(2026, 11, 1),
                child_id=kid.id,
                follow_up_on=dt.date(2026, 12, 1),
            ),
            today=dt.date(2026, 11, 2),
        )


def _window(qtbot: QtBot, team_data: TeamData, kid: Kid) -> ChildRecordWindow:
    workspace = team_data.workspace()
    window = ChildRecordWindow(workspace, workspace.child_record(kid.id))
    qtbot.addWidget(window)
    window.show()
    return window


def _tab(window: ChildRecordWindow, kind: type) -> ReferralsPanel | ScreeningPanel:
    for number in range(window.tabs.count()):
        panel = window.tabs.widget(number)
        if isinstance(panel, kind):
            window.tabs.setCurrentIndex(number)  # shown: the panel reads the record's standing
            assert isinstance(panel, ReferralsPanel | ScreeningPanel)
            return panel
    raise AssertionError(f"no {kind.__name__} tab")


def _referrals(window: ChildRecordWindow) -> ReferralsPanel:
    panel = _tab(window, ReferralsPanel)
    assert isinstance(panel, ReferralsPanel)
    panel.table.selectRow(0)
    assert panel.chosen() is not None, "the referral is chosen"
    return panel


def test_a_colleagues_referrals_offer_no_change_and_say_why(
    qtbot: QtBot, team_data: TeamData
) -> None:
    kid = team_data.colleagues[0]
    _refer(team_data, kid, holder_is_me=False)
    panel = _referrals(_window(qtbot, team_data, kid))

    for button in (
        panel.new_button,
        panel.step_button,
        panel.edit_button,
        panel.follow_up_button,
        panel.close_button,
    ):
        assert not button.isEnabled(), button.text()
        assert button.toolTip() == REASON, button.text()
    assert panel.read_only_note.isVisible()
    assert panel.read_only_note.text() == f"Read only. {REASON}"
    assert panel.letter_button.isEnabled(), "printing the letter only reads"
    # Nothing behind the buttons opens either: a double click, a shortcut.
    panel.table.doubleClicked.emit(panel.table.currentIndex())
    assert panel.dialog is None
    assert panel.next_step() is None and panel.set_follow_up() is None
    assert panel.new_referral() is None


def test_my_own_childs_referrals_can_be_changed(qtbot: QtBot, team_data: TeamData) -> None:
    kid = team_data.mine[0]
    _refer(team_data, kid, holder_is_me=True)
    panel = _referrals(_window(qtbot, team_data, kid))

    for button in (panel.new_button, panel.step_button, panel.follow_up_button):
        assert button.isEnabled(), button.text()
    assert panel.step_button.toolTip() == "Record the next step of the chosen referral"
    assert not panel.read_only_note.isVisible()
    dialog = panel.set_follow_up()
    assert dialog is not None
    dialog.reject()


def test_a_colleagues_screening_and_immunisations_offer_no_change_and_say_why(
    qtbot: QtBot, team_data: TeamData
) -> None:
    panel = _tab(_window(qtbot, team_data, team_data.colleagues[0]), ScreeningPanel)
    assert isinstance(panel, ScreeningPanel)

    for button in (panel.screening_button, panel.immunisation_button):
        assert button.isVisible(), "still there, so the user sees why it is off"
        assert not button.isEnabled(), button.text()
        assert button.toolTip() == REASON
    assert panel.read_only_note.isVisible()
    assert panel.read_only_note.text() == f"Read only. {REASON}"
    assert panel.record_screening() is None and panel.record_immunisation() is None
    assert panel.dialog is None


def test_my_own_childs_screening_can_be_recorded(qtbot: QtBot, team_data: TeamData) -> None:
    panel = _tab(_window(qtbot, team_data, team_data.mine[0]), ScreeningPanel)
    assert isinstance(panel, ScreeningPanel)

    assert panel.screening_button.isEnabled() and panel.immunisation_button.isEnabled()
    assert not panel.read_only_note.isVisible()
    dialog = panel.record_screening()
    assert dialog is not None
    dialog.reject()


def test_a_break_glass_record_says_why_screening_cannot_be_changed(
    qtbot: QtBot, team_data: TeamData
) -> None:
    workspace = team_data.workspace()
    workspace.break_glass(
        team_data.other_team.nhs_number, "Brought to our clinic by her aunt; which vaccines due"
    )
    view = workspace.break_glass_record(team_data.other_team.id)
    window = BreakGlassRecordWindow(workspace, view)
    qtbot.addWidget(window)
    window.show()
    panel = _tab(window, ScreeningPanel)
    assert isinstance(panel, ScreeningPanel)

    assert view.record.read_only_reason
    assert panel.read_only_note.isVisible()
    assert panel.read_only_note.text() == f"Read only. {view.record.read_only_reason}"
    assert not panel.screening_button.isEnabled()
    assert panel.record_screening() is None


def test_cover_arranged_while_the_tab_is_open_opens_its_changes_on_reload(
    qtbot: QtBot, team_data: TeamData
) -> None:
    """The tab on screen hears the record's new standing at once, not at its next showing."""
    kid = team_data.colleagues[0]
    _refer(team_data, kid, holder_is_me=False)
    window = _window(qtbot, team_data, kid)
    panel = _referrals(window)
    assert not panel.new_button.isEnabled()

    # As if the team lead had just arranged cover: the record comes back changeable.
    window.show_record(dataclasses.replace(window.record, read_only_reason=""))

    assert panel.new_button.isEnabled()
    assert not panel.read_only_note.isVisible()
