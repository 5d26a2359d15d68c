"""A link created (or enabled again) copies what its master already holds as its
``copy_existing`` says — ignore it, copy it at market near the master's price, or wait for that
price with a pending order that expires — once, also across a restart in the middle."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from copier.domain import CommandKind, OrderType, Side
from copier.engine.config import CopyExisting, Link, LinkRules, LotMode
from copier.engine.state import TicketState
from copier.events import Bus
from copier.service import CopyService
from copier.store import Store
from copier.store import traderstate as ts
from copier.terminals.simulated import SimulatedTerminal
from copier.testbed.broker.clock import ManualClock
from copier.testbed.broker.quotes import Market

pytestmark = pytest.mark.timeout(30)


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
    now: list[int]

    def service(self) -> CopyService:
        service = CopyService(self.store, Bus(), clock=lambda: self.now[0])
        service.add_terminal(self.master)
        service.add_terminal(self.slave)
        return service

    def move_gold(self, by: float) -> None:
        self.market.set_mid("XAUUSD", self.market.mid("XAUUSD") + by)


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    clock = ManualClock()
    market = Market(seed=5, start_ms=clock.now_ms())
    master = SimulatedTerminal.from_profile("master-mt5", market=market, clock=clock,
                                            account_id="master")  # fmt: skip
    slave = SimulatedTerminal.from_profile("slave-mt5", market=market, clock=clock,
                                           account_id="slave")  # fmt: skip
    store = Store.open(path=tmp_path / "copier.db")
    master.broker.open_market("XAUUSD", Side.BUY, 1.0)  # held before any link exists
    yield World(store, market, master, slave, [1_767_225_600_000])
    store.close()


def rules(choice: CopyExisting, **fields: object) -> LinkRules:
    return LinkRules(lot_mode=LotMode.FIXED, lot_value=0.5, copy_existing=choice,
                     **fields)  # type: ignore[arg-type]  # fmt: skip


async def create_link(service: CopyService, store: Store, link_rules: LinkRules) -> Link:
    saved = store.save_link(Link(0, "master", "slave", rules=link_rules))
    service.set_link(saved)
    def done() -> bool:
        requests = store.load_trader_state(ts.COPY_EXISTING).values()
        return service.busy == 0 and all(r.get("done_ms") for r in requests)

    await until(done)
    return saved


async def test_ignore_copies_nothing_the_master_already_holds(world: World) -> None:
    service = world.service()
    await service.start()
    try:
        await create_link(service, world.store, rules(CopyExisting.IGNORE))
        await asyncio.sleep(0.1)
    finally:
        await service.stop()
    assert world.slave.broker.positions() == () and service.tickets() == []


async def test_market_copies_near_the_masters_price(world: World) -> None:
    service = world.service()
    await service.start()
    try:
        await create_link(service, world.store,
                          rules(CopyExisting.MARKET, copy_existing_points=100))  # fmt: skip
        await until(lambda: len(world.slave.broker.positions()) == 1 and service.busy == 0)
    finally:
        await service.stop()
    [position] = world.slave.broker.positions()
    assert (position.side, position.volume) == (Side.BUY, 0.5)
    assert [t.state for t in service.tickets()] == [TicketState.OPEN]


async def test_market_refuses_a_copy_far_from_the_masters_price(world: World) -> None:
    world.move_gold(5.0)  # 500 points above the master's open price
    service = world.service()
    denied: list[str] = []
    service.bus.subscribe(lambda e: denied.append(e.denial.reason)
                          if hasattr(e, "denial") else None)  # fmt: skip
    await service.start()
    try:
        await create_link(service, world.store,
                          rules(CopyExisting.MARKET, copy_existing_points=100))  # fmt: skip
        await until(lambda: bool(denied))
    finally:
        await service.stop()
    assert world.slave.broker.positions() == ()
    assert denied[0].startswith("XAUUSD: slave price")
    assert denied[0].endswith("limit 100 — copy denied")


async def test_pending_waits_for_the_masters_price_fills_there_and_follows(
    world: World,
) -> None:
    [held] = world.master.broker.positions()
    world.move_gold(2.0)  # the market ran 200 points above the master's buy
    service = world.service()
    await service.start()
    try:
        await create_link(service, world.store, rules(CopyExisting.PENDING))
        await until(lambda: len(world.slave.broker.orders()) == 1)
        [order] = world.slave.broker.orders()
        world.move_gold(-2.5)  # back down through the master's price: the limit fills
        world.slave.broker.tick()
        await until(lambda: len(world.slave.broker.positions()) == 1)
        await until(lambda: [t.state for t in service.tickets()] == [TicketState.OPEN]
                    and not service.tickets()[0].is_pending, seconds=8)  # fmt: skip
        world.master.broker.close_position(held.ticket, held.volume)
        await until(lambda: world.slave.broker.positions() == () and service.busy == 0)
    finally:
        await service.stop()
    assert (order.order_type, order.price_open) == (OrderType.BUY_LIMIT, held.price_open)


async def test_a_pending_copy_is_deleted_at_its_expiry(world: World) -> None:
    world.move_gold(2.0)
    service = world.service()
    await service.start()
    try:
        await create_link(service, world.store,
                          rules(CopyExisting.PENDING, copy_existing_expiry_min=5))  # fmt: skip
        await until(lambda: len(world.slave.broker.orders()) == 1)
        world.now[0] += 5 * 60_000
        await until(lambda: world.slave.broker.orders() == () and service.busy == 0, seconds=8)
    finally:
        await service.stop()
    kinds = [row.kind for row in world.store.query_copies()]
    assert sorted(kinds) == sorted([CommandKind.PLACE_PENDING.value,
                                    CommandKind.DELETE_PENDING.value])  # fmt: skip


async def restart_and_redo(world: World, request: dict[str, int]) -> int:
    service = world.service()
    await service.start()
    try:
        await until(lambda: len(world.slave.broker.positions()) == 1 and service.busy == 0)
        return await service.controls.copy_existing(f"{ts.COPY_EXISTING}4242", request)
    finally:
        await service.stop()


async def test_a_restart_in_the_middle_copies_once(world: World) -> None:
    link = world.store.save_link(Link(0, "master", "slave", rules=rules(CopyExisting.MARKET)))
    # The copier stopped right after storing the request, before deciding it.
    request = {"link_id": link.id, "number": 4242}
    world.store.set_trader_state({f"{ts.COPY_EXISTING}4242": request})
    for _ in range(2):  # the restart takes the request; a second restart finds it done
        again = await restart_and_redo(world, request)
        assert again == 0  # redone by hand: the booked copy is not copied twice
    assert len(world.slave.broker.positions()) == 1
    ids = [row.command_id for row in world.store.query_copies()]
    assert ids == [f"L{link.id}-T{world.master.broker.positions()[0].ticket}-S4242"]
