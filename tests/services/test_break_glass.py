"""Break-glass access to another team's child's record (issue 8), on SQLite and PostgreSQL.

A typed reason or nothing; never for an administrator; read-only and for a
limited time; every grant and every opening audited; shown to the lead of the
record's team (and no other) until they mark it reviewed.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from healthvisitor.config import DatabaseChoice
from healthvisitor.domain.enums import (
    ContactKind,
    ContactLocation,
    ContactOutcome,
    RecordStatus,
    Role,
)
from healthvisitor.errors import NotFoundError, PermissionDeniedError, ValidationError
from healthvisitor.persistence.models import AuditEvent, BreakGlassAccess
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services import (
    access_report,
    audit,
    break_glass,
    child_record,
    contacts,
    life_events,
    policy,
    printing,
    referrals,
    screening,
)
from healthvisitor.services.actor import Actor
from healthvisitor.services.policy import Permission
from healthvisitor.services.workspace import Workspace
from tests import factories

TODAY = dt.date(2026, 11, 24)
NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)
REASON = "Brought to our clinic by her grandmother; checking which immunisations are due"


@dataclass(frozen=True)
class Trust:
    """Three teams: North's health visitor breaks the glass into South's child."""

    engine: Engine
    north_child_id: uuid.UUID
    north_nhs_number: str
    south_child_id: uuid.UUID
    south_nhs_number: str
    north_hv: Actor
    north_lead: Actor
    south_hv: Actor
    south_lead: Actor
    east_lead: Actor
    admin: Actor


@pytest.fixture
def trust(engine: Engine) -> Trust:
    with unit_of_work(engine) as session:
        north, south = factories.team(session, "North"), factories.team(session, "South")
        east = factories.team(session, "East")
        north_hv, south_hv = factories.user(session, north), factories.user(session, south)
        amal = factories.child(session, factories.family(session, north, "Adeyemi"), north_hv)
        bea = factories.child(
            session, factories.family(session, south, "Dlamini"), south_hv, given_name="Bea"
        )
        return Trust(
            engine=engine,
            north_child_id=amal.id,
            north_nhs_number=amal.nhs_number,
            south_child_id=bea.id,
            south_nhs_number=bea.nhs_number,
            north_hv=factories.actor(north_hv),
            north_lead=factories.actor(factories.user(session, north, Role.TEAM_LEAD)),
            south_hv=factories.actor(south_hv),
            south_lead=factories.actor(factories.user(session, south, Role.TEAM_LEAD)),
            east_lead=factories.actor(factories.user(session, east, Role.TEAM_LEAD)),
            admin=factories.actor(factories.user(session, None, Role.ADMINISTRATOR)),
        )


def _break(
    trust: Trust,
    actor: Actor,
    reason: str = REASON,
    nhs_number: str | None = None,
    now: dt.datetime = NOW,
) -> break_glass.BreakGlassGrant | break_glass.OwnTeamChild:
    with unit_of_work(trust.engine) as session:
        return break_glass.break_glass(
            session, actor, nhs_number or trust.south_nhs_number, reason, now=now
        )


def _grant(trust: Trust, actor: Actor | None = None) -> break_glass.BreakGlassGrant:
    granted = _break(trust, actor or trust.north_hv)
    assert isinstance(granted, break_glass.BreakGlassGrant)
    return granted


def _open(
    trust: Trust, actor: Actor, child_id: uuid.UUID, now: dt.datetime = NOW
) -> break_glass.BreakGlassView:
    with unit_of_work(trust.engine) as session:
        return break_glass.break_glass_record(session, actor, child_id, now=now, today=TODAY)


def _events(trust: Trust, child_id: uuid.UUID) -> list[AuditEvent]:
    with unit_of_work(trust.engine) as session:
        return list(
            session.scalars(
                select(AuditEvent)
                .where(AuditEvent.entity_id == child_id)
                .order_by(AuditEvent.sequence)
            )
        )


def _grants(trust: Trust) -> list[BreakGlassAccess]:
    with unit_of_work(trust.engine) as session:
        return list(session.scalars(select(BreakGlassAccess)))


def _to_review(trust: Trust, lead: Actor) -> tuple[break_glass.BreakGlassOpening, ...]:
    with unit_of_work(trust.engine) as session:
        return break_glass.break_glass_to_review(session, lead)


# --- Refused -----------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   ", "urgent", "see notes 123 456"])
def test_without_a_real_reason_the_glass_is_not_broken_and_nothing_is_kept(
    trust: Trust, reason: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        _break(trust, trust.north_hv, reason)
    [said] = refused.value.for_field("reason")
    assert "why you need this record" in said
    assert _grants(trust) == []
    assert _events(trust, trust.south_child_id) == []


def test_a_wrong_nhs_number_and_a_missing_reason_are_both_said_at_once(trust: Trust) -> None:
    with pytest.raises(ValidationError) as refused:
        _break(trust, trust.north_hv, "", nhs_number="999 000 0001")
    assert refused.value.for_field("nhs_number") == [
        "This is not a valid NHS number: the check digit does not match. "
        "Check each digit against the record."
    ]
    assert refused.value.for_field("reason")


def test_an_nhs_number_nobody_has_is_not_found_and_nothing_is_kept(trust: Trust) -> None:
    unused = factories.nhs_number(4242)
    with pytest.raises(NotFoundError, match="No child with NHS number"):
        _break(trust, trust.north_hv, nhs_number=unused)
    assert _grants(trust) == []


def test_a_look_up_that_finds_nobody_is_still_audited_with_its_reason(trust: Trust) -> None:
    """Trying to reach a record outside one's team is for the audit trail, found or not."""
    window = Workspace(
        trust.engine,
        trust.north_hv,
        DatabaseChoice(url=make_url("sqlite:///break-glass.db"), source="test"),
    )
    unused = factories.nhs_number(4343)
    with pytest.raises(NotFoundError, match="No child with NHS number"):
        window.break_glass(unused, REASON)
    assert _grants(trust) == []
    with unit_of_work(trust.engine) as session:
        [event] = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "break_glass_not_found")
        ).all()
    assert (event.user_id, event.entity_type, event.entity_id) == (
        trust.north_hv.user_id,
        "child",
        None,
    )
    assert json.loads(event.details) == {"nhs_number": unused, "reason": REASON}
    # A form error (no reason) looks nothing up: nothing to audit.
    with pytest.raises(ValidationError):
        window.break_glass(unused, "")
    with unit_of_work(trust.engine) as session:
        assert (
            len(
                session.scalars(
                    select(AuditEvent).where(AuditEvent.action == "break_glass_not_found")
                ).all()
            )
            == 1
        )


def test_an_administrator_can_never_break_the_glass(trust: Trust) -> None:
    assert not policy.may(Role.ADMINISTRATOR, Permission.BREAK_GLASS)
    assert not policy.may(Role.ADMINISTRATOR, Permission.REVIEW_BREAK_GLASS)
    with pytest.raises(PermissionDeniedError) as refused:
        _break(trust, trust.admin)
    assert str(refused.value).startswith("Only a health visitor or team lead can open another")
    with pytest.raises(PermissionDeniedError):
        _open(trust, trust.admin, trust.south_child_id)
    with pytest.raises(PermissionDeniedError):
        _to_review(trust, trust.admin)
    assert _grants(trust) == []
    assert _events(trust, trust.south_child_id) == []


def test_a_child_of_ones_own_team_is_no_break_glass_but_the_usual_record(trust: Trust) -> None:
    found = _break(trust, trust.north_hv, nhs_number=trust.north_nhs_number)
    assert found == break_glass.OwnTeamChild(trust.north_child_id, "Sam Adeyemi")
    assert _grants(trust) == []
    view = _open(trust, trust.north_hv, trust.north_child_id)
    assert view.grant is None and view.record.id == trust.north_child_id
    assert view.record.read_only_reason == ""  # their own caseload's child: theirs to change
    [event] = _events(trust, trust.north_child_id)
    assert (event.action, json.loads(event.details)) == ("view", {})


# --- Granted: read-only, one record, for a while -------------------------------------------


def test_another_teams_child_opens_read_only_and_every_change_is_still_refused(
    trust: Trust,
) -> None:
    grant = _grant(trust)
    assert (grant.child_id, grant.child_name, grant.team_name) == (
        trust.south_child_id,
        "Bea Dlamini",
        "South",
    )
    assert grant.reason == REASON and grant.expires_at == NOW + break_glass.GRANT_LASTS
    view = _open(trust, trust.north_hv, trust.south_child_id)
    assert view.grant == grant
    assert (view.record.id, view.record.name, view.record.family) == (
        trust.south_child_id,
        "Bea Dlamini",
        "Dlamini",
    )
    assert view.record.read_only_reason == (
        "This record belongs to another team (South) and was opened by break-glass: "
        "you can read it but not change it."
    )
    entry = contacts.ContactEntry(
        kind=ContactKind.OTHER,
        contact_date=TODAY,
        location=ContactLocation.CLINIC,
        outcome=ContactOutcome.COMPLETED,
        delivered_by_id=trust.north_hv.user_id,
        accountable_health_visitor_id=trust.north_hv.user_id,
        child_id=trust.south_child_id,
    )
    hv, child_id = trust.north_hv, trust.south_child_id
    changes: dict[str, Callable[[Session], object]] = {
        "the usual record": lambda s: child_record.child_record(s, hv, child_id, today=TODAY),
        "a contact": lambda s: contacts.record_contact(s, hv, entry, today=TODAY),
        "closing it": lambda s: life_events.change_record_status(
            s,
            hv,
            child_id,
            RecordStatus.MOVED_AWAY,
            effective_date=TODAY,
            detail="Leeds",
            today=TODAY,
        ),
        "an immunisation": lambda s: screening.record_immunisation(
            s, hv, child_id, vaccine="menb", dose=1, given_on=TODAY, today=TODAY
        ),
        "referrals": lambda s: referrals.child_referrals(s, hv, child_id, today=TODAY),
        "printing": lambda s: printing.red_book_summary(s, hv, child_id, today=TODAY),
    }
    for what, attempt in changes.items():
        with pytest.raises(PermissionDeniedError), unit_of_work(trust.engine) as session:
            attempt(session)
            pytest.fail(f"break-glass let {what} through")


def test_the_grant_is_the_breakers_alone_and_ends_after_its_time(trust: Trust) -> None:
    grant = _grant(trust)
    almost = grant.expires_at - dt.timedelta(minutes=1)
    assert _open(trust, trust.north_hv, trust.south_child_id, now=almost).grant == grant
    with pytest.raises(PermissionDeniedError, match="has ended"):
        _open(trust, trust.north_hv, trust.south_child_id, now=grant.expires_at)
    with pytest.raises(PermissionDeniedError, match="has ended"):
        _open(trust, trust.north_lead, trust.south_child_id)  # a colleague: no grant of theirs
    with pytest.raises(PermissionDeniedError):  # nor before it was given
        _open(trust, trust.north_hv, trust.south_child_id, now=NOW - dt.timedelta(minutes=1))


def test_a_child_transferred_since_is_not_reached_by_the_old_grant(trust: Trust) -> None:
    from healthvisitor.persistence.models import Child

    _grant(trust)
    with unit_of_work(trust.engine) as session:
        child = session.get_one(Child, trust.south_child_id)
        assert trust.east_lead.team_id is not None
        child.team_id = trust.east_lead.team_id
    with pytest.raises(PermissionDeniedError, match="has ended"):
        _open(trust, trust.north_hv, trust.south_child_id)


def test_the_audit_trail_holds_the_grant_and_each_opening_under_it(trust: Trust) -> None:
    grant = _grant(trust)
    _open(trust, trust.north_hv, trust.south_child_id)
    _open(trust, trust.north_hv, trust.south_child_id, now=NOW + dt.timedelta(hours=2))
    events = _events(trust, trust.south_child_id)
    said = [(e.action, e.user_id, e.machine, json.loads(e.details)) for e in events]
    assert said == [
        (
            "break_glass",
            trust.north_hv.user_id,
            "test-machine",
            {
                "grant": str(grant.id),
                "team": "South",
                "team_id": str(trust.south_lead.team_id),
                "reason": REASON,
                "expires_at": grant.expires_at.isoformat(),
            },
        ),
        ("view", trust.north_hv.user_id, "test-machine", {"break_glass_grant": str(grant.id)}),
        ("view", trust.north_hv.user_id, "test-machine", {"break_glass_grant": str(grant.id)}),
    ]
    [kept] = _grants(trust)
    assert (kept.user_id, kept.team_id, kept.reason, kept.machine) == (
        trust.north_hv.user_id,
        trust.south_lead.team_id,
        REASON,
        "test-machine",
    )
    assert (kept.granted_at, kept.expires_at, kept.reviewed_at) == (NOW, grant.expires_at, None)


# --- Flagged to the record's team lead ------------------------------------------------------


def test_the_lead_of_the_records_team_sees_the_access_and_no_other_lead_does(
    trust: Trust,
) -> None:
    grant = _grant(trust)
    [seen] = _to_review(trust, trust.south_lead)
    assert seen == break_glass.BreakGlassOpening(
        id=grant.id,
        child_id=trust.south_child_id,
        child_name="Bea Dlamini",
        nhs_number=grant.nhs_number,
        who=trust.north_hv.full_name,
        who_team="North",
        who_role="Health visitor",
        reason=REASON,
        machine="test-machine",
        granted_at=NOW,
        expires_at=grant.expires_at,
    )
    assert _to_review(trust, trust.north_lead) == ()  # the breaker's own lead: not their record
    assert _to_review(trust, trust.east_lead) == ()
    with pytest.raises(PermissionDeniedError, match="Only a team lead"):
        _to_review(trust, trust.south_hv)


def test_marking_it_reviewed_takes_it_off_the_list_once_and_is_audited(trust: Trust) -> None:
    grant = _grant(trust)
    with pytest.raises(PermissionDeniedError), unit_of_work(trust.engine) as session:
        break_glass.mark_break_glass_reviewed(session, trust.north_lead, grant.id, now=NOW)
    later = NOW + dt.timedelta(hours=1)
    for _ in range(2):  # the second is no second review
        with unit_of_work(trust.engine) as session:
            break_glass.mark_break_glass_reviewed(session, trust.south_lead, grant.id, now=later)
    assert _to_review(trust, trust.south_lead) == ()
    reviews = [e for e in _events(trust, trust.south_child_id) if e.action == "review_break_glass"]
    assert [(e.user_id, json.loads(e.details)) for e in reviews] == [
        (trust.south_lead.user_id, {"grant": str(grant.id)})
    ]
    [kept] = _grants(trust)
    assert (kept.reviewed_at, kept.reviewed_by_id) == (later, trust.south_lead.user_id)
    with pytest.raises(NotFoundError), unit_of_work(trust.engine) as session:
        break_glass.mark_break_glass_reviewed(session, trust.south_lead, uuid.uuid4(), now=NOW)


def test_who_accessed_the_record_shows_the_break_glass_with_its_reason(
    trust: Trust, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audit, "utc_now", lambda: NOW)  # the events on the day reported
    _grant(trust)
    _open(trust, trust.north_hv, trust.south_child_id)
    with unit_of_work(trust.engine) as session:
        report = access_report.who_accessed(
            session,
            trust.south_lead,
            child_id=trust.south_child_id,
            start=TODAY - dt.timedelta(days=1),
            end=TODAY + dt.timedelta(days=1),
            now=NOW,
        )
    assert [(a.who, a.what) for a in report.accesses] == [
        (
            trust.north_hv.full_name,
            f'Broke the glass (from another team) to read the record, saying: "{REASON}"',
        ),
        (trust.north_hv.full_name, "Opened the record by break-glass (read-only)"),
    ]


def test_a_reason_is_kept_as_typed_with_its_spaces_tidied() -> None:
    assert break_glass.clean_reason("  A&E  asked\nfor her   immunisations ") == (
        "A&E asked for her immunisations"
    )
    with pytest.raises(ValidationError, match="1000 characters"):
        break_glass.clean_reason("why " * 300)
