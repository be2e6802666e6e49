"""The rules of accounts and signing in (issue 8): pure functions, the time passed in.

Each person has their own account (DOMAIN.md, "Every person has their own
login"). What a password must be, how many wrong passwords lock an account
and for how long are decided here, with no database and no clock, so each
rule is tested at its edges.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from healthvisitor.domain.common_passwords import COMMON_PASSWORDS
from healthvisitor.errors import ValidationError

#: OWASP ASVS 4.0.3 V2.1.1 ("user set passwords are at least 12 characters in
#: length") and NCSC password guidance (long passphrases, e.g. three random words).
MIN_PASSWORD_LENGTH = 12
#: OWASP ASVS 4.0.3 V2.1.2 ("passwords of at least 64 characters are permitted,
#: and passwords of more than 128 characters are denied").
MAX_PASSWORD_LENGTH = 128
#: Issue 8: "5 failed attempts lock the account for a growing delay".
FAILED_SIGN_INS_BEFORE_LOCK = 5
#: The first lockout lasts a minute; each lockout in a row doubles it (1, 2, 4, 8 …),
#: up to an hour, so a forgotten password costs a colleague minutes, while guessing
#: is held to about 5 tries an hour (NCSC: "throttle", rather than lock forever).
FIRST_LOCKOUT_MINUTES = 1
MAX_LOCKOUT_MINUTES = 60

#: The demo database's password, printed in README.md: it opens demo accounts only,
#: and is refused for any real account (``check_new_password``).
DEMO_PASSWORD = "demo-only-not-real"


def check_new_password(password: str, username: str) -> None:
    """Raise ValidationError (field ``password``) unless ``password`` may be chosen."""

    def refuse(message: str) -> ValidationError:
        return ValidationError(message, "password")

    if len(password) < MIN_PASSWORD_LENGTH:
        raise refuse(
            f"A password needs at least {MIN_PASSWORD_LENGTH} characters "
            f"(this one has {len(password)}). Three random words make a good one."
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise refuse(f"A password can have at most {MAX_PASSWORD_LENGTH} characters.")
    folded = password.casefold()
    if folded == DEMO_PASSWORD.casefold():
        raise refuse("That is the demo database's published password: choose another.")
    if folded in COMMON_PASSWORDS or len(set(folded)) <= 2:
        raise refuse("That password is one of the most commonly used: choose another.")
    if username and username.casefold() in folded:
        raise refuse("A password must not contain the user name.")


def lockout_minutes(lockouts_in_a_row: int) -> int:
    """How long the ``lockouts_in_a_row``-th lockout (1, 2, …) lasts, in minutes."""
    if lockouts_in_a_row < 1:
        raise ValueError("lockouts are counted from 1")
    doubled: int = FIRST_LOCKOUT_MINUTES * 2 ** min(lockouts_in_a_row - 1, 16)
    return min(doubled, MAX_LOCKOUT_MINUTES)


@dataclass(frozen=True)
class LockState:
    """What an account remembers about wrong passwords."""

    failed_sign_ins: int = 0
    lockouts: int = 0
    locked_until: dt.datetime | None = None

    def is_locked(self, now: dt.datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until


def after_wrong_password(state: LockState, now: dt.datetime) -> LockState:
    """The state after one more wrong password: the fifth in a row locks the account."""
    failed = state.failed_sign_ins + 1
    if failed < FAILED_SIGN_INS_BEFORE_LOCK:
        return LockState(failed, state.lockouts, state.locked_until)
    lockouts = state.lockouts + 1
    until = now + dt.timedelta(minutes=lockout_minutes(lockouts))
    return LockState(0, lockouts, until)


def after_right_password() -> LockState:
    """A right password clears the count and the growing delay."""
    return LockState()


def tries_left(state: LockState) -> int:
    return FAILED_SIGN_INS_BEFORE_LOCK - state.failed_sign_ins
