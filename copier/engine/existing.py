"""What a link copies of what its master already holds when it is created or enabled again
(``copy_existing``), decided as if each held position or order had just been opened or placed.

* ``ignore`` — nothing: only what the master does from now on is copied;
* ``market`` — each open position is copied at market through every rule, with the master's open
  price as the price to meet: further than ``copy_existing_points`` from it (0: any distance),
  the copy is refused with the reason (rule ``max_deviation``);
* ``pending`` — each open position becomes a pending copy at the master's open price: a limit
  when the slave's market is beyond it (a buy waits for the price to come down to it), a stop
  otherwise; the copier deletes it after ``copy_existing_expiry_min`` minutes if the price never
  came, and follows its fill (``follow_existing_pending``).

The master's pending orders are copied as pending copies under both ``market`` and ``pending``.
Master tickets the link already copies are left alone. Every decision of one batch carries the
same ``seq`` (the batch's number), so its command ids are stable: the batch is stored in one
transaction, and one redone after a restart makes the same ids and skips what it booked.
"""

from __future__ import annotations

from dataclasses import replace

from copier.domain import (
    EventKind,
    MasterEvent,
    OrderType,
    PendingOrder,
    Position,
    Side,
    parse_copy_comment,
)
from copier.engine.book import TicketBook, legs_of, live, pendings
from copier.engine.config import CopyExisting, Link
from copier.engine.router import merge, route
from copier.engine.state import MasterView, RouteOutcome, SlaveView, TicketLink, TicketState
from copier.engine.symbols import map_symbol


def copy_existing(
    link: Link,
    book: TicketBook,
    master: MasterView,
    held: tuple[tuple[Position, ...], tuple[PendingOrder, ...]],
    slave: SlaveView,
    now_ms: int,
    number: int,
) -> RouteOutcome:
    """The batch that copies what the master holds (``held``: its positions and orders)."""
    choice = link.rules.copy_existing
    if choice is CopyExisting.IGNORE:
        return RouteOutcome()
    positions, orders = held
    outcomes: list[RouteOutcome] = []
    for position in sorted(positions, key=lambda p: p.ticket):
        if live(legs_of(book, position.ticket)):
            continue
        if choice is CopyExisting.MARKET:
            rules = replace(link.rules, max_deviation_points=link.rules.copy_existing_points,
                            max_signal_age_ms=0)  # fmt: skip
            event = _event(master, number, EventKind.OPENED, position,
                           OrderType.market(position.side), now_ms)  # fmt: skip
        else:
            rules = replace(link.rules, copy_pendings=True, max_signal_age_ms=0)
            order_type = _waiting_type(link, position, slave)
            event = _event(master, number, EventKind.PENDING_PLACED, position, order_type, now_ms)
        outcomes.append(route(event, replace(link, rules=rules), book, master, slave, now_ms))
    for order in sorted(orders, key=lambda o: o.ticket):
        if live(legs_of(book, order.ticket)):
            continue
        event = MasterEvent(master.account.account_id, number, EventKind.PENDING_PLACED,
                            order.ticket, order.symbol, order.order_type, order.volume,
                            order.price, now_ms, order.sl, order.tp, magic=order.magic,
                            comment=order.comment)  # fmt: skip
        outcomes.append(route(event, link, book, master, slave, now_ms))
    return merge(*outcomes)


def follow_existing_pending(
    link: Link,
    legs: tuple[TicketLink, ...],
    position: Position | None,
    slave: SlaveView,
    expired: bool,
    now_ms: int,
    number: int,
) -> RouteOutcome:
    """A pending copy made for a master position (``pending``): once the slave's order is gone
    (it filled) the copy follows as a position (FILL_PENDING adopts what it became); past its
    expiry, or once the master position is gone, it is deleted. ``number`` is the batch's. On a
netting slave whose position another copy opened, the fill cannot be told from the comment:
the copy then follows at the master's close or its expiry (the delete undoes what it became)."""
    waiting = [leg for leg in pendings(legs) if leg.state is TicketState.PENDING]
    if not waiting:
        return RouteOutcome()
    leg = waiting[0]
    master = MasterView(account=slave.account)  # not read by these two decisions
    if position is not None and not expired and _filled(link, leg, slave):
        fill = _event(master, number + 1, EventKind.PENDING_FILLED, position,
                      OrderType.market(position.side), now_ms)  # fmt: skip
        return route(replace(fill, account_id=link.master_id), link, {leg.master_ticket: legs},
                     master, slave, now_ms)  # fmt: skip
    if expired or position is None:
        order_type = OrderType.market(leg.side)
        gone = MasterEvent(link.master_id, number + 2, EventKind.PENDING_DELETED,
                           leg.master_ticket, leg.slave_symbol, order_type, leg.master_volume,
                           0.0, now_ms)  # fmt: skip
        return route(gone, link, {leg.master_ticket: legs}, master, slave, now_ms)
    return RouteOutcome()


def _filled(link: Link, leg: TicketLink, slave: SlaveView) -> bool:
    """The slave's order is gone and a position carries the copy's comment and magic: it
    filled. (An order merely missing from a view older than its placement proves nothing: a
    FILL_PENDING for an order still waiting would open at market at once.)"""
    if leg.slave_ticket is None or any(o.ticket == leg.slave_ticket for o in slave.orders):
        return False
    magic = link.rules.slave_magic
    return any(parse_copy_comment(p.comment) == leg.comment_ticket and p.magic == magic
               for p in slave.positions)  # fmt: skip


def _event(
    master: MasterView,
    seq: int,
    kind: EventKind,
    position: Position,
    order_type: OrderType,
    now_ms: int,
) -> MasterEvent:
    return MasterEvent(
        master.account.account_id, seq, kind, position.ticket, position.symbol, order_type,
        position.volume, position.open_price, now_ms, position.sl, position.tp,
        magic=position.magic, comment=position.comment,
    )  # fmt: skip


def _waiting_type(link: Link, position: Position, slave: SlaveView) -> OrderType:
    """The master-side pending type that waits for the master's open price: a limit when the
    slave's market is beyond it in the position's favour, else a stop (the router reverses it
    for a reversed link)."""
    symbol = map_symbol(position.symbol, link.rules, slave.symbols)
    quote = slave.quotes.get(symbol) if isinstance(symbol, str) else None
    buy = position.side is Side.BUY
    if quote is None:
        return OrderType.BUY_LIMIT if buy else OrderType.SELL_LIMIT
    above = (quote.ask if buy else quote.bid) > position.open_price
    if buy:
        return OrderType.BUY_LIMIT if above else OrderType.BUY_STOP
    return OrderType.SELL_STOP if above else OrderType.SELL_LIMIT
