"""Pending orders on an MT5 account: place, modify, delete, and what to do when one filled.

A command decided before the placement's result came back names no slave ticket: it acts on the
copy found by its comment and leg (``TradeSteps._pending_copy``), then as if it had named it.
DELETE_PENDING of a copy that already filled closes the position it became; FILL_PENDING deletes a
still-pending copy and opens at market, or adopts the position the copy already became. On a
netting account a copy that filled went into the symbol's one position, which later deals may
have reduced, reversed or closed: its fill (FILLED in the order history) is adopted as done and
never opened again. A change to a copy that already filled has nothing left to change.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from msgspec.structs import replace

from copier.domain import Command, ExecutionResult, OrderType, Retcode
from copier.terminals.mt5.already import AlreadyDone
from copier.terminals.mt5.market_orders import MarketOrders
from copier.terminals.mt5.session import ORDER_TYPE_NUMBERS, Session
from copier.terminals.mt5.steps import (
    ORDER_STATE_FILLED,
    ORDER_STATE_PARTIAL,
    SUCCESS,
    TRADE_ACTION_MODIFY,
    TRADE_ACTION_PENDING,
    TRADE_ACTION_REMOVE,
    filling_type,
    normalise_volume,
    snap,
    type_time,
    with_ticket,
    with_volume,
)

ORDER_TYPE_BUY = 0
ORDER_TYPE_SELL = 1


class PendingOrders(AlreadyDone):
    def __init__(self, session: Session, clock: Callable[[], int], market: MarketOrders) -> None:
        super().__init__(session, clock, market)  # one "made since start" set, one deal tally
        self.market = market

    def place_copy(self, command: Command) -> ExecutionResult:
        """A PLACE_PENDING as the copier sends it: not when the account already holds its copy
        (§14 step 4)."""
        return self.held(command, orders=True) or self.place(command)

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
        request: dict[str, Any] = {
            "action": TRADE_ACTION_PENDING,
            "symbol": command.symbol,
            "volume": volume,
            "type": ORDER_TYPE_NUMBERS[command.order_type],
            "price": snap(command.price, info),
            "sl": snap(command.sl, info),
            "tp": snap(command.tp, info),
            "type_time": type_time(info),
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
        command = replace(command, slave_ticket=self._pending_copy(command))
        if command.slave_ticket is None:
            return self.result(
                command,
                Retcode.INVALID_ORDER,
                f"{command.symbol}: no slave ticket given and no pending copy of master "
                f"#{command.comment_ticket} on this account",
            )
        order = self._pending(command.slave_ticket)
        if order is None:
            if self._filled(command.slave_ticket) is not None:
                return self._filled_first(command)
            return self.result(
                command,
                Retcode.INVALID_ORDER,
                f"{command.symbol}: order #{command.slave_ticket} is no longer pending "
                "(deleted or expired)",
                command.slave_ticket,
            )
        info = self.session.spec(order.symbol)
        wanted = (snap(command.price or order.price_open, info), snap(command.sl, info),
                  snap(command.tp, info))  # fmt: skip
        already = self.order_set(command, order, info, wanted)
        if already is not None:
            return already
        request = {
            "action": TRADE_ACTION_MODIFY,
            "order": order.ticket,
            "symbol": order.symbol,
            "price": wanted[0],
            "sl": wanted[1],
            "tp": wanted[2],
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
        if sent.retcode != Retcode.DONE and self._filled(order.ticket) is not None:
            return self._filled_first(command)  # the market reached it after the look above
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

    def _filled_first(self, command: Command) -> ExecutionResult:
        """A change to a copy the slave's market filled first: nothing is left to change; the
        master's own fill (or deletion) follows, and that is what acts on the copy now."""
        return self.result(
            command,
            Retcode.NO_CHANGES,
            f"{command.symbol}: order #{command.slave_ticket} has already filled on this "
            "account; the change of the master's pending order is not applied",
            command.slave_ticket,
        )

    def delete(self, command: Command) -> ExecutionResult:
        command = replace(command, slave_ticket=self._pending_copy(command))
        order = self._pending(command.slave_ticket)
        if order is not None:
            sent = self.session.call(
                "order_send", {"action": TRADE_ACTION_REMOVE, "order": order.ticket}
            )
            filled_meanwhile = sent.retcode == Retcode.INVALID_ORDER and self._filled(order.ticket)
            if not filled_meanwhile:
                return self.result(
                    command,
                    sent.retcode,
                    self._trade_text(order.symbol, sent, "pending order deleted"),
                    order.ticket,
                )
        # The copy filled before the master's order was deleted: undo what it became, at
        # whatever price the market has now (the command's price is the order's).
        undo = replace(command, price=0.0, max_deviation_points=0)
        if not self.session.hedging:
            record = self._filled(command.slave_ticket)
            if record is not None:
                if command.before is not None and self.deal_sum(command) <= 1e-9:
                    # The copy's deals net out: its fill was taken back already (a resend).
                    taken = f"the fill of order #{record.ticket} was already taken back"
                    return self.done(command, taken, command.slave_ticket, record.volume_initial)
                # Its fill is still part of the symbol's one position (whatever happened to
                # that position since): take this fill's volume back out with a deal.
                return self.market.close(with_volume(undo, record.volume_initial))
            return self._already_gone(command)
        position = self._position_from_order(command.slave_ticket)
        if position is None:
            return self._already_gone(command)
        return self.market.close(with_ticket(undo, position.ticket))

    def _already_gone(self, command: Command) -> ExecutionResult:
        what = (
            f"order #{command.slave_ticket}"
            if command.slave_ticket
            else f"the pending copy of master #{command.comment_ticket}"
        )
        return self.gone(command, f"{what} was already gone")

    def fill(self, command: Command) -> ExecutionResult:
        command = replace(command, slave_ticket=self._pending_copy(command))
        order = self._pending(command.slave_ticket)
        if order is not None:
            sent = self.session.call(
                "order_send", {"action": TRADE_ACTION_REMOVE, "order": order.ticket}
            )
            if sent.retcode in SUCCESS:
                market = with_volume(command, command.volume or order.volume_current)
                market = replace(market, sl=command.sl or order.sl, tp=command.tp or order.tp)
                return self.market.open(market, command.order_type.side)
            if sent.retcode != Retcode.INVALID_ORDER:  # not "it filled meanwhile": give up
                return self.result(
                    command,
                    sent.retcode,
                    self._trade_text(order.symbol, sent, "could not replace the pending copy"),
                )
        if not self.session.hedging:
            adopted = self._netting_fill(command)
            if adopted is not None:
                return adopted
        position = self._position_from_order(command.slave_ticket)
        if position is not None:
            code = Retcode.DONE
            text = f"pending copy #{command.slave_ticket} had already filled as #{position.ticket}"
            if self._opened_at_market(position):
                # Found by its comment, a position a market order opened is this command's own
                # replacement of the copy, made before its id was lost.
                code = Retcode.DUPLICATE
                text = f"the pending copy was already replaced at market by #{position.ticket}"
            return self.result(
                command,
                code,
                f"{position.symbol}: {text}",
                position.ticket,
                position.volume,
                position.price_open,
                sl=position.sl,
                tp=position.tp,
            )
        # The copy is gone without a position to show for it (deleted, expired, or filled and
        # stopped out already): the master's position is open now, so the copy opens at market.
        market = replace(command, order_type=OrderType.market(command.order_type.side))
        return self.held(market, orders=False) or self.dealt(market) or self.market.open(market)

    def _opened_at_market(self, position: Any) -> bool:
        """Whether the order that opened ``position`` (a hedging position's identifier is its
        opening order's ticket) was a market order, not a pending one that filled."""
        history: Any = self.session.call("history_orders_get", ticket=position.identifier)
        return bool(history) and history[0].type in (ORDER_TYPE_BUY, ORDER_TYPE_SELL)

    def _filled(self, ticket: int | None) -> Any:
        """The history record of order ``ticket`` if it filled (fully or in part), else None."""
        if ticket is None:
            return None
        history = self.session.call("history_orders_get", ticket=ticket)
        if history and history[0].state in (ORDER_STATE_FILLED, ORDER_STATE_PARTIAL):
            return history[0]
        return None

    def _netting_fill(self, command: Command) -> ExecutionResult | None:
        """Adopt a copy that filled into the netting position: its contribution is made, whatever
        later deals did to the position; opening again would double it."""
        record = self._filled(command.slave_ticket)
        if record is None:
            return None
        held = self.session.call("positions_get", symbol=command.symbol)
        now = f"now #{held[0].ticket}" if held else "now flat"
        return self.result(
            command,
            Retcode.DONE,
            f"{command.symbol}: order #{record.ticket} had filled into the netting position "
            f"({now})",
            held[0].ticket if held else None,
            record.volume_initial,
            record.price_open,
        )
