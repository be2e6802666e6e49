"""Where the key of the audit chain lives: outside the database, on this computer.

The audit chain (``healthvisitor.services.audit_chain``) signs every event
with HMAC-SHA256 under a random per-database key. The key must not be where
the events are: whoever can edit the audit table (a database administrator,
someone holding a stolen backup, the application's own database role) could
otherwise recompute every hash after altering a row, and the chain would
prove nothing. So the database holds only ``audit_chain_head.chain_id``, the
name under which the key is kept here:

1. the operating system's keyring (service "HealthVisitor audit chain",
   account = the chain id), when this computer has a usable one; or
2. where it has none (a server or test machine without a desktop session,
   see TOOLCHAIN.md), a file ``audit-keys/<chain id>.key`` in the user's
   data folder, created with mode 0600 in a folder with mode 0700, so only
   this operating-system user can read it. This is the documented no-keyring
   fallback: the key is not a password, it protects no record from reading,
   and losing the file only means the chain can no longer be verified here.

A key is made only for a chain that has no signed event yet; a chain that is
already signed with a key this computer does not hold is refused with a
message (``AuditKeyMissingError``) rather than signed with a new key, which
would break the chain. Limits, said plainly: a person who can read this
user's files *and* write the database can still forge the chain; and a
shared PostgreSQL database needs the same key on every computer that writes
to it: ``healthvisitor audit-key export`` and ``import`` hand it over
(``export_key`` and ``install_key``, at the end of this module).
"""

from __future__ import annotations

import os
import secrets
import uuid
from pathlib import Path

from healthvisitor.config import data_dir
from healthvisitor.errors import HealthVisitorError

KEYRING_SERVICE = "HealthVisitor audit chain"
#: 256 bits: RFC 2104 §3 says keys shorter than the hash output (32 bytes for
#: SHA-256) are "strongly discouraged", and longer ones add little strength.
KEY_BYTES = 32

_cache: dict[uuid.UUID, bytes] = {}


class AuditKeyMissingError(HealthVisitorError):
    """The chain is signed, and this computer does not hold its key."""


def key_folder() -> Path:
    return data_dir() / "audit-keys"


def key_file(chain_id: uuid.UUID) -> Path:
    return key_folder() / f"{chain_id}.key"


def _from_keyring(chain_id: uuid.UUID) -> bytes | None:
    from healthvisitor.persistence.credentials import keyring_available

    if not keyring_available():
        return None
    import keyring
    import keyring.errors

    try:
        stored = keyring.get_password(KEYRING_SERVICE, str(chain_id))
    except keyring.errors.KeyringError:
        return None
    return bytes.fromhex(stored) if isinstance(stored, str) else None


def _to_keyring(chain_id: uuid.UUID, key: bytes) -> bool:
    from healthvisitor.persistence.credentials import keyring_available

    if not keyring_available():
        return False
    import keyring
    import keyring.errors

    try:
        keyring.set_password(KEYRING_SERVICE, str(chain_id), key.hex())
    except keyring.errors.KeyringError:
        return False
    return True


def _from_file(chain_id: uuid.UUID) -> bytes | None:
    try:
        return bytes.fromhex(key_file(chain_id).read_text(encoding="ascii").strip())
    except FileNotFoundError:
        return None


def _to_file(chain_id: uuid.UUID, key: bytes) -> bytes:
    """Write the key with mode 0600; if another process got there first, use theirs."""
    folder = key_folder()
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    try:
        descriptor = os.open(key_file(chain_id), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        existing = _from_file(chain_id)
        assert existing is not None
        return existing
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(key.hex())
    return key


def chain_key(chain_id: uuid.UUID, *, create: bool) -> bytes:
    """The key for the chain ``chain_id``; made (and kept) when ``create`` and none exists."""
    key = _cache.get(chain_id)
    if key is None:
        key = _from_keyring(chain_id) or _from_file(chain_id)
    if key is None:
        if not create:
            raise AuditKeyMissingError(
                "This computer does not hold the key of this database's audit trail, so "
                "nothing can be recorded or checked here. Ask your system administrator to "
                f"install it (audit chain {chain_id})."
            )
        key = secrets.token_bytes(KEY_BYTES)
        if not _to_keyring(chain_id, key):
            key = _to_file(chain_id, key)
    _cache[chain_id] = key
    return key


def forget_cached_keys() -> None:
    """Drop the keys held in memory (tests that move the data folder call it)."""
    _cache.clear()


# --- Handing the key to another computer (a shared PostgreSQL database) -------------
#
# Every computer that writes to a shared database signs its events with the one
# key of that database's chain, so a second laptop refuses to record anything
# (``AuditKeyMissingError``) until it holds the key. ``healthvisitor audit-key
# export --to FILE`` writes the key into a new file only this user can read
# (0600, never over an existing file); ``audit-key import --from FILE`` on the
# other computer checks it against the database (account_cli.py) and puts it in
# that computer's keyring. The key is never printed; the file should be moved
# on removable media or a share only IT can read, and deleted after the import.

#: The first line of an exported key file: what it is, for whoever finds one.
KEY_FILE_HEADING = "HealthVisitor audit chain key: keep secret, delete after importing"


class AuditKeyFileError(HealthVisitorError):
    """An exported key file that cannot be written or read as one."""


def export_key(chain_id: uuid.UUID, destination: Path) -> None:
    """Write this computer's key for ``chain_id`` into a new file with mode 0600."""
    key = chain_key(chain_id, create=False)
    try:
        descriptor = os.open(destination, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise AuditKeyFileError(
            f"{destination} already exists: choose a new file name (nothing was written)."
        ) from None
    except OSError as error:
        raise AuditKeyFileError(f"{destination} cannot be written: {error.strerror}.") from None
    os.fchmod(descriptor, 0o600)  # whatever the umask
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(f"{KEY_FILE_HEADING}\nchain {chain_id}\nkey {key.hex()}\n")


def read_exported_key(source: Path) -> tuple[uuid.UUID, bytes]:
    """The chain id and key in a file ``export_key`` wrote."""
    try:
        lines = source.read_text(encoding="ascii").splitlines()
    except (OSError, UnicodeDecodeError):
        raise AuditKeyFileError(f"{source} cannot be read as an exported key file.") from None
    fields = dict(line.split(" ", 1) for line in lines[1:] if " " in line)
    try:
        if not lines or lines[0] != KEY_FILE_HEADING:
            raise ValueError
        chain_id = uuid.UUID(fields["chain"])
        key = bytes.fromhex(fields["key"])
        if len(key) != KEY_BYTES:
            raise ValueError
    except (KeyError, ValueError):
        raise AuditKeyFileError(
            f"{source} is not an audit key file written by 'healthvisitor audit-key export'."
        ) from None
    return chain_id, key


def held_key(chain_id: uuid.UUID) -> bytes | None:
    """The key this computer holds for ``chain_id`` (keyring or file), if any."""
    return _cache.get(chain_id) or _from_keyring(chain_id) or _from_file(chain_id)


def install_key(chain_id: uuid.UUID, key: bytes) -> bool:
    """Keep ``key`` for ``chain_id`` in this computer's keyring (only there).

    False if this computer already held that very key. Refused (``AuditKeyFileError``)
    where there is no usable keyring, or where a different key is held already
    (replacing it would leave events signed here unverifiable)."""
    from healthvisitor.persistence.credentials import keyring_available

    held = held_key(chain_id)
    if held == key:
        return False
    if held is not None:
        raise AuditKeyFileError(
            "This computer already holds a different key for this audit trail: nothing "
            "was changed. Ask your information governance lead before going further."
        )
    if not keyring_available() or not _to_keyring(chain_id, key):
        raise AuditKeyFileError(
            "This computer has no usable keyring to keep the key in, so it was not "
            "imported. Sign in to a desktop session (Windows Credential Manager, macOS "
            "Keychain or a Secret Service) and try again."
        )
    if _from_keyring(chain_id) != key:
        raise AuditKeyFileError("The keyring did not keep the key: it was not imported.")
    _cache[chain_id] = key
    return True
