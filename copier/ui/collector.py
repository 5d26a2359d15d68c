"""Garbage collection on the GUI thread only, while the window runs.

Python's collector runs on whichever thread happens to allocate when a threshold is crossed. In
the window's process that is often the copier's thread, and a Qt object collected there (a chart
item a redraw dropped, say) is destroyed on a thread that does not own it, which Qt does not
survive. So while the window runs, automatic collection is off and this timer collects on the GUI
thread instead, by the same thresholds: the copier's thread never pays for a collection either.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

CHECK_EVERY_MS = 100


class GuiThreadCollector(QObject):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._was_enabled = gc.isenabled()
        self._timer = QTimer(self)
        self._timer.setInterval(CHECK_EVERY_MS)
        self._timer.timeout.connect(self.check)
        self.collections = 0

    def start(self) -> None:
        self._was_enabled = gc.isenabled()
        gc.disable()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        gc.collect()  # here, on the GUI thread, before anyone else may
        if self._was_enabled:
            gc.enable()

    def check(self) -> None:
        """Collect the generation the interpreter itself would collect now, if any."""
        counts, thresholds = gc.get_count(), gc.get_threshold()
        if counts[0] <= thresholds[0]:
            return
        generation = 0
        if counts[1] > thresholds[1]:
            generation = 2 if counts[2] > thresholds[2] else 1
        gc.collect(generation)
        self.collections += 1
