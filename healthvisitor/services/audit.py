"""The audit trail: one append-only event for every action on a record.

Families may ask who looked at or changed their child's record (DOMAIN.md,
"Rules of thumb"); services call ``record_event`` inside the same unit of
work as the change, so a change can never be saved without its event.

Each event is numbered and signed into the tamper-evident chain
(``healthvisitor.services.audit_chain``, issue 8) as it is made; appending
holds the chain head's lock until the unit of work ends, so events of two
users' transactions are never interleaved into a fork. ``details`` must never
hold a password or key: callers pass what was done, never what was typed.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy.orm import Session

from healthvisitor.persistence.models import AuditEvent
from healthvisitor.persistence.types import utc_now
from healthvisitor.services.actor import Actor
from healthvisitor.services.audit_chain import seal, take_next_link


def record_event(
    session: Session,
    actor: Actor | None,
    action: str,
    entity_type: str,
    entity_id: uuid.UUID | None = None,
    **details: Any,
) -> AuditEvent:
    link = take_next_link(session)  # waits for another writer's chain lock
    event = AuditEvent(
        occurred_at=utc_now(),
        user_id=actor.user_id if actor else None,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        details=json.dumps(details, default=str, sort_keys=True),
        machine=actor.machine if actor else "",
    )
    seal(session, event, link)
    session.add(event)
    return event
