"""How long the team search takes: NHS number, surname start, date of birth, postcode.

    .venv/bin/python bench/bench_search.py [--children 5000] [--postgres ADMIN_URL] [--repeat 50]
    .venv/bin/python bench/bench_search.py --database sqlite:////tmp/demo100k.db

On a demo database of ``--children`` children (built in a temporary SQLite
file, and on a throwaway PostgreSQL database when --postgres is given; or an
existing demo database given by --database, which is only read), a team
lead's workspace searches as the window does (one unit of work each, as the
user pauses in typing): whole NHS numbers of the team's children, the first
three letters of their surnames, two letters (the shortest search, the most
children), dates of birth and outward postcodes. Prints the median and 95th
percentile per kind. Target (issue 4): under 30 ms at 100,000 children.
Figures, not assertions.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import time
from collections.abc import Callable

from databases import database_urls
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from healthvisitor.config import DatabaseChoice
from healthvisitor.demo import generate_demo
from healthvisitor.domain.enums import Role
from healthvisitor.domain.names import name_key
from healthvisitor.persistence.database import create_database_engine, upgrade
from healthvisitor.persistence.models import Child, Family, User
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services.actor import actor_for
from healthvisitor.services.workspace import Workspace

TODAY = dt.date(2026, 11, 24)


def figures(name: str, seconds: list[float], found: int) -> str:
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    median = statistics.median(ordered) * 1000
    return (
        f"  {name:<34} median {median:6.1f} ms   p95 {p95 * 1000:6.1f} ms"
        f"   ({found / len(seconds):.1f} rows a search)"
    )


def team_lead_workspace(url: str) -> Workspace:
    """A team lead of the largest team: the search sees the whole team, like anyone's."""
    engine = create_database_engine(url)
    with unit_of_work(engine) as session:
        username = session.scalars(
            select(User.username)
            .where(User.role == Role.TEAM_LEAD, User.active.is_(True))
            .order_by(User.username)
            .limit(1)
        ).one()
        actor = actor_for(session, username, machine="bench")
    return Workspace(engine, actor, DatabaseChoice(make_url(url), "bench"), today=lambda: TODAY)


def searches(workspace: Workspace, repeat: int) -> dict[str, list[str]]:
    """What to type, per kind, from the team's own children (a seeded draw)."""
    with unit_of_work(workspace.engine) as session:
        team = session.execute(
            select(Child.nhs_number, Child.family_name, Child.date_of_birth, Family.postcode)
            .join(Family, Family.id == Child.family_id)
            .where(Child.team_id == workspace.actor.team_id)
            .order_by(Child.nhs_number)
        ).all()
    draw = random.Random(7)
    chosen = draw.sample(team, min(repeat, len(team)))
    return {
        "whole NHS number (spaced 3-3-4)": [
            f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}" for nhs, *_ in chosen
        ],
        "surname, first 3 letters": [name_key(row[1])[:3] for row in chosen],
        "surname, first 2 letters": [name_key(row[1])[:2] for row in chosen],
        "date of birth (dd/mm/yyyy)": [f"{row[2]:%d/%m/%Y}" for row in chosen],
        "outward postcode": [row[3].partition(" ")[0] for row in chosen],
    }


def time_each(search: Callable[[str], int], typed: list[str]) -> tuple[list[float], int]:
    search(typed[0])  # warm the connection pool and the statement cache
    seconds, found = [], 0
    for words in typed:
        started = time.perf_counter()
        found += search(words)
        seconds.append(time.perf_counter() - started)
    return seconds, found


def run(url: str, repeat: int) -> None:
    workspace = team_lead_workspace(url)
    with unit_of_work(workspace.engine) as session:
        children = len(session.scalars(select(Child.id)).all())
        in_team = len(
            session.scalars(select(Child.id).where(Child.team_id == workspace.actor.team_id)).all()
        )
    print(
        f"{make_url(url).get_backend_name()} ({children:,} children; "
        f"{in_team:,} in {workspace.actor.full_name}'s team)"
    )

    def search(text: str) -> int:
        return len(workspace.search_records(text).rows)

    for name, typed in searches(workspace, repeat).items():
        seconds, found = time_each(search, typed)
        print(figures(name, seconds, found))
    workspace.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--postgres", metavar="ADMIN_URL", help="also run on this server")
    parser.add_argument(
        "--database", metavar="URL", help="an existing demo database to search (only read)"
    )
    args = parser.parse_args()
    if args.database:
        run(args.database, args.repeat)
        return
    for url in database_urls(args.postgres):
        engine = create_database_engine(url)
        upgrade(engine)
        started = time.perf_counter()
        generate_demo(engine, children=args.children, seed=1, today=TODAY)
        if engine.dialect.name == "postgresql":
            # What autovacuum does within a minute of a bulk load: without
            # statistics the planner takes the team for a handful of children.
            with engine.begin() as connection:
                connection.execute(text("ANALYZE"))
        built = time.perf_counter() - started
        print(f"(demo of {args.children:,} children built in {built:.0f} s)")
        engine.dispose()
        run(url, args.repeat)


if __name__ == "__main__":
    main()
