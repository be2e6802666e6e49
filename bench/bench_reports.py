"""How long the printed reports take (issue 6): a red book summary, a 400-child handover.

    .venv/bin/python bench/bench_reports.py [--postgres ADMIN_URL] [--repeat 20]

On a demo database (built in a temporary SQLite file, and on a throwaway
PostgreSQL database when --postgres is given):

* red book summaries with three growth charts, for the children with the most
  measurements: the service (child record, flags, plan, audit event) and the
  PDF, timed together as the user waits for them (target: under 300 ms);
* the handover of one health visitor's caseload made up to 400 children:
  the service and the PDF together (target: under 10 s).

Prints the median and 95th percentile. Figures, not assertions.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import statistics
import time

from databases import database_urls
from sqlalchemy import func, select, update

from healthvisitor.demo import generate_demo
from healthvisitor.domain.enums import RecordStatus
from healthvisitor.domain.growth_chart import warm_common_charts
from healthvisitor.persistence.database import create_database_engine, upgrade
from healthvisitor.persistence.models import Child, Measurement, User
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.reports.handover import handover_pdf
from healthvisitor.reports.red_book import red_book_pdf
from healthvisitor.services.actor import actor_for
from healthvisitor.services.printing import handover_report, red_book_summary

TODAY = dt.date(2026, 11, 24)
HANDOVER_CHILDREN = 400


def figures(name: str, seconds: list[float]) -> str:
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    median = statistics.median(ordered) * 1000
    return f"  {name:<44} median {median:7.1f} ms   p95 {p95 * 1000:7.1f} ms"


def run(url: str, repeat: int) -> None:
    engine = create_database_engine(url)
    upgrade(engine)
    generate_demo(engine, children=900, seed=11, today=TODAY)
    with unit_of_work(engine) as session:
        # The busiest health visitor takes over the whole team's active children,
        # up to 400: a caseload the size the issue asks to measure.
        visitor_id, username, team_id = session.execute(
            select(User.id, User.username, User.team_id)
            .join(Child, Child.health_visitor_id == User.id)
            .group_by(User.id, User.username, User.team_id)
            .order_by(func.count(Child.id).desc())
        ).first()  # type: ignore[misc]
        chosen = session.scalars(
            select(Child.id)
            .where(Child.team_id == team_id, Child.record_status == RecordStatus.ACTIVE)
            .limit(HANDOVER_CHILDREN)
        ).all()
        session.execute(
            update(Child).where(Child.id.in_(chosen)).values(health_visitor_id=visitor_id)
        )
        session.execute(  # exactly 400: any others of theirs go unallocated
            update(Child)
            .where(Child.health_visitor_id == visitor_id, Child.id.not_in(chosen))
            .values(health_visitor_id=None)
        )
        actor = actor_for(session, username)
        measured = (
            session.execute(
                select(Measurement.child_id)
                .join(Child, Child.id == Measurement.child_id)
                .where(Child.team_id == team_id)
                .group_by(Measurement.child_id)
                .order_by(func.count(Measurement.id).desc())
                .limit(repeat)
            )
            .scalars()
            .all()
        )
    warm_common_charts()

    books, pages = [], []
    for child_id in measured:
        started = time.perf_counter()
        with unit_of_work(engine) as session:
            summary = red_book_summary(session, actor, child_id, today=TODAY)
        out = io.BytesIO()
        red_book_pdf(summary, out)
        books.append(time.perf_counter() - started)
        pages.append(out.getvalue().count(b"/Type /Page\n"))

    handovers, sizes = [], 0
    for _ in range(3):
        started = time.perf_counter()
        with unit_of_work(engine) as session:
            report = handover_report(session, actor, visitor_id, today=TODAY)
        out = io.BytesIO()
        handover_pdf(report, out)
        handovers.append(time.perf_counter() - started)
        sizes = len(report.children)
    print(f"{engine.url.get_backend_name()}")
    print(figures(f"red book summary, 3 charts ({len(books)} children)", books))
    print(figures(f"handover of {sizes} children", handovers))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--postgres", metavar="ADMIN_URL")
    args = parser.parse_args()
    for url in database_urls(args.postgres):
        run(url, args.repeat)


if __name__ == "__main__":
    main()
