"""Executes copier Commands on an MT5 account through order_send, one ExecutionResult per command.

Follows protocol §14. The filling mode comes from the symbol's ``filling_mode`` bitmask (bit 1
FOK, bit 2 IOC, neither: RETURN) — the bitmask itself is not a valid ``type_filling``. Requotes
and price changes are retried with a fresh tick.

Whether or not the id is remembered, a command is first set against the account (§14 steps 4
and 5, ``copier.terminals.mt5.already``): an open or placement whose copy the account already
holds, and a command whose copy is already as its before-state says it leaves it, are answered
19003 and nothing is traded again — a close resent after the worker died between the trade and
its result closes nothing more.

A command without a before-state that may already have run (``recover``) is also looked for by
its traces (``copier.terminals.mt5.recover``: deals and orders younger than it, carrying its
comment). Only the
sender knows whether a command may have run, so only ``recover`` starts that search: a
command's ``created_ms`` is stamped on the copier's clock, which need not agree with this
process's, so comparing it with when this worker started would take fresh commands for resends.
"""

from __future__ import annotations

from collections.abc import Callable

from copier.domain import Command, CommandKind, ExecutionResult, Retcode
from copier.terminals.mt5.already import CREATING
from copier.terminals.mt5.market_orders import MarketOrders
from copier.terminals.mt5.messages import trade_message
from copier.terminals.mt5.pending_orders import PendingOrders
from copier.terminals.mt5.recover import find_trace
from copier.terminals.mt5.session import CallFailed, Session
from copier.terminals.mt5.steps import filling_type, normalise_volume

__all__ = ["Executor", "filling_type", "normalise_volume"]


class Executor:
    def __init__(self, session: Session, clock: Callable[[], int] | None = None) -> None:
        self.session = session
        self.clock = clock = clock or session.clock  # results' times: the session's clock
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
        if recover and self._traced(command):
            trace = find_trace(self.session, command, self.claimed | self.made, sent_ms)
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
        if result.retcode == Retcode.DUPLICATE and result.slave_ticket and command.kind in CREATING:
            self.claimed.add(result.slave_ticket)  # a copy found by comment is this one's
        self.market.note(command, result)
        self._done[command.id] = result
        return result

    @property
    def made(self) -> set[int]:
        """The tickets this executor's own OPEN, PLACE_PENDING and FILL_PENDING results named
        since it started: never taken for a copy made before (§14 step 4)."""
        return self.market.made

    def _traced(self, command: Command) -> bool:
        """Whether a resend's traces still need looking for once the account was read: not when
        its before-state already decided it (§14 step 5), nor for a second leg on a hedging
        account, whose copies by comment and leg are what step 4 reads (the traces cannot tell
        the legs of one master ticket apart)."""
        stated = command.before is not None and (
            command.kind is CommandKind.CLOSE or not self.session.hedging
        )
        return not stated and not (self.session.hedging and command.leg > 0)

    def forget_one(self, command_id: str) -> None:
        """Let a command run again (its answer was no connection to the trade server)."""
        self._done.pop(command_id, None)

    def forget(self) -> None:
        """Drop the command memory (the parent keeps the authoritative one)."""
        self._done.clear()

    def _dispatch(self, command: Command) -> ExecutionResult:
        handlers = {
            CommandKind.OPEN: self.market.open_copy,
            CommandKind.CLOSE: self.market.close,
            CommandKind.MODIFY: self.market.modify,
            CommandKind.PLACE_PENDING: self.pending.place_copy,
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
