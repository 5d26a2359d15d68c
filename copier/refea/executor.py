"""Executor semantics of the reference EA: one command in, exactly one result out, at most once.

The MQL Executor follows this module step for step (docs/protocol.md §Executor):
1. an id already executed is answered with its first result, unchanged, and nothing is done;
2. a command past ``expires`` is refused EXPIRED;
3. OPEN / PLACE_PENDING / FILL_PENDING on a hedging account whose copy already exists — a
   position or order carrying the command's comment (``TC|<master ticket>``) — is answered
   DUPLICATE with that ticket (this is what survives a terminal restart that lost the id memory);
   netting accounts rely on the id memory alone, since a netting position keeps the comment of
   whichever deal opened it and so cannot say which master tickets it holds;
4. market deals check the slave price against the master's (``dev`` points) — DEVIATION — and
   are retried up to ``RETRIES`` times on a requote or price change with a fresh quote;
5. SL/TP given as distances (``sl_pts``/``tp_pts``) or ``two_step`` are set after the fill.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace

from copier.bridge.protocol import CommandMsg, Result
from copier.domain import CommandKind, MarginMode, Retcode, Side, copy_comment
from copier.sim.broker import SimBroker
from copier.sim.records import SimOrder, SimPosition, TradeResult

RETRIES = 3
_RETRY_CODES = frozenset({Retcode.REQUOTE, Retcode.PRICE_CHANGED, Retcode.PRICE_OFF})
_SETTLED = frozenset({Retcode.DONE, Retcode.NO_CHANGES})  # the state asked for holds


class CommandMemory:
    """Executed command ids with their first result; the MQL Executor keeps it in a file."""

    def __init__(self, limit: int = 10_000) -> None:
        self._results: OrderedDict[str, Result] = OrderedDict()
        self._limit = limit

    def get(self, command_id: str) -> Result | None:
        return self._results.get(command_id)

    def put(self, result: Result) -> None:
        self._results[result.id] = result
        if len(self._results) > self._limit:
            self._results.popitem(last=False)

    def __len__(self) -> int:
        return len(self._results)


class Executor:
    def __init__(self, broker: SimBroker, memory: CommandMemory | None = None) -> None:
        self.broker = broker
        self.memory = memory if memory is not None else CommandMemory()
        self.executions = 0  # trade requests actually made (tests count them)
        self._handlers: dict[CommandKind, Callable[[CommandMsg], Result]] = {
            CommandKind.OPEN: self._open,
            CommandKind.CLOSE: self._close,
            CommandKind.MODIFY: self._modify,
            CommandKind.PLACE_PENDING: self._place,
            CommandKind.MODIFY_PENDING: self._modify_pending,
            CommandKind.DELETE_PENDING: self._delete_pending,
            CommandKind.FILL_PENDING: self._fill_pending,
        }

    def execute(self, cmd: CommandMsg) -> Result:
        known = self.memory.get(cmd.id)
        if known is not None:
            return known
        if cmd.expires and self.broker.now_ms() > cmd.expires:
            age = self.broker.now_ms() - cmd.created if cmd.created else 0
            result = self._result(cmd, Retcode.EXPIRED, f"signal {age} ms old: past its max age")
        else:
            result = self._handlers[cmd.kind](cmd)
        self.memory.put(result)
        return result

    # ----- markets --------------------------------------------------------------------------
    def _open(self, cmd: CommandMsg) -> Result:
        existing = self._own_position(cmd)
        if existing is not None:
            return self._duplicate(cmd, existing)
        return self._market_open(cmd, cmd.type.side)

    def _market_open(self, cmd: CommandMsg, side: Side) -> Result:
        refusal = self._deviation(cmd, side)
        if refusal is not None:
            return refusal
        stops_later = cmd.two_step or cmd.sl_pts > 0 or cmd.tp_pts > 0
        sl, tp = (0.0, 0.0) if stops_later else (cmd.sl, cmd.tp)
        comment = cmd.comment or copy_comment(cmd.ticket)

        def request() -> TradeResult:
            price = self._market_price(cmd.sym, side)
            return self.broker.open_market(
                cmd.sym,
                side,
                cmd.vol,
                price=price,
                deviation=cmd.dev,
                sl=sl,
                tp=tp,
                magic=cmd.magic,
                comment=comment,
            )

        reply = self._with_retries(request)
        if reply.retcode is not Retcode.DONE:
            return self._result(cmd, reply.retcode, reply.comment)
        if not stops_later or not (cmd.sl or cmd.tp or cmd.sl_pts or cmd.tp_pts):
            return self._filled(cmd, reply, sl, tp)
        sl, tp = self._stops_from_fill(cmd, side, reply.price)
        modified = self.broker.modify_position(reply.position, sl, tp)
        if modified.retcode not in _SETTLED:
            note = f"opened; SL/TP not set: {modified.comment}"
            return self._filled(cmd, reply, 0.0, 0.0, note)
        return self._filled(cmd, reply, sl, tp)

    def _close(self, cmd: CommandMsg) -> Result:
        ticket = cmd.slave_ticket or self._netting_ticket(cmd.sym)
        pos = self.broker.position(ticket) if ticket else None
        if pos is None:
            return self._result(cmd, Retcode.POSITION_CLOSED, f"position #{ticket} is not open")
        volume = None if cmd.vol <= 0 or cmd.vol >= pos.volume - 1e-9 else cmd.vol

        def request() -> TradeResult:
            price = self._market_price(pos.symbol, pos.side.opposite)
            return self.broker.close_position(ticket, volume, price=price, deviation=cmd.dev)

        reply = self._with_retries(request)
        if reply.retcode is not Retcode.DONE:
            return self._result(cmd, reply.retcode, reply.comment)
        remaining = self.broker.position(reply.position or ticket)
        left = remaining.ticket if remaining is not None else ticket
        return self._result(
            cmd, Retcode.DONE, reply.comment, ticket=left, vol=reply.volume, price=reply.price
        )

    def _modify(self, cmd: CommandMsg) -> Result:
        pos = self.broker.position(cmd.slave_ticket) if cmd.slave_ticket else None
        if pos is None:
            return self._result(
                cmd, Retcode.POSITION_CLOSED, f"position #{cmd.slave_ticket} is not open"
            )
        reply = self.broker.modify_position(pos.ticket, cmd.sl, cmd.tp)
        self.executions += 1
        code = Retcode.DONE if reply.retcode in _SETTLED else reply.retcode
        return self._result(cmd, code, reply.comment, ticket=pos.ticket, sl=cmd.sl, tp=cmd.tp)

    # ----- pending orders -------------------------------------------------------------------
    def _place(self, cmd: CommandMsg) -> Result:
        existing = self._own_order(cmd) or self._own_position(cmd)
        if existing is not None:
            return self._duplicate(cmd, existing)
        reply = self.broker.place_pending(
            cmd.sym,
            cmd.type,
            cmd.vol,
            cmd.price,
            sl=cmd.sl,
            tp=cmd.tp,
            magic=cmd.magic,
            comment=cmd.comment or copy_comment(cmd.ticket),
        )
        self.executions += 1
        if reply.retcode is not Retcode.DONE:
            return self._result(cmd, reply.retcode, reply.comment)
        return self._result(
            cmd,
            Retcode.PLACED,
            reply.comment,
            ticket=reply.order,
            vol=reply.volume,
            price=reply.price,
            sl=cmd.sl,
            tp=cmd.tp,
        )

    def _modify_pending(self, cmd: CommandMsg) -> Result:
        reply = self.broker.modify_pending(cmd.slave_ticket, price=cmd.price, sl=cmd.sl, tp=cmd.tp)
        self.executions += 1
        code = Retcode.DONE if reply.retcode in _SETTLED else reply.retcode
        return self._result(
            cmd,
            code,
            reply.comment,
            ticket=cmd.slave_ticket,
            price=cmd.price,
            sl=cmd.sl,
            tp=cmd.tp,
        )

    def _delete_pending(self, cmd: CommandMsg) -> Result:
        if self.broker.order(cmd.slave_ticket) is not None:
            reply = self.broker.delete_pending(cmd.slave_ticket)
            self.executions += 1
            return self._result(cmd, reply.retcode, reply.comment, ticket=cmd.slave_ticket)
        filled = self.broker.position_from_order(cmd.slave_ticket)
        if filled is not None:  # it filled before the delete arrived: close what it became
            close = replace(cmd, kind=CommandKind.CLOSE, slave_ticket=filled.ticket, vol=0.0)
            return self._close(close)
        return self._result(
            cmd,
            Retcode.DONE,
            f"order #{cmd.slave_ticket} is already gone",
            ticket=cmd.slave_ticket,
        )

    def _fill_pending(self, cmd: CommandMsg) -> Result:
        if cmd.slave_ticket and self.broker.order(cmd.slave_ticket) is not None:
            reply = self.broker.delete_pending(cmd.slave_ticket)
            self.executions += 1
            if reply.retcode is not Retcode.DONE:
                return self._result(cmd, reply.retcode, reply.comment)
            return self._market_open(cmd, cmd.type.side)
        became = self.broker.position_from_order(cmd.slave_ticket) if cmd.slave_ticket else None
        if became is None:
            became = self._own_position(cmd)
        if became is not None:  # the copy filled on its own: adopt the position
            return self._result(
                cmd,
                Retcode.DONE,
                f"pending copy already filled as #{became.ticket}",
                ticket=became.ticket,
                vol=became.volume,
                price=became.price_open,
                sl=became.sl,
                tp=became.tp,
            )
        return self._market_open(cmd, cmd.type.side)

    # ----- helpers --------------------------------------------------------------------------
    def _with_retries(self, request: Callable[[], TradeResult]) -> TradeResult:
        reply = request()
        self.executions += 1
        for _ in range(RETRIES):
            if reply.retcode not in _RETRY_CODES:
                break
            reply = request()
            self.executions += 1
        return reply

    def _deviation(self, cmd: CommandMsg, side: Side) -> Result | None:
        if cmd.dev <= 0 or cmd.price <= 0:
            return None
        spec = self.broker.symbol_spec(cmd.sym)
        if spec is None:
            return self._result(cmd, Retcode.INVALID, f"{cmd.sym}: unknown symbol")
        price = self._market_price(cmd.sym, side)
        off = round(abs(price - cmd.price) / spec.point)
        if off <= cmd.dev:
            return None
        text = (
            f"{cmd.sym}: price {price} is {off} points from the master's {cmd.price} "
            f"(max {cmd.dev}) — copy skipped"
        )
        return self._result(cmd, Retcode.DEVIATION, text)

    def _market_price(self, symbol: str, side: Side) -> float:
        quote = self.broker.quote(symbol)
        return quote.ask if side is Side.BUY else quote.bid

    def _stops_from_fill(self, cmd: CommandMsg, side: Side, fill: float) -> tuple[float, float]:
        spec = self.broker.symbol_spec(cmd.sym)
        point = spec.point if spec else 0.0
        sl = fill - side.sign * cmd.sl_pts * point if cmd.sl_pts else cmd.sl
        tp = fill + side.sign * cmd.tp_pts * point if cmd.tp_pts else cmd.tp
        digits = spec.digits if spec else 8
        return round(sl, digits), round(tp, digits)

    def _own_position(self, cmd: CommandMsg) -> SimPosition | None:
        if self.broker.margin_mode is MarginMode.NETTING:
            return None
        comment = cmd.comment or copy_comment(cmd.ticket)
        return next((p for p in self.broker.positions(cmd.sym) if p.comment == comment), None)

    def _own_order(self, cmd: CommandMsg) -> SimOrder | None:
        if self.broker.margin_mode is MarginMode.NETTING:
            return None
        comment = cmd.comment or copy_comment(cmd.ticket)
        return next((o for o in self.broker.orders(cmd.sym) if o.comment == comment), None)

    def _netting_ticket(self, symbol: str) -> int:
        if self.broker.margin_mode is not MarginMode.NETTING:
            return 0
        held = self.broker.positions(symbol)
        return held[0].ticket if held else 0

    def _duplicate(self, cmd: CommandMsg, existing: SimPosition | SimOrder) -> Result:
        volume = existing.volume if isinstance(existing, SimPosition) else existing.volume_current
        return self._result(
            cmd,
            Retcode.DUPLICATE,
            f"copy of master #{cmd.ticket} already exists as #{existing.ticket}",
            ticket=existing.ticket,
            vol=volume,
            price=existing.price_open,
            sl=existing.sl,
            tp=existing.tp,
        )

    def _filled(
        self, cmd: CommandMsg, reply: TradeResult, sl: float, tp: float, note: str = ""
    ) -> Result:
        return self._result(
            cmd,
            Retcode.DONE,
            note or reply.comment,
            ticket=reply.position,
            vol=reply.volume,
            price=reply.price,
            sl=sl,
            tp=tp,
        )

    def _result(
        self,
        cmd: CommandMsg,
        code: Retcode,
        message: str,
        *,
        ticket: int = 0,
        vol: float = 0.0,
        price: float = 0.0,
        sl: float = 0.0,
        tp: float = 0.0,
    ) -> Result:
        return Result(
            id=cmd.id,
            rc=int(code),
            msg=message[:200],
            ticket=ticket,
            vol=vol,
            price=price,
            time=self.broker.now_ms(),
            sl=sl,
            tp=tp,
        )
