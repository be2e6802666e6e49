"""The caseload the window opens on: the right children, scoped to the team."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine

from healthvisitor.domain.enums import RecordStatus
from healthvisitor.errors import PermissionDeniedError
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services.caseload import caseload, team_health_visitors
from tests import factories

TODAY = dt.date(2026, 11, 24)


def test_caseload_lists_own_active_children_and_cover_for_a_colleague(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        north, south = factories.team(session, "North"), factories.team(session, "South")
        me, colleague = factories.user(session, north), factories.user(session, north)
        stranger = factories.user(session, south)
        family = factories.family(session, north, "Okafor")
        mine = factories.child(
            session, family, me, given_name="Ada", date_of_birth=dt.date(2026, 10, 1)
        )
        factories.child(session, family, colleague, given_name="Ben")
        moved = factories.child(session, family, me, given_name="Cal")
        moved.record_status = RecordStatus.MOVED_AWAY
        factories.child(session, factories.family(session, south), stranger)
        actor = factories.actor(me)
    with unit_of_work(engine) as session:
        rows = caseload(session, actor, today=TODAY)
        assert [(r.child_id, r.name, r.age) for r in rows] == [(mine.id, "Ada Okafor", "7 weeks")]
        assert rows[0].nhs_number.count(" ") == 2
        cover = caseload(session, actor, today=TODAY, health_visitor_id=colleague.id)
        assert [r.name for r in cover] == ["Ben Okafor"]
        with pytest.raises(PermissionDeniedError):
            caseload(session, actor, today=TODAY, health_visitor_id=stranger.id)
        assert {v.id for v in team_health_visitors(session, actor)} == {me.id, colleague.id}
