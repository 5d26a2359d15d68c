"""Semantic limits on a master's trade event, as broker bridges apply them before an order goes
anywhere: values that are well-formed JSON but cannot be a real trade are refused with a reason
(``bad_value``) instead of being copied to every slave (issue #15: an ``opened`` with price
1e308 and SL −5 was copied as it was).

- volumes are never negative; an event that opens or places something (opened, increased, the
  pending kinds) has a positive price and volume;
- SL and TP, where they are copied (those kinds and ``modified``), are 0 (none) or positive, and
  for an order at ``price`` (opened, pending placed/modified/filled) on the side that order side
  allows: below it for a buy's SL and above it for its TP, the other way round for a sell;
- a fill's price (opened, increased, pending filled) lies within ``band`` (a fraction, 0.2 =
  ±20 %) of the symbol's last known quote — a fat-finger collar; no quote known, or ``band`` 0,
  means no collar. A pending order may rightly sit far from the market.

A close or a deletion is refused only for a negative volume: refusing it would leave the copies
open.

Integers are held to 64 bits by the codec (``codec.py``) for every frame.
"""

from __future__ import annotations

from copier.bridge.protocol import Event
from copier.domain import ORDER_SIDE, EventKind, Quote, Side

# Kinds that open or place something at ``price`` with ``vol``, SL and TP: all of those must
# make sense. A close or a deletion is never refused for its price or stops — refusing it would
# leave the copies open — only for a negative volume.
_PLACING = frozenset(
    {
        EventKind.OPENED,
        EventKind.INCREASED,
        EventKind.PENDING_PLACED,
        EventKind.PENDING_MODIFIED,
        EventKind.PENDING_FILLED,
    }
)
_STOPS = _PLACING | {EventKind.MODIFIED}  # kinds whose SL/TP are copied
# Kinds whose ``price`` is a fill at the market: the fat-finger collar applies (a pending order
# may rightly sit far from the market).
_FILLS = frozenset({EventKind.OPENED, EventKind.INCREASED, EventKind.PENDING_FILLED})
# Kinds whose ``price`` is where the order is, so the SL/TP sides hold against it.
_PRICED = _PLACING - {EventKind.INCREASED}


def event_problem(event: Event, quote: Quote | None, band: float) -> str | None:
    """Why ``event`` cannot be a real trade (a sentence for the EA's journal), or None."""
    problem = _problem(event, quote, band)
    if problem is None:  # the sentence is made only for an event refused: checked on every one
        return None
    return f"event {event.seq} ({event.kind.value} #{event.ticket} {event.sym}): {problem}"


def _problem(event: Event, quote: Quote | None, band: float) -> str | None:
    if event.vol < 0 or event.closed < 0:
        return "a volume cannot be negative"
    kind = event.kind
    if kind in _PLACING:
        if event.price <= 0:
            return f"price {event.price:g} is not a price"
        if event.vol <= 0:
            return f"volume {event.vol:g} leaves nothing open"
    if kind in _STOPS and (event.sl < 0 or event.tp < 0):
        return "SL and TP must be 0 (none) or a price, not negative"
    if kind in _FILLS and quote is not None and band > 0:
        mid = (quote.bid + quote.ask) / 2
        if mid > 0 and abs(event.price - mid) > band * mid:
            return (
                f"price {event.price:g} is more than {band:.0%} away from the last "
                f"known quote {mid:g} — not copied"
            )
    if kind in _PRICED and (event.sl > 0 or event.tp > 0):
        return _wrong_side(event)
    return None


def _wrong_side(event: Event) -> str | None:
    buy = ORDER_SIDE.get(event.type) is Side.BUY
    price = event.price
    if event.sl > 0 and (event.sl >= price if buy else event.sl <= price):
        return f"SL {event.sl:g} is on the wrong side of the price {price:g}"
    if event.tp > 0 and (event.tp <= price if buy else event.tp >= price):
        return f"TP {event.tp:g} is on the wrong side of the price {price:g}"
    return None
