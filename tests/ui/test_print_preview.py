"""Print preview (issue 6): made in the background, previewed, printed and saved."""

from __future__ import annotations

import datetime as dt
import io
import threading
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QDate
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QFileDialog, QPushButton, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, select

from healthvisitor.config import DatabaseChoice, parse_url
from healthvisitor.persistence.models import AuditEvent
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services.workspace import Workspace
from healthvisitor.ui import print_preview
from healthvisitor.ui.print_preview import (
    HandoverOptions,
    HandoverOptionsDialog,
    PrintPreview,
    ReportRun,
    preview_handover,
    preview_red_book,
)
from tests import factories
from tests.printing_data import TODAY, PrintTeam, build_print_team

pytestmark = pytest.mark.gui


@pytest.fixture
def team(sqlite_engine: Engine) -> PrintTeam:
    return build_print_team(sqlite_engine, extra_contacts=6)


def workspace_of(team: PrintTeam) -> Workspace:
    choice = DatabaseChoice(parse_url(str(team.engine.url), "test"), "the test database")
    return Workspace(team.engine, factories.actor(team.me), choice, today=lambda: TODAY)


@pytest.fixture
def parent(qtbot: QtBot) -> QWidget:
    widget = QWidget()
    qtbot.addWidget(widget)
    return widget


def ready_preview(qtbot: QtBot, run: ReportRun) -> PrintPreview:
    with qtbot.waitSignal(run.ready, timeout=20_000) as ready:
        pass
    preview = ready.args[0]
    assert isinstance(preview, PrintPreview)
    qtbot.addWidget(preview)
    return preview


def test_red_book_preview_shows_the_pdf_and_saves_it(
    qtbot: QtBot, team: PrintTeam, parent: QWidget, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = preview_red_book(parent, workspace_of(team), team.oliver)
    preview = ready_preview(qtbot, run)
    assert preview.isVisible()
    assert preview.page_count == len(PdfReader(io.BytesIO(preview.pdf)).pages)
    assert preview.page_count >= 2
    assert f"{preview.page_count} pages" in preview.pages_label.text()
    for action in (preview.print_action, preview.save_action, preview.close_action):
        assert not action.shortcut().isEmpty()
    target = tmp_path / "saved"
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(target), "PDF files (*.pdf)")
    )
    preview.save_action.trigger()
    saved = target.with_suffix(".pdf")
    assert saved.read_bytes() == preview.pdf
    assert "Oliver Nowak" in PdfReader(saved).pages[0].extract_text()
    with unit_of_work(team.engine) as session:
        [event_] = session.scalars(select(AuditEvent).where(AuditEvent.action == "print"))
        assert event_.entity_id == team.oliver


def test_printing_sends_every_page_to_the_printer(
    qtbot: QtBot, team: PrintTeam, parent: QWidget, tmp_path: Path
) -> None:
    preview = ready_preview(qtbot, preview_red_book(parent, workspace_of(team), team.oliver))
    printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printed = tmp_path / "printed.pdf"
    printer.setOutputFileName(str(printed))
    assert preview.print_to(printer) == preview.page_count
    assert len(PdfReader(printed).pages) == preview.page_count


def test_another_teams_child_says_why_and_opens_nothing(
    qtbot: QtBot, team: PrintTeam, parent: QWidget, monkeypatch: pytest.MonkeyPatch
) -> None:
    told: list[str] = []
    monkeypatch.setattr(
        print_preview, "tell", lambda _parent, _title, message: told.append(message)
    )
    workspace = workspace_of(team)
    stranger = Workspace(
        team.engine, factories.actor(team.stranger), workspace.choice, today=lambda: TODAY
    )
    run = preview_red_book(parent, stranger, team.oliver)
    with qtbot.waitSignal(run.failed, timeout=20_000):
        pass
    assert told == ["This record belongs to another team; you cannot open it."]
    assert run.preview is None


def test_handover_runs_in_the_background_with_progress(
    qtbot: QtBot, team: PrintTeam, parent: QWidget
) -> None:
    run = preview_handover(parent, workspace_of(team), team.me.id, HandoverOptions())
    assert run is not None
    assert run.progress_dialog is not None and run.progress_dialog.isVisible()
    preview = ready_preview(qtbot, run)
    assert run.progress_dialog is None  # closed when the preview opened
    assert preview.page_count >= 2


def test_cancelling_a_handover_opens_no_preview_and_audits_nothing(
    qtbot: QtBot,
    team: PrintTeam,
    parent: QWidget,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The report waits until Cancel has been pressed, as a big caseload would still be going.
    pressed = threading.Event()
    real = print_preview.printing.handover_report

    def slow_handover(*args: Any, **kwargs: Any) -> Any:
        assert pressed.wait(20)
        return real(*args, **kwargs)

    monkeypatch.setattr(print_preview.printing, "handover_report", slow_handover)
    run = preview_handover(parent, workspace_of(team), team.me.id, HandoverOptions())
    assert run is not None and run.progress_dialog is not None
    [cancel] = run.progress_dialog.findChildren(QPushButton)
    assert "Cancel" in cancel.text()
    with qtbot.waitSignal(run.cancelled, timeout=20_000):
        cancel.click()
        pressed.set()
    assert run.preview is None
    with unit_of_work(team.engine) as session:
        assert session.scalars(select(AuditEvent).where(AuditEvent.action == "print")).all() == []


def test_handover_options_window_and_flagged_only(qtbot: QtBot) -> None:
    dialog = HandoverOptionsDialog(None, TODAY)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.options() == HandoverOptions()
    assert not dialog.window_from.isEnabled()
    dialog.flagged_only.setChecked(True)
    dialog.limit_window.setChecked(True)
    assert dialog.window_from.isEnabled()
    dialog.window_from.setDate(QDate(2027, 1, 31))
    dialog.window_to.setDate(QDate(2027, 1, 1))
    dialog.accept()
    assert "swap the dates" in dialog.problem.text()
    assert dialog.result() != dialog.DialogCode.Accepted
    dialog.window_to.setDate(QDate(2027, 2, 28))
    assert dialog.options() == HandoverOptions(dt.date(2027, 1, 31), dt.date(2027, 2, 28), True)
    for widget in (dialog.flagged_only, dialog.limit_window, dialog.window_from, dialog.window_to):
        assert widget.accessibleName()


def test_closing_the_window_that_asked_cancels_the_report(
    qtbot: QtBot, team: PrintTeam, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed = threading.Event()
    real = print_preview.printing.handover_report

    def slow_handover(*args: Any, **kwargs: Any) -> Any:
        assert closed.wait(20)
        return real(*args, **kwargs)

    monkeypatch.setattr(print_preview.printing, "handover_report", slow_handover)
    window = QWidget()
    run = preview_handover(window, workspace_of(team), team.me.id, HandoverOptions())
    assert run is not None
    with qtbot.waitSignal(run.cancelled, timeout=20_000):
        with qtbot.waitSignal(window.destroyed):
            window.deleteLater()
        closed.set()
    assert run.preview is None
    with unit_of_work(team.engine) as session:
        assert session.scalars(select(AuditEvent).where(AuditEvent.action == "print")).all() == []
