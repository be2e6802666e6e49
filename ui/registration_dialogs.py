"""Creating and closing records (issue 4, "Records through time"): the dialogs and the menu.

* "New family" (the family and its first carer, in one go) and "Add carer";
* "New pregnancy": the mother chosen from the family's carers, the EDD, the
  health visitor;
* "Register a child": a new birth notification, or a transfer in from
  another area with the mandated reviews already done there;
* "Record birth": from a pregnancy on the "Pregnancies" tab, the family
  name and health visitor taken from it;
* "Close record" (transferred out, moved away, discharged, deceased) and
  "Reopen record", from the child's record window.

Each dialog checks what it can as the user types and says what is wrong
under the field; on Save the service's ``ValidationError`` puts each problem
beside its field and keeps everything typed; a possible duplicate child asks
"Is this a different child?" before saving anyway. Esc asks before throwing
typing away. The main window gets a "Records" menu from ``build_records_menu``.

Every dialog keeps a draft on this computer while it is open (issue 9, hazard
H3), in ``RecordDialog``: a moment after each change, and when it hides. Saved,
or "Discard" answered on purpose, the draft goes; closed any other way (the
app quitting, a crash, a dead battery) it stays, and the next time the same
dialog opens for the same record ("Restore unsaved work?") or the app starts
(``drafts_at_start``) it is offered. See ``healthvisitor.drafts`` for what
each dialog's draft is keyed by.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from itertools import pairwise
from typing import TYPE_CHECKING, Any, ClassVar

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QHideEvent, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QMenuBar,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from healthvisitor.domain.enums import (
    CarerRelationship,
    ContactKind,
    ContactLocation,
    MeasurementKind,
    RecordStatus,
    Role,
    Sex,
    SmokingStatus,
)
from healthvisitor.domain.validation import (
    check_birth_weight,
    clean_nhs_number,
    parse_gestation,
)
from healthvisitor.drafts import (
    ADD_CARER_FORM,
    CLOSE_RECORD_FORM,
    NEW_FAMILY_FORM,
    NEW_PREGNANCY_FORM,
    NO_SUBJECT,
    PREGNANCY_OUTCOME_FORM,
    RECORD_BIRTH_FORM,
    REGISTER_CHILD_FORM,
    REOPEN_RECORD_FORM,
    Draft,
)
from healthvisitor.errors import (
    FieldProblem,
    HealthVisitorError,
    PossibleDuplicateError,
    ValidationError,
)
from healthvisitor.services.contacts import ImplausibleChangeError, MeasurementEntry
from healthvisitor.services.life_events import (
    EDD_FURTHEST_AHEAD_DAYS,
    EDD_LATEST_PAST_DAYS,
    OTHER_OUTCOMES,
    TRANSFERABLE_REVIEWS,
    BabyDetails,
    PriorReview,
    TransferIn,
)
from healthvisitor.services.records import (
    CarerDetails,
    ChildDetails,
    FamilyDetails,
    FamilySummary,
)
from healthvisitor.ui.caseload_model import short_date
from healthvisitor.ui.contact_form_sections import (
    FormSection,
    OptionalDate,
    date_edit,
    from_qdate,
    measurement_problem,
    to_qdate,
    value_of,
    watch,
)
from healthvisitor.ui.form_drafts import (
    DraftKeeper,
    fields_state,
    holds_typing,
    offer_draft,
    restore_fields,
)
from healthvisitor.ui.form_fields import (
    ChoiceCombo,
    FieldMessage,
    FormField,
    NumberEdit,
    parse_number,
)
from healthvisitor.ui.window_modal import open_window_modal

if TYPE_CHECKING:
    from healthvisitor.services.child_record import ChildRecord
    from healthvisitor.services.pregnancies import PregnancyRow
    from healthvisitor.services.workspace import Workspace

#: A typical estimated delivery date offered for a new pregnancy: 20 weeks
#: from today (most are notified to health visiting around the dating scan).
DEFAULT_WEEKS_TO_EDD = 20
#: Every dialog is at least this wide (room for a message under each field) and
#: opens no taller than a 1366x768 laptop's screen allows.
MINIMUM_WIDTH = 640
MAXIMUM_HEIGHT = 720
#: Reviews a child may arrive with, with where each is usually done.
USUAL_PLACE = {
    ContactKind.NEW_BIRTH_VISIT: ContactLocation.HOME,
    ContactKind.SIX_TO_EIGHT_WEEK: ContactLocation.CLINIC,
    ContactKind.ONE_YEAR: ContactLocation.CLINIC,
    ContactKind.TWO_YEAR: ContactLocation.CLINIC,
}
#: The words each closing reason asks for, and the date's label.
CLOSING_WORDS: dict[RecordStatus, tuple[str, str, str]] = {
    # status: (detail label, detail hint, date label)
    RecordStatus.TRANSFERRED_OUT: (
        "&Transferred to",
        "The area or health visiting service taking over (required)",
        "Transfer &date",
    ),
    RecordStatus.MOVED_AWAY: (
        "&Moved to",
        "Where the family moved to, if known",
        "Moved &on",
    ),
    RecordStatus.DISCHARGED: (
        "&Handed over to",
        "e.g. School nursing, Hillside Primary (required)",
        "Discharge &date",
    ),
    RecordStatus.DECEASED: (
        "&Notes",
        "Anything the team needs to know (optional)",
        "Date of &death",
    ),
}


class RefillableCombo(ChoiceCombo):
    """A ``ChoiceCombo`` whose choices change (families found, a family's carers)."""

    def set_choices(self, choices: Sequence[tuple[str, Any]], placeholder: str) -> None:
        chosen = self.value()
        self.blockSignals(True)
        self.clear()
        self._values.clear()
        for text, value in choices:
            self.addItem(text)
            self._values.append(value)
        self.setPlaceholderText(placeholder)
        self.setCurrentIndex(-1)
        if chosen in self._values:
            self.set_value(chosen)
        self.blockSignals(False)


def _text(widget: QLineEdit) -> str:
    return widget.text().strip()


def _date(edit: QDateEdit) -> dt.date:
    return from_qdate(edit.date())


def short_date_edit() -> QDateEdit:
    """A date input no wider than a date needs (a form row would stretch it)."""
    edit = date_edit()
    edit.setMaximumWidth(200)
    return edit


# --- The frame every dialog shares ------------------------------------------------------


class RecordDialog(QDialog):
    """A titled form of sections with Save and Cancel; ``saved`` carries what the service returned.

    Subclasses add sections in ``__init__``, call ``finish()`` and implement
    ``submit``, which calls the workspace and returns its result (or raises).
    Saving is the same for every form (the record's edit forms too): problems
    beside their fields and everything typed kept; ``refused`` may show a
    refusal of its own kind in its own way instead of the usual warning.

    The draft (issue 9) is kept here for every form: ``draft_form`` names the
    form, ``draft_subject`` whom it is about, and ``draft_title`` with
    ``draft_person`` say it in the user's words ("You have an unsaved change to
    the child's details for Noah Bell from 3 December 09:40."); ``draft_where``
    says where it is offered again. ``offer_draft`` (``open_dialog`` calls it once
    the dialog shows) offers a draft left for the same form and subject.
    """

    saved = Signal(object)
    #: What is being saved, for "… not saved" messages.
    what = "Record"
    #: Service field names that belong to another field of the form.
    aliases: ClassVar[dict[str, str]] = {}
    #: The form's name for its draft (``healthvisitor.drafts``); empty: no draft kept.
    draft_form = ""
    #: What the draft is, in "You have an unsaved {draft_title} for …".
    draft_title = "form"

    def __init__(self, workspace: Workspace, heading: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("recordDialog")
        self.workspace = workspace
        self.result_value: Any = None
        self.fields: dict[str, FormField] = {}
        self.sections: list[FormSection] = []
        self.heading = QLabel(heading)
        self.heading.setObjectName("formHeading")
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.summary = FieldMessage()
        self.summary.setObjectName("formProblems")
        self.summary.setAccessibleName("Problems")
        self.body = QVBoxLayout()
        self.body.setSpacing(10)
        self.save_button = QPushButton("&Save")
        self.cancel_button = QPushButton("Cancel")
        #: The draft kept on this computer while the form is open (made by ``finish``).
        self.drafts: DraftKeeper | None = None
        self._save_key = uuid.uuid4()

    @property
    def save_key(self) -> uuid.UUID:
        """The form's idempotency key (issue 9): its draft's, kept across a crash, so a
        save retried after a dropped connection is applied once."""
        return self.drafts.save_key if self.drafts is not None else self._save_key

    def add_section(self, section: FormSection) -> FormSection:
        self.sections.append(section)
        self.fields.update(section.fields)
        self.body.addWidget(section)
        return section

    def finish(self) -> None:
        """Lay the dialog out, chain Tab through every input, and remember the blank state.

        The sections scroll, and the dialog has an explicit minimum size: the
        layout then never resizes the window as messages come and go (the
        scroll area takes up the difference), as in the contact form.
        """
        inner = QWidget()
        inner.setObjectName("formColumns")
        inner_layout = QVBoxLayout(inner)
        inner_layout.setContentsMargins(0, 0, 4, 0)
        inner_layout.addLayout(self.body)
        inner_layout.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.addWidget(self.heading)
        layout.addWidget(self.summary)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setWidget(inner)
        self.scroll_area.setFrameShape(QScrollArea.Shape.NoFrame)
        self.scroll_area.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        layout.addWidget(self.scroll_area, 1)
        # Plain buttons, not a QDialogButtonBox: Enter in a field must not save.
        for button in (self.save_button, self.cancel_button):
            button.setAutoDefault(False)
            button.setDefault(False)
        self.save_button.setShortcut(QKeySequence.StandardKey.Save)
        self.save_button.setToolTip("Save (Ctrl+S)")
        self.save_button.setAccessibleName(f"Save: {self.what.lower()}")
        self.cancel_button.setToolTip("Close without saving (Esc)")
        self.cancel_button.setAccessibleName("Cancel")
        self.save_button.clicked.connect(self.save)
        self.cancel_button.clicked.connect(self.reject)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.save_button)
        row.addWidget(self.cancel_button)
        layout.addLayout(row)
        self.setMinimumSize(MINIMUM_WIDTH, 320)
        content = inner.sizeHint()
        self.resize(
            max(MINIMUM_WIDTH, content.width() + 50),
            min(MAXIMUM_HEIGHT, content.height() + self.heading.sizeHint().height() + 90),
        )
        order = [*self.inputs(), self.save_button, self.cancel_button]
        for first, second in pairwise(order):
            QWidget.setTabOrder(first, second)
        self._untouched = self._snapshot()
        if self.draft_form:
            self.drafts = DraftKeeper(
                self,
                self.workspace.draft_store(),
                self.workspace.draft_key(self.draft_subject(), self.draft_form),
                inputs=[widget for widget in self.inputs() if holds_typing(widget)],
                state=self.draft_state,
                describe=self.draft_description,
                worth_keeping=self.has_typing,
            )

    def inputs(self) -> list[QWidget]:
        return [widget for section in self.sections for widget in section.inputs()]

    # --- Saving -----------------------------------------------------------------

    def _in_use(self, name: str) -> bool:
        field = self.fields[name]
        sections_shown = all(not s.isHidden() for s in self.sections if name in s.fields)
        return sections_shown and not field.box.isHidden() and field.widget.isEnabled()

    def check_everything(self) -> list[FieldProblem]:
        problems = []
        for name, field in self.fields.items():
            message = field.run_check()
            if message and self._in_use(name):
                problems.append(FieldProblem(name, message))
        return problems

    def save(self) -> None:
        if self.drafts is not None:
            self.drafts.flush()  # on disk before the database is asked: a failed save loses nothing
        self.summary.show_message(None)
        problems = self.check_everything()
        if problems:
            self.show_problems(problems)
            return
        self._submit(confirm_possible_duplicate=False, confirm_implausible=False)

    def submit(self, *, confirm_possible_duplicate: bool, confirm_implausible: bool) -> Any:
        raise NotImplementedError

    def _submit(self, *, confirm_possible_duplicate: bool, confirm_implausible: bool) -> None:
        try:
            result = self.submit(
                confirm_possible_duplicate=confirm_possible_duplicate,
                confirm_implausible=confirm_implausible,
            )
        except PossibleDuplicateError as error:
            if self.ask("Is this a different child?", f"{error}"):
                self._submit(
                    confirm_possible_duplicate=True, confirm_implausible=confirm_implausible
                )
            return
        except ImplausibleChangeError as error:
            self.show_problems(error.problems)
            listed = "\n\n".join(f"• {problem.message}" for problem in error.problems)
            if self.ask("Please check these measurements", f"{listed}\n\nSave anyway?"):
                self._submit(
                    confirm_possible_duplicate=confirm_possible_duplicate,
                    confirm_implausible=True,
                )
            return
        except ValidationError as error:
            self.show_problems(error.problems)
            return
        except HealthVisitorError as error:
            if not self.refused(error):
                QMessageBox.warning(self, f"{self.what} not saved", str(error))
            return
        self.finish_saved(result)

    def refused(self, error: HealthVisitorError) -> bool:
        """Show a refusal this form has words of its own for (True), else the usual warning."""
        return False

    def finish_saved(self, result: Any) -> None:
        """Saved: the draft goes; hand on what the service returned, and close."""
        if self.drafts is not None:
            self.drafts.discard()
        self.result_value = result
        self.saved.emit(result)
        super().accept()

    def ask(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(
            self,
            title,
            text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def show_problems(self, problems: Sequence[FieldProblem]) -> None:
        """Each problem beside its field; the rest, and a count, in the summary at the top."""
        by_field: dict[str, list[str]] = {}
        loose: list[str] = []
        for problem in problems:
            name = self.aliases.get(problem.field, problem.field)
            if name in self.fields and self._in_use(name):
                by_field.setdefault(name, []).append(problem.message)
            else:
                loose.append(problem.message)
        for name, messages in by_field.items():
            self.fields[name].show_message(" ".join(messages))
        count = len(problems)
        plural = "problem" if count == 1 else "problems"
        heading = f"Not saved yet: {count} {plural} to put right."
        self.summary.show_message("\n".join([heading, *(f"• {text}" for text in loose)]))
        first = next(iter(by_field), None)
        if first is not None:
            widget = self.fields[first].widget
            self.scroll_area.ensureWidgetVisible(widget)
            widget.setFocus(Qt.FocusReason.OtherFocusReason)

    # --- Cancelling ---------------------------------------------------------------

    def _snapshot(self) -> tuple[object, ...]:
        values: list[object] = []
        for widget in self.inputs():
            if isinstance(widget, QPushButton):
                continue  # a button beside a field holds nothing typed
            values.append(value_of(widget))
        return tuple(values)

    def has_typing(self) -> bool:
        return self._snapshot() != self._untouched

    def reject(self) -> None:
        """Esc, Cancel or closing the window: ask first if anything was typed."""
        if self.has_typing():
            answer = QMessageBox.question(
                self,
                "Discard what you typed?",
                "Discard what you typed? Nothing has been saved.",
                QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Discard:
                return
            if self.drafts is not None:
                self.drafts.discard()  # thrown away on purpose: not offered again
        super().reject()

    def hideEvent(self, event: QHideEvent) -> None:
        if self.drafts is not None:
            self.drafts.flush()  # closing, or the app quitting: nothing typed is left unwritten
        super().hideEvent(event)

    # --- The draft kept on this computer (issue 9) -------------------------------------

    def draft_subject(self) -> uuid.UUID:
        """Whom the draft is about; by default no record yet (``NO_SUBJECT``)."""
        return NO_SUBJECT

    def draft_person(self) -> str:
        """Who the draft is about, in the user's words ("Noah Bell", "the Bell family")."""
        return "a new record"

    def draft_where(self) -> str:
        """Where the draft is offered again, as a sentence ("" if said nowhere)."""
        return ""

    def draft_description(self) -> tuple[str, str]:
        return self.draft_title, self.draft_person()

    def draft_state(self) -> dict[str, Any]:
        """What is typed, as plain data for ``healthvisitor.drafts`` (with where it is offered)."""
        return {"form": self.draft_form, "where": self.draft_where(), **self.draft_fields()}

    def draft_fields(self) -> dict[str, Any]:
        return {"fields": fields_state(self.fields)}

    def restore_draft(self, draft: Draft) -> None:
        """Put back what ``draft_state`` gave, field by field in the form's order."""
        fields = draft.fields.get("fields")
        if isinstance(fields, dict):
            restore_fields(self.fields, fields)

    def offer_draft(self) -> bool:
        """If a draft was left for this form and subject, offer it: restored (True) or not."""
        if self.drafts is None:
            return False
        return offer_draft(self, self.drafts, self.restore_draft)


def _required(edit: QLineEdit, words: str) -> Callable[[], str | None]:
    return lambda: None if edit.text().strip() else f"Enter the {words}."


# --- Families and carers -------------------------------------------------------------


class FamilySection(FormSection):
    """The family's details: name, address, language, GP practice."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Family", parent)
        self.family_name = QLineEdit()
        self.address_line_1 = QLineEdit()
        self.address_line_2 = QLineEdit()
        self.town = QLineEdit()
        self.postcode = QLineEdit()
        self.postcode.setMaximumWidth(140)
        self.postcode.setPlaceholderText("e.g. LS7 3AB")
        self.main_language = QLineEdit("English")
        self.interpreter_needed = QCheckBox("An interpreter is needed")
        self.gp_practice = QLineEdit()
        self.add(
            "family_name",
            FormField(
                "&Family name", self.family_name, check=_required(self.family_name, "family name")
            ),
        )
        self.add("address_line_1", FormField("&Address", self.address_line_1))
        self.add("address_line_2", FormField("Address line &2", self.address_line_2))
        self.add("town", FormField("&Town", self.town))
        self.add("postcode", FormField("&Postcode", self.postcode))
        self.add("main_language", FormField("Main &language", self.main_language))
        self.add("interpreter_needed", FormField("&Interpreter", self.interpreter_needed))
        self.add("gp_practice", FormField("&GP practice", self.gp_practice))

    def details(self) -> FamilyDetails:
        return FamilyDetails(
            family_name=_text(self.family_name),
            address_line_1=_text(self.address_line_1),
            address_line_2=_text(self.address_line_2),
            town=_text(self.town),
            postcode=_text(self.postcode),
            main_language=_text(self.main_language),
            interpreter_needed=self.interpreter_needed.isChecked(),
            gp_practice=_text(self.gp_practice),
        )


class CarerSection(FormSection):
    """One carer: name, relationship to the children, date of birth, phone.

    ``prefix`` names the fields ("carer_") where the form has another
    section with the same field names (the new family's).
    """

    def __init__(
        self, title: str, prefix: str = "", family_name: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__(title, parent)
        self.prefix = prefix
        self.given_name = QLineEdit()
        self.family_name = QLineEdit(family_name)
        self.relationship = ChoiceCombo([(r.label, r) for r in CarerRelationship])
        self.relationship.set_value(CarerRelationship.MOTHER)
        self.date_of_birth = OptionalDate("Known")
        self.date_of_birth.date.setAccessibleName("Carer's date of birth")
        self.date_of_birth.planned.setAccessibleName("Carer's date of birth is known")
        self.phone = QLineEdit()
        self.phone.setMaximumWidth(220)
        self.add(
            f"{prefix}given_name",
            FormField(
                "Carer's first &name",
                self.given_name,
                check=_required(self.given_name, "carer's first name"),
            ),
        )
        self.add(
            f"{prefix}family_name",
            FormField(
                "Carer's famil&y name",
                self.family_name,
                check=_required(self.family_name, "carer's family name"),
            ),
        )
        self.add(f"{prefix}relationship_to_child", FormField("&Relationship", self.relationship))
        date_field = FormField(
            "Carer's date of &birth",
            self.date_of_birth.planned,
            beside=[self.date_of_birth.date],
            description="Tick if the date of birth is known, then choose it",
        )
        self.add(f"{prefix}date_of_birth", date_field)
        watch(self.date_of_birth.date, date_field.run_check)
        self.add(f"{prefix}phone", FormField("P&hone", self.phone))

    def details(self) -> CarerDetails:
        relationship = self.relationship.value()
        assert isinstance(relationship, CarerRelationship)
        return CarerDetails(
            given_name=_text(self.given_name),
            family_name=_text(self.family_name),
            relationship_to_child=relationship,
            date_of_birth=self.date_of_birth.value(),
            phone=_text(self.phone),
            smoking_status=SmokingStatus.NOT_KNOWN,
        )


class NewFamilyDialog(RecordDialog):
    """A new family and its first carer; ``saved`` carries the ``FamilySummary``."""

    what = "Family"
    draft_form = NEW_FAMILY_FORM
    draft_title = "new family"

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(workspace, "<b>New family</b> and the first carer", parent)
        self.setWindowTitle("New family — HealthVisitor")
        self.family = FamilySection()
        self.carer = CarerSection("First carer", prefix="carer_")
        self.add_section(self.family)
        self.add_section(self.carer)
        # The carer usually shares the family name: follow it until changed.
        self.family.family_name.textEdited.connect(self._family_name_typed)
        self.finish()

    def _family_name_typed(self, text: str) -> None:
        carer = self.carer.family_name
        if not carer.isModified():
            carer.setText(text)

    def submit(self, **_confirm: bool) -> FamilySummary:
        return self.workspace.create_family(
            self.family.details(), self.carer.details(), idempotency_key=self.save_key
        )

    def draft_person(self) -> str:
        name = _text(self.family.family_name)
        return f"the {name} family" if name else "a family not named yet"

    def draft_where(self) -> str:
        return "Offered again when you choose Records > New family."


class FamilyPicker(QWidget):
    """Find a family of the team by name or postcode and choose it from what is found."""

    changed = Signal()

    def __init__(
        self,
        workspace: Workspace,
        family: FamilySummary | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.search = QLineEdit()
        self.search.setPlaceholderText("Family name or postcode")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(200)
        self.choices = RefillableCombo([], placeholder="Type to find the family")
        self.choices.setAccessibleName("Family found")
        self.choices.setMinimumWidth(280)
        self._found: list[FamilySummary] = []
        self.search.textChanged.connect(self._search)
        self.choices.currentIndexChanged.connect(lambda _i: self.changed.emit())
        if family is not None:
            self.set_found([family])
            self.choices.set_value(family.id)

    def _search(self, text: str) -> None:
        try:
            found = self.workspace.find_families(text)
        except HealthVisitorError as error:
            self.choices.setPlaceholderText(str(error))
            found = []
        self.set_found(found)
        if len(text.strip()) < 2:
            self.choices.setPlaceholderText("Type at least 2 letters to find the family")
        elif not found:
            self.choices.setPlaceholderText(f"No family of the team matches “{text.strip()}”")

    def set_found(self, families: Sequence[FamilySummary]) -> None:
        self._found = list(families)
        self.choices.set_choices(
            [(family.described, family.id) for family in self._found],
            self.choices.placeholderText(),
        )
        if self.choices.currentIndex() < 0 and len(self._found) == 1:
            self.choices.blockSignals(True)
            self.choices.setCurrentIndex(0)
            self.choices.blockSignals(False)
        self.changed.emit()

    def choose(self, family: FamilySummary) -> None:
        """Show and choose ``family`` (e.g. one just created)."""
        self._found = [f for f in self._found if f.id != family.id] + [family]
        self.set_found(self._found)
        self.choices.set_value(family.id)

    def value(self) -> FamilySummary | None:
        chosen = self.choices.value()
        return next((f for f in self._found if f.id == chosen), None)


def family_field(picker: FamilyPicker, *extra: QWidget) -> FormField:
    return FormField(
        "F&amily",
        picker.search,
        beside=[picker.choices, *extra],
        check=lambda: None if picker.value() is not None else "Find and choose the family.",
        description="Type the family name or postcode, then choose the family found",
    )


class FamilyChoiceSection(FormSection):
    """Which family: found by name or postcode, or a new one made on the spot."""

    def __init__(
        self,
        workspace: Workspace,
        family: FamilySummary | None,
        *,
        allow_new: bool,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Family", parent)
        self.picker = FamilyPicker(workspace, family)
        extra: list[QWidget] = []
        self.new_button: QPushButton | None = None
        if allow_new:
            self.new_button = QPushButton("New famil&y…")
            self.new_button.setAccessibleName("New family")
            self.new_button.setAutoDefault(False)
            extra.append(self.new_button)
        self.field = self.add("family", family_field(self.picker, *extra))
        self.picker.changed.connect(self.field.run_check)
        self.carers_note = self.note()
        self.picker.changed.connect(self._describe)
        self._describe()

    def _describe(self) -> None:
        family = self.picker.value()
        if family is None:
            self.carers_note.setText("")
            return
        carers = "; ".join(c.described for c in family.carers) or "no carer recorded yet"
        children = f"{family.children} child{'ren' if family.children != 1 else ''} on record"
        self.carers_note.setText(f"Carers: {carers}. {children}.")


class AddCarerDialog(RecordDialog):
    """Add a carer to a family; ``saved`` carries the family's new ``FamilySummary``."""

    what = "Carer"
    aliases: ClassVar[dict[str, str]] = {"family_id": "family"}
    draft_form = ADD_CARER_FORM
    draft_title = "new carer"

    def __init__(
        self,
        workspace: Workspace,
        family: FamilySummary | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(workspace, "<b>Add a carer</b> to a family", parent)
        self.setWindowTitle("Add carer — HealthVisitor")
        self.opened_for = family
        self.family = FamilyChoiceSection(workspace, family, allow_new=False)
        self.carer = CarerSection("Carer", family_name=family.family_name if family else "")
        self.add_section(self.family)
        self.add_section(self.carer)
        self.finish()

    def submit(self, **_confirm: bool) -> FamilySummary:
        family = self.family.picker.value()
        assert family is not None
        return self.workspace.add_carer(
            family.id, self.carer.details(), idempotency_key=self.save_key
        )

    def draft_subject(self) -> uuid.UUID:
        return self.opened_for.id if self.opened_for is not None else NO_SUBJECT

    def draft_person(self) -> str:
        carer = " ".join(
            part for part in (_text(self.carer.given_name), _text(self.carer.family_name)) if part
        )
        family = self.family.picker.value()
        words = carer or "a carer not named yet"
        return f"{words} of the {family.family_name} family" if family is not None else words

    def draft_where(self) -> str:
        return "Offered again when you choose Records > Add a carer to a family."


# --- Pregnancy --------------------------------------------------------------------


def health_visitor_combo(
    workspace: Workspace, chosen: uuid.UUID | None, *, unallocated: str | None = None
) -> ChoiceCombo:
    team = [
        m
        for m in workspace.team_health_visitors()
        if m.role in (Role.HEALTH_VISITOR, Role.TEAM_LEAD)
    ]
    combo = ChoiceCombo(
        [(member.full_name, member.id) for member in team],
        none_text=unallocated,
        placeholder="" if unallocated else "Choose the health visitor",
    )
    combo.set_value(chosen)
    return combo


class NewPregnancyDialog(RecordDialog):
    """Register an ongoing pregnancy; ``saved`` carries the ``PregnancySummary``."""

    what = "Pregnancy"
    aliases: ClassVar[dict[str, str]] = {
        "health_visitor_id": "health_visitor",
        "estimated_delivery_date": "edd",
    }
    draft_form = NEW_PREGNANCY_FORM
    draft_title = "new pregnancy"

    def __init__(
        self,
        workspace: Workspace,
        family: FamilySummary | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            workspace, "<b>New pregnancy</b>: the mother, the EDD and the health visitor", parent
        )
        self.setWindowTitle("New pregnancy — HealthVisitor")
        self.opened_for = family
        today = workspace.today()
        self.family = FamilyChoiceSection(workspace, family, allow_new=False)
        section = FormSection("Pregnancy")
        self.mother = RefillableCombo([], placeholder="Choose the family first")
        self.edd = short_date_edit()
        self.edd.setMinimumDate(to_qdate(today - dt.timedelta(days=EDD_LATEST_PAST_DAYS)))
        self.edd.setMaximumDate(to_qdate(today + dt.timedelta(days=EDD_FURTHEST_AHEAD_DAYS)))
        self.edd.setDate(to_qdate(today + dt.timedelta(weeks=DEFAULT_WEEKS_TO_EDD)))
        me = workspace.actor
        self.health_visitor = health_visitor_combo(
            workspace, me.user_id if me.role is Role.HEALTH_VISITOR else None
        )
        section.add(
            "mother",
            FormField(
                "&Mother",
                self.mother,
                check=lambda: None if self.mother.value() else "Choose the mother.",
                description="The pregnant woman, from the family's carers",
            ),
        )
        section.add(
            "edd",
            FormField(
                "&Estimated delivery date",
                self.edd,
                description="From the dating scan (40+0 weeks)",
            ),
        )
        section.add(
            "health_visitor",
            FormField(
                "&Health visitor",
                self.health_visitor,
                check=lambda: None if self.health_visitor.value() else "Choose the health visitor.",
            ),
        )
        self.add_section(self.family)
        self.add_section(section)
        self.family.picker.changed.connect(self._family_changed)
        self._family_changed()
        self.finish()

    def _family_changed(self) -> None:
        family = self.family.picker.value()
        carers = family.carers if family else ()
        self.mother.set_choices(
            [(carer.described, carer.id) for carer in carers],
            "Choose the mother" if carers else "Add the mother as a carer of the family first",
        )
        if self.mother.value() is None:
            mothers = [c for c in carers if c.relationship is CarerRelationship.MOTHER]
            if len(mothers) == 1:
                self.mother.set_value(mothers[0].id)

    def submit(self, **_confirm: bool) -> Any:
        family = self.family.picker.value()
        assert family is not None
        return self.workspace.register_pregnancy(
            family.id,
            self.mother.value(),
            _date(self.edd),
            self.health_visitor.value(),
            idempotency_key=self.save_key,
        )

    def draft_subject(self) -> uuid.UUID:
        return self.opened_for.id if self.opened_for is not None else NO_SUBJECT

    def draft_person(self) -> str:
        if self.mother.currentIndex() >= 0:
            return self.mother.currentText()
        family = self.family.picker.value()
        return f"the {family.family_name} family" if family else "a mother not chosen yet"

    def draft_where(self) -> str:
        return "Offered again when you choose Records > New pregnancy."


# --- The child ---------------------------------------------------------------------


def _nhs_problem(text: str) -> str | None:
    if not text.strip():
        return "Enter the NHS number (10 digits)."
    try:
        clean_nhs_number(text)
    except ValidationError as error:
        return " ".join(p.message for p in error.problems)
    return None


def _gestation_problem(text: str) -> str | None:
    try:
        parse_gestation(text)
    except ValidationError as error:
        return " ".join(p.message for p in error.problems)
    return None


def _weight_problem(text: str) -> str | None:
    try:
        weight = parse_number(text)
    except ValueError:
        return "Enter the birth weight in kilograms, e.g. 3.25."
    if weight is None:
        return None
    try:
        check_birth_weight(weight)
    except ValidationError as error:
        return " ".join(p.message for p in error.problems)
    return None


class ChildSection(FormSection):
    """Who the child is: NHS number, names, birth details."""

    def __init__(
        self, today: dt.date, family_name: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__("Child", parent)
        self.nhs_number = QLineEdit()
        self.nhs_number.setPlaceholderText("e.g. 943 476 5919")
        self.nhs_number.setMaximumWidth(200)
        self.given_name = QLineEdit()
        self.family_name = QLineEdit(family_name)
        self.date_of_birth = short_date_edit()
        self.date_of_birth.setMaximumDate(to_qdate(today))
        self.date_of_birth.setDate(to_qdate(today))
        self.sex = ChoiceCombo([(s.label, s) for s in Sex], placeholder="Choose")
        self.sex.setMaximumWidth(160)
        self.gestation = QLineEdit()
        self.gestation.setPlaceholderText("weeks+days, e.g. 39+2")
        self.gestation.setMaximumWidth(200)
        self.birth_weight = NumberEdit("kg, e.g. 3.25")
        self.place_of_birth = QLineEdit()
        self.add(
            "nhs_number",
            FormField(
                "NHS &number", self.nhs_number, check=lambda: _nhs_problem(self.nhs_number.text())
            ),
        )
        self.add(
            "given_name",
            FormField(
                "Child's first na&me",
                self.given_name,
                check=_required(self.given_name, "child's first name"),
            ),
        )
        self.add(
            "family_name",
            FormField(
                "Child's fami&ly name",
                self.family_name,
                check=_required(self.family_name, "child's family name"),
            ),
        )
        self.add("date_of_birth", FormField("Date of &birth", self.date_of_birth))
        self.add(
            "sex",
            FormField(
                "&Sex",
                self.sex,
                check=lambda: None if self.sex.value() else "Choose the child's sex.",
                description="As recorded for the UK-WHO growth charts",
            ),
        )
        self.add(
            "gestation",
            FormField(
                "&Gestation at birth",
                self.gestation,
                check=lambda: _gestation_problem(self.gestation.text()),
            ),
        )
        self.add(
            "birth_weight_kg",
            FormField(
                "Birth &weight (kg)",
                self.birth_weight,
                check=lambda: _weight_problem(self.birth_weight.text()),
                description="Leave empty if not known",
            ),
        )
        self.add("place_of_birth", FormField("&Place of birth", self.place_of_birth))
        # An NHS number checks when finished, not at every digit typed.
        self.nhs_number.textChanged.disconnect()
        self.nhs_number.editingFinished.connect(self.fields["nhs_number"].run_check)

    def baby(self) -> BabyDetails:
        """The child as typed (call when every field checks out)."""
        gestation = parse_gestation(self.gestation.text())
        sex = self.sex.value()
        return BabyDetails(
            nhs_number=self.nhs_number.text(),
            given_name=_text(self.given_name),
            family_name=_text(self.family_name),
            date_of_birth=_date(self.date_of_birth),
            sex=sex if isinstance(sex, Sex) else None,
            gestation_weeks=gestation.weeks,
            gestation_days=gestation.days,
            birth_weight_kg=parse_number(self.birth_weight.text()),
            place_of_birth=_text(self.place_of_birth),
        )


class PriorReviewRow:
    """One review done elsewhere: ticked if done, its date, where, and the weight then."""

    def __init__(self, kind: ContactKind, today: dt.date) -> None:
        self.kind = kind
        self.done = QCheckBox("Done")
        self.done.setAccessibleName(f"{kind.label} done elsewhere")
        self.date = short_date_edit()
        self.date.setMaximumDate(to_qdate(today))
        self.date.setDate(to_qdate(today))
        self.date.setAccessibleName(f"{kind.label} date")
        self.location = ChoiceCombo([(place.label, place) for place in ContactLocation])
        self.location.set_value(USUAL_PLACE[kind])
        self.location.setAccessibleName(f"{kind.label} place")
        self.weight = NumberEdit("weight kg")
        self.weight.setMaximumWidth(120)
        self.weight.setAccessibleName(f"{kind.label} weight in kilograms (optional)")
        for widget in (self.date, self.location, self.weight):
            widget.setEnabled(False)
            self.done.toggled.connect(widget.setEnabled)

    def review(self) -> PriorReview | None:
        if not self.done.isChecked():
            return None
        weight = parse_number(self.weight.text())
        location = self.location.value()
        assert isinstance(location, ContactLocation)
        return PriorReview(
            self.kind,
            _date(self.date),
            location,
            (MeasurementEntry(MeasurementKind.WEIGHT, weight),) if weight is not None else (),
        )


class TransferSection(FormSection):
    """Where the child came from, when, and the reviews already done there."""

    def __init__(self, today: dt.date, parent: QWidget | None = None) -> None:
        super().__init__("Transfer in from another area", parent)
        self.from_area = QLineEdit()
        self.from_area.setPlaceholderText("e.g. Bradford 0-19 service")
        self.from_area.setMaxLength(100)
        self.arrived_on = short_date_edit()
        self.arrived_on.setMaximumDate(to_qdate(today))
        self.arrived_on.setDate(to_qdate(today))
        self.add(
            "from_area",
            FormField(
                "&Came from",
                self.from_area,
                check=_required(self.from_area, "area or service the child came from"),
            ),
        )
        self.add("arrived_on", FormField("Arrive&d on", self.arrived_on))
        self.note("Reviews already done by the previous service (they count as done here):")
        self.reviews = [PriorReviewRow(kind, today) for kind in TRANSFERABLE_REVIEWS]
        mnemonics = ("N&ew birth visit", "&6-8 week review", "&1 year review", "&2-2½ year review")
        for row, text in zip(self.reviews, mnemonics, strict=True):
            field = FormField(
                text,
                row.done,
                beside=[row.date, row.location, row.weight],
                check=self._weight_check(row),
            )
            field.widget.setAccessibleName(f"{row.kind.label} done elsewhere")
            self.add(f"review_{row.kind.value}", field)
            watch(row.weight, field.run_check)

    @staticmethod
    def _weight_check(row: PriorReviewRow) -> Callable[[], str | None]:
        def check() -> str | None:
            if not row.done.isChecked():
                return None
            return measurement_problem(MeasurementKind.WEIGHT, row.weight.text())

        return check

    def prior_reviews(self) -> tuple[PriorReview, ...]:
        return tuple(r for row in self.reviews if (r := row.review()) is not None)


class RegisterChildDialog(RecordDialog):
    """A new birth notification, or a child transferring in; ``saved`` carries its summary."""

    what = "Child"
    aliases: ClassVar[dict[str, str]] = {
        "family_id": "family",
        "health_visitor_id": "health_visitor",
        "gestation_weeks": "gestation",
    }
    NEW_BIRTH = "new_birth"
    TRANSFER_IN = "transfer_in"
    draft_form = REGISTER_CHILD_FORM

    def __init__(
        self,
        workspace: Workspace,
        family: FamilySummary | None = None,
        *,
        transfer: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(workspace, "<b>Register a child</b>", parent)
        self.setWindowTitle("Register a child — HealthVisitor")
        self.opened_for = family
        today = workspace.today()
        how = FormSection("How the child comes to the team")
        self.how = ChoiceCombo(
            [
                ("New birth notification", self.NEW_BIRTH),
                ("Transfer in from another area", self.TRANSFER_IN),
            ]
        )
        self.health_visitor = health_visitor_combo(
            workspace, None, unallocated="Unallocated: the team lead allocates"
        )
        how.add("how", FormField("&Registering", self.how))
        self.hv_field = how.add(
            "health_visitor",
            FormField(
                "Health &visitor",
                self.health_visitor,
                description="A transfer in always joins the unallocated list",
            ),
        )
        self.family = FamilyChoiceSection(workspace, family, allow_new=True)
        assert self.family.new_button is not None
        self.family.new_button.clicked.connect(self.new_family)
        self.child = ChildSection(today, family.family_name if family else "")
        self.transfer = TransferSection(today)
        for section in (how, self.family, self.child, self.transfer):
            self.add_section(section)
        self.family_dialog: NewFamilyDialog | None = None
        self.how.currentIndexChanged.connect(lambda _i: self._how_changed())
        self.family.picker.changed.connect(self._family_changed)
        self.finish()
        # After finish(): a section shown before it has a parent would be a window of its own.
        self.how.set_value(self.TRANSFER_IN if transfer else self.NEW_BIRTH)
        self._how_changed()
        self._untouched = self._snapshot()
        self.resize(max(self.width(), 840), MAXIMUM_HEIGHT)

    def is_transfer(self) -> bool:
        return bool(self.how.value() == self.TRANSFER_IN)

    def draft_subject(self) -> uuid.UUID:
        return self.opened_for.id if self.opened_for is not None else NO_SUBJECT

    def draft_description(self) -> tuple[str, str]:
        title = (
            "registration of a child transferring in"
            if self.is_transfer()
            else "registration of a new birth"
        )
        return title, self.draft_person()

    def draft_person(self) -> str:
        name = " ".join(
            part for part in (_text(self.child.given_name), _text(self.child.family_name)) if part
        )
        return name or "a child not named yet"

    def draft_where(self) -> str:
        return (
            "Offered again when you choose Records > Register a child (a new birth "
            "notification or a transfer in)."
        )

    def _how_changed(self) -> None:
        transfer = self.is_transfer()
        self.transfer.setVisible(transfer)
        self.hv_field.set_visible(not transfer)
        self.heading.setText(
            "<b>Register a child</b> transferring in from another area: they join the "
            "unallocated list with the reviews already done"
            if transfer
            else "<b>Register a child</b>: a new birth notification"
        )

    def _family_changed(self) -> None:
        family = self.family.picker.value()
        if family is not None and not self.child.family_name.isModified():
            self.child.family_name.setText(family.family_name)

    def new_family(self) -> NewFamilyDialog:
        """Make the family on the spot (window-modal over this dialog), then choose it."""
        dialog = NewFamilyDialog(self.workspace, self)
        dialog.saved.connect(self._family_made)
        self.family_dialog = dialog
        open_window_modal(dialog, self._family_dialog_closed)
        dialog.offer_draft()
        return dialog

    def _family_made(self, family: FamilySummary) -> None:
        self.family.picker.choose(family)

    def _family_dialog_closed(self, _result: int) -> None:
        self.family_dialog = None

    def submit(self, *, confirm_possible_duplicate: bool, confirm_implausible: bool) -> Any:
        family = self.family.picker.value()
        assert family is not None
        baby = self.child.baby()
        if self.is_transfer():
            return self.workspace.transfer_in(
                TransferIn(
                    baby=baby,
                    from_area=_text(self.transfer.from_area),
                    arrived_on=_date(self.transfer.arrived_on),
                    family_id=family.id,
                    reviews=self.transfer.prior_reviews(),
                ),
                confirm_possible_duplicate=confirm_possible_duplicate,
                confirm_implausible=confirm_implausible,
            )
        assert baby.sex is not None
        return self.workspace.register_child(
            ChildDetails(
                nhs_number=baby.nhs_number,
                given_name=baby.given_name,
                family_name=baby.family_name,
                date_of_birth=baby.date_of_birth,
                sex=baby.sex,
                gestation_weeks=baby.gestation_weeks,
                gestation_days=baby.gestation_days,
                birth_weight_kg=baby.birth_weight_kg,
                family_id=family.id,
                health_visitor_id=self.health_visitor.value(),
                place_of_birth=baby.place_of_birth,
            ),
            confirm_possible_duplicate=confirm_possible_duplicate,
        )


class RecordBirthDialog(RecordDialog):
    """The birth of a pregnancy's baby; ``saved`` carries the new child's ``ChildSummary``."""

    what = "Birth"
    aliases: ClassVar[dict[str, str]] = {
        "gestation_weeks": "gestation",
        "pregnancy": "date_of_birth",
    }
    draft_form = RECORD_BIRTH_FORM
    draft_title = "record of the birth"

    def __init__(
        self, workspace: Workspace, pregnancy: PregnancyRow, parent: QWidget | None = None
    ) -> None:
        edd = short_date(pregnancy.estimated_delivery_date)
        super().__init__(
            workspace,
            f"<b>Record the birth</b>: {pregnancy.mother_name}'s baby, estimated delivery {edd}",
            parent,
        )
        self.setWindowTitle(f"Record birth: {pregnancy.mother_name} — HealthVisitor")
        self.pregnancy = pregnancy
        today = workspace.today()
        self.child = ChildSection(today, pregnancy.family)
        self.child.date_of_birth.setDate(to_qdate(min(today, pregnancy.estimated_delivery_date)))
        self.add_section(self.child)
        names = {m.id: m.full_name for m in workspace.team_health_visitors()}
        holder = names.get(pregnancy.health_visitor_id) if pregnancy.health_visitor_id else None
        self.allocation_note = self.child.note(
            f"The baby joins the {pregnancy.family} family, allocated to {holder}, who had the "
            "pregnancy; the antenatal review shows in the baby's record. For twins, record "
            "each baby in turn."
            if holder
            else f"The baby joins the {pregnancy.family} family and the unallocated list."
        )
        self.finish()

    def submit(self, *, confirm_possible_duplicate: bool, confirm_implausible: bool) -> Any:
        return self.workspace.record_birth(
            self.pregnancy.pregnancy_id,
            self.child.baby(),
            confirm_possible_duplicate=confirm_possible_duplicate,
        )

    def draft_subject(self) -> uuid.UUID:
        return self.pregnancy.pregnancy_id

    def draft_person(self) -> str:
        return f"{self.pregnancy.mother_name}'s baby"

    def draft_where(self) -> str:
        return (
            f"Offered again when you record the birth of {self.pregnancy.mother_name}'s baby "
            "from the Pregnancies tab."
        )


class PregnancyOutcomeDialog(RecordDialog):
    """A pregnancy that ended other than in a live birth: it leaves the pregnancies list."""

    what = "Outcome"
    draft_form = PREGNANCY_OUTCOME_FORM
    draft_title = "record of how the pregnancy ended"

    def __init__(
        self, workspace: Workspace, pregnancy: PregnancyRow, parent: QWidget | None = None
    ) -> None:
        edd = short_date(pregnancy.estimated_delivery_date)
        super().__init__(
            workspace,
            f"<b>How the pregnancy ended</b>: {pregnancy.mother_name}, estimated delivery {edd}. "
            "Its antenatal contacts stay on record. For a live birth use Record the birth.",
            parent,
        )
        self.setWindowTitle(f"Pregnancy ended: {pregnancy.mother_name} — HealthVisitor")
        self.pregnancy = pregnancy
        section = FormSection("Outcome")
        self.outcome = ChoiceCombo(
            [(outcome.label, outcome) for outcome in OTHER_OUTCOMES], placeholder="Choose"
        )
        self.outcome_date = short_date_edit()
        self.outcome_date.setMaximumDate(to_qdate(workspace.today()))
        self.outcome_date.setDate(to_qdate(workspace.today()))
        section.add(
            "outcome",
            FormField(
                "&Outcome",
                self.outcome,
                check=lambda: None if self.outcome.value() else "Choose how the pregnancy ended.",
            ),
        )
        section.add("outcome_date", FormField("&Date", self.outcome_date))
        self.add_section(section)
        self.finish()

    def submit(self, **_confirm: bool) -> Any:
        return self.workspace.record_pregnancy_outcome(
            self.pregnancy.pregnancy_id, self.outcome.value(), _date(self.outcome_date)
        )

    def draft_subject(self) -> uuid.UUID:
        return self.pregnancy.pregnancy_id

    def draft_person(self) -> str:
        return self.pregnancy.mother_name

    def draft_where(self) -> str:
        return (
            f"Offered again when you record how {self.pregnancy.mother_name}'s pregnancy "
            "ended, from the Pregnancies tab."
        )


# --- Closing and reopening a record -----------------------------------------------------


class CloseRecordDialog(RecordDialog):
    """Close a child's record; ``saved`` carries the ``StatusChangeSummary``."""

    what = "Closing"
    draft_form = CLOSE_RECORD_FORM
    draft_title = "closing of the record"

    def __init__(
        self, workspace: Workspace, record: ChildRecord, parent: QWidget | None = None
    ) -> None:
        super().__init__(
            workspace,
            f"<b>Close the record</b> of {record.name} (NHS {record.nhs_number}). Nothing is "
            "deleted: the record becomes read-only and leaves the caseload.",
            parent,
        )
        self.setWindowTitle(f"Close record: {record.name} — HealthVisitor")
        self.record = record
        today = workspace.today()
        section = FormSection("Why the record closes")
        self.status = ChoiceCombo(
            [(status.label, status) for status in CLOSING_WORDS], placeholder="Choose why"
        )
        self.effective_date = short_date_edit()
        self.effective_date.setMaximumDate(to_qdate(today))
        self.effective_date.setMinimumDate(to_qdate(record.date_of_birth))
        self.effective_date.setDate(to_qdate(today))
        self.detail = QLineEdit()
        section.add(
            "status",
            FormField(
                "&Reason",
                self.status,
                check=lambda: None if self.status.value() else "Choose why the record closes.",
            ),
        )
        self.date_field = section.add("effective_date", FormField("&Date", self.effective_date))
        self.detail_field = section.add(
            "detail", FormField("&Where to", self.detail, check=self._detail_problem)
        )
        self.consequence = section.note()
        self.add_section(section)
        self.status.currentIndexChanged.connect(lambda _i: self._status_changed())
        self._status_changed()
        self.finish()

    def chosen(self) -> RecordStatus | None:
        status = self.status.value()
        return status if isinstance(status, RecordStatus) else None

    def _detail_problem(self) -> str | None:
        status = self.chosen()
        if status in (RecordStatus.TRANSFERRED_OUT, RecordStatus.DISCHARGED) and not _text(
            self.detail
        ):
            return (
                "Say where the child's care is transferred to."
                if status is RecordStatus.TRANSFERRED_OUT
                else "Say who the child is handed over to."
            )
        return None

    def _status_changed(self) -> None:
        status = self.chosen()
        label, hint, date_label = CLOSING_WORDS.get(
            status or RecordStatus.MOVED_AWAY, CLOSING_WORDS[RecordStatus.MOVED_AWAY]
        )
        if status is None:
            label, hint, date_label = "&Where to", "Choose the reason first", "&Date"
        self.detail_field.label.setText(label)
        self.detail.setAccessibleName(label.replace("&", ""))
        self.detail.setPlaceholderText(hint)
        self.date_field.label.setText(date_label)
        self.effective_date.setAccessibleName(date_label.replace("&", ""))
        self.consequence.setText(
            "All reminders stop; the record stays on file, read-only, and cannot be reopened."
            if status is RecordStatus.DECEASED
            else "All reminders stop. If the child comes back, the record can be reopened."
        )
        if self.detail_field.message.message():
            self.detail_field.run_check()

    def save(self) -> None:
        """A death closes the record for good: say so and ask before saving it."""
        if self.chosen() is RecordStatus.DECEASED and not self.check_everything():
            day = short_date(_date(self.effective_date))
            if not self.ask(
                "Record this child's death?",
                f"Record that {self.record.name} died on {day}? The record closes for good: "
                "it cannot be reopened.",
            ):
                return
        super().save()

    def submit(self, **_confirm: bool) -> Any:
        status = self.chosen()
        assert status is not None
        return self.workspace.change_record_status(
            self.record.id, status, _date(self.effective_date), _text(self.detail)
        )

    def draft_subject(self) -> uuid.UUID:
        return self.record.id

    def draft_person(self) -> str:
        return self.record.name

    def draft_where(self) -> str:
        return f"Offered again when you choose Close record in {self.record.name}'s record."


class ReopenRecordDialog(RecordDialog):
    """Reopen a closed record (a child who moved back); it returns unallocated."""

    what = "Reopening"
    draft_form = REOPEN_RECORD_FORM
    draft_title = "reopening of the record"

    def __init__(
        self, workspace: Workspace, record: ChildRecord, parent: QWidget | None = None
    ) -> None:
        super().__init__(
            workspace,
            f"<b>Reopen the record</b> of {record.name} (NHS {record.nhs_number}). The child "
            "returns to the team's unallocated list for the team lead to allocate.",
            parent,
        )
        self.setWindowTitle(f"Reopen record: {record.name} — HealthVisitor")
        self.record = record
        today = workspace.today()
        section = FormSection("Reopening")
        self.effective_date = short_date_edit()
        self.effective_date.setMaximumDate(to_qdate(today))
        self.effective_date.setDate(to_qdate(today))
        self.detail = QLineEdit()
        self.detail.setPlaceholderText("e.g. Family moved back to Chapeltown")
        section.add("effective_date", FormField("Reopened &on", self.effective_date))
        section.add("detail", FormField("&Why", self.detail))
        self.add_section(section)
        self.finish()

    def submit(self, **_confirm: bool) -> Any:
        return self.workspace.reopen_record(
            self.record.id, _date(self.effective_date), _text(self.detail)
        )

    def draft_subject(self) -> uuid.UUID:
        return self.record.id

    def draft_person(self) -> str:
        return self.record.name

    def draft_where(self) -> str:
        return f"Offered again when you choose Reopen record in {self.record.name}'s record."


def open_dialog(
    dialog: RecordDialog,
    *,
    on_saved: Callable[[Any], None],
    on_finished: Callable[[int], None],
) -> RecordDialog:
    """Show ``dialog`` window-modal over its parent (deleted when closed).

    ``on_saved`` and ``on_finished`` must be bound methods, not lambdas holding
    a widget (PySide6 6.11 crashes deleting a widget connected to such a lambda).
    """
    screen = dialog.screen()
    if screen is not None:  # never bigger than a 1366x768 laptop's free area
        free = screen.availableGeometry()
        size = dialog.size().expandedTo(dialog.sizeHint())
        dialog.resize(min(size.width(), free.width() - 40), min(size.height(), free.height() - 40))
    dialog.saved.connect(on_saved)
    open_window_modal(dialog, on_finished)
    dialog.offer_draft()  # issue 9: typing left in this form for this record, if any
    return dialog


# --- The main window's "Records" menu -------------------------------------------------


class RecordsMenu(QMenu):
    """Records: new family, carer, pregnancy and child, and the birth of a chosen pregnancy.

    After anything is saved the caseload (and the team board) is read again.
    """

    def __init__(self, window: Any, workspace: Workspace) -> None:
        super().__init__("&Records", window)
        self.window_ = window
        self.workspace = workspace
        self.dialog: RecordDialog | None = None
        self.new_family_action = self._action("New &family…", "", self.new_family)
        self.add_carer_action = self._action("Add a &carer to a family…", "", self.add_carer)
        self.new_pregnancy_action = self._action(
            "New &pregnancy…", "Ctrl+Shift+P", self.new_pregnancy
        )
        self.addSeparator()
        self.register_child_action = self._action(
            "&Register a child (new birth notification)…", "Ctrl+Shift+N", self.register_child
        )
        self.transfer_in_action = self._action(
            "Register a child &transferring in…", "Ctrl+Shift+T", self.transfer_in
        )
        self.record_birth_action = self._action(
            "Record the &birth for the chosen pregnancy…", "Ctrl+Shift+B", self.record_birth
        )
        self.outcome_action = self._action(
            "Record how the chosen pregnancy &ended otherwise…", "", self.record_outcome
        )
        pregnancies = getattr(getattr(window, "caseload", None), "pregnancies", None)
        if pregnancies is not None:
            pregnancies.birth_requested.connect(self.record_birth_of)
            pregnancies.outcome_requested.connect(self.record_outcome_of)

    def _action(self, text: str, shortcut: str, slot: Callable[[], object]) -> QAction:
        action = self.addAction(text)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        return action

    def _show(self, dialog: RecordDialog) -> RecordDialog:
        self.dialog = open_dialog(dialog, on_saved=self._saved, on_finished=self._finished)
        return self.dialog

    def _saved(self, _result: object) -> None:
        caseload = getattr(self.window_, "caseload", None)
        if caseload is not None:
            caseload.refresh()

    def _finished(self, _result: int) -> None:
        self.dialog = None

    def new_family(self) -> RecordDialog:
        return self._show(NewFamilyDialog(self.workspace, self.window_))

    def add_carer(self) -> RecordDialog:
        return self._show(AddCarerDialog(self.workspace, parent=self.window_))

    def new_pregnancy(self) -> RecordDialog:
        return self._show(NewPregnancyDialog(self.workspace, parent=self.window_))

    def register_child(self) -> RecordDialog:
        return self._show(RegisterChildDialog(self.workspace, parent=self.window_))

    def transfer_in(self) -> RecordDialog:
        return self._show(RegisterChildDialog(self.workspace, transfer=True, parent=self.window_))

    def _chosen_pregnancy(self, then: str) -> PregnancyRow | None:
        row: PregnancyRow | None = self.window_.caseload.pregnancies.current_row()
        if row is None:
            QMessageBox.information(
                self.window_,
                "Choose a pregnancy",
                f"Choose the pregnancy on the Pregnancies tab (Ctrl+2) first, then {then}.",
            )
        return row

    def record_birth(self) -> RecordDialog | None:
        row = self._chosen_pregnancy("record the birth")
        return self.record_birth_of(row) if row is not None else None

    def record_outcome(self) -> RecordDialog | None:
        row = self._chosen_pregnancy("record how it ended")
        return self.record_outcome_of(row) if row is not None else None

    def record_outcome_of(self, row: PregnancyRow) -> RecordDialog:
        return self._show(PregnancyOutcomeDialog(self.workspace, row, self.window_))

    def record_birth_of(self, row: PregnancyRow) -> RecordDialog:
        return self._show(RecordBirthDialog(self.workspace, row, self.window_))


def build_records_menu(menus: QMenuBar, window: Any, workspace: Workspace) -> RecordsMenu:
    """Add the "Records" menu to the main window's menu bar (its one call in ``_build_menus``)."""
    menu = RecordsMenu(window, workspace)
    menus.addMenu(menu)
    return menu
