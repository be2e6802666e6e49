"""Creating records through the dialogs (issue 4): families, carers, pregnancies, children, births.

On a real (SQLite) database with ``ExpectingTeam``. Each dialog is shown
(``open()``, never ``exec()``), driven as a user would, and what it saved is
read back from the database. A problem is said beside its field and
everything typed stays; a possible duplicate asks before saving.
"""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QMessageBox, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from healthvisitor.domain.enums import CarerRelationship, ContactKind, PregnancyOutcome, Sex
from healthvisitor.persistence.models import Carer, Child, Contact, Family, Pregnancy
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services.records import FamilySummary
from healthvisitor.ui.main_window import MainWindow
from healthvisitor.ui.pregnancy_model import MOTHER
from healthvisitor.ui.registration_dialogs import (
    AddCarerDialog,
    NewFamilyDialog,
    NewPregnancyDialog,
    PregnancyOutcomeDialog,
    RecordBirthDialog,
    RecordDialog,
    RegisterChildDialog,
)
from tests import factories
from tests.ui.conftest import TODAY, ExpectingTeam, wait_loaded
from tests.ui.test_child_record_window import assert_labelled

pytestmark = pytest.mark.gui


@pytest.fixture(autouse=True)
def questions(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Message boxes answer Yes (or Discard) at once, and say what they asked."""
    asked: list[str] = []

    def answer(_parent: QWidget, title: str, *_args: object) -> QMessageBox.StandardButton:
        asked.append(title)
        if title.startswith("Discard"):
            return QMessageBox.StandardButton.Discard
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", answer)
    monkeypatch.setattr(QMessageBox, "warning", answer)
    monkeypatch.setattr(QMessageBox, "information", answer)
    return asked


def shown(qtbot: QtBot, dialog: RecordDialog) -> RecordDialog:
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def message(dialog: RecordDialog, field: str) -> str:
    return dialog.fields[field].message.message()


def count(team: ExpectingTeam, model: type[object]) -> int:
    with unit_of_work(team.engine) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0  # type: ignore[arg-type]


def family_of(team: ExpectingTeam, text: str) -> FamilySummary:
    return team.workspace().find_families(text)[0]


def test_a_new_family_keeps_what_was_typed_and_saves_with_its_first_carer(
    qtbot: QtBot, expecting_team: ExpectingTeam
) -> None:
    dialog = shown(qtbot, NewFamilyDialog(expecting_team.workspace()))
    assert isinstance(dialog, NewFamilyDialog)
    assert_labelled(dialog)
    qtbot.keyClicks(dialog.family.postcode, "ls8 2qq")
    dialog.save()
    assert message(dialog, "family_name") == "Enter the family name."
    assert message(dialog, "carer_given_name") == "Enter the carer's first name."
    assert message(dialog, "carer_family_name") == "Enter the carer's family name."
    assert "3 problems" in dialog.summary.message()
    assert dialog.isVisible() and dialog.family.postcode.text() == "ls8 2qq"
    qtbot.keyClicks(dialog.family.family_name, "Nowak")
    assert dialog.carer.family_name.text() == "Nowak", "the carer follows the family name"
    qtbot.keyClicks(dialog.carer.given_name, "Ewa")
    families = count(expecting_team, Family)
    with qtbot.waitSignal(dialog.saved) as saved:
        dialog.save_button.click()
    family = saved.args[0]
    assert isinstance(family, FamilySummary)
    assert (family.family_name, family.postcode) == ("Nowak", "LS8 2QQ")
    assert [c.described for c in family.carers] == ["Ewa Nowak (mother)"]
    assert not dialog.isVisible()
    assert count(expecting_team, Family) == families + 1
    # Saved again by the same form (its commit's answer lost, issue 9): the same family.
    assert dialog.submit() == family
    assert count(expecting_team, Family) == families + 1


def test_a_carer_is_added_to_the_family_found(qtbot: QtBot, expecting_team: ExpectingTeam) -> None:
    dialog = shown(qtbot, AddCarerDialog(expecting_team.workspace()))
    assert isinstance(dialog, AddCarerDialog)
    dialog.save()
    assert message(dialog, "family") == "Find and choose the family."
    qtbot.keyClicks(dialog.family.picker.search, "ahm")
    assert dialog.family.picker.value() is not None, "one family found is chosen"
    assert "Sara Ahmed (mother)" in dialog.family.carers_note.text()
    qtbot.keyClicks(dialog.carer.given_name, "Omar")
    qtbot.keyClicks(dialog.carer.family_name, "Ahmed")
    dialog.carer.relationship.set_value(CarerRelationship.FATHER)
    carers = count(expecting_team, Carer)
    with qtbot.waitSignal(dialog.saved):
        dialog.save()
    assert count(expecting_team, Carer) == carers + 1


def test_a_new_pregnancy_takes_the_mother_from_the_familys_carers(
    qtbot: QtBot, expecting_team: ExpectingTeam
) -> None:
    workspace = expecting_team.workspace()
    dialog = shown(qtbot, NewPregnancyDialog(workspace, family_of(expecting_team, "patel")))
    assert isinstance(dialog, NewPregnancyDialog)
    assert_labelled(dialog)
    assert dialog.mother.currentText() == "Rosa Patel (mother)"
    assert dialog.health_visitor.value() == workspace.actor.user_id
    # Rosa is pregnant already: the service says so beside the mother, and nothing is lost.
    dialog.edd.setDate(QDate(2027, 5, 1))
    dialog.save()
    assert "already has an ongoing pregnancy" in message(dialog, "mother")
    assert dialog.isVisible() and dialog.edd.date() == QDate(2027, 5, 1)

    other = shown(qtbot, NewPregnancyDialog(workspace))
    assert isinstance(other, NewPregnancyDialog)
    qtbot.keyClicks(other.family.picker.search, "ahmed")
    assert other.mother.currentText() == "Sara Ahmed (mother)"
    other.edd.setDate(QDate(2027, 5, 1))
    with qtbot.waitSignal(other.saved):
        other.save()
    with unit_of_work(expecting_team.engine) as session:
        edds = session.scalars(
            select(Pregnancy.estimated_delivery_date).where(
                Pregnancy.outcome == PregnancyOutcome.ONGOING
            )
        ).all()
    assert dt.date(2027, 5, 1) in edds


def fill_child(dialog: RegisterChildDialog | RecordBirthDialog, qtbot: QtBot, seed: int) -> None:
    child = dialog.child
    qtbot.keyClicks(child.nhs_number, factories.nhs_number(seed))
    qtbot.keyClicks(child.given_name, "Maisie")
    child.date_of_birth.setDate(QDate(2026, 11, 20))
    child.sex.set_value(Sex.FEMALE)
    qtbot.keyClicks(child.gestation, "39+2")
    qtbot.keyClicks(child.birth_weight, "3,3")


def test_a_new_birth_notification_keeps_errors_beside_fields_then_saves(
    qtbot: QtBot, expecting_team: ExpectingTeam
) -> None:
    children = count(expecting_team, Child)
    dialog = shown(qtbot, RegisterChildDialog(expecting_team.workspace()))
    assert isinstance(dialog, RegisterChildDialog)
    assert_labelled(dialog)
    assert not dialog.transfer.isVisibleTo(dialog)
    qtbot.keyClicks(dialog.child.nhs_number, "123")
    qtbot.keyClicks(dialog.child.gestation, "50")
    dialog.save()
    assert "10 digits" in message(dialog, "nhs_number")
    assert "outside 22+0 to 44+6" in message(dialog, "gestation")
    assert message(dialog, "family") == "Find and choose the family."
    assert dialog.child.nhs_number.text() == "123"
    assert count(expecting_team, Child) == children

    qtbot.keyClicks(dialog.family.picker.search, "LS7 2QA")
    assert dialog.family.picker.value() is not None
    assert dialog.child.family_name.text() == "Patel", "the family name is offered"
    dialog.child.nhs_number.clear()
    dialog.child.gestation.clear()
    fill_child(dialog, qtbot, 8100)
    with qtbot.waitSignal(dialog.saved):
        dialog.save()
    with unit_of_work(expecting_team.engine) as session:
        child = session.scalars(select(Child).where(Child.given_name == "Maisie")).one()
        assert child.health_visitor_id is None, "unallocated: the team lead allocates"
        assert (child.gestation_weeks, child.gestation_days, child.birth_weight_kg) == (39, 2, 3.3)


def test_a_possible_duplicate_asks_before_saving(
    qtbot: QtBot, expecting_team: ExpectingTeam, questions: list[str]
) -> None:
    workspace = expecting_team.workspace()
    children = count(expecting_team, Child)
    for seed in (8200, 8201):
        dialog = shown(qtbot, RegisterChildDialog(workspace, family_of(expecting_team, "patel")))
        assert isinstance(dialog, RegisterChildDialog)
        fill_child(dialog, qtbot, seed)
        with qtbot.waitSignal(dialog.saved):
            dialog.save()
    assert questions == ["Is this a different child?"]
    assert count(expecting_team, Child) == children + 2


def test_a_transfer_in_records_the_reviews_done_elsewhere(
    qtbot: QtBot, expecting_team: ExpectingTeam
) -> None:
    dialog = shown(
        qtbot,
        RegisterChildDialog(
            expecting_team.workspace(), family_of(expecting_team, "green"), transfer=True
        ),
    )
    assert isinstance(dialog, RegisterChildDialog)
    assert dialog.transfer.isVisibleTo(dialog)
    assert not dialog.hv_field.box.isVisibleTo(dialog), "a transfer in is always unallocated"
    fill_child(dialog, qtbot, 8300)
    dialog.child.date_of_birth.setDate(QDate(2026, 6, 1))
    visit = dialog.transfer.reviews[0]
    assert visit.kind is ContactKind.NEW_BIRTH_VISIT and not visit.date.isEnabled()
    visit.done.setChecked(True)
    visit.date.setDate(QDate(2026, 6, 12))
    qtbot.keyClicks(visit.weight, "heavy")
    dialog.save()
    assert "Came from" in dialog.fields["from_area"].label.text().replace("&", "")
    assert message(dialog, "from_area").startswith("Enter the area")
    assert "number in kg" in message(dialog, "review_new_birth_visit")
    visit.weight.clear()
    qtbot.keyClicks(visit.weight, "3.9")
    qtbot.keyClicks(dialog.transfer.from_area, "Bradford 0-19 service")
    with qtbot.waitSignal(dialog.saved):
        dialog.save()
    with unit_of_work(expecting_team.engine) as session:
        child = session.scalars(select(Child).where(Child.given_name == "Maisie")).one()
        assert child.transferred_in_from == "Bradford 0-19 service"
        assert child.health_visitor_id is None
        contact = session.scalars(select(Contact).where(Contact.child_id == child.id)).one()
        assert (contact.kind, contact.previous_provider) == (
            ContactKind.NEW_BIRTH_VISIT,
            "Bradford 0-19 service",
        )


def test_the_birth_is_recorded_from_the_pregnancies_tab(
    qtbot: QtBot, expecting_team: ExpectingTeam
) -> None:
    window = MainWindow(expecting_team.workspace())
    qtbot.addWidget(window)
    with qtbot.waitActive(window):
        window.show()
    wait_loaded(qtbot, window)
    window.caseload.show_pregnancies()
    pregnancies = window.caseload.pregnancies
    rows = [pregnancies.proxy.index(r, MOTHER).data() for r in range(pregnancies.proxy.rowCount())]
    pregnancies.table.selectRow(rows.index("Rosa Patel"))
    menu = window.records_menu
    assert menu.record_birth_action.shortcut().toString() == "Ctrl+Shift+B"
    menu.record_birth_action.trigger()
    dialog = menu.dialog
    assert isinstance(dialog, RecordBirthDialog) and dialog.isVisible()
    assert_labelled(dialog)
    assert dialog.child.family_name.text() == "Patel"
    assert "allocated to Priya Sharma" in dialog.allocation_note.text()
    fill_child(dialog, qtbot, 8400)
    dialog.child.date_of_birth.setDate(QDate(2026, 11, 23))
    with qtbot.waitSignal(dialog.saved):
        dialog.save()
    assert menu.dialog is None
    wait_loaded(qtbot, window)
    # The pregnancy has left the list; the baby is on the caseload, mine.
    names = [pregnancies.proxy.index(r, MOTHER).data() for r in range(pregnancies.proxy.rowCount())]
    assert "Rosa Patel" not in names
    with unit_of_work(expecting_team.engine) as session:
        baby = session.scalars(select(Child).where(Child.given_name == "Maisie")).one()
        assert baby.health_visitor_id == expecting_team.record_team.team.me.id
        assert baby.pregnancy_id == expecting_team.pregnancies["Rosa"]
    assert window.caseload.tabs.tabText(window.caseload.PREGNANCIES_TAB) == "&Pregnancies (1)"


def test_the_context_menu_asks_for_the_birth_and_nothing_chosen_is_explained(
    qtbot: QtBot, expecting_team: ExpectingTeam, questions: list[str]
) -> None:
    window = MainWindow(expecting_team.workspace())
    qtbot.addWidget(window)
    window.show()
    wait_loaded(qtbot, window)
    pregnancies = window.caseload.pregnancies
    assert pregnancies.table.contextMenuPolicy() == Qt.ContextMenuPolicy.ActionsContextMenu
    assert window.records_menu.record_birth() is None
    assert questions == ["Choose a pregnancy"]
    window.caseload.show_pregnancies()
    pregnancies.table.selectRow(0)
    assert pregnancies.birth_action.isEnabled()
    pregnancies.birth_action.trigger()
    dialog = window.records_menu.dialog
    assert isinstance(dialog, RecordBirthDialog)
    qtbot.keyClicks(dialog.child.given_name, "Typed")
    dialog.reject()
    assert questions[-1].startswith("Discard")
    assert window.records_menu.dialog is None


def test_the_records_menu_reaches_every_dialog(qtbot: QtBot, expecting_team: ExpectingTeam) -> None:
    window = MainWindow(expecting_team.workspace())
    qtbot.addWidget(window)
    menu = window.records_menu
    assert menu.title() == "&Records"
    opened = []
    for action, kind in (
        (menu.new_family_action, NewFamilyDialog),
        (menu.add_carer_action, AddCarerDialog),
        (menu.new_pregnancy_action, NewPregnancyDialog),
        (menu.register_child_action, RegisterChildDialog),
        (menu.transfer_in_action, RegisterChildDialog),
    ):
        action.trigger()
        dialog = menu.dialog
        assert isinstance(dialog, kind)
        assert_labelled(dialog)
        opened.append(dialog.windowTitle())
        dialog.reject()  # nothing typed: closes without asking
        assert menu.dialog is None
    assert opened[-1] == "Register a child — HealthVisitor"


def test_a_pregnancy_ended_otherwise_leaves_the_list(
    qtbot: QtBot, expecting_team: ExpectingTeam
) -> None:
    window = MainWindow(expecting_team.workspace())
    qtbot.addWidget(window)
    window.show()
    wait_loaded(qtbot, window)
    window.caseload.show_pregnancies()
    pregnancies = window.caseload.pregnancies
    rows = [pregnancies.proxy.index(r, MOTHER).data() for r in range(pregnancies.proxy.rowCount())]
    pregnancies.table.selectRow(rows.index("Lily Green"))
    pregnancies.outcome_action.trigger()
    dialog = window.records_menu.dialog
    assert isinstance(dialog, PregnancyOutcomeDialog)
    assert_labelled(dialog)
    dialog.save()
    assert message(dialog, "outcome") == "Choose how the pregnancy ended."
    dialog.outcome.set_value(PregnancyOutcome.MISCARRIAGE)
    with qtbot.waitSignal(dialog.saved):
        dialog.save()
    wait_loaded(qtbot, window)
    rows = [pregnancies.proxy.index(r, MOTHER).data() for r in range(pregnancies.proxy.rowCount())]
    assert rows == ["Rosa Patel"]
    with unit_of_work(expecting_team.engine) as session:
        lily = session.get_one(Pregnancy, expecting_team.pregnancies["Lily"])
        assert (lily.outcome, lily.outcome_date) == (PregnancyOutcome.MISCARRIAGE, TODAY)


def test_a_family_made_from_the_child_form_is_chosen_for_the_child(
    qtbot: QtBot, expecting_team: ExpectingTeam
) -> None:
    dialog = shown(qtbot, RegisterChildDialog(expecting_team.workspace()))
    assert isinstance(dialog, RegisterChildDialog)
    button = dialog.family.new_button
    assert button is not None
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    family_dialog = dialog.family_dialog
    assert isinstance(family_dialog, NewFamilyDialog) and family_dialog.isVisible()
    qtbot.keyClicks(family_dialog.family.family_name, "Quinn")
    qtbot.keyClicks(family_dialog.carer.given_name, "Niamh")
    family_dialog.save()
    assert dialog.family_dialog is None
    chosen = dialog.family.picker.value()
    assert chosen is not None and chosen.family_name == "Quinn"
    assert dialog.child.family_name.text() == "Quinn"
    assert "Niamh Quinn (mother)" in dialog.family.carers_note.text()
