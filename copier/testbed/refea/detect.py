"""Monitor-side change detection by diffing two looks at the account, as the MT4 Monitor EA must.

MT4 has no trade-transaction callback, so its Monitor compares the open positions and pending
orders it sees now with those it saw at the previous poll. This module is that comparison, and
the MQL Monitor mirrors it rule for rule (docs/protocol.md §Monitor detection):

1. a pending order that vanished became a position with its own ticket (MT4, MT5 hedging), a
   new position of the same symbol, side and volume, or more volume on the netting position —
   PENDING_FILLED; otherwise PENDING_DELETED;
2. a position that vanished while a new one says ``from #<old ticket>`` was partially closed on
   MT4 (the remainder is renumbered) — PARTIALLY_CLOSED with ``new_ticket``;
3. any other vanished position — CLOSED;
4. a position still there: side flipped (netting reversal) — CLOSED then OPENED of the same
   ticket; less volume — PARTIALLY_CLOSED; more — INCREASED; SL/TP changed — MODIFIED;
5. positions left over are OPENED; new orders PENDING_PLACED; changed orders PENDING_MODIFIED.
Events come out in that order, so a close is always reported before an open in the same poll.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from copier.domain import EventKind, OrderType, PendingOrder, Position, Side

EPS = 1e-9
_FROM_TICKET = re.compile(r"from #(\d+)")


@dataclass(frozen=True, slots=True)
class Change:
    """One detected change; the monitor numbers it (seq) when it queues it."""

    kind: EventKind
    ticket: int
    symbol: str
    order_type: OrderType
    volume: float
    price: float
    sl: float = 0.0
    tp: float = 0.0
    closed: float = 0.0
    new_ticket: int = 0
    magic: int = 0
    comment: str = ""


@dataclass(frozen=True, slots=True)
class Look:
    """Open positions and pending orders at one poll, by ticket."""

    positions: dict[int, Position]
    orders: dict[int, PendingOrder]

    @staticmethod
    def of(positions: Iterable[Position], orders: Iterable[PendingOrder]) -> Look:
        return Look({p.ticket: p for p in positions}, {o.ticket: o for o in orders})


ClosePrice = Callable[[Position], float]  # what a position closed at (history, else the quote)


def diff(before: Look, now: Look, close_price: ClosePrice) -> list[Change]:
    """Every change from ``before`` to ``now``, in the documented order."""
    gone_pos = {t: p for t, p in before.positions.items() if t not in now.positions}
    new_pos = {t: p for t, p in now.positions.items() if t not in before.positions}
    volume_seen = {t: p.volume for t, p in before.positions.items() if t in now.positions}
    out: list[Change] = []
    out += _gone_orders(before, now, new_pos, volume_seen)
    out += _renumbered(gone_pos, new_pos, close_price)
    out += [_closed(p, close_price(p)) for p in gone_pos.values()]
    for ticket, volume in volume_seen.items():
        out += _changed(before.positions[ticket], volume, now.positions[ticket], close_price)
    out += [_opened(p) for p in new_pos.values()]
    for ticket, order in now.orders.items():
        old = before.orders.get(ticket)
        if old is None:
            out.append(_pending(EventKind.PENDING_PLACED, order))
        elif _order_changed(old, order):
            out.append(_pending(EventKind.PENDING_MODIFIED, order))
    return out


def _gone_orders(
    before: Look, now: Look, new_pos: dict[int, Position], volume_seen: dict[int, float]
) -> list[Change]:
    out = []
    for ticket, order in before.orders.items():
        if ticket in now.orders:
            continue
        filled = _filled_position(order, now, new_pos, volume_seen)
        if filled is None:
            out.append(_pending(EventKind.PENDING_DELETED, order))
            continue
        out.append(
            Change(
                kind=EventKind.PENDING_FILLED,
                ticket=ticket,
                symbol=order.symbol,
                order_type=order.order_type,
                volume=filled.volume,
                price=filled.open_price,
                sl=filled.sl,
                tp=filled.tp,
                new_ticket=0 if filled.ticket == ticket else filled.ticket,
                magic=order.magic,
                comment=order.comment,
            )
        )
    return out


def _filled_position(
    order: PendingOrder, now: Look, new_pos: dict[int, Position], volume_seen: dict[int, float]
) -> Position | None:
    """The position a vanished order became (removed from ``new_pos``), or None if deleted."""
    side = order.order_type.side
    same_ticket = new_pos.pop(order.ticket, None)
    if same_ticket is not None:
        return same_ticket
    for ticket, pos in list(new_pos.items()):
        if pos.symbol == order.symbol and pos.side is side and abs(pos.volume - order.volume) < EPS:
            return new_pos.pop(ticket)
    for ticket, seen in volume_seen.items():
        pos = now.positions[ticket]
        grew = pos.volume - seen
        if pos.symbol == order.symbol and pos.side is side and abs(grew - order.volume) < EPS:
            volume_seen[ticket] = pos.volume  # the growth is the fill, not an increase
            return pos
    return None


def _renumbered(
    gone_pos: dict[int, Position], new_pos: dict[int, Position], close_price: ClosePrice
) -> list[Change]:
    out = []
    for ticket, remainder in list(new_pos.items()):
        match = _FROM_TICKET.search(remainder.comment)
        old = gone_pos.get(int(match.group(1))) if match else None
        if old is None:
            continue
        del gone_pos[old.ticket], new_pos[ticket]
        out.append(
            _position_change(
                EventKind.PARTIALLY_CLOSED,
                old,
                volume=remainder.volume,
                price=close_price(old),
                closed=old.volume - remainder.volume,
                new_ticket=ticket,
            )
        )
    return out


def _changed(old: Position, seen: float, pos: Position, close_price: ClosePrice) -> list[Change]:
    if pos.side is not old.side:  # a netting reversal: the position closed and reopened
        return [_closed(old, pos.open_price), _opened(pos)]
    out = []
    if pos.volume < seen - EPS:
        price = close_price(pos)
        out.append(
            _position_change(EventKind.PARTIALLY_CLOSED, pos, price=price, closed=seen - pos.volume)
        )
    elif pos.volume > seen + EPS:
        out.append(_position_change(EventKind.INCREASED, pos, price=pos.open_price))
    if (pos.sl, pos.tp) != (old.sl, old.tp):
        out.append(_position_change(EventKind.MODIFIED, pos, price=pos.open_price))
    return out


def _position_change(
    kind: EventKind,
    pos: Position,
    *,
    price: float,
    volume: float | None = None,
    closed: float = 0.0,
    new_ticket: int = 0,
) -> Change:
    return Change(
        kind=kind,
        ticket=pos.ticket,
        symbol=pos.symbol,
        order_type=OrderType.market(pos.side),
        volume=pos.volume if volume is None else volume,
        price=price,
        sl=pos.sl,
        tp=pos.tp,
        closed=round(closed, 8),
        new_ticket=new_ticket,
        magic=pos.magic,
        comment=pos.comment,
    )


def _opened(pos: Position) -> Change:
    return _position_change(EventKind.OPENED, pos, price=pos.open_price)


def _closed(pos: Position, price: float) -> Change:
    return _position_change(EventKind.CLOSED, pos, price=price, volume=0.0, closed=pos.volume)


def _pending(kind: EventKind, order: PendingOrder) -> Change:
    return Change(
        kind=kind,
        ticket=order.ticket,
        symbol=order.symbol,
        order_type=order.order_type,
        volume=order.volume,
        price=order.price,
        sl=order.sl,
        tp=order.tp,
        magic=order.magic,
        comment=order.comment,
    )


def _order_changed(old: PendingOrder, new: PendingOrder) -> bool:
    return (old.price, old.sl, old.tp, old.volume, old.expiration_ms) != (
        new.price,
        new.sl,
        new.tp,
        new.volume,
        new.expiration_ms,
    )


def quote_close_price(bid_ask: Callable[[str], tuple[float, float]]) -> ClosePrice:
    """Close price from the current quote: a buy closes at the bid, a sell at the ask."""

    def price(pos: Position) -> float:
        bid, ask = bid_ask(pos.symbol)
        return bid if pos.side is Side.BUY else ask

    return price
