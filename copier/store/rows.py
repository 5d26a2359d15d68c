"""Domain values ↔ table rows: plain dicts for Core inserts, and domain values back from rows.

Pure functions, no I/O. The writer thread calls them, so the event loop never pays for them.
"""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import RowMapping

from copier.domain import (
    ORDER_SIDE,
    Command,
    CommandKind,
    CopyState,
    EventKind,
    ExecutionResult,
    MasterEvent,
    OrderType,
    Retcode,
    Side,
)
from copier.engine.state import CopyAdjusted, CopyDenied, TicketLink, TicketState

Row = dict[str, Any]

PENDING, SENT, EXECUTED, FAILED, EXPIRED = "pending", "sent", "executed", "failed", "expired"
COPY_STATUSES = (PENDING, SENT, EXECUTED, FAILED, EXPIRED)
# What ``sweep_copy_row`` builds on: a close-all has no master event (no price, no seq).
_NO_EVENT = MasterEvent("", 0, EventKind.CLOSED, 0, "", OrderType.BUY, 0.0, 0.0, 0)


# The columns of a copy row, in the table's order: the order of ``copy_values``.
COPY_COLUMNS = (
    "command_id", "link_id", "master_id", "slave_id", "master_ticket", "master_seq", "symbol",
    "slave_symbol", "side", "order_type", "kind", "requested_volume", "filled_volume",
    "master_price", "slave_price", "slippage_points", "status", "retcode", "message",
    "slave_ticket", "detected_ms", "received_ms", "decided_ms", "sent_ms", "executed_ms",
    # the rest of the command, so a restart can send it again (``command_from_row``)
    "order_no", "attempts", "target_ticket", "price", "sl", "tp", "magic", "comment",
    "max_deviation_points", "sl_distance_points", "tp_distance_points", "two_step_stops",
    "created_ms", "expires_ms", "leg", "copy_ticket",
    # the copy before the command (protocol §14 step 5)
    "was_state", "was_volume", "was_price", "was_sl", "was_tp", "was_expiration_ms",
)  # fmt: skip
_NOTHING_BEFORE = (False, 0.0, 0.0, 0.0, 0.0, 0)


def _before_of(row: RowMapping) -> CopyState | None:
    if not row["was_state"]:
        return None
    return CopyState(row["was_volume"], row["was_price"], row["was_sl"], row["was_tp"],
                     row["was_expiration_ms"])  # fmt: skip


def command_from_row(row: RowMapping) -> Command:
    """The command a copy row without a result stands for (schema 8: the copy row is its outbox
    entry): the slave's symbol, the requested volume and the ticket it acts on."""
    return Command(
        id=row["command_id"],
        link_id=row["link_id"],
        slave_id=row["slave_id"],
        kind=CommandKind(row["kind"]),
        master_ticket=row["master_ticket"],
        symbol=row["slave_symbol"],
        order_type=OrderType(row["order_type"]),
        volume=row["requested_volume"],
        price=row["price"],
        sl=row["sl"],
        tp=row["tp"],
        slave_ticket=row["target_ticket"],
        magic=row["magic"],
        comment=row["comment"],
        max_deviation_points=row["max_deviation_points"],
        sl_distance_points=row["sl_distance_points"],
        tp_distance_points=row["tp_distance_points"],
        two_step_stops=bool(row["two_step_stops"]),
        master_seq=row["master_seq"],
        created_ms=row["created_ms"],
        expires_ms=row["expires_ms"],
        leg=row["leg"],
        copy_ticket=row["copy_ticket"],
        before=_before_of(row),
    )


# The columns of a ticket link row, in the table's order: the order of ``ticket_values``.
TICKET_COLUMNS = (
    "link_id", "master_ticket", "leg", "slave_symbol", "side", "state", "slave_ticket",
    "slave_volume", "master_volume", "is_pending", "sl", "tp", "opened_ms", "last_command_id",
    "copy_ticket",
)  # fmt: skip


def ticket_values(t: TicketLink) -> tuple[Any, ...]:
    """A ticket link's row as the upsert binds it, in ``TICKET_COLUMNS`` order."""
    return (t.link_id, t.master_ticket, t.leg, t.slave_symbol, t.side.value, t.state.value,
            t.slave_ticket, t.slave_volume, t.master_volume, t.is_pending, t.sl, t.tp,
            t.opened_ms, t.last_command_id, t.copy_ticket)  # fmt: skip


def ticket_from_row(row: RowMapping) -> TicketLink:
    return TicketLink(
        link_id=row["link_id"],
        master_ticket=row["master_ticket"],
        slave_symbol=row["slave_symbol"],
        side=Side(row["side"]),
        state=TicketState(row["state"]),
        slave_ticket=row["slave_ticket"],
        slave_volume=row["slave_volume"],
        master_volume=row["master_volume"],
        leg=row["leg"],
        is_pending=bool(row["is_pending"]),
        sl=row["sl"],
        tp=row["tp"],
        opened_ms=row["opened_ms"],
        last_command_id=row["last_command_id"],
        copy_ticket=row["copy_ticket"],
    )


def event_row(event: MasterEvent, decided_ms: int) -> Row:
    return {
        "account_id": event.account_id,
        "seq": event.seq,
        "kind": event.kind.value,
        "ticket": event.ticket,
        "symbol": event.symbol,
        "order_type": event.order_type.value,
        "volume": event.volume,
        "price": event.price,
        "sl": event.sl,
        "tp": event.tp,
        "closed_volume": event.closed_volume,
        "new_ticket": event.new_ticket,
        "magic": event.magic,
        "comment": event.comment,
        "detected_ms": event.time_ms,
        "received_ms": event.received_ms,
        "decided_ms": decided_ms,
    }


def copy_values(
    event: MasterEvent, command: Command, decided_ms: int, sent_ms: int | None = None,
    order_no: int = 0,
) -> tuple[Any, ...]:
    """The copy row of a command just decided — its trade-log entry and its outbox entry in one:
    pending (or sent, at ``sent_ms``), no result yet, ``order_no``-th in creation order. A tuple
    in ``COPY_COLUMNS`` order, as the insert binds it: a decision builds ten of them on the
    event loop, and a dict per row took twice as long to build."""
    c = command
    b = c.before
    before = _NOTHING_BEFORE if b is None else (
        True, b.volume, b.price, b.sl, b.tp, b.expiration_ms)  # fmt: skip
    return (
        c.id, c.link_id, event.account_id, c.slave_id, c.master_ticket,
        c.master_seq or event.seq, event.symbol, c.symbol, side_of(c.order_type),
        c.order_type.value, c.kind.value, c.volume, None, event.price, None, None,
        PENDING if sent_ms is None else SENT, None, "", None, event.time_ms,
        event.received_ms, decided_ms, sent_ms, None,
        order_no, 0 if sent_ms is None else 1, c.slave_ticket, c.price, c.sl, c.tp, c.magic,
        c.comment, c.max_deviation_points, c.sl_distance_points, c.tp_distance_points,
        c.two_step_stops, c.created_ms, c.expires_ms, c.leg, c.copy_ticket,
        *before,
    )  # fmt: skip


def copy_row(
    event: MasterEvent, command: Command, decided_ms: int, sent_ms: int | None = None,
    order_no: int = 0,
) -> Row:
    """``copy_values`` by column name."""
    values = copy_values(event, command, decided_ms, sent_ms, order_no)
    return dict(zip(COPY_COLUMNS, values, strict=True))


def sweep_copy_row(
    master_id: str, command: Command, decided_ms: int, master_price: float = 0.0,
    order_no: int = 0,
) -> Row:
    """The copy row of a command no master event made (a close-all: no master price)."""
    row = copy_row(_NO_EVENT, command, decided_ms, order_no=order_no)
    row.update(master_id=master_id, symbol=command.symbol, detected_ms=decided_ms,
               received_ms=decided_ms, master_price=master_price)  # fmt: skip
    return row


def rule_row(verdict: CopyDenied | CopyAdjusted, master_id: str, decided_ms: int) -> Row:
    """A denial or an adjustment: which rule, why, for which copy."""
    return {
        "link_id": verdict.link_id,
        "master_id": master_id,
        "slave_id": verdict.slave_id,
        "master_ticket": verdict.master_ticket,
        "master_seq": verdict.master_seq,
        "rule": verdict.rule,
        "reason": verdict.reason,
        "time_ms": decided_ms,
    }


def result_status(result: ExecutionResult) -> str:
    if result.retcode == Retcode.EXPIRED:
        return EXPIRED
    return EXECUTED if result.ok else FAILED


def side_of(order_type: str) -> str:
    """The side of an order type or its value read back (``buy_limit`` → ``buy``)."""
    return ORDER_SIDE[order_type].value


def slippage_points(
    kind: str, side: str, master_price: float, slave_price: float, point: float | None,
    *, master_side: str | None = None,
) -> float | None:
    """How much worse (positive) or better (negative) the slave's price was than the master's,
    in points. ``side`` is the slave position's side: a close is a deal the other way, so for a
    close of a buy a lower price is the worse one. None when it cannot be known.

    A reversed copy (``master_side`` is not ``side``) deals on the other side of the book: the
    master buys at the ask while the copy sells at the bid, so the difference between the two
    prices is the spread, not slippage (issue #18: a reversed link showed ≈16 points a copy
    against ≈3 on the others). Its slippage cannot be told apart from the spread with the
    master's price alone, so none is logged rather than the spread passed off as slippage."""
    if master_side is not None and master_side != side:
        return None
    if not point or point <= 0 or not master_price or not slave_price:
        return None
    if kind not in (CommandKind.OPEN, CommandKind.FILL_PENDING, CommandKind.CLOSE):
        return None  # modifications and pending orders have no fill to compare
    deal_side = Side(side)
    if kind == CommandKind.CLOSE:
        deal_side = deal_side.opposite
    points = (slave_price - master_price) / point * deal_side.sign
    return 0.0 if math.isclose(points, 0.0, abs_tol=1e-9) else round(points, 1)
