"""The ``healthvisitor`` command line: database administration, demo data,
import and export.

Every failure a user can cause (a bad file, an unreachable database, an
out-of-date schema) ends with one clear sentence on standard error and exit
status 1; usage mistakes exit 2. No command prints a password.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from healthvisitor import __version__
from healthvisitor.clock import local_today
from healthvisitor.config import (
    DATABASE_URL_ENV,
    DatabaseChoice,
    choose_database,
    machine_config_file,
    user_config_file,
)
from healthvisitor.errors import HealthVisitorError, PasswordRequiredError, ValidationError

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from healthvisitor.services.actor import Actor
    from healthvisitor.startup import OpenDatabase

T = TypeVar("T")

DESCRIPTION = """\
HealthVisitor: case management for NHS health visitor teams.

The database is, first match wins: --database URL; $HEALTHVISITOR_DATABASE_URL;
the [database] url in your config file or the machine-wide one
('healthvisitor config show' prints both); else a SQLite file in your data
folder. URLs look like sqlite:///path/to/file.db or
postgresql://user@host:5432/dbname (the password comes from the keyring:
see 'healthvisitor db set-password').
"""


def _today(text: str | None) -> dt.date:
    if text is None:
        return local_today()
    from healthvisitor.domain.validation import parse_date

    return parse_date(text, "--today")


#: How many times a password is asked for before giving up.
PASSWORD_ATTEMPTS = 3


def _with_password(attempt: Callable[[str | None], T]) -> T:
    """Run ``attempt``; if the shared database wants a password, ask on the terminal.

    The password is held in memory for this command only. Without a terminal
    (a script, a scheduled job) nothing is asked and the error stands.
    """
    password: str | None = None
    for _ in range(PASSWORD_ATTEMPTS):
        try:
            return attempt(password)
        except PasswordRequiredError as problem:
            if not sys.stdin.isatty():
                raise
            print(problem, file=sys.stderr)
            password = getpass.getpass("Password: ")
    return attempt(password)


def _open(args: argparse.Namespace) -> OpenDatabase:
    from healthvisitor.startup import open_database

    return _with_password(lambda password: open_database(args.database, password=password))


def _connect(choice: DatabaseChoice) -> tuple[Engine, str | None]:
    """An engine on ``choice`` that has connected, and the schema revision it found."""
    from healthvisitor.persistence.database import create_database_engine, current_revision

    def attempt(password: str | None) -> tuple[Engine, str | None]:
        engine = create_database_engine(choice.url, password=password)
        try:
            return engine, current_revision(engine)
        except BaseException:
            engine.dispose()
            raise

    return _with_password(attempt)


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from healthvisitor.persistence.database import current_revision, head_revision, upgrade

    choice = choose_database(args.database)
    engine, before = _connect(choice)
    try:
        upgrade(engine)
        after = current_revision(engine)
    finally:
        engine.dispose()
    if before == after:
        print(f"{choice.describe()} is already at the current schema ({head_revision()}).")
    else:
        print(f"Upgraded {choice.describe()} from {before or 'empty'} to {after}.")
    return 0


def cmd_db_status(args: argparse.Namespace) -> int:
    from healthvisitor.persistence.database import head_revision

    choice = choose_database(args.database)
    engine, current = _connect(choice)
    engine.dispose()
    head = head_revision()
    print(f"database: {choice.describe()} (from {choice.source})")
    print(f"schema:   {current or 'empty'}")
    print(f"needed:   {head}")
    if current != head:
        print("Run 'healthvisitor db upgrade' to bring it up to date.")
    return 0


def cmd_db_set_password(args: argparse.Namespace) -> int:
    from healthvisitor.persistence.credentials import keyring_account, store_password

    choice = choose_database(args.database)
    if choice.is_sqlite:
        raise HealthVisitorError("A local SQLite database has no password to store.")
    password = getpass.getpass(f"Password for {keyring_account(choice.url)}: ")
    store_password(choice.url, password)
    print(f"Stored in the keyring for {keyring_account(choice.url)}.")
    return 0


def cmd_config_show(args: argparse.Namespace) -> int:
    choice = choose_database(args.database)
    user_file, machine_file = user_config_file(), machine_config_file()
    print(f"database:            {choice.describe()}")
    print(f"chosen from:         {choice.source}")
    print(f"user config:         {user_file}{'' if user_file.exists() else ' (not present)'}")
    print(f"machine-wide config: {machine_file}{'' if machine_file.exists() else ' (not present)'}")
    print(f"environment:         ${DATABASE_URL_ENV}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from healthvisitor.demo import generate_demo
    from healthvisitor.persistence.database import prepare

    if args.children < 1:
        raise ValidationError("Ask for at least one child.", "--children")
    choice = choose_database(args.database, demo=args.database is None)
    engine, _revision = _connect(choice)
    try:
        prepare(engine)
        summary = generate_demo(
            engine, children=args.children, seed=args.seed, today=_today(args.today)
        )
    finally:
        engine.dispose()
    print(f"Demo data written to {choice.describe()}:")
    for name, count in vars(summary).items():
        print(f"  {name.replace('_', ' ')}: {count}")
    return 0


def _actor(engine: Engine, username: str) -> Actor:
    from healthvisitor.persistence.unit_of_work import unit_of_work
    from healthvisitor.services.actor import actor_for

    with unit_of_work(engine) as session:
        return actor_for(session, username)


def cmd_import(args: argparse.Namespace) -> int:
    from healthvisitor.interchange import import_file

    opened = _open(args)
    try:
        summary = import_file(
            opened.engine, _actor(opened.engine, args.user), Path(args.file), today=_today(None)
        )
    finally:
        opened.engine.dispose()
    counts = ", ".join(f"{count} {name}" for name, count in vars(summary).items())
    print(f"Imported {args.file}: {counts}.")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from healthvisitor.interchange import export_file
    from healthvisitor.persistence.types import utc_now

    opened = _open(args)
    try:
        summary = export_file(
            opened.engine, _actor(opened.engine, args.user), Path(args.file), now=utc_now()
        )
    finally:
        opened.engine.dispose()
    counts = ", ".join(f"{count} {name}" for name, count in vars(summary).items())
    print(f"Exported to {args.file}: {counts}.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="healthvisitor",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"HealthVisitor {__version__}")
    parser.add_argument("--database", metavar="URL", help="the database to use (see above)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    db = commands.add_parser("db", help="database schema and password").add_subparsers(
        dest="db_command", metavar="ACTION", required=True
    )
    db.add_parser(
        "upgrade",
        help="create or upgrade the database schema (an administrator's job on a shared "
        "database, on release day)",
    ).set_defaults(handler=cmd_db_upgrade)
    db.add_parser("status", help="show the schema version the database is at").set_defaults(
        handler=cmd_db_status
    )
    db.add_parser(
        "set-password", help="store the shared database's password in the OS keyring"
    ).set_defaults(handler=cmd_db_set_password)

    config = commands.add_parser("config", help="show which settings are in force")
    config.add_subparsers(dest="config_command", metavar="ACTION", required=True).add_parser(
        "show", help="which database is used and which config files were read"
    ).set_defaults(handler=cmd_config_show)

    demo = commands.add_parser(
        "demo",
        help="fill an empty database with realistic synthetic data (NHS numbers from the "
        "never-issued 999 range)",
        description="Fill an empty database with synthetic teams, families, children, "
        "contacts, measurements and referrals. Without --database it writes to the "
        "separate demo database, never your real one. Same seed and date, same data.",
    )
    demo.add_argument("--children", type=int, default=600, help="how many children (600)")
    demo.add_argument("--seed", type=int, default=2026, help="random seed (2026)")
    demo.add_argument("--today", metavar="YYYY-MM-DD", help="the date the data is made for")
    demo.set_defaults(handler=cmd_demo)

    importer = commands.add_parser(
        "import",
        help="import families and children from a JSON interchange file (docs/interchange.md)",
        description="Import a JSON interchange file. The whole file is checked first; if "
        "anything is wrong nothing is imported and every problem is listed.",
    )
    importer.add_argument("file", help="the JSON file to import")
    importer.add_argument("--user", required=True, help="your username (a team lead)")
    importer.set_defaults(handler=cmd_import)

    exporter = commands.add_parser(
        "export", help="export your team's records to a JSON interchange file"
    )
    exporter.add_argument("file", help="the JSON file to write")
    exporter.add_argument("--user", required=True, help="your username")
    exporter.set_defaults(handler=cmd_export)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        status: int = args.handler(args)
    except HealthVisitorError as error:
        print(f"healthvisitor: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("healthvisitor: interrupted; nothing was saved by the interrupted step.")
        return 130
    return status


if __name__ == "__main__":
    sys.exit(main())
