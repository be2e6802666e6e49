"""The registration and edit-details dialogs keep a draft on this computer (issue 9, hazard H3).

Typed with qtbot into dialogs opened as the app opens them (the record
window's "Details" menu, the main window's "Records" menu); a crash is the
dialog and its window deleted without Save, Cancel or any close handler. The
colleague who saves in between is the team lead, through their own Workspace
on the same database (SQLite, and the conflict also on the real PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QDate
from PySide6.QtWidgets import QApplication, QLineEdit, QMessageBox, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select
from sqlalchemy.engine import Engine

from healthvisitor.domain.enums import CarerRelationship, ContactKind, Sex
from healthvisitor.drafts import (
    EDIT_CHILD_FORM,
    EDIT_FAMILY_FORM,
    NEW_FAMILY_FORM,
    NO_SUBJECT,
    RECORD_BIRTH_FORM,
    REGISTER_CHILD_FORM,
    Draft,
)
from healthvisitor.persistence.models import Carer, Child, Contact, Family
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services.record_edits import Choice
from healthvisitor.services.workspace import Workspace
from healthvisitor.ui import drafts_at_start, form_drafts
from healthvisitor.ui.child_record_window import ChildRecordWindow
from healthvisitor.ui.edit_conflict_dialog import EditConflictDialog
from healthvisitor.ui.edit_details_dialogs import (
    EditCarerDialog,
    EditChildDialog,
    EditDetailsDialog,
    EditFamilyDialog,
    base_from,
    base_state,
)
from healthvisitor.ui.main_window import MainWindow
from healthvisitor.ui.registration_dialogs import (
    NewFamilyDialog,
    RecordBirthDialog,
    RecordDialog,
    RegisterChildDialog,
)
from tests import factories
from tests.ui.conftest import ExpectingTeam, RecordTeam, build_record_team, wait_loaded

pytestmark = pytest.mark.gui

SHOTS = Path("/tmp/notes/record-drafts")


class Offers:
    """Stands in for "Restore unsaved work?": records each offer, answers as set."""

    def __init__(self) -> None:
        self.made: list[Draft] = []
        self.restore = True

    def __call__(self, _parent: QWidget, draft: Draft) -> bool:
        self.made.append(draft)
        return self.restore


@pytest.fixture
def offers(monkeypatch: pytest.MonkeyPatch) -> Offers:
    offers = Offers()
    monkeypatch.setattr(form_drafts, "ask_to_restore", offers)
    return offers


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """ "Discard what you typed?" is answered Discard; every question's title is kept."""
    titles: list[str] = []

    def answer(_parent: QWidget, title: str, *_args: object) -> QMessageBox.StandardButton:
        titles.append(title)
        if title.startswith("Discard"):
            return QMessageBox.StandardButton.Discard
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", answer)
    return titles


@pytest.fixture
def any_record_team(engine: Engine) -> RecordTeam:
    """``record_team`` on SQLite, then on the real PostgreSQL server."""
    return build_record_team(engine)


def record_window(qtbot: QtBot, team: RecordTeam, name: str) -> ChildRecordWindow:
    workspace = team.workspace()
    window = ChildRecordWindow(workspace, workspace.child_record(team.children[name]))
    qtbot.addWidget(window)
    window.show()
    return window


def lead(team: RecordTeam) -> Workspace:
    return team.team.workspace(user=team.team.lead)


def written(qtbot: QtBot, dialog: RecordDialog) -> Path:
    """The draft's file, once the typing has stopped and it is on disk."""
    keeper = dialog.drafts
    assert keeper is not None
    path = keeper.store.path(keeper.key)
    qtbot.waitUntil(lambda: path.exists() and not keeper.timer.isActive(), timeout=3000)
    return path


def crash(*widgets: QWidget) -> None:
    """Gone without Save, Cancel or any close handler: what a crash leaves."""
    for widget in widgets:
        shiboken6.delete(widget)
    QApplication.processEvents()


def retype(qtbot: QtBot, edit: QLineEdit, text: str) -> None:
    edit.clear()
    qtbot.keyClicks(edit, text)


# --- Editing details --------------------------------------------------------------------


def test_an_edit_left_by_a_crash_is_offered_restored_and_gone_once_saved(
    qtbot: QtBot, record_team: RecordTeam, offers: Offers
) -> None:
    window = record_window(qtbot, record_team, "Noah")
    dialog = window.details_menu.edit_child()
    assert isinstance(dialog, EditChildDialog)
    assert offers.made == []  # nothing left from before
    retype(qtbot, dialog.section.given_name, "Noa")
    qtbot.keyClicks(dialog.section.place_of_birth, "St James's, Leeds")
    dialog.section.gestation.setText("38+5")
    path = written(qtbot, dialog)
    typed = dialog.typed()
    crash(dialog, window)
    assert path.exists()

    window = record_window(qtbot, record_team, "Noah")
    again = window.details_menu.edit_child()
    assert isinstance(again, EditChildDialog)
    [offer] = offers.made
    assert offer.key.form == EDIT_CHILD_FORM
    assert offer.key.subject_id == record_team.children["Noah"]
    assert offer.offer(dt.UTC).startswith(
        "You have an unsaved change to the child's details for Noah Bell from "
    )
    assert again.typed() == typed
    with qtbot.waitSignal(window.record_changed):
        again.save()
    assert not again.isVisible() and not path.exists()
    assert window.header.name.text() == "Noa Bell"
    assert window.header.values["Gestation"].text() == "38+5 weeks"
    third = window.details_menu.edit_child()
    assert isinstance(third, EditChildDialog)
    assert len(offers.made) == 1, "saved: not offered again"
    assert third.section.given_name.text() == "Noa"
    third.reject()  # nothing typed: closes without asking


def test_discarding_on_purpose_deletes_the_draft_and_going_back_keeps_it(
    qtbot: QtBot, record_team: RecordTeam, offers: Offers, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = [QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Discard]
    monkeypatch.setattr(QMessageBox, "question", lambda *_args: answers.pop(0))
    window = record_window(qtbot, record_team, "Ella")
    dialog = window.details_menu.edit_family()
    assert isinstance(dialog, EditFamilyDialog)
    dialog.section.postcode.setText("LS8 1AA")
    path = written(qtbot, dialog)
    dialog.reject()  # "Discard what you typed?" answered Cancel: back to the form
    assert dialog.isVisible() and path.exists()
    dialog.reject()  # answered Discard: thrown away on purpose
    assert not dialog.isVisible() and not path.exists()
    again = window.details_menu.edit_family()
    assert isinstance(again, EditFamilyDialog)
    assert offers.made == [] and again.section.postcode.text() == "LS7 4AA"
    # A draft declined at the offer is deleted too, and the form shows the record.
    again.section.town.setText("Bradford")
    path = written(qtbot, again)
    crash(again, window)
    offers.restore = False
    window = record_window(qtbot, record_team, "Ella")
    third = window.details_menu.edit_family()
    assert isinstance(third, EditFamilyDialog)
    assert len(offers.made) == 1 and not path.exists()
    assert third.section.town.text() == "Leeds"
    third.reject()


def test_a_restored_edit_keeps_its_base_so_a_colleagues_save_is_not_overwritten(
    qtbot: QtBot, any_record_team: RecordTeam, offers: Offers
) -> None:
    team = any_record_team
    window = record_window(qtbot, team, "Noah")
    dialog = window.details_menu.edit_family()
    assert isinstance(dialog, EditFamilyDialog)
    first_version = dialog.record.version
    dialog.section.town.setText("Bradford")
    path = written(qtbot, dialog)
    crash(dialog, window)
    # Meanwhile a colleague corrects the same field, and another one.
    boss = lead(team)
    family = team.workspace().child_record(team.children["Noah"]).family_id
    boss.edit_details(
        boss.editable_family(family),
        {"town": "Harehills", "gp_practice": "Chapeltown Health Centre"},
    )

    window = record_window(qtbot, team, "Noah")
    again = window.details_menu.edit_family()
    assert isinstance(again, EditFamilyDialog)
    assert len(offers.made) == 1
    assert again.record.version == first_version, "typed over what the form first showed"
    assert again.record.values["town"] == "Leeds"
    assert again.section.town.text() == "Bradford"
    assert again.section.gp_practice.text() == "", "the draft's own copy of the field"
    again.save()
    conflict = again.conflict_dialog
    assert isinstance(conflict, EditConflictDialog), "a conflict, not a silent overwrite"
    [row] = conflict.rows
    assert (row.field.label, row.field.first_saw, row.field.theirs, row.field.mine) == (
        "Town",
        "Leeds",
        "Harehills",
        "Bradford",
    )
    assert conflict.kept.text().endswith("GP practice.")
    conflict.choose("town", Choice.MINE)
    with qtbot.waitSignal(window.record_changed):
        conflict.save()
    now = team.workspace().editable_family(window.record.family_id).values
    assert (now["town"], now["gp_practice"]) == ("Bradford", "Chapeltown Health Centre")
    assert not path.exists()


def test_a_restored_edit_keeps_a_colleagues_change_to_a_field_not_typed(
    qtbot: QtBot, record_team: RecordTeam, offers: Offers
) -> None:
    window = record_window(qtbot, record_team, "Noah")
    dialog = window.details_menu.edit_family()
    assert isinstance(dialog, EditFamilyDialog)
    dialog.section.postcode.setText("ls8 1aa")
    written(qtbot, dialog)
    crash(dialog, window)
    boss = lead(record_team)
    family = record_team.workspace().child_record(record_team.children["Noah"]).family_id
    boss.edit_details(boss.editable_family(family), {"gp_practice": "Chapeltown Health Centre"})

    window = record_window(qtbot, record_team, "Noah")
    again = window.details_menu.edit_family()
    assert isinstance(again, EditFamilyDialog) and len(offers.made) == 1
    with qtbot.waitSignal(window.record_changed):
        again.save()
    assert window.statusBar().currentMessage() == (
        "Saved: Postcode. A colleague's change since you opened the form was kept: GP practice."
    )
    now = record_team.workspace().editable_family(family).values
    assert (now["postcode"], now["gp_practice"]) == ("LS8 1AA", "Chapeltown Health Centre")


def test_a_base_reads_back_as_it_was_written(record_team: RecordTeam) -> None:
    workspace = record_team.workspace()
    child = workspace.editable_child(record_team.children["Poppy"])
    [carer] = workspace.editable_carers(workspace.child_record(child.id).family_id)
    for record in (child, carer):
        assert base_from(base_state(record)) == record
    assert isinstance(
        base_from(base_state(carer)).values["relationship_to_child"], CarerRelationship
    )
    assert isinstance(base_from(base_state(child)).values["sex"], Sex)


# --- Registering ------------------------------------------------------------------------


def main_window(qtbot: QtBot, workspace: Workspace) -> MainWindow:
    """The main window, its lists read. A crash here deletes the dialog over it, not the
    window itself: deleting a main window's wrapper under PySide6 6.11 leaves its
    collector half gone (ui/gui_gc.py), and the next collection on a worker crashes."""
    window = MainWindow(workspace)
    qtbot.addWidget(window)
    window.show()
    wait_loaded(qtbot, window)
    return window


def test_a_new_family_left_by_a_crash_is_offered_restored_and_saved(
    qtbot: QtBot, record_team: RecordTeam, offers: Offers
) -> None:
    main = main_window(qtbot, record_team.workspace())
    dialog = main.records_menu.new_family()
    assert isinstance(dialog, NewFamilyDialog) and offers.made == []
    qtbot.keyClicks(dialog.family.family_name, "Nwosu")
    qtbot.keyClicks(dialog.family.address_line_1, "4 Mexborough Avenue")
    qtbot.keyClicks(dialog.family.postcode, "LS7 3EE")
    dialog.family.interpreter_needed.setChecked(True)
    qtbot.keyClicks(dialog.carer.given_name, "Amira")
    dialog.carer.date_of_birth.set_value(dt.date(1995, 4, 2))
    path = written(qtbot, dialog)
    crash(dialog)

    again = main.records_menu.new_family()
    assert isinstance(again, NewFamilyDialog)
    [offer] = offers.made
    assert (offer.key.form, offer.key.subject_id) == (NEW_FAMILY_FORM, NO_SUBJECT)
    assert offer.offer(dt.UTC).startswith(
        "You have an unsaved new family for the Nwosu family from "
    )
    assert offer.where() == "Offered again when you choose Records > New family."
    assert again.carer.family_name.text() == "Nwosu"
    assert again.carer.date_of_birth.value() == dt.date(1995, 4, 2)
    with qtbot.waitSignal(again.saved):
        again.save()
    assert not path.exists()
    with unit_of_work(record_team.engine) as session:
        family = session.scalars(select(Family).where(Family.family_name == "Nwosu")).one()
        assert (family.postcode, family.interpreter_needed) == ("LS7 3EE", True)
        carer = session.scalars(select(Carer).where(Carer.family_id == family.id)).one()
        assert (carer.given_name, carer.date_of_birth) == ("Amira", dt.date(1995, 4, 2))


def test_a_transfer_in_comes_back_with_its_family_and_reviews(
    qtbot: QtBot, expecting_team: ExpectingTeam, offers: Offers
) -> None:
    main = main_window(qtbot, expecting_team.workspace())
    dialog = main.records_menu.transfer_in()
    assert isinstance(dialog, RegisterChildDialog)
    qtbot.keyClicks(dialog.family.picker.search, "LS7 2QA")
    assert dialog.family.picker.value() is not None
    child = dialog.child
    qtbot.keyClicks(child.nhs_number, factories.nhs_number(8400))
    qtbot.keyClicks(child.given_name, "Maisie")
    child.date_of_birth.setDate(QDate(2026, 6, 1))
    child.sex.set_value(Sex.FEMALE)
    qtbot.keyClicks(child.gestation, "39+2")
    qtbot.keyClicks(dialog.transfer.from_area, "Bradford 0-19 service")
    visit = dialog.transfer.reviews[0]
    visit.done.setChecked(True)
    visit.date.setDate(QDate(2026, 6, 12))
    qtbot.keyClicks(visit.weight, "3.9")
    path = written(qtbot, dialog)
    crash(dialog)

    again = main.records_menu.register_child()  # the new-birth item: the same form
    assert isinstance(again, RegisterChildDialog)
    [offer] = offers.made
    assert offer.key.form == REGISTER_CHILD_FORM
    assert offer.offer(dt.UTC).startswith(
        "You have an unsaved registration of a child transferring in for Maisie Patel from "
    )
    assert again.is_transfer() and again.transfer.isVisibleTo(again)
    family = again.family.picker.value()
    assert family is not None and family.family_name == "Patel"
    [restored] = again.transfer.reviews[:1]
    assert restored.done.isChecked() and restored.weight.isEnabled()
    assert (restored.weight.text(), restored.date.date()) == ("3.9", QDate(2026, 6, 12))
    with qtbot.waitSignal(again.saved):
        again.save()
    assert not path.exists()
    with unit_of_work(expecting_team.engine) as session:
        saved = session.scalars(select(Child).where(Child.given_name == "Maisie")).one()
        assert saved.transferred_in_from == "Bradford 0-19 service"
        contact = session.scalars(select(Contact).where(Contact.child_id == saved.id)).one()
        assert contact.kind is ContactKind.NEW_BIRTH_VISIT


def test_no_record_dialog_holds_a_secret_and_a_password_is_never_kept() -> None:
    hidden = QLineEdit("correct horse battery staple")
    hidden.setEchoMode(QLineEdit.EchoMode.Password)
    assert not form_drafts.holds_typing(hidden)
    assert form_drafts.draft_value(hidden) is None
    form_drafts.restore_value(hidden, "overwritten")
    assert hidden.text() == "correct horse battery staple"


def test_the_dialogs_inputs_are_all_kept_and_none_is_a_password(
    qtbot: QtBot, expecting_team: ExpectingTeam
) -> None:
    workspace = expecting_team.workspace()
    [row, *_] = workspace.pregnancies()
    child = workspace.editable_child(expecting_team.record_team.children["Noah"])
    dialogs: list[RecordDialog] = [
        NewFamilyDialog(workspace),
        RegisterChildDialog(workspace, transfer=True),
        RecordBirthDialog(workspace, row),
        EditChildDialog(workspace, child),
    ]
    for dialog in dialogs:
        qtbot.addWidget(dialog)
        assert dialog.drafts is not None and dialog.draft_form
        for widget in dialog.inputs():
            if isinstance(widget, QLineEdit):
                assert widget.echoMode() == QLineEdit.EchoMode.Normal
        dialog.draft_state()  # every input has a draft value (an unknown one raises)


# --- At the next start ------------------------------------------------------------------


def test_the_next_start_lists_them_with_where_and_opens_those_it_can(
    qtbot: QtBot,
    expecting_team: ExpectingTeam,
    offers: Offers,
    asked: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    team = expecting_team.record_team
    window = record_window(qtbot, team, "Noah")
    child = window.details_menu.edit_child()
    assert isinstance(child, EditChildDialog)
    qtbot.keyClicks(child.section.place_of_birth, "Home birth")
    written(qtbot, child)
    crash(child, window)
    window = record_window(qtbot, team, "Poppy")
    window.details_menu.refresh()
    [action] = window.details_menu.carer_actions
    action.trigger()
    carer = window.status_dialog
    assert isinstance(carer, EditCarerDialog)
    qtbot.keyClicks(carer.section.phone, "0113 496 0000")
    written(qtbot, carer)
    crash(carer, window)
    main = main_window(qtbot, expecting_team.workspace())
    rosa = next(r for r in main.workspace.pregnancies() if r.mother_name == "Rosa Patel")
    birth = main.records_menu.record_birth_of(rosa)
    assert isinstance(birth, RecordBirthDialog)
    qtbot.keyClicks(birth.child.given_name, "Ivy")
    written(qtbot, birth)
    family = main.records_menu.new_family()
    qtbot.keyClicks(family.family.family_name, "Nwosu")
    written(qtbot, family)
    crash(birth, family)
    assert offers.made == []
    main.close()

    listed: list[list[Draft]] = []

    def open_them(parent: QWidget, drafts: list[Draft]) -> bool:
        listed.append(drafts)
        box, _opening = drafts_at_start.open_question(parent, drafts)
        box.show()
        SHOTS.mkdir(parents=True, exist_ok=True)
        box.grab().save(str(SHOTS / "start-up-list.png"))
        lines.extend(line for line in box.text().splitlines() if line)
        box.hide()
        return True

    lines: list[str] = []
    monkeypatch.setattr(drafts_at_start, "ask_to_open", open_them)
    main = main_window(qtbot, expecting_team.workspace())
    offered = drafts_at_start.offer_drafts_left_on_this_computer(main)
    assert len(offered) == 4 and listed == [offered]
    said = {d.key.form: drafts_at_start.listed(d) for d in offered}
    assert said[EDIT_CHILD_FORM].endswith(
        "Offered again when you open Edit details > Edit child's details in Noah Bell's record."
    )
    assert said[EDIT_CHILD_FORM].startswith(
        "You have an unsaved change to the child's details for Noah Bell from "
    )
    assert said["edit_carer"].startswith(
        "You have an unsaved change to the carer's details for Sara Ahmed (mother) from "
    )
    assert said["edit_carer"].endswith(
        "Edit carer's details: Sara Ahmed (mother) in Poppy Ahmed's record."
    )
    assert said[RECORD_BIRTH_FORM].startswith(
        "You have an unsaved record of the birth for Rosa Patel's baby from "
    )
    assert said[RECORD_BIRTH_FORM].endswith(
        "Offered again when you record the birth of Rosa Patel's baby from the Pregnancies tab."
    )
    assert said[NEW_FAMILY_FORM].endswith("Records > New family.")
    assert sorted(lines) == sorted(said.values())
    # Opened where the windows already offer a way, each offering its draft.
    noah = main.record_windows[team.children["Noah"]].status_dialog
    assert isinstance(noah, EditChildDialog)
    assert noah.section.place_of_birth.text() == "Home birth"
    poppy = main.record_windows[team.children["Poppy"]].status_dialog
    assert isinstance(poppy, EditCarerDialog)
    assert poppy.section.phone.text() == "0113 496 0000"
    new_family = main.records_menu.dialog
    assert isinstance(new_family, NewFamilyDialog)
    assert new_family.family.family_name.text() == "Nwosu"
    assert sorted(d.key.form for d in offers.made) == sorted(
        [EDIT_CHILD_FORM, "edit_carer", NEW_FAMILY_FORM]
    ), "the birth waits for the Pregnancies tab, as its sentence says"
    main.close()  # each record window's form asks "Discard what you typed?": Discard
    assert asked.count("Discard what you typed?") == 2  # the record windows' forms


# --- What the offers look like ----------------------------------------------------------


def test_the_offer_names_the_form_and_the_person(
    qtbot: QtBot, record_team: RecordTeam, asked: list[str]
) -> None:
    window = record_window(qtbot, record_team, "Ella")
    dialog = window.details_menu.edit_family()
    assert isinstance(dialog, EditDetailsDialog)
    dialog.section.town.setText("Bradford")
    written(qtbot, dialog)
    keeper = dialog.drafts
    assert keeper is not None
    draft = keeper.store.load(keeper.key)
    assert draft is not None
    box, restore = form_drafts.restore_question(dialog, draft)
    box.show()
    SHOTS.mkdir(parents=True, exist_ok=True)
    box.grab().save(str(SHOTS / "restore-edit-family.png"))
    assert box.windowTitle() == "Restore unsaved work?"
    assert box.text().startswith(
        "You have an unsaved change to the family's details for the Cole family from "
    )
    assert restore.text() == "&Restore"
    box.hide()
    assert draft.key.form == EDIT_FAMILY_FORM
    window.close()
