"""What a simulated terminal shows of its account's books: positions, pending orders and history
as the package's records, with its filters, on the trade server's clock — and, for a moment after
a trade request, as they were before it (``hold_view``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from copier.testbed.mt5standin.books import (
    deal_record,
    history_select,
    order_record,
    position_record,
    select,
)
from copier.testbed.mt5standin.constants import RES_E_INVALID_PARAMS
from copier.testbed.mt5standin.errors import CallError
from copier.testbed.mt5standin.records import TradeDeal, TradeOrder, TradePosition

if TYPE_CHECKING:
    from copier.testbed.broker.records import SimOrder
    from copier.testbed.mt5standin.terminal import SimTerminal


class _Books(NamedTuple):
    positions: tuple[TradePosition, ...]
    orders: tuple[TradeOrder, ...]
    history_orders: tuple[TradeOrder, ...]
    history_deals: tuple[TradeDeal, ...]


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
                tuple(self._order(o) for o in b.history_orders()),
                tuple(deal_record(d, off) for d in b.history_deals()),
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
        held = self._held()
        records = (
            list(held.history_orders)
            if held
            else [self._order(o) for o in self.t.broker.history_orders()]
        )
        found = history_select(records, date_from, date_to, "time_done_msc", **filters)
        if found is None:
            raise CallError(RES_E_INVALID_PARAMS, "Terminal: Invalid params")
        return found

    def history_deals_get(
        self, date_from: Any = None, date_to: Any = None, **filters: Any
    ) -> tuple[Any, ...]:
        if not self.t.synced:
            return ()
        held = self._held()
        records = (
            list(held.history_deals)
            if held
            else [deal_record(d, self.t.offset_ms) for d in self.t.broker.history_deals()]
        )
        found = history_select(
            records, date_from, date_to, "time_msc", ticket_of="order", **filters
        )
        if found is None:
            raise CallError(RES_E_INVALID_PARAMS, "Terminal: Invalid params")
        return found

    def history_orders_total(self, date_from: Any, date_to: Any) -> int:
        return len(self.history_orders_get(date_from, date_to))

    def history_deals_total(self, date_from: Any, date_to: Any) -> int:
        return len(self.history_deals_get(date_from, date_to))
