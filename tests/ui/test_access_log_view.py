"""Who accessed this child's record, on screen (issue 8): the dialog, its table and printing."""

from __future__ import annotations

import datetime as dt
import io
import uuid

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QDate, Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from healthvisitor.domain.enums import Role
from healthvisitor.persistence.models import AuditEvent
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services import audit
from healthvisitor.services.access_report import RecordAccess
from healthvisitor.services.workspace import Workspace
from healthvisitor.ui.access_log_view import WHEN, WHO, AccessLogDialog, AccessLogModel
from healthvisitor.ui.child_record_window import ChildRecordWindow
from healthvisitor.ui.print_preview import PrintPreview
from tests.ui.conftest import TODAY, RecordTeam

pytestmark = pytest.mark.gui


def _workspace(record_team: RecordTeam, lead: bool = True) -> Workspace:
    team = record_team.team
    return team.workspace(user=team.lead if lead else team.me)


def _dialog(qtbot: QtBot, record_team: RecordTeam, name: str = "Noah") -> AccessLogDialog:
    dialog = AccessLogDialog(_workspace(record_team), record_team.children[name], f"{name} Bell")
    qtbot.addWidget(dialog)
    return dialog


def _access(n: int, who: str, at: dt.datetime) -> RecordAccess:
    return RecordAccess(at, who, who.lower(), Role.HEALTH_VISITOR, "view", "Opened", "PC", n)


@pytest.mark.parametrize("filled", [False, True])
def test_the_model_passes_qt_model_checks(qtmodeltester: ModelTester, filled: bool) -> None:
    model = AccessLogModel()
    if filled:
        at = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
        model.set_lines([_access(1, "Zoe", at), _access(2, "Amir", at + dt.timedelta(hours=1))])
    qtmodeltester.check(model)


def test_the_lead_sees_who_opened_the_record_and_can_sort_by_any_column(
    qtbot: QtBot, record_team: RecordTeam, monkeypatch: pytest.MonkeyPatch
) -> None:
    me, colleague = record_team.team.me, record_team.team.colleague
    noah = record_team.children["Noah"]
    # Opened by me on the 2nd, by my colleague on the 10th (a date that sorts before
    # "2 Nov" as text): sorting by time must go by time.
    for day, who in ((2, me), (10, colleague)):
        moment = dt.datetime(2026, 11, day, 9, 0, tzinfo=dt.UTC)
        monkeypatch.setattr(audit, "utc_now", lambda moment=moment: moment)
        record_team.team.workspace(user=who).child_record(noah)
    monkeypatch.undo()
    dialog = _dialog(qtbot, record_team)
    dialog.start_edit.setDate(QDate(2026, 11, 1))
    dialog.end_edit.setDate(QDate(2026, 11, 30))
    qtbot.mouseClick(dialog.show_button, Qt.MouseButton.LeftButton)
    proxy = dialog.proxy

    def column(number: int) -> list[str]:
        return [proxy.index(row, number).data() for row in range(proxy.rowCount())]

    opened = [
        who for who, what in zip(column(WHO), column(3), strict=True) if what == "Opened the record"
    ]
    assert opened == [me.full_name, colleague.full_name]
    dialog.table.sortByColumn(WHEN, Qt.SortOrder.DescendingOrder)
    assert column(WHO)[0] == colleague.full_name
    dialog.table.sortByColumn(WHO, Qt.SortOrder.AscendingOrder)
    assert column(WHO) == sorted(column(WHO), key=str.casefold)
    assert "Noah Bell's record" in dialog.summary.text()
    assert dialog.print_button.isEnabled()


def test_looking_is_recorded_as_an_access(qtbot: QtBot, record_team: RecordTeam) -> None:
    _dialog(qtbot, record_team)
    with unit_of_work(record_team.engine) as session:
        [asked] = session.scalars(select(AuditEvent).where(AuditEvent.action == "view_access_log"))
    assert asked.entity_id == record_team.children["Noah"]
    assert asked.user_id == record_team.team.lead.id


def test_a_range_that_ends_before_it_starts_is_said_beside_the_dates(
    qtbot: QtBot, record_team: RecordTeam
) -> None:
    dialog = _dialog(qtbot, record_team)
    dialog.start_edit.setDate(QDate(2026, 11, 20))
    dialog.end_edit.setDate(QDate(2026, 11, 1))
    dialog.load()
    assert "before it starts" in dialog.problem.message()
    assert dialog.model.rowCount() == 0 and not dialog.print_button.isEnabled()


def test_a_health_visitor_is_told_why_not(qtbot: QtBot, record_team: RecordTeam) -> None:
    dialog = AccessLogDialog(
        _workspace(record_team, lead=False), record_team.children["Noah"], "Noah Bell"
    )
    qtbot.addWidget(dialog)
    assert "Only a team lead or administrator" in dialog.problem.message()
    assert dialog.model.rowCount() == 0


def test_print_makes_the_same_report_as_a_pdf_and_records_the_print(
    qtbot: QtBot, record_team: RecordTeam, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Looked at on the team's "today", so the look falls inside the range shown.
    noon = dt.datetime.combine(TODAY, dt.time(12), tzinfo=dt.UTC)
    monkeypatch.setattr(audit, "utc_now", lambda: noon)
    dialog = _dialog(qtbot, record_team)
    run = dialog.print_report()
    assert run is not None
    with qtbot.waitSignal(run.ready, timeout=20_000) as ready:
        pass
    preview = ready.args[0]
    assert isinstance(preview, PrintPreview)
    qtbot.addWidget(preview)
    text = " ".join(PdfReader(io.BytesIO(preview.pdf)).pages[0].extract_text().split())
    assert "Who accessed this child's record" in text and "Noah Bell" in text
    assert "Looked at who accessed the record" in text, "the look on screen is on paper"
    with unit_of_work(record_team.engine) as session:
        [printed] = session.scalars(select(AuditEvent).where(AuditEvent.action == "print"))
    assert printed.entity_id == record_team.children["Noah"]


@pytest.mark.parametrize(("lead", "offered"), [(True, True), (False, False)])
def test_the_record_window_offers_it_to_team_leads_only(
    qtbot: QtBot, record_team: RecordTeam, lead: bool, offered: bool
) -> None:
    workspace = _workspace(record_team, lead)
    noah: uuid.UUID = record_team.children["Noah"]
    window = ChildRecordWindow(workspace, workspace.child_record(noah))
    qtbot.addWidget(window)
    assert window.access_log_action.isVisible() is offered
    if offered:
        window.access_log_action.trigger()
        dialogs = window.findChildren(AccessLogDialog)
        assert len(dialogs) == 1 and dialogs[0].isVisible()
        assert dialogs[0].report is not None and dialogs[0].report.child_id == noah
        assert dialogs[0].start_edit.date() == QDate(TODAY.year - 1, TODAY.month, TODAY.day)
