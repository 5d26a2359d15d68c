"""AccountBooks: what can be read about a simulated account — symbols, quotes, positions,
orders, history and money — plus its change listeners and its clock tick.

``SimBroker`` adds trading on top; this half never changes the books except through ``tick``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from itertools import islice

from copier.domain import AccountInfo, MarginMode, Platform, Quote, Side, SymbolSpec
from copier.testbed.broker.account import BrokerFaults, SimAccount
from copier.testbed.broker.clock import Clock, WallClock
from copier.testbed.broker.ledger import Ledger
from copier.testbed.broker.quotes import Market
from copier.testbed.broker.records import OrderState, SimDeal, SimOrder, SimPosition, TradeChange
from copier.testbed.broker.symbols import Catalogue, Listing
from copier.testbed.broker.triggers import fire_triggers

Listener = Callable[[TradeChange], None]


def default_first_ticket(login: int) -> int:
    """Different accounts get different ticket ranges, so a test never confuses a master's
    ticket with a slave's by accident."""
    return (login % 9_000 + 1_000) * 100_000 + 1


class AccountBooks:
    def __init__(
        self,
        account: SimAccount,
        catalogue: Catalogue,
        market: Market,
        *,
        clock: Clock | None = None,
        faults: BrokerFaults | None = None,
        first_ticket: int = 0,
    ) -> None:
        self.account = account
        self.catalogue = catalogue
        self.market = market
        self.clock: Clock = clock or WallClock()
        self.faults = faults or BrokerFaults()
        self.trade_allowed = True  # the terminal's AutoTrading button
        self._listeners: list[Listener] = []
        self._ledger = Ledger(
            account,
            first_ticket or default_first_ticket(account.login),
            self.profit_of,
            self.clock.now_ms(),
        )

    # --- identity, symbols and quotes ----------------------------------------------------------

    @property
    def platform(self) -> Platform:
        return self.account.platform

    @property
    def margin_mode(self) -> MarginMode:
        return self.account.margin_mode

    def now_ms(self) -> int:
        return self.clock.now_ms()

    def listing(self, symbol: str) -> Listing | None:
        return self.catalogue.listing(symbol)

    def symbol_spec(self, symbol: str) -> SymbolSpec | None:
        """The symbol's spec with ``tick_value`` in the account currency at today's rate."""
        listing = self.catalogue.listing(symbol)
        if listing is None:
            return None
        spec = listing.spec
        rate = self.market.rate(spec.currency_profit, self.account.currency)
        return replace(spec, tick_value=spec.tick_size * spec.contract_size * rate)

    def symbols(self) -> dict[str, SymbolSpec]:
        specs = (self.symbol_spec(name) for name in self.catalogue.symbols)
        return {spec.name: spec for spec in specs if spec is not None}

    def quote(self, symbol: str) -> Quote:
        listing = self.catalogue.listing(symbol)
        if listing is None:
            raise KeyError(f"{symbol}: not offered by {self.catalogue.company}")
        return self.market.quote(listing)

    def quotes(self) -> dict[str, Quote]:
        return {entry.spec.name: self.market.quote(entry) for entry in self.catalogue.listings}

    # --- the books -----------------------------------------------------------------------------

    def positions(self, symbol: str | None = None) -> tuple[SimPosition, ...]:
        return tuple(
            self._mark(p)
            for p in self._ledger.positions.values()
            if symbol is None or p.symbol == symbol
        )

    def position(self, ticket: int) -> SimPosition | None:
        pos = self._ledger.positions.get(ticket)
        return self._mark(pos) if pos else None

    def orders(self, symbol: str | None = None) -> tuple[SimOrder, ...]:
        return tuple(
            o for o in self._ledger.orders.values() if symbol is None or o.symbol == symbol
        )

    def order(self, ticket: int) -> SimOrder | None:
        return self._ledger.orders.get(ticket)

    def history_orders(self, from_ms: int = 0, to_ms: int | None = None) -> tuple[SimOrder, ...]:
        return tuple(
            o
            for o in self._ledger.history.orders.values()
            if from_ms <= o.time_done_msc and (to_ms is None or o.time_done_msc <= to_ms)
        )

    def history_order(self, ticket: int) -> SimOrder | None:
        return self._ledger.history.orders.get(ticket)

    def history_deals(self, from_ms: int = 0, to_ms: int | None = None) -> tuple[SimDeal, ...]:
        return tuple(
            d
            for d in self._ledger.history.deals
            if from_ms <= d.time_msc and (to_ms is None or d.time_msc <= to_ms)
        )

    def history_deals_of(
        self, *, order: int | None = None, position: int | None = None
    ) -> tuple[SimDeal, ...]:
        """The deals of one order or one position, found without reading the whole history."""
        return tuple(self._ledger.history.deals_of(order=order, position=position))

    def history_sizes(self) -> tuple[int, int]:
        """How many orders and deals the history holds (both only grow)."""
        history = self._ledger.history
        return len(history.orders), len(history.deals)

    def history_orders_after(self, count: int) -> tuple[SimOrder, ...]:
        """The orders that came into the history after its first ``count``."""
        orders = self._ledger.history.orders
        return tuple(islice(reversed(orders.values()), max(len(orders) - count, 0)))

    def history_deals_from(self, index: int) -> tuple[SimDeal, ...]:
        """The deals in the order they were made, from the ``index``-th on (0: all of them)."""
        return tuple(self._ledger.history.deals[index:])

    def position_from_order(self, order_ticket: int) -> SimPosition | None:
        """The open position a filled pending (or market) order went into, if it is still open."""
        record = self._ledger.history.orders.get(order_ticket)
        if record is None or record.state is not OrderState.FILLED:
            return None
        pos = self._ledger.position_by_identifier(record.position_id)
        return self._mark(pos) if pos else None

    # --- money ---------------------------------------------------------------------------------

    @property
    def balance(self) -> float:
        return round(self._ledger.balance, 2)

    @property
    def floating_profit(self) -> float:
        return round(sum(p.profit for p in self.positions()), 2)

    @property
    def equity(self) -> float:
        return round(self._ledger.balance + self.floating_profit, 2)

    @property
    def margin(self) -> float:
        held = self._ledger.positions.values()
        return round(sum(self.margin_for(p.symbol, p.volume) for p in held), 2)

    @property
    def margin_free(self) -> float:
        return round(self.equity - self.margin, 2)

    @property
    def margin_level(self) -> float | None:
        margin = self.margin
        return None if margin <= 0 else self.equity / margin * 100.0

    def margin_for(self, symbol: str, volume: float) -> float:
        """Contract × volume × price / leverage, in the account currency."""
        listing = self.catalogue.listing(symbol)
        if listing is None:
            return 0.0
        spec = listing.spec
        notional = spec.contract_size * volume * self.market.mid(listing.underlying)
        rate = self.market.rate(spec.currency_profit, self.account.currency)
        return notional * rate / self.account.leverage

    def profit_of(
        self, symbol: str, side: Side, volume: float, open_: float, close: float
    ) -> float:
        """What a move from ``open_`` to ``close`` earns ``volume`` lots, in account currency."""
        listing = self.catalogue.listing(symbol)
        if listing is None:
            return 0.0
        spec = listing.spec
        move = (close - open_) * side.sign * spec.contract_size * volume
        return round(move * self.market.rate(spec.currency_profit, self.account.currency), 2)

    def account_info(self, account_id: str) -> AccountInfo:
        return AccountInfo(
            account_id=account_id,
            platform=self.platform,
            login=self.account.login,
            server=self.account.server,
            currency=self.account.currency,
            margin_mode=self.margin_mode,
            balance=self.balance,
            equity=self.equity,
            margin=self.margin,
            margin_free=self.margin_free,
            company=self.account.company,
            trade_allowed=self.trade_allowed,
        )

    # --- listeners and time --------------------------------------------------------------------

    def subscribe(self, listener: Listener) -> None:
        """Call ``listener`` with every change from now on, in the order they happen."""
        self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def tick(self, now_ms: int | None = None) -> None:
        """Move the market to ``now_ms`` and let prices act: expire and fill pending orders,
        close positions at SL/TP, and stop out an account whose margin level fell too low."""
        now = self.clock.now_ms() if now_ms is None else now_ms
        self.market.tick(now)
        self._emit(fire_triggers(self, self._ledger, now))

    def _mark(self, pos: SimPosition) -> SimPosition:
        quote = self.quote(pos.symbol)
        current = quote.bid if pos.side is Side.BUY else quote.ask
        profit = self.profit_of(pos.symbol, pos.side, pos.volume, pos.price_open, current)
        return replace(pos, price_current=current, profit=profit)

    def _emit(self, changes: Iterable[TradeChange]) -> None:
        for change in changes:
            for listener in tuple(self._listeners):
                listener(change)
