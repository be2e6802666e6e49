"""Reference cycles (a closed window's, say) are freed on the GUI thread, never on a
worker that happens to allocate past the collector's threshold (ui/gui_gc.py)."""

from __future__ import annotations

import gc
import threading
from typing import ClassVar

from pytestqt.qtbot import QtBot

from healthvisitor.ui.gui_gc import GuiThreadCollector


class _Cyclic:
    """Refers to itself, so only the cycle collector can free it; says where it died."""

    died_on: ClassVar[list[str]] = []

    def __init__(self) -> None:
        self.me = self

    def __del__(self) -> None:
        _Cyclic.died_on.append(threading.current_thread().name)


def _leave_cyclic_garbage(count: int) -> None:
    for _ in range(count):
        _Cyclic()


def test_garbage_cycles_die_on_the_gui_thread_even_when_a_worker_allocates(qtbot: QtBot) -> None:
    collector = GuiThreadCollector(interval_ms=10)
    try:
        assert not gc.isenabled()
        _Cyclic.died_on.clear()
        _leave_cyclic_garbage(50)  # garbage made on the GUI thread
        # A worker then allocates far past every threshold, as a caseload read does.
        worker = threading.Thread(target=_leave_cyclic_garbage, args=(20_000,), name="reader")
        worker.start()
        worker.join()
        assert "reader" not in _Cyclic.died_on  # CPython would have collected there
        qtbot.waitUntil(lambda: len(_Cyclic.died_on) >= 20_050, timeout=5_000)
        assert set(_Cyclic.died_on) == {threading.main_thread().name}
    finally:
        collector.stop()


def test_stopping_frees_what_is_left_and_gives_collection_back() -> None:
    was_enabled = gc.isenabled()
    gc.enable()
    collector = GuiThreadCollector(interval_ms=60_000)
    _Cyclic.died_on.clear()
    _leave_cyclic_garbage(3)
    collector.stop()
    assert len(_Cyclic.died_on) == 3
    assert gc.isenabled()
    if not was_enabled:
        gc.disable()
