"""After a contact is saved: the referrals its findings suggest (issue 5).

One box per prompt says what was found, what to do and the guidance behind
it. "Draft referral" drafts the referral with the reason filled in (the
health visitor finishes it from the child's referrals: consent, the service,
what has been tried, then sends it); "Not now" needs a reason, typed in the
box, which is kept for audit. Nothing is decided by closing the window, and
nothing is lost: each prompt was saved "to decide" with the contact, and stays
on the child's referrals (and flagged on the caseload) until it is decided.

A prompt raised in pregnancy (the antenatal review) is about the mother and
there is no child's record yet: it stays on the caseload's "Pregnancies" tab,
counted on the pregnancy's row, where ``referrals_panel.PregnancyReferralsDialog``
decides it and finishes the referral it drafts, before the birth.
"""

from __future__ import annotations

import uuid
from itertools import pairwise

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from healthvisitor.domain.referral_rules import PromptAction
from healthvisitor.errors import HealthVisitorError, ValidationError
from healthvisitor.services.referrals import ReferralPromptLine
from healthvisitor.services.workspace import Workspace
from healthvisitor.ui.form_fields import ChoiceCombo, FieldMessage
from healthvisitor.ui.worker import warn_not_shown


def close_row(dialog: QDialog, accessible_name: str) -> tuple[QPushButton, QHBoxLayout]:
    """The window's Close button (Esc too) at the right of its last row, closing ``dialog``."""
    button = QPushButton("Close")
    button.setAccessibleName(accessible_name)
    button.setShortcut(QKeySequence(Qt.Key.Key_Escape))
    button.setAutoDefault(False)
    button.clicked.connect(dialog.accept)
    row = QHBoxLayout()
    row.addStretch(1)
    row.addWidget(button)
    return button, row


class PromptBox(QGroupBox):
    """One prompt and its two answers."""

    decided = Signal(object)  # the referral id drafted, or None

    def __init__(
        self,
        workspace: Workspace,
        prompt: ReferralPromptLine,
        parent: QWidget | None = None,
        *,
        finish_where: str = "",
    ) -> None:
        super().__init__(f"{prompt.suggestion}: {prompt.about}", parent)
        self.workspace = workspace
        self.prompt = prompt
        #: Where the drafted referral is finished, in words (after "Finish it from").
        self.finish_where = finish_where or finishing_place(prompt)
        self.setObjectName(f"prompt_{prompt.rule_id}")
        self.setAccessibleName(f"Prompt: {prompt.suggestion} for {prompt.about}")
        found_at = f" at the {prompt.found_at}" if prompt.found_at else ""
        self.finding = QLabel(f"Found: {prompt.finding}{found_at}.")
        self.finding.setWordWrap(True)
        self.finding.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.source = QLabel(f"Why this prompt: {prompt.trigger}. Source: {prompt.source}.")
        self.source.setObjectName("secondaryText")
        self.source.setWordWrap(True)
        self.referral_type = ChoiceCombo([(t.name, t.id) for t in prompt.referral_types])
        self.referral_type.setAccessibleName(f"Referral type for {prompt.suggestion.lower()}")
        self.referral_type.setVisible(len(prompt.referral_types) > 1)
        discussion = prompt.action is PromptAction.DISCUSSION
        self.accept_button = QPushButton(
            "Record that a &discussion is needed" if discussion else "&Draft referral"
        )
        self.accept_button.setAccessibleName(
            f"{'Record discussion needed' if discussion else 'Draft referral'}: {prompt.suggestion}"
        )
        self.decline_button = QPushButton("&Not now")
        self.decline_button.setAccessibleName(f"Not now: {prompt.suggestion}")
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("Why not now (required): e.g. already known to the service")
        self.reason.setAccessibleName(f"Reason for not referring now: {prompt.suggestion}")
        self.reason_message = FieldMessage()
        self.outcome = QLabel()
        self.outcome.setObjectName("promptOutcome")
        self.outcome.setWordWrap(True)
        self.outcome.hide()
        for button in (self.accept_button, self.decline_button):
            button.setAutoDefault(False)
        self.accept_button.clicked.connect(self.accept_prompt)
        self.decline_button.clicked.connect(self.decline_prompt)

        answers = QHBoxLayout()
        answers.addWidget(self.referral_type)
        answers.addWidget(self.accept_button)
        answers.addSpacing(16)
        answers.addWidget(self.reason, 1)
        answers.addWidget(self.decline_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.finding)
        layout.addWidget(self.source)
        layout.addLayout(answers)
        layout.addWidget(self.reason_message)
        layout.addWidget(self.outcome)

    def inputs(self) -> list[QWidget]:
        shown: list[QWidget] = [self.referral_type] if self.referral_type.isVisibleTo(self) else []
        return [*shown, self.accept_button, self.reason, self.decline_button]

    def accept_prompt(self) -> None:
        chosen = self.referral_type.value() if self.prompt.referral_types else None
        try:
            referral_id = self.workspace.accept_referral_prompt(
                self.prompt.contact_id, self.prompt.rule_id, chosen
            )
        except HealthVisitorError as error:
            QMessageBox.warning(self, "Prompt not recorded", str(error))
            return
        if referral_id is None:
            done = "Recorded: a safeguarding discussion with your team lead is needed."
        else:
            done = (
                f"Referral drafted ({self.referral_type.currentText()}). Finish it from "
                f"{self.finish_where}: consent, the service, what has been tried, then send it."
            )
        self._done(done)
        self.decided.emit(referral_id)

    def decline_prompt(self) -> None:
        reason = self.reason.text()
        if not reason.strip():
            self._reason_problem("Say why you are not referring now.")
            return
        try:
            self.workspace.decline_referral_prompt(
                self.prompt.contact_id, self.prompt.rule_id, reason
            )
        except ValidationError as error:
            self._reason_problem(" ".join(error.for_field("reason")) or str(error))
            return
        except HealthVisitorError as error:
            QMessageBox.warning(self, "Prompt not recorded", str(error))
            return
        self._done(f"Not now: {reason.strip()}")
        self.decided.emit(None)

    def _reason_problem(self, message: str) -> None:
        self.reason_message.show_message(message)
        self.reason.setAccessibleDescription(message)
        self.reason.setFocus()

    def _done(self, words: str) -> None:
        self.reason_message.show_message(None)
        # Decided: the answers go, leaving what was decided (in words, with a tick).
        for widget in (self.referral_type, self.accept_button, self.reason, self.decline_button):
            widget.setEnabled(False)
            widget.hide()
        self.outcome.setText(f"✓ {words}")
        self.outcome.setAccessibleName(words)
        self.outcome.show()

    @property
    def is_decided(self) -> bool:
        return self.outcome.isVisibleTo(self)


def finishing_place(prompt: ReferralPromptLine) -> str:
    """Where a referral drafted from ``prompt`` is finished, seen from the after-save window."""
    if prompt.pregnancy_id is not None:
        return "the pregnancy's referrals (Pregnancies tab)"
    return "the child's referrals"


class ReferralPromptsDialog(QDialog):
    """The prompts one saved contact raises, each to accept or decline."""

    referral_drafted = Signal(object)  # the referral's id

    def __init__(
        self,
        workspace: Workspace,
        prompts: list[ReferralPromptLine],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Referrals to consider")
        self.setAccessibleName("Referrals to consider")
        in_pregnancy = any(prompt.pregnancy_id for prompt in prompts)
        intro = QLabel(
            "The contact is saved. Its findings meet these referral triggers: draft the "
            "referral, or say why not now. Closing this window decides nothing: what you "
            "leave stays to decide "
            + (
                "on the pregnancy, on the caseload's Pregnancies tab."
                if in_pregnancy
                else "on the child's referrals."
            )
        )
        intro.setWordWrap(True)
        self.boxes = [PromptBox(workspace, prompt) for prompt in prompts]
        inner = QWidget()
        column = QVBoxLayout(inner)
        for box in self.boxes:
            column.addWidget(box)
            box.decided.connect(self._decided)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.close_button, row = close_row(self, "Close the referral prompts")
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(scroll, 1)
        layout.addLayout(row)
        order = [w for box in self.boxes for w in box.inputs()] + [self.close_button]
        for first, second in pairwise(order):
            QWidget.setTabOrder(first, second)
        # An explicit minimum: the window does not re-negotiate its size as answers
        # appear in the boxes (and fits a 1366x768 laptop).
        self.setMinimumSize(720, 360)
        self.resize(900, min(160 + 170 * len(self.boxes), 640))

    def _decided(self, referral_id: uuid.UUID | None) -> None:
        if referral_id is not None:
            self.referral_drafted.emit(referral_id)
        if all(box.is_decided for box in self.boxes):
            self.close_button.setText("Done")
            self.close_button.setFocus()


def show_referral_prompts(
    parent: QWidget, workspace: Workspace, contact_id: uuid.UUID
) -> ReferralPromptsDialog | None:
    """Open the prompts for a saved contact, window-modal over ``parent``; None if it
    raises none (nothing is shown then)."""
    try:
        prompts = workspace.referral_prompts(contact_id)
    except HealthVisitorError as error:
        warn_not_shown(parent, "Referral prompts not shown", error)
        return None
    if not prompts:
        return None
    dialog = ReferralPromptsDialog(workspace, prompts, parent)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
