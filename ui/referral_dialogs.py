"""The dialogs of a child's referrals (issue 5): a new referral, the next step, a follow-up.

Each checks what it can as the user types, hands the rest to the service,
and shows the service's messages beside their fields, keeping everything
typed. Dates cannot be set in the future (the date edits stop at today).
"""

from __future__ import annotations

import datetime as dt
import uuid
from itertools import pairwise

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from healthvisitor.domain.enums import ReferralConsent, ReferralOutcome, ReferralStatus
from healthvisitor.drafts import Draft
from healthvisitor.errors import (
    EditConflictError,
    FieldProblem,
    HealthVisitorError,
    ValidationError,
)
from healthvisitor.services.record_edits import EditSaved
from healthvisitor.services.referrals import (
    STEP_ACTIONS,
    NewReferral,
    ReferralLine,
    ReferralSubject,
    ReferralTypeLine,
)
from healthvisitor.services.workspace import Workspace
from healthvisitor.ui.contact_form_sections import (
    OptionalDate,
    date_edit,
    from_qdate,
    to_qdate,
)
from healthvisitor.ui.edit_conflict_dialog import EditConflictDialog
from healthvisitor.ui.form_drafts import DraftKeeper, fields_state, restore_fields
from healthvisitor.ui.form_fields import ChoiceCombo, FieldMessage, FormField

#: Service field names that a dialog shows under another field.
FIELD_ALIASES = {"about": "subject", "on": "step_date", "status": "step"}


def text_box(placeholder: str) -> QPlainTextEdit:
    box = QPlainTextEdit()
    box.setTabChangesFocus(True)  # Tab leaves the box, as in every other field
    box.setPlaceholderText(placeholder)
    box.setMinimumHeight(70)
    return box


class _FormDialog(QDialog):
    """A dialog of ``FormField``s with a problems summary and Save / Cancel."""

    save_text = "&Save"

    def __init__(self, workspace: Workspace, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.fields: dict[str, FormField] = {}
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.summary = FieldMessage()
        self.summary.setObjectName("formProblems")
        self.summary.setAccessibleName("Problems")
        self.save_button = QPushButton(self.save_text)
        self.save_button.setAutoDefault(False)
        self.save_button.setShortcut(QKeySequence.StandardKey.Save)
        self.save_button.setToolTip("Save (Ctrl+S)")
        self.save_button.setAccessibleName(self.save_text.replace("&", ""))
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.setAccessibleName("Cancel")
        self.save_button.clicked.connect(self.save)
        self.cancel_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addLayout(self.form)
        layout.addStretch(1)
        layout.addLayout(buttons)
        # An explicit minimum: fits a 1366x768 laptop, and the window does not
        # re-negotiate its size as messages appear under fields.
        self.setMinimumSize(560, 300)

    def add(self, name: str, field: FormField) -> FormField:
        self.fields[name] = field
        self.form.addRow(field.label, field.box)
        return field

    def chain_tab_order(self) -> None:
        order = [w for f in self.fields.values() if f.box.isVisibleTo(self) for w in f.inputs()]
        order += [self.save_button, self.cancel_button]
        for first, second in pairwise(order):
            QWidget.setTabOrder(first, second)

    def show_problems(self, problems: list[FieldProblem]) -> None:
        loose = []
        for field in self.fields.values():
            field.show_message(None)
        for problem in problems:
            name = FIELD_ALIASES.get(problem.field, problem.field)
            field = self.fields.get(name)
            if field is not None and field.box.isVisibleTo(self):
                field.show_message(problem.message)
            else:
                loose.append(problem.message)
        self.summary.show_message(" ".join(loose) if loose else None)

    def save(self) -> None:
        try:
            self.submit()
        except ValidationError as error:
            self.show_problems(error.problems)
            return
        except HealthVisitorError as error:
            QMessageBox.warning(self, f"{self.windowTitle()}: not saved", str(error))
            return
        self.accept()

    def submit(self) -> None:
        raise NotImplementedError


#: What a retried save says when the earlier save had gone through (issue 9).
SAVED_ONCE = (
    "The referral is saved, once: your earlier save had already reached the database "
    "before the connection dropped, and the retry found it. It has not been saved twice."
)


def saved_once_note(parent: QWidget) -> QMessageBox:
    """Say "saved once" without blocking (the form has closed; the record stays usable)."""
    box = QMessageBox(
        QMessageBox.Icon.Information,
        "Referral saved once",
        SAVED_ONCE,
        QMessageBox.StandardButton.Ok,
        parent,
    )
    box.setObjectName("savedOnceNote")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box


class NewReferralDialog(_FormDialog):
    """A new referral from a child's record: about the child or one of the family's carers."""

    def __init__(
        self,
        workspace: Workspace,
        subjects: list[ReferralSubject],
        types: list[ReferralTypeLine],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(workspace, "New referral", parent)
        self.referral_id: uuid.UUID | None = None
        # The draft kept on this computer, and with it the form's idempotency key
        # (issue 9): set by the panel that opens the dialog (``keep_draft``).
        self.drafts: DraftKeeper | None = None
        today = workspace.today()
        self.subject = ChoiceCombo([(s.name, s) for s in subjects])
        self.referral_type = ChoiceCombo(
            [(t.name, t.id) for t in types], placeholder="Choose the service"
        )
        self.reason = text_box("What you found, and what you are asking the service to do")
        self.tried = text_box("Advice given, support already in place")
        self.sent_to = QLineEdit()
        self.sent_to.setPlaceholderText("The team or clinic, and its address if known")
        self.consent = ChoiceCombo([(c.label, c) for c in ReferralConsent])
        self.consent_note = QLineEdit()
        self.consent_note.setPlaceholderText("When and how consent was given, or why not needed")
        self.made_on = date_edit()
        self.made_on.setMaximumDate(to_qdate(today))
        self.made_on.setDate(to_qdate(today))
        self.follow_up = OptionalDate("Follow up on")
        self.follow_up.date.setDate(to_qdate(today + dt.timedelta(days=28)))
        self.follow_up.date.setAccessibleName("Follow-up date")
        self.add("subject", FormField("&About", self.subject))
        self.add("referral_type", FormField("Referral &to", self.referral_type))
        self.add("reason", FormField("&Why", self.reason))
        self.add("tried_so_far", FormField("What has been t&ried", self.tried))
        self.add("sent_to", FormField("Ser&vice address", self.sent_to))
        self.add("consent", FormField("&Consent", self.consent))
        self.add("consent_note", FormField("Consent &note", self.consent_note))
        self.add("made_on", FormField("Referral &date", self.made_on))
        self.add(
            "follow_up_on",
            FormField(
                "&Follow-up",
                self.follow_up.planned,
                beside=[self.follow_up.date],
                description="Tick to check on this referral on a date; it shows when due",
            ),
        )
        self.chain_tab_order()

    def entry(self) -> NewReferral:
        subject: ReferralSubject = self.subject.value()
        referral_type = self.referral_type.value()
        if referral_type is None:
            # Say everything that is missing at once, as the service would.
            problems = [FieldProblem("referral_type", "Choose the service you are referring to.")]
            if not self.reason.toPlainText().strip():
                problems.append(
                    FieldProblem("reason", "Say why you are referring: what you found.")
                )
            raise ValidationError(problems)
        return NewReferral(
            referral_type_id=referral_type,
            child_id=subject.child_id,
            carer_id=subject.carer_id,
            reason=self.reason.toPlainText(),
            made_on=from_qdate(self.made_on.date()),
            follow_up_on=self.follow_up.value(),
            consent=self.consent.value(),
            consent_note=self.consent_note.text(),
            sent_to=self.sent_to.text(),
            tried_so_far=self.tried.toPlainText(),
            # Saved again after a dropped connection (or restored after a crash), the
            # same key: the referral is made once.
            idempotency_key=self.drafts.save_key if self.drafts is not None else None,
        )

    def submit(self) -> None:
        entry = self.entry()
        if self.drafts is not None:
            self.drafts.flush()  # on disk, with its key, before the database is asked
        # --- issue 9: a retried save that found the earlier one says so ---
        self.referral_id, found_earlier = self.workspace.make_referral_noting_retry(entry)
        if found_earlier:
            saved_once_note(self.parentWidget() or self)
        # --- end of the retried save ---

    def draft_state(self) -> dict[str, object]:
        """What is typed, as plain data for the draft kept on this computer (issue 9)."""
        return {"fields": fields_state(self.fields)}

    def restore_draft(self, draft: Draft) -> None:
        fields = draft.fields.get("fields")
        if isinstance(fields, dict):
            restore_fields(self.fields, fields)


class StepDialog(_FormDialog):
    """The next step of a referral: sent, acknowledged, accepted, declined, completed, closed."""

    save_text = "&Record step"

    def __init__(
        self,
        workspace: Workspace,
        referral: ReferralLine,
        parent: QWidget | None = None,
        *,
        step: ReferralStatus | None = None,
    ) -> None:
        super().__init__(workspace, f"Next step: {referral.type_name}", parent)
        self.referral = referral
        today = workspace.today()
        self.heading = QLabel(
            f"{referral.type_name} for {referral.about}: {referral.status.label.lower()} "
            f"since {referral.last_step_on:%d %b %Y}."
        )
        self.heading.setWordWrap(True)
        self.form.addRow(self.heading)
        self.step = ChoiceCombo([(STEP_ACTIONS[s], s) for s in referral.next_steps])
        if step is not None:
            self.step.set_value(step)
        self.step_date = date_edit()
        self.step_date.setMaximumDate(to_qdate(today))
        self.step_date.setMinimumDate(to_qdate(referral.last_step_on))
        self.step_date.setDate(to_qdate(today))
        self.outcome = ChoiceCombo(
            [(o.label, o) for o in ReferralOutcome], placeholder="Choose the outcome"
        )
        self.note = text_box("What the service said, or why it closed")
        self.consent = ChoiceCombo([(c.label, c) for c in ReferralConsent])
        self.consent.set_value(referral.consent)
        self.consent_note = QLineEdit(referral.consent_note)
        self.add("step", FormField("&Step", self.step))
        self.add("step_date", FormField("&Date", self.step_date))
        self.add("consent", FormField("&Consent", self.consent))
        self.add("consent_note", FormField("Consent &note", self.consent_note))
        self.add("outcome", FormField("&Outcome", self.outcome))
        self.add("note", FormField("N&ote", self.note))
        self.step.currentIndexChanged.connect(lambda _index: self._step_changed())
        self._step_changed()

    def chosen(self) -> ReferralStatus | None:
        value = self.step.value()
        return value if isinstance(value, ReferralStatus) else None

    def _step_changed(self) -> None:
        chosen = self.chosen()
        finishing = chosen in (ReferralStatus.CLOSED, ReferralStatus.COMPLETED)
        self.fields["outcome"].set_visible(finishing)
        # Consent is asked where it matters: before the referral goes out.
        sending = chosen is ReferralStatus.SENT
        self.fields["consent"].set_visible(sending)
        self.fields["consent_note"].set_visible(sending)
        self.chain_tab_order()

    def submit(self) -> None:
        chosen = self.chosen()
        if chosen is None:
            raise ValidationError("Choose the step to record.", "step")
        if chosen is ReferralStatus.SENT and (
            self.consent.value() is not self.referral.consent
            or self.consent_note.text().strip() != self.referral.consent_note
        ):
            self.workspace.record_referral_consent(
                self.referral.id, self.consent.value(), self.consent_note.text()
            )
        finishing = chosen in (ReferralStatus.CLOSED, ReferralStatus.COMPLETED)
        self.workspace.record_referral_step(
            self.referral.id,
            chosen,
            on=from_qdate(self.step_date.date()),
            note=self.note.toPlainText(),
            outcome=self.outcome.value() if finishing else None,
        )


class FollowUpDialog(_FormDialog):
    """When to check on an open referral."""

    def __init__(
        self, workspace: Workspace, referral: ReferralLine, parent: QWidget | None = None
    ) -> None:
        super().__init__(workspace, f"Follow-up: {referral.type_name}", parent)
        self.referral = referral
        self.follow_up = OptionalDate("Follow up on")
        self.follow_up.date.setAccessibleName("Follow-up date")
        self.follow_up.date.setMinimumDate(to_qdate(referral.made_on))
        self.follow_up.date.setDate(
            to_qdate(referral.follow_up_on or workspace.today() + dt.timedelta(days=28))
        )
        self.follow_up.planned.setChecked(referral.follow_up_on is not None)
        self.add(
            "follow_up_on",
            FormField(
                "&Follow-up",
                self.follow_up.planned,
                beside=[self.follow_up.date],
                description="Untick to clear the follow-up",
            ),
        )
        self.chain_tab_order()

    def submit(self) -> None:
        self.workspace.set_referral_follow_up(self.referral.id, self.follow_up.value())


class EditDraftDialog(_FormDialog):
    """The words of a draft referral (why, what has been tried, where it goes), before
    it is sent: a reason filled in from a prompt can be put in the health visitor's own
    words. Once sent, the referral's words stand.

    Two people may edit one draft (issue 9): the save carries the words and version
    this form first showed, so a colleague's save since is merged, not overwritten.
    Where both changed the same words, ``EditConflictDialog`` opens over this form to
    choose field by field; if the draft was sent meanwhile, the refusal shows at the
    top and Save is off. Either way this form keeps everything typed.
    """

    #: Emitted when the save found the draft sent (or closed) meanwhile: the list is stale.
    no_longer_draft = Signal()

    def __init__(
        self, workspace: Workspace, referral: ReferralLine, parent: QWidget | None = None
    ) -> None:
        super().__init__(workspace, f"Edit draft: {referral.type_name}", parent)
        self.referral = referral
        #: What the form first showed, with the version: the save is based on it.
        self.base = referral.draft_base
        self.result_value: EditSaved | None = None
        self.conflict_dialog: EditConflictDialog | None = None
        self.heading = QLabel(f"{referral.type_name} for {referral.about}: a draft, not sent yet.")
        self.heading.setWordWrap(True)
        self.form.addRow(self.heading)
        self.reason = text_box("What you found, and what you are asking the service to do")
        self.reason.setPlainText(referral.reason)
        self.tried = text_box("Advice given, support already in place")
        self.tried.setPlainText(referral.tried_so_far)
        self.sent_to = QLineEdit(referral.sent_to)
        self.sent_to.setPlaceholderText("The team or clinic, and its address if known")
        self.add("reason", FormField("&Why", self.reason))
        self.add("tried_so_far", FormField("What has been t&ried", self.tried))
        self.add("sent_to", FormField("Ser&vice address", self.sent_to))
        self.chain_tab_order()

    def typed(self) -> dict[str, str]:
        return {
            "reason": self.reason.toPlainText(),
            "sent_to": self.sent_to.text(),
            "tried_so_far": self.tried.toPlainText(),
        }

    def submit(self) -> None:
        self.result_value = self.workspace.update_referral_draft(
            self.referral.id, base=self.base, **self.typed()
        )

    def save(self) -> None:
        self.summary.show_message(None)
        try:
            self.submit()
        except EditConflictError as conflict:
            self.show_problems([])
            self.summary.show_message(
                "Not saved yet: a colleague changed the same words of this draft. What you "
                "typed is kept here; choose field by field in the window that opened."
            )
            self.show_conflict(conflict)
            return
        except ValidationError as error:
            self._refused(error)
            return
        except HealthVisitorError as error:
            QMessageBox.warning(self, f"{self.windowTitle()}: not saved", str(error))
            return
        self.accept()

    def _refused(self, error: ValidationError) -> None:
        self.show_problems(error.problems)
        if error.for_field("status"):  # sent or closed meanwhile: saving again cannot work
            self.save_button.setEnabled(False)
            self.save_button.setToolTip("This referral is no longer a draft")
            self.heading.setText(
                f"{self.referral.type_name} for {self.referral.about}: no longer a draft."
            )
            self.no_longer_draft.emit()

    # --- Both changed the same words ---------------------------------------------------

    def show_conflict(self, conflict: EditConflictError) -> EditConflictDialog:
        dialog = EditConflictDialog(
            self.workspace,
            conflict,
            "referral draft",
            self,
            resolve=lambda again, choices, _confirm: self.workspace.resolve_referral_draft_conflict(
                again, choices
            ),
        )
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(self._conflict_resolved)
        dialog.refused.connect(self._refused)
        dialog.finished.connect(self._conflict_closed)
        self.conflict_dialog = dialog
        dialog.open()
        return dialog

    def _conflict_resolved(self, result: EditSaved) -> None:
        self.result_value = result
        self.accept()

    def _conflict_closed(self, _result: int) -> None:
        self.conflict_dialog = None


def open_dialog(dialog: QDialog) -> QDialog:
    """Open window-modal over its parent, deleted when closed."""
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
