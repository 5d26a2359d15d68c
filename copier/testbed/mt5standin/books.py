"""The simulated broker's books shown as MetaTrader5 records, with the package's filters.

``group`` filters work as in MetaTrader: comma-separated patterns with ``*`` wildcards; a pattern
starting with ``!`` excludes. A symbol passes when it matches an inclusion and no exclusion.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from fnmatch import fnmatchcase
from typing import Any, TypeVar

from copier.domain import OrderType, Side
from copier.testbed.broker.records import SimDeal, SimOrder, SimPosition
from copier.testbed.mt5standin.records import TradeDeal, TradeOrder, TradePosition

ORDER_TYPE_NUMBER: dict[OrderType, int] = {
    OrderType.BUY: 0,
    OrderType.SELL: 1,
    OrderType.BUY_LIMIT: 2,
    OrderType.SELL_LIMIT: 3,
    OrderType.BUY_STOP: 4,
    OrderType.SELL_STOP: 5,
}
ORDER_TYPE_OF: dict[int, OrderType] = {v: k for k, v in ORDER_TYPE_NUMBER.items()}
ORDER_TIME_GTC = 0
ORDER_TIME_DAY = 1
ORDER_TIME_SPECIFIED = 2

T = TypeVar("T")


def side_number(side: Side) -> int:
    return 0 if side is Side.BUY else 1


def in_group(symbol: str, group: str | None) -> bool:
    if not group:
        return True
    patterns = [p.strip() for p in group.split(",") if p.strip()]
    included = [p for p in patterns if not p.startswith("!")]
    excluded = [p[1:] for p in patterns if p.startswith("!")]
    if included and not any(fnmatchcase(symbol, p) for p in included):
        return False
    return not any(fnmatchcase(symbol, p) for p in excluded)


def select(
    items: Iterable[T],
    *,
    symbol: str | None = None,
    group: str | None = None,
    ticket: int | None = None,
) -> tuple[T, ...]:
    """The real package's filter order: ticket, else symbol, else group."""
    found: list[T] = []
    for item in items:
        item_any: Any = item
        if ticket is not None:
            keep = item_any.ticket == ticket
        elif symbol is not None:
            keep = item_any.symbol == symbol
        else:
            keep = in_group(item_any.symbol, group)
        if keep:
            found.append(item)
    return tuple(found)


def seconds(value: datetime | int | float) -> float:
    """A date argument as the package takes it: a datetime, or seconds since 1970."""
    if isinstance(value, datetime):
        return value.timestamp()
    return float(value)


def position_record(p: SimPosition, offset_ms: int = 0) -> TradePosition:
    """``offset_ms``: the trade server's zone; every time is shown on the server's clock."""
    return TradePosition(
        ticket=p.ticket,
        time=(p.time_msc + offset_ms) // 1000,
        time_msc=p.time_msc + offset_ms,
        time_update=(p.time_update_msc + offset_ms) // 1000,
        time_update_msc=p.time_update_msc + offset_ms,
        type=side_number(p.side),
        magic=p.magic,
        identifier=p.identifier,
        reason=int(p.reason),
        volume=p.volume,
        price_open=p.price_open,
        sl=p.sl,
        tp=p.tp,
        price_current=p.price_current,
        swap=p.swap,
        profit=p.profit,
        symbol=p.symbol,
        comment=p.comment,
        external_id="",
    )


def order_record(o: SimOrder, offset_ms: int = 0, *, day: bool = False) -> TradeOrder:
    """``day``: the order was placed good for the day; it carries the end of that trading day as
    its expiration (ORDER_TIME_DAY: https://www.mql5.com/en/docs/constants/tradingconstants/
    orderproperties#enum_order_type_time)."""
    done = o.time_done_msc + offset_ms if o.time_done_msc else 0
    return TradeOrder(
        ticket=o.ticket,
        time_setup=(o.time_setup_msc + offset_ms) // 1000,
        time_setup_msc=o.time_setup_msc + offset_ms,
        time_done=done // 1000,
        time_done_msc=done,
        time_expiration=(o.time_expiration_ms + offset_ms) // 1000 if o.time_expiration_ms else 0,
        type=ORDER_TYPE_NUMBER[o.order_type],
        type_time=(
            ORDER_TIME_DAY
            if day
            else ORDER_TIME_SPECIFIED
            if o.time_expiration_ms
            else ORDER_TIME_GTC
        ),
        type_filling=int(o.filling),
        state=int(o.state),
        magic=o.magic,
        position_id=o.position_id,
        position_by_id=o.position_by_id,
        reason=int(o.reason),
        volume_initial=o.volume_initial,
        volume_current=o.volume_current,
        price_open=o.price_open,
        sl=o.sl,
        tp=o.tp,
        price_current=o.price_current,
        price_stoplimit=0.0,
        symbol=o.symbol,
        comment=o.comment,
        external_id="",
    )


def deal_record(d: SimDeal, offset_ms: int = 0) -> TradeDeal:
    return TradeDeal(
        ticket=d.ticket,
        order=d.order,
        time=(d.time_msc + offset_ms) // 1000,
        time_msc=d.time_msc + offset_ms,
        type=int(d.deal_type),
        entry=int(d.entry),
        magic=d.magic,
        position_id=d.position_id,
        reason=int(d.reason),
        volume=d.volume,
        price=d.price,
        commission=d.commission,
        swap=d.swap,
        profit=d.profit,
        fee=0.0,
        symbol=d.symbol,
        comment=d.comment,
        external_id="",
    )


def history_select(
    items: Sequence[T],
    date_from: datetime | int | float | None,
    date_to: datetime | int | float | None,
    time_of: str,
    *,
    group: str | None = None,
    ticket: int | None = None,
    position: int | None = None,
    ticket_of: str = "ticket",
) -> tuple[T, ...] | None:
    """History as ``history_*_get`` returns it: by ticket, by position, or by period and group.

    ``ticket_of`` names the field ``ticket=`` selects on: an order's own ticket for
    ``history_orders_get``, but the ORDER's ticket (``DEAL_ORDER``, the field ``order``) for
    ``history_deals_get`` — "ticket: Order ticket (stored in DEAL_ORDER). All deals having the
    specified order ticket ... are returned"
    (https://www.mql5.com/en/docs/python_metatrader5/mt5historydealsget_py). Periods are on the
    trade server's clock, as the records' times are.
    None when the call names neither a period nor a ticket nor a position (the package fails so).
    """
    if ticket is not None:
        return tuple(i for i in items if getattr(i, ticket_of) == ticket)
    if position is not None:
        return tuple(i for i in items if getattr(i, "position_id") == position)  # noqa: B009
    if date_from is None or date_to is None:
        return None
    start, end = seconds(date_from) * 1000, seconds(date_to) * 1000
    return tuple(
        i
        for i in items
        if start <= getattr(i, time_of) <= end and in_group(getattr(i, "symbol"), group)  # noqa: B009
    )
