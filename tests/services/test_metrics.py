"""The national metrics for a quarter and the children behind them (issue 7), on both engines.

The cohorts are built by hand; each expected count is worked out in the
comments from the definitions in ``healthvisitor/domain/metrics.py``.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from healthvisitor.domain.enums import (
    AllocationChangeKind,
    ContactKind,
    ContactLocation,
    ContactOutcome,
    DevelopmentDomain,
    FeedingStatus,
    RecordStatus,
    Role,
    ScreeningZone,
)
from healthvisitor.domain.metrics import (
    ANTENATAL_CODE,
    ASQ3_USED_CODE,
    BREASTFED_CODE,
    BREASTFEEDING_RECORDED_CODE,
    MissedReason,
    Quarter,
    asq3_domain_code,
)
from healthvisitor.errors import PermissionDeniedError, ValidationError
from healthvisitor.persistence.models import (
    AllocationChange,
    AuditEvent,
    Child,
    Contact,
    DevelopmentScore,
    Pregnancy,
    RecordStatusChange,
    Team,
    TeamTransfer,
    User,
)
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services.actor import Actor
from healthvisitor.services.metrics import (
    MetricScope,
    change_from,
    metric_exceptions,
    metrics_history,
    quarter_metrics,
)
from tests import factories
from tests.statements import statements_sent

D = dt.date
Q1 = Quarter.parse("2026-27Q1")  # 1 April to 30 June 2026
TODAY = D(2026, 11, 24)
NBV = "new_birth_visit_within_14_days"


def member(session: Session, team: Team, role: Role = Role.HEALTH_VISITOR) -> User:
    return factories.user(session, team, role)


def born(session: Session, team: Team, hv: User | None, on: dt.date, name: str) -> Child:
    return factories.child(
        session, factories.family(session, team, name), hv, date_of_birth=on, given_name=name
    )


def review(
    session: Session,
    child: Child,
    by: User,
    kind: ContactKind,
    on: dt.date,
    *,
    outcome: ContactOutcome = ContactOutcome.COMPLETED,
    location: ContactLocation = ContactLocation.HOME,
    supersedes: Contact | None = None,
    previous_provider: str = "",
    feeding: FeedingStatus | None = None,
) -> Contact:
    result = Contact(
        kind=kind,
        child_id=child.id,
        contact_date=on,
        location=location,
        outcome=outcome,
        delivered_by_id=by.id,
        supersedes_id=supersedes.id if supersedes else None,
        previous_provider=previous_provider,
        feeding=feeding,
    )
    session.add(result)
    session.flush()
    return result


def closed(session: Session, child: Child, by: User, status: RecordStatus, on: dt.date) -> None:
    session.add(
        RecordStatusChange(
            child_id=child.id, status=status, effective_date=on, recorded_by_id=by.id
        )
    )
    child.record_status, child.record_status_date = status, on
    session.flush()


def moved(
    session: Session, child: Child, by: User, from_team: Team, to_team: Team, on: dt.date
) -> None:
    """A move between two of our teams, as the transfer flow writes it (issue 4)."""
    session.add(
        TeamTransfer(
            child_id=child.id,
            from_team_id=from_team.id,
            to_team_id=to_team.id,
            effective_date=on,
            reason="Family moved across the city",
            transferred_by_id=by.id,
        )
    )
    child.team_id = to_team.id
    session.flush()


class World:
    def __init__(self, session: Session, prefix: str = "") -> None:
        self.north = factories.team(session, f"{prefix}North")
        self.south = factories.team(session, f"{prefix}South")
        self.lead = member(session, self.north, Role.TEAM_LEAD)
        self.ann, self.bea = member(session, self.north), member(session, self.north)
        self.admin = member(session, self.north, Role.ADMINISTRATOR)
        self.south_lead = member(session, self.south, Role.TEAM_LEAD)
        self.sam = member(session, self.south)

    def actors(self) -> dict[str, Actor]:
        names = ("lead", "ann", "bea", "admin", "south_lead", "sam")
        return {name: factories.actor(getattr(self, name)) for name in names}


def new_births(session: Session, w: World) -> None:
    """The 30-day cohort of Q1: born 2 March to 31 May 2026."""
    ann = w.ann
    # Day 14 exactly, at home: within 14 days. Born on the cohort's first day.
    first = born(session, w.north, ann, D(2026, 3, 2), "First")
    review(session, first, ann, ContactKind.NEW_BIRTH_VISIT, D(2026, 3, 16))
    # Day 15: after 14 days. Born on the cohort's last day; Bea's.
    last = born(session, w.north, w.bea, D(2026, 5, 31), "Last")
    review(session, last, w.bea, ContactKind.NEW_BIRTH_VISIT, D(2026, 6, 15))
    # By telephone on day 5: not face to face, in neither figure.
    phone = born(session, w.north, ann, D(2026, 4, 10), "Phone")
    review(
        session,
        phone,
        ann,
        ContactKind.NEW_BIRTH_VISIT,
        D(2026, 4, 15),
        location=ContactLocation.PHONE,
    )
    # Not at home on day 10, never rebooked.
    dna = born(session, w.north, ann, D(2026, 4, 20), "Absent")
    review(
        session,
        dna,
        ann,
        ContactKind.NEW_BIRTH_VISIT,
        D(2026, 4, 30),
        outcome=ContactOutcome.NOT_ATTENDED,
    )
    # Recorded on day 5, corrected to day 20: only the correction counts (after 14 days).
    fixed = born(session, w.north, ann, D(2026, 4, 20), "Corrected")
    wrong = review(session, fixed, ann, ContactKind.NEW_BIRTH_VISIT, D(2026, 4, 25))
    review(session, fixed, ann, ContactKind.NEW_BIRTH_VISIT, D(2026, 5, 10), supersedes=wrong)
    # Outside the cohort: 30 days old on 31 March, and on 1 July.
    early = born(session, w.north, ann, D(2026, 3, 1), "Early")
    review(session, early, ann, ContactKind.NEW_BIRTH_VISIT, D(2026, 3, 10))
    born(session, w.north, ann, D(2026, 6, 1), "Late")
    # Another team's child.
    born(session, w.south, w.sam, D(2026, 5, 5), "Southern")
    # Transferred out before the quarter ended: not ours at its end.
    gone = born(session, w.north, ann, D(2026, 5, 5), "Gone")
    closed(session, gone, w.lead, RecordStatus.TRANSFERRED_OUT, D(2026, 6, 20))
    # Moved away after the quarter ended: still ours at its end, not visited.
    moved = born(session, w.north, ann, D(2026, 5, 5), "Moved")
    closed(session, moved, w.lead, RecordStatus.MOVED_AWAY, D(2026, 7, 1))
    # Arrived on 30 May, after the target (15 May): transferred in late.
    arrived = born(session, w.north, None, D(2026, 5, 1), "Arrived")
    arrived.transferred_in_from, arrived.transferred_in_on = "Leeds", D(2026, 5, 30)
    # Arrives after the quarter's end: not ours at the end of Q1.
    born(session, w.north, ann, D(2026, 5, 2), "Newcomer").transferred_in_on = D(2026, 7, 2)
    session.flush()


def test_new_birth_visit_figures_and_who_each_leaves_out(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        w = World(session)
        new_births(session, w)
        lead = factories.actor(w.lead)
    with unit_of_work(engine) as session:
        figures = quarter_metrics(session, lead, Q1, today=TODAY)
        missed = metric_exceptions(session, lead, Q1, NBV, today=TODAY)
    # In the cohort: First, Last, Phone, Absent, Corrected, Moved, Arrived = 7.
    within = figures.figure(NBV)
    assert (within.numerator, within.denominator, within.percent) == (1, 7, Decimal("14.3"))
    assert within.note == "" and within.has_worklist
    after = figures.figure("new_birth_visit_after_14_days")
    assert (after.numerator, after.denominator, after.percent) == (2, 7, Decimal("28.6"))
    assert (figures.scope_name, figures.quarter, figures.provisional) == (
        "North",
        "2026-27Q1",
        False,
    )
    assert [(m.name.split()[0], m.reason) for m in missed] == [
        ("Phone", MissedReason.NOT_FACE_TO_FACE),
        ("Absent", MissedReason.NOT_ATTENDED),
        ("Corrected", MissedReason.AFTER_TARGET),
        ("Arrived", MissedReason.TRANSFERRED_IN_LATE),
        ("Moved", MissedReason.NO_REVIEW),
        ("Last", MissedReason.AFTER_TARGET),
    ]
    assert missed[0].target_by == D(2026, 4, 24)
    assert missed[3].health_visitor == "" and missed[0].reason_text == "Visit not face to face"


def test_a_health_visitor_sees_their_own_figures(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        w = World(session)
        new_births(session, w)
        actors = w.actors()
        bea_id = w.bea.id
    with unit_of_work(engine) as session:
        mine = quarter_metrics(
            session, actors["bea"], Q1, today=TODAY, scope=MetricScope.HEALTH_VISITOR
        )
        hers = quarter_metrics(
            session,
            actors["lead"],
            Q1,
            today=TODAY,
            scope=MetricScope.HEALTH_VISITOR,
            health_visitor_id=bea_id,
        )
        everyone = quarter_metrics(
            session, actors["lead"], Q1, today=TODAY, scope=MetricScope.SERVICE
        )
    assert mine == hers
    # Bea has one child in the cohort (Last), visited on day 15.
    figure = mine.figure(NBV)
    assert (figure.numerator, figure.denominator, figure.percent) == (0, 1, Decimal("0.0"))
    assert figure.too_small_to_compare
    assert figure.note == "Too small to compare (fewer than 5 children)"
    # The whole service adds South's child.
    assert everyone.figure(NBV).denominator == 8 and everyone.scope_name == "Whole service"


def test_month_based_reviews_and_asq3(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        w = World(session)
        ann = w.ann
        # 2½-year cohort of Q1: born 1 October to 31 December 2023.
        # Born on the last day: reviewed on the target day (30 June 2026, clamped).
        dec = born(session, w.north, ann, D(2023, 12, 31), "Dec")
        done = review(session, dec, ann, ContactKind.TWO_YEAR, D(2026, 6, 30))
        zones = {
            DevelopmentDomain.COMMUNICATION: ScreeningZone.ABOVE_CUTOFF,
            DevelopmentDomain.GROSS_MOTOR: ScreeningZone.MONITORING,  # above the cut-off
            DevelopmentDomain.FINE_MOTOR: ScreeningZone.BELOW_CUTOFF,
            # ASQ:SE-2 below is not an ASQ-3 domain and counts in none of them.
            DevelopmentDomain.SOCIAL_EMOTIONAL: ScreeningZone.ABOVE_CUTOFF,
        }
        for domain, zone in zones.items():
            session.add(DevelopmentScore(contact_id=done.id, domain=domain, score=40, zone=zone))
        # Born on the first day: reviewed before the quarter (at 2 years): counts.
        # ASQ:SE-2 only: did not use ASQ-3.
        octo = born(session, w.north, ann, D(2023, 10, 1), "Oct")
        early = review(session, octo, ann, ContactKind.TWO_YEAR, D(2025, 10, 2))
        session.add(
            DevelopmentScore(
                contact_id=early.id,
                domain=DevelopmentDomain.SOCIAL_EMOTIONAL,
                score=20,
                zone=ScreeningZone.ABOVE_CUTOFF,
            )
        )
        # Target 15 May 2026; reviewed the day after.
        nov = born(session, w.north, ann, D(2023, 11, 15), "Nov")
        review(session, nov, ann, ContactKind.TWO_YEAR, D(2026, 5, 16))
        # 30 months on 31 March 2026: Q4 of 2025-26, not Q1.
        born(session, w.north, ann, D(2023, 9, 30), "Sep")
        # 12-month cohort: born 15 April 2025, reviewed by the previous provider in time.
        moved_in = born(session, w.north, ann, D(2025, 4, 15), "Moved-in")
        review(
            session,
            moved_in,
            ann,
            ContactKind.ONE_YEAR,
            D(2026, 4, 10),
            previous_provider="Leeds health visiting",
        )
        lead = factories.actor(w.lead)
    with unit_of_work(engine) as session:
        figures = quarter_metrics(session, lead, Q1, today=TODAY)
        missed = metric_exceptions(session, lead, Q1, "two_year_by_30_months", today=TODAY)

    def triple(code: str) -> tuple[int, int | None, Decimal | None]:
        figure = figures.figure(code)
        return figure.numerator, figure.denominator, figure.percent

    assert triple("two_year_by_30_months") == (2, 3, Decimal("66.7"))
    assert triple(ASQ3_USED_CODE) == (1, 2, Decimal("50.0"))
    assert triple(asq3_domain_code(DevelopmentDomain.COMMUNICATION)) == (1, 1, Decimal("100.0"))
    assert triple(asq3_domain_code(DevelopmentDomain.GROSS_MOTOR)) == (1, 1, Decimal("100.0"))
    assert triple(asq3_domain_code(DevelopmentDomain.FINE_MOTOR)) == (0, 1, Decimal("0.0"))
    assert triple(asq3_domain_code(DevelopmentDomain.PROBLEM_SOLVING)) == (0, 0, None)
    assert figures.figure(asq3_domain_code(DevelopmentDomain.PROBLEM_SOLVING)).note == (
        "No children in this group this quarter"
    )
    assert triple("one_year_by_12_months") == (1, 1, Decimal("100.0"))
    assert [(m.name, m.reason, m.target_by) for m in missed] == [
        ("Nov Nov", MissedReason.AFTER_TARGET, D(2026, 5, 15))
    ]


def test_breastfeeding_and_antenatal_reviews(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        w = World(session)
        ann = w.ann
        # 8-week cohort of Q1: born 4 February to 5 May 2026.
        for name, feeding in [
            ("Totally", FeedingStatus.TOTALLY_BREASTFED),
            ("Partly", FeedingStatus.PARTIALLY_BREASTFED),
            ("Formula", FeedingStatus.NOT_BREASTFED),
            ("Unasked", None),
        ]:
            baby = born(session, w.north, ann, D(2026, 3, 1), name)
            review(
                session, baby, ann, ContactKind.SIX_TO_EIGHT_WEEK, D(2026, 4, 20), feeding=feeding
            )
        born(session, w.north, ann, D(2026, 3, 1), "Unseen")
        # Corrected from "totally" to "not breastfed": the correction counts.
        baby = born(session, w.north, ann, D(2026, 3, 1), "Fixed")
        first = review(
            session,
            baby,
            ann,
            ContactKind.SIX_TO_EIGHT_WEEK,
            D(2026, 4, 20),
            feeding=FeedingStatus.TOTALLY_BREASTFED,
        )
        review(
            session,
            baby,
            ann,
            ContactKind.SIX_TO_EIGHT_WEEK,
            D(2026, 4, 20),
            feeding=FeedingStatus.NOT_BREASTFED,
            supersedes=first,
        )
        # Antenatal: due 1 July 2026, so 28+0 weeks is 8 April 2026.
        mother = factories.carer(session, factories.family(session, w.north, "Mum"))
        pregnancy = factories.pregnancy(session, mother, ann, D(2026, 7, 1))
        for on in (D(2026, 4, 7), D(2026, 4, 8), D(2026, 6, 30)):
            session.add(
                Contact(
                    kind=ContactKind.ANTENATAL,
                    pregnancy_id=pregnancy.id,
                    contact_date=on,
                    location=ContactLocation.HOME,
                    outcome=ContactOutcome.COMPLETED,
                    delivered_by_id=ann.id,
                )
            )
        lead = factories.actor(w.lead)
    with unit_of_work(engine) as session:
        figures = quarter_metrics(session, lead, Q1, today=TODAY)
    fed = figures.breastfeeding
    counts = (fed.totally, fed.partially, fed.not_breastfed, fed.not_recorded)
    assert counts == (1, 1, 2, 2)
    breastfed = figures.figure(BREASTFED_CODE)
    assert (breastfed.numerator, breastfed.denominator, breastfed.percent) == (
        2,
        6,
        Decimal("33.3"),
    )
    assert figures.figure(BREASTFEEDING_RECORDED_CODE).numerator == 4
    # 7 April is 27+6 weeks: not counted; 8 April and 30 June are.
    antenatal = figures.figure(ANTENATAL_CODE)
    assert (antenatal.numerator, antenatal.denominator, antenatal.percent) == (2, None, None)


@pytest.mark.parametrize(
    ("who", "scope", "whose"),
    [
        ("ann", MetricScope.TEAM, None),
        ("ann", MetricScope.SERVICE, None),
        ("ann", MetricScope.HEALTH_VISITOR, "bea"),
        ("admin", MetricScope.TEAM, None),
        ("admin", MetricScope.HEALTH_VISITOR, None),
        ("admin", MetricScope.SERVICE, None),
        ("south_lead", MetricScope.HEALTH_VISITOR, "ann"),
        # A health visitor of another team: neither North's team nor any of its people.
        ("sam", MetricScope.TEAM, None),
        ("sam", MetricScope.HEALTH_VISITOR, "ann"),
    ],
)
def test_who_may_not_see_which_figures(
    engine: Engine, who: str, scope: MetricScope, whose: str | None
) -> None:
    with unit_of_work(engine) as session:
        w = World(session)
        new_births(session, w)
        actors = w.actors()
        visitor = getattr(w, whose).id if whose else None
    with unit_of_work(engine) as session:
        with pytest.raises(PermissionDeniedError):
            quarter_metrics(
                session, actors[who], Q1, today=TODAY, scope=scope, health_visitor_id=visitor
            )
        with pytest.raises(PermissionDeniedError):
            metric_exceptions(
                session, actors[who], Q1, NBV, today=TODAY, scope=scope, health_visitor_id=visitor
            )


def test_a_team_lead_cannot_see_another_teams_figures(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        w = World(session)
        lead, south_id = factories.actor(w.lead), w.south.id
    with (
        unit_of_work(engine) as session,
        pytest.raises(PermissionDeniedError, match="another team"),
    ):
        quarter_metrics(session, lead, Q1, today=TODAY, team_id=south_id)


def test_viewing_is_audited_and_a_future_quarter_is_refused(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        w = World(session)
        new_births(session, w)
        lead, north_id = factories.actor(w.lead), w.north.id
    with unit_of_work(engine) as session:
        quarter_metrics(session, lead, Q1, today=TODAY)
        metric_exceptions(session, lead, Q1, NBV, today=TODAY)
    with unit_of_work(engine) as session:
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.occurred_at)).all()
        assert [(e.action, e.entity_id) for e in events] == [
            ("view_metrics", north_id),
            ("view_metric_exceptions", north_id),
        ]
        assert json.loads(events[1].details)["children"] == 6
        with pytest.raises(ValidationError, match="has not started yet") as raised:
            quarter_metrics(session, lead, Quarter.parse("2027-28Q1"), today=TODAY)
        assert raised.value.for_field("quarter")
        # A count of late visits, and a count of antenatal reviews: no list behind them.
        for code in ("new_birth_visit_after_14_days", ANTENATAL_CODE):
            with pytest.raises(ValidationError, match="no list of children"):
                metric_exceptions(session, lead, Q1, code, today=TODAY)
        # A quarter still running is marked provisional.
        running = quarter_metrics(session, lead, Quarter.containing(TODAY), today=TODAY)
        assert running.provisional


def test_the_number_of_queries_does_not_grow_with_the_cohort(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        w = World(session)
        lead = factories.actor(w.lead)

    def statements() -> tuple[int | None, int]:
        with statements_sent(engine) as seen, unit_of_work(engine) as session:
            found = quarter_metrics(session, lead, Q1, today=TODAY, scope=MetricScope.SERVICE)
        # The counting queries; the audit trail's own statements (its chain's first
        # event sets the chain up) are not the metrics'.
        counting = [s for s in seen if s.is_select() and "audit_" not in s.text]
        return found.figure(NBV).denominator, len(counting)

    empty = statements()
    with unit_of_work(engine) as session:
        new_births(session, World(session, "More "))
    many = statements()
    # The whole service: 8 children now (7 in "More North", 1 in "More South").
    assert (empty[0], many[0]) == (0, 8)
    assert many[1] == empty[1]


def test_the_workspace_reads_a_quarter_as_typed(engine: Engine) -> None:
    from sqlalchemy.engine import make_url

    from healthvisitor.config import DatabaseChoice
    from healthvisitor.services.workspace import Workspace

    with unit_of_work(engine) as session:
        w = World(session)
        new_births(session, w)
        lead = factories.actor(w.lead)
    choice = DatabaseChoice(make_url(engine.url), "test")
    workspace = Workspace(engine, lead, choice, today=lambda: TODAY)
    assert workspace.quarter_metrics("2026-27Q1").figure(NBV).denominator == 7
    assert len(workspace.metric_exceptions("2026-27q1", NBV)) == 6
    with pytest.raises(ValidationError, match=r"e\.g\. 2026-27Q1"):
        workspace.quarter_metrics("Q1")


SIX = "six_to_eight_week_by_8_weeks"
TWO = "two_year_by_30_months"


def transfers(session: Session, w: World) -> None:
    """The 8-week cohort of Q1 (born 4 Feb to 5 May 2026), moving between North and South.

    Each is born 1 March 2026: 8 weeks old, the target, on 26 April 2026.
    """
    six = ContactKind.SIX_TO_EIGHT_WEEK
    # Reviewed by Ann in North on 20 April, then moved to South on 1 May, in the
    # quarter: South's at the quarter's end, so counted (reviewed) in South's figures.
    mover = born(session, w.north, w.ann, D(2026, 3, 1), "Mover")
    review(session, mover, w.ann, six, D(2026, 4, 20))
    moved(session, mover, w.lead, w.north, w.south, D(2026, 5, 1))
    mover.health_visitor_id = w.sam.id
    # Moved to South on 1 August, after the quarter: North's at its end, not reviewed.
    returner = born(session, w.north, w.ann, D(2026, 3, 1), "Returner")
    moved(session, returner, w.lead, w.north, w.south, D(2026, 8, 1))
    returner.health_visitor_id = w.sam.id
    # From South to North on 30 April, after the target: transferred in late.
    arrival = born(session, w.south, w.sam, D(2026, 3, 1), "Arrival")
    moved(session, arrival, w.south_lead, w.south, w.north, D(2026, 4, 30))
    arrival.health_visitor_id = w.ann.id
    # North to South on 1 April, back to North on 1 June; reviewed by South in time.
    both = born(session, w.north, w.ann, D(2026, 3, 1), "Both")
    moved(session, both, w.lead, w.north, w.south, D(2026, 4, 1))
    review(session, both, w.sam, six, D(2026, 4, 25))
    moved(session, both, w.south_lead, w.south, w.north, D(2026, 6, 1))
    # Never moved, South's.
    born(session, w.south, w.sam, D(2026, 3, 1), "Stayer")
    session.flush()


def test_a_child_counts_in_the_team_responsible_at_the_end_of_the_quarter(
    engine: Engine,
) -> None:
    with unit_of_work(engine) as session:
        w = World(session)
        transfers(session, w)
        actors = w.actors()
    with unit_of_work(engine) as session:
        north = quarter_metrics(session, actors["lead"], Q1, today=TODAY).figure(SIX)
        south = quarter_metrics(session, actors["south_lead"], Q1, today=TODAY).figure(SIX)
        service = quarter_metrics(
            session, actors["lead"], Q1, today=TODAY, scope=MetricScope.SERVICE
        ).figure(SIX)
        north_missed = metric_exceptions(session, actors["lead"], Q1, SIX, today=TODAY)
        service_missed = metric_exceptions(
            session, actors["lead"], Q1, SIX, today=TODAY, scope=MetricScope.SERVICE
        )
        ann = quarter_metrics(
            session, actors["ann"], Q1, today=TODAY, scope=MetricScope.HEALTH_VISITOR
        ).figure(SIX)
        sam = quarter_metrics(
            session, actors["sam"], Q1, today=TODAY, scope=MetricScope.HEALTH_VISITOR
        ).figure(SIX)
    # North at 30 June: Returner, Arrival, Both (reviewed) = 1 of 3.
    assert (north.numerator, north.denominator) == (1, 3)
    # South at 30 June: Mover (reviewed in North before the move), Stayer = 1 of 2.
    assert (south.numerator, south.denominator) == (1, 2)
    # Each child once in the whole service, whatever their moves: 2 of 5.
    assert (service.numerator, service.denominator) == (2, 5)
    assert [(m.name.split()[0], m.reason) for m in north_missed] == [
        ("Arrival", MissedReason.TRANSFERRED_IN_LATE),
        ("Returner", MissedReason.NO_REVIEW),
    ]
    # Between two of our own teams the service never lost the child: simply not reviewed.
    assert {(m.name.split()[0], m.reason) for m in service_missed} == {
        ("Arrival", MissedReason.NO_REVIEW),
        ("Returner", MissedReason.NO_REVIEW),
        ("Stayer", MissedReason.NO_REVIEW),
    }
    # A health visitor's figures: the children allocated to them now who were in
    # their team at the quarter's end. Ann: Arrival, Both; Sam: Mover, Stayer
    # (Returner, Sam's now, was North's at the end of Q1).
    assert (ann.numerator, ann.denominator) == (1, 2)
    assert (sam.numerator, sam.denominator) == (1, 2)


def test_children_who_died_leave_the_cohort_unless_reviewed_before_the_2_year_review(
    engine: Engine,
) -> None:
    with unit_of_work(engine) as session:
        w = World(session)
        two, six = ContactKind.TWO_YEAR, ContactKind.SIX_TO_EIGHT_WEEK
        # 2½-year cohort of Q1 (born 1 Oct to 31 Dec 2023); born 1 Nov 2023, target 1 May.
        # Reviewed on 20 April, died 10 June: "died before the review" does not apply,
        # so counted, reviewed (LG Inform 4239).
        after = born(session, w.north, w.ann, D(2023, 11, 1), "Reviewed")
        review(session, after, w.ann, two, D(2026, 4, 20))
        closed(session, after, w.lead, RecordStatus.DECEASED, D(2026, 6, 10))
        # Died on 10 April, before the review: left out.
        before = born(session, w.north, w.ann, D(2023, 11, 1), "Unreviewed")
        closed(session, before, w.lead, RecordStatus.DECEASED, D(2026, 4, 10))
        # Died after the quarter's end without a review: ours at the end, counted, missed.
        later = born(session, w.north, w.ann, D(2023, 11, 1), "Later")
        closed(session, later, w.lead, RecordStatus.DECEASED, D(2026, 7, 3))
        # Moved away in the quarter after a review in time: not ours at its end.
        away = born(session, w.north, w.ann, D(2023, 11, 1), "Away")
        review(session, away, w.ann, two, D(2026, 4, 20))
        closed(session, away, w.lead, RecordStatus.MOVED_AWAY, D(2026, 6, 10))
        # Transferred out, then back before the quarter's end: ours again.
        back = born(session, w.north, w.ann, D(2023, 11, 1), "Back")
        closed(session, back, w.lead, RecordStatus.TRANSFERRED_OUT, D(2026, 4, 2))
        closed(session, back, w.lead, RecordStatus.ACTIVE, D(2026, 5, 2))
        # The other reviews have no such rule: a baby reviewed in time who died in
        # the quarter is no longer the provider's responsibility at its end.
        baby = born(session, w.north, w.ann, D(2026, 3, 1), "Baby")
        review(session, baby, w.ann, six, D(2026, 4, 20))
        closed(session, baby, w.lead, RecordStatus.DECEASED, D(2026, 6, 1))
        lead = factories.actor(w.lead)
    with unit_of_work(engine) as session:
        figures = quarter_metrics(session, lead, Q1, today=TODAY)
        missed = metric_exceptions(session, lead, Q1, TWO, today=TODAY)
    two_year = figures.figure(TWO)
    # Reviewed, Later, Back: 1 of 3.
    assert (two_year.numerator, two_year.denominator) == (1, 3)
    assert {m.name.split()[0] for m in missed} == {"Later", "Back"}
    assert figures.figure(ASQ3_USED_CODE).denominator == 1
    assert figures.figure(SIX).denominator == 0


def test_a_leap_day_baby_is_in_the_12_month_cohort_of_the_quarter_holding_28_february(
    engine: Engine,
) -> None:
    with unit_of_work(engine) as session:
        w = World(session)
        leap = born(session, w.north, w.ann, D(2024, 2, 29), "Leap")
        # 12 months old on 28 Feb 2025 (no 29th): a review that day is in time.
        review(session, leap, w.ann, ContactKind.ONE_YEAR, D(2025, 2, 28))
        late = born(session, w.north, w.ann, D(2024, 2, 29), "Leaplate")
        review(session, late, w.ann, ContactKind.ONE_YEAR, D(2025, 3, 1))
        lead = factories.actor(w.lead)
    with unit_of_work(engine) as session:
        q4 = Quarter.parse("2024-25Q4")  # January to March 2025
        figure = quarter_metrics(session, lead, q4, today=TODAY).figure("one_year_by_12_months")
        missed = metric_exceptions(session, lead, q4, "one_year_by_12_months", today=TODAY)
        q3 = quarter_metrics(session, lead, Quarter.parse("2024-25Q3"), today=TODAY)
    assert (figure.numerator, figure.denominator) == (1, 2)
    assert [(m.name.split()[0], m.reason, m.target_by) for m in missed] == [
        ("Leaplate", MissedReason.AFTER_TARGET, D(2025, 2, 28))
    ]
    assert q3.figure("one_year_by_12_months").denominator == 0


def asq3_and_feeding(session: Session, w: World) -> None:
    ann = w.ann
    # 2½-year cohort of Q1 (born 1 Oct to 31 Dec 2023), each reviewed in time.
    full = review(
        session,
        born(session, w.north, ann, D(2023, 12, 1), "Full"),
        ann,
        ContactKind.TWO_YEAR,
        D(2026, 5, 20),
    )
    for domain in (DevelopmentDomain.COMMUNICATION, DevelopmentDomain.FINE_MOTOR):
        zone = (
            ScreeningZone.BELOW_CUTOFF
            if domain is DevelopmentDomain.FINE_MOTOR
            else (ScreeningZone.MONITORING)
        )
        session.add(DevelopmentScore(contact_id=full.id, domain=domain, score=30, zone=zone))
    se_only = review(
        session,
        born(session, w.north, ann, D(2023, 12, 2), "Seonly"),
        ann,
        ContactKind.TWO_YEAR,
        D(2026, 5, 20),
    )
    session.add(
        DevelopmentScore(
            contact_id=se_only.id,
            domain=DevelopmentDomain.SOCIAL_EMOTIONAL,
            score=20,
            zone=ScreeningZone.BELOW_CUTOFF,
        )
    )
    # Not reviewed: in the review's list, not in ASQ-3's (whose denominator is the reviewed).
    born(session, w.north, ann, D(2023, 12, 3), "Notseen")
    # 8-week cohort: born 1 March 2026.
    for name, feeding, outcome in [
        ("Breast", FeedingStatus.TOTALLY_BREASTFED, ContactOutcome.COMPLETED),
        ("Bottle", FeedingStatus.NOT_BREASTFED, ContactOutcome.COMPLETED),
        ("Unasked", None, ContactOutcome.COMPLETED),
        ("Absent", None, ContactOutcome.NOT_ATTENDED),
    ]:
        baby = born(session, w.north, ann, D(2026, 3, 1), name)
        review(
            session,
            baby,
            ann,
            ContactKind.SIX_TO_EIGHT_WEEK,
            D(2026, 4, 20),
            feeding=feeding,
            outcome=outcome,
        )
    session.flush()


def test_the_asq3_and_breastfeeding_figures_list_the_children_they_leave_out(
    engine: Engine,
) -> None:
    with unit_of_work(engine) as session:
        w = World(session)
        asq3_and_feeding(session, w)
        lead = factories.actor(w.lead)
    with unit_of_work(engine) as session:
        figures = quarter_metrics(session, lead, Q1, today=TODAY)

        def listed(code: str) -> list[tuple[str, MissedReason]]:
            missed = metric_exceptions(session, lead, Q1, code, today=TODAY)
            assert len(missed) == figures.figure(code).denominator - (
                figures.figure(code).numerator
            )
            return [(m.name.split()[0], m.reason) for m in missed]

        assert all(
            figures.figure(code).has_worklist
            for code in (
                ASQ3_USED_CODE,
                BREASTFED_CODE,
                BREASTFEEDING_RECORDED_CODE,
                *(
                    asq3_domain_code(domain)
                    for domain in DevelopmentDomain
                    if domain.value != "social_emotional"
                ),
            )
        )
        assert listed(ASQ3_USED_CODE) == [("Seonly", MissedReason.ASQ3_NOT_USED)]
        fine = asq3_domain_code(DevelopmentDomain.FINE_MOTOR)
        assert listed(fine) == [("Full", MissedReason.BELOW_CUTOFF)]
        # The monitoring zone is at or above the cut-off: nobody listed.
        assert listed(asq3_domain_code(DevelopmentDomain.COMMUNICATION)) == []
        assert listed(BREASTFED_CODE) == [
            ("Absent", MissedReason.NO_REVIEW),
            ("Bottle", MissedReason.NOT_BREASTFED),
            ("Unasked", MissedReason.FEEDING_NOT_RECORDED),
        ]
        assert listed(BREASTFEEDING_RECORDED_CODE) == [
            ("Absent", MissedReason.NO_REVIEW),
            ("Unasked", MissedReason.FEEDING_NOT_RECORDED),
        ]
        target = metric_exceptions(session, lead, Q1, BREASTFED_CODE, today=TODAY)[0].target_by
    assert target == D(2026, 4, 26)


def test_eight_quarters_for_the_charts_come_from_the_same_count(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        w = World(session)
        new_births(session, w)
        actors = w.actors()
    q3 = Quarter.parse("2026-27Q3")
    with unit_of_work(engine) as session:
        history = metrics_history(session, actors["lead"], q3, today=TODAY)
        singles = [
            quarter_metrics(session, actors["lead"], Quarter.parse(found.quarter), today=TODAY)
            for found in history
        ]
        with pytest.raises(PermissionDeniedError):
            metrics_history(session, actors["ann"], q3, today=TODAY)
        with pytest.raises(PermissionDeniedError, match="another team"):
            metrics_history(
                session,
                actors["south_lead"],
                q3,
                today=TODAY,
                scope=MetricScope.HEALTH_VISITOR,
                health_visitor_id=w.ann.id,
            )
    # Oldest first, the chosen quarter last.
    assert [found.quarter for found in history] == [
        "2024-25Q4",
        "2025-26Q1",
        "2025-26Q2",
        "2025-26Q3",
        "2025-26Q4",
        "2026-27Q1",
        "2026-27Q2",
        "2026-27Q3",
    ]
    assert list(history) == singles
    assert history[-1].provisional and not history[-3].provisional
    q1 = history[-3]
    q2 = history[-2]
    # Q4 2025-26: Early (30 days old on 31 March), visited on day 9: 1 of 1, 100%.
    # Q1: 1 of 7, 14.3%. Q2: Late (30 days old on 1 July), not visited: 0 of 1.
    q4 = history[-4]
    assert [h.figure(NBV).denominator for h in (q4, q1, q2)] == [1, 7, 1]
    assert change_from(q4.figure(NBV), q1.figure(NBV)) == Decimal("-85.7")
    assert change_from(q1.figure(NBV), q2.figure(NBV)) == Decimal("-14.3")
    # Nothing to compare with: no previous quarter, or none in its group.
    assert change_from(None, q1.figure(NBV)) is None
    assert history[0].figure(NBV).denominator == 0
    assert change_from(history[0].figure(NBV), history[1].figure(NBV)) is None
    antenatal = q1.figure(ANTENATAL_CODE)
    assert change_from(antenatal, q2.figure(ANTENATAL_CODE)) == Decimal(-antenatal.numerator)


def test_change_from_the_previous_quarter_is_in_percentage_points() -> None:
    from healthvisitor.services.metrics import MetricFigure

    before = MetricFigure("x", "X", 1, 4, Decimal("25.0"), "test")
    after = MetricFigure("x", "X", 3, 8, Decimal("37.5"), "test")
    assert change_from(before, after) == Decimal("12.5")
    assert change_from(after, before) == Decimal("-12.5")


# --- Who was responsible at the time (issue 7, stop 16) ------------------------------

#: A moment in a day, well clear of midnight in any UK time (the history is timestamped).
NOON = dt.time(12, 0, tzinfo=dt.UTC)


def reallocated(
    session: Session,
    subject: Child | Pregnancy,
    by: User,
    to: User | None,
    on: dt.date,
) -> None:
    """One line of the allocation history on ``on``, as ``allocation.change_holder`` writes it."""
    is_child = isinstance(subject, Child)
    session.add(
        AllocationChange(
            child_id=subject.id if is_child else None,
            pregnancy_id=None if is_child else subject.id,
            kind=AllocationChangeKind.REALLOCATE,
            from_health_visitor_id=subject.health_visitor_id,
            to_health_visitor_id=to.id if to else None,
            reason="Caseloads balanced",
            batch_id=uuid.uuid4(),
            changed_by_id=by.id,
            changed_at=dt.datetime.combine(on, NOON),
        )
    )
    subject.health_visitor_id = to.id if to else None
    session.flush()


def reallocations(session: Session, w: World) -> None:
    """The 8-week cohort of Q1 (born 1 March 2026, target 26 April), reallocated over time.

    Each child is reviewed in time by whoever held them.
    """
    six = ContactKind.SIX_TO_EIGHT_WEEK
    # Ann's through Q1, Bea's from 10 August: Ann's figure for Q1.
    later = born(session, w.north, None, D(2026, 3, 1), "Later")
    reallocated(session, later, w.lead, w.ann, D(2026, 3, 5))
    review(session, later, w.ann, six, D(2026, 4, 20))
    reallocated(session, later, w.lead, w.bea, D(2026, 8, 10))
    # Bea's until 1 June, Ann's since: Ann's at the end of Q1.
    within = born(session, w.north, None, D(2026, 3, 1), "Within")
    reallocated(session, within, w.lead, w.bea, D(2026, 3, 5))
    review(session, within, w.bea, six, D(2026, 4, 20))
    reallocated(session, within, w.lead, w.ann, D(2026, 6, 1))
    # Ann's through Q1, back on the unallocated list since 2 July: still Ann's for Q1.
    returned = born(session, w.north, None, D(2026, 3, 1), "Returned")
    reallocated(session, returned, w.lead, w.ann, D(2026, 3, 5))
    reallocated(session, returned, w.lead, None, D(2026, 7, 2))
    # Never reallocated (no history): with Ann, as today.
    review(
        session, born(session, w.north, w.ann, D(2026, 3, 1), "Steady"), w.ann, six, D(2026, 4, 20)
    )
    # Allocated to Ann on 1 July only: unallocated at the end of Q1, nobody's figure.
    waiting = born(session, w.north, None, D(2026, 3, 1), "Waiting")
    reallocated(session, waiting, w.lead, w.ann, D(2026, 7, 1))
    session.flush()


def test_a_health_visitors_figures_use_the_allocation_at_the_end_of_the_quarter(
    engine: Engine,
) -> None:
    with unit_of_work(engine) as session:
        w = World(session)
        reallocations(session, w)
        actors = w.actors()
    with unit_of_work(engine) as session:

        def figure(who: str) -> tuple[int, int | None]:
            found = quarter_metrics(
                session, actors[who], Q1, today=TODAY, scope=MetricScope.HEALTH_VISITOR
            ).figure(SIX)
            return found.numerator, found.denominator

        ann, bea = figure("ann"), figure("bea")
        team = quarter_metrics(session, actors["lead"], Q1, today=TODAY).figure(SIX)
        missed = metric_exceptions(
            session, actors["ann"], Q1, SIX, today=TODAY, scope=MetricScope.HEALTH_VISITOR
        )
        history = metrics_history(
            session, actors["ann"], Q1, today=TODAY, scope=MetricScope.HEALTH_VISITOR
        )
    # Ann at 30 June: Later, Within, Steady reviewed; Returned not: 3 of 4.
    assert ann == (3, 4)
    # Bea held none of them at the end of Q1 (Later is hers only since August).
    assert bea == (0, 0)
    # The team counts every child once, whoever held them: Waiting too.
    assert (team.numerator, team.denominator) == (3, 5)
    assert [(m.name.split()[0], m.reason) for m in missed] == [("Returned", MissedReason.NO_REVIEW)]
    assert history[-1].figure(SIX).denominator == 4


def test_antenatal_reviews_count_in_the_team_and_for_the_health_visitor_of_the_time(
    engine: Engine,
) -> None:
    from healthvisitor.services.team_transfer import transfer_to_team

    with unit_of_work(engine) as session:
        w = World(session)
        # Due 1 August 2026: 28+0 weeks on 9 May. Reviewed by Ann in North on 20 May.
        family = factories.family(session, w.north, "Mover")
        pregnancy = factories.pregnancy(
            session, factories.carer(session, family), w.ann, D(2026, 8, 1)
        )
        # Her older child is the one the family moves with.
        factories.child(session, family, w.ann, date_of_birth=D(2024, 6, 1), given_name="Big")
        antenatal(session, pregnancy, w.ann, D(2026, 5, 20))
        # Another pregnancy: reviewed while Bea's (12 May), Ann's since 1 June.
        other = factories.family(session, w.north, "Handed")
        handed = factories.pregnancy(
            session, factories.carer(session, other), w.bea, D(2026, 7, 20)
        )
        antenatal(session, handed, w.bea, D(2026, 5, 12))
        reallocated(session, handed, w.lead, w.ann, D(2026, 6, 1))
        actors = w.actors()
        family_id, south_id = family.id, w.south.id
        big_id = session.scalars(select(Child.id).where(Child.family_id == family_id)).one()
    # The family moves to South on 15 July, after Q1 (the pregnancy goes with it).
    with unit_of_work(engine) as session:
        transfer_to_team(
            session,
            actors["lead"],
            [big_id],
            south_id,
            reason="Moved across the city",
            effective_date=D(2026, 7, 15),
            today=TODAY,
        )
    with unit_of_work(engine) as session:

        def count(who: str, scope: MetricScope = MetricScope.TEAM) -> int:
            found = quarter_metrics(session, actors[who], Q1, today=TODAY, scope=scope)
            return found.figure(ANTENATAL_CODE).numerator

        north, south = count("lead"), count("south_lead")
        ann, bea = (
            count("ann", MetricScope.HEALTH_VISITOR),
            count("bea", MetricScope.HEALTH_VISITOR),
        )
        sam = count("sam", MetricScope.HEALTH_VISITOR)
        service = count("lead", MetricScope.SERVICE)
    # Both were done in North, by North's health visitors: North's, not South's.
    assert (north, south, service) == (2, 0, 2)
    # A count, as an int on both engines (the JSON and the CSV print it).
    assert all(type(n) is int for n in (north, south, service, ann, bea, sam))
    # Each counts for the health visitor who held the pregnancy on the day of the review.
    assert (ann, bea, sam) == (1, 1, 0)


def antenatal(session: Session, pregnancy: Pregnancy, by: User, on: dt.date) -> Contact:
    result = Contact(
        kind=ContactKind.ANTENATAL,
        pregnancy_id=pregnancy.id,
        contact_date=on,
        location=ContactLocation.HOME,
        outcome=ContactOutcome.COMPLETED,
        delivered_by_id=by.id,
        accountable_health_visitor_id=by.id,
    )
    session.add(result)
    session.flush()
    return result
