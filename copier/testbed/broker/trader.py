"""A seeded random master trader: opens, partial closes (again and again), SL/TP changes,
pending orders, full closes and bursts of closes on a SimBroker — the same seed on the same
broker and market gives the same actions, so a test can replay a trading session exactly."""

from __future__ import annotations

import random
from dataclasses import dataclass
from enum import StrEnum

from copier.domain import OrderType, Side, SymbolSpec
from copier.testbed.broker.broker import SimBroker
from copier.testbed.broker.records import SimPosition, TradeReason, TradeResult
from copier.testbed.broker.validation import normalize_volume


class ActionKind(StrEnum):
    OPEN = "open"
    PARTIAL_CLOSE = "partial_close"
    MODIFY = "modify"
    PLACE_PENDING = "place_pending"
    MODIFY_PENDING = "modify_pending"
    DELETE_PENDING = "delete_pending"
    CLOSE = "close"
    BURST_CLOSE = "burst_close"


# How often each action is chosen (relative weights).
DEFAULT_WEIGHTS: dict[ActionKind, int] = {
    ActionKind.OPEN: 30,
    ActionKind.PARTIAL_CLOSE: 14,
    ActionKind.MODIFY: 12,
    ActionKind.PLACE_PENDING: 10,
    ActionKind.MODIFY_PENDING: 6,
    ActionKind.DELETE_PENDING: 5,
    ActionKind.CLOSE: 18,
    ActionKind.BURST_CLOSE: 3,
}


@dataclass(frozen=True, slots=True)
class TraderAction:
    """What one step did: the action, the tickets it touched and the broker's answers."""

    kind: ActionKind
    symbol: str
    tickets: tuple[int, ...]
    volume: float
    retcodes: tuple[int, ...]


class RandomTrader:
    def __init__(
        self,
        broker: SimBroker,
        *,
        seed: int,
        symbols: tuple[str, ...] = (),
        magic: int = 0,
        max_positions: int = 8,
        max_pendings: int = 4,
        weights: dict[ActionKind, int] | None = None,
    ) -> None:
        self._broker = broker
        self._rng = random.Random(seed)
        self._symbols = symbols or broker.catalogue.symbols
        self._magic = magic
        self._max_positions = max_positions
        self._max_pendings = max_pendings
        self._weights = weights or DEFAULT_WEIGHTS
        self._partially_closed: set[int] = set()
        self.actions: list[TraderAction] = []

    def step(self) -> TraderAction:
        """Choose one action from the account's state and do it."""
        kind = self._feasible(
            self._rng.choices(list(self._weights), list(self._weights.values()))[0]
        )
        action = self._do(kind)
        self.actions.append(action)
        return action

    def _feasible(self, kind: ActionKind) -> ActionKind:
        positions, orders = len(self._broker.positions()), len(self._broker.orders())
        needs_position = {ActionKind.PARTIAL_CLOSE, ActionKind.MODIFY, ActionKind.CLOSE}
        if kind in needs_position and not positions:
            return ActionKind.OPEN
        if kind is ActionKind.BURST_CLOSE and positions < 2:
            return ActionKind.OPEN if positions < self._max_positions else ActionKind.CLOSE
        if kind in (ActionKind.MODIFY_PENDING, ActionKind.DELETE_PENDING) and not orders:
            return ActionKind.PLACE_PENDING
        if kind is ActionKind.PLACE_PENDING and orders >= self._max_pendings:
            return ActionKind.DELETE_PENDING
        if kind is ActionKind.OPEN and positions >= self._max_positions:
            return ActionKind.CLOSE
        return kind

    def _do(self, kind: ActionKind) -> TraderAction:
        handlers = {
            ActionKind.OPEN: self._open,
            ActionKind.PARTIAL_CLOSE: self._partial_close,
            ActionKind.MODIFY: self._modify,
            ActionKind.PLACE_PENDING: self._place_pending,
            ActionKind.MODIFY_PENDING: self._modify_pending,
            ActionKind.DELETE_PENDING: self._delete_pending,
            ActionKind.CLOSE: self._close,
            ActionKind.BURST_CLOSE: self._burst_close,
        }
        return handlers[kind]()

    # --- actions -------------------------------------------------------------------------------

    def _open(self) -> TraderAction:
        symbol = self._rng.choice(self._symbols)
        spec = self._spec(symbol)
        side = self._rng.choice((Side.BUY, Side.SELL))
        volume = self._lot(spec)
        sl, tp = self._stops(spec, side, symbol) if self._rng.random() < 0.4 else (0.0, 0.0)
        result = self._broker.open_market(
            symbol,
            side,
            volume,
            sl=sl,
            tp=tp,
            magic=self._magic,
            comment="sim trader",
            reason=TradeReason.CLIENT,
        )
        return self._action(ActionKind.OPEN, symbol, (result.position,), volume, result)

    def _partial_close(self) -> TraderAction:
        again = sorted(t for t in self._partially_closed if self._broker.position(t))
        pos = (
            self._broker.position(self._rng.choice(again))
            if again and self._rng.random() < 0.6
            else self._pick_position()
        )
        assert pos is not None
        spec = self._spec(pos.symbol)
        part = normalize_volume(spec, pos.volume * self._rng.uniform(0.25, 0.6))
        if part < spec.volume_min or part >= pos.volume:
            return self._modify()  # too small to split: change its stops instead
        result = self._broker.close_position(pos.ticket, part)
        if result.ok:
            self._partially_closed.discard(pos.ticket)
            self._partially_closed.add(result.position)  # on MT4 the remainder is renumbered
        return self._action(ActionKind.PARTIAL_CLOSE, pos.symbol, (pos.ticket,), part, result)

    def _modify(self) -> TraderAction:
        pos = self._pick_position()
        spec = self._spec(pos.symbol)
        sl, tp = self._stops(spec, pos.side, pos.symbol)
        if self._rng.random() < 0.25:
            tp = 0.0  # sometimes a trader removes the target
        result = self._broker.modify_position(pos.ticket, sl, tp)
        return self._action(ActionKind.MODIFY, pos.symbol, (pos.ticket,), pos.volume, result)

    def _place_pending(self) -> TraderAction:
        symbol = self._rng.choice(self._symbols)
        spec = self._spec(symbol)
        order_type = self._rng.choice(
            (OrderType.BUY_LIMIT, OrderType.SELL_LIMIT, OrderType.BUY_STOP, OrderType.SELL_STOP)
        )
        price = self._pending_price(spec, order_type, symbol)
        sl = tp = 0.0
        if self._rng.random() < 0.5:
            away = (self._rng.randint(150, 500) + spec.stops_level) * spec.point
            sign = order_type.side.sign
            sl, tp = (
                round(price - sign * away, spec.digits),
                round(price + sign * away, spec.digits),
            )
        volume = self._lot(spec)
        result = self._broker.place_pending(
            symbol,
            order_type,
            volume,
            price,
            sl=sl,
            tp=tp,
            magic=self._magic,
            comment="sim trader",
        )
        return self._action(ActionKind.PLACE_PENDING, symbol, (result.order,), volume, result)

    def _modify_pending(self) -> TraderAction:
        order = self._rng.choice(sorted(self._broker.orders(), key=lambda o: o.ticket))
        spec = self._spec(order.symbol)
        price = self._pending_price(spec, order.order_type, order.symbol)
        moved = price - order.price_open
        sl = round(order.sl + moved, spec.digits) if order.sl else 0.0
        tp = round(order.tp + moved, spec.digits) if order.tp else 0.0
        result = self._broker.modify_pending(order.ticket, price=price, sl=sl, tp=tp)
        return self._action(
            ActionKind.MODIFY_PENDING, order.symbol, (order.ticket,), order.volume_current, result
        )

    def _delete_pending(self) -> TraderAction:
        order = self._rng.choice(sorted(self._broker.orders(), key=lambda o: o.ticket))
        result = self._broker.delete_pending(order.ticket)
        return self._action(
            ActionKind.DELETE_PENDING, order.symbol, (order.ticket,), order.volume_current, result
        )

    def _close(self) -> TraderAction:
        pos = self._pick_position()
        result = self._broker.close_position(pos.ticket)
        return self._action(ActionKind.CLOSE, pos.symbol, (pos.ticket,), pos.volume, result)

    def _burst_close(self) -> TraderAction:
        """Several positions closed at once, as a trader hitting "close all" does."""
        held = sorted(self._broker.positions(), key=lambda p: p.ticket)
        chosen = self._rng.sample(held, min(len(held), self._rng.randint(2, 4)))
        results = [self._broker.close_position(p.ticket) for p in chosen]
        return TraderAction(
            kind=ActionKind.BURST_CLOSE,
            symbol=",".join(p.symbol for p in chosen),
            tickets=tuple(p.ticket for p in chosen),
            volume=round(sum(p.volume for p in chosen), 8),
            retcodes=tuple(int(r.retcode) for r in results),
        )

    # --- choices -------------------------------------------------------------------------------

    def _spec(self, symbol: str) -> SymbolSpec:
        spec = self._broker.symbol_spec(symbol)
        if spec is None:
            raise ValueError(f"{symbol}: not offered by {self._broker.catalogue.company}")
        return spec

    def _pick_position(self) -> SimPosition:
        return self._rng.choice(sorted(self._broker.positions(), key=lambda p: p.ticket))

    def _lot(self, spec: SymbolSpec) -> float:
        steps = self._rng.choice((1, 1, 2, 3, 5, 8, 10, 20))
        volume = normalize_volume(spec, spec.volume_min * steps)
        return min(volume, spec.volume_max)

    def _stops(self, spec: SymbolSpec, side: Side, symbol: str) -> tuple[float, float]:
        quote = self._broker.quote(symbol)
        sl_away = (self._rng.randint(60, 400) + spec.stops_level) * spec.point
        tp_away = (self._rng.randint(60, 600) + spec.stops_level) * spec.point
        if side is Side.BUY:
            return round(quote.bid - sl_away, spec.digits), round(quote.bid + tp_away, spec.digits)
        return round(quote.ask + sl_away, spec.digits), round(quote.ask - tp_away, spec.digits)

    def _pending_price(self, spec: SymbolSpec, order_type: OrderType, symbol: str) -> float:
        quote = self._broker.quote(symbol)
        away = (self._rng.randint(20, 200) + spec.stops_level) * spec.point
        prices = {
            OrderType.BUY_LIMIT: quote.ask - away,
            OrderType.SELL_LIMIT: quote.bid + away,
            OrderType.BUY_STOP: quote.ask + away,
            OrderType.SELL_STOP: quote.bid - away,
        }
        return round(prices[order_type], spec.digits)

    @staticmethod
    def _action(
        kind: ActionKind, symbol: str, tickets: tuple[int, ...], volume: float, result: TradeResult
    ) -> TraderAction:
        return TraderAction(kind, symbol, tickets, volume, (int(result.retcode),))
