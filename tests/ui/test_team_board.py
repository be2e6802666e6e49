"""The team lead's board (issue 4): the "Team" tab, for a team lead only.

On Chapeltown (``TeamData``) plus one unallocated new birth: the board lists
each clinician's caseload, says the weights it used, and lists the
unallocated child; Enter on a health visitor shows their caseload.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QMessageBox
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from healthvisitor.domain.caseload_weights import CaseloadWeights
from healthvisitor.domain.enums import ContactKind, ReviewStatus, Role
from healthvisitor.errors import DatabaseUnavailableError
from healthvisitor.persistence.models import Team
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services.caseload import CaseloadRow
from healthvisitor.services.team_board import CaseloadLoad, TeamBoard
from healthvisitor.services.workspace import Workspace
from healthvisitor.ui.caseload_model import CHILD_ID_ROLE, NAME
from healthvisitor.ui.main_window import MainWindow
from healthvisitor.ui.team_board import (
    CHILDREN,
    MEMBER,
    OVERDUE,
    WEIGHTED,
    TeamBoardModel,
    UnallocatedModel,
    sorting_proxy,
)
from tests import factories
from tests.ui.conftest import LOAD_WAIT_MS, TeamData, wait_loaded

pytestmark = pytest.mark.gui


def add_unallocated_child(team: TeamData) -> uuid.UUID:
    with unit_of_work(team.engine) as session:
        chapeltown = session.get_one(Team, team.me.team_id)
        family = factories.family(session, chapeltown, "Mensah")
        child = factories.child(
            session, family, None, given_name="Kofi", date_of_birth=dt.date(2026, 11, 20)
        )
        return child.id


def open_window(qtbot: QtBot, team: TeamData, as_lead: bool) -> MainWindow:
    window = MainWindow(team.workspace(user=team.lead if as_lead else team.me))
    qtbot.addWidget(window)
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    wait_loaded(qtbot, window)
    return window


def column(window: MainWindow, number: int) -> list[str]:
    assert window.caseload.team is not None
    proxy = window.caseload.team.proxy
    return [proxy.index(r, number).data() for r in range(proxy.rowCount())]


def test_a_team_lead_sees_the_team_tab(qtbot: QtBot, team_data: TeamData) -> None:
    kofi = add_unallocated_child(team_data)
    window = open_window(qtbot, team_data, as_lead=True)
    panel, team = window.caseload, window.caseload.team
    assert team is not None
    assert window.team_action is not None
    assert window.team_action.shortcut() == QKeySequence("Ctrl+3")
    assert panel.tabs.count() == 4  # children, pregnancies, team, referral follow-ups
    assert panel.showing_team()  # a team lead starts on the board
    panel.show_children()
    qtbot.keyClick(window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert panel.showing_team()
    assert panel.tabs.tabText(panel.TEAM_TAB) == "&Team"
    assert column(window, MEMBER) == ["Helen Walker", "Joanne Fisher (team lead)", "Priya Sharma"]
    assert column(window, CHILDREN) == ["2", "0", "3"]
    assert column(window, WEIGHTED) == ["2.0", "0.0", "3.0"]
    assert "about 250 children per health visitor" in team.recommended.text()
    assert f"Weights: {CaseloadWeights().describe()}" in team.weights.text()
    assert "Universal Plus 1.5" in team.weights.text()
    assert [row.child_id for row in team.unallocated_rows()] == [kofi]
    assert team.unallocated_proxy.index(0, 0).data() == "Kofi Mensah"
    assert "1 child" in team.unallocated_heading.text()
    # The search and the filter belong to the caseload, not to the board.
    assert not panel.search.isEnabled()
    assert not panel.open_button.isVisibleTo(window)
    assert "3 in the team; 1 child waiting for a health visitor" in window.status_text()
    # Sortable: most children first.
    team.table.sortByColumn(CHILDREN, Qt.SortOrder.DescendingOrder)
    assert column(window, MEMBER)[0] == "Priya Sharma"


def test_enter_on_a_health_visitor_shows_their_caseload(qtbot: QtBot, team_data: TeamData) -> None:
    window = open_window(qtbot, team_data, as_lead=True)
    panel, team = window.caseload, window.caseload.team
    assert team is not None
    panel.show_team()
    assert panel.health_visitor.currentText() == "Joanne Fisher (team lead)"
    team.table.selectRow(column(window, MEMBER).index("Helen Walker"))
    qtbot.keyClick(team.table, Qt.Key.Key_Return)
    wait_loaded(qtbot, window)
    assert panel.tabs.currentIndex() == panel.CHILDREN_TAB
    assert panel.health_visitor.currentText() == "Helen Walker"
    shown = {panel.proxy.index(r, NAME).data(CHILD_ID_ROLE) for r in range(panel.proxy.rowCount())}
    assert shown == {kid.id for kid in team_data.colleagues}
    assert panel.search.isEnabled()


def test_a_health_visitor_has_no_team_tab(qtbot: QtBot, team_data: TeamData) -> None:
    window = open_window(qtbot, team_data, as_lead=False)
    assert window.caseload.team is None
    assert window.team_action is None
    assert window.caseload.tabs.count() == 3  # children, pregnancies, referral follow-ups
    qtbot.keyClick(window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert window.caseload.tabs.currentIndex() == window.caseload.CHILDREN_TAB


BOARD = TeamBoard(
    loads=(
        CaseloadLoad(uuid.uuid4(), "Ann Ahmed", Role.HEALTH_VISITOR, 262, 301.5, 12, 3),
        CaseloadLoad(uuid.uuid4(), "Carol Lead", Role.TEAM_LEAD, 0, 0.0, 0, 0),
    ),
    unallocated=(
        CaseloadRow(
            child_id=uuid.uuid4(),
            name="Una Okafor",
            nhs_number="999 000 0018",
            date_of_birth=dt.date(2026, 11, 20),
            age="4 days",
            family="Okafor",
            postcode="LS7 3AB",
            next_review=ContactKind.NEW_BIRTH_VISIT,
            next_review_status=ReviewStatus.NOT_YET_DUE,
            next_review_target_by=dt.date(2026, 12, 4),
            days_to_target=10,
        ),
    ),
    weights=CaseloadWeights(),
)


@pytest.mark.parametrize("board", [BOARD, TeamBoard((), (), CaseloadWeights())])
def test_the_models_pass_qt_model_checks(qtmodeltester: ModelTester, board: TeamBoard) -> None:
    members, unallocated = TeamBoardModel(), UnallocatedModel()
    members.set_board(board)
    unallocated.set_lines(board.unallocated)
    for model in (members, unallocated):
        qtmodeltester.check(model)
        qtmodeltester.check(sorting_proxy(model))


def test_an_oversized_caseload_is_marked(qtbot: QtBot) -> None:
    model = TeamBoardModel()
    model.set_board(BOARD)
    ann = model.index(0, CHILDREN)
    assert ann.data() == "262"
    assert "more than the recommended 250" in ann.data(Qt.ItemDataRole.ToolTipRole)
    assert ann.data(Qt.ItemDataRole.ForegroundRole) is not None
    assert model.index(1, CHILDREN).data(Qt.ItemDataRole.ForegroundRole) is None
    assert model.index(0, OVERDUE).data() == "3"


def test_the_unallocated_list_says_why_each_child_is_waiting(
    qtbot: QtBot, team_data: TeamData
) -> None:
    """A new birth and a transfer in are told apart (issue 4: "new birth notifications,
    transfers in")."""
    kofi = add_unallocated_child(team_data)
    with unit_of_work(team_data.engine) as session:
        family = factories.family(session, session.get_one(Team, team_data.me.team_id), "Adeyemi")
        arrived = factories.child(
            session, family, None, given_name="Tolu", date_of_birth=dt.date(2025, 3, 2)
        )
        arrived.transferred_in_from = "Bradford 0-19 service"
        arrived.transferred_in_on = dt.date(2026, 11, 18)
    window = open_window(qtbot, team_data, as_lead=True)
    board = window.caseload.team
    assert board is not None
    model = board.unallocated_model
    why = model.columnCount() - 1
    assert model.headerData(why, Qt.Orientation.Horizontal) == "Waiting because"
    said = {
        model.line_at(row).child_id: model.index(row, why).data() for row in range(model.rowCount())
    }
    assert said[kofi] == "New, not yet allocated"
    assert said[arrived.id] == "Transfer in from Bradford 0-19 service"


# --- The board is read off the GUI thread (about a second at trust scale) -------------


def held_board(
    monkeypatch: pytest.MonkeyPatch, workspace: Workspace
) -> tuple[threading.Event, list[int]]:
    """``Workspace.team_board`` waits on its worker until the event is set; the list
    counts the boards read."""
    release, reads = threading.Event(), []
    read = workspace.team_board

    def held() -> TeamBoard:
        reads.append(1)
        release.wait(LOAD_WAIT_MS / 1000)
        return read()

    monkeypatch.setattr(workspace, "team_board", held)
    return release, reads


def test_the_board_says_it_is_loading_and_offers_no_action_until_it_has_come(
    qtbot: QtBot, team_data: TeamData, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_unallocated_child(team_data)
    workspace = team_data.workspace(user=team_data.lead)
    release, _reads = held_board(monkeypatch, workspace)
    window = MainWindow(workspace)
    qtbot.addWidget(window)
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    board = window.caseload.team
    assert board is not None and window.caseload.showing_team()
    assert board.loading_note.isVisibleTo(window)
    assert board.loading_note.text().startswith("Loading the team's caseloads")
    # No empty tables that would read as "nobody in the team", "nobody waiting".
    assert not board.table.isVisibleTo(window)
    assert not board.unallocated.isVisibleTo(window)
    assert not board.unallocated_empty.isVisibleTo(window)
    assert window.status_text().startswith("Loading the team's caseloads")
    assert not board.reallocate_button.isEnabled()
    assert board.allocate_chosen() is None and board.dialog is None
    with qtbot.waitSignal(board.loaded, timeout=LOAD_WAIT_MS):
        release.set()
    wait_loaded(qtbot, window)
    assert not board.loading_note.isVisibleTo(window)
    assert board.table.isVisibleTo(window) and board.unallocated.isVisibleTo(window)
    assert column(window, MEMBER) == ["Helen Walker", "Joanne Fisher (team lead)", "Priya Sharma"]
    assert board.allocate_button.isEnabled() and board.reallocate_button.isEnabled()
    assert "3 in the team; 1 child waiting" in window.status_text()


def test_a_reload_keeps_the_board_and_the_leads_choices_but_holds_the_actions(
    qtbot: QtBot, team_data: TeamData, monkeypatch: pytest.MonkeyPatch
) -> None:
    kofi = add_unallocated_child(team_data)
    window = open_window(qtbot, team_data, as_lead=True)
    board = window.caseload.team
    assert board is not None
    board.table.selectRow(column(window, MEMBER).index("Priya Sharma"))
    board.unallocated.selectRow(0)
    release, reads = held_board(monkeypatch, window.workspace)
    window.caseload.refresh()
    assert board.updating.isVisibleTo(window) and not board.loading_note.isVisibleTo(window)
    assert board.table.isVisibleTo(window), "the board shown stays while the new one comes"
    assert column(window, MEMBER)[2] == "Priya Sharma"
    # The actions wait for the fresh board: the shortcut does nothing meanwhile.
    assert not board.allocate_button.isEnabled()
    qtbot.keyClick(
        board.unallocated,
        Qt.Key.Key_A,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert board.dialog is None
    qtbot.keyClick(board.unallocated, Qt.Key.Key_Return)  # nor does Enter on the list
    assert board.dialog is None
    assert "being updated" in board.done_message.text()
    with qtbot.waitSignal(board.loaded, timeout=LOAD_WAIT_MS):
        release.set()
    assert reads == [1]
    assert not board.updating.isVisibleTo(window)
    current = board.current_member()
    assert current is not None and current.full_name == "Priya Sharma"
    assert [row.child_id for row in board.chosen_unallocated()] == [kofi]
    assert board.allocate_button.isEnabled()


def test_a_board_that_cannot_load_is_explained(
    qtbot: QtBot, team_data: TeamData, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text: shown.append(text))
    workspace = team_data.workspace(user=team_data.lead)

    def unreachable() -> TeamBoard:
        raise DatabaseUnavailableError("Cannot reach the shared database at db.example.")

    monkeypatch.setattr(workspace, "team_board", unreachable)
    window = MainWindow(workspace)
    qtbot.addWidget(window)
    wait_loaded(qtbot, window)
    board = window.caseload.team
    assert board is not None
    assert shown == ["Cannot reach the shared database at db.example."]
    assert board.loading_note.text() == (
        "The team board is not shown: Cannot reach the shared database at db.example."
    )
    assert board.loading_note.isVisibleTo(window)
    assert not board.reallocate_button.isEnabled()
