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

``among`` names the caller's ids in a batch query: on PostgreSQL as one array
parameter, where an ``IN`` list of a caseload's 377 ids was 3,000 bind
parameters a caseload for SQLAlchemy to render and psycopg to parse again
(about 15 ms of a 56 ms opening).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from functools import cache, cached_property
from typing import Any, TypeVar, TypeVarTuple

from sqlalchemy import (
    ARRAY,
    Dialect,
    Engine,
    Row,
    Select,
    TypeDecorator,
    Uuid,
    any_,
    literal,
    type_coerce,
)
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.elements import ColumnElement

_Row = TypeVarTuple("_Row")
T = TypeVar("T")


class _StoredId(TypeDecorator[Any]):
    """An id column as the driver returns it: 32 hex digits on SQLite (how
    SQLAlchemy's ``Uuid`` stores it there), a ``uuid.UUID`` from psycopg."""

    impl = Uuid
    cache_ok = True

    def result_processor(self, dialect: Dialect, coltype: object) -> None:
        return None


class _IdArray(TypeDecorator[Any]):
    """A ``uuid[]`` parameter handed to the driver as the array's text ("{id,id}"),
    which PostgreSQL reads as ``uuid[]`` from the statement's cast."""

    impl = ARRAY(Uuid())
    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> None:
        return None


class Ids(tuple[uuid.UUID, ...]):
    """Ids that several batch queries name (``among``): their PostgreSQL array text
    is made once, not once a query (``str`` of 377 ids is about 0.4 ms)."""

    @cached_property
    def array_text(self) -> str:
        return array_text(self)


def array_text(ids: Iterable[uuid.UUID]) -> str:
    """``ids`` as PostgreSQL writes a ``uuid[]``: "{id,id,...}"."""
    return "{" + ",".join(str(each) for each in ids) + "}"


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


def among(
    session: Session,
    column: InstrumentedAttribute[uuid.UUID] | InstrumentedAttribute[uuid.UUID | None],
    ids: Collection[uuid.UUID] | Select[uuid.UUID],
) -> ColumnElement[bool]:
    """``column IN ids``: ids, or a subquery selecting them.

    On PostgreSQL a collection is one parameter, the array's text cast to
    ``uuid[]`` (``= ANY``): the statement is the same text whatever the number
    of ids, and psycopg does not look at each id to quote it (a list parameter
    cost 7 ms a caseload in its array dumper). Elsewhere each id is its own
    parameter, as ``in_`` makes them.
    """
    if isinstance(ids, Select) or session.get_bind().dialect.name != "postgresql":
        return column.in_(ids)
    text = ids.array_text if isinstance(ids, Ids) else array_text(ids)
    return column == any_(literal(text, _IdArray()))


def rows(session: Session, statement: Select[*_Row]) -> Sequence[Row[*_Row]]:
    """``statement``'s rows, read on the session's connection (its transaction),
    without the ORM.

    All at once: psycopg makes a batch's few thousand rows in one call, where row
    by row went through its Python code for each (about 1 microsecond a row).
    For plain column selects only. It does not autoflush: call it after an ORM
    query in the same read, as ``assess_children`` does.
    """
    return session.connection().execute(statement).all()


@cache
def _readers() -> ThreadPoolExecutor:
    """The threads that read ``alongside``, started when first needed: two, so that a
    caseload and a board opened at once each have one."""
    return ThreadPoolExecutor(max_workers=2, thread_name_prefix="read-alongside")


@contextmanager
def alongside(session: Session, read: Callable[[Session], T]) -> Iterator[Callable[[], T]]:
    """``read`` done on a connection of its own while the caller goes on with ``session``;
    the block is handed a function that waits for what ``read`` returns (or raises).
    Leaving the block without asking for it lets the read finish unwatched.

    On PostgreSQL the server works on ``read``'s statements while the caller
    works through the rows of its own: a caseload's statements wait about 25 ms
    on the server, and its Python about as long (issue 10). ``read``'s
    transaction is not the session's, so use it only for reads that the caller
    has already checked the actor may make, and never after a write in the
    session (a session with changes not yet flushed reads on itself, at once).
    It sees what a later statement of the session would: on PostgreSQL each
    statement reads what was committed when it started (READ COMMITTED).

    On SQLite, whose reads hold one snapshot for the transaction, or with a
    session bound to a connection rather than an engine, ``read`` is done at
    once, on the session.
    """
    bind = session.get_bind()
    pending = session.new or session.dirty or session.deleted
    if not isinstance(bind, Engine) or bind.dialect.name != "postgresql" or pending:
        done = read(session)
        yield lambda: done
        return
    engine = bind

    def on_its_own() -> T:
        with Session(engine) as own:  # read only: closing it rolls its transaction back
            return read(own)

    future: Future[T] = _readers().submit(on_its_own)
    try:
        yield future.result
    finally:
        # Not started yet: never. Started: it closes its own session when done, and
        # a caller that failed says so at once rather than after the read.
        future.cancel()
