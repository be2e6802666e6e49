"""Signing in on the laptop's copy when the shared database cannot be reached (issue 12).

The copy keeps its own argon2id check of the owner's password, made on the laptop after
a right password online; offline, wrong passwords count and lock as online, every
attempt is audited in the copy and reaches the server's trail at the next push. Against
the real PostgreSQL server (the offline scene, tests/sync/conftest.py).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, update

from healthvisitor.persistence.models import AuditEvent, SyncState, User
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.services.accounts import SignInError, SignInProblem
from healthvisitor.services.audit_chain import verify_chain
from healthvisitor.sync import pull, push, sync_status
from healthvisitor.sync.desk import OfflineDesk, copy_path
from healthvisitor.sync.local import OFFLINE_SIGN_IN, open_local_copy
from healthvisitor.sync.offline_sign_in import (
    NO_VERIFIER,
    OfflineCopyTooOldError,
    OfflineSessionDesk,
    OfflineSignIn,
    VerifierKeepingSignInDesk,
)
from healthvisitor.sync.verifier import held_verifier
from tests.keyrings import MemoryKeyring
from tests.sync.conftest import TODAY, Scene, new_laptop
from tests.ui.signing_in import PASSWORD, WRONG_PASSWORD, cheap_hashing, give_password

pytestmark = pytest.mark.postgres

LIMIT = 7


@pytest.fixture
def anns_copy(scene: Scene, _encrypted_template: Path, memory_keyring: MemoryKeyring) -> Path:
    """Ann's laptop, prepared (pulled) while online; her real password on the server."""
    give_password(scene.server, scene.ann.username)
    path = copy_path(scene.ann.user_id)
    laptop = new_laptop(_encrypted_template, path, memory_keyring)
    pull(scene.server, laptop, scene.ann, today=TODAY)
    laptop.dispose()
    return path


def verifiers(path: Path) -> list[dict[str, object]]:
    engine = open_local_copy(path)
    try:
        with engine.connect() as connection:
            return [dict(row) for row in connection.execute(select(OFFLINE_SIGN_IN)).mappings()]
    finally:
        engine.dispose()


def copy_events(path: Path) -> list[tuple[str, dict[str, object]]]:
    engine = open_local_copy(path)
    try:
        with unit_of_work(engine) as session:
            return [
                (event.action, json.loads(event.details))
                for event in session.scalars(select(AuditEvent).order_by(AuditEvent.occurred_at))
            ]
    finally:
        engine.dispose()


def sign_in_offline(username: str, password: str, now: dt.datetime | None = None):
    session = OfflineSignIn(
        sync_required_after_days=LIMIT, now=lambda: now or dt.datetime.now(dt.UTC)
    ).sign_in(username, password)
    session.engine.dispose()
    return session


def test_the_verifier_is_kept_only_after_a_sign_in_online_and_is_a_laptop_made_argon2id_hash(
    scene: Scene, anns_copy: Path
) -> None:
    # Prepared, but not signed in online since: the copy cannot check her password.
    with pytest.raises(SignInError) as refused:
        sign_in_offline(scene.ann.username, PASSWORD)
    assert str(refused.value) == NO_VERIFIER
    assert verifiers(anns_copy) == []

    VerifierKeepingSignInDesk(scene.server).sign_in(scene.ann.username, PASSWORD)
    [kept] = verifiers(anns_copy)
    verifier = str(kept["verifier"])
    assert kept["user_id"] == scene.ann.user_id
    # argon2id with the accounts' parameters (t=3, 64 MiB, 4 lanes), made here: not the
    # server's hash (another salt), not the password.
    assert verifier.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    with unit_of_work(scene.server) as session:
        servers = session.scalar(select(User.password_hash).where(User.id == scene.ann.user_id))
    assert servers and verifier != servers
    assert PASSWORD not in verifier
    # Only her own: the copy holds nobody else's, and the pull keeps it.
    laptop = open_local_copy(anns_copy)
    pull(scene.server, laptop, scene.ann, today=TODAY)
    with laptop.connect() as connection:
        assert (
            connection.scalar(select(User.password_hash).where(User.id == scene.ann.user_id))
            is None
        )
    laptop.dispose()
    assert [row["verifier"] for row in verifiers(anns_copy)] == [verifier]

    signed_in = sign_in_offline(scene.ann.username, PASSWORD)
    assert signed_in.actor.user_id == scene.ann.user_id
    assert signed_in.actor.role is scene.ann.role
    assert signed_in.path == anns_copy
    assert ("sign_in", {"offline": True}) in copy_events(anns_copy)


def test_a_user_with_no_copy_here_is_told_so(scene: Scene, anns_copy: Path) -> None:
    give_password(scene.server, scene.bea.username)
    VerifierKeepingSignInDesk(scene.server).sign_in(scene.bea.username, PASSWORD)
    assert [row["user_id"] for row in verifiers(anns_copy)] == []  # never into Ann's copy
    with pytest.raises(SignInError) as refused:
        sign_in_offline(scene.bea.username, PASSWORD)
    assert f"There is no offline copy for '{scene.bea.username}' on this laptop" in str(
        refused.value
    )


def test_wrong_passwords_offline_count_lock_and_are_audited_in_the_copy_then_sent(
    scene: Scene, anns_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cheap_hashing(monkeypatch)
    give_password(scene.server, scene.ann.username)
    VerifierKeepingSignInDesk(scene.server).sign_in(scene.ann.username, PASSWORD)
    now = dt.datetime.now(dt.UTC)
    messages = []
    for _ in range(5):
        with pytest.raises(SignInError) as wrong:
            sign_in_offline(scene.ann.username, WRONG_PASSWORD, now)
        messages.append((wrong.value.problem, str(wrong.value)))
    assert messages[0] == (
        SignInProblem.WRONG,
        "The user name or password is not right. Check them and try again.",
    )
    assert messages[3][1].endswith("1 more wrong password will lock the account for a while.")
    assert messages[4][0] is SignInProblem.LOCKED
    assert "fifth wrong password in a row" in messages[4][1]
    # Locked: even the right password waits.
    with pytest.raises(SignInError) as locked:
        sign_in_offline(scene.ann.username, PASSWORD, now + dt.timedelta(seconds=30))
    assert locked.value.problem is SignInProblem.LOCKED
    [kept] = verifiers(anns_copy)
    assert kept["lockouts"] == 1 and kept["locked_until"] is not None
    # After the delay the right password opens it.
    later = now + dt.timedelta(hours=1)
    assert sign_in_offline(scene.ann.username, PASSWORD, later).actor.user_id == scene.ann.user_id
    assert verifiers(anns_copy)[0]["failed_sign_ins"] == 0

    events = copy_events(anns_copy)
    failed = [details for action, details in events if action == "sign_in_failed"]
    assert len(failed) == 6 and all(details["offline"] is True for details in failed)
    assert [details["reason"] for details in failed][-2:] == ["wrong password", "account locked"]

    # They wait as changes to send, and join the server's audit trail, chain intact.
    laptop = open_local_copy(anns_copy)
    assert sync_status(laptop).waiting >= 7
    push(laptop, scene.server)
    assert sync_status(laptop).waiting == 0
    laptop.dispose()
    with unit_of_work(scene.server) as session:
        sent = [
            json.loads(details)
            for details in session.scalars(
                select(AuditEvent.details).where(
                    AuditEvent.user_id == scene.ann.user_id,
                    AuditEvent.action.in_(("sign_in", "sign_in_failed")),
                )
            )
        ]
        assert sum(1 for details in sent if details.get("offline")) == 7
        assert verify_chain(session).intact


def test_the_idle_lock_offline_checks_the_verifier_and_counts_wrong_passwords(
    scene: Scene, anns_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cheap_hashing(monkeypatch)
    VerifierKeepingSignInDesk(scene.server).sign_in(scene.ann.username, PASSWORD)
    signed_in = OfflineSignIn(sync_required_after_days=LIMIT).sign_in(scene.ann.username, PASSWORD)
    desk = OfflineSessionDesk(signed_in)
    try:
        desk.record_lock(signed_in.actor, idle_minutes=10)
        with pytest.raises(SignInError) as wrong:
            desk.unlock(signed_in.actor, WRONG_PASSWORD)
        assert str(wrong.value) == "That password is not right. Type it again."
        desk.unlock(signed_in.actor, PASSWORD)
        desk.sign_out(signed_in.actor, reason="signed out")
    finally:
        signed_in.engine.dispose()
    actions = [action for action, _ in copy_events(anns_copy)]
    assert actions[-4:] == ["lock", "unlock_failed", "unlock", "sign_out"]


def test_a_copy_too_old_is_refused_even_with_the_right_password(
    scene: Scene, anns_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cheap_hashing(monkeypatch)
    VerifierKeepingSignInDesk(scene.server).sign_in(scene.ann.username, PASSWORD)
    laptop = open_local_copy(anns_copy)
    with laptop.begin() as connection:
        connection.execute(
            update(SyncState).values(
                last_pulled_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=LIMIT, hours=1)
            )
        )
    laptop.dispose()
    with pytest.raises(OfflineCopyTooOldError) as refused:
        sign_in_offline(scene.ann.username, PASSWORD)
    assert "more than 7 days old" in str(refused.value)
    assert "not shown until it has synchronised" in str(refused.value)
    assert copy_events(anns_copy)[-1] == (
        "sign_in_failed",
        {"offline": True, "reason": "offline copy too old"},
    )


def test_a_copy_whose_owner_is_disabled_in_it_is_refused(
    scene: Scene, anns_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cheap_hashing(monkeypatch)
    VerifierKeepingSignInDesk(scene.server).sign_in(scene.ann.username, PASSWORD)
    laptop: Engine = open_local_copy(anns_copy)
    with laptop.begin() as connection:  # as a pull after the administrator disabled her
        connection.execute(update(User).where(User.id == scene.ann.user_id).values(active=False))
    laptop.dispose()
    with pytest.raises(SignInError) as refused:
        sign_in_offline(scene.ann.username, PASSWORD)
    assert refused.value.problem is SignInProblem.DISABLED


def test_a_sign_in_online_before_the_copy_is_made_is_kept_by_the_synchronisation_making_it(
    scene: Scene, memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    cheap_hashing(monkeypatch)
    give_password(scene.server, scene.ann.username)
    path = copy_path(scene.ann.user_id)
    actor = VerifierKeepingSignInDesk(scene.server).sign_in(scene.ann.username, PASSWORD)
    assert not path.exists()
    # Offline > Prepare this laptop, in the same session: the copy is made, with her check.
    desk = OfflineDesk(
        scene.server, actor, path, sync_required_after_days=LIMIT, today=lambda: TODAY
    )
    desk.synchronise()
    desk.close()
    [kept] = verifiers(path)
    assert kept["user_id"] == scene.ann.user_id
    assert held_verifier(scene.ann.user_id) is None  # written once, not held any more
    assert sign_in_offline(scene.ann.username, PASSWORD).actor.user_id == scene.ann.user_id
