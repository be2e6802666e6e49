"""A small team's caseloads, built with tests/factories.py, and workspaces on it.

Chapeltown: two health visitors and a team lead. "Me" has three active
children (born 2023, 2025 and 2026, deliberately not in date order by name)
and one discharged child; my colleague has two. A child in Headingley, a
different team, is (wrongly) allocated to me: it must never appear.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine

from healthvisitor.config import DatabaseChoice, parse_url
from healthvisitor.domain.enums import RecordStatus, Role
from healthvisitor.persistence.models import Child, Family, Team, User
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services.workspace import Workspace
from tests import factories

TODAY = dt.date(2026, 11, 24)


@dataclass(frozen=True)
class Kid:
    id: uuid.UUID
    name: str
    nhs_number: str  # 10 digits, no spaces
    date_of_birth: dt.date
    postcode: str


@dataclass(frozen=True)
class TeamData:
    engine: Engine
    me: User
    colleague: User
    lead: User
    mine: list[Kid]
    colleagues: list[Kid]
    discharged: Kid
    other_team: Kid

    def workspace(
        self, choice: DatabaseChoice | None = None, user: User | None = None
    ) -> Workspace:
        actor = factories.actor(user or self.me)
        choice = choice or DatabaseChoice(
            parse_url(str(self.engine.url), "test"), "the test database"
        )
        return Workspace(self.engine, actor, choice, today=lambda: TODAY)


def build_team(engine: Engine) -> TeamData:
    with unit_of_work(engine) as session:
        team = factories.team(session, "Chapeltown 0-19 team")
        me = factories.user(session, team)
        me.full_name = "Priya Sharma"
        colleague = factories.user(session, team)
        colleague.full_name = "Helen Walker"
        lead = factories.user(session, team, Role.TEAM_LEAD)
        lead.full_name = "Joanne Fisher"

        def family(name: str, postcode: str, in_team: Team = team) -> Family:
            result = factories.family(session, in_team, name)
            result.postcode = postcode
            return result

        def kid(family: Family, hv: User, given: str, born: dt.date = dt.date(2026, 6, 1)) -> Kid:
            child = factories.child(session, family, hv, given_name=given, date_of_birth=born)
            name = f"{child.given_name} {child.family_name}"
            return Kid(child.id, name, child.nhs_number, born, family.postcode)

        khan, okafor = family("Khan", "LS7 3AB"), family("Okafor", "LS17 5HX")
        mine = [
            kid(khan, me, "Amelia", dt.date(2025, 1, 15)),
            kid(family("Nowak", "LS8 1PQ"), me, "Oliver", dt.date(2026, 3, 2)),
            kid(family("Jones", "LS6 2RT"), me, "Isla", dt.date(2023, 7, 30)),
        ]
        discharged = kid(khan, me, "Zara", dt.date(2024, 2, 1))
        session.get_one(Child, discharged.id).record_status = RecordStatus.DISCHARGED
        colleagues = [kid(okafor, colleague, "Tobi"), kid(okafor, colleague, "Ada")]
        elsewhere = factories.team(session, "Headingley 0-19 team")
        other_team = kid(family("Stray", "LS6 9ZZ", elsewhere), me, "Never")
        return TeamData(engine, me, colleague, lead, mine, colleagues, discharged, other_team)


@pytest.fixture
def team_data(sqlite_engine: Engine) -> TeamData:
    return build_team(sqlite_engine)
