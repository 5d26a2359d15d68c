"""``copier demo``: one seeded simulated master trading to several slaves, end to end.

The scenario (what a new user sees working in one command):

* master ``demo-master`` (MT5 hedging) trades randomly: opens, partial closes, SL/TP changes,
  pendings, closes and bursts of closes, driven step by step from the seed, so two runs with
  one seed make the same master trade sequence;
* ``demo-suffix`` — a broker with ``.m``/``.r`` suffixes, equity-ratio lots;
* ``demo-netting`` — a netting account copying in reverse;
* ``demo-capped`` — a max lot per order and trading hours that close mid-run, so some copies
  are denied with reasons.

It never runs in the trader's own data: without ``--data-dir`` it uses ``demo/`` inside the data
folder, emptied at each start (``demo_folder``), so ``copier export-log --data-dir
<data>/demo`` exports its copies afterwards. With ``--data-dir`` it runs there and first removes
the previous run's ``demo-…`` accounts and everything that refers to them.

The demo clock is the wall clock shifted (by at most 30 s) so that a minute boundary, where
``demo-capped``'s trading hours end, falls in the middle of the run. Everything in the demo runs
on it — the copier, the simulated brokers and, with ``--transport mt5``, the stand-in terminals,
their worker processes and adapters — so every time a copy is stamped with (detected, received,
decided, sent, executed) is of that one clock, and latencies are not affected.

At the end the report counts events, commands, results and denials, and compares every slave
terminal's real positions with the ticket links (``mismatches``), read from the terminals. A copy
the slave's own stop-loss or take-profit closed while its master still holds the trade — brokers'
spreads differ, so a copy's stops can be hit first — is not a mismatch: it is counted apart
(``stopped_on_slave``), known from the slave's own deal history (``copier.testbed.demo_check``).
"""

from __future__ import annotations

import asyncio
import shutil
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from copier.app import AppConfig, CopierApp
from copier.clock import now_ms as wall_ms
from copier.datalock import copier_running
from copier.domain import Retcode
from copier.engine.config import Link, LinkRules, LotMode, StopsMode
from copier.events import CopyExecuted, CopyFailed, CopySent, CopyWasDenied, MasterEventReceived
from copier.percentiles import percentile
from copier.store.errors import StoreError
from copier.store.paths import default_data_dir
from copier.store.purge import DEMO_PREFIX, purge_accounts
from copier.terminals.simulated import SimulatedTerminal
from copier.testbed.broker.broker import SimBroker
from copier.testbed.broker.clock import ShiftedClock
from copier.testbed.broker.quotes import Market
from copier.testbed.broker.trader import RandomTrader
from copier.testbed.demo_check import judge, stop_closes
from copier.trader_words import rule_words

Progress = Callable[[str], None]
DEMO_MASTER = "demo-master"
SETTLE_TIMEOUT_S = 10.0
MARKET_DT_MS = 50  # virtual market time per driver tick


@dataclass(frozen=True, slots=True)
class DemoOptions:
    seconds: float = 20.0
    seed: int | None = None
    transport: str = "sim"  # sim | ea | mt5
    simulate: bool = False
    rate: float = 5.0  # master actions per second
    data_dir: Path | None = None


@dataclass
class DemoReport:
    seed: int
    transport: str
    master_events: int = 0
    commands: int = 0
    executed: int = 0
    denied: dict[str, int] = field(default_factory=dict)
    denied_examples: dict[str, str] = field(default_factory=dict)
    failed: int = 0
    failures: list[str] = field(default_factory=list)
    lost: int = 0
    duplicated: int = 0
    mismatches: int = 0
    mismatch_details: list[str] = field(default_factory=list)
    stopped_on_slave: int = 0  # copies closed by the slave's own SL/TP: ordinary, not a fault
    stopped_details: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    database: str = ""

    @property
    def healthy(self) -> bool:
        return self.failed == self.lost == self.duplicated == self.mismatches == 0

    def latency_summary(self) -> dict[str, float]:
        if not self.latencies:
            return {"p50": 0.0, "p99": 0.0, "max": 0.0}
        ordered = sorted(self.latencies)
        return {
            "p50": round(statistics.median(ordered), 3),
            "p99": round(percentile(ordered, 0.99), 3),
            "max": round(ordered[-1], 3),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "transport": self.transport,
            "master_events": self.master_events,
            "commands": self.commands,
            "executed": self.executed,
            "denied": dict(sorted(self.denied.items())),
            "denied_examples": dict(sorted(self.denied_examples.items())),
            "failed": self.failed,
            "failures": self.failures[:20],
            "lost": self.lost,
            "duplicated": self.duplicated,
            "mismatches": self.mismatches,
            "mismatch_details": self.mismatch_details[:20],
            "stopped_on_slave": self.stopped_on_slave,
            "stopped_on_slave_details": self.stopped_details[:20],
            "latency_ms": self.latency_summary(),
            "database": self.database,
        }

    def describe(self) -> str:
        lat = self.latency_summary()
        return (
            f"master events {self.master_events}, commands {self.commands}, executed "
            f"{self.executed}, failed {self.failed}, lost {self.lost}, duplicated "
            f"{self.duplicated}, mismatches {self.mismatches}\n"
            f"copies not made, by rule: {self._denied_words()}\n"
            f"{self._stopped_line()}"
            f"latency ms (master detection → slave execution): p50 {lat['p50']} "
            f"p99 {lat['p99']} max {lat['max']}"
        )

    def _denied_words(self) -> str:
        """The denials counted by the words the trader sees for their rules (the JSON report
        keeps the rules' short names)."""
        by_words: Counter[str] = Counter()
        for rule, count in self.denied.items():
            by_words[rule_words(rule)] += count
        return ", ".join(f"{words} {n}" for words, n in sorted(by_words.items())) or "none"

    def _stopped_line(self) -> str:
        """Copies the slave's own SL/TP closed, said as what they are (empty when none)."""
        if not self.stopped_on_slave:
            return ""
        return (f"closed by the slave's own stop-loss or take-profit while the master still "
                f"holds the trade (its broker's prices differ; not a fault): "
                f"{self.stopped_on_slave}\n")


class _Collector:
    """Counts what the bus says happened during the demo."""

    def __init__(self, report: DemoReport) -> None:
        self.report = report
        self.sent: Counter[str] = Counter()
        self.settled: Counter[str] = Counter()

    def __call__(self, event: object) -> None:
        r = self.report
        if isinstance(event, MasterEventReceived):
            # MT5 adapters report every account's changes; only the master's are copied.
            if event.event.account_id == DEMO_MASTER:
                r.master_events += 1
        elif isinstance(event, CopySent):
            if self.sent[event.command.id] == 0:
                r.commands += 1
            self.sent[event.command.id] += 1
        elif isinstance(event, CopyExecuted):
            self.settled[event.command.id] += 1
            r.executed += 1
            r.latencies.append(event.latency_ms)
        elif isinstance(event, CopyFailed):
            self.settled[event.command.id] += 1
            if event.result.retcode != Retcode.DUPLICATE:
                r.failed += 1
                r.failures.append(f"{event.command.id}: {event.result.message}")
        elif isinstance(event, CopyWasDenied):
            rule = event.denial.rule
            r.denied[rule] = r.denied.get(rule, 0) + 1
            r.denied_examples.setdefault(rule, event.denial.reason)


class DemoClock:
    """Wall-clock milliseconds plus a fixed shift (see the module docstring)."""

    def __init__(self, shift_ms: int = 0) -> None:
        self.shift_ms = shift_ms

    def now_ms(self) -> int:
        return wall_ms() + self.shift_ms

    def __call__(self) -> int:
        return self.now_ms()


class DrivenMarket(Market):
    """A market that moves only when the demo driver says so, in fixed virtual steps, so the
    price path — and with it the master's fills — depends on the seed alone."""

    def __init__(self, seed: int) -> None:
        super().__init__(seed=seed, start_ms=1)
        self._virtual_ms = 1

    def tick(self, now_ms: int) -> bool:
        return False  # terminals' own ticks don't move prices; ``advance`` does

    def advance(self, dt_ms: int) -> None:
        self._virtual_ms += dt_ms
        super().tick(self._virtual_ms)


class MarketSteps:
    """Moves a DrivenMarket through one master action's worth of time, in fixed ticks, letting
    the master's broker act on each price (its SL/TP and pending fills) in driver order."""

    def __init__(self, market: DrivenMarket, interval_s: float) -> None:
        self.market = market
        self.ticks = max(1, round(interval_s * 1000 / MARKET_DT_MS))

    async def __call__(self, master: SimBroker) -> None:
        for _ in range(self.ticks):
            await asyncio.sleep(MARKET_DT_MS / 1000)
            self.market.advance(MARKET_DT_MS)
            master.tick()


def shift_for_midpoint(seconds: float, now_ms: int) -> int:
    """The clock shift that puts a minute boundary at the run's midpoint (within ±30 s)."""
    midpoint = now_ms + int(seconds * 500)
    boundary = round(midpoint / 60_000) * 60_000
    return boundary - midpoint


def demo_links(hours_end_minute: int) -> list[Link]:
    """The demo's three links (ids are assigned by the store)."""
    start = (hours_end_minute - 180) % 1440
    return [
        Link(0, DEMO_MASTER, "demo-suffix", name="suffix, equity ratio",
             # This broker's index CFDs are 10 contracts per lot against the master's 1.
             rules=LinkRules(lot_mode=LotMode.EQUITY_RATIO, lot_value=1.0, auto_match=True,
                             symbol_lot_multipliers={"GER40.m": 0.1, "US30.m": 0.1},
                             slave_magic=101)),
        # No SL/TP on the netting copy: the one position's stops would close every copy in it
        # at once (and a slave stop hit before the master's close would be re-opened by that
        # close's opposite deal); the master's own closes drive it instead.
        Link(0, DEMO_MASTER, "demo-netting", name="netting, reverse",
             rules=LinkRules(lot_mode=LotMode.MULTIPLIER, lot_value=0.5, reverse=True,
                             stops_mode=StopsMode.NONE, slave_magic=102)),
        Link(0, DEMO_MASTER, "demo-capped", name="max lot, trading hours",
             rules=LinkRules(lot_mode=LotMode.MULTIPLIER, lot_value=1.0, max_lot_per_order=0.3,
                             trading_hours=(start, hours_end_minute or 1440),
                             slave_magic=103)),
    ]


class SimWorld:
    """The sim transport's world: in-process simulated terminals on a market the driver moves."""

    def __init__(self, master: SimulatedTerminal, slaves: list[SimulatedTerminal],
                 market: DrivenMarket, trader: RandomTrader, interval_s: float) -> None:
        self.master = master
        self.slaves = slaves
        self.market = market
        self.trader = trader
        self.interval_s = interval_s

    async def drive(self, steps: int | None) -> None:
        done = 0
        step = MarketSteps(self.market, self.interval_s)
        while steps is None or done < steps:
            await step(self.master.broker)
            self.trader.step()
            done += 1

    async def ready(self) -> None:
        return None  # in-process terminals are connected once started

    def halt(self) -> None:
        return None  # the master trades only while ``drive`` runs

    async def undelivered_events(self) -> int:
        return self.master.undelivered_events

    async def duplicated(self) -> int:
        executions: Counter[str] = Counter()
        for slave in self.slaves:
            executions.update(slave.executor.executed_counts())
        return sum(n - 1 for n in executions.values() if n > 1)

    async def stop_closes(self, slave_id: str) -> dict[int, str]:
        slave = next(s for s in self.slaves if s.account_id == slave_id)
        return stop_closes(slave.broker.history_deals())

    async def close(self) -> None:
        return None


class DemoWorld(Protocol):
    """What a transport gives the demo: drives the master's trading and answers the checks from
    the terminals themselves (``SimWorld`` here, ``Mt5World`` in ``copier.testbed.demo_mt5``)."""

    async def ready(self) -> None: ...
    async def drive(self, steps: int | None) -> None: ...
    def halt(self) -> None: ...
    async def undelivered_events(self) -> int: ...
    async def duplicated(self) -> int: ...
    async def stop_closes(self, slave_id: str) -> dict[int, str]:
        """The slave's positions closed by their own SL or TP (``demo_check.stop_closes``),
        read from the slave terminal's deal history."""
    async def close(self) -> None: ...


@dataclass
class DemoSession:
    """A built demo: the app, its terminals and the master's trader, not yet running.

    ``world`` is the transport's; left out, it is the sim world made of the session's own
    simulated terminals, market and trader.
    """

    app: CopierApp
    master: Any  # SimulatedTerminal (sim) or Mt5Terminal (mt5): a Terminal either way
    slaves: list[Any]
    market: Market
    trader: RandomTrader
    clock: DemoClock
    report: DemoReport
    interval_s: float
    world: DemoWorld | None = None
    _driver: asyncio.Task[None] | None = None

    def __post_init__(self) -> None:
        if self.world is None:
            assert isinstance(self.market, DrivenMarket), "the sim world needs a DrivenMarket"
            self.world = SimWorld(self.master, self.slaves, self.market, self.trader,
                                  self.interval_s)

    @property
    def transport_world(self) -> DemoWorld:
        assert self.world is not None
        return self.world

    async def start(self) -> None:
        """Start the copier and wait until every terminal answers, so no copy is skipped for
        want of a slave's first snapshot."""
        await self.app.start()
        await self.transport_world.ready()
        await self.app.service.refresh_snapshots()

    def start_trading(self, steps: int | None) -> asyncio.Task[None]:
        self._driver = asyncio.create_task(self.transport_world.drive(steps), name="demo master")
        return self._driver

    async def stop(self) -> None:
        self.transport_world.halt()
        if self._driver is not None:
            self._driver.cancel()
            await asyncio.gather(self._driver, return_exceptions=True)
        try:
            await self.app.stop()
        finally:
            await self.transport_world.close()


DEMO_FOLDER = "demo"


def demo_folder(data_dir: Path | None) -> Path:
    """Where a demo runs: ``data_dir`` when the user names one, else ``demo/`` inside the data
    folder, emptied first so every run starts clean and the trader's own database is never
    opened. Raises StoreError while another demo runs there, OSError when the folder cannot be
    emptied."""
    if data_dir is not None:
        return data_dir
    folder = default_data_dir() / DEMO_FOLDER
    if copier_running(folder):
        raise StoreError(f"a demo is already running in {folder} — close it first, or give "
                         "this one a folder of its own with --data-dir")
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder


def build_demo(options: DemoOptions, database: Path | None = None) -> DemoSession:
    """Assemble the demo app: on simulated terminals for ``sim`` (the GUI's demo mode uses this
    too), on stand-in MT5 terminals behind worker processes for ``mt5`` with ``simulate``."""
    seed = options.seed if options.seed is not None else int(time.time()) % 100_000
    clock = DemoClock()
    clock.shift_ms = shift_for_midpoint(options.seconds, clock.now_ms() - clock.shift_ms)
    midpoint_minute = round((clock.now_ms() + options.seconds * 500) / 60_000)
    hours_end = midpoint_minute % 1440  # demo-capped stops opening copies at the midpoint
    interval_s = 1.0 / max(options.rate, 0.1)
    config = AppConfig(data_dir=options.data_dir, database=database, bridge_port=0,
                       bridge=options.transport == "ea", load_accounts=False, notify=False)
    app = CopierApp(config, clock=clock)
    # A new run starts clean: the previous demo's links, tickets, outbox and log rows go;
    # a trader's own accounts in the same database are not touched.
    purge_accounts(app.store, DEMO_PREFIX)
    if options.transport == "mt5":
        session = _mt5_session(app, seed, clock, interval_s)
    elif options.transport == "ea":
        session = _ea_session(app, seed, clock, interval_s)
    else:
        session = _sim_session(app, seed, clock, interval_s)
    for terminal in (session.master, *session.slaves):
        app.add_terminal(terminal)
    for link in demo_links(hours_end):
        app.save_link(link)
    session.report = DemoReport(seed=seed, transport=options.transport,
                                database=str(app.store.path))
    app.bus.subscribe(_Collector(session.report))
    return session


def _sim_session(app: CopierApp, seed: int, clock: DemoClock, interval_s: float) -> DemoSession:
    market = DrivenMarket(seed)
    master = SimulatedTerminal.from_profile(
        "master-mt5", seed=seed, market=market, clock=clock, account_id=DEMO_MASTER
    )
    slaves = [
        SimulatedTerminal.from_profile(profile, seed=seed + i, market=market, clock=clock,
                                       account_id=name)
        for i, (profile, name) in enumerate(
            [("slave-suffix", "demo-suffix"), ("slave-netting", "demo-netting"),
             ("slave-mt5", "demo-capped")], start=1)
    ]
    trader = RandomTrader(master.broker, seed=seed)
    return DemoSession(app, master, slaves, market, trader, clock, DemoReport(seed, "sim"),
                       interval_s)


def _mt5_session(app: CopierApp, seed: int, clock: DemoClock, interval_s: float) -> DemoSession:
    from copier.testbed.demo_mt5 import Mt5World  # spawns nothing until the app starts

    world = Mt5World(seed, interval_s, ShiftedClock(clock.shift_ms))
    world.watch(app.bus)
    return DemoSession(app, world.master_terminal, list(world.slave_terminals), world.market,
                       world.trader, clock, DemoReport(seed, "mt5"), interval_s, world=world)


def _ea_session(app: CopierApp, seed: int, clock: DemoClock, interval_s: float) -> DemoSession:
    from copier.testbed.demo_ea import EaWorld

    market = DrivenMarket(seed)
    world = EaWorld(app, seed, market, clock, interval_s, MarketSteps(market, interval_s))
    return DemoSession(app, world.master, world.slaves, market, world.trader, clock,
                       DemoReport(seed, "ea"), interval_s, world=world)


async def run_demo(options: DemoOptions, progress: Progress = lambda _: None) -> DemoReport:
    """Run the demo headless for ``options.seconds`` and report."""
    if options.transport == "mt5" and not options.simulate:
        from copier.testbed.demo_mt5 import REAL_MT5_HINT

        raise SystemExit(REAL_MT5_HINT)
    if options.transport not in ("sim", "mt5", "ea"):
        raise SystemExit(f"transport {options.transport!r} is not available in this build")
    session = build_demo(options)
    report = session.report
    steps = max(1, int(options.seconds * options.rate))
    progress(f"demo: seed {report.seed}, {steps} master actions over {options.seconds:g} s, "
             f"3 slaves over {options.transport}; database {report.database}")
    await session.start()
    try:
        driver = session.start_trading(steps)
        started = time.monotonic()
        while not driver.done():
            await asyncio.sleep(1.0)
            progress(f"  {time.monotonic() - started:4.0f} s: {report.master_events} master "
                     f"events, {report.executed} copies executed, "
                     f"{sum(report.denied.values())} denied")
        await driver
        await _settle(session)
        await _check(session, report)
    finally:
        await session.stop()
    progress("demo: done")
    return report


async def _settle(session: DemoSession) -> None:
    """Wait until every master event is handled and every command has its result."""
    service = session.app.service
    world = session.transport_world
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    while time.monotonic() < deadline:
        await asyncio.sleep(0.2)
        if service.busy == 0 and await world.undelivered_events() == 0:
            await asyncio.sleep(0.3)
            if service.busy == 0 and await world.undelivered_events() == 0:
                return


async def _check(session: DemoSession, report: DemoReport) -> None:
    service = session.app.service
    world = session.transport_world
    report.lost = service.busy + await world.undelivered_events()
    report.duplicated = await world.duplicated()
    await service.refresh_snapshots()
    for slave in session.slaves:
        reconciled = await service.reconcile_report(slave.account_id)
        # Read after the reconciliation, so a stop hit in between is known.
        verdict = judge(reconciled, await world.stop_closes(slave.account_id))
        report.mismatch_details.extend(f"{slave.account_id}: {p}" for p in verdict.mismatches)
        report.stopped_details.extend(f"{slave.account_id}: {p}" for p in verdict.stopped)
    report.mismatches = len(report.mismatch_details)
    report.stopped_on_slave = len(report.stopped_details)
