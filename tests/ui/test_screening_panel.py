"""The "Screening and immunisations" tab of a child's record (issue 6)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from PySide6.QtCore import QDate
from PySide6.QtWidgets import QMessageBox, QWidget
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from healthvisitor.domain.enums import NewbornScreeningResult, NewbornScreeningTest, RecordStatus
from healthvisitor.persistence.models import Child
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.ui.child_record_window import ChildRecordWindow
from healthvisitor.ui.screening_panel import (
    ImmunisationDialog,
    ScreeningPanel,
    ScreeningResultDialog,
)
from tests.ui.conftest import RecordTeam
from tests.ui.test_child_record_window import assert_labelled

pytestmark = pytest.mark.gui


def panel_for(qtbot: QtBot, record_team: RecordTeam, name: str) -> ScreeningPanel:
    panel = ScreeningPanel(record_team.workspace(), record_team.children[name])
    qtbot.addWidget(panel)
    panel.show()
    return panel


def cells(model: object, column: int) -> list[str]:
    return [model.index(r, column).data() for r in range(model.rowCount())]  # type: ignore[attr-defined]


def test_the_record_window_has_the_tab(qtbot: QtBot, record_team: RecordTeam) -> None:
    workspace = record_team.workspace()
    window = ChildRecordWindow(workspace, workspace.child_record(record_team.children["Noah"]))
    qtbot.addWidget(window)
    titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert "Screening and &immunisations" in titles
    window.tabs.setCurrentIndex(titles.index("Screening and &immunisations"))
    window.show()
    panel = window.tabs.currentWidget()
    assert isinstance(panel, ScreeningPanel)
    assert_labelled(window)


def test_models_pass_the_model_tester_and_untested_screening_says_not_recorded(
    qtbot: QtBot, record_team: RecordTeam, qtmodeltester: ModelTester
) -> None:
    panel = panel_for(qtbot, record_team, "Ella")  # 11 months: primary doses overdue
    for model in (panel.screening, panel.immunisations, panel.schedule):
        qtmodeltester.check(model)
    assert cells(panel.screening, 2) == ["Not recorded"] * len(NewbornScreeningTest)
    statuses = cells(panel.schedule, 4)
    assert "Overdue" in statuses  # in words, not colour only
    assert panel.immunisations_empty.isVisibleTo(panel)
    assert "overdue" in panel.cohort.text()


def test_recording_a_screening_result_shows_it_and_keeps_typing_on_error(
    qtbot: QtBot, record_team: RecordTeam
) -> None:
    panel = panel_for(qtbot, record_team, "Noah")  # born 10 Oct 2026
    dialog = panel.record_screening()
    assert isinstance(dialog, ScreeningResultDialog)
    assert_labelled(dialog)
    dialog.test.set_value(NewbornScreeningTest.NIPE_NEWBORN)
    dialog.screened_on.setDate(QDate(2026, 11, 24))  # day 45: too late for a newborn NIPE
    dialog.save()
    assert "Choose the result" in dialog.fields["result"].message.message()
    dialog.result.set_value(NewbornScreeningResult.NO_FURTHER_ACTION)
    dialog.note.setPlainText("Seen on the ward")
    dialog.save()
    assert "between 0 and 42 days" in dialog.fields["screened_on"].message.message()
    assert dialog.note.toPlainText() == "Seen on the ward"  # kept
    assert dialog.isVisible()
    dialog.screened_on.setDate(QDate(2026, 10, 11))
    with qtbot.waitSignal(panel.changed):
        dialog.save()
    rows = dict(zip(cells(panel.screening, 0), cells(panel.screening, 2), strict=True))
    assert rows["Newborn physical examination (NIPE)"] == "No further action"
    assert rows["Newborn blood spot"] == "Not recorded"


def test_recording_an_immunisation_starts_on_the_dose_due(
    qtbot: QtBot, record_team: RecordTeam
) -> None:
    record_team.clock.day = dt.date(2026, 12, 7)  # Noah is 8 weeks old on 5 December
    panel = panel_for(qtbot, record_team, "Noah")
    dialog = panel.record_immunisation()
    assert isinstance(dialog, ImmunisationDialog)
    assert_labelled(dialog)
    assert dialog.vaccine.value() == "dtap_ipv_hib_hepb"
    assert dialog.dose.value() == 1
    dialog.given_on.setDate(QDate(2026, 12, 5))
    dialog.batch.setText("AB1234")
    with qtbot.waitSignal(panel.changed):
        dialog.save()
    assert cells(panel.immunisations, 1) == ["6-in-1 (DTaP/IPV/Hib/HepB)"]
    assert cells(panel.immunisations, 4) == ["AB1234"]
    first = panel.schedule.index(0, 4).data()
    assert first == "Given (05 Dec 2026)"


def test_a_closed_record_is_read_only(
    qtbot: QtBot, record_team: RecordTeam, monkeypatch: pytest.MonkeyPatch
) -> None:
    with unit_of_work(record_team.engine) as session:
        session.get_one(Child, record_team.children["Leo"]).record_status = RecordStatus.MOVED_AWAY
    panel = panel_for(qtbot, record_team, "Leo")
    assert not panel.screening_button.isVisibleTo(panel)
    assert not panel.immunisation_button.isVisibleTo(panel)
    assert panel.record_screening() is None
    assert panel.record_immunisation() is None
    assert panel.schedule.rowCount() > 0  # still readable


def test_a_service_refusal_is_shown_in_a_message_box(
    qtbot: QtBot, record_team: RecordTeam, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[str] = []

    def warning(_parent: QWidget, title: str, text: str, *_args: object) -> object:
        shown.append(text)
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QMessageBox, "warning", warning)
    panel = panel_for(qtbot, record_team, "Noah")
    # Signed in without a team (as an administrator is): no access to records.
    panel.desk.actor = dataclasses.replace(panel.desk.actor, team_id=None)
    panel.reload()
    assert shown and "access" in shown[0]
