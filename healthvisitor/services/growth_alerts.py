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
from collections import defaultdict
from collections.abc import Collection

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from healthvisitor.domain.enums import MeasurementKind
from healthvisitor.domain.faltering import FalteringAlert, WeightPoint, faltering_alerts
from healthvisitor.persistence.models import Child, Measurement
from healthvisitor.services import batch
from healthvisitor.services.batch import child_key, ids_by_key
from healthvisitor.services.dated_history import not_corrected


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
    """
    if not children:
        return {}
    births = dict(children)
    keys = ids_by_key(births)
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
            Measurement.child_id.in_(births if among is None else among),
            Measurement.kind == MeasurementKind.WEIGHT,
            Measurement.sds.is_not(None),
            Measurement.centile.is_not(None),
            not_corrected(Measurement),
        )
        .order_by(Measurement.child_id, Measurement.measured_on, Measurement.recorded_at),
    )
    weights: dict[uuid.UUID, list[WeightPoint]] = defaultdict(list)
    for child, measured_on, kg, sds, centile in rows:
        # Rows without a UK-WHO result (none are saved so) were filtered out above.
        assert sds is not None and centile is not None
        weights[keys[child]].append(WeightPoint(measured_on, kg, sds, centile))
    alerts: dict[uuid.UUID, list[FalteringAlert]] = {}
    for child_id, points in weights.items():
        born = births[child_id]
        at_birth = next((p for p in points if p.measured_on == born), None)
        later = [p for p in points if p.measured_on > born]
        found = faltering_alerts(
            date_of_birth=born, birth_weight=at_birth, weights=later, today=today
        )
        if found:
            alerts[child_id] = found
    return alerts


def alerts_for_child(session: Session, child: Child, *, today: dt.date) -> list[FalteringAlert]:
    return alerts_for_children(session, [(child.id, child.date_of_birth)], today=today).get(
        child.id, []
    )
