"""What the simulated broker stores and reports: positions, orders, deals, results and changes.

Field names and enum values follow MetaTrader 5 (TradePosition, TradeOrder, TradeDeal,
OrderSendResult) so a MetaTrader5 stand-in can expose them without translation tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from copier.domain import (
    SUCCESS_RETCODES,
    EventKind,
    OrderType,
    PendingOrder,
    Position,
    Retcode,
    Side,
)


class OrderState(IntEnum):
    """ENUM_ORDER_STATE values."""

    STARTED = 0
    PLACED = 1
    CANCELED = 2
    PARTIAL = 3
    FILLED = 4
    REJECTED = 5
    EXPIRED = 6


class DealType(IntEnum):
    """ENUM_DEAL_TYPE values (the ones a simulated account produces)."""

    BUY = 0
    SELL = 1
    BALANCE = 2


class DealEntry(IntEnum):
    """ENUM_DEAL_ENTRY values: into a position, out of it, a reversal, or a close-by."""

    IN = 0
    OUT = 1
    INOUT = 2
    OUT_BY = 3


class TradeReason(IntEnum):
    """ENUM_DEAL_REASON / ENUM_ORDER_REASON values: who or what caused a trade."""

    CLIENT = 0
    MOBILE = 1
    WEB = 2
    EXPERT = 3
    SL = 4
    TP = 5
    SO = 6


class Filling(IntEnum):
    """ENUM_ORDER_TYPE_FILLING values a request names (not the symbol's bitmask)."""

    FOK = 0
    IOC = 1
    RETURN = 2
    BOC = 3


def deal_type(side: Side) -> DealType:
    return DealType.BUY if side is Side.BUY else DealType.SELL


@dataclass(frozen=True, slots=True)
class SimPosition:
    ticket: int
    identifier: int  # stays through netting increases, partial closes and reversals
    symbol: str
    side: Side
    volume: float
    price_open: float
    time_msc: int
    time_update_msc: int
    sl: float = 0.0
    tp: float = 0.0
    magic: int = 0
    comment: str = ""
    price_current: float = 0.0
    profit: float = 0.0  # marked to market in the account currency
    swap: float = 0.0
    reason: TradeReason = TradeReason.CLIENT

    def to_domain(self) -> Position:
        return Position(
            ticket=self.ticket,
            symbol=self.symbol,
            side=self.side,
            volume=self.volume,
            open_price=self.price_open,
            sl=self.sl,
            tp=self.tp,
            magic=self.magic,
            comment=self.comment,
            open_time_ms=self.time_msc,
            profit=self.profit,
        )


@dataclass(frozen=True, slots=True)
class SimOrder:
    """A pending order while active; any order (market ones too) once in history."""

    ticket: int
    symbol: str
    order_type: OrderType
    volume_initial: float
    volume_current: float
    price_open: float
    time_setup_msc: int
    state: OrderState
    sl: float = 0.0
    tp: float = 0.0
    magic: int = 0
    comment: str = ""
    time_done_msc: int = 0
    time_expiration_ms: int = 0  # 0: good till cancelled
    position_id: int = 0  # the position the order opened or changed
    position_by_id: int = 0  # the opposite position of a close-by
    price_current: float = 0.0
    filling: Filling = Filling.RETURN
    reason: TradeReason = TradeReason.CLIENT

    def to_domain(self) -> PendingOrder:
        return PendingOrder(
            ticket=self.ticket,
            symbol=self.symbol,
            order_type=self.order_type,
            volume=self.volume_current,
            price=self.price_open,
            sl=self.sl,
            tp=self.tp,
            magic=self.magic,
            comment=self.comment,
            time_ms=self.time_setup_msc,
            expiration_ms=self.time_expiration_ms,
        )


@dataclass(frozen=True, slots=True)
class SimDeal:
    ticket: int
    order: int
    symbol: str
    deal_type: DealType
    entry: DealEntry
    volume: float
    price: float
    profit: float  # realised, in the account currency (the deposit for a balance deal)
    position_id: int
    time_msc: int
    magic: int = 0
    comment: str = ""
    reason: TradeReason = TradeReason.CLIENT
    commission: float = 0.0
    swap: float = 0.0


@dataclass(frozen=True, slots=True)
class Trade:
    """A deal the broker decided on: ``volume`` of ``symbol`` at ``price`` towards ``side``."""

    symbol: str
    side: Side
    volume: float
    price: float
    time_msc: int
    sl: float = 0.0
    tp: float = 0.0
    magic: int = 0
    comment: str = ""
    reason: TradeReason = TradeReason.CLIENT
    filling: Filling = Filling.RETURN


@dataclass(frozen=True, slots=True)
class TradeResult:
    """The answer to one trade request, shaped like MT5's OrderSendResult.

    ``comment`` says in words what happened or why not. ``position`` is the position the request
    opened or changed (after an MT4 partial close: the remainder's new ticket).
    """

    retcode: Retcode
    comment: str = ""
    order: int = 0
    deal: int = 0
    position: int = 0
    volume: float = 0.0
    price: float = 0.0
    bid: float = 0.0
    ask: float = 0.0

    @property
    def ok(self) -> bool:
        return self.retcode in SUCCESS_RETCODES


@dataclass(frozen=True, slots=True)
class TradeChange:
    """One change on the account as a terminal sees it, reported to the broker's listeners.

    The fields mean what ``copier.domain.MasterEvent``'s do: ``volume`` is what remains after the
    change, ``closed_volume`` what a close took, ``new_ticket`` a renumbered ticket.
    """

    kind: EventKind
    ticket: int
    symbol: str
    order_type: OrderType
    volume: float
    price: float
    time_msc: int
    sl: float = 0.0
    tp: float = 0.0
    closed_volume: float = 0.0
    new_ticket: int | None = None
    magic: int = 0
    comment: str = ""


def position_change(
    kind: EventKind,
    pos: SimPosition,
    price: float,
    time_msc: int,
    *,
    volume: float | None = None,
    closed_volume: float = 0.0,
    new_ticket: int | None = None,
) -> TradeChange:
    """A change to a position; ``volume`` defaults to what the position holds now."""
    return TradeChange(
        kind=kind,
        ticket=pos.ticket,
        symbol=pos.symbol,
        order_type=OrderType.market(pos.side),
        volume=pos.volume if volume is None else volume,
        price=price,
        time_msc=time_msc,
        sl=pos.sl,
        tp=pos.tp,
        closed_volume=round(closed_volume, 8),
        new_ticket=new_ticket,
        magic=pos.magic,
        comment=pos.comment,
    )


def order_change(kind: EventKind, order: SimOrder, time_msc: int = 0) -> TradeChange:
    return TradeChange(
        kind=kind,
        ticket=order.ticket,
        symbol=order.symbol,
        order_type=order.order_type,
        volume=order.volume_current,
        price=order.price_open,
        time_msc=time_msc or order.time_setup_msc,
        sl=order.sl,
        tp=order.tp,
        magic=order.magic,
        comment=order.comment,
    )
