"""How long recording a review with measurements takes, and opening a child's record.

    .venv/bin/python bench/bench_contacts.py [--postgres ADMIN_URL] [--repeat 30]

On a 600-child demo database (built in a temporary SQLite file, and on a
throwaway PostgreSQL database when --postgres is given), records a 6-8 week
review with weight, length and head circumference (centiles, NG75 alerts and
the audit event included: one unit of work each), then opens child records.
Prints the median and 95th percentile. Figures, not assertions.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time

from databases import database_urls
from sqlalchemy import select
from sqlalchemy.engine import make_url

from healthvisitor.config import DatabaseChoice
from healthvisitor.demo import generate_demo
from healthvisitor.domain.enums import ContactKind, ContactLocation, ContactOutcome, MeasurementKind
from healthvisitor.domain.growth_chart import warm_common_charts
from healthvisitor.domain.growth_reference import uk_who_value_for_sds
from healthvisitor.persistence.database import create_database_engine, upgrade
from healthvisitor.persistence.models import Child
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services.contacts import ContactEntry, MeasurementEntry
from healthvisitor.services.workspace import Workspace, open_workspace

TODAY = dt.date(2026, 11, 24)


def figures(name: str, seconds: list[float]) -> str:
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    median = statistics.median(ordered) * 1000
    return f"  {name:<40} median {median:6.1f} ms   p95 {p95 * 1000:6.1f} ms"


def run(url: str, repeat: int) -> None:
    engine = create_database_engine(url)
    upgrade(engine)
    generate_demo(engine, children=600, seed=7, today=TODAY)
    opened = open_workspace(engine, DatabaseChoice(make_url(url), "bench"), None)
    workspace = Workspace(engine, opened.actor, opened.choice, today=lambda: TODAY)
    with unit_of_work(engine) as session:
        babies = session.execute(
            select(Child.id, Child.sex, Child.date_of_birth)
            .where(Child.health_visitor_id == workspace.actor.user_id)
            .order_by(Child.date_of_birth.desc())
        ).all()[:repeat]
    warm_common_charts()
    saves, opens = [], []
    for number, (child_id, sex, born) in enumerate(babies):
        age = (TODAY - born).days / 365.25
        kinds = (MeasurementKind.WEIGHT, MeasurementKind.LENGTH, MeasurementKind.HEAD_CIRCUMFERENCE)
        values = [uk_who_value_for_sds(kind=k, sex=sex, decimal_age=age, sds=0.2) for k in kinds]
        entry = ContactEntry(
            kind=ContactKind.OTHER,
            child_id=child_id,
            contact_date=TODAY,
            location=ContactLocation.CLINIC,
            outcome=ContactOutcome.COMPLETED,
            delivered_by_id=workspace.actor.user_id,
            accountable_health_visitor_id=workspace.actor.user_id,
            notes=f"bench {number}",
            measurements=tuple(
                MeasurementEntry(kind, round(value, 2))
                for kind, value in zip(kinds, values, strict=True)
            ),
        )
        started = time.perf_counter()
        workspace.record_contact(entry, confirm_implausible=True)
        saves.append(time.perf_counter() - started)
        started = time.perf_counter()
        workspace.child_record(child_id)
        opens.append(time.perf_counter() - started)
    print(f"{make_url(url).get_backend_name()} ({len(babies)} children)")
    print(figures("record a contact with measurements", saves))
    print(figures("open a child's full record", opens))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--postgres", metavar="ADMIN_URL")
    args = parser.parse_args()
    for url in database_urls(args.postgres):
        run(url, args.repeat)


if __name__ == "__main__":
    main()
