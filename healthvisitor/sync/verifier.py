"""Keeping the offline sign-in's verifier in a copy (issue 12; ``offline_sign_in``).

``store_verifier`` writes it (replacing an older one, clearing the count of
wrong passwords). A health visitor who signs in online before their laptop
has a copy (they prepare it afterwards, from the window) would otherwise have
no verifier until their next sign-in online; so the verifier made at that
sign-in (an argon2id hash, never the password) is held in memory for the
session (``hold_until_copy_made``) and written by the first synchronisation
that makes their copy (``OfflineDesk.synchronise``). It is forgotten when the
session ends.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid

from sqlalchemy import Connection, insert, update

from healthvisitor.sync.local import OFFLINE_SIGN_IN

_held: dict[uuid.UUID, tuple[str, dt.datetime]] = {}
_lock = threading.Lock()


def store_verifier(
    connection: Connection, user_id: uuid.UUID, verifier: str, made_at: dt.datetime
) -> None:
    """Keep ``verifier`` as ``user_id``'s in the copy ``connection`` writes to."""
    values = {
        "verifier": verifier,
        "made_at": made_at,
        "failed_sign_ins": 0,
        "lockouts": 0,
        "locked_until": None,
    }
    kept = connection.execute(
        update(OFFLINE_SIGN_IN).where(OFFLINE_SIGN_IN.c.user_id == user_id).values(**values)
    ).rowcount
    if not kept:
        connection.execute(insert(OFFLINE_SIGN_IN).values(user_id=user_id, **values))


def hold_until_copy_made(user_id: uuid.UUID, verifier: str, made_at: dt.datetime) -> None:
    with _lock:
        _held[user_id] = (verifier, made_at)


def held_verifier(user_id: uuid.UUID) -> tuple[str, dt.datetime] | None:
    with _lock:
        return _held.get(user_id)


def forget_held_verifier(user_id: uuid.UUID) -> None:
    with _lock:
        _held.pop(user_id, None)
