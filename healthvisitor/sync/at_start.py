"""What the start-up does with the laptop's offline copy, before any record is shown (issue 12).

``check_offline_copy`` is called once at start, with the shared database's
engine when it answers (``None`` offline):

* **A disabled user's copy is wiped.** Only the shared database can say an
  account was disabled, so this happens at the first start with a
  connection. The copy's owner is looked up there; an account that is gone
  or disabled has its copy, the files beside it and its key deleted
  (``wipe_local_copy``), and the changes that were still waiting are counted
  (they cannot be sent: the server refuses a disabled user's changes). The
  wipe is audited on the shared database at once (``offline_copy_wiped``,
  naming the account, the machine and how many changes were lost, so the
  team lead can find out what they were). If the server stops answering
  between the look-up and the audit, the copy is wiped all the same and a
  small note (no names, no clinical content) waits beside where it was, to
  be audited at the next start with a connection.
* **A stale copy must be synchronised first.** A copy last synchronised
  (pulled) longer ago than ``offline.sync_required_after_days`` (7 by
  default) may miss a safeguarding flag or a reallocation; so may a copy
  never synchronised, and one whose computer's clock is behind its last
  synchronisation (the clock cannot be trusted to count the days). Its
  records are not shown until a synchronisation succeeds
  (``SYNC_REQUIRED``). A disabled user's laptop that stays offline therefore
  stops showing records within the limit, and is wiped at its next contact.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import InterfaceError, OperationalError

from healthvisitor.persistence.models import SyncOutboxEntry, SyncState, User
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services.actor import actor_from_user
from healthvisitor.services.audit import record_event
from healthvisitor.sync.local import STATE_ID, open_local_copy, wipe_local_copy

#: The audit action of a wiped copy (on the shared database).
WIPED_ACTION = "offline_copy_wiped"
#: A clock this far behind the last synchronisation is not trusted to count days
#: (a little slack for a clock corrected by a few minutes).
CLOCK_SLACK = dt.timedelta(hours=1)


class CopyState(enum.Enum):
    NONE = "none"  # no offline copy on this laptop
    READY = "ready"  # open it and show its records
    SYNC_REQUIRED = "sync_required"  # synchronise before showing any record
    WIPED = "wiped"  # a disabled user's copy was deleted


@dataclass(frozen=True)
class StartCheck:
    """What the start-up found, and what to tell the user.

    ``engine`` is the open copy for ``READY`` and ``SYNC_REQUIRED`` (the
    synchronisation needs it), None otherwise.
    """

    state: CopyState
    message: str
    engine: Engine | None = None
    last_synchronised: dt.datetime | None = None


def wipe_notes_file(path: Path) -> Path:
    """Where a wipe not yet audited on the shared database is noted."""
    return path.with_name(path.name + ".wiped.json")


@dataclass(frozen=True)
class _Wipe:
    owner_id: uuid.UUID
    machine: str
    wiped_at: dt.datetime
    unsent_changes: int

    def as_json(self) -> dict[str, object]:
        return {
            "owner_id": str(self.owner_id),
            "machine": self.machine,
            "wiped_at": self.wiped_at.isoformat(),
            "unsent_changes": self.unsent_changes,
        }


def _read_notes(path: Path) -> list[_Wipe]:
    notes = wipe_notes_file(path)
    if not notes.exists():
        return []
    return [
        _Wipe(
            uuid.UUID(note["owner_id"]),
            note["machine"],
            dt.datetime.fromisoformat(note["wiped_at"]),
            int(note["unsent_changes"]),
        )
        for note in json.loads(notes.read_text(encoding="utf-8"))
    ]


def _write_notes(path: Path, wipes: list[_Wipe]) -> None:
    notes = wipe_notes_file(path)
    if not wipes:
        notes.unlink(missing_ok=True)
        return
    notes.write_text(json.dumps([wipe.as_json() for wipe in wipes]), encoding="utf-8")


def _audit(server: Engine, wipe: _Wipe) -> bool:
    """Record the wipe on the shared database; whether it was recorded."""
    try:
        with unit_of_work(server) as session:
            user = session.get(User, wipe.owner_id)
            actor = actor_from_user(user, wipe.machine) if user is not None else None
            record_event(
                session,
                actor,
                WIPED_ACTION,
                "users",
                wipe.owner_id,
                reason="account disabled",
                machine=wipe.machine,
                wiped_at=wipe.wiped_at.isoformat(),
                unsent_changes_lost=wipe.unsent_changes,
            )
    except (OperationalError, InterfaceError):
        return False
    return True


def _send_notes(path: Path, server: Engine) -> None:
    """Audit the wipes noted while the shared database did not answer."""
    waiting = _read_notes(path)
    if waiting:
        _write_notes(path, [wipe for wipe in waiting if not _audit(server, wipe)])


def _owner_is_active(server: Engine, owner_id: uuid.UUID) -> bool | None:
    """Whether the copy's owner may still use it (None: the server did not answer)."""
    try:
        with server.connect() as connection:
            active = connection.scalar(select(User.active).where(User.id == owner_id))
    except (OperationalError, InterfaceError):
        return None
    return bool(active)


def check_offline_copy(
    path: Path, *, server: Engine | None, now: dt.datetime, sync_required_after_days: int
) -> StartCheck:
    """Decide, at start, whether the copy at ``path`` may show its records (module docstring).

    Raises ``LocalCopyUnavailableError`` if the copy cannot be opened (its key).
    """
    if server is not None:
        _send_notes(path, server)
    if not path.exists():
        return StartCheck(CopyState.NONE, "There is no offline copy on this computer.")
    engine = open_local_copy(path)
    with engine.connect() as connection:
        state = connection.execute(
            select(SyncState.owner_id, SyncState.machine, SyncState.last_pulled_at).where(
                SyncState.id == STATE_ID
            )
        ).one_or_none()
        unsent = connection.scalar(
            select(func.count())
            .select_from(SyncOutboxEntry)
            .where(SyncOutboxEntry.sent_at.is_(None))
        )
    if state is None:
        return StartCheck(
            CopyState.SYNC_REQUIRED,
            "The offline copy on this computer has never been synchronised: connect and "
            "synchronise to fill it.",
            engine,
        )
    if server is not None and _owner_is_active(server, state.owner_id) is False:
        engine.dispose()
        wipe = _Wipe(state.owner_id, state.machine, now, int(unsent or 0))
        wipe_local_copy(path)
        if not _audit(server, wipe):
            _write_notes(path, [*_read_notes(path), wipe])
        lost = (
            f" {wipe.unsent_changes} change(s) made on it had not been sent and are lost; "
            "the team lead can see how many in the audit trail."
            if wipe.unsent_changes
            else ""
        )
        return StartCheck(
            CopyState.WIPED,
            "The offline copy on this computer belonged to an account that is no longer "
            f"active, so it has been deleted, with its key.{lost}",
        )
    last = state.last_pulled_at
    stale = stale_copy_message(last, now, sync_required_after_days)
    if stale:
        return StartCheck(CopyState.SYNC_REQUIRED, stale, engine, last)
    return StartCheck(CopyState.READY, "", engine, last)


def stale_copy_message(last: dt.datetime | None, now: dt.datetime, days: int) -> str:
    """Why a copy last pulled at ``last`` may not show records now; "" if it may.

    Too old (more than ``days``), never pulled, or this computer's clock is behind
    its last pull (it cannot be trusted to count the days)."""
    limit = dt.timedelta(days=days)
    if last is not None and not (now - last > limit or now < last - CLOCK_SLACK):
        return ""
    when = "never" if last is None else f"on {last.astimezone():%d %B %Y at %H:%M}"
    return (
        f"This computer last synchronised its offline copy {when}. A copy more than "
        f"{days} days old (or one this computer's clock cannot date) "
        "may miss a safeguarding flag or a change of health visitor, so its records are "
        "not shown until it has synchronised. Connect and synchronise."
    )
