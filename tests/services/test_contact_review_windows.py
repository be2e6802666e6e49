"""A review after birth dated before its window opens is refused (issue 4, hazard H8).

The schedule counts the reviews after birth "by N days/weeks/months" with no
lower bound, so a review saved with a date before it could be done would
count as done and stop its reminder. The ordinary contact path refuses it, as
the transfer-in path does for reviews done elsewhere. Both engines (the
``engine`` fixture is parametrised).
"""

from __future__ import annotations

import datetime as dt

import pytest

from healthvisitor.domain.enums import ContactKind, ContactOutcome, ReviewStatus
from healthvisitor.domain.schedule import add_months
from healthvisitor.errors import ValidationError
from healthvisitor.persistence.models import AuditEvent, Contact
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services.child_record import child_record
from tests.services.test_contacts import BORN, TODAY, Team, count, save, visit
from tests.services.test_contacts import team as team  # the fixture

#: Amelia Khan is born 1 Sep 2026 (test_contacts.BORN); each review's first day.
NBV_OPENS = BORN + dt.timedelta(days=10)
SIX_EIGHT_OPENS = BORN + dt.timedelta(days=42)


@pytest.mark.parametrize(
    ("kind", "too_early", "opens", "reason"),
    [
        (ContactKind.NEW_BIRTH_VISIT, NBV_OPENS - dt.timedelta(days=1), NBV_OPENS, "10 days"),
        (ContactKind.NEW_BIRTH_VISIT, BORN, NBV_OPENS, "10 days"),
        (
            ContactKind.SIX_TO_EIGHT_WEEK,
            SIX_EIGHT_OPENS - dt.timedelta(days=1),
            SIX_EIGHT_OPENS,
            "6 weeks",
        ),
    ],
)
def test_a_review_dated_before_its_window_opens_is_refused_and_nothing_is_saved(
    team: Team, kind: ContactKind, too_early: dt.date, opens: dt.date, reason: str
) -> None:
    contacts, events = count(team, Contact), count(team, AuditEvent)
    with pytest.raises(ValidationError) as caught:
        save(team, visit(team, kind=kind, contact_date=too_early))
    (problem,) = caught.value.problems
    assert problem.field == "contact_date"
    # Which review, the earliest date it can be done, and why.
    assert kind.label.lower() in problem.message
    assert f"can be done from {opens:%d %b %Y}" in problem.message
    assert reason in problem.message
    assert "stop the reminder" in problem.message
    assert (count(team, Contact), count(team, AuditEvent)) == (contacts, events)
    with unit_of_work(team.engine) as session:
        record = child_record(session, team.hv, team.child_id, today=TODAY)
    status = {line.kind: line.status for line in record.reviews}
    assert status[kind] not in (ReviewStatus.DONE_ON_TIME, ReviewStatus.DONE_LATE)


@pytest.mark.parametrize("outcome", [ContactOutcome.DECLINED, ContactOutcome.NOT_ATTENDED])
def test_an_early_date_is_refused_whatever_the_outcome(team: Team, outcome: ContactOutcome) -> None:
    # A "declined" dated before the window would close the review as declined.
    with pytest.raises(ValidationError) as caught:
        save(team, visit(team, outcome=outcome, contact_date=NBV_OPENS - dt.timedelta(days=2)))
    assert [p.field for p in caught.value.problems] == ["contact_date"]


def test_on_the_day_the_window_opens_the_review_is_saved_and_done(team: Team) -> None:
    save(team, visit(team, contact_date=NBV_OPENS))
    with unit_of_work(team.engine) as session:
        record = child_record(session, team.hv, team.child_id, today=TODAY)
    status = {line.kind: line.status for line in record.reviews}
    assert status[ContactKind.NEW_BIRTH_VISIT] is ReviewStatus.DONE_ON_TIME


def test_the_1_year_review_counts_its_window_in_calendar_months(team: Team) -> None:
    # Amelia is 12 weeks old on TODAY: a 1 year review now is months too early.
    with pytest.raises(ValidationError) as caught:
        save(team, visit(team, kind=ContactKind.ONE_YEAR, contact_date=TODAY))
    (problem,) = caught.value.problems
    assert f"from {add_months(BORN, 9):%d %b %Y} (9 months of age)" in problem.message


def test_another_contact_may_be_dated_any_day_after_birth(team: Team) -> None:
    save(team, visit(team, kind=ContactKind.OTHER, contact_date=BORN + dt.timedelta(days=3)))
    assert count(team, Contact) == 1


def test_a_date_that_is_wrong_anyway_gets_one_message_not_two(team: Team) -> None:
    with pytest.raises(ValidationError) as caught:
        save(team, visit(team, contact_date=BORN - dt.timedelta(days=1)))
    messages = [p.message for p in caught.value.problems if p.field == "contact_date"]
    assert len(messages) == 1 and "too early" not in messages[0]
