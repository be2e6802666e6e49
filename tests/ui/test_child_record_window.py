"""A child's record: opened from the caseload, what it shows, and the alert banner."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from healthvisitor.domain.enums import ContactKind, ReviewStatus
from healthvisitor.ui.caseload_model import ALERTS, CHILD_ID_ROLE, NAME
from healthvisitor.ui.child_record_window import ChildRecordWindow
from healthvisitor.ui.contact_form import ContactForm
from healthvisitor.ui.main_window import MainWindow
from tests.ui.conftest import RecordTeam

pytestmark = pytest.mark.gui


def main_window(qtbot: QtBot, record_team: RecordTeam) -> MainWindow:
    window = MainWindow(record_team.workspace())
    qtbot.addWidget(window)
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
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
