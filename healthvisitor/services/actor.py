"""Who is acting: the signed-in user every service call is made on behalf of."""

from __future__ import annotations

import socket
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from healthvisitor.domain.enums import Role
from healthvisitor.errors import NotFoundError
from healthvisitor.persistence.models import User


@dataclass(frozen=True)
class Actor:
    user_id: uuid.UUID
    username: str
    full_name: str
    role: Role
    team_id: uuid.UUID | None
    machine: str = ""

    @property
    def is_clinical(self) -> bool:
        return self.role in (Role.HEALTH_VISITOR, Role.TEAM_LEAD)


def actor_for(session: Session, username: str, machine: str | None = None) -> Actor:
    """The Actor for an active user account, or NotFoundError."""
    user = session.scalars(select(User).where(User.username == username)).one_or_none()
    if user is None or not user.active:
        raise NotFoundError(f"There is no active user '{username}'.")
    return actor_from_user(user, machine)


def actor_from_user(user: User, machine: str | None = None) -> Actor:
    """The Actor for ``user`` (signing in has already checked who they are)."""
    return Actor(
        user_id=user.id,
        username=user.username,
        full_name=user.full_name,
        role=user.role,
        team_id=user.team_id,
        machine=machine if machine is not None else socket.gethostname(),
    )
