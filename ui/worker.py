"""Reads that can take long run off the GUI thread, and only the latest answer counts.

At trust scale a caseload takes hundreds of milliseconds and a team board
seconds (issue 4, docs/performance.md): asked on the GUI thread, the window
would freeze. A ``Loader`` runs one kind of read (a callable that asks the
``Workspace``) on a ``QThreadPool`` worker and hands the answer back on the
GUI thread through a queued signal.

Safe from another thread because each ``Workspace`` call opens its own unit
of work, so the worker has its own ``Session`` (never shared) and the engine's
pool hands it its own connection (SQLite files: SQLAlchemy's ``QueuePool``
with ``check_same_thread`` off; PostgreSQL: psycopg connections). The callable
must touch no widget: it returns plain read models (frozen dataclasses).

Each request gets a ticket; an answer or error whose ticket is not the latest
is dropped, so a user who changes whose caseload to show three times quickly
sees the third, never a late answer to the first. Errors come back as the
exception the call raised, for the caller to show as it always has.
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from healthvisitor.errors import AccountChangedError, HealthVisitorError


class _Relay(QObject):
    """Lives on the GUI thread; the worker emits through it (queued to the GUI thread)."""

    finished = Signal(int, object, object)  # ticket, result, error


class _Job(QRunnable):
    def __init__(self, ticket: int, read: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self._ticket = ticket
        self._read = read
        self._relay = relay

    def run(self) -> None:
        try:
            result, error = self._read(), None
        except Exception as exc:  # handed to the GUI thread, which says what went wrong
            result, error = None, exc
        # RuntimeError: the screen that asked has been closed meanwhile, nobody to tell.
        with contextlib.suppress(RuntimeError):
            self._relay.finished.emit(self._ticket, result, error)


#: The workers for every ``Loader``: two threads (the machines have two cores, and a
#: caseload and a board may load together); a stale read still finishes, its answer dropped.
_POOL: QThreadPool | None = None


def loader_pool() -> QThreadPool:
    global _POOL
    if _POOL is None:
        _POOL = QThreadPool()
        _POOL.setMaxThreadCount(2)
    return _POOL


def wait_for_loads(milliseconds: int = 30_000) -> bool:
    """Block until every read started has finished (closing the window, tests)."""
    return _POOL is None or _POOL.waitForDone(milliseconds)


#: Who is told when a read finds the signed-in account changed by an administrator
#: (disabled, another role or team): the session (ui/app.py), which locks its windows.
#: It answers whether it took the refusal; a weak reference, so it never keeps it alive.
_ACCOUNT_CHANGED: weakref.WeakMethod[Callable[[str], bool]] | None = None


def on_account_changed(handler: Callable[[str], bool]) -> None:
    """``handler(words)`` hears every AccountChangedError a read raised (see above)."""
    global _ACCOUNT_CHANGED
    _ACCOUNT_CHANGED = weakref.WeakMethod(handler)  # type: ignore[arg-type]


def account_change_taken(error: object) -> bool:
    """Whether the session took this refusal (and locked): the screen then says nothing."""
    handler = _ACCOUNT_CHANGED() if _ACCOUNT_CHANGED is not None else None
    return isinstance(error, AccountChangedError) and handler is not None and handler(str(error))


def warn_not_shown(parent: QWidget, title: str, error: BaseException) -> None:
    """Say why a list could not be shown, unless the session locked for it already
    (an account changed by an administrator: the lock says why)."""
    if not account_change_taken(error):
        QMessageBox.warning(parent, title, str(error))


def refusal_or_raise(error: object) -> HealthVisitorError:
    """The error a ``failed`` signal brought, if it is one the user can be told
    (a ``HealthVisitorError``: a refusal, an unreachable database); anything else
    is a bug, raised again on the GUI thread as loudly as if the read had run there."""
    if isinstance(error, HealthVisitorError):
        return error
    if isinstance(error, BaseException):
        raise error
    raise TypeError(f"A read failed with {error!r}, which is not an exception")


class Loader(QObject):
    """Runs the latest read off the GUI thread; ``loaded`` or ``failed`` says how it went."""

    #: The answer to the latest request (on the GUI thread).
    loaded = Signal(object)
    #: The exception the latest request raised (on the GUI thread).
    failed = Signal(object)
    #: True when a read starts, False when the latest one has answered.
    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None, pool: QThreadPool | None = None) -> None:
        super().__init__(parent)
        self._pool = pool or loader_pool()
        self._relay = _Relay(self)
        self._relay.finished.connect(self._finished)
        self._ticket = 0
        self._answered = 0

    @property
    def busy(self) -> bool:
        """A request is still waiting for its answer."""
        return self._answered < self._ticket

    def request(self, read: Callable[[], Any]) -> int:
        """Run ``read`` on a worker; any earlier request still running is now stale."""
        starting = not self.busy
        self._ticket += 1
        self._pool.start(_Job(self._ticket, read, self._relay))
        if starting:
            self.busy_changed.emit(True)
        return self._ticket

    def _finished(self, ticket: int, result: object, error: object) -> None:
        taken = account_change_taken(error)  # stale or not, it concerns every window
        if ticket != self._ticket:
            return  # stale: the user has asked for something else since
        self._answered = ticket
        self.busy_changed.emit(False)
        if taken:
            return  # the session has locked, saying why: no second message on this screen
        if error is not None:
            self.failed.emit(error)
        else:
            self.loaded.emit(result)
