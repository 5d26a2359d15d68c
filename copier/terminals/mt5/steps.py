"""What every MT5 trade step shares: request constants, the filling mode chosen from a symbol's
bitmask, volume rounding, finding positions and orders, and results in a trader's words."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from msgspec.structs import replace

from copier.domain import (
    Command,
    ExecutionResult,
    Retcode,
    Side,
    copy_comment,
    leg_copy,
    result_of,
)
from copier.terminals.mt5.messages import trade_message
from copier.terminals.mt5.session import Session

TRADE_ACTION_DEAL = 1
TRADE_ACTION_PENDING = 5
TRADE_ACTION_SLTP = 6
TRADE_ACTION_MODIFY = 7
TRADE_ACTION_REMOVE = 8
ORDER_FILLING_FOK = 0
ORDER_FILLING_IOC = 1
ORDER_FILLING_RETURN = 2
ORDER_TIME_GTC = 0
ORDER_TIME_DAY = 1
SYMBOL_EXPIRATION_GTC = 1
SYMBOL_EXPIRATION_DAY = 2
ORDER_TIME_SPECIFIED = 2
ORDER_STATE_PARTIAL = 3
ORDER_STATE_FILLED = 4
RETRY_RETCODES = frozenset({Retcode.REQUOTE, Retcode.PRICE_CHANGED, Retcode.PRICE_OFF})
SUCCESS = frozenset({Retcode.DONE, Retcode.PLACED, Retcode.DONE_PARTIAL})


def filling_type(filling_mode: int) -> int:
    """The ``type_filling`` a symbol accepts, from its ``filling_mode`` bitmask."""
    if filling_mode & 1:
        return ORDER_FILLING_FOK
    if filling_mode & 2:
        return ORDER_FILLING_IOC
    return ORDER_FILLING_RETURN


def normalise_volume(volume: float, info: Any) -> float:
    """Round to the symbol's step (to the nearest step, tolerating float noise)."""
    step = info.volume_step or 0.01
    steps = round(volume / step + 1e-9)
    decimals = max(0, len(f"{step:.8f}".rstrip("0").split(".")[1]))
    return round(min(steps * step, info.volume_max), decimals)


def type_time(info: Any) -> int:
    """Good till cancelled where the symbol allows it, else good for the day: a symbol's
    SYMBOL_EXPIRATION_MODE flags say which lifetimes its pending orders may have, and any other
    is refused with 10022 (https://www.mql5.com/en/docs/constants/environment_state/
    marketinfoconstants#symbol_expiration_mode). A day order ends with the trading day; the
    master's order, if still there, is not placed again."""
    mode = info.expiration_mode
    if mode & SYMBOL_EXPIRATION_GTC or not mode & SYMBOL_EXPIRATION_DAY:
        return ORDER_TIME_GTC
    return ORDER_TIME_DAY


def snap(price: float, info: Any) -> float:
    """A price on the symbol's grid: a whole number of SYMBOL_TRADE_TICK_SIZE, written with its
    digits. Index and futures symbols move in ticks of several points and refuse other prices
    with 10015/10016 (https://www.mql5.com/en/docs/constants/environment_state/
    marketinfoconstants#enum_symbol_info_double); 0 stays 0 (no price, no stop)."""
    if not price:
        return 0.0
    tick = info.trade_tick_size or info.point
    return round(round(price / tick) * tick, info.digits)


def stops_from(command: Command, info: Any, side: Side, base: float) -> tuple[float, float]:
    """SL/TP as the command's prices, or as its distances in points from ``base`` (the fill,
    the position's open price or the order's price) where it gives them."""
    sl, tp = command.sl, command.tp
    if command.sl_distance_points:
        sl = base - side.sign * command.sl_distance_points * info.point
    if command.tp_distance_points:
        tp = base + side.sign * command.tp_distance_points * info.point
    return snap(sl, info), snap(tp, info)


class TradeSteps:
    def __init__(self, session: Session, clock: Callable[[], int]) -> None:
        self.session = session
        self.clock = clock

    def _position(self, command: Command) -> Any:
        if command.slave_ticket:
            found = self.session.call("positions_get", ticket=command.slave_ticket)
            if found:
                return found[0]
            if self.session.hedging:
                return None  # closed (by its SL/TP, the trader or a stop-out)
        if not self.session.hedging:  # netting: the symbol's one position is the copy
            found = self.session.call("positions_get", symbol=command.symbol)
            return found[0] if found else None
        # Hedging, and the open's result had not reached the copier when this command was
        # decided: the copy is found by its comment and leg (protocol §14, as the EAs find it).
        return leg_copy(command, self.session.call("positions_get", symbol=command.symbol) or ())

    def _pending_copy(self, command: Command) -> int | None:
        """The order a pending command acts on: ``slave_ticket``, or when the placement's result
        had not reached the copier, the copy found by its comment and leg among the symbol's
        pending orders and, on hedging accounts, the positions such copies filled into (they keep
        the order's ticket and comment). None: no such copy."""
        if command.slave_ticket:
            return command.slave_ticket
        found = list(self.session.call("orders_get", symbol=command.symbol) or ())
        if self.session.hedging:
            found += self.session.call("positions_get", symbol=command.symbol) or ()
        copy = leg_copy(command, found)
        return copy.ticket if copy is not None else None

    def _pending(self, ticket: int | None) -> Any:
        if ticket is None:
            return None
        found = self.session.call("orders_get", ticket=ticket)
        return found[0] if found else None

    def _position_from_order(self, ticket: int | None) -> Any:
        """The open position a filled pending order became (MT5: identifier = order ticket)."""
        if ticket is None:
            return None
        history = self.session.call("history_orders_get", ticket=ticket)
        position_id = history[0].position_id if history else ticket
        for position in self.session.call("positions_get"):
            if position.identifier in (position_id, ticket):
                return position
        return None

    def _comment(self, command: Command) -> str:
        return (command.comment or copy_comment(command.comment_ticket))[:31]

    @staticmethod
    def _trade_text(symbol: str, sent: Any, done_text: str) -> str:
        if sent.retcode in SUCCESS and done_text:
            return f"{symbol}: {done_text}"
        return trade_message(symbol, sent.retcode, sent.comment)

    def result(
        self,
        command: Command,
        retcode: int,
        message: str,
        ticket: int | None = None,
        volume: float = 0.0,
        price: float = 0.0,
        *,
        sl: float = 0.0,
        tp: float = 0.0,
    ) -> ExecutionResult:
        return result_of(command, retcode, message, executed_ms=self.clock(), ticket=ticket,
                         volume=volume, price=price, sl=sl, tp=tp)


def with_ticket(command: Command, ticket: int, volume: float = 0.0) -> Command:
    """The command aimed at position ``ticket``; volume 0 means all of it."""
    return replace(command, slave_ticket=ticket, volume=volume)


def with_volume(command: Command, volume: float) -> Command:
    return replace(command, volume=volume)
