"""Correcting details from the child's record, and choosing when a colleague saved too (issue 9).

The user is "me" (a health visitor, the children are on my caseload); the
colleague who saves in between is the team lead, through their own Workspace
on the same database.
"""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtWidgets import QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from healthvisitor.domain.enums import SmokingStatus
from healthvisitor.services.record_edits import Choice
from healthvisitor.services.workspace import Workspace
from healthvisitor.ui.child_record_window import ChildRecordWindow
from healthvisitor.ui.edit_conflict_dialog import EditConflictDialog
from healthvisitor.ui.edit_details_dialogs import (
    EditCarerDialog,
    EditChildDialog,
    EditFamilyDialog,
)
from tests.ui.conftest import RecordTeam

pytestmark = pytest.mark.gui


def record_window(qtbot: QtBot, record_team: RecordTeam, name: str) -> ChildRecordWindow:
    workspace = record_team.workspace()
    window = ChildRecordWindow(workspace, workspace.child_record(record_team.children[name]))
    qtbot.addWidget(window)
    window.show()
    return window


def lead(record_team: RecordTeam) -> Workspace:
    return record_team.team.workspace(user=record_team.team.lead)


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Message boxes answer at once (Discard, or Yes) and say what they asked."""
    titles: list[str] = []

    def answer(_parent: QWidget, title: str, *_args: object) -> QMessageBox.StandardButton:
        titles.append(title)
        if title.startswith("Discard"):
            return QMessageBox.StandardButton.Discard
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", answer)
    monkeypatch.setattr(QMessageBox, "warning", answer)
    return titles


def open_family(window: ChildRecordWindow) -> EditFamilyDialog:
    dialog = window.details_menu.edit_family()
    assert isinstance(dialog, EditFamilyDialog) and dialog.isVisible()
    assert window.status_dialog is dialog  # closing the window asks before discarding
    return dialog


def test_the_childs_form_starts_as_the_record_and_saves_a_correction(
    qtbot: QtBot, record_team: RecordTeam
) -> None:
    window = record_window(qtbot, record_team, "Noah")
    window.details_menu.refresh()
    assert window.details_menu.child_action.isEnabled()
    dialog = window.details_menu.edit_child()
    assert isinstance(dialog, EditChildDialog)
    section = dialog.section
    assert section.given_name.text() == "Noah"
    assert section.gestation.text() == "40+0"
    assert section.nhs_number.text().count(" ") == 2  # shown 3-3-4, as the record shows it
    assert not dialog.fields["birth_weight_kg"].box.isVisibleTo(dialog)
    assert window.details_menu.button().text() == "Edi&t details"
    section.given_name.clear()
    qtbot.keyClicks(section.given_name, "Noa")
    section.gestation.setText("38+5")
    with qtbot.waitSignal(window.record_changed):
        dialog.save()
    assert not dialog.isVisible()
    assert window.header.name.text() == "Noa Bell"
    assert window.header.values["Gestation"].text() == "38+5 weeks"
    message = window.statusBar().currentMessage()
    assert message == "Saved: Child's first name, Gestation at birth."
    assert window.status_dialog is None


def test_a_problem_shows_beside_its_field_and_what_was_typed_stays(
    qtbot: QtBot, record_team: RecordTeam, asked: list[str]
) -> None:
    window = record_window(qtbot, record_team, "Noah")
    dialog = window.details_menu.edit_child()
    assert isinstance(dialog, EditChildDialog)
    dialog.section.given_name.clear()
    qtbot.keyClicks(dialog.section.place_of_birth, "Leeds General Infirmary")
    dialog.save()
    assert dialog.isVisible()
    assert dialog.fields["given_name"].message.message() == "Enter the child's first name."
    assert dialog.summary.message().startswith("Not saved yet: 1 problem")
    assert dialog.section.place_of_birth.text() == "Leeds General Infirmary"
    # The service's own check (the carer's date of birth in the future) goes beside its field.
    carer_window = record_window(qtbot, record_team, "Poppy")
    carer_window.details_menu.refresh()
    window.details_menu.refresh()
    assert [a.text() for a in window.details_menu.carer_actions] == [
        "No carers recorded for this family"
    ]
    [action] = carer_window.details_menu.carer_actions
    assert action.text() == "Edit carer's details: Sara Ahmed (mother)…"
    action.trigger()
    carer = carer_window.status_dialog
    assert isinstance(carer, EditCarerDialog)
    carer.section.date_of_birth.set_value(dt.date(2030, 1, 1))
    carer.save()
    assert carer.fields["date_of_birth"].message.message() == (
        "The carer's date of birth is in the future."
    )
    carer.section.date_of_birth.set_value(dt.date(1994, 3, 2))
    carer.smoking.set_value(SmokingStatus.SMOKER)
    qtbot.keyClicks(carer.section.phone, "0113 496 0000")
    with qtbot.waitSignal(carer_window.record_changed):
        carer.save()
    [again] = record_team.workspace().editable_carers(carer_window.record.family_id)
    assert again.values["phone"] == "0113 496 0000"
    assert again.values["smoking_status"] is SmokingStatus.SMOKER


def test_a_colleagues_change_to_another_field_is_kept_and_said(
    qtbot: QtBot, record_team: RecordTeam
) -> None:
    window = record_window(qtbot, record_team, "Noah")
    dialog = open_family(window)
    theirs = lead(record_team).editable_family(window.record.family_id)
    lead(record_team).edit_details(theirs, {"gp_practice": "Chapeltown Health Centre"})
    dialog.section.postcode.setText("ls8 1aa")
    with qtbot.waitSignal(window.record_changed):
        dialog.save()
    assert window.statusBar().currentMessage() == (
        "Saved: Postcode. A colleague's change since you opened the form was kept: GP practice."
    )
    now = record_team.workspace().editable_family(window.record.family_id)
    assert (now.values["postcode"], now.values["gp_practice"]) == (
        "LS8 1AA",
        "Chapeltown Health Centre",
    )


def test_the_same_field_asks_field_by_field_and_back_keeps_my_typing(
    qtbot: QtBot, record_team: RecordTeam, asked: list[str]
) -> None:
    window = record_window(qtbot, record_team, "Noah")
    dialog = open_family(window)
    theirs = lead(record_team).editable_family(window.record.family_id)
    lead(record_team).edit_details(theirs, {"town": "Harehills", "address_line_2": "Flat 2"})
    dialog.section.town.setText("Bradford")
    dialog.section.gp_practice.setText("Leeds Road Surgery")
    dialog.save()
    conflict = dialog.conflict_dialog
    assert isinstance(conflict, EditConflictDialog) and conflict.isVisible()
    [row] = conflict.rows
    assert (row.field.label, row.field.first_saw, row.field.theirs, row.field.mine) == (
        "Town",
        "Leeds",
        "Harehills",
        "Bradford",
    )
    assert row.field.saved_by == record_team.team.lead.full_name
    assert conflict.kept.text().endswith("Address line 2.")
    assert row.choice() is None  # nothing chosen for the user
    assert "a colleague changed the same fields" in dialog.summary.message()
    # Back to my changes: the form is exactly as typed, nothing saved.
    conflict.back_button.click()
    assert dialog.conflict_dialog is None and dialog.isVisible()
    assert dialog.section.town.text() == "Bradford"
    assert dialog.section.gp_practice.text() == "Leeds Road Surgery"
    assert (
        record_team.workspace().editable_family(window.record.family_id).values["gp_practice"] == ""
    )
    # Save again: the same question; no choice made is said, not guessed.
    dialog.save()
    conflict = dialog.conflict_dialog
    assert isinstance(conflict, EditConflictDialog)
    conflict.save()
    assert conflict.isVisible()
    assert conflict.message.message().startswith("Choose whose value to keep for Town")
    conflict.rows[0].mine.click()
    assert conflict.choices() == {"town": Choice.MINE}
    with qtbot.waitSignal(window.record_changed):
        conflict.save_button.click()
    assert not dialog.isVisible()
    now = record_team.workspace().editable_family(window.record.family_id).values
    assert (now["town"], now["gp_practice"], now["address_line_2"]) == (
        "Bradford",
        "Leeds Road Surgery",
        "Flat 2",
    )
    assert asked == []  # no message box on the way


def test_keeping_theirs_saves_the_rest_of_mine(qtbot: QtBot, record_team: RecordTeam) -> None:
    window = record_window(qtbot, record_team, "Noah")
    dialog = open_family(window)
    theirs = lead(record_team).editable_family(window.record.family_id)
    lead(record_team).edit_details(theirs, {"main_language": "Polish"})
    dialog.section.main_language.setText("Urdu")
    dialog.section.interpreter_needed.setChecked(True)
    dialog.save()
    conflict = dialog.conflict_dialog
    assert isinstance(conflict, EditConflictDialog)
    conflict.choose("main_language", Choice.THEIRS)
    with qtbot.waitSignal(window.record_changed):
        conflict.save()
    assert window.header.values["Language"].text() == "Polish (interpreter needed)"


def test_the_conflict_table_rebuilds_when_someone_saves_again_while_choosing(
    qtbot: QtBot, record_team: RecordTeam, asked: list[str]
) -> None:
    window = record_window(qtbot, record_team, "Noah")
    dialog = open_family(window)
    boss = lead(record_team)
    boss.edit_details(boss.editable_family(window.record.family_id), {"town": "Harehills"})
    dialog.section.town.setText("Bradford")
    dialog.save()
    conflict = dialog.conflict_dialog
    assert isinstance(conflict, EditConflictDialog)
    conflict.choose("town", Choice.MINE)
    boss.edit_details(boss.editable_family(window.record.family_id), {"town": "Seacroft"})
    conflict.save()
    assert conflict.isVisible()
    assert "Someone saved this record again" in conflict.message.message()
    [row] = conflict.rows
    assert (row.field.theirs, row.field.mine, row.choice()) == ("Seacroft", "Bradford", Choice.MINE)
    # Closing the record window over the typed form asks before discarding it.
    conflict.back_button.click()
    window.close()
    assert asked == ["Discard what you typed?"]


def test_a_colleagues_record_offers_no_editing(qtbot: QtBot, record_team: RecordTeam) -> None:
    """Issue 8: a health visitor reads a colleague's record but changes only her own."""
    workspace = record_team.workspace()
    kid = record_team.team.colleagues[0]
    window = ChildRecordWindow(workspace, workspace.child_record(kid.id))
    qtbot.addWidget(window)
    window.details_menu.refresh()
    menu = window.details_menu
    assert not menu.child_action.isEnabled() and not menu.family_action.isEnabled()
    assert menu.child_action.toolTip() == window.record.read_only_reason
