"""Who accessed this child's record: the audit trail for one child, on screen (issue 8).

Opened from the child's record ("Record" menu, team leads; administrators use
``healthvisitor audit who-accessed``). Choose the local days from and to and
press Show; the table lists every access, oldest first, sortable by any
column (the time sorts by time, never as text). "Print/Save PDF…" makes the
same report on paper (``reports/access_report.py``) and opens it in the print
preview. Looking and printing are both recorded in the audit trail, by the
service (``healthvisitor.services.access_report``), which also refuses anyone
but the child's team lead and administrators.
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, QObject, QSortFilterProxyModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from healthvisitor.errors import HealthVisitorError
from healthvisitor.services import access_report as access_report_service
from healthvisitor.ui.caseload_model import SORT_ROLE
from healthvisitor.ui.form_fields import FieldMessage
from healthvisitor.ui.line_table_model import LineColumn, LineTableModel, ModelIndex
from healthvisitor.ui.print_preview import ReportRequest, ReportRun

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from healthvisitor.reports.page import Progress
    from healthvisitor.services.access_report import AccessReport, RecordAccess
    from healthvisitor.services.workspace import Workspace

#: How far back the range starts when the dialog opens.
DEFAULT_DAYS_BACK = 365
WHEN, WHO, ROLE, WHAT, MACHINE = range(5)


def _as_qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _as_date(value: QDate) -> dt.date:
    return dt.date(value.year(), value.month(), value.day())


class AccessLogModel(LineTableModel):
    """One access a row. ``SORT_ROLE`` gives each cell its sort key (time as time)."""

    columns = (
        LineColumn("When (local time)", lambda a: a.when_words),
        LineColumn("Who", lambda a: a.who, tooltip=lambda a: a.who_words),
        LineColumn("Role", lambda a: a.role_label),
        LineColumn("What they did", lambda a: a.what),
        LineColumn("From which computer", lambda a: a.machine or "not recorded"),
    )
    #: The sort key of each column, in ``columns`` order.
    sort_keys: tuple[Callable[[RecordAccess], Any], ...] = (
        lambda a: a.occurred_at.timestamp(),  # ties keep the chain's order (a stable sort)
        lambda a: a.who.casefold(),
        lambda a: a.role_label.casefold(),
        lambda a: a.what.casefold(),
        lambda a: a.machine.casefold(),
    )

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == SORT_ROLE:
            if not index.isValid() or not 0 <= index.row() < self.rowCount():
                return None
            return self.sort_keys[index.column()](self.line_at(index.row()))
        return super().data(index, role)


class AccessLogProxy(QSortFilterProxyModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)


class AccessLogDialog(QDialog):
    """Who accessed one child's record, over a range of days, for its team lead."""

    def __init__(
        self,
        workspace: Workspace,
        child_id: uuid.UUID,
        child_name: str,
        parent: QWidget | None = None,
        *,
        first: AccessReport | None = None,
    ) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.child_id = child_id
        self.report: AccessReport | None = None
        self.run: ReportRun | None = None
        self.setWindowTitle(f"Who accessed {child_name}'s record — HealthVisitor")
        self.setAccessibleName(f"Who accessed {child_name}'s record")
        self.setMinimumSize(860, 520)

        today = workspace.today()
        self.start_edit = QDateEdit(_as_qdate(today - dt.timedelta(days=DEFAULT_DAYS_BACK)))
        self.end_edit = QDateEdit(_as_qdate(today))
        range_row = QHBoxLayout()
        for text, edit, name in (
            ("&From", self.start_edit, "From"),
            ("&To", self.end_edit, "To"),
        ):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("d MMM yyyy")
            edit.setAccessibleName(name)
            label = QLabel(text)
            label.setBuddy(edit)
            range_row.addWidget(label)
            range_row.addWidget(edit)
        self.show_button = QPushButton("&Show")
        self.show_button.setAccessibleName("Show the accesses in this range")
        self.show_button.setDefault(True)
        self.show_button.clicked.connect(self.load)
        range_row.addWidget(self.show_button)
        range_row.addStretch(1)
        self.problem = FieldMessage()
        self.problem.setAccessibleName("Problem")
        self.summary = QLabel("")
        self.summary.setAccessibleName("How many accesses")
        self.summary.setWordWrap(True)

        self.model = AccessLogModel(self)
        self.proxy = AccessLogProxy(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setAccessibleName("Accesses to the record")
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(WHEN, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)

        self.print_button = QPushButton("&Print/Save PDF…")
        self.print_button.setAccessibleName("Print or save as PDF")
        self.print_button.setToolTip("The same list as a printed report, in the print preview")
        self.print_button.setAutoDefault(False)
        self.print_button.clicked.connect(self.print_report)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.print_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)

        note = QLabel(
            "Every time the record was opened, printed or changed, by whom and from which "
            "computer. Looking at this list is recorded too."
        )
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addLayout(range_row)
        layout.addWidget(self.problem)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        if first is None:
            self.load()
        else:  # already asked for (and audited) by whoever opened this
            self._show(first)

    def chosen_range(self) -> tuple[dt.date, dt.date]:
        return _as_date(self.start_edit.date()), _as_date(self.end_edit.date())

    def load(self) -> None:
        """Ask the service for the accesses in the chosen range (the asking is audited)."""
        start, end = self.chosen_range()
        try:
            report = self.workspace.who_accessed(self.child_id, start, end)
        except HealthVisitorError as error:
            self.problem.show_message(str(error))
            self.report = None
            self.model.set_lines(())
            self.summary.setText("")
            self.print_button.setEnabled(False)
            return
        self._show(report)

    def _show(self, report: AccessReport) -> None:
        start, end = report.start, report.end
        self.start_edit.setDate(_as_qdate(start))
        self.end_edit.setDate(_as_qdate(end))
        self.problem.show_message(None)
        self.report = report
        self.model.set_lines(report.accesses)
        self.table.resizeColumnsToContents()
        count = len(report.accesses)
        self.summary.setText(
            f"{count} access{'es' if count != 1 else ''} to {report.child_name}'s record "
            f"(NHS number {report.nhs_number}) from {start:%d %b %Y} to {end:%d %b %Y}."
            if count
            else f"Nobody opened, printed or changed the record from {start:%d %b %Y} to "
            f"{end:%d %b %Y}."
        )
        self.print_button.setEnabled(True)

    def print_report(self) -> ReportRun | None:
        """The shown range as a PDF in the print preview; the print is audited."""
        if self.report is None:
            return None
        start, end = self.report.start, self.report.end
        workspace, child_id = self.workspace, self.child_id

        def make(session: Session, progress: Progress) -> bytes:
            report = access_report_service.who_accessed(
                session,
                workspace.actor,
                child_id=child_id,
                start=start,
                end=end,
                now=dt.datetime.now(dt.UTC),
                for_print=True,
            )
            # reportlab is loaded when something is printed, not at every start (issue 10).
            from healthvisitor.reports.access_report import access_report_pdf

            out = io.BytesIO()
            access_report_pdf(report, out)
            return out.getvalue()

        digits = self.report.nhs_number.replace(" ", "")
        self.run = ReportRun(
            self,
            workspace,
            ReportRequest(
                "Who accessed the record",
                f"who-accessed-{digits}-{workspace.today():%Y-%m-%d}.pdf",
                make,
                False,
            ),
        )
        return self.run


def open_access_log(
    parent: QWidget,
    workspace: Workspace,
    child_id: uuid.UUID,
    child_name: str,
    *,
    first: AccessReport | None = None,
) -> AccessLogDialog:
    """Show the dialog (window-modal over the record) and return it."""
    dialog = AccessLogDialog(workspace, child_id, child_name, parent, first=first)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog
