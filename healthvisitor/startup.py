"""Opening the database the way both the window and the command line do it.

``open_database`` chooses the database (``healthvisitor.config``), opens it,
creates or upgrades a local SQLite file, refuses a shared database whose
schema is out of date, and, when asked for the demo, fills an empty demo
database with realistic synthetic data (never a database that has records).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine, func, select

from healthvisitor.clock import local_today
from healthvisitor.config import DatabaseChoice, choose_database
from healthvisitor.persistence.database import create_database_engine, prepare
from healthvisitor.persistence.models import Child
from healthvisitor.persistence.unit_of_work import unit_of_work

#: The demo opens on a caseload-sized data set: a few teams, realistic mix.
DEMO_CHILDREN = 600
DEMO_SEED = 2026


@dataclass(frozen=True)
class OpenDatabase:
    engine: Engine
    choice: DatabaseChoice
    demo_created: bool


def has_children(engine: Engine) -> bool:
    with unit_of_work(engine) as session:
        return bool(session.scalar(select(func.count()).select_from(Child)))


def open_database(
    cli_url: str | None = None,
    *,
    demo: bool = False,
    today: dt.date | None = None,
    password: str | None = None,
) -> OpenDatabase:
    """Open the chosen database ready for use.

    ``password`` is what the user typed when asked (``PasswordRequiredError``);
    otherwise the keyring supplies it. It is held only in memory.
    """
    choice = choose_database(cli_url, demo=demo)
    engine = create_database_engine(choice.url, password=password)
    try:
        prepare(engine)
        created = False
        if demo and not has_children(engine):
            from healthvisitor.demo import generate_demo

            generate_demo(
                engine, children=DEMO_CHILDREN, seed=DEMO_SEED, today=today or local_today()
            )
            created = True
    except BaseException:
        engine.dispose()
        raise
    return OpenDatabase(engine, choice, created)
