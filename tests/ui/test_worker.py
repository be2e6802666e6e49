"""ui/worker.py: a read runs off the GUI thread, only the latest answer is shown.

No sleeps: each test waits on the event loop with qtbot (waitSignal / waitUntil),
and slow reads are held back with ``threading.Event`` until the test lets them go.
"""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QCoreApplication, QTimer
from pytestqt.qtbot import QtBot

from healthvisitor.errors import PermissionDeniedError
from healthvisitor.ui.worker import Loader, wait_for_loads

pytestmark = pytest.mark.gui

WAIT_MS = 10_000


def test_the_read_runs_on_a_worker_and_the_answer_comes_back_on_the_gui_thread(
    qtbot: QtBot,
) -> None:
    loader = Loader()
    gui = threading.get_ident()
    read_on: list[int] = []
    answered_on: list[int] = []
    loader.loaded.connect(lambda _rows: answered_on.append(threading.get_ident()))

    def read() -> list[str]:
        read_on.append(threading.get_ident())
        return ["Amelia Khan"]

    with qtbot.waitSignal(loader.loaded, timeout=WAIT_MS) as answer:
        loader.request(read)
        assert loader.busy
    assert answer.args == [["Amelia Khan"]]
    assert read_on != [gui] and answered_on == [gui]
    assert not loader.busy


def test_a_late_answer_to_an_earlier_request_is_dropped(qtbot: QtBot) -> None:
    loader = Loader()
    shown: list[str] = []
    loader.loaded.connect(shown.append)
    first_may_answer = threading.Event()

    def slow_first() -> str:
        first_may_answer.wait(WAIT_MS / 1000)
        return "Helen Walker's caseload"

    loader.request(slow_first)
    with qtbot.waitSignal(loader.loaded, timeout=WAIT_MS):
        loader.request(lambda: "Priya Sharma's caseload")
    first_may_answer.set()
    assert wait_for_loads(WAIT_MS)
    # The late answer was posted before the worker finished: deliver it now.
    QCoreApplication.processEvents()
    assert shown == ["Priya Sharma's caseload"]
    assert not loader.busy


def test_a_refusal_comes_back_as_the_error_raised(qtbot: QtBot) -> None:
    loader = Loader()

    def refuse() -> None:
        raise PermissionDeniedError("That caseload belongs to another team.")

    with qtbot.waitSignal(loader.failed, timeout=WAIT_MS) as failure:
        loader.request(refuse)
    (error,) = failure.args
    assert isinstance(error, PermissionDeniedError)
    assert str(error) == "That caseload belongs to another team."
    assert not loader.busy


def test_the_window_stays_responsive_while_a_read_is_slow(qtbot: QtBot) -> None:
    loader = Loader()
    release = threading.Event()
    ticks: list[bool] = []
    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(lambda: ticks.append(loader.busy))
    timer.start()
    loader.request(lambda: release.wait(WAIT_MS / 1000))
    # The event loop keeps turning (timers fire) while the read is still running.
    qtbot.waitUntil(lambda: len(ticks) >= 3, timeout=WAIT_MS)
    assert all(ticks) and loader.busy
    with qtbot.waitSignal(loader.loaded, timeout=WAIT_MS):
        release.set()
    timer.stop()
