"""The shared database's password, kept in the operating system's keyring.

A password is never written to a file, a log or the database. Where the
machine has no usable keyring (a server with no desktop session), storing
fails with a clear message and the caller asks the user instead: there is no
clear-text fallback.
"""

from __future__ import annotations

from typing import Any

import keyring
import keyring.errors
from sqlalchemy.engine import URL

from healthvisitor.errors import ConfigurationError

KEYRING_SERVICE = "HealthVisitor database"


def keyring_account(url: URL) -> str:
    """The keyring entry name for a database: ``user@host:port/database``."""
    return f"{url.username or ''}@{url.host or 'localhost'}:{url.port or 5432}/{url.database or ''}"


def stored_password(url: URL) -> str | None:
    """The password kept for ``url``, or None if none is stored or no keyring exists."""
    try:
        password: Any = keyring.get_password(KEYRING_SERVICE, keyring_account(url))
    except keyring.errors.KeyringError:
        return None
    return password if isinstance(password, str) else None


def store_password(url: URL, password: str) -> None:
    """Keep ``password`` for ``url`` in the keyring, or explain why it cannot be kept."""
    try:
        keyring.set_password(KEYRING_SERVICE, keyring_account(url), password)
    except keyring.errors.KeyringError as exc:
        raise ConfigurationError(
            "This computer has no keyring to keep the database password in "
            f"({exc}). HealthVisitor will ask for the password each time instead; "
            "it never writes it to a file."
        ) from exc


def keyring_available() -> bool:
    """Whether this computer has a keyring that can keep a password."""
    backend = keyring.get_keyring()
    priority = getattr(backend, "priority", 0)
    return isinstance(priority, int | float) and priority > 0


def password_request(url: URL, refused: bool) -> str:
    """What to tell the user when asking for the shared database's password."""
    account = keyring_account(url)
    first = (
        f"The password for {account} was not accepted."
        if refused
        else f"The shared database {account} needs a password."
    )
    if keyring_available():
        return (
            f"{first} To stop being asked, an administrator can keep it in this computer's "
            "keyring with 'healthvisitor db set-password'."
        )
    return (
        f"{first} This computer has no keyring to keep it in, so HealthVisitor asks each "
        "time; it never writes the password to a file."
    )


def with_password(url: URL, password: str | None) -> URL:
    return url if password is None else url.set(password=password)
