"""The ``user``, ``audit`` and ``audit-key`` commands (issue 8), added by ``cli.py``.

``healthvisitor user add|set-password|disable|enable|unlock|set-role|list``
are the administrator's tools for accounts (the administrator's window does
the same, ``ui/account_dialogs.py``). A password is read from a masked prompt
(typed twice) or, when stdin is not a terminal, from the first line of stdin;
never from the command line, where it would be kept in the shell history and
visible to other users in the process list. These commands run with the
database's own credentials and are audited with the machine and
operating-system account (see ``healthvisitor.services.accounts``).

``healthvisitor audit verify`` checks the tamper-evident chain and names the
first broken event; ``audit child --nhs N`` lists who opened or changed a
child's record. ``healthvisitor audit-key export|import`` hands the chain's
key to another computer of a shared database, through a file only its owner
can read; the key is never printed (``healthvisitor.persistence.audit_key``).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from healthvisitor.errors import ValidationError

ROLE_CHOICES = ("health_visitor", "team_lead", "administrator")


def read_new_password(prompt: str = "New password") -> str:
    """A new password: typed twice on a terminal, else the first line of stdin."""
    if sys.stdin.isatty():
        first = getpass.getpass(f"{prompt}: ")
        if getpass.getpass("Type it again: ") != first:
            raise ValidationError("The two passwords typed are not the same.", "password")
        return first
    line = sys.stdin.readline()
    if not line:
        raise ValidationError(
            "No password was given: type it when asked, or pass it on stdin (never as an "
            "option, where others could see it).",
            "password",
        )
    return line.rstrip("\r\n")


def cmd_user(args: argparse.Namespace) -> int:
    from healthvisitor.cli import _open
    from healthvisitor.domain.enums import Role
    from healthvisitor.persistence.types import utc_now
    from healthvisitor.persistence.unit_of_work import unit_of_work
    from healthvisitor.services import accounts

    password = (
        read_new_password(f"Password for {args.username}")
        if args.action in ("add", "set-password")
        else ""
    )
    opened = _open(args)
    try:
        with unit_of_work(opened.engine) as session:
            if args.action == "list":
                for line in accounts.list_users(session, None):
                    state = "active" if line.active else "disabled"
                    if line.active and not line.has_password:
                        state = "no password yet"
                    if line.locked_until and line.locked_until > utc_now():
                        state = f"locked until {line.locked_until.astimezone():%H:%M}"
                    last = (
                        f"{line.last_sign_in.astimezone():%d %b %Y %H:%M}"
                        if line.last_sign_in
                        else "never signed in"
                    )
                    print(
                        f"{line.username:<16} {line.full_name:<28} {line.role.label:<15} "
                        f"{line.team_name or '-':<32} {state:<24} {last}"
                    )
            elif args.action == "add":
                added = accounts.add_user(
                    session,
                    None,
                    username=args.username,
                    full_name=args.name,
                    role=Role.from_code(args.role),
                    team_name=args.team,
                    password=password,
                    now=utc_now(),
                )
                print(f"Added {added.full_name} ({added.username}, {added.role.label.lower()}).")
            elif args.action == "set-password":
                accounts.set_password(session, None, args.username, password, now=utc_now())
                print(f"New password set for {args.username}; any lockout is lifted.")
            elif args.action == "enable":
                accounts.enable_user(session, None, args.username)
                print(f"{args.username} can sign in again with the password they had.")
            elif args.action == "unlock":
                accounts.unlock_user(session, None, args.username, now=utc_now())
                print(f"{args.username} can try their password again now.")
            elif args.action == "set-role":
                changed = accounts.change_role_and_team(
                    session,
                    None,
                    args.username,
                    role=Role.from_code(args.role),
                    team_name=args.team,
                )
                team = f" in {changed.team_name}" if changed.team_name else ""
                print(
                    f"{changed.username} is now {changed.role.label.lower()}{team}, from "
                    "their next sign-in."
                )
            else:
                accounts.disable_user(session, None, args.username)
                print(
                    f"{args.username} is disabled and can no longer sign in; everything they "
                    "recorded stays."
                )
    finally:
        opened.engine.dispose()
    return 0


def cmd_team(args: argparse.Namespace) -> int:
    from healthvisitor.cli import _open
    from healthvisitor.persistence.unit_of_work import unit_of_work
    from healthvisitor.services import accounts

    opened = _open(args)
    try:
        with unit_of_work(opened.engine) as session:
            if args.team_action == "add":
                name = accounts.add_team(session, None, args.name)
                print(
                    f"Added the team '{name}'. Add its team lead and health visitors with "
                    f"'healthvisitor user add ... --team \"{name}\"'."
                )
            else:
                for name in accounts.team_names(session, None):
                    print(name)
    finally:
        opened.engine.dispose()
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    from healthvisitor.cli import _open
    from healthvisitor.persistence.unit_of_work import unit_of_work
    from healthvisitor.services.audit_chain import verify_chain

    opened = _open(args)
    try:
        with unit_of_work(opened.engine) as session:
            report = verify_chain(session)
    finally:
        opened.engine.dispose()
    unsigned = (
        f" ({report.unsigned} from before the chain began are numbered but not signed)"
        if report.unsigned
        else ""
    )
    if report.problem is None:
        print(f"The audit trail is intact: {report.events} events checked{unsigned}.")
        return 0
    print(
        "The audit trail has been altered. First broken: " + report.problem.describe() + ".",
        file=sys.stderr,
    )
    print("Keep this database as it is and tell your information governance lead.", file=sys.stderr)
    return 1


def cmd_audit_key(args: argparse.Namespace) -> int:
    """Hand the audit chain's key to another computer of a shared database (audit_key.py)."""
    import socket
    from pathlib import Path

    from sqlalchemy import select

    from healthvisitor.cli import _open
    from healthvisitor.errors import HealthVisitorError
    from healthvisitor.persistence import audit_key
    from healthvisitor.persistence.models import AuditChainHead, AuditEvent
    from healthvisitor.persistence.unit_of_work import unit_of_work
    from healthvisitor.services.audit import record_event
    from healthvisitor.services.audit_chain import HEAD_ID, event_hash

    opened = _open(args)
    try:
        with unit_of_work(opened.engine) as session:
            head = session.get(AuditChainHead, HEAD_ID)
            if head is None:
                raise HealthVisitorError(
                    "This database's audit trail has not begun yet, so it has no key to hand "
                    "over. Sign in once on the first computer, then export its key."
                )
            chain_id = head.chain_id
            operator = _operator_name()
            if args.key_action == "export":
                destination = Path(args.to)
                audit_key.export_key(chain_id, destination)
                record_event(
                    session,
                    None,
                    "audit_key_exported",
                    "audit_chain",
                    None,
                    machine=socket.gethostname(),
                    operator=operator,
                )
                print(
                    f"The audit trail's key is in {destination} (readable by you only). "
                    "Import it on the other computer with 'healthvisitor audit-key import "
                    "--from FILE', then delete the file: whoever holds it and can write the "
                    "database could forge the audit trail."
                )
                return 0
            file_chain, key = audit_key.read_exported_key(Path(args.source))
            if file_chain != chain_id:
                raise HealthVisitorError(
                    "That key belongs to another database's audit trail: nothing was imported. "
                    "Check --database, or export the key from a computer that uses this one."
                )
            first = session.scalars(
                select(AuditEvent).where(AuditEvent.sequence == head.signed_from)
            ).one_or_none()
            if first is not None and first.row_hash != event_hash(key, first, ""):
                raise HealthVisitorError(
                    "That key does not sign this database's audit trail: nothing was imported."
                )
            installed = audit_key.install_key(chain_id, key)
            record_event(
                session,
                None,
                "audit_key_imported",
                "audit_chain",
                None,
                machine=socket.gethostname(),
                operator=operator,
                already_held=not installed,
            )
    finally:
        opened.engine.dispose()
    print(
        "The audit trail's key is now in this computer's keyring: HealthVisitor can record "
        "and check the audit trail here. Delete the key file."
        if installed
        else "This computer already held that key: nothing changed. Delete the key file."
    )
    return 0


def _operator_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this operating-system account
        return ""


def add_commands(commands: Any) -> None:
    """Add ``user``, ``team`` and ``audit`` to the ``healthvisitor`` command's sub-commands."""
    user = commands.add_parser(
        "user",
        help="user accounts: add, set a password, disable or re-enable, unlock, set a role, "
        "list (administrators)",
        description="Manage who can sign in. Passwords are asked for (masked, typed twice) "
        "or read from the first line of stdin; never give one as an option. A password "
        "needs at least 12 characters and must not be a common one.",
    )
    actions = user.add_subparsers(dest="action", metavar="ACTION", required=True)
    adding = actions.add_parser("add", help="add an account and set its first password")
    adding.add_argument("username", help="the name they sign in with, e.g. jokafor")
    adding.add_argument("--name", required=True, help='their full name, e.g. "Jo Okafor"')
    adding.add_argument("--role", required=True, choices=ROLE_CHOICES, help="their role")
    adding.add_argument("--team", help="their team's name (health visitors and team leads)")
    setting = actions.add_parser(
        "set-password", help="set or reset someone's password (also lifts a lockout)"
    )
    setting.add_argument("username")
    disabling = actions.add_parser(
        "disable", help="a leaver: they can no longer sign in; their history stays"
    )
    disabling.add_argument("username")
    enabling = actions.add_parser(
        "enable", help="let a disabled account sign in again, with the password it had"
    )
    enabling.add_argument("username")
    unlocking = actions.add_parser(
        "unlock", help="lift a lockout after wrong passwords, keeping the password"
    )
    unlocking.add_argument("username")
    role_setting = actions.add_parser(
        "set-role", help="give an account another role or team (audited as a permission change)"
    )
    role_setting.add_argument("username")
    role_setting.add_argument("--role", required=True, choices=ROLE_CHOICES, help="their role")
    role_setting.add_argument("--team", help="their team's name (health visitors and team leads)")
    listing = actions.add_parser("list", help="every account, its role, team and state")
    for parser in (adding, setting, disabling, enabling, unlocking, role_setting, listing):
        parser.set_defaults(handler=cmd_user)

    team = commands.add_parser(
        "team",
        help="teams: add one, list them (administrators; a new shared database has none)",
        description="Teams of health visitors. Each health visitor and team lead belongs "
        "to one; add the team before its people.",
    )
    team_actions = team.add_subparsers(dest="team_action", metavar="ACTION", required=True)
    team_adding = team_actions.add_parser("add", help="add a team")
    team_adding.add_argument("name", help='the team\'s name, e.g. "Northgate Health Visiting"')
    team_listing = team_actions.add_parser("list", help="every team's name")
    for parser in (team_adding, team_listing):
        parser.set_defaults(handler=cmd_team)

    audit = commands.add_parser(
        "audit",
        help="check the tamper-evident audit trail",
        description="Every view, change, print, export, sign-in and lock is an audit event, "
        "signed and chained to the one before. 'verify' checks the whole chain.",
    )
    audit_actions = audit.add_subparsers(dest="audit_action", metavar="ACTION", required=True)
    audit_actions.add_parser(
        "verify",
        help="check every event against its signature and the chain; name the first "
        "edited, deleted, reordered or missing one (exit status 1 if any)",
    ).set_defaults(handler=cmd_audit_verify)

    keys = commands.add_parser(
        "audit-key",
        help="hand the audit trail's key to another computer of a shared database",
        description="Every computer that writes to a shared database signs the audit trail "
        "with the same key, kept in its keyring. 'export' writes this computer's key into a "
        "new file only you can read; 'import' checks that file against the database and "
        "puts the key in this computer's keyring. The key is never printed.",
    )
    key_actions = keys.add_subparsers(dest="key_action", metavar="ACTION", required=True)
    exporting = key_actions.add_parser(
        "export", help="write the key into a new file (mode 0600); delete it after importing"
    )
    exporting.add_argument("--to", required=True, metavar="FILE", help="a new file")
    importing = key_actions.add_parser(
        "import", help="check an exported key against the database and keep it in the keyring"
    )
    importing.add_argument(
        "--from", dest="source", required=True, metavar="FILE", help="the exported key file"
    )
    for parser in (exporting, importing):
        parser.set_defaults(handler=cmd_audit_key)
