"""How long a quarter's national metrics take: a team, the whole service, a drill-down.

    .venv/bin/python bench/bench_metrics.py [--children 5000] [--postgres ADMIN_URL] [--repeat 5]
    .venv/bin/python bench/bench_metrics.py --database sqlite:////tmp/demo100k.db
    .venv/bin/python bench/bench_metrics.py --children 100000 --keep /tmp/metrics-100k.db

On a demo database of ``--children`` children (built in a temporary SQLite
file, and on a throwaway PostgreSQL database when --postgres is given; or an
existing demo database given by --database, which is left as it was: each
run's audit event is rolled back), a team lead asks for the last whole
quarter before the demo's today, as the metrics view and ``healthvisitor
report metrics`` do: every figure for their team, every figure for the whole
service, every figure for the team's busiest health visitor (My figures,
read through the allocation history), the 6-8 week review's worklist for the
team, and the 8 quarters the performance view's charts count off the GUI
thread. Prints the median and the slowest of ``--repeat`` runs, and the
median CPU time of this process (on SQLite the engine's work too; on
PostgreSQL the server's is not in it). Target (issue 7): the whole quarter
under 1 s at 100,000 children. Figures, not assertions.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time
import uuid
from collections.abc import Callable

from databases import database_urls
from sqlalchemy import Engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from healthvisitor.demo import generate_demo
from healthvisitor.domain.enums import Role
from healthvisitor.domain.metrics import Quarter
from healthvisitor.persistence.database import create_database_engine, upgrade
from healthvisitor.persistence.models import Child, User
from healthvisitor.services.actor import Actor, actor_for
from healthvisitor.services.metrics import (
    MetricScope,
    metric_exceptions,
    metrics_history,
    quarter_metrics,
)

TODAY = dt.date(2026, 11, 24)
QUARTER = Quarter.containing(TODAY).previous()  # 2026-27Q2, the last whole quarter


def figures(name: str, seconds: list[float], cpu: list[float], what: str) -> str:
    median = statistics.median(seconds) * 1000
    return (
        f"  {name:<36} median {median:7.1f} ms   slowest {max(seconds) * 1000:7.1f} ms   "
        f"cpu {statistics.median(cpu) * 1000:6.1f} ms   {what}"
    )


def time_each(
    work: Callable[[Session], str], session: Session, repeat: int
) -> tuple[list[float], list[float], str]:
    """Wall-clock seconds of each run, and this process's CPU seconds: on SQLite that
    is the engine's work too, the figure to read on a machine busy with other work."""
    said = work(session)  # warm the connection and the statement cache
    seconds, cpu = [], []
    for _ in range(repeat):
        started, cpu_started = time.perf_counter(), time.process_time()
        said = work(session)
        seconds.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
    return seconds, cpu, said


def biggest_team_lead(session: Session) -> Actor:
    in_team = (
        select(func.count()).where(Child.team_id == User.team_id).correlate(User).scalar_subquery()
    )
    username = session.scalars(
        select(User.username)
        .where(User.role == Role.TEAM_LEAD, User.active.is_(True))
        .order_by(in_team.desc(), User.username)
        .limit(1)
    ).one()
    return actor_for(session, username, machine="bench")


def busiest_health_visitor(session: Session, lead: Actor) -> uuid.UUID:
    """The health visitor in the lead's team with the most children allocated now."""
    busiest = session.scalars(
        select(Child.health_visitor_id)
        .where(Child.team_id == lead.team_id, Child.health_visitor_id.is_not(None))
        .group_by(Child.health_visitor_id)
        .order_by(func.count().desc(), Child.health_visitor_id)
        .limit(1)
    ).one()
    assert busiest is not None  # the query leaves the unallocated out
    return busiest


def run(url: str, repeat: int) -> None:
    engine = create_database_engine(url)
    with Session(engine) as session:
        lead = biggest_team_lead(session)
        visitor = busiest_health_visitor(session, lead)
        children = session.scalar(select(func.count()).select_from(Child))
        in_team = session.scalar(select(func.count()).where(Child.team_id == lead.team_id))
        print(
            f"{make_url(url).get_backend_name()} ({children:,} children; {in_team:,} in "
            f"{lead.full_name}'s team), quarter {QUARTER}"
        )

        def team(session: Session) -> str:
            found = quarter_metrics(session, lead, QUARTER, today=TODAY)
            six = found.figure("six_to_eight_week_by_8_weeks")
            return f"6-8 week: {six.numerator} of {six.denominator}"

        def service(session: Session) -> str:
            found = quarter_metrics(session, lead, QUARTER, today=TODAY, scope=MetricScope.SERVICE)
            six = found.figure("six_to_eight_week_by_8_weeks")
            return f"6-8 week: {six.numerator} of {six.denominator}"

        def one_visitor(session: Session) -> str:
            found = quarter_metrics(
                session,
                lead,
                QUARTER,
                today=TODAY,
                scope=MetricScope.HEALTH_VISITOR,
                health_visitor_id=visitor,
            )
            six = found.figure("six_to_eight_week_by_8_weeks")
            return f"6-8 week: {six.numerator} of {six.denominator}"

        def worklist(session: Session) -> str:
            missed = metric_exceptions(
                session, lead, QUARTER, "six_to_eight_week_by_8_weeks", today=TODAY
            )
            return f"{len(missed)} children listed"

        def history(session: Session) -> str:
            found = metrics_history(session, lead, QUARTER, today=TODAY)
            return f"{len(found)} quarters, {found[0].quarter} to {found[-1].quarter}"

        for name, work in [
            ("every figure, the team", team),
            ("every figure, the whole service", service),
            ("every figure, one health visitor", one_visitor),
            ("6-8 week worklist, the team", worklist),
            ("8 quarters for the charts, the team", history),
        ]:
            seconds, cpu, said = time_each(work, session, repeat)
            print(figures(name, seconds, cpu, said))
        session.rollback()  # the audit events: leave a given database as it was
    engine.dispose()


def build(engine: Engine, children: int) -> None:
    started = time.perf_counter()
    generate_demo(engine, children=children, seed=1, today=TODAY)
    if engine.dialect.name == "postgresql":
        # What autovacuum does within a minute of a bulk load (bench_search.py). SQLite
        # is left unanalysed, as the app leaves it.
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))
    print(f"(demo of {children:,} children built in {time.perf_counter() - started:.0f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--postgres", metavar="ADMIN_URL", help="also run on this server")
    parser.add_argument("--database", metavar="URL", help="an existing demo database (unchanged)")
    parser.add_argument(
        "--keep", metavar="PATH", help="build the SQLite demo in this file once, then reuse it"
    )
    args = parser.parse_args()
    if args.database:
        run(args.database, args.repeat)
        return
    if args.keep:
        url = f"sqlite:///{args.keep}"
        engine = create_database_engine(url)
        upgrade(engine)  # a kept file gets the newest indexes too
        with Session(engine) as session:
            empty = session.scalar(select(func.count()).select_from(Child)) == 0
        if empty:
            build(engine, args.children)
        engine.dispose()
        run(url, args.repeat)
        return
    for url in database_urls(args.postgres):
        engine = create_database_engine(url)
        upgrade(engine)
        build(engine, args.children)
        engine.dispose()
        run(url, args.repeat)


if __name__ == "__main__":
    main()
