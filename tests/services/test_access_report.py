"""Who accessed a child's record (issue 8): the audit trail read back, for the right people."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from healthvisitor.domain.enums import ContactKind, ContactLocation, ContactOutcome, Role
from healthvisitor.errors import NotFoundError, PermissionDeniedError, ValidationError
from healthvisitor.persistence.models import AuditEvent, Contact
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services import audit
from healthvisitor.services.access_report import VIEW_ACCESS_LOG, AccessReport, who_accessed
from healthvisitor.services.actor import Actor
from healthvisitor.services.audit import record_event
from tests import factories

LONDON = ZoneInfo("Europe/London")
NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Team:
    engine: Engine
    child_id: uuid.UUID
    other_child_id: uuid.UUID
    nhs_number: str
    hv: Actor
    lead: Actor
    other_lead: Actor
    admin: Actor


@pytest.fixture
def team(engine: Engine) -> Team:
    with unit_of_work(engine) as session:
        north, south = factories.team(session, "North"), factories.team(session, "South")
        hv_user = factories.user(session, north)
        family = factories.family(session, north)
        child = factories.child(session, family, hv_user, given_name="Amara")
        other = factories.child(session, family, hv_user, given_name="Bea")
        built = Team(
            engine=engine,
            child_id=child.id,
            other_child_id=other.id,
            nhs_number=child.nhs_number,
            hv=factories.actor(hv_user),
            lead=factories.actor(factories.user(session, north, Role.TEAM_LEAD)),
            other_lead=factories.actor(factories.user(session, south, Role.TEAM_LEAD)),
            admin=factories.actor(factories.user(session, None, Role.ADMINISTRATOR)),
        )
    return built


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dt.datetime]]:
    """Audit events made at the times pushed onto the list (the latest stays)."""
    times = [NOW]
    monkeypatch.setattr(audit, "utc_now", lambda: times[-1])
    yield times


def _event(team: Team, actor: Actor | None, action: str = "view") -> None:
    with unit_of_work(team.engine) as session:
        record_event(session, actor, action, "child", team.child_id)


def _report(team: Team, actor: Actor, start: dt.date, end: dt.date) -> AccessReport:
    with unit_of_work(team.engine) as session:
        return who_accessed(
            session, actor, child_id=team.child_id, start=start, end=end, now=NOW, zone=LONDON
        )


def test_the_team_lead_sees_who_opened_the_record_when_and_from_where(
    team: Team, clock: list[dt.datetime]
) -> None:
    clock.append(dt.datetime(2026, 11, 2, 9, 15, tzinfo=dt.UTC))
    _event(team, team.hv)
    clock.append(dt.datetime(2026, 11, 3, 14, 0, tzinfo=dt.UTC))
    _event(team, team.lead, "print")
    clock.append(NOW)
    report = _report(team, team.lead, dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    assert [(a.who, a.role, a.what, a.machine) for a in report.accesses] == [
        (team.hv.full_name, Role.HEALTH_VISITOR, "Opened the record", "test-machine"),
        (team.lead.full_name, Role.TEAM_LEAD, "Printed from the record", "test-machine"),
    ]
    first = report.accesses[0]
    assert first.occurred_at == dt.datetime(2026, 11, 2, 9, 15, tzinfo=dt.UTC)
    assert first.occurred_at.utcoffset() == dt.timedelta(0), "kept in UTC"
    assert report.child_name.startswith("Amara ") and report.nhs_number.count(" ") == 2
    assert report.team_name == "North"


def test_the_days_are_whole_local_days(team: Team, clock: list[dt.datetime]) -> None:
    # 23:30 UTC on 30 June is 00:30 on 1 July in London (BST): a July access.
    clock.append(dt.datetime(2026, 6, 30, 23, 30, tzinfo=dt.UTC))
    _event(team, team.hv)
    clock.append(NOW)  # the reports themselves are asked for later
    june = _report(team, team.lead, dt.date(2026, 6, 1), dt.date(2026, 6, 30))
    july = _report(team, team.lead, dt.date(2026, 7, 1), dt.date(2026, 7, 1))
    assert [a.action for a in june.accesses] == []
    assert [a.action for a in july.accesses] == ["view"]


def _contact(session: Session, child_id: uuid.UUID, by: Actor) -> uuid.UUID:
    contact = Contact(
        kind=ContactKind.OTHER,
        child_id=child_id,
        contact_date=NOW.date(),
        location=ContactLocation.HOME,
        outcome=ContactOutcome.COMPLETED,
        delivered_by_id=by.user_id,
        notes="",
    )
    session.add(contact)
    session.flush()
    return contact.id


def test_the_childs_contacts_count_another_childs_record_does_not(
    team: Team, clock: list[dt.datetime]
) -> None:
    with unit_of_work(team.engine) as session:
        own = _contact(session, team.child_id, team.hv)
        sibling = _contact(session, team.other_child_id, team.hv)
        record_event(session, team.hv, "create", "contact", own)
        record_event(session, team.hv, "create", "contact", sibling)
        record_event(session, team.hv, "view", "child", team.other_child_id)
    report = _report(team, team.lead, NOW.date(), NOW.date())
    assert [a.what for a in report.accesses] == ["Recorded a contact"]


def test_asking_is_itself_recorded_and_shows_next_time(
    team: Team, clock: list[dt.datetime]
) -> None:
    first = _report(team, team.lead, NOW.date(), NOW.date())
    assert first.accesses == ()
    with unit_of_work(team.engine) as session:
        asked = session.scalars(
            select(AuditEvent).where(AuditEvent.action == VIEW_ACCESS_LOG)
        ).one()
        assert (asked.user_id, asked.entity_id) == (team.lead.user_id, team.child_id)
    second = _report(team, team.admin, NOW.date(), NOW.date())
    assert [(a.who, a.what) for a in second.accesses] == [
        (team.lead.full_name, "Looked at who accessed the record")
    ]


def test_an_administrator_may_ask_about_any_teams_child(
    team: Team, clock: list[dt.datetime]
) -> None:
    _event(team, team.hv)
    with unit_of_work(team.engine) as session:
        report = who_accessed(
            session,
            team.admin,
            nhs_number=f"{team.nhs_number[:3]} {team.nhs_number[3:]}",
            start=NOW.date(),
            end=NOW.date(),
            now=NOW,
        )
    assert [a.who for a in report.accesses] == [team.hv.full_name]


def test_a_health_visitor_is_refused_with_a_clear_message(team: Team) -> None:
    with pytest.raises(PermissionDeniedError, match="Only a team lead or administrator can see"):
        _report(team, team.hv, NOW.date(), NOW.date())


def test_another_teams_lead_is_refused_and_nothing_is_recorded(team: Team) -> None:
    with pytest.raises(PermissionDeniedError, match="another team"):
        _report(team, team.other_lead, NOW.date(), NOW.date())
    with unit_of_work(team.engine) as session:
        assert (
            session.scalars(select(AuditEvent).where(AuditEvent.action == VIEW_ACCESS_LOG)).all()
            == []
        )


def test_a_range_that_ends_before_it_starts_is_refused(team: Team) -> None:
    with pytest.raises(ValidationError, match=r"ends .* before it starts"):
        _report(team, team.lead, dt.date(2026, 11, 2), dt.date(2026, 11, 1))


def test_an_unknown_nhs_number_says_so(team: Team) -> None:
    with unit_of_work(team.engine) as session, pytest.raises(NotFoundError, match="check the"):
        who_accessed(
            session,
            team.admin,
            nhs_number=factories.nhs_number(9999),
            start=NOW.date(),
            end=NOW.date(),
            now=NOW,
        )


def test_printing_it_is_recorded_as_a_print_and_prints_say_what_was_printed(
    team: Team, clock: list[dt.datetime]
) -> None:
    with unit_of_work(team.engine) as session:
        record_event(
            session, team.hv, "print", "child", team.child_id,
            report="red book summary", copy="family",
        )  # fmt: skip
        who_accessed(
            session, team.lead, child_id=team.child_id, start=NOW.date(), end=NOW.date(),
            now=NOW, for_print=True,
        )  # fmt: skip
    report = _report(team, team.admin, NOW.date(), NOW.date())
    assert [(a.who, a.what) for a in report.accesses] == [
        (team.hv.full_name, "Printed from the record: red book summary (family's copy)"),
        (team.lead.full_name, "Printed from the record: who accessed the record"),
    ]
