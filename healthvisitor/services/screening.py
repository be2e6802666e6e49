"""Newborn screening results and immunisations on a child's record (issue 6).

Recording: a screening result (blood spot, hearing, NIPE at birth and at 6-8
weeks) or a vaccine dose, checked field by field before anything is saved
(not before birth, not in the future, at an age the test or vaccine is
plausible), scoped to the child's team, audited, and only ever added: a
correction is a new entry that supersedes the old one, which is kept.

Reading: ``screening_lines`` and ``immunisation_lines`` give the current
entries (corrected ones replaced by their corrections) and the child's
immunisation plan from ``healthvisitor.domain.immunisations``; the child's
record and the red book summary show them.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from healthvisitor.domain.enums import (
    NewbornScreeningResult,
    NewbornScreeningTest,
    RecordStatus,
)
from healthvisitor.domain.immunisations import (
    VACCINES,
    DoseStatus,
    PlannedDose,
    immunisation_plan,
)
from healthvisitor.domain.schedule import add_months
from healthvisitor.errors import FieldProblem, NotFoundError, ValidationError
from healthvisitor.persistence.models import Child, Immunisation, NewbornScreening, User
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services.access import require_may_change_child, require_team
from healthvisitor.services.actor import Actor
from healthvisitor.services.audit import record_event
from healthvisitor.services.contacts import closed_record_message
from healthvisitor.services.policy import Permission, requires

#: The ages (days from birth) at which a result for each test is plausible.
#: Blood spot: taken on day 5, and offered up to 1 year of age (NHS newborn
#: blood spot screening programme). Hearing: offered up to 3 months of age,
#: later for babies in neonatal care (NHS newborn hearing screening programme):
#: up to 1 year is accepted. NIPE: within 72 hours of birth (allowing up to 6
#: weeks for a baby in neonatal care), and at 6-8 weeks (accepted from 5 weeks
#: to 6 months, for a late examination). Source: NHS screening programmes'
#: standards; the outer limits are this service's working rule.
SCREENING_AGE_DAYS: dict[NewbornScreeningTest, tuple[int, int]] = {
    NewbornScreeningTest.BLOOD_SPOT: (0, 365),
    NewbornScreeningTest.HEARING: (0, 365),
    NewbornScreeningTest.NIPE_NEWBORN: (0, 42),
    NewbornScreeningTest.NIPE_SIX_TO_EIGHT_WEEK: (35, 183),
}

#: Routine vaccines are not given before 6 weeks of age (Green Book chapter 11).
EARLIEST_VACCINE_AGE_DAYS = 42
#: The highest dose number any routine vaccine under 5 reaches (6-in-1: 4).
HIGHEST_DOSE = 5


@dataclass(frozen=True)
class ScreeningLine:
    id: uuid.UUID
    test: NewbornScreeningTest
    screened_on: dt.date
    result: NewbornScreeningResult
    note: str
    recorded_by: str
    recorded_at: dt.datetime
    #: This entry corrects an earlier one (kept, not shown).
    is_correction: bool = False


@dataclass(frozen=True)
class ImmunisationLine:
    id: uuid.UUID
    vaccine: str  # code in domain.immunisations.VACCINES
    vaccine_name: str
    dose: int
    given_on: dt.date
    given_elsewhere: bool
    batch: str
    recorded_by: str
    recorded_at: dt.datetime
    is_correction: bool = False


@dataclass(frozen=True)
class ScreeningAndImmunisations:
    """What the "Screening and immunisations" tab and the red book show."""

    screenings: tuple[ScreeningLine, ...]
    immunisations: tuple[ImmunisationLine, ...]
    plan: tuple[PlannedDose, ...]
    #: For the screen's date limits and its read-only state on a closed record.
    date_of_birth: dt.date | None = None
    record_closed: bool = False

    @property
    def due_or_overdue(self) -> tuple[PlannedDose, ...]:
        return tuple(p for p in self.plan if p.status in (DoseStatus.DUE, DoseStatus.OVERDUE))

    @property
    def untested(self) -> tuple[NewbornScreeningTest, ...]:
        """Tests with no result on record (printed as "not recorded", never as "none")."""
        done = {s.test for s in self.screenings}
        return tuple(t for t in NewbornScreeningTest if t not in done)


def _child_for_recording(
    session: Session, actor: Actor, child_id: uuid.UUID, *, today: dt.date
) -> Child:
    child = session.get(Child, child_id)
    if child is None:
        raise NotFoundError("That child is not on record.")
    require_team(actor, child.team_id)
    # Issue 8: a colleague's child is read-only (services/access.py).
    require_may_change_child(session, actor, child, today=today)
    if child.record_status is not RecordStatus.ACTIVE:
        raise ValidationError(closed_record_message(child), "child")
    return child


def _date_problems(
    field: str, when: dt.date | None, child: Child, today: dt.date
) -> list[FieldProblem]:
    if when is None:
        return [FieldProblem(field, "Enter the date.")]
    if when > today:
        return [FieldProblem(field, "This date is in the future: enter the date it was done.")]
    if when < child.date_of_birth:
        return [
            FieldProblem(
                field,
                f"This date is before the child was born ({child.date_of_birth:%d/%m/%Y}).",
            )
        ]
    return []


def _superseded(
    session: Session, model: type[NewbornScreening] | type[Immunisation], child: Child
) -> set[uuid.UUID]:
    return {
        s
        for s in session.scalars(
            select(model.supersedes_id).where(
                model.child_id == child.id, model.supersedes_id.is_not(None)
            )
        )
        if s is not None
    }


def _check_supersedes(
    session: Session,
    model: type[NewbornScreening] | type[Immunisation],
    child: Child,
    supersedes_id: uuid.UUID | None,
) -> list[FieldProblem]:
    if supersedes_id is None:
        return []
    owner = session.scalar(select(model.child_id).where(model.id == supersedes_id))
    if owner != child.id:
        return [FieldProblem("supersedes", "The entry to correct is not on this child's record.")]
    if supersedes_id in _superseded(session, model, child):
        return [
            FieldProblem(
                "supersedes",
                "That entry has already been corrected: correct the latest entry instead.",
            )
        ]
    return []


@requires(Permission.EDIT_RECORD)
def record_newborn_screening(
    session: Session,
    actor: Actor,
    child_id: uuid.UUID,
    *,
    test: NewbornScreeningTest,
    screened_on: dt.date | None,
    result: NewbornScreeningResult,
    note: str = "",
    today: dt.date,
    supersedes_id: uuid.UUID | None = None,
) -> ScreeningLine:
    """Add a screening result (or, with ``supersedes_id``, a correction of one)."""
    child = _child_for_recording(session, actor, child_id, today=today)
    problems = _date_problems("screened_on", screened_on, child, today)
    if screened_on is not None and not problems:
        earliest, latest = SCREENING_AGE_DAYS[test]
        age_days = (screened_on - child.date_of_birth).days
        if not earliest <= age_days <= latest:
            problems.append(
                FieldProblem(
                    "screened_on",
                    f"The {test.label.lower()} is done between {earliest} and {latest} days "
                    f"of age; this date is day {age_days}. Check the date.",
                )
            )
    if result in (NewbornScreeningResult.DECLINED, NewbornScreeningResult.NOT_DONE) and (
        not note.strip()
    ):
        problems.append(
            FieldProblem("note", f"Say why it was {result.label.lower()} (for example, who said).")
        )
    if len(note) > 4000:
        problems.append(FieldProblem("note", "Keep the note under 4,000 characters."))
    problems += _check_supersedes(session, NewbornScreening, child, supersedes_id)
    if problems:
        raise ValidationError(problems)
    assert screened_on is not None
    entry = NewbornScreening(
        child_id=child.id,
        test=test,
        screened_on=screened_on,
        result=result,
        note=note.strip(),
        recorded_by_id=actor.user_id,
        supersedes_id=supersedes_id,
    )
    session.add(entry)
    session.flush()
    record_event(
        session,
        actor,
        "correct" if supersedes_id else "create",
        "newborn_screening",
        entry.id,
        child_id=str(child.id),
        test=test.value,
        result=result.value,
        supersedes=str(supersedes_id) if supersedes_id else None,
    )
    return _screening_line(entry, actor.full_name)


@requires(Permission.EDIT_RECORD)
def record_immunisation(
    session: Session,
    actor: Actor,
    child_id: uuid.UUID,
    *,
    vaccine: str,
    dose: int,
    given_on: dt.date | None,
    given_elsewhere: bool = False,
    batch: str = "",
    today: dt.date,
    supersedes_id: uuid.UUID | None = None,
) -> ImmunisationLine:
    """Add a vaccine dose given (or, with ``supersedes_id``, a correction of one)."""
    child = _child_for_recording(session, actor, child_id, today=today)
    problems: list[FieldProblem] = []
    if vaccine not in VACCINES:
        problems.append(FieldProblem("vaccine", "Choose the vaccine from the list."))
    if not 1 <= dose <= HIGHEST_DOSE:
        problems.append(FieldProblem("dose", f"Enter a dose number from 1 to {HIGHEST_DOSE}."))
    date_problems = _date_problems("given_on", given_on, child, today)
    problems += date_problems
    if given_on is not None and not date_problems:
        age_days = (given_on - child.date_of_birth).days
        if age_days < EARLIEST_VACCINE_AGE_DAYS:
            problems.append(
                FieldProblem(
                    "given_on",
                    "Routine vaccines are not given before 6 weeks of age; this date is "
                    f"day {age_days}. Check the date.",
                )
            )
        elif given_on >= add_months(child.date_of_birth, 60):
            problems.append(
                FieldProblem(
                    "given_on",
                    "This date is after the child's fifth birthday: school-age vaccines are "
                    "recorded by school nursing.",
                )
            )
    if len(batch.strip()) > 40:
        problems.append(FieldProblem("batch", "Keep the batch number under 40 characters."))
    problems += _check_supersedes(session, Immunisation, child, supersedes_id)
    if not problems and supersedes_id is None:
        superseded = _superseded(session, Immunisation, child)
        already = session.scalars(
            select(Immunisation.id).where(
                Immunisation.child_id == child.id,
                Immunisation.vaccine == vaccine,
                Immunisation.dose == dose,
            )
        ).all()
        if any(i not in superseded for i in already):
            problems.append(
                FieldProblem(
                    "dose",
                    f"Dose {dose} of {VACCINES[vaccine].name} is already recorded: correct that "
                    "entry if it is wrong.",
                )
            )
    if problems:
        raise ValidationError(problems)
    assert given_on is not None
    entry = Immunisation(
        child_id=child.id,
        vaccine=vaccine,
        dose=dose,
        given_on=given_on,
        given_elsewhere=given_elsewhere,
        batch=batch.strip(),
        recorded_by_id=actor.user_id,
        supersedes_id=supersedes_id,
    )
    session.add(entry)
    session.flush()
    record_event(
        session,
        actor,
        "correct" if supersedes_id else "create",
        "immunisation",
        entry.id,
        child_id=str(child.id),
        vaccine=vaccine,
        dose=dose,
        supersedes=str(supersedes_id) if supersedes_id else None,
    )
    return _immunisation_line(entry, actor.full_name)


def _screening_line(entry: NewbornScreening, recorded_by: str) -> ScreeningLine:
    return ScreeningLine(
        id=entry.id,
        test=entry.test,
        screened_on=entry.screened_on,
        result=entry.result,
        note=entry.note,
        recorded_by=recorded_by,
        recorded_at=entry.recorded_at,
        is_correction=entry.supersedes_id is not None,
    )


def _immunisation_line(entry: Immunisation, recorded_by: str) -> ImmunisationLine:
    vaccine = VACCINES.get(entry.vaccine)
    return ImmunisationLine(
        id=entry.id,
        vaccine=entry.vaccine,
        # An unknown code (a retired vaccine) still shows, by its code.
        vaccine_name=vaccine.name if vaccine else entry.vaccine,
        dose=entry.dose,
        given_on=entry.given_on,
        given_elsewhere=entry.given_elsewhere,
        batch=entry.batch,
        recorded_by=recorded_by,
        recorded_at=entry.recorded_at,
        is_correction=entry.supersedes_id is not None,
    )


def screening_and_immunisations_for(
    session: Session, child: Child, *, today: dt.date
) -> ScreeningAndImmunisations:
    """The current entries and the immunisation plan of a child already opened.

    No access check and no audit: for services that have checked and audited
    the opening of the record (``child_record``). Three queries, whatever the
    number of entries.
    """
    screenings = list(
        session.scalars(
            select(NewbornScreening)
            .where(NewbornScreening.child_id == child.id)
            .order_by(NewbornScreening.screened_on, NewbornScreening.recorded_at)
        )
    )
    immunisations = list(
        session.scalars(
            select(Immunisation)
            .where(Immunisation.child_id == child.id)
            .order_by(Immunisation.given_on, Immunisation.recorded_at)
        )
    )
    corrected = {s.supersedes_id for s in screenings} | {i.supersedes_id for i in immunisations}
    screenings = [s for s in screenings if s.id not in corrected]
    immunisations = [i for i in immunisations if i.id not in corrected]
    user_ids = {s.recorded_by_id for s in screenings} | {i.recorded_by_id for i in immunisations}
    names = (
        {u.id: u.full_name for u in session.scalars(select(User).where(User.id.in_(user_ids)))}
        if user_ids
        else {}
    )
    return ScreeningAndImmunisations(
        screenings=tuple(_screening_line(s, names.get(s.recorded_by_id, "")) for s in screenings),
        immunisations=tuple(
            _immunisation_line(i, names.get(i.recorded_by_id, "")) for i in immunisations
        ),
        plan=immunisation_plan(
            child.date_of_birth, [(i.vaccine, i.dose, i.given_on) for i in immunisations], today
        ),
        date_of_birth=child.date_of_birth,
        record_closed=child.record_status is not RecordStatus.ACTIVE,
    )


@requires(Permission.VIEW_RECORD)
def screening_and_immunisations(
    session: Session, actor: Actor, child_id: uuid.UUID, *, today: dt.date
) -> ScreeningAndImmunisations:
    """A child's screening results and immunisations, for the tab (audited as a view)."""
    child = session.get(Child, child_id)
    if child is None:
        raise NotFoundError("That child is not on record.")
    require_team(actor, child.team_id)
    record_event(session, actor, "view", "screening_and_immunisations", child.id)
    return screening_and_immunisations_for(session, child, today=today)


class ScreeningDesk:
    """The screen's way in: each call is one unit of work for the signed-in user.

    Kept here, not in ``services/workspace.py`` (shared; no section for issue 6
    yet): the lead may move these three methods into ``Workspace``.
    """

    def __init__(self, engine: Engine, actor: Actor, today: Callable[[], dt.date]) -> None:
        self.engine = engine
        self.actor = actor
        self.today = today

    def load(self, child_id: uuid.UUID) -> ScreeningAndImmunisations:
        with unit_of_work(self.engine) as session:
            return screening_and_immunisations(session, self.actor, child_id, today=self.today())

    def record_screening(
        self,
        child_id: uuid.UUID,
        *,
        test: NewbornScreeningTest,
        screened_on: dt.date | None,
        result: NewbornScreeningResult,
        note: str = "",
        supersedes_id: uuid.UUID | None = None,
    ) -> ScreeningLine:
        with unit_of_work(self.engine) as session:
            return record_newborn_screening(
                session,
                self.actor,
                child_id,
                test=test,
                screened_on=screened_on,
                result=result,
                note=note,
                today=self.today(),
                supersedes_id=supersedes_id,
            )

    def record_immunisation(
        self,
        child_id: uuid.UUID,
        *,
        vaccine: str,
        dose: int,
        given_on: dt.date | None,
        given_elsewhere: bool = False,
        batch: str = "",
        supersedes_id: uuid.UUID | None = None,
    ) -> ImmunisationLine:
        with unit_of_work(self.engine) as session:
            return record_immunisation(
                session,
                self.actor,
                child_id,
                vaccine=vaccine,
                dose=dose,
                given_on=given_on,
                given_elsewhere=given_elsewhere,
                batch=batch,
                today=self.today(),
                supersedes_id=supersedes_id,
            )
