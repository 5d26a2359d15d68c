"""Semantic limits on a master's trade event, as broker bridges apply them before an order goes
anywhere: values that are well-formed JSON but cannot be a real trade are refused with a reason
(``bad_value``) instead of being copied to every slave (issue #15: an ``opened`` with price
1e308 and SL −5 was copied as it was).

- prices and volumes are finite and not negative; the price is positive, and so is the volume
  of every kind that leaves a position or an order open;
- SL and TP are 0 (none) or positive, and for an event that carries the market or order price
  (``opened``, the pending kinds) on the side of the price that order side allows: below it
  for a buy's SL and above it for its TP, the other way round for a sell;
- the price lies within ``band`` (a fraction, 0.2 = ±20 %) of the symbol's last known quote —
  a fat-finger collar; no quote known, or ``band`` 0, means no collar.

Integers are held to 64 bits by the codec (``codec.py``) for every frame.
"""

from __future__ import annotations

from copier.bridge.protocol import Event
from copier.domain import EventKind, Quote, Side

# Kinds after which something is still open (its volume must be positive).
_OPEN_AFTER = frozenset(
    {
        EventKind.OPENED,
        EventKind.INCREASED,
        EventKind.PARTIALLY_CLOSED,
        EventKind.MODIFIED,
        EventKind.PENDING_PLACED,
        EventKind.PENDING_MODIFIED,
        EventKind.PENDING_FILLED,
    }
)
# Kinds whose ``price`` is where the order is (at the market or pending), so SL/TP sides hold.
_PRICED = frozenset(
    {
        EventKind.OPENED,
        EventKind.PENDING_PLACED,
        EventKind.PENDING_MODIFIED,
        EventKind.PENDING_FILLED,
    }
)


def event_problem(event: Event, quote: Quote | None, band: float) -> str | None:
    """Why ``event`` cannot be a real trade (a sentence for the EA's journal), or None."""
    where = f"event {event.seq} ({event.kind.value} #{event.ticket} {event.sym})"
    if event.price <= 0:
        return f"{where}: price {event.price:g} is not a price"
    if event.vol < 0 or event.closed < 0:
        return f"{where}: a volume cannot be negative"
    if event.kind in _OPEN_AFTER and event.vol <= 0:
        return f"{where}: volume {event.vol:g} leaves nothing open"
    if event.sl < 0 or event.tp < 0:
        return f"{where}: SL and TP must be 0 (none) or a price, not negative"
    if quote is not None and band > 0:
        mid = (quote.bid + quote.ask) / 2
        if mid > 0 and abs(event.price - mid) > band * mid:
            return (
                f"{where}: price {event.price:g} is more than {band:.0%} away from the last "
                f"known quote {mid:g} — not copied"
            )
    if event.kind in _PRICED:
        side = _wrong_side(event)
        if side is not None:
            return f"{where}: {side}"
    return None


def _wrong_side(event: Event) -> str | None:
    buy = event.type.side is Side.BUY
    price = event.price
    if event.sl > 0 and (event.sl >= price if buy else event.sl <= price):
        return f"SL {event.sl:g} is on the wrong side of the price {price:g}"
    if event.tp > 0 and (event.tp <= price if buy else event.tp >= price):
        return f"TP {event.tp:g} is on the wrong side of the price {price:g}"
    return None
