"""Print preview: see a printed report, print it through the system's dialog, or save it.

Issue 6. ``preview_red_book`` (from the child record) and ``preview_handover``
(from the caseload) make the report off the GUI thread, the service's unit
of work and the PDF drawing both, so the window stays responsive; the
handover of a large caseload shows a progress bar with Cancel. When the PDF
is ready it opens in a ``PrintPreview`` window (QtPdf), with Print… (Ctrl+P),
Save as PDF… (Ctrl+S), zoom, and Close (Esc). What is printed is exactly the
PDF that was previewed and that "Save as PDF" writes.
"""

from __future__ import annotations

import datetime as dt
import io
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QCoreApplication,
    QDate,
    QIODevice,
    QObject,
    QPointF,
    QRect,
    QRunnable,
    QSize,
    Qt,
    QThreadPool,
    Signal,
)
from PySide6.QtGui import QAction, QKeySequence, QPageSize, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressDialog,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from healthvisitor.errors import HealthVisitorError
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services import printing

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from healthvisitor.reports.page import Progress
    from healthvisitor.services.workspace import Workspace

#: Printing renders each page as an image at the printer's resolution, capped
#: here: 300 dpi is sharp text on any office printer and keeps memory modest.
PRINT_DPI_CAP = 300
#: Zoom steps for Ctrl++ and Ctrl+-.
ZOOM_STEP = 1.25


class PrintPreview(QMainWindow):
    """One report's PDF: look at it, print it, save it."""

    def __init__(
        self, pdf: bytes, title: str, suggested_name: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle(f"{title} — print preview")
        self.setAccessibleName(f"Print preview: {title}")
        self.pdf = pdf
        self.suggested_name = suggested_name
        self._bytes = QByteArray(pdf)
        self._buffer = QBuffer(self._bytes, self)
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document = QPdfDocument(self)
        self.document.load(self._buffer)

        self.view = QPdfView(self)
        self.view.setAccessibleName("The report's pages")
        self.view.setAccessibleDescription(
            "Scroll with the arrow keys and Page Up/Page Down; Ctrl+P prints, Ctrl+S saves."
        )
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.setDocument(self.document)
        self.view.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

        pages = self.document.pageCount()
        self.pages_label = QLabel(f"{title}: {pages} page{'s' if pages != 1 else ''}")
        self.pages_label.setAccessibleName("Number of pages")

        self.print_action = self._action("&Print…", QKeySequence.StandardKey.Print, self.ask_print)
        self.save_action = self._action(
            "&Save as PDF…", QKeySequence.StandardKey.Save, self.ask_save
        )
        self.zoom_in_action = self._action(
            "Zoom &in", QKeySequence.StandardKey.ZoomIn, lambda: self.zoom(ZOOM_STEP)
        )
        self.zoom_out_action = self._action(
            "Zoom &out", QKeySequence.StandardKey.ZoomOut, lambda: self.zoom(1 / ZOOM_STEP)
        )
        self.fit_action = self._action("&Fit width", QKeySequence("Ctrl+0"), self.fit_width)
        self.close_action = self._action("&Close", QKeySequence("Esc"), self.close)
        self.close_action.setShortcuts(
            [QKeySequence("Esc"), QKeySequence(QKeySequence.StandardKey.Close)]
        )

        toolbar = QToolBar("Print preview", self)
        toolbar.setAccessibleName("Print preview actions")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for action in (
            self.print_action,
            self.save_action,
            self.zoom_out_action,
            self.zoom_in_action,
            self.fit_action,
            self.close_action,
        ):
            toolbar.addAction(action)
        self.addToolBar(toolbar)
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(8, 4, 8, 8)
        layout.addWidget(self.pages_label)
        layout.addWidget(self.view, 1)
        self.setCentralWidget(central)
        self.statusBar().showMessage("Ctrl+P to print, Ctrl+S to save as PDF, Esc to close")
        # Fits a 1366x768 screen with the taskbar; a fixed floor, so the layout
        # never has to change the window's size limits once shown.
        self.setMinimumSize(640, 480)
        self.resize(900, 700)
        self.view.setFocus()

    def _action(
        self,
        text: str,
        shortcut: QKeySequence | QKeySequence.StandardKey,
        slot: Callable[[], object],
    ) -> QAction:
        action = QAction(text, self)
        action.setShortcut(shortcut)
        action.setToolTip(
            f"{text.replace('&', '').rstrip('…')} ({QKeySequence(shortcut).toString()})"
        )
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    @property
    def page_count(self) -> int:
        return self.document.pageCount()

    def zoom(self, factor: float) -> None:
        self.view.setZoomMode(QPdfView.ZoomMode.Custom)
        self.view.setZoomFactor(max(0.25, min(4.0, self.view.zoomFactor() * factor)))

    def fit_width(self) -> None:
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)

    # --- Saving ---------------------------------------------------------------

    def ask_save(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(
            self, "Save as PDF", self.suggested_name, "PDF files (*.pdf)"
        )
        if not path:
            return
        if not path.lower().endswith(".pdf"):
            path += ".pdf"
        try:
            self.save_to(Path(path))
        except OSError as error:
            QMessageBox.warning(
                self,
                "Not saved",
                f"The report could not be saved to {path}: {error.strerror or error}. "
                "Choose another folder, or check there is space.",
            )
            return
        self.statusBar().showMessage(f"Saved to {path}")

    def save_to(self, path: Path) -> None:
        path.write_bytes(self.pdf)

    # --- Printing -------------------------------------------------------------

    def ask_print(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
        printer.setDocName(self.windowTitle())
        dialog = QPrintDialog(printer, self)
        dialog.setMinMax(1, max(1, self.page_count))
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        printed = self.print_to(printer)
        self.statusBar().showMessage(f"Sent {printed} page{'s' if printed != 1 else ''} to print")

    def print_to(self, printer: QPrinter) -> int:
        """Draw the PDF's pages (or the range chosen in the dialog) on ``printer``."""
        first = printer.fromPage() or 1
        last = printer.toPage() or self.page_count
        first, last = max(1, first), min(self.page_count, last)
        dpi = min(printer.resolution(), PRINT_DPI_CAP)
        painter = QPainter()
        if not painter.begin(printer):
            QMessageBox.warning(
                self, "Not printed", "The printer could not be opened. Check it is on, then retry."
            )
            return 0
        try:
            for number in range(first - 1, last):
                if number > first - 1:
                    printer.newPage()
                points = self.document.pagePointSize(number)
                size = QSize(round(points.width() * dpi / 72), round(points.height() * dpi / 72))
                image = self.document.render(number, size)
                area = painter.viewport()
                scaled = size.scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
                painter.setViewport(QRect(area.x(), area.y(), scaled.width(), scaled.height()))
                painter.setWindow(image.rect())
                painter.drawImage(QPointF(0, 0), image)
                painter.setViewport(area)
                painter.setWindow(area)
        finally:
            painter.end()
        return last - first + 1


# --- Making a report off the GUI thread --------------------------------------


class ReportCancelled(Exception):
    """The user pressed Cancel while the report was being made."""


@dataclass(frozen=True)
class ReportRequest:
    """What to make: a title, a file name, and how to make the PDF in a unit of work."""

    title: str
    suggested_name: str
    make: Callable[[Session, Progress], bytes]
    show_progress: bool
    #: What the progress counts, in words ("children").
    unit: str = "parts"


class _Signals(QObject):
    progress = Signal(int, int)
    finished = Signal(bytes)
    failed = Signal(str)
    cancelled = Signal()


class _ReportTask(QRunnable):
    def __init__(self, workspace: Workspace, request: ReportRequest, signals: _Signals) -> None:
        super().__init__()
        self.workspace = workspace
        self.request = request
        self.signals = signals
        self.cancel = threading.Event()

    def _progress(self, done: int, total: int) -> None:
        if self.cancel.is_set():
            raise ReportCancelled
        self.signals.progress.emit(done, total)

    def run(self) -> None:
        try:
            with unit_of_work(self.workspace.engine) as session:
                pdf = self.request.make(session, self._progress)
                if self.cancel.is_set():
                    # Not printed after all: the audit event is rolled back with it.
                    raise ReportCancelled
        except ReportCancelled:
            self.signals.cancelled.emit()
        except HealthVisitorError as error:
            self.signals.failed.emit(str(error))
        except Exception as error:  # a report must never take the window down
            self.signals.failed.emit(
                f"The report could not be made ({type(error).__name__}: {error}). "
                "Try again; if it keeps happening, tell your system manager."
            )
        else:
            self.signals.finished.emit(pdf)


#: Reports being made. A run is owned here, not by the window that asked for it,
#: until its task has reported: closing the window cancels the report, and the
#: task's signals outlive the window (no emitting into a deleted object).
_RUNS: set[ReportRun] = set()


def stop_all_reports() -> None:
    """Cancel every report being made and wait for their threads (on quitting)."""
    for run in list(_RUNS):
        run.cancel()
    QThreadPool.globalInstance().waitForDone()


class ReportRun(QObject):
    """One report being made; opens the preview when it is ready.

    ``ready`` carries the preview window, ``failed`` the message shown,
    ``cancelled`` fires when the user cancelled (or closed the window that asked).
    """

    ready = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, parent: QWidget, workspace: Workspace, request: ReportRequest) -> None:
        super().__init__()
        self.parent_widget: QWidget | None = parent
        parent.destroyed.connect(self._parent_gone)
        application = QCoreApplication.instance()
        if application is not None and not application.property("hv_reports_stop_on_quit"):
            application.setProperty("hv_reports_stop_on_quit", True)
            application.aboutToQuit.connect(stop_all_reports)
        _RUNS.add(self)
        self.request = request
        self.preview: PrintPreview | None = None
        self._signals = _Signals(self)
        self._task = _ReportTask(workspace, request, self._signals)
        self._task.setAutoDelete(False)
        self.progress_dialog: QProgressDialog | None = None
        if request.show_progress:
            dialog = QProgressDialog(
                f"Making the {request.title.lower()}…", "&Cancel", 0, 0, parent
            )
            dialog.setWindowTitle(request.title)
            dialog.setAccessibleName(f"Making the {request.title.lower()}")
            dialog.setWindowModality(Qt.WindowModality.WindowModal)
            dialog.setMinimumDuration(0)
            dialog.setAutoClose(False)
            dialog.setAutoReset(False)
            dialog.setMinimumSize(420, 130)
            dialog.canceled.connect(self.cancel)
            self.progress_dialog = dialog
            dialog.show()
        self._signals.progress.connect(self._on_progress)
        self._signals.finished.connect(self._on_finished)
        self._signals.failed.connect(self._on_failed)
        self._signals.cancelled.connect(self._on_cancelled)
        QThreadPool.globalInstance().start(self._task)

    def _parent_gone(self) -> None:
        self.parent_widget = None
        self.progress_dialog = None  # it was the window's child: gone with it
        self._task.cancel.set()

    def cancel(self) -> None:
        self._task.cancel.set()
        if self.progress_dialog is not None:
            self.progress_dialog.setLabelText("Cancelling…")

    def _on_progress(self, done: int, total: int) -> None:
        if self.progress_dialog is not None and not self._task.cancel.is_set():
            self.progress_dialog.setMaximum(total)
            self.progress_dialog.setValue(min(done, total))
            self.progress_dialog.setLabelText(
                f"Laying out the {self.request.title.lower()}: {done} of {total} "
                f"{self.request.unit}"
            )

    def _close_progress(self) -> None:
        _RUNS.discard(self)
        if self.progress_dialog is not None:
            self.progress_dialog.canceled.disconnect(self.cancel)
            self.progress_dialog.close()
            self.progress_dialog.deleteLater()
            self.progress_dialog = None

    def _on_finished(self, pdf: bytes) -> None:
        self._close_progress()
        if self.parent_widget is None:  # the window that asked has closed
            self.cancelled.emit()
            return
        self.preview = PrintPreview(
            pdf, self.request.title, self.request.suggested_name, self.parent_widget
        )
        self.preview.setWindowFlag(Qt.WindowType.Window)
        self.preview.show()
        self.ready.emit(self.preview)

    def _on_failed(self, message: str) -> None:
        self._close_progress()
        if self.parent_widget is not None:
            tell(self.parent_widget, f"{self.request.title} not made", message)
        self.failed.emit(message)

    def _on_cancelled(self) -> None:
        self._close_progress()
        self.cancelled.emit()


def tell(parent: QWidget, title: str, message: str) -> None:
    """Say what went wrong (a module function so tests can listen instead)."""
    QMessageBox.warning(parent, title, message)


def _pdf_bytes(write: Callable[[io.BytesIO], None]) -> bytes:
    """What ``write`` puts in a PDF, as bytes. The reports it writes are imported by
    their callers only when one is made: reportlab is 60-80 ms of a start otherwise
    (issue 10), and the window imports this module as it starts."""
    out = io.BytesIO()
    write(out)
    return out.getvalue()


def preview_red_book(
    parent: QWidget, workspace: Workspace, child_id: uuid.UUID, *, for_family: bool = True
) -> ReportRun:
    """Make one child's red book summary in the background, then preview it.

    The family's copy by default: no safeguarding flags (``printing.red_book_summary``).
    """
    today = workspace.today()

    def make(session: Session, progress: Progress) -> bytes:
        summary = printing.red_book_summary(
            session, workspace.actor, child_id, today=today, for_family=for_family
        )
        from healthvisitor.reports.red_book import red_book_pdf  # see _pdf_bytes

        return _pdf_bytes(lambda out: red_book_pdf(summary, out))

    title = "Red book summary" if for_family else "Red book summary (professional's copy)"
    return ReportRun(
        parent,
        workspace,
        ReportRequest(title, f"red-book-summary-{today:%Y-%m-%d}.pdf", make, False),
    )


@dataclass(frozen=True)
class HandoverOptions:
    window_from: dt.date | None = None
    window_to: dt.date | None = None
    flagged_only: bool = False


class HandoverOptionsDialog(QDialog):
    """Before a handover: the whole caseload, or limited to a date window or flagged children."""

    def __init__(self, parent: QWidget | None, today: dt.date) -> None:
        super().__init__(parent)
        self.setWindowTitle("Caseload handover")
        self.setAccessibleName("Caseload handover options")
        self.flagged_only = QCheckBox(
            "&Flagged children only (safeguarding, growth, level of service, interpreter)"
        )
        self.flagged_only.setAccessibleName("Flagged children only")
        self.limit_window = QCheckBox("&Only children with a review due between:")
        self.limit_window.setAccessibleName("Limit to a date window")
        start = QDate(today.year, today.month, today.day)
        self.window_from = QDateEdit(start)
        self.window_to = QDateEdit(start.addDays(28))
        for edit, name in ((self.window_from, "Window from"), (self.window_to, "Window to")):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("d MMM yyyy")
            edit.setAccessibleName(name)
            edit.setEnabled(False)
            self.limit_window.toggled.connect(edit.setEnabled)
        self.problem = QLabel("")
        self.problem.setAccessibleName("Problem with the dates")
        self.problem.setWordWrap(True)
        note = QLabel("Overdue reviews are always included. The totals are the whole caseload's.")
        note.setWordWrap(True)
        form = QFormLayout()
        form.addRow(self.flagged_only)
        form.addRow(self.limit_window)
        form.addRow("&From", self.window_from)
        form.addRow("&To", self.window_to)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("&Make handover")
        ok.setAccessibleName("Make handover")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        self.setMinimumSize(520, 260)

    def options(self) -> HandoverOptions:
        def day(edit: QDateEdit) -> dt.date:
            value = edit.date()
            return dt.date(value.year(), value.month(), value.day())

        if not self.limit_window.isChecked():
            return HandoverOptions(flagged_only=self.flagged_only.isChecked())
        return HandoverOptions(
            day(self.window_from), day(self.window_to), self.flagged_only.isChecked()
        )

    def accept(self) -> None:
        options = self.options()
        if options.window_from and options.window_to and options.window_from > options.window_to:
            self.problem.setText("⚠ The window ends before it starts: swap the dates.")
            self.window_to.setFocus()
            return
        super().accept()


def preview_handover(
    parent: QWidget,
    workspace: Workspace,
    health_visitor_id: uuid.UUID,
    options: HandoverOptions | None = None,
) -> ReportRun | None:
    """Make a caseload handover in the background (progress, Cancel), then preview it.

    Without ``options`` the user chooses them first; None if they cancel.
    """
    today = workspace.today()
    if options is None:
        dialog = HandoverOptionsDialog(parent, today)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        options = dialog.options()
    chosen = options

    def make(session: Session, progress: Progress) -> bytes:
        report = printing.handover_report(
            session,
            workspace.actor,
            health_visitor_id,
            today=today,
            window_from=chosen.window_from,
            window_to=chosen.window_to,
            flagged_only=chosen.flagged_only,
        )
        from healthvisitor.reports.handover import handover_pdf  # see _pdf_bytes

        return _pdf_bytes(lambda out: handover_pdf(report, out, progress=progress))

    return ReportRun(
        parent,
        workspace,
        ReportRequest(
            "Caseload handover", f"handover-{today:%Y-%m-%d}.pdf", make, True, "children"
        ),
    )
