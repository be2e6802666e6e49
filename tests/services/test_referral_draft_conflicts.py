"""Two people editing one referral draft (issue 9): no lost update.

On the real PostgreSQL, each person with their own engine and Workspace (as
two computers are): the health visitor whose caseload the child is on and her
team lead. Each opens the draft, the other saves, then the first saves what
they typed over what they first saw.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, select

from healthvisitor.config import DatabaseChoice, parse_url
from healthvisitor.domain.enums import ReferralConsent, ReferralOutcome, ReferralStatus, Role
from healthvisitor.errors import EditConflictError, ValidationError
from healthvisitor.persistence.database import create_database_engine
from healthvisitor.persistence.models import AuditEvent, Referral, ReferralType
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services import referrals
from healthvisitor.services.record_edits import Choice, EditSaved
from healthvisitor.services.referrals import NewReferral, ReferralLine
from healthvisitor.services.workspace import Workspace
from tests import factories

pytestmark = pytest.mark.postgres

TODAY = dt.date(2026, 11, 24)
REASON = "Housing worries."


@dataclasses.dataclass(frozen=True)
class Two:
    hv: Workspace  # the child is on her caseload
    lead: Workspace  # her team lead, on another computer (another engine)
    lead_name: str
    referral_id: uuid.UUID


def _line(workspace: Workspace, referral_id: uuid.UUID) -> ReferralLine:
    with unit_of_work(workspace.engine) as session:
        return referrals.referral(session, workspace.actor, referral_id, today=TODAY)


@pytest.fixture
def two(postgres_engine: Engine) -> Iterator[Two]:
    with unit_of_work(postgres_engine) as session:
        team = factories.team(session, "North")
        hv_user = factories.user(session, team)
        lead_user = factories.user(session, team, Role.TEAM_LEAD)
        family = factories.family(session, team, "Khan")
        child = factories.child(session, family, hv_user, date_of_birth=dt.date(2026, 9, 1))
        hv, lead = factories.actor(hv_user), factories.actor(lead_user)
        type_id = session.scalars(
            select(ReferralType.id).where(ReferralType.code == "early_help")
        ).one()
        referral_id = referrals.make_referral(
            session,
            hv,
            NewReferral(
                referral_type_id=type_id,
                child_id=child.id,
                carer_id=None,
                reason=REASON,
                made_on=dt.date(2026, 11, 1),
                consent=ReferralConsent.GIVEN,
            ),
            today=TODAY,
        )
    url = postgres_engine.url.render_as_string(hide_password=False)
    other_engine = create_database_engine(url)
    choice = DatabaseChoice(parse_url(url, "test"), "the test database")
    try:
        yield Two(
            hv=Workspace(postgres_engine, hv, choice, today=lambda: TODAY),
            lead=Workspace(other_engine, lead, choice, today=lambda: TODAY),
            lead_name=lead_user.full_name,
            referral_id=referral_id,
        )
    finally:
        other_engine.dispose()


def save(workspace: Workspace, seen: ReferralLine, **typed: str) -> EditSaved:
    words = {"reason": seen.reason, "sent_to": seen.sent_to, "tried_so_far": seen.tried_so_far}
    words.update(typed)
    return workspace.update_referral_draft(seen.id, base=seen.draft_base, **words)


def updates(two: Two) -> list[dict[str, Any]]:
    with unit_of_work(two.hv.engine) as session:
        return [
            json.loads(details)
            for details in session.scalars(
                select(AuditEvent.details)
                .where(AuditEvent.action == "update", AuditEvent.entity_id == two.referral_id)
                .order_by(AuditEvent.sequence)
            )
        ]


def test_edits_of_different_words_are_merged_each_kept(two: Two) -> None:
    hv_saw = _line(two.hv, two.referral_id)
    lead_saw = _line(two.lead, two.referral_id)
    save(two.lead, lead_saw, tried_so_far="Signposted to Citizens Advice.")
    result = save(two.hv, hv_saw, reason="Rent arrears; eviction notice served.")
    assert result.saved == ("Why (what you found)",)
    assert result.kept_theirs == ("What has been tried",)
    assert "A colleague's change since you opened the form was kept" in result.summary
    now = _line(two.hv, two.referral_id)
    assert (now.reason, now.tried_so_far) == (
        "Rent arrears; eviction notice served.",
        "Signposted to Citizens Advice.",
    )
    assert now.version == hv_saw.version + 2
    lead_update, hv_update = updates(two)
    assert lead_update["changes"] == {
        "tried_so_far": {"old": hv_saw.tried_so_far, "new": "Signposted to Citizens Advice."}
    }
    assert hv_update == {
        "changes": {
            "reason": {"old": hv_saw.reason, "new": "Rent arrears; eviction notice served."}
        },
        "version": now.version,
        "based_on_version": hv_saw.version,
        "kept_colleagues": ["tried_so_far"],
    }


def test_the_same_words_changed_by_both_is_a_conflict_and_nothing_is_saved(two: Two) -> None:
    hv_saw = _line(two.hv, two.referral_id)
    lead_saw = _line(two.lead, two.referral_id)
    save(two.lead, lead_saw, reason="Housing: damp flat, baby's chest infections.")
    with pytest.raises(EditConflictError) as caught:
        save(two.hv, hv_saw, reason="Rent arrears.", sent_to="Family hub, Chapeltown")
    conflict = caught.value
    assert (conflict.kind, conflict.record_id) == ("referral", two.referral_id)
    [field] = conflict.fields
    assert (field.field, field.label) == ("reason", "Why (what you found)")
    assert (field.first_saw, field.theirs, field.mine) == (
        REASON,
        "Housing: damp flat, baby's chest infections.",
        "Rent arrears.",
    )
    assert field.saved_by == two.lead_name
    assert isinstance(field.saved_at, dt.datetime)
    # Nothing of the second save was written, not even the field only she changed.
    now = _line(two.hv, two.referral_id)
    assert (now.reason, now.sent_to) == ("Housing: damp flat, baby's chest infections.", "")
    assert now.version == lead_saw.version + 1
    assert len(updates(two)) == 1


@pytest.mark.parametrize(
    ("choice", "kept"),
    [(Choice.MINE, "Rent arrears."), (Choice.THEIRS, "Housing: damp flat.")],
)
def test_a_resolution_saves_the_chosen_value_and_the_rest_typed(
    two: Two, choice: Choice, kept: str
) -> None:
    hv_saw = _line(two.hv, two.referral_id)
    save(two.lead, _line(two.lead, two.referral_id), reason="Housing: damp flat.")
    with pytest.raises(EditConflictError) as caught:
        save(two.hv, hv_saw, reason="Rent arrears.", sent_to="Family hub, Chapeltown")
    with pytest.raises(ValidationError):  # every disputed field needs a choice
        two.hv.resolve_referral_draft_conflict(caught.value, {})
    result = two.hv.resolve_referral_draft_conflict(caught.value, {"reason": choice})
    now = _line(two.hv, two.referral_id)
    assert (now.reason, now.sent_to) == (kept, "Family hub, Chapeltown")
    assert "Service address" in result.saved
    assert updates(two)[-1]["based_on_version"] == caught.value.saved_version


def test_a_resolution_merges_again_when_someone_saved_while_choosing(two: Two) -> None:
    hv_saw = _line(two.hv, two.referral_id)
    save(two.lead, _line(two.lead, two.referral_id), reason="Housing: damp flat.")
    with pytest.raises(EditConflictError) as caught:
        save(two.hv, hv_saw, reason="Rent arrears.")
    save(two.lead, _line(two.lead, two.referral_id), reason="Housing: damp flat, mould.")
    with pytest.raises(EditConflictError) as again:
        two.hv.resolve_referral_draft_conflict(caught.value, {"reason": Choice.MINE})
    [field] = again.value.fields
    assert (field.first_saw, field.theirs) == ("Housing: damp flat.", "Housing: damp flat, mould.")
    assert _line(two.hv, two.referral_id).reason == "Housing: damp flat, mould."
    two.hv.resolve_referral_draft_conflict(again.value, {"reason": Choice.MINE})
    assert _line(two.hv, two.referral_id).reason == "Rent arrears."


def test_a_draft_sent_meanwhile_refuses_the_edit_and_saves_nothing(two: Two) -> None:
    hv_saw = _line(two.hv, two.referral_id)
    two.lead.record_referral_step(two.referral_id, ReferralStatus.SENT, on=TODAY)
    with pytest.raises(ValidationError) as refused:
        save(two.hv, hv_saw, reason="Rent arrears.", tried_so_far="Food bank voucher.")
    [message] = refused.value.for_field("status")
    assert f"marked as sent by {two.lead_name} on 24 Nov 2026" in message
    assert "Nothing you typed here was saved" in message
    now = _line(two.hv, two.referral_id)
    assert (now.status, now.reason, now.tried_so_far) == (ReferralStatus.SENT, REASON, "")
    assert updates(two) == []


def test_a_draft_sent_while_choosing_refuses_the_resolution(two: Two) -> None:
    hv_saw = _line(two.hv, two.referral_id)
    save(two.lead, _line(two.lead, two.referral_id), reason="Housing: damp flat.")
    with pytest.raises(EditConflictError) as caught:
        save(two.hv, hv_saw, reason="Rent arrears.")
    two.lead.record_referral_step(two.referral_id, ReferralStatus.SENT, on=TODAY)
    with pytest.raises(ValidationError) as refused:
        two.hv.resolve_referral_draft_conflict(caught.value, {"reason": Choice.MINE})
    assert refused.value.for_field("status")
    assert _line(two.hv, two.referral_id).reason == "Housing: damp flat."


def test_two_saves_at_the_same_moment_wait_on_the_lock_then_merge(two: Two) -> None:
    """The lead's save holds the row ``FOR UPDATE``: the health visitor's waits, then merges."""
    hv_saw = _line(two.hv, two.referral_id)
    lead_saw = _line(two.lead, two.referral_id)
    outcome: list[object] = []
    lead_locked = threading.Event()

    def hv_saves() -> None:
        lead_locked.wait(10)
        try:
            outcome.append(save(two.hv, hv_saw, sent_to="Family hub, Chapeltown"))
        except Exception as error:  # reported by the assertion below
            outcome.append(error)

    hv = threading.Thread(target=hv_saves)
    hv.start()
    with unit_of_work(two.lead.engine) as session:
        referrals.update_draft(
            session,
            two.lead.actor,
            two.referral_id,
            base=lead_saw.draft_base,
            reason="Housing: damp flat.",
            sent_to="",
            tried_so_far="",
        )
        lead_locked.set()
        hv.join(0.5)
        assert hv.is_alive(), "the second save waits for the first to commit"
    hv.join(10)
    [result] = outcome
    assert isinstance(result, EditSaved), result
    assert result.kept_theirs == ("Why (what you found)",)
    with unit_of_work(two.hv.engine) as session:
        row = session.get_one(Referral, two.referral_id)
        assert (row.reason, row.sent_to, row.version) == (
            "Housing: damp flat.",
            "Family hub, Chapeltown",
            hv_saw.version + 2,
        )


def test_a_draft_closed_meanwhile_refuses_the_edit_too(two: Two) -> None:
    hv_saw = _line(two.hv, two.referral_id)
    two.lead.record_referral_step(
        two.referral_id, ReferralStatus.CLOSED, on=TODAY, outcome=ReferralOutcome.NO_LONGER_NEEDED
    )
    with pytest.raises(ValidationError) as refused:
        save(two.hv, hv_saw, reason="Rent arrears.")
    [message] = refused.value.for_field("status")
    assert message.startswith(f"This referral has been closed by {two.lead_name} on 24 Nov 2026")
    assert "into a new referral" in message
    assert _line(two.hv, two.referral_id).reason == REASON
    assert updates(two) == []
