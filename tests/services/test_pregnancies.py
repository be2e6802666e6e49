"""The pregnancies list (issue 3): the right mothers, scoped to the team, with their review."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from typing import Any

import pytest
from sqlalchemy import Engine

from healthvisitor.domain.enums import (
    ContactKind,
    ContactLocation,
    ContactOutcome,
    PregnancyOutcome,
    ReviewStatus,
    Role,
    SafeguardingStatus,
)
from healthvisitor.errors import PermissionDeniedError
from healthvisitor.persistence.models import SafeguardingEntry
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services.actor import Actor
from healthvisitor.services.contacts import ContactEntry, record_contact
from healthvisitor.services.pregnancies import pregnancy_caseload
from tests import factories
from tests.statements import statements_sent

TODAY = dt.date(2026, 11, 24)


@dataclasses.dataclass(frozen=True)
class Mothers:
    engine: Engine
    me: Actor
    colleague: Actor
    stranger: Actor
    admin: Actor
    pregnancies: dict[str, uuid.UUID]


@pytest.fixture
def mothers(engine: Engine) -> Mothers:
    """Three ongoing pregnancies of mine, one born, a colleague's, and one in another team.

    * Bea Okafor, EDD 20 Dec 2026 (36+2 today), on a pre-birth plan: review due;
    * Cara Nowak, EDD 1 Feb 2027 (30+1), her pre-birth plan ended: review due;
    * Dee Jones, EDD 1 Apr 2027 (21+5): review not yet due (opens at 28+0);
    * Eve Khan: baby born, so no longer on this list;
    * Fay Bell, the colleague's; Gail Stray, in another team though (wrongly) allocated to me.
    """
    with unit_of_work(engine) as session:
        north, south = factories.team(session, "North"), factories.team(session, "South")
        me, colleague = factories.user(session, north), factories.user(session, north)
        stranger = factories.user(session, south)
        admin = factories.user(session, north, Role.ADMINISTRATOR)
        found: dict[str, uuid.UUID] = {}

        def expecting(
            name: str,
            surname: str,
            hv: Any,
            edd: dt.date,
            outcome: PregnancyOutcome = PregnancyOutcome.ONGOING,
            team: Any = north,
        ) -> uuid.UUID:
            mother = factories.carer(session, factories.family(session, team, surname), name)
            found[name] = factories.pregnancy(session, mother, hv, edd, outcome).id
            return found[name]

        bea = expecting("Bea", "Okafor", me, dt.date(2026, 12, 20))
        cara = expecting("Cara", "Nowak", me, dt.date(2027, 2, 1))
        expecting("Dee", "Jones", me, dt.date(2027, 4, 1))
        expecting("Eve", "Khan", me, dt.date(2026, 11, 10), PregnancyOutcome.LIVE_BIRTH)
        expecting("Fay", "Bell", colleague, dt.date(2027, 1, 10))
        expecting("Gail", "Stray", me, dt.date(2027, 1, 5), team=south)
        session.add_all(
            [
                SafeguardingEntry(
                    pregnancy_id=bea,
                    status=SafeguardingStatus.PRE_BIRTH_PLAN,
                    start_date=dt.date(2026, 10, 1),
                    note="",
                ),
                SafeguardingEntry(
                    pregnancy_id=cara,
                    status=SafeguardingStatus.PRE_BIRTH_PLAN,
                    start_date=dt.date(2026, 9, 1),
                    end_date=dt.date(2026, 11, 1),
                    note="",
                ),
            ]
        )
        return Mothers(
            engine,
            factories.actor(me),
            factories.actor(colleague),
            factories.actor(stranger),
            factories.actor(admin),
            found,
        )


def antenatal(
    mothers: Mothers,
    name: str,
    on: dt.date,
    outcome: ContactOutcome = ContactOutcome.COMPLETED,
    rebooked_for: dt.date | None = None,
) -> None:
    with unit_of_work(mothers.engine) as session:
        record_contact(
            session,
            mothers.me,
            ContactEntry(
                kind=ContactKind.ANTENATAL,
                contact_date=on,
                location=ContactLocation.HOME,
                outcome=outcome,
                delivered_by_id=mothers.me.user_id,
                accountable_health_visitor_id=mothers.me.user_id,
                pregnancy_id=mothers.pregnancies[name],
                next_planned_contact=rebooked_for,
            ),
            today=TODAY,
        )


def listed(mothers: Mothers, actor: Actor | None = None, **kwargs: Any) -> list[Any]:
    with unit_of_work(mothers.engine) as session:
        return pregnancy_caseload(session, actor or mothers.me, today=TODAY, **kwargs)


def test_my_ongoing_pregnancies_by_edd_with_gestation_review_and_plan(mothers: Mothers) -> None:
    rows = listed(mothers)
    assert [
        (r.mother_name, r.family, r.postcode, r.gestation_today, r.antenatal.status) for r in rows
    ] == [
        ("Bea Okafor", "Okafor", "LS7 3AB", "36+2 weeks", ReviewStatus.DUE),
        ("Cara Nowak", "Nowak", "LS7 3AB", "30+1 weeks", ReviewStatus.DUE),
        ("Dee Jones", "Jones", "LS7 3AB", "21+5 weeks", ReviewStatus.NOT_YET_DUE),
    ]
    assert [r.pregnancy_id for r in rows] == [
        mothers.pregnancies[n] for n in ("Bea", "Cara", "Dee")
    ]
    assert [r.pre_birth_plan for r in rows] == [True, False, False], "only a plan in force"
    # The window opens at 28+0 (EDD - 84 days) and the target is the EDD while unborn.
    dee = rows[2].antenatal
    assert (dee.window.opens, dee.window.target_by) == (dt.date(2027, 1, 7), dt.date(2027, 4, 1))
    assert {r.health_visitor_id for r in rows} == {mothers.me.user_id}


def test_cover_shows_a_colleagues_pregnancies_and_another_team_is_refused(
    mothers: Mothers,
) -> None:
    cover = listed(mothers, health_visitor_id=mothers.colleague.user_id)
    assert [r.mother_name for r in cover] == ["Fay Bell"]
    with pytest.raises(PermissionDeniedError):
        listed(mothers, health_visitor_id=mothers.stranger.user_id)
    with pytest.raises(PermissionDeniedError):
        listed(mothers, mothers.admin)
    # The stranger's own list never shows my team's mothers, nor Gail, allocated to me.
    assert listed(mothers, mothers.stranger) == []


def test_the_review_is_done_once_an_antenatal_contact_is_recorded(mothers: Mothers) -> None:
    antenatal(mothers, "Cara", dt.date(2026, 11, 20))
    antenatal(
        mothers,
        "Bea",
        dt.date(2026, 11, 20),
        ContactOutcome.NOT_ATTENDED,
        rebooked_for=dt.date(2026, 11, 30),
    )
    # At 20+3 weeks: not the antenatal review yet (counted from 28 weeks, OHID).
    antenatal(mothers, "Dee", dt.date(2026, 11, 20))
    by_name = {r.mother_name: r.antenatal for r in listed(mothers)}
    assert by_name["Cara Nowak"].status is ReviewStatus.DONE_ON_TIME
    assert by_name["Cara Nowak"].completed_on == dt.date(2026, 11, 20)
    assert by_name["Bea Okafor"].status is ReviewStatus.NOT_ATTENDED_REBOOKED
    assert by_name["Dee Jones"].status is ReviewStatus.NOT_YET_DUE
    assert len(by_name) == 3, "several contacts still make one row per pregnancy"


def test_the_list_is_one_query_however_many_pregnancies_and_contacts(mothers: Mothers) -> None:
    for name in ("Bea", "Cara"):
        antenatal(mothers, name, dt.date(2026, 11, 20))
    with statements_sent(mothers.engine) as statements:
        rows = listed(mothers)
    assert len(rows) == 3
    selects = [s for s in statements if s.is_select()]
    # One to check whose list it is (cover, team), one for the pregnancies and contacts.
    assert len(selects) == 2, selects
