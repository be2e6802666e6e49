"""The national health visiting metrics for a quarter, and the children behind them (issue 7).

What each metric means lives in ``healthvisitor.domain.metrics`` (with its
source); this module counts it in SQL for a scope:

* ``MetricScope.TEAM``: the team lead's team;
* ``MetricScope.HEALTH_VISITOR``: one health visitor's allocated children (a
  health visitor sees only their own; a team lead anyone in the team);
* ``MetricScope.SERVICE``: the whole database (team leads only, for now).

A health visitor cannot see the team's figures or another team's; an
administrator sees none.

Counting: one aggregate query per cohort (COUNT and SUM over the children who
turn the age in the quarter, "reviewed by the target" being membership of an
uncorrelated list of child ids the engine builds once), never one child at a
time; the target date of each birth date comes from the domain rule through a
CASE on the date of birth (at most 92 birth dates per quarter), so month-end
clamping is decided in one place, in Python, and both SQLite and PostgreSQL
compare plain dates. Nine queries for a
quarter's figures whatever the size of the database; ``metrics_history``
counts the 8 quarters the screen's charts show the same way, and
``metric_exceptions`` lists the children behind any figure with a worklist.

Contacts: a corrected contact (one another contact ``supersedes``) counts for
nothing, as on the caseload (``services/caseload._contacts``); a review done by
another area's service before a transfer in (``Contact.previous_provider``)
is an ordinary contact row and counts as done.

Who is responsible at the end of the quarter (the national definition; LG
Inform 4232, 4239): a child counts in the team responsible for them on the
quarter's last day, read from the history of moves between our own teams
(``TeamTransfer``: the receiving team from its ``effective_date``; before a
child's first move, that move's ``from_team_id``; a child never moved is with
``Child.team_id``). A health visitor's figures are the children allocated to
them now who were in their team at the quarter's end (the allocation
history within a team, ``AllocationChange``, is not read here yet). Left out of every cohort: a
child whose record was closed (transferred out, moved away, died) on or
before the quarter's last day and not reopened by then, by the record's
status history; a child who arrived from another area after that day. A
child discharged (e.g. to school nursing) still counts. One exception, for
the 2-2½ year review (LG Inform 4239, "children who died before the review
excluded"): a child reviewed in time who died later stays in the cohort,
reviewed (a contact cannot be recorded on a closed record, so a counting
review always came before the death). Antenatal reviews count in the
family's current team (pregnancies have no transfer history).
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    func,
    not_,
    or_,
    select,
)
from sqlalchemy.orm import Session, aliased

from healthvisitor.domain import metrics as rules
from healthvisitor.domain.enums import (
    ContactKind,
    ContactOutcome,
    FeedingStatus,
    RecordStatus,
    Role,
)
from healthvisitor.domain.validation import format_nhs_number
from healthvisitor.errors import NotFoundError, PermissionDeniedError, ValidationError
from healthvisitor.persistence.models import (
    Child,
    Contact,
    DevelopmentScore,
    Family,
    Pregnancy,
    RecordStatusChange,
    Team,
    TeamTransfer,
    User,
)
from healthvisitor.services.access import require_clinical, require_team_lead
from healthvisitor.services.actor import Actor
from healthvisitor.services.audit import record_event

#: A record closed with one of these is no longer the team's responsibility.
CLOSED_STATUSES = (RecordStatus.TRANSFERRED_OUT, RecordStatus.MOVED_AWAY, RecordStatus.DECEASED)


class MetricScope(enum.StrEnum):
    TEAM = "team"
    HEALTH_VISITOR = "health_visitor"
    SERVICE = "service"


@dataclass(frozen=True)
class MetricFigure:
    """One figure: numerator of denominator, as a percentage to one decimal.

    ``denominator`` is None for a plain count (antenatal reviews). ``has_worklist``:
    ``metric_exceptions`` can list the children it leaves out.
    """

    code: str
    title: str
    numerator: int
    denominator: int | None
    percent: Decimal | None
    source: str
    has_worklist: bool = False

    @property
    def too_small_to_compare(self) -> bool:
        return self.denominator is not None and rules.too_small_to_compare(self.denominator)

    @property
    def note(self) -> str:
        """What a reader needs told next to the figure ("" when nothing)."""
        if self.denominator == 0:
            return "No children in this group this quarter"
        if self.too_small_to_compare:
            return f"Too small to compare (fewer than {rules.SMALL_DENOMINATOR} children)"
        return ""


@dataclass(frozen=True)
class BreastfeedingCounts:
    """Feeding recorded at the 6-8 week review, for the infants due it in the quarter."""

    totally: int
    partially: int
    not_breastfed: int
    not_recorded: int

    @property
    def total(self) -> int:
        return self.totally + self.partially + self.not_breastfed + self.not_recorded


@dataclass(frozen=True)
class QuarterMetrics:
    quarter: str  # "2026-27Q1"
    starts: dt.date
    ends: dt.date
    scope: MetricScope
    #: Whose figures, in words: the team's name, the health visitor's, or "Whole service".
    scope_name: str
    #: The quarter has not ended on ``today``: the figures so far.
    provisional: bool
    figures: tuple[MetricFigure, ...]
    breastfeeding: BreastfeedingCounts

    def figure(self, code: str) -> MetricFigure:
        for figure in self.figures:
            if figure.code == code:
                return figure
        raise KeyError(code)


@dataclass(frozen=True)
class MissedChild:
    """A child in a figure's denominator who is not in its numerator, and why."""

    child_id: uuid.UUID
    name: str
    nhs_number: str  # formatted 3-3-4
    date_of_birth: dt.date
    target_by: dt.date
    reason: rules.MissedReason
    health_visitor: str  # "" while unallocated

    @property
    def reason_text(self) -> str:
        return self.reason.label


@dataclass(frozen=True)
class _Scope:
    kind: MetricScope
    name: str
    team_id: uuid.UUID | None = None
    health_visitor_id: uuid.UUID | None = None

    @property
    def audit_subject(self) -> str:
        """The audit event's entity type: whose figures were looked at."""
        if self.health_visitor_id is not None:
            return "user"
        return "team" if self.team_id is not None else "service"


def _resolve_scope(
    session: Session,
    actor: Actor,
    scope: MetricScope,
    health_visitor_id: uuid.UUID | None,
    team_id: uuid.UUID | None,
) -> _Scope:
    """Who may see which figures (module docstring); the scope's filters and name."""
    own_team = require_clinical(actor)
    if scope is MetricScope.HEALTH_VISITOR:
        visitor_id = health_visitor_id or actor.user_id
        if visitor_id != actor.user_id:
            require_team_lead(actor)
        visitor = session.get(User, visitor_id)
        if visitor is None:
            raise NotFoundError("That health visitor is not on record.")
        if visitor.team_id != own_team:
            raise PermissionDeniedError("That health visitor is in another team.")
        return _Scope(scope, visitor.full_name, own_team, visitor_id)
    if actor.role is not Role.TEAM_LEAD:
        raise PermissionDeniedError(
            "Only a team lead can see the team's figures; your own figures are under My figures."
        )
    if scope is MetricScope.SERVICE:
        return _Scope(scope, "Whole service")
    if team_id is not None and team_id != own_team:
        raise PermissionDeniedError(
            "Those are another team's figures; you can see your own team's."
        )
    team = session.get(Team, own_team)
    return _Scope(scope, team.name if team else "Team", own_team)


def team_by_name(session: Session, actor: Actor, name: str) -> uuid.UUID:
    """The id of the team called ``name`` (for ``--team``); NotFoundError with the names."""
    require_clinical(actor)
    found = session.scalars(select(Team.id).where(func.lower(Team.name) == name.lower())).first()
    if found is None:
        raise NotFoundError(f"There is no team called '{name}'.")
    return found


# --- Building blocks of the queries -------------------------------------------


def _uncorrected(born_between: tuple[dt.date, dt.date] | None = None) -> ColumnElement[bool]:
    """The contact has not been replaced by a correction (caseload._contacts).

    ``born_between`` narrows the corrections looked at to those on the
    children born in the cohort's range (a correction is on the same child),
    so the look-up follows the cohort's indexes, once per query, instead of
    reading every contact in the database.
    """
    correction, corrected_child = aliased(Contact), aliased(Child)
    corrections = select(correction.supersedes_id).where(correction.supersedes_id.is_not(None))
    if born_between is not None:
        corrections = corrections.join(
            corrected_child, corrected_child.id == correction.child_id
        ).where(corrected_child.date_of_birth.between(*born_between))
    return Contact.id.not_in(corrections)


def _responsible_at(
    end: dt.date,
    born_between: tuple[dt.date, dt.date],
    keep_if_dead: ColumnElement[bool] | None = None,
) -> list[ColumnElement[bool]]:
    """Still ours at the end of the quarter (see the module docstring).

    Left out: a child whose latest status change on or before ``end`` closed
    the record; a record closed on or before ``end`` (by the date on the child,
    for records closed without a history row, e.g. imported); a child who
    arrived after ``end``. A death is forgiven where ``keep_if_dead`` holds
    (the 2-2½ year review's "died before the review"). One window over the
    status history of the children born in ``born_between`` (the cohort's
    range), not a query per child.
    """
    cohort_child = aliased(Child)
    latest = (
        select(
            RecordStatusChange.child_id,
            RecordStatusChange.status,
            func.row_number()
            .over(
                partition_by=RecordStatusChange.child_id,
                order_by=(
                    RecordStatusChange.effective_date.desc(),
                    RecordStatusChange.recorded_at.desc(),
                ),
            )
            .label("n"),
        )
        .join(cohort_child, cohort_child.id == RecordStatusChange.child_id)
        .where(
            RecordStatusChange.effective_date <= end,
            cohort_child.date_of_birth.between(*born_between),
        )
        .subquery()
    )

    def closed_by_end(statuses: tuple[RecordStatus, ...]) -> ColumnElement[bool]:
        by_history = select(latest.c.child_id).where(latest.c.n == 1, latest.c.status.in_(statuses))
        on_the_child = and_(
            Child.record_status.in_(statuses),
            or_(Child.record_status_date.is_(None), Child.record_status_date <= end),
        )
        return or_(on_the_child, Child.id.in_(by_history))

    arrived = or_(Child.transferred_in_on.is_(None), Child.transferred_in_on <= end)
    if keep_if_dead is None:
        return [arrived, not_(closed_by_end(CLOSED_STATUSES))]
    gone = tuple(status for status in CLOSED_STATUSES if status is not RecordStatus.DECEASED)
    return [
        arrived,
        not_(closed_by_end(gone)),
        or_(not_(closed_by_end((RecordStatus.DECEASED,))), keep_if_dead),
    ]


def _team_at(end: dt.date) -> Any:
    """The team responsible for the child on ``end``, from the moves between our teams.

    The latest move on or before ``end`` gives its receiving team; with none
    yet, the first later move's sending team; a child never moved is with
    ``Child.team_id``. The look-ups run only for children who ever moved (an
    uncorrelated list, built once), so the cohort still reads by birth date.
    """
    before = (
        select(TeamTransfer.to_team_id)
        .where(TeamTransfer.child_id == Child.id, TeamTransfer.effective_date <= end)
        .order_by(TeamTransfer.effective_date.desc(), TeamTransfer.transferred_at.desc())
        .limit(1)
        .scalar_subquery()
    )
    after = (
        select(TeamTransfer.from_team_id)
        .where(TeamTransfer.child_id == Child.id, TeamTransfer.effective_date > end)
        .order_by(TeamTransfer.effective_date, TeamTransfer.transferred_at)
        .limit(1)
        .scalar_subquery()
    )
    ever_moved = select(TeamTransfer.child_id)
    return case(
        (Child.id.in_(ever_moved), func.coalesce(before, after, Child.team_id)),
        else_=Child.team_id,
    )


def _cohort(
    scope: _Scope,
    age: rules.Age,
    quarter: rules.Quarter,
    keep_if_dead: ColumnElement[bool] | None = None,
) -> list[ColumnElement[bool]]:
    first, last = age.birth_dates_turning_in(quarter)
    return [
        Child.date_of_birth.between(first, last),
        *_responsible_at(quarter.end, (first, last), keep_if_dead),
        *_in_scope(scope, quarter.end),
    ]


def _review_cohort(
    scope: _Scope, metric: rules.ReviewMetric, quarter: rules.Quarter
) -> list[ColumnElement[bool]]:
    """The children in ``metric``'s denominator (its death rule included)."""
    keep = (
        Child.id.in_(_reviewed(metric, quarter, scope))
        if metric.counts_reviewed_before_death
        else None
    )
    return _cohort(scope, metric.cohort_age, quarter, keep)


def _by_birth_date(age: rules.Age, quarter: rules.Quarter, day_of: Any) -> Any:
    """A CASE giving ``day_of(date_of_birth)`` for every birth date of the cohort."""
    first, last = age.birth_dates_turning_in(quarter)
    births = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    return case({born: day_of(born) for born in births}, value=Child.date_of_birth)


def _in_scope(scope: _Scope, end: dt.date) -> list[ColumnElement[bool]]:
    """In the scope's team at ``end`` (and allocated to its health visitor)."""
    criteria = []
    if scope.team_id is not None:
        criteria.append(_team_at(end) == scope.team_id)
    if scope.health_visitor_id is not None:
        criteria.append(Child.health_visitor_id == scope.health_visitor_id)
    return criteria


def _narrowed(scope: _Scope) -> list[ColumnElement[bool]]:
    """A cheap first cut for the inner lists of contacts (the cohort applies the rest)."""
    if scope.health_visitor_id is not None:
        return [Child.health_visitor_id == scope.health_visitor_id]
    return []


def _counting_contacts(
    metric: rules.ReviewMetric, quarter: rules.Quarter, scope: _Scope
) -> list[Any]:
    """The contacts (joined to their child) that put a child of the cohort in the numerator."""
    first, last = metric.cohort_age.birth_dates_turning_in(quarter)
    target = _by_birth_date(metric.cohort_age, quarter, metric.target_date)
    criteria = [
        *_narrowed(scope),
        Child.date_of_birth.between(first, last),
        Contact.kind == metric.kind,
        Contact.outcome == ContactOutcome.COMPLETED,
        Contact.contact_date <= target,
        _uncorrected((first, last)),
    ]
    if metric.counts_from is not None:
        earliest = _by_birth_date(metric.cohort_age, quarter, metric.earliest_date)
        criteria.append(Contact.contact_date >= earliest)
    if metric.face_to_face_only:
        criteria.append(Contact.location.in_(rules.FACE_TO_FACE_LOCATIONS))
    return criteria


def _reviewed(metric: rules.ReviewMetric, quarter: rules.Quarter, scope: _Scope) -> Any:
    """The ids of the cohort's children with a contact that counts, for ``Child.id IN (...)``.

    Uncorrelated, so each engine builds the list once per query, reading the
    cohort's children by date of birth and their contacts by child (an outer
    join to a grouped derived table led SQLite to read every contact).
    """
    return (
        select(Contact.child_id)
        .join(Child, Child.id == Contact.child_id)
        .where(*_counting_contacts(metric, quarter, scope))
    )


def _count_if(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _review_figure(
    metric: rules.ReviewMetric, numerator: int, denominator: int, worklist: bool = True
) -> MetricFigure:
    return MetricFigure(
        metric.code,
        metric.title,
        numerator,
        denominator,
        rules.percent(numerator, denominator),
        metric.source,
        has_worklist=worklist,
    )


def _review_figures(session: Session, scope: _Scope, quarter: rules.Quarter) -> list[MetricFigure]:
    """The five reviews' figures, the ASQ-3 ones with the 2-2½ year review: five queries."""
    figures: list[MetricFigure] = []
    nbv, nbv_late = rules.NEW_BIRTH_VISIT_WITHIN_14_DAYS, rules.NEW_BIRTH_VISIT_AFTER_14_DAYS
    total, in_time, late = session.execute(
        select(
            func.count(),
            _count_if(Child.id.in_(_reviewed(nbv, quarter, scope))),
            _count_if(Child.id.in_(_reviewed(nbv_late, quarter, scope))),
        ).where(*_review_cohort(scope, nbv, quarter))
    ).one()
    figures.append(_review_figure(nbv, in_time, total))
    # Not a target to meet but a count of late visits: no worklist.
    figures.append(_review_figure(nbv_late, late, total, worklist=False))
    for metric in (
        rules.SIX_TO_EIGHT_WEEK_BY_8_WEEKS,
        rules.ONE_YEAR_BY_12_MONTHS,
        rules.ONE_YEAR_BY_15_MONTHS,
    ):
        total, done = session.execute(
            select(func.count(), _count_if(Child.id.in_(_reviewed(metric, quarter, scope)))).where(
                *_review_cohort(scope, metric, quarter)
            )
        ).one()
        figures.append(_review_figure(metric, done, total))
    figures.extend(_two_year_figures(session, scope, quarter))
    return figures


def _two_year_per_child(scope: _Scope, quarter: rules.Quarter) -> Any:
    """Per child reviewed in time for the 2-2½ year metric: ASQ-3 used, each domain
    scored and at or above the cut-off (1 or 0, at any counting review)."""
    metric = rules.TWO_YEAR_BY_30_MONTHS
    asq3 = DevelopmentScore.domain.in_(rules.ASQ3_DOMAINS)

    def any_score(condition: Any, name: str) -> Any:
        return func.max(case((condition, 1), else_=0)).label(name)

    per_child: list[Any] = [any_score(asq3, "asq3")]
    for domain in rules.ASQ3_DOMAINS:
        scored = DevelopmentScore.domain == domain
        at_or_above = and_(scored, DevelopmentScore.zone.in_(rules.AT_OR_ABOVE_CUTOFF))
        per_child.append(any_score(scored, f"{domain.value}_scored"))
        per_child.append(any_score(at_or_above, f"{domain.value}_ok"))
    return (
        select(Contact.child_id.label("child_id"), *per_child)
        .join(Child, Child.id == Contact.child_id)
        .outerjoin(DevelopmentScore, DevelopmentScore.contact_id == Contact.id)
        .where(*_counting_contacts(metric, quarter, scope))
        # Grouped by birth date first: SQLite then reads the cohort by date of
        # birth rather than every contact in child order.
        .group_by(Child.date_of_birth, Contact.child_id)
        # Built once on PostgreSQL, which, misjudging the cohort's size (the
        # team-at-quarter-end test), otherwise grouped it again for every child of
        # the cohort; SQLite plans it well as it is (bench/bench_metrics.py).
        .cte("two_year_reviews")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )


def _two_year_figures(
    session: Session, scope: _Scope, quarter: rules.Quarter
) -> list[MetricFigure]:
    """2-2½ year review by 2½ years; of those, ASQ-3 used; each ASQ-3 domain. One query.

    A domain's denominator is the reviewed children with that domain scored at a
    counting review; its numerator those with it at or above the cut-off (at
    any counting review, should there be two).
    """
    metric = rules.TWO_YEAR_BY_30_MONTHS
    reviewed = _two_year_per_child(scope, quarter)
    columns: list[Any] = [
        func.count(),
        func.count(reviewed.c.child_id),
        func.coalesce(func.sum(reviewed.c.asq3), 0),
    ]
    for domain in rules.ASQ3_DOMAINS:
        columns.append(func.coalesce(func.sum(reviewed.c[f"{domain.value}_scored"]), 0))
        columns.append(func.coalesce(func.sum(reviewed.c[f"{domain.value}_ok"]), 0))
    row = session.execute(
        select(*columns)
        .select_from(Child)
        .outerjoin(reviewed, reviewed.c.child_id == Child.id)
        .where(*_review_cohort(scope, metric, quarter))
    ).one()
    total, done, with_asq3 = row[0], row[1], row[2]
    figures = [
        _review_figure(metric, done, total),
        MetricFigure(
            rules.ASQ3_USED_CODE,
            rules.ASQ3_USED_TITLE,
            with_asq3,
            done,
            rules.percent(with_asq3, done),
            metric.source,
            has_worklist=True,
        ),
    ]
    for n, domain in enumerate(rules.ASQ3_DOMAINS):
        domain_total, at_or_above = row[3 + 2 * n], row[4 + 2 * n]
        figures.append(
            MetricFigure(
                rules.asq3_domain_code(domain),
                f"ASQ-3 {domain.label.lower()}: at or above the cut-off",
                at_or_above,
                domain_total,
                rules.percent(at_or_above, domain_total),
                metric.source,
                has_worklist=True,
            )
        )
    return figures


def _latest_feeding(scope: _Scope, quarter: rules.Quarter) -> Any:
    """Per child of the 8-week cohort: the feeding answer at their latest completed 6-8
    week review by the quarter's end that recorded one (row ``n`` = 1)."""
    first, last = rules.BREASTFEEDING_COHORT_AGE.birth_dates_turning_in(quarter)
    return (
        select(
            Contact.child_id,
            Contact.feeding,
            func.row_number()
            .over(
                partition_by=Contact.child_id,
                order_by=(Contact.contact_date.desc(), Contact.created_at.desc()),
            )
            .label("n"),
        )
        .join(Child, Child.id == Contact.child_id)
        .where(
            Child.date_of_birth.between(first, last),
            *_narrowed(scope),
            Contact.kind == ContactKind.SIX_TO_EIGHT_WEEK,
            Contact.outcome == ContactOutcome.COMPLETED,
            Contact.feeding.is_not(None),
            Contact.contact_date <= quarter.end,
            _uncorrected((first, last)),
        )
        # Built once, as ``two_year_reviews``.
        .cte("feeding_at_review")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )


def _breastfeeding(
    session: Session, scope: _Scope, quarter: rules.Quarter
) -> tuple[BreastfeedingCounts, list[MetricFigure]]:
    """Feeding at the latest 6-8 week review done by the quarter's end; one query."""
    reviews = _latest_feeding(scope, quarter)
    found: dict[FeedingStatus | None, int] = {
        status: count
        for status, count in session.execute(
            select(reviews.c.feeding, func.count())
            .select_from(Child)
            .outerjoin(reviews, and_(reviews.c.child_id == Child.id, reviews.c.n == 1))
            .where(*_cohort(scope, rules.BREASTFEEDING_COHORT_AGE, quarter))
            .group_by(reviews.c.feeding)
        )
    }
    counts = BreastfeedingCounts(
        totally=found.get(FeedingStatus.TOTALLY_BREASTFED, 0),
        partially=found.get(FeedingStatus.PARTIALLY_BREASTFED, 0),
        not_breastfed=found.get(FeedingStatus.NOT_BREASTFED, 0),
        not_recorded=found.get(None, 0),
    )
    breastfed = counts.totally + counts.partially
    recorded = counts.total - counts.not_recorded
    source = "OHID C10"
    return counts, [
        MetricFigure(
            rules.BREASTFED_CODE,
            "Totally or partially breastfed at 6-8 weeks",
            breastfed,
            counts.total,
            rules.percent(breastfed, counts.total),
            source,
            has_worklist=True,
        ),
        MetricFigure(
            rules.BREASTFEEDING_RECORDED_CODE,
            "Breastfeeding status recorded at 6-8 weeks",
            recorded,
            counts.total,
            rules.percent(recorded, counts.total),
            source,
            has_worklist=True,
        ),
    ]


def _antenatal(session: Session, scope: _Scope, quarter: rules.Quarter) -> MetricFigure:
    """Antenatal reviews done in the quarter at 28 weeks or later; one query.

    Grouped in SQL by (due date, review date); the 28-week rule is the
    domain's, applied to the groups.
    """
    criteria = [
        # Implied by the join; said so both engines read the contacts on a pregnancy
        # by date from their partial index (migration 0010), not every contact.
        Contact.pregnancy_id.is_not(None),
        Contact.kind == ContactKind.ANTENATAL,
        Contact.outcome == ContactOutcome.COMPLETED,
        Contact.contact_date.between(quarter.start, quarter.end),
        _uncorrected(),
    ]
    if scope.team_id is not None:
        criteria.append(Family.team_id == scope.team_id)
    if scope.health_visitor_id is not None:
        criteria.append(Pregnancy.health_visitor_id == scope.health_visitor_id)
    rows = session.execute(
        select(Pregnancy.estimated_delivery_date, Contact.contact_date, func.count())
        .join(Pregnancy, Pregnancy.id == Contact.pregnancy_id)
        .join(Family, Family.id == Pregnancy.family_id)
        .where(*criteria)
        .group_by(Pregnancy.estimated_delivery_date, Contact.contact_date)
    )
    count = sum(n for edd, on, n in rows if rules.antenatal_counts(edd, on))
    return MetricFigure(
        rules.ANTENATAL_CODE,
        "Antenatal reviews at 28 weeks of pregnancy or later",
        count,
        None,
        None,
        "OHID C1",
    )


def _started(quarter: rules.Quarter, today: dt.date) -> None:
    if today < quarter.start:
        raise ValidationError(
            f"{quarter} has not started yet; choose {rules.Quarter.containing(today)} "
            "or an earlier quarter.",
            "quarter",
        )


def _quarter(
    session: Session, where: _Scope, quarter: rules.Quarter, today: dt.date
) -> QuarterMetrics:
    """Every figure of one quarter: what the screen, the CLI and the PDF all show."""
    figures = [_antenatal(session, where, quarter)]
    figures.extend(_review_figures(session, where, quarter))
    feeding, feeding_figures = _breastfeeding(session, where, quarter)
    figures.extend(feeding_figures)
    return QuarterMetrics(
        quarter=str(quarter),
        starts=quarter.start,
        ends=quarter.end,
        scope=where.kind,
        scope_name=where.name,
        provisional=today <= quarter.end,
        figures=tuple(figures),
        breastfeeding=feeding,
    )


def quarter_metrics(
    session: Session,
    actor: Actor,
    quarter: rules.Quarter,
    *,
    today: dt.date,
    scope: MetricScope = MetricScope.TEAM,
    health_visitor_id: uuid.UUID | None = None,
    team_id: uuid.UUID | None = None,
) -> QuarterMetrics:
    """Every national metric for ``quarter`` in ``scope`` (see the module docstring).

    ``health_visitor_id`` (HEALTH_VISITOR scope) defaults to the actor;
    ``team_id`` (TEAM scope) defaults to, and may only be, the actor's team.
    Nine queries whatever the database's size (with the scope's look-up).
    """
    where = _resolve_scope(session, actor, scope, health_visitor_id, team_id)
    _started(quarter, today)
    found = _quarter(session, where, quarter, today)
    record_event(
        session,
        actor,
        "view_metrics",
        where.audit_subject,
        where.health_visitor_id or where.team_id,
        quarter=str(quarter),
        scope=where.kind.value,
    )
    return found


#: How many quarters the screen's charts show (issue 7: "the last 8 quarters").
HISTORY_QUARTERS = 8


def metrics_history(
    session: Session,
    actor: Actor,
    quarter: rules.Quarter,
    *,
    today: dt.date,
    scope: MetricScope = MetricScope.TEAM,
    health_visitor_id: uuid.UUID | None = None,
    quarters: int = HISTORY_QUARTERS,
) -> tuple[QuarterMetrics, ...]:
    """``quarter`` and the ``quarters`` - 1 before it, oldest first, ``quarter`` last.

    Each quarter is exactly ``quarter_metrics``'s (the same function counts
    them); one audit event for the view. Same scopes and access.
    """
    where = _resolve_scope(session, actor, scope, health_visitor_id, None)
    _started(quarter, today)
    chosen = [quarter]
    while len(chosen) < quarters:
        chosen.append(chosen[-1].previous())
    found = tuple(_quarter(session, where, each, today) for each in reversed(chosen))
    record_event(
        session,
        actor,
        "view_metrics",
        where.audit_subject,
        where.health_visitor_id or where.team_id,
        quarter=str(quarter),
        scope=where.kind.value,
        quarters=quarters,
    )
    return found


def change_from(previous: MetricFigure | None, figure: MetricFigure) -> Decimal | None:
    """Percentage points up (+) or down since the previous quarter; a count's change
    for a plain count; None when either quarter has no figure to compare."""
    if previous is None:
        return None
    if figure.denominator is None:
        return Decimal(figure.numerator - previous.numerator)
    if figure.percent is None or previous.percent is None:
        return None
    return figure.percent - previous.percent


#: The review figures with a worklist, by code ("after 14 days" counts late
#: visits, not a target to meet: the within-14-days list names those children).
WORKLIST_METRICS = {
    metric.code: metric
    for metric in rules.REVIEW_METRICS
    if metric is not rules.NEW_BIRTH_VISIT_AFTER_14_DAYS
}
#: Every figure with a worklist: the reviews, ASQ-3 and breastfeeding.
ASQ3_DOMAIN_CODES = {rules.asq3_domain_code(domain): domain for domain in rules.ASQ3_DOMAINS}
FEEDING_CODES = (rules.BREASTFED_CODE, rules.BREASTFEEDING_RECORDED_CODE)
WORKLIST_CODES = frozenset(
    {*WORKLIST_METRICS, rules.ASQ3_USED_CODE, *ASQ3_DOMAIN_CODES, *FEEDING_CODES}
)


def _child_columns(end: dt.date, scope: _Scope) -> list[Any]:
    """The columns a missed child is shown with; ``arrived`` is when they became ours."""
    arrived: Any = Child.transferred_in_on
    if scope.team_id is not None:
        # Moved into this team from another of ours: the later of the two arrivals.
        into_team = (
            select(func.max(TeamTransfer.effective_date))
            .where(
                TeamTransfer.child_id == Child.id,
                TeamTransfer.to_team_id == scope.team_id,
                TeamTransfer.effective_date <= end,
            )
            .scalar_subquery()
        )
        arrived = case(
            (Child.transferred_in_on.is_(None), into_team),
            (into_team.is_(None), Child.transferred_in_on),
            (into_team > Child.transferred_in_on, into_team),
            else_=Child.transferred_in_on,
        )
    return [
        Child.id,
        Child.given_name,
        Child.family_name,
        Child.nhs_number,
        Child.date_of_birth,
        arrived.label("arrived"),
        User.full_name,
    ]


def _missed(row: Any, target_by: dt.date, reason: rules.MissedReason) -> MissedChild:
    child_id, given, family, nhs, born, _arrived, visitor = row
    return MissedChild(
        child_id=child_id,
        name=f"{given} {family}",
        nhs_number=format_nhs_number(nhs),
        date_of_birth=born,
        target_by=target_by,
        reason=reason,
        health_visitor=visitor or "",
    )


def _review_exceptions(
    session: Session, where: _Scope, quarter: rules.Quarter, metric: rules.ReviewMetric
) -> list[MissedChild]:
    """Two queries: the children, then their contacts of the review's kind."""
    rows = session.execute(
        select(*_child_columns(quarter.end, where))
        .outerjoin(User, User.id == Child.health_visitor_id)
        .where(
            *_review_cohort(where, metric, quarter),
            Child.id.not_in(_reviewed(metric, quarter, where)),
        )
        .order_by(Child.date_of_birth, Child.family_name, Child.given_name)
    ).all()
    attempts: dict[uuid.UUID, list[rules.Attempt]] = defaultdict(list)
    if rows:
        for child_id, on, location, outcome in session.execute(
            select(Contact.child_id, Contact.contact_date, Contact.location, Contact.outcome).where(
                Contact.child_id.in_([row[0] for row in rows]),
                Contact.kind == metric.kind,
                _uncorrected(metric.cohort_age.birth_dates_turning_in(quarter)),
            )
        ):
            if child_id is not None:  # the query asks for these children's contacts only
                attempts[child_id].append(rules.Attempt(on, location, outcome))
    missed = []
    for row in rows:
        reason = rules.missed_reason(metric, row[4], attempts[row[0]], row[5])
        if reason is None:  # pragma: no cover - the query left out the counted ones
            continue
        missed.append(_missed(row, metric.target_date(row[4]), reason))
    return missed


def _two_year_exceptions(
    session: Session, where: _Scope, quarter: rules.Quarter, code: str
) -> list[MissedChild]:
    """Reviewed in time, but without ASQ-3 (or, per domain, below its cut-off); one query."""
    metric = rules.TWO_YEAR_BY_30_MONTHS
    reviewed = _two_year_per_child(where, quarter)
    domain = ASQ3_DOMAIN_CODES.get(code)
    if domain is None:
        left_out, reason = reviewed.c.asq3 == 0, rules.MissedReason.ASQ3_NOT_USED
    else:
        left_out = and_(
            reviewed.c[f"{domain.value}_scored"] == 1, reviewed.c[f"{domain.value}_ok"] == 0
        )
        reason = rules.MissedReason.BELOW_CUTOFF
    rows = session.execute(
        select(*_child_columns(quarter.end, where))
        .join(reviewed, reviewed.c.child_id == Child.id)
        .outerjoin(User, User.id == Child.health_visitor_id)
        .where(*_review_cohort(where, metric, quarter), left_out)
        .order_by(Child.date_of_birth, Child.family_name, Child.given_name)
    ).all()
    return [_missed(row, metric.target_date(row[4]), reason) for row in rows]


def _feeding_exceptions(
    session: Session, where: _Scope, quarter: rules.Quarter, code: str
) -> list[MissedChild]:
    """Due a 6-8 week review, not (known to be) breastfed; two queries."""
    recorded_only = code == rules.BREASTFEEDING_RECORDED_CODE
    reviews = _latest_feeding(where, quarter)
    feeding = reviews.c.feeding
    left_out = (
        feeding.is_(None)
        if recorded_only
        else or_(feeding.is_(None), feeding.not_in(rules.BREASTFED))
    )
    rows = session.execute(
        select(*_child_columns(quarter.end, where), feeding)
        .outerjoin(reviews, and_(reviews.c.child_id == Child.id, reviews.c.n == 1))
        .outerjoin(User, User.id == Child.health_visitor_id)
        .where(*_cohort(where, rules.BREASTFEEDING_COHORT_AGE, quarter), left_out)
        .order_by(Child.date_of_birth, Child.family_name, Child.given_name)
    ).all()
    unanswered = [row[0] for row in rows if row[-1] is None]
    reviewed: set[uuid.UUID] = set()
    if unanswered:
        first, last = rules.BREASTFEEDING_COHORT_AGE.birth_dates_turning_in(quarter)
        reviewed = {
            child_id
            for child_id in session.scalars(
                select(Contact.child_id).where(
                    Contact.child_id.in_(unanswered),
                    Contact.kind == ContactKind.SIX_TO_EIGHT_WEEK,
                    Contact.outcome == ContactOutcome.COMPLETED,
                    Contact.contact_date <= quarter.end,
                    _uncorrected((first, last)),
                )
            )
            if child_id is not None
        }
    missed = []
    for *row, answer in rows:
        reason = rules.feeding_missed_reason(
            row[0] in reviewed, answer, recorded_only=recorded_only
        )
        if reason is None:  # pragma: no cover - the query left out the counted ones
            continue
        target = rules.BREASTFEEDING_COHORT_AGE.reached_on(row[4])
        missed.append(_missed(row, target, reason))
    return missed


def metric_exceptions(
    session: Session,
    actor: Actor,
    quarter: rules.Quarter,
    code: str,
    *,
    today: dt.date,
    scope: MetricScope = MetricScope.TEAM,
    health_visitor_id: uuid.UUID | None = None,
    team_id: uuid.UUID | None = None,
) -> list[MissedChild]:
    """The children in a figure's denominator who are not in its numerator, and why.

    Every figure with ``has_worklist`` (``WORKLIST_CODES``): the reviews (the
    reason from ``domain.metrics.missed_reason``), ASQ-3 used and each domain,
    and the two breastfeeding figures (``feeding_missed_reason``). Oldest
    target first, then by name. Same scopes and access as ``quarter_metrics``.
    """
    if code not in WORKLIST_CODES:
        raise ValidationError(
            "That figure has no list of children behind it; choose one of the reviews, "
            "ASQ-3 or breastfeeding.",
            "metric",
        )
    where = _resolve_scope(session, actor, scope, health_visitor_id, team_id)
    _started(quarter, today)
    if code in WORKLIST_METRICS:
        missed = _review_exceptions(session, where, quarter, WORKLIST_METRICS[code])
    elif code in FEEDING_CODES:
        missed = _feeding_exceptions(session, where, quarter, code)
    else:
        missed = _two_year_exceptions(session, where, quarter, code)
    record_event(
        session,
        actor,
        "view_metric_exceptions",
        where.audit_subject,
        where.health_visitor_id or where.team_id,
        quarter=str(quarter),
        scope=where.kind.value,
        metric=code,
        children=len(missed),
    )
    return missed
