"""Executes copier Commands on an MT5 account through order_send, one ExecutionResult per command.

Follows the executor semantics block in ``copier.domain``. The filling mode comes from the symbol's
``filling_mode`` bitmask (bit 1 FOK, bit 2 IOC, neither: RETURN) — the bitmask itself is not a valid
``type_filling``. Requotes and price changes are retried with a fresh tick. A command that may
already have run (``recover``) is first looked for on the account by its comment, so nothing is
opened twice after a crash or a lost link.

Only the sender knows whether a command may have run, so only ``recover`` starts that search:
a command's ``created_ms`` is stamped on the copier's clock, which need not agree with this
process's, so comparing it with when this worker started would take fresh commands for resends
(and a later close of a partly closed copy for the earlier one, skipping it).
"""

from __future__ import annotations

from collections.abc import Callable

from copier.domain import Command, CommandKind, ExecutionResult, Retcode
from copier.terminals.mt5.market_orders import MarketOrders
from copier.terminals.mt5.messages import trade_message
from copier.terminals.mt5.pending_orders import PendingOrders
from copier.terminals.mt5.recover import find_trace
from copier.terminals.mt5.session import CallFailed, Session, now_ms
from copier.terminals.mt5.steps import filling_type, normalise_volume

__all__ = ["Executor", "filling_type", "normalise_volume"]


class Executor:
    def __init__(self, session: Session, clock: Callable[[], int] = now_ms) -> None:
        self.session = session
        self.clock = clock
        self.claimed: set[int] = set()  # tickets already reported for a recovered command
        self.market = MarketOrders(session, clock)
        self.pending = PendingOrders(session, clock, self.market)
        self._done: dict[str, ExecutionResult] = {}

    def execute(self, command: Command, recover: bool = False, sent_ms: int = 0) -> ExecutionResult:
        """One result per command id. With ``recover`` the command may have run already (it was
        first sent at ``sent_ms`` on this process's clock, 0 if unknown): its traces are looked
        for first, and a command found there is answered DUPLICATE, not run again."""
        first = self._done.get(command.id)
        if first is not None:
            return first
        now = self.clock()
        if command.expires_ms and now > command.expires_ms:
            return self._finish(command, Retcode.EXPIRED, trade_message(command.symbol, 19001))
        if recover:
            trace = find_trace(self.session, command, self.claimed, sent_ms)
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
            result = self.market.result(
                command, Retcode.ERROR, f"{command.symbol}: {failure.reason}"
            )
        self._done[command.id] = result
        return result

    def forget_one(self, command_id: str) -> None:
        """Let a command run again (its answer was no connection to the trade server)."""
        self._done.pop(command_id, None)

    def forget(self) -> None:
        """Drop the command memory (the parent keeps the authoritative one)."""
        self._done.clear()

    def _dispatch(self, command: Command) -> ExecutionResult:
        handlers = {
            CommandKind.OPEN: self.market.open,
            CommandKind.CLOSE: self.market.close,
            CommandKind.MODIFY: self.market.modify,
            CommandKind.PLACE_PENDING: self.pending.place,
            CommandKind.MODIFY_PENDING: self.pending.modify_pending,
            CommandKind.DELETE_PENDING: self.pending.delete,
            CommandKind.FILL_PENDING: self.pending.fill,
        }
        return handlers[command.kind](command)

    def _finish(
        self,
        command: Command,
        retcode: int,
        message: str,
        ticket: int | None = None,
        volume: float = 0.0,
        price: float = 0.0,
    ) -> ExecutionResult:
        result = self.market.result(command, retcode, message, ticket, volume, price)
        self._done[command.id] = result
        return result
