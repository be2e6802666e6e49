"""Dated and corrected history: what is in force on a day, and what still stands.

Entries are never edited: a dated entry ends (``in_force_on``), a wrong
measurement or contact is corrected by a new row that supersedes it
(``not_corrected``). Every query that asks "what stands" asks here, once.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, and_, exists, or_
from sqlalchemy.orm import aliased

from healthvisitor.persistence.models import (
    Contact,
    Measurement,
    SafeguardingEntry,
    ServiceLevelEntry,
)


def in_force_on(
    entry: type[SafeguardingEntry] | type[ServiceLevelEntry], day: dt.date
) -> ColumnElement[bool]:
    """Entries started by ``day`` and not ended before it (one ending that day still holds)."""
    return and_(entry.start_date <= day, or_(entry.end_date.is_(None), entry.end_date >= day))


def not_corrected(entry: type[Measurement] | type[Contact]) -> ColumnElement[bool]:
    """Rows no later row supersedes: the ones that stand.

    ``NOT EXISTS`` a correction, looked up in the partial index of the few
    correcting rows (``ix_*_supersedes_id``, migration 0008) for each candidate
    row; the ``NOT IN (SELECT supersedes_id ...)`` it replaces read every
    measurement in the database on each call (issue 10). Same rows: ``id`` is
    never NULL and the old subquery left NULLs out.
    """
    correction = aliased(entry)
    return ~exists().where(correction.supersedes_id == entry.id)
