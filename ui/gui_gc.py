"""Python's cycle collector runs on the GUI thread only, never on a worker.

CPython collects reference cycles on whichever thread happens to allocate past
the collector's threshold. Since the caseload, the board and the drill-downs
read on worker threads (``ui/worker.py``), that thread can be a worker, and a
window or dialog left in a reference cycle is then destroyed off the GUI
thread: PySide6 6.11 crashed so in the UI tests (a closed child record window,
freed by a collection a caseload read set off). Qt objects must die on the
thread that owns them.

So while the window runs, automatic collection is off and a timer on the GUI
thread collects instead, as often as CPython would: when the youngest
generation's count passes its threshold, that generation is collected, and the
older ones when theirs pass too. Objects without cycles are unaffected (they
are freed by reference counting, at once, wherever they are dropped).
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer


def collect_if_due() -> int:
    """Collect the generations whose counts passed their thresholds, as CPython would
    have; the number freed. bench/trust.py times reads the same way, between them."""
    counts = gc.get_count()
    thresholds = gc.get_threshold()
    generation = -1
    for level, (count, threshold) in enumerate(zip(counts, thresholds, strict=False)):
        if threshold and count > threshold:
            generation = level
        else:
            break
    return gc.collect(generation) if generation >= 0 else 0


class GuiThreadCollector(QObject):
    """Turns automatic collection off and collects on the GUI thread's event loop."""

    def __init__(self, parent: QObject | None = None, *, interval_ms: int = 250) -> None:
        super().__init__(parent)
        self._was_enabled = gc.isenabled()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.collect_if_due)
        self._timer.start()

    def collect_if_due(self) -> int:
        """Collect the generations whose counts passed their thresholds; the number freed."""
        return collect_if_due()

    def stop(self) -> None:
        """Collect what is left, here, and give collection back to CPython."""
        self._timer.stop()
        gc.collect()
        if self._was_enabled:
            gc.enable()
