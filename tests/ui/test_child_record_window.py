"""A child's record: opened from the caseload, what it shows, and the alert banner."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from healthvisitor.domain.enums import (
    ContactKind,
    ContactLocation,
    ContactOutcome,
    RecordStatus,
    ReviewStatus,
)
from healthvisitor.services.contacts import ContactEntry
from healthvisitor.ui.caseload_model import ALERTS, CHILD_ID_ROLE, NAME
from healthvisitor.ui.child_record_window import ChildRecordWindow
from healthvisitor.ui.contact_form import ContactForm
from healthvisitor.ui.main_window import MainWindow
from healthvisitor.ui.referral_prompts import PromptBox
from healthvisitor.ui.registration_dialogs import CloseRecordDialog, ReopenRecordDialog
from tests.ui.conftest import RecordTeam, wait_loaded

pytestmark = pytest.mark.gui


def main_window(qtbot: QtBot, record_team: RecordTeam) -> MainWindow:
    window = MainWindow(record_team.workspace())
    qtbot.addWidget(window)
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    wait_loaded(qtbot, window)  # the caseload is read off the GUI thread
    return window


def row_of(window: MainWindow, name: str) -> int:
    proxy = window.caseload.proxy
    names = [proxy.index(r, NAME).data() for r in range(proxy.rowCount())]
    return names.index(name)


def record_window(qtbot: QtBot, record_team: RecordTeam, name: str) -> ChildRecordWindow:
    workspace = record_team.workspace()
    window = ChildRecordWindow(workspace, workspace.child_record(record_team.children[name]))
    qtbot.addWidget(window)
    return window


def test_enter_on_a_caseload_row_opens_that_childs_record(
    qtbot: QtBot, record_team: RecordTeam
) -> None:
    window = main_window(qtbot, record_team)
    table = window.caseload.table
    table.setFocus(Qt.FocusReason.OtherFocusReason)
    table.setCurrentIndex(window.caseload.proxy.index(row_of(window, "Noah Bell"), NAME))
    qtbot.keyClick(table, Qt.Key.Key_Return)
    noah = record_team.children["Noah"]
    opened = window.record_windows[noah]
    assert opened.isVisible()
    assert opened.record.id == noah
    assert opened.header.name.text() == "Noah Bell"
    assert opened.windowTitle().startswith("Noah Bell (999 ")
    # Asking again shows the same window, not a second one.
    qtbot.keyClick(table, Qt.Key.Key_Enter)
    assert window.open_record(noah) is opened
    assert list(window.record_windows) == [noah]
    opened.close()
    assert noah not in window.record_windows


def test_a_double_click_the_button_and_ctrl_o_open_the_chosen_record(
    qtbot: QtBot, record_team: RecordTeam
) -> None:
    window = main_window(qtbot, record_team)
    panel = window.caseload
    assert not panel.open_button.isEnabled(), "nothing chosen yet"
    leo = record_team.children["Leo"]
    index = panel.proxy.index(row_of(window, "Leo Dunn"), NAME)
    rect = panel.table.visualRect(index)
    qtbot.mouseClick(panel.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(panel.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert list(window.record_windows) == [leo]
    window.record_windows[leo].close()
    assert panel.open_button.isEnabled()
    qtbot.mouseClick(panel.open_button, Qt.MouseButton.LeftButton)
    assert list(window.record_windows) == [leo]
    window.record_windows[leo].close()
    assert window.open_action.shortcut().toString() == "Ctrl+O"
    window.open_action.trigger()
    assert list(window.record_windows) == [leo]


def test_the_caseload_shows_alerts_and_the_record_a_banner_for_weight_below_the_2nd_centile(
    qtbot: QtBot, record_team: RecordTeam
) -> None:
    window = main_window(qtbot, record_team)
    proxy = window.caseload.proxy
    maya = proxy.index(row_of(window, "Maya Evans"), ALERTS)
    assert "below the 2nd centile" in maya.data()
    assert "below the 2nd centile" in maya.data(Qt.ItemDataRole.ToolTipRole)
    assert proxy.index(row_of(window, "Noah Bell"), ALERTS).data() == ""

    opened = window.open_record(maya.data(CHILD_ID_ROLE))
    assert opened is not None
    banner = opened.banner
    assert banner.isVisibleTo(opened)
    assert "Faltering growth" in banner.title.text()
    assert "⚠" in banner.title.text(), "the banner never relies on colour alone"
    assert any("below the 2nd centile" in message for message in banner.messages())
    assert banner.messages() == [alert.message for alert in opened.record.alerts]

    quiet = record_window(qtbot, record_team, "Noah")
    assert not quiet.banner.isVisibleTo(quiet)


def test_the_header_says_who_the_child_is(qtbot: QtBot, record_team: RecordTeam) -> None:
    window = record_window(qtbot, record_team, "Poppy")
    record = window.record
    values = {fact: label.text() for fact, label in window.header.values.items()}
    assert values["NHS number"] == record.nhs_number
    assert len(record.nhs_number.split()) == 3, "3-3-4"
    assert values["Date of birth"] == "13 Nov 2026"
    assert values["Age"] == "11 days"
    assert values["Sex"] == "Female"
    assert values["Gestation"] == "40+0 weeks"
    assert values["Birth weight"] == "3.300 kg"
    assert values["Family"] == "Ahmed"
    assert values["Address"] == "1 Test Street, Leeds LS7 4AA"
    assert values["Carers"] == "Sara Ahmed (mother)"
    assert values["Health visitor"] == "Priya Sharma"
    assert values["Record"] == "Active"


def test_reviews_contacts_measurements_and_charts_are_shown(
    qtbot: QtBot, record_team: RecordTeam
) -> None:
    window = record_window(qtbot, record_team, "Maya")
    reviews = window.reviews
    assert [reviews.index(r, 0).data() for r in range(reviews.rowCount())] == [
        "New birth visit",
        "6-8 week review",
        "1 year review",
        "2-2½ year review",
    ]
    assert reviews.index(2, 4).data() == f"○ {ReviewStatus.NOT_YET_DUE.label}"
    assert window.contacts.rowCount() == 1
    assert window.contacts.index(0, 1).data() == "Other contact"
    measurements = window.measurements
    assert measurements.rowCount() == 2  # birth weight and the 5 kg weight, newest first
    assert measurements.index(0, 2).data() == "5.000 kg"
    assert float(measurements.index(0, 3).data()) < 2
    assert [window.chart_tabs.tabText(i) for i in range(window.chart_tabs.count())] == [
        "Weight",
        "Length/height",
        "Head circumference",
    ]
    assert window.chart_views[0].chart is window.record.charts[0]


def test_the_antenatal_review_shows_for_a_child_born_of_a_recorded_pregnancy(
    qtbot: QtBot, record_team: RecordTeam
) -> None:
    poppy = record_window(qtbot, record_team, "Poppy")
    kinds = [line.kind for line in poppy.record.reviews]
    assert kinds[0] is ContactKind.ANTENATAL
    noah = record_window(qtbot, record_team, "Noah")
    assert ContactKind.ANTENATAL not in [line.kind for line in noah.record.reviews]


def test_ctrl_n_opens_the_form_on_the_review_due_and_enter_on_a_review_on_that_one(
    qtbot: QtBot, record_team: RecordTeam
) -> None:
    window = record_window(qtbot, record_team, "Poppy")
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    assert window.record_action.shortcut().toString() == "Ctrl+N"
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    form = window.contact_form
    assert isinstance(form, ContactForm) and form.isVisible()
    assert form.kind() is ContactKind.NEW_BIRTH_VISIT
    form.reject()  # nothing typed: closes without asking
    assert window.contact_form is None
    table = window.reviews_table
    table.setFocus(Qt.FocusReason.OtherFocusReason)
    table.setCurrentIndex(window.reviews.index(2, 0))  # the 6-8 week review
    qtbot.keyClick(table, Qt.Key.Key_Return)
    assert window.contact_form is not None
    assert window.contact_form.kind() is ContactKind.SIX_TO_EIGHT_WEEK


def focusable(root: QWidget) -> list[QWidget]:
    return [
        widget
        for widget in root.findChildren(QWidget)
        if widget.focusPolicy() & Qt.FocusPolicy.TabFocus
        and widget.isVisibleTo(root)
        and widget.objectName() != "qt_scrollarea_viewport"
        and not widget.objectName().startswith("qt_")
        and not isinstance(widget.parent(), type(None))
    ]


def assert_labelled(root: QWidget) -> None:
    for widget in focusable(root):
        if widget.focusProxy() is not None:
            continue
        assert widget.accessibleName(), f"{type(widget).__name__} has no accessible name"
    for label in root.findChildren(QLabel):
        if label.buddy() is not None:
            assert "&" in label.text(), f"{label.text()!r} has no keyboard mnemonic"


def test_every_control_of_the_record_and_the_form_is_labelled(
    qtbot: QtBot, record_team: RecordTeam
) -> None:
    window = record_window(qtbot, record_team, "Poppy")
    window.show()
    assert_labelled(window)
    form = window.record_contact()
    assert_labelled(form)
    assert QApplication.activeModalWidget() in (form, None)


def test_quitting_closes_the_records_but_not_over_a_half_typed_contact(
    qtbot: QtBot, record_team: RecordTeam, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []
    answer = [QMessageBox.StandardButton.Cancel]

    def question(_parent: QWidget, title: str, *_args: object) -> QMessageBox.StandardButton:
        asked.append(title)
        return answer[0]

    monkeypatch.setattr(QMessageBox, "question", question)
    window = main_window(qtbot, record_team)
    opened = window.open_record(record_team.children["Noah"])
    assert opened is not None
    form = opened.record_contact()
    qtbot.keyClicks(form.growth.weight, "4.9")
    window.quit_action.trigger()
    assert asked == ["Discard this contact?"]
    assert window.isVisible() and opened.isVisible() and form.isVisible()
    answer[0] = QMessageBox.StandardButton.Discard
    window.quit_action.trigger()
    assert not window.isVisible()
    assert window.record_windows == {}


# --- Closing and reopening the record (issue 4) -----------------------------------------


@pytest.fixture
def answers(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Message boxes answer at once (Discard, or Yes) and say what they asked."""
    asked: list[str] = []

    def answer(_parent: QWidget, title: str, *_args: object) -> QMessageBox.StandardButton:
        asked.append(title)
        if title.startswith("Discard"):
            return QMessageBox.StandardButton.Discard
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", answer)
    monkeypatch.setattr(QMessageBox, "warning", answer)
    return asked


def close_with(
    qtbot: QtBot, window: ChildRecordWindow, status: RecordStatus, detail: str
) -> CloseRecordDialog:
    dialog = window.close_record()
    assert isinstance(dialog, CloseRecordDialog) and dialog.isVisible()
    dialog.status.set_value(status)
    if detail:
        qtbot.keyClicks(dialog.detail, detail)
    return dialog


def test_closing_the_record_makes_it_read_only_with_a_banner_saying_why(
    qtbot: QtBot, record_team: RecordTeam, answers: list[str]
) -> None:
    window = main_window(qtbot, record_team)
    noah = record_team.children["Noah"]
    opened = window.open_record(noah)
    assert opened is not None
    assert not opened.closed_banner.isVisibleTo(opened)
    assert opened.close_record_action.isEnabled() and not opened.reopen_action.isEnabled()
    assert opened.close_record_action.shortcut().toString() == "Ctrl+Shift+X"
    dialog = close_with(qtbot, opened, RecordStatus.MOVED_AWAY, "Leeds")
    assert dialog.fields["detail"].label.text() == "&Moved to"
    assert dialog.fields["effective_date"].label.text() == "Moved &on"
    assert_labelled(dialog)
    with qtbot.waitSignal(opened.record_changed):
        dialog.save()
    assert opened.status_dialog is None
    banner = opened.closed_banner
    assert banner.isVisibleTo(opened)
    assert banner.text.text() == "Moved away on 24 Nov 2026 — to Leeds. Record is read-only."
    assert banner.accessibleName() == banner.text.text()
    assert banner.reopen_button.isVisibleTo(opened)
    assert not opened.record_button.isVisibleTo(opened)
    assert not opened.record_action.isEnabled()
    assert opened.record_contact() is None, "no contact form on a closed record"
    qtbot.keyClick(opened, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert opened.contact_form is None
    assert opened.header.values["Record"].text() == "Moved away since 24 Nov 2026"
    # No review shows as due; the history says what happened.
    statuses = [opened.reviews.index(r, 4).data() for r in range(opened.reviews.rowCount())]
    assert not any("Due" in text or "Overdue" in text for text in statuses)
    assert "■ Stopped: record closed" in statuses
    assert opened.status_history.rowCount() == 1
    assert opened.status_history.index(0, 2).data() == "Leeds"
    # The caseload no longer lists Noah.
    wait_loaded(qtbot, window)
    names = [
        window.caseload.proxy.index(r, NAME).data() for r in range(window.caseload.proxy.rowCount())
    ]
    assert "Noah Bell" not in names
    assert answers == []


def test_a_transfer_out_needs_where_to_and_keeps_what_was_typed(
    qtbot: QtBot, record_team: RecordTeam
) -> None:
    window = record_window(qtbot, record_team, "Leo")
    window.show()
    dialog = close_with(qtbot, window, RecordStatus.TRANSFERRED_OUT, "")
    dialog.effective_date.setDate(QDate(2026, 11, 20))
    dialog.save()
    assert dialog.isVisible()
    assert dialog.fields["detail"].message.message() == (
        "Say where the child's care is transferred to."
    )
    assert dialog.effective_date.date() == QDate(2026, 11, 20)
    assert dialog.chosen() is RecordStatus.TRANSFERRED_OUT
    assert not window.record.is_closed
    qtbot.keyClicks(dialog.detail, "Bradford 0-19 service")
    dialog.save()
    assert window.record.record_status is RecordStatus.TRANSFERRED_OUT
    assert window.closed_banner.text.text() == (
        "Transferred out on 20 Nov 2026 — to Bradford 0-19 service. Record is read-only."
    )


def test_a_deceased_childs_record_offers_no_reopening(
    qtbot: QtBot, record_team: RecordTeam, answers: list[str]
) -> None:
    window = record_window(qtbot, record_team, "Ella")
    window.show()
    dialog = close_with(qtbot, window, RecordStatus.DECEASED, "")
    assert dialog.fields["effective_date"].label.text() == "Date of &death"
    assert "cannot be reopened" in dialog.consequence.text()
    dialog.save()
    assert answers == ["Record this child's death?"]
    assert window.closed_banner.text.text() == "Died on 24 Nov 2026. Record is read-only."
    assert not window.closed_banner.reopen_button.isVisibleTo(window)
    assert not window.reopen_action.isEnabled()
    assert window.reopen_record() is None


def test_a_reopened_record_is_active_again_and_unallocated(
    qtbot: QtBot, record_team: RecordTeam
) -> None:
    window = record_window(qtbot, record_team, "Poppy")
    window.show()
    close_with(qtbot, window, RecordStatus.DISCHARGED, "Moved to Scotland").save()
    assert window.record.is_closed
    qtbot.mouseClick(window.closed_banner.reopen_button, Qt.MouseButton.LeftButton)
    dialog = window.status_dialog
    assert isinstance(dialog, ReopenRecordDialog)
    assert_labelled(dialog)
    qtbot.keyClicks(dialog.detail, "Back in Chapeltown")
    dialog.save()
    record = window.record
    assert not record.is_closed and not window.closed_banner.isVisibleTo(window)
    assert record.health_visitor == "Not allocated"
    assert window.record_button.isVisibleTo(window) and window.record_action.isEnabled()
    assert [window.status_history.index(r, 1).data() for r in range(2)] == [
        "Discharged",
        "Reopened",
    ]
    history = window.allocation_history
    assert [history.index(0, c).data() for c in (1, 2, 3)] == [
        "Returned to the unallocated list",
        "Priya Sharma",
        "Unallocated",
    ]
    window.tabs.setCurrentIndex(2)
    assert window.tabs.tabText(2) == "&History"
    assert not window.allocation_empty.isVisibleTo(window)


# --- Referrals and printing, reached from the record (issues 5 and 6) -------------------


def test_the_record_has_a_referrals_tab_and_prints_the_familys_copy_by_default(
    qtbot: QtBot, record_team: RecordTeam
) -> None:
    window = record_window(qtbot, record_team, "Noah")
    titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert "Re&ferrals" in titles
    assert window.print_action.shortcut() == QKeySequence(QKeySequence.StandardKey.Print)
    run = window.print_red_book()
    with qtbot.waitSignal(run.ready, timeout=20_000) as ready:
        pass
    preview = ready.args[0]
    qtbot.addWidget(preview)
    assert "Red book summary" in preview.windowTitle()
    assert "professional" not in preview.windowTitle()
    professional = window.print_professional_copy()
    with qtbot.waitSignal(professional.ready, timeout=20_000) as ready:
        pass
    qtbot.addWidget(ready.args[0])
    assert "professional's copy" in ready.args[0].windowTitle()


def test_saving_a_contact_whose_findings_call_for_a_referral_prompts_for_it(
    qtbot: QtBot, record_team: RecordTeam
) -> None:
    window = record_window(qtbot, record_team, "Poppy")
    me = record_team.team.me.id
    recorded = window.workspace.record_contact(
        ContactEntry(
            kind=ContactKind.NEW_BIRTH_VISIT,
            contact_date=record_team.clock(),
            location=ContactLocation.HOME,
            outcome=ContactOutcome.COMPLETED,
            delivered_by_id=me,
            accountable_health_visitor_id=me,
            child_id=record_team.children["Poppy"],
            mother_smokes=True,
        )
    )
    window._contact_saved(recorded)
    assert window.prompts is not None and window.prompts.isVisible()
    assert {box.prompt.rule_id for box in window.prompts.findChildren(PromptBox)} == {"smoking"}
