"""The child's record and the team board on the laptop's offline copy (issue 12).

"What cannot be done offline (e.g. reallocation, which the server decides) is
clearly disabled with the reason." Signed in offline as a person would
(tests/ui/offline_scene.py, the real PostgreSQL server behind a line the test
cuts), the record window offers no change the copy would refuse, each saying
why in the words of ``ui/offline_actions.py``; what a health visitor does in a
home stays on: a contact, a new referral drafted and sent, printing the red
book summary. The same windows online are unchanged.
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from healthvisitor.config import DatabaseChoice, parse_url
from healthvisitor.domain.enums import (
    ContactKind,
    ContactLocation,
    ContactOutcome,
    ReferralConsent,
    ReferralStatus,
)
from healthvisitor.persistence.models import AuditEvent, Team, User
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services.contacts import ContactEntry
from healthvisitor.services.workspace import Workspace
from healthvisitor.sync.offline_changes import added_here
from healthvisitor.ui.app import Sessions
from healthvisitor.ui.child_record_window import ChildRecordWindow
from healthvisitor.ui.main_window import MainWindow
from healthvisitor.ui.offline_actions import WORKING_OFFLINE, offline_reason
from healthvisitor.ui.print_preview import PrintPreview
from healthvisitor.ui.referral_dialogs import NewReferralDialog, StepDialog
from healthvisitor.ui.referrals_panel import ReferralsPanel
from healthvisitor.ui.screening_panel import ScreeningPanel
from healthvisitor.ui.team_board import TeamBoardView
from tests import factories
from tests.keyrings import MemoryKeyring
from tests.sync.conftest import TODAY, Scene
from tests.sync.offline import make_referral
from tests.ui import offline_scene
from tests.ui.conftest import LOAD_WAIT_MS
from tests.ui.offline_scene import SwitchableLine, prepare_copy, shoot, sign_in_offline

pytestmark = [pytest.mark.gui, pytest.mark.postgres]

scene = offline_scene.scene
_encrypted_template = offline_scene._encrypted_template
line = offline_scene.line
through_line = offline_scene.through_line
sessions = offline_scene.sessions


def tab(window: ChildRecordWindow, kind: type[QWidget]) -> QWidget:
    for index in range(window.tabs.count()):
        if isinstance(window.tabs.widget(index), kind):
            window.tabs.setCurrentIndex(index)  # shown: it reads itself as a person sees it
            return window.tabs.widget(index)
    raise AssertionError(f"no {kind.__name__} tab")


def ask_for_a_discussion(scene: Scene) -> uuid.UUID:
    """Leo, on the lead's own caseload, not brought twice: a discussion asked for (its prompt)."""
    with unit_of_work(scene.server) as session:
        lead = session.get_one(User, scene.lead.user_id)
        family = factories.family(session, session.get_one(Team, lead.team_id), "Dunn")
        leo = factories.child(
            session, family, lead, date_of_birth=dt.date(2024, 4, 1), given_name="Leo"
        ).id
    choice = DatabaseChoice(parse_url(str(scene.server.url), "test"), "the test database")
    online = Workspace(scene.server, scene.lead, choice, today=lambda: TODAY)
    contact_ids = [
        online.record_contact(
            ContactEntry(
                kind=ContactKind.TWO_YEAR,
                contact_date=day,
                location=ContactLocation.CLINIC,
                outcome=ContactOutcome.NOT_ATTENDED,
                delivered_by_id=scene.lead.user_id,
                accountable_health_visitor_id=scene.lead.user_id,
                child_id=leo,
            )
        ).contact_id
        for day in (TODAY - dt.timedelta(days=7), TODAY)
    ]
    assert online.accept_referral_prompt(contact_ids[-1], "was_not_brought") is None
    [line] = online.safeguarding_discussions()
    return line.prompt_id


def choose(panel: ReferralsPanel, referral_id: uuid.UUID) -> None:
    panel.choose(referral_id)
    chosen = panel.chosen()
    assert chosen is not None and chosen.id == referral_id


def test_on_the_copy_the_record_offers_no_change_the_shared_database_decides_and_says_why(
    qtbot: QtBot,
    scene: Scene,
    line: SwitchableLine,
    sessions: Sessions,
    memory_keyring: MemoryKeyring,
    _encrypted_template: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    on_server = make_referral(scene.server, scene.ann, scene.sam_id)  # before the copy
    prepare_copy(scene, scene.ann, memory_keyring, _encrypted_template, monkeypatch)
    window = sign_in_offline(qtbot, sessions, line, scene.ann)
    record = window.open_record(scene.sam_id)  # type: ignore[arg-type]
    assert isinstance(record, ChildRecordWindow) and record.offline
    # The record says it is the copy's, as the main window does.
    assert record.offline_banner is not None and record.offline_banner.isVisible()
    assert record.offline_banner.text.text().startswith(WORKING_OFFLINE)
    assert record.windowTitle().endswith(" — working offline")

    # Closing or reopening the record, and who accessed it: off, saying why.
    for action, key in (
        (record.close_record_action, "record_status"),
        (record.reopen_action, "record_status"),
        (record.access_log_action, "access_log"),
    ):
        assert not action.isEnabled(), action.text()
        assert action.toolTip() == offline_reason(key)
        assert action.statusTip() == offline_reason(key)
    assert offline_reason("record_status") == (
        "Not while working offline: closing or reopening a record needs the shared database. "
        "It can be done when this laptop is back online."
    )
    assert record.close_record() is None  # its shortcut opens nothing either
    # What a health visitor does in the home stays on.
    for action in (record.record_action, record.print_action, record.reload_action):
        assert action.isEnabled(), action.text()
    assert record.record_button.isEnabled() and record.record_button.isVisible()
    record.details_menu.refresh()
    assert record.details_menu.child_action.isEnabled()
    assert record.details_menu.family_action.isEnabled()
    # Correcting the child's details: the names stay on, what the copy may not change
    # (the NHS number, date of birth, sex, gestation) is off beside its label, saying why.
    edit = record.details_menu.edit_child()
    assert edit is not None
    assert edit.fields["given_name"].widget.isEnabled()
    for name in ("nhs_number", "date_of_birth", "sex"):
        assert not edit.fields[name].widget.isEnabled(), name
        assert edit.fields[name].widget.toolTip() == offline_reason("details_on_server")
    shoot(edit, "1_edit_child_offline.png", tmp_path)
    edit.reject()
    shoot(record, "1_record_offline.png", tmp_path)
    menu = record.record_menu
    assert menu.toolTipsVisible()  # a disabled item says why when pointed at
    menu.adjustSize()  # drawn without popping up (offscreen has no pop-ups)
    shoot(menu, "1_record_menu_offline.png", tmp_path)

    # Screening and immunisations: not recorded offline; the note says so beside the buttons.
    screening = tab(record, ScreeningPanel)
    assert isinstance(screening, ScreeningPanel)
    for button in (screening.screening_button, screening.immunisation_button):
        assert not button.isEnabled()
        assert button.toolTip() == offline_reason("screening")
    assert screening.offline_note.isVisibleTo(screening)
    assert screening.offline_note.text() == offline_reason("screening")
    assert screening.record_screening() is None and screening.record_immunisation() is None
    shoot(record, "2_screening_offline.png", tmp_path)

    # Referrals: the one made before the copy cannot be moved on; a new one can be
    # drafted and sent, and waits to be sent.
    referrals = tab(record, ReferralsPanel)
    assert isinstance(referrals, ReferralsPanel)
    choose(referrals, on_server)
    for button in (
        referrals.step_button,
        referrals.edit_button,
        referrals.follow_up_button,
        referrals.close_button,
    ):
        assert not button.isEnabled(), button.text()
        assert button.toolTip() == offline_reason("referral_on_server")
    assert referrals.next_step() is None and referrals.edit_draft() is None
    assert referrals.set_follow_up() is None
    assert referrals.letter_button.isEnabled()  # printing a letter only reads
    assert referrals.offline_note.isVisibleTo(referrals)
    assert referrals.offline_note.text() == offline_reason("referral_on_server")
    assert referrals.new_button.isEnabled()
    dialog = referrals.new_referral()
    assert isinstance(dialog, NewReferralDialog)
    feeding = dialog.referral_type.findText("Infant feeding support")
    assert feeding >= 0
    dialog.referral_type.setCurrentIndex(feeding)
    qtbot.keyClicks(dialog.reason, "Painful latch; wants to keep breastfeeding.")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    drafted = referrals.chosen()
    assert drafted is not None and drafted.status is ReferralStatus.DRAFT
    assert drafted.id != on_server
    assert referrals.step_button.isEnabled() and referrals.edit_button.isEnabled()
    step = referrals.next_step()
    assert isinstance(step, StepDialog) and step.chosen() is ReferralStatus.SENT
    step.consent.set_value(ReferralConsent.GIVEN)
    qtbot.mouseClick(step.save_button, Qt.MouseButton.LeftButton)
    assert not step.isVisible(), step.summary.message()
    sent = referrals.chosen()
    assert sent is not None and sent.id == drafted.id and sent.status is ReferralStatus.SENT
    assert added_here(window.workspace.engine, "referrals", [sent.id]) == {sent.id}  # queued
    shoot(record, "3_referrals_offline.png", tmp_path)

    # The red book summary prints from the copy.
    run = record.print_red_book()
    with qtbot.waitSignal(run.ready, timeout=LOAD_WAIT_MS * 2) as ready:
        pass
    preview = ready.args[0]
    assert isinstance(preview, PrintPreview)
    pages = PdfReader(io.BytesIO(preview.pdf)).pages
    assert len(pages) >= 1 and preview.page_count == len(pages)
    assert "Sam" in pages[0].extract_text()
    printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)  # a printer that writes a file
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printed = tmp_path / "printed.pdf"
    printer.setOutputFileName(str(printed))
    assert preview.print_to(printer) == len(pages)
    assert len(PdfReader(printed).pages) == len(pages)
    with unit_of_work(window.workspace.engine) as session:  # audited in the copy, to be sent
        printing = session.scalars(select(AuditEvent.id).where(AuditEvent.action == "print"))
        assert added_here(window.workspace.engine, "audit_events", printing)
    qtbot.wait(500)  # only for the picture: the preview draws its page a moment later
    shoot(preview, "4_red_book_offline.png", tmp_path)
    preview.close()
    record.close()


def test_online_the_same_record_window_offers_every_change(qtbot: QtBot, scene: Scene) -> None:
    choice = DatabaseChoice(parse_url(str(scene.server.url), "test"), "the test database")
    workspace = Workspace(scene.server, scene.ann, choice)
    make_referral(scene.server, scene.ann, scene.sam_id)
    record = ChildRecordWindow(workspace, workspace.child_record(scene.sam_id))  # type: ignore[arg-type]
    qtbot.addWidget(record)
    record.show()
    assert not record.offline and record.offline_banner is None
    assert not record.windowTitle().endswith(" — working offline")
    assert record.close_record_action.isEnabled()
    assert "offline" not in record.close_record_action.toolTip()
    screening = tab(record, ScreeningPanel)
    assert isinstance(screening, ScreeningPanel)
    assert screening.screening_button.isEnabled() and screening.immunisation_button.isEnabled()
    assert not screening.offline_note.isVisibleTo(screening)
    referrals = tab(record, ReferralsPanel)
    assert isinstance(referrals, ReferralsPanel)
    referrals.table.selectRow(0)
    assert referrals.step_button.isEnabled() and referrals.edit_button.isEnabled()
    assert not referrals.offline_note.isVisibleTo(referrals)


def test_on_the_team_leads_copy_the_board_offers_no_reallocation_and_says_why(
    qtbot: QtBot,
    scene: Scene,
    line: SwitchableLine,
    sessions: Sessions,
    memory_keyring: MemoryKeyring,
    _encrypted_template: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    asked = ask_for_a_discussion(scene)  # on the shared database, before the copy
    prepare_copy(scene, scene.lead, memory_keyring, _encrypted_template, monkeypatch)
    window = sign_in_offline(qtbot, sessions, line, scene.lead)
    assert isinstance(window, MainWindow)
    board = window.caseload.team
    assert isinstance(board, TeamBoardView) and board.offline
    qtbot.waitUntil(lambda: board.board is not None and not board.loading(), timeout=LOAD_WAIT_MS)
    assert board.counts()[0] >= 1  # the team, read from the copy
    for button in (
        board.reallocate_button,
        board.allocate_button,
        board.cover_button,
        board.history_button,
        board.transfer_button,
    ):
        assert not button.isEnabled(), button.text()
        assert button.toolTip() == offline_reason("allocation")
    assert board.offline_note.isVisibleTo(board)
    assert board.offline_note.text() == offline_reason("allocation")
    assert "the shared database decides who has which child" in board.offline_note.text()
    board.table.selectRow(0)
    assert board.reallocate_chosen() is None and board.dialog is None
    assert board.open_cover() is None and board.transfer_chosen() is None
    assert board.open_recent_changes() is None and board.dialog is None
    # The safeguarding discussion asked for before the copy: the shared database closes it.
    discussions = board.discussions
    assert discussions.model.rowCount() == 1
    assert discussions.chosen() is not None and discussions.chosen().prompt_id == asked
    assert not discussions.record_button.isEnabled()
    assert discussions.record_button.toolTip() == offline_reason("discussion")
    assert discussions.offline_note.isVisibleTo(discussions)
    assert discussions.record_chosen() is None and discussions.dialog is None
    shoot(window, "5_team_board_offline.png", tmp_path)
