"""The safeguarding discussions asked of the team lead, on the team board (issue 5).

A health visitor who accepts a "was not brought" prompt asks for a
safeguarding discussion with the team lead. Each request is listed here
(the child, what was found, who asked, when) until the lead records that the
discussion was held: the date and what was agreed. That closes it, once, and
is audited; the list then no longer shows it.

On the laptop's offline copy (issue 12) a discussion asked for before the
laptop went offline is the shared database's to close: "Record discussion"
is off for it, its tooltip and a note beside it saying why
(``ui/offline_actions.py``). One asked for on this laptop, not sent yet, may
be recorded.
"""

from __future__ import annotations

import uuid

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from healthvisitor.errors import HealthVisitorError
from healthvisitor.services.referrals import DiscussionLine
from healthvisitor.services.workspace import Workspace
from healthvisitor.sync.offline_changes import added_here
from healthvisitor.ui.contact_form_sections import date_edit, from_qdate, to_qdate
from healthvisitor.ui.form_fields import FormField
from healthvisitor.ui.line_table_model import LINE_ROLE, LineColumn, LineTableModel
from healthvisitor.ui.offline_actions import (
    disable_offline,
    offline_note,
    say_offline,
    works_offline,
)
from healthvisitor.ui.referral_dialogs import _FormDialog, open_dialog, text_box
from healthvisitor.ui.worker import warn_not_shown

#: Rows shown before the list scrolls: the board above keeps its room.
VISIBLE_ROWS = 4


def _found(line: DiscussionLine) -> str:
    return f"{line.finding} ({line.found_at})" if line.found_at else line.finding


class DiscussionsModel(LineTableModel):
    """Discussions asked for, the oldest request first."""

    columns = (
        LineColumn("Child", lambda line: line.about),
        LineColumn("NHS number", lambda line: line.nhs_number),
        LineColumn("What was found", _found),
        LineColumn("Asked by", lambda line: line.asked_by),
        LineColumn(
            "Asked on",
            lambda line: f"{line.asked_on:%d %b %Y}",
            spoken=lambda line: f"Asked on {line.asked_on:%d %B %Y}",
        ),
    )


class RecordDiscussionDialog(_FormDialog):
    """The lead records the discussion held: when, and what was agreed."""

    save_text = "&Record discussion"

    def __init__(
        self, workspace: Workspace, line: DiscussionLine, parent: QWidget | None = None
    ) -> None:
        super().__init__(workspace, f"Safeguarding discussion: {line.about}", parent)
        self.line = line
        today = workspace.today()
        heading = QLabel(
            f"{line.about}: {_found(line)}. Asked for by {line.asked_by} on "
            f"{line.asked_on:%d %b %Y}."
        )
        heading.setWordWrap(True)
        self.form.addRow(heading)
        self.discussed_on = date_edit()
        self.discussed_on.setMinimumDate(to_qdate(line.asked_on))
        self.discussed_on.setMaximumDate(to_qdate(today))
        self.discussed_on.setDate(to_qdate(today))
        self.outcome = text_box(
            "What was agreed: e.g. refer to children's social care, or review at the next visit"
        )
        self.add("discussed_on", FormField("Discussed &on", self.discussed_on))
        self.add("outcome", FormField("&Outcome", self.outcome))
        self.chain_tab_order()

    def submit(self) -> None:
        self.workspace.record_safeguarding_discussion(
            self.line.prompt_id,
            discussed_on=from_qdate(self.discussed_on.date()),
            outcome=self.outcome.toPlainText(),
        )


class SafeguardingDiscussions(QWidget):
    """The lead's list of discussions to hold; Enter or "Record discussion…" closes one."""

    #: A discussion was recorded: what was done, in words.
    changed = Signal(str)

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        #: On the offline copy (issue 12): only a request made here (its prompt's id) is closed.
        self.offline = works_offline(workspace)
        self.asked_here: frozenset[uuid.UUID] = frozenset()
        self.offline_note = offline_note("Why the discussion cannot be recorded")
        self.dialog: RecordDiscussionDialog | None = None
        self._shown_once = False
        self.model = DiscussionsModel(self)
        self.heading = QLabel()
        self.heading.setObjectName("boardHeading")
        self.table = QTableView()
        self.table.setObjectName("safeguardingDiscussions")
        self.table.setAccessibleName("Safeguarding discussions asked for")
        self.table.setAccessibleDescription(
            "Children a health visitor asked to discuss with you; Enter records the discussion"
        )
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.heading.setBuddy(self.table)
        self.record_button = QPushButton("Record &discussion…")
        self.record_button.setAccessibleName("Record the chosen safeguarding discussion")
        self.record_button.setToolTip("Record when the discussion was held and what was agreed")
        self.record_button.setAutoDefault(False)
        self.record_button.clicked.connect(lambda: self.record_chosen())
        self.table.activated.connect(lambda _index: self.record_chosen())
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._enable())
        bar = QHBoxLayout()
        bar.addWidget(self.heading, 1)
        bar.addWidget(self.record_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.offline_note)
        layout.addWidget(self.table)
        self.reload()

    def showEvent(self, event: QShowEvent) -> None:
        """Read the list again whenever the board is shown: a colleague may have asked."""
        super().showEvent(event)
        if self._shown_once:
            self.reload()
        self._shown_once = True

    def reload(self) -> None:
        try:
            lines = self.workspace.safeguarding_discussions()
        except HealthVisitorError as error:
            warn_not_shown(self, "Safeguarding discussions not shown", error)
            return
        if self.offline:
            self.asked_here = added_here(
                self.workspace.engine, "referral_prompts", (line.prompt_id for line in lines)
            )
        self.model.set_lines(lines)
        count = len(lines)
        self.heading.setText(
            f"&Safeguarding discussions asked for: {count}"
            if count
            else "Safeguarding discussions asked for: none waiting"
        )
        self.table.setVisible(bool(lines))
        self.record_button.setVisible(bool(lines))
        if lines:
            self.table.resizeColumnsToContents()
            rows = min(count, VISIBLE_ROWS)
            height = self.table.horizontalHeader().height() + 4
            height += sum(self.table.rowHeight(row) for row in range(rows))
            self.table.setFixedHeight(height)
            self.table.selectRow(0)
        self._enable()

    def chosen(self) -> DiscussionLine | None:
        index = self.table.currentIndex()
        if not index.isValid() or not self.table.selectionModel().hasSelection():
            return None
        line = index.data(LINE_ROLE)
        return line if isinstance(line, DiscussionLine) else None

    def may_record(self, line: DiscussionLine) -> bool:
        """Online, any; on the offline copy, one asked for here and not sent yet (issue 12)."""
        return not self.offline or line.prompt_id in self.asked_here

    def _enable(self) -> None:
        line = self.chosen()
        self.record_button.setEnabled(line is not None)
        self.record_button.setToolTip("Record when the discussion was held and what was agreed")
        on_server = line is not None and not self.may_record(line)
        if on_server:
            disable_offline(self.record_button, "discussion")
        say_offline(self.offline_note, "discussion" if on_server else None)

    def record_chosen(self) -> RecordDiscussionDialog | None:
        line = self.chosen()
        if line is None or not self.may_record(line):  # issue 12: the shared database's
            return None
        dialog = RecordDiscussionDialog(self.workspace, line, self)
        self.dialog = dialog
        dialog.accepted.connect(lambda: self._recorded(line))
        open_dialog(dialog)
        return dialog

    def _recorded(self, line: DiscussionLine) -> None:
        self.reload()
        self.changed.emit(f"Safeguarding discussion about {line.about} recorded.")
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
