"""Two people changed the same fields: the user chooses, field by field (issue 9).

Opened over an edit form when its save met ``EditConflictError``. One row a
field: what the user first saw, what the colleague saved (who, when), what
the user typed, and a choice: keep the colleague's value or use mine. Nothing
is preselected: a clinical record never takes a side by default. "Save my
choices" saves them against the colleague's version (a child's, family's or
carer's details; given ``resolve``, another record's, e.g. a referral draft's
words); "Back to my changes" closes this and leaves the edit form exactly as
typed. The user's typed values are shown throughout and are never thrown away
here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from healthvisitor.errors import (
    EditConflictError,
    HealthVisitorError,
    PossibleDuplicateError,
    ValidationError,
)
from healthvisitor.services.record_edits import Choice
from healthvisitor.ui.form_fields import FieldMessage

if TYPE_CHECKING:
    from healthvisitor.errors import ConflictingField
    from healthvisitor.services.workspace import Workspace

#: Saves the choices: (the conflict, the choice per field, whether a possible duplicate
#: child is confirmed) -> what was saved.
Resolve = Callable[[EditConflictError, dict[str, Choice], bool], object]

#: The table's columns, in order (the last holds the choice).
HEADINGS = ("Field", "You first saw", "Your colleague saved", "You typed", "Keep")


def saved_by_words(field: ConflictingField) -> str:
    """ "Sam Lee, 14:02 on 24 Nov 2026" (local time), or "" when the audit does not say."""
    when = field.saved_at
    parts = [field.saved_by] if field.saved_by else []
    if isinstance(when, dt.datetime):
        local = when.astimezone()
        parts.append(f"{local:%H:%M} on {local:%d %b %Y}")
    return ", ".join(parts)


class ConflictRow:
    """One disputed field: its words and its two choices."""

    def __init__(self, field: ConflictingField, parent: QWidget) -> None:
        self.field = field
        self.theirs = QRadioButton("Keep theirs", parent)
        self.mine = QRadioButton("Use mine", parent)
        who = field.saved_by or "your colleague"
        self.theirs.setAccessibleName(f"{field.label}: keep {who}'s value, {field.theirs}")
        self.mine.setAccessibleName(f"{field.label}: use what you typed, {field.mine}")
        self.group = QButtonGroup(parent)
        self.group.setExclusive(True)
        self.group.addButton(self.theirs)
        self.group.addButton(self.mine)

    def choice(self) -> Choice | None:
        if self.theirs.isChecked():
            return Choice.THEIRS
        if self.mine.isChecked():
            return Choice.MINE
        return None


class EditConflictDialog(QDialog):
    """The choice per field; ``saved`` carries the ``EditSaved`` when the choices are saved.

    ``refused`` carries a ``ValidationError`` the edit form should show beside
    its fields (this dialog closes, the form keeps what was typed).
    """

    saved = Signal(object)
    refused = Signal(object)

    def __init__(
        self,
        workspace: Workspace,
        conflict: EditConflictError,
        what: str,
        parent: QWidget | None = None,
        *,
        resolve: Resolve | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("editConflictDialog")
        self.setWindowTitle(f"Someone else changed this {what} — HealthVisitor")
        self.workspace = workspace
        #: How the choices are saved: a child's, family's or carer's details by default;
        #: a referral draft's words with ``Workspace.resolve_referral_draft_conflict``.
        self.resolve: Resolve = resolve or (
            lambda conflict, choices, confirm: workspace.resolve_edit_conflict(
                conflict, choices, confirm_possible_duplicate=confirm
            )
        )
        self.what = what
        self.conflict = conflict
        self.rows: list[ConflictRow] = []
        self.result_value: object = None
        self.heading = QLabel()
        self.heading.setObjectName("formHeading")
        self.heading.setWordWrap(True)
        self.message = FieldMessage()
        self.message.setObjectName("formProblems")
        self.message.setAccessibleName("Problems")
        self.kept = QLabel()
        self.kept.setObjectName("formNote")
        self.kept.setWordWrap(True)
        self.table = QFrame()
        self.table.setObjectName("conflictTable")
        self.table.setAccessibleName("Fields changed by you and your colleague")
        self.grid = QGridLayout(self.table)
        self.grid.setHorizontalSpacing(16)
        self.grid.setVerticalSpacing(8)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(self.table)
        self.save_button = QPushButton("&Save my choices")
        self.save_button.setShortcut(QKeySequence.StandardKey.Save)
        self.save_button.setToolTip("Save the value chosen for each field (Ctrl+S)")
        self.back_button = QPushButton("&Back to my changes")
        self.back_button.setToolTip(
            "Close this and go back to the form; everything you typed is still there (Esc)"
        )
        for button in (self.save_button, self.back_button):
            button.setAutoDefault(False)
            button.setDefault(False)
        self.save_button.clicked.connect(self.save)
        self.back_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.back_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.setSpacing(10)
        layout.addWidget(self.heading)
        layout.addWidget(self.message)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.kept)
        layout.addLayout(buttons)
        self.show_conflict(conflict)
        self.setMinimumWidth(760)
        self.resize(880, min(640, 260 + 60 * len(self.rows)))

    # --- Showing -----------------------------------------------------------------

    def show_conflict(self, conflict: EditConflictError) -> None:
        """(Re)build the table for ``conflict``; choices already made for a field stay."""
        before = {row.field.field: row.choice() for row in self.rows}
        self.conflict = conflict
        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.rows = []
        count = len(conflict.fields)
        self.heading.setText(
            f"<b>A colleague saved this {self.what} after you opened it</b> and changed "
            f"{'a field' if count == 1 else f'{count} fields'} you changed too. Nothing has "
            "been saved yet. For each field, keep your colleague's value or use yours."
        )
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        for column, text in enumerate(HEADINGS):
            caption = QLabel(f"<b>{text}</b>")
            caption.setTextFormat(Qt.TextFormat.RichText)
            self.grid.addWidget(caption, 0, column)
        for number, field in enumerate(conflict.fields, start=1):
            row = ConflictRow(field, self.table)
            theirs = field.theirs
            by = saved_by_words(field)
            cells = [
                field.label,
                field.first_saw,
                f"{theirs}\n({by})" if by else theirs,
                field.mine,
            ]
            for column, text in enumerate(cells):
                label = QLabel(text)
                label.setWordWrap(True)
                label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                label.setAccessibleName(f"{field.label}, {HEADINGS[column].lower()}: {text}")
                if column == 0:
                    label.setObjectName("factCaption")
                self.grid.addWidget(label, number, column, Qt.AlignmentFlag.AlignTop)
            choice = QWidget(self.table)
            choice_layout = QVBoxLayout(choice)
            choice_layout.setContentsMargins(0, 0, 0, 0)
            choice_layout.setSpacing(2)
            choice_layout.addWidget(row.theirs)
            choice_layout.addWidget(row.mine)
            self.grid.addWidget(choice, number, len(HEADINGS) - 1, Qt.AlignmentFlag.AlignTop)
            earlier = before.get(field.field)
            row.theirs.setChecked(earlier is Choice.THEIRS)
            row.mine.setChecked(earlier is Choice.MINE)
            self.rows.append(row)
        self.grid.setRowStretch(count + 1, 1)
        for column in (1, 2, 3):
            self.grid.setColumnStretch(column, 1)
        kept = conflict.kept_theirs
        self.kept.setText(
            f"Your colleague also changed, and this keeps as they saved it: {', '.join(kept)}."
            if kept
            else ""
        )
        self.kept.setVisible(bool(kept))
        if self.rows:
            self.rows[0].theirs.setFocus(Qt.FocusReason.OtherFocusReason)

    def choices(self) -> dict[str, Choice]:
        return {
            row.field.field: chosen for row in self.rows if (chosen := row.choice()) is not None
        }

    def choose(self, field: str, choice: Choice) -> None:
        """Choose for one field (as clicking its button does)."""
        row = next(row for row in self.rows if row.field.field == field)
        (row.theirs if choice is Choice.THEIRS else row.mine).setChecked(True)

    # --- Saving --------------------------------------------------------------------

    def save(self, *, confirm_possible_duplicate: bool = False) -> None:
        missing = [row.field.label for row in self.rows if row.choice() is None]
        if missing:
            self.message.show_message(
                f"Choose whose value to keep for {', '.join(missing)}: yours or your colleague's."
            )
            return
        self.message.show_message(None)
        try:
            result = self.resolve(self.conflict, self.choices(), confirm_possible_duplicate)
        except EditConflictError as again:
            self.show_conflict(again)
            self.message.show_message(
                "Someone saved this record again while you were choosing. Nothing has been "
                "saved yet: check the values below (your choices are kept where they still "
                "apply)."
            )
            return
        except PossibleDuplicateError as error:
            answer = QMessageBox.question(
                self,
                "Is this a different child?",
                str(error),
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            if answer == QMessageBox.StandardButton.Yes:
                self.save(confirm_possible_duplicate=True)
            return
        except ValidationError as error:
            self.refused.emit(error)
            super().reject()
            return
        except HealthVisitorError as error:
            self.message.show_message(f"Not saved: {error}")
            return
        self.result_value = result
        self.saved.emit(result)
        self.accept()
