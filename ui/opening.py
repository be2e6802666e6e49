"""Opening the database off the GUI thread, with a small busy dialog meanwhile.

Opening can take seconds: reaching a shared server, upgrading a local file,
or building the demo data the first time. ``DatabaseOpener`` does it on a
worker thread and signals back; ``OpeningDialog`` keeps the window
responsive (it repaints, the operating system never reports it "not
responding") until the workspace, or a message saying why not, arrives.

The heavy imports (SQLAlchemy, alembic, the services) happen on the worker
thread, so the first thing the user sees appears before they are loaded.

Without a user name (the window's start: who works is decided by signing in
next), the outcome is the database opened, ``OpenedDatabase``, and nobody is
looked up for it (issue 10).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from PySide6.QtCore import QEventLoop, QThread, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QDialog, QLabel, QProgressBar, QVBoxLayout, QWidget

from healthvisitor.errors import HealthVisitorError, PasswordRequiredError, ServerUnreachableError

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from healthvisitor.config import DatabaseChoice
    from healthvisitor.services.workspace import Workspace

log = logging.getLogger(__name__)

#: A database that opens faster than this never flashes the dialog up.
SHOW_DIALOG_AFTER_MS = 300


@dataclass(frozen=True)
class OpenRequest:
    """What the command line asked for (see ``healthvisitor.ui.app``)."""

    database_url: str | None = None
    demo: bool = False
    username: str | None = None
    # Typed by the user when the shared database asked for it; memory only.
    password: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class OpenedDatabase:
    """The database open, before anyone signs in: its ``engine`` and ``choice``, and
    nothing else. Whose records are shown is decided by signing in next; until then
    there is no actor, so nothing here can read a caseload (issue 8). Nobody is looked
    up for it either: ``open_workspace`` without a user counts every child of the trust
    by health visitor (about 250 ms at 100,000 children), which a start does not wait
    for (issue 10).
    """

    engine: Engine
    choice: DatabaseChoice


@dataclass(frozen=True)
class OpenOutcome:
    """Either a workspace to show (the database opened, without a user name), or the
    message that explains why there is none."""

    workspace: Workspace | OpenedDatabase | None = None
    problem: str = ""
    # Set when the shared database wants a password: what to tell the user.
    password_request: str = ""
    # Set when the shared database's server could not be connected to (issue 12): a
    # laptop with an offline copy offers it at once, without trying the server again.
    unreachable: bool = False


def unexpected_problem(exc: BaseException) -> str:
    return (
        "HealthVisitor could not open the database because of an unexpected problem "
        f"({type(exc).__name__}: {exc}). Please tell your system administrator; "
        "the details are in the log."
    )


def open_workspace_now(request: OpenRequest) -> OpenOutcome:
    """Open the database and the user's workspace (blocking: call it off the GUI thread)."""
    # Imported here, on the worker thread, to keep them off the path to the first window
    # (the workspace's module too: the window needs it once someone signs in).
    from healthvisitor.services.workspace import open_workspace
    from healthvisitor.startup import has_children, open_database

    try:
        opened = open_database(request.database_url, demo=request.demo, password=request.password)
        try:
            # An empty database is still explained at once ("no health visitor with a
            # caseload yet", from ``open_workspace``), not left to a sign-in nobody passes.
            workspace: Workspace | OpenedDatabase
            if request.username is None and has_children(opened.engine):
                workspace = OpenedDatabase(opened.engine, opened.choice)
            else:
                workspace = open_workspace(opened.engine, opened.choice, request.username)
        except BaseException:
            opened.engine.dispose()
            raise
    except PasswordRequiredError as exc:
        return OpenOutcome(problem=str(exc), password_request=str(exc))
    except ServerUnreachableError as exc:
        return OpenOutcome(problem=str(exc), unreachable=True)
    except HealthVisitorError as exc:
        return OpenOutcome(problem=str(exc))
    except Exception as exc:  # a bug, not the user's doing: log it, explain, no traceback
        log.exception("Opening the database failed")
        return OpenOutcome(problem=unexpected_problem(exc))
    return OpenOutcome(workspace=workspace)


class DatabaseOpener(QThread):
    """Runs ``open_workspace_now`` on its own thread; ``finished_opening`` carries the outcome."""

    finished_opening = Signal(object)  # OpenOutcome

    def __init__(self, request: OpenRequest, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.request = request

    def run(self) -> None:
        self.finished_opening.emit(open_workspace_now(self.request))


def opening_message(request: OpenRequest) -> str:
    if request.demo:
        return (
            "Opening the demo database…\n"
            "The first time, this prepares demo data, which takes a few seconds."
        )
    return "Opening the database…"


class OpeningDialog(QDialog):
    """A small modal busy indicator that cannot be dismissed half-way.

    There is deliberately no Cancel: opening is one step in the domain
    (``open_database``) that cannot be interrupted safely, so Esc and the
    close button are ignored until it is done.
    """

    def __init__(self, message: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("HealthVisitor")
        self.setModal(True)
        self.setMinimumWidth(380)
        self.message = QLabel(message)
        self.message.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # busy: the time is not known in advance
        self.progress.setTextVisible(False)
        self.progress.setAccessibleName("Opening the database")
        self.message.setBuddy(self.progress)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 20)
        layout.setSpacing(12)
        layout.addWidget(self.message)
        layout.addWidget(self.progress)
        # Settle the size now: constraints set on an already-shown window make
        # some platforms (Qt's offscreen one) warn and others resize visibly.
        self.adjustSize()
        self._busy = True

    def finish(self) -> None:
        self._busy = False
        self.hide()

    def reject(self) -> None:
        if not self._busy:
            super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._busy:
            event.ignore()
        else:
            super().closeEvent(event)


def open_with_progress(request: OpenRequest) -> OpenOutcome:
    """Open on a worker thread, showing ``OpeningDialog`` if it takes a moment."""
    dialog = OpeningDialog(opening_message(request))
    opener = DatabaseOpener(request)
    loop = QEventLoop()
    outcomes: list[OpenOutcome] = []

    def finished(outcome: OpenOutcome) -> None:
        outcomes.append(outcome)
        loop.quit()

    # Queued: the signal is emitted on the worker thread, ``finished`` runs here.
    opener.finished_opening.connect(finished)
    show_later = QTimer(singleShot=True, interval=SHOW_DIALOG_AFTER_MS)
    show_later.timeout.connect(dialog.show)
    show_later.start()
    opener.start()
    if not outcomes:
        loop.exec()
    show_later.stop()
    opener.wait()
    dialog.finish()
    dialog.deleteLater()
    return outcomes[0]
