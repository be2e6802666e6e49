"""The conflicts from offline working, and a person's choice for each (issue 12).

When a laptop and the shared database changed the same field of a record to
different values, the record keeps the shared database's value and both are
kept as a conflict (``healthvisitor.sync.conflicts``). This dialog lists the
team's open conflicts (the record, the field, the laptop's value, the
shared database's value, who changed it on the laptop and when it arrived),
and for the chosen one offers the three choices: keep the shared database's
value, take the laptop's, or type another (text fields only: the box says
why otherwise). Nothing is chosen for the user: "Resolve" waits for a choice.

The dialog asks a ``ConflictSource`` (``healthvisitor.sync.ConflictDesk``, or
the ``Workspace`` once it offers the same two calls) and never holds a
session; both calls run off the GUI thread (``ui/worker.py``).
"""

from __future__ import annotations

import uuid
from typing import Protocol

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from healthvisitor.errors import ValidationError
from healthvisitor.sync.conflicts import ConflictLine, Resolution
from healthvisitor.ui.form_fields import FieldMessage
from healthvisitor.ui.line_table_model import LINE_ROLE, LineColumn, LineTableModel
from healthvisitor.ui.referral_prompts import close_row
from healthvisitor.ui.worker import Loader, refusal_or_raise

#: Above the list, always: what a conflict is and what the record holds meanwhile.
EXPLANATION = (
    "These fields were changed both on a laptop working offline and on the shared database, "
    "to different values. Nothing was overwritten: the record shows the shared database's "
    "value until someone chooses. Choose for each field."
)


class ConflictSource(Protocol):
    """The two calls the dialog needs (each one unit of work on the shared database)."""

    def open_conflicts(self) -> list[ConflictLine]: ...

    def resolve_conflict(
        self,
        conflict_id: uuid.UUID,
        *,
        keep_laptop_value: bool = False,
        typed_value: str | None = None,
    ) -> None: ...


class ConflictsModel(LineTableModel):
    """The open conflicts, oldest first (the service's order)."""

    columns = (
        LineColumn("Record", lambda c: c.record),
        LineColumn("Field", lambda c: c.field_words),
        LineColumn("On the laptop", lambda c: c.laptop_words),
        LineColumn("On the shared database", lambda c: c.server_words),
        LineColumn("Changed on the laptop by", lambda c: c.laptop_user),
        LineColumn(
            "Arrived",
            lambda c: f"{c.raised_at.astimezone():%d %b %Y %H:%M}",
            tooltip=lambda c: "When the laptop's change reached the shared database",
        ),
    )


class SyncConflictsDialog(QDialog):
    """The team's open conflicts; choose per field, then Resolve."""

    def __init__(self, source: ConflictSource, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.source = source
        self.setWindowTitle("Conflicts from offline working")
        self.resize(960, 520)

        explanation = QLabel(EXPLANATION)
        explanation.setWordWrap(True)
        self.status = QLabel("Loading the conflicts…")
        self.status.setAccessibleName("Conflicts status")

        self.model = ConflictsModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Open conflicts")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._show_choices())

        self.choice_box = QGroupBox("Choose for the selected field")
        self.keep_server = QRadioButton()
        self.take_laptop = QRadioButton()
        self.type_another = QRadioButton("T&ype another value:")
        self.typed = QLineEdit()
        self.typed.setAccessibleName("Another value")
        self.typed_message = FieldMessage()
        self.cannot_type = QLabel()
        self.cannot_type.setWordWrap(True)
        self.choices = QButtonGroup(self)
        for number, button in enumerate((self.keep_server, self.take_laptop, self.type_another)):
            self.choices.addButton(button, number)
        self.choices.buttonToggled.connect(lambda *_: self._choice_changed())
        self.typed.textEdited.connect(lambda *_: self._choice_changed())
        self.resolve_button = QPushButton("&Resolve")
        self.resolve_button.setAccessibleName("Resolve the selected conflict")
        self.resolve_button.setShortcut(QKeySequence("Ctrl+Return"))
        self.resolve_button.clicked.connect(self.resolve)

        typed_row = QHBoxLayout()
        typed_row.addWidget(self.type_another)
        typed_row.addWidget(self.typed, 1)
        choice_layout = QVBoxLayout(self.choice_box)
        choice_layout.addWidget(self.keep_server)
        choice_layout.addWidget(self.take_laptop)
        choice_layout.addLayout(typed_row)
        choice_layout.addWidget(self.typed_message)
        choice_layout.addWidget(self.cannot_type)
        resolve_row = QHBoxLayout()
        resolve_row.addStretch(1)
        resolve_row.addWidget(self.resolve_button)
        choice_layout.addLayout(resolve_row)

        self.close_button, closing = close_row(self, "Close the conflicts")
        layout = QVBoxLayout(self)
        layout.addWidget(explanation)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.choice_box)
        layout.addLayout(closing)

        self.loader = Loader(self)
        self.loader.loaded.connect(self._loaded)
        self.loader.failed.connect(self._failed)
        self.resolver = Loader(self)
        self.resolver.loaded.connect(lambda _: self.reload())
        self.resolver.failed.connect(self._refused)
        self._show_choices()
        self.reload()

    # --- Reading ---------------------------------------------------------------------

    def reload(self) -> None:
        self.status.setText("Loading the conflicts…")
        self.loader.request(self.source.open_conflicts)

    def loading(self) -> bool:
        return self.loader.busy or self.resolver.busy

    def _loaded(self, lines: list[ConflictLine]) -> None:
        self.model.set_lines(lines)
        count = len(lines)
        self.status.setText(
            "No conflicts to resolve."
            if not count
            else f"{count} field{'s' if count != 1 else ''} to resolve."
        )
        if count:
            self.table.selectRow(0)
        self._show_choices()

    def _failed(self, error: object) -> None:
        self.status.setText(str(refusal_or_raise(error)))

    # --- Choosing --------------------------------------------------------------------

    def selected(self) -> ConflictLine | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        line: ConflictLine = self.model.index(index.row(), 0).data(LINE_ROLE)
        return line

    def _show_choices(self) -> None:
        line = self.selected()
        self.choices.setExclusive(False)
        for button in self.choices.buttons():
            button.setChecked(False)
        self.choices.setExclusive(True)
        self.typed.clear()
        self.typed_message.show_message(None)
        self.choice_box.setEnabled(line is not None)
        if line is None:
            self.keep_server.setText("&Keep the shared database's value")
            self.take_laptop.setText("&Take the laptop's value")
            self.cannot_type.hide()
        else:
            self.keep_server.setText(f"&Keep the shared database's value: {line.server_words}")
            self.take_laptop.setText(f"&Take the laptop's value: {line.laptop_words}")
            self.type_another.setEnabled(line.can_type)
            self.cannot_type.setText(
                f"The {line.field_words.lower()} cannot be typed in: choose one of the two "
                "values (correct it on the record afterwards if neither is right)."
            )
            self.cannot_type.setVisible(not line.can_type)
        self._choice_changed()

    def choice(self) -> Resolution | None:
        return {
            0: Resolution.KEEP_SERVER,
            1: Resolution.TAKE_LAPTOP,
            2: Resolution.TYPED,
        }.get(self.choices.checkedId())

    def _choice_changed(self) -> None:
        choice = self.choice()
        self.typed.setEnabled(choice is Resolution.TYPED)
        if choice is Resolution.TYPED and not self.typed.text().strip():
            self.typed_message.show_message("Type the value to keep.")
        else:
            self.typed_message.show_message(None)
        self.resolve_button.setEnabled(
            self.selected() is not None
            and choice is not None
            and not (choice is Resolution.TYPED and not self.typed.text().strip())
        )

    def resolve(self) -> None:
        line, choice = self.selected(), self.choice()
        if line is None or choice is None:
            return
        typed = self.typed.text() if choice is Resolution.TYPED else None
        laptop = choice is Resolution.TAKE_LAPTOP
        self.resolve_button.setEnabled(False)
        self.status.setText(f"Saving the choice for {line.record}, {line.field_words}…")
        self.resolver.request(
            lambda: self.source.resolve_conflict(
                line.conflict_id, keep_laptop_value=laptop, typed_value=typed
            )
        )

    def _refused(self, error: object) -> None:
        refusal = refusal_or_raise(error)
        if isinstance(refusal, ValidationError) and refusal.for_field("typed_value"):
            self.typed_message.show_message(" ".join(refusal.for_field("typed_value")))
            self.status.setText("Nothing was saved: see the value typed.")
        else:
            self.status.setText(f"Nothing was saved: {refusal}")
        self.resolve_button.setEnabled(True)


__all__ = ["ConflictSource", "ConflictsModel", "SyncConflictsDialog"]
