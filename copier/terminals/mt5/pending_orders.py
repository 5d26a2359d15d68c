"""Pending orders on an MT5 account: place, modify, delete, and what to do when one filled.

DELETE_PENDING of a copy that already filled closes the position it became; FILL_PENDING deletes a
still-pending copy and opens at market, or adopts the position the copy already became.
"""

from __future__ import annotations

from collections.abc import Callable

from copier.domain import Command, ExecutionResult, Retcode
from copier.terminals.mt5.market_orders import MarketOrders
from copier.terminals.mt5.session import ORDER_TYPE_NUMBERS, Session
from copier.terminals.mt5.steps import (
    ORDER_TIME_GTC,
    SUCCESS,
    TRADE_ACTION_MODIFY,
    TRADE_ACTION_PENDING,
    TRADE_ACTION_REMOVE,
    TradeSteps,
    filling_type,
    normalise_volume,
    with_ticket,
    with_volume,
)


class PendingOrders(TradeSteps):
    def __init__(self, session: Session, clock: Callable[[], int], market: MarketOrders) -> None:
        super().__init__(session, clock)
        self.market = market

    def place(self, command: Command) -> ExecutionResult:
        info = self.session.spec(command.symbol)
        volume = normalise_volume(command.volume, info)
        if volume < info.volume_min - 1e-9:
            return self.result(
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
        return self.result(
            command,
            sent.retcode,
            self._trade_text(command.symbol, sent, "pending order placed"),
            sent.order or None,
            sent.volume or volume,
            request["price"],
            sl=request["sl"],
            tp=request["tp"],
        )

    def modify_pending(self, command: Command) -> ExecutionResult:
        order = self._pending(command.slave_ticket)
        if order is None:
            return self.result(
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
            return self.result(
                command, Retcode.DONE, f"{order.symbol}: order already as requested", order.ticket
            )
        sent = self.session.call("order_send", request)
        return self.result(
            command,
            sent.retcode,
            self._trade_text(order.symbol, sent, "pending order changed"),
            order.ticket,
            order.volume_current,
            request["price"],
            sl=request["sl"],
            tp=request["tp"],
        )

    def delete(self, command: Command) -> ExecutionResult:
        order = self._pending(command.slave_ticket)
        if order is not None:
            sent = self.session.call(
                "order_send", {"action": TRADE_ACTION_REMOVE, "order": order.ticket}
            )
            return self.result(
                command,
                sent.retcode,
                self._trade_text(order.symbol, sent, "pending order deleted"),
                order.ticket,
            )
        position = self._position_from_order(command.slave_ticket)
        if position is None:
            return self.result(
                command,
                Retcode.DONE,
                f"{command.symbol}: order #{command.slave_ticket} was already gone",
                command.slave_ticket,
            )
        # The copy filled before the master's order was deleted: close what it became. On a
        # netting account that position may hold other copies too: close only this fill.
        volume = 0.0 if self.session.hedging else self._filled_volume(command.slave_ticket)
        closing = with_ticket(command, position.ticket, volume)
        return self.market.close(closing)

    def _filled_volume(self, ticket: int | None) -> float:
        history = self.session.call("history_orders_get", ticket=ticket) if ticket else ()
        return float(history[0].volume_initial) if history else 0.0

    def fill(self, command: Command) -> ExecutionResult:
        order = self._pending(command.slave_ticket)
        if order is not None:
            sent = self.session.call(
                "order_send", {"action": TRADE_ACTION_REMOVE, "order": order.ticket}
            )
            if sent.retcode in SUCCESS:
                market = with_volume(command, command.volume or order.volume_current)
                return self.market.open(market, command.order_type.side)
            if sent.retcode != Retcode.INVALID_ORDER:  # not "it filled meanwhile": give up
                return self.result(
                    command,
                    sent.retcode,
                    self._trade_text(order.symbol, sent, "could not replace the pending copy"),
                )
        position = self._position_from_order(command.slave_ticket)
        if position is None:
            return self.result(
                command,
                Retcode.POSITION_CLOSED,
                f"{command.symbol}: the pending copy #{command.slave_ticket} filled and is "
                "already closed",
            )
        # On netting accounts the position may hold other copies: report this fill's part.
        volume = (
            position.volume if self.session.hedging else self._filled_volume(command.slave_ticket)
        )
        return self.result(
            command,
            Retcode.DONE,
            f"{position.symbol}: pending copy had already filled",
            position.ticket,
            volume,
            position.price_open,
            sl=position.sl,
            tp=position.tp,
        )
