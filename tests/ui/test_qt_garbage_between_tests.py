"""Nothing of Qt a window test dropped is left for another thread to collect when the next test
starts (tests/ui/conftest.py collects once pytest has let go of the fixture values). A qasync
loop collected on a core thread keeps its timers registered with the GUI thread and they fire
into freed memory later, a segfault in whatever test runs then. The two tests run in this order
(pytest keeps a file's order): the first leaves a closed loop behind, the second looks for it."""

from __future__ import annotations

import asyncio
import gc
from typing import Any

from PySide6.QtCore import QObject

from tests.ui.conftest import Run


def test_a_window_test_leaves_its_closed_loop_behind(loop: Any, run: Run[Any]) -> None:
    run(asyncio.sleep(0.01))  # under wait_for: a timer that is still registered after close


def test_the_next_test_finds_no_qt_object_left_to_collect() -> None:
    was = gc.get_debug()
    gc.set_debug(was | gc.DEBUG_SAVEALL)
    try:
        gc.collect()
        left = sorted(type(o).__name__ for o in gc.garbage if isinstance(o, QObject))
    finally:
        gc.set_debug(was)
        gc.garbage.clear()  # freed here, on the GUI thread

    assert left == []
