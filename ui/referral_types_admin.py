"""The administrator's list of referral types (issue 5): add, rename, retire, family copy.

A table of every type, retired ones included (they stay on old referrals, so
they stay listed, saying "Retired"), and under it what can be done to the
chosen one: a new name, retiring it (never deleting: a retired type is only
no longer offered for new referrals), and whether its referrals print on the
family's (parent-held) red book copy. A new type starts off the family's copy
(hazard H17) and the box says why, in a warning that is always shown: that
copy may be read by the very person a safeguarding or domestic abuse referral
is about. Putting a type on the family's copy asks once more.

The services refuse anyone but an administrator (``referrals._require_administrator``);
the menu entry is an administrator's only, but the dialog does not rely on it:
a refusal is shown as it comes, and nothing changes.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QMenuBar,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from healthvisitor.domain.enums import Role
from healthvisitor.errors import HealthVisitorError, PermissionDeniedError, ValidationError
from healthvisitor.services.referrals import ReferralTypeLine
from healthvisitor.ui.form_fields import WARNING_SIGN, FieldMessage
from healthvisitor.ui.line_lists import attempt, line_table
from healthvisitor.ui.line_table_model import LINE_ROLE, LineColumn, LineTableModel
from healthvisitor.ui.referral_prompts import close_row
from healthvisitor.ui.window_modal import open_window_modal
from healthvisitor.ui.worker import warn_not_shown

if TYPE_CHECKING:
    from healthvisitor.services.workspace import Workspace

#: Always shown above the list: what the family-copy flag decides (hazard H17).
FAMILY_COPY_WARNING = (
    f"{WARNING_SIGN} The family's red book copy is parent-held: it may be read by the very "
    "person a referral is about. Keep sensitive routes off it: children's social care "
    "(safeguarding), domestic abuse support, and any route whose mention could put a child "
    "or a parent at risk. A new type starts off the family's copy."
)


def family_copy_words(line: ReferralTypeLine) -> str:
    return "Printed" if line.on_family_copy else "Not printed"


class ReferralTypesModel(LineTableModel):
    """Every referral type, retired ones included, by name (the service's order)."""

    columns = (
        LineColumn("Referral type", lambda t: t.name),
        LineColumn("Code", lambda t: t.code, tooltip=lambda t: "Kept on renaming"),
        LineColumn(
            "Offered",
            lambda t: "Retired" if t.retired else "In use",
            tooltip=lambda t: (
                "Not offered for new referrals; referrals already made keep it"
                if t.retired
                else "Offered for new referrals"
            ),
        ),
        LineColumn(
            "Family's red book copy",
            family_copy_words,
            spoken=lambda t: f"{family_copy_words(t)} on the family's red book copy",
        ),
    )


class ReferralTypesDialog(QDialog):
    """List, add, rename and retire referral types, and set what the family's copy prints."""

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.setWindowTitle("Referral types")
        self.setAccessibleName("Referral types")

        self.warning = QLabel(FAMILY_COPY_WARNING)
        self.warning.setObjectName("familyCopyWarning")
        self.warning.setWordWrap(True)
        self.warning.setAccessibleName("Warning about the family's red book copy")

        self.model = ReferralTypesModel(self)
        self.table = line_table(self.model, "Referral types", self._show_chosen)

        # The chosen type: a new name, retire, and the family copy.
        self.chosen_box = QGroupBox("The chosen type")
        self.new_name = QLineEdit()
        self.new_name.setAccessibleName("New name for the chosen type")
        self.rename_button = QPushButton("&Rename")
        self.rename_button.setAccessibleName("Rename the chosen type")
        self.rename_message = FieldMessage()
        self.family_copy = QCheckBox("Its referrals print on the family's red book &copy")
        self.family_copy.setAccessibleName("The chosen type prints on the family's red book copy")
        self.retire_button = QPushButton("Re&tire…")
        self.retire_button.setAccessibleName("Retire the chosen type")
        self.retire_button.setToolTip(
            "No longer offered for new referrals; referrals already made keep it"
        )
        rename_row = QHBoxLayout()
        rename_row.addWidget(self.new_name, 1)
        rename_row.addWidget(self.rename_button)
        name_label = QLabel("New &name:")
        name_label.setBuddy(self.new_name)
        chosen = QFormLayout(self.chosen_box)
        chosen.addRow(name_label, rename_row)
        chosen.addRow("", self.rename_message)
        chosen.addRow("", self.family_copy)
        retire_row = QHBoxLayout()
        retire_row.addWidget(self.retire_button)
        retire_row.addStretch(1)
        chosen.addRow("", retire_row)

        # A new type.
        self.add_box = QGroupBox("A new type")
        self.add_name = QLineEdit()
        self.add_name.setAccessibleName("Name of the new referral type")
        self.add_name.setPlaceholderText("e.g. Community audiology")
        self.add_family_copy = QCheckBox("Print its referrals on the family's red book copy")
        self.add_family_copy.setAccessibleName("The new type prints on the family's red book copy")
        self.add_button = QPushButton("&Add")
        self.add_button.setAccessibleName("Add the new referral type")
        self.add_message = FieldMessage()
        add_label = QLabel("Na&me:")
        add_label.setBuddy(self.add_name)
        add_row = QHBoxLayout()
        add_row.addWidget(self.add_name, 1)
        add_row.addWidget(self.add_button)
        adding = QFormLayout(self.add_box)
        adding.addRow(add_label, add_row)
        adding.addRow("", self.add_message)
        adding.addRow("", self.add_family_copy)

        self.close_button, bottom = close_row(self, "Close the referral types")
        for button in (self.rename_button, self.retire_button, self.add_button):
            button.setAutoDefault(False)

        layout = QVBoxLayout(self)
        layout.addWidget(self.warning)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.chosen_box)
        layout.addWidget(self.add_box)
        layout.addLayout(bottom)

        self.rename_button.clicked.connect(self.rename)
        self.new_name.returnPressed.connect(self.rename)
        self.retire_button.clicked.connect(lambda: self.retire())
        self.family_copy.clicked.connect(self._family_copy_clicked)
        self.add_button.clicked.connect(self.add)
        self.add_name.returnPressed.connect(self.add)
        self.new_name.textEdited.connect(lambda _text: self.rename_message.show_message(None))
        self.add_name.textEdited.connect(lambda _text: self.add_message.show_message(None))
        self.setMinimumSize(720, 560)
        self.resize(860, 680)
        self.reload()

    # --- The list ----------------------------------------------------------------------------

    def reload(self, choose: uuid.UUID | None = None) -> None:
        chosen = choose or (line.id if (line := self.chosen()) else None)
        try:
            lines = self.workspace.referral_types(include_retired=True)
        except HealthVisitorError as error:
            warn_not_shown(self, "Referral types not shown", error)
            return
        self.model.set_lines(lines)
        for row, listed in enumerate(lines):
            if listed.id == chosen:
                self.table.selectRow(row)
                break
        self._show_chosen()

    def chosen(self) -> ReferralTypeLine | None:
        index = self.table.currentIndex()
        if not index.isValid() or not self.table.selectionModel().hasSelection():
            return None
        line = index.data(LINE_ROLE)
        return line if isinstance(line, ReferralTypeLine) else None

    def choose(self, code: str) -> None:
        for row in range(self.model.rowCount()):
            if self.model.line_at(row).code == code:
                self.table.selectRow(row)
                return

    def _show_chosen(self) -> None:
        line = self.chosen()
        self.chosen_box.setEnabled(line is not None)
        self.chosen_box.setTitle(f"The chosen type: {line.name}" if line else "The chosen type")
        self.new_name.setText(line.name if line else "")
        self.rename_message.show_message(None)
        self.family_copy.setChecked(bool(line and line.on_family_copy))
        self.retire_button.setEnabled(line is not None and not line.retired)
        self.retire_button.setText("Retired" if line and line.retired else "Re&tire…")

    # --- Changes -----------------------------------------------------------------------------

    def _refused(self, title: str, error: HealthVisitorError) -> None:
        QMessageBox.warning(self, title, str(error))

    def add(self) -> ReferralTypeLine | None:
        try:
            added = self.workspace.add_referral_type(
                self.add_name.text(), on_family_copy=self.add_family_copy.isChecked()
            )
        except ValidationError as error:
            self.add_message.show_message(" ".join(error.for_field("name")) or str(error))
            return None
        except HealthVisitorError as error:  # a name taken, or not an administrator
            self.add_message.show_message(str(error))
            if isinstance(error, PermissionDeniedError):
                self._refused("Referral type not added", error)
            return None
        self.add_name.clear()
        self.add_family_copy.setChecked(False)
        self.reload(choose=added.id)
        return added

    def rename(self) -> None:
        line = self.chosen()
        if line is None or self.new_name.text().strip() == line.name:
            return
        try:
            self.workspace.rename_referral_type(line.id, self.new_name.text())
        except ValidationError as error:
            self.rename_message.show_message(" ".join(error.for_field("name")) or str(error))
            return
        except HealthVisitorError as error:
            self.rename_message.show_message(str(error))
            if isinstance(error, PermissionDeniedError):
                self._refused("Referral type not renamed", error)
            return
        self.reload()

    def retire(self, *, confirmed: bool = False) -> None:
        """Ask, then retire the chosen type (``confirmed`` skips asking, for tests)."""
        line = self.chosen()
        if line is None or line.retired:
            return
        if not confirmed:
            answer = QMessageBox.question(
                self,
                "Retire the referral type",
                f"Retire '{line.name}'? It will no longer be offered for new referrals; the "
                "referrals already made keep it. It cannot be brought back from here.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        if attempt(
            lambda: self.workspace.retire_referral_type(line.id),
            lambda error: self._refused("Referral type not retired", error),
        ):
            self.reload()

    def _family_copy_clicked(self, checked: bool) -> None:
        self.set_family_copy(checked)

    def set_family_copy(self, on_family_copy: bool, *, confirmed: bool = False) -> None:
        """Put the chosen type on the family's copy (after asking) or take it off."""
        line = self.chosen()
        if line is None:
            return
        if on_family_copy and not confirmed:
            answer = QMessageBox.question(
                self,
                "Print on the family's red book copy",
                f"Print '{line.name}' referrals on the family's red book copy?\n\n"
                f"{FAMILY_COPY_WARNING.removeprefix(WARNING_SIGN).strip()}",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Yes:
                self.family_copy.setChecked(line.on_family_copy)
                return
        attempt(
            lambda: self.workspace.set_referral_type_family_copy(line.id, on_family_copy),
            lambda error: self._refused("Family copy not changed", error),
        )
        self.reload()  # refused or not: the box shows what is saved


class AdministrationMenu(QMenu):
    """The administrator's menu: the list of referral types (issue 5)."""

    def __init__(self, window: QWidget, workspace: Workspace) -> None:
        super().__init__("&Administration", window)
        self.window_ = window
        self.workspace = workspace
        self.dialog: ReferralTypesDialog | None = None
        self.referral_types_action = self.addAction("&Referral types…")
        self.referral_types_action.setStatusTip(
            "Add, rename or retire referral types, and choose what the family's copy prints"
        )
        self.referral_types_action.triggered.connect(self.open_referral_types)

    def open_referral_types(self) -> ReferralTypesDialog:
        dialog = ReferralTypesDialog(self.workspace, self.window_)
        self.dialog = dialog
        return open_window_modal(dialog, self._closed)

    def _closed(self, _result: int) -> None:
        self.dialog = None


def build_administration_menu(
    menus: QMenuBar, window: QWidget, workspace: Workspace
) -> AdministrationMenu | None:
    """Add the "Administration" menu for an administrator (None for anyone else): the
    main window's one call. Hiding it is not the control: the services refuse others."""
    if workspace.actor.role is not Role.ADMINISTRATOR:
        return None
    menu = AdministrationMenu(window, workspace)
    menus.addMenu(menu)
    return menu
