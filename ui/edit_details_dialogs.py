"""Correcting a child's, family's or carer's details from the child's record (issue 9).

"Edit child's details…", "Edit family's details…" and "Edit carer's
details…" (the record window's "Details" menu and button) open the same
fields as registration, filled with the record as it is now. Each field is
checked as the user types and on Save the service's problems go beside their
fields, as at registration. If a colleague saved the same record meanwhile,
what they changed in other fields is kept and said so; if they changed the
same fields, ``EditConflictDialog`` shows both, field by field, for the user
to choose: cancelling it comes back here with everything typed still in place.

The draft each form keeps on this computer (``RecordDialog``, issue 9) holds,
besides what was typed, the record as the form first showed it and its
version (``base``). A draft restored after a crash or a closed app is typed
over that base, not over the record as it is when reopened: a colleague's save
in between is then merged field by field, or shown as a conflict, exactly as
if the form had stayed open; it is never overwritten by the draft's older
values of fields this user did not touch.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from PySide6.QtWidgets import QMenu, QMessageBox, QPushButton, QWidget

from healthvisitor.domain.enums import CarerRelationship, Sex, SmokingStatus
from healthvisitor.domain.validation import Gestation, format_nhs_number, parse_gestation
from healthvisitor.drafts import EDIT_CARER_FORM, EDIT_CHILD_FORM, EDIT_FAMILY_FORM, Draft
from healthvisitor.errors import EditConflictError, HealthVisitorError, ValidationError
from healthvisitor.services import record_edits
from healthvisitor.services.record_edits import EditableRecord, EditSaved
from healthvisitor.sync.records import EDITABLE_FIELDS
from healthvisitor.ui.contact_form_sections import from_qdate, to_qdate
from healthvisitor.ui.edit_conflict_dialog import EditConflictDialog
from healthvisitor.ui.form_fields import ChoiceCombo, FormField
from healthvisitor.ui.offline_actions import disable_offline, works_offline
from healthvisitor.ui.registration_dialogs import (
    CarerSection,
    ChildSection,
    FamilySection,
    RecordDialog,
    open_dialog,
)
from healthvisitor.ui.window_modal import open_window_modal

if TYPE_CHECKING:
    from healthvisitor.services.workspace import Workspace
    from healthvisitor.ui.child_record_window import ChildRecordWindow

log = logging.getLogger(__name__)

# --- The base a draft was typed over, as plain data (issue 9) ----------------------------

#: The coded values a record's editable fields hold, by class name.
_CODES: dict[str, type[enum.Enum]] = {
    code.__name__: code for code in (Sex, CarerRelationship, SmokingStatus)
}


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):  # before str: the codes are str too
        return {"code": type(value).__name__, "value": value.value}
    if isinstance(value, Gestation):
        return {"gestation": [value.weeks, value.days]}
    if isinstance(value, dt.date):
        return {"date": value.isoformat()}
    if value is None or isinstance(value, str | bool | int):
        return value
    raise TypeError(f"No draft form known for {type(value).__name__}")


def _unplain(value: Any) -> Any:
    if isinstance(value, dict):
        if "code" in value:
            return _CODES[value["code"]](value["value"])
        if "gestation" in value:
            weeks, days = value["gestation"]
            return Gestation(int(weeks), int(days))
        return dt.date.fromisoformat(value["date"])
    return value


def base_state(record: EditableRecord) -> dict[str, Any]:
    """The record as the form first showed it, with its version, as JSON."""
    return {
        "kind": record.kind,
        "id": str(record.id),
        "version": record.version,
        "title": record.title,
        "values": {name: _plain(value) for name, value in record.values.items()},
    }


def base_from(state: Any) -> EditableRecord:
    """``base_state`` read back (KeyError, TypeError or ValueError if it is not one)."""
    return EditableRecord(
        kind=str(state["kind"]),
        id=uuid.UUID(state["id"]),
        version=int(state["version"]),
        title=str(state["title"]),
        values={name: _unplain(value) for name, value in dict(state["values"]).items()},
    )


#: The offline copy's table of each kind of record (``EDITABLE_FIELDS`` is by table).
OFFLINE_TABLES = {"child": "children", "family": "families", "carer": "carers"}


class EditDetailsDialog(RecordDialog):
    """The edit form of one record; ``saved`` carries the ``EditSaved``.

    Saving is ``RecordDialog``'s (checks, problems beside their fields, "Is
    this a different child?"); only a colleague's conflicting save is this
    form's own. Subclasses say what they edit (``what`` also names the window:
    "Edit child's details: …"), add their section and fill it from
    ``record.values`` in ``build()``, and say what was typed in ``typed()``.
    """

    #: What the record is, in "Someone else changed this …".
    record_words = "record"
    #: The form's heading (rich text); ``{title}`` is the record's title.
    heading_words = "<b>Edit {title}'s details</b>."
    #: The "Details" menu's words for this form, in "Offered again when you open …".
    menu_words = "Edit details"

    def __init__(
        self,
        workspace: Workspace,
        record: EditableRecord,
        parent: QWidget | None = None,
        *,
        child: tuple[uuid.UUID, str] | None = None,
    ) -> None:
        """``child``: the id and name of the child whose record the form was opened from
        (for a family's or carer's form, where the draft is offered again)."""
        super().__init__(workspace, self.heading_words.format(title=record.title), parent)
        self.record = record
        self.child = child
        self.conflict_dialog: EditConflictDialog | None = None
        self.setWindowTitle(f"Edit {self.what.lower()}: {record.title} — HealthVisitor")
        self.build(record.values)
        if works_offline(workspace):  # issue 12: what the copy may not change, said now
            may_change = EDITABLE_FIELDS[OFFLINE_TABLES[record.kind]]
            for name, field in self.fields.items():
                if name not in may_change:
                    for widget in field.inputs():
                        disable_offline(widget, "details_on_server")
        self.finish()

    def build(self, values: dict[str, Any]) -> None:
        raise NotImplementedError

    def typed(self) -> dict[str, Any]:
        raise NotImplementedError

    def submit(self, *, confirm_possible_duplicate: bool, confirm_implausible: bool) -> EditSaved:
        # Correcting details records no measurement: nothing to confirm as implausible.
        return self.workspace.edit_details(
            self.record, self.typed(), confirm_possible_duplicate=confirm_possible_duplicate
        )

    # --- The draft (issue 9) ---------------------------------------------------------

    def draft_subject(self) -> uuid.UUID:
        return self.record.id

    def draft_person(self) -> str:
        return self.record.title

    def draft_where(self) -> str:
        in_record = f" in {self.child[1]}'s record" if self.child is not None else ""
        return f"Offered again when you open Edit details > {self.menu_words}{in_record}."

    def draft_fields(self) -> dict[str, Any]:
        """What is typed, and the base it is typed over (what the form first showed)."""
        return {
            **super().draft_fields(),
            "base": base_state(self.record),
            "child_id": str(self.child[0]) if self.child is not None else None,
        }

    def restore_draft(self, draft: Draft) -> None:
        """The typing back, over the base it was typed over: a colleague's save since is
        merged or shown field by field on Save, as if the form had stayed open."""
        try:
            base = base_from(draft.fields["base"])
        except (KeyError, TypeError, ValueError):
            log.exception("The draft of %s has no readable base", self.record.title)
            base = None
        if base is not None and (base.kind, base.id) == (self.record.kind, self.record.id):
            self.record = base
        else:  # the typing is kept, but it cannot be compared with what was first seen
            self.summary.show_message(
                "Check every field before saving: what you typed is restored, but the "
                "record as it was when you typed it could not be read back."
            )
        super().restore_draft(draft)
        for field in self.fields.values():
            field.show_message(None)

    def refused(self, error: HealthVisitorError) -> bool:
        """A conflict opens the choice per field (this form stays as typed)."""
        if not isinstance(error, EditConflictError):
            return False
        self.summary.show_message(
            "Not saved yet: a colleague changed the same fields. What you typed is kept "
            "here; choose field by field in the window that opened."
        )
        self.show_conflict(error)
        return True

    # --- The conflict ---------------------------------------------------------------

    def show_conflict(self, conflict: EditConflictError) -> EditConflictDialog:
        dialog = EditConflictDialog(self.workspace, conflict, self.record_words, self)
        dialog.saved.connect(self._conflict_resolved)
        dialog.refused.connect(self._conflict_refused)
        self.conflict_dialog = dialog
        return open_window_modal(dialog, self._conflict_closed)

    def _conflict_resolved(self, result: EditSaved) -> None:
        self.finish_saved(result)

    def _conflict_refused(self, error: ValidationError) -> None:
        self.show_problems(error.problems)

    def _conflict_closed(self, _result: int) -> None:
        self.conflict_dialog = None


class EditChildDialog(EditDetailsDialog):
    what = "Child's details"
    record_words = "child's details"
    draft_form = EDIT_CHILD_FORM
    draft_title = "change to the child's details"
    menu_words = "Edit child's details"
    heading_words = (
        "<b>Edit {title}'s details</b>. Correct what is wrong; the change is recorded in "
        "the audit trail with the old and new values. The birth weight is a growth "
        "measurement and is not changed here."
    )
    aliases = {"gestation_weeks": "gestation", "gestation_days": "gestation"}  # noqa: RUF012

    def build(self, values: dict[str, Any]) -> None:
        self.section = section = ChildSection(self.workspace.today())
        self.add_section(section)
        section.fields["birth_weight_kg"].set_visible(False)
        section.nhs_number.setText(format_nhs_number(values["nhs_number"]))
        section.given_name.setText(values["given_name"])
        section.family_name.setText(values["family_name"])
        section.date_of_birth.setDate(to_qdate(values["date_of_birth"]))
        section.sex.set_value(values["sex"])
        section.gestation.setText(str(values["gestation"]))
        section.place_of_birth.setText(values["place_of_birth"])
        for field in self.fields.values():
            field.show_message(None)

    def typed(self) -> dict[str, Any]:
        section = self.section
        sex = section.sex.value()
        return {
            "nhs_number": section.nhs_number.text(),
            "given_name": section.given_name.text(),
            "family_name": section.family_name.text(),
            "date_of_birth": from_qdate(section.date_of_birth.date()),
            "sex": sex if isinstance(sex, Sex) else None,
            "gestation": parse_gestation(section.gestation.text()),
            "place_of_birth": section.place_of_birth.text(),
        }


#: A family's fields, in the service's order; ``FamilySection`` names its inputs the same.
FAMILY_FIELDS = tuple(field.name for field in record_edits.FAMILY_FIELDS)


class EditFamilyDialog(EditDetailsDialog):
    what = "Family's details"
    record_words = "family"
    draft_form = EDIT_FAMILY_FORM
    draft_title = "change to the family's details"
    menu_words = "Edit family's details"
    heading_words = (
        "<b>Edit the {title}'s details</b>: address, language and GP practice, "
        "for every child of the family."
    )

    def build(self, values: dict[str, Any]) -> None:
        self.section = section = FamilySection()
        self.add_section(section)
        for name in FAMILY_FIELDS:
            if name != "interpreter_needed":
                getattr(section, name).setText(values[name])
        section.interpreter_needed.setChecked(bool(values["interpreter_needed"]))

    def typed(self) -> dict[str, Any]:
        details = self.section.details()
        return {name: getattr(details, name) for name in FAMILY_FIELDS}

    def draft_person(self) -> str:
        return f"the {self.record.title}"


class EditCarerDialog(EditDetailsDialog):
    what = "Carer's details"
    record_words = "carer"
    draft_form = EDIT_CARER_FORM
    draft_title = "change to the carer's details"

    def draft_where(self) -> str:
        in_record = f" in {self.child[1]}'s record" if self.child is not None else ""
        return (
            f"Offered again when you open Edit details > Edit carer's details: "
            f"{self.record.title}{in_record}."
        )

    def build(self, values: dict[str, Any]) -> None:
        self.section = section = CarerSection("Carer")
        self.smoking = ChoiceCombo([(s.label, s) for s in SmokingStatus])
        self.smoking.setMaximumWidth(220)
        section.add("smoking_status", FormField("S&moking", self.smoking))
        self.add_section(section)
        section.given_name.setText(values["given_name"])
        section.family_name.setText(values["family_name"])
        section.relationship.set_value(values["relationship_to_child"])
        section.date_of_birth.set_value(values["date_of_birth"])
        section.phone.setText(values["phone"])
        self.smoking.set_value(values["smoking_status"])

    def typed(self) -> dict[str, Any]:
        details = self.section.details()
        return {
            "given_name": details.given_name,
            "family_name": details.family_name,
            "relationship_to_child": details.relationship_to_child,
            "date_of_birth": details.date_of_birth,
            "phone": details.phone,
            "smoking_status": self.smoking.value(),
        }


class EditDetailsMenu(QMenu):
    """The record window's "Details" menu (and the header's button that opens it).

    The carers are listed when the menu opens (the family may have changed).
    The open dialog is kept as the window's ``status_dialog``, so closing the
    window asks before discarding anything typed, as for the other forms.
    """

    def __init__(self, window: ChildRecordWindow) -> None:
        # The window is the menu's parent and owns it (Qt): no Python reference back to
        # it, which with the window's ``details_menu`` would be a cycle keeping the
        # window's wrapper alive after Qt deleted the window (tests/ui/test_form_drafts.py).
        super().__init__("&Details", window)
        self.child_action = self.addAction("Edit &child's details…")
        self.child_action.triggered.connect(self.edit_child)
        self.family_action = self.addAction("Edit &family's details…")
        self.family_action.triggered.connect(self.edit_family)
        self.addSeparator()
        self.carer_actions: list[Any] = []
        self.aboutToShow.connect(self.refresh)

    @property
    def window_(self) -> ChildRecordWindow:
        """The record window this menu belongs to (its parent)."""
        return cast("ChildRecordWindow", self.parentWidget())

    def button(self) -> QPushButton:
        button = QPushButton("Edi&t details")
        button.setAccessibleName("Edit details")
        button.setToolTip("Correct the child's, the family's or a carer's details")
        button.setAutoDefault(False)
        button.setMenu(self)
        return button

    def _workspace(self) -> Workspace:
        return self.window_.workspace

    def refresh(self) -> None:
        """Enable what the user may change now, and list the family's carers."""
        record = self.window_.record
        # A colleague's record is read-only for a health visitor (issue 8); the window's
        # record says so where that work is in (getattr: the field may be absent).
        read_only = str(getattr(record, "read_only_reason", "") or "")
        self.child_action.setEnabled(not record.is_closed and not read_only)
        self.family_action.setEnabled(not read_only)
        self.child_action.setToolTip(
            read_only or ("The record is closed and read-only." if record.is_closed else "")
        )
        for action in self.carer_actions:
            self.removeAction(action)
        self.carer_actions = []
        try:
            carers = self._workspace().editable_carers(record.family_id)
        except HealthVisitorError:
            carers = ()
        if not carers:
            none = self.addAction("No carers recorded for this family")
            none.setEnabled(False)
            self.carer_actions.append(none)
        for carer in carers:
            action = self.addAction(f"Edit carer's details: {carer.title}…")
            action.setEnabled(not read_only)
            action.setData(carer.id)
            action.triggered.connect(self._carer_chosen)
            self.carer_actions.append(action)

    def _edit(
        self, read: Callable[[], EditableRecord | None], form: type[EditDetailsDialog]
    ) -> EditDetailsDialog | None:
        """Read the record as it is now and open ``form`` over it (None if it cannot be)."""
        try:
            found = read()
        except HealthVisitorError as error:
            QMessageBox.warning(self.window_, "Details not opened", str(error))
            return None
        if found is None:
            return None
        record = self.window_.record
        dialog = form(self._workspace(), found, self.window_, child=(record.id, record.name))
        self.window_.status_dialog = dialog
        open_dialog(dialog, on_saved=self._saved, on_finished=self._finished)
        return dialog

    def edit_child(self) -> EditDetailsDialog | None:
        record = self.window_.record
        return self._edit(lambda: self._workspace().editable_child(record.id), EditChildDialog)

    def edit_family(self) -> EditDetailsDialog | None:
        record = self.window_.record
        return self._edit(
            lambda: self._workspace().editable_family(record.family_id), EditFamilyDialog
        )

    def edit_carer(self, carer_id: object) -> EditDetailsDialog | None:
        record = self.window_.record
        return self._edit(
            lambda: next(
                (
                    c
                    for c in self._workspace().editable_carers(record.family_id)
                    if c.id == carer_id
                ),
                None,
            ),
            EditCarerDialog,
        )

    def _carer_chosen(self) -> None:
        action = self.sender()
        data = action.data() if action is not None and hasattr(action, "data") else None
        self.edit_carer(data)

    def _saved(self, result: EditSaved) -> None:
        self.window_.reload()
        self.window_.record_changed.emit(self.window_.record.id)
        self.window_.statusBar().showMessage(result.summary, 20_000)

    def _finished(self, _result: int) -> None:
        self.window_.status_dialog = None
