"""The window's offline working (issue 12): its status, its menu, and the check at start.

* ``OfflineStatus`` sits in the status bar beside the connection indicator
  (``ui/connection_status.py``, which says whether the window is online). It
  says how many changes wait on this computer to be sent and when the offline
  copy last synchronised, and it synchronises: when asked, when the
  connection comes back, and every ``AUTO_SYNC_MINUTES`` while online. At
  the window's start it runs ``check_offline_copy`` on the user's copy (a copy
  that must synchronise first is synchronised straight away, and says so).
* ``OfflineMenu`` ("Offline"): prepare the laptop / synchronise now, and the
  conflicts from offline working (``SyncConflictsDialog``; clinical roles
  only). On the local SQLite database there is nothing to go offline from:
  the menu says so in place of the synchronising action.
* **Working offline** (the window opened on the copy, ``OfflineWorkspace``):
  the status counts the changes waiting and does not synchronise by itself;
  ``ui/offline_window.py`` adds the banner, disables what cannot be done
  offline and, when the shared database answers, offers to synchronise and
  sign in online (wired from ``build_offline_menu``).
* **Online, the connection dropping** (a window on the shared database for someone
  who may have a copy here): ``ui/offline_window.py``'s ``CarryOnOffline`` offers
  to carry on on the copy, wired from ``build_offline_menu`` too.
* ``check_copies_once_open``: as the app opens on the shared database, every
  copy on this computer is checked (a disabled account's is wiped, audited on
  the server, and the user is told).

Everything that touches the copy or the server runs off the GUI thread
(``ui/worker.py``'s ``Loader``) through ``healthvisitor.sync.desk.OfflineDesk``,
which hands back frozen read models only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QLabel, QMainWindow, QMenu, QMenuBar, QMessageBox, QWidget

from healthvisitor.clock import local_today
from healthvisitor.errors import DatabaseUnavailableError
from healthvisitor.sync.conflicts import ConflictDesk
from healthvisitor.sync.desk import (
    CopyStatus,
    OfflineDesk,
    SyncOutcome,
    check_copies_at_start,
    copy_path,
    why_no_offline_copy,
)
from healthvisitor.ui.connection_status import ConnectionEvents, connection_events
from healthvisitor.ui.sync_conflicts import SyncConflictsDialog
from healthvisitor.ui.worker import Loader, refusal_or_raise

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from healthvisitor.config import DatabaseChoice
    from healthvisitor.services.workspace import Workspace
    from healthvisitor.ui.offline_window import CarryOnOffline, OfflineWorking

#: While online, the copy synchronises this often by itself (and whenever the
#: connection comes back): a quarter of an hour keeps a laptop that is suddenly
#: taken out at most that far behind, without a team's laptops pulling all day.
AUTO_SYNC_MINUTES = 15
#: A copy that is fresh enough synchronises this long after the window opens: the
#: caseload loads first (the two reading threads are shared, ui/worker.py).
START_SYNC_DELAY_MS = 30_000
#: NHS warm yellow with black text: a copy that must synchronise before it shows records.
MUST_STYLE = "QLabel { background: #FFEB3B; color: #212B32; padding: 1px 8px; }"
PROBLEM_STYLE = "QLabel { background: #D5281B; color: white; padding: 1px 8px; }"
#: NHS green: a synchronisation's result, shown for ``RESULT_SHOWN_MS`` in place of the counts.
RESULT_STYLE = "QLabel { background: #007F3B; color: white; padding: 1px 8px; }"
RESULT_SHOWN_MS = 15_000

PREPARE_TEXT = "&Prepare this laptop for offline working"
SYNCHRONISE_TEXT = "&Synchronise the offline copy now"
BUSY_TEXT = "Synchronising the offline copy…"
CONFLICTS_TEXT = "Offline &conflicts…"


def when_words(moment: dt.datetime | None, today: dt.date) -> str:
    """In the status bar's few words: "today 14:02", "yesterday 09:15", "20 May 14:02"."""
    if moment is None:
        return "never"
    local = moment.astimezone()
    day = local.date()
    if day == today:
        return f"today {local:%H:%M}"
    if day == today - dt.timedelta(days=1):
        return f"yesterday {local:%H:%M}"
    if day.year == today.year:
        return f"{local.day} {local:%b} {local:%H:%M}"
    return f"{local.day} {local:%b %Y} {local:%H:%M}"


def status_words(status: CopyStatus, today: dt.date) -> str:
    """The status bar's words for the copy."""
    if status.problem:
        return "Offline copy: cannot be used (hover for why)"
    if not status.exists:
        return "Offline copy: not prepared on this computer"
    waiting = status.waiting
    sent = (
        "nothing to send"
        if not waiting
        else f"{waiting} change{'s' if waiting != 1 else ''} to send"
    )
    last = status.last_synchronised
    when = f"last sync {when_words(last, today)}" if last else "never synchronised"
    text = f"Offline copy: {sent} · {when}"
    return f"{text}: must synchronise" if status.must_synchronise else text


def result_words(outcome: SyncOutcome) -> str:
    """A synchronisation's result, short enough for the status bar (the tooltip has it all)."""
    when = outcome.status.last_synchronised
    words = "Offline copy synchronised" + (f" at {when.astimezone():%H:%M}" if when else "")
    sent, conflicts = outcome.sent.batches, outcome.sent.conflicts
    if sent:
        words += f", {sent} change{'s' if sent != 1 else ''} sent"
    if conflicts:
        words += f", {conflicts} conflict{'s' if conflicts != 1 else ''} to resolve"
    if outcome.not_sent:
        waiting = outcome.status.waiting
        words += f", {waiting} not sent (hover for why)"
    return words


class OfflineStatus(QLabel):
    """The status bar's offline copy: changes waiting, last synchronised; it synchronises.

    ``desk`` is None where the user has no offline copy (``unavailable`` says
    why); the label is then hidden, as there is nothing to count.
    """

    #: A synchronisation finished (``SyncOutcome``).
    synchronised = Signal(object)
    #: A synchronisation failed (the user's words).
    sync_failed = Signal(str)
    #: Idle, or busy synchronising (for the menu).
    busy_changed = Signal(bool)
    #: The copy's status changed (``CopyStatus``).
    status_changed = Signal(object)

    def __init__(
        self,
        desk: OfflineDesk | None,
        unavailable: str = "",
        events: ConnectionEvents | None = None,
        parent: QWidget | None = None,
        *,
        today: Callable[[], dt.date] = local_today,
        auto_sync_ms: int = AUTO_SYNC_MINUTES * 60_000,
        result_shown_ms: int = RESULT_SHOWN_MS,
        start_sync_delay_ms: int = START_SYNC_DELAY_MS,
        working_offline: bool = False,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("offlineStatus")
        self.setAccessibleName("Offline copy on this computer")
        self.desk = desk
        self.unavailable = unavailable
        self._today = today
        self.status: CopyStatus | None = None
        #: The window works on the copy (the shared database did not answer): counted,
        #: never synchronised by itself (``ui/offline_window.py`` offers it).
        self.working_offline = working_offline
        self.online = not working_offline  # the window opened on the shared database
        self.last_result = ""
        self.syncing = False
        self._asked = False  # the user asked for this synchronisation (the menu)
        self._stopped = False
        self.events = events or connection_events()
        self.events.lost.connect(self._connection_lost)
        self.events.back.connect(self._connection_back)
        self.timer = QTimer(self)
        self.timer.setInterval(auto_sync_ms)
        self.timer.timeout.connect(self._synchronise_if_due)
        self._start_timer = QTimer(self)
        self._start_timer.setSingleShot(True)
        self._start_timer.setInterval(start_sync_delay_ms)
        self._start_timer.timeout.connect(self._synchronise_if_due)
        self._result_timer = QTimer(self)
        self._result_timer.setSingleShot(True)
        self._result_timer.setInterval(result_shown_ms)
        self._result_timer.timeout.connect(self._result_seen)
        self._checker = Loader(self)
        self._checker.loaded.connect(self._checked)
        self._checker.failed.connect(self._check_failed)
        self._syncer = Loader(self)
        self._syncer.loaded.connect(self._synced)
        self._syncer.failed.connect(self._sync_failed)
        if desk is None:
            self.setText("Offline copy: not used here")
            self.setToolTip(unavailable)
            self.hide()
            return
        self.setText("Offline copy: checking…")
        # Offline, the copy was checked at sign-in (its age); the server cannot be asked.
        self._checker.request(desk.status if working_offline else desk.check)

    # --- Reading the copy --------------------------------------------------------

    def busy(self) -> bool:
        """Checking or synchronising (tests wait for this to end)."""
        return self._checker.busy or self._syncer.busy

    def _checked(self, status: CopyStatus) -> None:
        self._show(status)
        if status.exists and not status.problem and not self.working_offline:
            self.timer.start()
            if status.must_synchronise:
                # Online now: bring it up to date at once rather than wait for the timer.
                self.synchronise_now()
            else:
                self._start_timer.start()

    def _check_failed(self, error: object) -> None:
        refusal = refusal_or_raise(error)
        self.last_result = f"The offline copy was not checked: {refusal}"
        self.setText("Offline copy: not checked (hover for why)")
        self.setToolTip(self.last_result)

    # --- Synchronising -----------------------------------------------------------

    def synchronise_now(self, *, asked: bool = False) -> bool:
        """Push, then pull, off the GUI thread; whether it started (one at a time).

        ``asked``: the user chose it, so its result is shown whatever it was (an
        automatic one's only when it sent something, or failed).
        """
        if self.desk is None or self.syncing or self._stopped:
            return False
        self._start_timer.stop()
        self.syncing = True
        self._asked = asked
        self._result_timer.stop()
        self.busy_changed.emit(True)
        self.setStyleSheet("")
        self.setText(BUSY_TEXT)
        self.setToolTip(
            "Sending the changes made on this computer, then copying your caseload onto it "
            "(encrypted). You can go on working meanwhile."
        )
        self._syncer.request(self.desk.synchronise)
        return True

    def _synchronise_if_due(self) -> None:
        found = self.status
        if self.working_offline:
            return  # the person chooses when (ui/offline_window.py)
        if self.online and found is not None and found.exists and not found.problem:
            self.synchronise_now()

    def show_outcome(self, outcome: SyncOutcome) -> None:
        """A synchronisation run elsewhere (``ui/offline_window.py``): shown as one of ours."""
        self._asked = True
        self._synced(outcome)

    def refresh(self) -> None:
        """Count the changes waiting again (a save on the copy), off the GUI thread."""
        if self.desk is not None and not self._stopped and not self.busy():
            self._checker.request(self.desk.status)

    def _synced(self, outcome: SyncOutcome) -> None:
        self.syncing = False
        self.last_result = outcome.words()
        self.timer.start()  # counted again from the last synchronisation
        self._show(outcome.status)
        if self._asked or outcome.sent.batches or outcome.not_sent:
            style = PROBLEM_STYLE if outcome.not_sent else RESULT_STYLE
            self._show_result(result_words(outcome), style)
        self.busy_changed.emit(False)
        self.synchronised.emit(outcome)

    def _sync_failed(self, error: object) -> None:
        self.syncing = False
        refusal = refusal_or_raise(error)
        if isinstance(refusal, DatabaseUnavailableError):
            words = (
                "Not synchronised: the shared database cannot be reached. Everything "
                "waiting stays on this computer and is sent when the connection is back."
            )
        else:
            words = f"Not synchronised: {refusal}"
        self.last_result = words
        if self.status is not None:
            self._show(self.status)
        short = (
            "Offline copy: not synchronised, the shared database cannot be reached"
            if isinstance(refusal, DatabaseUnavailableError)
            else "Offline copy: not synchronised (hover for why)"
        )
        self._show_result(short, PROBLEM_STYLE)
        self.busy_changed.emit(False)
        self.sync_failed.emit(words)

    def _show_result(self, words: str, style: str) -> None:
        """The result in the label for a while (the status bar is too full for a message);
        the tooltip keeps the whole of it."""
        self.setStyleSheet(style)
        self.setText(words)
        self.setToolTip(self.last_result)
        self._result_timer.start()

    def _result_seen(self) -> None:
        if self.status is not None and not self.syncing:
            self._show(self.status)
        elif not self.syncing:
            self.setStyleSheet("")
            self.setText("Offline copy: not synchronised (hover for why)")

    def showing_result(self) -> bool:
        return self._result_timer.isActive()

    def _connection_lost(self, _message: str) -> None:
        self.online = False

    def _connection_back(self) -> None:
        self.online = True
        self._synchronise_if_due()

    # --- Showing ---------------------------------------------------------------------

    def _show(self, status: CopyStatus) -> None:
        self.status = status
        self.setText(status_words(status, self._today()))
        if status.problem:
            self.setStyleSheet(PROBLEM_STYLE)
            tip = status.problem
        elif status.must_synchronise:
            self.setStyleSheet(MUST_STYLE)
            tip = status.must_synchronise
        elif not status.exists:
            self.setStyleSheet("")
            tip = (
                "Offline > Prepare this laptop for offline working copies your caseload "
                "onto this computer, encrypted, to work where there is no network."
            )
        else:
            self.setStyleSheet("")
            tip = (
                "Changes made on this computer while offline wait here until they reach "
                "the shared database. The copy synchronises by itself every "
                f"{AUTO_SYNC_MINUTES} minutes while online."
            )
        self.setToolTip(f"{self.last_result}\n\n{tip}" if self.last_result else tip)
        self.status_changed.emit(status)

    def stop(self) -> None:
        """The window closes: no more synchronising; the copy's connections are closed."""
        self._stopped = True
        self.timer.stop()
        self._start_timer.stop()
        self._result_timer.stop()
        if self.desk is not None:
            self.desk.close()  # waits for a synchronisation running now to finish


def offline_status_for(workspace: Workspace, *, sync_required_after_days: int) -> OfflineStatus:
    """The status widget for the signed-in user's window (hidden where there is no copy)."""
    from healthvisitor.sync.offline_sign_in import OfflineWorkspace

    actor = workspace.actor
    if isinstance(workspace, OfflineWorkspace):  # the window works on the copy itself
        desk = OfflineDesk(
            workspace.server,
            actor,
            workspace.offline_session.path,
            sync_required_after_days=sync_required_after_days,
            today=workspace.today,
            engine=workspace.engine,
        )
        return OfflineStatus(desk, working_offline=True)
    reason = why_no_offline_copy(on_local_file=workspace.choice.is_sqlite, actor=actor)
    desk = (
        None
        if reason is not None
        else OfflineDesk(
            workspace.engine,
            actor,
            copy_path(actor.user_id),
            sync_required_after_days=sync_required_after_days,
            today=workspace.today,
        )
    )
    # "today 14:02" is the computer's day, as the times are its clock's.
    return OfflineStatus(desk, reason or "")


class OfflineMenu(QMenu):
    """Offline: prepare / synchronise now, and the conflicts from offline working."""

    def __init__(self, window: QMainWindow, workspace: Workspace, status: OfflineStatus) -> None:
        super().__init__("Off&line", window)
        self.window_ = window
        self.workspace = workspace
        self.status = status
        self.conflicts_dialog: SyncConflictsDialog | None = None
        #: While the window works on the copy (``ui/offline_window.py``), else None.
        self.working_offline: OfflineWorking | None = None
        #: On the shared database, with a copy possible: the offer to carry on offline
        #: when the connection drops (``ui/offline_window.py``), else None.
        self.carry_on_offline: CarryOnOffline | None = None
        self.synchronise_action = self.addAction(PREPARE_TEXT)
        self.synchronise_action.triggered.connect(self.synchronise)
        self.reason_action = None
        if status.desk is None:
            self.synchronise_action.setEnabled(False)
            self.reason_action = self.addAction(status.unavailable)
            self.reason_action.setEnabled(False)
        self.addSeparator()
        self.conflicts_action = self.addAction(CONFLICTS_TEXT)
        self.conflicts_action.setStatusTip(
            "Fields changed both on a laptop working offline and on the shared database: "
            "choose which value to keep"
        )
        self.conflicts_action.triggered.connect(self.open_conflicts)
        clinical = workspace.actor.is_clinical
        self.conflicts_action.setEnabled(clinical)
        if not clinical:
            self.conflicts_action.setText(
                "Offline conflicts (for health visitors and team leads only)"
            )
        # Bound methods, not lambdas: a lambda holding the menu would keep the window
        # alive after it closed (ui/main_window.py says why that matters in PySide6).
        status.status_changed.connect(self._follow)
        status.busy_changed.connect(self._follow)
        self._follow()

    def _follow(self, _changed: object = None) -> None:
        if self.status.desk is None or self.working_offline is not None:
            return
        if self.status.syncing:
            self.synchronise_action.setText(BUSY_TEXT)
            self.synchronise_action.setEnabled(False)
            return
        found = self.status.status
        self.synchronise_action.setText(
            SYNCHRONISE_TEXT if found is not None and found.exists else PREPARE_TEXT
        )
        self.synchronise_action.setEnabled(found is None or not found.problem)
        if found is not None and found.problem:
            self.synchronise_action.setStatusTip(found.problem)

    def synchronise(self) -> None:
        """Prepare the laptop, or synchronise now; the status bar shows the result."""
        self.status.synchronise_now(asked=True)

    def open_conflicts(self) -> SyncConflictsDialog | None:
        """The team's open conflicts from offline working (a clinician's only)."""
        if not self.workspace.actor.is_clinical:
            return None
        if self.conflicts_dialog is None:
            desk = ConflictDesk(self.workspace.engine, self.workspace.actor)
            self.conflicts_dialog = SyncConflictsDialog(desk, self.window_)
            self.conflicts_dialog.finished.connect(self._conflicts_closed)
        else:
            self.conflicts_dialog.reload()
        self.conflicts_dialog.show()
        self.conflicts_dialog.activateWindow()
        return self.conflicts_dialog

    def _conflicts_closed(self, _result: int) -> None:
        self.conflicts_dialog = None


def build_offline_menu(
    menus: QMenuBar, window: QMainWindow, workspace: Workspace, status: OfflineStatus
) -> OfflineMenu:
    """Add the "Offline" menu to the main window's menu bar (its one call in ``_build_menus``)."""
    menu = OfflineMenu(window, workspace, status)
    menus.addMenu(menu)
    if status.working_offline:
        from healthvisitor.ui.offline_window import OfflineWorking

        # After the other menus (the window builds this one last but Help): it disables them.
        menu.working_offline = OfflineWorking(window, workspace, status, menu)
    elif status.desk is not None:
        from healthvisitor.ui.offline_window import CarryOnOffline

        # Online, where this user may have a copy: offered when the connection drops.
        menu.carry_on_offline = CarryOnOffline(
            window, workspace, sync_required_after_days=status.desk.sync_required_after_days
        )
    return menu


class CopiesChecked(QObject):
    """The start-up's check of every offline copy on this computer (off the GUI thread)."""

    def __init__(self, server: Engine, *, sync_required_after_days: int) -> None:
        super().__init__()
        from healthvisitor.persistence.types import utc_now

        self.messages: list[str] | None = None
        self.boxes: list[QMessageBox] = []  # kept, or they would close as they open
        self.loader = Loader(self)
        self.loader.loaded.connect(self._checked)
        self.loader.failed.connect(self._failed)
        self.loader.request(
            lambda: check_copies_at_start(
                server, now=utc_now(), sync_required_after_days=sync_required_after_days
            )
        )

    def _failed(self, error: object) -> None:
        refusal_or_raise(error)  # a bug raised again; anything else is logged by the desk

    def _checked(self, messages: list[str]) -> None:
        self.messages = messages
        for message in messages:
            box = QMessageBox(
                QMessageBox.Icon.Warning,
                "Offline copy deleted",
                message,
                QMessageBox.StandardButton.Ok,
            )
            box.setObjectName("offlineCopyWiped")
            self.boxes.append(box)
            box.open()


def check_copies_once_open(
    engine: Engine, choice: DatabaseChoice, *, sync_required_after_days: int
) -> CopiesChecked | None:
    """Issue 12, at start on the shared database (``ui/app.py``): check every copy here.

    Keep the answer until the app ends (it shows its messages when the check
    is done). None on a local SQLite database, which has no offline copies.
    """
    if choice.is_sqlite:
        return None
    return CopiesChecked(engine, sync_required_after_days=sync_required_after_days)


__all__ = [
    "AUTO_SYNC_MINUTES",
    "CopiesChecked",
    "OfflineMenu",
    "OfflineStatus",
    "build_offline_menu",
    "check_copies_once_open",
    "offline_status_for",
    "result_words",
    "status_words",
    "when_words",
]
