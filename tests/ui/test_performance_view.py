"""The team performance view (issue 7): figures, drill-down, who sees what.

The cohort is ``tests/services/test_metrics.py``'s hand-built Q1 2026-27 new
births (7 in North's 30-day cohort, 1 visited within 14 days, 6 left out with
their reasons) and its ASQ-3 and feeding cohort; every figure the view shows
is checked against ``quarter_metrics``, the count the CLI and the PDF print.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from healthvisitor.config import DatabaseChoice
from healthvisitor.domain.enums import DevelopmentDomain
from healthvisitor.domain.metrics import BREASTFED_CODE, MissedReason, Quarter, asq3_domain_code
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services.actor import Actor
from healthvisitor.services.metrics import MetricScope, quarter_metrics
from healthvisitor.services.workspace import Workspace
from healthvisitor.ui.main_window import MainWindow
from healthvisitor.ui.metric_chart import SERIES_ROLE, Series
from healthvisitor.ui.metrics_models import FiguresModel
from healthvisitor.ui.performance_view import DrillDownDialog, PerformanceView, quarters_offered
from healthvisitor.ui.worker import wait_for_loads
from tests.services.test_metrics import NBV, World, asq3_and_feeding, new_births

TODAY = dt.date(2026, 11, 24)
Q1 = "2026-27Q1"
WAIT_MS = 20_000


class Cohort:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        with unit_of_work(engine) as session:
            self.world = World(session)
            new_births(session, self.world)
            asq3_and_feeding(session, self.world)
            self.actors = self.world.actors()

    def workspace(self, who: str) -> Workspace:
        choice = DatabaseChoice(make_url(self.engine.url), "the test database")
        return Workspace(self.engine, self.actors[who], choice, today=lambda: TODAY)

    def counted(self, actor: Actor, scope: MetricScope = MetricScope.TEAM) -> Any:
        with unit_of_work(self.engine) as session:
            return quarter_metrics(session, actor, Quarter.parse(Q1), today=TODAY, scope=scope)


@pytest.fixture
def cohort(sqlite_engine: Engine) -> Iterator[Cohort]:
    yield Cohort(sqlite_engine)
    # No count may still be reading the database when the test's file goes.
    PerformanceView.wait_for_counts()


def ready(qtbot: QtBot, view: PerformanceView, quarter: str = Q1) -> None:
    """Choose ``quarter`` and wait for its 8 quarters to be counted."""
    index = view.quarter.findData(quarter)
    assert index >= 0
    view.quarter.setCurrentIndex(index)
    qtbot.waitUntil(
        lambda: (
            view.state != "calculating"
            and (view.state != "ready" or view.history[-1].quarter == quarter)
        ),
        timeout=20000,
    )


def listed(qtbot: QtBot, view: PerformanceView) -> DrillDownDialog:
    """Open the chosen figure's children and wait for the worker to list them."""
    dialog = view.open_drill_down()
    assert dialog is not None
    qtbot.waitUntil(lambda: not dialog.loading, timeout=WAIT_MS)
    return dialog


def shown(view: PerformanceView) -> dict[str, tuple[str, str, str, str]]:
    model = view.model
    return {
        model.line_at(row).figure.code: tuple(
            str(model.index(row, column).data())
            for column in (
                FiguresModel.NUMERATOR,
                FiguresModel.DENOMINATOR,
                FiguresModel.PERCENT,
                FiguresModel.NOTE,
            )
        )
        for row in range(model.rowCount())
    }


def test_the_quarter_picker_offers_financial_quarters() -> None:
    offered = quarters_offered(TODAY)
    assert offered[0] == ("2026-27Q3 (so far)", Quarter.parse("2026-27Q3"))
    assert [text for text, _ in offered[1:4]] == ["2026-27Q2", "2026-27Q1", "2025-26Q4"]
    assert len(offered) == 12


def test_the_team_view_shows_the_cohorts_figures(
    qtbot: QtBot, qtmodeltester: Any, cohort: Cohort
) -> None:
    view = PerformanceView(cohort.workspace("lead"), MetricScope.TEAM)
    qtbot.addWidget(view)
    view.show()
    # The count runs off the GUI thread; meanwhile the view says so.
    assert view.state == "calculating" and "Calculating" in view.status.text()
    ready(qtbot, view)
    assert view.state == "ready"
    assert view.status.text().startswith("North, 2026-27Q1: 1 April 2026 to 30 June 2026")
    figures = shown(view)
    assert figures[NBV] == ("1", "7", "14.3%", "")
    # The same count as the CLI and the PDF, figure by figure.
    counted = cohort.counted(cohort.actors["lead"])
    assert list(figures) == [figure.code for figure in counted.figures]
    for figure in counted.figures:
        numerator, denominator, percent, note = figures[figure.code]
        assert numerator == str(figure.numerator)
        assert denominator == ("" if figure.denominator is None else str(figure.denominator))
        assert note == figure.note
        if figure.percent is not None:
            assert percent == f"{figure.percent}%"
    fine = asq3_domain_code(DevelopmentDomain.FINE_MOTOR)
    assert figures[fine][3] == "Too small to compare (fewer than 5 children)"
    # Change from Q4 2025-26 (Early, visited, and the four feeding babies born 1 March,
    # 30 days old on 31 March, not: 1 of 5, 20%) and the 8-quarter sparkline.
    row = view.model.row_of(NBV)
    assert view.model.index(row, FiguresModel.CHANGE).data() == "−5.7 points"
    series = view.model.index(row, FiguresModel.TREND).data(SERIES_ROLE)
    assert isinstance(series, Series) and len(series.values) == 8
    assert series.values[-2:] == (20.0, 14.3) and series.labels[-1] == "Q1 26-27"
    view.table.selectRow(row)
    assert view.chart.series == series
    assert "Q1 26-27: 14.3%" in view.chart.accessibleDescription()
    assert "Feeding at the 6-8 week review: totally breastfed 1" in view.feeding.text()
    qtmodeltester.check(view.model)
    view.grab()  # the chart and the sparklines paint without a warning


def test_the_drill_down_lists_the_children_left_out_with_reasons(
    qtbot: QtBot, qtmodeltester: Any, cohort: Cohort
) -> None:
    view = PerformanceView(cohort.workspace("lead"), MetricScope.TEAM)
    qtbot.addWidget(view)
    view.show()
    ready(qtbot, view)
    row = view.model.row_of(NBV)
    view.table.setFocus()
    view.table.setCurrentIndex(view.model.index(row, 0))
    qtbot.keyClick(view.table, Qt.Key.Key_Return)  # Enter on the figure
    dialog = view.drill_down
    assert dialog is not None and dialog.isVisible()
    qtbot.waitUntil(lambda: not dialog.loading, timeout=WAIT_MS)
    qtmodeltester.check(dialog.model)
    listed = [
        (dialog.model.index(r, 0).data().split()[0], dialog.model.index(r, 4).data())
        for r in range(dialog.model.rowCount())
    ]
    assert listed == [
        ("Phone", "Visit not face to face"),
        ("Absent", "Not brought / not at home"),
        ("Corrected", "Review after the target"),
        ("Arrived", "Transferred in after the target"),
        ("Moved", "No review recorded"),
        ("Last", "Review after the target"),
    ]
    assert "6 of the 7 children" in dialog.heading.text()
    # Breastfeeding has its list too, opened by clicking its percentage.
    feeding_row = view.model.row_of(BREASTFED_CODE)
    rect = view.table.visualRect(view.model.index(feeding_row, FiguresModel.PERCENT))
    with qtbot.waitSignal(dialog.listed, timeout=WAIT_MS):
        qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    reasons = {dialog.model.line_at(r).reason for r in range(dialog.model.rowCount())}
    assert reasons == {
        MissedReason.NO_REVIEW,
        MissedReason.NOT_BREASTFED,
        MissedReason.FEEDING_NOT_RECORDED,
    }
    # Enter on a child asks for their record.
    with qtbot.waitSignal(view.open_record_requested) as opened:
        dialog.table.setCurrentIndex(dialog.model.index(1, 0))
        qtbot.keyClick(dialog.table, Qt.Key.Key_Return)
    assert opened.args == [dialog.model.child_id_at(1)]
    # A count (antenatal reviews) has no list: said, not opened.
    view.table.setCurrentIndex(view.model.index(0, 0))
    assert not view.children_button.isEnabled()


def test_a_child_opens_from_the_drill_down_in_the_main_window(qtbot: QtBot, cohort: Cohort) -> None:
    window = MainWindow(cohort.workspace("lead"))
    qtbot.addWidget(window)
    window.show()
    assert window.team_performance_action is not None
    assert window.team_performance_action.shortcut().toString() == "Ctrl+4"
    window.team_performance_action.trigger()
    view = window.performance_views[MetricScope.TEAM]
    ready(qtbot, view)
    view.table.setCurrentIndex(view.model.index(view.model.row_of(NBV), 0))
    dialog = listed(qtbot, view)
    child_id = dialog.model.child_id_at(0)
    dialog.table.setCurrentIndex(dialog.model.index(0, 0))
    dialog.open_current()
    assert child_id in window.record_windows
    for record in list(window.record_windows.values()):
        record.close()
    view.close()


def test_a_health_visitor_sees_only_their_own_figures(qtbot: QtBot, cohort: Cohort) -> None:
    window = MainWindow(cohort.workspace("bea"))
    qtbot.addWidget(window)
    # No team view for a health visitor: the menu item is not there at all.
    assert window.team_performance_action is None
    assert window.my_figures_action is not None
    window.my_figures_action.trigger()
    view = window.performance_views[MetricScope.HEALTH_VISITOR]
    ready(qtbot, view)
    assert view.whose.count() == 1 and not view.whose.isEnabled()
    mine = cohort.counted(cohort.actors["bea"], MetricScope.HEALTH_VISITOR)
    # Bea's one child in the cohort (Last, visited on day 15).
    assert shown(view)[NBV] == ("0", "1", "0.0%", "Too small to compare (fewer than 5 children)")
    assert mine.figure(NBV).denominator == 1
    view.table.setCurrentIndex(view.model.index(view.model.row_of(NBV), 0))
    dialog = listed(qtbot, view)
    assert [dialog.model.line_at(r).name for r in range(dialog.model.rowCount())] == ["Last Last"]
    view.close()


def test_a_health_visitor_cannot_open_the_team_view(qtbot: QtBot, cohort: Cohort) -> None:
    # Even built by hand, the team view gets nothing: the service refuses.
    view = PerformanceView(cohort.workspace("ann"), MetricScope.TEAM)
    qtbot.addWidget(view)
    ready(qtbot, view)
    assert view.state == "refused"
    assert view.status.text().startswith("Only a team lead can see the team's figures")
    assert view.model.rowCount() == 0 and view.open_drill_down() is None


def test_another_teams_lead_sees_only_their_own_team(qtbot: QtBot, cohort: Cohort) -> None:
    view = PerformanceView(cohort.workspace("south_lead"), MetricScope.TEAM)
    qtbot.addWidget(view)
    ready(qtbot, view)
    assert view.status.text().startswith("South, 2026-27Q1")
    # South's one child in the 30-day cohort; none of North's health visitors offered.
    assert shown(view)[NBV][:2] == ("0", "1")
    offered = [view.whose.itemText(i) for i in range(view.whose.count())]
    north = {cohort.world.ann.full_name, cohort.world.bea.full_name}
    assert not north & set(offered)
    view.close()


def test_choosing_another_health_visitor_and_quarter_recounts(qtbot: QtBot, cohort: Cohort) -> None:
    view = PerformanceView(cohort.workspace("lead"), MetricScope.TEAM)
    qtbot.addWidget(view)
    ready(qtbot, view)
    view.choose_health_visitor(cohort.world.bea.id)
    assert view.state == "calculating"
    ready(qtbot, view)
    assert view.status.text().startswith(f"{cohort.world.bea.full_name}, 2026-27Q1")
    assert shown(view)[NBV][:2] == ("0", "1")
    ready(qtbot, view, "2026-27Q3")
    assert "figures so far" in view.status.text()
    assert view.history[-1].quarter == "2026-27Q3" and len(view.history) == 8
    QApplication.processEvents()


def test_every_input_is_labelled_and_reached_by_keyboard(qtbot: QtBot, cohort: Cohort) -> None:
    from PySide6.QtWidgets import QLabel

    view = PerformanceView(cohort.workspace("lead"), MetricScope.TEAM)
    qtbot.addWidget(view)
    view.show()
    ready(qtbot, view)
    buddies = {label.buddy(): label.text() for label in view.findChildren(QLabel) if label.buddy()}
    assert buddies[view.whose] == "Figures &for" and buddies[view.quarter] == "&Quarter"
    assert view.table.accessibleName() and view.chart.accessibleName()
    # Tab runs from the pickers to the figures and on to their list of children.
    chain, widget = [], view.whose
    for _ in range(4):
        widget = widget.nextInFocusChain()
        while not widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
            widget = widget.nextInFocusChain()
        chain.append(widget)
    assert chain == [view.quarter, view.refresh_button, view.table, view.children_button]


def test_the_children_behind_a_figure_are_found_off_the_gui_thread(
    qtbot: QtBot, cohort: Cohort, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace = cohort.workspace("lead")
    may_answer = threading.Event()
    read_on: list[int] = []
    found_by_service = workspace.metric_exceptions

    def held_back(*args: Any, **kwargs: Any) -> Any:
        read_on.append(threading.get_ident())
        may_answer.wait(WAIT_MS / 1000)
        return found_by_service(*args, **kwargs)

    monkeypatch.setattr(workspace, "metric_exceptions", held_back)
    view = PerformanceView(workspace, MetricScope.TEAM)
    qtbot.addWidget(view)
    view.show()
    ready(qtbot, view)
    view.table.setCurrentIndex(view.model.index(view.model.row_of(NBV), 0))
    dialog = view.open_drill_down()
    # Open at once, saying so, with nothing to open yet; the window is not held up.
    assert dialog is not None and dialog.isVisible() and dialog.loading
    assert "Finding the children behind this figure" in dialog.heading.text()
    assert dialog.progress.isVisible() and not dialog.open_button.isEnabled()
    assert dialog.model.rowCount() == 0
    may_answer.set()
    with qtbot.waitSignal(dialog.listed, timeout=WAIT_MS):
        pass
    assert dialog.model.rowCount() == 6 and not dialog.progress.isVisible()
    assert read_on and threading.get_ident() not in read_on
    # Closed while the list is on its way: the answer is dropped, nothing reopens.
    may_answer.clear()
    view.table.setCurrentIndex(view.model.index(view.model.row_of(BREASTFED_CODE), 0))
    view.open_drill_down()
    dialog.close()
    may_answer.set()
    assert wait_for_loads(WAIT_MS)
    QApplication.processEvents()
    assert not dialog.isVisible() and dialog.model.rowCount() == 0


def test_the_sparkline_columns_heading_is_not_clipped(qtbot: QtBot, cohort: Cohort) -> None:
    # A larger font (as a user with poor sight sets it) widens the heading.
    default_font = QApplication.font()
    larger = QFont(default_font)
    larger.setPointSizeF(default_font.pointSizeF() * 1.5)
    QApplication.setFont(larger)
    try:
        view = PerformanceView(cohort.workspace("lead"), MetricScope.TEAM)
        qtbot.addWidget(view)
        header = view.table.horizontalHeader()
        heading = str(view.model.headerData(FiguresModel.TREND, Qt.Orientation.Horizontal))
        assert heading == "Last 8 quarters"
        margin = header.style().pixelMetric(header.style().PixelMetric.PM_HeaderMargin)
        # The heading's text and the header's margins fit in the column it heads.
        needed = header.fontMetrics().horizontalAdvance(heading) + 2 * margin
        assert header.sectionSize(FiguresModel.TREND) >= needed
    finally:
        QApplication.setFont(default_font)
