"""Recording a contact: a mandated review (or another contact) with its findings.

Everything is checked before anything is saved, and every problem is
reported at once, named by field, so the form keeps what was typed and shows
each message beside its field. Each measurement gets its UK-WHO SDS and
centile from rcpchgrowth when it is saved, stored with the age used. A change
from the last measurement that looks implausible is not refused: it must be
confirmed, and the confirmation is stored and audited. Contacts are only
ever added, never overwritten (issue 9: additions cannot conflict).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from healthvisitor.domain.enums import (
    ContactKind,
    ContactLocation,
    ContactOutcome,
    DevelopmentDomain,
    FeedingStatus,
    MeasurementKind,
    PregnancyOutcome,
    RecordStatus,
    Role,
    ScreeningZone,
)
from healthvisitor.domain.faltering import FalteringAlert
from healthvisitor.domain.growth import GrowthResult, assess_measurement, implausible_change
from healthvisitor.domain.growth_reference import RCPCH_METHOD
from healthvisitor.domain.schedule import (
    NEW_BIRTH_VISIT_OPENS_DAY,
    ONE_YEAR_OPENS_MONTHS,
    SIX_TO_EIGHT_WEEK_OPENS_DAY,
    TWO_YEAR_OPENS_MONTHS,
    child_review_windows,
)
from healthvisitor.domain.validation import Gestation, check_contact_date
from healthvisitor.errors import (
    FieldProblem,
    HealthVisitorError,
    NotFoundError,
    ValidationError,
)
from healthvisitor.persistence.models import (
    Child,
    Contact,
    DevelopmentScore,
    Family,
    Measurement,
    Pregnancy,
    User,
)
from healthvisitor.services.access import (
    require_may_change_child,
    require_may_change_pregnancy,
    require_team,
)
from healthvisitor.services.actor import Actor
from healthvisitor.services.audit import record_event
from healthvisitor.services.dated_history import not_corrected
from healthvisitor.services.growth_alerts import alerts_for_child
from healthvisitor.services.policy import Permission, requires

#: Which findings belong to which review (issue 3; DOMAIN.md "What a review records").
FEEDING_REVIEWS = frozenset({ContactKind.NEW_BIRTH_VISIT, ContactKind.SIX_TO_EIGHT_WEEK})
MATERNAL_MOOD_REVIEWS = frozenset(
    {ContactKind.ANTENATAL, ContactKind.NEW_BIRTH_VISIT, ContactKind.SIX_TO_EIGHT_WEEK}
)
DEVELOPMENT_REVIEWS = frozenset({ContactKind.ONE_YEAR, ContactKind.TWO_YEAR, ContactKind.OTHER})
#: GAD-2 totals two items scored 0-3 (NICE CG192).
GAD2_RANGE = (0, 6)
#: Exhaled carbon monoxide: non-smokers read under 4 ppm (NICE NG209's referral
#: threshold); heavy smokers rarely exceed 50. 100 ppm is beyond any monitor reading.
CARBON_MONOXIDE_RANGE_PPM = (0.0, 100.0)
#: ``Contact.previous_provider`` holds this many characters.
PREVIOUS_PROVIDER_LENGTH = 100
#: An ASQ-3 domain has six items scored 0, 5 or 10: 0 to 60.
ASQ3_DOMAIN_RANGE = (0, 60)
#: ASQ:SE-2 totals run to a few hundred depending on the age interval.
ASQ_SE2_RANGE = (0, 500)


@dataclass(frozen=True)
class MeasurementEntry:
    kind: MeasurementKind
    value: float


@dataclass(frozen=True)
class DevelopmentEntry:
    domain: DevelopmentDomain
    score: int
    zone: ScreeningZone


@dataclass(frozen=True)
class ContactEntry:
    """What the contact form hands to the service."""

    kind: ContactKind
    contact_date: dt.date
    location: ContactLocation
    outcome: ContactOutcome
    delivered_by_id: uuid.UUID
    accountable_health_visitor_id: uuid.UUID | None
    child_id: uuid.UUID | None = None
    pregnancy_id: uuid.UUID | None = None
    who_was_seen: str = ""
    interpreter_used: bool = False
    notes: str = ""
    next_planned_contact: dt.date | None = None
    measurements: tuple[MeasurementEntry, ...] = ()
    feeding: FeedingStatus | None = None
    whooley_low_mood: bool | None = None
    whooley_loss_of_interest: bool | None = None
    gad2_score: int | None = None
    mother_smokes: bool | None = None
    household_smokes: bool | None = None
    carbon_monoxide_ppm: float | None = None
    development: tuple[DevelopmentEntry, ...] = ()
    #: A review done by another area's service before the child transferred in
    #: (issue 4): who did it, in their words. Empty for the team's own contacts.
    previous_provider: str = ""
    #: Chosen when the form opens and kept in its draft (issue 9): saving again
    #: with the same key returns the first save instead of recording it twice.
    idempotency_key: uuid.UUID | None = None


class ImplausibleChangeError(HealthVisitorError):
    """Measurements that differ implausibly from the last ones: confirm to save."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        self.problems = problems
        super().__init__(
            "Please check: " + " ".join(p.message for p in problems) + " Confirm to save anyway."
        )


@dataclass(frozen=True)
class RecordedContact:
    contact_id: uuid.UUID
    measurements: tuple[GrowthResult, ...]
    alerts: tuple[FalteringAlert, ...] = field(default=())
    #: True when this is an earlier save of the same form, found by its
    #: idempotency key (a retry after a dropped connection): nothing was written.
    replayed: bool = False


@dataclass(frozen=True)
class _Subject:
    """Whom the contact is about, and the facts the checks need."""

    team_id: uuid.UUID
    child: Child | None
    pregnancy: Pregnancy | None

    @property
    def date_of_birth(self) -> dt.date | None:
        return self.child.date_of_birth if self.child else None


def closed_record_message(child: Child) -> str:
    """Why nothing more can be recorded on a closed record, and what to do instead."""
    status = child.record_status
    since = f" on {child.record_status_date:%d %b %Y}" if child.record_status_date else ""
    if status is RecordStatus.DECEASED:
        return (
            f"{child.given_name} {child.family_name} has died{since}; the record is read-only "
            "and no contact can be added."
        )
    return (
        f"{child.given_name} {child.family_name}'s record was closed{since} "
        f"({status.label.lower()}); it is read-only. If the family is back in the area, "
        "reopen the record first, then record the contact."
    )


def _subject(session: Session, actor: Actor, entry: ContactEntry) -> _Subject:
    # The child's row is held until the commit: a correction of the date of birth, sex or
    # gestation saved at this moment (services/record_edits.py, which locks it too) waits,
    # then charts this contact's measurements again, so none keeps a centile worked out
    # from the old details. NO KEY: other saves adding rows for the child are not held up.
    child = (
        session.get(Child, entry.child_id, with_for_update={"key_share": True})
        if entry.child_id
        else None
    )
    pregnancy = session.get(Pregnancy, entry.pregnancy_id) if entry.pregnancy_id else None
    if entry.child_id and child is None:
        raise NotFoundError("That child is not on record.")
    if entry.pregnancy_id and pregnancy is None:
        raise NotFoundError("That pregnancy is not on record.")
    if child is None and pregnancy is None:
        raise ValidationError("Choose the child or the pregnancy this contact is about.", "child")
    if child is not None and pregnancy is not None and child.pregnancy_id != pregnancy.id:
        raise ValidationError(
            "That pregnancy is not the one this child was born from.", "pregnancy"
        )
    if pregnancy is not None:
        require_team(actor, session.get_one(Family, pregnancy.family_id).team_id)
    if child is not None:
        team_id = child.team_id
    else:
        assert pregnancy is not None
        team_id = session.get_one(Family, pregnancy.family_id).team_id
    require_team(actor, team_id)
    if child is not None and child.record_status is not RecordStatus.ACTIVE:
        raise ValidationError(closed_record_message(child), "child")
    if child is None and pregnancy is not None and entry.kind is ContactKind.ANTENATAL:
        _check_antenatal_before_the_end(pregnancy, entry.contact_date)
    return _Subject(team_id, child, pregnancy)


def _check_antenatal_before_the_end(pregnancy: Pregnancy, on: dt.date) -> None:
    """An antenatal review after the pregnancy ended would count a review that was not.

    One dated on or before the end (recorded late) is kept; any other contact with
    the mother (a visit after a loss, say) is recorded as usual.
    """
    ended = pregnancy.outcome is not PregnancyOutcome.ONGOING
    if ended and (pregnancy.outcome_date is None or on > pregnancy.outcome_date):
        when = f" on {pregnancy.outcome_date:%d %b %Y}" if pregnancy.outcome_date else ""
        raise ValidationError(
            f"This pregnancy ended{when} ({pregnancy.outcome.label.lower()}), so an "
            "antenatal review can no longer be recorded after it. Record the visit as "
            "another kind of contact.",
            "kind",
        )


class _Problems:
    def __init__(self) -> None:
        self.found: list[FieldProblem] = []

    def add(self, field_name: str, message: str) -> None:
        self.found.append(FieldProblem(field_name, message))

    def check(self, run: Callable[[], object]) -> None:
        try:
            run()
        except ValidationError as error:
            self.found.extend(error.problems)


def _check_people(
    session: Session, entry: ContactEntry, team_id: uuid.UUID, problems: _Problems
) -> None:
    delivered_by = session.get(User, entry.delivered_by_id)
    if delivered_by is None or delivered_by.team_id != team_id or not delivered_by.active:
        problems.add("delivered_by", "Choose who delivered the contact from this team.")
    if entry.accountable_health_visitor_id is None:
        if entry.kind.is_mandated:
            problems.add(
                "accountable_health_visitor",
                "A mandated review needs the named health visitor accountable for it.",
            )
        return
    accountable = session.get(User, entry.accountable_health_visitor_id)
    if (
        accountable is None
        or accountable.team_id != team_id
        or accountable.role not in (Role.HEALTH_VISITOR, Role.TEAM_LEAD)
    ):
        problems.add(
            "accountable_health_visitor",
            "The accountable health visitor must be a health visitor in this team.",
        )


def _check_findings(entry: ContactEntry, problems: _Problems) -> None:
    kind, label = entry.kind, entry.kind.label
    if entry.outcome is not ContactOutcome.COMPLETED:
        recorded = (
            entry.measurements
            or entry.development
            or entry.feeding is not None
            or entry.gad2_score is not None
            or entry.whooley_low_mood is not None
            or entry.whooley_loss_of_interest is not None
            or entry.mother_smokes is not None
            or entry.household_smokes is not None
            or entry.carbon_monoxide_ppm is not None
        )
        if recorded:
            problems.add(
                "outcome",
                f"Findings are recorded only when the contact took place; this one is "
                f"'{entry.outcome.label.lower()}'. Remove the findings or change the outcome.",
            )
    if entry.feeding is not None and kind not in FEEDING_REVIEWS:
        problems.add("feeding", "Feeding is recorded at the new birth visit and 6-8 week review.")
    mood = (entry.whooley_low_mood, entry.whooley_loss_of_interest, entry.gad2_score)
    if any(answer is not None for answer in mood) and kind not in MATERNAL_MOOD_REVIEWS:
        problems.add(
            "maternal_mood",
            f"Maternal mood is asked at the antenatal, new birth and 6-8 week reviews, "
            f"not at the {label.lower()}.",
        )
    if entry.gad2_score is not None and not GAD2_RANGE[0] <= entry.gad2_score <= GAD2_RANGE[1]:
        problems.add("gad2_score", "A GAD-2 score runs from 0 to 6.")
    if entry.carbon_monoxide_ppm is not None:
        low, high = CARBON_MONOXIDE_RANGE_PPM
        if not low <= entry.carbon_monoxide_ppm <= high:
            problems.add(
                "carbon_monoxide_ppm",
                f"A carbon monoxide reading of {entry.carbon_monoxide_ppm:g} ppm is not "
                f"possible ({low:g} to {high:g} ppm).",
            )
    if entry.development and kind not in DEVELOPMENT_REVIEWS:
        problems.add("development", "ASQ scores are recorded at the 1 year and 2-2½ year reviews.")
    seen: set[DevelopmentDomain] = set()
    for score in entry.development:
        if score.domain in seen:
            problems.add(score.domain.value, f"{score.domain.label} is scored twice.")
        seen.add(score.domain)
        low, high = (
            ASQ_SE2_RANGE
            if score.domain is DevelopmentDomain.SOCIAL_EMOTIONAL
            else ASQ3_DOMAIN_RANGE
        )
        if not low <= score.score <= high:
            problems.add(
                score.domain.value, f"{score.domain.label} scores run from {low} to {high}."
            )
    if entry.next_planned_contact is not None and entry.next_planned_contact <= entry.contact_date:
        problems.add("next_planned_contact", "The next contact must be after this one.")


#: When each review after birth opens, in the words the message uses (domain/schedule.py).
REVIEW_OPENS_AT = {
    ContactKind.NEW_BIRTH_VISIT: f"{NEW_BIRTH_VISIT_OPENS_DAY} days after birth",
    ContactKind.SIX_TO_EIGHT_WEEK: f"{SIX_TO_EIGHT_WEEK_OPENS_DAY // 7} weeks of age",
    ContactKind.ONE_YEAR: f"{ONE_YEAR_OPENS_MONTHS} months of age",
    ContactKind.TWO_YEAR: f"{TWO_YEAR_OPENS_MONTHS} months of age",
}


def review_window_problem(
    kind: ContactKind, when: dt.date, *, date_of_birth: dt.date | None
) -> str | None:
    """Why a review after birth cannot be dated ``when``: before its window opens (issue 4).

    The schedule counts these reviews "by N days/weeks/months" with no lower
    bound, so one recorded before it could be done would count as done and stop
    its reminder: the child would never be offered the real one (hazard H8). The
    same rule refuses a review done elsewhere on transfer in (life_events.py).
    The antenatal review needs no such check: a contact before 28 weeks is kept
    but does not count (``COUNTED_ONLY_FROM_OPENING``), so the mother stays due.
    """
    if kind not in REVIEW_OPENS_AT or date_of_birth is None:
        return None
    (window,) = [w for w in child_review_windows(date_of_birth) if w.kind is kind]
    if when >= window.opens:
        return None
    return (
        f"The {kind.label.lower()} can be done from {window.opens:%d %b %Y} "
        f"({REVIEW_OPENS_AT[kind]}); {when:%d %b %Y} is too early. Recorded on that date "
        "it would count as done and stop the reminder for the real review. Check the "
        "date, or record an earlier visit as an other contact."
    )


def findings_problems(entry: ContactEntry) -> list[FieldProblem]:
    """Every problem with the findings of ``entry`` (the same rules a save applies)."""
    problems = _Problems()
    _check_findings(entry, problems)
    return problems.found


def _growth_result(row: Measurement) -> GrowthResult:
    assert row.sds is not None and row.centile is not None and row.age_used is not None
    return GrowthResult(
        kind=row.kind,
        value=row.value,
        measured_on=row.measured_on,
        sds=row.sds,
        centile=row.centile,
        age_used=row.age_used,
        decimal_age=row.decimal_age or 0.0,
        reference=row.growth_reference or "uk-who",
    )


def _previous(
    session: Session, child_id: uuid.UUID, kind: MeasurementKind, before: dt.date
) -> GrowthResult | None:
    # Length and height are one UK-WHO measure: a standing height follows a lying
    # length and must be compared with it (implausible_change allows for the step).
    same_measure = [k for k, method in RCPCH_METHOD.items() if method == RCPCH_METHOD[kind]]
    row = session.scalars(
        select(Measurement)
        .where(
            Measurement.child_id == child_id,
            Measurement.kind.in_(same_measure),
            Measurement.measured_on <= before,
            Measurement.sds.is_not(None),
            not_corrected(Measurement),
        )
        .order_by(Measurement.measured_on.desc(), Measurement.recorded_at.desc())
        .limit(1)
    ).first()
    if row is None or row.sds is None or row.centile is None or row.age_used is None:
        return None
    return _growth_result(row)


def _assess(
    session: Session, entry: ContactEntry, child: Child | None, problems: _Problems
) -> tuple[list[GrowthResult], list[FieldProblem]]:
    results: list[GrowthResult] = []
    doubtful: list[FieldProblem] = []
    if entry.measurements and child is None:
        problems.add("measurements", "Growth is measured on a child, not on a pregnancy.")
        return results, doubtful
    assert child is not None or not entry.measurements
    kinds = [m.kind for m in entry.measurements]
    for kind in set(kinds):
        if kinds.count(kind) > 1:
            problems.add(kind.value, f"{kind.label} is entered twice.")
    for measurement in entry.measurements:
        assert child is not None
        try:
            result = assess_measurement(
                measurement.kind,
                measurement.value,
                sex=child.sex,
                date_of_birth=child.date_of_birth,
                gestation=Gestation(child.gestation_weeks, child.gestation_days),
                measured_on=entry.contact_date,
            )
        except ValidationError as error:
            problems.found.extend(error.problems)
            continue
        results.append(result)
        previous = _previous(session, child.id, measurement.kind, entry.contact_date)
        message = implausible_change(previous, result)
        if message:
            doubtful.append(FieldProblem(measurement.kind.value, message))
    return results, doubtful


@requires(Permission.RECORD_CONTACT)
def saved_contact(
    session: Session, actor: Actor, key: uuid.UUID, *, today: dt.date
) -> RecordedContact | None:
    """The contact already saved with idempotency key ``key``, as its save returned it.

    None if no save with that key reached the database. Issue 9: a save whose
    connection dropped during the commit may or may not have been applied; the
    retry asks here first, so it is applied exactly once.
    """
    contact = session.scalars(select(Contact).where(Contact.idempotency_key == key)).first()
    if contact is None:
        return None
    child = session.get(Child, contact.child_id) if contact.child_id else None
    if child is not None:
        require_team(actor, child.team_id)
        require_may_change_child(session, actor, child, today=today)  # issue 8
    elif contact.pregnancy_id is not None:
        pregnancy = session.get_one(Pregnancy, contact.pregnancy_id)
        require_team(actor, session.get_one(Family, pregnancy.family_id).team_id)
        require_may_change_pregnancy(session, actor, pregnancy, today=today)  # issue 8
    rows = session.scalars(
        select(Measurement)
        .where(Measurement.contact_id == contact.id)
        .order_by(Measurement.recorded_at, Measurement.id)
    ).all()
    alerts = alerts_for_child(session, child, today=today) if child else []
    return RecordedContact(
        contact.id,
        tuple(_growth_result(row) for row in rows if row.sds is not None),
        tuple(alerts),
        replayed=True,
    )


@requires(Permission.RECORD_CONTACT)
def record_contact(
    session: Session,
    actor: Actor,
    entry: ContactEntry,
    *,
    today: dt.date,
    confirm_implausible: bool = False,
) -> RecordedContact:
    """Check and save a contact with its findings and measurements (one audit event).

    A contact already saved with the entry's idempotency key is returned as it
    was saved (``replayed``), and nothing is written.
    """
    if entry.idempotency_key is not None:
        earlier = saved_contact(session, actor, entry.idempotency_key, today=today)
        if earlier is not None:
            return earlier
    subject = _subject(session, actor, entry)
    # Issue 8: a colleague's child or pregnancy is read-only (services/access.py).
    if subject.child is not None:
        require_may_change_child(session, actor, subject.child, today=today)
    elif subject.pregnancy is not None:
        require_may_change_pregnancy(session, actor, subject.pregnancy, today=today)
    problems = _Problems()
    problems.check(
        lambda: check_contact_date(
            entry.kind,
            entry.contact_date,
            today=today,
            date_of_birth=subject.date_of_birth,
            estimated_delivery_date=(
                subject.pregnancy.estimated_delivery_date if subject.pregnancy else None
            ),
        )
    )
    too_early = review_window_problem(
        entry.kind, entry.contact_date, date_of_birth=subject.date_of_birth
    )
    if too_early and not any(p.field == "contact_date" for p in problems.found):
        problems.add("contact_date", too_early)
    if entry.kind is ContactKind.ANTENATAL and subject.pregnancy is None:
        problems.add("kind", "An antenatal review is recorded on the pregnancy.")
    if entry.kind.is_mandated and entry.kind is not ContactKind.ANTENATAL and not subject.child:
        problems.add("kind", f"The {entry.kind.label.lower()} is recorded on the child.")
    _check_people(session, entry, subject.team_id, problems)
    _check_findings(entry, problems)
    if len(entry.previous_provider.strip()) > PREVIOUS_PROVIDER_LENGTH:
        problems.add(
            "previous_provider",
            f"Shorten who did the review to {PREVIOUS_PROVIDER_LENGTH} characters or fewer.",
        )
    results, doubtful = _assess(session, entry, subject.child, problems)
    if problems.found:
        raise ValidationError(problems.found)
    if doubtful and not confirm_implausible:
        raise ImplausibleChangeError(doubtful)

    contact = Contact(
        kind=entry.kind,
        child_id=subject.child.id if subject.child else None,
        pregnancy_id=subject.pregnancy.id
        if subject.pregnancy
        else (subject.child.pregnancy_id if subject.child else None),
        contact_date=entry.contact_date,
        location=entry.location,
        outcome=entry.outcome,
        delivered_by_id=entry.delivered_by_id,
        accountable_health_visitor_id=entry.accountable_health_visitor_id,
        notes=entry.notes.strip(),
        who_was_seen=entry.who_was_seen.strip(),
        interpreter_used=entry.interpreter_used,
        next_planned_contact=entry.next_planned_contact,
        feeding=entry.feeding,
        whooley_low_mood=entry.whooley_low_mood,
        whooley_loss_of_interest=entry.whooley_loss_of_interest,
        gad2_score=entry.gad2_score,
        mother_smokes=entry.mother_smokes,
        household_smokes=entry.household_smokes,
        carbon_monoxide_ppm=entry.carbon_monoxide_ppm,
        previous_provider=entry.previous_provider.strip(),
        idempotency_key=entry.idempotency_key,
    )
    session.add(contact)
    session.flush()
    confirmed = {problem.field for problem in doubtful}
    for result in results:
        assert subject.child is not None
        session.add(
            Measurement(
                child_id=subject.child.id,
                contact_id=contact.id,
                kind=result.kind,
                value=result.value,
                measured_on=result.measured_on,
                recorded_by_id=actor.user_id,
                sds=result.sds,
                centile=result.centile,
                age_used=result.age_used,
                decimal_age=result.decimal_age,
                growth_reference=result.reference,
                change_confirmed=result.kind.value in confirmed,
            )
        )
    for score in entry.development:
        session.add(
            DevelopmentScore(
                contact_id=contact.id, domain=score.domain, score=score.score, zone=score.zone
            )
        )
    session.flush()
    alerts = alerts_for_child(session, subject.child, today=today) if subject.child else []
    # The audit event last: it locks the audit chain's head until the commit, so
    # the slow part (the alerts' growth calculations) runs before (bench/load.py).
    record_event(
        session,
        actor,
        "create",
        "contact",
        contact.id,
        kind=entry.kind.value,
        outcome=entry.outcome.value,
        measurements=len(results),
        confirmed_implausible=sorted(confirmed),
        previous_provider=entry.previous_provider.strip(),
    )
    return RecordedContact(contact.id, tuple(results), tuple(alerts))
