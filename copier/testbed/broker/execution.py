"""The executor's groundwork: command-id memory, retrying requotes with a fresh quote, and
building results (``.recognise`` adds what finds a command already carried out)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace

from copier.domain import (
    Command,
    CommandKind,
    ExecutionResult,
    Quote,
    Retcode,
    Side,
    SymbolSpec,
    result_of,
)
from copier.testbed.broker.broker import SimBroker
from copier.testbed.broker.records import TradeResult
from copier.testbed.broker.stops import price_text
from copier.testbed.broker.validation import points

RETRYABLE = frozenset({Retcode.REQUOTE, Retcode.PRICE_CHANGED, Retcode.PRICE_OFF})
_CREATING = frozenset({CommandKind.OPEN, CommandKind.PLACE_PENDING, CommandKind.FILL_PENDING})
DEFAULT_DEVIATION_POINTS = 20  # what the EA allows the dealer when the command sets no limit
_EPS = 1e-9

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

    def _remember(self, command: Command, result: ExecutionResult) -> None:
        self._results[command.id] = result
        if len(self._results) > self._memory:
            self._results.popitem(last=False)  # the oldest ids go first, as in the EA's ring
        # Only what this command created: a ticket it merely changed (a modify, a partial close)
        # is an older copy, which a resend of the command that made it must still find.
        creates = command.kind in _CREATING
        if creates and result.slave_ticket is not None and result.retcode != Retcode.DUPLICATE:
            self._made.add(result.slave_ticket)

    # --- retries, results ---------------------------------------------------------------------

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
