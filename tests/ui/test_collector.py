"""While the window runs, garbage is collected on the GUI thread by the interpreter's thresholds,
and automatic collection (which could run on the core's thread) is off; stopping restores it. The
collections the core asks for itself (``copier.gc_policy``) run on the GUI thread too."""

from __future__ import annotations

import gc
import threading
import weakref
from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtCore import QObject

from copier.gc_policy import HeapKeeper, settle_start_up
from copier.ui.collector import GuiThreadCollector
from tests.ui.conftest import Run, until


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_the_collector_takes_over_from_automatic_collection_and_gives_it_back(
    loop: Any, run: Run[Any]
) -> None:
    collector = GuiThreadCollector()
    was_enabled = gc.isenabled()
    collector.start()
    try:
        assert not gc.isenabled()

        async def scenario() -> None:
            for _ in range(gc.get_threshold()[0] * 3):
                _Cycle()
            await until(lambda: collector.collections > 0, timeout=5, what="a collection")

        run(scenario())
    finally:
        collector.stop()
        collector.deleteLater()

    assert gc.isenabled() == was_enabled
    assert gc.get_count()[0] < gc.get_threshold()[0]


class _QtCycle(QObject):
    """A Qt object Python owns, kept only by a reference cycle (as qasync's timer object is)."""

    def __init__(self) -> None:
        super().__init__()
        self.me = self


def _rebuild_after_a_closed_session() -> None:
    totals = iter([(0, 0), (0, 0), (0, 1), (0, 1)])
    now = iter([0.0, 0.0, 10.0])
    keeper = HeapKeeper(lambda: next(totals), quiet_s=1.0, rebuild_after=1,
                        clock=lambda: next(now))
    keeper.tick()  # the closed session is seen
    keeper.tick()  # quiet since: thaw, collect, freeze


@pytest.mark.parametrize("ask", [settle_start_up, _rebuild_after_a_closed_session],
                         ids=["start-up", "rebuild"])
def test_a_collection_the_core_asks_for_on_its_thread_runs_on_the_gui_thread(
    loop: Any, run: Run[Any], ask: Callable[[], None]
) -> None:
    collector = GuiThreadCollector()
    died_on: list[str] = []
    gc.collect()
    collector.start()
    try:
        dropped = _QtCycle()
        weakref.finalize(dropped, lambda: died_on.append(threading.current_thread().name))
        del dropped
        core = threading.Thread(target=ask, name="copier-core")
        core.start()
        core.join(10)

        run(until(lambda: bool(died_on), timeout=5, what="the dropped Qt object collected"))
    finally:
        collector.stop()
        gc.unfreeze()  # what the core's request froze
        collector.deleteLater()

    assert died_on == [threading.main_thread().name]  # never the core's thread
