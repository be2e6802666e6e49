"""Faltering-growth alerts for children, from their stored weights.

The NICE NG75 rules themselves are pure (``healthvisitor.domain.faltering``);
this module fetches the weights they need, for one child or for a whole
caseload in one query, so a caseload never loads children one by one.
The birth weight is the weight measured on the date of birth (recorded with
its UK-WHO centile when the child is registered).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection
from functools import cache

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session

from healthvisitor.domain.enums import MeasurementKind
from healthvisitor.domain.faltering import (
    THREE_WEEKS_DAYS,
    FalteringAlert,
    WeightPoint,
    faltering_alerts,
)
from healthvisitor.persistence.models import Child, Measurement
from healthvisitor.services import batch
from healthvisitor.services.batch import child_key
from healthvisitor.services.dated_history import not_corrected


@cache
def _standing_weights() -> ColumnElement[bool]:
    """``not_corrected(Measurement)``, built once (an alias and a subquery each time
    cost more than half a millisecond a caseload: issue 10)."""
    return not_corrected(Measurement)


def alerts_for_children(
    session: Session,
    children: Collection[tuple[uuid.UUID, dt.date]],
    *,
    today: dt.date,
    among: Collection[uuid.UUID] | Select[uuid.UUID] | None = None,
) -> dict[uuid.UUID, list[FalteringAlert]]:
    """Alerts for each (child id, date of birth); children with none are left out.

    ``among``, the same children as a subquery (or ids), names them in the
    query instead of one bind parameter each (a team's board is thousands).

    Issue 10: NG75 (``faltering_alerts``) looks at the birth weight, the weights
    of the early days and the latest weight known today, nothing between: the
    query reads only the weights known today, and only those three kinds of
    weight are made into points and handed on (the same alerts: the early
    days' weights in the same order, and of the last day's, the last recorded).
    """
    if not children:
        return {}
    births = dict(children)
    rows = batch.rows(
        session,
        select(
            child_key(Measurement.child_id),
            Measurement.measured_on,
            Measurement.value,
            Measurement.sds,
            Measurement.centile,
        )
        .where(
            batch.among(session, Measurement.child_id, births if among is None else among),
            Measurement.kind == MeasurementKind.WEIGHT,
            # A weight dated after today is not known yet (domain/faltering.py).
            Measurement.measured_on <= today,
            Measurement.sds.is_not(None),
            Measurement.centile.is_not(None),
            _standing_weights(),
        )
        .order_by(Measurement.child_id, Measurement.measured_on, Measurement.recorded_at),
    )
    alerts: dict[uuid.UUID, list[FalteringAlert]] = {}
    # The rows come child by child, oldest first: a child's last row is its latest weight.
    ids: dict[object, uuid.UUID] = {}
    key: object = None
    child_id = uuid.UUID(int=0)
    born = early_end = dt.date.min
    at_birth: WeightPoint | None = None
    early: list[WeightPoint] = []
    last: tuple[dt.date, float, float, float] | None = None

    def judge() -> None:
        weights = list(early)
        if last is not None and last[0] >= early_end:  # else it is among the early days'
            weights.append(WeightPoint(*last))
        found = faltering_alerts(
            date_of_birth=born, birth_weight=at_birth, weights=weights, today=today
        )
        if found:
            alerts[child_id] = found

    for stored, measured_on, kg, sds, centile in rows:
        # Rows without a UK-WHO result (none are saved so) were filtered out above.
        assert sds is not None and centile is not None
        if stored != key:
            if key is not None:
                judge()
            key = stored
            if stored not in ids:
                ids[stored] = stored if isinstance(stored, uuid.UUID) else uuid.UUID(hex=stored)
            child_id = ids[stored]
            born = births[child_id]
            early_end = born + dt.timedelta(days=THREE_WEEKS_DAYS)
            at_birth, early, last = None, [], None
        if measured_on == born:
            if at_birth is None:
                at_birth = WeightPoint(measured_on, kg, sds, centile)
        elif measured_on > born:
            if measured_on < early_end:
                early.append(WeightPoint(measured_on, kg, sds, centile))
            last = (measured_on, kg, sds, centile)
    if key is not None:
        judge()
    return alerts


def alerts_for_child(session: Session, child: Child, *, today: dt.date) -> list[FalteringAlert]:
    return alerts_for_children(session, [(child.id, child.date_of_birth)], today=today).get(
        child.id, []
    )
