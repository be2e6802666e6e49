"""Reading many rows fast: the batches behind a caseload or a team's board (issue 10).

A team lead's board reads about 40,000 rows (a team's 4,000 children's weights,
review attempts, levels of service...). Through ``Session.execute`` each row of
a plain column ``select`` still goes through the ORM's loading machinery, and on
SQLite each child id is parsed back into a ``uuid.UUID`` (about 4 microseconds,
once per row, for ids the caller already holds). ``rows`` runs the same
statement on the session's own connection, in the same transaction, and
``child_key`` hands back the id as the driver gives it, for ``ids_by_key`` to
map to the caller's own ``uuid.UUID``. Same rows, same order; about half the
time (bench/trust.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any, TypeVarTuple

from sqlalchemy import Dialect, Result, Select, TypeDecorator, Uuid, type_coerce
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.elements import ColumnElement

_Row = TypeVarTuple("_Row")


class _StoredId(TypeDecorator[Any]):
    """An id column as the driver returns it: 32 hex digits on SQLite (how
    SQLAlchemy's ``Uuid`` stores it there), a ``uuid.UUID`` from psycopg."""

    impl = Uuid
    cache_ok = True

    def result_processor(self, dialect: Dialect, coltype: object) -> None:
        return None


def child_key(
    column: InstrumentedAttribute[uuid.UUID] | InstrumentedAttribute[uuid.UUID | None],
) -> ColumnElement[Any]:
    """``column`` selected as stored, to be looked up in ``ids_by_key``."""
    return type_coerce(column, _StoredId())


def ids_by_key(ids: Iterable[uuid.UUID]) -> dict[object, uuid.UUID]:
    """The caller's ids by how the driver returns them (either form, either engine)."""
    found: dict[object, uuid.UUID] = {}
    for each in ids:
        found[each] = each
        found[each.hex] = each
    return found


def rows(session: Session, statement: Select[*_Row]) -> Result[*_Row]:
    """``statement`` on the session's connection (its transaction), without the ORM.

    For plain column selects only. It does not autoflush: call it after an ORM
    query in the same read, as ``assess_children`` does.
    """
    return session.connection().execute(statement)
