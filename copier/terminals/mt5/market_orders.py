"""Market orders on an MT5 account: open, close (by position on hedging accounts), SL/TP.

A market deal is sent with the filling mode the symbol allows and the command's deviation, and
sent again after a requote, a price change or "price off" once a newer tick has come. Stops
given as a distance, or two-step stops, are set once the fill price is known.

On a netting account a copy is a contribution to the symbol's one position, which other copies
may have reduced, closed out or turned the other way since: closing a copy is a deal against the
copy's own side (never against the position's current ticket or direction), and its SL/TP are
left alone when the position now points the other way.
"""

from __future__ import annotations

from typing import Any

from msgspec.structs import replace

from copier.domain import Command, ExecutionResult, OrderType, Retcode, Side
from copier.terminals.mt5.already import AlreadyDone
from copier.terminals.mt5.messages import retcode_text
from copier.terminals.mt5.session import ORDER_TYPE_NUMBERS, side_of
from copier.terminals.mt5.steps import (
    RETRY_RETCODES,
    SUCCESS,
    TRADE_ACTION_DEAL,
    TRADE_ACTION_SLTP,
    filling_type,
    normalise_volume,
    snap,
    stops_from,
)

# Answers to an SLTP request that another try may cure (busy, throttled, no price, no link).
STOPS_RETRY_RETCODES = frozenset(
    {Retcode.REQUOTE, Retcode.PRICE_CHANGED, Retcode.PRICE_OFF, Retcode.TOO_MANY_REQUESTS,
     Retcode.CONNECTION, Retcode.LOCKED, Retcode.TIMEOUT}
)  # fmt: skip


class MarketOrders(AlreadyDone):
    def open_copy(self, command: Command) -> ExecutionResult:
        """An OPEN as the copier sends it: not when the account already holds its copy (hedging)
        or its copy's deals already come to the volume after it (netting, §14 steps 4-5)."""
        return self.held(command, orders=False) or self.dealt(command) or self.open(command)

    def open(
        self, command: Command, side: Side | None = None, *, done_text: str = "opened"
    ) -> ExecutionResult:
        side = side or command.order_type.side
        info = self.session.spec(command.symbol)
        volume = normalise_volume(command.volume, info)
        if volume < info.volume_min - 1e-9:
            return self.result(
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
            "sl": 0.0 if later_stops else snap(command.sl, info),
            "tp": 0.0 if later_stops else snap(command.tp, info),
            "magic": command.magic,
            "comment": self._comment(command),
        }
        answer = self._send_market(command, info, side, request)
        if not isinstance(answer, tuple):
            return answer
        sent, price = answer
        ticket = self._position_of_deal(sent, command.symbol)
        sl, tp = command.sl, command.tp
        message = done_text
        if later_stops:
            sl, tp, message = self._set_stops_after_fill(command, info, side, ticket, price)
        return self.result(
            command,
            sent.retcode,
            f"{command.symbol}: {message}",
            ticket,
            sent.volume,
            price,
            sl=sl,
            tp=tp,
        )

    def close(self, command: Command) -> ExecutionResult:
        if not self.session.hedging:
            return self._netting_close(command)
        position = self._position(command)
        already = self.closed(command, position)
        if already is not None:
            return already
        if position is None:
            return self.result(
                command,
                Retcode.POSITION_CLOSED,
                f"{command.symbol}: position #{command.slave_ticket} is already closed",
            )
        refused = self._fifo_first(command, position)
        if refused is not None:
            return refused
        info = self.session.spec(position.symbol)
        volume = position.volume
        if command.volume > 0:
            volume = min(normalise_volume(command.volume, info), position.volume)
        if volume <= 0:
            return self.result(
                command, Retcode.INVALID_VOLUME, f"{command.symbol}: nothing to close"
            )
        side = Side.SELL if position.type == 0 else Side.BUY
        request = {
            "action": TRADE_ACTION_DEAL,
            "symbol": position.symbol,
            "volume": volume,
            "type": ORDER_TYPE_NUMBERS[OrderType.market(side)],
            "position": position.ticket,  # closes this one, not a new opposite position
            "magic": command.magic,
            "comment": self._comment(command),
        }
        answer = self._send_market(command, info, side, request)
        if not isinstance(answer, tuple):
            if answer.retcode == Retcode.FIFO_CLOSE:  # the account's rule, unknown at connect
                return self._fifo_refusal(command, position, ())
            return answer
        sent, price = answer
        return self.result(
            command,
            sent.retcode,
            f"{position.symbol}: closed {sent.volume:g} lot",
            position.ticket,
            sent.volume,
            price,
        )

    def _fifo_first(self, command: Command, position: Any) -> ExecutionResult | None:
        """On an account that closes positions oldest first (ACCOUNT_FIFO_CLOSE), a copy with an
        older position on its symbol cannot be closed: the server would refuse it with 10045
        (https://www.mql5.com/en/docs/constants/errorswarnings/enum_trade_return_codes). It is
        answered so, in words, without sending a request bound to fail."""
        if not self.session.fifo:
            return None
        mine = (position.time_msc, position.ticket)
        older = sorted(
            (p.time_msc, p.ticket)
            for p in self.session.call("positions_get", symbol=position.symbol) or ()
            if (p.time_msc, p.ticket) < mine
        )
        if not older:
            return None
        return self._fifo_refusal(command, position, tuple(ticket for _, ticket in older))

    def _fifo_refusal(
        self, command: Command, position: Any, older: tuple[int, ...]
    ) -> ExecutionResult:
        first = f"#{older[0]}, opened earlier, is" if older else "an older position is"
        return self.result(
            command,
            Retcode.FIFO_CLOSE,
            f"{position.symbol}: this account closes positions oldest first only (FIFO rule) "
            f"and {first} still open on {position.symbol}, so copy #{position.ticket} stays "
            "open — close the older position first, or ask the broker to lift the FIFO rule",
            position.ticket,
        )

    def _netting_close(self, command: Command) -> ExecutionResult:
        """A deal against the copy's side for the copy's volume, whatever the symbol's one
        position looks like now (another copy may have closed it out or reversed it)."""
        already = self.dealt(command)
        if already is not None:
            return already
        if command.volume <= 0:
            return self.result(
                command,
                Retcode.INVALID_VOLUME,
                f"{command.symbol}: a netting close needs the copy's volume; none was given",
            )
        deal = replace(
            command,
            sl=0.0,
            tp=0.0,
            sl_distance_points=0,
            tp_distance_points=0,
            two_step_stops=False,
        )
        side = command.order_type.side.opposite
        return self.open(deal, side, done_text=f"closed {command.volume:g} lot by a {side} deal")

    def modify(self, command: Command) -> ExecutionResult:
        position = self._position(command)
        if position is None:
            return self.result(
                command,
                Retcode.POSITION_CLOSED,
                f"{command.symbol}: position #{command.slave_ticket} is already closed",
            )
        side = side_of(position.type)
        if not self.session.hedging and side is not command.order_type.side:
            # The stops of a position pointing the other way belong to the copies that now
            # dominate it; this copy's would sit on the wrong side of the price.
            return self.result(
                command,
                Retcode.NO_CHANGES,
                f"{command.symbol}: netting position #{position.ticket} is now {side}; SL/TP "
                f"of this {command.order_type.side} copy left as they are",
                position.ticket,
            )
        info = self.session.spec(position.symbol)
        already = self.stops_set(command, position, info)
        if already is not None:
            return already
        sl, tp = stops_from(command, info, side, position.price_open)
        return self._send_stops(command, position, sl, tp)

    def _send_market(
        self, command: Command, info: Any, side: Side, request: dict[str, Any]
    ) -> tuple[Any, float] | ExecutionResult:
        """Send a market deal, retrying with a fresh tick: (answer, fill price) or a refusal."""
        cfg = self.session.config
        request["type_filling"] = filling_type(info.filling_mode)
        request["deviation"] = command.max_deviation_points or cfg.deviation_points
        sent: Any = None
        seen_ms = 0  # after a requote, a retry waits for a tick newer than this
        for _ in range(cfg.max_retries + 1):
            tick = self.session.tick(request["symbol"], seen_ms)
            seen_ms = tick.time_msc
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
            return self.result(command, sent.retcode, text)
        return sent, sent.price or request["price"]

    def _deviation(self, command: Command, info: Any, price: float) -> ExecutionResult | None:
        if not command.max_deviation_points or command.price <= 0:
            return None
        points = abs(price - command.price) / info.point
        if points <= command.max_deviation_points + 1e-6:
            return None
        return self.result(
            command,
            Retcode.DEVIATION,
            f"{command.symbol}: price {price:.{info.digits}f} is {points:.0f} points from the "
            f"master's {command.price:.{info.digits}f} (limit {command.max_deviation_points}) "
            "— not executed",
        )

    def _set_stops_after_fill(
        self, command: Command, info: Any, side: Side, ticket: int | None, fill: float
    ) -> tuple[float, float, str]:
        """An SLTP request straight to the new position (``position=`` its ticket), without
        reading it first: the terminal may not show it yet, the trade server knows it
        (https://www.mql5.com/en/docs/constants/tradingconstants/enum_trade_request_actions,
        TRADE_ACTION_SLTP). Sent again, a few times, while the server answers with a retcode a
        retry can cure."""
        sl, tp = stops_from(command, info, side, fill)
        if ticket is None or (sl == 0 and tp == 0):
            return 0.0, 0.0, "opened"
        request = {
            "action": TRADE_ACTION_SLTP,
            "symbol": command.symbol,
            "position": ticket,
            "sl": sl,
            "tp": tp,
            "magic": command.magic,
        }
        sent: Any = None
        for _ in range(self.session.config.max_retries + 1):
            sent = self.session.call("order_send", dict(request))
            if sent.retcode not in STOPS_RETRY_RETCODES:
                break
        if sent.retcode in SUCCESS:
            return sl, tp, "opened, then stops set"
        if sent.retcode == Retcode.POSITION_CLOSED:
            return 0.0, 0.0, "opened (closed again before its stops could be set)"
        return 0.0, 0.0, f"opened, but stops were refused: {retcode_text(sent.retcode)}"

    def _send_stops(self, command: Command, position: Any, sl: float, tp: float) -> ExecutionResult:
        info = self.session.spec(position.symbol)
        sl, tp = snap(sl, info), snap(tp, info)
        if (position.sl, position.tp) == (sl, tp):
            return self.result(
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
        return self.result(
            command,
            sent.retcode,
            self._trade_text(position.symbol, sent, "stops set"),
            position.ticket,
            sl=sl,
            tp=tp,
        )

    def _position_of_deal(self, sent: Any, symbol: str) -> int | None:
        """The ticket of the position a market deal went into.

        ``history_deals_get(ticket=)`` selects by the ORDER's ticket (DEAL_ORDER), not the
        deal's (https://www.mql5.com/en/docs/python_metatrader5/mt5historydealsget_py): the
        order's deals are read and the one with the deal's ticket names the position. Positions
        are matched by identifier, which a netting reversal keeps while the ticket changes
        (https://www.mql5.com/en/docs/constants/tradingconstants/positionproperties). Before the
        deal reaches the history, a hedging position's identifier is its opening order's ticket
        and a netting account's position is the symbol's one position.
        """
        position_id = 0
        if sent.order:
            for deal in self.session.call("history_deals_get", ticket=sent.order):
                if deal.ticket == sent.deal or not position_id:
                    position_id = int(deal.position_id)
        positions = self.session.call("positions_get", symbol=symbol)
        if not position_id and not self.session.hedging:
            return int(positions[0].ticket) if positions else None
        position_id = position_id or int(sent.order)
        for position in positions:
            if position.identifier == position_id:
                return int(position.ticket)
        return position_id or None
