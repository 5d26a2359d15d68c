"""What a simulated terminal shows of its account's books: positions, pending orders and history
as the package's records, with its filters, on the trade server's clock — and, for a moment after
a trade request, as they were before it (``hold_view``).

A read of one order's or one position's history is looked up, not searched for, so a terminal
with a long history answers it as fast as a fresh one (a real terminal keeps its history in a
database of its own)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from copier.testbed.mt5standin.books import (
    deal_record,
    history_select,
    order_record,
    position_record,
    seconds,
    select,
)
from copier.testbed.mt5standin.constants import RES_E_INVALID_PARAMS
from copier.testbed.mt5standin.errors import CallError
from copier.testbed.mt5standin.records import TradeOrder, TradePosition

if TYPE_CHECKING:
    from copier.testbed.broker.records import SimOrder
    from copier.testbed.mt5standin.terminal import SimTerminal


class _Books(NamedTuple):
    positions: tuple[TradePosition, ...]
    orders: tuple[TradeOrder, ...]
    history_orders: int  # how many orders and deals the history held: it only grows, so the
    history_deals: int  # history as it was is all of it but what came after


class BookReader:
    def __init__(self, terminal: SimTerminal) -> None:
        self.t = terminal
        self._view: _Books | None = None  # the books as read before a trade request
        self._view_until_ms = 0

    def hold_view(self) -> None:
        """A trade request is going to the server: until ``apply_lag_ms`` have passed, the books
        read here stay as they were before it. A terminal learns of its trades from the trade
        server a moment after order_send has returned (https://www.mql5.com/en/docs/
        python_metatrader5/mt5ordersend_py returns the server's answer; the positions, orders
        and history follow as trade transactions: https://www.mql5.com/en/docs/event_handlers/
        ontradetransaction)."""
        lag = self.t.profile.apply_lag_ms
        if lag <= 0:
            return
        now = self.t.broker.now_ms()
        if self._view is None or now >= self._view_until_ms:
            b, off = self.t.broker, self.t.offset_ms
            self._view = _Books(
                tuple(position_record(p, off) for p in b.positions()),
                tuple(self._order(o) for o in b.orders()),
                *b.history_sizes(),
            )
        self._view_until_ms = now + lag

    def _order(self, o: SimOrder) -> TradeOrder:
        return order_record(o, self.t.offset_ms, day=o.ticket in self.t.day_orders)

    def _held(self) -> _Books | None:
        if self._view is not None and self.t.broker.now_ms() < self._view_until_ms:
            return self._view
        self._view = None
        return None

    def orders_get(
        self, symbol: str | None = None, group: str | None = None, ticket: int | None = None
    ) -> tuple[Any, ...]:
        if not self.t.synced:
            return ()  # the books arrive from the trade server once connected
        held = self._held()
        return select(
            held.orders if held else (self._order(o) for o in self.t.broker.orders()),
            symbol=symbol,
            group=group,
            ticket=ticket,
        )

    def positions_get(
        self, symbol: str | None = None, group: str | None = None, ticket: int | None = None
    ) -> tuple[Any, ...]:
        if not self.t.synced:
            return ()
        held = self._held()
        return select(
            held.positions
            if held
            else (position_record(p, self.t.offset_ms) for p in self.t.broker.positions()),
            symbol=symbol,
            group=group,
            ticket=ticket,
        )

    def history_orders_get(
        self, date_from: Any = None, date_to: Any = None, **filters: Any
    ) -> tuple[Any, ...]:
        if not self.t.synced:
            return ()
        broker, held, off = self.t.broker, self._held(), self.t.offset_ms
        ticket = filters.get("ticket")
        if ticket is not None:  # one order: looked up, not searched for
            found = broker.history_order(ticket)
            candidates: tuple[SimOrder, ...] = (found,) if found is not None else ()
        else:
            window = self._window(date_from, date_to)
            candidates = tuple(
                o for o in broker.history_orders()
                if window is None or window[0] <= (o.time_done_msc and o.time_done_msc + off)
                <= window[1]
            )  # fmt: skip
        if held and candidates:
            later = {o.ticket for o in broker.history_orders_after(held.history_orders)}
            candidates = tuple(o for o in candidates if o.ticket not in later)
        records = [self._order(o) for o in candidates]
        found_records = history_select(records, date_from, date_to, "time_done_msc", **filters)
        if found_records is None:
            raise CallError(RES_E_INVALID_PARAMS, "Terminal: Invalid params")
        return found_records

    def history_deals_get(
        self, date_from: Any = None, date_to: Any = None, **filters: Any
    ) -> tuple[Any, ...]:
        if not self.t.synced:
            return ()
        broker, held = self.t.broker, self._held()
        ticket, position = filters.get("ticket"), filters.get("position")
        if ticket is not None:  # the deals of one order (DEAL_ORDER), or of one position
            candidates = broker.history_deals_of(order=ticket)
        elif position is not None:
            candidates = broker.history_deals_of(position=position)
        else:
            window = self._window(date_from, date_to)
            candidates = tuple(
                d for d in broker.history_deals()
                if window is None or window[0] <= d.time_msc + self.t.offset_ms <= window[1]
            )  # fmt: skip
        if held and candidates:
            later = {d.ticket for d in broker.history_deals_from(held.history_deals)}
            candidates = tuple(d for d in candidates if d.ticket not in later)
        records = [deal_record(d, self.t.offset_ms) for d in candidates]
        found = history_select(
            records, date_from, date_to, "time_msc", ticket_of="order", **filters
        )
        if found is None:
            raise CallError(RES_E_INVALID_PARAMS, "Terminal: Invalid params")
        return found

    @staticmethod
    def _window(date_from: Any, date_to: Any) -> tuple[float, float] | None:
        """A period's bounds on the server's clock in ms, to narrow the history before its
        records are made (``history_select`` then checks every argument as the package does)."""
        try:
            return seconds(date_from) * 1000, seconds(date_to) * 1000
        except (TypeError, ValueError):
            return None

    def history_orders_total(self, date_from: Any, date_to: Any) -> int:
        return len(self.history_orders_get(date_from, date_to))

    def history_deals_total(self, date_from: Any, date_to: Any) -> int:
        return len(self.history_deals_get(date_from, date_to))
