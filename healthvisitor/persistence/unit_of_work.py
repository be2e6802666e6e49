"""The unit of work: the one place a transaction is committed or rolled back.

Services add and flush; they never commit (STYLE.md). The caller wraps a
user's action in ``unit_of_work(engine)``: everything inside is saved
together, or, if anything fails, nothing is.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from healthvisitor.errors import ConcurrentEditError


@contextmanager
def unit_of_work(engine: Engine) -> Iterator[Session]:
    """A session whose work is committed on success and rolled back on any error."""
    factory = sessionmaker(engine, expire_on_commit=False)
    session = factory()
    try:
        yield session
        session.commit()
    except StaleDataError as exc:
        session.rollback()
        raise ConcurrentEditError(
            "Someone else saved this record after you opened it. Nothing was overwritten: "
            "reopen the record to see their change, then make yours again."
        ) from exc
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
