"""Referrals on screen (issue 5): prompts after a contact, the child's referrals panel."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QMessageBox, QVBoxLayout, QWidget
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from healthvisitor.domain.enums import (
    ContactKind,
    ContactLocation,
    ContactOutcome,
    PromptDecision,
    ReferralConsent,
    ReferralOutcome,
    ReferralStatus,
)
from healthvisitor.persistence.models import Referral, ReferralPrompt
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services.contacts import ContactEntry
from healthvisitor.services.workspace import Workspace
from healthvisitor.ui.referral_dialogs import FollowUpDialog, NewReferralDialog, StepDialog
from healthvisitor.ui.referral_prompts import PromptBox, show_referral_prompts
from healthvisitor.ui.referrals_panel import FollowUpsList, ReferralsModel, ReferralsPanel
from tests.ui.conftest import TODAY, RecordTeam

pytestmark = pytest.mark.gui

Button = QMessageBox.StandardButton


class Warnings:
    """Stands in for QMessageBox.warning: records what would have been shown."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.shown: list[tuple[str, str]] = []
        monkeypatch.setattr(QMessageBox, "warning", self._warning)

    def _warning(self, _parent: QWidget, title: str, text: str, *_args: object) -> Button:
        self.shown.append((title, text))
        return Button.Ok


@pytest.fixture
def warnings(monkeypatch: pytest.MonkeyPatch) -> Warnings:
    return Warnings(monkeypatch)


def new_birth_visit(record_team: RecordTeam, workspace: Workspace, **findings: object) -> uuid.UUID:
    me = record_team.team.me.id
    entry = ContactEntry(
        kind=ContactKind.NEW_BIRTH_VISIT,
        contact_date=TODAY,
        location=ContactLocation.HOME,
        outcome=ContactOutcome.COMPLETED,
        delivered_by_id=me,
        accountable_health_visitor_id=me,
        child_id=record_team.children["Poppy"],
        **findings,  # type: ignore[arg-type]
    )
    return workspace.record_contact(entry).contact_id


def boxes(dialog: QWidget) -> dict[str, PromptBox]:
    return {box.prompt.rule_id: box for box in dialog.findChildren(PromptBox)}


def test_accepting_a_prompt_drafts_the_referral(
    qtbot: QtBot, record_team: RecordTeam, warnings: Warnings
) -> None:
    workspace = record_team.workspace()
    contact_id = new_birth_visit(record_team, workspace, gad2_score=4)
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()
    dialog = show_referral_prompts(parent, workspace, contact_id)
    assert dialog is not None
    box = boxes(dialog)["maternal_mood"]
    assert box.title() == "Refer to perinatal mental health: Sara Ahmed (mother)"
    assert "GAD-2 score 4" in box.finding.text()
    assert "NICE CG192" in box.source.text()
    drafted: list[object] = []
    dialog.referral_drafted.connect(drafted.append)

    qtbot.mouseClick(box.accept_button, Qt.MouseButton.LeftButton)

    assert box.is_decided and not box.accept_button.isVisibleTo(box)
    assert "Referral drafted (Perinatal mental health)" in box.outcome.text()
    assert dialog.close_button.text() == "Done"
    [referral] = workspace.child_referrals(record_team.children["Poppy"])
    assert drafted == [referral.id]
    assert (referral.status, referral.type_name, referral.about) == (
        ReferralStatus.DRAFT,
        "Perinatal mental health",
        "Sara Ahmed (mother)",
    )
    assert referral.reason.startswith("GAD-2 score 4 at the new birth visit")
    assert warnings.shown == []
    # Decided: the same contact prompts no more.
    assert show_referral_prompts(parent, workspace, contact_id) is None
    dialog.close()


def test_declining_a_prompt_needs_a_reason_typed(
    qtbot: QtBot, record_team: RecordTeam, warnings: Warnings
) -> None:
    workspace = record_team.workspace()
    contact_id = new_birth_visit(
        record_team, workspace, carbon_monoxide_ppm=6.0, whooley_low_mood=True
    )
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()
    dialog = show_referral_prompts(parent, workspace, contact_id)
    assert dialog is not None
    found = boxes(dialog)
    assert set(found) == {"smoking", "maternal_mood"}
    box = found["smoking"]

    qtbot.mouseClick(box.decline_button, Qt.MouseButton.LeftButton)
    assert box.reason_message.message() == "Say why you are not referring now."
    assert not box.is_decided

    qtbot.keyClicks(box.reason, "Already seeing the stop smoking midwife")
    qtbot.mouseClick(box.decline_button, Qt.MouseButton.LeftButton)

    assert box.is_decided
    assert box.outcome.text() == "✓ Not now: Already seeing the stop smoking midwife"
    assert box.reason_message.message() == ""
    assert dialog.close_button.text() == "Close"  # the mood prompt still waits
    with unit_of_work(record_team.engine) as session:
        decisions = {
            p.rule_id: (p.decision, p.reason) for p in session.scalars(select(ReferralPrompt))
        }
        assert decisions == {
            "smoking": (PromptDecision.DECLINED, "Already seeing the stop smoking midwife"),
            "maternal_mood": (PromptDecision.PENDING, ""),  # kept, still to decide
        }
    assert workspace.child_referrals(record_team.children["Poppy"]) == []
    # Shown again, only the undecided prompt is offered.
    again = show_referral_prompts(parent, workspace, contact_id)
    assert again is not None and set(boxes(again)) == {"maternal_mood"}
    assert warnings.shown == []
    dialog.close()
    again.close()


def test_a_contact_without_triggers_shows_nothing(qtbot: QtBot, record_team: RecordTeam) -> None:
    workspace = record_team.workspace()
    contact_id = new_birth_visit(record_team, workspace, gad2_score=2, carbon_monoxide_ppm=3.9)
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()
    assert show_referral_prompts(parent, workspace, contact_id) is None


# --- The child's referrals panel ---------------------------------------------------------


def panel_for(qtbot: QtBot, record_team: RecordTeam) -> tuple[QWidget, ReferralsPanel]:
    """The panel in a window, as in the child's record (a 1366x768 laptop's worth)."""
    window = QWidget()
    window.setMinimumSize(1200, 640)
    panel = ReferralsPanel(record_team.workspace(), record_team.children["Poppy"])
    QVBoxLayout(window).addWidget(panel)
    qtbot.addWidget(window)
    window.show()
    return window, panel


def test_the_referrals_model_passes_qt_model_checks(
    qtmodeltester: ModelTester, record_team: RecordTeam
) -> None:
    workspace = record_team.workspace()
    contact_id = new_birth_visit(record_team, workspace, gad2_score=5)
    workspace.accept_referral_prompt(contact_id, "maternal_mood")
    model = ReferralsModel()
    model.set_lines(workspace.child_referrals(record_team.children["Poppy"]))
    assert model.rowCount() == 1
    qtmodeltester.check(model)
    qtmodeltester.check(ReferralsModel())


def test_a_new_referral_is_made_sent_and_closed_from_the_panel(
    qtbot: QtBot, record_team: RecordTeam, warnings: Warnings, tmp_path: Path
) -> None:
    _window, panel = panel_for(qtbot, record_team)
    assert panel.empty.isVisible() and not panel.table.isVisible()
    dialog = panel.new_referral()
    assert isinstance(dialog, NewReferralDialog)
    # The child first, then the carers: this one is about the mother.
    dialog.subject.setCurrentIndex(1)
    dialog.referral_type.setCurrentIndex(dialog.referral_type.findText("Infant feeding support"))
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.fields["reason"].message.message() == "Say why you are referring: what you found."
    assert dialog.isVisible()  # nothing saved; what was chosen is kept
    qtbot.keyClicks(dialog.reason, "Painful latch; wants to keep breastfeeding.")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()

    line = panel.chosen()
    assert line is not None
    assert (line.type_name, line.about, line.status) == (
        "Infant feeding support",
        "Sara Ahmed (mother)",
        ReferralStatus.DRAFT,
    )
    assert "Painful latch" in panel.detail.text()

    # Sending asks for consent first, beside the consent field.
    step = panel.next_step()
    assert isinstance(step, StepDialog)
    assert step.chosen() is ReferralStatus.SENT
    qtbot.mouseClick(step.save_button, Qt.MouseButton.LeftButton)
    assert "consent" in step.fields["consent"].message.message()
    step.consent.set_value(ReferralConsent.GIVEN)
    qtbot.mouseClick(step.save_button, Qt.MouseButton.LeftButton)
    assert not step.isVisible()
    sent = panel.chosen()
    assert sent is not None and sent.status is ReferralStatus.SENT
    assert panel.model.index(0, 2).data() == "Sent"

    letter = panel.print_letter(tmp_path / "letter.pdf")
    assert letter is not None
    text = PdfReader(letter).pages[0].extract_text()
    assert "Referral to Infant feeding support" in text and "Sara Ahmed" in text

    closing = panel.next_step(ReferralStatus.CLOSED)
    assert isinstance(closing, StepDialog)
    assert closing.fields["outcome"].box.isVisibleTo(closing)
    qtbot.mouseClick(closing.save_button, Qt.MouseButton.LeftButton)
    assert (
        closing.fields["outcome"].message.message() == "Choose the outcome to close the referral."
    )
    closing.outcome.set_value(ReferralOutcome.NO_LONGER_NEEDED)
    qtbot.mouseClick(closing.save_button, Qt.MouseButton.LeftButton)
    closed = panel.chosen()
    assert closed is not None and closed.status is ReferralStatus.CLOSED
    assert panel.model.index(0, 2).data() == "Closed: no longer needed"
    assert not panel.step_button.isEnabled() and not panel.close_button.isEnabled()
    assert warnings.shown == []


def test_a_follow_up_that_is_due_says_so_in_words(
    qtbot: QtBot, record_team: RecordTeam, warnings: Warnings
) -> None:
    workspace = record_team.workspace()
    workspace.accept_referral_prompt(
        new_birth_visit(record_team, workspace, mother_smokes=True), "smoking"
    )
    _window, panel = panel_for(qtbot, record_team)
    panel.table.selectRow(0)
    dialog = panel.set_follow_up()
    assert isinstance(dialog, FollowUpDialog)
    dialog.follow_up.planned.setChecked(True)
    dialog.follow_up.date.setDate(QDate(2026, 11, 24))
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert panel.model.index(0, 4).data() == "24 Nov 2026 (due)"
    assert [f.about for f in workspace.referral_follow_ups_due()] == ["Sara Ahmed (mother)"]
    assert warnings.shown == []


def test_the_follow_ups_list_opens_the_childs_record(
    qtbot: QtBot, qtmodeltester: ModelTester, record_team: RecordTeam, warnings: Warnings
) -> None:
    workspace = record_team.workspace()
    referral_id = workspace.accept_referral_prompt(
        new_birth_visit(record_team, workspace, household_smokes=True), "smoking"
    )
    assert referral_id is not None
    follow_ups = FollowUpsList(workspace)
    qtbot.addWidget(follow_ups)
    follow_ups.reload()
    assert follow_ups.model.rowCount() == 0 and not follow_ups.empty.isHidden()
    qtmodeltester.check(follow_ups.model)
    workspace.set_referral_follow_up(referral_id, TODAY)
    record_team.clock.day = TODAY + dt.timedelta(days=3)
    follow_ups.reload()
    qtmodeltester.check(follow_ups.model)
    assert [follow_ups.model.index(0, c).data() for c in range(5)] == [
        "Sara Ahmed (mother)",
        "Stop smoking service",
        "Draft",
        "24 Nov 2026",
        "3 days overdue",
    ]
    opened: list[object] = []
    follow_ups.open_child.connect(opened.append)
    follow_ups.table.activated.emit(follow_ups.model.index(0, 0))
    assert opened == [record_team.children["Poppy"]]


# --- Prompts still to decide, and the lead's safeguarding discussions -------------------


def test_a_prompt_closed_unanswered_is_decided_from_the_childs_record(
    qtbot: QtBot, record_team: RecordTeam, warnings: Warnings
) -> None:
    """Issue 5: Esc on the prompts after a save loses nothing; the record asks again."""
    workspace = record_team.workspace()
    contact_id = new_birth_visit(
        record_team, workspace, carbon_monoxide_ppm=6.0, whooley_low_mood=True
    )
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()
    dialog = show_referral_prompts(parent, workspace, contact_id)
    assert dialog is not None
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # closed without deciding
    assert not dialog.isVisible()

    _window, panel = panel_for(qtbot, record_team)
    assert panel.to_decide.isVisibleTo(panel)
    assert panel.to_decide.title().startswith("2 referral prompts to decide")
    found = {box.prompt.rule_id: box for box in panel.prompt_boxes}
    assert set(found) == {"smoking", "maternal_mood"}
    smoking = found["smoking"]
    assert smoking.title() == (
        "Refer to the stop smoking service: Sara Ahmed (mother) (since 24 Nov 2026)"
    )
    assert "at the new birth visit on 24 Nov 2026" in smoking.finding.text()

    qtbot.mouseClick(smoking.decline_button, Qt.MouseButton.LeftButton)
    assert smoking.reason_message.message() == "Say why you are not referring now."
    qtbot.keyClicks(smoking.reason, "Quit in pregnancy; CO from a faulty boiler")
    qtbot.mouseClick(smoking.decline_button, Qt.MouseButton.LeftButton)
    assert smoking.is_decided
    assert panel.to_decide.title() == "1 referral prompt to decide"

    mood = found["maternal_mood"]
    qtbot.mouseClick(mood.accept_button, Qt.MouseButton.LeftButton)
    assert mood.is_decided
    assert panel.to_decide.title() == "Every referral prompt is decided"
    chosen = panel.chosen()
    assert chosen is not None and chosen.type_name == "Perinatal mental health"
    assert chosen.status is ReferralStatus.DRAFT
    assert warnings.shown == []
    # Read again (the record opened tomorrow): nothing is left to decide.
    panel.reload()
    assert panel.prompt_boxes == [] and not panel.to_decide.isVisibleTo(panel)
    assert workspace.pending_referral_prompts(record_team.children["Poppy"]) == []


def test_the_caseload_flags_a_child_with_a_prompt_to_decide(record_team: RecordTeam) -> None:
    from healthvisitor.ui.caseload_model import CaseloadFilter, flags

    workspace = record_team.workspace()
    new_birth_visit(record_team, workspace, gad2_score=5)
    rows = {row.child_id: row for row in workspace.caseload()}
    poppy = rows[record_team.children["Poppy"]]
    assert "Referral prompt to decide" in flags(poppy)
    assert CaseloadFilter.FOLLOW_UPS_DUE.matches(poppy)
    noah = rows[record_team.children["Noah"]]
    assert not CaseloadFilter.FOLLOW_UPS_DUE.matches(noah)


def _not_brought_twice(record_team: RecordTeam, workspace: Workspace) -> uuid.UUID:
    me = record_team.team.me.id
    ids = []
    for day in (TODAY - dt.timedelta(days=7), TODAY):
        entry = ContactEntry(
            kind=ContactKind.TWO_YEAR,
            contact_date=day,
            location=ContactLocation.CLINIC,
            outcome=ContactOutcome.NOT_ATTENDED,
            delivered_by_id=me,
            accountable_health_visitor_id=me,
            child_id=record_team.children["Leo"],
        )
        ids.append(workspace.record_contact(entry).contact_id)
    return ids[-1]


def test_the_team_lead_closes_a_requested_safeguarding_discussion(
    qtbot: QtBot, qtmodeltester: ModelTester, record_team: RecordTeam, warnings: Warnings
) -> None:
    from healthvisitor.ui.safeguarding_discussions import (
        DiscussionsModel,
        RecordDiscussionDialog,
        SafeguardingDiscussions,
    )
    from healthvisitor.ui.team_board import TeamBoardView

    workspace = record_team.workspace()
    twice = _not_brought_twice(record_team, workspace)
    assert workspace.accept_referral_prompt(twice, "was_not_brought") is None
    lead = record_team.team.workspace(user=record_team.team.lead)
    # On the lead's board, as its own list.
    board = TeamBoardView(lead)
    qtbot.addWidget(board)
    assert isinstance(board.discussions, SafeguardingDiscussions)
    discussions = board.discussions
    assert discussions.heading.text() == "&Safeguarding discussions asked for: 1"
    qtmodeltester.check(discussions.model)
    qtmodeltester.check(DiscussionsModel())
    cells = [discussions.model.index(0, c).data() for c in range(discussions.model.columnCount())]
    assert cells[0] == "Leo Dunn"
    assert (
        cells[2] == "Not brought to 2 mandated reviews in a row (2-2½ year review on 24 Nov 2026)"
    )
    assert cells[3] == record_team.team.me.full_name
    assert cells[4] == "24 Nov 2026"

    dialog = discussions.record_chosen()
    assert isinstance(dialog, RecordDiscussionDialog)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.fields["outcome"].message.message().startswith("Say what was agreed")
    assert dialog.isVisible()  # nothing saved
    qtbot.keyClicks(dialog.outcome, "Referred to children's social care today.")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert discussions.heading.text() == "Safeguarding discussions asked for: none waiting"
    assert not discussions.table.isVisibleTo(discussions)
    assert board.done_message.text() == "Safeguarding discussion about Leo Dunn recorded."
    [held] = lead.safeguarding_discussions(include_discussed=True)
    assert (held.discussed_on, held.outcome) == (TODAY, "Referred to children's social care today.")
    assert warnings.shown == []


def test_a_drafts_wording_is_edited_before_it_is_sent(
    qtbot: QtBot, record_team: RecordTeam, warnings: Warnings
) -> None:
    from healthvisitor.ui.referral_dialogs import EditDraftDialog

    workspace = record_team.workspace()
    contact_id = new_birth_visit(record_team, workspace, gad2_score=4)
    referral_id = workspace.accept_referral_prompt(contact_id, "maternal_mood")
    assert referral_id is not None
    _window, panel = panel_for(qtbot, record_team)
    panel.choose(referral_id)
    assert panel.edit_button.isEnabled()
    dialog = panel.edit_draft()
    assert isinstance(dialog, EditDraftDialog)
    assert dialog.reason.toPlainText().startswith("GAD-2 score 4 at the new birth visit")
    dialog.reason.clear()
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.fields["reason"].message.message() == "Say why you are referring: what you found."
    assert dialog.isVisible()  # nothing saved
    qtbot.keyClicks(dialog.reason, "Anxious most days since the birth; GAD-2 score 4.")
    qtbot.keyClicks(dialog.sent_to, "Perinatal mental health team, St James's")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    line = panel.chosen()
    assert line is not None and line.id == referral_id
    assert line.reason == "Anxious most days since the birth; GAD-2 score 4."
    assert line.sent_to == "Perinatal mental health team, St James's"
    assert "Anxious most days" in panel.detail.text()
    # Once sent, its words stand.
    workspace.record_referral_consent(referral_id, ReferralConsent.GIVEN)
    workspace.record_referral_step(referral_id, ReferralStatus.SENT, on=TODAY)
    panel.reload()
    panel.choose(referral_id)
    assert not panel.edit_button.isEnabled()
    assert panel.edit_draft() is None
    assert warnings.shown == []


def test_a_referral_saved_again_after_the_line_dropped_during_its_commit_is_made_once(
    qtbot: QtBot, record_team: RecordTeam, warnings: Warnings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 9: the commit reached the database but the answer never came back; the
    health visitor saves the same dialog again, and there is still one referral."""
    _window, panel = panel_for(qtbot, record_team)
    dialog = panel.new_referral()
    assert isinstance(dialog, NewReferralDialog) and dialog.drafts is not None
    dialog.referral_type.setCurrentIndex(dialog.referral_type.findText("Infant feeding support"))
    qtbot.keyClicks(dialog.reason, "Painful latch; wants to keep breastfeeding.")

    commit = Session.commit
    dropped: list[bool] = []

    def line_drops_after_the_commit(session: Session) -> None:
        commit(session)
        if not dropped:
            dropped.append(True)
            raise OperationalError("COMMIT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(Session, "commit", line_drops_after_the_commit)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    monkeypatch.setattr(Session, "commit", commit)
    [(_title, said)] = warnings.shown
    assert "cannot tell yet whether it was saved" in said
    assert "is not recorded twice" in said
    assert dialog.isVisible()  # the form stays, with everything typed

    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    with unit_of_work(record_team.engine) as session:
        made = session.scalars(
            select(Referral).where(Referral.child_id == record_team.children["Poppy"])
        ).all()
    assert [r.idempotency_key for r in made] == [dialog.drafts.save_key]
    assert dialog.referral_id == made[0].id
    assert panel.model.rowCount() == 1
    assert panel.model.line_at(0).type_name == "Infant feeding support"
