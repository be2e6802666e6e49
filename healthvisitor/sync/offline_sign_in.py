"""Signing in on the laptop's offline copy when the shared database cannot be reached (issue 12).

The copy holds no password hash from the server (``pulling`` blanks them). So
that its owner can still sign in with no connection, the laptop keeps its own
check of their password in the copy:

* **The verifier.** Whenever the copy's owner signs in, or unlocks, *online*
  with the right password (``VerifierKeepingSignInDesk``), an argon2id hash of
  the password just typed is made on this laptop, with the parameters of
  ``healthvisitor.services.accounts`` (``HASHER``), and kept in the copy's
  ``offline_sign_in`` table (``healthvisitor.sync.local.OFFLINE_SIGN_IN``; the
  pull never touches it, the copy's wipe deletes it). Never the server's hash,
  never the password; only the owner's. A sign-in online before the copy
  exists is held in memory (the hash) for the session and kept by the
  synchronisation that makes the copy (``healthvisitor.sync.verifier``).
  Someone who has not signed in online since then cannot sign in offline, and
  is told so.
* **Signing in offline** (``OfflineSignIn.sign_in``): the user name typed picks
  the copy (each copy belongs to one user); the password is checked against
  its verifier. Wrong passwords count as online (the fifth in a row locks for a
  while, growing), kept in the copy, and every attempt is audited *in the copy*
  (``sign_in`` / ``sign_in_failed`` with ``offline: true``): the copy's audit
  events join the server's chain at the next synchronisation (``pushing``). A
  copy too old to be worked from (``offline.sync_required_after_days``) is
  refused with the same words as at start. A copy whose owner was disabled on
  the server cannot be known offline: it is wiped at the next contact
  (``at_start``), and a copy whose owner is already disabled in it is refused.
* ``OfflineSessionDesk`` is what the idle lock and the end of the session use
  offline (``unlock``, ``record_lock``, ``sign_out``), audited in the copy.
* ``OfflineWorkspace`` is the ordinary ``Workspace`` on the copy's engine, with
  the shared database kept to notice when it answers again.
"""

from __future__ import annotations

import datetime as dt
import logging
import socket
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Engine, select, update
from sqlalchemy.exc import DatabaseError, InterfaceError, OperationalError
from sqlalchemy.orm import Session

from healthvisitor.clock import local_today
from healthvisitor.config import DatabaseChoice
from healthvisitor.domain.accounts import (
    LockState,
)
from healthvisitor.errors import HealthVisitorError
from healthvisitor.persistence.database import check_connection, connection_error, prepare
from healthvisitor.persistence.models import SyncState, User
from healthvisitor.persistence.types import utc_now
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services import accounts
from healthvisitor.services.accounts import (
    WRONG,
    WRONG_AT_UNLOCK,
    SignInDesk,
    SignInError,
    SignInOutcome,
    SignInProblem,
)
from healthvisitor.services.actor import Actor, actor_from_user
from healthvisitor.services.audit import record_event
from healthvisitor.services.policy import Permission, requires
from healthvisitor.services.workspace import Workspace
from healthvisitor.sync.at_start import stale_copy_message
from healthvisitor.sync.desk import _COPY_LOCK, COPY_SUFFIX, copy_path, offline_folder
from healthvisitor.sync.local import (
    OFFLINE_SIGN_IN,
    STATE_ID,
    LocalCopyUnavailableError,
    open_local_copy,
)
from healthvisitor.sync.verifier import (
    forget_held_verifier,
    hold_until_copy_made,
    store_verifier,
)

log = logging.getLogger(__name__)

NO_VERIFIER = (
    "You have not signed in online on this laptop since its offline copy was made, so it "
    "cannot check your password offline. Sign in once while connected to the shared "
    "database; after that you can work offline here."
)


def no_copy_message(username: str) -> str:
    return (
        f"There is no offline copy for '{username}' on this laptop, so there is nothing to "
        "work on offline. A copy is made while connected (Offline > Prepare this laptop for "
        "offline working)."
    )


class OfflineCopyTooOldError(HealthVisitorError):
    """The copy is too old to be worked from (``offline.sync_required_after_days``)."""


@dataclass(frozen=True)
class OfflineSession:
    """Someone signed in on the copy: who, and the copy's open engine."""

    actor: Actor
    engine: Engine
    path: Path
    last_synchronised: dt.datetime | None


# --- The verifier, kept after a right password online --------------------------------


def make_verifier(password: str) -> str:
    """An argon2id hash of ``password``, made here (the accounts' parameters)."""
    return accounts.HASHER.hash(password)


def keep_offline_verifier(
    actor: Actor,
    password: str,
    *,
    data_folder: Path | None = None,
    now: dt.datetime | None = None,
) -> bool:
    """After ``actor`` typed the right ``password`` online: keep a verifier in their copy.

    Only into the copy ``actor`` owns, if there is one on this laptop; a new
    verifier replaces the old one (a changed password) and clears the count of
    wrong passwords typed offline. Returns whether one was kept.
    """
    if not actor.is_clinical:
        return False
    path = copy_path(actor.user_id, data_folder)
    made_at = now or utc_now()
    verifier = make_verifier(password)  # about a tenth of a second: outside the lock
    if not path.exists():
        # No copy yet: the first synchronisation that makes it keeps this one.
        hold_until_copy_made(actor.user_id, verifier, made_at)
        return False
    with _COPY_LOCK:
        engine = open_local_copy(path)
        try:
            with engine.begin() as connection:
                owner = connection.scalar(
                    select(SyncState.owner_id).where(SyncState.id == STATE_ID)
                )
                if owner is None:  # made, never filled: its first pull keeps this one
                    hold_until_copy_made(actor.user_id, verifier, made_at)
                if owner != actor.user_id:
                    return False  # another user's (or empty): nothing of theirs here
                store_verifier(connection, actor.user_id, verifier, made_at)
        finally:
            engine.dispose()
    forget_held_verifier(actor.user_id)
    return True


class VerifierKeepingSignInDesk(SignInDesk):
    """The ordinary ``SignInDesk``, which also keeps the offline verifier (module docstring).

    A connection failure is ``DatabaseUnavailableError`` in the user's words (the
    sign-in dialog then offers to work offline). ``schema_unchecked``: the app
    opened while the shared database did not answer, so its schema is checked
    (``prepare``) before the first sign-in online.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        data_folder: Path | None = None,
        schema_unchecked: bool = False,
        now: Callable[[], dt.datetime] = utc_now,
        machine: str | None = None,
    ) -> None:
        super().__init__(engine, now=now, machine=machine)
        self.data_folder = data_folder
        self.schema_unchecked = schema_unchecked

    @contextmanager
    def _server_reached(self) -> Iterator[None]:
        try:
            yield
        except (OperationalError, InterfaceError) as exc:
            raise connection_error(self.engine, exc) from exc

    def _keep(self, actor: Actor, password: str) -> None:
        try:
            keep_offline_verifier(actor, password, data_folder=self.data_folder, now=self._now())
        except (HealthVisitorError, DatabaseError, OSError):
            # The sign-in itself worked: working online is not stopped by the copy.
            log.warning("The offline sign-in check was not kept in the copy", exc_info=True)

    def sign_in(self, username: str, password: str) -> Actor:
        with self._server_reached():
            if self.schema_unchecked:
                prepare(self.engine)  # SchemaOutOfDateError, as at start
                self.schema_unchecked = False
            actor = super().sign_in(username, password)
        self._keep(actor, password)
        return actor

    @requires(Permission.USE_OWN_ACCOUNT)
    def unlock(self, actor: Actor, password: str) -> None:
        with self._server_reached():
            super().unlock(actor, password)
        self._keep(actor, password)


# --- Checking a password against the copy ----------------------------------------------


def _lock_state(row: object) -> LockState:
    return LockState(
        getattr(row, "failed_sign_ins", 0),
        getattr(row, "lockouts", 0),
        getattr(row, "locked_until", None),
    )


def _keep_state(session: Session, user_id: uuid.UUID, state: LockState) -> None:
    session.execute(
        update(OFFLINE_SIGN_IN)
        .where(OFFLINE_SIGN_IN.c.user_id == user_id)
        .values(
            failed_sign_ins=state.failed_sign_ins,
            lockouts=state.lockouts,
            locked_until=state.locked_until,
        )
    )


def _matches(session: Session, user_id: uuid.UUID, verifier: str, password: str) -> bool:
    try:
        accounts.HASHER.verify(verifier, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    if accounts.HASHER.check_needs_rehash(verifier):  # the parameters were raised
        session.execute(
            update(OFFLINE_SIGN_IN)
            .where(OFFLINE_SIGN_IN.c.user_id == user_id)
            .values(verifier=make_verifier(password))
        )
    return True


def _verifier_row(session: Session, user_id: uuid.UUID) -> Any:
    """The copy's check of ``user_id``'s password (``offline_sign_in``), or None."""
    return session.execute(
        select(OFFLINE_SIGN_IN).where(OFFLINE_SIGN_IN.c.user_id == user_id)
    ).one_or_none()


def _staleness(session: Session, now: dt.datetime, days: int) -> tuple[dt.datetime | None, str]:
    """When the copy was last pulled, and why it is too old to be worked from (or "")."""
    last = session.scalar(select(SyncState.last_pulled_at).where(SyncState.id == STATE_ID))
    return last, stale_copy_message(last, now, days)


def check_offline_password(
    session: Session,
    user_id: uuid.UUID,
    password: str,
    *,
    now: dt.datetime,
    machine: str,
    success: str,
    failure: str,
    wrong: str = WRONG,
    stale: str = "",
) -> SignInOutcome:
    """Signing in or unlocking on the copy: lockout, verifier, audit (in the copy).

    ``stale``: why the copy may not show records (too old); the right password
    then refuses with it (audited as a refusal), and clears the wrong-password count.
    """
    user = session.get(User, user_id)
    if user is None:
        return SignInOutcome(problem=SignInProblem.WRONG, message=NO_VERIFIER)
    actor = actor_from_user(user, machine)
    row = _verifier_row(session, user_id)
    if row is None:
        accounts._spend_time(password)  # as long as a check: nothing to learn from the time
        record_event(
            session, actor, failure, "user", user.id, reason="no offline check", offline=True
        )
        return SignInOutcome(problem=SignInProblem.WRONG, message=NO_VERIFIER)
    return accounts.judge_password(
        session,
        actor,
        state=_lock_state(row),
        matches=lambda: _matches(session, user.id, row.verifier, password),
        keep=lambda state: _keep_state(session, user.id, state),
        active=user.active,
        now=now,
        success=success,
        failure=failure,
        wrong=wrong,
        refuse_after_right=("offline copy too old", stale) if stale else None,
        offline=True,
    )


# --- Signing in offline ----------------------------------------------------------------


class OfflineSignIn:
    """Finds the typed user's copy on this laptop and signs them in on it (module)."""

    def __init__(
        self,
        *,
        sync_required_after_days: int,
        data_folder: Path | None = None,
        now: Callable[[], dt.datetime] = utc_now,
        machine: str | None = None,
    ) -> None:
        self.sync_required_after_days = sync_required_after_days
        self.data_folder = data_folder
        self._now = now
        self.machine = machine if machine is not None else socket.gethostname()

    def copies(self) -> list[Path]:
        folder = offline_folder(self.data_folder)
        return sorted(folder.glob(f"*{COPY_SUFFIX}")) if folder.is_dir() else []

    def available(self) -> bool:
        """Whether this laptop has any offline copy (the dialog offers to work offline)."""
        return bool(self.copies())

    def _copy_of(self, username: str) -> tuple[Path, uuid.UUID]:
        """The copy ``username`` owns here; ``SignInError`` if none can be found."""
        problems = []
        for path in self.copies():
            try:
                engine = open_local_copy(path)
            except LocalCopyUnavailableError as exc:
                problems.append(str(exc))
                continue
            try:
                with engine.connect() as connection:
                    owner = connection.execute(
                        select(User.id, User.username)
                        .join(SyncState, SyncState.owner_id == User.id)
                        .where(SyncState.id == STATE_ID)
                    ).one_or_none()
            finally:
                engine.dispose()
            if owner is not None and owner.username == username:
                return path, owner.id
        words = no_copy_message(username)
        if problems:
            words += f" (A copy here could not be opened: {problems[0]})"
        raise SignInError(words, SignInProblem.WRONG)

    def sign_in(self, username: str, password: str) -> OfflineSession:
        """Check ``password`` against ``username``'s copy; the session on it, or why not.

        ``SignInError`` (wrong, locked, disabled, no copy, no verifier; every
        attempt on a copy audited in it), ``OfflineCopyTooOldError`` (the right
        password, but the copy must synchronise first), ``LocalCopyUnavailableError``.
        """
        username = username.strip()
        with _COPY_LOCK:
            path, owner_id = self._copy_of(username)
            engine = open_local_copy(path)
            try:
                now = self._now()
                with unit_of_work(engine) as session:
                    last, stale = _staleness(session, now, self.sync_required_after_days)
                    outcome = check_offline_password(
                        session,
                        owner_id,
                        password,
                        now=now,
                        machine=self.machine,
                        success="sign_in",
                        failure="sign_in_failed",
                        stale=stale,
                    )
                if stale and outcome.message == stale:
                    raise OfflineCopyTooOldError(stale)
                actor = outcome.actor_or_raise()
            except BaseException:
                engine.dispose()
                raise
        return OfflineSession(actor, engine, path, last)

    def why_not_for(self, user_id: uuid.UUID) -> str:
        """Whether ``user_id`` could sign in on their copy here now: "" if so, else why not.

        For a window signed in online whose connection dropped (``ui/offline_window.py``
        offers the copy only then): what ``sign_in`` would refuse whatever the password
        (a copy of theirs here, a verifier in it, not disabled in it, not too old: the
        same verifier look-up and the same age check). Not the lockout of wrong
        passwords: the sign-in says that. Nothing is changed in the copy, nothing audited.
        """
        path = copy_path(user_id, self.data_folder)
        if not path.exists():
            return "There is no offline copy of your caseload on this laptop."
        with _COPY_LOCK:
            try:
                engine = open_local_copy(path)
            except LocalCopyUnavailableError as exc:
                return str(exc)
            try:
                with engine.connect() as connection, Session(connection) as session:
                    owner = session.scalar(
                        select(SyncState.owner_id).where(SyncState.id == STATE_ID)
                    )
                    user = session.get(User, user_id) if owner == user_id else None
                    if user is None:
                        return "There is no offline copy of your caseload on this laptop."
                    if not user.active:
                        return "This account is disabled in the offline copy on this laptop."
                    if _verifier_row(session, user_id) is None:
                        return NO_VERIFIER
                    return _staleness(session, self._now(), self.sync_required_after_days)[1]
            finally:
                engine.dispose()


def record_sign_out_in_copy(actor: Actor, *, reason: str, data_folder: Path | None = None) -> None:
    """The online session ends because the shared database cannot be reached (the person
    carries on on the copy): its sign-out is audited in ``actor``'s copy, sent with the
    next synchronisation, rather than waiting on a server that does not answer."""
    with _COPY_LOCK:
        engine = open_local_copy(copy_path(actor.user_id, data_folder))
        try:
            with unit_of_work(engine) as session:
                accounts.record_sign_out(session, actor, reason=f"{reason} (working offline)")
        finally:
            engine.dispose()


class OfflineSessionDesk:
    """The idle lock's and the session's desk while working offline (``SignInDesk``'s
    ``unlock``, ``record_lock`` and ``sign_out``), on the copy, audited in it."""

    def __init__(
        self,
        session: OfflineSession,
        *,
        now: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        self.session = session
        self.engine = session.engine
        self._now = now

    @requires(Permission.USE_OWN_ACCOUNT)
    def unlock(self, actor: Actor, password: str) -> None:
        with _COPY_LOCK, unit_of_work(self.engine) as session:
            outcome = check_offline_password(
                session,
                actor.user_id,
                password,
                now=self._now(),
                machine=actor.machine,
                success="unlock",
                failure="unlock_failed",
                wrong=WRONG_AT_UNLOCK,
            )
        outcome.actor_or_raise()

    @requires(Permission.USE_OWN_ACCOUNT)
    def record_lock(self, actor: Actor, *, idle_minutes: int | None) -> None:
        with unit_of_work(self.engine) as session:
            accounts.record_lock(session, actor, idle_minutes=idle_minutes)

    @requires(Permission.USE_OWN_ACCOUNT)
    def sign_out(self, actor: Actor, *, reason: str) -> None:
        with unit_of_work(self.engine) as session:
            accounts.record_sign_out(session, actor, reason=f"{reason} (working offline)")


class OfflineWorkspace(Workspace):
    """The ordinary ``Workspace`` on the copy, for its owner; the shared database kept.

    ``check_connection`` asks the shared database (the window's connection
    indicator tries it until it answers again); the copy itself needs no watching.
    """

    def __init__(
        self,
        session: OfflineSession,
        server: Engine,
        choice: DatabaseChoice,
        today: Callable[[], dt.date] = local_today,
    ) -> None:
        super().__init__(session.engine, session.actor, choice, today)
        self.server = server
        self.offline_session = session

    def check_connection(self) -> None:
        check_connection(self.server)

    def watch_connection(self, lost: Callable[[str], None]) -> Callable[[], None]:
        return _nothing_to_stop


def _nothing_to_stop() -> None:
    return None


def synchronise_back_online(server: Engine) -> None:
    """Before the copy is sent back: the shared database's schema, as at start."""
    try:
        prepare(server)
    except (OperationalError, InterfaceError) as exc:
        raise connection_error(server, exc) from exc


__all__ = [
    "NO_VERIFIER",
    "OfflineCopyTooOldError",
    "OfflineSession",
    "OfflineSessionDesk",
    "OfflineSignIn",
    "OfflineWorkspace",
    "VerifierKeepingSignInDesk",
    "check_offline_password",
    "keep_offline_verifier",
    "make_verifier",
    "no_copy_message",
    "record_sign_out_in_copy",
]
