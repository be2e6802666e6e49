"""A child's referrals, and the family's carers', for the child's record (issue 5).

A table (open referrals first), the chosen referral's reason and dated
history under it, and the actions: new referral, next step, follow-up date,
close with an outcome, and print the letter (saved as a PDF). Status is
always in words; a follow-up that is due says "due" and is not colour only.

Above the table, the referral prompts still to decide about the child or a
carer of the family (issue 5): a prompt closed unanswered after saving a
contact, or lost to a crash, waits here until it is drafted or declined.

The same panel serves a pregnancy (``pregnancy_id``), before there is a
child's record: the prompts and referrals about the expectant mother, so a
stop-smoking referral prompted at the antenatal review is drafted, finished
and sent in pregnancy (NICE NG209), not after the birth.

On a record the user may read but not change (a colleague's caseload, issue
8) every button that changes something is off, with the record's
``read_only_reason`` as its tooltip and as a note above the table; printing a
letter stays (it only reads). The services refuse such a change anyway; the
panel does not invite it.

On the laptop's offline copy (issue 12) a new referral can be drafted and
sent, and a prompt a visit recorded offline raised can be decided: they go to
the shared database as they stand. A referral or prompt already on the shared
database cannot be changed there (its steps are the server's): its buttons
are off, their tooltip and a note above the table saying why
(``ui/offline_actions.py``). Printing a letter stays.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from healthvisitor.domain.enums import ReferralStatus
from healthvisitor.drafts import REFERRAL_FORM
from healthvisitor.errors import HealthVisitorError
from healthvisitor.services.pregnancies import PregnancyRow
from healthvisitor.services.referrals import FollowUpLine, ReferralLine, ReferralPromptLine
from healthvisitor.services.workspace import Workspace
from healthvisitor.sync.offline_changes import added_here
from healthvisitor.ui.form_drafts import keep_draft
from healthvisitor.ui.line_table_model import LINE_ROLE, LineColumn, LineTableModel
from healthvisitor.ui.offline_actions import (
    offline_note,
    offline_reason,
    say_offline,
    works_offline,
)
from healthvisitor.ui.referral_dialogs import (
    EditDraftDialog,
    FollowUpDialog,
    NewReferralDialog,
    StepDialog,
    open_dialog,
)
from healthvisitor.ui.referral_prompts import PromptBox, close_row
from healthvisitor.ui.worker import warn_not_shown

DUE_COLOUR = "#8A1538"  # NHS dark red: with the word "due", never alone


def _date(day: object) -> str:
    return f"{day:%d %b %Y}" if day is not None else ""


def _follow_up(line: ReferralLine) -> str:
    if line.follow_up_on is None or not line.is_open:  # nothing to follow up once finished
        return ""
    return f"{line.follow_up_on:%d %b %Y}" + (" (due)" if line.follow_up_due else "")


def _status(line: ReferralLine) -> str:
    words = line.status.label
    if line.outcome_code is not None:
        words += f": {line.outcome_code.label.lower()}"
    return words


class ReferralsModel(LineTableModel):
    columns = (
        LineColumn("Referral to", lambda line: line.type_name),
        LineColumn("About", lambda line: line.about),
        LineColumn("Status", _status, tooltip=lambda line: line.outcome or line.status.label),
        LineColumn("Since", lambda line: _date(line.last_step_on)),
        LineColumn(
            "Follow-up",
            _follow_up,
            spoken=lambda line: (
                f"Follow-up due {line.follow_up_on:%d %B %Y}"
                if line.follow_up_due
                else _follow_up(line) or "No follow-up"
            ),
            colour=lambda line: DUE_COLOUR if line.follow_up_due else None,
        ),
        LineColumn("Consent", lambda line: line.consent.label),
        LineColumn("Made", lambda line: f"{_date(line.made_on)} by {line.made_by}"),
    )


def history_text(line: ReferralLine) -> str:
    """The reason and each dated step, for the panel and for a screen reader."""
    steps = [
        f"{step.on:%d %b %Y}: {step.status.label}"
        + (f" ({step.recorded_by})" if step.recorded_by else "")
        + (f". {step.note}" if step.note else "")
        for step in line.steps
    ]
    parts = [f"Reason: {line.reason}"]
    if line.tried_so_far:
        parts.append(f"Tried: {line.tried_so_far}")
    if line.consent_note:
        parts.append(f"Consent: {line.consent.label}. {line.consent_note}")
    parts.append("History: " + ("; ".join(steps) if steps else "none recorded"))
    return "\n".join(parts)


def record_read_only_reason(widget: QWidget) -> str:
    """Why the record in ``widget``'s window is read only ("" if it is not).

    The child's record window keeps the record it shows as ``record``
    (``ChildRecord.read_only_reason``, issue 8); any other window has none.
    """
    reason = getattr(getattr(widget.window(), "record", None), "read_only_reason", "")
    return reason if isinstance(reason, str) else ""


class ReferralsPanel(QWidget):
    """The referrals tab of a child's record."""

    changed = Signal()

    def __init__(
        self,
        workspace: Workspace,
        child_id: uuid.UUID | None,
        parent: QWidget | None = None,
        *,
        pregnancy_id: uuid.UUID | None = None,
    ) -> None:
        super().__init__(parent)
        if (child_id is None) == (pregnancy_id is None):
            raise ValueError("A referrals panel is for one child or one pregnancy.")
        self.workspace = workspace
        self.child_id = child_id
        #: A pregnancy's panel: the expectant mother's prompts and referrals.
        self.pregnancy_id = pregnancy_id
        self.dialog: QWidget | None = None
        self.model = ReferralsModel(self)
        self.table = QTableView()
        self.table.setObjectName("referralsTable")
        self.table.setAccessibleName(
            "Referrals for the mother" if pregnancy_id else "Referrals for the child and family"
        )
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.detail = QLabel()
        self.detail.setObjectName("referralDetail")
        self.detail.setWordWrap(True)
        self.detail.setAccessibleName("Chosen referral")
        self.empty = QLabel(
            "No referrals for the mother yet."
            if pregnancy_id
            else "No referrals for this child or family yet."
        )
        self.empty.setObjectName("emptyState")
        #: Why nothing here can be changed (issue 8), "" when it can; said in ``read_only_note``.
        self.read_only_reason = ""
        self.read_only_note = QLabel()
        self.read_only_note.setObjectName("secondaryText")
        self.read_only_note.setWordWrap(True)
        self.read_only_note.setAccessibleName("Why the referrals cannot be changed")
        self.read_only_note.hide()
        #: On the offline copy (issue 12): only what was added on this laptop and not sent
        #: yet may be changed (the referrals' and prompts' ids); said in ``offline_note``.
        self.offline = works_offline(workspace)
        self.referrals_here: frozenset[uuid.UUID] = frozenset()
        self.prompts_here: frozenset[uuid.UUID] = frozenset()
        self.offline_note = offline_note("Why some referrals cannot be changed")
        #: Prompts still to decide (issue 5), one box each; decided ones keep their tick
        #: until the panel is read again.
        self.prompt_boxes: list[PromptBox] = []
        self.to_decide = QGroupBox()
        self.to_decide.setObjectName("promptsToDecide")
        self.to_decide.setAccessibleName("Referral prompts to decide")
        self._to_decide_column = QVBoxLayout(self.to_decide)
        self._to_decide_scroll = QScrollArea()
        self._to_decide_scroll.setWidgetResizable(True)
        self._to_decide_scroll.setWidget(self.to_decide)
        self._to_decide_scroll.setMaximumHeight(300)
        self._to_decide_scroll.hide()

        self.new_button = QPushButton("&New referral…")
        self.step_button = QPushButton("Ne&xt step…")
        self.edit_button = QPushButton("E&dit draft…")
        self.follow_up_button = QPushButton("Follo&w-up date…")
        self.close_button = QPushButton("C&lose with outcome…")
        self.letter_button = QPushButton("&Print letter…")
        self.include_address = QCheckBox("Include the &address on the letter")
        for button, words in (
            (self.new_button, "New referral"),
            (self.step_button, "Record the next step of the chosen referral"),
            (self.edit_button, "Edit the wording of the chosen draft referral"),
            (self.follow_up_button, "Set the follow-up date of the chosen referral"),
            (self.close_button, "Close the chosen referral with an outcome"),
            (self.letter_button, "Save the chosen referral's letter as a PDF"),
        ):
            button.setAccessibleName(words)
            button.setToolTip(words)
            button.setAutoDefault(False)
        self.include_address.setAccessibleName("Include the family's address on the letter")
        self.include_address.setToolTip(
            "Only if the service needs it: a letter carries the minimum necessary data"
        )
        self.new_button.clicked.connect(self.new_referral)
        self.step_button.clicked.connect(lambda: self.next_step())
        self.edit_button.clicked.connect(lambda: self.edit_draft())
        self.follow_up_button.clicked.connect(self.set_follow_up)
        self.close_button.clicked.connect(lambda: self.next_step(ReferralStatus.CLOSED))
        self.letter_button.clicked.connect(lambda: self.print_letter())
        self.table.selectionModel().selectionChanged.connect(
            lambda _selected, _deselected: self._selection_changed()
        )
        self.table.doubleClicked.connect(lambda _index: self.next_step())

        actions = QHBoxLayout()
        for button in (
            self.new_button,
            self.step_button,
            self.edit_button,
            self.follow_up_button,
            self.close_button,
            self.letter_button,
        ):
            actions.addWidget(button)
        actions.addWidget(self.include_address)
        actions.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.read_only_note)
        layout.addWidget(self.offline_note)
        layout.addWidget(self._to_decide_scroll)
        layout.addLayout(actions)
        layout.addWidget(self.empty)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.detail)
        self.reload()

    # --- Showing ----------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        # The record window's record says whether it may be changed (issue 8).
        super().showEvent(event)
        self.set_read_only(record_read_only_reason(self))

    def set_read_only(self, reason: str) -> None:
        """Switch every change off, saying ``reason`` ("" switches them back on)."""
        self.read_only_reason = reason
        self.read_only_note.setText(f"Read only. {reason}" if reason else "")
        self.read_only_note.setVisible(bool(reason))
        self.new_button.setToolTip(reason or "New referral")
        self._prompts_read_only()
        self._selection_changed()

    def _prompts_read_only(self) -> None:
        for box in self.prompt_boxes:
            on_server = not self.read_only_reason and not self.may_change_prompt(box.prompt)
            for control in box.inputs():
                control.setEnabled(
                    not self.read_only_reason and not on_server and not box.is_decided
                )
                if self.read_only_reason:
                    control.setToolTip(self.read_only_reason)
                elif on_server:
                    control.setToolTip(offline_reason("prompt_on_server"))
        self._say_offline()

    # --- Working offline (issue 12) ---------------------------------------------------------

    def may_change_referral(self, line: ReferralLine) -> bool:
        """Online, any referral; on the offline copy, one made here and not sent yet."""
        return not self.offline or line.id in self.referrals_here

    def may_change_prompt(self, prompt: ReferralPromptLine) -> bool:
        """Online, any prompt; on the offline copy, one raised here and not sent yet."""
        return not self.offline or prompt.id in self.prompts_here

    def _say_offline(self) -> None:
        """The note above the table, while something listed is the shared database's."""
        on_server = not self.read_only_reason and (
            any(
                line.is_open and not self.may_change_referral(line)
                for line in map(self.model.line_at, range(self.model.rowCount()))
            )
            or any(
                not self.may_change_prompt(box.prompt) and not box.is_decided
                for box in self.prompt_boxes
            )
        )
        say_offline(self.offline_note, "referral_on_server" if on_server else None)

    def _child(self) -> uuid.UUID:
        assert self.child_id is not None  # a child's panel (the constructor checked)
        return self.child_id

    def reload(self) -> None:
        self.reload_prompts()
        self.reload_referrals()

    def reload_prompts(self) -> None:
        """The prompts still to decide, the oldest first."""
        try:
            waiting = (
                self.workspace.pregnancy_referral_prompts(self.pregnancy_id)
                if self.pregnancy_id
                else self.workspace.pending_referral_prompts(self._child())
            )
        except HealthVisitorError as error:
            warn_not_shown(self, "Referral prompts not shown", error)
            return
        for box in self.prompt_boxes:
            box.setParent(None)
            box.deleteLater()
        if self.offline:
            self.prompts_here = added_here(
                self.workspace.engine, "referral_prompts", (prompt.id for prompt in waiting)
            )
        self.prompt_boxes = [self._prompt_box(prompt) for prompt in waiting]
        for box in self.prompt_boxes:
            self._to_decide_column.addWidget(box)
        if self.read_only_reason or self.offline:
            self._prompts_read_only()
        count = len(waiting)
        self.to_decide.setTitle(
            f"{count} referral prompt{'' if count == 1 else 's'} to decide: draft the "
            "referral, or say why not now"
        )
        self._to_decide_scroll.setVisible(bool(waiting))

    def _prompt_box(self, prompt: ReferralPromptLine) -> PromptBox:
        box = PromptBox(self.workspace, prompt, finish_where="the referrals below")
        if prompt.raised_on is not None:
            box.setTitle(f"{box.title()} (since {prompt.raised_on:%d %b %Y})")
        box.decided.connect(self._prompt_decided)
        return box

    def _prompt_decided(self, referral_id: object) -> None:
        self.reload_referrals()
        if isinstance(referral_id, uuid.UUID):
            self.choose(referral_id)
        waiting = sum(1 for box in self.prompt_boxes if not box.is_decided)
        self.to_decide.setTitle(
            f"{waiting} referral prompt{'' if waiting == 1 else 's'} to decide"
            if waiting
            else "Every referral prompt is decided"
        )
        self.changed.emit()

    def reload_referrals(self) -> None:
        chosen = self.chosen()
        try:
            lines = (
                self.workspace.pregnancy_referrals(self.pregnancy_id)
                if self.pregnancy_id
                else self.workspace.child_referrals(self._child())
            )
        except HealthVisitorError as error:
            warn_not_shown(self, "Referrals not shown", error)
            return
        if self.offline:
            self.referrals_here = added_here(
                self.workspace.engine, "referrals", (line.id for line in lines)
            )
        self.model.set_lines(lines)
        self.empty.setVisible(not lines)
        self.table.setVisible(bool(lines))
        if chosen is not None:
            self.choose(chosen.id)
        self._selection_changed()
        self._say_offline()

    def choose(self, referral_id: uuid.UUID) -> None:
        for row in range(self.model.rowCount()):
            if self.model.line_at(row).id == referral_id:
                self.table.selectRow(row)
                return

    def chosen(self) -> ReferralLine | None:
        index = self.table.currentIndex()
        if not index.isValid() or not self.table.selectionModel().hasSelection():
            return None
        line = index.data(LINE_ROLE)
        return line if isinstance(line, ReferralLine) else None

    def _selection_changed(self) -> None:
        line = self.chosen()
        self.detail.setText(history_text(line) if line else "")
        self.detail.setVisible(line is not None)
        may_change = not self.read_only_reason
        # Offline (issue 12): a new referral may be made, and one made here moved on.
        on_server = may_change and line is not None and not self.may_change_referral(line)
        is_open = line is not None and line.is_open and may_change and not on_server
        self.new_button.setEnabled(may_change)
        self.step_button.setEnabled(is_open)
        self.edit_button.setEnabled(
            may_change
            and not on_server
            and line is not None
            and line.status is ReferralStatus.DRAFT
        )
        self.follow_up_button.setEnabled(is_open)
        self.close_button.setEnabled(is_open)
        self.letter_button.setEnabled(line is not None)  # reading: allowed on any record
        why_not = self.read_only_reason or (
            offline_reason("referral_on_server") if on_server else ""
        )
        for button, words in (
            (self.step_button, "Record the next step of the chosen referral"),
            (self.edit_button, "Edit the wording of the chosen draft referral"),
            (self.follow_up_button, "Set the follow-up date of the chosen referral"),
            (self.close_button, "Close the chosen referral with an outcome"),
        ):
            button.setToolTip(why_not or words)

    # --- Actions ----------------------------------------------------------------------------

    def _open(
        self, dialog: NewReferralDialog | StepDialog | FollowUpDialog | EditDraftDialog
    ) -> None:
        self.dialog = dialog
        dialog.accepted.connect(self._saved)
        open_dialog(dialog)

    def _saved(self) -> None:
        new_id = getattr(self.dialog, "referral_id", None)
        self.reload()
        if isinstance(new_id, uuid.UUID):
            self.choose(new_id)
        self.changed.emit()

    def new_referral(self) -> NewReferralDialog | None:
        if self.read_only_reason:  # issue 8: the button is off; a shortcut must not open it
            return None
        try:
            subjects = (
                self.workspace.pregnancy_referral_subjects(self.pregnancy_id)
                if self.pregnancy_id
                else self.workspace.referral_subjects(self._child())
            )
            types = self.workspace.referral_types()
        except HealthVisitorError as error:
            QMessageBox.warning(self, "New referral", str(error))
            return None
        dialog = NewReferralDialog(self.workspace, subjects, types, self)
        self._open(dialog)
        # Issue 9: what is typed is kept on this computer until the referral is saved,
        # with the key that makes a retried save (or one after a crash) apply once.
        dialog.drafts = keep_draft(
            dialog,
            dialog.fields,
            dialog.draft_state,
            dialog.restore_draft,
            self.workspace.draft_store(),
            self.workspace.draft_key(self.pregnancy_id or self._child(), REFERRAL_FORM),
            describe=lambda: ("referral", dialog.subject.currentText()),
        )
        return dialog

    def next_step(self, step: ReferralStatus | None = None) -> StepDialog | None:
        line = self.chosen()
        if line is None or not line.is_open or self.read_only_reason:  # a double click too
            return None
        if not self.may_change_referral(line):  # issue 12: the shared database's
            return None
        dialog = StepDialog(self.workspace, line, self, step=step)
        self._open(dialog)
        return dialog

    def edit_draft(self) -> EditDraftDialog | None:
        """Put a draft's words right before it is sent (a prompt fills in the reason).

        Issue 9: the dialog saves against the words and version it showed. A
        colleague's change to the same words opens the choice field by field over
        it; a draft sent meanwhile is refused in the dialog, which stays open with
        what was typed, and this list is read again to show it sent.
        """
        line = self.chosen()
        if line is None or line.status is not ReferralStatus.DRAFT or self.read_only_reason:
            return None
        if not self.may_change_referral(line):  # issue 12: the shared database's
            return None
        dialog = EditDraftDialog(self.workspace, line, self)
        dialog.no_longer_draft.connect(self.reload_referrals)
        self._open(dialog)
        return dialog

    def set_follow_up(self) -> FollowUpDialog | None:
        line = self.chosen()
        if line is None or not line.is_open or self.read_only_reason:
            return None
        if not self.may_change_referral(line):  # issue 12: the shared database's
            return None
        dialog = FollowUpDialog(self.workspace, line, self)
        self._open(dialog)
        return dialog

    def print_letter(self, path: Path | None = None) -> Path | None:
        """Save the chosen referral's letter as a PDF (asks where unless ``path`` is given)."""
        line = self.chosen()
        if line is None:
            return None
        if path is None:
            folder = QStandardPaths.writableLocation(
                QStandardPaths.StandardLocation.DocumentsLocation
            )
            suggested = Path(folder) / f"Referral {line.type_name} {line.made_on:%Y-%m-%d}.pdf"
            chosen, _filter = QFileDialog.getSaveFileName(
                self, "Save the referral letter", str(suggested), "PDF (*.pdf)"
            )
            if not chosen:
                return None
            path = Path(chosen)
        try:
            # reportlab is loaded when a letter is saved, not at every start (issue 10).
            from healthvisitor.reports.referral_letter import referral_letter_pdf

            letter = self.workspace.referral_letter(line.id)
            referral_letter_pdf(letter, path, include_address=self.include_address.isChecked())
        except (HealthVisitorError, OSError) as error:
            QMessageBox.warning(self, "Letter not saved", str(error))
            return None
        return path


# --- An expectant mother's referrals, from her pregnancy -------------------------------------


class PregnancyReferralsDialog(QDialog):
    """The prompts and referrals about a pregnancy's mother, before the baby is born.

    Opened from the caseload's "Pregnancies" tab (issue 5): a prompt raised at the
    antenatal review is decided here, and the referral it drafts is finished and
    sent here, with the same panel as a child's record.
    """

    changed = Signal()

    def __init__(
        self, workspace: Workspace, pregnancy: PregnancyRow, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.pregnancy = pregnancy
        title = (
            f"Referrals for {pregnancy.mother_name} "
            f"(expecting, due {pregnancy.estimated_delivery_date:%d %b %Y})"
        )
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        intro = QLabel(
            "The baby is not born yet: these are about the mother herself. After the "
            "birth, what is still to decide shows on the baby's record too."
        )
        intro.setObjectName("secondaryText")
        intro.setWordWrap(True)
        self.panel = ReferralsPanel(workspace, None, self, pregnancy_id=pregnancy.pregnancy_id)
        self.panel.changed.connect(self.changed)
        self.close_button, row = close_row(self, "Close the mother's referrals")
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.panel, 1)
        layout.addLayout(row)
        self.setMinimumSize(760, 420)
        self.resize(1040, 620)


# --- The caseload's referral follow-ups ------------------------------------------------------


def _overdue(line: FollowUpLine) -> str:
    if line.days_overdue == 0:
        return "Due today"
    return f"{line.days_overdue} day{'s' if line.days_overdue != 1 else ''} overdue"


class FollowUpsModel(LineTableModel):
    """Open referrals on a caseload whose follow-up is due: most overdue first."""

    columns = (
        LineColumn("About", lambda line: line.about),
        LineColumn("Referral to", lambda line: line.type_name),
        LineColumn("Status", lambda line: line.status.label),
        LineColumn("Follow-up", lambda line: f"{line.follow_up_on:%d %b %Y}"),
        LineColumn("Due", _overdue, colour=lambda line: DUE_COLOUR if line.days_overdue else None),
    )


class FollowUpsList(QWidget):
    """The caseload's referral follow-ups; Enter or a double click opens the child's record."""

    open_child = Signal(object)  # the child's id

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.model = FollowUpsModel(self)
        self.table = QTableView()
        self.table.setObjectName("referralFollowUps")
        self.table.setAccessibleName("Referral follow-ups due")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.activated.connect(lambda index: self._open(index.row()))
        self.empty = QLabel("No referral follow-ups are due.")
        self.empty.setObjectName("emptyState")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.empty)
        layout.addWidget(self.table, 1)

    def reload(self, health_visitor_id: uuid.UUID | None = None) -> None:
        try:
            lines = self.workspace.referral_follow_ups_due(health_visitor_id)
        except HealthVisitorError as error:
            warn_not_shown(self, "Referral follow-ups not shown", error)
            return
        self.model.set_lines(lines)
        self.empty.setVisible(not lines)
        self.table.setVisible(bool(lines))

    def _open(self, row: int) -> None:
        """Open the child's record; an expectant mother's line has no record to open yet."""
        if 0 <= row < self.model.rowCount():
            child_id = self.model.line_at(row).child_id
            if child_id is not None:
                self.open_child.emit(child_id)
