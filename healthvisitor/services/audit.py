"""The audit trail: one append-only event for every action on a record.

Families may ask who looked at or changed their child's record (DOMAIN.md,
"Rules of thumb"); services call ``record_event`` inside the same unit of
work as the change, so a change can never be saved without its event.

Each event is numbered and signed into the tamper-evident chain
(``healthvisitor.services.audit_chain``, issue 8) when the unit of work
commits, not as it is made: the chain head is locked for the commit only, so
one user's action does not wait for another's whole unit of work (issue 9),
and events of two users' transactions are never interleaved into a fork. An
event is therefore not written (nor seen by a query) before the commit.
``details`` must never hold a password or key: callers pass what was done,
never what was typed.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy.orm import Session

from healthvisitor.persistence.models import AuditEvent
from healthvisitor.persistence.types import new_id, utc_now
from healthvisitor.services.actor import Actor
from healthvisitor.services.audit_chain import append
from healthvisitor.services.policy import no_permission_needed


@no_permission_needed("it records what its caller was allowed to do, in the same unit of work")
def record_event(
    session: Session,
    actor: Actor | None,
    action: str,
    entity_type: str,
    entity_id: uuid.UUID | None = None,
    **details: Any,
) -> AuditEvent:
    event = AuditEvent(
        id=new_id(),  # known before the commit writes it
        occurred_at=utc_now(),
        user_id=actor.user_id if actor else None,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        details=json.dumps(details, default=str, sort_keys=True),
        machine=actor.machine if actor else "",
    )
    append(session, event)  # numbered, signed and written when the unit of work commits
    return event
