"""The main window on a real (SQLite) database, driven as a health visitor would."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from healthvisitor import __version__
from healthvisitor.config import DatabaseChoice, parse_url
from healthvisitor.domain.enums import SafeguardingStatus
from healthvisitor.errors import DatabaseUnavailableError
from healthvisitor.persistence.models import SafeguardingEntry, Team
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.ui.caseload_model import (
    CHILD_ID_ROLE,
    DATE_OF_BIRTH,
    NAME,
    SORT_ROLE,
    STATUS,
    CaseloadFilter,
    short_date,
)
from healthvisitor.ui.caseload_panel import FILTER_SETTING
from healthvisitor.ui.main_window import MainWindow, SortMenu, about_text, database_location
from healthvisitor.ui.worker import wait_for_loads
from tests import factories
from tests.ui.conftest import LOAD_WAIT_MS, TODAY, TeamData, wait_loaded

pytestmark = pytest.mark.gui


def open_window(qtbot: QtBot, team: TeamData, **workspace: Any) -> MainWindow:
    window = MainWindow(team.workspace(**workspace))
    qtbot.addWidget(window)
    wait_loaded(qtbot, window)
    return window


def choose_health_visitor(qtbot: QtBot, window: MainWindow, text: str) -> None:
    combo = window.caseload.health_visitor
    combo.setCurrentIndex(combo.findText(text))
    wait_loaded(qtbot, window)


def show_active(qtbot: QtBot, window: MainWindow) -> None:
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()


def shown_names(window: MainWindow) -> list[str]:
    proxy = window.caseload.proxy
    return [proxy.index(r, NAME).data() for r in range(proxy.rowCount())]


def shown_ids(window: MainWindow) -> set[object]:
    proxy = window.caseload.proxy
    return {proxy.index(r, NAME).data(CHILD_ID_ROLE) for r in range(proxy.rowCount())}


def test_title_names_the_user_their_role_and_team(qtbot: QtBot, team_data: TeamData) -> None:
    window = open_window(qtbot, team_data)
    assert window.windowTitle() == (
        "HealthVisitor — Priya Sharma (Health visitor), Chapeltown 0-19 team"
    )


def test_opens_on_exactly_my_active_children(qtbot: QtBot, team_data: TeamData) -> None:
    window = open_window(qtbot, team_data)
    assert window.caseload.health_visitor.currentText() == "Priya Sharma"
    assert shown_ids(window) == {kid.id for kid in team_data.mine}
    # Most urgent first: sorted by review status (then days to target), ascending.
    header = window.caseload.table.horizontalHeader()
    assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (
        STATUS,
        Qt.SortOrder.AscendingOrder,
    )
    proxy = window.caseload.proxy
    keys = [proxy.index(r, STATUS).data(SORT_ROLE) for r in range(proxy.rowCount())]
    assert keys == sorted(keys)
    assert "3 children shown" in window.status_text()
    assert not window.caseload.empty_state.isVisibleTo(window)


def test_switching_to_a_colleague_shows_their_caseload(qtbot: QtBot, team_data: TeamData) -> None:
    window = open_window(qtbot, team_data)
    combo = window.caseload.health_visitor
    # The team's clinicians, by name; nobody from another team.
    assert [combo.itemText(i) for i in range(combo.count())] == [
        "Helen Walker",
        "Joanne Fisher (team lead)",
        "Priya Sharma",
    ]
    choose_health_visitor(qtbot, window, "Helen Walker")
    assert shown_ids(window) == {kid.id for kid in team_data.colleagues}
    assert "2 children shown" in window.status_text()
    choose_health_visitor(qtbot, window, "Joanne Fisher (team lead)")
    assert shown_names(window) == []
    assert window.caseload.empty_state.isVisibleTo(window)
    assert "No children are allocated to Joanne Fisher" in window.caseload.empty_state.text()


def test_a_child_in_another_team_or_discharged_never_appears(
    qtbot: QtBot, team_data: TeamData
) -> None:
    window = open_window(qtbot, team_data)
    combo = window.caseload.health_visitor
    for index in range(combo.count()):
        combo.setCurrentIndex(index)
        wait_loaded(qtbot, window)
        assert team_data.other_team.id not in shown_ids(window)
        assert team_data.discharged.id not in shown_ids(window)
    window.caseload.search.setText("Never")
    assert shown_names(window) == []


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("spaced NHS number", ["Oliver Nowak"]),
        ("NHS number", ["Oliver Nowak"]),
        ("ls6 2rt", ["Isla Jones"]),
        ("LS7", ["Amelia Khan"]),
        ("Ame", ["Amelia Khan"]),
        ("now", ["Oliver Nowak"]),
    ],
)
def test_typing_filters_as_you_type(
    qtbot: QtBot, team_data: TeamData, typed: str, expected: list[str]
) -> None:
    window = open_window(qtbot, team_data)
    oliver = team_data.mine[1].nhs_number
    typed = {
        "spaced NHS number": f"{oliver[:3]} {oliver[3:6]} {oliver[6:]}",
        "NHS number": oliver,
    }.get(typed, typed)
    qtbot.keyClicks(window.caseload.search, typed)
    assert shown_names(window) == expected
    assert f"{len(expected)} of 3 children shown" in window.status_text()


def test_no_match_says_so_and_clearing_shows_everyone(qtbot: QtBot, team_data: TeamData) -> None:
    window = open_window(qtbot, team_data)
    qtbot.keyClicks(window.caseload.search, "zz")
    assert shown_names(window) == []
    assert window.caseload.empty_state.isVisibleTo(window)
    assert "No child on this caseload matches “zz”" in window.caseload.empty_state.text()
    window.caseload.search.clear()
    assert len(shown_names(window)) == 3
    assert not window.caseload.empty_state.isVisibleTo(window)


def test_the_search_survives_switching_caseloads(qtbot: QtBot, team_data: TeamData) -> None:
    window = open_window(qtbot, team_data)
    qtbot.keyClicks(window.caseload.search, "Tobi")
    assert shown_names(window) == []
    choose_health_visitor(qtbot, window, "Helen Walker")
    assert shown_names(window) == ["Tobi Okafor"]


def test_clicking_date_of_birth_sorts_chronologically(qtbot: QtBot, team_data: TeamData) -> None:
    window = open_window(qtbot, team_data)
    with qtbot.waitExposed(window):
        window.show()
    header = window.caseload.table.horizontalHeader()
    middle = QPoint(header.sectionViewportPosition(DATE_OF_BIRTH) + 10, header.height() // 2)
    chronological = [short_date(d) for d in sorted(k.date_of_birth for k in team_data.mine)]
    proxy = window.caseload.proxy

    def dates() -> list[str]:
        return [proxy.index(r, DATE_OF_BIRTH).data() for r in range(proxy.rowCount())]

    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=middle)
    assert dates() == chronological
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=middle)
    assert dates() == chronological[::-1]


def test_the_view_menu_sorts_by_keyboard_and_follows_the_heading(
    qtbot: QtBot, team_data: TeamData
) -> None:
    window = open_window(qtbot, team_data)
    menu = window.findChild(SortMenu)
    assert menu is not None
    actions = {a.text(): a for a in menu.actions() if a.text()}
    assert actions["Status"].isChecked()  # opens most urgent first
    actions["Family, then name (as allocated)"].trigger()
    assert not actions["&Reverse order"].isEnabled()
    proxy = window.caseload.proxy
    actions["Date of birth"].trigger()
    assert [proxy.index(r, NAME).data() for r in range(3)] == [
        "Isla Jones",
        "Amelia Khan",
        "Oliver Nowak",
    ]
    actions["&Reverse order"].trigger()
    assert proxy.index(0, NAME).data() == "Oliver Nowak"
    window.caseload.table.sortByColumn(NAME, Qt.SortOrder.AscendingOrder)
    assert actions["Name"].isChecked()
    assert not actions["&Reverse order"].isChecked()
    actions["Family, then name (as allocated)"].trigger()
    assert shown_names(window) == ["Isla Jones", "Amelia Khan", "Oliver Nowak"]
    assert not actions["&Reverse order"].isEnabled()


def test_ctrl_shift_f_filters_the_caseload_and_enter_goes_to_the_first_match(
    qtbot: QtBot, team_data: TeamData
) -> None:
    window = open_window(qtbot, team_data)
    show_active(qtbot, window)
    qtbot.keyClick(
        window,
        Qt.Key.Key_F,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert QApplication.focusWidget() is window.caseload.search
    qtbot.keyClicks(window.caseload.search, "LS8")
    qtbot.keyClick(window.caseload.search, Qt.Key.Key_Return)
    table = window.caseload.table
    assert QApplication.focusWidget() is table
    assert table.currentIndex().row() == 0
    assert table.currentIndex().data(CHILD_ID_ROLE) == team_data.mine[1].id


def test_ctrl_q_quits(qtbot: QtBot, team_data: TeamData) -> None:
    window = open_window(qtbot, team_data)
    with qtbot.waitExposed(window):
        window.show()
    assert window.quit_action.shortcut().toString() == "Ctrl+Q"
    window.quit_action.trigger()
    assert not window.isVisible()


def test_status_bar_names_a_sqlite_database_by_its_path(qtbot: QtBot, team_data: TeamData) -> None:
    window = open_window(qtbot, team_data)
    text = window.status_text()
    assert f"Database: {team_data.engine.url.database} (the test database)" in text
    assert "Signed in as Priya Sharma (health visitor)" in text


def test_status_bar_names_a_postgresql_host_and_never_the_password(
    qtbot: QtBot, team_data: TeamData
) -> None:
    url = "postgresql://nurse:Tr0ub4dor-3@db.trust.nhs.uk:5432/healthvisiting"
    choice = DatabaseChoice(parse_url(url, "--database"), "the --database option")
    window = open_window(qtbot, team_data, choice=choice)
    text = window.status_text()
    assert "Database: healthvisiting on db.trust.nhs.uk:5432 (the --database option)" in text
    everything = " ".join(
        [text, window.windowTitle()]
        + [label.toolTip() + label.accessibleName() for label in window.findChildren(QLabel)]
    )
    assert "Tr0ub4dor" not in everything


@pytest.mark.parametrize(
    ("described", "where"),
    [
        (
            "sqlite:////home/hv/.local/share/HealthVisitor/demo.db",
            "/home/hv/.local/share/HealthVisitor/demo.db",
        ),
        ("sqlite://", "a temporary in-memory database"),
        ("postgresql+psycopg://nurse:***@db.example/hv", "hv on db.example"),
        ("postgresql+psycopg://db.example:6432", "db.example:6432"),
    ],
)
def test_database_location(described: str, where: str) -> None:
    assert database_location(described) == where


def test_every_control_is_labelled_for_screen_readers(qtbot: QtBot, team_data: TeamData) -> None:
    window = open_window(qtbot, team_data)
    focusable = [
        w
        for w in window.findChildren(QWidget)
        if w.focusPolicy() & Qt.FocusPolicy.TabFocus
        and w.isVisibleTo(window)
        and w.parent() is not None
        and w.objectName() != "qt_scrollarea_viewport"
    ]
    assert window.caseload.table in focusable
    for widget in focusable:
        assert widget.accessibleName(), f"{type(widget).__name__} has no accessible name"
    buddies = {label.buddy() for label in window.findChildren(QLabel) if label.buddy()}
    assert {
        window.caseload.health_visitor,
        window.caseload.filter,
        window.caseload.search,
        window.search.box,
    } <= buddies
    for label in window.findChildren(QLabel):
        if label.buddy() is not None:
            assert "&" in label.text(), f"{label.text()!r} has no keyboard mnemonic"


def test_tab_runs_combo_filter_search_tabs_table_then_open_record(
    qtbot: QtBot, team_data: TeamData
) -> None:
    window = open_window(qtbot, team_data)
    show_active(qtbot, window)
    panel = window.caseload
    assert QApplication.focusWidget() is panel.health_visitor
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    # The "Show" filter (issue 4), then the search.
    assert QApplication.focusWidget() is panel.filter
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is panel.search
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    # The tabs above the table: children or pregnancies (issue 3).
    assert QApplication.focusWidget() is panel.tabs.tabBar()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is panel.table
    # Arrows move within the table; Tab leaves it rather than walking its cells,
    # for the button that opens the chosen child's record.
    qtbot.keyClick(panel.table, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is panel.open_button
    # Round to the team search in the banner, then the caseload again.
    qtbot.keyClick(panel.open_button, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is window.search.box
    qtbot.keyClick(window.search.box, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is panel.health_visitor


def test_a_caseload_that_cannot_load_is_explained_not_a_crash(
    qtbot: QtBot, team_data: TeamData, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = open_window(qtbot, team_data)
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text: shown.append(text))

    def unreachable(_health_visitor_id: object = None) -> list[object]:
        raise DatabaseUnavailableError("Cannot reach the shared database at db.example.")

    monkeypatch.setattr(window.workspace, "caseload", unreachable)
    window.caseload.health_visitor.setCurrentIndex(0)
    wait_loaded(qtbot, window)
    assert shown == ["Cannot reach the shared database at db.example."]
    assert shown_names(window) == []
    assert "Loading" not in window.caseload.empty_state.text()


def test_about_gives_version_licence_and_centile_source(
    qtbot: QtBot, team_data: TeamData, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "about", lambda _parent, _title, text: shown.append(text))
    window = open_window(qtbot, team_data)
    window.about_action.trigger()
    assert shown == [about_text()]
    assert __version__ in shown[0]
    assert "AGPL-3.0-or-later" in shown[0]
    assert "rcpchgrowth" in shown[0]
    assert "RCPCH" in shown[0]


# --- The worklist filters (issue 4) ---------------------------------------------


def add_worklist(team: TeamData) -> None:
    """A newborn awaiting the new birth visit, a baby due the 6-8 week review in
    2 days, and Amelia (already mine) on a child protection plan."""
    with unit_of_work(team.engine) as session:
        family = factories.family(session, session.get_one(Team, team.me.team_id), "Unused")
        factories.child(
            session, family, team.me, given_name="Newborn", date_of_birth=dt.date(2026, 11, 1)
        )
        factories.child(
            session, family, team.me, given_name="Kai", date_of_birth=dt.date(2026, 10, 1)
        )
        session.add(
            SafeguardingEntry(
                child_id=team.mine[0].id,
                status=SafeguardingStatus.CHILD_PROTECTION_PLAN,
                start_date=TODAY - dt.timedelta(days=30),
            )
        )


@pytest.mark.parametrize(
    ("chosen", "expected"),
    [
        (
            CaseloadFilter.ALL,
            {"Amelia Khan", "Oliver Nowak", "Isla Jones", "Newborn Unused", "Kai Unused"},
        ),
        (CaseloadFilter.DUE_THIS_WEEK, {"Newborn Unused", "Kai Unused"}),
        (CaseloadFilter.OVERDUE, {"Newborn Unused"}),
        (CaseloadFilter.NEW_BIRTHS, {"Newborn Unused"}),
        (CaseloadFilter.SAFEGUARDING, {"Amelia Khan"}),
    ],
)
def test_each_filter_shows_the_children_it_names(
    qtbot: QtBot, team_data: TeamData, chosen: CaseloadFilter, expected: set[str]
) -> None:
    add_worklist(team_data)
    window = open_window(qtbot, team_data)
    combo = window.caseload.filter
    assert combo.currentText() == "All children"
    combo.setCurrentIndex(list(CaseloadFilter).index(chosen))
    assert combo.currentText() == chosen.label
    assert set(shown_names(window)) == expected
    shown = "5 children" if chosen is CaseloadFilter.ALL else f"{len(expected)} of 5 children"
    assert f"{shown} shown" in window.status_text()


def test_the_filter_is_chosen_by_keyboard_and_combines_with_the_search(
    qtbot: QtBot, team_data: TeamData
) -> None:
    add_worklist(team_data)
    window = open_window(qtbot, team_data)
    show_active(qtbot, window)
    panel = window.caseload
    # Alt+W (the "Show" label's mnemonic) reaches the filter; arrows choose.
    qtbot.keyClick(window, Qt.Key.Key_W, Qt.KeyboardModifier.AltModifier)
    assert QApplication.focusWidget() is panel.filter
    qtbot.keyClick(panel.filter, Qt.Key.Key_Down)
    assert panel.chosen_filter() is CaseloadFilter.DUE_THIS_WEEK
    assert set(shown_names(window)) == {"Newborn Unused", "Kai Unused"}
    qtbot.keyClicks(panel.search, "kai")
    assert shown_names(window) == ["Kai Unused"]
    panel.search.setText("amelia")
    assert shown_names(window) == []
    assert panel.empty_state.isVisibleTo(window)
    assert "Due this week" in panel.empty_state.text()


def test_the_chosen_filter_is_remembered_for_the_next_session(
    qtbot: QtBot, team_data: TeamData, _private_settings: Path
) -> None:
    add_worklist(team_data)
    first = open_window(qtbot, team_data)
    first.caseload.filter.setCurrentIndex(list(CaseloadFilter).index(CaseloadFilter.SAFEGUARDING))
    first.close()
    # Saved in the test's own settings folder, never the user's.
    saved = QSettings(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, "HealthVisitor", "HealthVisitor"
    )
    assert saved.value(FILTER_SETTING) == "safeguarding"
    assert saved.fileName().startswith(str(_private_settings))
    again = open_window(qtbot, team_data)
    assert again.caseload.filter.currentText() == "Safeguarding"
    assert shown_names(again) == ["Amelia Khan"]


def test_the_chosen_sort_is_remembered_for_the_next_session(
    qtbot: QtBot, team_data: TeamData
) -> None:
    first = open_window(qtbot, team_data)
    first.caseload.table.sortByColumn(NAME, Qt.SortOrder.DescendingOrder)
    first.close()
    again = open_window(qtbot, team_data)
    header = again.caseload.table.horizontalHeader()
    assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (
        NAME,
        Qt.SortOrder.DescendingOrder,
    )
    assert shown_names(again) == ["Oliver Nowak", "Isla Jones", "Amelia Khan"]


# --- Loading off the GUI thread (issue 4: at trust scale a caseload takes ~150 ms) ----------


def hold_caseloads(
    monkeypatch: pytest.MonkeyPatch, window: MainWindow, of: object = None
) -> threading.Event:
    """``Workspace.caseload`` waits on its worker until the test sets the event it returns
    (only for health visitor ``of``, if given); no sleeping in the test itself."""
    release = threading.Event()
    read = window.workspace.caseload

    def held(health_visitor_id: Any = None) -> list[Any]:
        if of is None or health_visitor_id == of:
            release.wait(LOAD_WAIT_MS / 1000)
        return read(health_visitor_id)

    monkeypatch.setattr(window.workspace, "caseload", held)
    return release


def test_another_caseload_says_it_is_loading_never_that_it_is_empty(
    qtbot: QtBot, team_data: TeamData, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = open_window(qtbot, team_data)
    show_active(qtbot, window)
    release = hold_caseloads(monkeypatch, window)
    panel = window.caseload
    panel.health_visitor.setCurrentIndex(panel.health_visitor.findText("Helen Walker"))
    # Priya's children are gone at once; the list says what is happening instead.
    assert shown_names(window) == []
    assert panel.empty_state.isVisibleTo(window)
    assert panel.empty_state.text() == "Loading Helen Walker's caseload…"
    assert "No children" not in panel.empty_state.text()
    assert panel.tabs.tabText(panel.CHILDREN_TAB) == "&Children (…)"
    assert window.status_text().startswith("Loading Helen Walker's caseload…")
    assert not panel.open_button.isEnabled()
    # The window keeps answering: the filter can be typed into meanwhile.
    qtbot.keyClicks(panel.search, "Tob")
    assert panel.empty_state.text() == "Loading Helen Walker's caseload…"
    with qtbot.waitSignal(panel.loaded, timeout=LOAD_WAIT_MS):
        release.set()
    assert shown_names(window) == ["Tobi Okafor"]
    assert "1 of 2 children shown" in window.status_text()
    assert panel.tabs.tabText(panel.CHILDREN_TAB) == "&Children (2)"


def test_a_late_answer_for_the_caseload_chosen_before_is_never_shown(
    qtbot: QtBot, team_data: TeamData, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = open_window(qtbot, team_data)
    release = hold_caseloads(monkeypatch, window, of=team_data.colleague.id)
    panel = window.caseload
    panel.health_visitor.setCurrentIndex(panel.health_visitor.findText("Helen Walker"))
    with qtbot.waitSignal(panel.loaded, timeout=LOAD_WAIT_MS):
        panel.health_visitor.setCurrentIndex(panel.health_visitor.findText("Priya Sharma"))
        release.set()
    assert wait_for_loads(LOAD_WAIT_MS)
    QApplication.processEvents()  # Helen's answer, posted late, is delivered and dropped
    assert shown_ids(window) == {kid.id for kid in team_data.mine}
    assert window.caseload.health_visitor.currentText() == "Priya Sharma"


def test_a_refresh_keeps_the_rows_the_chosen_child_and_the_filter_until_the_new_rows_come(
    qtbot: QtBot, team_data: TeamData, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = open_window(qtbot, team_data)
    show_active(qtbot, window)
    panel = window.caseload
    qtbot.keyClicks(panel.search, "LS")
    isla = next(i for i, name in enumerate(shown_names(window)) if name == "Isla Jones")
    panel.table.selectRow(isla)
    release = hold_caseloads(monkeypatch, window)
    panel.refresh()
    assert sorted(shown_names(window)) == ["Amelia Khan", "Isla Jones", "Oliver Nowak"]
    assert panel.current_child_id() == team_data.mine[2].id
    assert "3 children shown (updating…)" in window.status_text()
    assert not panel.empty_state.isVisibleTo(window)
    with qtbot.waitSignal(panel.loaded, timeout=LOAD_WAIT_MS):
        release.set()
    assert panel.current_child_id() == team_data.mine[2].id
    assert panel.table.selectionModel().isRowSelected(panel.table.currentIndex().row())
    assert panel.search.text() == "LS"
    assert "3 children shown" in window.status_text()
    assert "updating" not in window.status_text()


def test_when_loaded_answers_once_the_caseload_is_shown(
    qtbot: QtBot, team_data: TeamData, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What ``--smoke-test`` waits for before it reports the status bar."""
    window = open_window(qtbot, team_data)
    release = hold_caseloads(monkeypatch, window)
    window.caseload.refresh()
    said: list[str] = []
    window.caseload.when_loaded(lambda: said.append(window.status_text()))
    assert said == []
    release.set()
    qtbot.waitUntil(lambda: bool(said), timeout=LOAD_WAIT_MS)
    window.caseload.refresh()  # a later load does not call it again
    wait_loaded(qtbot, window)
    assert len(said) == 1 and said[0].startswith("3 children shown  |  Signed in as")
    window.caseload.when_loaded(lambda: said.append("again"))
    qtbot.waitUntil(lambda: said[-1] == "again", timeout=LOAD_WAIT_MS)


def test_a_refresh_keeps_the_place_scrolled_to_in_a_long_caseload(
    qtbot: QtBot, team_data: TeamData
) -> None:
    with unit_of_work(team_data.engine) as session:
        family = factories.family(session, session.get_one(Team, team_data.me.team_id), "Long")
        for number in range(60):
            factories.child(
                session,
                family,
                team_data.me,
                given_name=f"Child{number:02d}",
                date_of_birth=dt.date(2025, 1, 1) + dt.timedelta(days=number),
            )
    window = open_window(qtbot, team_data)
    show_active(qtbot, window)
    bar = window.caseload.table.verticalScrollBar()
    assert bar.maximum() > 0, "more rows than the window shows"
    bar.setValue(bar.maximum() // 2)
    scrolled = bar.value()
    window.caseload.refresh()
    wait_loaded(qtbot, window)
    assert bar.value() == scrolled
