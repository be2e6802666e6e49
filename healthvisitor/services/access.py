"""Which records the actor may reach: the record-level half of issue 8's policy.

Clinical records belong to a team. Health visitors and team leads see their
own team's records; administrators have no clinical access. Every service
asks these functions rather than deciding for itself, and scopes its queries
with them, so the UI can never show what the service would refuse. What kind
of thing each role may do at all is the policy table's
(``healthvisitor.services.policy``, checked by ``@requires`` before these).
"""

from __future__ import annotations

import uuid

from healthvisitor.domain.enums import Role
from healthvisitor.errors import PermissionDeniedError
from healthvisitor.services.actor import Actor
from healthvisitor.services.policy import no_clinical_access


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
