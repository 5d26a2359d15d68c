"""A seeded master that does everything a trader does: opens, partial closes, closes, SL moves,
pending orders placed, moved, deleted and filled — one action at a time, each seen by the
Monitor as (at least) one event. Its market is the slaves' market, so pending copies sit where
the master's orders do; only the master's book is ever ticked, so a pending copy fills only when
the copier tells it to (FILL_PENDING)."""

from __future__ import annotations

import asyncio
import random
import time

from copier.domain import OrderType, Side
from copier.testbed.broker.broker import SimBroker
from tests.fault.world import SYMBOLS, FaultWorld, wait_until

VOLUMES = (0.02, 0.03, 0.04, 0.06)  # room for partial closes at the 0.01 step
PENDING_TYPES = (
    OrderType.BUY_LIMIT, OrderType.SELL_LIMIT, OrderType.BUY_STOP, OrderType.SELL_STOP,
)  # fmt: skip
QUIET_S = 0.01  # no new event for this long after an action: it made all it will


class RichStream:
    """One master action per ``step``; ``events`` counts what the Monitor reported."""

    def __init__(
        self, world: FaultWorld, seed: int, max_open: int = 8, max_orders: int = 4
    ) -> None:
        self.world = world
        self.broker: SimBroker = world.master
        self.rng = random.Random(seed)
        self.max_open = max_open
        self.max_orders = max_orders
        self.actions: dict[str, int] = {}
        self.events = 0

    async def step(self) -> str:
        action = self._choose()
        before = self.world.outbox.seq
        if action == "fill":
            await self._fill()
        else:
            getattr(self, f"_{action}")()
        await wait_until(lambda: self.world.outbox.seq > before, 5.0, f"monitor saw {action}")
        await self._quiet()
        self.events += self.world.outbox.seq - before
        self.actions[action] = self.actions.get(action, 0) + 1
        return action

    async def run(self, count: int, pause_s: float = 0.0) -> None:
        for _ in range(count):
            await self.step()
            if pause_s:
                await asyncio.sleep(pause_s)

    async def _quiet(self) -> None:
        seen, since = self.world.outbox.seq, time.monotonic()
        while time.monotonic() - since < QUIET_S:
            await asyncio.sleep(0.005)
            if self.world.outbox.seq != seen:
                seen, since = self.world.outbox.seq, time.monotonic()

    # ----- what to do next ------------------------------------------------------------------
    def _choose(self) -> str:
        held = self.broker.positions()
        orders = self.broker.orders()
        roll = self.rng.random()
        if len(held) < 2 or (len(held) < self.max_open and roll < 0.2):
            return "open"
        if len(orders) < 1 or (len(orders) < self.max_orders and roll < 0.35):
            return "place"
        choices = ["close", "modify", "move", "delete", "fill"]
        if any(p.volume >= 0.02 - 1e-9 for p in held):
            choices += ["partial", "partial"]
        return self.rng.choice(choices)

    # ----- positions ------------------------------------------------------------------------
    def _open(self) -> None:
        side = Side.BUY if self.rng.random() < 0.5 else Side.SELL
        result = self.broker.open_market(
            self.rng.choice(SYMBOLS), side, self.rng.choice(VOLUMES)
        )
        assert result.ok, result.comment

    def _partial(self) -> None:
        pos = self.rng.choice([p for p in self.broker.positions() if p.volume >= 0.02 - 1e-9])
        steps = round(pos.volume / 0.01)
        part = self.rng.randint(1, steps - 1) * 0.01
        result = self.broker.close_position(pos.ticket, round(part, 2))
        assert result.ok, result.comment

    def _close(self) -> None:
        result = self.broker.close_position(self.rng.choice(self.broker.positions()).ticket)
        assert result.ok, result.comment

    def _modify(self) -> None:
        pos = self.rng.choice(self.broker.positions())
        point, digits = self._point(pos.symbol)
        quote = self.broker.quote(pos.symbol)
        distance = self.rng.randint(200, 900) * point
        sl = quote.bid - distance if pos.side is Side.BUY else quote.ask + distance
        result = self.broker.modify_position(pos.ticket, round(sl, digits), 0.0)
        assert result.ok, result.comment

    # ----- pending orders -------------------------------------------------------------------
    def _place(self) -> None:
        symbol = self.rng.choice(SYMBOLS)
        kind = self.rng.choice(PENDING_TYPES)
        point, digits = self._point(symbol)
        quote = self.broker.quote(symbol)
        away = self.rng.randint(150, 600) * point
        price = {
            OrderType.BUY_LIMIT: quote.ask - away,
            OrderType.SELL_LIMIT: quote.bid + away,
            OrderType.BUY_STOP: quote.ask + away,
            OrderType.SELL_STOP: quote.bid - away,
        }[kind]
        sl = price - 300 * point if kind.side is Side.BUY else price + 300 * point
        result = self.broker.place_pending(
            symbol, kind, self.rng.choice(VOLUMES), round(price, digits), sl=round(sl, digits)
        )
        assert result.ok, result.comment

    def _move(self) -> None:
        """Farther from the market by 20–80 points, the SL with it."""
        order = self.rng.choice(self.broker.orders())
        point, digits = self._point(order.symbol)
        limit = order.order_type in (OrderType.BUY_LIMIT, OrderType.SELL_LIMIT)
        down = limit == (order.order_type.side is Side.BUY)
        shift = self.rng.randint(20, 80) * point * (-1 if down else 1)
        result = self.broker.modify_pending(
            order.ticket,
            price=round(order.price_open + shift, digits),
            sl=round(order.sl + shift, digits),
        )
        assert result.ok, result.comment

    def _delete(self) -> None:
        result = self.broker.delete_pending(self.rng.choice(self.broker.orders()).ticket)
        assert result.ok, result.comment

    async def settled(self, timeout: float = 30.0) -> None:
        """Every event acknowledged and every command's result stored."""
        world = self.world
        await wait_until(lambda: not world.outbox.unacked and world.outbox_size() == 0,
                         timeout, "the copier settled")  # fmt: skip

    async def _fill(self) -> None:
        """Put the market just across one order, let the master's book act, and put the market
        back once the slaves followed: a pending copy placed or moved meanwhile, or replaced at
        market with the SL of its order, sees the market its master saw."""
        await self.settled()
        order = self.rng.choice(self.broker.orders())
        listing = self.broker.listing(order.symbol)
        assert listing is not None
        point = listing.spec.point
        spread = listing.spread_points * point
        bid = {
            OrderType.BUY_LIMIT: order.price_open - spread - 2 * point,
            OrderType.SELL_LIMIT: order.price_open + 2 * point,
            OrderType.BUY_STOP: order.price_open,
            OrderType.SELL_STOP: order.price_open - 2 * point,
        }[order.order_type]
        market = self.broker.market
        was = market.mid(listing.underlying)
        market.set_mid(listing.underlying, bid + spread / 2)
        self.broker.tick(market.time_ms)  # no time passes: prices act, nothing moves them
        assert self.broker.order(order.ticket) is None, "the order did not fill"
        await self._quiet()
        await self.settled()
        market.set_mid(listing.underlying, was)

    def _point(self, symbol: str) -> tuple[float, int]:
        spec = self.broker.symbol_spec(symbol)
        assert spec is not None
        return spec.point, spec.digits
