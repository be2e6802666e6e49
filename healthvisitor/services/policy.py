"""Who may do what: the one policy table of issue 8, and the decorator that applies it.

Every public service function that acts for a signed-in user declares the
``Permission`` it needs with ``@requires(...)``; the decorator refuses the
call (``PermissionDeniedError``, in the user's words) unless the actor's role
holds that permission in ``POLICY``. ``tests/services/test_policy.py`` fails
if a public service function taking an ``actor`` declares nothing, and checks
every role against every operation, through the real services, on the
actor's own caseload, their own team and another team.

The role decides *what kind* of thing a person may do. *Which records* they
may do it to (their own team's, never another team's) stays with the checks
in ``healthvisitor.services.access`` that every service already makes on the
record itself; ``Reach`` in the table says how far those checks let each
grant go, so the test can hold them to it, and ``docs/access-control.md``
says it all in words (a test keeps that page and this table the same).

A health visitor changes only their own caseload (issue 8: "full access to
children and families allocated to them or covered by them; read access to
the rest of their own team's records"): their grants to change a record
(``EDIT_RECORD``, ``RECORD_CONTACT``, ``REFER``) reach ``OWN_CASELOAD``, held
to it by ``access.require_may_change_child`` (and its family and pregnancy
twins) in every service that changes a record; what they read reaches their
whole team. Registering (``REGISTER``: a new family, child, pregnancy or
arrival) reaches the whole team, and so does a child not yet allocated
(``access`` says why). A team lead's grants reach the whole team.
"""

from __future__ import annotations

import enum
import functools
import inspect
from collections.abc import Callable, Mapping
from typing import Final, ParamSpec, TypeVar

from healthvisitor.domain.enums import Role
from healthvisitor.errors import PermissionDeniedError
from healthvisitor.services.actor import Actor

P = ParamSpec("P")
R = TypeVar("R")


class Permission(enum.Enum):
    """One kind of thing a role may do; the value says it as "may …" would."""

    # The clinical record (health visitors and team leads).
    VIEW_CASELOAD = "see the caseloads of their team's health visitors"
    VIEW_RECORD = "find and open children's and families' records"
    REGISTER = "register new families, children, pregnancies and children moving in"
    EDIT_RECORD = (
        "add to and change children's and families' records (carers, births, "
        "pregnancy outcomes, record status, screening and immunisations)"
    )
    RECORD_CONTACT = "record contacts and reviews"
    REFER = "make referrals and move them on, and decide referral prompts"
    PRINT = "print red book summaries, handovers and referral letters"
    EXPORT = "export their team's records to a file"
    VIEW_OWN_FIGURES = "see the national figures for their own caseload"
    # The team lead's work.
    VIEW_TEAM_REPORTS = "see the team's and the service's figures, and a colleague's"
    ALLOCATE = "share out the team's work: the team board, allocation, undo and cover"
    TRANSFER_BETWEEN_TEAMS = "transfer children, with their record, to another team"
    IMPORT = "import records from a file into their team"
    HOLD_SAFEGUARDING_DISCUSSIONS = "see and record the team's safeguarding discussions"
    # --- break-glass (issue 8, services/break_glass.py) ---
    BREAK_GLASS = (
        "open another team's child's record by break-glass: with a typed reason, "
        "read-only, for a limited time, audited and shown to that team's lead"
    )
    REVIEW_BREAK_GLASS = "review break-glass openings of their team's records"
    # --- end of break-glass ---
    # The administrator's work.
    MANAGE_USERS = (
        "manage user accounts (add, set passwords, disable leavers and re-enable, unlock, "
        "change role or team)"
    )
    MANAGE_REFERRAL_TYPES = "change the list of referral types"
    # Everyone.
    VIEW_REFERRAL_TYPES = "see the list of referral types"
    READ_AUDIT = "see who accessed a child's record (the audit trail)"
    USE_OWN_ACCOUNT = "lock and unlock their own session"

    @property
    def words(self) -> str:
        return str(self.value)

    @property
    def is_clinical(self) -> bool:
        """Whether it touches children's records (so an administrator never has it)."""
        return self in CLINICAL


CLINICAL: Final = frozenset(
    {
        Permission.VIEW_CASELOAD,
        Permission.VIEW_RECORD,
        Permission.REGISTER,
        Permission.EDIT_RECORD,
        Permission.RECORD_CONTACT,
        Permission.REFER,
        Permission.PRINT,
        Permission.EXPORT,
        Permission.VIEW_OWN_FIGURES,
        Permission.VIEW_TEAM_REPORTS,
        Permission.ALLOCATE,
        Permission.TRANSFER_BETWEEN_TEAMS,
        Permission.IMPORT,
        Permission.HOLD_SAFEGUARDING_DISCUSSIONS,
        # Break-glass: BREAK_GLASS is left out, being the one grant that reaches
        # another team's record (one at a time, by reason); administrators still
        # never hold it (tests/services/test_break_glass.py).
        Permission.REVIEW_BREAK_GLASS,
    }
)


class Reach(enum.IntEnum):
    """How far a grant goes, nearest first: each reach includes those before it."""

    OWN_CASELOAD = 1  # the children allocated to the actor (or covered by them)
    OWN_TEAM = 2  # every record of the actor's team
    EVERY_TEAM = 3  # not about one team's records: accounts, referral types

    @property
    def words(self) -> str:
        return {
            Reach.OWN_CASELOAD: "their own caseload",
            Reach.OWN_TEAM: "their own team",
            Reach.EVERY_TEAM: "every team",
        }[self]


#: What a health visitor may do, and how far. Another team's records are never
#: within a clinical reach (issue 8: no access but by break-glass, not built yet).
_HEALTH_VISITOR: Final[Mapping[Permission, Reach]] = {
    Permission.VIEW_CASELOAD: Reach.OWN_TEAM,
    Permission.VIEW_RECORD: Reach.OWN_TEAM,
    # Registering is open to the team: a new family or birth is nobody's caseload yet.
    Permission.REGISTER: Reach.OWN_TEAM,
    # Changes: only their own caseload (or a colleague's they cover), issue 8.
    Permission.EDIT_RECORD: Reach.OWN_CASELOAD,
    Permission.RECORD_CONTACT: Reach.OWN_CASELOAD,
    Permission.REFER: Reach.OWN_CASELOAD,
    Permission.PRINT: Reach.OWN_TEAM,
    Permission.EXPORT: Reach.OWN_TEAM,
    Permission.VIEW_OWN_FIGURES: Reach.OWN_CASELOAD,
    Permission.VIEW_REFERRAL_TYPES: Reach.EVERY_TEAM,
    Permission.USE_OWN_ACCOUNT: Reach.EVERY_TEAM,
    # Break-glass (issue 8): one other team's child at a time, by NHS number and reason.
    Permission.BREAK_GLASS: Reach.EVERY_TEAM,
}

#: The one policy table: what each role may do, and how far. A team lead does
#: everything a health visitor does (they often hold a caseload), to any record
#: of the team, and leads the team.
POLICY: Final[Mapping[Role, Mapping[Permission, Reach]]] = {
    Role.HEALTH_VISITOR: _HEALTH_VISITOR,
    Role.TEAM_LEAD: {
        **_HEALTH_VISITOR,
        Permission.EDIT_RECORD: Reach.OWN_TEAM,
        Permission.RECORD_CONTACT: Reach.OWN_TEAM,
        Permission.REFER: Reach.OWN_TEAM,
        Permission.VIEW_TEAM_REPORTS: Reach.OWN_TEAM,
        Permission.ALLOCATE: Reach.OWN_TEAM,
        Permission.TRANSFER_BETWEEN_TEAMS: Reach.OWN_TEAM,
        Permission.IMPORT: Reach.OWN_TEAM,
        Permission.HOLD_SAFEGUARDING_DISCUSSIONS: Reach.OWN_TEAM,
        Permission.READ_AUDIT: Reach.OWN_TEAM,
        Permission.REVIEW_BREAK_GLASS: Reach.OWN_TEAM,  # break-glass (issue 8)
    },
    Role.ADMINISTRATOR: {
        Permission.MANAGE_USERS: Reach.EVERY_TEAM,
        Permission.MANAGE_REFERRAL_TYPES: Reach.EVERY_TEAM,
        Permission.VIEW_REFERRAL_TYPES: Reach.EVERY_TEAM,
        Permission.READ_AUDIT: Reach.EVERY_TEAM,
        Permission.USE_OWN_ACCOUNT: Reach.EVERY_TEAM,
    },
}

#: What ``actor=None`` may do: the command line run with the database's own
#: credentials, IT's tool for accounts (``healthvisitor.services.accounts``).
DATABASE_OPERATOR: Final = frozenset({Permission.MANAGE_USERS})

#: What a denial adds to "Only a … can …", where there is someone to ask.
_WHOM_TO_ASK: Final[Mapping[Permission, str]] = {
    Permission.MANAGE_REFERRAL_TYPES: " Ask your system manager to add, rename or retire one.",
    Permission.MANAGE_USERS: " Ask your system administrator.",
}


def may(role: Role, permission: Permission) -> bool:
    return permission in POLICY[role]


def reach(role: Role, permission: Permission) -> Reach | None:
    """How far ``role``'s grant of ``permission`` goes; None if it has none."""
    return POLICY[role].get(permission)


def roles_with(permission: Permission) -> tuple[Role, ...]:
    return tuple(role for role in Role if may(role, permission))


def no_clinical_access(actor: Actor) -> str:
    """The refusal for someone whose role gives no access to children's records."""
    return (
        f"{actor.full_name} is signed in as {actor.role.label.lower()}, which gives no "
        "access to children's records."
    )


def denial(actor: Actor | None, permission: Permission) -> str:
    """Why ``actor`` may not do this, in their words (and whom to ask, where known)."""
    if actor is None:
        return "Sign in first: this needs a signed-in user."
    if permission.is_clinical and not any(p.is_clinical for p in POLICY[actor.role]):
        return no_clinical_access(actor)
    holders = [role.label.lower() for role in roles_with(permission)]
    who = " or ".join(holders) if holders else "nobody"
    article = "an" if who[0] in "aeiou" else "a"
    return f"Only {article} {who} can {permission.words}.{_WHOM_TO_ASK.get(permission, '')}"


def check(actor: Actor | None, permission: Permission) -> None:
    """Refuse (``PermissionDeniedError``) unless ``actor``'s role holds ``permission``."""
    if actor is None:
        if permission not in DATABASE_OPERATOR:
            raise PermissionDeniedError(denial(actor, permission))
        return
    if not may(actor.role, permission):
        raise PermissionDeniedError(denial(actor, permission))


# --- Declaring what a service function needs --------------------------------------

_DECLARED = "__required_permission__"
_EXEMPT = "__permission_exempt_because__"


def _actor_position(function: Callable[..., object]) -> int:
    names = list(inspect.signature(function).parameters)
    if "actor" not in names:
        raise TypeError(f"{function.__qualname__} takes no 'actor' to check")
    return names.index("actor")


def requires(permission: Permission) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Declare (and check, on every call) the permission a service function needs.

    The function's ``actor`` argument, by position or by name, is checked
    against ``POLICY`` before the function runs; the record-level checks
    inside it (``access.require_team`` and the like) still decide which
    records. ``permission_of(function)`` reads the declaration back.
    """

    def declare(function: Callable[P, R]) -> Callable[P, R]:
        position = _actor_position(function)

        @functools.wraps(function)
        def checked(*args: P.args, **kwargs: P.kwargs) -> R:
            actor = kwargs["actor"] if "actor" in kwargs else args[position]
            assert actor is None or isinstance(actor, Actor)
            check(actor, permission)
            return function(*args, **kwargs)

        setattr(checked, _DECLARED, permission)
        return checked

    return declare


def no_permission_needed(because: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Declare that a function taking an ``actor`` is no user action of its own.

    Only for plumbing every action shares (the audit trail records whatever
    its caller was allowed to do); ``because`` is listed in the access page.
    """
    if not because.strip():
        raise ValueError("say why no permission is needed")

    def declare(function: Callable[P, R]) -> Callable[P, R]:
        setattr(function, _EXEMPT, because)
        return function

    return declare


def permission_of(function: object) -> Permission | None:
    """The permission ``function`` declared with ``requires``, if any."""
    found = getattr(function, _DECLARED, None)
    return found if isinstance(found, Permission) else None


def exemption_of(function: object) -> str | None:
    """Why ``function`` needs no permission (``no_permission_needed``), if it said so."""
    found = getattr(function, _EXEMPT, None)
    return found if isinstance(found, str) else None


# --- The table in words (docs/access-control.md shows exactly this) ------------------------


def access_table_markdown() -> str:
    """The policy table as a Markdown table: one row a permission, one column a role."""
    roles = list(Role)
    lines = [
        "| may … | " + " | ".join(role.label for role in roles) + " |",
        "| --- |" + " --- |" * len(roles),
    ]
    for permission in Permission:
        cells = []
        for role in roles:
            granted = reach(role, permission)
            cells.append(f"yes, {granted.words}" if granted is not None else "no")
        lines.append(f"| {permission.words} | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append(
        "Without a signed-in user (the command line run with the database's own "
        "credentials): " + "; ".join(p.words for p in Permission if p in DATABASE_OPERATOR) + "."
    )
    return "\n".join(lines) + "\n"
