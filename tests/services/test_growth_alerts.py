"""Faltering-growth alerts from stored weights: the same alerts on the same children.

Issue 10 made ``alerts_for_children`` read only the weights known today and hand
NG75 only the birth weight, the early days' weights and the latest weight. These
tests compare it, child by child and message by message, with handing every
stored weight to ``faltering_alerts`` as it did before, over weight histories
that exercise every rule, same-day weighings, future-dated and corrected weights.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import uuid
from collections import defaultdict

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from healthvisitor.domain.enums import FalteringRule, MeasurementKind
from healthvisitor.domain.faltering import FalteringAlert, WeightPoint, faltering_alerts
from healthvisitor.persistence.models import Child, Measurement, User
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services.growth_alerts import alerts_for_child, alerts_for_children
from tests import factories

TODAY = dt.date(2026, 11, 24)
RECORDED = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
_MINUTES = itertools.count()


def every_weight_alerts(
    session: Session, children: list[tuple[uuid.UUID, dt.date]]
) -> dict[uuid.UUID, list[FalteringAlert]]:
    """The alerts as worked out before issue 10: every weight that stands, in order."""
    births = dict(children)
    corrected = set(
        session.scalars(
            select(Measurement.supersedes_id).where(Measurement.supersedes_id.is_not(None))
        )
    )
    weights: dict[uuid.UUID, list[WeightPoint]] = defaultdict(list)
    for m in session.scalars(
        select(Measurement)
        .where(Measurement.child_id.in_(births), Measurement.kind == MeasurementKind.WEIGHT)
        .order_by(Measurement.child_id, Measurement.measured_on, Measurement.recorded_at)
    ):
        if m.id not in corrected and m.sds is not None and m.centile is not None:
            weights[m.child_id].append(WeightPoint(m.measured_on, m.value, m.sds, m.centile))
    alerts = {}
    for child_id, points in weights.items():
        born = births[child_id]
        found = faltering_alerts(
            date_of_birth=born,
            birth_weight=next((p for p in points if p.measured_on == born), None),
            weights=[p for p in points if p.measured_on > born],
            today=TODAY,
        )
        if found:
            alerts[child_id] = found
    return alerts


def weigh(
    session: Session,
    child_id: uuid.UUID,
    by: User,
    on: dt.date,
    kg: float,
    sds: float,
    *,
    supersedes: Measurement | None = None,
) -> Measurement:
    centile = round(100 / (1 + 2.718 ** (-1.7 * sds)), 1)  # any centile rising with the SDS
    weight = Measurement(
        child_id=child_id,
        kind=MeasurementKind.WEIGHT,
        value=kg,
        measured_on=on,
        recorded_by_id=by.id,
        # Each recorded after the one before, so two on one day have an order.
        recorded_at=RECORDED + dt.timedelta(minutes=next(_MINUTES)),
        sds=sds,
        centile=centile,
        supersedes_id=supersedes.id if supersedes else None,
    )
    session.add(weight)
    session.flush()
    return weight


def test_the_same_alerts_on_the_same_children_as_reading_every_weight(engine: Engine) -> None:
    draw = random.Random(10)
    with unit_of_work(engine) as session:
        team = factories.team(session)
        visitor = factories.user(session, team)
        family = factories.family(session, team)
        children = []
        for n in range(80):
            born = TODAY - dt.timedelta(days=draw.choice([3, 12, 20, 21, 25, 60, 200, 700]))
            child = factories.child(session, family, visitor, date_of_birth=born)
            children.append((child.id, born))
            birth_kg, birth_sds = draw.uniform(2.2, 4.6), draw.uniform(-2.5, 2.5)
            if n % 9:  # a few have no birth weight
                weigh(session, child.id, visitor, born, round(birth_kg, 3), birth_sds)
            day, kg, sds = born, birth_kg, birth_sds
            for step in range(draw.randint(0, 9)):
                day += dt.timedelta(days=draw.choice([0, 2, 4, 7, 15, 40]))
                kg *= draw.uniform(0.86, 1.12)
                sds += draw.uniform(-1.3, 0.9)
                weigh(session, child.id, visitor, day, round(kg, 3), sds)
                if step == 1 and n % 4 == 0:  # a second weighing the same day, later
                    weigh(session, child.id, visitor, day, round(kg * 1.03, 3), sds + 0.4)
            if n % 5 == 0:  # a weight entered in error, corrected
                wrong = weigh(session, child.id, visitor, day, round(kg * 0.7, 3), sds - 3)
                weigh(session, child.id, visitor, day, round(kg, 3), sds, supersedes=wrong)
            if n % 7 == 0:  # dated after today: not known yet
                weigh(session, child.id, visitor, TODAY + dt.timedelta(days=3), 1.0, -4.0)
    with unit_of_work(engine) as session:
        expected = every_weight_alerts(session, children)
        assert alerts_for_children(session, children, today=TODAY) == expected
        # Whatever the ids are named by (a board's subquery) and for one child alone.
        ids = [child_id for child_id, _ in children]
        assert alerts_for_children(session, children, today=TODAY, among=ids) == expected
        for child_id, _ in children[:12]:
            one = session.get(Child, child_id)
            assert one is not None
            assert alerts_for_child(session, one, today=TODAY) == expected.get(child_id, [])
    # The histories meet every NG75 rule, and leave some children without an alert.
    rules = {alert.rule for found in expected.values() for alert in found}
    assert rules == set(FalteringRule)
    assert 10 < len(expected) < len(children) - 10
