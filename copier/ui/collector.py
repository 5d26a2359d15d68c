"""Garbage collection on the GUI thread only, while the window runs.

Python's collector runs on whichever thread happens to allocate when a threshold is crossed. In
the window's process that is often the copier's thread, and a Qt object collected there (a chart
item a redraw dropped, say) is destroyed on a thread that does not own it, which Qt does not
survive. So while the window runs, automatic collection is off and this timer collects on the GUI
thread instead, by the same thresholds: the copier's thread never pays for a collection either.
The collections the core asks for itself (``copier.gc_policy``: once at start-up, and after a
thousand EA sessions have closed) are handed to this thread too, and run at the next check.
"""

from __future__ import annotations

import gc
from collections import deque

from PySide6.QtCore import QObject, QTimer

from copier import gc_policy

CHECK_EVERY_MS = 100


class GuiThreadCollector(QObject):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._was_enabled = gc.isenabled()
        self._timer = QTimer(self)
        self._timer.setInterval(CHECK_EVERY_MS)
        self._timer.timeout.connect(self.check)
        self.collections = 0
        self._asked: deque[gc_policy.HeapWork] = deque()  # filled on any thread, run on this one

    def start(self) -> None:
        self._was_enabled = gc.isenabled()
        gc.disable()
        gc_policy.hand_heap_work_to(self._asked.append)
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        gc_policy.hand_heap_work_to(None)
        self._asked.clear()  # the collection below does what they asked for
        gc.collect()  # here, on the GUI thread, before anyone else may
        if self._was_enabled:
            gc.enable()

    def check(self) -> None:
        """Run the heap work the core asked for, then collect the generation the interpreter
        itself would collect now, if any."""
        while self._asked:
            self._asked.popleft()()
            self.collections += 1
        counts, thresholds = gc.get_count(), gc.get_threshold()
        if counts[0] <= thresholds[0]:
            return
        generation = 0
        if counts[1] > thresholds[1]:
            generation = 2 if counts[2] > thresholds[2] else 1
        gc.collect(generation)
        self.collections += 1
