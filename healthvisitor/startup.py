"""Opening the database the way both the window and the command line do it.

``open_database`` chooses the database (``healthvisitor.config``), opens it,
creates or upgrades a local SQLite file, refuses a shared database whose
schema is out of date, and, when asked for the demo, fills an empty demo
database with realistic synthetic data (never a database that has records).
Before a local SQLite file is opened, ``check_and_back_up_local_database``
checks its integrity and makes the day's backup (issue 9).
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, func, select

from healthvisitor.clock import local_today
from healthvisitor.config import DatabaseChoice, choose_database, data_dir, load_settings
from healthvisitor.persistence.backup import (
    back_up_if_due,
    backups_folder,
    check_integrity,
)
from healthvisitor.persistence.database import create_database_engine, prepare
from healthvisitor.persistence.models import Child
from healthvisitor.persistence.unit_of_work import unit_of_work

#: The demo opens on a caseload-sized data set: a few teams, realistic mix.
DEMO_CHILDREN = 600
DEMO_SEED = 2026

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OpenDatabase:
    engine: Engine
    choice: DatabaseChoice
    demo_created: bool


def has_children(engine: Engine) -> bool:
    with unit_of_work(engine) as session:
        return bool(session.scalar(select(func.count()).select_from(Child)))


def local_database_file(choice: DatabaseChoice) -> Path | None:
    """The SQLite file ``choice`` names, or None (PostgreSQL, or an in-memory database)."""
    database = choice.url.database if choice.is_sqlite else None
    return Path(database) if database and database != ":memory:" else None


def check_and_back_up_local_database(
    choice: DatabaseChoice, *, demo: bool = False, now: dt.datetime | None = None
) -> None:
    """Issue 9, hazard H3: before a local SQLite file is opened, check it and back it up.

    A file that fails ``PRAGMA quick_check`` stops the start with
    ``DatabaseDamagedError`` (naming the file and the last good backup). Then,
    at most once a day, a backup with SQLite's backup API, keeping the
    configured number (``[backup] keep``), whose copy gets the full
    ``integrity_check`` (healthvisitor.persistence.backup says why): a copy
    that fails it stops the start the same way. A backup that cannot be made
    (a full disk) is logged and does not stop anyone working. The demo database holds
    made-up data only and is checked but not backed up. A new file has nothing
    to check yet; PostgreSQL is IT's to back up on the server.
    """
    path = local_database_file(choice)
    if path is None or not path.exists():
        return
    folder = backups_folder(path, data_dir())
    check_integrity(path, folder)
    if demo:
        return
    try:
        back_up_if_due(
            path,
            folder,
            now=now or dt.datetime.now().astimezone(),
            keep=load_settings().backups_kept,
        )
    except (OSError, sqlite3.Error):
        log.exception("The daily backup of %s could not be made", path)


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
    check_and_back_up_local_database(choice, demo=demo and cli_url is None)
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
