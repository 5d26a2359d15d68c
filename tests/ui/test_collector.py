"""While the window runs, garbage is collected on the GUI thread by the interpreter's thresholds,
and automatic collection (which could run on the core's thread) is off; stopping restores it."""

from __future__ import annotations

import gc
from typing import Any

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
