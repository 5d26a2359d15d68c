"""Benchmark of the window's responsiveness: GUI event-loop lag while the core copies 1,000/s.

The copier core runs on its own thread, as the app runs it, and copies simulated masters' trades
(1,000 master actions a second in all, four masters with a slave each) while the dashboard draws
live for the first half of the run and the live trade log refreshes for the second half.

    python bench/ui_lag.py [--rate 1000] [--seconds 10] [--masters 4] [--json]

The lag probe is a coroutine on the GUI's qasync loop that asks to sleep 5 ms again and again;
lag is how much later than asked it wakes (a frozen window shows up as a long wake-up). The run is
repeated with the bridge emitting one Qt signal per core event (no coalescing) to show what the
10 Hz coalescing buys. Target (SPEC §10): p99 < 50 ms at 1,000 events/s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
if sys.platform.startswith("linux") and not os.environ.get("DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import psutil  # noqa: E402
import qasync  # noqa: E402
from PySide6.QtCore import QMetaObject, Qt  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from copier.app import AppConfig, CopierApp  # noqa: E402
from copier.engine.config import BelowMinimum, Link, LinkRules, LotMode  # noqa: E402
from copier.events import MasterEventReceived  # noqa: E402
from copier.preferences import Preferences  # noqa: E402
from copier.terminals.simulated import SimulatedTerminal  # noqa: E402
from copier.testbed.broker.quotes import Market  # noqa: E402
from copier.testbed.broker.trader import RandomTrader  # noqa: E402
from copier.ui.assets import Assets  # noqa: E402
from copier.ui.core_signals import UiBridge  # noqa: E402
from copier.ui.main import Gui  # noqa: E402
from copier.ui.metrics import Percentiles  # noqa: E402

PROBE_S = 0.005
DRIVE_TICK_S = 0.01
WARM_UP_S = 2.0


class BurstCore:
    """Simulated masters trading ``rate`` actions per second in all (in 10 ms batches), each
    copied to a slave of its own. Several masters, because the copier handles one master's
    events one after another (each is durable before the next): one master alone tops out
    below 1,000 events/s here, four share the load as four EAs would."""

    def __init__(self, database: Path, rate: float, masters: int = 4, seed: int = 3) -> None:
        self._app = CopierApp(AppConfig(database=database, bridge_port=0))
        market = Market(seed=seed)
        # Smaller copies keep the slaves' margin alive through thousands of master opens.
        rules = LinkRules(
            lot_mode=LotMode.MULTIPLIER, lot_value=0.2, below_minimum=BelowMinimum.USE_MINIMUM
        )
        self.masters: list[SimulatedTerminal] = []
        for n in range(masters):
            master = SimulatedTerminal.from_profile(
                "master-mt5", seed=seed, market=market, login=7_000 + n, account_id=f"master-{n}"
            )
            slave = SimulatedTerminal.from_profile(
                "slave-mt5" if n % 2 else "slave-netting",
                seed=seed,
                market=market,
                login=8_000 + n,
                account_id=f"slave-{n}",
            )
            self._app.add_terminal(master)
            self._app.add_terminal(slave)
            self._app.save_link(Link(0, master.account_id, slave.account_id, rules=rules))
            self.masters.append(master)
        self.rate = rate
        self.traders = [RandomTrader(m.broker, seed=seed + n) for n, m in enumerate(self.masters)]
        self.events = 0
        self._driver: asyncio.Task[None] | None = None
        self._app.bus.subscribe(self._count)

    @property
    def app(self) -> CopierApp:
        return self._app

    def _count(self, event: object) -> None:
        if isinstance(event, MasterEventReceived):
            self.events += 1

    async def start(self) -> None:
        await self._app.start()
        self._driver = asyncio.create_task(self._drive(), name="burst master")

    async def _drive(self) -> None:
        loop = asyncio.get_running_loop()
        started, done = loop.time(), 0
        while True:
            await asyncio.sleep(DRIVE_TICK_S)
            due = int((loop.time() - started) * self.rate)
            for n in range(done, due):  # catch up: the rate holds even when a tick runs late
                self.traders[n % len(self.traders)].step()
            done = due

    async def stop(self) -> None:
        if self._driver is not None:
            self._driver.cancel()
            await asyncio.gather(self._driver, return_exceptions=True)
        await self._app.stop()


async def _probe(lags: list[float], stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        asked = loop.time()
        await asyncio.sleep(PROBE_S)
        lags.append((loop.time() - asked - PROBE_S) * 1000)


async def measure(rate: float, seconds: float, coalesce: bool, masters: int = 4) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="tradecopier-uilag-"))
    holder: dict[str, BurstCore] = {}

    def build() -> BurstCore:
        holder["core"] = BurstCore(folder / "bench.db", rate, masters)
        return holder["core"]

    bridge = UiBridge() if coalesce else EveryEventBridge()
    gui = Gui(
        build,
        Preferences(minimise_to_tray=False),
        folder / "settings.json",
        Assets.load(),
        bridge=bridge,
    )
    gui.window.show()
    await gui.start()
    gui.window.show_page("Dashboard")
    lags: list[float] = []
    stop = asyncio.Event()
    await asyncio.sleep(WARM_UP_S)
    process = psutil.Process()
    process.cpu_percent(None)
    core = holder["core"]
    events_before = core.events
    probe = asyncio.create_task(_probe(lags, stop))
    started = time.monotonic()
    half = seconds / 2
    await asyncio.sleep(half)
    gui.window.show_page("Trade log")  # the live trade log refreshes as copies land
    await asyncio.sleep(seconds - half)
    stop.set()
    await probe
    elapsed = time.monotonic() - started
    cpu = process.cpu_percent(None)
    events = core.events - events_before
    executed = gui.window.dashboard.success.executed
    await gui.stop()
    gui.dispose()
    figures = Percentiles.of(lags)
    assert figures is not None
    return {
        "coalesced": coalesce,
        "target_rate": rate,
        "events_per_s": round(events / elapsed),
        "copies_executed": executed,
        "lag_p50_ms": round(figures.p50, 2),
        "lag_p95_ms": round(figures.p95, 2),
        "lag_p99_ms": round(figures.p99, 2),
        "lag_max_ms": round(max(lags), 2),
        "probes": figures.count,
        "process_cpu_percent": round(cpu),
    }


class EveryEventBridge(UiBridge):
    """The bridge without its batching: every core event is flushed to the widgets at once,
    through a queued call to the GUI thread per event (what a naive bridge does)."""

    def handle(self, event: object) -> None:
        super().handle(event)
        QMetaObject.invokeMethod(self, "flush", Qt.ConnectionType.QueuedConnection)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=1000.0, help="master actions per second")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--masters", type=int, default=4, help="each with a slave of its own")
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--no-baseline", action="store_true", help="skip the run without coalescing"
    )
    args = parser.parse_args(argv)
    app = QApplication(sys.argv[:1])
    app.setApplicationName("TradeCopier bench")
    logging.getLogger().addHandler(logging.NullHandler())  # the Logs screen only, not stderr
    results = []
    modes = (True,) if args.no_baseline else (True, False)
    for coalesce in modes:
        with asyncio.Runner(loop_factory=qasync.QEventLoop) as runner:
            results.append(runner.run(measure(args.rate, args.seconds, coalesce, args.masters)))
    if args.json:
        print(json.dumps(results))
        return 0
    print(
        f"ui lag — {args.rate:g} master actions/s for {args.seconds:g} s, {args.masters} "
        f"masters × 1 slave each; {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    for r in results:
        label = "coalesced (10 Hz)" if r["coalesced"] else "one signal per event"
        print(
            f"  {label:22} {r['events_per_s']:>5} events/s  {r['copies_executed']:>6} copies  "
            f"lag p50 {r['lag_p50_ms']:.1f}  p95 {r['lag_p95_ms']:.1f}  "
            f"p99 {r['lag_p99_ms']:.1f}  max {r['lag_max_ms']:.1f} ms  "
            f"CPU {r['process_cpu_percent']} %"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
