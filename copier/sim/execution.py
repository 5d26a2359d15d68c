"""The executor's groundwork: command-id memory, recognising its own copies by comment after a
restart, seeing from a command's before-state that it was already carried out, retrying requotes
with a fresh quote, and building results."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace

from copier.domain import (
    Command,
    ExecutionResult,
    MarginMode,
    Quote,
    Retcode,
    Side,
    SymbolSpec,
    leg_copy,
    parse_copy_comment,
    result_of,
)
from copier.sim.broker import SimBroker
from copier.sim.records import SimOrder, SimPosition, TradeResult
from copier.sim.stops import price_text
from copier.sim.validation import points

RETRYABLE = frozenset({Retcode.REQUOTE, Retcode.PRICE_CHANGED, Retcode.PRICE_OFF})
DEFAULT_DEVIATION_POINTS = 20  # what the EA allows the dealer when the command sets no limit
_EPS = 1e-9
_MAX_RENUMBERS = 1000  # partial closes of one position followed, at most

Send = Callable[[Quote], TradeResult]


class ExecutorBase:
    """Memory and helpers shared by the command handlers of ``SimExecutor``."""

    def __init__(
        self, broker: SimBroker, slave_id: str, *, max_retries: int = 3, memory: int = 100_000
    ) -> None:
        self._broker = broker
        self._slave_id = slave_id
        self._max_retries = max_retries
        self._memory = memory
        self._results: OrderedDict[str, ExecutionResult] = OrderedDict()
        self._made: set[int] = set()  # tickets this executor created since its last restart

    @property
    def broker(self) -> SimBroker:
        return self._broker

    def remembers(self, command_id: str) -> bool:
        return command_id in self._results

    def forget(self) -> None:
        """A terminal restart: the executed-id memory is lost."""
        self._results.clear()
        self._made.clear()

    def _recall(self, command_id: str) -> ExecutionResult | None:
        return self._results.get(command_id)

    def _remember(self, command_id: str, result: ExecutionResult) -> None:
        self._results[command_id] = result
        if len(self._results) > self._memory:
            self._results.popitem(last=False)  # the oldest ids go first, as in the EA's ring
        if result.slave_ticket is not None and result.retcode != Retcode.DUPLICATE:
            self._made.add(result.slave_ticket)

    # --- recognition, retries, results ---------------------------------------------------------

    def _already_held(self, cmd: Command, *, orders: bool) -> ExecutionResult | None:
        """DUPLICATE if the account already holds this command's copy from before a restart."""
        hedging = self._broker.margin_mode is MarginMode.HEDGING
        found: list[tuple[int, float, float, float, float]] = []
        if hedging:
            found += [
                (p.ticket, p.volume, p.price_open, p.sl, p.tp)
                for p in self._broker.positions(cmd.symbol)
                if self._is_copy(cmd, p.comment, p.magic, p.ticket)
            ]
        if orders:
            found += [
                (o.ticket, o.volume_current, o.price_open, o.sl, o.tp)
                for o in self._broker.orders(cmd.symbol)
                if self._is_copy(cmd, o.comment, o.magic, o.ticket)
            ]
        found.sort()
        if len(found) <= cmd.leg:
            return None
        ticket, volume, price, sl, tp = found[cmd.leg]
        return self._result(
            cmd,
            Retcode.DUPLICATE,
            f"{cmd.symbol}: master #{cmd.comment_ticket} is already copied as #{ticket} — "
            "not opened twice",
            ticket=ticket,
            volume=volume,
            price=price,
            sl=sl,
            tp=tp,
        )

    def _pending_copy(self, cmd: Command) -> int | None:
        """The order a pending command acts on: ``slave_ticket``, or when the placement's result
        had not reached the copier, the copy found by its comment and leg among the symbol's
        pending orders and, on hedging accounts, the positions such copies filled into (they keep
        the order's ticket and comment). None: no such copy."""
        if cmd.slave_ticket is not None:
            return cmd.slave_ticket
        held: list[SimOrder | SimPosition] = list(self._broker.orders(cmd.symbol))
        if self._broker.margin_mode is MarginMode.HEDGING:
            held += self._broker.positions(cmd.symbol)
        copy = leg_copy(cmd, held)
        return copy.ticket if copy is not None else None

    # --- already done: the command's before-state (protocol §14 step 5) -------------------------

    def _already_done(
        self,
        cmd: Command,
        what: str,
        *,
        ticket: int | None,
        volume: float = 0.0,
        price: float = 0.0,
        sl: float = 0.0,
        tp: float = 0.0,
    ) -> ExecutionResult:
        """DUPLICATE: the copy is already as ``cmd`` leaves it, so nothing is traded again."""
        return self._result(
            cmd,
            Retcode.DUPLICATE,
            f"{cmd.symbol}: {what} — the command was already carried out, not done twice",
            ticket=ticket,
            volume=volume,
            price=price,
            sl=sl,
            tp=tp,
        )

    def _closed_already(
        self, cmd: Command, pos: SimPosition | ExecutionResult
    ) -> ExecutionResult | None:
        """A CLOSE whose copy holds no more than the volume it leaves (a full close: whose copy is
        gone) was already done. ``pos`` is the copy, or why none was found."""
        if cmd.before is None:
            return None
        after = cmd.volume_after
        took = cmd.before.volume - after
        if isinstance(pos, ExecutionResult):
            if after > _EPS:
                return None  # a partial close whose copy is gone altogether: not this close
            gone = f"#{cmd.slave_ticket}" if cmd.slave_ticket else "the copy"
            return self._already_done(
                cmd, f"{gone} is already closed", ticket=cmd.slave_ticket, volume=took
            )
        if pos.volume > after + _EPS:
            return None
        return self._already_done(
            cmd,
            f"#{pos.ticket} already holds {pos.volume:g} of the {cmd.before.volume:g} lots "
            f"it had before closing {took:g}",
            ticket=pos.ticket,
            volume=took,
            sl=pos.sl,
            tp=pos.tp,
        )

    def _rest_of(self, ticket: int) -> SimPosition | None:
        """The open remainder of position ``ticket`` after MT4 partial closes renumbered it: each
        closed part stays in history under its old ticket with the comment ``to #<new ticket>``
        (the remainder's says ``from #<old ticket>``), followed to the one still open."""
        for _ in range(_MAX_RENUMBERS):
            record = self._broker.history_order(ticket)
            if record is None or not record.comment.startswith("to #"):
                return None
            digits = record.comment[4:]
            if not digits.isdigit():
                return None
            ticket = int(digits)
            rest = self._broker.position(ticket)
            if rest is not None:
                return rest
        return None

    def _is_copy(self, cmd: Command, comment: str, magic: int, ticket: int) -> bool:
        return (
            ticket not in self._made
            and parse_copy_comment(comment) == cmd.comment_ticket
            and magic == cmd.magic
            and (not cmd.comment or comment == cmd.comment)
        )

    def _attempt(self, cmd: Command, spec: SymbolSpec, side: Side, send: Send) -> TradeResult:
        """Send with a fresh quote each time; retry requotes; refuse a price too far from the
        master's fill before every try."""
        result = TradeResult(Retcode.ERROR, "not sent")
        for _ in range(self._max_retries + 1):
            quote = self._broker.quote(cmd.symbol)
            current = quote.ask if side is Side.BUY else quote.bid
            if cmd.max_deviation_points > 0 and cmd.price > 0:
                off = points(spec, current, cmd.price)
                if off > cmd.max_deviation_points + _EPS:
                    return TradeResult(
                        Retcode.DEVIATION,
                        f"{cmd.symbol}: price {price_text(spec, current)} is {off:.0f} points "
                        f"from the master's {price_text(spec, cmd.price)} "
                        f"(max {cmd.max_deviation_points}) — copy skipped",
                        bid=quote.bid,
                        ask=quote.ask,
                    )
            result = send(quote)
            if result.retcode not in RETRYABLE:
                return result
        return replace(result, comment=f"{result.comment} (after {self._max_retries} retries)")

    def _failed(
        self, cmd: Command, done: TradeResult, ticket: int | None = None
    ) -> ExecutionResult:
        return self._result(cmd, done.retcode, done.comment, ticket=ticket)

    def _result(
        self,
        cmd: Command,
        retcode: int,
        message: str,
        *,
        ticket: int | None = None,
        volume: float = 0.0,
        price: float = 0.0,
        sl: float = 0.0,
        tp: float = 0.0,
    ) -> ExecutionResult:
        return result_of(cmd, retcode, message, executed_ms=self._broker.now_ms(),
                         slave_id=self._slave_id, ticket=ticket, volume=volume, price=price,
                         sl=sl, tp=tp)
