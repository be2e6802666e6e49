"""The caseload the window opens on: the right children, scoped to the team."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from healthvisitor.domain.enums import (
    ContactKind,
    ContactLocation,
    ContactOutcome,
    RecordStatus,
    ReferralStatus,
    ReviewStatus,
    Role,
    SafeguardingStatus,
    ServiceLevel,
)
from healthvisitor.errors import PermissionDeniedError
from healthvisitor.persistence.models import (
    Child,
    Contact,
    Referral,
    ReferralType,
    SafeguardingEntry,
    ServiceLevelEntry,
    User,
)
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services.allocation import arrange_cover
from healthvisitor.services.caseload import caseload, team_health_visitors
from tests import factories
from tests.statements import statements_sent

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


def contact(
    session: Session,
    child: Child,
    by: User,
    kind: ContactKind,
    on: dt.date,
    outcome: ContactOutcome = ContactOutcome.COMPLETED,
    supersedes: Contact | None = None,
) -> Contact:
    result = Contact(
        kind=kind,
        child_id=child.id,
        contact_date=on,
        location=ContactLocation.HOME,
        outcome=outcome,
        delivered_by_id=by.id,
        supersedes_id=supersedes.id if supersedes else None,
    )
    session.add(result)
    session.flush()
    return result


def safeguarding(
    session: Session,
    child: Child,
    status: SafeguardingStatus,
    start: dt.date,
    end: dt.date | None = None,
) -> None:
    session.add(SafeguardingEntry(child_id=child.id, status=status, start_date=start, end_date=end))


def service_level(
    session: Session, child: Child, level: ServiceLevel, start: dt.date, end: dt.date | None = None
) -> None:
    session.add(ServiceLevelEntry(child_id=child.id, level=level, start_date=start, end_date=end))


def test_the_worklist_fields_of_each_child(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        team = factories.team(session)
        me = factories.user(session, team)
        # Born 23 days ago: the new birth visit (target day 14, 15 Nov) is overdue.
        newborn = factories.child(
            session,
            factories.family(session, team, "Adeyemi"),
            me,
            given_name="Nia",
            date_of_birth=dt.date(2026, 11, 1),
        )
        family = factories.family(session, team, "Begum")
        family.interpreter_needed = True
        # 12 weeks old, new birth visit and 6-8 week review both done.
        baby = factories.child(
            session, family, me, given_name="Bo", date_of_birth=dt.date(2026, 9, 1)
        )
        contact(session, baby, me, ContactKind.NEW_BIRTH_VISIT, dt.date(2026, 9, 12))
        contact(session, baby, me, ContactKind.SIX_TO_EIGHT_WEEK, dt.date(2026, 10, 20))
        wrong = contact(session, baby, me, ContactKind.OTHER, dt.date(2026, 11, 10))
        # The 10 Nov contact was entered in error: its correction is dated 5 Nov.
        contact(session, baby, me, ContactKind.OTHER, dt.date(2026, 11, 5), supersedes=wrong)
        # Not brought: no contact took place.
        contact(
            session, baby, me, ContactKind.OTHER, dt.date(2026, 11, 20), ContactOutcome.NOT_ATTENDED
        )
        safeguarding(
            session,
            baby,
            SafeguardingStatus.CHILD_IN_NEED,
            dt.date(2026, 9, 1),
            dt.date(2026, 11, 23),
        )  # ended yesterday
        safeguarding(
            session, baby, SafeguardingStatus.DOMESTIC_ABUSE_MARAC, dt.date(2026, 9, 1), TODAY
        )  # ends today: still in force
        safeguarding(session, baby, SafeguardingStatus.CHILD_PROTECTION_PLAN, dt.date(2026, 10, 1))
        safeguarding(session, baby, SafeguardingStatus.LOOKED_AFTER, dt.date(2026, 12, 1))
        service_level(
            session, baby, ServiceLevel.UNIVERSAL, dt.date(2026, 9, 1), dt.date(2026, 10, 31)
        )
        service_level(session, baby, ServiceLevel.UNIVERSAL_PLUS, dt.date(2026, 11, 1))
        actor = factories.actor(me)
    with unit_of_work(engine) as session:
        rows = {r.child_id: r for r in caseload(session, actor, today=TODAY)}

    nia = rows[newborn.id]
    assert nia.next_review is ContactKind.NEW_BIRTH_VISIT
    assert nia.next_review_status is ReviewStatus.OVERDUE
    assert nia.next_review_target_by == dt.date(2026, 11, 15)
    assert nia.days_to_target == -9
    assert nia.overdue_reviews == 1
    assert nia.awaiting_new_birth_visit
    assert (nia.safeguarding, nia.service_level, nia.interpreter_needed) == ((), "", False)
    assert nia.last_contact is None

    bo = rows[baby.id]
    # Both early reviews done: next is the 1 year review, target 1 Sep 2027.
    assert bo.next_review is ContactKind.ONE_YEAR
    assert bo.next_review_status is ReviewStatus.NOT_YET_DUE
    assert bo.next_review_target_by == dt.date(2027, 9, 1)
    assert bo.days_to_target == (dt.date(2027, 9, 1) - TODAY).days
    assert bo.overdue_reviews == 0
    assert not bo.awaiting_new_birth_visit
    assert bo.safeguarding == ("Domestic abuse (MARAC)", "Child protection plan")
    assert bo.service_level == "Universal Plus"
    assert bo.interpreter_needed
    assert bo.last_contact == dt.date(2026, 11, 5)


def test_reviews_count_only_what_stands_and_the_antenatal_review_is_the_last_contact(
    engine: Engine,
) -> None:
    """Issue 10 moved these rules into SQL: a corrected review, a cancelled one and
    one dated after today do not count; the antenatal review on the pregnancy the
    baby was born of is the baby's last contact."""
    with unit_of_work(engine) as session:
        team = factories.team(session)
        me = factories.user(session, team)
        family = factories.family(session, team, "Novak")
        mother = factories.carer(session, family)
        expected = factories.pregnancy(session, mother, me, dt.date(2026, 11, 10))
        baby = factories.child(
            session, family, me, given_name="Ivo", date_of_birth=dt.date(2026, 11, 3)
        )
        baby.pregnancy_id = expected.id
        session.add(
            Contact(
                kind=ContactKind.ANTENATAL,
                pregnancy_id=expected.id,
                contact_date=dt.date(2026, 10, 20),
                location=ContactLocation.HOME,
                outcome=ContactOutcome.COMPLETED,
                delivered_by_id=me.id,
            )
        )
        # The new birth visit entered in error is corrected to "not brought".
        wrong = contact(session, baby, me, ContactKind.NEW_BIRTH_VISIT, dt.date(2026, 11, 12))
        contact(
            session,
            baby,
            me,
            ContactKind.NEW_BIRTH_VISIT,
            dt.date(2026, 11, 12),
            ContactOutcome.NOT_ATTENDED,
            supersedes=wrong,
        )
        contact(
            session,
            baby,
            me,
            ContactKind.NEW_BIRTH_VISIT,
            dt.date(2026, 11, 16),
            ContactOutcome.CANCELLED,
        )
        contact(session, baby, me, ContactKind.NEW_BIRTH_VISIT, dt.date(2026, 11, 26))
        actor = factories.actor(me)
    with unit_of_work(engine) as session:
        (row,) = caseload(session, actor, today=TODAY)
    assert row.next_review is ContactKind.NEW_BIRTH_VISIT
    assert row.next_review_status is ReviewStatus.NOT_ATTENDED
    assert row.awaiting_new_birth_visit
    assert row.last_contact == dt.date(2026, 10, 20)


def test_a_board_sized_batch_gives_the_same_rows_as_a_caseload(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Thousands of children are named by a subquery, a caseload by ids: same rows."""
    with unit_of_work(engine) as session:
        team = factories.team(session)
        me = factories.user(session, team)
        for n, (family_name, born) in enumerate(
            [("Ahmed", dt.date(2026, 11, 1)), ("Berg", dt.date(2026, 9, 1)), ("Cole", None)]
        ):
            family = factories.family(session, team, family_name)
            kid = factories.child(session, family, me, date_of_birth=born or dt.date(2025, 1, 9))
            contact(
                session, kid, me, ContactKind.NEW_BIRTH_VISIT, kid.date_of_birth + dt.timedelta(12)
            )
            safeguarding(session, kid, SafeguardingStatus.CHILD_IN_NEED, dt.date(2026, 10, n + 1))
            service_level(session, kid, ServiceLevel.UNIVERSAL_PLUS, dt.date(2026, 10, 20))
            carer = factories.carer(session, family)
            session.add(
                Referral(
                    referral_type_id=session.scalars(select(ReferralType.id)).first(),
                    carer_id=carer.id,
                    status=ReferralStatus.SENT,
                    made_on=dt.date(2026, 10, 1),
                    follow_up_on=dt.date(2026, 11, 1),
                    made_by_id=me.id,
                )
            )
        actor = factories.actor(me)
    with unit_of_work(engine) as session:
        by_id = caseload(session, actor, today=TODAY)
    monkeypatch.setattr("healthvisitor.services.caseload._CHILDREN_BY_ID", 0)
    with unit_of_work(engine) as session:
        by_subquery = caseload(session, actor, today=TODAY)
    assert len(by_id) == 3
    assert all(row.referrals_due and row.safeguarding for row in by_id)
    assert by_subquery == by_id


def test_a_child_with_every_review_done_or_closed_has_no_next_review(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        team = factories.team(session)
        me = factories.user(session, team)
        # Four years old, nothing recorded: every window has closed (missed), none is open.
        old = factories.child(
            session, factories.family(session, team), me, date_of_birth=dt.date(2022, 11, 1)
        )
        actor = factories.actor(me)
    with unit_of_work(engine) as session:
        (row,) = caseload(session, actor, today=TODAY)
    assert row.child_id == old.id
    assert (row.next_review, row.next_review_status, row.days_to_target) == (None, None, None)
    assert row.overdue_reviews == 0


def test_the_number_of_queries_does_not_grow_with_the_caseload(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        team = factories.team(session)
        me = factories.user(session, team)
        first = factories.child(session, factories.family(session, team, "Ahmed"), me)
        contact(session, first, me, ContactKind.NEW_BIRTH_VISIT, dt.date(2026, 6, 12))
        actor = factories.actor(me)

    def statements_for_caseload() -> tuple[int, int]:
        with statements_sent(engine) as statements, unit_of_work(engine) as session:
            rows = caseload(session, actor, today=TODAY)
        return len(rows), len(statements)

    one = statements_for_caseload()
    with unit_of_work(engine) as session:
        for n in range(6):
            family = factories.family(session, team, f"Family {n}")
            kid = factories.child(session, family, me, date_of_birth=dt.date(2026, 10, n + 1))
            contact(session, kid, me, ContactKind.NEW_BIRTH_VISIT, dt.date(2026, 10, n + 12))
            safeguarding(session, kid, SafeguardingStatus.CHILD_IN_NEED, dt.date(2026, 10, 20))
            service_level(session, kid, ServiceLevel.UNIVERSAL, dt.date(2026, 10, 20))
    seven = statements_for_caseload()
    assert (one[0], seven[0]) == (1, 7)
    assert seven[1] == one[1]


def referral(
    session: Session,
    by: User,
    on: dt.date | None,
    *,
    child: Child | None = None,
    carer_id: Any = None,
    status: ReferralStatus = ReferralStatus.SENT,
    code: str = "stop_smoking",
) -> None:
    kind = session.scalars(select(ReferralType).where(ReferralType.code == code)).one()
    session.add(
        Referral(
            referral_type_id=kind.id,
            child_id=child.id if child else None,
            carer_id=carer_id,
            status=status,
            made_on=dt.date(2026, 10, 1),
            follow_up_on=on,
            made_by_id=by.id,
        )
    )


def test_open_referrals_with_a_follow_up_due_are_flagged(engine: Engine) -> None:
    """Issue 4's flag "open referral with follow-up due", about the child or a carer."""
    with unit_of_work(engine) as session:
        team = factories.team(session)
        me = factories.user(session, team)
        okafor = factories.family(session, team, "Okafor")
        ada = factories.child(session, okafor, me, given_name="Ada")
        ben = factories.child(session, okafor, me, given_name="Ben")
        quiet = factories.child(session, factories.family(session, team, "Quiet"), me)
        mother = factories.carer(session, okafor, "Mo")
        # Ada's: due yesterday (shown), due today (shown), due tomorrow, closed, none set.
        referral(session, me, dt.date(2026, 11, 23), child=ada, code="speech_language")
        referral(session, me, TODAY, child=ada, code="infant_feeding")
        referral(session, me, dt.date(2026, 11, 25), child=ada)
        referral(session, me, dt.date(2026, 11, 1), child=ada, status=ReferralStatus.COMPLETED)
        referral(session, me, None, child=ada)
        # The mother's stop-smoking referral: on both her children.
        referral(session, me, dt.date(2026, 11, 20), carer_id=mother.id)
        # Another family's quiet child: nothing.
        referral(session, me, dt.date(2026, 11, 20), child=quiet, status=ReferralStatus.DECLINED)
        actor = factories.actor(me)
    with unit_of_work(engine) as session:
        rows = {r.child_id: r for r in caseload(session, actor, today=TODAY)}
    mothers = "Stop smoking service (Mo Okafor): follow-up due 20 Nov 2026"
    assert rows[ada.id].referrals_due == (
        "Speech and language therapy: follow-up due 23 Nov 2026",
        "Infant feeding support: follow-up due 24 Nov 2026",
        mothers,
    )
    assert rows[ben.id].referrals_due == (mothers,)
    assert rows[quiet.id].referrals_due == ()


def test_a_covering_health_visitor_sees_the_absent_caseload_with_a_fixed_query_count(
    engine: Engine,
) -> None:
    with unit_of_work(engine) as session:
        team = factories.team(session)
        me, away = factories.user(session, team), factories.user(session, team)
        away.full_name = "Jane Smith"
        lead = factories.user(session, team, Role.TEAM_LEAD)
        factories.child(session, factories.family(session, team, "Mine"), me)
        actor = factories.actor(me)

    def statements_for_caseload() -> tuple[int, int]:
        with statements_sent(engine) as statements, unit_of_work(engine) as session:
            rows = caseload(session, actor, today=TODAY)
        return len(rows), sum(1 for s in statements if s.is_select())

    # Ten queries either way: the health visitor, the cover they hold, and
    # assess_children's eight (children, weights, review attempts, last
    # contacts, safeguarding, service levels, referrals due, prompts to decide).
    alone = statements_for_caseload()
    with unit_of_work(engine) as session:
        for n in range(3):
            factories.child(session, factories.family(session, team, f"Away {n}"), away)
        arrange_cover(
            session,
            factories.actor(lead),
            away.id,
            me.id,
            start=TODAY,
            end=dt.date(2026, 12, 12),
            reason="Annual leave",
            today=TODAY,
        )
    covering = statements_for_caseload()
    assert (alone[0], covering[0]) == (1, 4)
    assert covering[1] == alone[1] == 10
    with unit_of_work(engine) as session:
        rows = caseload(session, actor, today=TODAY)
    assert (
        sorted(r.covering_for for r in rows)
        == [""] + ["Covering for Jane Smith until 12 Dec 2026"] * 3
    )
    assert {r.health_visitor_id for r in rows} == {me.id, away.id}
