"""The books of one simulated account: open positions, pending orders, order and deal history,
the balance, and the bookkeeping of every fill (hedging, netting, MT4 renumbering).

The ledger does no validation and reads no prices: the broker decides whether and at what price
something trades, and the ledger records it the way the trade server would, returning the
changes a terminal would see.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from copier.domain import EventKind, MarginMode, OrderType, Platform, Side
from copier.testbed.broker.account import SimAccount
from copier.testbed.broker.history import History
from copier.testbed.broker.records import (
    DealEntry,
    OrderState,
    SimOrder,
    SimPosition,
    Trade,
    TradeChange,
    order_change,
    position_change,
)

# profit(symbol, side, volume, price_open, price_close) in the account currency
Valuer = Callable[[str, Side, float, float, float], float]

_EPS = 1e-9


def _vol(x: float) -> float:
    """Volumes are sums of lot steps; rounding hides binary float dust (0.30000000000000004)."""
    return round(x, 8)


@dataclass(frozen=True, slots=True)
class FillOutcome:
    order: int
    deal: int
    position: int  # the position opened or changed; an MT4 partial close: the remainder's ticket
    volume: float  # what was traded
    price: float
    changes: tuple[TradeChange, ...]


class Ledger:
    def __init__(self, account: SimAccount, first_ticket: int, valuer: Valuer, now_ms: int) -> None:
        self._account = account
        self._value = valuer
        self.positions: dict[int, SimPosition] = {}
        self.orders: dict[int, SimOrder] = {}
        self.history = History(first_ticket_of_deals=first_ticket + 7_000_000)
        self.balance = account.balance
        self._next_ticket = first_ticket
        if account.balance:
            self.history.deposit(account.balance, now_ms)

    @property
    def netting(self) -> bool:
        return self._account.margin_mode is MarginMode.NETTING

    def new_ticket(self) -> int:
        ticket = self._next_ticket
        self._next_ticket += 1
        return ticket

    def netting_position(self, symbol: str) -> SimPosition | None:
        for pos in self.positions.values():
            if pos.symbol == symbol:
                return pos
        return None

    def position_by_identifier(self, identifier: int) -> SimPosition | None:
        for pos in self.positions.values():
            if pos.identifier == identifier:
                return pos
        return None

    # --- market deals --------------------------------------------------------------------------

    def market_deal(self, trade: Trade) -> FillOutcome:
        """A market order: a new position (hedging) or a deal into the symbol's one position."""
        order = self.new_ticket()
        existing = self.netting_position(trade.symbol) if self.netting else None
        outcome = self._net(existing, trade, order) if existing else self._open(trade, order, order)
        self.history.record_order(order, trade, OrderType.market(trade.side), outcome.position)
        return outcome

    def close_volume(
        self,
        pos: SimPosition,
        trade: Trade,
        entry: DealEntry = DealEntry.OUT,
        by_position: int = 0,
    ) -> FillOutcome:
        """Close ``trade.volume`` of ``pos`` (all of it, or part) with an opposite order."""
        # MT4 closes a trade under its own ticket; MT5 sends a new, opposite order.
        mt4 = self._account.platform is Platform.MT4
        order = pos.ticket if mt4 else self.new_ticket()
        outcome = self._close_part(pos, trade, order, entry)
        self.history.record_order(
            order, trade, OrderType.market(trade.side), pos.identifier, by_position
        )
        return outcome

    def fill_pending(self, order: SimOrder, price: float, now_ms: int) -> FillOutcome:
        """A pending order triggered: the order's ticket becomes the position's (hedging, MT4),
        or the deal nets into the symbol's position (netting)."""
        del self.orders[order.ticket]
        trade = Trade(
            symbol=order.symbol,
            side=order.order_type.side,
            volume=order.volume_current,
            price=price,
            time_msc=now_ms,
            sl=order.sl,
            tp=order.tp,
            magic=order.magic,
            comment=order.comment,
            reason=order.reason,
            filling=order.filling,
        )
        existing = self.netting_position(order.symbol) if self.netting else None
        outcome = (
            self._net(existing, trade, order.ticket)
            if existing
            else self._open(trade, order.ticket, order.ticket)
        )
        pos = self.positions.get(outcome.position)
        self.history.orders[order.ticket] = replace(
            order,
            state=OrderState.FILLED,
            volume_current=0.0,
            time_done_msc=now_ms,
            position_id=pos.identifier if pos else outcome.position,
            price_current=price,
        )
        filled = TradeChange(
            kind=EventKind.PENDING_FILLED,
            ticket=order.ticket,
            symbol=order.symbol,
            order_type=order.order_type,
            volume=order.volume_current,
            price=price,
            time_msc=now_ms,
            sl=order.sl,
            tp=order.tp,
            magic=order.magic,
            comment=order.comment,
            new_ticket=outcome.position if outcome.position != order.ticket else None,
        )
        # On netting accounts the fill is reported once, as a fill, not also as the position's
        # increase or reduction it caused: a copier copies the order, not its side effects.
        return replace(outcome, changes=(filled,))

    # --- pending orders and modifications ------------------------------------------------------

    def place(self, order: SimOrder) -> TradeChange:
        self.orders[order.ticket] = order
        return order_change(EventKind.PENDING_PLACED, order)

    def modify_order(self, order: SimOrder, now_ms: int) -> TradeChange:
        self.orders[order.ticket] = order
        return order_change(EventKind.PENDING_MODIFIED, order, now_ms)

    def cancel(self, order: SimOrder, now_ms: int, state: OrderState) -> TradeChange:
        del self.orders[order.ticket]
        self.history.orders[order.ticket] = replace(order, state=state, time_done_msc=now_ms)
        return order_change(EventKind.PENDING_DELETED, order, now_ms)

    def modify_position(self, pos: SimPosition, sl: float, tp: float, now_ms: int) -> TradeChange:
        changed = replace(pos, sl=sl, tp=tp, time_update_msc=now_ms)
        self.positions[pos.ticket] = changed
        return position_change(EventKind.MODIFIED, changed, changed.price_open, now_ms)

    # --- bookkeeping ---------------------------------------------------------------------------

    def _open(self, trade: Trade, order: int, ticket: int) -> FillOutcome:
        pos = SimPosition(
            ticket=ticket,
            identifier=ticket,
            symbol=trade.symbol,
            side=trade.side,
            volume=_vol(trade.volume),
            price_open=trade.price,
            time_msc=trade.time_msc,
            time_update_msc=trade.time_msc,
            sl=trade.sl,
            tp=trade.tp,
            magic=trade.magic,
            comment=trade.comment,
            price_current=trade.price,
            reason=trade.reason,
        )
        self.positions[ticket] = pos
        deal = self.history.deal(trade, order, DealEntry.IN, trade.volume, 0.0, ticket)
        change = position_change(EventKind.OPENED, pos, trade.price, trade.time_msc)
        return FillOutcome(order, deal, ticket, trade.volume, trade.price, (change,))

    def _net(self, pos: SimPosition, trade: Trade, order: int) -> FillOutcome:
        """A deal into a netting position: it adds, reduces, closes or reverses it."""
        if trade.side is pos.side:
            return self._increase(pos, trade, order)
        if trade.volume <= pos.volume + _EPS:
            return self._close_part(pos, trade, order, DealEntry.OUT)
        return self._reverse(pos, trade, order)

    def _increase(self, pos: SimPosition, trade: Trade, order: int) -> FillOutcome:
        volume = _vol(pos.volume + trade.volume)
        average = (pos.price_open * pos.volume + trade.price * trade.volume) / volume
        grown = replace(
            pos,
            volume=volume,
            price_open=round(average, 8),
            time_update_msc=trade.time_msc,
            sl=trade.sl or pos.sl,
            tp=trade.tp or pos.tp,
        )
        self.positions[pos.ticket] = grown
        deal = self.history.deal(trade, order, DealEntry.IN, trade.volume, 0.0, pos.identifier)
        change = position_change(EventKind.INCREASED, grown, trade.price, trade.time_msc)
        return FillOutcome(order, deal, pos.ticket, trade.volume, trade.price, (change,))

    def _reverse(self, pos: SimPosition, trade: Trade, order: int) -> FillOutcome:
        """More volume against the position than it holds: it closes and reopens the other way,
        keeping its identifier; its ticket too, or on accounts that say so (MT5) taking the
        reversing order's ticket."""
        profit = self._value(pos.symbol, pos.side, pos.volume, pos.price_open, trade.price)
        self.balance += profit
        deal = self.history.deal(
            trade, order, DealEntry.INOUT, trade.volume, profit, pos.identifier
        )
        remaining = _vol(trade.volume - pos.volume)
        ticket = order if self._account.reversal_takes_order_ticket else pos.ticket
        flipped = replace(
            pos,
            ticket=ticket,
            side=trade.side,
            volume=remaining,
            price_open=trade.price,
            time_msc=trade.time_msc,
            time_update_msc=trade.time_msc,
            sl=trade.sl,
            tp=trade.tp,
            magic=trade.magic,
            comment=trade.comment,
        )
        if ticket != pos.ticket:
            del self.positions[pos.ticket]
        self.positions[ticket] = flipped
        closed = position_change(
            EventKind.CLOSED,
            pos,
            trade.price,
            trade.time_msc,
            volume=0.0,
            closed_volume=pos.volume,
        )
        opened = position_change(EventKind.OPENED, flipped, trade.price, trade.time_msc)
        return FillOutcome(order, deal, ticket, trade.volume, trade.price, (closed, opened))

    def _close_part(
        self, pos: SimPosition, trade: Trade, order: int, entry: DealEntry
    ) -> FillOutcome:
        volume = min(trade.volume, pos.volume)
        profit = self._value(pos.symbol, pos.side, volume, pos.price_open, trade.price)
        self.balance += profit
        deal = self.history.deal(trade, order, entry, volume, profit, pos.identifier, pos)
        remaining = _vol(pos.volume - volume)
        if remaining <= _EPS:
            del self.positions[pos.ticket]
            change = position_change(
                EventKind.CLOSED,
                pos,
                trade.price,
                trade.time_msc,
                volume=0.0,
                closed_volume=pos.volume,
            )
            return FillOutcome(order, deal, pos.ticket, volume, trade.price, (change,))
        if self._account.platform is Platform.MT4:
            return self._renumber(pos, trade, order, deal, volume, remaining)
        reduced = replace(pos, volume=remaining, time_update_msc=trade.time_msc)
        self.positions[pos.ticket] = reduced
        change = position_change(
            EventKind.PARTIALLY_CLOSED,
            reduced,
            trade.price,
            trade.time_msc,
            closed_volume=volume,
        )
        return FillOutcome(order, deal, pos.ticket, volume, trade.price, (change,))

    def _renumber(
        self,
        pos: SimPosition,
        trade: Trade,
        order: int,
        deal: int,
        volume: float,
        remaining: float,
    ) -> FillOutcome:
        """MT4: the closed part keeps the old ticket in history and the remainder is a new
        position with a new ticket whose comment points back to the old one."""
        new_ticket = self.new_ticket()
        del self.positions[pos.ticket]
        rest = replace(
            pos,
            ticket=new_ticket,
            identifier=new_ticket,
            volume=remaining,
            comment=f"from #{pos.ticket}",
            time_update_msc=trade.time_msc,
        )
        self.positions[new_ticket] = rest
        self.history.record_closed_part(pos, volume, new_ticket, trade)
        # The event names the old ticket and keeps the trader's comment for the copier's filters.
        seen_as = replace(rest, ticket=pos.ticket, comment=pos.comment)
        change = position_change(
            EventKind.PARTIALLY_CLOSED,
            seen_as,
            trade.price,
            trade.time_msc,
            closed_volume=volume,
            new_ticket=new_ticket,
        )
        return FillOutcome(order, deal, new_ticket, volume, trade.price, (change,))
