"""The window on the laptop's offline copy, for the UI tests of working offline (issue 12).

Against the real PostgreSQL server (the offline scene of tests/sync/conftest.py; with
CI=true these must run), reached through a line of the test's own that can be cut and
restored (``SwitchableLine``): the shared server stays up for everyone else.

A test module takes the fixtures by name (``line = offline_scene.line``: pytest finds a
fixture in the module that uses it) and ``sign_in_offline`` opens the window on a
person's copy as they would: prepared at the office, signed in online once since, then
the shared database gone and "Work offline on this laptop's copy".
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from healthvisitor.clock import local_today
from healthvisitor.config import DatabaseChoice, parse_url
from healthvisitor.domain.enums import ContactKind, ContactLocation, ContactOutcome, MeasurementKind
from healthvisitor.persistence.database import create_database_engine
from healthvisitor.services import contacts
from healthvisitor.services.actor import Actor
from healthvisitor.sync import pull
from healthvisitor.sync.desk import copy_path
from healthvisitor.sync.offline_sign_in import OfflineWorkspace, VerifierKeepingSignInDesk
from healthvisitor.ui.app import Sessions
from healthvisitor.ui.main_window import MainWindow
from tests.keyrings import MemoryKeyring
from tests.sync import conftest as offline_scene
from tests.sync.conftest import TODAY, Scene, new_laptop
from tests.ui.conftest import LOAD_WAIT_MS, wait_loaded
from tests.ui.signing_in import PASSWORD, cheap_hashing, dispose, give_password

scene = offline_scene.scene
_encrypted_template = offline_scene._encrypted_template

#: Set to keep the screens somewhere a person can look at them (else the test's folder).
SHOTS_ENV = "HV_OFFLINE_SHOTS"


class SwitchableLine:
    """A TCP proxy to the PostgreSQL server that can be cut (nothing answers) and restored."""

    def __init__(self, upstream_port: int) -> None:
        self._upstream = upstream_port
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._cut = threading.Event()
        self._open: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def cut(self) -> None:
        self._cut.set()
        for end in list(self._open):
            self._close(end)
        self._open.clear()

    def restore(self) -> None:
        self._cut.clear()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self._cut.is_set():
                self._close(client)  # as a server that is not there
                continue
            server = socket.create_connection(("127.0.0.1", self._upstream))
            self._open += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, source: socket.socket, target: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while chunk := source.recv(65536):
                target.sendall(chunk)
        self._close(source)
        self._close(target)

    @staticmethod
    def _close(end: socket.socket) -> None:
        with contextlib.suppress(OSError):
            end.shutdown(socket.SHUT_RDWR)
        end.close()

    def close(self) -> None:
        self._listener.close()
        self.cut()


@pytest.fixture
def line(scene: Scene) -> Iterator[SwitchableLine]:
    proxy = SwitchableLine(scene.server.url.port or 5432)
    yield proxy
    proxy.close()


@pytest.fixture
def through_line(scene: Scene, line: SwitchableLine) -> Iterator[Engine]:
    engine = create_database_engine(scene.server.url.set(port=line.port))
    yield engine
    engine.dispose()


def _sessions(through_line: Engine, *, offer_drafts: bool) -> Iterator[Sessions]:
    url = through_line.url.render_as_string(hide_password=False)
    choice = DatabaseChoice(parse_url(url, "test"), "the test database")
    started = Sessions(
        through_line, choice, demo=False, idle_lock_minutes=10, offer_drafts=offer_drafts
    )
    windows: list[QWidget] = []
    started.window_opened.connect(windows.append)
    yield started
    started.end()
    dispose([*windows, *([started.dialog] if started.dialog else [])])


@pytest.fixture
def sessions(through_line: Engine, memory_keyring: MemoryKeyring) -> Iterator[Sessions]:
    # The keyring outlives the sessions: signing out at the end is audited in the copy.
    yield from _sessions(through_line, offer_drafts=False)


@pytest.fixture
def sessions_offering_drafts(
    through_line: Engine, memory_keyring: MemoryKeyring
) -> Iterator[Sessions]:
    """As ``sessions``, each new window offering the drafts left on this laptop (issue 9)."""
    yield from _sessions(through_line, offer_drafts=True)


def shoot(widget: QWidget, name: str, folder: Path) -> Path:
    folder = Path(os.environ.get(SHOTS_ENV, folder))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    assert widget.grab().save(str(path))
    return path


def a_visit(child_id: object, actor_id: object) -> contacts.ContactEntry:
    return contacts.ContactEntry(
        kind=ContactKind.OTHER,
        contact_date=local_today(),
        location=ContactLocation.HOME,
        outcome=ContactOutcome.COMPLETED,
        delivered_by_id=actor_id,  # type: ignore[arg-type]
        accountable_health_visitor_id=actor_id,  # type: ignore[arg-type]
        child_id=child_id,  # type: ignore[arg-type]
        who_was_seen="Mother and baby",
        measurements=(contacts.MeasurementEntry(MeasurementKind.WEIGHT, 7.2),),
    )


def prepare_copy(
    scene: Scene,
    person: Actor,
    keys: MemoryKeyring,
    template: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``person``'s copy pulled at the office, and a sign-in online since (the verifier)."""
    cheap_hashing(monkeypatch)
    give_password(scene.server, person.username)
    laptop = new_laptop(template, copy_path(person.user_id), keys)
    pull(scene.server, laptop, person, today=TODAY)
    laptop.dispose()
    VerifierKeepingSignInDesk(scene.server).sign_in(person.username, PASSWORD)


def sign_in_offline(
    qtbot: QtBot, sessions: Sessions, line: SwitchableLine, person: Actor
) -> MainWindow:
    """The shared database gone: ``person`` signs in on their copy (``prepare_copy``)."""
    line.cut()
    dialog = sessions.ask_to_sign_in(unreachable="Cannot reach the shared database.")
    qtbot.keyClicks(dialog.username, person.username)
    qtbot.keyClicks(dialog.password, PASSWORD)
    with qtbot.waitSignal(sessions.window_opened, timeout=LOAD_WAIT_MS):
        dialog.offline_button.click()
    window = sessions.window
    assert isinstance(window, MainWindow)
    assert isinstance(window.workspace, OfflineWorkspace)
    wait_loaded(qtbot, window)
    return window
