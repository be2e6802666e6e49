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

from sqlalchemy import select
from sqlalchemy.orm import Session

from healthvisitor.domain.enums import MeasurementKind
from healthvisitor.domain.faltering import FalteringAlert, WeightPoint, faltering_alerts
from healthvisitor.persistence.models import Child, Measurement


def alerts_for_children(
    session: Session, children: Collection[tuple[uuid.UUID, dt.date]], *, today: dt.date
) -> dict[uuid.UUID, list[FalteringAlert]]:
    """Alerts for each (child id, date of birth); children with none are left out."""
    if not children:
        return {}
    births = dict(children)
    superseded = select(Measurement.supersedes_id).where(Measurement.supersedes_id.is_not(None))
    rows = session.execute(
        select(
            Measurement.child_id,
            Measurement.measured_on,
            Measurement.value,
            Measurement.sds,
            Measurement.centile,
        )
        .where(
            Measurement.child_id.in_(births),
            Measurement.kind == MeasurementKind.WEIGHT,
            Measurement.sds.is_not(None),
            Measurement.centile.is_not(None),
            Measurement.id.not_in(superseded),
        )
        .order_by(Measurement.child_id, Measurement.measured_on, Measurement.recorded_at)
    )
    weights: dict[uuid.UUID, list[WeightPoint]] = defaultdict(list)
    for child_id, measured_on, kg, sds, centile in rows:
        # Rows without a UK-WHO result (none are saved so) were filtered out above.
        assert sds is not None and centile is not None
        weights[child_id].append(WeightPoint(measured_on, kg, sds, centile))
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
