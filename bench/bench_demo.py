"""How long demo data takes to generate, on SQLite and (optionally) PostgreSQL.

    .venv/bin/python bench/bench_demo.py --children 5000
    .venv/bin/python bench/bench_demo.py --children 2000 --postgres postgresql://postgres@127.0.0.1:5432/postgres

Each run writes into a new, empty database (a temporary SQLite file; on
PostgreSQL a throwaway database that is dropped afterwards) and prints wall
time and peak memory. Figures, not assertions: this is not a test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import time

from databases import database_urls
from sqlalchemy.engine import make_url

from healthvisitor.demo import generate_demo
from healthvisitor.persistence.database import create_database_engine, upgrade

TODAY = dt.date(2026, 11, 24)


def run(url: str, children: int, seed: int) -> None:
    engine = create_database_engine(url)
    upgrade(engine)
    started = time.perf_counter()
    summary = generate_demo(engine, children=children, seed=seed, today=TODAY)
    elapsed = time.perf_counter() - started
    engine.dispose()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{make_url(url).get_backend_name():<10} {children:>8} children  {elapsed:7.2f} s  "
        f"{summary.contacts:>9} contacts  {summary.measurements:>9} measurements  "
        f"peak {peak_mb:.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--postgres", metavar="ADMIN_URL", help="also run on this server")
    args = parser.parse_args()
    for url in database_urls(args.postgres):
        run(url, args.children, args.seed)


if __name__ == "__main__":
    main()
