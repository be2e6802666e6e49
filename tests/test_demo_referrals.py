"""The demo's referrals follow the referral lifecycle (issue 5): every step legal and dated."""

from __future__ import annotations

import datetime as dt
import shutil
from collections import defaultdict
from itertools import pairwise
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from healthvisitor.demo import generate_demo
from healthvisitor.domain.enums import ReferralConsent, ReferralStatus
from healthvisitor.persistence.database import create_database_engine
from healthvisitor.persistence.models import Referral, ReferralEvent
from healthvisitor.services.referrals import NEXT_STEPS

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
