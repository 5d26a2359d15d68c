"""Thousands of copies on the real EA path keep the copier's per-copy memory within its bounds.

The demo's master trades fast through reference EAs and the bridge into the copy service, in
this process. The bounds are shrunk (an EA terminal's remembered results, a link's settled
master tickets) so a short run passes them many times over; the structures are sampled while
copying and must never hold more than their bound — and must reach it, or the run proved
nothing. RSS is not asserted: it is noisy on a shared machine (``bench/soak.py`` measures it).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from pathlib import Path

import pytest

from copier import ticket_ledger as tickets_module
from copier.app import AppConfig, CopierApp
from copier.engine.book import SETTLED_STATES
from copier.events import CopyExecuted
from copier.terminals.ea import terminal as terminal_module
from copier.testbed.broker.broker import SimBroker
from copier.testbed.broker.clock import WallClock
from copier.testbed.demo import MARKET_DT_MS, DrivenMarket, demo_links
from copier.testbed.demo_ea import EaWorld

pytestmark = pytest.mark.slow

RESULTS_KEPT = 100
SETTLED_KEPT = 20
ACTIONS = 1_000
MIN_COPIES = 2_000
SEED = 11


class FastSteps:
    """A master action every few milliseconds (the monitor EA polls every 10 ms)."""

    def __init__(self, market: DrivenMarket) -> None:
        self.market = market

    async def __call__(self, master: SimBroker) -> None:
        await asyncio.sleep(0.01)
        self.market.advance(MARKET_DT_MS)
        master.tick()


class Peaks:
    """The largest size each bounded structure reached, sampled every 20 ms."""

    def __init__(self, app: CopierApp, world: EaWorld) -> None:
        self.app = app
        self.world = world
        self.results = 0
        self.settled = 0

    def sample(self) -> None:
        for slave in self.world.slaves:
            self.results = max(self.results, slave.remembered_results)
        by_ticket: dict[tuple[int, int], bool] = {}
        for t in self.app.service.tickets():
            key = (t.link_id, t.master_ticket)
            by_ticket[key] = by_ticket.get(key, True) and t.state in SETTLED_STATES
        per_link: dict[int, int] = {}
        for (link_id, _), settled in by_ticket.items():
            per_link[link_id] = per_link.get(link_id, 0) + settled
        self.settled = max(self.settled, *per_link.values(), 0)

    async def run(self) -> None:
        while True:
            self.sample()
            await asyncio.sleep(0.02)


async def settle(app: CopierApp, world: EaWorld) -> None:
    deadline = time.monotonic() + 30
    calm = 0
    while calm < 2 and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
        idle = app.service.busy == 0 and await world.undelivered_events() == 0
        calm = calm + 1 if idle else 0


async def test_thousands_of_copies_keep_per_copy_memory_within_its_bounds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(terminal_module, "RESULT_MEMORY", RESULTS_KEPT)
    monkeypatch.setattr(tickets_module, "SETTLED_KEEP", SETTLED_KEPT)
    app = CopierApp(AppConfig(database=tmp_path / "bounded.db", bridge_port=0,
                              load_accounts=False))  # fmt: skip
    market = DrivenMarket(SEED)
    world = EaWorld(app, SEED, market, WallClock(), 0.01, FastSteps(market))
    for terminal in (world.master, *world.slaves):
        app.add_terminal(terminal)
    for link in demo_links(0):
        app.save_link(replace(link, rules=replace(link.rules, trading_hours=None)))
    executed = 0

    def count(event: object) -> None:
        nonlocal executed
        executed += isinstance(event, CopyExecuted)

    app.bus.subscribe(count)
    peaks = Peaks(app, world)
    sampler: asyncio.Task[None] | None = None
    try:
        await app.start()
        await world.ready()
        await app.service.refresh_snapshots()
        sampler = asyncio.create_task(peaks.run())
        await world.drive(ACTIONS)
        await settle(app, world)
        peaks.sample()
    finally:
        if sampler is not None:
            sampler.cancel()
        await app.stop()
        await world.close()

    assert executed >= MIN_COPIES
    assert app.service.busy == 0
    assert peaks.results == RESULTS_KEPT  # reached, never passed
    assert peaks.settled == SETTLED_KEPT
