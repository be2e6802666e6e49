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
from collections.abc import Callable
from dataclasses import dataclass
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


#: One argument or option of an action: ``add_argument``'s names and keywords.
Argument = tuple[tuple[str, ...], dict[str, Any]]


def _argument(*names: str, **options: Any) -> Argument:
    return names, options


USERNAME = _argument("username")
ROLE = _argument("--role", required=True, choices=ROLE_CHOICES, help="their role")
TEAM = _argument("--team", help="their team's name (health visitors and team leads)")


@dataclass(frozen=True)
class Action:
    """One action of a command (``user add``): its name, its help and its arguments."""

    name: str
    help: str
    arguments: tuple[Argument, ...] = ()


@dataclass(frozen=True)
class Command:
    """A command whose actions all run ``handler``, which reads the action from ``dest``."""

    name: str
    help: str
    description: str
    dest: str
    handler: Callable[[argparse.Namespace], int]
    actions: tuple[Action, ...]

    def add_to(self, commands: Any) -> None:
        parser = commands.add_parser(self.name, help=self.help, description=self.description)
        actions = parser.add_subparsers(dest=self.dest, metavar="ACTION", required=True)
        for action in self.actions:
            adding = actions.add_parser(action.name, help=action.help)
            for names, options in action.arguments:
                adding.add_argument(*names, **options)
            adding.set_defaults(handler=self.handler)


COMMANDS = (
    Command(
        "user",
        help="user accounts: add, set a password, disable or re-enable, unlock, set a role, "
        "list (administrators)",
        description="Manage who can sign in. Passwords are asked for (masked, typed twice) "
        "or read from the first line of stdin; never give one as an option. A password "
        "needs at least 12 characters and must not be a common one.",
        dest="action",
        handler=cmd_user,
        actions=(
            Action(
                "add",
                "add an account and set its first password",
                (
                    _argument("username", help="the name they sign in with, e.g. jokafor"),
                    _argument("--name", required=True, help='their full name, e.g. "Jo Okafor"'),
                    ROLE,
                    TEAM,
                ),
            ),
            Action(
                "set-password",
                "set or reset someone's password (also lifts a lockout)",
                (USERNAME,),
            ),
            Action(
                "disable", "a leaver: they can no longer sign in; their history stays", (USERNAME,)
            ),
            Action(
                "enable",
                "let a disabled account sign in again, with the password it had",
                (USERNAME,),
            ),
            Action(
                "unlock", "lift a lockout after wrong passwords, keeping the password", (USERNAME,)
            ),
            Action(
                "set-role",
                "give an account another role or team (audited as a permission change)",
                (USERNAME, ROLE, TEAM),
            ),
            Action("list", "every account, its role, team and state"),
        ),
    ),
    Command(
        "team",
        help="teams: add one, list them (administrators; a new shared database has none)",
        description="Teams of health visitors. Each health visitor and team lead belongs "
        "to one; add the team before its people.",
        dest="team_action",
        handler=cmd_team,
        actions=(
            Action(
                "add",
                "add a team",
                (_argument("name", help='the team\'s name, e.g. "Northgate Health Visiting"'),),
            ),
            Action("list", "every team's name"),
        ),
    ),
    Command(
        "audit",
        help="check the tamper-evident audit trail",
        description="Every view, change, print, export, sign-in and lock is an audit event, "
        "signed and chained to the one before. 'verify' checks the whole chain.",
        dest="audit_action",
        handler=cmd_audit_verify,
        actions=(
            Action(
                "verify",
                "check every event against its signature and the chain; name the first "
                "edited, deleted, reordered or missing one (exit status 1 if any)",
            ),
        ),
    ),
    Command(
        "audit-key",
        help="hand the audit trail's key to another computer of a shared database",
        description="Every computer that writes to a shared database signs the audit trail "
        "with the same key, kept in its keyring. 'export' writes this computer's key into a "
        "new file only you can read; 'import' checks that file against the database and "
        "puts the key in this computer's keyring. The key is never printed.",
        dest="key_action",
        handler=cmd_audit_key,
        actions=(
            Action(
                "export",
                "write the key into a new file (mode 0600); delete it after importing",
                (_argument("--to", required=True, metavar="FILE", help="a new file"),),
            ),
            Action(
                "import",
                "check an exported key against the database and keep it in the keyring",
                (
                    _argument(
                        "--from",
                        dest="source",
                        required=True,
                        metavar="FILE",
                        help="the exported key file",
                    ),
                ),
            ),
        ),
    ),
)


def add_commands(commands: Any) -> None:
    """Add ``user``, ``team``, ``audit`` and ``audit-key`` to ``healthvisitor``'s sub-commands."""
    for command in COMMANDS:
        command.add_to(commands)
