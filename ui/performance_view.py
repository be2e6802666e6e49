"""Team performance: the national health visiting metrics on screen (issue 7).

Two ways in, from the main window's View menu:

* a team lead's **Team performance** (Ctrl+4): their team's figures, or any
  one health visitor's in the team ("Figures for");
* every clinician's **My figures** (Ctrl+5): the children on their own
  caseload.

Each shows a quarter (financial quarters, the picker lists the last three
years; the latest whole quarter first chosen), every figure with numerator,
denominator and percentage, the "too small to compare" note, the change from
the previous quarter, and a small chart over the last 8 quarters. The 8
quarters are counted off the GUI thread (a ``worker.Loader``) while the view
says "Calculating…". Enter, a double-click or a click on a number opens the
children behind the figure (``DrillDownDialog``): the dialog opens at once and
says it is finding them while another ``Loader`` lists them (0.1-0.25 s at
100,000 children, long enough to freeze the window on the GUI thread); closing
it meanwhile drops the answer. Enter or a double-click there opens the child's
record, as the caseload does. Only the latest request's answer is shown: a
quarter or a figure chosen again meanwhile wins.

Who may see what is the service's decision (``services.metrics``): a health
visitor asking for the team's figures is refused there and the view says so.
Every number comes from ``metrics_history``, the same count as ``healthvisitor
report metrics`` and its PDF.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from healthvisitor.domain.metrics import Quarter
from healthvisitor.errors import HealthVisitorError
from healthvisitor.services.metrics import MetricFigure, MetricScope, MissedChild, QuarterMetrics
from healthvisitor.ui.metric_chart import MetricChart, SparklineDelegate
from healthvisitor.ui.metrics_models import (
    FigureRow,
    FiguresModel,
    MissedChildrenModel,
    figure_rows,
)
from healthvisitor.ui.worker import Loader, refusal_or_raise, wait_for_loads

if TYPE_CHECKING:
    from healthvisitor.services.workspace import Workspace

#: How far back the quarter picker goes: three financial years.
QUARTERS_OFFERED = 12


def quarters_offered(today: dt.date) -> list[tuple[str, Quarter]]:
    """The picker's quarters, newest first; the one still running says "so far"."""
    current = Quarter.containing(today)
    found = [(f"{current} (so far)", current)]
    quarter = current
    while len(found) < QUARTERS_OFFERED:
        quarter = quarter.previous()
        found.append((str(quarter), quarter))
    return found


def period_text(found: QuarterMetrics) -> str:
    so_far = " — the quarter has not ended: figures so far" if found.provisional else ""
    return (
        f"{found.scope_name}, {found.quarter}: {found.starts:%-d %B %Y} to "
        f"{found.ends:%-d %B %Y}{so_far}"
    )


class PerformanceView(QWidget):
    """The quarter's national metrics for a team, a health visitor, or oneself."""

    #: The child (a ``uuid.UUID``) whose record the user asked to open.
    open_record_requested = Signal(object)
    #: The view finished counting (``state`` says how it ended).
    calculated = Signal()

    def __init__(
        self, workspace: Workspace, scope: MetricScope, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowFlag(Qt.WindowType.Window)
        self._workspace = workspace
        self._scope = scope
        # Off the GUI thread: the 8 quarters' figures, and the children behind one.
        self._counts = Loader(self)
        self._counts.loaded.connect(self._on_finished)
        self._counts.failed.connect(self._on_failed)
        self._listing = Loader(self)
        self._listing.loaded.connect(self._children_listed)
        self._listing.failed.connect(self._children_failed)
        self.history: tuple[QuarterMetrics, ...] = ()
        #: "calculating", "ready" or "refused" (the message is in ``status``).
        self.state = "calculating"
        self.drill_down: DrillDownDialog | None = None
        me = workspace.actor
        team = scope is MetricScope.TEAM
        self.setWindowTitle(
            "Team performance — national metrics" if team else f"My figures — {me.full_name}"
        )
        self.setAccessibleName(self.windowTitle())

        self.whose = QComboBox()
        self.whose.setAccessibleName("Figures for")
        if team:
            self.whose.addItem("The whole team", None)
            try:
                members = workspace.team_health_visitors()
            except HealthVisitorError:
                members = []  # the service refuses the figures too, and says why
            for member in members:
                self.whose.addItem(member.full_name, member.id)
        else:
            self.whose.addItem(f"My caseload ({me.full_name})", me.user_id)
            self.whose.setEnabled(False)
        whose_label = QLabel("Figures &for")
        whose_label.setBuddy(self.whose)

        self.quarter = QComboBox()
        self.quarter.setAccessibleName("Quarter")
        self.quarter.setAccessibleDescription("Financial quarters: April to June is Q1")
        for text, quarter in quarters_offered(workspace.today()):
            self.quarter.addItem(text, str(quarter))
        self.quarter.setCurrentIndex(1)  # the latest whole quarter
        quarter_label = QLabel("&Quarter")
        quarter_label.setBuddy(self.quarter)

        self.refresh_button = QPushButton("&Refresh")
        self.refresh_button.clicked.connect(self.calculate)
        top = QHBoxLayout()
        top.addWidget(whose_label)
        top.addWidget(self.whose)
        top.addSpacing(16)
        top.addWidget(quarter_label)
        top.addWidget(self.quarter)
        top.addStretch(1)
        top.addWidget(self.refresh_button)

        self.status = QLabel()
        self.status.setObjectName("performanceStatus")
        self.status.setWordWrap(True)
        self.status.setAccessibleName("What the figures are for")

        self.model = FiguresModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("National metrics for the quarter")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.setItemDelegateForColumn(FiguresModel.TREND, SparklineDelegate(self.table))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(FiguresModel.FIGURE, QHeaderView.ResizeMode.Stretch)
        for column in range(FiguresModel.NUMERATOR, FiguresModel.CHANGE + 1):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(FiguresModel.TREND, QHeaderView.ResizeMode.Fixed)
        # Wide enough for the sparkline and for its heading, whatever the font.
        trend_width = max(120, header.sectionSizeHint(FiguresModel.TREND))
        header.resizeSection(FiguresModel.TREND, trend_width)
        header.setSectionResizeMode(FiguresModel.NOTE, QHeaderView.ResizeMode.ResizeToContents)
        # Enter or a double-click (activated), or a click on a number: the children behind it.
        self.table.activated.connect(self._figure_activated)
        self.table.clicked.connect(self._figure_clicked)
        self.table.selectionModel().currentRowChanged.connect(self._show_chart)

        self.feeding = QLabel()
        self.feeding.setAccessibleName("Feeding at the 6-8 week review")
        self.children_button = QPushButton("Show the &children behind this figure")
        self.children_button.setEnabled(False)
        self.children_button.clicked.connect(self.open_drill_down)
        self.chart_title = QLabel("Last 8 quarters")
        self.chart_title.setObjectName("chartTitle")
        self.chart = MetricChart()
        under = QHBoxLayout()
        under.addWidget(self.feeding, 1)
        under.addWidget(self.children_button)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 3)
        layout.addLayout(under)
        layout.addWidget(self.chart_title)
        layout.addWidget(self.chart, 2)
        self.setTabOrder(self.whose, self.quarter)
        self.setTabOrder(self.quarter, self.refresh_button)
        self.setTabOrder(self.refresh_button, self.table)
        self.setTabOrder(self.table, self.children_button)
        self.resize(1100, 720)

        self.whose.currentIndexChanged.connect(self.calculate)
        self.quarter.currentIndexChanged.connect(self.calculate)
        self.calculate()

    # --- Counting, off the GUI thread ----------------------------------------------

    def chosen_quarter(self) -> str:
        return str(self.quarter.currentData())

    def choose_health_visitor(self, user_id: uuid.UUID | None) -> None:
        """Show one health visitor's figures (None: the whole team's)."""
        for index in range(self.whose.count()):
            if self.whose.itemData(index) == user_id:
                self.whose.setCurrentIndex(index)
                return
        raise KeyError(user_id)

    def _whose(self) -> tuple[MetricScope, uuid.UUID | None]:
        visitor = self.whose.currentData()
        if self._scope is MetricScope.TEAM and visitor is None:
            return MetricScope.TEAM, None
        return MetricScope.HEALTH_VISITOR, visitor

    def calculate(self) -> None:
        """Count the chosen quarter and the 7 before it; the view says "Calculating…"."""
        self.state = "calculating"
        self.status.setText(f"Calculating the figures for {self.chosen_quarter()}…")
        self.table.setEnabled(False)
        self.children_button.setEnabled(False)
        scope, visitor = self._whose()
        quarter, workspace = self.chosen_quarter(), self._workspace
        # An earlier count still running is now stale: its answer is dropped.
        self._counts.request(lambda: workspace.metrics_history(quarter, scope, visitor))

    def _on_finished(self, history: tuple[QuarterMetrics, ...]) -> None:
        self.history = history
        self.state = "ready"
        chosen = history[-1]
        self.status.setText(period_text(chosen))
        current = self.table.currentIndex()
        self.model.set_lines(figure_rows(history))
        self.table.setEnabled(True)
        fed = chosen.breastfeeding
        self.feeding.setText(
            f"Feeding at the 6-8 week review: totally breastfed {fed.totally}, partially "
            f"{fed.partially}, not breastfed {fed.not_breastfed}, not recorded "
            f"{fed.not_recorded} (of {fed.total})"
        )
        row = current.row() if current.isValid() else 0
        if self.model.rowCount():
            self.table.selectRow(min(row, self.model.rowCount() - 1))
        self.calculated.emit()

    def _on_failed(self, error: object) -> None:
        refusal = refusal_or_raise(error)  # anything but a refusal is a bug: raised here
        self.history = ()
        self.state = "refused"
        self.model.set_lines([])
        self.status.setText(str(refusal))
        self.feeding.setText("")
        self.chart.show_series(None)
        self.calculated.emit()

    @staticmethod
    def wait_for_counts() -> None:
        """Block until every count and list asked for has finished (quitting, and tests)."""
        wait_for_loads()

    # --- The chosen figure ----------------------------------------------------------

    def current_row(self) -> FigureRow | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        row: FigureRow = self.model.line_at(index.row())
        return row

    def _show_chart(self, current: QModelIndex, _previous: QModelIndex) -> None:
        row = self.model.line_at(current.row()) if current.isValid() else None
        self.chart.show_series(row.series if row else None)
        self.chart_title.setText(
            f"{row.figure.title}: last 8 quarters" if row else "Last 8 quarters"
        )
        self.children_button.setEnabled(bool(row and row.figure.has_worklist))

    def _figure_clicked(self, index: QModelIndex) -> None:
        numbers = (FiguresModel.NUMERATOR, FiguresModel.DENOMINATOR, FiguresModel.PERCENT)
        if index.column() in numbers:
            self._figure_activated(index)

    def _figure_activated(self, index: QModelIndex) -> None:
        self.table.setCurrentIndex(index)
        self.open_drill_down()

    def open_drill_down(self) -> DrillDownDialog | None:
        """The children behind the chosen figure: the dialog opens now, listing them
        as soon as the worker has them (``DrillDownDialog.listed``)."""
        row = self.current_row()
        if row is None or not self.history:
            return None
        figure = row.figure
        if not figure.has_worklist:
            self.status.setText(
                f"{period_text(self.history[-1])}. “{figure.title}” is a count with no "
                "list of children behind it."
            )
            return None
        if self.drill_down is None:
            self.drill_down = DrillDownDialog(self)
            self.drill_down.open_record_requested.connect(self.open_record_requested)
        chosen = self.history[-1]
        title = f"{figure.title}, {chosen.scope_name}, {chosen.quarter}"
        self.drill_down.finding(title)
        scope, visitor = self._whose()
        quarter, workspace = self.chosen_quarter(), self._workspace

        def children_behind() -> tuple[str, MetricFigure, list[MissedChild]]:
            missed = workspace.metric_exceptions(quarter, figure.code, scope, visitor)
            return title, figure, missed

        self._listing.request(children_behind)
        return self.drill_down

    def _children_listed(self, answer: tuple[str, MetricFigure, list[MissedChild]]) -> None:
        title, figure, missed = answer
        dialog = self.drill_down
        if dialog is None or not dialog.isVisible():
            return  # closed while the list was on its way: the user no longer wants it
        dialog.show_children(title, figure.denominator or 0, missed)

    def _children_failed(self, error: object) -> None:
        refusal = refusal_or_raise(error)
        self.status.setText(str(refusal))
        if self.drill_down is not None:
            self.drill_down.refused(str(refusal))


class DrillDownDialog(QDialog):
    """The children a figure leaves out, with why; Enter opens a child's record.

    ``finding`` opens it while the list is on its way (a busy bar, nothing to
    open yet); ``show_children`` fills it and emits ``listed``; ``refused``
    says why there is no list.
    """

    open_record_requested = Signal(object)
    #: The children are shown (``show_children``).
    listed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setModal(False)
        #: The list asked for has not come yet.
        self.loading = False
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.heading.setObjectName("drillDownHeading")
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # busy: how long the count takes is not known
        self.progress.setTextVisible(False)
        self.progress.setAccessibleName("Finding the children behind the figure")
        self.progress.hide()
        self.model = MissedChildrenModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Children not in the figure, with the reason")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.activated.connect(self._open)
        self.open_button = QPushButton("&Open record")
        self.open_button.clicked.connect(self.open_current)
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.open_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.progress)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.resize(820, 440)

    def finding(self, title: str) -> None:
        """Open (or bring forward) the dialog while the children of ``title`` are found."""
        self.loading = True
        self.setWindowTitle(f"Children behind the figure — {title}")
        self.heading.setText(f"<b>{title}</b><br>Finding the children behind this figure…")
        self.model.set_lines([])
        self.progress.show()
        self.open_button.setEnabled(False)
        self.show()
        # Offscreen (tests, screenshots) has no stacking order to change.
        if QGuiApplication.platformName() != "offscreen":
            self.raise_()
        self.activateWindow()

    def refused(self, message: str) -> None:
        self.loading = False
        self.progress.hide()
        self.heading.setText(message)

    def show_children(self, title: str, denominator: int, missed: list[MissedChild]) -> None:
        self.loading = False
        self.progress.hide()
        self.setWindowTitle(f"Children behind the figure — {title}")
        self.model.set_lines(missed)
        count = len(missed)
        self.heading.setText(
            f"<b>{title}</b><br>{count} of the {denominator} children in this figure "
            f"{'is' if count == 1 else 'are'} not counted in it. Enter or a double-click "
            "opens a child's record."
            if count
            else f"<b>{title}</b><br>Every child in this figure is counted in it."
        )
        self.table.resizeColumnsToContents()
        if count:
            self.table.selectRow(0)
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        self.open_button.setEnabled(bool(count))
        self.listed.emit()

    def _open(self, index: QModelIndex) -> None:
        if index.isValid():
            self.open_record_requested.emit(self.model.child_id_at(index.row()))

    def open_current(self) -> None:
        self._open(self.table.currentIndex())
