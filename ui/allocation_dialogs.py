"""The team lead's allocation dialogs (issue 4): allocate, reallocate, cover, undo.

* ``AllocationDialog``: choose children (a picker over the unallocated list,
  or over one health visitor's caseload with "Select all" for a whole
  caseload; there her ongoing pregnancies are listed too, so a pregnancy
  moves on its own before there is a child), the health visitor to give
  them to, a reason, and whether
  siblings move together (checked by default). Before anything is saved it
  shows what would move, siblings included ("Also moving with their
  siblings: ..."), as the service plans it.
* ``CoverDialog``: the cover in force or arranged, to end one early; and a
  form to arrange cover (who is away, who covers, from, until, why).
* ``RecentChangesDialog``: the team's latest allocation actions, newest
  first, with Undo for those that can still be undone.
* ``TransferDialog``: transfer chosen children to another team of the trust
  (team, effective date, reason, family too unless unticked), with a preview
  of who moves as the service plans it.

Each asks the ``Workspace`` and never the database. A refusal is said in
words next to its field (or above the buttons), and everything typed stays.
The dialogs are opened with ``open()`` (window-modal, not a nested event loop).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QItemSelectionModel, Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from healthvisitor.errors import HealthVisitorError, ValidationError
from healthvisitor.ui.caseload_model import short_date, spoken_date
from healthvisitor.ui.contact_form_sections import date_edit, from_qdate, to_qdate
from healthvisitor.ui.form_fields import ChoiceCombo, FieldMessage, FormField
from healthvisitor.ui.line_table_model import LINE_ROLE, LineColumn, LineTableModel

if TYPE_CHECKING:
    from healthvisitor.services.allocation import (
        AllocationBatch,
        AllocationPlan,
        AllocationResult,
        CoverLine,
    )
    from healthvisitor.services.caseload import CaseloadRow
    from healthvisitor.services.pregnancies import PregnancyRow
    from healthvisitor.services.team_transfer import TeamChoice, TransferPlan, TransferResult
    from healthvisitor.services.workspace import Workspace

#: A health visitor a dialog offers: (id, what the list says, e.g. "Bea Brown (120 children)").
Member = tuple[uuid.UUID, str]


def when_text(moment: dt.datetime) -> str:
    """``24 Nov 2026 09:15`` in the user's own time (stored in UTC)."""
    local = moment.astimezone()
    return f"{short_date(local.date())} {local:%H:%M}"


def _table(name: str, description: str, *, multi: bool = False) -> QTableView:
    table = QTableView()
    table.setAccessibleName(name)
    table.setAccessibleDescription(description)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(
        QAbstractItemView.SelectionMode.ExtendedSelection
        if multi
        else QAbstractItemView.SelectionMode.SingleSelection
    )
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setShowGrid(False)
    table.setWordWrap(False)
    table.setTabKeyNavigation(False)
    table.verticalHeader().hide()
    header = table.horizontalHeader()
    header.setHighlightSections(False)
    header.setStretchLastSection(True)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    return table


def _button(text: str, name: str, tooltip: str, shortcut: str = "") -> QPushButton:
    button = QPushButton(text)
    button.setAccessibleName(name)
    button.setToolTip(f"{tooltip} ({shortcut})" if shortcut else tooltip)
    button.setAutoDefault(False)
    button.setDefault(False)
    if shortcut:
        button.setShortcut(QKeySequence(shortcut))
    return button


def _fit(table: QTableView) -> None:
    table.resizeColumnsToContents()
    header = table.horizontalHeader()
    for column in range(table.model().columnCount() - 1):
        header.resizeSection(column, min(header.sectionSize(column) + 24, 320))


# --- Models ------------------------------------------------------------------------------


def is_pregnancy(line: object) -> bool:
    """A pick list's line is a ``PregnancyRow`` (no child yet), not a ``CaseloadRow``."""
    return hasattr(line, "pregnancy_id")


def subject_id(line: Any) -> uuid.UUID:
    """The child's id, or the pregnancy's, that the service moves."""
    found: uuid.UUID = line.pregnancy_id if is_pregnancy(line) else line.child_id
    return found


def _pick_name(r: Any) -> str:
    return f"{r.mother_name}'s pregnancy" if is_pregnancy(r) else str(r.name)


def _pick_age(r: Any) -> str:
    return f"Due {short_date(r.estimated_delivery_date)}" if is_pregnancy(r) else str(r.age)


def _pick_age_tooltip(r: Any) -> str:
    if is_pregnancy(r):
        return f"{r.gestation_today} today; not born yet"
    return f"Born {spoken_date(r.date_of_birth)}"


def _pick_review(r: Any) -> str:
    if is_pregnancy(r):
        return str(r.antenatal.kind.label)
    return str(r.next_review.label) if r.next_review else "—"


class ChildPickModel(LineTableModel):
    """The children a lead may choose from (``CaseloadRow``s), one a row, and on a
    reallocation the health visitor's ongoing pregnancies (``PregnancyRow``s)."""

    columns = (
        LineColumn("Name", _pick_name),
        LineColumn("Age", _pick_age, tooltip=_pick_age_tooltip),
        LineColumn("Family", lambda r: r.family, tooltip=lambda r: f"The {r.family} family"),
        LineColumn("Postcode", lambda r: r.postcode),
        LineColumn(
            "Next review",
            _pick_review,
            spoken=lambda r: _pick_review(r) if _pick_review(r) != "—" else "No review open",
        ),
    )


class RecentChangesModel(LineTableModel):
    """The team's latest allocation actions (``AllocationBatch``), newest first."""

    columns = (
        LineColumn("When", lambda b: when_text(b.changed_at)),
        LineColumn("By", lambda b: b.changed_by),
        LineColumn(
            "What", lambda b: f"{b.kind.label}: {b.what()}", tooltip=lambda b: "\n".join(b.names)
        ),
        LineColumn(
            "Undo",
            lambda b: "Can be undone" if b.undoable else b.why_not,
            spoken=lambda b: "Can be undone" if b.undoable else f"Cannot be undone: {b.why_not}",
        ),
        # Last: free text, it takes the rest of the width.
        LineColumn("Reason", lambda b: b.reason, tooltip=lambda b: b.reason),
    )


class CoverModel(LineTableModel):
    """Cover in force or arranged (``CoverLine``), by start date."""

    columns = (
        LineColumn("Away", lambda c: c.absent_name),
        LineColumn("Covered by", lambda c: c.covering_name),
        LineColumn(
            "From", lambda c: short_date(c.start_date), spoken=lambda c: spoken_date(c.start_date)
        ),
        LineColumn(
            "Until", lambda c: short_date(c.last_day), spoken=lambda c: spoken_date(c.last_day)
        ),
        LineColumn("Reason", lambda c: c.reason, tooltip=lambda c: f"Arranged by {c.arranged_by}"),
    )


# --- Allocating ------------------------------------------------------------------------------


class AllocationDialog(QDialog):
    """Allocate (or reallocate) chosen children to one health visitor, with a reason."""

    def __init__(
        self,
        workspace: Workspace,
        rows: Sequence[CaseloadRow],
        members: Sequence[Member],
        *,
        chosen: Sequence[uuid.UUID] = (),
        from_name: str = "",
        pregnancies: Sequence[PregnancyRow] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._workspace = workspace
        self.outcome: AllocationResult | None = None
        self.plan: AllocationPlan | None = None
        reallocating = bool(from_name)
        self.setWindowTitle(
            f"Reallocate children from {from_name}" if reallocating else "Allocate children"
        )
        self.setAccessibleName(self.windowTitle())

        what = "children and pregnancies" if pregnancies else "children"
        intro = QLabel(
            f"Choose the {what} of {from_name} to move (Ctrl+A or “Select all” for the "
            "whole caseload), who takes them, and why."
            if reallocating
            else "Choose the children to allocate, who takes them, and why."
        )
        intro.setWordWrap(True)
        self.model = ChildPickModel(self)
        self.model.set_lines([*rows, *pregnancies])
        self.picker = _table(
            "Children to move",
            "Choose one or more children: Shift or Ctrl with the arrows or the mouse",
            multi=True,
        )
        self.picker.setModel(self.model)
        _fit(self.picker)
        self.select_all = _button(
            "Select a&ll", "Select all children", "Choose every child in the list"
        )
        self.select_all.clicked.connect(self.picker.selectAll)
        self.children_message = FieldMessage()
        self.chosen_count = QLabel()
        self.chosen_count.setAccessibleName("Children chosen")

        self.target = ChoiceCombo(list((label, hv) for hv, label in members), placeholder="Choose…")
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("e.g. new birth in her patch; Ann is leaving")
        self.keep_siblings = QCheckBox("&Keep siblings together")
        self.keep_siblings.setChecked(True)
        self.keep_siblings.setAccessibleName("Keep siblings together")
        self.keep_siblings.setToolTip(
            "Brothers and sisters with the same health visitor, and the family's "
            "ongoing pregnancy, move with the chosen child"
        )
        self.fields = {
            "to_health_visitor": FormField(
                "&To health visitor:", self.target, description="Who takes these children"
            ),
            "reason": FormField(
                "&Reason:",
                self.reason,
                description="Why, in a few words: it goes on each child's allocation history",
            ),
        }
        self.preview = QLabel()
        self.preview.setObjectName("allocationPreview")
        self.preview.setWordWrap(True)
        self.preview.setAccessibleName("What will move")
        self.preview.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.preview.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.problem = FieldMessage()

        verb = "&Reallocate" if reallocating else "&Allocate"
        self.confirm_button = _button(
            verb,
            label_of(verb),
            "Move the chosen children now (Enter in the reason does it too)",
            "Ctrl+Return",
        )
        self.cancel_button = _button("Cancel", "Cancel", "Close without changing anything (Esc)")
        self.confirm_button.clicked.connect(self.confirm)
        self.cancel_button.clicked.connect(self.reject)
        # A line edit keeps Ctrl+Return to itself: Enter in the reason (the last
        # thing typed, with the preview in view) confirms too.
        self.reason.returnPressed.connect(self.confirm)

        form = QFormLayout()
        for field in self.fields.values():
            form.addRow(field.label, field.box)
        form.addRow("", self.keep_siblings)
        picker_row = QHBoxLayout()
        picker_row.addWidget(self.chosen_count, 1)
        picker_row.addWidget(self.select_all)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.confirm_button)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.picker, 1)
        layout.addLayout(picker_row)
        layout.addWidget(self.children_message)
        layout.addLayout(form)
        layout.addWidget(self.preview)
        layout.addWidget(self.problem)
        layout.addLayout(buttons)
        for first, second in (
            (self.picker, self.select_all),
            (self.select_all, self.target),
            (self.target, self.reason),
            (self.reason, self.keep_siblings),
            (self.keep_siblings, self.preview),
            (self.preview, self.confirm_button),
            (self.confirm_button, self.cancel_button),
        ):
            QWidget.setTabOrder(first, second)
        # An explicit minimum: the layout then never resizes the window as the
        # preview's words change (offscreen Qt warns on every such change).
        self.setMinimumSize(640, 480)
        self.resize(760, 560)

        self._select(set(chosen))
        selection = self.picker.selectionModel()
        selection.selectionChanged.connect(lambda *_: self.update_preview())
        self.target.currentIndexChanged.connect(lambda _i: self._target_changed())
        self.keep_siblings.toggled.connect(lambda _on: self.update_preview())
        self.reason.textChanged.connect(lambda _t: self.fields["reason"].show_message(None))
        self.update_preview()
        self.picker.setFocus(Qt.FocusReason.OtherFocusReason)

    # --- What is chosen ---------------------------------------------------------------

    def _chosen_lines(self) -> list[Any]:
        rows = sorted(index.row() for index in self.picker.selectionModel().selectedRows())
        return [self.model.line_at(row) for row in rows]

    def chosen_rows(self) -> list[CaseloadRow]:
        """The children chosen, in the list's order."""
        return [line for line in self._chosen_lines() if not is_pregnancy(line)]

    def chosen_pregnancies(self) -> list[PregnancyRow]:
        """The pregnancies chosen to move on their own, in the list's order."""
        return [line for line in self._chosen_lines() if is_pregnancy(line)]

    def choose(self, *subject_ids: uuid.UUID) -> None:
        """Choose exactly these children or pregnancies (a test, or a caller that knows them)."""
        self.picker.clearSelection()
        self._select(set(subject_ids))

    def _select(self, wanted: set[uuid.UUID]) -> None:
        selection = self.picker.selectionModel()
        for row in range(self.model.rowCount()):
            if subject_id(self.model.line_at(row)) in wanted:
                selection.select(
                    self.model.index(row, 0),
                    QItemSelectionModel.SelectionFlag.Select
                    | QItemSelectionModel.SelectionFlag.Rows,
                )

    def _target_changed(self) -> None:
        self.fields["to_health_visitor"].show_message(None)
        self.update_preview()

    def update_preview(self) -> None:
        """Ask the service what would move now, siblings included, and say it."""
        rows, expecting = self.chosen_rows(), self.chosen_pregnancies()
        count = len(rows) + len(expecting)
        self.chosen_count.setText(
            f"{count} of {self.model.rowCount()} chosen" if count else "No child chosen yet"
        )
        if count:
            self.children_message.show_message(None)
        target = self.target.value()
        self.plan = None
        if not count or target is None:
            self.preview.setText("Choose the children and who takes them to see what will move.")
            return
        try:
            self.plan = self._workspace.plan_allocation(
                [row.child_id for row in rows],
                target,
                keep_siblings_together=self.keep_siblings.isChecked(),
                pregnancy_ids=[row.pregnancy_id for row in expecting],
            )
        except HealthVisitorError as exc:
            self.preview.setText(str(exc))
            return
        lines = [f"Will move {self.plan.summary()}."]
        if self.plan.siblings:
            lines.append(self.plan.siblings_text() + ".")
        if self.plan.already_there:
            lines.append(f"Already with {self.plan.to_name}: {', '.join(self.plan.already_there)}.")
        self.preview.setText("\n".join(lines))

    # --- Saving -------------------------------------------------------------------------

    def confirm(self) -> None:
        """Allocate; on a refusal say why beside the field and keep everything typed."""
        rows, expecting = self.chosen_rows(), self.chosen_pregnancies()
        self.problem.show_message(None)
        missing = False
        if not rows and not expecting:
            self.children_message.show_message("Choose at least one child.")
            missing = True
        if self.target.value() is None:
            self.fields["to_health_visitor"].show_message("Choose who takes the children.")
            missing = True
        if not self.reason.text().strip():
            self.fields["reason"].show_message("Say why, in a few words (it goes on the record).")
            missing = True
        if missing:
            return
        try:
            # The holders the lead saw: the service refuses if any has moved since.
            seen = {row.child_id: row.health_visitor_id for row in rows}
            seen.update({row.pregnancy_id: row.health_visitor_id for row in expecting})
            self.outcome = self._workspace.allocate(
                [row.child_id for row in rows],
                self.target.value(),
                reason=self.reason.text(),
                keep_siblings_together=self.keep_siblings.isChecked(),
                expected=seen,
                pregnancy_ids=[row.pregnancy_id for row in expecting],
            )
        except ValidationError as exc:
            self._show_problems(exc)
            return
        except HealthVisitorError as exc:
            self.problem.show_message(str(exc))
            return
        self.accept()

    def _show_problems(self, error: ValidationError) -> None:
        general = []
        for problem in error.problems:
            if problem.field in self.fields:
                self.fields[problem.field].show_message(problem.message)
            elif problem.field == "children":
                self.children_message.show_message(problem.message)
            else:
                general.append(problem.message)
        self.problem.show_message(" ".join(general) or None)


def label_of(text: str) -> str:
    return text.replace("&", "")


# --- Cover --------------------------------------------------------------------------------


class CoverDialog(QDialog):
    """The team's cover: end one early, or arrange a new one."""

    #: Cover was arranged or ended: the board (and the caseloads) should reload.
    changed = Signal(str)

    def __init__(
        self,
        workspace: Workspace,
        members: Sequence[Member],
        *,
        absent: uuid.UUID | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._workspace = workspace
        self.setWindowTitle("Cover while a health visitor is away")
        self.setAccessibleName(self.windowTitle())
        today = workspace.today()

        heading = QLabel("Cover in force or arranged")
        heading.setObjectName("boardHeading")
        self.model = CoverModel(self)
        self.table = _table(
            "Cover in force or arranged",
            "Choose a cover and press End cover to end it today (the caseload returns)",
        )
        self.table.setModel(self.model)
        heading.setBuddy(self.table)
        self.empty = QLabel("No cover is in force or arranged.")
        self.empty.setObjectName("emptyState")
        self.end_button = _button(
            "&End the chosen cover",
            "End the chosen cover",
            "End it today: the children go back to their own health visitor's caseload only",
        )
        self.end_button.clicked.connect(self.end_chosen)

        arrange_heading = QLabel("Arrange cover")
        arrange_heading.setObjectName("boardHeading")
        choices = [(label, hv) for hv, label in members]
        self.absent = ChoiceCombo(choices, placeholder="Choose…")
        self.covering = ChoiceCombo(choices, placeholder="Choose…")
        self.start = date_edit()
        self.end = date_edit()
        self.start.setDate(to_qdate(today))
        self.end.setDate(to_qdate(today + dt.timedelta(days=13)))
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("e.g. annual leave; sick leave")
        if absent is not None:
            self.absent.set_value(absent)
        self.fields = {
            "absent": FormField(
                "&Away:", self.absent, description="The health visitor who is away"
            ),
            "covering": FormField(
                "Covered &by:", self.covering, description="The colleague who holds the caseload"
            ),
            "start": FormField("&From:", self.start, description="The first day of cover"),
            "end": FormField(
                "&Until:",
                self.end,
                description="The last day of cover; the caseload returns after it",
            ),
            "reason": FormField("&Reason:", self.reason, description="Why, in a few words"),
        }
        self.problem = FieldMessage()
        self.done_message = QLabel()
        self.done_message.setObjectName("boardNote")
        self.done_message.setWordWrap(True)
        self.done_message.setAccessibleName("What was done")
        self.arrange_button = _button(
            "&Arrange cover",
            "Arrange cover",
            "Arrange this cover now (Enter in the reason does it too)",
            "Ctrl+Return",
        )
        self.close_button = _button("Close", "Close", "Close (Esc)")
        self.arrange_button.clicked.connect(self.arrange)
        self.close_button.clicked.connect(self.accept)
        self.reason.returnPressed.connect(self.arrange)  # as in AllocationDialog

        form = QFormLayout()
        for field in self.fields.values():
            form.addRow(field.label, field.box)
        end_row = QHBoxLayout()
        end_row.addWidget(self.empty, 1)
        end_row.addStretch(1)
        end_row.addWidget(self.end_button)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.arrange_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.table, 1)
        layout.addLayout(end_row)
        layout.addSpacing(8)
        layout.addWidget(arrange_heading)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.done_message)
        layout.addLayout(buttons)
        for first, second in (
            (self.table, self.end_button),
            (self.end_button, self.absent),
            (self.absent, self.covering),
            (self.covering, self.start),
            (self.start, self.end),
            (self.end, self.reason),
            (self.reason, self.arrange_button),
            (self.arrange_button, self.close_button),
        ):
            QWidget.setTabOrder(first, second)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._chosen_changed())
        for name, widget in (("absent", self.absent), ("covering", self.covering)):
            widget.currentIndexChanged.connect(
                lambda _i, field=name: self.fields[field].show_message(None)
            )
        self.start.dateChanged.connect(lambda _d: self.fields["start"].show_message(None))
        self.end.dateChanged.connect(lambda _d: self.fields["end"].show_message(None))
        self.reason.textChanged.connect(lambda _t: self.fields["reason"].show_message(None))
        self.setMinimumSize(640, 520)
        self.resize(720, 600)
        self.load()

    def load(self) -> None:
        try:
            lines = self._workspace.team_cover()
        except HealthVisitorError as exc:
            self.problem.show_message(str(exc))
            lines = ()
        self.model.set_lines(lines)
        self.table.setVisible(bool(lines))
        self.empty.setVisible(not lines)
        _fit(self.table)
        self._chosen_changed()

    def chosen_cover(self) -> CoverLine | None:
        index = self.table.currentIndex()
        line: CoverLine | None = index.data(LINE_ROLE) if index.isValid() else None
        return line

    def _chosen_changed(self) -> None:
        self.end_button.setEnabled(self.chosen_cover() is not None)

    def end_chosen(self) -> None:
        line = self.chosen_cover()
        if line is None:
            return
        try:
            ended = self._workspace.end_cover(line.cover_id, expected_version=line.version)
        except HealthVisitorError as exc:
            self.problem.show_message(str(exc))
            return
        message = (
            f"Cover ended: {ended.absent_name}'s children are back on their own caseload only."
        )
        self.done_message.setText(message)
        self.load()
        self.changed.emit(message)

    def arrange(self) -> None:
        self.problem.show_message(None)
        missing = False
        for name, combo, words in (
            ("absent", self.absent, "Choose who is away."),
            ("covering", self.covering, "Choose who covers."),
        ):
            if combo.value() is None:
                self.fields[name].show_message(words)
                missing = True
        if not self.reason.text().strip():
            self.fields["reason"].show_message("Say why, in a few words (annual leave, ...).")
            missing = True
        if missing:
            return
        try:
            line = self._workspace.arrange_cover(
                self.absent.value(),
                self.covering.value(),
                start=from_qdate(self.start.date()),
                end=from_qdate(self.end.date()),
                reason=self.reason.text(),
            )
        except ValidationError as exc:
            general = []
            for problem in exc.problems:
                if problem.field in self.fields:
                    self.fields[problem.field].show_message(problem.message)
                else:
                    general.append(problem.message)
            self.problem.show_message(" ".join(general) or None)
            return
        except HealthVisitorError as exc:
            self.problem.show_message(str(exc))
            return
        message = f"Cover arranged: {line.words()} (from {short_date(line.start_date)})."
        self.done_message.setText(message)
        self.reason.clear()
        self.fields["reason"].show_message(None)
        self.load()
        self.changed.emit(message)


# --- Recent changes and undo ---------------------------------------------------------------


class RecentChangesDialog(QDialog):
    """The team's latest allocation actions, with Undo."""

    #: An action was undone: the board (and the caseloads) should reload.
    changed = Signal(str)

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._workspace = workspace
        self.setWindowTitle("Recent allocation changes")
        self.setAccessibleName(self.windowTitle())
        intro = QLabel(
            "The team's latest allocations, newest first. An action can be undone while every "
            "child in it is still with the health visitor it gave them."
        )
        intro.setWordWrap(True)
        self.model = RecentChangesModel(self)
        self.table = _table(
            "Recent allocation changes", "Newest first; Ctrl+Z undoes the chosen change"
        )
        self.table.setModel(self.model)
        self.empty = QLabel("No allocation changes yet.")
        self.empty.setObjectName("emptyState")
        self.detail = QLabel()
        self.detail.setWordWrap(True)
        self.detail.setAccessibleName("The chosen change")
        self.problem = FieldMessage()
        self.done_message = QLabel()
        self.done_message.setObjectName("boardNote")
        self.done_message.setWordWrap(True)
        self.undo_button = _button(
            "&Undo the chosen change", "Undo the chosen change", "Put everyone back", "Ctrl+Z"
        )
        self.close_button = _button("Close", "Close", "Close (Esc)")
        self.undo_button.clicked.connect(self.undo_chosen)
        self.close_button.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.undo_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)
        layout.addWidget(self.detail)
        layout.addWidget(self.problem)
        layout.addWidget(self.done_message)
        layout.addLayout(buttons)
        QWidget.setTabOrder(self.table, self.undo_button)
        QWidget.setTabOrder(self.undo_button, self.close_button)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._chosen_changed())
        self.setMinimumSize(720, 400)
        self.resize(900, 480)
        self.load()

    def load(self) -> None:
        try:
            batches = self._workspace.recent_allocation_changes()
        except HealthVisitorError as exc:
            self.problem.show_message(str(exc))
            batches = ()
        self.model.set_lines(batches)
        self.table.setVisible(bool(batches))
        self.empty.setVisible(not batches)
        _fit(self.table)
        if batches:
            self.table.selectRow(0)
        self._chosen_changed()

    def chosen(self) -> AllocationBatch | None:
        index = self.table.currentIndex()
        batch: AllocationBatch | None = index.data(LINE_ROLE) if index.isValid() else None
        return batch

    def choose_row(self, row: int) -> None:
        self.table.selectRow(row)

    def _chosen_changed(self) -> None:
        batch = self.chosen()
        self.undo_button.setEnabled(batch is not None and batch.undoable)
        if batch is None:
            self.detail.setText("")
            return
        names = ", ".join(batch.names)
        status = "It can be undone." if batch.undoable else f"It cannot be undone: {batch.why_not}."
        self.detail.setText(
            f"{batch.kind.label} by {batch.changed_by}: {names}. Reason: {batch.reason}. {status}"
        )

    def confirm(self, question: str) -> bool:
        """Ask before undoing (tests replace this rather than show a message box)."""
        answer = QMessageBox.question(
            self,
            "Undo this change?",
            question,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def undo_chosen(self) -> None:
        batch = self.chosen()
        if batch is None or not batch.undoable:
            return
        if not self.confirm(
            f"Put back {batch.what().split(' to ')[0]} moved by {batch.changed_by} "
            f"on {when_text(batch.changed_at)}?"
        ):
            return
        self.problem.show_message(None)
        try:
            result = self._workspace.undo_allocation(batch.batch_id)
        except HealthVisitorError as exc:
            self.problem.show_message(str(exc))
            self.load()
            return
        self.done_message.setText(result.message)
        self.load()
        self.changed.emit(result.message)


# --- Transfer to another team of the trust ------------------------------------------------


class TransferDialog(QDialog):
    """Transfer chosen children (and their family) to another team of the trust."""

    def __init__(
        self,
        workspace: Workspace,
        rows: Sequence[CaseloadRow],
        teams: Sequence[TeamChoice],
        *,
        chosen: Sequence[uuid.UUID] = (),
        from_name: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._workspace = workspace
        self.outcome: TransferResult | None = None
        self.plan: TransferPlan | None = None
        self.setWindowTitle("Transfer to another team")
        self.setAccessibleName(self.windowTitle())
        where = f"of {from_name} " if from_name else ""
        intro = QLabel(
            f"Choose the children {where}who move to another team of the trust, the team, "
            "the date that team takes over, and why. They lose their health visitor here and "
            "wait on the other team's unallocated list; their records go with them."
        )
        intro.setWordWrap(True)
        self.model = ChildPickModel(self)
        self.model.set_lines(rows)
        self.picker = _table(
            "Children to transfer",
            "Choose one or more children: Shift or Ctrl with the arrows or the mouse",
            multi=True,
        )
        self.picker.setModel(self.model)
        _fit(self.picker)
        self.select_all = _button(
            "Select a&ll", "Select all children", "Choose every child in the list"
        )
        self.select_all.clicked.connect(self.picker.selectAll)
        self.children_message = FieldMessage()
        self.chosen_count = QLabel()
        self.chosen_count.setAccessibleName("Children chosen")

        self.team = ChoiceCombo([(t.name, t.team_id) for t in teams], placeholder="Choose…")
        today = workspace.today()
        self.effective = date_edit()
        self.effective.setMaximumDate(to_qdate(today))
        self.effective.setDate(to_qdate(today))
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("e.g. family moved to Beeston")
        self.move_family = QCheckBox("Move brothers, sisters and the family's &pregnancy too")
        self.move_family.setChecked(True)
        self.move_family.setAccessibleName("Move the family too")
        self.move_family.setToolTip(
            "Every active child of the family in this team, the family record and its "
            "ongoing pregnancy go with the chosen child"
        )
        self.fields = {
            "to_team": FormField("To &team:", self.team, description="The team taking over"),
            "effective_date": FormField(
                "&From:",
                self.effective,
                description="The first day the other team is responsible (today or earlier)",
            ),
            "reason": FormField(
                "&Reason:",
                self.reason,
                description="Why, in a few words: it goes on each child's history",
            ),
        }
        self.preview = QLabel()
        self.preview.setObjectName("allocationPreview")
        self.preview.setWordWrap(True)
        self.preview.setAccessibleName("Who will move")
        self.preview.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.preview.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.problem = FieldMessage()
        self.confirm_button = _button(
            "&Transfer",
            "Transfer",
            "Transfer the chosen children now (Enter in the reason does it too)",
            "Ctrl+Return",
        )
        self.cancel_button = _button("Cancel", "Cancel", "Close without changing anything (Esc)")
        self.confirm_button.clicked.connect(self.confirm)
        self.cancel_button.clicked.connect(self.reject)
        self.reason.returnPressed.connect(self.confirm)

        form = QFormLayout()
        for field in self.fields.values():
            form.addRow(field.label, field.box)
        form.addRow("", self.move_family)
        picker_row = QHBoxLayout()
        picker_row.addWidget(self.chosen_count, 1)
        picker_row.addWidget(self.select_all)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.confirm_button)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.picker, 1)
        layout.addLayout(picker_row)
        layout.addWidget(self.children_message)
        layout.addLayout(form)
        layout.addWidget(self.preview)
        layout.addWidget(self.problem)
        layout.addLayout(buttons)
        for first, second in (
            (self.picker, self.select_all),
            (self.select_all, self.team),
            (self.team, self.effective),
            (self.effective, self.reason),
            (self.reason, self.move_family),
            (self.move_family, self.preview),
            (self.preview, self.confirm_button),
            (self.confirm_button, self.cancel_button),
        ):
            QWidget.setTabOrder(first, second)
        self.setMinimumSize(640, 520)
        self.resize(760, 600)

        selection = self.picker.selectionModel()
        self.choose(*chosen)
        selection.selectionChanged.connect(lambda *_: self.update_preview())
        self.team.currentIndexChanged.connect(lambda _i: self._team_changed())
        self.move_family.toggled.connect(lambda _on: self.update_preview())
        self.effective.dateChanged.connect(
            lambda _d: self.fields["effective_date"].show_message(None)
        )
        self.reason.textChanged.connect(lambda _t: self.fields["reason"].show_message(None))
        self.update_preview()
        self.picker.setFocus(Qt.FocusReason.OtherFocusReason)

    def chosen_rows(self) -> list[CaseloadRow]:
        rows = sorted(index.row() for index in self.picker.selectionModel().selectedRows())
        return [self.model.line_at(row) for row in rows]

    def choose(self, *child_ids: uuid.UUID) -> None:
        """Choose exactly these children (for a test or a caller that knows them)."""
        self.picker.clearSelection()
        wanted = set(child_ids)
        selection = self.picker.selectionModel()
        for row in range(self.model.rowCount()):
            if self.model.line_at(row).child_id in wanted:
                selection.select(
                    self.model.index(row, 0),
                    QItemSelectionModel.SelectionFlag.Select
                    | QItemSelectionModel.SelectionFlag.Rows,
                )

    def _team_changed(self) -> None:
        self.fields["to_team"].show_message(None)
        self.update_preview()

    def update_preview(self) -> None:
        """Ask the service who would move now, family included, and say it."""
        rows = self.chosen_rows()
        count = len(rows)
        self.chosen_count.setText(
            f"{count} of {self.model.rowCount()} chosen" if count else "No child chosen yet"
        )
        if count:
            self.children_message.show_message(None)
        team = self.team.value()
        self.plan = None
        if not rows or team is None:
            self.preview.setText("Choose the children and the team to see who will move.")
            return
        try:
            self.plan = self._workspace.plan_team_transfer(
                [row.child_id for row in rows], team, move_family=self.move_family.isChecked()
            )
        except HealthVisitorError as exc:
            self.preview.setText(str(exc))
            return
        self.preview.setText(
            "\n".join([f"Will transfer {self.plan.summary()}:", *self.plan.lines()])
        )

    def confirm(self) -> None:
        """Transfer; on a refusal say why beside the field and keep everything typed."""
        rows = self.chosen_rows()
        self.problem.show_message(None)
        missing = False
        if not rows:
            self.children_message.show_message("Choose at least one child.")
            missing = True
        if self.team.value() is None:
            self.fields["to_team"].show_message("Choose the team the children move to.")
            missing = True
        if not self.reason.text().strip():
            self.fields["reason"].show_message("Say why, in a few words (it goes on the record).")
            missing = True
        if missing:
            return
        try:
            self.outcome = self._workspace.transfer_to_team(
                [row.child_id for row in rows],
                self.team.value(),
                reason=self.reason.text(),
                effective_date=from_qdate(self.effective.date()),
                move_family=self.move_family.isChecked(),
                expected={row.child_id: row.health_visitor_id for row in rows},
            )
        except ValidationError as exc:
            general = []
            for problem in exc.problems:
                if problem.field in self.fields:
                    self.fields[problem.field].show_message(problem.message)
                elif problem.field == "children":
                    self.children_message.show_message(problem.message)
                else:
                    general.append(problem.message)
            self.problem.show_message(" ".join(general) or None)
            return
        except HealthVisitorError as exc:
            self.problem.show_message(str(exc))
            return
        self.accept()
