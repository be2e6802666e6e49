"""The offline copy as the window uses it: where it lives, its status, synchronising it (issue 12).

``OfflineDesk`` is the one signed-in user's copy on this computer, over the
shared database's engine. Its calls are what the window runs off the GUI
thread (``ui/offline_sync.py``): ``check`` at start (``check_offline_copy``:
the stale copy, the disabled owner), ``status`` (changes waiting, when it
last synchronised) and ``synchronise`` (push, then pull: the order
``pulling`` asks for). It never hands the window an engine or a session,
only frozen read models.

Where the copy lives: ``offline/<user id>.db`` in the user's data folder
(``healthvisitor.config.data_dir``, platformdirs). One file per account, as a
copy belongs to one user (``pull`` refuses another's) and colleagues may
share a laptop's desktop session. ``check_copies_at_start`` looks at every copy
in that folder when the app opens on the shared database, so a disabled
user's copy is wiped at the next start with a connection, whoever signs in.

A copy only makes sense on a shared PostgreSQL database; on the local SQLite
file everything is already on this computer (``why_no_offline_copy``).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import InterfaceError, OperationalError

from healthvisitor.clock import local_today
from healthvisitor.config import data_dir
from healthvisitor.errors import HealthVisitorError, PermissionDeniedError
from healthvisitor.persistence.database import connection_error
from healthvisitor.persistence.types import utc_now
from healthvisitor.services.actor import Actor
from healthvisitor.sync.at_start import CLOCK_SLACK, CopyState, check_offline_copy, wipe_notes_file
from healthvisitor.sync.local import (
    LocalCopyUnavailableError,
    SyncStatus,
    open_local_copy,
    sync_status,
)
from healthvisitor.sync.pulling import pull
from healthvisitor.sync.pushing import PushResult, push
from healthvisitor.sync.records import SyncRefusedError
from healthvisitor.sync.verifier import forget_held_verifier, held_verifier, store_verifier

log = logging.getLogger(__name__)

#: The folder, in the user's data folder, of the offline copies (one per account).
OFFLINE_FOLDER_NAME = "offline"
COPY_SUFFIX = ".db"

#: One opening, check or synchronisation of a copy at a time in this program: the
#: start-up's check of every copy and the window's own may otherwise meet on one file
#: (two migrations of the same file at once, or a wipe under a synchronisation).
_COPY_LOCK = threading.RLock()


def offline_folder(data_folder: Path | None = None) -> Path:
    return (data_folder or data_dir()) / OFFLINE_FOLDER_NAME


def copy_path(user_id: uuid.UUID, data_folder: Path | None = None) -> Path:
    """Where ``user_id``'s offline copy lives on this computer."""
    return offline_folder(data_folder) / f"{user_id}{COPY_SUFFIX}"


def why_no_offline_copy(*, on_local_file: bool, actor: Actor) -> str | None:
    """Why this user, on this database, has no offline copy; None if they may have one."""
    if on_local_file:
        return (
            "Not needed here: this database is a file on this computer, so your records "
            "are already on it, with or without a network."
        )
    if not actor.is_clinical:
        return "Only health visitors and team leads take a caseload offline."
    return None


def must_synchronise(last: dt.datetime | None, now: dt.datetime, days: int) -> bool:
    """The rule ``check_offline_copy`` applies at start: never, too long ago, or a clock
    behind the last synchronisation (it cannot be trusted to count the days)."""
    return last is None or now - last > dt.timedelta(days=days) or now < last - CLOCK_SLACK


@dataclass(frozen=True)
class CopyStatus:
    """What the window shows of the copy (``problem`` and ``must_synchronise`` are words)."""

    exists: bool
    waiting: int = 0  # saves waiting to be sent (``SyncStatus.waiting_saves``)
    last_synchronised: dt.datetime | None = None  # the last pull
    last_sent: dt.datetime | None = None  # the last push
    #: Why the copy cannot be used at all (no keyring, a wrong key, wiped); "" if it can.
    problem: str = ""
    #: The start-up check's message when the copy must synchronise before its
    #: records may be shown; "" when it is fresh enough.
    must_synchronise: str = ""


@dataclass(frozen=True)
class SyncOutcome:
    """What one synchronisation did, and the copy afterwards."""

    sent: PushResult
    status: CopyStatus
    #: Why some changes stayed on the laptop (the push was refused part way), or "".
    not_sent: str = ""

    def words(self) -> str:
        """The result in a sentence or two, for the status bar."""
        when = (
            f"{self.status.last_synchronised.astimezone():%H:%M}"
            if self.status.last_synchronised
            else "now"
        )
        parts = [f"Synchronised at {when}: your caseload is on this computer, encrypted."]
        if self.sent.batches:
            saves = self.sent.batches
            parts.append(f"{saves} change{'s' if saves != 1 else ''} sent to the shared database.")
        if self.sent.conflicts:
            fields = self.sent.conflicts
            parts.append(
                f"{fields} field{'s were' if fields != 1 else ' was'} also changed on the shared "
                "database: both values are kept for the team to choose (Offline > Offline "
                "conflicts)."
            )
        if self.not_sent:
            waiting = self.status.waiting
            parts.append(
                f"{waiting} change{'s' if waiting != 1 else ''} could not be sent and "
                f"{'stay' if waiting != 1 else 'stays'} on this computer: {self.not_sent}"
            )
        return " ".join(parts)


class OfflineDesk:
    """One user's offline copy on this computer, over the shared database (module docstring).

    Each call may run on a worker thread; calls on one copy take turns.
    """

    def __init__(
        self,
        server: Engine,
        actor: Actor,
        path: Path,
        *,
        sync_required_after_days: int,
        today: Callable[[], dt.date] = local_today,
        now: Callable[[], dt.datetime] = utc_now,
        engine: Engine | None = None,
    ) -> None:
        self.server = server
        self.actor = actor
        self.path = path
        self.sync_required_after_days = sync_required_after_days
        self._today = today
        self._now = now
        #: The copy's engine when the window already works on it (offline), else opened
        #: on first use.
        self._engine: Engine | None = engine

    @contextmanager
    def _server_reached(self) -> Iterator[None]:
        """A connection failure in the user's words (``DatabaseUnavailableError``)."""
        try:
            yield
        except (OperationalError, InterfaceError) as exc:
            raise connection_error(self.server, exc) from exc

    def check(self) -> CopyStatus:
        """At the window's start: ``check_offline_copy`` on this user's copy, then its status."""
        with _COPY_LOCK, self._server_reached():
            self.close()
            try:
                found = check_offline_copy(
                    self.path,
                    server=self.server,
                    now=self._now(),
                    sync_required_after_days=self.sync_required_after_days,
                )
            except LocalCopyUnavailableError as exc:
                return CopyStatus(exists=True, problem=str(exc))
            if found.state is CopyState.WIPED:
                return CopyStatus(exists=False, problem=found.message)
            self._engine = found.engine
            if found.state is CopyState.NONE:
                return CopyStatus(exists=False)
            status = self.status()
            if found.state is CopyState.SYNC_REQUIRED:
                return _replace_must(status, found.message)
            return status

    def _open(self) -> Engine:
        if self._engine is None:
            self._engine = open_local_copy(self.path)
        return self._engine

    def status(self) -> CopyStatus:
        """Changes waiting and when it last synchronised (no copy yet: ``exists`` False)."""
        with _COPY_LOCK:
            if self._engine is None and not self.path.exists():
                return CopyStatus(exists=False)
            try:
                engine = self._open()
            except LocalCopyUnavailableError as exc:
                return CopyStatus(exists=True, problem=str(exc))
            return self._status(sync_status(engine))

    def _status(self, found: SyncStatus) -> CopyStatus:
        last = found.last_pulled_at
        stale = must_synchronise(last, self._now(), self.sync_required_after_days)
        words = ""
        if stale:
            when = "has never synchronised" if last is None else "is out of date"
            words = (
                f"The offline copy {when}: synchronise it before working offline (it "
                f"must be less than {self.sync_required_after_days} days old)."
            )
        return CopyStatus(True, found.waiting_saves, last, found.last_pushed_at, "", words)

    def synchronise(self) -> SyncOutcome:
        """Send what waits, then copy the caseload (the copy is made the first time).

        A push refused part way (a child moved to another team meanwhile) leaves
        those changes queued and still brings the caseload up to date: a pull
        never overwrites nor removes what waits to be sent (``pulling``).
        """
        with _COPY_LOCK, self._server_reached():
            engine = self._open()
            before = sync_status(engine)
            sent, not_sent = PushResult(), ""
            if before.last_pulled_at is not None or before.waiting:
                try:
                    sent = push(engine, self.server)
                except SyncRefusedError as exc:
                    not_sent = str(exc)
                except PermissionDeniedError as exc:
                    not_sent = str(exc)  # the pull below says so too if it is the account
            pull(self.server, engine, self.actor, today=self._today())
            held = held_verifier(self.actor.user_id)
            if held is not None:  # signed in online before the copy was made (verifier)
                with engine.begin() as connection:
                    store_verifier(connection, self.actor.user_id, *held)
                forget_held_verifier(self.actor.user_id)
            return SyncOutcome(sent, self._status(sync_status(engine)), not_sent)

    def close(self) -> None:
        """Close the copy's connections (the window closes, or before a check)."""
        with _COPY_LOCK:
            if self._engine is not None:
                self._engine.dispose()
                self._engine = None


def _replace_must(status: CopyStatus, message: str) -> CopyStatus:
    return CopyStatus(
        status.exists,
        status.waiting,
        status.last_synchronised,
        status.last_sent,
        status.problem,
        message,
    )


def check_copies_at_start(
    server: Engine,
    *,
    now: dt.datetime,
    sync_required_after_days: int,
    data_folder: Path | None = None,
) -> list[str]:
    """Every offline copy on this computer, checked as the app opens on the shared database.

    Wipes (and audits) the copies of accounts no longer active, and audits wipes
    noted while the server did not answer. Returns the messages of the copies
    wiped, for the user (the team lead must hear about changes lost). A copy
    that cannot be opened (its key) is left alone: its owner hears it at sign-in.
    """
    folder = offline_folder(data_folder)
    if not folder.is_dir():
        return []
    notes = wipe_notes_file(Path("copy")).name.removeprefix("copy")  # ".wiped.json"
    copies = set(folder.glob(f"*{COPY_SUFFIX}"))
    copies |= {
        note.with_name(note.name.removesuffix(notes))
        for note in folder.glob(f"*{COPY_SUFFIX}{notes}")
    }
    messages = []
    for path in sorted(copies):
        with _COPY_LOCK:
            try:
                found = check_offline_copy(
                    path,
                    server=server,
                    now=now,
                    sync_required_after_days=sync_required_after_days,
                )
            except (HealthVisitorError, OperationalError, InterfaceError) as exc:
                # Its key is missing, or the server went away: its owner hears at sign-in.
                log.warning("The offline copy %s was not checked at start: %s", path, exc)
                continue
            if found.engine is not None:
                found.engine.dispose()
            if found.state is CopyState.WIPED:
                messages.append(found.message)
    return messages


__all__ = [
    "CopyStatus",
    "OfflineDesk",
    "SyncOutcome",
    "check_copies_at_start",
    "copy_path",
    "offline_folder",
    "why_no_offline_copy",
]
