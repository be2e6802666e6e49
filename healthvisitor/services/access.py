"""Which records the actor may reach: the record-level half of issue 8's policy.

Clinical records belong to a team. Health visitors and team leads see their
own team's records; administrators have no clinical access. Every service
asks these functions rather than deciding for itself, and scopes its queries
with them, so the UI can never show what the service would refuse. What kind
of thing each role may do at all is the policy table's
(``healthvisitor.services.policy``, checked by ``@requires`` before these).

Changing a record goes one step further (issue 8: "full access to children
and families allocated to them or covered by them; read access to the rest
of their own team's records"). A health visitor may change a child's record
only when the child is on their own caseload: allocated to them, or to a
colleague whose caseload they cover today (an active cover arrangement). The
rest of the team's records they may read, never change; a team lead may
change any record of the team. Three decisions, so nobody is left unable to
act:

- A child **not yet allocated** (a new birth waiting for the team lead, or a
  child whose health visitor's account is disabled or no longer in the team)
  is open to every health visitor of the team: someone must do the new birth
  visit.
- A **family** is within reach if any of its active children or ongoing
  pregnancies is; a family with neither (just registered) is open to the team.
- A **pregnancy** is within reach if it is allocated to the actor (or a
  covered colleague) or not allocated at all.
- **Registering** a new family, carer, child or pregnancy stays open to every
  health visitor of the team (``records`` and ``life_events`` check the team).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from healthvisitor.clock import local_today
from healthvisitor.domain.enums import PregnancyOutcome, RecordStatus, Role
from healthvisitor.errors import AccountChangedError, PermissionDeniedError
from healthvisitor.persistence.models import Child, CoverArrangement, Family, Pregnancy, User
from healthvisitor.services.actor import Actor
from healthvisitor.services.policy import no_clinical_access, no_permission_needed


def require_clinical(actor: Actor) -> uuid.UUID:
    """The actor's team, if they may see clinical records at all."""
    if not actor.is_clinical or actor.team_id is None:
        raise PermissionDeniedError(no_clinical_access(actor))
    return actor.team_id


def require_team(actor: Actor, team_id: uuid.UUID) -> None:
    """Refuse a record that belongs to another team."""
    if require_clinical(actor) != team_id:
        raise PermissionDeniedError("This record belongs to another team; you cannot open it.")


def require_team_lead(actor: Actor) -> uuid.UUID:
    team_id = require_clinical(actor)
    if actor.role is not Role.TEAM_LEAD:
        raise PermissionDeniedError("Only a team lead can do this.")
    return team_id


# --- Own caseload: who may change a record (issue 8) ---------------------------------------


def caseload_holders(session: Session, actor: Actor, today: dt.date) -> tuple[uuid.UUID, ...]:
    """The actor, and the absent colleagues whose caseloads they cover ``today``."""
    # Imported here: allocation imports this module (for require_team); the one
    # definition of "cover in force" stays there.
    from healthvisitor.services.allocation import cover_in_force_on

    absent = session.scalars(
        select(CoverArrangement.absent_health_visitor_id).where(
            CoverArrangement.covering_health_visitor_id == actor.user_id,
            CoverArrangement.team_id == actor.team_id,
            cover_in_force_on(today),
        )
    )
    return (actor.user_id, *sorted(set(absent)))


@dataclass(frozen=True)
class Standing:
    """How the actor stands to one record of their own team.

    ``may_change`` says whether they may change it; ``holders`` names whose
    caseload it is when that is someone else's (for the refusal, the banner
    and the audit); ``why`` says, in words, why they may change it or not.
    """

    may_change: bool
    why: str
    holders: tuple[str, ...] = ()

    @property
    def whose(self) -> str:
        """ "Amira Khan's caseload" (or "… and …'s caseloads"), "" if nobody's."""
        if not self.holders:
            return ""
        if len(self.holders) == 1:
            return f"{self.holders[0]}'s caseload"
        return " and ".join(f"{name}'s" for name in self.holders) + " caseloads"

    @property
    def refusal(self) -> str:
        """Why a change is refused, in the health visitor's words."""
        whose = self.whose or "Another health visitor's caseload"
        return f"{whose}: you can read this record but not change it. Ask your team lead for cover."


OWN_CASELOAD = "on your own caseload"
TEAM_LEAD = "you lead this team"
UNALLOCATED = "not yet allocated to a health visitor"


def _standing(
    session: Session,
    actor: Actor,
    team_id: uuid.UUID,
    allocated_to: Iterable[uuid.UUID | None],
    today: dt.date | None,
) -> Standing:
    """The actor's standing to a record of ``team_id`` whose parts are ``allocated_to``.

    Within reach if any part is allocated to the actor or a colleague they
    cover, or is not (validly) allocated at all; no parts at all is unallocated.
    """
    require_team(actor, team_id)
    if actor.role is Role.TEAM_LEAD:
        return Standing(may_change=True, why=TEAM_LEAD)
    allocated = list(allocated_to)
    if not allocated or None in allocated:
        return Standing(may_change=True, why=UNALLOCATED)
    ids = {hv for hv in allocated if hv is not None}
    if actor.user_id in ids:
        return Standing(may_change=True, why=OWN_CASELOAD)
    # Only an active member of the record's team holds a caseload; a child left
    # with a leaver (or someone moved away) counts as not yet allocated.
    holders = {
        user.id: user
        for user in session.scalars(
            select(User).where(User.id.in_(ids), User.active.is_(True), User.team_id == team_id)
        )
    }
    if len(holders) < len(ids):
        return Standing(may_change=True, why=UNALLOCATED)
    covered = sorted(ids & set(caseload_holders(session, actor, today or local_today())))
    if covered:
        return Standing(may_change=True, why=f"covering {holders[covered[0]].full_name}'s caseload")
    names = tuple(sorted(user.full_name for user in holders.values()))
    return Standing(
        may_change=False, why="a colleague's record (not on your own caseload)", holders=names
    )


def child_standing(
    session: Session, actor: Actor, child: Child, *, today: dt.date | None = None
) -> Standing:
    """How the actor stands to ``child``'s record (another team's is refused)."""
    return _standing(session, actor, child.team_id, [child.health_visitor_id], today)


def pregnancy_standing(
    session: Session, actor: Actor, pregnancy: Pregnancy, *, today: dt.date | None = None
) -> Standing:
    """How the actor stands to ``pregnancy`` (its family's team decides the team)."""
    family = session.get_one(Family, pregnancy.family_id)
    return _standing(session, actor, family.team_id, [pregnancy.health_visitor_id], today)


def family_standing(
    session: Session, actor: Actor, family: Family, *, today: dt.date | None = None
) -> Standing:
    """How the actor stands to ``family``: through its active children and ongoing pregnancies."""
    children = session.scalars(
        select(Child.health_visitor_id).where(
            Child.family_id == family.id, Child.record_status == RecordStatus.ACTIVE
        )
    )
    pregnancies = session.scalars(
        select(Pregnancy.health_visitor_id).where(
            Pregnancy.family_id == family.id, Pregnancy.outcome == PregnancyOutcome.ONGOING
        )
    )
    return _standing(session, actor, family.team_id, [*children, *pregnancies], today)


def require_may_change_child(
    session: Session, actor: Actor, child: Child, *, today: dt.date | None = None
) -> None:
    """Refuse, naming whose caseload it is, a change to a colleague's child's record.

    Also refuses another team's child (``require_team``). Call it in every
    service function that adds to or changes a child's record.
    """
    standing = child_standing(session, actor, child, today=today)
    if not standing.may_change:
        raise PermissionDeniedError(standing.refusal)


def require_may_change_pregnancy(
    session: Session, actor: Actor, pregnancy: Pregnancy, *, today: dt.date | None = None
) -> None:
    """Refuse a change to a pregnancy on a colleague's caseload (see the module's rules)."""
    standing = pregnancy_standing(session, actor, pregnancy, today=today)
    if not standing.may_change:
        raise PermissionDeniedError(standing.refusal)


def require_may_change_family(
    session: Session, actor: Actor, family: Family, *, today: dt.date | None = None
) -> None:
    """Refuse a change to a family none of whose children or pregnancies is within reach."""
    standing = family_standing(session, actor, family, today=today)
    if not standing.may_change:
        raise PermissionDeniedError(standing.refusal)


@no_permission_needed("it checks the signed-in account itself, before any action")
def check_account_unchanged(session: Session, actor: Actor) -> None:
    """Refuse with AccountChangedError if ``actor``'s account is no longer as it signed in.

    A window keeps the Actor it signed in with; an administrator may since have
    disabled the account (a leaver) or moved it to another role or team. One look
    at the account's own row, by primary key, before each unit of work."""
    row = session.execute(
        select(User.active, User.role, User.team_id).where(User.id == actor.user_id)
    ).one_or_none()
    change = (
        "it has been disabled"
        if row is None or not row.active
        else account_change(actor, role=row.role, team_id=row.team_id)
    )
    if change is not None:
        raise AccountChangedError(
            f"An administrator has changed your account since you signed in ({change}). "
            "Sign out and sign in again to carry on; nothing more was shown or saved."
        )


def account_change(actor: Actor, *, role: Role, team_id: uuid.UUID | None) -> str | None:
    """How an account's role and team now differ from ``actor``'s, in words, or None."""
    if role != actor.role:
        return f"it is now a {role.label.lower()} account"
    if team_id != actor.team_id:
        return "it has been moved to another team"
    return None
