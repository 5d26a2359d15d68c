"""SimBroker: one simulated MetaTrader account at a broker — the trade requests it accepts.

Pure Python and synchronous: time comes from a clock object or is passed in, and nothing sleeps.
Requests answer with MT-style ``TradeResult`` values; every change a terminal would see is reported
to the listeners (``subscribe``) as a ``TradeChange``. Price-driven events (pending fills, SL/TP
hits, expirations, stop-outs) happen in ``tick``. Reading the account is ``AccountBooks``'s half.
"""

from __future__ import annotations

from dataclasses import replace

from copier.domain import MarginMode, OrderType, Quote, Retcode, Side
from copier.testbed.broker.account import BrokerFaults, SimAccount
from copier.testbed.broker.books import AccountBooks
from copier.testbed.broker.clock import Clock
from copier.testbed.broker.ledger import FillOutcome
from copier.testbed.broker.preflight import Preflight, refuse
from copier.testbed.broker.quotes import Market
from copier.testbed.broker.records import (
    DealEntry,
    Filling,
    OrderState,
    SimOrder,
    SimPosition,
    Trade,
    TradeReason,
    TradeResult,
)
from copier.testbed.broker.symbols import Catalogue
from copier.testbed.broker.validation import (
    close_volume_problem,
    default_filling,
    filling_problem,
    pending_price_problem,
    stops_problem,
    volume_problem,
)


class SimBroker(AccountBooks):
    """A trade server for one account. Faults (``faults``) and AutoTrading (``trade_allowed``)
    may be changed at any time; ``seed`` fixes the sequence of requotes, rejections and slippage."""

    def __init__(
        self,
        account: SimAccount,
        catalogue: Catalogue,
        market: Market,
        *,
        clock: Clock | None = None,
        faults: BrokerFaults | None = None,
        seed: int = 0,
        first_ticket: int = 0,
    ) -> None:
        super().__init__(
            account, catalogue, market, clock=clock, faults=faults, first_ticket=first_ticket
        )
        self._checks = Preflight(self, seed)

    # --- trading -------------------------------------------------------------------------------

    def open_market(
        self,
        symbol: str,
        side: Side,
        volume: float,
        *,
        price: float = 0.0,
        deviation: int = 0,
        sl: float = 0.0,
        tp: float = 0.0,
        magic: int = 0,
        comment: str = "",
        filling: Filling | None = None,
        reason: TradeReason = TradeReason.CLIENT,
    ) -> TradeResult:
        """A market order. On a netting account it is a deal into the symbol's one position."""
        listing = self.catalogue.listing(symbol)
        if listing is None:
            return TradeResult(Retcode.INVALID, f"{symbol}: unknown symbol")
        spec, quote = listing.spec, self.market.quote(listing)
        refusal = (
            self._checks.gate(symbol, quote)
            or refuse(Retcode.INVALID_VOLUME, volume_problem(spec, volume), quote)
            or refuse(Retcode.INVALID_FILL, filling_problem(spec, filling), quote)
            or self._checks.open_stops(spec, side, sl, tp, quote)
            or self._checks.money(symbol, side, volume, quote)
            or self._checks.execution(spec, side, price, deviation, quote)
        )
        if refusal:
            return refusal
        trade = Trade(
            symbol=symbol,
            side=side,
            volume=volume,
            price=self._checks.fill_price(spec, side, quote),
            time_msc=self.now_ms(),
            sl=round(sl, spec.digits),
            tp=round(tp, spec.digits),
            magic=magic,
            comment=comment,
            reason=reason,
            filling=filling if filling is not None else default_filling(spec),
        )
        return self._done(self._ledger.market_deal(trade), quote)

    def close_position(
        self,
        ticket: int,
        volume: float | None = None,
        *,
        price: float = 0.0,
        deviation: int = 0,
        comment: str = "",
        filling: Filling | None = None,
        reason: TradeReason = TradeReason.CLIENT,
    ) -> TradeResult:
        """Close all of a position, or ``volume`` of it (on MT4 the remainder is renumbered)."""
        pos = self._ledger.positions.get(ticket)
        if pos is None:
            return TradeResult(Retcode.POSITION_CLOSED, f"position #{ticket} is not open")
        listing = self.catalogue.listing(pos.symbol)
        assert listing is not None  # a position only exists on a listed symbol
        spec, quote = listing.spec, self.market.quote(listing)
        amount = pos.volume if volume is None else volume
        closing = pos.side.opposite
        refusal = (
            self._checks.gate(pos.symbol, quote)
            or refuse(
                Retcode.INVALID_CLOSE_VOLUME, close_volume_problem(spec, amount, pos.volume), quote
            )
            or refuse(Retcode.INVALID_FILL, filling_problem(spec, filling), quote)
            or self._checks.execution(spec, closing, price, deviation, quote)
        )
        if refusal:
            return refusal
        trade = Trade(
            symbol=pos.symbol,
            side=closing,
            volume=amount,
            price=self._checks.fill_price(spec, closing, quote),
            time_msc=self.now_ms(),
            magic=pos.magic,
            comment=comment,
            reason=reason,
            filling=filling if filling is not None else default_filling(spec),
        )
        return self._done(self._ledger.close_volume(pos, trade), quote)

    def close_by(
        self, ticket: int, by_ticket: int, *, reason: TradeReason = TradeReason.CLIENT
    ) -> TradeResult:
        """Close a position by an opposite one on the same symbol (hedging accounts): both close
        at the opposite position's open price, the larger one only in part."""
        if self.margin_mode is MarginMode.NETTING:
            return TradeResult(Retcode.INVALID, "close-by needs a hedging account")
        pos, by = self._ledger.positions.get(ticket), self._ledger.positions.get(by_ticket)
        if pos is None or by is None:
            missing = ticket if pos is None else by_ticket
            return TradeResult(Retcode.POSITION_CLOSED, f"position #{missing} is not open")
        if pos.symbol != by.symbol or pos.side is by.side:
            return TradeResult(
                Retcode.INVALID,
                f"#{ticket} and #{by_ticket} are not opposite positions on one symbol",
            )
        quote = self.quote(pos.symbol)
        refusal = self._checks.gate(pos.symbol, quote)
        if refusal:
            return refusal
        volume, now = min(pos.volume, by.volume), self.now_ms()
        first = self._ledger.close_volume(
            pos, self._close_by_trade(pos, by, volume, now, reason), DealEntry.OUT_BY, by.ticket
        )
        second = self._ledger.close_volume(
            by, self._close_by_trade(by, by, volume, now, reason), DealEntry.OUT_BY, pos.ticket
        )
        self._emit(first.changes + second.changes)
        return TradeResult(
            Retcode.DONE,
            f"#{ticket} closed by #{by_ticket}: {volume:g} lots",
            order=first.order,
            deal=first.deal,
            position=first.position,
            volume=volume,
            price=first.price,
            bid=quote.bid,
            ask=quote.ask,
        )

    def modify_position(self, ticket: int, sl: float, tp: float) -> TradeResult:
        pos = self._ledger.positions.get(ticket)
        if pos is None:
            return TradeResult(Retcode.POSITION_CLOSED, f"position #{ticket} is not open")
        listing = self.catalogue.listing(pos.symbol)
        assert listing is not None
        spec, quote = listing.spec, self.market.quote(listing)
        sl, tp = round(sl, spec.digits), round(tp, spec.digits)
        if (sl, tp) == (pos.sl, pos.tp):
            return TradeResult(Retcode.NO_CHANGES, f"#{ticket}: SL/TP already set", position=ticket)
        reference = quote.bid if pos.side is Side.BUY else quote.ask
        refusal = self._checks.gate(pos.symbol, quote) or refuse(
            Retcode.INVALID_STOPS, stops_problem(spec, pos.side, sl, tp, reference), quote
        )
        if refusal:
            return refusal
        self._emit((self._ledger.modify_position(pos, sl, tp, self.now_ms()),))
        return TradeResult(
            Retcode.DONE,
            f"#{ticket}: SL {sl:g} TP {tp:g}",
            position=ticket,
            bid=quote.bid,
            ask=quote.ask,
        )

    def place_pending(
        self,
        symbol: str,
        order_type: OrderType,
        volume: float,
        price: float,
        *,
        sl: float = 0.0,
        tp: float = 0.0,
        magic: int = 0,
        comment: str = "",
        expiration_ms: int = 0,
        reason: TradeReason = TradeReason.CLIENT,
    ) -> TradeResult:
        listing = self.catalogue.listing(symbol)
        if listing is None:
            return TradeResult(Retcode.INVALID, f"{symbol}: unknown symbol")
        spec, quote = listing.spec, self.market.quote(listing)
        price, sl, tp = (round(x, spec.digits) for x in (price, sl, tp))
        now = self.now_ms()
        refusal = (
            self._checks.gate(symbol, quote)
            or refuse(Retcode.INVALID_VOLUME, volume_problem(spec, volume), quote)
            or refuse(
                Retcode.INVALID_PRICE, pending_price_problem(spec, order_type, price, quote), quote
            )
            or refuse(
                Retcode.INVALID_STOPS, stops_problem(spec, order_type.side, sl, tp, price), quote
            )
            or self._checks.expiration(expiration_ms, now, quote)
            or self._checks.reject_roll(quote)
        )
        if refusal:
            return refusal
        order = SimOrder(
            ticket=self._ledger.new_ticket(),
            symbol=symbol,
            order_type=order_type,
            volume_initial=volume,
            volume_current=volume,
            price_open=price,
            time_setup_msc=now,
            state=OrderState.PLACED,
            sl=sl,
            tp=tp,
            magic=magic,
            comment=comment,
            time_expiration_ms=expiration_ms,
            price_current=quote.bid,
            reason=reason,
        )
        self._emit((self._ledger.place(order),))
        return TradeResult(
            Retcode.DONE,
            f"{symbol}: {order_type.value} {volume:g} at {price:g} placed",
            order=order.ticket,
            volume=volume,
            price=price,
            bid=quote.bid,
            ask=quote.ask,
        )

    def modify_pending(
        self,
        ticket: int,
        *,
        price: float | None = None,
        sl: float | None = None,
        tp: float | None = None,
        expiration_ms: int | None = None,
    ) -> TradeResult:
        """Change a pending order; a None field keeps its value."""
        order = self._ledger.orders.get(ticket)
        if order is None:
            return TradeResult(Retcode.INVALID_ORDER, f"order #{ticket} is not pending")
        listing = self.catalogue.listing(order.symbol)
        assert listing is not None
        spec, quote = listing.spec, self.market.quote(listing)
        changed = replace(
            order,
            price_open=order.price_open if price is None else round(price, spec.digits),
            sl=order.sl if sl is None else round(sl, spec.digits),
            tp=order.tp if tp is None else round(tp, spec.digits),
            time_expiration_ms=order.time_expiration_ms if expiration_ms is None else expiration_ms,
        )
        if changed == order:
            return TradeResult(
                Retcode.NO_CHANGES, f"order #{ticket}: nothing to change", order=ticket
            )
        now = self.now_ms()
        refusal = (
            self._checks.gate(order.symbol, quote)
            or refuse(
                Retcode.INVALID_PRICE,
                pending_price_problem(spec, order.order_type, changed.price_open, quote),
                quote,
            )
            or refuse(
                Retcode.INVALID_STOPS,
                stops_problem(
                    spec, order.order_type.side, changed.sl, changed.tp, changed.price_open
                ),
                quote,
            )
            or self._checks.expiration(changed.time_expiration_ms, now, quote)
        )
        if refusal:
            return refusal
        self._emit((self._ledger.modify_order(changed, now),))
        return TradeResult(
            Retcode.DONE,
            f"order #{ticket} modified",
            order=ticket,
            volume=order.volume_current,
            price=changed.price_open,
            bid=quote.bid,
            ask=quote.ask,
        )

    def delete_pending(self, ticket: int) -> TradeResult:
        order = self._ledger.orders.get(ticket)
        if order is None:
            return TradeResult(Retcode.INVALID_ORDER, f"order #{ticket} is not pending")
        quote = self.quote(order.symbol)
        refusal = self._checks.gate(order.symbol, quote)
        if refusal:
            return refusal
        self._emit((self._ledger.cancel(order, self.now_ms(), OrderState.CANCELED),))
        return TradeResult(
            Retcode.DONE,
            f"order #{ticket} deleted",
            order=ticket,
            volume=order.volume_current,
            price=order.price_open,
            bid=quote.bid,
            ask=quote.ask,
        )

    # --- helpers -------------------------------------------------------------------------------

    def _done(self, outcome: FillOutcome, quote: Quote) -> TradeResult:
        self._emit(outcome.changes)
        last = outcome.changes[-1]
        what = last.kind.value.replace("_", " ")
        text = f"{last.symbol}: {what} #{outcome.position}, {outcome.volume:g} at {outcome.price:g}"
        return TradeResult(
            Retcode.DONE,
            text,
            order=outcome.order,
            deal=outcome.deal,
            position=outcome.position,
            volume=outcome.volume,
            price=outcome.price,
            bid=quote.bid,
            ask=quote.ask,
        )

    @staticmethod
    def _close_by_trade(
        pos: SimPosition, by: SimPosition, volume: float, now: int, reason: TradeReason
    ) -> Trade:
        return Trade(
            symbol=pos.symbol,
            side=pos.side.opposite,
            volume=volume,
            price=by.price_open,
            time_msc=now,
            magic=pos.magic,
            comment=f"close #{pos.ticket} by #{by.ticket}",
            reason=reason,
        )
