"""The demo's referrals follow the referral lifecycle (issue 5): every step legal and dated;
and it leaves a few referral prompts to decide, each raised by a finding it holds."""

from __future__ import annotations

import datetime as dt
import shutil
from collections import defaultdict
from itertools import pairwise
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from healthvisitor.demo import (
    DEMO_PROMPTS_ON_CHILDREN,
    DEMO_PROMPTS_ON_PREGNANCIES,
    generate_demo,
)
from healthvisitor.domain.enums import (
    CarerRelationship,
    ContactOutcome,
    PregnancyOutcome,
    PromptDecision,
    ReferralConsent,
    ReferralStatus,
)
from healthvisitor.domain.referral_rules import RULES_BY_ID, PromptSubject, fired_rules
from healthvisitor.persistence.database import create_database_engine
from healthvisitor.persistence.models import (
    Carer,
    Child,
    Contact,
    DevelopmentScore,
    Pregnancy,
    Referral,
    ReferralEvent,
    ReferralPrompt,
    ReferralType,
    User,
)
from healthvisitor.services.accounts import demo_accounts
from healthvisitor.services.caseload import caseload
from healthvisitor.services.pregnancies import pregnancy_caseload
from healthvisitor.services.referrals import NEXT_STEPS, contact_findings, pregnancy_prompts
from tests import factories

TODAY = dt.date(2026, 11, 24)


def test_demo_referrals_have_a_legal_dated_history(_sqlite_template: Path, tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    shutil.copy(_sqlite_template, path)
    engine = create_database_engine(f"sqlite:///{path}")
    generate_demo(engine, children=120, seed=3, today=TODAY)
    with Session(engine) as session:
        referrals = session.scalars(select(Referral)).all()
        steps: dict[object, list[ReferralEvent]] = defaultdict(list)
        for event in session.scalars(
            select(ReferralEvent).order_by(ReferralEvent.event_date, ReferralEvent.recorded_at)
        ):
            steps[event.referral_id].append(event)
    engine.dispose()
    assert {r.status for r in referrals} == set(ReferralStatus)
    for referral in referrals:
        history = steps[referral.id]
        assert history[0].status is ReferralStatus.DRAFT
        assert history[0].event_date == referral.made_on
        assert history[-1].status is referral.status
        for before, after in pairwise(history):
            assert after.status in NEXT_STEPS[before.status]
            assert before.event_date <= after.event_date <= TODAY
        if referral.status is not ReferralStatus.DRAFT:
            assert referral.consent.allows_sending
        if referral.consent is ReferralConsent.NOT_REQUIRED_SAFEGUARDING:
            assert referral.consent_note
        if not referral.status.is_open:
            assert history[-1].event_date == referral.closed_on


def test_the_demo_leaves_a_few_prompts_to_decide_where_the_demo_account_sees_them(
    _sqlite_template: Path, tmp_path: Path
) -> None:
    """Issue 5: on children's records and on a pregnancy, each raised by a real finding."""
    path = tmp_path / "demo.db"
    shutil.copy(_sqlite_template, path)
    engine = create_database_engine(f"sqlite:///{path}")
    generate_demo(engine, children=120, seed=3, today=TODAY)
    with Session(engine) as session:
        prompts = session.scalars(select(ReferralPrompt).order_by(ReferralPrompt.raised_on)).all()
        assert prompts, "the demo shows prompts to decide"
        assert {p.decision for p in prompts} == {PromptDecision.PENDING}
        on_pregnancy, on_children, about_a_child = 0, 0, 0
        open_statuses = [s for s in ReferralStatus if s.is_open]
        for prompt in prompts:
            contact = session.get_one(Contact, prompt.contact_id)
            assert contact.outcome is ContactOutcome.COMPLETED
            assert (prompt.raised_on, prompt.raised_by_id) == (
                contact.contact_date,
                contact.delivered_by_id,
            )
            scores = session.scalars(
                select(DevelopmentScore).where(DevelopmentScore.contact_id == contact.id)
            )
            findings = contact_findings(contact, tuple((s.domain, s.zone) for s in scores))
            # The contact's own findings fire the rule, in the words the prompt keeps.
            fired = {f.rule.id: f.finding for f in fired_rules(findings)}
            assert fired.get(prompt.rule_id) == prompt.finding
            rule = RULES_BY_ID[prompt.rule_id]
            if contact.pregnancy_id is not None and contact.child_id is None:
                pregnancy = session.get_one(Pregnancy, contact.pregnancy_id)
                assert pregnancy.outcome is PregnancyOutcome.ONGOING
                assert prompt.carer_id == pregnancy.mother_id
                on_pregnancy += 1
            else:
                assert contact.child_id is not None
                child = session.get_one(Child, contact.child_id)
                if rule.subject is PromptSubject.CHILD:
                    assert (prompt.child_id, prompt.carer_id) == (child.id, None)
                    about_a_child += 1
                else:
                    mother = session.get_one(Carer, prompt.carer_id)
                    assert mother.family_id == child.family_id
                    assert mother.relationship_to_child is CarerRelationship.MOTHER
                on_children += 1
            # An open referral of the suggested type would have stopped the prompt.
            covered = session.scalars(
                select(Referral.id)
                .join(ReferralType, ReferralType.id == Referral.referral_type_id)
                .where(
                    ReferralType.code.in_(rule.referral_types),
                    Referral.status.in_(open_statuses),
                    Referral.child_id == prompt.child_id
                    if prompt.child_id
                    else Referral.carer_id == prompt.carer_id,
                )
            ).first()
            assert covered is None
        assert on_pregnancy == DEMO_PROMPTS_ON_PREGNANCIES
        assert on_children == DEMO_PROMPTS_ON_CHILDREN
        assert about_a_child >= 1

        # The demo signs in as the first demo account: its screens show them.
        demo_user = session.scalars(
            select(User).where(User.username == demo_accounts(session)[0].username)
        ).one()
        actor = factories.actor(demo_user)
        expecting = pregnancy_caseload(session, actor, today=TODAY)
        assert sum(row.prompts_to_decide for row in expecting) == DEMO_PROMPTS_ON_PREGNANCIES
        [row] = [row for row in expecting if row.prompts_to_decide]
        [shown] = pregnancy_prompts(session, actor, row.pregnancy_id, today=TODAY)
        assert shown.pregnancy_id == row.pregnancy_id
        flagged = [row for row in caseload(session, actor, today=TODAY) if row.prompts_to_decide]
        assert flagged
    engine.dispose()
