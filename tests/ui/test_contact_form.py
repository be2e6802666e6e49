"""Recording each review through the contact form, as a health visitor would.

The form is opened from the child's record window on a real (SQLite)
database; values are typed with qtbot; after Save the database is read back
(the contact, its measurements with centiles, the ASQ scores) and the record
on screen must have changed with it. Message boxes are replaced by recorders.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QLineEdit, QMessageBox, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from healthvisitor.domain.enums import (
    ContactKind,
    ContactLocation,
    ContactOutcome,
    DevelopmentDomain,
    FeedingStatus,
    MeasurementKind,
    ReviewStatus,
    ScreeningZone,
)
from healthvisitor.errors import FieldProblem, NotFoundError, ValidationError
from healthvisitor.persistence.models import Contact, DevelopmentScore, Measurement
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.ui.child_record_window import ChildRecordWindow
from healthvisitor.ui.contact_form import ContactForm
from healthvisitor.ui.contact_form_sections import ASQ3_DOMAINS
from tests.ui.conftest import TODAY, RecordTeam

pytestmark = pytest.mark.gui

Button = QMessageBox.StandardButton


class Answers:
    """Stands in for QMessageBox: records what was asked and gives set answers."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.questions: list[tuple[str, str]] = []
        self.warnings: list[tuple[str, str]] = []
        self.answer = Button.Yes
        monkeypatch.setattr(QMessageBox, "question", self._question)
        monkeypatch.setattr(QMessageBox, "warning", self._warning)

    def _question(self, _parent: QWidget, title: str, text: str, *_args: object) -> Button:
        self.questions.append((title, text))
        return self.answer

    def _warning(self, _parent: QWidget, title: str, text: str, *_args: object) -> Button:
        self.warnings.append((title, text))
        return Button.Ok


@pytest.fixture(autouse=True)
def answers(monkeypatch: pytest.MonkeyPatch) -> Answers:
    """Every test: closing the record window at the end must not block on a question."""
    return Answers(monkeypatch)


def open_form(
    qtbot: QtBot, record_team: RecordTeam, name: str, kind: ContactKind | None = None
) -> tuple[ChildRecordWindow, ContactForm]:
    workspace = record_team.workspace()
    window = ChildRecordWindow(workspace, workspace.child_record(record_team.children[name]))
    qtbot.addWidget(window)
    window.show()
    form = window.record_contact(kind)
    assert form.isVisible()
    return window, form


def type_into(qtbot: QtBot, widget: QLineEdit, text: str) -> None:
    widget.setFocus(Qt.FocusReason.OtherFocusReason)
    widget.clear()
    qtbot.keyClicks(widget, text)


def save(qtbot: QtBot, form: ContactForm) -> None:
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)


def status(window: ChildRecordWindow, kind: ContactKind) -> ReviewStatus:
    return next(line.status for line in window.record.reviews if line.kind is kind)


def contact(record_team: RecordTeam, contact_id: uuid.UUID) -> Contact:
    with unit_of_work(record_team.engine) as session:
        found = session.get_one(Contact, contact_id)
        session.expunge(found)
        return found


def measurements(record_team: RecordTeam, contact_id: uuid.UUID) -> dict[MeasurementKind, float]:
    with unit_of_work(record_team.engine) as session:
        rows = session.scalars(select(Measurement).where(Measurement.contact_id == contact_id))
        found = {}
        for row in rows:
            assert row.centile is not None and row.sds is not None, "centiles stored on save"
            found[row.kind] = row.value
        return found


def scores(
    record_team: RecordTeam, contact_id: uuid.UUID
) -> dict[DevelopmentDomain, tuple[int, ScreeningZone]]:
    with unit_of_work(record_team.engine) as session:
        rows = session.scalars(
            select(DevelopmentScore).where(DevelopmentScore.contact_id == contact_id)
        )
        return {row.domain: (row.score, row.zone) for row in rows}


def saved_id(form: ContactForm) -> uuid.UUID:
    assert form.recorded is not None, form.summary.message()
    return form.recorded.contact_id


# --- Each review ------------------------------------------------------------------


def test_a_new_birth_visit_with_growth_feeding_and_mood(
    qtbot: QtBot, record_team: RecordTeam, answers: Answers
) -> None:
    window, form = open_form(qtbot, record_team, "Poppy")
    assert form.kind() is ContactKind.NEW_BIRTH_VISIT, "the review due is the default"
    assert status(window, ContactKind.NEW_BIRTH_VISIT) is ReviewStatus.DUE
    assert form.feeding.isVisibleTo(form) and form.mood.isVisibleTo(form)
    assert not form.development.isVisibleTo(form)
    form.details.location.set_value(ContactLocation.HOME)
    type_into(qtbot, form.details.who_was_seen, "Mother and baby")
    type_into(qtbot, form.growth.weight, "3.45")
    type_into(qtbot, form.growth.length, "50.5")
    type_into(qtbot, form.growth.head, "35")
    form.feeding.feeding.set_value(FeedingStatus.TOTALLY_BREASTFED)
    form.mood.low_mood.set_value(False)
    form.mood.loss_of_interest.set_value(True)
    form.mood.gad2.set_value(2)
    form.smoking.mother.set_value(False)
    assert "Whooley positive" in form.mood.reading.text()
    save(qtbot, form)

    contact_id = saved_id(form)
    assert not form.isVisible()
    saved = contact(record_team, contact_id)
    assert saved.kind is ContactKind.NEW_BIRTH_VISIT
    assert saved.contact_date == TODAY
    assert saved.who_was_seen == "Mother and baby"
    assert saved.feeding is FeedingStatus.TOTALLY_BREASTFED
    assert (saved.whooley_low_mood, saved.whooley_loss_of_interest) == (False, True)
    assert saved.gad2_score == 2
    assert saved.mother_smokes is False
    assert saved.household_smokes is None, "a question not asked is not saved as 'no'"
    assert saved.delivered_by_id == record_team.team.me.id
    assert saved.accountable_health_visitor_id == record_team.team.me.id
    assert measurements(record_team, contact_id) == {
        MeasurementKind.WEIGHT: 3.45,
        MeasurementKind.LENGTH: 50.5,
        MeasurementKind.HEAD_CIRCUMFERENCE: 35.0,
    }
    # The record on screen was read again.
    assert status(window, ContactKind.NEW_BIRTH_VISIT) is ReviewStatus.DONE_ON_TIME
    assert window.contacts.index(0, 1).data() == "New birth visit"
    assert "Totally breastfed" in window.contacts.index(0, 6).data()
    assert window.measurements.rowCount() == 4  # birth weight and these three
    assert window.chart_views[0].chart is window.record.charts[0]
    assert len(window.record.charts[0].child) == 2
    assert answers.warnings == [], "no faltering growth here"


def test_a_6_to_8_week_review(qtbot: QtBot, record_team: RecordTeam, answers: Answers) -> None:
    window, form = open_form(qtbot, record_team, "Noah")
    assert form.kind() is ContactKind.SIX_TO_EIGHT_WEEK
    form.details.location.set_value(ContactLocation.CLINIC)
    type_into(qtbot, form.growth.weight, "4.9")
    type_into(qtbot, form.growth.length, "55.0")
    type_into(qtbot, form.growth.head, "38.2")
    form.feeding.feeding.set_value(FeedingStatus.PARTIALLY_BREASTFED)
    form.mood.low_mood.set_value(False)
    form.mood.loss_of_interest.set_value(False)
    form.mood.gad2.set_value(0)
    save(qtbot, form)

    saved = contact(record_team, saved_id(form))
    assert saved.kind is ContactKind.SIX_TO_EIGHT_WEEK
    assert saved.location is ContactLocation.CLINIC
    assert saved.feeding is FeedingStatus.PARTIALLY_BREASTFED
    assert len(measurements(record_team, saved.id)) == 3
    assert status(window, ContactKind.SIX_TO_EIGHT_WEEK) is ReviewStatus.DONE_ON_TIME


def fill_asq3(qtbot: QtBot, form: ContactForm, values: dict[DevelopmentDomain, int]) -> None:
    zones = {60: ScreeningZone.ABOVE_CUTOFF, 35: ScreeningZone.MONITORING}
    for domain, score in values.items():
        type_into(qtbot, form.development.scores[domain], str(score))
        zone = zones.get(score, ScreeningZone.BELOW_CUTOFF)
        form.development.zones[domain].set_value(zone)


def test_a_1_year_review_with_asq3(qtbot: QtBot, record_team: RecordTeam, answers: Answers) -> None:
    window, form = open_form(qtbot, record_team, "Ella")
    assert form.kind() is ContactKind.ONE_YEAR
    assert not form.feeding.isVisibleTo(form) and not form.mood.isVisibleTo(form)
    assert form.development.isVisibleTo(form)
    assert form.growth.length_kind is MeasurementKind.LENGTH, "lying length under 2 years"
    form.details.location.set_value(ContactLocation.FAMILY_HUB)
    type_into(qtbot, form.growth.weight, "9.1")
    type_into(qtbot, form.growth.length, "74.0")
    values = dict.fromkeys(ASQ3_DOMAINS, 60)
    values[DevelopmentDomain.COMMUNICATION] = 35
    fill_asq3(qtbot, form, values)
    save(qtbot, form)

    contact_id = saved_id(form)
    assert scores(record_team, contact_id) == {
        domain: (score, ScreeningZone.MONITORING if score == 35 else ScreeningZone.ABOVE_CUTOFF)
        for domain, score in values.items()
    }
    assert set(measurements(record_team, contact_id)) == {
        MeasurementKind.WEIGHT,
        MeasurementKind.LENGTH,
    }
    assert status(window, ContactKind.ONE_YEAR) is ReviewStatus.DONE_ON_TIME
    assert "Communication 35 (monitoring zone)" in window.contacts.index(0, 6).data()


def test_a_2_year_review_with_asq3_and_asq_se2_measures_height(
    qtbot: QtBot, record_team: RecordTeam, answers: Answers
) -> None:
    window, form = open_form(qtbot, record_team, "Leo")
    assert form.kind() is ContactKind.TWO_YEAR
    assert form.growth.length_kind is MeasurementKind.HEIGHT, "standing height from 2 years"
    assert form.growth.length_field.label.text() == "Hei&ght (cm)"
    form.details.location.set_value(ContactLocation.CLINIC)
    type_into(qtbot, form.growth.weight, "12.6")
    type_into(qtbot, form.growth.length, "89.0")
    values = dict.fromkeys(ASQ3_DOMAINS, 60)
    values[DevelopmentDomain.FINE_MOTOR] = 20
    fill_asq3(qtbot, form, values)
    type_into(qtbot, form.development.scores[DevelopmentDomain.SOCIAL_EMOTIONAL], "45")
    form.development.zones[DevelopmentDomain.SOCIAL_EMOTIONAL].set_value(ScreeningZone.ABOVE_CUTOFF)
    save(qtbot, form)

    contact_id = saved_id(form)
    found = scores(record_team, contact_id)
    assert len(found) == 6
    assert found[DevelopmentDomain.FINE_MOTOR] == (20, ScreeningZone.BELOW_CUTOFF)
    assert found[DevelopmentDomain.SOCIAL_EMOTIONAL] == (45, ScreeningZone.ABOVE_CUTOFF)
    assert measurements(record_team, contact_id) == {
        MeasurementKind.WEIGHT: 12.6,
        MeasurementKind.HEIGHT: 89.0,
    }
    assert status(window, ContactKind.TWO_YEAR) is ReviewStatus.DONE_ON_TIME


def test_another_contact_by_telephone_with_notes(
    qtbot: QtBot, record_team: RecordTeam, answers: Answers
) -> None:
    window, form = open_form(qtbot, record_team, "Leo", ContactKind.OTHER)
    assert form.kind() is ContactKind.OTHER
    form.details.location.set_value(ContactLocation.PHONE)
    form.details.outcome.set_value(ContactOutcome.COMPLETED)
    qtbot.keyClicks(form.follow_up.notes, "Advice on sleep; leaflet sent.")
    save(qtbot, form)

    saved = contact(record_team, saved_id(form))
    assert (saved.kind, saved.location) == (ContactKind.OTHER, ContactLocation.PHONE)
    assert saved.notes == "Advice on sleep; leaflet sent."
    assert measurements(record_team, saved.id) == {}
    assert window.contacts.index(0, 1).data() == "Other contact"
    assert window.contacts.index(0, 7).data() == "Advice on sleep; leaflet sent."
    assert status(window, ContactKind.TWO_YEAR) is ReviewStatus.DUE, "not a review"


def test_not_brought_disables_findings_and_a_rebooking_shows_on_the_review(
    qtbot: QtBot, record_team: RecordTeam, answers: Answers
) -> None:
    window, form = open_form(qtbot, record_team, "Ella")
    form.details.location.set_value(ContactLocation.CLINIC)
    type_into(qtbot, form.growth.weight, "9.1")  # typed before the outcome was known
    form.details.outcome.set_value(ContactOutcome.NOT_ATTENDED)
    assert not form.growth.isEnabled() and not form.development.isEnabled()
    assert form.details.outcome_note.isVisibleTo(form)
    assert "only when the contact took place" in form.details.outcome_note.text()
    assert "rebook" in form.details.outcome_note.text()
    assert form.growth.weight.text() == "9.1", "kept, in case the outcome was a slip"
    qtbot.mouseClick(form.follow_up.next_contact.planned, Qt.MouseButton.LeftButton)
    assert form.follow_up.next_contact.date.isEnabled()
    form.follow_up.next_contact.date.setDate(QDate(2026, 12, 1))
    save(qtbot, form)

    saved = contact(record_team, saved_id(form))
    assert saved.outcome is ContactOutcome.NOT_ATTENDED
    assert saved.next_planned_contact == dt.date(2026, 12, 1)
    assert measurements(record_team, saved.id) == {}, "no findings without a contact"
    assert status(window, ContactKind.ONE_YEAR) is ReviewStatus.NOT_ATTENDED_REBOOKED


def test_the_antenatal_review_is_recorded_on_the_pregnancy(
    qtbot: QtBot, record_team: RecordTeam, answers: Answers
) -> None:
    window, form = open_form(qtbot, record_team, "Poppy", ContactKind.ANTENATAL)
    assert form.kind() is ContactKind.ANTENATAL
    assert not form.growth.isVisibleTo(form), "no growth before birth"
    assert form.mood.isVisibleTo(form)
    form.details.contact_date.setDate(QDate(2026, 10, 20))
    form.details.location.set_value(ContactLocation.HOME)
    form.mood.low_mood.set_value(False)
    form.mood.loss_of_interest.set_value(False)
    save(qtbot, form)

    saved = contact(record_team, saved_id(form))
    assert saved.kind is ContactKind.ANTENATAL
    assert saved.pregnancy_id == window.record.pregnancy_id is not None
    assert saved.child_id is None, "on the pregnancy, so a twin's record shows it too"
    assert status(window, ContactKind.ANTENATAL) is ReviewStatus.DONE_ON_TIME


def test_the_antenatal_review_is_offered_only_with_a_recorded_pregnancy(
    qtbot: QtBot, record_team: RecordTeam
) -> None:
    _window, form = open_form(qtbot, record_team, "Noah", ContactKind.ANTENATAL)
    assert ContactKind.ANTENATAL not in form.details.kind.values()
    assert form.kind() is ContactKind.SIX_TO_EIGHT_WEEK


# --- Checking what is typed -------------------------------------------------------


def test_a_weight_out_of_range_is_flagged_under_the_field_as_it_is_typed(
    qtbot: QtBot, record_team: RecordTeam
) -> None:
    _window, form = open_form(qtbot, record_team, "Noah")
    message = form.fields["weight"].message
    assert not message.isVisibleTo(form)
    type_into(qtbot, form.growth.weight, "45000")
    assert message.isVisibleTo(form)
    assert "outside what is possible" in message.text()
    assert message.text().startswith("⚠"), "not colour alone"
    assert "outside what is possible" in form.growth.weight.accessibleDescription()
    form.growth.weight.clear()
    qtbot.keyClicks(form.growth.weight, "4.9")
    assert not message.isVisibleTo(form)
    type_into(qtbot, form.growth.weight, "four")
    assert "Enter the weight as a number in kg" in form.fields["weight"].message.text()


def test_a_future_date_is_flagged_next_to_the_date_and_everything_typed_stays(
    qtbot: QtBot, record_team: RecordTeam, answers: Answers
) -> None:
    _window, form = open_form(qtbot, record_team, "Noah")
    form.details.location.set_value(ContactLocation.HOME)
    type_into(qtbot, form.growth.weight, "4.9")
    form.feeding.feeding.set_value(FeedingStatus.NOT_BREASTFED)
    qtbot.keyClicks(form.follow_up.notes, "Typed notes")
    # The day the form was opened is tomorrow by the clock the save is checked by
    # (e.g. a laptop clock that was wrong): the date is in the future.
    record_team.clock.day = TODAY - dt.timedelta(days=1)
    save(qtbot, form)

    assert form.isVisible() and form.recorded is None
    date_message = form.fields["contact_date"].message
    assert date_message.isVisibleTo(form)
    assert "is in the future" in date_message.text()
    assert "not saved" in form.summary.text()
    assert form.growth.weight.text() == "4.9"
    assert form.feeding.feeding.value() is FeedingStatus.NOT_BREASTFED
    assert form.follow_up.notes.toPlainText() == "Typed notes"
    assert form.details.location.value() is ContactLocation.HOME
    with unit_of_work(record_team.engine) as session:
        assert (
            session.scalars(select(Contact).where(Contact.kind == "six_to_eight_week")).all() == []
        )


def test_required_choices_are_asked_for_on_save(qtbot: QtBot, record_team: RecordTeam) -> None:
    _window, form = open_form(qtbot, record_team, "Ella")
    type_into(qtbot, form.development.scores[DevelopmentDomain.COMMUNICATION], "30")
    save(qtbot, form)
    assert form.isVisible()
    assert "Choose where" in form.fields["location"].message.text()
    assert "Choose the Communication zone" in form.fields["communication"].message.text()


def test_the_services_problems_go_next_to_their_fields_and_the_rest_to_the_summary(
    qtbot: QtBot, record_team: RecordTeam, monkeypatch: pytest.MonkeyPatch
) -> None:
    _window, form = open_form(qtbot, record_team, "Leo")
    form.details.location.set_value(ContactLocation.CLINIC)
    type_into(qtbot, form.growth.length, "89")

    def refuse(entry: object, *, confirm_implausible: bool = False) -> object:
        raise ValidationError(
            [
                FieldProblem("height", "Height problem from the service."),
                FieldProblem("accountable_health_visitor", "Choose the accountable one."),
                FieldProblem("development", "Development problem."),
                FieldProblem("child", "Something about the child."),
            ]
        )

    monkeypatch.setattr(form._workspace, "record_contact", refuse)
    save(qtbot, form)
    assert form.fields["length"].message.message() == "Height problem from the service."
    assert "Choose the accountable one." in form.fields["accountable_health_visitor"].message.text()
    assert form.development.message.message() == "Development problem."
    assert "4 problems" in form.summary.text()
    assert "Something about the child." in form.summary.text()
    assert form.growth.length.text() == "89", "everything typed is kept"
    # Editing the field clears the service's message; its own check then decides.
    type_into(qtbot, form.growth.length, "89.5")
    assert not form.fields["length"].message.isVisibleTo(form)


def test_a_value_impossible_for_the_age_is_refused_by_the_service_beside_the_field(
    qtbot: QtBot, record_team: RecordTeam, answers: Answers
) -> None:
    _window, form = open_form(qtbot, record_team, "Noah")
    form.details.location.set_value(ContactLocation.HOME)
    type_into(qtbot, form.growth.weight, "40")  # within the hard limits, not at 6 weeks
    assert not form.fields["weight"].message.isVisibleTo(form)
    save(qtbot, form)
    assert form.isVisible()
    assert "standard deviations" in form.fields["weight"].message.text()


def test_any_other_problem_is_explained_and_the_form_stays_open(
    qtbot: QtBot, record_team: RecordTeam, answers: Answers, monkeypatch: pytest.MonkeyPatch
) -> None:
    _window, form = open_form(qtbot, record_team, "Leo")
    form.details.location.set_value(ContactLocation.CLINIC)

    def gone(entry: object, *, confirm_implausible: bool = False) -> object:
        raise NotFoundError("That child is not on record.")

    monkeypatch.setattr(form._workspace, "record_contact", gone)
    save(qtbot, form)
    assert answers.warnings == [("Contact not saved", "That child is not on record.")]
    assert form.isVisible()


def test_an_implausible_change_asks_and_is_saved_confirmed_with_faltering_alerts_shown(
    qtbot: QtBot, record_team: RecordTeam, answers: Answers
) -> None:
    window, form = open_form(qtbot, record_team, "Noah")
    form.details.location.set_value(ContactLocation.HOME)
    type_into(qtbot, form.growth.weight, "2.5")  # born 3.5 kg, 45 days ago
    answers.answer = Button.No
    save(qtbot, form)
    [(title, text)] = answers.questions
    assert title == "Please check these measurements"
    assert text.startswith("Please check") and text.endswith("Save anyway?")
    assert form.isVisible() and form.recorded is None
    assert "SDS" in form.fields["weight"].message.text()

    answers.answer = Button.Yes
    save(qtbot, form)
    contact_id = saved_id(form)
    with unit_of_work(record_team.engine) as session:
        weight = session.scalars(
            select(Measurement).where(Measurement.contact_id == contact_id)
        ).one()
        assert weight.change_confirmed
    assert window.measurements.index(0, 6).data() == "✓ Confirmed"
    # 2.5 kg at 6 weeks: faltering growth, told at once and shown on the record.
    [(warning_title, warning)] = answers.warnings
    assert warning_title == "Faltering growth"
    assert "below the 2nd centile" in warning
    assert window.banner.isVisibleTo(window)


# --- Cancelling and the keyboard ----------------------------------------------------


def test_esc_asks_before_discarding_what_was_typed(
    qtbot: QtBot, record_team: RecordTeam, answers: Answers
) -> None:
    _window, form = open_form(qtbot, record_team, "Noah")
    qtbot.keyClick(form, Qt.Key.Key_Escape)
    assert not form.isVisible(), "nothing typed: closes without asking"
    assert answers.questions == []

    _window, form = open_form(qtbot, record_team, "Noah")
    type_into(qtbot, form.growth.weight, "4.9")
    answers.answer = Button.Cancel
    qtbot.keyClick(form, Qt.Key.Key_Escape)
    assert answers.questions[-1][1] == "Discard what you typed? Nothing has been saved."
    assert form.isVisible() and form.growth.weight.text() == "4.9"
    answers.answer = Button.Discard
    qtbot.keyClick(form, Qt.Key.Key_Escape)
    assert not form.isVisible()


def test_tab_walks_the_contact_fields_in_order_and_ctrl_s_saves(
    qtbot: QtBot, record_team: RecordTeam, answers: Answers
) -> None:
    _window, form = open_form(qtbot, record_team, "Leo", ContactKind.OTHER)
    with qtbot.waitActive(form):
        form.activateWindow()
    details = form.details
    details.kind.setFocus(Qt.FocusReason.OtherFocusReason)
    seen: list[QWidget] = []
    for _ in range(7):
        qtbot.keyClick(form.focusWidget(), Qt.Key.Key_Tab)
        if not seen or seen[-1] is not form.focusWidget():
            seen.append(form.focusWidget())
    # Tab walks the date's day, month and year before moving on (Qt's date edit).
    assert seen == [
        details.contact_date,
        details.location,
        details.outcome,
        details.who_was_seen,
        details.interpreter_used,
    ]
    details.location.set_value(ContactLocation.PHONE)
    qtbot.keyClick(form, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    # A button's shortcut "animates" the click: it lands a moment later.
    qtbot.waitUntil(lambda: form.recorded is not None)


def test_enter_in_a_field_does_not_save_a_half_typed_review(
    qtbot: QtBot, record_team: RecordTeam
) -> None:
    _window, form = open_form(qtbot, record_team, "Leo", ContactKind.OTHER)
    form.details.location.set_value(ContactLocation.PHONE)
    type_into(qtbot, form.details.who_was_seen, "Father")
    qtbot.keyClick(form.details.who_was_seen, Qt.Key.Key_Return)
    assert form.isVisible() and form.recorded is None


def test_each_zone_says_which_way_is_the_concern(qtbot: QtBot, record_team: RecordTeam) -> None:
    """Hazard H14: ASQ:SE-2's zones run the other way from ASQ-3's."""
    _window, form = open_form(qtbot, record_team, "Leo")
    communication = form.development.zones[DevelopmentDomain.COMMUNICATION]
    social = form.development.zones[DevelopmentDomain.SOCIAL_EMOTIONAL]
    assert [communication.itemText(i) for i in range(communication.count())] == [
        "Zone not read",
        "Above cut-off (on track)",
        "Monitoring zone",
        "Below cut-off (concern)",
    ]
    assert [social.itemText(i) for i in range(social.count())] == [
        "Zone not read",
        "Above cut-off (concern)",
        "Monitoring zone",
        "Below cut-off (no concern)",
    ]
