"""The status bar says when the database cannot be reached, and when it is back (issue 9).

A health visitor's laptop loses the trust network in a car park or a
family's flat. When a connection to the database fails (noticed on any
thread by ``Workspace.watch_connection``), the indicator turns to "Offline",
tries the database again with back-off (soon at first, then every half
minute, off the GUI thread) and says "Connected again" when it answers.
Open forms stay open with everything typed; a contact form whose save
failed saves itself when ``ConnectionEvents.back`` fires (the same
idempotency key, so it is applied once, issue 9).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QLabel, QWidget

from healthvisitor.ui.worker import Loader

#: Seconds between tries while offline: soon at first (a blip), then at most every
#: half minute, so a team of laptops does not hammer a server that is restarting.
RETRY_DELAYS_S = (2, 4, 8, 15, 30)
RETRY_DELAYS_MS = tuple(seconds * 1000 for seconds in RETRY_DELAYS_S)
#: How long "Connected again" stays before the indicator says just "Connected".
BACK_SHOWN_MS = 10_000
#: NHS identity colours: emergency red for offline, green for back.
OFFLINE_STYLE = "QLabel { background: #D5281B; color: white; padding: 1px 8px; }"
BACK_STYLE = "QLabel { background: #007F3B; color: white; padding: 1px 8px; }"

ONLINE_TEXT = "Connected"
BACK_TEXT = "Connected again: the database is back"


class ConnectionEvents(QObject):
    """Where the app hears that the database went away or came back.

    ``report_lost`` may be called from any thread (a worker's failed read);
    the signal reaches its receivers on the GUI thread.
    """

    lost = Signal(str)  # the user's words for what failed
    back = Signal()

    def report_lost(self, message: str) -> None:
        with contextlib.suppress(RuntimeError):  # the window is closing: nobody to tell
            self.lost.emit(message)


_EVENTS: ConnectionEvents | None = None


def connection_events() -> ConnectionEvents:
    """The application's one ``ConnectionEvents`` (made on first use, on the GUI thread)."""
    global _EVENTS
    if _EVENTS is None:
        _EVENTS = ConnectionEvents()
    return _EVENTS


class ConnectionStatus(QLabel):
    """The status bar's connection indicator; click it while offline to try again now.

    ``probe`` asks the database a trivial question and raises if it cannot
    answer (``Workspace.check_connection``); it runs on a worker thread.
    """

    def __init__(
        self,
        probe: Callable[[], None],
        events: ConnectionEvents | None = None,
        parent: QWidget | None = None,
        *,
        delays_ms: Sequence[int] = RETRY_DELAYS_MS,
        now: Callable[[], dt.datetime] = dt.datetime.now,
    ) -> None:
        super().__init__(ONLINE_TEXT, parent)
        self.setObjectName("connectionStatus")
        self.setAccessibleName("Connection to the database")
        self.setToolTip("HealthVisitor can reach the database")
        self._probe = probe
        self._delays = tuple(delays_ms)
        self._now = now
        self.events = events or connection_events()
        self.events.lost.connect(self.connection_lost)
        self.offline = False
        self.attempts = 0  # tries since the connection was lost
        self.reason = ""
        self._next_try: dt.datetime | None = None
        self._retry = QTimer(self)
        self._retry.setSingleShot(True)
        self._retry.timeout.connect(self.try_now)
        self._tick = QTimer(self)  # the countdown shown
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._show_offline)
        self._back_timer = QTimer(self)
        self._back_timer.setSingleShot(True)
        self._back_timer.setInterval(BACK_SHOWN_MS)
        self._back_timer.timeout.connect(self._show_online)
        self._loader = Loader(self)
        self._loader.loaded.connect(self._answered)
        self._loader.failed.connect(self._not_answered)

    def connection_lost(self, message: str) -> None:
        """A connection failed: say so and start trying again (once, however many failed)."""
        self.reason = message
        if self.offline:
            return
        self.offline = True
        self.attempts = 0
        self._back_timer.stop()
        self.setStyleSheet(OFFLINE_STYLE)
        self._schedule()

    def current_delay_ms(self) -> int:
        return self._delays[min(self.attempts, len(self._delays) - 1)]

    def _schedule(self) -> None:
        delay = self.current_delay_ms()
        self._next_try = self._now() + dt.timedelta(milliseconds=delay)
        self._retry.start(delay)
        self._tick.start()
        self._show_offline()

    def try_now(self) -> None:
        """Ask the database now (on a worker); the answer decides what the indicator says."""
        if not self.offline or self._loader.busy:
            return
        self._retry.stop()
        self._next_try = None
        self._show_offline()
        self._loader.request(self._probe)

    def _not_answered(self, error: object) -> None:
        self.reason = str(error)
        self.attempts += 1
        self._schedule()

    def _answered(self, _result: object) -> None:
        self.offline = False
        self._retry.stop()
        self._tick.stop()
        self.setStyleSheet(BACK_STYLE)
        self.setText(BACK_TEXT)
        self.setToolTip("The database answers again. Anything waiting to be saved is saved now.")
        self._back_timer.start()
        self.events.back.emit()

    def _show_offline(self) -> None:
        if self._next_try is None:
            when = "trying again now…"
        else:
            seconds = max(0, round((self._next_try - self._now()).total_seconds()))
            when = f"trying again in {seconds} s"
        self.setText(f"Offline: can't reach the database, {when}")
        self.setToolTip(
            f"{self.reason}\n\nYour open forms keep everything typed, also on this computer. "
            "Click here to try again now."
        )

    def _show_online(self) -> None:
        self.setStyleSheet("")
        self.setText(ONLINE_TEXT)
        self.setToolTip("HealthVisitor can reach the database")

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() is Qt.MouseButton.LeftButton and self.offline:
            self.try_now()
        super().mousePressEvent(event)
