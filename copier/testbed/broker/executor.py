"""SimExecutor: carries out copier Commands on one SimBroker as the Executor EA does.

It follows the executor semantics block in ``copier.domain`` to the letter and answers every
command with exactly one ``ExecutionResult``:

* Idempotent by command id: a repeat gets the first result again and executes nothing.
* After a terminal restart (``forget``) the id memory is gone, so OPEN, PLACE_PENDING and
  FILL_PENDING first look for a position or order this account already holds for the master
  ticket (its ``TC|<master ticket>`` comment, same magic) and answer DUPLICATE with its ticket.
  Positions and orders the executor made since its last restart are left out of that search,
  so a new leg for the same master ticket is not mistaken for a resend; among older ones, leg
  ``n`` is the ``n``-th match by ticket.
* A pending-order command decided before the placement's result came back names no slave
  ticket: it acts on the copy found by its comment and leg (``_pending_copy``).
* Commands that say what their copy looked like before them (``Command.before``) answer
  DUPLICATE when the copy is already as they leave it, whether or not the id is remembered: a
  close resent after the terminal died between the trade and writing the id down closes nothing
  more (protocol §14 step 5). On netting accounts, where every master ticket on a symbol nets
  into one position whose comment cannot say which copies it holds, a copy's open, close or
  fill is measured by the deals that carry its comment and magic (``.recognise``).
* Requotes and price changes are retried with a fresh quote, up to ``max_retries`` times.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from msgspec import structs

from copier.domain import (
    Command,
    CommandKind,
    ExecutionResult,
    MarginMode,
    OrderType,
    Quote,
    Retcode,
    Side,
    SymbolSpec,
    leg_copy,
)
from copier.testbed.broker.broker import SimBroker
from copier.testbed.broker.execution import DEFAULT_DEVIATION_POINTS
from copier.testbed.broker.recognise import Recognition, same_prices
from copier.testbed.broker.records import OrderState, SimPosition, TradeReason, TradeResult
from copier.testbed.broker.stops import price_text, stops_from_distance
from copier.testbed.broker.validation import default_filling, normalize_volume

_EPS = 1e-9
_TRADED = frozenset({Retcode.DONE, Retcode.PLACED, Retcode.DONE_PARTIAL})


class SimExecutor(Recognition):
    """Executes commands on one broker; see the module docstring for its guarantees."""

    def __init__(
        self, broker: SimBroker, slave_id: str, *, max_retries: int = 3, memory: int = 100_000
    ) -> None:
        super().__init__(broker, slave_id, max_retries=max_retries, memory=memory)
        # Kept apart from the id memory on purpose: ``forget`` (a terminal restart) must not
        # erase the evidence of what was executed before it.
        self._traded: Counter[str] = Counter()

    def execute(self, command: Command) -> ExecutionResult:
        """Exactly one result per command; a command id seen before gets its first result."""
        first = self._recall(command.id)
        if first is not None:
            return first
        result = self._run(command)
        self._count(command.id, result)
        self._remember(command, result)
        return result

    def _count(self, command_id: str, result: ExecutionResult) -> None:
        """Note a trade the account really made (kept across restarts, unlike the id memory)."""
        if result.retcode in _TRADED:
            self._traded[command_id] += 1

    def executed_counts(self) -> Counter[str]:
        """How many times each command id really traded, across restarts: a count above one is
        a duplicated copy (what the demo and the fault tests look for)."""
        return Counter(self._traded)

    # --- dispatch ------------------------------------------------------------------------------

    def _run(self, cmd: Command) -> ExecutionResult:
        now = self._broker.now_ms()
        if cmd.expires_ms and now > cmd.expires_ms:
            late = now - cmd.expires_ms
            return self._result(
                cmd, Retcode.EXPIRED, f"{cmd.symbol}: signal {late} ms past its max age — skipped"
            )
        spec = self._broker.symbol_spec(cmd.symbol)
        if spec is None:
            return self._result(
                cmd, Retcode.INVALID, f"{cmd.symbol}: symbol not offered by this broker"
            )
        handlers = {
            CommandKind.OPEN: self._open,
            CommandKind.CLOSE: self._close,
            CommandKind.MODIFY: self._modify,
            CommandKind.PLACE_PENDING: self._place_pending,
            CommandKind.MODIFY_PENDING: self._modify_pending,
            CommandKind.DELETE_PENDING: self._delete_pending,
            CommandKind.FILL_PENDING: self._fill_pending,
        }
        return handlers[cmd.kind](cmd, spec)

    # --- positions -----------------------------------------------------------------------------

    def _open(self, cmd: Command, spec: SymbolSpec) -> ExecutionResult:
        return (
            self._already_held(cmd, orders=False)
            or self._dealt_already(cmd, spec)
            or self._market_open(cmd, spec)
        )

    def _market_open(self, cmd: Command, spec: SymbolSpec) -> ExecutionResult:
        side = cmd.order_type.side
        volume = normalize_volume(spec, cmd.volume)
        stops_later = cmd.two_step_stops or bool(cmd.sl_distance_points or cmd.tp_distance_points)
        sl, tp = (0.0, 0.0) if stops_later else (cmd.sl, cmd.tp)
        deviation = cmd.max_deviation_points or DEFAULT_DEVIATION_POINTS

        def send(quote: Quote) -> TradeResult:
            return self._broker.open_market(
                cmd.symbol,
                side,
                volume,
                price=quote.ask if side is Side.BUY else quote.bid,
                deviation=deviation,
                sl=sl,
                tp=tp,
                magic=cmd.magic,
                comment=cmd.comment,
                filling=default_filling(spec),
                reason=TradeReason.EXPERT,
            )

        done = self._attempt(cmd, spec, side, send)
        if not done.ok:
            return self._failed(cmd, done)
        note = self._stops_after_open(cmd, spec, done) if stops_later else ""
        pos = self._broker.position(done.position)
        text = f"{cmd.symbol}: {side.value} {done.volume:g} at {price_text(spec, done.price)}"
        return self._result(
            cmd,
            Retcode.DONE,
            f"{text} → #{done.position}{note}",
            ticket=done.position,
            volume=done.volume,
            price=done.price,
            sl=pos.sl if pos else 0.0,
            tp=pos.tp if pos else 0.0,
        )

    def _stops_after_open(self, cmd: Command, spec: SymbolSpec, done: TradeResult) -> str:
        """Second step of a two-step open, or SL/TP measured from the actual fill."""
        pos = self._broker.position(done.position)
        if pos is None or pos.side is not cmd.order_type.side:
            return ""  # a netting deal that reduced the position: its stops are not ours to set
        sl, tp = stops_from_distance(cmd, spec, pos.side, done.price)
        if not (sl or tp):
            return ""
        set_ = self._broker.modify_position(pos.ticket, sl, tp)
        if set_.ok or set_.retcode == Retcode.NO_CHANGES:
            return ""
        return f"; SL/TP not set: {set_.comment}"

    def _close(self, cmd: Command, spec: SymbolSpec) -> ExecutionResult:
        if self._broker.margin_mode is MarginMode.NETTING:
            return self._netting_close(cmd, spec)
        pos = self._target(cmd)
        if isinstance(pos, ExecutionResult) and cmd.before is not None and cmd.slave_ticket:
            pos = self._rest_of(cmd.slave_ticket) or pos  # MT4 renumbered what was left
        already = self._closed_already(cmd, pos)
        if already is not None:
            return already
        if isinstance(pos, ExecutionResult):
            return pos
        volume = pos.volume
        if 0 < cmd.volume < pos.volume - _EPS:
            volume = min(normalize_volume(spec, cmd.volume), pos.volume)
            if volume <= _EPS:
                return self._result(
                    cmd,
                    Retcode.INVALID_VOLUME,
                    f"{cmd.symbol}: close volume {cmd.volume:g} rounds to 0 at step "
                    f"{spec.volume_step:g}",
                )
        deviation = cmd.max_deviation_points or DEFAULT_DEVIATION_POINTS
        closing = pos.side.opposite

        def send(quote: Quote) -> TradeResult:
            return self._broker.close_position(
                pos.ticket,
                volume,
                price=quote.ask if closing is Side.BUY else quote.bid,
                deviation=deviation,
                comment=cmd.comment,
                filling=default_filling(spec),
                reason=TradeReason.EXPERT,
            )

        done = self._attempt(cmd, spec, closing, send)
        if not done.ok:
            return self._failed(cmd, done, ticket=pos.ticket)
        text = f"{cmd.symbol}: closed {done.volume:g} of #{pos.ticket} at "
        text += price_text(spec, done.price)
        if done.position != pos.ticket:
            text += f"; the rest is now #{done.position}"
        return self._result(
            cmd, Retcode.DONE, text, ticket=done.position, volume=done.volume, price=done.price
        )

    def _netting_close(self, cmd: Command, spec: SymbolSpec) -> ExecutionResult:
        """On a netting account a copy is a contribution to the symbol's one position, so closing
        it is a deal against the copy's side — whatever the position's ticket or direction is
        now (another copy may have reversed or re-opened it)."""
        already = self._dealt_already(cmd, spec)
        if already is not None:
            return already
        deal = structs.replace(
            cmd,
            kind=CommandKind.OPEN,
            order_type=OrderType.market(cmd.order_type.side.opposite),
            sl=0.0,
            tp=0.0,
            sl_distance_points=0,
            tp_distance_points=0,
            two_step_stops=False,
        )
        return self._market_open(deal, spec)

    def _modify(self, cmd: Command, spec: SymbolSpec) -> ExecutionResult:
        pos = self._target(cmd)
        if isinstance(pos, ExecutionResult) and cmd.slave_ticket:
            # Setting stops twice does no harm, so the copy MT4 renumbered is followed always
            # (a modify decided before a partial close's result named the remainder).
            pos = self._rest_of(cmd.slave_ticket) or pos
        if isinstance(pos, ExecutionResult):
            return pos
        netting = self._broker.margin_mode is MarginMode.NETTING
        if netting and pos.side is not cmd.order_type.side:
            # The one position now points the other way: this copy's stops would be on the
            # wrong side of it, and they belong to the copies that dominate the position.
            return self._result(
                cmd,
                Retcode.NO_CHANGES,
                f"{cmd.symbol}: netting position #{pos.ticket} is now {pos.side.value}; "
                f"SL/TP of this {cmd.order_type.side.value} copy left as they are",
                ticket=pos.ticket,
            )
        sl, tp = stops_from_distance(cmd, spec, pos.side, pos.price_open)
        if cmd.before is not None and same_prices(spec, (pos.sl, pos.tp), (sl, tp)):
            stops = f"SL {price_text(spec, sl)} TP {price_text(spec, tp)}"
            return self._already_done(cmd, f"#{pos.ticket} already has {stops}",
                                      ticket=pos.ticket, sl=sl, tp=tp)  # fmt: skip
        done = self._broker.modify_position(pos.ticket, sl, tp)
        if not done.ok and done.retcode != Retcode.NO_CHANGES:
            return self._failed(cmd, done, ticket=pos.ticket)
        text = f"{cmd.symbol}: #{pos.ticket} SL {price_text(spec, sl)} TP {price_text(spec, tp)}"
        if done.retcode == Retcode.NO_CHANGES:
            text += " (already set)"
        return self._result(cmd, Retcode.DONE, text, ticket=pos.ticket, sl=sl, tp=tp)

    def _target(self, cmd: Command) -> SimPosition | ExecutionResult:
        """The slave position a CLOSE or MODIFY acts on: by ticket, or on a netting account the
        symbol's one position."""
        netting = self._broker.margin_mode is MarginMode.NETTING
        if cmd.slave_ticket is not None and not netting:
            pos = self._broker.position(cmd.slave_ticket)
            if pos is not None:
                return pos
            return self._result(
                cmd,
                Retcode.POSITION_CLOSED,
                f"{cmd.symbol}: position #{cmd.slave_ticket} is no longer open",
                ticket=cmd.slave_ticket,
            )
        if netting:
            held = self._broker.positions(cmd.symbol)
            if held:
                return held[0]
            return self._result(
                cmd, Retcode.POSITION_CLOSED, f"{cmd.symbol}: no open position on this account"
            )
        # Routed before the open's result came back (a burst after a reconnect): the copy is the
        # leg-th position, by ticket, that carries this master ticket's comment and magic.
        copy = leg_copy(cmd, self._broker.positions(cmd.symbol))
        if copy is not None:
            return copy
        return self._result(
            cmd,
            Retcode.INVALID,
            f"{cmd.symbol}: no slave ticket given and no copy of master #{cmd.comment_ticket} "
            f"open, so no position to {cmd.kind.value}",
        )

    # --- pending orders ------------------------------------------------------------------------

    def _place_pending(self, cmd: Command, spec: SymbolSpec) -> ExecutionResult:
        held = self._already_held(cmd, orders=True)
        if held:
            return held
        sl, tp = stops_from_distance(cmd, spec, cmd.order_type.side, cmd.price)
        volume = normalize_volume(spec, cmd.volume)
        done = self._broker.place_pending(
            cmd.symbol,
            cmd.order_type,
            volume,
            cmd.price,
            sl=sl,
            tp=tp,
            magic=cmd.magic,
            comment=cmd.comment,
            reason=TradeReason.EXPERT,
        )
        if not done.ok:
            return self._failed(cmd, done)
        text = f"{cmd.symbol}: {cmd.order_type.value} {volume:g} at {price_text(spec, done.price)}"
        return self._result(
            cmd,
            Retcode.DONE,
            f"{text} → #{done.order}",
            ticket=done.order,
            volume=volume,
            price=done.price,
            sl=sl,
            tp=tp,
        )

    def _modify_pending(self, cmd: Command, spec: SymbolSpec) -> ExecutionResult:
        cmd = structs.replace(cmd, slave_ticket=self._pending_copy(cmd))
        if cmd.slave_ticket is None:
            return self._result(
                cmd,
                Retcode.INVALID_ORDER,
                f"{cmd.symbol}: no slave ticket given and no pending copy of master "
                f"#{cmd.comment_ticket} on this account",
            )
        order = self._broker.order(cmd.slave_ticket)
        if order is None:
            return self._pending_gone(cmd)
        price = cmd.price or order.price_open
        sl, tp = stops_from_distance(cmd, spec, order.order_type.side, price)
        if cmd.before is not None and same_prices(
            spec, (order.price_open, order.sl, order.tp), (price, sl, tp)
        ):
            return self._already_done(
                cmd, f"order #{order.ticket} is already at {price_text(spec, price)}",
                ticket=order.ticket, volume=order.volume_current, price=price, sl=sl, tp=tp,
            )  # fmt: skip
        done = self._broker.modify_pending(order.ticket, price=price, sl=sl, tp=tp)
        if not done.ok and done.retcode != Retcode.NO_CHANGES:
            return self._failed(cmd, done, ticket=order.ticket)
        return self._result(
            cmd,
            Retcode.DONE,
            f"{cmd.symbol}: order #{order.ticket} at {price_text(spec, price)}",
            ticket=order.ticket,
            volume=order.volume_current,
            price=price,
            sl=sl,
            tp=tp,
        )

    def _delete_pending(self, cmd: Command, spec: SymbolSpec) -> ExecutionResult:
        ticket = self._pending_copy(cmd)
        if ticket is None:
            return self._gone(
                cmd, None, f"the pending copy of master #{cmd.comment_ticket} is already gone"
            )
        if self._broker.order(ticket) is not None:
            done = self._broker.delete_pending(ticket)
            if not done.ok:
                return self._failed(cmd, done, ticket=ticket)
            return self._result(
                cmd,
                Retcode.DONE,
                f"{cmd.symbol}: order #{ticket} deleted",
                ticket=ticket,
                volume=done.volume,
                price=done.price,
            )
        became = self._broker.position_from_order(ticket)
        record = self._broker.history_order(ticket)
        # On a netting account the fill's deal stays in the symbol's net even when the position
        # it went into has closed or turned since (the fill itself may have flattened it): it
        # is undone by a deal against it all the same (issue #14's long-run mismatch).
        netted = (
            self._broker.margin_mode is MarginMode.NETTING
            and record is not None
            and record.state is OrderState.FILLED
        )
        if became is None and not netted:
            return self._gone(cmd, ticket, f"order #{ticket} is already gone")
        if netted and cmd.before is None and self._dealt(cmd) <= _EPS:
            # Resent with no before-state after it took the fill back (the terminal died before
            # its id was written down): the copy's deals, its fill and the deal against it, come
            # to nothing, so there is nothing left to undo.
            return self._already_done(
                cmd, f"the fill of order #{ticket} is already taken back", ticket=ticket
            )
        # The copy filled before the master's order was deleted: undo what it became.
        filled = record.volume_initial if record else (became.volume if became else 0.0)
        into = f"as #{became.ticket}" if became else "into a netting position closed since"
        slave_ticket = became.ticket if became else None
        close = structs.replace(cmd, kind=CommandKind.CLOSE, slave_ticket=slave_ticket,
                                volume=filled)  # fmt: skip
        closed = self._close(close, spec)
        return replace(closed, message=f"order #{ticket} had filled {into}; " + closed.message)

    def _fill_pending(self, cmd: Command, spec: SymbolSpec) -> ExecutionResult:
        """The master's order filled: delete the slave's copy and buy or sell at market, or
        adopt the position the copy already became."""
        ticket = self._pending_copy(cmd)
        order = self._broker.order(ticket) if ticket is not None else None
        market = structs.replace(cmd, order_type=OrderType.market(cmd.order_type.side))
        if order is not None:
            deleted = self._broker.delete_pending(order.ticket)
            if not deleted.ok:
                return self._failed(cmd, deleted, ticket=order.ticket)
            market = structs.replace(
                market,
                volume=cmd.volume or order.volume_current,
                sl=cmd.sl or order.sl,
                tp=cmd.tp or order.tp,
            )
            return self._market_open(market, spec)
        if ticket is not None and self._broker.margin_mode is MarginMode.NETTING:
            filled = self._netting_fill(cmd, ticket)
            if filled is not None:
                return filled
        became = self._broker.position_from_order(ticket) if ticket is not None else None
        if became is not None:
            code, text = Retcode.DONE, f"order #{ticket} had filled as #{became.ticket}"
            record = self._broker.history_order(became.ticket)
            if record is not None and not record.order_type.is_pending:
                # Found by its comment, a position a market order made is this fill's own
                # replacement of the copy: the command is resent after its id was lost.
                code = Retcode.DUPLICATE
                text = f"the pending copy was already replaced at market by #{became.ticket}"
            return self._result(
                cmd,
                code,
                f"{cmd.symbol}: {text}",
                ticket=became.ticket,
                volume=became.volume,
                price=became.price_open,
                sl=became.sl,
                tp=became.tp,
            )
        return (
            self._already_held(cmd, orders=False)
            or self._dealt_already(market, spec)
            or self._market_open(market, spec)
        )
