"""Small builders for test data. Every NHS number is from the never-issued 999 range."""

from __future__ import annotations

import datetime as dt
import itertools

from sqlalchemy.orm import Session

from healthvisitor.domain.enums import CarerRelationship, PregnancyOutcome, Role, Sex
from healthvisitor.persistence.models import Carer, Child, Family, Pregnancy, Team, User
from healthvisitor.services.actor import Actor

_counter = itertools.count(1)

#: Seeds a test picks by hand (``nhs_number(5000 + seed)``) stay below this;
#: children numbered from the shared counter start here, so the two never meet
#: however many records one test worker has built.
COUNTED_SEEDS_FROM = 20_000


def nhs_number(seed: int) -> str:
    """The ``seed``-th valid NHS number in the never-issued 999 range."""
    base = 999_000_000 + seed * 7
    if base > 999_999_990:
        raise ValueError(f"seed {seed} is past the 999 range")
    while True:
        digits = f"{base:09d}"
        total = sum(int(d) * w for d, w in zip(digits, range(10, 1, -1), strict=True))
        check = 11 - total % 11
        check = 0 if check == 11 else check
        if check != 10:
            return f"{digits}{check}"
        base += 1


def team(session: Session, name: str | None = None) -> Team:
    result = Team(name=name or f"Team {next(_counter)}")
    session.add(result)
    session.flush()
    return result


def user(session: Session, team: Team | None, role: Role = Role.HEALTH_VISITOR) -> User:
    n = next(_counter)
    result = User(
        username=f"user{n}",
        full_name=f"Test User {n}",
        role=role,
        team_id=team.id if team else None,
    )
    session.add(result)
    session.flush()
    return result


def actor(user: User) -> Actor:
    return Actor(user.id, user.username, user.full_name, user.role, user.team_id, "test-machine")


def family(session: Session, team: Team, name: str = "Smith") -> Family:
    result = Family(team_id=team.id, family_name=name, postcode="LS7 3AB")
    session.add(result)
    session.flush()
    return result


def carer(session: Session, family: Family, given_name: str = "Alex") -> Carer:
    result = Carer(
        family_id=family.id,
        given_name=given_name,
        family_name=family.family_name,
        relationship_to_child=CarerRelationship.MOTHER,
    )
    session.add(result)
    session.flush()
    return result


def child(
    session: Session,
    family: Family,
    health_visitor: User | None = None,
    *,
    date_of_birth: dt.date = dt.date(2026, 6, 1),
    given_name: str = "Sam",
    sex: Sex = Sex.FEMALE,
) -> Child:
    n = next(_counter)
    result = Child(
        nhs_number=nhs_number(COUNTED_SEEDS_FROM + n),
        given_name=given_name,
        family_name=family.family_name,
        date_of_birth=date_of_birth,
        sex=sex,
        gestation_weeks=40,
        gestation_days=0,
        birth_weight_kg=3.4,
        family_id=family.id,
        team_id=family.team_id,
        health_visitor_id=health_visitor.id if health_visitor else None,
    )
    session.add(result)
    session.flush()
    return result


def pregnancy(
    session: Session,
    mother: Carer,
    health_visitor: User | None,
    estimated_delivery_date: dt.date,
    outcome: PregnancyOutcome = PregnancyOutcome.ONGOING,
) -> Pregnancy:
    result = Pregnancy(
        family_id=mother.family_id,
        mother_id=mother.id,
        estimated_delivery_date=estimated_delivery_date,
        outcome=outcome,
        health_visitor_id=health_visitor.id if health_visitor else None,
    )
    session.add(result)
    session.flush()
    return result
