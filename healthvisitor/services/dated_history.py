"""Dated history (safeguarding status, level of service): what is in force on a day."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, and_, or_

from healthvisitor.persistence.models import SafeguardingEntry, ServiceLevelEntry


def in_force_on(
    entry: type[SafeguardingEntry] | type[ServiceLevelEntry], day: dt.date
) -> ColumnElement[bool]:
    """Entries started by ``day`` and not ended before it (one ending that day still holds)."""
    return and_(entry.start_date <= day, or_(entry.end_date.is_(None), entry.end_date >= day))
