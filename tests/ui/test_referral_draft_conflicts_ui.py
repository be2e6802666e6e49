"""Two people editing one referral draft, on screen (issue 9): nothing typed is lost.

The health visitor (Priya Sharma) has the draft open in the child's referrals
panel while her team lead (Joanne Fisher), on another computer (her own engine
and Workspace on the same PostgreSQL), saves it or sends it.
"""

from __future__ import annotations

import dataclasses
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from healthvisitor.config import DatabaseChoice, parse_url
from healthvisitor.domain.enums import ReferralConsent, ReferralStatus
from healthvisitor.persistence.database import create_database_engine
from healthvisitor.services.referrals import NewReferral, ReferralLine
from healthvisitor.services.workspace import Workspace
from healthvisitor.ui.edit_conflict_dialog import EditConflictDialog
from healthvisitor.ui.referral_dialogs import EditDraftDialog
from healthvisitor.ui.referrals_panel import ReferralsPanel
from tests import factories
from tests.ui.conftest import TODAY, RecordTeam, build_record_team

pytestmark = [pytest.mark.gui, pytest.mark.postgres]

FIRST_REASON = "Housing worries."
#: Where the screenshots go (HV_SCREENSHOTS=folder to keep them), else the test's tmp_path.
SHOTS = os.environ.get("HV_SCREENSHOTS", "")


@dataclasses.dataclass(frozen=True)
class Scene:
    record_team: RecordTeam
    me: Workspace
    lead: Workspace  # another computer: its own engine
    referral_id: uuid.UUID

    def lead_line(self) -> ReferralLine:
        [line] = [
            line
            for line in self.lead.child_referrals(self.record_team.children["Poppy"])
            if line.id == self.referral_id
        ]
        return line


@pytest.fixture
def scene(postgres_engine: Engine) -> Iterator[Scene]:
    record_team = build_record_team(postgres_engine)
    me = record_team.workspace()
    [early_help] = [t for t in me.referral_types() if t.code == "early_help"]
    referral_id = me.make_referral(
        NewReferral(
            referral_type_id=early_help.id,
            child_id=record_team.children["Poppy"],
            carer_id=None,
            reason=FIRST_REASON,
            made_on=TODAY,
            consent=ReferralConsent.GIVEN,
        )
    )
    url = postgres_engine.url.render_as_string(hide_password=False)
    other_engine = create_database_engine(url)
    choice = DatabaseChoice(parse_url(url, "test"), "the test database")
    lead = Workspace(
        other_engine, factories.actor(record_team.team.lead), choice, today=lambda: TODAY
    )
    try:
        yield Scene(record_team, me, lead, referral_id)
    finally:
        other_engine.dispose()


def open_draft(qtbot: QtBot, scene: Scene) -> tuple[QWidget, ReferralsPanel, EditDraftDialog]:
    """The panel in a window (kept by the caller: the dialog is the window's), its draft open."""
    window = QWidget()
    window.setMinimumSize(1200, 640)
    panel = ReferralsPanel(scene.me, scene.record_team.children["Poppy"])
    QVBoxLayout(window).addWidget(panel)
    qtbot.addWidget(window)
    window.show()
    panel.choose(scene.referral_id)
    dialog = panel.edit_draft()
    assert isinstance(dialog, EditDraftDialog)
    return window, panel, dialog


def lead_saves(scene: Scene, **words: str) -> None:
    seen = scene.lead_line()
    typed = {"reason": seen.reason, "sent_to": seen.sent_to, "tried_so_far": seen.tried_so_far}
    scene.lead.update_referral_draft(seen.id, base=seen.draft_base, **{**typed, **words})


def type_over(qtbot: QtBot, dialog: EditDraftDialog, reason: str, sent_to: str) -> None:
    dialog.reason.clear()
    qtbot.keyClicks(dialog.reason, reason)
    qtbot.keyClicks(dialog.sent_to, sent_to)


def shot(widget: QWidget, name: str, tmp_path: Path) -> Path:
    folder = Path(SHOTS) if SHOTS else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    assert widget.grab().save(str(path))
    return path


@pytest.fixture
def no_message_boxes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    shown: list[str] = []

    def warning(_parent: QWidget, _title: str, text: str, *_args: object) -> object:
        shown.append(text)
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QMessageBox, "warning", warning)
    return shown


def test_the_same_words_ask_field_by_field_and_keep_my_typing_then_save_my_choice(
    qtbot: QtBot, scene: Scene, tmp_path: Path, no_message_boxes: list[str]
) -> None:
    _window, panel, dialog = open_draft(qtbot, scene)
    lead_saves(scene, reason="Damp flat; baby's chest infections.", tried_so_far="Landlord told.")
    mine = "Rent arrears; eviction notice served on 20 Nov."
    type_over(qtbot, dialog, mine, "Family hub, Chapeltown")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    conflict = dialog.conflict_dialog
    assert isinstance(conflict, EditConflictDialog)
    qtbot.waitUntil(conflict.isVisible)
    assert conflict.windowTitle().startswith("Someone else changed this referral draft")
    [row] = conflict.rows
    assert (row.field.label, row.field.first_saw, row.field.theirs, row.field.mine) == (
        "Why (what you found)",
        FIRST_REASON,
        "Damp flat; baby's chest infections.",
        mine,
    )
    assert row.field.saved_by == "Joanne Fisher"
    assert row.choice() is None  # nothing chosen for her
    assert "What has been tried" in conflict.kept.text()
    # Behind it, the form still holds everything she typed, and says nothing was saved.
    assert dialog.isVisible()
    assert (dialog.reason.toPlainText(), dialog.sent_to.text()) == (mine, "Family hub, Chapeltown")
    assert "Not saved yet" in dialog.summary.message()
    shot(conflict, "referral_draft_conflict.png", tmp_path)
    shot(dialog, "referral_draft_behind_the_conflict.png", tmp_path)

    # Back to her changes: the typing is untouched; saving again asks again.
    qtbot.mouseClick(conflict.back_button, Qt.MouseButton.LeftButton)
    assert dialog.conflict_dialog is None
    assert dialog.reason.toPlainText() == mine
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    conflict = dialog.conflict_dialog
    assert isinstance(conflict, EditConflictDialog)
    qtbot.mouseClick(conflict.save_button, Qt.MouseButton.LeftButton)  # no choice yet
    assert "Choose whose value to keep for Why (what you found)" in conflict.message.message()
    conflict.rows[0].mine.click()
    qtbot.mouseClick(conflict.save_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: not dialog.isVisible())
    line = panel.chosen()
    assert line is not None and line.id == scene.referral_id
    assert (line.reason, line.sent_to, line.tried_so_far) == (
        mine,
        "Family hub, Chapeltown",
        "Landlord told.",  # only the lead changed it: hers is kept
    )
    assert no_message_boxes == []


def test_keeping_the_colleagues_words_still_saves_the_rest_i_typed(
    qtbot: QtBot, scene: Scene, no_message_boxes: list[str]
) -> None:
    _window, panel, dialog = open_draft(qtbot, scene)
    lead_saves(scene, reason="Damp flat.")
    type_over(qtbot, dialog, "Rent arrears.", "Family hub, Chapeltown")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    conflict = dialog.conflict_dialog
    assert isinstance(conflict, EditConflictDialog)
    conflict.rows[0].theirs.click()
    qtbot.mouseClick(conflict.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    line = panel.chosen()
    assert line is not None
    assert (line.reason, line.sent_to) == ("Damp flat.", "Family hub, Chapeltown")
    assert no_message_boxes == []


def test_a_draft_sent_meanwhile_is_refused_in_words_and_the_typing_stays(
    qtbot: QtBot, scene: Scene, tmp_path: Path, no_message_boxes: list[str]
) -> None:
    _window, panel, dialog = open_draft(qtbot, scene)
    scene.lead.record_referral_step(scene.referral_id, ReferralStatus.SENT, on=TODAY)
    type_over(qtbot, dialog, "Rent arrears; eviction notice served.", "Family hub")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    assert dialog.isVisible()
    assert dialog.conflict_dialog is None
    said = dialog.summary.message()
    assert said.startswith("This referral has been marked as sent by Joanne Fisher on ")
    assert "Nothing you typed here was saved" in said
    assert dialog.reason.toPlainText() == "Rent arrears; eviction notice served."
    assert dialog.sent_to.text() == "Family hub"
    assert not dialog.save_button.isEnabled()
    assert dialog.heading.text().endswith(": no longer a draft.")
    qtbot.wait(50)  # laid out again around the message
    shot(dialog, "referral_draft_sent_meanwhile.png", tmp_path)
    # The list behind is read again: the referral shows as sent, not to be edited.
    line = panel.chosen()
    assert line is not None and line.status is ReferralStatus.SENT
    assert line.reason == FIRST_REASON
    assert not panel.edit_button.isEnabled()
    assert no_message_boxes == []
