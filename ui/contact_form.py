"""Recording a contact: a mandated review (or another contact) with its structured findings.

The form is about a ``ContactSubject``: a born child (from the child's
record) or a pregnancy whose baby is not born yet (from the pregnancies
list, for the antenatal health promoting review only: issue 3).

The form shows what the chosen review records (DOMAIN.md, "What a review
records"; the service's ``FEEDING_REVIEWS``, ``MATERNAL_MOOD_REVIEWS`` and
``DEVELOPMENT_REVIEWS``), checks each field as the user types and says
what is wrong under it. On Save it hands a ``ContactEntry`` to the
``Workspace``: a ``ValidationError`` puts each problem beside its field
(problems with no field go in the summary at the top) and keeps everything
typed; a change that looks implausible asks "Save anyway?"; any other
problem is explained and the form stays open. Esc asks before throwing
away what was typed.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QHideEvent, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from healthvisitor.domain.enums import (
    ContactKind,
    ContactLocation,
    ContactOutcome,
    MeasurementKind,
    ReviewStatus,
    Role,
)
from healthvisitor.domain.schedule import add_months
from healthvisitor.domain.validation import check_contact_date
from healthvisitor.drafts import CONTACT_FORM, Draft
from healthvisitor.errors import (
    DatabaseUnavailableError,
    FieldProblem,
    HealthVisitorError,
    PasswordRequiredError,
    ValidationError,
)
from healthvisitor.services.contacts import (
    DEVELOPMENT_REVIEWS,
    FEEDING_REVIEWS,
    MATERNAL_MOOD_REVIEWS,
    ContactEntry,
    ImplausibleChangeError,
    RecordedContact,
    review_window_problem,
)
from healthvisitor.ui.caseload_model import short_date, spoken_date
from healthvisitor.ui.connection_status import connection_events
from healthvisitor.ui.contact_form_sections import (
    DevelopmentSection,
    FeedingSection,
    FollowUpSection,
    FormSection,
    GrowthSection,
    MoodSection,
    SmokingSection,
    date_edit,
    from_qdate,
    to_qdate,
    value_of,
)
from healthvisitor.ui.form_drafts import DraftKeeper, fields_state, offer_draft, restore_fields
from healthvisitor.ui.form_fields import ChoiceCombo, FieldMessage, FormField

if TYPE_CHECKING:
    from healthvisitor.services.caseload import HealthVisitorSummary
    from healthvisitor.services.child_record import ChildRecord
    from healthvisitor.services.pregnancies import PregnancyRow
    from healthvisitor.services.workspace import Workspace

#: Length is measured lying down until the second birthday, height standing after
#: (UK-WHO 0-4 years chart: "length to 2 years, height 2-4 years").
HEIGHT_FROM_MONTHS = 24
#: The reviews that come after birth, in the order they fall due.
CHILD_REVIEWS = (
    ContactKind.NEW_BIRTH_VISIT,
    ContactKind.SIX_TO_EIGHT_WEEK,
    ContactKind.ONE_YEAR,
    ContactKind.TWO_YEAR,
)
#: Statuses that make a review the one to record next, most urgent first.
NEXT_DUE = (
    ReviewStatus.OVERDUE,
    ReviewStatus.NOT_ATTENDED,
    ReviewStatus.DUE,
    ReviewStatus.NOT_ATTENDED_REBOOKED,
)
#: Service field names that belong to another field of this form.
FIELD_ALIASES = {MeasurementKind.HEIGHT.value: MeasurementKind.LENGTH.value, "pregnancy_id": "kind"}


@dataclass(frozen=True)
class ContactSubject:
    """Whom a contact is about, as the form needs to know it: a child or a pregnancy.

    Built from the read model the screen already holds (``for_child``,
    ``for_pregnancy``), so the one form serves both without a database call.
    """

    name: str
    heading: str  # rich text for the top of the form
    spoken: str  # the same for a screen reader
    kinds: tuple[ContactKind, ...]  # what may be recorded, in the order offered
    statuses: tuple[tuple[ContactKind, ReviewStatus], ...]
    child_id: uuid.UUID | None = None
    pregnancy_id: uuid.UUID | None = None
    date_of_birth: dt.date | None = None
    estimated_delivery_date: dt.date | None = None
    health_visitor_id: uuid.UUID | None = None
    interpreter_needed: bool = False
    main_language: str = ""

    @classmethod
    def for_child(cls, record: ChildRecord) -> ContactSubject:
        # The antenatal review is recorded on the pregnancy, so it is offered
        # only when the record knows the pregnancy the child was born of.
        antenatal = (ContactKind.ANTENATAL,) if record.pregnancy_id is not None else ()
        return cls(
            name=record.name,
            heading=f"<b>{record.name}</b> &nbsp;·&nbsp; NHS number {record.nhs_number} "
            f"&nbsp;·&nbsp; born {short_date(record.date_of_birth)} ({record.age})",
            spoken=f"Recording a contact for {record.name}, NHS number {record.nhs_number}",
            kinds=(*antenatal, *CHILD_REVIEWS, ContactKind.OTHER),
            statuses=tuple((line.kind, line.status) for line in record.reviews),
            child_id=record.id,
            pregnancy_id=record.pregnancy_id,
            date_of_birth=record.date_of_birth,
            health_visitor_id=record.health_visitor_id,
            interpreter_needed=record.interpreter_needed,
            main_language=record.main_language,
        )

    @classmethod
    def for_pregnancy(cls, row: PregnancyRow) -> ContactSubject:
        # Before the birth only the antenatal review belongs to the pregnancy;
        # every other contact is recorded on the child once born.
        edd = short_date(row.estimated_delivery_date)
        said = spoken_date(row.estimated_delivery_date)
        plan = " &nbsp;·&nbsp; ⚑ on a pre-birth plan" if row.pre_birth_plan else ""
        return cls(
            name=row.mother_name,
            heading=f"<b>{row.mother_name}</b> &nbsp;·&nbsp; pregnant, {row.gestation_today} "
            f"today &nbsp;·&nbsp; estimated delivery {edd}{plan}",
            spoken=f"Recording the antenatal review for {row.mother_name}, "
            f"{row.gestation_today} pregnant, estimated delivery {said}"
            + (", on a pre-birth plan" if row.pre_birth_plan else ""),
            kinds=(ContactKind.ANTENATAL,),
            statuses=((ContactKind.ANTENATAL, row.antenatal.status),),
            pregnancy_id=row.pregnancy_id,
            estimated_delivery_date=row.estimated_delivery_date,
            health_visitor_id=row.health_visitor_id,
            interpreter_needed=row.interpreter_needed,
            main_language=row.main_language,
        )

    def status_of(self, kind: ContactKind) -> ReviewStatus | None:
        return next((status for known, status in self.statuses if known is kind), None)


def available_kinds(subject: ContactSubject) -> list[ContactKind]:
    """What can be recorded for this child or pregnancy."""
    return list(subject.kinds)


def default_kind(subject: ContactSubject) -> ContactKind:
    """The review to record next: the most urgent due or overdue one, else another contact."""
    kinds = available_kinds(subject)
    for status in NEXT_DUE:
        for kind in kinds:
            if subject.status_of(kind) is status:
                return kind
    # Nothing due: an early review is the exception, so the form starts on "other"
    # (a pregnancy offers only its antenatal review).
    return ContactKind.OTHER if ContactKind.OTHER in kinds else kinds[0]


def kind_text(kind: ContactKind, subject: ContactSubject) -> str:
    status = subject.status_of(kind)
    return f"{kind.label} ({status.label.lower()})" if status else kind.label


class ContactDetailsSection(FormSection):
    """Which review, when, where, how it went, and who delivered it."""

    def __init__(
        self,
        subject: ContactSubject,
        team: Sequence[HealthVisitorSummary],
        signed_in: uuid.UUID,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("The contact", parent)
        self.kind = ChoiceCombo([(kind_text(k, subject), k) for k in available_kinds(subject)])
        self.contact_date = date_edit()
        self.location = ChoiceCombo(
            [(place.label, place) for place in ContactLocation], placeholder="Choose where"
        )
        self.outcome = ChoiceCombo([(outcome.label, outcome) for outcome in ContactOutcome])
        self.who_was_seen = QLineEdit()
        self.who_was_seen.setPlaceholderText(
            "e.g. mother and baby" if subject.child_id else "e.g. mother and partner"
        )
        self.interpreter_used = QCheckBox("An interpreter was used")
        self.delivered_by = ChoiceCombo(
            [(member.full_name, member.id) for member in team], placeholder="Choose who"
        )
        self.delivered_by.set_value(signed_in)
        accountable = [m for m in team if m.role in (Role.HEALTH_VISITOR, Role.TEAM_LEAD)]
        self.accountable = ChoiceCombo(
            [(member.full_name, member.id) for member in accountable],
            placeholder="Choose the named health visitor",
        )
        self.accountable.set_value(subject.health_visitor_id)
        if self.accountable.currentIndex() < 0:
            self.accountable.set_value(signed_in)

        self.add("kind", FormField("&Review or contact", self.kind))
        self.add(
            "contact_date",
            FormField("&Date", self.contact_date, description="The day the contact took place"),
        )
        self.add("location", FormField("W&here", self.location))
        self.add("outcome", FormField("O&utcome", self.outcome))
        self.outcome_note = self.note()
        self.add("who_was_seen", FormField("&Who was seen", self.who_was_seen))
        interpreter = FormField("&Interpreter", self.interpreter_used)
        self.add("interpreter_used", interpreter)
        if subject.interpreter_needed:
            interpreter.set_description(
                f"The family's record says an interpreter is needed ({subject.main_language})"
            )
        self.add(
            "delivered_by",
            FormField(
                "Deli&vered by",
                self.delivered_by,
                description="Who carried out the contact (delegated work included)",
            ),
        )
        self.add(
            "accountable_health_visitor",
            FormField(
                "&Accountable health visitor",
                self.accountable,
                description="The named health visitor accountable for the review",
            ),
        )
        self.fields["location"].check = lambda: (
            "Choose where the contact took place." if self.location.value() is None else None
        )
        self.fields["delivered_by"].check = lambda: (
            "Choose who delivered the contact." if self.delivered_by.value() is None else None
        )

    def chosen_kind(self) -> ContactKind:
        kind = self.kind.value()
        return kind if isinstance(kind, ContactKind) else ContactKind.OTHER

    def chosen_outcome(self) -> ContactOutcome:
        outcome = self.outcome.value()
        return outcome if isinstance(outcome, ContactOutcome) else ContactOutcome.COMPLETED

    def date(self) -> dt.date:
        return from_qdate(self.contact_date.date())


class ContactForm(QDialog):
    """Record one contact for one child or pregnancy; ``saved`` carries the ``RecordedContact``."""

    saved = Signal(object)

    def __init__(
        self,
        workspace: Workspace,
        subject: ContactSubject,
        kind: ContactKind | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._workspace = workspace
        self.subject = subject
        self.recorded: RecordedContact | None = None
        self.setObjectName("contactForm")
        # An explicit minimum: the layout then never resizes the window as messages
        # come and go (the scroll area takes up the difference).
        self.setMinimumSize(760, 480)
        today = workspace.today()

        self.details = ContactDetailsSection(
            subject, workspace.team_health_visitors(), workspace.actor.user_id
        )
        self.growth = GrowthSection()
        self.feeding = FeedingSection()
        self.mood = MoodSection()
        self.smoking = SmokingSection()
        self.development = DevelopmentSection()
        self.follow_up = FollowUpSection()
        self.findings: tuple[FormSection, ...] = (
            self.growth,
            self.feeding,
            self.mood,
            self.smoking,
            self.development,
        )
        # Two columns of about equal length for any review; Tab runs down the left, then the right.
        self.left_column = (self.details, self.smoking)
        self.right_column = (self.growth, self.feeding, self.mood, self.development, self.follow_up)
        self.sections = (*self.left_column, *self.right_column)
        self.fields: dict[str, FormField] = {}
        for section in self.sections:
            self.fields.update(section.fields)

        details = self.details
        details.contact_date.setMaximumDate(to_qdate(today))
        details.contact_date.setDate(to_qdate(today))
        details.kind.set_value(kind if kind in available_kinds(subject) else default_kind(subject))
        self.fields["contact_date"].check = self._date_problem
        self.fields["next_planned_contact"].check = self._next_contact_problem
        self.follow_up.next_contact.set_value(None)
        self.follow_up.next_contact.date.setDate(to_qdate(today + dt.timedelta(days=7)))

        self.heading = QLabel(subject.heading)
        self.heading.setObjectName("formHeading")
        self.heading.setAccessibleName(subject.spoken)
        self.summary = FieldMessage()
        self.summary.setObjectName("formProblems")
        self.summary.setAccessibleName("Problems")
        self._build_layout()
        self._build_buttons()
        self._chain_tab_order()

        details.kind.currentIndexChanged.connect(lambda _index: self._kind_changed())
        details.contact_date.dateChanged.connect(lambda _date: self._date_changed())
        details.outcome.currentIndexChanged.connect(lambda _index: self._outcome_changed())
        self._kind_changed()
        self._date_changed()
        self._outcome_changed()
        self._untouched = self._snapshot()
        # Issue 9: what is typed is kept on this computer until saved or discarded.
        subject_id = subject.child_id or subject.pregnancy_id
        assert subject_id is not None  # a contact is about a child or a pregnancy
        self.drafts = DraftKeeper(
            self,
            workspace.draft_store(),
            workspace.draft_key(subject_id, CONTACT_FORM),
            inputs=[widget for section in self.sections for widget in section.inputs()],
            state=self.draft_state,
            describe=self._draft_description,
            worth_keeping=self.has_typing,
        )
        # Issue 9: a save the connection failed waits here, and goes when it is back.
        #: Set while a save waits for the connection: whether it confirmed implausible values.
        self.waiting_to_save: bool | None = None
        self._first_sent: ContactEntry | None = None
        connection_events().back.connect(self._connection_back)

    # --- Layout ---------------------------------------------------------------

    def _build_layout(self) -> None:
        left = QVBoxLayout()
        for section in self.left_column:
            left.addWidget(section)
        left.addStretch(1)
        right = QVBoxLayout()
        for findings in self.right_column:
            right.addWidget(findings)
        right.addStretch(1)
        columns = QWidget()
        columns.setObjectName("formColumns")
        row = QHBoxLayout(columns)
        row.setContentsMargins(12, 8, 12, 8)
        row.setSpacing(16)
        row.addLayout(left, 1)
        row.addLayout(right, 1)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setWidget(columns)
        self.scroll_area.setFrameShape(QScrollArea.Shape.NoFrame)
        self.scroll_area.setFocusPolicy(Qt.FocusPolicy.NoFocus)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.addWidget(self.heading)
        layout.addWidget(self.summary)
        layout.addWidget(self.scroll_area, 1)

    def _build_buttons(self) -> None:
        # Plain buttons, not a QDialogButtonBox: the box makes Save the default
        # button when shown, and Enter in a field must not save a half-typed review.
        self.save_button = QPushButton("&Save")
        self.cancel_button = QPushButton("Cancel")
        for button in (self.save_button, self.cancel_button):
            button.setAutoDefault(False)
            button.setDefault(False)
        self.save_button.setShortcut(QKeySequence.StandardKey.Save)
        self.save_button.setToolTip("Save this contact (Ctrl+S)")
        self.save_button.setAccessibleName("Save the contact")
        self.cancel_button.setToolTip("Close without saving (Esc)")
        self.cancel_button.setAccessibleName("Cancel")
        self.save_button.clicked.connect(self.save)
        self.cancel_button.clicked.connect(self.reject)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.save_button)
        row.addWidget(self.cancel_button)
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.addLayout(row)

    def _chain_tab_order(self) -> None:
        order = [w for section in self.sections for w in section.inputs()]
        order += [self.save_button, self.cancel_button]
        for first, second in pairwise(order):
            QWidget.setTabOrder(first, second)

    def fit_to_screen(self) -> None:
        """As big as a 1366x768 laptop comfortably allows, never bigger than the screen."""
        free = self.screen().availableGeometry()
        self.resize(min(1180, free.width() - 40), min(760, free.height() - 40))

    # --- Reacting to the user ---------------------------------------------------

    def kind(self) -> ContactKind:
        return self.details.chosen_kind()

    def _kind_changed(self) -> None:
        kind = self.kind()
        self.setWindowTitle(f"Record: {kind.label} — {self.subject.name}")
        self.growth.setVisible(kind is not ContactKind.ANTENATAL)
        self.feeding.setVisible(kind in FEEDING_REVIEWS)
        self.mood.setVisible(kind in MATERNAL_MOOD_REVIEWS)
        self.development.setVisible(kind in DEVELOPMENT_REVIEWS)
        self.fields["contact_date"].run_check()

    def _date_changed(self) -> None:
        measured_on = self.details.date()
        born = self.subject.date_of_birth
        if born is not None:  # a pregnancy has no growth to measure
            two = add_months(born, HEIGHT_FROM_MONTHS)
            self.growth.set_length_kind(
                MeasurementKind.HEIGHT if measured_on >= two else MeasurementKind.LENGTH
            )
        self.fields["next_planned_contact"].run_check()

    def _outcome_changed(self) -> None:
        outcome = self.details.chosen_outcome()
        took_place = outcome is ContactOutcome.COMPLETED
        for section in self.findings:
            section.setEnabled(took_place)
        notes = []
        if not took_place:
            notes.append(
                "Findings are recorded only when the contact took place: any already "
                "typed are kept on screen but not saved with this outcome."
            )
        if outcome is ContactOutcome.NOT_ATTENDED:
            notes.append("Plan the next contact (below) to rebook the review.")
        self.details.outcome_note.setText(" ".join(notes))
        self.details.outcome_note.setVisible(bool(notes))

    def _date_problem(self) -> str | None:
        try:
            check_contact_date(
                self.kind(),
                self.details.date(),
                today=self._workspace.today(),
                date_of_birth=self.subject.date_of_birth,
                estimated_delivery_date=self.subject.estimated_delivery_date,
            )
        except ValidationError as error:
            return " ".join(problem.message for problem in error.problems)
        return review_window_problem(
            self.kind(), self.details.date(), date_of_birth=self.subject.date_of_birth
        )

    def _next_contact_problem(self) -> str | None:
        planned = self.follow_up.next_contact.value()
        if planned is not None and planned <= self.details.date():
            return "The next contact must be after this one."
        return None

    # --- Saving -------------------------------------------------------------------

    def _shown(self, name: str) -> bool:
        field = self.fields[name]
        return not field.box.isHidden() and all(
            not section.isHidden() for section in self.sections if name in section.fields
        )

    def check_everything(self) -> list[FieldProblem]:
        """Run every check the form can make before asking the service; show the results."""
        problems = []
        for section in self.sections:
            section.message.show_message(None)
        for name, field in self.fields.items():
            message = field.run_check()
            if message and self._shown(name) and field.widget.isEnabled():
                problems.append(FieldProblem(name, message))
        if not self.development.isHidden() and self.development.isEnabled():
            for name, message in self.development.pairing_problems().items():
                self.fields[name].show_message(message)
                problems.append(FieldProblem(name, message))
        return problems

    def entry(self) -> ContactEntry:
        """The contact as typed (call after ``check_everything`` finds nothing)."""
        details = self.details
        kind = self.kind()
        took_place = details.chosen_outcome() is ContactOutcome.COMPLETED

        def asked(section: FormSection) -> bool:
            return took_place and not section.isHidden()

        mood, smoking = self.mood, self.smoking
        delivered_by = details.delivered_by.value()
        accountable = details.accountable.value()
        location = details.location.value()
        assert isinstance(delivered_by, uuid.UUID) and isinstance(location, ContactLocation)
        antenatal = kind is ContactKind.ANTENATAL
        return ContactEntry(
            kind=kind,
            contact_date=details.date(),
            location=location,
            outcome=details.chosen_outcome(),
            delivered_by_id=delivered_by,
            accountable_health_visitor_id=accountable
            if isinstance(accountable, uuid.UUID)
            else None,
            # The antenatal review belongs to the pregnancy, so a twin's record shows it too.
            child_id=None if antenatal else self.subject.child_id,
            pregnancy_id=self.subject.pregnancy_id if antenatal else None,
            who_was_seen=details.who_was_seen.text(),
            interpreter_used=details.interpreter_used.isChecked(),
            notes=self.follow_up.notes.toPlainText(),
            next_planned_contact=self.follow_up.next_contact.value(),
            measurements=self.growth.measurements() if asked(self.growth) else (),
            feeding=self.feeding.value() if asked(self.feeding) else None,
            whooley_low_mood=mood.low_mood.value() if asked(mood) else None,
            whooley_loss_of_interest=mood.loss_of_interest.value() if asked(mood) else None,
            gad2_score=mood.gad2.value() if asked(mood) else None,
            mother_smokes=smoking.mother.value() if asked(smoking) else None,
            household_smokes=smoking.household.value() if asked(smoking) else None,
            carbon_monoxide_ppm=smoking.carbon_monoxide_ppm() if asked(smoking) else None,
            development=self.development.entries() if asked(self.development) else (),
            idempotency_key=self.drafts.save_key,
        )

    def save(self) -> None:
        self.summary.show_message(None)
        problems = self.check_everything()
        if problems:
            self.show_problems(problems)
            return
        self._submit(self.entry(), confirm_implausible=False)

    def _submit(self, entry: ContactEntry, *, confirm_implausible: bool) -> None:
        self.drafts.flush()  # on disk before the database is asked: a failed save loses nothing
        if self._first_sent is None:
            self._first_sent = entry  # what the idempotency key first carried (issue 9)
        try:
            recorded = self._workspace.record_contact(
                entry, confirm_implausible=confirm_implausible
            )
        except ImplausibleChangeError as error:
            self.show_problems(error.problems, implausible=True)
            if self._confirm_implausible(error.problems):
                self._submit(entry, confirm_implausible=True)
            return
        except ValidationError as error:
            self.show_problems(error.problems)
            return
        except DatabaseUnavailableError as error:
            if isinstance(error, PasswordRequiredError):
                QMessageBox.warning(self, "Contact not saved", str(error))
                return
            self._wait_for_connection(confirm_implausible, error)
            return
        except HealthVisitorError as error:
            QMessageBox.warning(self, "Contact not saved", str(error))
            return
        self.waiting_to_save = None
        if recorded.replayed and self._first_sent not in (None, entry):
            QMessageBox.information(
                self,
                "Saved before the connection dropped",
                "This contact had already reached the database when the connection dropped, "
                "as it was then. What you changed after that is not in it: record it as "
                "another contact, or correct this one from the record.",
            )
        self.recorded = recorded
        self.drafts.discard()
        self.saved.emit(recorded)
        super().accept()

    def _wait_for_connection(
        self, confirm_implausible: bool, error: DatabaseUnavailableError
    ) -> None:
        """Issue 9: the database cannot be reached. The form stays open with everything
        typed, and saves itself (same idempotency key: once) when the connection is back."""
        self.waiting_to_save = confirm_implausible
        self.summary.show_message(
            f"{error}\n\nThis form stays open and saves the contact by itself as soon as the "
            "database answers again (the status bar shows when)."
        )

    def _connection_back(self) -> None:
        """Save what the form holds now (typing since the failed save included)."""
        if self.waiting_to_save is None or not self.isVisible():
            return
        confirm_implausible = self.waiting_to_save
        self.summary.show_message(None)
        problems = self.check_everything()
        if problems:
            self.show_problems(problems)
            return
        self._submit(self.entry(), confirm_implausible=confirm_implausible)

    def _confirm_implausible(self, problems: Sequence[FieldProblem]) -> bool:
        listed = "\n\n".join(f"• {problem.message}" for problem in problems)
        answer = QMessageBox.question(
            self,
            "Please check these measurements",
            f"Please check:\n\n{listed}\n\nSave anyway?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def show_problems(self, problems: Sequence[FieldProblem], *, implausible: bool = False) -> None:
        """Each problem beside its field; the rest, and a count, in the summary at the top."""
        by_field: dict[str, list[str]] = {}
        loose: list[str] = []
        groups = {
            "measurements": self.growth,
            "maternal_mood": self.mood,
            "development": self.development,
        }
        for problem in problems:
            name = FIELD_ALIASES.get(problem.field, problem.field)
            if name in self.fields and self._shown(name):
                by_field.setdefault(name, []).append(problem.message)
            elif name in groups and not groups[name].isHidden():
                groups[name].message.show_message(problem.message)
            else:
                loose.append(problem.message)
        for name, messages in by_field.items():
            self.fields[name].show_message(" ".join(messages))
        count = len(problems)
        if implausible:
            heading = "Please check the measurements marked below."
        else:
            plural = "problem" if count == 1 else "problems"
            heading = f"This contact is not saved yet: {count} {plural} to put right."
        self.summary.show_message("\n".join([heading, *(f"• {text}" for text in loose)]))
        first = next(iter(by_field), None)
        if first is not None:
            widget = self.fields[first].widget
            self.scroll_area.ensureWidgetVisible(widget)
            widget.setFocus(Qt.FocusReason.OtherFocusReason)

    # --- Cancelling -----------------------------------------------------------------

    def _snapshot(self) -> tuple[object, ...]:
        return tuple(value_of(widget) for section in self.sections for widget in section.inputs())

    def has_typing(self) -> bool:
        return self._snapshot() != self._untouched

    def reject(self) -> None:
        """Esc, Cancel or closing the window: ask first if anything was typed."""
        if self.has_typing():
            answer = QMessageBox.question(
                self,
                "Discard this contact?",
                "Discard what you typed? Nothing has been saved.",
                QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Discard:
                return
        self.drafts.discard()
        super().reject()

    # --- The draft kept on this computer (issue 9) ----------------------------------------

    def draft_state(self) -> dict[str, object]:
        """Everything typed, as plain data for ``healthvisitor.drafts``."""
        about = "child" if self.subject.child_id is not None else "pregnancy"
        return {"about": about, "fields": fields_state(self.fields)}

    def restore_draft(self, draft: Draft | dict[str, object]) -> None:
        """Put back what ``draft_state`` gave (the review chosen first, then the rest)."""
        state = draft.fields if isinstance(draft, Draft) else draft
        fields = state.get("fields")
        if isinstance(fields, dict):
            restore_fields(self.fields, fields)

    def _draft_description(self) -> tuple[str, str]:
        label = self.kind().label
        title = label if label[0].isdigit() else label[0].lower() + label[1:]
        return title, self.subject.name

    def hideEvent(self, event: QHideEvent) -> None:
        self.drafts.flush()  # closing, or the app quitting: nothing typed is left unwritten
        super().hideEvent(event)


def open_contact_form(
    parent: QWidget,
    workspace: Workspace,
    subject: ContactSubject,
    kind: ContactKind | None,
    *,
    on_saved: Callable[[RecordedContact], None],
    on_finished: Callable[[int], None],
) -> ContactForm:
    """Open the contact form window-modal over ``parent`` (deleted when closed).

    ``on_saved`` and ``on_finished`` must be bound methods, not lambdas holding
    a widget: PySide6 6.11 crashes deleting a widget whose signal is connected
    to a lambda holding another.
    """
    form = ContactForm(workspace, subject, kind, parent=parent)
    form.setWindowModality(Qt.WindowModality.WindowModal)
    form.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    form.saved.connect(on_saved)
    form.finished.connect(on_finished)
    form.fit_to_screen()
    form.open()
    offer_draft(form, form.drafts, form.restore_draft)
    return form
