"""The pregnancies on a caseload: mothers due their antenatal health promoting review.

Health visitors carry pregnant women from about 28 weeks (DOMAIN.md), and
the antenatal review is the first of the five mandated reviews (issue 3):
it is recorded on the pregnancy, before there is a child to open. This is
the list it is recorded from: ongoing pregnancies allocated to one health
visitor, each with where its antenatal review stands today. The same
scoping as the children's caseload (``caseload.caseload_owner``), and the
same cover (issue 4): while a colleague covers an absent health visitor,
the absent health visitor's pregnancies are listed too, saying so
(``covering_for``). One query, no per-row loading: the cover is joined in.

Referral prompts (issue 5): a prompt raised in pregnancy (carbon monoxide at the
antenatal review, maternal mood) is about the mother, and there is no child's
row to flag it on yet; each row counts the prompts about her still to decide
(``prompts_to_decide``), as a child's caseload row counts the family's.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from healthvisitor.domain.ages import gestation_text
from healthvisitor.domain.enums import (
    ContactKind,
    PregnancyOutcome,
    PromptDecision,
    SafeguardingStatus,
)
from healthvisitor.domain.schedule import ReviewAttempt, ScheduledReview, pregnancy_schedule
from healthvisitor.persistence.models import (
    Carer,
    Contact,
    CoverArrangement,
    Family,
    Pregnancy,
    ReferralPrompt,
    SafeguardingEntry,
    User,
)
from healthvisitor.services.actor import Actor
from healthvisitor.services.allocation import cover_in_force_on, day_text, last_day_of_cover
from healthvisitor.services.caseload import caseload_owner
from healthvisitor.services.dated_history import in_force_on
from healthvisitor.services.policy import Permission, requires


@dataclass(frozen=True)
class PregnancyRow:
    pregnancy_id: uuid.UUID
    mother_name: str
    family: str
    postcode: str
    estimated_delivery_date: dt.date
    gestation_today: str  # e.g. "31+2 weeks"
    antenatal: ScheduledReview  # the antenatal review's window and status today
    pre_birth_plan: bool  # a pre-birth plan is in force today (CP-IS flags it)
    health_visitor_id: uuid.UUID | None = None
    main_language: str = "English"
    interpreter_needed: bool = False
    #: On a covering health visitor's list: "Covering for Jane Smith until 12 Dec 2026".
    covering_for: str = ""
    #: Referral prompts still to decide about the mother (issue 5), whichever contact
    #: raised them: decided from the pregnancy (``referrals.pregnancy_prompts``).
    prompts_to_decide: int = 0
    #: A pregnancy that ended other than in a live birth stays listed while prompts
    #: about the mother wait (issue 5): "Ended 20 Nov 2026: miscarriage". Empty if ongoing.
    ended: str = ""


@requires(Permission.VIEW_CASELOAD)
def pregnancy_caseload(
    session: Session, actor: Actor, *, today: dt.date, health_visitor_id: uuid.UUID | None = None
) -> list[PregnancyRow]:
    """Ongoing pregnancies allocated to a health visitor (default: the actor), by EDD.

    A pregnancy that ended without a live birth (a miscarriage, a stillbirth, a
    termination, a family that moved away) stays on the list, marked ``ended``,
    while referral prompts about the mother are still to decide: she has no
    child's record where they would show, and a prompt raised then (perinatal
    mental health after a loss, say) matters most. At a live birth they show on
    the baby's record instead (``referrals.pregnancy_prompts``).

    As for ``caseload``: a colleague's list in the actor's own team may be
    opened, another team's is refused; pregnancies of an absent colleague
    the health visitor covers today are listed too, with ``covering_for``.
    """
    team_id, visitor_id = caseload_owner(session, actor, health_visitor_id)
    pre_birth_plan = exists().where(
        SafeguardingEntry.pregnancy_id == Pregnancy.id,
        SafeguardingEntry.status == SafeguardingStatus.PRE_BIRTH_PLAN,
        in_force_on(SafeguardingEntry, today),
    )
    prompts_to_decide = (
        select(func.count(ReferralPrompt.id))
        .where(
            ReferralPrompt.carer_id == Pregnancy.mother_id,
            ReferralPrompt.decision == PromptDecision.PENDING,
        )
        .correlate(Pregnancy)
        .scalar_subquery()
    )
    # The cover this health visitor holds today for the pregnancy's own health
    # visitor, if any (never for their own: nobody covers themselves).
    absent = aliased(User)
    cover = and_(
        CoverArrangement.absent_health_visitor_id == Pregnancy.health_visitor_id,
        CoverArrangement.covering_health_visitor_id == visitor_id,
        cover_in_force_on(today),
    )
    # One row per antenatal contact (or one with no contact): the attempts come
    # with their pregnancy rather than by a query per pregnancy.
    rows = session.execute(
        select(
            Pregnancy.id.label("pregnancy_id"),
            Pregnancy.estimated_delivery_date.label("edd"),
            Pregnancy.health_visitor_id,
            Carer.given_name.label("mother_given_name"),
            Carer.family_name.label("mother_family_name"),
            Family.family_name.label("family"),
            Family.postcode,
            Family.main_language,
            Family.interpreter_needed,
            pre_birth_plan.label("pre_birth_plan"),
            prompts_to_decide.label("prompts_to_decide"),
            Pregnancy.outcome.label("pregnancy_outcome"),
            Pregnancy.outcome_date.label("pregnancy_ended_on"),
            Contact.contact_date,
            Contact.outcome,
            Contact.next_planned_contact,
            absent.full_name.label("covered_name"),
            CoverArrangement.end_date.label("cover_end"),
            CoverArrangement.ended_on.label("cover_ended_on"),
        )
        .join(Family, Family.id == Pregnancy.family_id)
        .join(Carer, Carer.id == Pregnancy.mother_id)
        .outerjoin(CoverArrangement, cover)
        .outerjoin(absent, absent.id == CoverArrangement.absent_health_visitor_id)
        .outerjoin(
            Contact,
            and_(Contact.pregnancy_id == Pregnancy.id, Contact.kind == ContactKind.ANTENATAL),
        )
        .where(
            or_(Pregnancy.health_visitor_id == visitor_id, CoverArrangement.id.is_not(None)),
            or_(
                Pregnancy.outcome == PregnancyOutcome.ONGOING,
                and_(Pregnancy.outcome != PregnancyOutcome.LIVE_BIRTH, prompts_to_decide > 0),
            ),
            Family.team_id == team_id,
        )
        .order_by(
            Pregnancy.estimated_delivery_date,
            Carer.family_name,
            Carer.given_name,
            Pregnancy.id,
            Contact.contact_date,
            Contact.created_at,
        )
    ).all()
    # The same pregnancy on each of its rows: one per pregnancy, in the query's order.
    pregnancies = {row.pregnancy_id: row for row in rows}
    attempts: dict[uuid.UUID, list[ReviewAttempt]] = {key: [] for key in pregnancies}
    for row in rows:
        if row.contact_date is not None:
            attempts[row.pregnancy_id].append(
                ReviewAttempt(
                    ContactKind.ANTENATAL, row.contact_date, row.outcome, row.next_planned_contact
                )
            )
    return [
        PregnancyRow(
            pregnancy_id=row.pregnancy_id,
            mother_name=f"{row.mother_given_name} {row.mother_family_name}",
            family=row.family,
            postcode=row.postcode,
            estimated_delivery_date=row.edd,
            gestation_today=gestation_text(row.edd, today),
            antenatal=pregnancy_schedule(row.edd, attempts[row.pregnancy_id], today)[0],
            pre_birth_plan=bool(row.pre_birth_plan),
            health_visitor_id=row.health_visitor_id,
            main_language=row.main_language,
            interpreter_needed=row.interpreter_needed,
            covering_for=_covering_for(row.covered_name, row.cover_end, row.cover_ended_on),
            prompts_to_decide=row.prompts_to_decide,
            ended=_ended(row.pregnancy_outcome, row.pregnancy_ended_on),
        )
        for row in pregnancies.values()
    ]


def _ended(outcome: PregnancyOutcome, on: dt.date | None) -> str:
    if outcome is PregnancyOutcome.ONGOING:
        return ""
    when = f" {day_text(on)}" if on is not None else ""
    return f"Ended{when}: {outcome.label.lower()}"


def _covering_for(absent: str | None, end: dt.date | None, ended_on: dt.date | None) -> str:
    if absent is None or end is None:
        return ""
    return f"Covering for {absent} until {day_text(last_day_of_cover(end, ended_on))}"
