"""The caseload: the children allocated to a health visitor, as read models.

Issue 4: the health visitor's worklist. Each row says which mandated review
is next (the most urgent open one), its status and the days left before it
breaches its national target, how many reviews are overdue, the flags in force
(safeguarding, interpreter needed), the service level and the last contact.
Everything is fetched in a fixed number of queries for the whole caseload
(the children, then one batch each for weights, contacts, safeguarding,
service levels and referrals with a follow-up due), never one child at a time.
Issue 10 (trust scale): each batch is read through an index that holds what it
needs (migration 0014), and the last contacts without walking the trust's
antenatal contacts (``_last_contacts``); ``team_children``, ``assess`` and the
batch helpers are the pieces the team board reuses for its own, lighter read.
On PostgreSQL a caseload's safeguarding, levels of service, last contacts,
referrals and prompts are read on a second connection while the first reads the
review attempts and the weights (``batch.alongside``).

Cover (issue 4): while a colleague covers an absent health visitor, the
absent health visitor's children also appear on the colleague's caseload,
each saying whom it is covered for and until when (``covering_for``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache

from sqlalchemy import ColumnElement, Row, Select, func, null, or_, select, union_all
from sqlalchemy.orm import Session

from healthvisitor.domain.ages import age_text
from healthvisitor.domain.enums import (
    ContactKind,
    ContactOutcome,
    PromptDecision,
    RecordStatus,
    ReferralStatus,
    ReviewStatus,
    Role,
    SafeguardingStatus,
    ServiceLevel,
)
from healthvisitor.domain.schedule import (
    NEW_BIRTH_VISIT_CLOSES_DAY,
    OVERDUE_STATUSES,
    ReviewAttempt,
    ScheduledReview,
    child_review_windows,
    child_schedule,
    most_urgent_open,
)
from healthvisitor.domain.validation import format_nhs_number
from healthvisitor.errors import NotFoundError, PermissionDeniedError
from healthvisitor.persistence.models import (
    Carer,
    Child,
    Contact,
    Family,
    Pregnancy,
    Referral,
    ReferralPrompt,
    ReferralType,
    SafeguardingEntry,
    ServiceLevelEntry,
    User,
)
from healthvisitor.services import batch
from healthvisitor.services.access import require_clinical
from healthvisitor.services.actor import Actor
from healthvisitor.services.allocation import covered_by, day_text
from healthvisitor.services.batch import child_key, ids_by_key
from healthvisitor.services.dated_history import in_force_on, not_corrected
from healthvisitor.services.growth_alerts import alerts_for_children
from healthvisitor.services.policy import Permission, requires

#: Children (or families) to fetch for: ids, or a subquery selecting them.
_Children = Collection[uuid.UUID] | Select[uuid.UUID]
#: ``team_children``'s row: id, given name, family name, NHS number, date of birth,
#: the family's name, postcode and interpreter need, pregnancy, health visitor,
#: family, transferred in from.
ChildFound = Row[
    uuid.UUID,
    str,
    str,
    str,
    dt.date,
    str,
    str,
    bool,
    uuid.UUID | None,
    uuid.UUID | None,
    uuid.UUID,
    str,
]
#: Up to this many children, the batch queries name them by id (see ``assess_children``).
_CHILDREN_BY_ID = 1000


@cache
def standing_contacts() -> ColumnElement[bool]:
    """``not_corrected(Contact)``, built once: building it (an alias and a subquery)
    cost more than half a millisecond a query, twice a caseload (issue 10)."""
    return not_corrected(Contact)


@dataclass(frozen=True)
class CaseloadRow:
    child_id: uuid.UUID
    name: str
    nhs_number: str  # formatted 3-3-4
    date_of_birth: dt.date
    age: str
    family: str
    postcode: str
    alerts: tuple[str, ...] = ()  # e.g. "Faltering growth: weight below the 2nd centile"
    #: The most urgent open review (see ``OPEN_STATUSES``); all four None when none is open.
    next_review: ContactKind | None = None
    next_review_status: ReviewStatus | None = None
    next_review_target_by: dt.date | None = None
    #: Days from today to ``next_review_target_by``: negative once the target has passed.
    days_to_target: int | None = None
    #: Reviews overdue or not attended (not rebooked) today.
    overdue_reviews: int = 0
    #: Safeguarding entries in force today, in words ("Child protection plan").
    safeguarding: tuple[str, ...] = ()
    #: The level of service in force today ("Universal Plus"); "" if none is recorded.
    service_level: str = ""
    interpreter_needed: bool = False
    #: The latest completed contact (corrected contacts excluded); None if none yet.
    last_contact: dt.date | None = None
    #: No new birth visit yet while it can still count (to day 30): the filter
    #: "New births not yet visited".
    awaiting_new_birth_visit: bool = False
    #: The area's service a transferred-in child came from ("" for our own births).
    transferred_in_from: str = ""
    #: Open referrals about the child or a carer of the family whose follow-up
    #: date has come, in words ("Stop smoking service: follow-up due 20 Nov 2026").
    referrals_due: tuple[str, ...] = ()
    #: Referral prompts still to decide about the child or a carer of the family
    #: (issue 5: a prompt that fired stays until a health visitor decides it).
    prompts_to_decide: int = 0
    #: On a covering health visitor's caseload: "Covering for Jane Smith until 12 Dec 2026".
    covering_for: str = ""
    #: The child's named health visitor (None while unallocated).
    health_visitor_id: uuid.UUID | None = None


@dataclass(frozen=True)
class HealthVisitorSummary:
    id: uuid.UUID
    full_name: str
    role: Role


@requires(Permission.VIEW_CASELOAD)
def team_health_visitors(session: Session, actor: Actor) -> list[HealthVisitorSummary]:
    """The clinical members of the actor's team, by name."""
    team_id = require_clinical(actor)
    users = session.scalars(
        select(User)
        .where(User.team_id == team_id, User.active.is_(True), User.role != Role.ADMINISTRATOR)
        .order_by(User.full_name)
    )
    return [HealthVisitorSummary(u.id, u.full_name, u.role) for u in users]


@requires(Permission.VIEW_CASELOAD)
def caseload_owner(
    session: Session, actor: Actor, health_visitor_id: uuid.UUID | None
) -> tuple[uuid.UUID, uuid.UUID]:
    """The actor's team and whose caseload to show (default: the actor's own).

    A health visitor may open a colleague's caseload in their own team (cover);
    another team's caseload is refused. The children's and the pregnancies'
    lists both ask here, so they can never disagree on who may see what.
    """
    team_id = require_clinical(actor)
    visitor_id = health_visitor_id or actor.user_id
    visitor = session.get(User, visitor_id)
    if visitor is None:
        raise NotFoundError("That health visitor is not on record.")
    if visitor.team_id != team_id:
        raise PermissionDeniedError("That caseload belongs to another team.")
    return team_id, visitor_id


#: The reviews a born child's schedule holds (``child_schedule`` without an
#: estimated delivery date): only their contacts can change its statuses.
CHILD_REVIEW_KINDS = tuple(window.kind for window in child_review_windows(dt.date(2000, 1, 1)))


def review_attempts(
    session: Session, children: _Children, keys: Mapping[object, uuid.UUID]
) -> dict[uuid.UUID, list[ReviewAttempt]]:
    """Each child's attempts at its reviews after birth, oldest first, in one query.

    Only what ``child_schedule`` looks at (issue 10: a trust-scale child has about
    ten contacts, half of them other contacts): the four reviews' contacts that
    were not cancelled (``_attempts_by`` leaves out the rest). A corrected
    contact is replaced by its correction and counts for nothing
    (``not_corrected``). Antenatal contacts on the pregnancy never count here:
    the child's schedule starts at birth.
    """
    found = batch.rows(
        session,
        select(
            child_key(Contact.child_id),
            Contact.kind,
            Contact.contact_date,
            Contact.outcome,
            Contact.next_planned_contact,
        )
        .where(
            batch.among(session, Contact.child_id, children),
            Contact.kind.in_(CHILD_REVIEW_KINDS),
            Contact.outcome != ContactOutcome.CANCELLED,
            standing_contacts(),
        )
        # Oldest first: for two attempts on one day, the later-recorded one is the latest.
        .order_by(Contact.contact_date, Contact.created_at),
    )
    attempts: dict[uuid.UUID, list[ReviewAttempt]] = defaultdict(list)
    for child, kind, contact_date, outcome, rebooked_for in found:
        attempts[keys[child]].append(ReviewAttempt(kind, contact_date, outcome, rebooked_for))
    return attempts


def _last_contacts(
    session: Session,
    children: _Children,
    keys: Mapping[object, uuid.UUID],
    born_of: dict[uuid.UUID, list[uuid.UUID]],
    today: dt.date,
) -> dict[uuid.UUID, dt.date]:
    """Each child's latest completed contact by today, counted in SQL in one query.

    The same contacts as the child's record: the child's own, and those on the
    pregnancy the child was born of (the antenatal review); corrected ones left out.
    """
    completed = (
        Contact.outcome == ContactOutcome.COMPLETED,
        Contact.contact_date <= today,
        standing_contacts(),
    )
    # One SELECT for each side, so each is found through its own index: the
    # pregnancy's side asking "child_id IS NULL" in SQL made SQLite walk every
    # antenatal contact of the trust (issue 10); the child's own contacts on the
    # pregnancy, if any, are left out here instead.
    own = (
        select(child_key(Contact.child_id), null(), func.max(Contact.contact_date))
        .where(batch.among(session, Contact.child_id, children), *completed)
        .group_by(Contact.child_id)
    )
    on_pregnancy = (
        select(
            child_key(Contact.child_id),
            child_key(Contact.pregnancy_id),
            func.max(Contact.contact_date),
        )
        # The pregnancies named through their own table: asked of the contacts'
        # pregnancy column, PostgreSQL also read its index of every antenatal contact
        # of the trust by date (30,000 rows, 3 ms) to AND with the 150 it wanted.
        .join(Pregnancy, Pregnancy.id == Contact.pregnancy_id)
        .where(batch.among(session, Pregnancy.id, born_of), *completed)
        .group_by(Contact.child_id, Contact.pregnancy_id)
    )
    pregnancies = ids_by_key(born_of)
    last: dict[uuid.UUID, dt.date] = {}
    found = session.connection().execute(union_all(own, on_pregnancy)).all()
    for child, pregnancy, latest in found:
        if pregnancy is None:
            owners = [keys[child]]
        elif child is None:
            owners = born_of[pregnancies[pregnancy]]
        else:  # a child's own contact that also names the pregnancy: counted above
            continue
        for owner in owners:
            if owner not in last or last[owner] < latest:
                last[owner] = latest
    return last


def safeguarding_in_force(
    session: Session,
    children: _Children,
    keys: Mapping[object, uuid.UUID],
    today: dt.date,
) -> dict[uuid.UUID, list[SafeguardingStatus]]:
    """Safeguarding statuses in force today for each child, oldest first, in one query."""
    found: dict[uuid.UUID, list[SafeguardingStatus]] = defaultdict(list)
    for child, status in batch.rows(
        session,
        select(child_key(SafeguardingEntry.child_id), SafeguardingEntry.status)
        .where(
            batch.among(session, SafeguardingEntry.child_id, children),
            in_force_on(SafeguardingEntry, today),
        )
        .order_by(SafeguardingEntry.start_date, SafeguardingEntry.recorded_at),
    ):
        statuses = found[keys[child]]
        if status not in statuses:
            statuses.append(status)
    return found


#: Overlapping levels of service: the last in this order wins (the id settles a tie).
SERVICE_LEVEL_ORDER = (
    ServiceLevelEntry.start_date,
    ServiceLevelEntry.recorded_at,
    ServiceLevelEntry.id,
)


def service_levels(
    session: Session,
    children: _Children,
    keys: Mapping[object, uuid.UUID],
    today: dt.date,
) -> dict[uuid.UUID, ServiceLevel]:
    """The level of service in force today for each child, in one query.

    Should two entries overlap, the one started (then recorded) last wins.
    """
    levels: dict[uuid.UUID, ServiceLevel] = {}
    for child, level in batch.rows(
        session,
        select(child_key(ServiceLevelEntry.child_id), ServiceLevelEntry.level)
        .where(
            batch.among(session, ServiceLevelEntry.child_id, children),
            in_force_on(ServiceLevelEntry, today),
        )
        .order_by(*SERVICE_LEVEL_ORDER),
    ):
        levels[keys[child]] = level
    return levels


#: Referral statuses still awaiting an outcome (``ReferralStatus.is_open``).
OPEN_REFERRAL_STATUSES = tuple(status for status in ReferralStatus if status.is_open)


def _referrals_due(
    session: Session,
    child_ids: _Children,
    family_ids: _Children,
    today: dt.date,
) -> tuple[dict[uuid.UUID, list[str]], dict[uuid.UUID, list[str]]]:
    """Open referrals with a follow-up due by today, in one query.

    Returns those about each child, and those about a carer, by family (a
    carer's referral shows on every child of the family), soonest first.
    """
    by_child: dict[uuid.UUID, list[str]] = defaultdict(list)
    by_family: dict[uuid.UUID, list[str]] = defaultdict(list)
    open_and_due = (Referral.status.in_(OPEN_REFERRAL_STATUSES), Referral.follow_up_on <= today)

    def referrals() -> Select[
        uuid.UUID, uuid.UUID | None, uuid.UUID, str, str, str, dt.date | None
    ]:
        return select(
            Referral.id,
            Referral.child_id,
            Carer.family_id,
            Carer.given_name,
            Carer.family_name,
            ReferralType.name.label("referral_type"),
            Referral.follow_up_on,
        ).join(ReferralType, ReferralType.id == Referral.referral_type_id)

    # One SELECT for each side, each by the referral's own index (issue 10: a trust
    # holds about 100,000 referrals): asked as one "child or carer" condition,
    # PostgreSQL read every referral and every carer of the trust to answer it.
    about_children = (
        referrals()
        .outerjoin(Carer, Carer.id == Referral.carer_id)
        .where(*open_and_due, batch.among(session, Referral.child_id, child_ids))
    )
    about_carers = (
        referrals()
        .join(Carer, Carer.id == Referral.carer_id)
        .where(*open_and_due, batch.among(session, Carer.family_id, family_ids))
    )
    both = union_all(about_children, about_carers).subquery()
    rows = session.execute(
        select(*both.c).order_by(both.c.follow_up_on, both.c.referral_type, both.c.id)
    )
    seen: set[uuid.UUID] = set()
    for referral_id, child_id, family_id, given, family_name, referral, follow_up_on in rows:
        if referral_id in seen:  # about a child and a carer both in scope: once
            continue
        seen.add(referral_id)
        assert follow_up_on is not None  # the query's "<= today" excludes NULL
        due = f"follow-up due {day_text(follow_up_on)}"
        if child_id is not None:
            by_child[child_id].append(f"{referral}: {due}")
        elif family_id is not None:
            by_family[family_id].append(f"{referral} ({given} {family_name}): {due}")
    return by_child, by_family


def _prompts_to_decide(
    session: Session, child_ids: _Children, family_ids: _Children
) -> tuple[dict[uuid.UUID, int], dict[uuid.UUID, int]]:
    """Referral prompts still to decide, counted in SQL in one query: about each
    child, and about a carer by family (shown on every child of the family)."""
    rows = session.execute(
        select(ReferralPrompt.child_id, Carer.family_id, func.count())
        .outerjoin(Carer, Carer.id == ReferralPrompt.carer_id)
        .where(
            ReferralPrompt.decision == PromptDecision.PENDING,
            or_(
                batch.among(session, ReferralPrompt.child_id, child_ids),
                batch.among(session, Carer.family_id, family_ids),
            ),
        )
        .group_by(ReferralPrompt.child_id, Carer.family_id)
    )
    by_child: dict[uuid.UUID, int] = {}
    by_family: dict[uuid.UUID, int] = {}
    for child_id, family_id, count in rows:
        if child_id is not None:
            by_child[child_id] = count
        elif family_id is not None:
            by_family[family_id] = count
    return by_child, by_family


@dataclass(frozen=True)
class AssessedChild:
    """One child's caseload row with what it was worked out from (for the team board).

    ``caseload`` hands only ``row`` to the screen; the team board (issue 4) also
    weighs the child by ``service_level`` and ``safeguarding`` and counts its
    reviews from ``schedule``, so both read the same per-child computation.
    """

    health_visitor_id: uuid.UUID | None
    row: CaseloadRow
    schedule: tuple[ScheduledReview, ...]
    service_level: ServiceLevel | None
    safeguarding: tuple[SafeguardingStatus, ...]


def team_children(
    session: Session, team_id: uuid.UUID, *criteria: ColumnElement[bool]
) -> list[ChildFound]:
    """The team's active children matching ``criteria``, with what a caseload row shows.

    Ordered by family name, given name, then date of birth; one query.
    """
    return list(
        session.execute(
            select(
                Child.id,
                Child.given_name,
                Child.family_name,
                Child.nhs_number,
                Child.date_of_birth,
                Family.family_name,
                Family.postcode,
                Family.interpreter_needed,
                Child.pregnancy_id,
                Child.health_visitor_id,
                Child.family_id,
                Child.transferred_in_from,
            )
            .join(Family, Family.id == Child.family_id)
            .where(Child.team_id == team_id, Child.record_status == RecordStatus.ACTIVE, *criteria)
            .order_by(Child.family_name, Child.given_name, Child.date_of_birth)
        )
    )


def batch_scope(
    found: Sequence[ChildFound], team_id: uuid.UUID, *criteria: ColumnElement[bool]
) -> tuple[_Children, _Children]:
    """How the batch queries name the children ``found`` (``team_children`` with the
    same ``criteria``) and their families.

    Up to ``_CHILDREN_BY_ID`` (a caseload's few hundred) by id, each an index
    look-up (``batch.among``: one array parameter on PostgreSQL); more (a team
    is about 4,000) by the subquery that found them, on either engine (issue 10).
    """
    if len(found) <= _CHILDREN_BY_ID:
        return batch.Ids(row[0] for row in found), batch.Ids({row[10] for row in found})
    chosen = (Child.team_id == team_id, Child.record_status == RecordStatus.ACTIVE, *criteria)
    return select(Child.id).where(*chosen), select(Child.family_id).where(*chosen)


def assess_children(
    session: Session, team_id: uuid.UUID, *criteria: ColumnElement[bool], today: dt.date
) -> list[AssessedChild]:
    """The team's active children matching ``criteria``, assessed as on ``today``.

    Ordered by family name, given name, then date of birth. Eight queries
    however many children: the children, then ``assess``'s seven (none after
    the first if there are none). The caller has already checked that the
    actor may see the team.
    """
    found = team_children(session, team_id, *criteria)
    if not found:
        return []
    scope, families = batch_scope(found, team_id, *criteria)
    return assess(
        session,
        found,
        scope=scope,
        families=families,
        births=[(row[0], row[4]) for row in found],
        today=today,
    )


#: What ``assess`` reads alongside: safeguarding in force, levels of service, the
#: last contacts; the referrals due, and the prompts to decide, each by child and
#: by family.
_ReadAlongside = tuple[
    dict[uuid.UUID, list[SafeguardingStatus]],
    dict[uuid.UUID, ServiceLevel],
    dict[uuid.UUID, dt.date],
    tuple[dict[uuid.UUID, list[str]], dict[uuid.UUID, list[str]]],
    tuple[dict[uuid.UUID, int], dict[uuid.UUID, int]],
]


def assess(
    session: Session,
    found: Sequence[ChildFound],
    *,
    scope: _Children,
    families: _Children,
    births: Collection[tuple[uuid.UUID, dt.date]],
    attempts: Mapping[uuid.UUID, list[ReviewAttempt]] | None = None,
    today: dt.date,
) -> list[AssessedChild]:
    """The children ``found`` (``team_children``'s rows) assessed from what was fetched.

    Six queries, even for no children, so a board's count stays fixed:
    safeguarding in force, levels of service, their weights, last contacts,
    referrals with a follow-up due and prompts still to decide, for the
    children in ``scope`` (the same children as ids or a subquery;
    ``families`` likewise). ``births`` are the (id, date of birth) of
    children whose weights are looked at: at least ``found``'s (see
    ``alerts_for_children``: none, and it asks nothing). The review attempts
    are a seventh, unless ``attempts`` hands them in (the board has read them
    already). On PostgreSQL all but the attempts and the weights are read on a
    second connection meanwhile (``batch.alongside``).
    """
    child_ids = [row[0] for row in found]
    keys = ids_by_key(child_ids)
    born_of: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for row in found:
        if row[8] is not None:
            born_of[row[8]].append(row[0])

    def little_to_work_through(own: Session) -> _ReadAlongside:
        return (
            safeguarding_in_force(own, scope, keys, today),
            service_levels(own, scope, keys, today),
            _last_contacts(own, scope, keys, born_of, today),
            _referrals_due(own, scope, families, today),
            _prompts_to_decide(own, scope, families),
        )

    # The statements with few rows for their time on the server are read on a
    # second connection, while this one reads and works through the review
    # attempts and the weights (issue 10; ``batch.alongside``).
    with batch.alongside(session, little_to_work_through) as read_alongside:
        if attempts is None:
            attempts = review_attempts(session, scope, keys)
        faltering = alerts_for_children(session, births, today=today, among=scope)
        (
            safeguarding,
            levels,
            last_contacts,
            (child_referrals, family_referrals),
            (child_prompts, family_prompts),
        ) = read_alongside()
    result = []
    for row in found:
        child_id, born = row[0], row[4]
        # The four reviews after birth: the antenatal review cannot be done once
        # the baby is born, so it is never the next thing to do for a child.
        schedule = child_schedule(born, attempts.get(child_id, []), today)
        upcoming = most_urgent_open(schedule)
        new_birth_visit = schedule[0]
        level = levels.get(child_id)
        in_force = tuple(safeguarding.get(child_id, []))
        caseload_row = CaseloadRow(
            child_id=child_id,
            name=f"{row[1]} {row[2]}",
            nhs_number=format_nhs_number(row[3]),
            date_of_birth=born,
            age=age_text(born, today),
            family=row[5],
            postcode=row[6],
            alerts=tuple(
                f"Faltering growth: {alert.rule.label[0].lower()}{alert.rule.label[1:]}"
                for alert in faltering.get(child_id, [])
            ),
            next_review=upcoming.kind if upcoming else None,
            next_review_status=upcoming.status if upcoming else None,
            next_review_target_by=upcoming.window.target_by if upcoming else None,
            days_to_target=upcoming.days_to_target if upcoming else None,
            overdue_reviews=sum(1 for r in schedule if r.status in OVERDUE_STATUSES),
            safeguarding=tuple(status.label for status in in_force),
            service_level=level.label if level else "",
            interpreter_needed=row[7],
            last_contact=last_contacts.get(child_id),
            # While the visit can still count (late, to day 30: DOMAIN.md).
            awaiting_new_birth_visit=new_birth_visit.completed_on is None
            and (today - born).days <= NEW_BIRTH_VISIT_CLOSES_DAY,
            referrals_due=tuple(child_referrals.get(child_id, []))
            + tuple(family_referrals.get(row[10], [])),
            prompts_to_decide=child_prompts.get(child_id, 0) + family_prompts.get(row[10], 0),
            health_visitor_id=row[9],
            transferred_in_from=row[11],
        )
        result.append(AssessedChild(row[9], caseload_row, tuple(schedule), level, in_force))
    return result


@requires(Permission.VIEW_CASELOAD)
def caseload(
    session: Session, actor: Actor, *, today: dt.date, health_visitor_id: uuid.UUID | None = None
) -> list[CaseloadRow]:
    """Active children allocated to a health visitor (default: the actor), by name.

    A health visitor may open a colleague's caseload in their own team;
    another team's caseload is refused. While they cover an absent
    colleague (a cover arrangement in force today), the colleague's children
    are listed too, each with ``covering_for`` said. Ten queries whatever
    the caseload's size: the health visitor, the cover they hold, then
    ``assess_children``'s eight.
    """
    team_id, visitor_id = caseload_owner(session, actor, health_visitor_id)
    cover = {line.absent_id: line.covering_for() for line in covered_by(session, visitor_id, today)}
    assessed = assess_children(
        session, team_id, Child.health_visitor_id.in_([visitor_id, *cover]), today=today
    )
    return [
        replace(child.row, covering_for=cover[child.health_visitor_id])
        if child.health_visitor_id in cover
        else child.row
        for child in assessed
    ]
