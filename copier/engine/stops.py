"""SL/TP and pending prices on the slave (SPEC §4): stops mode, reverse and the pending offset.

Market copies: PRICE copies the master's prices; DISTANCE sends the master's distances from its
fill in slave points, for the executor to measure from the slave's fill; FIXED sends the link's
fixed points; NONE sends nothing. Reversed copies swap SL and TP, so the slave's stop sits where
the master takes profit and the slave loses exactly when the master wins.

Pending copies carry prices only. A reversed pending order keeps the master's price and takes
the opposite side with the other trigger (buy limit → sell stop, buy stop → sell limit): it
fills when the master's order fills, so the slave enters the opposite trade at the same moment,
and its stops are the master's swapped. (A sell limit mirrored to the far side of the market
would fill on moves where the master's order never does.) The pending offset is then added to
the order price: positive raises it, negative lowers it, whatever the order type; it does not
move PRICE-mode stops.

A pending copy whose price the slave's market has already reached (or comes within the broker's
stops level of) is one the broker would refuse. ``reached_by_market`` finds it — with one spread
of room on top of the stops level, because the quote the copier decides on is up to a snapshot
refresh old — and ``reached_verdict`` applies the link's ``pending_reached`` choice: open at
market within ``max_deviation_points`` of the order's price (0: any distance), or skip with a
reason. The rule a broker applies is in the MQL4 book's "Requirements and Limitations in Making
Trades" (https://book.mql4.com/appendix/limits): a buy limit below the ask, a sell limit above
the bid, a buy stop above the ask, a sell stop below the bid, each by at least the stops level.

The same page says where a position's stops go: a buy's SL under the bid and its TP over it, a
sell's the other way round at the ask. A market copy (or a change of its stops) carrying a price
the slave's market has already passed is decided by ``stops_verdict`` from the link's
``stops_passed`` choice: skip with a reason, or go without the passed stop.
"""

from __future__ import annotations

from typing import NamedTuple

from copier.domain import OrderType, Quote, Side, SymbolSpec
from copier.engine.config import LinkRules, PendingReached, StopsMode, StopsPassed
from copier.engine.verdicts import Denial


class Stops(NamedTuple):
    sl: float = 0.0
    tp: float = 0.0
    sl_distance_points: int = 0
    tp_distance_points: int = 0


class PendingPlan(NamedTuple):
    order_type: OrderType
    price: float
    stops: Stops


def market_stops(rules: LinkRules, point: float, price: float, sl: float, tp: float) -> Stops:
    """Stops for a market copy of a master position opened at ``price`` with ``sl``/``tp``."""
    mode = rules.stops_mode
    if mode is StopsMode.NONE:
        return Stops()
    if mode is StopsMode.FIXED:
        return Stops(
            sl_distance_points=rules.fixed_sl_points, tp_distance_points=rules.fixed_tp_points
        )
    if rules.reverse:
        sl, tp = tp, sl
    if mode is StopsMode.DISTANCE and price > 0 and point > 0:
        return Stops(
            sl_distance_points=_points(price, sl, point),
            tp_distance_points=_points(price, tp, point),
        )
    return Stops(sl=sl, tp=tp)


def _points(price: float, level: float, point: float) -> int:
    return round(abs(price - level) / point) if level > 0 else 0


_REVERSED_PENDING = {
    OrderType.BUY_LIMIT: OrderType.SELL_STOP,
    OrderType.SELL_LIMIT: OrderType.BUY_STOP,
    OrderType.BUY_STOP: OrderType.SELL_LIMIT,
    OrderType.SELL_STOP: OrderType.BUY_LIMIT,
}


def reversed_pending(order_type: OrderType) -> OrderType:
    """The pending type that enters the opposite trade at the same price."""
    return _REVERSED_PENDING.get(order_type, order_type.reversed())


def pending_plan(
    rules: LinkRules, spec: SymbolSpec, order_type: OrderType, price: float, sl: float, tp: float
) -> PendingPlan:
    """Order type, price and stops of the slave's copy of a master pending order."""
    slave_type = reversed_pending(order_type) if rules.reverse else order_type
    order_price = price + rules.pending_offset_points * spec.point
    stops = _pending_stops(rules, spec, slave_type.side, price, order_price, sl, tp)
    return PendingPlan(slave_type, _at(order_price, spec), stops)


def _pending_stops(
    rules: LinkRules,
    spec: SymbolSpec,
    side: Side,
    master_price: float,
    order_price: float,
    sl: float,
    tp: float,
) -> Stops:
    mode = rules.stops_mode
    if mode is StopsMode.NONE:
        return Stops()
    if rules.reverse:
        sl, tp = tp, sl
    if mode is StopsMode.PRICE:
        return Stops(sl=_at(sl, spec) if sl > 0 else 0.0, tp=_at(tp, spec) if tp > 0 else 0.0)
    if mode is StopsMode.FIXED:
        sl_dist = rules.fixed_sl_points * spec.point
        tp_dist = rules.fixed_tp_points * spec.point
    else:
        sl_dist = abs(master_price - sl) if sl > 0 else 0.0
        tp_dist = abs(master_price - tp) if tp > 0 else 0.0
    away = side.sign  # a buy's SL is below its price, a sell's above
    return Stops(
        sl=_at(order_price - away * sl_dist, spec) if sl_dist > 0 else 0.0,
        tp=_at(order_price + away * tp_dist, spec) if tp_dist > 0 else 0.0,
    )


def _at(price: float, spec: SymbolSpec) -> float:
    return round(price, spec.digits)


class Reached(NamedTuple):
    """A pending price the slave's market has already reached: what a market order gets now."""

    market: float  # ask for a buy, bid for a sell
    points: float  # distance from the order's price, in points
    reason: str  # "XAUUSD: sell_stop at 2350.12 is already reached by the market 2350.12/2350.37"


# How far the market still has to move before the order triggers, by order type: positive on
# the side the broker accepts.
_ROOM = {
    OrderType.BUY_LIMIT: lambda price, q: q.ask - price,
    OrderType.SELL_LIMIT: lambda price, q: price - q.bid,
    OrderType.BUY_STOP: lambda price, q: price - q.ask,
    OrderType.SELL_STOP: lambda price, q: q.bid - price,
}


def reached_by_market(
    order_type: OrderType, price: float, spec: SymbolSpec, quote: Quote | None
) -> Reached | None:
    """The market has reached ``price`` (within the stops level and one spread), or None; also
    None when the slave's quote is unknown (the executor then decides)."""
    room_of = _ROOM.get(order_type)
    if room_of is None or quote is None or quote.bid <= 0 or quote.ask <= 0 or spec.point <= 0:
        return None
    margin = spec.stops_level * spec.point + max(quote.ask - quote.bid, 0.0)
    if room_of(price, quote) > margin + spec.point / 2:
        return None
    market = quote.ask if order_type.side is Side.BUY else quote.bid
    digits = max(spec.digits, 0)
    return Reached(
        market=market,
        points=abs(market - price) / spec.point,
        reason=(
            f"{spec.name}: {order_type.value} at {price:.{digits}f} is already reached by the "
            f"market {quote.bid:.{digits}f}/{quote.ask:.{digits}f}"
            + (f" (stops level {spec.stops_level} points)" if spec.stops_level else "")
        ),
    )


def reached_verdict(rules: LinkRules, reached: Reached) -> Denial | None:
    """None: open the copy at market now (its stops then go through ``stops_verdict``); a
    denial: skip it, with the reason — the link says skip, or the market is too far from the
    order's price."""
    if rules.pending_reached is PendingReached.SKIP:
        return Denial("pending_reached", f"{reached.reason} — copy skipped (link set to skip)")
    limit = rules.max_deviation_points
    if limit and reached.points > limit + 1e-6:
        return Denial(
            "pending_reached",
            f"{reached.reason}; the market is {reached.points:.0f} points from the order's "
            f"price, limit {limit} — copy skipped",
        )
    return None


class StopsVerdict(NamedTuple):
    """The stops a command carries after the ``stops_passed`` rule, and what it changed in words
    ("" when nothing was passed)."""

    stops: Stops
    note: str = ""


def stops_verdict(
    rules: LinkRules,
    side: Side,
    stops: Stops,
    market: tuple[Quote | None, SymbolSpec | None],
    *,
    kept: Stops | None = None,
    prefix: str = "",
) -> StopsVerdict | Denial:
    """Apply the link's ``stops_passed`` choice to the SL/TP prices of a market copy of ``side``
    (an open, a fill at market), or — with ``kept``, the copy's stops now — to a change of them.

    A stop counts as passed when it is not on its side of the price the copy closes at by the
    stops level plus one spread (the quote the copier decides on may be a refresh old). ``skip``
    refuses the copy (the change); ``without`` leaves each passed stop off an open, and where the
    copy's own is on a change — refused still when what is left cannot be sent either (the copy's
    own stop is just as close) or changes nothing. With no quote or spec the stops go as they
    are: the executor decides. ``prefix`` starts the reason (default: the symbol)."""
    quote, spec = market
    if quote is None or spec is None or quote.bid <= 0 or quote.ask <= 0 or spec.point <= 0:
        return StopsVerdict(stops)
    passed = _passed(side, stops, quote, spec)
    if not passed:
        return StopsVerdict(stops)
    # A prefix (a pending copy's "already reached by the market …") has named the market.
    what = (f"{prefix} its {_words(passed, quote, spec, market=False)}" if prefix
            else f"{spec.name}: {_words(passed, quote, spec)}")  # fmt: skip
    change = kept is not None
    if rules.stops_passed is StopsPassed.SKIP:
        done = "change not copied" if change else "copy skipped"
        return Denial("stops_passed", f"{what} — {done} (link set to skip)")
    base = kept or Stops()
    left = Stops(
        sl=base.sl if "SL" in dict(passed) else stops.sl,
        tp=base.tp if "TP" in dict(passed) else stops.tp,
    )
    if not change:
        return StopsVerdict(left, f"{what} — opened without {'them' if len(passed) > 1 else 'it'}")
    still = _passed(side, left, quote, spec)
    if still:
        own = _words(still, quote, spec, market=False)
        return Denial("stops_passed", f"{what}; the copy's own {own} too — change not copied")
    if (left.sl, left.tp) == (base.sl, base.tp):
        return Denial("stops_passed", f"{what} — change not copied")
    return StopsVerdict(left, f"{what} — the copy keeps its own there")


def _passed(
    side: Side, stops: Stops, quote: Quote, spec: SymbolSpec
) -> tuple[tuple[str, float], ...]:
    """The stops of a position of ``side`` the market has passed or comes within the stops level
    and one spread of (a buy closes at the bid and keeps its SL under it, its TP over it; a sell
    the other way round at the ask)."""
    buy = side is Side.BUY
    close_at = quote.bid if buy else quote.ask
    room = spec.stops_level * spec.point + max(quote.ask - quote.bid, 0.0) + spec.point / 2
    sl, tp = stops.sl, stops.tp
    passed: tuple[tuple[str, float], ...] = ()
    if sl > 0 and (sl - close_at) * (-1 if buy else 1) < room:  # a buy's SL sits under the bid
        passed = (("SL", sl),)
    if tp > 0 and (tp - close_at) * (1 if buy else -1) < room:
        passed += (("TP", tp),)
    return passed


def _words(
    passed: tuple[tuple[str, float], ...], quote: Quote, spec: SymbolSpec, *, market: bool = True
) -> str:
    digits = max(spec.digits, 0)
    stops = " and ".join(f"{name} {level:.{digits}f}" for name, level in passed)
    verb = "are" if len(passed) > 1 else "is"
    where = f" by the market {quote.bid:.{digits}f}/{quote.ask:.{digits}f}" if market else ""
    return f"{stops} {verb} already passed{where}"
