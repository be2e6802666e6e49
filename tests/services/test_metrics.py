"""The national metrics for a quarter and the children behind them (issue 7), on both engines.

The cohorts are built by hand; each expected count is worked out in the
comments from the definitions in ``healthvisitor/domain/metrics.py``.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from healthvisitor.domain.enums import (
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
    AuditEvent,
    Child,
    Contact,
    DevelopmentScore,
    RecordStatusChange,
    Team,
    User,
)
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services.actor import Actor
from healthvisitor.services.metrics import MetricScope, metric_exceptions, quarter_metrics
from tests import factories
from tests.services.test_caseload import counting_statements

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
        with pytest.raises(ValidationError, match="no list of children"):
            metric_exceptions(session, lead, Q1, BREASTFED_CODE, today=TODAY)
        # A quarter still running is marked provisional.
        running = quarter_metrics(session, lead, Quarter.containing(TODAY), today=TODAY)
        assert running.provisional


def test_the_number_of_queries_does_not_grow_with_the_cohort(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        w = World(session)
        lead = factories.actor(w.lead)

    def statements() -> tuple[int | None, int]:
        with counting_statements(engine) as seen, unit_of_work(engine) as session:
            found = quarter_metrics(session, lead, Q1, today=TODAY, scope=MetricScope.SERVICE)
        return found.figure(NBV).denominator, len(seen)

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
