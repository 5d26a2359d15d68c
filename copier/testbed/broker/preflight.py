"""The broker's checks before a trade: gates, stops, money and the luck of the draw (faults).

Each check returns None to let a request through, or the ``TradeResult`` that refuses it.
"""

from __future__ import annotations

from copier.domain import MarginMode, Quote, Retcode, Side, SymbolSpec
from copier.testbed.broker.account import FaultDice
from copier.testbed.broker.books import AccountBooks
from copier.testbed.broker.records import TradeResult
from copier.testbed.broker.validation import points, stops_problem


def refuse(code: Retcode, problem: str | None, quote: Quote) -> TradeResult | None:
    if problem is None:
        return None
    return TradeResult(code, problem, bid=quote.bid, ask=quote.ask)


class Preflight:
    def __init__(self, books: AccountBooks, seed: int) -> None:
        self._books = books
        self._dice = FaultDice(seed)

    def gate(self, symbol: str, quote: Quote) -> TradeResult | None:
        """Whether the terminal may trade at all right now."""
        if not self._books.trade_allowed:
            return refuse(
                Retcode.CLIENT_DISABLES_AT, "AutoTrading is disabled in the terminal", quote
            )
        if self._books.faults.market_closed_at(self._books.now_ms()):
            return refuse(Retcode.MARKET_CLOSED, f"{symbol}: market is closed", quote)
        return None

    def open_stops(
        self, spec: SymbolSpec, side: Side, sl: float, tp: float, quote: Quote
    ) -> TradeResult | None:
        if not (sl or tp):
            return None
        if self._books.faults.refuse_stops_on_open:
            return refuse(
                Retcode.INVALID_STOPS,
                f"{spec.name}: market execution takes no SL/TP with the order — set them after it",
                quote,
            )
        reference = quote.bid if side is Side.BUY else quote.ask
        return refuse(Retcode.INVALID_STOPS, stops_problem(spec, side, sl, tp, reference), quote)

    def money(self, symbol: str, side: Side, volume: float, quote: Quote) -> TradeResult | None:
        """Margin for the exposure the deal adds (a netting deal against the position adds
        only what exceeds it)."""
        added = volume
        if self._books.margin_mode is MarginMode.NETTING:
            held = self._books.positions(symbol)
            if held:
                pos = held[0]
                added = volume if pos.side is side else max(0.0, volume - pos.volume)
        needed = self._books.margin_for(symbol, added)
        free = self._books.margin_free
        if needed <= free:
            return None
        currency = self._books.account.currency
        return refuse(
            Retcode.NO_MONEY,
            f"{symbol}: not enough money — margin {needed:.2f} {currency} needed, {free:.2f} free",
            quote,
        )

    def reject_roll(self, quote: Quote) -> TradeResult | None:
        if self._dice.chance(self._books.faults.reject_probability):
            return refuse(Retcode.REJECT, "request rejected by the broker", quote)
        return None

    def execution(
        self, spec: SymbolSpec, side: Side, price: float, deviation: int, quote: Quote
    ) -> TradeResult | None:
        """Broker-side luck for a market deal: a rejection, or a requote when the price moved
        past the allowed deviation (instant execution) or the dealer simply asks again."""
        rejected = self.reject_roll(quote)
        if rejected:
            return rejected
        current = quote.ask if side is Side.BUY else quote.bid
        moved = price > 0 and deviation > 0 and points(spec, price, current) > deviation
        if moved or self._dice.chance(self._books.faults.requote_probability):
            text = f"{spec.name}: requote {quote.bid:.{spec.digits}f}/{quote.ask:.{spec.digits}f}"
            return refuse(Retcode.REQUOTE, text, quote)
        return None

    @staticmethod
    def expiration(expiration_ms: int, now: int, quote: Quote) -> TradeResult | None:
        if expiration_ms and expiration_ms <= now:
            return refuse(Retcode.INVALID_EXPIRATION, "expiration time is in the past", quote)
        return None

    def fill_price(self, spec: SymbolSpec, side: Side, quote: Quote) -> float:
        """Ask for a buy, bid for a sell, plus 0..n points of slippage against the trader."""
        base = quote.ask if side is Side.BUY else quote.bid
        slip = self._dice.slippage(self._books.faults.slippage_points) * spec.point
        return round(base + side.sign * slip, spec.digits)
