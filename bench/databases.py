"""The empty databases a benchmark runs on: a temporary SQLite file, and a
throwaway PostgreSQL database that is dropped afterwards."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def database_urls(postgres_admin_url: str | None) -> Iterator[str]:
    """The URL of a new empty SQLite database, then (if asked) a PostgreSQL one."""
    with tempfile.TemporaryDirectory() as folder:
        yield f"sqlite:///{Path(folder) / 'bench.db'}"
    if postgres_admin_url:
        with throwaway_postgres(postgres_admin_url) as url:
            yield url


@contextmanager
def throwaway_postgres(admin_url: str) -> Iterator[str]:
    """A new database on the server at ``admin_url``, dropped on leaving."""
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"hv_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()
