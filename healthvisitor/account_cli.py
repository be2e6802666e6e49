"""The ``user`` and ``audit`` commands (issue 8), added to ``healthvisitor`` by ``cli.py``.

``healthvisitor user add|set-password|disable|list`` are the administrator's
tools for accounts. A password is read from a masked prompt (typed twice) or,
when stdin is not a terminal, from the first line of stdin; never from the
command line, where it would be kept in the shell history and visible to other
users in the process list. These commands run with the database's own
credentials and are audited with the machine and operating-system account
(see ``healthvisitor.services.accounts``).

``healthvisitor audit verify`` checks the tamper-evident chain and names the
first broken event; ``audit child --nhs N`` lists who opened or changed a
child's record.
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
                    print(
                        f"{line.username:<16} {line.full_name:<28} {line.role.label:<15} "
                        f"{line.team_name or '-':<32} {state}"
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
            else:
                accounts.disable_user(session, None, args.username)
                print(
                    f"{args.username} is disabled and can no longer sign in; everything they "
                    "recorded stays."
                )
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


def add_commands(commands: Any) -> None:
    """Add ``user`` and ``audit`` to the ``healthvisitor`` command's sub-commands."""
    user = commands.add_parser(
        "user",
        help="user accounts: add, set a password, disable a leaver, list (administrators)",
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
    listing = actions.add_parser("list", help="every account, its role, team and state")
    for parser in (adding, setting, disabling, listing):
        parser.set_defaults(handler=cmd_user)

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
