"""``copier demo`` in the window: the lead's demo scenario (``testbed.demo.build_demo``) as the
window's core, with the simulated master already trading when the window appears."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from copier.app import CopierApp
from copier.testbed.demo import DemoOptions, DemoSession, build_demo


class DemoCore:
    """The demo as a ``Core``: the master trades for ``seconds`` (None: until the window closes)."""

    def __init__(self, seconds: float | None, seed: int | None, rate: float = 5.0,
                 data_dir: Path | None = None) -> None:
        self.seconds = seconds
        self.rate = rate
        # The demo's clock places one trading-hours boundary mid-run; with no end, a minute in.
        options = DemoOptions(seconds=seconds or 120.0, seed=seed, rate=rate, data_dir=data_dir)
        self.demo: DemoSession = build_demo(options)

    @property
    def app(self) -> CopierApp:
        return self.demo.app

    async def start(self) -> None:
        await self.demo.start()
        steps = None if self.seconds is None else max(1, int(self.seconds * self.rate))
        self.demo.start_trading(steps)

    async def stop(self) -> None:
        await self.demo.stop()


def demo_core_builder(seconds: float | None, seed: int | None, rate: float = 5.0,
                      data_dir: Path | None = None) -> Callable[[], DemoCore]:
    """Builds the demo in the data folder (``data_dir``, else the usual one), as ``copier
    demo`` does, so ``copier export-log`` finds its copies afterwards."""
    return lambda: DemoCore(seconds, seed, rate, data_dir)
