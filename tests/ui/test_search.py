"""Find a child in the team (issue 4), driven from the main window as a health visitor would."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from healthvisitor.domain.enums import RecordStatus
from healthvisitor.errors import DatabaseUnavailableError
from healthvisitor.persistence.models import Pregnancy
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services.search import (
    TYPE_MORE,
    LookingFor,
    SearchResult,
    SearchRow,
    SearchTerms,
)
from healthvisitor.ui.main_window import MainWindow
from healthvisitor.ui.search_panel import (
    DEBOUNCE_MS,
    NAME,
    RECORD,
    SearchResultsModel,
)
from tests.ui.conftest import ExpectingTeam, TeamData, wait_loaded

pytestmark = pytest.mark.gui


def open_window(qtbot: QtBot, team: TeamData, workspace: ExpectingTeam | None = None) -> MainWindow:
    window = MainWindow((workspace or team).workspace())
    qtbot.addWidget(window)
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    wait_loaded(qtbot, window)
    return window


def type_and_wait(qtbot: QtBot, window: MainWindow, text: str) -> None:
    """Type into the banner's box as a user would, then let the pause in typing pass."""
    window.search.box.clear()
    qtbot.keyClicks(window.search.box, text)
    qtbot.waitUntil(lambda: not window.search.timer.isActive(), timeout=2000)


def found_ids(window: MainWindow) -> list[uuid.UUID]:
    model = window.search.model
    return [model.child_id_at(row) for row in range(model.rowCount())]


def found_names(window: MainWindow) -> list[str]:
    model = window.search.model
    return [model.index(row, NAME).data() for row in range(model.rowCount())]


def spaced(nhs_number: str) -> str:
    return f"{nhs_number[:3]} {nhs_number[3:6]} {nhs_number[6:]}"


def test_ctrl_f_reaches_the_team_search_from_anywhere_and_the_menu_says_so(
    qtbot: QtBot, team_data: TeamData
) -> None:
    window = open_window(qtbot, team_data)
    window.caseload.table.setFocus()
    qtbot.keyClick(window.caseload.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is window.search.box
    assert window.find_action.text() == "&Find a child in the team"
    assert window.find_action.shortcut().toString() == "Ctrl+F"
    assert window.search.box.accessibleName() == "Find a child in the team"
    assert window.search.label.buddy() is window.search.box


def test_typing_an_nhs_number_with_spaces_shows_the_child_in_place_of_the_caseload(
    qtbot: QtBot, team_data: TeamData
) -> None:
    window = open_window(qtbot, team_data)
    oliver = team_data.mine[1]
    assert window.pages.currentWidget() is window.caseload
    type_and_wait(qtbot, window, spaced(oliver.nhs_number))
    assert window.pages.currentWidget() is window.search
    assert found_ids(window) == [oliver.id]
    assert found_names(window) == ["Oliver Nowak"]
    said = f"1 child in the team has NHS number {spaced(oliver.nhs_number)}."
    assert window.search.summary.text() == said
    assert said in window.status_text()


def test_enter_in_the_box_opens_the_only_child_found(qtbot: QtBot, team_data: TeamData) -> None:
    window = open_window(qtbot, team_data)
    oliver = team_data.mine[1]
    qtbot.keyClicks(window.search.box, spaced(oliver.nhs_number))
    # Enter before the pause is over: the search runs at once, then opens the record.
    qtbot.keyClick(window.search.box, Qt.Key.Key_Return)
    assert list(window.record_windows) == [oliver.id]
    assert window.record_windows[oliver.id].isVisible()


def test_enter_or_a_double_click_on_a_row_opens_that_childs_record(
    qtbot: QtBot, team_data: TeamData
) -> None:
    window = open_window(qtbot, team_data)
    # Helen Walker's two children: not on my caseload, found all the same.
    type_and_wait(qtbot, window, "okafor")
    assert found_names(window) == ["Ada Okafor", "Tobi Okafor"]
    qtbot.keyClick(window.search.box, Qt.Key.Key_Return)  # two found: to the list
    table = window.search.table
    assert QApplication.focusWidget() is table
    assert table.currentIndex().row() == 0
    qtbot.keyClick(table, Qt.Key.Key_Down)
    qtbot.keyClick(table, Qt.Key.Key_Return)
    assert list(window.record_windows) == [team_data.colleagues[0].id]  # Tobi
    rect = table.visualRect(table.model().index(0, NAME))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert set(window.record_windows) == {kid.id for kid in team_data.colleagues}


def test_another_teams_child_never_appears(qtbot: QtBot, team_data: TeamData) -> None:
    window = open_window(qtbot, team_data)
    stray = team_data.other_team
    for typed in ("Never", "stray", stray.nhs_number, spaced(stray.nhs_number), "LS6 9ZZ"):
        type_and_wait(qtbot, window, typed)
        assert window.search.result is not None
        assert window.search.result.searched
        assert stray.id not in found_ids(window), typed
        assert window.search.summary.text().startswith(
            ("No child in the team has", "No child or pregnancy in the team has")
        )
    # Every child of my team, by the start of the NHS numbers all test children share.
    type_and_wait(qtbot, window, "999")
    assert stray.id not in found_ids(window)
    assert len(found_ids(window)) == 6


def test_a_discharged_child_is_found_after_the_active_and_says_so(
    qtbot: QtBot, team_data: TeamData
) -> None:
    window = open_window(qtbot, team_data)
    type_and_wait(qtbot, window, "KHAN")
    assert found_names(window) == ["Amelia Khan", "Zara Khan"]
    model = window.search.model
    assert [model.index(row, RECORD).data() for row in range(2)] == ["Active", "Discharged"]
    assert "no longer on a caseload" in model.index(1, RECORD).data(Qt.ItemDataRole.ToolTipRole)


def test_a_date_of_birth_or_a_postcode_finds_the_child(qtbot: QtBot, team_data: TeamData) -> None:
    window = open_window(qtbot, team_data)
    isla = team_data.mine[2]
    type_and_wait(qtbot, window, f"{isla.date_of_birth:%d/%m/%Y}")
    assert found_ids(window) == [isla.id]
    type_and_wait(qtbot, window, "ls62rt")
    assert found_ids(window) == [isla.id]


def test_too_little_typed_says_what_to_type(qtbot: QtBot, team_data: TeamData) -> None:
    window = open_window(qtbot, team_data)
    type_and_wait(qtbot, window, "a")
    assert window.pages.currentWidget() is window.search
    assert found_ids(window) == []
    assert window.search.summary.text() == TYPE_MORE


def test_the_search_waits_for_a_pause_in_typing(
    qtbot: QtBot, team_data: TeamData, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = open_window(qtbot, team_data)
    asked: list[str] = []
    real = window.workspace.search_records

    def counted(text: str, **options: Any) -> SearchResult:
        asked.append(text)
        return real(text, **options)

    monkeypatch.setattr(window.workspace, "search_records", counted)
    qtbot.keyClicks(window.search.box, "nowak")
    assert asked == []  # not one query a keystroke
    assert window.search.timer.interval() == DEBOUNCE_MS
    qtbot.waitUntil(lambda: asked == ["nowak"], timeout=2000)
    assert found_names(window) == ["Oliver Nowak"]


def test_esc_goes_back_to_the_box_then_back_to_the_caseload(
    qtbot: QtBot, team_data: TeamData
) -> None:
    window = open_window(qtbot, team_data)
    type_and_wait(qtbot, window, "khan")
    qtbot.keyClick(window.search.box, Qt.Key.Key_Down)
    assert QApplication.focusWidget() is window.search.table
    qtbot.keyClick(window.search.table, Qt.Key.Key_Escape)
    assert QApplication.focusWidget() is window.search.box
    assert window.search.box.selectedText() == "khan"  # typing replaces it
    qtbot.keyClick(window.search.box, Qt.Key.Key_Escape)
    assert window.search.box.text() == ""
    assert window.pages.currentWidget() is window.caseload
    assert QApplication.focusWidget() is window.caseload.table
    assert "3 children shown" in window.status_text()


def test_the_caseload_filter_still_filters_only_the_caseload(
    qtbot: QtBot, team_data: TeamData
) -> None:
    window = open_window(qtbot, team_data)
    type_and_wait(qtbot, window, "okafor")
    window.filter_action.trigger()  # Ctrl+Shift+F: back to the caseload, into its filter
    assert window.search.box.text() == ""
    assert window.pages.currentWidget() is window.caseload
    assert QApplication.focusWidget() is window.caseload.search
    qtbot.keyClicks(window.caseload.search, "okafor")
    assert window.caseload.proxy.rowCount() == 0  # Helen Walker's, not on my caseload
    assert "Find a child (Ctrl+F)" in window.caseload.empty_state.text()


def test_a_search_that_fails_is_explained_in_place(
    qtbot: QtBot, team_data: TeamData, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = open_window(qtbot, team_data)

    def unreachable(_text: str, **_options: Any) -> SearchResult:
        raise DatabaseUnavailableError("Cannot reach the shared database at db.example.")

    monkeypatch.setattr(window.workspace, "search_records", unreachable)
    type_and_wait(qtbot, window, "khan")
    assert window.search.summary.text() == (
        "The search could not be done: Cannot reach the shared database at db.example."
    )
    assert found_ids(window) == []


def _row(name: str, status: RecordStatus = RecordStatus.ACTIVE) -> SearchRow:
    return SearchRow(
        child_id=uuid.uuid4(),
        name=name,
        nhs_number="999 000 0018",
        date_of_birth=dt.date(2025, 3, 3),
        age="20 months",
        family="Khan",
        postcode="LS7 3AB",
        health_visitor="Unallocated",
        record_status=status,
        status=status.label,
    )


def test_the_results_model_passes_qt_model_checks(qtmodeltester: ModelTester) -> None:
    model = SearchResultsModel()
    qtmodeltester.check(model)
    rows = (_row("Amelia Khan"), _row("Zara Khan", RecordStatus.DISCHARGED))
    model.set_lines(SearchResult(SearchTerms(LookingFor.NAME, "x"), rows).rows)
    qtmodeltester.check(model)
    assert model.index(1, RECORD).data() == "Discharged"
    assert model.index(1, NAME).data(Qt.ItemDataRole.ForegroundRole) is not None
    assert model.index(0, NAME).data(Qt.ItemDataRole.ForegroundRole) is None
    # The NHS number is read a digit at a time.
    assert model.index(0, 1).data(Qt.ItemDataRole.AccessibleTextRole) == "9 9 9 0 0 0 0 0 1 8"


def test_every_control_of_the_results_is_labelled_and_reachable_by_tab(
    qtbot: QtBot, team_data: TeamData
) -> None:
    window = open_window(qtbot, team_data)
    type_and_wait(qtbot, window, "khan")
    page = window.search
    focusable = [
        w
        for w in page.findChildren(QWidget)
        if w.focusPolicy() & Qt.FocusPolicy.TabFocus
        and w.isVisibleTo(window)
        and w.objectName() != "qt_scrollarea_viewport"
    ]
    assert {page.table, page.open_button, page.back_button} <= set(focusable)
    for widget in [*focusable, page.box]:
        assert widget.accessibleName(), f"{type(widget).__name__} has no accessible name"
    qtbot.keyClick(page.box, Qt.Key.Key_Down)
    for expected in (page.open_button, page.back_button):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        assert QApplication.focusWidget() is expected
    qtbot.keyClick(page.back_button, Qt.Key.Key_Space)
    assert window.pages.currentWidget() is window.caseload
    assert QApplication.focusWidget() is window.caseload.table


# --- Expectant mothers (issue 4): a pregnancy is found before the baby is born ---------


def test_an_expectant_mother_is_found_and_her_pregnancy_opens_on_her_caseload(
    qtbot: QtBot, expecting_team: ExpectingTeam
) -> None:
    window = open_window(qtbot, expecting_team.record_team.team, workspace=expecting_team)
    # Hana Ito is Helen Walker's, not mine: the team search finds her all the same.
    type_and_wait(qtbot, window, "hana")
    assert found_names(window) == ["Hana Ito (pregnant)"]
    assert found_ids(window) == [None], "a pregnancy, not a child's record"
    model = window.search.model
    assert [model.index(0, column).data() for column in range(model.columnCount())] == [
        "Hana Ito (pregnant)",
        "—",
        "Due 05 Jan 2027",
        "34+0 weeks",
        "Ito",
        "LS7 9XY",
        "Helen Walker",
        "Pregnancy",
    ]
    assert "the baby is not born yet" in model.index(0, RECORD).data(Qt.ItemDataRole.ToolTipRole)
    assert window.search.summary.text() == "1 pregnancy in the team has a name starting “hana”."
    # Enter opens it where it is worked on: Helen's Pregnancies tab, Hana chosen.
    qtbot.keyClick(window.search.box, Qt.Key.Key_Return)
    wait_loaded(qtbot, window)
    panel = window.caseload
    assert window.pages.currentWidget() is panel and not window.search.box.text()
    assert panel.health_visitor.currentText() == "Helen Walker"
    assert panel.showing_pregnancies()
    chosen = panel.pregnancies.current_row()
    assert chosen is not None and chosen.pregnancy_id == expecting_team.pregnancies["Hana"]
    assert QApplication.focusWidget() is panel.pregnancies.table


def test_a_postcode_lists_the_children_then_the_pregnancies_there(
    qtbot: QtBot, expecting_team: ExpectingTeam
) -> None:
    window = open_window(qtbot, expecting_team.record_team.team, workspace=expecting_team)
    type_and_wait(qtbot, window, "LS7")
    names = found_names(window)
    pregnant = [name for name in names if name.endswith("(pregnant)")]
    assert pregnant == ["Hana Ito (pregnant)", "Rosa Patel (pregnant)"]  # by due date
    assert names.index("Hana Ito (pregnant)") > names.index("Amelia Khan")
    assert window.search.summary.text().endswith("in the team have a postcode in LS7.")
    assert "and 2 pregnancies" in window.search.summary.text()
    # On a pregnancy row the button says what it opens.
    window.search.table.selectRow(names.index("Rosa Patel (pregnant)"))
    assert window.search.open_button.text() == "&Open pregnancy"
    window.search.table.selectRow(names.index("Amelia Khan"))
    assert window.search.open_button.text() == "&Open record"


def test_an_unallocated_pregnancy_says_who_allocates_it(
    qtbot: QtBot, expecting_team: ExpectingTeam
) -> None:
    with unit_of_work(expecting_team.engine) as session:
        session.get_one(Pregnancy, expecting_team.pregnancies["Lily"]).health_visitor_id = None
    window = open_window(qtbot, expecting_team.record_team.team, workspace=expecting_team)
    type_and_wait(qtbot, window, "lily green")
    qtbot.keyClick(window.search.box, Qt.Key.Key_Return)
    assert window.pages.currentWidget() is window.search
    assert window.search.summary.text() == (
        "Lily Green's pregnancy has no health visitor in the team yet, so it is on no "
        "caseload to open it from."
    )
