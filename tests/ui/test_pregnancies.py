"""The caseload's pregnancies, and the antenatal review recorded before the birth (issue 3).

On a real (SQLite) database with ``ExpectingTeam``: the "Pregnancies" tab of
the main window lists my ongoing pregnancies; Enter on one opens the contact
form for its antenatal review; after Save the contact is read back from the
database and the row's status has changed with it.
"""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QMessageBox, QWidget
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from healthvisitor.domain.enums import (
    ContactKind,
    ContactLocation,
    ContactOutcome,
    PregnancyOutcome,
    ReferralStatus,
    ReviewStatus,
)
from healthvisitor.persistence.models import Contact, Pregnancy, ReferralType
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services.contacts import ContactEntry
from healthvisitor.services.referrals import NewReferral, make_referral
from healthvisitor.ui.contact_form import ContactForm
from healthvisitor.ui.main_window import MainWindow
from healthvisitor.ui.pregnancy_model import (
    ANTENATAL,
    EDD,
    GESTATION,
    MOTHER,
    PRE_BIRTH_PLAN,
    PREGNANCY_ROLE,
    PROMPTS,
    PregnancyModel,
    PregnancyProxy,
)
from tests import factories
from tests.ui.conftest import TODAY, ExpectingTeam, wait_loaded

pytestmark = pytest.mark.gui


@pytest.fixture(autouse=True)
def no_questions(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Closing the window at the end must never block on a message box."""
    asked: list[str] = []

    def answer(_parent: QWidget, title: str, *_args: object) -> QMessageBox.StandardButton:
        asked.append(title)
        return QMessageBox.StandardButton.Discard

    monkeypatch.setattr(QMessageBox, "question", answer)
    monkeypatch.setattr(QMessageBox, "warning", answer)
    return asked


def open_window(qtbot: QtBot, team: ExpectingTeam) -> MainWindow:
    window = MainWindow(team.workspace())
    qtbot.addWidget(window)
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    wait_loaded(qtbot, window)  # the lists are read off the GUI thread
    return window


def cells(window: MainWindow, column: int, role: int = Qt.ItemDataRole.DisplayRole) -> list[object]:
    proxy = window.caseload.pregnancies.proxy
    return [proxy.index(r, column).data(role) for r in range(proxy.rowCount())]


def choose(qtbot: QtBot, window: MainWindow, mother: str) -> None:
    table = window.caseload.pregnancies.table
    row = cells(window, MOTHER).index(mother)
    table.setFocus(Qt.FocusReason.OtherFocusReason)
    table.selectRow(row)
    assert window.caseload.pregnancies.current_row() is not None


def test_the_models_pass_qt_model_checks(
    qtmodeltester: ModelTester, expecting_team: ExpectingTeam
) -> None:
    model = PregnancyModel()
    qtmodeltester.check(model)
    model.set_lines(expecting_team.workspace().pregnancies())
    qtmodeltester.check(model)
    proxy = PregnancyProxy(model)
    proxy.set_search_text("patel")
    qtmodeltester.check(proxy)
    assert proxy.rowCount() == 1


def test_the_pregnancies_tab_lists_my_ongoing_pregnancies_by_due_date(
    qtbot: QtBot, expecting_team: ExpectingTeam
) -> None:
    window = open_window(qtbot, expecting_team)
    panel = window.caseload
    assert [panel.tabs.tabText(i) for i in range(panel.tabs.count())] == [
        "&Children (8)",
        "&Pregnancies (2)",
        "Referral &follow-ups (0)",
    ]
    assert "8 children shown" in window.status_text()
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert panel.showing_pregnancies()
    assert panel.antenatal_button.isVisible() and not panel.open_button.isVisible()
    assert "2 pregnancies shown" in window.status_text()
    assert cells(window, MOTHER) == ["Rosa Patel", "Lily Green"]
    assert cells(window, EDD) == ["20 Jan 2027", "10 Apr 2027"]
    assert cells(window, GESTATION) == ["31+6 weeks", "20+3 weeks"]
    # Words and a symbol, never colour alone.
    assert cells(window, ANTENATAL) == [
        "● Due by 20 Jan 2027 (EDD)",
        "○ Not yet due: opens 16 Jan 2027 (28 weeks)",
    ]
    assert cells(window, ANTENATAL, Qt.ItemDataRole.AccessibleTextRole)[0] == (
        "Due by 20 January 2027 (EDD)"
    )
    assert cells(window, PRE_BIRTH_PLAN) == ["⚑ Yes", "No"]
    assert panel.search.placeholderText() == "Mother's name, family name or postcode"
    panel.search.setText("green")
    assert cells(window, MOTHER) == ["Lily Green"]
    assert "1 of 2 pregnancies shown" in window.status_text()


def test_cover_shows_a_colleagues_pregnancies(qtbot: QtBot, expecting_team: ExpectingTeam) -> None:
    window = open_window(qtbot, expecting_team)
    panel = window.caseload
    panel.show_pregnancies()
    panel.health_visitor.setCurrentIndex(panel.health_visitor.findText("Helen Walker"))
    wait_loaded(qtbot, window)
    assert cells(window, MOTHER) == ["Hana Ito"]
    assert panel.tabs.tabText(panel.PREGNANCIES_TAB) == "&Pregnancies (1)"


def test_recording_the_antenatal_review_for_an_unborn_baby(
    qtbot: QtBot, expecting_team: ExpectingTeam
) -> None:
    window = open_window(qtbot, expecting_team)
    window.caseload.show_pregnancies()
    choose(qtbot, window, "Rosa Patel")
    qtbot.keyClick(window.caseload.pregnancies.table, Qt.Key.Key_Return)
    form = window.contact_form
    assert isinstance(form, ContactForm) and form.isVisible()

    # Only the antenatal review, and only what it records.
    assert form.details.kind.values() == [ContactKind.ANTENATAL]
    assert form.windowTitle() == "Record: Antenatal health promoting review — Rosa Patel"
    assert "Rosa Patel" in form.heading.text() and "20 Jan 2027" in form.heading.text()
    assert "pre-birth plan" in form.heading.text()
    assert form.mood.isVisibleTo(form) and form.smoking.isVisibleTo(form)
    assert form.follow_up.isVisibleTo(form)
    for absent in (form.growth, form.feeding, form.development):
        assert not absent.isVisibleTo(form)

    form.details.location.set_value(ContactLocation.HOME)
    form.mood.low_mood.set_value(True)
    form.mood.loss_of_interest.set_value(False)
    form.mood.gad2.set_value(2)
    form.smoking.mother.set_value(True)
    co: QLineEdit = form.smoking.carbon_monoxide
    co.setFocus(Qt.FocusReason.OtherFocusReason)
    qtbot.keyClicks(co, "6")
    assert "NICE NG209" in form.smoking.reading.text(), "4 ppm or more: offer referral"
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    recorded = form.recorded
    assert recorded is not None, form.summary.message()

    with unit_of_work(expecting_team.engine) as session:
        saved = session.scalars(select(Contact).where(Contact.id == recorded.contact_id)).one()
        assert saved.kind is ContactKind.ANTENATAL
        assert saved.pregnancy_id == expecting_team.pregnancies["Rosa"]
        assert saved.child_id is None
        assert saved.contact_date == TODAY
        assert saved.outcome is ContactOutcome.COMPLETED
        assert (saved.whooley_low_mood, saved.whooley_loss_of_interest) == (True, False)
        assert saved.gad2_score == 2
        assert saved.mother_smokes is True
        assert saved.carbon_monoxide_ppm == 6.0

    # The list refreshed, keeping Rosa chosen: her review is done.
    assert window.contact_form is None
    wait_loaded(qtbot, window)
    row = window.caseload.pregnancies.current_row()
    assert row is not None and row.mother_name == "Rosa Patel"
    assert row.antenatal.status is ReviewStatus.DONE_ON_TIME
    assert cells(window, ANTENATAL)[0] == f"✓ Done on time ({TODAY:%d %b %Y})"


def test_the_button_and_menu_open_the_form_and_esc_closes_it(
    qtbot: QtBot, expecting_team: ExpectingTeam
) -> None:
    window = open_window(qtbot, expecting_team)
    panel = window.caseload
    panel.show_pregnancies()
    assert not panel.antenatal_button.isEnabled(), "nothing chosen yet"
    choose(qtbot, window, "Lily Green")
    assert panel.antenatal_button.isEnabled()
    qtbot.mouseClick(panel.antenatal_button, Qt.MouseButton.LeftButton)
    form = window.contact_form
    assert form is not None and form.isVisible()
    # Not yet 28 weeks: the form still opens, and says what the review is waiting for.
    assert form.details.kind.currentText() == ("Antenatal health promoting review (not yet due)")
    qtbot.keyClick(form, Qt.Key.Key_Escape)
    assert window.contact_form is None
    window.antenatal_action.trigger()
    assert window.contact_form is not None
    window.contact_form.reject()


def test_tab_reaches_the_pregnancies_table_and_its_button(
    qtbot: QtBot, expecting_team: ExpectingTeam
) -> None:
    window = open_window(qtbot, expecting_team)
    panel = window.caseload
    panel.show_pregnancies()
    panel.search.setFocus(Qt.FocusReason.OtherFocusReason)
    qtbot.keyClick(panel.search, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is panel.tabs.tabBar()
    qtbot.keyClick(panel.tabs.tabBar(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is panel.pregnancies.table
    qtbot.keyClick(panel.pregnancies.table, Qt.Key.Key_Down)
    qtbot.keyClick(panel.pregnancies.table, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is panel.antenatal_button
    assert panel.antenatal_button.accessibleName()
    assert panel.pregnancies.table.currentIndex().data(PREGNANCY_ROLE) is not None


def test_the_antenatal_date_is_checked_against_the_pregnancy(
    qtbot: QtBot, expecting_team: ExpectingTeam
) -> None:
    window = open_window(qtbot, expecting_team)
    window.caseload.show_pregnancies()
    choose(qtbot, window, "Rosa Patel")
    row = window.caseload.pregnancies.current_row()
    assert row is not None
    form = window.record_antenatal_review(row)
    date = form.fields["contact_date"]
    form.details.contact_date.setDate(QDate(2026, 6, 1))
    assert date.run_check() is None
    # More than 42 weeks before the due date (20 Jan 2027): before the pregnancy began.
    form.details.contact_date.setDate(QDate(2026, 3, 1))
    assert "before this pregnancy began" in (date.run_check() or "")
    form.reject()


def test_a_pregnant_mothers_referral_follow_up_shows_on_her_health_visitors_caseload(
    qtbot: QtBot, expecting_team: ExpectingTeam
) -> None:
    """Rosa has no child yet: her stop-smoking referral's follow-up still shows (issue 5)."""
    with unit_of_work(expecting_team.engine) as session:
        mother_id = session.get_one(Pregnancy, expecting_team.pregnancies["Rosa"]).mother_id
        make_referral(
            session,
            factories.actor(expecting_team.record_team.team.me),
            NewReferral(
                referral_type_id=session.scalars(
                    select(ReferralType.id).where(ReferralType.code == "stop_smoking")
                ).one(),
                reason="Smokes 10 a day; CO 12 ppm at the antenatal review",
                made_on=TODAY - dt.timedelta(days=14),
                carer_id=mother_id,
                follow_up_on=TODAY - dt.timedelta(days=1),
            ),
            today=TODAY,
        )
    window = open_window(qtbot, expecting_team)
    panel = window.caseload
    follow_ups = panel.tabs.indexOf(panel.follow_ups)
    assert panel.tabs.tabText(follow_ups) == "Referral &follow-ups (1)"
    row = [
        panel.follow_ups.model.index(0, column).data()
        for column in range(panel.follow_ups.model.columnCount())
    ]
    assert "Stop smoking service" in row


def antenatal_review_with_smoking_and_low_mood(expecting_team: ExpectingTeam) -> None:
    """Rosa's antenatal review, saved as the form saves it: CO 9 ppm and low mood."""
    me = expecting_team.record_team.team.me
    expecting_team.workspace().record_contact(
        ContactEntry(
            kind=ContactKind.ANTENATAL,
            contact_date=TODAY - dt.timedelta(days=3),
            location=ContactLocation.HOME,
            outcome=ContactOutcome.COMPLETED,
            delivered_by_id=me.id,
            accountable_health_visitor_id=me.id,
            pregnancy_id=expecting_team.pregnancies["Rosa"],
            carbon_monoxide_ppm=9.0,
            whooley_low_mood=True,
        )
    )


def test_a_prompt_raised_in_pregnancy_is_counted_and_decided_from_the_pregnancy(
    qtbot: QtBot, expecting_team: ExpectingTeam
) -> None:
    """Issue 5: Rosa has no child's record; her prompts wait on her pregnancy's row."""
    antenatal_review_with_smoking_and_low_mood(expecting_team)
    window = open_window(qtbot, expecting_team)
    window.caseload.show_pregnancies()
    assert cells(window, PROMPTS) == ["⚠ 2 to decide", "None"]
    assert cells(window, PROMPTS, Qt.ItemDataRole.AccessibleTextRole) == [
        "2 referral prompts to decide about the mother",
        "No referral prompt to decide",
    ]
    pregnancies = window.caseload.pregnancies
    choose(qtbot, window, "Rosa Patel")
    assert pregnancies.referrals_action in pregnancies.table.actions()  # its context menu
    assert pregnancies.referrals_action.text() == ("Referral &prompts (2 to decide) and referrals…")
    qtbot.keyClick(pregnancies.table, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    dialog = window.pregnancy_referrals
    assert dialog is not None and dialog.isVisible()
    assert dialog.windowTitle() == "Referrals for Rosa Patel (expecting, due 20 Jan 2027)"
    panel = dialog.panel
    boxes = {box.prompt.rule_id: box for box in panel.prompt_boxes}
    assert set(boxes) == {"smoking", "maternal_mood"}
    assert panel.to_decide.title().startswith("2 referral prompts to decide")

    qtbot.mouseClick(boxes["smoking"].accept_button, Qt.MouseButton.LeftButton)
    assert boxes["smoking"].is_decided
    assert "Finish it from the referrals below" in boxes["smoking"].outcome.text()
    drafted = panel.chosen()
    assert drafted is not None
    assert (drafted.type_name, drafted.about, drafted.status) == (
        "Stop smoking service",
        "Rosa Patel (mother)",
        ReferralStatus.DRAFT,
    )
    assert panel.step_button.isEnabled()  # sent from here, in pregnancy (NICE NG209)

    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert window.pregnancy_referrals is None
    wait_loaded(qtbot, window)
    assert cells(window, PROMPTS) == ["⚠ 1 to decide", "None"]  # the list read again


def test_an_ended_pregnancy_with_prompts_to_decide_stays_on_the_tab_and_says_it_ended(
    qtbot: QtBot, expecting_team: ExpectingTeam
) -> None:
    """Issue 5: after a loss there is no baby's record; the mother's prompts keep the
    pregnancy on the list, marked as ended, with no antenatal review said to be due."""
    antenatal_review_with_smoking_and_low_mood(expecting_team)
    workspace = expecting_team.record_team.workspace()
    workspace.record_pregnancy_outcome(
        expecting_team.pregnancies["Rosa"],
        PregnancyOutcome.STILLBIRTH,
        outcome_date=TODAY - dt.timedelta(days=2),
    )
    window = open_window(qtbot, expecting_team)
    window.caseload.show_pregnancies()
    rows = dict(zip(cells(window, MOTHER), cells(window, GESTATION), strict=True))
    assert rows["Rosa Patel"].startswith("Ended ") and rows["Rosa Patel"].endswith(": stillbirth")
    by_mother = dict(zip(cells(window, MOTHER), cells(window, ANTENATAL), strict=True))
    assert by_mother["Rosa Patel"] == "No longer due: the pregnancy ended"
    assert (
        dict(zip(cells(window, MOTHER), cells(window, PROMPTS), strict=True))["Rosa Patel"]
        == "⚠ 2 to decide"
    )
