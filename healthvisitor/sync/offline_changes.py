"""What may still be changed on the laptop's offline copy (issue 12), for the window to ask.

The outbox (``healthvisitor.sync.local``) refuses, when saved, any change it
cannot send: a step on a referral already on the shared database, a decision
on a prompt pulled from it. A row *added on this laptop and not sent yet* is
different: it goes as it stands when sent, so it may still be changed (a
referral drafted offline may be sent offline; a prompt a visit recorded
offline raised may be decided). The window asks here before it offers such a
change, so it never invites one the copy would refuse.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import Engine, select

from healthvisitor.persistence.models import SyncOutboxEntry
from healthvisitor.sync.local import LOCAL_COPY


def on_local_copy(engine: Engine) -> bool:
    """Whether ``engine`` is a laptop's offline copy (marked by ``open_local_copy``)."""
    return bool(engine.get_execution_options().get(LOCAL_COPY))


def added_here(
    engine: Engine, table_name: str, ids: Iterable[uuid.UUID | None]
) -> frozenset[uuid.UUID]:
    """Of ``ids``, the rows of ``table_name`` added on this laptop and not sent yet.

    Nothing on a database that is not an offline copy (there, nothing is "here").
    """
    wanted = {record_id for record_id in ids if record_id is not None}
    if not wanted or not on_local_copy(engine):
        return frozenset()
    with engine.connect() as connection:
        found = connection.scalars(
            select(SyncOutboxEntry.record_id).where(
                SyncOutboxEntry.table_name == table_name,
                SyncOutboxEntry.kind == "add",
                SyncOutboxEntry.sent_at.is_(None),
                SyncOutboxEntry.record_id.in_(wanted),
            )
        )
        return frozenset(found)


__all__ = ["added_here", "on_local_copy"]
