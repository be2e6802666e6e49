"""The national health visiting metrics for a quarter, and the children behind them (issue 7).

What each metric means lives in ``healthvisitor.domain.metrics`` (with its
source); this module counts it in SQL for a scope:

* ``MetricScope.TEAM``: the team lead's team;
* ``MetricScope.HEALTH_VISITOR``: the children allocated to one health
  visitor at the end of the quarter (a health visitor sees only their own; a
  team lead anyone in the team);
* ``MetricScope.SERVICE``: the whole database (team leads only, for now).

A health visitor cannot see the team's figures or another team's; an
administrator sees none.

Counting: one aggregate query per cohort (COUNT and SUM over the children who
turn the age in the quarter, "reviewed by the target" being membership of an
uncorrelated list of child ids the engine builds once, or a per-child derived
table where one pass answers several figures), never one child at a time; the
target date of each birth date comes from the domain rule through a CASE on
the date of birth (at most 92 birth dates per quarter), so month-end clamping
is decided in one place, in Python, and both SQLite and PostgreSQL compare
plain dates. Each cohort's contacts are also bounded by plain dates (first
birth date to latest target), which PostgreSQL answers from
``ix_contacts_by_kind_date`` (migration 0015), and a team's or a health
visitor's lists read only the children they ever had (``_narrowed``). Seven
queries for a quarter's figures whatever the size of the database (eight for
a health visitor's); ``metrics_history`` counts the 8 quarters the screen's
charts show the same way, and ``metric_exceptions`` lists the children behind
any figure with a worklist.

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
them at the end of the quarter's last day, by the allocation history
(``AllocationChange``; ``_allocated_at``), who were in their team then. Left out of every cohort: a
child whose record was closed (transferred out, moved away, died) on or
before the quarter's last day and not reopened by then, by the record's
status history; a child who arrived from another area after that day. A
child discharged (e.g. to school nursing) still counts. One exception, for
the 2-2½ year review (LG Inform 4239, "children who died before the review
excluded"): a child reviewed in time who died later stays in the cohort,
reviewed (a contact cannot be recorded on a closed record, so a counting
review always came before the death). Antenatal reviews, a count of reviews
done in the quarter, count in the team responsible on the day of each review
(the accountable health visitor's team) and for the health visitor the
pregnancy was allocated to that day (``_antenatal``).
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import uuid
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    exists,
    func,
    not_,
    or_,
    select,
    text,
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
    AllocationChange,
    Child,
    Contact,
    DevelopmentScore,
    Pregnancy,
    RecordStatusChange,
    Team,
    TeamTransfer,
    User,
)
from healthvisitor.services.access import require_clinical, require_team_lead
from healthvisitor.services.actor import Actor
from healthvisitor.services.audit import record_event
from healthvisitor.services.dated_history import not_corrected
from healthvisitor.services.policy import Permission, requires

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


@requires(Permission.VIEW_OWN_FIGURES)
def team_by_name(session: Session, actor: Actor, name: str) -> uuid.UUID:
    """The id of the team called ``name`` (for ``--team``); NotFoundError with the names."""
    require_clinical(actor)
    found = session.scalars(select(Team.id).where(func.lower(Team.name) == name.lower())).first()
    if found is None:
        raise NotFoundError(f"There is no team called '{name}'.")
    return found


# --- Building blocks of the queries -------------------------------------------


#: The contact has not been replaced by a correction (``dated_history.not_corrected``,
#: as on the caseload). Built once: making the alias it looks corrections up
#: through costs more than counting a team's quarter on a small database.
_STANDS = not_corrected(Contact)
#: The cohort's children, as seen from their status history (``_responsible_at``).
_COHORT_CHILD = aliased(Child, name="cohort_child")


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
    cohort_child = _COHORT_CHILD
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
    scope: _Scope, metric: rules.ReviewMetric, quarter: rules.Quarter, reviewed: Any = None
) -> list[ColumnElement[bool]]:
    """The children in ``metric``'s denominator (its death rule included).

    ``reviewed``: the ids of the children reviewed in time, when the query has
    them already (``two_year_reviews``); otherwise they are looked up again.
    """
    keep = (
        Child.id.in_(_reviewed(metric, quarter, scope) if reviewed is None else reviewed)
        if metric.counts_reviewed_before_death
        else None
    )
    return _cohort(scope, metric.cohort_age, quarter, keep)


@functools.lru_cache(maxsize=512)
def _by_birth_date(age: rules.Age, quarter: rules.Quarter, day_of: Any) -> Any:
    """A CASE giving ``day_of(date_of_birth)`` for every birth date of the cohort.

    The same expression for a quarter every time, so built once (the 92
    branches' literals cost more to build than the query takes on a small
    database); ``day_of`` is a domain rule, a pure function of the date.
    """
    first, last = age.birth_dates_turning_in(quarter)
    births = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    return case({born: day_of(born) for born in births}, value=Child.date_of_birth)


def _end_of_day(day: dt.date) -> dt.datetime:
    """The first moment after ``day``, in the laptop's own time zone (``clock``): the
    allocation history is timestamped, and what held "on" a day held at its end."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time()).astimezone()


def _allocated_at(moment: dt.datetime) -> Any:
    """The child's named health visitor at ``moment``, from the allocation history.

    ``AllocationChange`` rows (allocation, reallocation, undo, the loss of the
    named health visitor on a transfer between teams): the latest change
    before ``moment`` gives its ``to_health_visitor_id`` (None: unallocated);
    with none yet, the first later change's ``from_health_visitor_id``; a
    child never allocated through the history is with
    ``Child.health_visitor_id``. As ``_team_at``, the look-ups run only for
    children with a history (an uncorrelated list, built once).
    """
    own = AllocationChange.child_id == Child.id
    before, since = AllocationChange.changed_at < moment, AllocationChange.changed_at >= moment
    latest = (
        select(AllocationChange.to_health_visitor_id)
        .where(own, before)
        .order_by(AllocationChange.changed_at.desc())
        .limit(1)
        .scalar_subquery()
    )
    first_later = (
        select(AllocationChange.from_health_visitor_id)
        .where(own, since)
        .order_by(AllocationChange.changed_at)
        .limit(1)
        .scalar_subquery()
    )
    ever_changed = select(AllocationChange.child_id).where(AllocationChange.child_id.is_not(None))
    return case(
        (
            Child.id.in_(ever_changed),
            case(
                (exists().where(own, before), latest),
                (exists().where(own, since), first_later),
                else_=Child.health_visitor_id,
            ),
        ),
        else_=Child.health_visitor_id,
    )


def _held_on(
    changes: list[tuple[dt.datetime, uuid.UUID | None, uuid.UUID | None]],
    moment: dt.datetime,
    now_with: uuid.UUID | None,
) -> uuid.UUID | None:
    """``_allocated_at``'s rule for one pregnancy, on its changes (time, from, to) in order."""
    done = [to for at, _from, to in changes if at < moment]
    if done:
        return done[-1]
    return changes[0][1] if changes else now_with


def _in_scope(scope: _Scope, end: dt.date) -> list[ColumnElement[bool]]:
    """In the scope's team at ``end``, and allocated to its health visitor then."""
    criteria = []
    if scope.team_id is not None:
        criteria.append(_team_at(end) == scope.team_id)
    if scope.health_visitor_id is not None:
        criteria.append(_allocated_at(_end_of_day(end)) == scope.health_visitor_id)
    return criteria


def _narrowed(scope: _Scope) -> list[ColumnElement[bool]]:
    """A cheap first cut for the inner lists of contacts (the cohort applies the rest).

    A child the team had at any time: in it now, or moved into or out of it
    (``_team_at`` finds no other team); so a team's lists read its own
    children's contacts, not the whole service's. A child the health visitor
    held at any time: allocated to them now, or to or from them in the history
    (``_allocated_at`` finds no one else).
    """
    criteria = []
    team = scope.team_id
    if team is not None:
        moved_here_or_away = select(TeamTransfer.child_id).where(
            or_(TeamTransfer.to_team_id == team, TeamTransfer.from_team_id == team)
        )
        criteria.append(or_(Child.team_id == team, Child.id.in_(moved_here_or_away)))
    visitor = scope.health_visitor_id
    if visitor is not None:
        theirs_once = select(AllocationChange.child_id).where(
            or_(
                AllocationChange.to_health_visitor_id == visitor,
                AllocationChange.from_health_visitor_id == visitor,
            )
        )
        criteria.append(or_(Child.health_visitor_id == visitor, Child.id.in_(theirs_once)))
    return criteria


def _review_dates(metric: rules.ReviewMetric, quarter: rules.Quarter) -> tuple[dt.date, dt.date]:
    """The dates a counting contact of ``metric`` can fall on, for the whole cohort.

    From the cohort's first birth date (a review is never before the child's
    birth: ``contacts`` refuses one before its window opens) or the earliest
    counting day, to the latest target. Implied by the per-child CASE bounds;
    said as plain dates so PostgreSQL reads the few contacts of the kind in
    that range from ``ix_contacts_by_kind_date`` (migration 0015) instead of
    every contact.
    """
    first, last = metric.cohort_age.birth_dates_turning_in(quarter)
    return metric.earliest_date(first) or first, metric.target_date(last)


def _review_contacts(
    metric: rules.ReviewMetric, quarter: rules.Quarter, scope: _Scope
) -> list[Any]:
    """The cohort's completed contacts of ``metric``'s kind (and place), joined to the child."""
    criteria = [
        *_narrowed(scope),
        Child.date_of_birth.between(*metric.cohort_age.birth_dates_turning_in(quarter)),
        Contact.kind == metric.kind,
        Contact.outcome == ContactOutcome.COMPLETED,
        _STANDS,
    ]
    if metric.face_to_face_only:
        criteria.append(Contact.location.in_(rules.FACE_TO_FACE_LOCATIONS))
    return criteria


def _in_time(metric: rules.ReviewMetric, quarter: rules.Quarter) -> list[Any]:
    """Done on a day that counts for ``metric``: by the child's target (and from its
    earliest counting day)."""
    target = _by_birth_date(metric.cohort_age, quarter, metric.target_date)
    criteria = [
        Contact.contact_date.between(*_review_dates(metric, quarter)),
        Contact.contact_date <= target,
    ]
    if metric.counts_from is not None:
        earliest = _by_birth_date(metric.cohort_age, quarter, metric.earliest_date)
        criteria.append(Contact.contact_date >= earliest)
    return criteria


def _counting_contacts(
    metric: rules.ReviewMetric, quarter: rules.Quarter, scope: _Scope
) -> list[Any]:
    """The contacts (joined to their child) that put a child of the cohort in the numerator."""
    return [*_review_contacts(metric, quarter, scope), *_in_time(metric, quarter)]


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


def _any(condition: Any, name: str) -> Any:
    """Per child (grouped): 1 if any of their rows meets ``condition``, else 0."""
    return func.max(case((condition, 1), else_=0)).label(name)


def _new_birth_visits(scope: _Scope, quarter: rules.Quarter) -> Any:
    """Per child of the 30-day cohort with a counting visit: within 14 days, and on
    days 15-30 (1 or 0 each).

    The two figures share cohort, kind and place and differ only in the day, so
    one pass over the cohort's visits answers both (two ``_reviewed`` lists
    read them twice). Grouped and built once as ``two_year_reviews`` is.
    """
    within, late = rules.NEW_BIRTH_VISIT_WITHIN_14_DAYS, rules.NEW_BIRTH_VISIT_AFTER_14_DAYS
    assert (within.kind, within.cohort_age, within.face_to_face_only) == (
        late.kind,
        late.cohort_age,
        late.face_to_face_only,
    )
    first_day, last_day = _review_dates(within, quarter)[0], _review_dates(late, quarter)[1]
    return (
        select(
            Contact.child_id.label("child_id"),
            _any(and_(*_in_time(within, quarter)), "within"),
            _any(and_(*_in_time(late, quarter)), "late"),
        )
        .join(Child, Child.id == Contact.child_id)
        .where(
            *_review_contacts(within, quarter, scope),
            Contact.contact_date.between(first_day, last_day),
        )
        .group_by(Child.date_of_birth, Contact.child_id)
        .cte("new_birth_visits")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )


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
    visits = _new_birth_visits(scope, quarter)
    total, in_time, late = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(visits.c.within), 0),
            func.coalesce(func.sum(visits.c.late), 0),
        )
        .select_from(Child)
        .outerjoin(visits, visits.c.child_id == Child.id)
        .where(*_review_cohort(scope, nbv, quarter))
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

    per_child: list[Any] = [_any(asq3, "asq3")]
    for domain in rules.ASQ3_DOMAINS:
        scored = DevelopmentScore.domain == domain
        at_or_above = and_(scored, DevelopmentScore.zone.in_(rules.AT_OR_ABOVE_CUTOFF))
        per_child.append(_any(scored, f"{domain.value}_scored"))
        per_child.append(_any(at_or_above, f"{domain.value}_ok"))
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
        .where(*_review_cohort(scope, metric, quarter, select(reviewed.c.child_id)))
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
            # From the cohort's first birthday (no review before birth, as in
            # ``_review_dates``): the contacts of the kind in range, not all of them.
            Contact.contact_date.between(first, quarter.end),
            _STANDS,
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


#: Who answers for a contact: the health visitor accountable for it (who delivered
#: it, for a contact recorded without one).
_PRACTITIONER = aliased(User, name="practitioner")
_ANSWERABLE = func.coalesce(Contact.accountable_health_visitor_id, Contact.delivered_by_id)


def _antenatal_reviews(scope: _Scope, quarter: rules.Quarter) -> Any:
    """The quarter's antenatal reviews in the scope's team: how many per pregnancy and day.

    Counted from the contacts alone, before the pregnancy is joined: with the
    join in the same query PostgreSQL, which misjudges how many contacts on a
    pregnancy are antenatal reviews (about 40 times too few at 100,000
    children), read every contact on a pregnancy in pregnancy order to merge
    with them (0.6 s).
    """
    query = select(
        Contact.pregnancy_id.label("pregnancy_id"),
        Contact.contact_date.label("done_on"),
        func.count().label("reviews"),
    ).where(
        # Implied by the kind; said so both engines read the contacts on a pregnancy
        # by date from their partial index (migration 0010), not every contact.
        Contact.pregnancy_id.is_not(None),
        Contact.kind == ContactKind.ANTENATAL,
        Contact.outcome == ContactOutcome.COMPLETED,
        Contact.contact_date.between(quarter.start, quarter.end),
        _STANDS,
    )
    if scope.team_id is not None:
        query = query.join(_PRACTITIONER, _PRACTITIONER.id == _ANSWERABLE).where(
            _PRACTITIONER.team_id == scope.team_id
        )
    return query.group_by(Contact.pregnancy_id, Contact.contact_date).subquery("antenatal")


def _antenatal(session: Session, scope: _Scope, quarter: rules.Quarter) -> MetricFigure:
    """Antenatal reviews done in the quarter at 28 weeks or later; one query (two for a
    health visitor's figures).

    Each counts in the team responsible for the pregnancy on the day of the
    review: the team of the health visitor accountable for it, who had to be
    in the pregnancy's team when it was recorded (``contacts._check_people``)
    and stays in it (no service moves staff between teams). Not the family's
    team now: a family moved since takes its pregnancy with it, and there is
    no history of a pregnancy's team. A health visitor's figures count the
    reviews done while the pregnancy was allocated to them (its allocation
    history, read as ``_allocated_at`` reads a child's), worked out in Python
    on their team's few rows. Grouped in SQL by (due date, review date)
    otherwise; the 28-week rule is the domain's, applied to the groups.
    """
    reviews = _antenatal_reviews(scope, quarter)
    if scope.health_visitor_id is not None:
        count = _antenatal_for(session, scope.health_visitor_id, reviews)
    else:
        rows = session.execute(
            select(
                Pregnancy.estimated_delivery_date, reviews.c.done_on, func.sum(reviews.c.reviews)
            )
            .join(reviews, reviews.c.pregnancy_id == Pregnancy.id)
            .group_by(Pregnancy.estimated_delivery_date, reviews.c.done_on)
        )
        # int(): PostgreSQL sums counts as numeric, which would reach the JSON as a Decimal.
        count = sum(int(n) for edd, on, n in rows if rules.antenatal_counts(edd, on))
    return MetricFigure(
        rules.ANTENATAL_CODE,
        "Antenatal reviews at 28 weeks of pregnancy or later",
        count,
        None,
        None,
        "OHID C1",
    )


def _antenatal_for(session: Session, visitor: uuid.UUID, reviews: Any) -> int:
    """The team's antenatal ``reviews`` done while the pregnancy was ``visitor``'s."""
    counting = [
        (pregnancy_id, on, now_with, n)
        for pregnancy_id, on, due, now_with, n in session.execute(
            select(
                Pregnancy.id,
                reviews.c.done_on,
                Pregnancy.estimated_delivery_date,
                Pregnancy.health_visitor_id,
                reviews.c.reviews,
            ).join(reviews, reviews.c.pregnancy_id == Pregnancy.id)
        )
        if rules.antenatal_counts(due, on)
    ]
    changes: dict[uuid.UUID, list[tuple[dt.datetime, uuid.UUID | None, uuid.UUID | None]]]
    changes = defaultdict(list)
    if counting:
        for pregnancy_id, at, before, after in session.execute(
            select(
                AllocationChange.pregnancy_id,
                AllocationChange.changed_at,
                AllocationChange.from_health_visitor_id,
                AllocationChange.to_health_visitor_id,
            )
            .where(AllocationChange.pregnancy_id.in_({row[0] for row in counting}))
            .order_by(AllocationChange.changed_at)
        ):
            if pregnancy_id is not None:  # the query asks for these pregnancies' only
                changes[pregnancy_id].append((at, before, after))
    return sum(
        n
        for pregnancy_id, on, now_with, n in counting
        if _held_on(changes[pregnancy_id], _end_of_day(on), now_with) == visitor
    )


def _planned_for_its_dates(session: Session) -> None:
    """On PostgreSQL, plan every query of this unit of work for its own dates.

    psycopg prepares a statement run five times on a connection, and the
    server then swaps to one plan for any values; the 8 quarters of the
    charts run each query 8 times. That plan cannot know the cohort's dates
    or the review's kind, so it can neither size the cohort nor use the
    partial ``ix_contacts_by_kind_date`` (migration 0015): measured at 20,000
    children, after the fifth run every query took that plan. Planning each
    run costs a few milliseconds; ``SET LOCAL`` ends with the transaction.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))


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


@requires(Permission.VIEW_OWN_FIGURES)
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
    Seven counting queries whatever the database's size (module docstring), with the
    scope's look-up.
    """
    where = _resolve_scope(session, actor, scope, health_visitor_id, team_id)
    _started(quarter, today)
    _planned_for_its_dates(session)
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


@requires(Permission.VIEW_OWN_FIGURES)
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
    _planned_for_its_dates(session)
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
                _STANDS,
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
        .where(*_review_cohort(where, metric, quarter, select(reviewed.c.child_id)), left_out)
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
        reviewed = {
            child_id
            for child_id in session.scalars(
                select(Contact.child_id).where(
                    Contact.child_id.in_(unanswered),
                    Contact.kind == ContactKind.SIX_TO_EIGHT_WEEK,
                    Contact.outcome == ContactOutcome.COMPLETED,
                    Contact.contact_date <= quarter.end,
                    _STANDS,
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


@requires(Permission.VIEW_OWN_FIGURES)
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
    _planned_for_its_dates(session)
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
