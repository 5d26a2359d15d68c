"""Executes copier Commands on an MT5 account through order_send, one ExecutionResult per command.

Follows the executor semantics block in ``copier.domain``. The filling mode comes from the symbol's
``filling_mode`` bitmask (bit 1 FOK, bit 2 IOC, neither: RETURN) — the bitmask itself is not a valid
``type_filling``. Requotes and price changes are retried with a fresh tick. A command that may
already have run (``recover``) is first looked for on the account by its comment, so nothing is
opened twice after a crash or a lost link.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from copier.domain import (
    Command,
    CommandKind,
    ExecutionResult,
    OrderType,
    Retcode,
    Side,
    copy_comment,
)
from copier.terminals.mt5.messages import retcode_text, trade_message
from copier.terminals.mt5.recover import find_trace
from copier.terminals.mt5.session import ORDER_TYPE_NUMBERS, CallFailed, Session, now_ms

TRADE_ACTION_DEAL = 1
TRADE_ACTION_PENDING = 5
TRADE_ACTION_SLTP = 6
TRADE_ACTION_MODIFY = 7
TRADE_ACTION_REMOVE = 8
ORDER_FILLING_FOK = 0
ORDER_FILLING_IOC = 1
ORDER_FILLING_RETURN = 2
ORDER_TIME_GTC = 0
ORDER_TIME_SPECIFIED = 2
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


class Executor:
    def __init__(self, session: Session, clock: Callable[[], int] = now_ms) -> None:
        self.session = session
        self.clock = clock
        self.started_ms = clock()
        self.claimed: set[int] = set()  # tickets already reported for a recovered command
        self._done: dict[str, ExecutionResult] = {}

    def execute(self, command: Command, recover: bool = False) -> ExecutionResult:
        first = self._done.get(command.id)
        if first is not None:
            return first
        now = self.clock()
        if command.expires_ms and now > command.expires_ms:
            return self._finish(command, Retcode.EXPIRED, trade_message(command.symbol, 19001))
        if recover or command.created_ms < self.started_ms:
            trace = find_trace(self.session, command, self.claimed)
            if trace is not None:
                self.claimed.add(trace.ticket)
                return self._finish(
                    command,
                    Retcode.DUPLICATE,
                    f"{command.symbol}: already executed before a restart (found "
                    f"#{trace.ticket} by its comment) — not sent again",
                    ticket=trace.ticket,
                    volume=trace.volume,
                    price=trace.price,
                )
        try:
            result = self._dispatch(command)
        except CallFailed as failure:
            result = self._result(command, Retcode.ERROR, f"{command.symbol}: {failure.reason}")
        self._done[command.id] = result
        return result

    def forget(self) -> None:
        """Drop the command memory (the parent keeps the authoritative one)."""
        self._done.clear()

    # -- one method per command kind ------------------------------------------------------

    def _dispatch(self, command: Command) -> ExecutionResult:
        handlers = {
            CommandKind.OPEN: self._open,
            CommandKind.CLOSE: self._close,
            CommandKind.MODIFY: self._modify,
            CommandKind.PLACE_PENDING: self._place_pending,
            CommandKind.MODIFY_PENDING: self._modify_pending,
            CommandKind.DELETE_PENDING: self._delete_pending,
            CommandKind.FILL_PENDING: self._fill_pending,
        }
        return handlers[command.kind](command)

    def _open(self, command: Command, side: Side | None = None) -> ExecutionResult:
        side = side or command.order_type.side
        info = self.session.spec(command.symbol)
        volume = normalise_volume(command.volume, info)
        if volume < info.volume_min - 1e-9:
            return self._result(
                command,
                Retcode.INVALID_VOLUME,
                f"{command.symbol}: lot {command.volume:g} below broker minimum "
                f"{info.volume_min:g} — copy skipped",
            )
        later_stops = command.two_step_stops or bool(
            command.sl_distance_points or command.tp_distance_points
        )
        request = {
            "action": TRADE_ACTION_DEAL,
            "symbol": command.symbol,
            "volume": volume,
            "type": ORDER_TYPE_NUMBERS[OrderType.market(side)],
            "sl": 0.0 if later_stops else command.sl,
            "tp": 0.0 if later_stops else command.tp,
            "magic": command.magic,
            "comment": self._comment(command),
        }
        answer = self._send_market(command, info, side, request)
        if not isinstance(answer, tuple):
            return answer
        sent, price = answer
        ticket = self._position_of_deal(sent, command.symbol)
        sl, tp = command.sl, command.tp
        message = "opened"
        if later_stops:
            sl, tp, message = self._set_stops_after_fill(command, info, side, ticket, price)
        return self._result(
            command,
            sent.retcode,
            f"{command.symbol}: {message}",
            ticket,
            sent.volume,
            price,
            sl=sl,
            tp=tp,
        )

    def _close(self, command: Command) -> ExecutionResult:
        position = self._position(command)
        if position is None:
            return self._result(
                command,
                Retcode.POSITION_CLOSED,
                f"{command.symbol}: position #{command.slave_ticket} is already closed",
            )
        info = self.session.spec(position.symbol)
        volume = position.volume
        if command.volume > 0:
            volume = min(normalise_volume(command.volume, info), position.volume)
        if volume <= 0:
            return self._result(
                command, Retcode.INVALID_VOLUME, f"{command.symbol}: nothing to close"
            )
        side = Side.SELL if position.type == 0 else Side.BUY
        request = {
            "action": TRADE_ACTION_DEAL,
            "symbol": position.symbol,
            "volume": volume,
            "type": ORDER_TYPE_NUMBERS[OrderType.market(side)],
            "magic": command.magic,
            "comment": self._comment(command),
        }
        if self.session.hedging:
            request["position"] = position.ticket  # closes this one, not a new opposite position
        answer = self._send_market(command, info, side, request)
        if not isinstance(answer, tuple):
            return answer
        sent, price = answer
        return self._result(
            command,
            sent.retcode,
            f"{position.symbol}: closed {sent.volume:g} lot",
            position.ticket,
            sent.volume,
            price,
        )

    def _modify(self, command: Command) -> ExecutionResult:
        position = self._position(command)
        if position is None:
            return self._result(
                command,
                Retcode.POSITION_CLOSED,
                f"{command.symbol}: position #{command.slave_ticket} is already closed",
            )
        return self._send_stops(command, position, command.sl, command.tp)

    def _place_pending(self, command: Command) -> ExecutionResult:
        info = self.session.spec(command.symbol)
        volume = normalise_volume(command.volume, info)
        if volume < info.volume_min - 1e-9:
            return self._result(
                command,
                Retcode.INVALID_VOLUME,
                f"{command.symbol}: lot {command.volume:g} below broker minimum "
                f"{info.volume_min:g} — copy skipped",
            )
        request = {
            "action": TRADE_ACTION_PENDING,
            "symbol": command.symbol,
            "volume": volume,
            "type": ORDER_TYPE_NUMBERS[command.order_type],
            "price": round(command.price, info.digits),
            "sl": round(command.sl, info.digits),
            "tp": round(command.tp, info.digits),
            "type_time": ORDER_TIME_GTC,
            "type_filling": filling_type(info.filling_mode),
            "magic": command.magic,
            "comment": self._comment(command),
        }
        sent = self.session.call("order_send", request)
        return self._result(
            command,
            sent.retcode,
            self._trade_text(command.symbol, sent, "pending order placed"),
            sent.order or None,
            sent.volume or volume,
            request["price"],
            sl=request["sl"],
            tp=request["tp"],
        )

    def _modify_pending(self, command: Command) -> ExecutionResult:
        order = self._pending(command.slave_ticket)
        if order is None:
            return self._result(
                command,
                Retcode.INVALID_ORDER,
                f"{command.symbol}: order #{command.slave_ticket} is no longer pending",
            )
        digits = self.session.spec(order.symbol).digits
        request = {
            "action": TRADE_ACTION_MODIFY,
            "order": order.ticket,
            "symbol": order.symbol,
            "price": round(command.price or order.price_open, digits),
            "sl": round(command.sl, digits),
            "tp": round(command.tp, digits),
            "type_time": order.type_time,
            "expiration": order.time_expiration,
        }
        if (request["price"], request["sl"], request["tp"]) == (
            order.price_open,
            order.sl,
            order.tp,
        ):
            return self._result(
                command, Retcode.DONE, f"{order.symbol}: order already as requested", order.ticket
            )
        sent = self.session.call("order_send", request)
        return self._result(
            command,
            sent.retcode,
            self._trade_text(order.symbol, sent, "pending order changed"),
            order.ticket,
            order.volume_current,
            request["price"],
            sl=request["sl"],
            tp=request["tp"],
        )

    def _delete_pending(self, command: Command) -> ExecutionResult:
        order = self._pending(command.slave_ticket)
        if order is not None:
            sent = self.session.call(
                "order_send", {"action": TRADE_ACTION_REMOVE, "order": order.ticket}
            )
            return self._result(
                command,
                sent.retcode,
                self._trade_text(order.symbol, sent, "pending order deleted"),
                order.ticket,
            )
        position = self._position_from_order(command.slave_ticket)
        if position is None:
            return self._result(
                command,
                Retcode.DONE,
                f"{command.symbol}: order #{command.slave_ticket} was already gone",
                command.slave_ticket,
            )
        # The copy filled before the master's order was deleted: close what it became.
        closing = _with_ticket(command, position.ticket)
        return self._close(closing)

    def _fill_pending(self, command: Command) -> ExecutionResult:
        order = self._pending(command.slave_ticket)
        if order is not None:
            sent = self.session.call(
                "order_send", {"action": TRADE_ACTION_REMOVE, "order": order.ticket}
            )
            if sent.retcode not in SUCCESS:
                return self._result(
                    command,
                    sent.retcode,
                    self._trade_text(order.symbol, sent, "could not replace the pending copy"),
                )
            market = _with_volume(command, command.volume or order.volume_current)
            return self._open(market, command.order_type.side)
        position = self._position_from_order(command.slave_ticket)
        if position is None:
            return self._result(
                command,
                Retcode.POSITION_CLOSED,
                f"{command.symbol}: the pending copy #{command.slave_ticket} filled and is "
                "already closed",
            )
        return self._result(
            command,
            Retcode.DONE,
            f"{position.symbol}: pending copy had already filled",
            position.ticket,
            position.volume,
            position.price_open,
            sl=position.sl,
            tp=position.tp,
        )

    # -- helpers ------------------------------------------------------------------------

    def _send_market(
        self, command: Command, info: Any, side: Side, request: dict[str, Any]
    ) -> tuple[Any, float] | ExecutionResult:
        """Send a market deal, retrying with a fresh tick: (answer, fill price) or a refusal."""
        cfg = self.session.config
        request["type_filling"] = filling_type(info.filling_mode)
        request["deviation"] = command.max_deviation_points or cfg.deviation_points
        sent: Any = None
        for _ in range(cfg.max_retries + 1):
            tick = self.session.call("symbol_info_tick", request["symbol"])
            price = tick.ask if side is Side.BUY else tick.bid
            refusal = self._deviation(command, info, price)
            if refusal is not None:
                return refusal
            request["price"] = price
            sent = self.session.call("order_send", dict(request))
            if sent.retcode not in RETRY_RETCODES:
                break
        if sent.retcode not in SUCCESS:
            text = self._trade_text(request["symbol"], sent, "")
            if sent.retcode in RETRY_RETCODES:
                text += f" — gave up after {cfg.max_retries} retries"
            return self._result(command, sent.retcode, text)
        return sent, sent.price or request["price"]

    def _deviation(self, command: Command, info: Any, price: float) -> ExecutionResult | None:
        if not command.max_deviation_points or command.price <= 0:
            return None
        points = abs(price - command.price) / info.point
        if points <= command.max_deviation_points + 1e-6:
            return None
        return self._result(
            command,
            Retcode.DEVIATION,
            f"{command.symbol}: price {price:.{info.digits}f} is {points:.0f} points from the "
            f"master's {command.price:.{info.digits}f} (limit {command.max_deviation_points}) "
            "— not executed",
        )

    def _set_stops_after_fill(
        self, command: Command, info: Any, side: Side, ticket: int | None, fill: float
    ) -> tuple[float, float, str]:
        sl, tp = command.sl, command.tp
        if command.sl_distance_points:
            sl = fill - side.sign * command.sl_distance_points * info.point
        if command.tp_distance_points:
            tp = fill + side.sign * command.tp_distance_points * info.point
        sl, tp = round(sl, info.digits), round(tp, info.digits)
        if ticket is None or (sl == 0 and tp == 0):
            return 0.0, 0.0, "opened"
        positions = self.session.call("positions_get", ticket=ticket)
        if not positions:
            return 0.0, 0.0, "opened (closed again before its stops could be set)"
        outcome = self._send_stops(command, positions[0], sl, tp)
        if outcome.retcode in SUCCESS:
            return sl, tp, "opened, then stops set"
        return 0.0, 0.0, f"opened, but stops were refused: {retcode_text(outcome.retcode)}"

    def _send_stops(self, command: Command, position: Any, sl: float, tp: float) -> ExecutionResult:
        digits = self.session.spec(position.symbol).digits
        sl, tp = round(sl, digits), round(tp, digits)
        if (position.sl, position.tp) == (sl, tp):
            return self._result(
                command,
                Retcode.DONE,
                f"{position.symbol}: stops already as requested",
                position.ticket,
                sl=sl,
                tp=tp,
            )
        request = {
            "action": TRADE_ACTION_SLTP,
            "symbol": position.symbol,
            "position": position.ticket,
            "sl": sl,
            "tp": tp,
            "magic": command.magic,
        }
        sent = self.session.call("order_send", request)
        return self._result(
            command,
            sent.retcode,
            self._trade_text(position.symbol, sent, "stops set"),
            position.ticket,
            sl=sl,
            tp=tp,
        )

    def _position(self, command: Command) -> Any:
        if command.slave_ticket is not None:
            found = self.session.call("positions_get", ticket=command.slave_ticket)
            if found:
                return found[0]
        if not self.session.hedging:  # netting: the symbol's one position is the copy
            found = self.session.call("positions_get", symbol=command.symbol)
            return found[0] if found else None
        return None

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

    def _position_of_deal(self, sent: Any, symbol: str) -> int | None:
        deals = self.session.call("history_deals_get", ticket=sent.deal) if sent.deal else ()
        position_id = deals[0].position_id if deals else sent.order
        for position in self.session.call("positions_get", symbol=symbol):
            if position.identifier == position_id:
                return int(position.ticket)
        return int(position_id) if position_id else None

    def _comment(self, command: Command) -> str:
        return (command.comment or copy_comment(command.master_ticket))[:31]

    @staticmethod
    def _trade_text(symbol: str, sent: Any, done_text: str) -> str:
        if sent.retcode in SUCCESS and done_text:
            return f"{symbol}: {done_text}"
        return trade_message(symbol, sent.retcode, sent.comment)

    def _result(
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
        return ExecutionResult(
            command_id=command.id,
            slave_id=command.slave_id,
            retcode=int(retcode),
            message=message,
            slave_ticket=ticket,
            volume=volume,
            price=price,
            executed_ms=self.clock(),
            sl=sl,
            tp=tp,
        )

    def _finish(
        self,
        command: Command,
        retcode: int,
        message: str,
        ticket: int | None = None,
        volume: float = 0.0,
        price: float = 0.0,
    ) -> ExecutionResult:
        result = self._result(command, retcode, message, ticket, volume, price)
        self._done[command.id] = result
        return result


def _with_ticket(command: Command, ticket: int) -> Command:
    return replace(command, slave_ticket=ticket, volume=0.0)


def _with_volume(command: Command, volume: float) -> Command:
    return replace(command, volume=volume)
