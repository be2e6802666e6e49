"""User accounts and signing in (issue 8).

Each person has their own account and password. Passwords are kept only as
argon2id hashes (argon2-cffi); a wrong password counts towards a lockout
(``healthvisitor.domain.accounts``); an administrator adds accounts, sets
passwords, disables leavers (whose history stays) and re-enables them, lifts a
lockout, and changes an account's role or team (audited as a permission
change). Every sign-in, failed sign-in, lock, unlock and sign-out is audited,
never with the password typed, and a user name that matches no account is not
recorded either (it may be a password typed in the wrong box).

A failed sign-in must be saved even though it is a failure, so the attempt
functions return a ``SignInOutcome`` instead of raising: the caller commits,
then raises ``SignInError`` (``SignInDesk`` does both).

What the command line may do: ``healthvisitor user …`` runs with the
database's own credentials (IT's tool), so its actions are audited with no
signed-in user but the machine and operating-system account; role checks for
every other command come with the policy table (issue 8, next part).
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import enum
import functools
import getpass
import math
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from argon2.low_level import hash_secret
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from healthvisitor.domain.accounts import (
    DEMO_PASSWORD,
    LockState,
    after_right_password,
    after_wrong_password,
    check_new_password,
    tries_left,
)
from healthvisitor.domain.enums import RecordStatus, Role
from healthvisitor.errors import (
    DuplicateError,
    HealthVisitorError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from healthvisitor.persistence.models import AuditEvent, Child, Team, User
from healthvisitor.persistence.types import utc_now
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services.access import account_change
from healthvisitor.services.actor import Actor, actor_from_user
from healthvisitor.services.audit import record_event
from healthvisitor.services.policy import Permission, no_permission_needed, requires

#: argon2id with argon2-cffi's default profile, RFC 9106's "second recommended
#: option" (t=3 passes, m=64 MiB, p=4 lanes, 16-byte salt, 32-byte hash). OWASP's
#: Password Storage Cheat Sheet sets the minimum for argon2id at m=19 MiB, t=2, p=1;
#: these are above it on every parameter. Raise them here: a user's stored hash is
#: re-made with the new ones the next time they sign in (``check_needs_rehash``).
ARGON2_TIME_COST = 3
ARGON2_MEMORY_KIB = 65536
ARGON2_PARALLELISM = 4
ARGON2_HASH_BYTES = 32
ARGON2_SALT_BYTES = 16
HASHER = PasswordHasher(
    time_cost=ARGON2_TIME_COST,
    memory_cost=ARGON2_MEMORY_KIB,
    parallelism=ARGON2_PARALLELISM,
    hash_len=ARGON2_HASH_BYTES,
    salt_len=ARGON2_SALT_BYTES,
    type=Type.ID,
)
#: The demo accounts share one hash of the published demo password, salted with
#: this fixed value so that the demo data stays reproducible (tests/test_demo.py).
DEMO_SALT = b"healthvisitor-demo-only"

WRONG = "The user name or password is not right. Check them and try again."
#: At the idle lock the user name is known already: only the password can be wrong.
WRONG_AT_UNLOCK = "That password is not right. Type it again."


def hash_password(password: str) -> str:
    return HASHER.hash(password)


@functools.cache
def demo_password_hash() -> str:
    """The hash every demo account has: of ``DEMO_PASSWORD``, demo databases only."""
    encoded = hash_secret(
        DEMO_PASSWORD.encode(),
        DEMO_SALT,
        time_cost=ARGON2_TIME_COST,
        memory_cost=ARGON2_MEMORY_KIB,
        parallelism=ARGON2_PARALLELISM,
        hash_len=ARGON2_HASH_BYTES,
        type=Type.ID,
    )
    return encoded.decode()


#: How ``DEMO_SALT`` is written inside an encoded hash ($argon2id$v=19$m=…$SALT$HASH).
DEMO_SALT_TEXT = base64.b64encode(DEMO_SALT).decode().rstrip("=")


def is_demo_hash(encoded: str) -> bool:
    """Made by ``demo_password_hash`` (whatever the parameters then): a demo account."""
    parts = encoded.split("$")
    return len(parts) == 6 and parts[4] == DEMO_SALT_TEXT


@functools.cache
def _stand_in_hash() -> str:
    """Checked against when no account matches, so that is not quicker to find out."""
    return HASHER.hash("no account has this password, it is only for timing")


class SignInProblem(enum.Enum):
    WRONG = "wrong"
    LOCKED = "locked"
    DISABLED = "disabled"
    CHANGED = "changed"  # the role or team changed since the window signed in


class SignInError(HealthVisitorError):
    """Signing in (or unlocking) was refused; the message says why and what to do."""

    def __init__(self, message: str, problem: SignInProblem) -> None:
        super().__init__(message)
        self.problem = problem


@dataclass(frozen=True)
class SignInOutcome:
    actor: Actor | None = None
    problem: SignInProblem | None = None
    message: str = ""
    locked_until: dt.datetime | None = None

    def actor_or_raise(self) -> Actor:
        if self.actor is None:
            assert self.problem is not None
            raise SignInError(self.message, self.problem)
        return self.actor


def locked_message(until: dt.datetime, *, now: dt.datetime, just_now: bool) -> str:
    """How long the account stays locked, in whole minutes (rounded up) and by the clock."""
    local = until.astimezone()  # the user's clock, like the rest of the screen
    minutes = max(1, math.ceil((until - now).total_seconds() / 60))
    why = (
        "That was the fifth wrong password in a row"
        if just_now
        else "Too many wrong passwords were typed"
    )
    return (
        f"{why}, so this account is locked for {minutes} "
        f"{'minute' if minutes == 1 else 'minutes'}, until {local:%H:%M}. Try again then, "
        "or ask your system administrator to set a new password."
    )


def _state(user: User) -> LockState:
    return LockState(user.failed_sign_ins, user.lockouts, user.locked_until)


def _keep(user: User, state: LockState) -> None:
    user.failed_sign_ins = state.failed_sign_ins
    user.lockouts = state.lockouts
    user.locked_until = state.locked_until


def _password_matches(user: User, password: str) -> bool:
    if not user.password_hash:
        _spend_time(password)
        return False
    try:
        HASHER.verify(user.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    # A demo account keeps the demo's one hash (a new salt would drop it from the
    # accounts the demo's sign-in offers, ``demo_accounts``).
    if HASHER.check_needs_rehash(user.password_hash) and not is_demo_hash(user.password_hash):
        user.password_hash = HASHER.hash(password)
    return True


def _spend_time(password: str) -> None:
    with contextlib.suppress(VerificationError):
        HASHER.verify(_stand_in_hash(), password)


def _check_password(
    session: Session,
    user: User,
    password: str,
    *,
    now: dt.datetime,
    machine: str,
    success: str,
    failure: str,
    wrong: str = WRONG,
) -> SignInOutcome:
    """The common part of signing in and unlocking: lockout, password, audit."""
    return judge_password(
        session,
        actor_from_user(user, machine),
        state=_state(user),
        matches=lambda: _password_matches(user, password),
        keep=lambda state: _keep(user, state),
        active=user.active,
        now=now,
        success=success,
        failure=failure,
        wrong=wrong,
    )


@no_permission_needed("it judges the password of whoever signs in, before they may do anything")
def judge_password(
    session: Session,
    actor: Actor,
    *,
    state: LockState,
    matches: Callable[[], bool],
    keep: Callable[[LockState], None],
    active: bool,
    now: dt.datetime,
    success: str,
    failure: str,
    wrong: str = WRONG,
    refuse_after_right: tuple[str, str] | None = None,
    **tag: object,
) -> SignInOutcome:
    """Lockout, password, disabled account and audit, wherever the password is checked.

    ``state`` is the account's wrong-password count and lockout, ``matches`` checks
    the password (only if the account is not locked), ``keep`` saves the new state.
    ``refuse_after_right``: (why, what to say) of a refusal the right password still
    meets (the laptop's copy too old), audited as a failure. ``tag`` is added to every audit event
    (``offline=True`` on the laptop's copy).
    """

    def audit(action: str, **details: object) -> None:
        record_event(session, actor, action, "user", actor.user_id, **details, **tag)

    if state.is_locked(now):
        assert state.locked_until is not None
        audit(failure, reason="account locked")
        return SignInOutcome(
            problem=SignInProblem.LOCKED,
            message=locked_message(state.locked_until, now=now, just_now=False),
            locked_until=state.locked_until,
        )
    if not matches():
        state = after_wrong_password(state, now)
        keep(state)
        if state.is_locked(now):
            assert state.locked_until is not None
            audit(failure, reason="wrong password", locked_until=state.locked_until.isoformat())
            return SignInOutcome(
                problem=SignInProblem.LOCKED,
                message=locked_message(state.locked_until, now=now, just_now=True),
                locked_until=state.locked_until,
            )
        audit(failure, reason="wrong password", attempt=state.failed_sign_ins)
        left = tries_left(state)
        warning = (
            f" {left} more wrong {'password' if left == 1 else 'passwords'} will lock the "
            "account for a while."
            if left <= 2
            else ""
        )
        return SignInOutcome(problem=SignInProblem.WRONG, message=wrong + warning)
    if not active:
        audit(failure, reason="account disabled")
        return SignInOutcome(
            problem=SignInProblem.DISABLED,
            message=(
                "This account has been disabled, so it cannot sign in. If you still work "
                "here, ask your system administrator."
            ),
        )
    keep(after_right_password())
    if refuse_after_right is not None:
        why, message = refuse_after_right
        audit(failure, reason=why)
        return SignInOutcome(problem=SignInProblem.WRONG, message=message)
    audit(success)
    return SignInOutcome(actor=actor)


def attempt_sign_in(
    session: Session,
    username: str,
    password: str,
    *,
    now: dt.datetime,
    machine: str | None = None,
) -> SignInOutcome:
    """Check ``username`` and ``password``; every attempt is audited (see module)."""
    machine = machine if machine is not None else socket.gethostname()
    user = session.scalars(select(User).where(User.username == username.strip())).one_or_none()
    if user is None:
        _spend_time(password)
        record_event(
            session,
            None,
            "sign_in_failed",
            "user",
            None,
            reason="no account has the user name typed",
            machine=machine,
        )
        return SignInOutcome(problem=SignInProblem.WRONG, message=WRONG)
    return _check_password(
        session,
        user,
        password,
        now=now,
        machine=machine,
        success="sign_in",
        failure="sign_in_failed",
    )


@requires(Permission.USE_OWN_ACCOUNT)
def attempt_unlock(
    session: Session, actor: Actor, password: str, *, now: dt.datetime
) -> SignInOutcome:
    """The same user's password again, after the idle lock; wrong ones count as at sign-in."""
    user = session.get_one(User, actor.user_id)
    return _check_password(
        session,
        user,
        password,
        now=now,
        machine=actor.machine,
        success="unlock",
        failure="unlock_failed",
        wrong=WRONG_AT_UNLOCK,
    )


@requires(Permission.USE_OWN_ACCOUNT)
def record_lock(session: Session, actor: Actor, *, idle_minutes: int | None) -> None:
    """The window locked: after ``idle_minutes`` without use, or by hand (None)."""
    how = {"idle_minutes": idle_minutes} if idle_minutes is not None else {"by_hand": True}
    record_event(session, actor, "lock", "user", actor.user_id, **how)


@requires(Permission.USE_OWN_ACCOUNT)
def record_sign_out(session: Session, actor: Actor, *, reason: str) -> None:
    """The end of a session: ``reason`` says how (signed out, from the lock, quit)."""
    record_event(session, actor, "sign_out", "user", actor.user_id, reason=reason)


@dataclass(frozen=True)
class DemoAccount:
    """A demo account the sign-in dialog offers (``--demo`` only), with its active caseload."""

    username: str
    full_name: str
    role: Role
    team_name: str
    children: int


def demo_accounts(session: Session) -> list[DemoAccount]:
    """The clinical accounts that have the published demo password: health visitors,
    biggest caseload first, then team leads. Real accounts never have it
    (``check_new_password`` refuses it), so a real database lists none."""
    children = (
        select(func.count(Child.id))
        .where(Child.health_visitor_id == User.id, Child.record_status == RecordStatus.ACTIVE)
        .correlate(User)
        .scalar_subquery()
    )
    rows = session.execute(
        select(User, Team.name, children)
        .outerjoin(Team, Team.id == User.team_id)
        .where(
            User.active.is_(True),
            User.password_hash.like(f"%${DEMO_SALT_TEXT}$%"),  # is_demo_hash, in SQL
            User.role.in_((Role.HEALTH_VISITOR, Role.TEAM_LEAD)),
        )
    ).all()
    accounts = [
        DemoAccount(user.username, user.full_name, user.role, team or "", count)
        for user, team, count in rows
    ]
    return sorted(
        accounts,
        key=lambda a: (a.role is not Role.HEALTH_VISITOR, -a.children, a.full_name, a.username),
    )


# --- Administering accounts -------------------------------------------------------
#
# The same functions serve the command line (``actor=None``) and the
# administrator's window (ui/account_dialogs.py). Two rules keep the service
# administrable: nobody disables their own account or changes their own role
# (they would lose the screen they are using), and the last active
# administrator is never disabled nor given another role (nobody could manage
# accounts in the window any more).

#: Audit actions (issue 8's list: "sign-in, failed sign-in, lock, ... permission change").
PERMISSION_CHANGE = "permission_change"
#: What counts as signing in, for an account's "last signed in" (an unlock is not one).
SIGN_IN_ACTIONS = ("sign_in",)


@dataclass(frozen=True)
class UserLine:
    username: str
    full_name: str
    role: Role
    team_name: str
    active: bool
    has_password: bool
    locked_until: dt.datetime | None
    #: When they last signed in, from the audit trail; None if never (or not recorded).
    last_sign_in: dt.datetime | None = None
    #: Active children allocated to them (a count, no names: a leaver's caseload
    #: must be reallocated by the team lead).
    children: int = 0

    def is_locked(self, now: dt.datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until


def _administrator(actor: Actor | None) -> None:
    """``None`` is the command line run with the database's own credentials (module)."""
    if actor is not None and actor.role != Role.ADMINISTRATOR:
        raise PermissionDeniedError("Only an administrator can manage user accounts.")


def _operator() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this operating-system account
        return ""


def _user(session: Session, username: str) -> User:
    user = session.scalars(select(User).where(User.username == username)).one_or_none()
    if user is None:
        raise NotFoundError(
            f"There is no user '{username}'; 'healthvisitor user list' shows the accounts."
        )
    return user


def _team_for(session: Session, role: Role, team_name: str | None) -> Team | None:
    """The team a ``role`` account belongs to: required unless an administrator."""
    if team_name:
        team = session.scalars(select(Team).where(Team.name == team_name)).one_or_none()
        if team is None:
            raise ValidationError(f"There is no team called '{team_name}'.", "team")
        return team
    if role != Role.ADMINISTRATOR:
        raise ValidationError(
            f"A {role.label.lower()} belongs to a team: say which team is theirs.",
            "team",
        )
    return None


def _is_self(actor: Actor | None, user: User) -> bool:
    return actor is not None and actor.user_id == user.id


def _keeps_an_administrator(session: Session, user: User, doing: str) -> None:
    """Refuse ``doing`` to the last active administrator (field ``username``)."""
    if user.role != Role.ADMINISTRATOR or not user.active:
        return
    others = session.scalar(
        select(func.count(User.id)).where(
            User.role == Role.ADMINISTRATOR, User.active.is_(True), User.id != user.id
        )
    )
    if not others:
        raise ValidationError(
            f"{user.full_name} is the only active administrator, so you cannot {doing}: "
            "nobody could then manage accounts. Add another administrator first.",
            "username",
        )


@requires(Permission.MANAGE_USERS)
def add_user(
    session: Session,
    actor: Actor | None,
    *,
    username: str,
    full_name: str,
    role: Role,
    team_name: str | None,
    password: str,
    now: dt.datetime,
) -> UserLine:
    """A new account with its first password (checked like any new password)."""
    _administrator(actor)
    username = username.strip()
    if not username or not username.replace(".", "").replace("-", "").isalnum():
        raise ValidationError(
            "A user name is letters and digits (dots and hyphens allowed), e.g. 'jokafor'.",
            "username",
        )
    if not full_name.strip():
        raise ValidationError("Give the person's full name, as colleagues know them.", "name")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise DuplicateError(f"There is already a user '{username}'.")
    team = _team_for(session, role, team_name)
    check_new_password(password, username)
    user = User(
        id=uuid.uuid4(),
        username=username,
        full_name=full_name.strip(),
        role=role,
        team_id=team.id if team else None,
        active=True,
        password_hash=hash_password(password),
        password_changed_at=now,
        failed_sign_ins=0,
        lockouts=0,
    )
    session.add(user)
    session.flush()
    record_event(
        session,
        actor,
        "user_added",
        "user",
        user.id,
        username=username,
        role=role.value,
        team=team_name or "",
        operator=_operator(),
    )
    return _line(user, team)


@requires(Permission.MANAGE_USERS)
def set_password(
    session: Session, actor: Actor | None, username: str, password: str, *, now: dt.datetime
) -> None:
    """Set or reset a password; it also lifts a lockout (the person proved who they are)."""
    _administrator(actor)
    user = _user(session, username)
    check_new_password(password, username)
    user.password_hash = hash_password(password)
    user.password_changed_at = now
    _keep(user, LockState())
    record_event(session, actor, "password_set", "user", user.id, operator=_operator())


@requires(Permission.MANAGE_USERS)
def disable_user(session: Session, actor: Actor | None, username: str) -> None:
    """A leaver: they can no longer sign in; everything they recorded stays.

    Not one's own account, nor the last active administrator (section comment)."""
    _administrator(actor)
    user = _user(session, username)
    if not user.active:
        raise ValidationError(f"'{username}' is already disabled.", "username")
    if _is_self(actor, user):
        raise ValidationError(
            "You cannot disable your own account while signed in with it: ask another "
            "administrator.",
            "username",
        )
    _keeps_an_administrator(session, user, "disable their account")
    user.active = False
    record_event(session, actor, "user_disabled", "user", user.id, operator=_operator())


@requires(Permission.MANAGE_USERS)
def enable_user(session: Session, actor: Actor | None, username: str) -> None:
    """Let a disabled account sign in again (someone who came back, or disabled by mistake).

    Their password is the one they had; set a new one if it may be known to others."""
    _administrator(actor)
    user = _user(session, username)
    if user.active:
        raise ValidationError(f"'{username}' is already active.", "username")
    user.active = True
    record_event(session, actor, "user_enabled", "user", user.id, operator=_operator())


@requires(Permission.MANAGE_USERS)
def unlock_user(session: Session, actor: Actor | None, username: str, *, now: dt.datetime) -> None:
    """Lift a lockout after wrong passwords, keeping the password (it may have been a typo).

    The count of lockouts in a row starts again too, so the next lockout is short."""
    _administrator(actor)
    user = _user(session, username)
    if not _state(user).is_locked(now):
        raise ValidationError(f"'{username}' is not locked.", "username")
    until = user.locked_until
    _keep(user, LockState())
    record_event(
        session,
        actor,
        "user_unlocked",
        "user",
        user.id,
        was_locked_until=until.isoformat() if until else "",
        operator=_operator(),
    )


@requires(Permission.MANAGE_USERS)
def change_role_and_team(
    session: Session, actor: Actor | None, username: str, *, role: Role, team_name: str | None
) -> UserLine:
    """Give an account another role or team; a window open under it is refused from
    its next action (``access.check_account_unchanged``) until it signs in again.

    Audited as a permission change, with the old and the new. Not one's own role, nor
    the last active administrator's (section comment)."""
    _administrator(actor)
    user = _user(session, username)
    team = _team_for(session, role, team_name)
    old_team = session.get(Team, user.team_id) if user.team_id else None
    if user.role == role and user.team_id == (team.id if team else None):
        raise ValidationError(
            f"{user.full_name} already has this role and team: choose another.", "role"
        )
    if user.role != role:
        if _is_self(actor, user):
            raise ValidationError(
                "You cannot change your own role while signed in: ask another administrator.",
                "role",
            )
        _keeps_an_administrator(session, user, "give them another role")
    record_event(
        session,
        actor,
        PERMISSION_CHANGE,
        "user",
        user.id,
        role={"old": user.role.value, "new": role.value},
        team={"old": old_team.name if old_team else "", "new": team.name if team else ""},
        operator=_operator(),
    )
    user.role = role
    user.team_id = team.id if team else None
    return _line(user, team)


@requires(Permission.MANAGE_USERS)
def add_team(session: Session, actor: Actor | None, name: str) -> str:
    """A new team (a new shared database has none until one is added); its name as kept."""
    _administrator(actor)
    name = " ".join(name.split())
    if not name:
        raise ValidationError("Give the team's name, as the service knows it.", "team")
    if len(name) > Team.__table__.c.name.type.length:  # type: ignore[attr-defined]
        raise ValidationError("That team name is too long; shorten it.", "team")
    taken = session.scalar(select(Team.name).where(func.lower(Team.name) == name.lower()))
    if taken is not None:
        raise DuplicateError(f"There is already a team called '{taken}'.")
    team = Team(id=uuid.uuid4(), name=name)
    session.add(team)
    session.flush()
    record_event(session, actor, "team_added", "team", team.id, name=name, operator=_operator())
    return name


@requires(Permission.MANAGE_USERS)
def team_names(session: Session, actor: Actor | None) -> list[str]:
    """Every team's name, for choosing an account's team."""
    _administrator(actor)
    return list(session.scalars(select(Team.name).order_by(Team.name)))


def _line(
    user: User, team: Team | None, last_sign_in: dt.datetime | None = None, children: int = 0
) -> UserLine:
    return UserLine(
        username=user.username,
        full_name=user.full_name,
        role=user.role,
        team_name=team.name if team else "",
        active=user.active,
        has_password=bool(user.password_hash),
        locked_until=user.locked_until,
        last_sign_in=last_sign_in,
        children=children,
    )


@requires(Permission.MANAGE_USERS)
def list_users(session: Session, actor: Actor | None) -> list[UserLine]:
    """Every account by user name, with its last sign-in (audit trail) and caseload size.

    The last sign-in reads the audit trail's sign-in events (one grouped query:
    a scan of the events, fine for a few hundred accounts; an index on
    ``(action, user_id)`` would keep it quick on a trail of millions)."""
    _administrator(actor)
    last: dict[uuid.UUID | None, dt.datetime] = {
        user_id: at
        for user_id, at in session.execute(
            select(AuditEvent.user_id, func.max(AuditEvent.occurred_at))
            .where(AuditEvent.action.in_(SIGN_IN_ACTIONS), AuditEvent.user_id.is_not(None))
            .group_by(AuditEvent.user_id)
        )
    }
    children: dict[uuid.UUID | None, int] = {
        user_id: count
        for user_id, count in session.execute(
            select(Child.health_visitor_id, func.count(Child.id))
            .where(Child.record_status == RecordStatus.ACTIVE)
            .group_by(Child.health_visitor_id)
        )
    }
    rows = session.execute(
        select(User, Team).outerjoin(Team, Team.id == User.team_id).order_by(User.username)
    ).all()
    return [_line(user, team, last.get(user.id), children.get(user.id, 0)) for user, team in rows]


# --- The front door: sign in, then a workspace ---------------------------------------


class SignInDesk:
    """Signing in and unlocking for the window: each call is one unit of work.

    Like ``Workspace`` it holds the engine and never hands a Session to the UI.
    ``now`` is injectable so tests can move past a lockout.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        now: Callable[[], dt.datetime] = utc_now,
        machine: str | None = None,
    ) -> None:
        self.engine = engine
        self._now = now
        self.machine = machine if machine is not None else socket.gethostname()

    def sign_in(self, username: str, password: str) -> Actor:
        """The signed-in Actor, or SignInError (after the attempt has been saved)."""
        with unit_of_work(self.engine) as session:
            outcome = attempt_sign_in(
                session, username, password, now=self._now(), machine=self.machine
            )
        return outcome.actor_or_raise()

    def sign_in_to_demo(self, username: str) -> Actor:
        """Sign in with the published demo password: only demo accounts have it."""
        return self.sign_in(username, DEMO_PASSWORD)

    @requires(Permission.USE_OWN_ACCOUNT)
    def unlock(self, actor: Actor, password: str) -> None:
        with unit_of_work(self.engine) as session:
            outcome = attempt_unlock(session, actor, password, now=self._now())
        now = outcome.actor_or_raise()
        # The right password, but an administrator changed the role or team meanwhile:
        # the window's Actor would be out of date, so only signing in again carries on.
        change = account_change(actor, role=now.role, team_id=now.team_id)
        if change is not None:
            raise SignInError(
                f"An administrator has changed your account since you signed in ({change}). "
                "Sign out, then sign in again to carry on.",
                SignInProblem.CHANGED,
            )

    @requires(Permission.USE_OWN_ACCOUNT)
    def record_lock(self, actor: Actor, *, idle_minutes: int | None) -> None:
        with unit_of_work(self.engine) as session:
            record_lock(session, actor, idle_minutes=idle_minutes)

    @requires(Permission.USE_OWN_ACCOUNT)
    def sign_out(self, actor: Actor, *, reason: str) -> None:
        with unit_of_work(self.engine) as session:
            record_sign_out(session, actor, reason=reason)

    def demo_accounts(self) -> list[DemoAccount]:
        with unit_of_work(self.engine) as session:
            return demo_accounts(session)
