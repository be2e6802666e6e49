"""The ``healthvisitor`` command line: database administration, demo data,
import and export, and the clinical calculators (``schedule``, ``growth``).

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
from typing import TYPE_CHECKING, Any, TypeVar

from healthvisitor import __version__
from healthvisitor.account_cli import add_commands as add_account_commands
from healthvisitor.clock import local_today
from healthvisitor.config import (
    DATABASE_URL_ENV,
    DatabaseChoice,
    Settings,
    choose_database,
    load_settings,
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


def _connect(settings: Settings) -> tuple[Engine, str | None]:
    """An engine on the chosen database that has connected, and the schema revision it
    found (an encrypted local file is opened with its key from the keyring)."""
    from healthvisitor.persistence.database import create_database_engine, current_revision
    from healthvisitor.startup import database_key

    choice = settings.database
    key = database_key(settings)

    def attempt(password: str | None) -> tuple[Engine, str | None]:
        engine = create_database_engine(choice.url, password=password, key=key)
        try:
            return engine, current_revision(engine)
        except BaseException:
            engine.dispose()
            raise

    return _with_password(attempt)


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from healthvisitor.persistence.database import SCHEMA_HEAD, current_revision, upgrade

    settings = load_settings(args.database)
    choice = settings.database
    engine, before = _connect(settings)
    try:
        upgrade(engine)
        after = current_revision(engine)
    finally:
        engine.dispose()
    if before == after:
        print(f"{choice.describe()} is already at the current schema ({SCHEMA_HEAD}).")
    else:
        print(f"Upgraded {choice.describe()} from {before or 'empty'} to {after}.")
    return 0


def cmd_db_status(args: argparse.Namespace) -> int:
    from healthvisitor.persistence.database import SCHEMA_HEAD
    from healthvisitor.persistence.encryption import is_plain_sqlite
    from healthvisitor.startup import local_database_file

    settings = load_settings(args.database)
    choice = settings.database
    engine, current = _connect(settings)
    engine.dispose()
    head = SCHEMA_HEAD
    print(f"database: {choice.describe()} (from {choice.source})")
    print(f"schema:   {current or 'empty'}")
    print(f"needed:   {head}")
    local = local_database_file(choice)
    if local is not None and local.is_file():
        encrypted = not is_plain_sqlite(local)
        print(
            "encrypted: yes (SQLCipher; its key is in this computer's keyring)"
            if encrypted
            else "encrypted: no"
        )
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


def _local_file(choice: DatabaseChoice, doing: str) -> Path:
    from healthvisitor.startup import local_database_file

    path = local_database_file(choice)
    if path is None:
        raise HealthVisitorError(
            f"{choice.describe()} is a shared database: it is not {doing} from a laptop. IT "
            "backs it up on the server (pg_dump or point-in-time recovery) and restores it there."
        )
    return path


def cmd_db_backup(args: argparse.Namespace) -> int:
    """Back up the local SQLite database now (the app also does it once a day at start-up)."""
    import datetime as dt

    from healthvisitor.config import data_dir
    from healthvisitor.persistence.backup import back_up, backups_folder, list_backups
    from healthvisitor.startup import database_key

    settings = load_settings(args.database)
    path = _local_file(settings.database, "backed up")
    if not path.is_file():
        raise HealthVisitorError(f"There is no database file {path} to back up yet.")
    folder = backups_folder(path, data_dir())
    keep = args.keep if args.keep is not None else settings.backups_kept
    if keep < 1:
        raise ValidationError("Keep at least one backup.", "--keep")
    key = database_key(settings)
    made = back_up(path, folder, now=dt.datetime.now().astimezone(), keep=keep, key=key)
    encrypted = ", encrypted with the database's key" if key is not None else ""
    print(f"Backed up {path} to {made.path} (checked with SQLite's integrity check{encrypted}).")
    kept = list_backups(folder)
    print(f"{len(kept)} backup{'s' if len(kept) != 1 else ''} kept in {folder}:")
    for backup in reversed(kept):
        print(f"  {backup.made_at.astimezone():%d %b %Y %H:%M}  {backup.path.name}")
    return 0


def cmd_db_restore(args: argparse.Namespace) -> int:
    """Put a backup in place of the local SQLite database, keeping the current file aside."""
    import datetime as dt

    from healthvisitor.persistence.backup import restore
    from healthvisitor.persistence.encryption import DATABASE_KEYS, is_plain_sqlite

    path = _local_file(choose_database(args.database), "restored")
    backup = Path(args.file)
    encrypted = [file for file in (backup, path) if file.is_file() and not is_plain_sqlite(file)]
    # An encrypted backup is read, and an encrypted database checked, with the database's key.
    key = DATABASE_KEYS.read(path) if encrypted else None
    done = restore(backup, path, now=dt.datetime.now().astimezone(), key=key)
    print(f"Restored {done.backup} to {done.database}.")
    if done.kept_aside is not None:
        print(f"The file it replaced is kept as {done.kept_aside}: delete it once all is well.")
    print("Anything recorded on this computer after the backup was made must be entered again.")
    return 0


def _file_to_convert(settings: Settings, doing: str) -> Path:
    from healthvisitor.startup import local_database_file

    path = local_database_file(settings.database)
    if path is None:
        raise HealthVisitorError(
            f"{settings.database.describe()} is a shared database: only a local SQLite "
            f"database file is {doing} on a laptop. The shared database is protected by IT "
            "on the server."
        )
    if not path.is_file():
        raise HealthVisitorError(f"There is no database file {path} yet.")
    return path


def _plain_files_beside(path: Path) -> list[Path]:
    """Files a restore kept aside next to the database (plain copies of it)."""
    from healthvisitor.persistence.encryption import is_plain_sqlite

    kept = sorted(path.parent.glob(f"{path.stem}.before-restore-*.db"))
    return [file for file in kept if file.is_file() and is_plain_sqlite(file)]


def cmd_db_encrypt(args: argparse.Namespace) -> int:
    """Encrypt the local SQLite database in place, and its backups (issue 8)."""
    from healthvisitor.config import data_dir
    from healthvisitor.persistence.backup import backups_folder, list_backups
    from healthvisitor.persistence.encryption import (
        DATABASE_KEYS,
        KEY_BYTES,
        convert_in_place,
        is_plain_sqlite,
        usable_keyring,
    )
    from healthvisitor.startup import clean_close_certificate

    settings = load_settings(args.database)
    path = _file_to_convert(settings, "encrypted")
    if not is_plain_sqlite(path):
        raise HealthVisitorError(f"{path} is already encrypted; nothing was changed.")
    refused = usable_keyring()
    if refused is not None:
        raise HealthVisitorError(
            f"{path} was not encrypted: on this computer {refused}. Its key must be kept in "
            "the operating system's keyring, and HealthVisitor never writes that key to a "
            "file. Nothing was changed. Sign in to the computer's desktop session, or ask IT "
            "to set up the keyring."
        )
    key = DATABASE_KEYS.read(path)
    if key is None or len(key) != 2 * KEY_BYTES:
        key = DATABASE_KEYS.make(path)  # kept in the keyring before the new file exists
    done = convert_in_place(path, None, key)
    clean_close_certificate(path, data_dir()).unlink(missing_ok=True)
    print(
        f"Encrypted {path}: {len(done.rows)} tables, {done.total_rows} rows, each table "
        "checked against the original. Its key is in this computer's keyring only."
    )
    backups = [b.path for b in list_backups(backups_folder(path, data_dir()))]
    plain_backups = [backup for backup in backups if is_plain_sqlite(backup)]
    for backup in plain_backups:
        convert_in_place(backup, None, key)
    if plain_backups:
        print(f"Encrypted its {len(plain_backups)} backup(s) with the same key.")
    for left in _plain_files_beside(path):
        print(
            f"Note: {left} is an older, unencrypted copy kept aside by a restore: delete it "
            "once all is well."
        )
    if not settings.database_encrypted:
        print(
            "Set '[database] encrypted = true' in the config file as well, so that a new "
            "database made on this computer is encrypted and a plain one is refused."
        )
    return 0


def cmd_db_decrypt(args: argparse.Namespace) -> int:
    """Turn the encrypted local SQLite database, and its backups, back into plain files."""
    from healthvisitor.config import data_dir
    from healthvisitor.persistence.backup import backups_folder, list_backups
    from healthvisitor.persistence.encryption import (
        DATABASE_KEYS,
        LOCAL_DATABASE_WORDS,
        convert_in_place,
        is_plain_sqlite,
    )
    from healthvisitor.startup import clean_close_certificate

    settings = load_settings(args.database)
    path = _file_to_convert(settings, "decrypted")
    if settings.encrypt_local_database:
        source = next(s.source for s in settings.in_force if s.name == "database.encrypted")
        raise HealthVisitorError(
            f"{path} was not decrypted: [database] encrypted is true (from {source}), and a "
            "plain database would then be refused. Nothing was changed."
        )
    if is_plain_sqlite(path):
        raise HealthVisitorError(f"{path} is not encrypted; nothing was changed.")
    key = DATABASE_KEYS.read(path)
    if key is None:
        raise HealthVisitorError(LOCAL_DATABASE_WORDS.missing.format(path=path))
    DATABASE_KEYS.check_file(path, key)
    done = convert_in_place(path, key, None)
    clean_close_certificate(path, data_dir()).unlink(missing_ok=True)
    print(f"Decrypted {path}: {len(done.rows)} tables, {done.total_rows} rows, each checked.")
    backups = [b.path for b in list_backups(backups_folder(path, data_dir()))]
    for backup in backups:
        if not is_plain_sqlite(backup):
            convert_in_place(backup, key, None)
    DATABASE_KEYS.forget(path)
    print(
        f"Decrypted its {len(backups)} backup(s) too; the key was removed from the keyring. "
        "Patient data in these files can now be read by anyone who has them."
    )
    return 0


def cmd_config_show(args: argparse.Namespace) -> int:
    """Which config files were read, and each setting's value and where it came from."""
    import os

    from healthvisitor.config import MACHINE_CONFIG_ENV, load_settings

    settings = load_settings(args.database)
    machine_file, user_file = machine_config_file(), user_config_file()
    moved = " (moved by $" + MACHINE_CONFIG_ENV + ")" if MACHINE_CONFIG_ENV in os.environ else ""

    def state(path: Path) -> str:
        return " (read)" if path in settings.files_read else " (not present)"

    print(f"machine-wide config: {machine_file}{state(machine_file)}{moved}")
    print(f"user config:         {user_file}{state(user_file)}")
    print(
        f"environment:         ${DATABASE_URL_ENV}"
        f"{' (set)' if os.environ.get(DATABASE_URL_ENV) else ' (not set)'}"
    )
    print()
    for setting in settings.in_force:
        value = "(not set)" if setting.value is None else setting.value
        locked = "" if setting.user_may_change else "; your config may not change it"
        print(f"{setting.name:<26} {value}")
        print(f"{'':<26} from {setting.source}{locked}")
    for setting in settings.in_force:
        if setting.overruled_user_value is not None:
            print(
                f"\nNote: your config sets {setting.name} = {setting.overruled_user_value!r}, "
                "but the machine-wide config sets it and does not let users change it, so "
                f"{setting.value!r} is used. Ask IT if it should be different."
            )
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from healthvisitor.demo import generate_demo
    from healthvisitor.persistence.database import prepare

    if args.children < 1:
        raise ValidationError("Ask for at least one child.", "--children")
    settings = load_settings(args.database, demo=args.database is None)
    choice = settings.database
    engine, _revision = _connect(settings)
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


def cmd_referral_types(args: argparse.Namespace) -> int:
    """List, add, rename or retire referral types, or say whether one prints on the
    family's red book copy (issue 5; administrators change them)."""
    from healthvisitor.persistence.unit_of_work import unit_of_work
    from healthvisitor.services import referrals

    opened = _open(args)
    try:
        actor = _actor(opened.engine, args.user)
        with unit_of_work(opened.engine) as session:
            every = referrals.referral_types(session, actor, include_retired=True)
            by_code = {t.code: t for t in every}
            code = getattr(args, "code", None)
            if code is not None and code not in by_code and args.action != "add":
                raise ValidationError(
                    f"There is no referral type '{code}'; 'healthvisitor referral-types list "
                    "--all' shows the codes.",
                    "code",
                )
            if args.action == "list":
                for line in every:
                    if args.all or not line.retired:
                        retired = "  (retired)" if line.retired else ""
                        copy = "" if line.on_family_copy else "  (not on the family's copy)"
                        print(f"{line.code:<28} {line.name}{retired}{copy}")
                return 0
            if args.action == "add":
                changed = referrals.add_referral_type(
                    session, actor, args.name, args.code or "", on_family_copy=args.on_family_copy
                )
                where = (
                    "printed on the family's red book copy"
                    if changed.on_family_copy
                    else "left off the family's red book copy until you say otherwise"
                )
                print(f"Added '{changed.name}' (code {changed.code}), {where}.")
            elif args.action == "rename":
                changed = referrals.rename_referral_type(
                    session, actor, by_code[args.code].id, args.name
                )
                print(f"Renamed {changed.code} to '{changed.name}'.")
            elif args.action == "family-copy":
                changed = referrals.set_family_copy(
                    session, actor, by_code[args.code].id, args.printed == "yes"
                )
                print(
                    f"'{changed.name}' referrals are now "
                    + ("printed on" if changed.on_family_copy else "left off")
                    + " the family's red book copy (the professional's copy prints them all)."
                )
            else:
                changed = referrals.retire_referral_type(session, actor, by_code[args.code].id)
                print(
                    f"Retired '{changed.name}': no longer offered for new referrals; "
                    "referrals already made keep it."
                )
    finally:
        opened.engine.dispose()
    return 0


def cmd_schedule(args: argparse.Namespace) -> int:
    """The mandated reviews' windows and statuses from the dates alone (no contacts read)."""
    import json

    from healthvisitor.domain.schedule import child_schedule, pregnancy_schedule
    from healthvisitor.domain.validation import EARLIEST_ANTENATAL_DAYS_BEFORE_EDD, parse_date

    if args.dob is None and args.edd is None:
        args.usage_error("give --dob (a born child), --edd (a pregnancy), or both")
    today = _today(args.today)
    born = parse_date(args.dob, "--dob") if args.dob is not None else None
    due = parse_date(args.edd, "--edd") if args.edd is not None else None
    if born is not None and born > today:
        raise ValidationError(
            f"The date of birth {born:%d %b %Y} is after {today:%d %b %Y} (--today); "
            "for a baby not yet born give --edd only.",
            "--dob",
        )
    if due is not None:
        # A pregnancy lasts at most about 42 weeks (the same limit as
        # validation.EARLIEST_ANTENATAL_DAYS_BEFORE_EDD): an estimated date of
        # delivery further than that from the birth, or from today while the
        # baby is unborn, cannot belong to this pregnancy.
        since, what = (born, "the date of birth") if born is not None else (today, "--today")
        if abs((due - since).days) > EARLIEST_ANTENATAL_DAYS_BEFORE_EDD:
            raise ValidationError(
                f"The estimated date of delivery {due:%d %b %Y} is more than "
                f"{EARLIEST_ANTENATAL_DAYS_BEFORE_EDD // 7} weeks from {since:%d %b %Y} "
                f"({what}); check the year.",
                "--edd",
            )
    if born is not None:
        reviews = child_schedule(born, [], today, estimated_delivery_date=due)
    else:
        assert due is not None  # checked above: one of the two is given
        reviews = pregnancy_schedule(due, [], today)
    if args.json:
        rows = [
            {
                "review": review.kind.value,
                "opens": review.window.opens.isoformat(),
                "target_by": review.window.target_by.isoformat(),
                "closes": review.window.closes.isoformat(),
                "status": review.status.value,
            }
            for review in reviews
        ]
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    whom = (
        f"a child born {born:%d %b %Y}"
        if born is not None
        else f"a baby due {due:%d %b %Y} (not yet born)"
    )
    print(f"Mandated reviews for {whom}, as at {today:%d %b %Y}:")
    table = [("Review", "Opens", "Target by", "Closes", "Status")] + [
        (
            review.kind.label,
            f"{review.window.opens:%d %b %Y}",
            f"{review.window.target_by:%d %b %Y}",
            f"{review.window.closes:%d %b %Y}",
            review.status.label,
        )
        for review in reviews
    ]
    widths = [max(len(row[column]) for row in table) for column in range(len(table[0]))]
    for row in table:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        print("  ".join(cells).rstrip())
    return 0


def cmd_growth(args: argparse.Namespace) -> int:
    """Where weight, length/height and head circumference sit on the UK-WHO chart."""
    import json

    from healthvisitor.domain.enums import MeasurementKind, Sex
    from healthvisitor.domain.growth import GrowthResult, assess_measurement
    from healthvisitor.domain.growth_reference import RCPCH_METHOD
    from healthvisitor.domain.schedule import add_months
    from healthvisitor.domain.validation import (
        check_date_of_birth,
        check_event_date,
        parse_date,
        parse_gestation,
    )
    from healthvisitor.errors import FieldProblem

    if args.weight is None and args.length is None and args.ofc is None:
        args.usage_error("give at least one measurement: --weight, --length or --ofc")
    today = _today(None)
    born = check_date_of_birth(parse_date(args.dob, "--dob"), today)
    measured_on = check_event_date(
        parse_date(args.date, "--date"),
        today=today,
        date_of_birth=born,
        field="--date",
        what="measurement",
    )
    gestation = parse_gestation(args.gestation, "--gestation")
    # Lying length under 2 years, standing height from 2 (UK-WHO's switch); one
    # measure to rcpchgrowth, but the app's limits and records keep them apart.
    length_kind = (
        MeasurementKind.LENGTH if measured_on < add_months(born, 24) else MeasurementKind.HEIGHT
    )
    given = [
        ("--weight", MeasurementKind.WEIGHT, args.weight),
        ("--length", length_kind, args.length),
        ("--ofc", MeasurementKind.HEAD_CIRCUMFERENCE, args.ofc),
    ]
    results: list[GrowthResult] = []
    problems: list[FieldProblem] = []
    for option, kind, value in given:
        if value is None:
            continue
        try:
            results.append(
                assess_measurement(
                    kind,
                    value,
                    sex=Sex[args.sex.upper()],
                    date_of_birth=born,
                    gestation=gestation,
                    measured_on=measured_on,
                )
            )
        except ValidationError as error:
            problems.extend(FieldProblem(option, problem.message) for problem in error.problems)
    if problems:
        raise ValidationError(problems)
    if args.json:
        rows = [
            {
                "measurement": RCPCH_METHOD[result.kind],
                "value": result.value,
                "sds": result.sds,
                "centile": result.centile,
                "age_used": result.age_used.value,
                "decimal_age": result.decimal_age,
            }
            for result in results
        ]
        print(json.dumps(rows, indent=2))
        return 0
    print(
        f"UK-WHO growth for a {args.sex} child born {born:%d %b %Y} at {gestation} weeks, "
        f"measured {measured_on:%d %b %Y}:"
    )
    table = [("Measurement", "Value", "SDS", "Centile", "Age used")] + [
        (
            result.kind.label,
            f"{result.value:.2f} {result.kind.unit}"
            if result.kind is MeasurementKind.WEIGHT
            else f"{result.value:.1f} {result.kind.unit}",
            f"{result.sds:+.2f}",
            f"{result.centile:.1f}",
            f"{result.age_used.label.lower()} ({result.decimal_age:.3f} years)",
        )
        for result in results
    ]
    widths = [max(len(row[column]) for row in table) for column in range(len(table[0]))]
    for row in table:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        print("  ".join(cells).rstrip())
    return 0


def cmd_audit_who_accessed(args: argparse.Namespace) -> int:
    """Who accessed one child's record, for its team lead or an administrator (issue 8)."""
    from healthvisitor.domain.validation import parse_date
    from healthvisitor.persistence.types import utc_now
    from healthvisitor.persistence.unit_of_work import unit_of_work
    from healthvisitor.services.access_report import who_accessed
    from healthvisitor.services.actor import actor_for

    start, end = parse_date(args.start, "--from"), parse_date(args.end, "--to")
    # The PDF renderer lives outside the domain: the installed command hands it in.
    write_pdf: Callable[[Any, Path], None] | None = getattr(args, "write_access_pdf", None)
    out = Path(args.pdf) if args.pdf else None
    if out is not None:
        if write_pdf is None:
            raise ValidationError("This command cannot write PDF files; leave out --pdf.", "--pdf")
        if out.suffix.lower() != ".pdf" or not out.parent.is_dir():
            raise ValidationError(
                f"Give a file ending in .pdf in a folder that exists for --pdf, not '{out}'.",
                "--pdf",
            )
    opened = _open(args)
    try:
        with unit_of_work(opened.engine) as session:
            actor = actor_for(session, args.user or getpass.getuser())
            report = who_accessed(
                session,
                actor,
                nhs_number=args.nhs_number,
                start=start,
                end=end,
                now=utc_now(),
                for_print=out is not None,
            )
            if out is not None and write_pdf is not None:
                # Inside the unit of work: a file that cannot be written leaves no print.
                write_pdf(report, out)
    finally:
        opened.engine.dispose()
    count = len(report.accesses)
    print(
        f"Who accessed {report.child_name}'s record (NHS number {report.nhs_number}) from "
        f"{start:%d %b %Y} to {end:%d %b %Y}: {count} access{'' if count == 1 else 'es'}."
    )
    for access in report.accesses:
        who = f"{access.who} ({access.username}, {access.role_label.lower()})"
        print(
            f"{access.local_time:%Y-%m-%d %H:%M:%S%z}  {who if access.username else access.who}"
            f"  {access.what}  from {access.machine or 'an unrecorded computer'}"
        )
    if out is not None:
        print(f"Written to {out}.")
    return 0


def _add_audit_who_accessed(commands: Any) -> None:
    """Add ``audit who-accessed`` beside ``audit verify`` (``account_cli`` makes ``audit``)."""
    audit = commands.choices["audit"]
    # argparse keeps a parser's sub-commands in a private group; there is one.
    [actions] = [a for a in audit._actions if isinstance(a, argparse._SubParsersAction)]
    who = actions.add_parser(
        "who-accessed",
        help="who opened, printed or changed one child's record, and when (team leads of "
        "the child's team and administrators)",
        description="Every audit event on one child's record, its contacts and referrals "
        "in a range of local days, oldest first: when (local time), who (name and role), "
        "what they did and from which computer. Asking is itself recorded in the audit "
        "trail. Dates are YYYY-MM-DD.",
    )
    who.add_argument("--nhs-number", required=True, metavar="N", help="the child's NHS number")
    who.add_argument("--from", dest="start", required=True, metavar="YYYY-MM-DD", help="first day")
    who.add_argument("--to", dest="end", required=True, metavar="YYYY-MM-DD", help="last day")
    who.add_argument("--pdf", metavar="FILE.pdf", help="also write the report as a PDF")
    who.add_argument(
        "--user",
        metavar="USERNAME",
        help="who is asking: a team lead or administrator (default: your login name)",
    )
    who.set_defaults(handler=cmd_audit_who_accessed)


def build_parser(extend: Callable[[Any], None] | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="healthvisitor",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"HealthVisitor {__version__}")
    parser.add_argument("--database", metavar="URL", help="the database to use (see above)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    db = commands.add_parser(
        "db", help="database schema, password, backup, restore and encryption"
    ).add_subparsers(dest="db_command", metavar="ACTION", required=True)
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
    backing_up = db.add_parser(
        "backup",
        help="back up the local SQLite database now (the window also does it once a day)",
        description="Copy the local SQLite database with SQLite's backup API (safe while the "
        "app is open), check the copy with SQLite's integrity check, and keep the newest few "
        "in the backups folder of your data folder ([backup] keep in the config file, "
        "default 7). The window makes one such backup at start-up at most once a day. A "
        "shared PostgreSQL database is backed up by IT on the server, not here.",
    )
    backing_up.add_argument(
        "--keep", type=int, metavar="N", help="keep the newest N backups (the config's, or 7)"
    )
    backing_up.set_defaults(handler=cmd_db_backup)
    restoring = db.add_parser(
        "restore",
        help="replace the local SQLite database with a backup, keeping the current file aside",
        description="Replace the local SQLite database with FILE (a backup from 'healthvisitor "
        "db backup' or the daily one). FILE is checked with SQLite's integrity check first; "
        "the restore is refused while the database is open in HealthVisitor or another "
        "program; the current file is renamed NAME.before-restore-TIME.db beside it, never "
        "deleted. Anything recorded after the backup was made must be entered again.",
    )
    restoring.add_argument("file", help="the backup file to restore")
    restoring.set_defaults(handler=cmd_db_restore)
    db.add_parser(
        "encrypt",
        help="encrypt the local SQLite database in place (SQLCipher, key in the OS keyring)",
        description="Encrypt the local SQLite database file, and its backups, with SQLCipher "
        "(AES-256). A random key is made and kept in this computer's keyring, never in a "
        "file; without a usable keyring nothing is done. The encrypted copy is written "
        "beside the file, checked table by table against it, and only then put in its "
        "place; the plain file and its -wal and -shm files are removed. Close HealthVisitor "
        "first: the command refuses while the database is open. Set [database] encrypted "
        "= true in the config file so that new databases are encrypted and plain ones are "
        "refused.",
    ).set_defaults(handler=cmd_db_encrypt)
    db.add_parser(
        "decrypt",
        help="turn the encrypted local SQLite database back into a plain file",
        description="The reverse of 'db encrypt': the local SQLite database and its backups "
        "become plain files again, each checked, and the key is removed from the keyring. "
        "Refused while [database] encrypted is true. Close HealthVisitor first.",
    ).set_defaults(handler=cmd_db_decrypt)

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

    types = commands.add_parser(
        "referral-types",
        help="list the referral types, or (administrators) add, rename, retire one or set "
        "whether it prints on the family's copy",
        description="The services health visitors refer families to. A retired type stays on "
        "the referrals already made and is no longer offered for new ones. Types are named "
        "by their code (see 'list --all').",
    )
    type_actions = types.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = type_actions.add_parser("list", help="the referral types in use")
    listing.add_argument("--all", action="store_true", help="include retired types")
    adding = type_actions.add_parser("add", help="add a referral type")
    adding.add_argument("name", help='its name, e.g. "Community audiology"')
    adding.add_argument("--code", help="its code (made from the name if not given)")
    adding.add_argument(
        "--on-family-copy",
        action="store_true",
        help="print its referrals on the family's (parent-held) red book copy; without this "
        "they are left off (hazard H17)",
    )
    renaming = type_actions.add_parser("rename", help="give a referral type a new name")
    renaming.add_argument("code", help="the type's code")
    renaming.add_argument("name", help="the new name")
    retiring = type_actions.add_parser("retire", help="stop offering a type for new referrals")
    retiring.add_argument("code", help="the type's code")
    copying = type_actions.add_parser(
        "family-copy",
        help="whether a type's referrals print on the family's red book copy",
        description="The red book is parent-held and may be read by the person a "
        "safeguarding or domestic abuse referral is about: say yes only for routes the "
        "family may safely read about.",
    )
    copying.add_argument("code", help="the type's code")
    copying.add_argument("printed", choices=("yes", "no"), help="print it on the family's copy")
    for action in (listing, adding, renaming, retiring, copying):
        action.add_argument("--user", required=True, help="your username")
        action.set_defaults(handler=cmd_referral_types)

    schedule = commands.add_parser(
        "schedule",
        help="when the five mandated reviews open, are due and close for a date of birth",
        description="Show the Healthy Child Programme mandated reviews for a child (--dob), "
        "a pregnancy (--edd), or both (the antenatal review first): when each opens, its "
        "target date, the end of any late window, and its status from the dates alone "
        "(no contacts are read). Dates are YYYY-MM-DD.",
    )
    schedule.add_argument("--dob", metavar="YYYY-MM-DD", help="the child's date of birth")
    schedule.add_argument(
        "--edd", metavar="YYYY-MM-DD", help="the estimated date of delivery (antenatal review)"
    )
    schedule.add_argument("--today", metavar="YYYY-MM-DD", help="the date to judge by (today)")
    schedule.add_argument("--json", action="store_true", help="print JSON, one object a review")
    schedule.set_defaults(handler=cmd_schedule, usage_error=schedule.error)

    growth = commands.add_parser(
        "growth",
        help="SDS and centile of a weight, length/height or head circumference (UK-WHO)",
        description="Place measurements on the UK-WHO growth chart with rcpchgrowth (the "
        "RCPCH implementation). Preterm babies (born before 37+0 weeks) are plotted at "
        "corrected age until 1 year, or 2 years if born before 32+0 weeks (RCPCH UK-WHO "
        "chart guidance); the age used is shown. Dates are YYYY-MM-DD.",
    )
    growth.add_argument("--sex", required=True, choices=("male", "female"), help="as recorded")
    growth.add_argument("--dob", required=True, metavar="YYYY-MM-DD", help="date of birth")
    growth.add_argument(
        "--gestation", required=True, metavar="W+D", help="gestation at birth, e.g. 39+2"
    )
    growth.add_argument(
        "--date", required=True, metavar="YYYY-MM-DD", help="the date of the measurements"
    )
    growth.add_argument("--weight", type=float, metavar="KG", help="weight in kilograms")
    growth.add_argument(
        "--length",
        "--height",
        dest="length",
        type=float,
        metavar="CM",
        help="length lying (under 2 years) or height standing (from 2), in centimetres; "
        "UK-WHO treats them as one measure, so either option is accepted at any age",
    )
    growth.add_argument("--ofc", type=float, metavar="CM", help="head circumference in cm")
    growth.add_argument("--json", action="store_true", help="print JSON, one object a measurement")
    growth.set_defaults(handler=cmd_growth, usage_error=growth.error)
    add_account_commands(commands)  # user and audit (issue 8)
    _add_audit_who_accessed(commands)
    if extend is not None:
        extend(commands)
    return parser


def main(argv: Sequence[str] | None = None, *, extend: Callable[[Any], None] | None = None) -> int:
    """Run one command. ``extend`` adds commands from outside the domain package
    (``healthvisitor.reports.cli`` adds ``report``; it is the installed entry point)."""
    parser = build_parser(extend)
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
