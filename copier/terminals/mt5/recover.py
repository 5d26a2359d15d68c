"""Finds what a command already did on the account, so a resent command never runs twice.

After a worker crash, a lost link mid-order_send or a copier restart, nobody remembers whether a
command ran. The account does: every copy carries its comment (``TC|<master ticket>``) and the
link's magic number, and the terminal keeps positions, orders and deal history. Only traces
younger than the command count — on the trade server's clock, which runs hours off UTC — and a
ticket already claimed by another command is not reused, so two legs of one master ticket are not
mistaken for each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from copier.domain import Command, CommandKind, Side, copy_comment
from copier.terminals.mt5.session import ORDER_TYPE_NUMBERS, Session, side_of

DEAL_ENTRY_IN = 0
DEAL_ENTRY_OUT = 1
DEAL_ENTRY_INOUT = 2
SLACK_MS = 5_000  # clocks of copier and trade server differ a little


@dataclass(frozen=True, slots=True)
class Trace:
    ticket: int
    volume: float
    price: float


def find_trace(
    session: Session, command: Command, claimed: set[int], sent_ms: int = 0
) -> Trace | None:
    """What ``command`` left on the account, if it ran. ``sent_ms`` is when it was first sent on
    this process's clock (0: unknown, then its ``created_ms`` on the copier's clock is used)."""
    comment = (command.comment or copy_comment(command.comment_ticket))[:31]
    # MT5 writes every time on the trade server's clock: the command's time is moved onto it
    # before any comparison (Session.offset_ms, measured at connect).
    since = session.server_ms((sent_ms or command.created_ms) - SLACK_MS)
    if command.kind in (CommandKind.OPEN, CommandKind.FILL_PENDING):
        return _opened(session, command, comment, since, claimed)
    if command.kind is CommandKind.PLACE_PENDING:
        return _placed(session, command, comment, since, claimed)
    if command.kind is CommandKind.CLOSE and command.slave_ticket is not None:
        return _closed(session, command, comment, since, claimed)
    return None  # modifications and deletions are idempotent by themselves


def _mine(item: Any, command: Command, comment: str) -> bool:
    return bool(
        item.symbol == command.symbol and item.magic == command.magic and item.comment == comment
    )


def _opened(
    session: Session, command: Command, comment: str, since: int, claimed: set[int]
) -> Trace | None:
    side = command.order_type.side
    if session.hedging:
        for p in session.call("positions_get", symbol=command.symbol):
            if (
                _mine(p, command, comment)
                and side_of(p.type) is side
                and p.time_msc >= since
                and p.ticket not in claimed
            ):
                return Trace(p.ticket, p.volume, p.price_open)
    # Netting (or a hedging copy closed since): the entry deal carries the comment.
    for d in _deals_since(session, since):
        if (
            _mine(d, command, comment)
            and d.entry in (DEAL_ENTRY_IN, DEAL_ENTRY_INOUT)
            and side_of(d.type) is side
            and d.position_id not in claimed
            and d.ticket not in claimed
        ):
            return Trace(_position_ticket(session, d.position_id), d.volume, d.price)
    return None


def _placed(
    session: Session, command: Command, comment: str, since: int, claimed: set[int]
) -> Trace | None:
    wanted = ORDER_TYPE_NUMBERS[command.order_type]
    candidates = list(session.call("orders_get", symbol=command.symbol))
    candidates += list(_history_orders_since(session, since))
    for o in candidates:
        if (
            _mine(o, command, comment)
            and o.type == wanted
            and o.time_setup_msc >= since
            and o.ticket not in claimed
        ):
            return Trace(o.ticket, o.volume_initial, o.price_open)
    return None


def _closed(
    session: Session, command: Command, comment: str, since: int, claimed: set[int]
) -> Trace | None:
    closing_side: Side | None = None
    for d in session.call("history_deals_get", position=command.slave_ticket):
        if d.entry == DEAL_ENTRY_IN:
            closing_side = side_of(d.type).opposite
    for d in session.call("history_deals_get", position=command.slave_ticket):
        if (
            d.entry == DEAL_ENTRY_OUT
            and d.comment == comment
            and d.time_msc >= since
            and d.ticket not in claimed
            and (closing_side is None or side_of(d.type) is closing_side)
        ):
            return Trace(d.ticket, d.volume, d.price)
    return None


def _deals_since(session: Session, since_ms: int) -> tuple[Any, ...]:
    date_from = max(0, since_ms // 1000)
    date_to = session.mt5_time_horizon()
    return tuple(session.call("history_deals_get", date_from, date_to))


def _history_orders_since(session: Session, since_ms: int) -> tuple[Any, ...]:
    date_from = max(0, since_ms // 1000)
    return tuple(session.call("history_orders_get", date_from, session.mt5_time_horizon()))


def _position_ticket(session: Session, position_id: int) -> int:
    for p in session.call("positions_get"):
        if p.identifier == position_id:
            return int(p.ticket)
    return position_id
