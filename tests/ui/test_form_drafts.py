"""What is typed into the contact form survives a crash or a closed app (issue 9, hazard H3).

Typed with qtbot into the form opened from the child's record on a real
SQLite database; the window is then destroyed without saving, as a crash
would leave it, and the same form reopened for the same child.
"""

from __future__ import annotations

import datetime as dt
import socket
import stat
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QMessageBox, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from healthvisitor.config import data_dir
from healthvisitor.domain.enums import (
    ContactKind,
    ContactLocation,
    FeedingStatus,
    MeasurementKind,
)
from healthvisitor.drafts import CONTACT_FORM, REFERRAL_FORM, Draft
from healthvisitor.persistence.database import create_database_engine
from healthvisitor.persistence.models import Contact, Measurement
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.ui import drafts_at_start, form_drafts
from healthvisitor.ui.child_record_window import ChildRecordWindow
from healthvisitor.ui.contact_form import ContactForm
from healthvisitor.ui.contact_form_sections import to_qdate
from healthvisitor.ui.main_window import MainWindow
from healthvisitor.ui.referral_dialogs import NewReferralDialog
from healthvisitor.ui.referrals_panel import ReferralsPanel
from tests.ui.conftest import TODAY, RecordTeam

pytestmark = pytest.mark.gui

Button = QMessageBox.StandardButton


class Offers:
    """Stands in for the "restore or discard?" question: records each offer, answers as set."""

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
    # Closing with something typed asks "Discard?": the answer is Discard.
    monkeypatch.setattr(QMessageBox, "question", lambda *_args: Button.Discard)
    return offers


def open_form(qtbot: QtBot, record_team: RecordTeam) -> tuple[ChildRecordWindow, ContactForm]:
    workspace = record_team.workspace()
    window = ChildRecordWindow(workspace, workspace.child_record(record_team.children["Noah"]))
    qtbot.addWidget(window)
    window.show()
    form = window.record_contact(ContactKind.SIX_TO_EIGHT_WEEK)
    assert form is not None and form.isVisible()
    return window, form


def type_into(qtbot: QtBot, widget: QLineEdit, text: str) -> None:
    widget.setFocus(Qt.FocusReason.OtherFocusReason)
    qtbot.keyClicks(widget, text)


def type_a_review(qtbot: QtBot, form: ContactForm) -> None:
    details = form.details
    details.contact_date.setDate(to_qdate(TODAY - dt.timedelta(days=1)))
    details.location.set_value(ContactLocation.HOME)
    type_into(qtbot, details.who_was_seen, "Mother and Noah")
    details.interpreter_used.setChecked(True)
    type_into(qtbot, form.growth.weight, "5.1")
    type_into(qtbot, form.growth.head, "38.5")
    form.feeding.feeding.set_value(FeedingStatus.PARTIALLY_BREASTFED)
    form.mood.low_mood.set_value(True)
    form.mood.gad2.set_value(2)
    form.follow_up.next_contact.set_value(TODAY + dt.timedelta(days=14))
    form.follow_up.notes.setFocus()
    qtbot.keyClicks(form.follow_up.notes, "Mum tired; partner back at work. Review in 2 weeks.")


def draft_path(form: ContactForm) -> Path:
    return form.drafts.store.path(form.drafts.key)


def crash(window: ChildRecordWindow, form: ContactForm) -> None:
    """Gone without Save, Cancel or any close handler: what a crash leaves."""
    shiboken6.delete(form)
    shiboken6.delete(window)
    QApplication.processEvents()


def test_typing_survives_a_crash_and_is_restored_then_gone_once_saved(
    qtbot: QtBot, record_team: RecordTeam, offers: Offers
) -> None:
    window, form = open_form(qtbot, record_team)
    assert offers.made == []  # nothing left from before
    type_a_review(qtbot, form)
    typed = form.draft_state()
    key = form.drafts.save_key
    path = draft_path(form)
    qtbot.waitUntil(path.exists, timeout=3000)  # written a moment after the typing stops
    qtbot.wait(form.drafts.timer.interval() + 100)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.is_relative_to(data_dir())
    crash(window, form)

    window, form = open_form(qtbot, record_team)
    [offer] = offers.made
    assert offer.offer().startswith("You have an unsaved 6-8 week review for Noah Bell from ")
    assert form.draft_state() == typed
    assert form.growth.weight.text() == "5.1"
    assert form.growth.head.text() == "38.5"
    assert form.details.who_was_seen.text() == "Mother and Noah"
    assert form.details.interpreter_used.isChecked()
    assert form.details.location.value() is ContactLocation.HOME
    assert form.details.date() == TODAY - dt.timedelta(days=1)
    assert form.feeding.value() is FeedingStatus.PARTIALLY_BREASTFED
    assert form.mood.low_mood.value() is True and form.mood.gad2.value() == 2
    assert form.follow_up.next_contact.value() == TODAY + dt.timedelta(days=14)
    assert form.follow_up.notes.toPlainText().startswith("Mum tired; partner back at work.")
    assert form.kind() is ContactKind.SIX_TO_EIGHT_WEEK
    # The same form as before the crash: a save then in flight is not made twice.
    assert form.drafts.save_key == key

    form.save()
    assert form.recorded is not None
    assert not path.exists()  # saved: the draft is gone
    with unit_of_work(record_team.engine) as session:
        saved = session.get_one(Contact, form.recorded.contact_id)
        assert saved.idempotency_key == key
        assert saved.notes.startswith("Mum tired")
        assert saved.feeding is FeedingStatus.PARTIALLY_BREASTFED
        weights = session.scalars(
            select(Measurement.value).where(
                Measurement.contact_id == saved.id, Measurement.kind == MeasurementKind.WEIGHT
            )
        ).all()
        assert weights == [5.1]
    window.close()


def test_a_draft_the_user_discards_is_gone_and_the_form_starts_empty(
    qtbot: QtBot, record_team: RecordTeam, offers: Offers
) -> None:
    window, form = open_form(qtbot, record_team)
    type_a_review(qtbot, form)
    form.drafts.flush()
    path = draft_path(form)
    assert path.exists()
    crash(window, form)

    offers.restore = False
    window, form = open_form(qtbot, record_team)
    assert len(offers.made) == 1
    assert not path.exists()
    assert form.growth.weight.text() == ""
    assert not form.has_typing()
    window.close()


def test_cancelling_and_discarding_deletes_the_draft(
    qtbot: QtBot, record_team: RecordTeam, offers: Offers
) -> None:
    window, form = open_form(qtbot, record_team)
    type_into(qtbot, form.growth.weight, "5.1")
    form.drafts.flush()
    path = draft_path(form)
    assert path.exists()
    form.reject()  # "Discard what you typed?" answered Discard
    assert not form.isVisible()
    assert not path.exists()
    window.close()


def test_closing_the_window_writes_what_was_typed_at_once(
    qtbot: QtBot, record_team: RecordTeam, offers: Offers
) -> None:
    window, form = open_form(qtbot, record_team)
    type_into(qtbot, form.growth.weight, "5.1")
    path = draft_path(form)
    assert form.drafts.timer.isActive() and not path.exists()  # debounced: not yet
    form.hide()  # the app quitting hides its windows first
    assert path.exists()
    assert form.drafts.key.form == CONTACT_FORM
    window.close()


def referrals_of_poppy(qtbot: QtBot, record_team: RecordTeam) -> tuple[QWidget, ReferralsPanel]:
    window = QWidget()
    window.setMinimumSize(1200, 640)
    panel = ReferralsPanel(record_team.workspace(), record_team.children["Poppy"])
    QVBoxLayout(window).addWidget(panel)
    qtbot.addWidget(window)
    window.show()
    return window, panel


def test_a_referral_being_typed_survives_a_crash_and_goes_once_saved(
    qtbot: QtBot, record_team: RecordTeam, offers: Offers
) -> None:
    window, panel = referrals_of_poppy(qtbot, record_team)
    dialog = panel.new_referral()
    assert isinstance(dialog, NewReferralDialog) and offers.made == []
    dialog.subject.setCurrentIndex(1)  # about the mother
    dialog.referral_type.setCurrentIndex(dialog.referral_type.findText("Infant feeding support"))
    dialog.reason.setFocus()
    qtbot.keyClicks(dialog.reason, "Painful latch; wants to keep breastfeeding.")
    typed = dialog.draft_state()
    key = record_team.workspace().draft_key(record_team.children["Poppy"], REFERRAL_FORM)
    path = record_team.workspace().draft_store().path(key)
    qtbot.waitUntil(path.exists, timeout=3000)
    qtbot.wait(form_drafts.DRAFT_DELAY_MS + 100)
    shiboken6.delete(dialog)
    shiboken6.delete(window)
    QApplication.processEvents()

    window, panel = referrals_of_poppy(qtbot, record_team)
    dialog = panel.new_referral()
    assert isinstance(dialog, NewReferralDialog)
    [offer] = offers.made
    assert offer.offer().startswith("You have an unsaved referral for Sara Ahmed (mother) from ")
    assert dialog.draft_state() == typed
    assert dialog.subject.currentText() == "Sara Ahmed (mother)"
    assert dialog.reason.toPlainText() == "Painful latch; wants to keep breastfeeding."
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert not path.exists()
    line = panel.chosen()
    assert line is not None and line.type_name == "Infant feeding support"
    window.close()


def test_a_cancelled_referral_keeps_its_draft_for_next_time(
    qtbot: QtBot, record_team: RecordTeam, offers: Offers
) -> None:
    window, panel = referrals_of_poppy(qtbot, record_team)
    dialog = panel.new_referral()
    assert isinstance(dialog, NewReferralDialog)
    dialog.reason.setFocus()
    qtbot.keyClicks(dialog.reason, "Smokes 10 a day")
    key = record_team.workspace().draft_key(record_team.children["Poppy"], REFERRAL_FORM)
    path = record_team.workspace().draft_store().path(key)
    dialog.reject()  # Esc: this dialog does not ask, so the draft is what saves the typing
    assert path.exists()
    offers.restore = False
    again = panel.new_referral()
    assert isinstance(again, NewReferralDialog)
    assert again.reason.toPlainText() == "" and not path.exists()  # discarded on purpose
    again.reject()
    window.close()


def test_the_next_start_offers_what_was_left_and_restores_it(
    qtbot: QtBot, record_team: RecordTeam, offers: Offers, monkeypatch: pytest.MonkeyPatch
) -> None:
    window, form = open_form(qtbot, record_team)
    type_a_review(qtbot, form)
    typed = form.draft_state()
    form.drafts.flush()
    crash(window, form)  # the app is gone; next morning it starts again

    listed: list[list[Draft]] = []

    def open_them(_parent: QWidget, drafts: list[Draft]) -> bool:
        listed.append(drafts)
        return True

    monkeypatch.setattr(drafts_at_start, "ask_to_open", open_them)
    main = MainWindow(record_team.workspace())
    qtbot.addWidget(main)
    main.show()
    offered = drafts_at_start.offer_drafts_left_on_this_computer(main)
    assert [d.offer() for d in listed[0]] == [d.offer() for d in offered]
    assert offered[0].offer().startswith("You have an unsaved 6-8 week review for Noah Bell")
    record = main.record_windows[record_team.children["Noah"]]
    assert record.contact_form is not None
    assert record.contact_form.draft_state() == typed
    assert record.contact_form.growth.weight.text() == "5.1"
    record.contact_form.reject()  # Discard
    main.close()


def test_a_start_with_no_drafts_asks_nothing(
    qtbot: QtBot, record_team: RecordTeam, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[object] = []
    monkeypatch.setattr(drafts_at_start, "ask_to_open", lambda *args: asked.append(args))
    main = MainWindow(record_team.workspace())
    qtbot.addWidget(main)
    assert drafts_at_start.offer_drafts_left_on_this_computer(main) == []
    assert asked == []


def test_a_save_the_connection_drops_under_keeps_the_form_and_says_nothing_was_saved(
    qtbot: QtBot, record_team: RecordTeam, offers: Offers, monkeypatch: pytest.MonkeyPatch
) -> None:
    warned: list[tuple[str, str]] = []
    monkeypatch.setattr(
        QMessageBox, "warning", lambda _p, title, text, *_a: warned.append((title, text))
    )
    window, form = open_form(qtbot, record_team)
    type_a_review(qtbot, form)
    typed = form.draft_state()
    # The shared database goes away: nothing listens on its port any more.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    down = create_database_engine(f"postgresql+psycopg://hv@127.0.0.1:{port}/hv", password="x")
    monkeypatch.setattr(form._workspace, "engine", down)
    try:
        form.save()
    finally:
        down.dispose()
    assert warned == []  # said in the form, not in a box over it: it waits for the line
    text = form.summary.message()
    assert text.startswith("The shared database cannot be reached")
    assert "nothing was saved" in text
    assert "saves the contact by itself as soon as the database answers again" in text
    assert form.isVisible() and form.recorded is None
    assert form.waiting_to_save is not None
    assert form.draft_state() == typed  # every typed value still there
    assert draft_path(form).exists()  # and kept on this computer
    form.drafts.discard()
    window.close()
