"""Protection that acts on its own and the trader's controls across a restart: a slave's equity
drop with no master event closes the copies by rule on the account update; the stop switch, link
modes, equity marks and risk stops come back after a restart; close-all requests are done once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from copier.domain import Side, TerminalStatus
from copier.engine.config import DrawdownAction, Link, LinkMode, LinkRules, LotMode
from copier.engine.state import TicketState
from copier.engine.tradingday import TradingClock
from copier.events import Bus, CopyWasDenied
from copier.service import CopyService
from copier.store import Store
from copier.store import traderstate as ts
from copier.terminals.simulated import SimulatedTerminal
from copier.testbed.broker.clock import ManualClock
from copier.testbed.broker.quotes import Market
from copier.trader_controls import CloseAllRequest

pytestmark = pytest.mark.timeout(30)

RULES = LinkRules(lot_mode=LotMode.FIXED, lot_value=1.0, max_drawdown_pct=2.0,
                  drawdown_action=DrawdownAction.CLOSE_ALL)  # fmt: skip


async def until(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.01)


@dataclass
class World:
    store: Store
    market: Market
    master: SimulatedTerminal
    slave: SimulatedTerminal
    clock: ManualClock

    def service(self) -> CopyService:
        service = CopyService(self.store, Bus())
        service.add_terminal(self.master)
        service.add_terminal(self.slave)
        return service

    def drop_gold(self, by: float) -> None:
        self.market.set_mid("XAUUSD", self.market.mid("XAUUSD") - by)

    def slave_account_update(self, service: CopyService) -> None:
        account = self.slave.broker.account_info("slave")
        service.on_status(TerminalStatus("slave", True, account=account))


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    clock = ManualClock()
    market = Market(seed=5, start_ms=clock.now_ms())
    master = SimulatedTerminal.from_profile("master-mt5", market=market, clock=clock,
                                            account_id="master")  # fmt: skip
    slave = SimulatedTerminal.from_profile("slave-mt5", market=market, clock=clock,
                                           account_id="slave")  # fmt: skip
    store = Store.open(path=tmp_path / "copier.db")
    store.save_link(Link(0, "master", "slave", rules=RULES))
    yield World(store, market, master, slave, clock)
    store.close()


async def test_an_equity_drop_with_no_master_event_closes_the_copies_by_rule(
    world: World,
) -> None:
    service = world.service()
    denied: list[CopyWasDenied] = []
    service.bus.subscribe(lambda e: denied.append(e) if isinstance(e, CopyWasDenied) else None)
    await service.start()
    try:
        for _ in range(2):
            world.master.broker.open_market("XAUUSD", Side.BUY, 1.0)
        await until(lambda: len(world.slave.broker.positions()) == 2 and service.busy == 0)
        world.drop_gold(3.0)  # 2 lots × 100 oz × 3 USD: 600 USD, 12 % of the 5,000 USD slave

        world.slave_account_update(service)

        await until(lambda: world.slave.broker.positions() == () and service.busy == 0)
    finally:
        await service.stop()
    assert world.master.broker.positions() != ()  # the master never moved
    [event] = denied
    assert event.denial.rule == "max_drawdown"
    assert event.denial.reason.endswith("reached the limit 2% — closing all copies")
    stop = service.controls.stops[1]
    assert {t.state for t in service.tickets()} == {TicketState.CLOSED}
    assert all(t.last_command_id.endswith(f"-S{stop.since_ms}") for t in service.tickets())
    logged = world.store.load_trader_state(ts.RISK_STOP)
    assert logged == {f"{ts.RISK_STOP}1": stop.to_dict()}


async def test_stop_switch_link_modes_equity_marks_and_risk_stops_survive_a_restart(
    world: World,
) -> None:
    world.store.save_link(replace(world.store.load_links()[0], mode=LinkMode.CLOSE_ONLY))
    first = world.service()
    await first.start()
    try:
        first.set_copying(False)
        first.controls.set_clock(TradingClock(utc_offset_minutes=120, day_start_minute=0))
        world.master.broker.open_market("XAUUSD", Side.BUY, 1.0)
        await first.refresh_snapshots()
        marks = first.views.marks("slave")
        assert marks is not None
        before = marks.to_dict()
        world.store.save_link(replace(world.store.load_links()[0], mode=LinkMode.NORMAL))
        first.set_link(world.store.load_links()[0])
        first.set_copying(True)
        world.master.broker.open_market("XAUUSD", Side.BUY, 1.0)
        await until(lambda: len(world.slave.broker.positions()) == 1 and first.busy == 0)
        world.drop_gold(3.0)
        world.slave_account_update(first)
        await until(lambda: 1 in first.controls.stops and first.busy == 0)
        stop = first.controls.stops[1]
        first.set_copying(False)
        marks_after = first.views.marks("slave")
        assert marks_after is not None
        saved_marks = marks_after.to_dict()
    finally:
        await first.stop()


    second = world.service()
    await second.start()
    try:
        assert second.copying_enabled is False
        assert second.links[1].mode is LinkMode.NORMAL
        assert second.views.clock == TradingClock(utc_offset_minutes=120)
        restored = second.views.marks("slave")
        assert restored is not None
        assert restored.peak_all == saved_marks["peak_all"] >= before["peak_all"]
        assert restored.day_start == saved_marks["day_start"] == before["day_start"]
        assert second.controls.stops == {1: stop}
    finally:
        await second.stop()


async def test_a_close_all_request_is_done_once(world: World) -> None:
    service = world.service()
    await service.start()
    try:
        world.master.broker.open_market("XAUUSD", Side.BUY, 1.0)
        await until(lambda: len(world.slave.broker.positions()) == 1 and service.busy == 0)
        request = CloseAllRequest(number=123_456, slave_id="slave", actor="cli")
        world.store.set_trader_state({request.key: request.to_dict()})

        await service.controls.take_requests()
        await until(lambda: world.slave.broker.positions() == () and service.busy == 0)
        again = await service.controls.take_requests()
    finally:
        await service.stop()
    assert again is None
    done = world.store.load_trader_state(ts.CLOSE_ALL)[request.key]
    assert done["done_ms"] > 0
    assert [t.last_command_id for t in service.tickets()] == [
        f"L1-T{service.tickets()[0].master_ticket}-S123456"
    ]


async def test_a_risk_stop_holds_for_its_trading_day_and_the_next_day_starts_clean(
    world: World,
) -> None:
    now = [1_767_225_600_000 + 10 * 3_600_000]  # 10:00 UTC
    world.store.save_link(replace(world.store.load_links()[0], rules=replace(
        RULES, max_drawdown_pct=0.0, max_daily_loss_pct=2.0,
        drawdown_action=DrawdownAction.STOP_OPENING)))  # fmt: skip
    service = CopyService(world.store, Bus(), clock=lambda: now[0])
    service.add_terminal(world.master)
    service.add_terminal(world.slave)
    await service.start()
    try:
        world.master.broker.open_market("XAUUSD", Side.BUY, 1.0)
        await until(lambda: len(world.slave.broker.positions()) == 1 and service.busy == 0)
        world.drop_gold(2.0)  # 200 USD of 5,000: 4 %
        world.slave_account_update(service)
        await until(lambda: 1 in service.controls.stops_of("slave", now[0]))
        world.drop_gold(-2.0)  # the equity comes back: the stop holds all the same
        world.slave_account_update(service)
        await asyncio.sleep(0.1)
        held = service.controls.stops_of("slave", now[0])

        now[0] += 24 * 3_600_000  # the next trading day
        world.slave_account_update(service)
        await asyncio.sleep(0.1)
        next_day = service.controls.stops_of("slave", now[0])
    finally:
        await service.stop()
    assert list(held) == [1]
    assert world.slave.broker.positions() != ()  # stop_opening closes nothing
    assert next_day == {}


async def test_a_close_all_for_a_slave_not_connected_waits_for_it(world: World) -> None:
    service = world.service()
    await service.start()
    try:
        world.master.broker.open_market("XAUUSD", Side.BUY, 1.0)
        await until(lambda: len(world.slave.broker.positions()) == 1 and service.busy == 0)
        service.views.forget("slave")  # as when its terminal went away
        request = CloseAllRequest(number=777, link_id=1)
        world.store.set_trader_state({request.key: request.to_dict()})

        sent_while_away = await service.controls.close_all(request)
        still_open = world.slave.broker.positions() != ()
        waiting = world.store.load_trader_state(ts.CLOSE_ALL)[request.key].get("done_ms")
        await service.refresh_snapshots()  # the slave is back
        await service.controls.take_requests()
        await until(lambda: world.slave.broker.positions() == () and service.busy == 0)
    finally:
        await service.stop()
    assert (sent_while_away, still_open, waiting) == (0, True, None)
    assert world.store.load_trader_state(ts.CLOSE_ALL)[request.key]["done_ms"] > 0


async def test_equity_marks_are_stored_on_a_new_day_at_once_and_new_peaks_every_few_seconds(
    world: World,
) -> None:
    now = [1_767_225_600_000]
    service = CopyService(world.store, Bus(), clock=lambda: now[0])
    controls = service.controls

    def stored() -> dict[str, object]:
        return world.store.load_trader_state(ts.EQUITY_MARKS).get(f"{ts.EQUITY_MARKS}slave", {})

    async def mark(peak: float) -> dict[str, object]:
        controls.save_marks("slave", {"day": 20_454, "day_start": 100.0, "peak_day": peak,
                                      "peak_all": peak})  # fmt: skip
        await world.store.flush()
        return stored()

    first = await mark(100.0)
    held_back = await mark(101.0)
    now[0] += 5_000
    controls.flush_marks()
    await world.store.flush()
    later = stored()

    assert first["peak_all"] == 100.0
    assert held_back["peak_all"] == 100.0  # within 5 s of the last write
    assert later["peak_all"] == 101.0
