"""The application's front door for the window: one signed-in user on one database.

The Qt shell holds a ``Workspace`` and never a ``Session``: each method is one
unit of work and returns plain read models (frozen dataclasses), so no lazy
load or detached ORM object ever crosses into ``healthvisitor.ui`` or
``healthvisitor.reports``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from healthvisitor.clock import local_today
from healthvisitor.config import DatabaseChoice
from healthvisitor.domain.enums import Role
from healthvisitor.errors import NotFoundError
from healthvisitor.persistence.models import Child, Team, User
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services import caseload as caseload_service
from healthvisitor.services import child_record as child_record_service
from healthvisitor.services import contacts as contacts_service
from healthvisitor.services import pregnancies as pregnancies_service
from healthvisitor.services import team_board as team_board_service
from healthvisitor.services.actor import Actor, actor_for


@dataclass(frozen=True)
class SignedIn:
    """Who is working and where: shown in the window's title and status bar."""

    full_name: str
    role: Role
    team_name: str
    database: str
    database_source: str


class Workspace:
    def __init__(
        self,
        engine: Engine,
        actor: Actor,
        choice: DatabaseChoice,
        today: Callable[[], dt.date] = local_today,
    ) -> None:
        self.engine = engine
        self.actor = actor
        self.choice = choice
        self._today = today

    def today(self) -> dt.date:
        return self._today()

    def signed_in(self) -> SignedIn:
        with unit_of_work(self.engine) as session:
            team = session.get(Team, self.actor.team_id) if self.actor.team_id else None
            return SignedIn(
                full_name=self.actor.full_name,
                role=self.actor.role,
                team_name=team.name if team else "",
                database=self.choice.describe(),
                database_source=self.choice.source,
            )

    def team_health_visitors(self) -> list[caseload_service.HealthVisitorSummary]:
        with unit_of_work(self.engine) as session:
            return caseload_service.team_health_visitors(session, self.actor)

    def caseload(
        self, health_visitor_id: uuid.UUID | None = None
    ) -> list[caseload_service.CaseloadRow]:
        with unit_of_work(self.engine) as session:
            return caseload_service.caseload(
                session, self.actor, today=self.today(), health_visitor_id=health_visitor_id
            )

    def pregnancies(
        self, health_visitor_id: uuid.UUID | None = None
    ) -> list[pregnancies_service.PregnancyRow]:
        """Ongoing pregnancies on the caseload, with their antenatal review (issue 3)."""
        with unit_of_work(self.engine) as session:
            return pregnancies_service.pregnancy_caseload(
                session, self.actor, today=self.today(), health_visitor_id=health_visitor_id
            )

    def team_board(self) -> team_board_service.TeamBoard:
        """Every caseload in the team and the unallocated children (team leads only)."""
        with unit_of_work(self.engine) as session:
            return team_board_service.team_board(session, self.actor, today=self.today())

    def child_record(self, child_id: uuid.UUID) -> child_record_service.ChildRecord:
        """One child's record as the screen shows it (opening it is audited)."""
        with unit_of_work(self.engine) as session:
            return child_record_service.child_record(
                session, self.actor, child_id, today=self.today()
            )

    def record_contact(
        self, entry: contacts_service.ContactEntry, *, confirm_implausible: bool = False
    ) -> contacts_service.RecordedContact:
        """Save a contact with its findings; nothing is saved if it raises."""
        with unit_of_work(self.engine) as session:
            return contacts_service.record_contact(
                session,
                self.actor,
                entry,
                today=self.today(),
                confirm_implausible=confirm_implausible,
            )

    # --- allocation and cover (issue 4): add methods below this line only ---

    # --- team search (issue 4): add methods below this line only ---

    # --- records through time (issue 4): add methods below this line only ---

    # --- referrals (issue 5): add methods below this line only ---


def default_username(session: Session) -> str:
    """Until sign-in exists (issue 8): the clinical user with the largest caseload."""
    row = session.execute(
        select(User.username)
        .join(Child, Child.health_visitor_id == User.id)
        .where(User.active.is_(True), User.role == Role.HEALTH_VISITOR)
        .group_by(User.username)
        .order_by(func.count(Child.id).desc(), User.username)
        .limit(1)
    ).first()
    if row is None:
        raise NotFoundError(
            "This database has no health visitor with a caseload yet. Start with --demo to "
            "explore with demo data, or import a caseload with 'healthvisitor import'."
        )
    return str(row[0])


def open_workspace(engine: Engine, choice: DatabaseChoice, username: str | None) -> Workspace:
    with unit_of_work(engine) as session:
        actor = actor_for(session, username or default_username(session))
    return Workspace(engine, actor, choice)
