"""Who may see and change which records (the foundation of issue 8's policy).

Clinical records belong to a team. Health visitors and team leads see their
own team's records; administrators have no clinical access. Every service
asks these functions rather than deciding for itself, and scopes its queries
with them, so the UI can never show what the service would refuse.
"""

from __future__ import annotations

import uuid

from healthvisitor.domain.enums import Role
from healthvisitor.errors import PermissionDeniedError
from healthvisitor.services.actor import Actor


def require_clinical(actor: Actor) -> uuid.UUID:
    """The actor's team, if they may see clinical records at all."""
    if not actor.is_clinical or actor.team_id is None:
        raise PermissionDeniedError(
            f"{actor.full_name} is signed in as {actor.role.label.lower()}, which gives no "
            "access to children's records."
        )
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
