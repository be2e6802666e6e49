"""What the printed reports are made of (issue 6): the red book summary and the handover."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import Engine, select

from healthvisitor.domain.enums import AgeUsed, ContactKind, ReferralStatus, ReviewStatus
from healthvisitor.errors import NotFoundError, PermissionDeniedError, ValidationError
from healthvisitor.persistence.models import AuditEvent, Referral, ReferralType
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services.printing import (
    find_child_by_nhs_number,
    handover_report,
    red_book_summary,
)
from healthvisitor.services.referrals import NewReferral, make_referral
from tests import factories
from tests.printing_data import OLIVER_REVIEWS, TODAY, PrintTeam, build_print_team
from tests.statements import statements_sent


@pytest.fixture
def team(engine: Engine) -> PrintTeam:
    return build_print_team(engine, extra_contacts=3)


def _print_events(engine: Engine) -> list[AuditEvent]:
    with unit_of_work(engine) as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == "print")))


def test_red_book_summary_has_each_review_with_who_and_what_was_found(team: PrintTeam) -> None:
    with unit_of_work(team.engine) as session:
        summary = red_book_summary(session, team.actor(), team.oliver, today=TODAY)
    assert summary.record.name == "Oliver Nowak"
    assert summary.record.nhs_number.count(" ") == 2
    assert summary.record.gestation == "30+2"
    assert summary.gp_practice == "Chapeltown Family Surgery"
    assert summary.place_of_birth == "Leeds General Infirmary"
    # Born at 30+2: corrected by 9+5 weeks (68 days) until 2 years.
    assert summary.corrected_age == "12 months"  # due 17 Nov 2025
    done = {r.kind: r for r in summary.reviews if r.done_on}
    for kind, on, weight, _length, _head in OLIVER_REVIEWS:
        review = done[kind]
        assert review.done_on == on
        assert review.delivered_by == "Priya Sharma"
        weights = [m for m in review.measurements if m.value == weight]
        assert weights and weights[0].centile is not None
        assert weights[0].age_used is AgeUsed.CORRECTED
    assert "Partially breastfed" in done[ContactKind.NEW_BIRTH_VISIT].findings
    assert "Communication 25 (below cut-off: concern)" in done[ContactKind.ONE_YEAR].findings
    two_year = next(r for r in summary.reviews if r.kind is ContactKind.TWO_YEAR)
    assert two_year.status is ReviewStatus.NOT_YET_DUE and two_year.done_on is None
    assert any(line.startswith("2-2½ year review") for line in summary.plan)
    assert summary.printed_by == "Priya Sharma" and summary.printed_on == TODAY


def test_printing_a_red_book_is_audited_with_what_and_for_whom(team: PrintTeam) -> None:
    with unit_of_work(team.engine) as session:
        summary = red_book_summary(session, team.actor(), team.tyler, today=TODAY)
    [event_] = _print_events(team.engine)
    assert event_.entity_id == team.tyler and event_.user_id == team.me.id
    details = json.loads(event_.details)
    assert details["report"] == "red book summary"
    assert details["nhs_number"] == summary.record.nhs_number
    assert details["child"] == "Tyler Reid"


def test_safeguarding_and_level_of_service_are_current_flags(team: PrintTeam) -> None:
    with unit_of_work(team.engine) as session:
        summary = red_book_summary(session, team.actor(), team.tyler, today=TODAY, for_family=False)
    assert not summary.for_family
    assert "Child protection plan (since 3 Aug 2026)" in summary.flags
    assert "Level of service: Universal Partnership Plus" in summary.flags


def test_the_familys_copy_leaves_out_safeguarding_flags_and_referrals(team: PrintTeam) -> None:
    """Hazard H17: the red book is parent-held; a safeguarding concern may be about a reader."""
    with unit_of_work(team.engine) as session:
        make_referral(
            session,
            team.actor(),
            NewReferral(
                referral_type_id=session.scalars(
                    select(ReferralType.id).where(ReferralType.code == "childrens_social_care")
                ).one(),
                reason="Concerns shared with social care",
                made_on=TODAY,
                child_id=team.tyler,
            ),
            today=TODAY,
        )
    with unit_of_work(team.engine) as session:
        family = red_book_summary(session, team.actor(), team.tyler, today=TODAY)
        professional = red_book_summary(
            session, team.actor(), team.tyler, today=TODAY, for_family=False
        )
    assert family.for_family
    assert not any("protection" in flag for flag in family.flags)
    assert "Level of service: Universal Partnership Plus" in family.flags
    printed = {r.referral_type for r in family.referrals}
    assert "Children's social care (safeguarding)" not in printed
    assert "Speech and language therapy" in printed
    assert "Children's social care (safeguarding)" in {
        r.referral_type for r in professional.referrals
    }
    copies = [json.loads(event.details)["copy"] for event in _print_events(team.engine)]
    assert sorted(copies) == ["family", "professional"]


def test_referrals_about_the_child_and_the_family_are_printed_open_first(
    team: PrintTeam,
) -> None:
    with unit_of_work(team.engine) as session:
        summary = red_book_summary(session, team.actor(), team.tyler, today=TODAY, for_family=False)
        familys = red_book_summary(session, team.actor(), team.tyler, today=TODAY)
    assert summary.referrals_available
    assert [(r.referral_type, r.about, r.is_open) for r in summary.referrals] == [
        ("Speech and language therapy", "Tyler Reid", True),
        ("Stop smoking service", "Sara Reid (mother)", True),
        ("Infant feeding support", "Tyler Reid", False),
    ]
    # The family's copy is the child's book: the mother's own referral stays off it.
    assert [r.about for r in familys.referrals] == ["Tyler Reid", "Tyler Reid"]
    assert summary.referrals[0].follow_up_on == dt.date(2026, 12, 1)


def test_another_teams_child_cannot_be_printed_and_nothing_is_audited(team: PrintTeam) -> None:
    with pytest.raises(PermissionDeniedError), unit_of_work(team.engine) as session:
        red_book_summary(session, team.actor(team.stranger), team.oliver, today=TODAY)
    assert _print_events(team.engine) == []


def test_an_unknown_nhs_number_says_which_number(team: PrintTeam) -> None:
    with unit_of_work(team.engine) as session:
        with pytest.raises(NotFoundError, match="999 000 0000"):
            find_child_by_nhs_number(session, team.actor(), "9990000000")
        digits = factories.nhs_number(7001)
        spaced = f"{digits[:3]} {digits[3:6]} {digits[6:]}"
        assert find_child_by_nhs_number(session, team.actor(), spaced) == team.oliver


def test_handover_totals_and_children_most_urgent_first(team: PrintTeam) -> None:
    with unit_of_work(team.engine) as session:
        report = handover_report(session, team.actor(), team.me.id, today=TODAY)
    names = [c.name for c in report.children]
    assert sorted(names) == ["Isla Jones", "Oliver Nowak", "Tyler Reid"]  # not Ben
    assert report.totals.children == 3
    assert report.totals.safeguarding == 1
    # Isla (13 months) never had her 1 year review: overdue, so first.
    assert names[0] == "Isla Jones"
    assert report.children[0].next_review_status is ReviewStatus.OVERDUE
    assert report.totals.reviews_overdue >= 1
    oliver = next(c for c in report.children if c.name == "Oliver Nowak")
    assert oliver.last_contact is not None
    # The 1 year review, after the weekly checks: its key points and notes.
    assert oliver.last_contact.contact_date == dt.date(2026, 9, 1)
    assert oliver.last_contact.kind is ContactKind.ONE_YEAR
    assert "Communication 25 (below cut-off: concern)" in oliver.last_contact.findings
    assert oliver.last_contact.notes == "Discussed talking and reading together."
    tyler = next(c for c in report.children if c.name == "Tyler Reid")
    assert tyler.safeguarding == ("Child protection plan (since 3 Aug 2026)",)
    assert tyler.last_contact is None
    # The family's open referrals: Tyler's own and his mother's; not the closed one.
    assert [(r.referral_type, r.is_open) for r in tyler.referrals] == [
        ("Speech and language therapy", True),
        ("Stop smoking service", True),
        ("Infant feeding support", False),
    ]
    assert report.totals.open_referrals == 2
    [event_] = _print_events(team.engine)
    assert json.loads(event_.details)["report"] == "handover"
    assert event_.entity_id == team.me.id


def test_handover_limited_to_flagged_children_keeps_the_whole_caseloads_totals(
    team: PrintTeam,
) -> None:
    with unit_of_work(team.engine) as session:
        report = handover_report(session, team.actor(), team.me.id, today=TODAY, flagged_only=True)
    assert [c.name for c in report.children] == ["Tyler Reid"]
    assert report.totals.children == 3
    assert "flagged children only" in report.limited_to


def test_handover_window_keeps_reviews_due_in_it_and_the_overdue(team: PrintTeam) -> None:
    with unit_of_work(team.engine) as session:
        # Tyler's 1 year review: target by his first birthday, 20 Apr 2027.
        spring = handover_report(
            session,
            team.actor(),
            team.me.id,
            today=TODAY,
            window_from=dt.date(2027, 4, 1),
            window_to=dt.date(2027, 4, 30),
        )
        winter = handover_report(
            session,
            team.actor(),
            team.me.id,
            today=TODAY,
            window_from=dt.date(2026, 12, 1),
            window_to=dt.date(2026, 12, 31),
        )
        with pytest.raises(ValidationError, match="swap the dates"):
            handover_report(
                session,
                team.actor(),
                team.me.id,
                today=TODAY,
                window_from=dt.date(2027, 1, 1),
                window_to=dt.date(2026, 12, 1),
            )
    assert {c.name for c in spring.children} == {"Isla Jones", "Tyler Reid"}
    assert {c.name for c in winter.children} == {"Isla Jones"}


def test_handover_of_another_teams_caseload_is_refused(team: PrintTeam) -> None:
    with pytest.raises(PermissionDeniedError), unit_of_work(team.engine) as session:
        handover_report(session, team.actor(team.stranger), team.me.id, today=TODAY)


def test_handover_queries_do_not_grow_with_the_caseload(engine: Engine) -> None:
    team = build_print_team(engine)
    with unit_of_work(engine) as session, statements_sent(engine) as small:
        handover_report(session, team.actor(), team.me.id, today=TODAY)
    with unit_of_work(engine) as session:
        family = session.get_one(type(team.me), team.me.id)  # the same user, re-read
        home = factories.family(session, factories.team(session, "unused"), "Extra")
        home.team_id = family.team_id
        mother = factories.carer(session, home, "Mo")
        for _ in range(12):
            extra = factories.child(session, home, family, date_of_birth=dt.date(2026, 2, 1))
            session.add(
                Referral(
                    referral_type_id=session.scalars(select(ReferralType.id).limit(1)).one(),
                    child_id=extra.id,
                    status=ReferralStatus.SENT,
                    reason="More",
                    made_on=dt.date(2026, 11, 1),
                    made_by_id=team.me.id,
                )
            )
            session.add(
                Referral(
                    referral_type_id=session.scalars(select(ReferralType.id).limit(1)).one(),
                    carer_id=mother.id,
                    status=ReferralStatus.SENT,
                    reason="More",
                    made_on=dt.date(2026, 11, 1),
                    made_by_id=team.me.id,
                )
            )
    with unit_of_work(engine) as session, statements_sent(engine) as large:
        handover_report(session, team.actor(), team.me.id, today=TODAY)
    assert len(large) == len(small)
