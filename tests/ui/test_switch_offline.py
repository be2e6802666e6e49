"""Carrying on offline when the line drops under a window signed in online (issue 12).

Signed in online on the shared database with an offline copy on this laptop, the line
drops: the window offers, in its banner (nothing pops up), to carry on on the copy.
Pressing it keeps the open forms as drafts, asks the password again for the copy, and
opens the offline window, which offers the drafts. The offer goes if the line comes back.

Against the real PostgreSQL server (the offline scene of tests/sync/conftest.py; with
CI=true these must run), reached through the test's own line (``SwitchableLine``,
tests/ui/offline_scene.py), cut and restored.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from healthvisitor.drafts import CONTACT_FORM, Draft
from healthvisitor.errors import DatabaseUnavailableError
from healthvisitor.persistence.models import AuditEvent
from healthvisitor.persistence.types import utc_now
from healthvisitor.persistence.unit_of_work import unit_of_work
from healthvisitor.sync import pull
from healthvisitor.sync.desk import copy_path
from healthvisitor.sync.local import open_local_copy
from healthvisitor.sync.offline_sign_in import (
    NO_VERIFIER,
    OfflineSignIn,
    OfflineWorkspace,
    VerifierKeepingSignInDesk,
)
from healthvisitor.ui import drafts_at_start
from healthvisitor.ui.app import SWITCHED_OFFLINE, Sessions
from healthvisitor.ui.main_window import MainWindow
from healthvisitor.ui.offline_window import CARRY_ON_OFFLINE_TEXT, OFFER_OFFLINE, CarryOnOffline
from healthvisitor.ui.sign_in import SignInDialog
from tests.keyrings import MemoryKeyring
from tests.sync.conftest import TODAY, Scene, new_laptop
from tests.ui import offline_scene
from tests.ui.conftest import LOAD_WAIT_MS, wait_loaded
from tests.ui.offline_scene import SwitchableLine, prepare_copy, shoot
from tests.ui.signing_in import PASSWORD, cheap_hashing, give_password, sign_in

pytestmark = [pytest.mark.gui, pytest.mark.postgres]

scene = offline_scene.scene
_encrypted_template = offline_scene._encrypted_template
line = offline_scene.line
through_line = offline_scene.through_line
sessions = offline_scene.sessions
sessions_offering_drafts = offline_scene.sessions_offering_drafts

NOTES = "Mother tired, baby feeding well; typed before the line dropped"


def signed_in_online(qtbot: QtBot, sessions: Sessions, scene: Scene) -> MainWindow:
    dialog = sessions.ask_to_sign_in()
    with qtbot.waitSignal(sessions.window_opened, timeout=LOAD_WAIT_MS):
        sign_in(qtbot, dialog, scene.ann.username, PASSWORD)
    window = sessions.window
    assert isinstance(window, MainWindow)
    assert not isinstance(window.workspace, OfflineWorkspace)
    wait_loaded(qtbot, window)
    qtbot.waitUntil(lambda: not window.offline_status.busy(), timeout=LOAD_WAIT_MS)
    return window


def the_offer(window: MainWindow) -> CarryOnOffline:
    offer = window.offline_menu.carry_on_offline
    assert offer is not None
    return offer


def drop_the_line(qtbot: QtBot, line: SwitchableLine, window: MainWindow) -> CarryOnOffline:
    """The line goes; the next read fails and the status bar says offline."""
    offer = the_offer(window)
    assert not offer.offered()
    line.cut()
    with pytest.raises(DatabaseUnavailableError):  # any read: it fails, the window hears of it
        window.workspace.check_connection()
    qtbot.waitUntil(lambda: window.connection_status.offline, timeout=LOAD_WAIT_MS)
    qtbot.waitUntil(lambda: offer.why_not is not None and not offer.busy(), timeout=LOAD_WAIT_MS)
    return offer


def test_the_line_dropping_offers_the_copy_and_pressing_it_carries_on_offline_with_the_draft(
    qtbot: QtBot,
    scene: Scene,
    line: SwitchableLine,
    sessions_offering_drafts: Sessions,
    memory_keyring: MemoryKeyring,
    _encrypted_template: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    sessions = sessions_offering_drafts
    offered: list[list[Draft]] = []

    def later(_parent: QWidget, drafts: list[Draft]) -> bool:
        offered.append(drafts)
        return False  # "Later": the drafts stay

    monkeypatch.setattr(drafts_at_start, "ask_to_open", later)
    prepare_copy(scene, scene.ann, memory_keyring, _encrypted_template, monkeypatch)
    window = signed_in_online(qtbot, sessions, scene)
    assert offered == []  # nothing left over at the start
    record = window.open_record(scene.sam_id)
    assert record is not None
    form = record.record_contact()
    assert form is not None
    qtbot.keyClicks(form.follow_up.notes, NOTES)

    offer = drop_the_line(qtbot, line, window)
    # Offered in the banner, with a button; no box of its own.
    assert offer.why_not == ""
    assert offer.offered() and offer.banner.isVisibleTo(window)
    assert offer.banner.text.text() == OFFER_OFFLINE
    assert offer.banner.button.text() == CARRY_ON_OFFLINE_TEXT
    assert offer.banner.button.isVisibleTo(window)
    assert form.isVisible()  # nothing closed by itself
    shoot(window, "1_offer_online_window.png", tmp_path)

    offer.banner.button.click()
    qtbot.waitUntil(
        lambda: sessions.window is None and isinstance(sessions.dialog, SignInDialog),
        timeout=LOAD_WAIT_MS,
    )
    # The typing kept as a draft, for her only.
    kept = window.workspace.draft_store().drafts_of(scene.ann.username)
    assert [(d.key.form, d.key.subject_id) for d in kept] == [(CONTACT_FORM, scene.sam_id)]
    assert NOTES in json.dumps(kept[0].fields)
    # The offline sign-in, for her name, asking her password again.
    dialog = sessions.dialog
    assert isinstance(dialog, SignInDialog)
    assert dialog.username.text() == scene.ann.username
    assert dialog.password.text() == ""
    assert dialog.offline_button.isVisibleTo(dialog)
    assert dialog.offline_button.isDefault() and not dialog.sign_in_button.isDefault()
    assert dialog.message.message().startswith(SWITCHED_OFFLINE)
    qtbot.keyClicks(dialog.password, PASSWORD)
    shoot(dialog, "2_offline_sign_in.png", tmp_path)
    with qtbot.waitSignal(sessions.window_opened, timeout=LOAD_WAIT_MS):
        dialog.offline_button.click()
    offline = sessions.window
    assert isinstance(offline, MainWindow)
    assert isinstance(offline.workspace, OfflineWorkspace)
    wait_loaded(qtbot, offline)
    assert offline.caseload.model.rowCount() == 1  # Sam, from the copy
    assert offline.offline_menu.carry_on_offline is None  # already offline
    # The draft is offered, as at a start.
    qtbot.waitUntil(lambda: bool(offered), timeout=LOAD_WAIT_MS)
    assert [(d.key.form, d.key.subject_id) for d in offered[0]] == [(CONTACT_FORM, scene.sam_id)]
    shoot(offline, "3_offline_window.png", tmp_path)
    # The online session's end is audited in the copy (the server did not answer), to be
    # sent with the next synchronisation.
    copy = open_local_copy(copy_path(scene.ann.user_id))
    try:
        with unit_of_work(copy) as session:
            reasons = [
                json.loads(details).get("reason", "")
                for details in session.scalars(
                    select(AuditEvent.details).where(AuditEvent.action == "sign_out")
                )
            ]
    finally:
        copy.dispose()
    assert any(reason.startswith("carried on offline") for reason in reasons)


def test_the_offer_goes_when_the_line_comes_back_before_it_is_pressed(
    qtbot: QtBot,
    scene: Scene,
    line: SwitchableLine,
    sessions: Sessions,
    memory_keyring: MemoryKeyring,
    _encrypted_template: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    prepare_copy(scene, scene.ann, memory_keyring, _encrypted_template, monkeypatch)
    window = signed_in_online(qtbot, sessions, scene)
    offer = drop_the_line(qtbot, line, window)
    assert offer.offered()
    line.restore()
    window.connection_status.try_now()
    qtbot.waitUntil(lambda: not window.connection_status.offline, timeout=LOAD_WAIT_MS)
    assert not offer.offered()
    assert sessions.window is window  # still signed in online
    shoot(window, "4_line_back.png", tmp_path)
    # A second drop offers it again.
    offer = drop_the_line(qtbot, line, window)
    assert offer.offered()


def test_no_offer_without_a_copy_on_this_laptop(
    qtbot: QtBot,
    scene: Scene,
    line: SwitchableLine,
    sessions: Sessions,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cheap_hashing(monkeypatch)
    give_password(scene.server, scene.ann.username)
    window = signed_in_online(qtbot, sessions, scene)
    offer = drop_the_line(qtbot, line, window)
    assert offer.why_not == "There is no offline copy of your caseload on this laptop."
    assert not offer.offered()
    offer.choose()  # even asked directly, nothing happens
    assert sessions.window is window


def test_the_copy_is_offered_only_if_it_could_be_signed_in_on(
    scene: Scene,
    memory_keyring: MemoryKeyring,
    _encrypted_template: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cheap_hashing(monkeypatch)
    give_password(scene.server, scene.ann.username)
    laptop = new_laptop(_encrypted_template, copy_path(scene.ann.user_id), memory_keyring)
    pull(scene.server, laptop, scene.ann, today=TODAY)
    laptop.dispose()
    days = 7
    offline = OfflineSignIn(sync_required_after_days=days)
    # Pulled, but no sign-in online since: the copy cannot check her password.
    assert offline.why_not_for(scene.ann.user_id) == NO_VERIFIER
    VerifierKeepingSignInDesk(scene.server).sign_in(scene.ann.username, PASSWORD)
    assert offline.why_not_for(scene.ann.user_id) == ""
    # Another user's name finds nothing of theirs here.
    assert offline.why_not_for(scene.bea.user_id).startswith("There is no offline copy")
    # Too old: the words the sign-in would refuse with.
    later = utc_now() + dt.timedelta(days=days + 1)
    too_old = OfflineSignIn(sync_required_after_days=days, now=lambda: later)
    assert too_old.why_not_for(scene.ann.user_id).startswith(
        "This computer last synchronised its offline copy on "
    )
