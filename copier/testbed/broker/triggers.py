"""What prices do on their own at each tick: expire and fill pending orders, close positions at
SL or TP, and stop out an account whose margin level fell below the broker's stop-out level."""

from __future__ import annotations

from typing import TYPE_CHECKING

from copier.domain import OrderType, Quote, Side
from copier.testbed.broker.ledger import Ledger
from copier.testbed.broker.records import (
    OrderState,
    SimOrder,
    SimPosition,
    Trade,
    TradeChange,
    TradeReason,
)

if TYPE_CHECKING:
    from copier.testbed.broker.books import AccountBooks


def fire_triggers(books: AccountBooks, ledger: Ledger, now: int) -> list[TradeChange]:
    if books.faults.market_closed_at(now):
        return []  # no ticks while the market is closed, so nothing triggers
    changes: list[TradeChange] = []
    changes += _expire(ledger, now)
    changes += _fill_pendings(books, ledger, now)
    changes += _hit_stops(books, ledger, now)
    changes += _stop_out(books, ledger, now)
    return changes


def _expire(ledger: Ledger, now: int) -> list[TradeChange]:
    due = [
        o for o in ledger.orders.values() if o.time_expiration_ms and o.time_expiration_ms <= now
    ]
    return [ledger.cancel(order, now, OrderState.EXPIRED) for order in due]


def _triggered(order: SimOrder, quote: Quote) -> bool:
    price = order.price_open
    return {
        OrderType.BUY_LIMIT: quote.ask <= price,
        OrderType.SELL_LIMIT: quote.bid >= price,
        OrderType.BUY_STOP: quote.ask >= price,
        OrderType.SELL_STOP: quote.bid <= price,
    }.get(order.order_type, False)


def _fill_pendings(books: AccountBooks, ledger: Ledger, now: int) -> list[TradeChange]:
    changes: list[TradeChange] = []
    for order in list(ledger.orders.values()):
        quote = books.quote(order.symbol)
        if _triggered(order, quote):
            # Filled at the market price: never worse than the limit, and a stop slips with it.
            price = quote.ask if order.order_type.side is Side.BUY else quote.bid
            changes += ledger.fill_pending(order, price, now).changes
    return changes


def _stop_hit(pos: SimPosition, quote: Quote) -> TradeReason | None:
    if pos.side is Side.BUY:
        if pos.sl and quote.bid <= pos.sl:
            return TradeReason.SL
        if pos.tp and quote.bid >= pos.tp:
            return TradeReason.TP
    else:
        if pos.sl and quote.ask >= pos.sl:
            return TradeReason.SL
        if pos.tp and quote.ask <= pos.tp:
            return TradeReason.TP
    return None


def _hit_stops(books: AccountBooks, ledger: Ledger, now: int) -> list[TradeChange]:
    changes: list[TradeChange] = []
    for pos in list(ledger.positions.values()):
        quote = books.quote(pos.symbol)
        reason = _stop_hit(pos, quote)
        if reason is not None:
            level = pos.sl if reason is TradeReason.SL else pos.tp
            comment = f"[{reason.name.lower()} {level}]"  # as MT5 comments SL/TP deals
            changes += _close_all(ledger, pos, quote, now, reason, comment)
    return changes


def _stop_out(books: AccountBooks, ledger: Ledger, now: int) -> list[TradeChange]:
    """Close the worst position, then the next, until the margin level is back above the line."""
    changes: list[TradeChange] = []
    stop_out = books.account.stop_out_level
    level = books.margin_level
    while level is not None and level < stop_out and ledger.positions:
        worst = min(books.positions(), key=lambda p: p.profit)
        comment = f"[so {level:.1f}%]"
        changes += _close_all(
            ledger, worst, books.quote(worst.symbol), now, TradeReason.SO, comment
        )
        level = books.margin_level
    return changes


def _close_all(
    ledger: Ledger, pos: SimPosition, quote: Quote, now: int, reason: TradeReason, comment: str
) -> list[TradeChange]:
    price = quote.bid if pos.side is Side.BUY else quote.ask
    trade = Trade(
        symbol=pos.symbol,
        side=pos.side.opposite,
        volume=pos.volume,
        price=price,
        time_msc=now,
        magic=pos.magic,
        comment=comment,
        reason=reason,
    )
    current = ledger.positions[pos.ticket]
    return list(ledger.close_volume(current, trade).changes)
