"""A colleague's child's record (issue 8): read only, said on a banner, with every change
switched off and the reason on it; the user's own child's record is unchanged."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from healthvisitor.ui.child_record_window import ChildRecordWindow
from tests.ui.conftest import TeamData

pytestmark = pytest.mark.gui

REASON = (
    "Helen Walker's caseload: you can read this record but not change it. "
    "Ask your team lead for cover."
)


def _window(
    qtbot: QtBot, team_data: TeamData, index: int, *, colleagues: bool
) -> ChildRecordWindow:
    workspace = team_data.workspace()
    kid = (team_data.colleagues if colleagues else team_data.mine)[index]
    window = ChildRecordWindow(workspace, workspace.child_record(kid.id))
    qtbot.addWidget(window)
    window.show()
    return window


def test_a_colleagues_record_says_whose_caseload_and_is_read_only(
    qtbot: QtBot, team_data: TeamData
) -> None:
    window = _window(qtbot, team_data, 0, colleagues=True)
    banner = window.colleague_banner
    assert banner.isVisibleTo(window)
    assert banner.text.text() == "Helen Walker's caseload — read only"
    assert "Ask your team lead for cover." in banner.note.text()
    assert banner.accessibleName() == "Helen Walker's caseload — read only"
    for change in (window.record_button, window.record_action, window.close_record_action):
        assert not change.isEnabled()
        assert change.toolTip() == REASON
    assert window.record_contact() is None, "no contact form opens"
    assert window.close_record() is None, "no close-the-record dialog opens"
    # Reading stays: the print and reload actions are there.
    assert window.print_action.isEnabled() and window.reload_action.isEnabled()


def test_the_users_own_childs_record_shows_no_banner_and_can_be_changed(
    qtbot: QtBot, team_data: TeamData
) -> None:
    window = _window(qtbot, team_data, 0, colleagues=False)
    assert not window.colleague_banner.isVisibleTo(window)
    assert window.record_button.isEnabled() and window.record_action.isEnabled()
    assert window.close_record_action.isEnabled()
    assert window.record_button.toolTip() == "Record a review or other contact (Ctrl+N)"
