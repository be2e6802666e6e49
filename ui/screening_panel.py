"""The "Screening and immunisations" tab of a child's record (issue 6).

Three tables: newborn screening results (a test with no result says "Not
recorded", never nothing), immunisations given, and the routine schedule with
each dose's status in words (overdue is also coloured, never colour only).
Two small dialogs record a screening result and a vaccine dose; the service's
messages appear beside their fields and what was typed is kept. On a closed
record the tab is read-only: the record buttons are hidden, as the window
hides "Record a contact". On a record the user may read but not change (a
colleague's caseload or break-glass, issue 8) the buttons are off, with the
record's ``read_only_reason`` as their tooltip and as a note above them.
On the laptop's offline copy (issue 12) the buttons are off too, the note and
their tooltip saying so (``ui/offline_actions.py``): screening results and
immunisations are not recorded offline, and the copy would refuse them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from healthvisitor.domain.enums import NewbornScreeningResult, NewbornScreeningTest
from healthvisitor.domain.immunisations import VACCINES, DoseStatus, PlannedDose, cohort_for
from healthvisitor.errors import FieldProblem, HealthVisitorError, ValidationError
from healthvisitor.services.screening import (
    HIGHEST_DOSE,
    ScreeningAndImmunisations,
    ScreeningDesk,
    ScreeningLine,
)
from healthvisitor.services.workspace import Workspace
from healthvisitor.ui.contact_form_sections import date_edit, from_qdate, to_qdate
from healthvisitor.ui.form_fields import ChoiceCombo, FormField
from healthvisitor.ui.line_table_model import LineColumn, LineTableModel
from healthvisitor.ui.offline_actions import (
    offline_note,
    offline_reason,
    say_offline,
    works_offline,
)
from healthvisitor.ui.referral_dialogs import _FormDialog, open_dialog, text_box
from healthvisitor.ui.referrals_panel import record_read_only_reason
from healthvisitor.ui.worker import warn_not_shown

OVERDUE_COLOUR = "#8A1538"  # NHS dark red: with the word "Overdue", never alone


def _date(day: object) -> str:
    return f"{day:%d %b %Y}" if day is not None else ""


@dataclass(frozen=True)
class ScreeningRow:
    """A screening test as the table shows it: its result, or "Not recorded"."""

    test: NewbornScreeningTest
    screened_on: object  # dt.date | None
    result: str
    note: str
    recorded_by: str


def screening_rows(view: ScreeningAndImmunisations) -> list[ScreeningRow]:
    rows = [
        ScreeningRow(s.test, s.screened_on, s.result.label, s.note, s.recorded_by)
        for s in view.screenings
    ]
    rows += [ScreeningRow(t, None, "Not recorded", "", "") for t in view.untested]
    return rows


class ScreeningModel(LineTableModel):
    columns = (
        LineColumn("Screening", lambda row: row.test.label),
        LineColumn("Date", lambda row: _date(row.screened_on)),
        LineColumn("Result", lambda row: row.result),
        LineColumn("Recorded by", lambda row: row.recorded_by),
        LineColumn("Note", lambda row: row.note, tooltip=lambda row: row.note),
    )


class ImmunisationsModel(LineTableModel):
    columns = (
        LineColumn("Date given", lambda line: _date(line.given_on)),
        LineColumn("Vaccine", lambda line: line.vaccine_name),
        LineColumn("Dose", lambda line: str(line.dose)),
        LineColumn("Where", lambda line: "Elsewhere" if line.given_elsewhere else "Here"),
        LineColumn("Batch", lambda line: line.batch),
        LineColumn("Recorded by", lambda line: line.recorded_by),
    )


class ScheduleModel(LineTableModel):
    """The routine schedule of the child's birth cohort, each dose with its status."""

    columns = (
        LineColumn("Appointment", lambda p: p.scheduled.appointment),
        LineColumn("Vaccine", lambda p: p.scheduled.vaccine_name),
        LineColumn("Dose", lambda p: str(p.scheduled.dose)),
        LineColumn("Due from", lambda p: _date(p.due_on)),
        LineColumn(
            "Status",
            lambda p: p.status.value + (f" ({_date(p.given_on)})" if p.given_on else ""),
            colour=lambda p: OVERDUE_COLOUR if p.status is DoseStatus.OVERDUE else None,
        ),
    )


def _table(model: LineTableModel, name: str) -> QTableView:
    table = QTableView()
    table.setAccessibleName(name)
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.verticalHeader().hide()
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _heading(text: str, buddy: QWidget) -> QLabel:
    label = QLabel(text)
    label.setObjectName("sectionHeading")
    label.setBuddy(buddy)
    return label


class ScreeningResultDialog(_FormDialog):
    """Record one newborn screening result (blood spot, hearing, NIPE)."""

    def __init__(
        self,
        workspace: Workspace,
        desk: ScreeningDesk,
        view: ScreeningAndImmunisations,
        child_id: uuid.UUID,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(workspace, "Record a screening result", parent)
        self.desk = desk
        self.child_id = child_id
        self.test = ChoiceCombo([(t.label, t) for t in NewbornScreeningTest])
        if view.untested:
            self.test.set_value(view.untested[0])
        self.screened_on = date_edit()
        if view.date_of_birth is not None:
            self.screened_on.setMinimumDate(to_qdate(view.date_of_birth))
        self.screened_on.setMaximumDate(to_qdate(workspace.today()))
        self.screened_on.setDate(to_qdate(workspace.today()))
        self.result = ChoiceCombo(
            [(r.label, r) for r in NewbornScreeningResult], placeholder="Choose the result"
        )
        self.note = text_box("For example: referred to audiology, left ear")
        self.add("test", FormField("&Test", self.test))
        self.add("screened_on", FormField("&Date", self.screened_on))
        self.add(
            "result",
            FormField(
                "&Result",
                self.result,
                check=lambda: None if self.result.value() else "Choose the result.",
            ),
        )
        self.add(
            "note",
            FormField("&Note", self.note, description="Needed when declined or not done"),
        )
        self.chain_tab_order()
        self.saved: ScreeningLine | None = None

    def submit(self) -> None:
        if self.result.value() is None:
            raise ValidationError(FieldProblem("result", "Choose the result."))
        self.saved = self.desk.record_screening(
            self.child_id,
            test=self.test.value(),
            screened_on=from_qdate(self.screened_on.date()),
            result=self.result.value(),
            note=self.note.toPlainText(),
        )


class ImmunisationDialog(_FormDialog):
    """Record one vaccine dose given; starts on the first dose due, if any."""

    def __init__(
        self,
        workspace: Workspace,
        desk: ScreeningDesk,
        view: ScreeningAndImmunisations,
        child_id: uuid.UUID,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(workspace, "Record an immunisation", parent)
        self.desk = desk
        self.child_id = child_id
        self.vaccine = ChoiceCombo([(v.name, v.code) for v in VACCINES.values()])
        self.dose = QSpinBox()
        self.dose.setRange(1, HIGHEST_DOSE)
        self.given_on = date_edit()
        if view.date_of_birth is not None:
            self.given_on.setMinimumDate(to_qdate(view.date_of_birth))
        self.given_on.setMaximumDate(to_qdate(workspace.today()))
        self.given_on.setDate(to_qdate(workspace.today()))
        self.elsewhere = QCheckBox("Given by another service")
        self.batch = QLineEdit()
        self.batch.setMaxLength(40)
        self.batch.setPlaceholderText("Optional")
        first_due: PlannedDose | None = next(iter(view.due_or_overdue), None)
        if first_due is not None:
            self.vaccine.set_value(first_due.scheduled.vaccine)
            self.dose.setValue(first_due.scheduled.dose)
        self.add("vaccine", FormField("&Vaccine", self.vaccine))
        self.add("dose", FormField("D&ose", self.dose))
        self.add("given_on", FormField("&Date given", self.given_on))
        self.add(
            "given_elsewhere",
            FormField("&Where", self.elsewhere, description="Tick if another service gave it"),
        )
        self.add("batch", FormField("&Batch number", self.batch))
        self.chain_tab_order()

    def submit(self) -> None:
        self.desk.record_immunisation(
            self.child_id,
            vaccine=self.vaccine.value(),
            dose=self.dose.value(),
            given_on=from_qdate(self.given_on.date()),
            given_elsewhere=self.elsewhere.isChecked(),
            batch=self.batch.text(),
        )


class ScreeningPanel(QWidget):
    """The "Screening and immunisations" tab of a child's record."""

    changed = Signal()

    def __init__(
        self, workspace: Workspace, child_id: uuid.UUID, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.desk = ScreeningDesk(workspace.engine, workspace.actor, workspace.today)
        self.child_id = child_id
        self.view: ScreeningAndImmunisations | None = None
        self.dialog: _FormDialog | None = None
        self.screening = ScreeningModel(self)
        self.immunisations = ImmunisationsModel(self)
        self.schedule = ScheduleModel(self)
        self.screening_table = _table(self.screening, "Newborn screening results")
        self.immunisations_table = _table(self.immunisations, "Immunisations given")
        self.schedule_table = _table(self.schedule, "Routine immunisation schedule")
        self.immunisations_empty = QLabel("No immunisations recorded yet.")
        self.immunisations_empty.setObjectName("emptyState")
        self.cohort = QLabel()
        self.cohort.setWordWrap(True)
        self.cohort.setAccessibleName("Which schedule applies")
        self.screening_button = QPushButton("Record a &screening result…")
        self.screening_button.setAccessibleName("Record a screening result")
        self.immunisation_button = QPushButton("Record an imm&unisation…")
        self.immunisation_button.setAccessibleName("Record an immunisation")
        for button in (self.screening_button, self.immunisation_button):
            button.setAutoDefault(False)
        #: Why nothing here can be changed (issue 8), "" when it can; said in ``read_only_note``.
        self.read_only_reason = ""
        self.read_only_note = QLabel()
        self.read_only_note.setObjectName("secondaryText")
        self.read_only_note.setWordWrap(True)
        self.read_only_note.setAccessibleName("Why screening and immunisations cannot be changed")
        self.read_only_note.hide()
        #: On the offline copy (issue 12): nothing here can be recorded; said in ``offline_note``.
        self.offline = works_offline(workspace)
        self.offline_note = offline_note("Why screening and immunisations cannot be recorded")
        self.screening_button.clicked.connect(self.record_screening)
        self.immunisation_button.clicked.connect(self.record_immunisation)

        buttons = QHBoxLayout()
        buttons.addWidget(self.screening_button)
        buttons.addWidget(self.immunisation_button)
        buttons.addStretch(1)
        # Screening and doses given side by side, the schedule under them: all
        # three readable at once on a 1366x768 laptop.
        screening = QVBoxLayout()
        screening.addWidget(
            _heading("&Newborn screening (blood spot, hearing, NIPE)", self.screening_table)
        )
        screening.addWidget(self.screening_table, 1)
        given = QVBoxLayout()
        given.addWidget(_heading("Immunisations given, &oldest first", self.immunisations_table))
        given.addWidget(self.immunisations_empty)
        given.addWidget(self.immunisations_table, 1)
        top = QHBoxLayout()
        top.addLayout(screening, 1)
        top.addLayout(given, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 10, 8, 8)
        layout.setSpacing(6)
        layout.addWidget(self.read_only_note)
        layout.addWidget(self.offline_note)
        layout.addLayout(buttons)
        layout.addLayout(top, 1)
        layout.addWidget(_heading("Routine schedule: &due, overdue and given", self.schedule_table))
        layout.addWidget(self.cohort)
        layout.addWidget(self.schedule_table, 1)

    def showEvent(self, event: QShowEvent) -> None:
        # Read when shown: the record may have been closed or reopened meanwhile, and the
        # record window's record says whether it may be changed (issue 8).
        super().showEvent(event)
        self.set_read_only(record_read_only_reason(self))
        self.reload()

    def set_read_only(self, reason: str) -> None:
        """Switch the record buttons off, saying ``reason`` ("" switches them back on)."""
        self.read_only_reason = reason
        self.read_only_note.setText(f"Read only. {reason}" if reason else "")
        self.read_only_note.setVisible(bool(reason))
        offline = self.offline and not reason  # a colleague's record says its own reason
        for button, words in (
            (self.screening_button, "Record a newborn screening result"),
            (self.immunisation_button, "Record a vaccine dose given"),
        ):
            button.setEnabled(not reason and not offline)
            button.setToolTip(reason or (offline_reason("screening") if offline else words))
        self._say_offline()

    def _say_offline(self) -> None:
        """The offline note, beside the buttons it explains (none on a closed record)."""
        closed = self.view is not None and self.view.record_closed
        shown = self.offline and not self.read_only_reason and not closed
        say_offline(self.offline_note, "screening" if shown else None)

    def reload(self) -> None:
        try:
            view = self.desk.load(self.child_id)
        except HealthVisitorError as error:
            warn_not_shown(self, "Screening and immunisations not shown", error)
            return
        self.show_view(view)

    def show_view(self, view: ScreeningAndImmunisations) -> None:
        self.view = view
        self.screening.set_lines(screening_rows(view))
        self.immunisations.set_lines(view.immunisations)
        self.schedule.set_lines(view.plan)
        self.immunisations_empty.setVisible(not view.immunisations)
        overdue = sum(p.status is DoseStatus.OVERDUE for p in view.plan)
        due = sum(p.status is DoseStatus.DUE for p in view.plan)
        cohort = cohort_for(view.date_of_birth).name if view.date_of_birth else ""
        self.cohort.setText(
            f"{overdue} overdue, {due} due now. The routine schedule for children "
            f"{cohort[0].lower() + cohort[1:] if cohort else ''} (UKHSA Green Book chapter 11)."
        )
        for button in (self.screening_button, self.immunisation_button):
            # Hidden on a closed record, as the window hides "Record a contact".
            button.setVisible(not view.record_closed)
        self._say_offline()

    def _open(self, dialog: _FormDialog) -> _FormDialog:
        self.dialog = dialog
        dialog.accepted.connect(self._saved)
        open_dialog(dialog)
        return dialog

    def record_screening(self) -> _FormDialog | None:
        if self.view is None or self.view.record_closed or self.read_only_reason or self.offline:
            return None
        return self._open(
            ScreeningResultDialog(self.workspace, self.desk, self.view, self.child_id, self)
        )

    def record_immunisation(self) -> _FormDialog | None:
        if self.view is None or self.view.record_closed or self.read_only_reason or self.offline:
            return None
        return self._open(
            ImmunisationDialog(self.workspace, self.desk, self.view, self.child_id, self)
        )

    def _saved(self) -> None:
        self.reload()
        self.changed.emit()
