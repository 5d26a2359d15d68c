"""A pending copy the broker refused because the market reached its price between the quote it
was decided on and its arrival (seen in a 10-minute soak: "XAUUSD: buy_stop at 2353.45 is
invalid with the market at 2353.20/2353.45"). The refusal here is the testbed broker's own,
which refuses as MetaTrader's trade server does (TRADE_RETCODE_INVALID_PRICE, 10015); the copy
is then decided again on a fresh quote, as at placement, by the link's ``pending_reached``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from copier.domain import (
    Command,
    CommandKind,
    EventKind,
    ExecutionResult,
    MasterEvent,
    OrderType,
    Retcode,
    command_id,
)
from copier.engine.config import Link, LinkRules, PendingReached
from copier.engine.results import refused_for_its_price
from copier.engine.state import TicketState
from copier.events import CopyFailed, CopyWasAdjusted, CopyWasDenied
from copier.service import CopyService
from copier.store import Store
from copier.testbed.broker.executor import SimExecutor
from tests.unit.core.test_service_decisions import BrokerTerminal, linked_service

pytestmark = pytest.mark.timeout(20)

TICKET = 700


@dataclass
class World:
    store: Store
    service: CopyService
    slave: BrokerTerminal
    seen: list[object] = field(default_factory=list)

    def of(self, kind: type) -> list[object]:
        return [e for e in self.seen if isinstance(e, kind)]

    def move_ask_to(self, price: float) -> None:
        """Put the slave's market where its ask is ``price``."""
        broker = self.slave.broker
        listing = broker.listing("EURUSD")
        assert listing is not None
        half = listing.spread_points * listing.spec.point / 2
        broker.market.set_mid(listing.underlying, price - half)

    def ask(self) -> float:
        return self.slave.broker.quotes()["EURUSD"].ask

    async def settled(self) -> None:
        """The refusals taken are decided again (or stand) and written."""
        async with asyncio.timeout(5):
            while self.service.refused.waiting:
                await asyncio.sleep(0.005)
        await asyncio.sleep(0.01)
        await self.store.flush()


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    store, _, service, slave = linked_service(tmp_path)
    w = World(store, service, slave)
    service.bus.subscribe(w.seen.append)
    await service.start()
    try:
        yield w
    finally:
        await service.stop()
        store.close()


def pending(seq: int, kind: EventKind, price: float) -> MasterEvent:
    return MasterEvent("m", seq, kind, TICKET, "EURUSD", OrderType.BUY_STOP, 0.1, price, 1)


async def placed_then_refused(world: World, *, back: bool = False) -> Command:
    """The master places a buy stop 20 points over the ask; the copier places its copy; the
    market reaches the price before the copy arrives and the broker refuses it. ``back``: the
    market has gone back under the price by the time the refusal comes back."""
    start = world.ask()
    price = round(start + 0.0002, 5)
    await world.service.on_event(pending(1, EventKind.PENDING_PLACED, price))
    (place,) = world.slave.commands
    assert place.kind is CommandKind.PLACE_PENDING
    world.move_ask_to(price + 0.00005)
    refusal = SimExecutor(world.slave.broker, "s").execute(place)
    assert refusal.retcode == Retcode.INVALID_PRICE, refusal.message
    if back:
        world.move_ask_to(start)
    world.service.on_result(refusal)
    return place


async def test_a_pending_refused_as_reached_is_opened_at_market_on_a_fresh_quote(
    world: World,
) -> None:
    place = await placed_then_refused(world)
    waiting = world.service.busy  # the copier is not idle while a refusal waits
    await world.settled()

    _, again = world.slave.commands
    assert waiting == 1
    assert again.kind is CommandKind.OPEN
    assert again.id == command_id(place.link_id, TICKET, 1, leg=1) != place.id
    assert world.of(CopyFailed) == []
    (adjusted,) = world.of(CopyWasAdjusted)
    assert isinstance(adjusted, CopyWasAdjusted)
    assert "already reached by the market" in adjusted.adjustment.reason
    assert "opened at market" in adjusted.adjustment.reason
    # Stored before it was sent: a crash now resends it under the same id.
    assert [c.id for c in world.store.load_outbox()] == [again.id]
    assert [(t.leg, t.state) for t in world.store.load_tickets()] == [(1, TicketState.OPENING)]


async def test_the_open_at_market_is_what_the_executor_then_does(world: World) -> None:
    await placed_then_refused(world)
    await world.settled()

    _, again = world.slave.commands
    done = SimExecutor(world.slave.broker, "s").execute(again)
    world.service.on_result(done)

    assert done.ok, done.message
    (position,) = world.slave.broker.positions()
    assert position.comment.endswith(str(TICKET))
    assert [(t.leg, t.state) for t in world.service.tickets()] == [
        (0, TicketState.FAILED), (1, TicketState.OPEN)
    ]


async def test_a_link_set_to_skip_skips_it_with_the_reason(world: World) -> None:
    link = world.service.links[1]
    world.service.set_link(Link(link.id, link.master_id, link.slave_id,
                                rules=LinkRules(pending_reached=PendingReached.SKIP)))  # fmt: skip
    await placed_then_refused(world)
    await world.settled()

    assert len(world.slave.commands) == 1
    assert world.of(CopyFailed) == []
    (denied,) = world.of(CopyWasDenied)
    assert isinstance(denied, CopyWasDenied)
    assert "copy skipped (link set to skip)" in denied.denial.reason


async def test_it_is_placed_again_when_the_fresh_quote_is_back_under_the_price(
    world: World,
) -> None:
    place = await placed_then_refused(world, back=True)
    await world.settled()

    _, again = world.slave.commands
    assert (again.kind, again.price, again.order_type) == (place.kind, place.price,
                                                          place.order_type)  # fmt: skip
    assert again.id == command_id(place.link_id, TICKET, 1, leg=1)
    assert world.of(CopyFailed) == []


async def test_a_move_of_the_master_order_meanwhile_is_placed_at_its_new_price(
    world: World,
) -> None:
    service = world.service
    await service.on_event(pending(1, EventKind.PENDING_PLACED, round(world.ask() + 0.0002, 5)))
    async with service.master_lock("m"):
        moved_to = round(world.ask() + 0.0050, 5)
        moved = asyncio.create_task(service.on_event(pending(2, EventKind.PENDING_MODIFIED,
                                                             moved_to)))  # fmt: skip
        await asyncio.sleep(0.01)  # the move waits for the lock first
        await_free_refusal(world)
    await moved
    await world.settled()

    place, again = world.slave.commands
    assert (again.kind, again.price) == (CommandKind.PLACE_PENDING, moved_to)
    assert again.id == command_id(place.link_id, TICKET, 2, leg=1)
    assert world.of(CopyFailed) == []


async def test_the_refusal_stands_when_the_master_deleted_the_order_first(world: World) -> None:
    service = world.service
    await service.on_event(pending(1, EventKind.PENDING_PLACED, round(world.ask() + 0.0002, 5)))
    async with service.master_lock("m"):
        deleted = asyncio.create_task(service.on_event(pending(2, EventKind.PENDING_DELETED, 0)))
        await asyncio.sleep(0.01)  # the deletion waits for the lock first
        place = await_free_refusal(world)
    await deleted
    await world.settled()

    assert world.slave.commands == [place]
    assert len(world.of(CopyFailed)) == 1


def await_free_refusal(world: World) -> Command:
    """``placed_then_refused`` without its awaits: the placement is already decided."""
    (place,) = world.slave.commands
    world.move_ask_to(place.price + 0.00005)
    world.service.on_result(SimExecutor(world.slave.broker, "s").execute(place))
    return place


async def test_a_fill_of_the_master_order_first_still_opens_the_copy_at_market(
    world: World,
) -> None:
    service = world.service
    price = round(world.ask() + 0.0002, 5)
    await service.on_event(pending(1, EventKind.PENDING_PLACED, price))
    async with service.master_lock("m"):
        filled = asyncio.create_task(service.on_event(pending(2, EventKind.PENDING_FILLED, price)))
        await asyncio.sleep(0.01)
        await_free_refusal(world)
    await filled
    await world.settled()

    _, again = world.slave.commands
    assert again.kind is CommandKind.OPEN
    assert world.of(CopyFailed) == []


@pytest.mark.parametrize(
    ("kind", "code", "taken"),
    [
        (CommandKind.PLACE_PENDING, Retcode.INVALID_PRICE, True),  # MT5's answer
        (CommandKind.PLACE_PENDING, Retcode.INVALID_STOPS, True),  # MT4's 130, mapped
        (CommandKind.PLACE_PENDING, Retcode.NO_MONEY, False),
        (CommandKind.PLACE_PENDING, Retcode.INVALID_VOLUME, False),
        (CommandKind.OPEN, Retcode.INVALID_PRICE, False),
        (CommandKind.MODIFY_PENDING, Retcode.INVALID_PRICE, False),
    ],
)
def test_only_a_placement_refused_for_its_price_is_decided_again(
    kind: CommandKind, code: Retcode, taken: bool
) -> None:
    command = Command(id="L1-T700-S1", link_id=1, slave_id="s", kind=kind, master_ticket=TICKET,
                      symbol="EURUSD", order_type=OrderType.BUY_STOP, volume=0.1,
                      price=1.1)  # fmt: skip

    assert refused_for_its_price(command, ExecutionResult(command.id, "s", int(code), "")) is taken
