"""SimulatedTerminal: the Terminal adapter over a SimBroker — the demo's and the tests' terminal.

While started it runs three asyncio tasks: a market task that ticks the broker every ``tick_ms``
(moving prices, filling pendings, hitting SL/TP, stopping out), a delivery task that turns every
change the broker reports into a ``MasterEvent`` with the next per-account ``seq`` and awaits
``sink.on_event`` for each in order, and a worker that executes submitted commands one at a time
after the broker's execution delay through a ``SimExecutor`` and reports each result. Changes are
taken from the broker's own hooks (as an MQL5 EA's OnTradeTransaction sees them), so nothing is
lost between two polls: a netting reversal comes out as CLOSED then OPENED of the same ticket.

Events and commands survive ``stop``/``start``: an event whose delivery was interrupted is sent
again with the same ``seq`` (the sink drops repeats), and a queued command stays queued.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque

from copier.domain import (
    Command,
    ExecutionResult,
    MasterEvent,
    Retcode,
    TerminalSnapshot,
    TerminalStatus,
)
from copier.terminals.base import TerminalSink
from copier.testbed.broker.broker import SimBroker
from copier.testbed.broker.clock import Clock
from copier.testbed.broker.executor import SimExecutor
from copier.testbed.broker.profiles import build_broker, profile
from copier.testbed.broker.quotes import Market
from copier.testbed.broker.records import TradeChange
from copier.testbed.broker.trader import RandomTrader

log = logging.getLogger(__name__)

_RETRY_DELIVERY_S = 0.05  # a sink that failed is asked again this much later


class SimulatedTerminal:
    def __init__(
        self,
        broker: SimBroker,
        *,
        account_id: str | None = None,
        report_events: bool = True,
        tick_ms: float = 5.0,
        status_every_ms: int = 1_000,
        max_retries: int = 3,
        profile_name: str = "",
    ) -> None:
        self._broker = broker
        self._account_id = account_id or f"sim-{broker.account.login}"
        self._tick_s = tick_ms / 1000.0
        self._status_every_ms = status_every_ms
        self._profile = profile_name
        self._executor = SimExecutor(broker, self._account_id, max_retries=max_retries)
        self._changes: deque[tuple[TradeChange, int]] = deque()
        self._changed = asyncio.Event()
        self._commands: deque[Command] = deque()
        self._submitted = asyncio.Event()
        self._seq = 0
        self._sink: TerminalSink | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._since_ms = 0
        self._trader_task: asyncio.Task[None] | None = None
        self._report_events = report_events
        self._listening = False

    @classmethod
    def from_profile(
        cls,
        name: str,
        *,
        seed: int = 0,
        market: Market | None = None,
        clock: Clock | None = None,
        login: int | None = None,
        account_id: str | None = None,
        report_events: bool | None = None,
        tick_ms: float = 5.0,
    ) -> SimulatedTerminal:
        """A terminal on a profile's account (``testbed.broker.profiles`` lists them). Master
        profiles report events by default, slave profiles do not; share one ``market`` between
        the terminals of a demo so they see the same prices."""
        broker = build_broker(name, seed=seed, market=market, clock=clock, login=login)
        events = profile(name).master if report_events is None else report_events
        return cls(
            broker,
            account_id=account_id,
            report_events=events,
            tick_ms=tick_ms,
            profile_name=name,
        )

    # --- Terminal ------------------------------------------------------------------------------

    @property
    def account_id(self) -> str:
        return self._account_id

    @property
    def kind(self) -> str:
        return "simulated"

    @property
    def connected(self) -> bool:
        return bool(self._tasks)

    @property
    def broker(self) -> SimBroker:
        return self._broker

    @property
    def executor(self) -> SimExecutor:
        return self._executor

    async def start(self, sink: TerminalSink) -> None:
        if self._tasks:
            return
        self._sink = sink
        self._since_ms = self._broker.now_ms()
        if self._report_events and not self._listening:
            # From the first start on, like a monitor EA attached to the chart: changes made
            # while the copier is away are kept and delivered when it is back.
            self._broker.subscribe(self._on_change)
            self._listening = True
        name = self._account_id
        self._tasks = [
            asyncio.create_task(self._run_market(), name=f"{name} market"),
            asyncio.create_task(self._deliver_events(sink), name=f"{name} events"),
            asyncio.create_task(self._execute_commands(sink), name=f"{name} commands"),
        ]
        sink.on_status(self._status(connected=True))

    async def stop(self) -> None:
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if tasks and self._sink is not None:
            self._since_ms = self._broker.now_ms()
            self._sink.on_status(self._status(connected=False))

    def submit(self, command: Command) -> None:
        """Queue a command; it runs after the broker's execution delay (never blocks)."""
        self._commands.append(command)
        self._submitted.set()

    async def snapshot(self) -> TerminalSnapshot:
        broker = self._broker
        return TerminalSnapshot(
            account=broker.account_info(self._account_id),
            positions=tuple(p.to_domain() for p in broker.positions()),
            orders=tuple(o.to_domain() for o in broker.orders()),
            symbols=broker.symbols(),
            quotes=broker.quotes(),
            time_ms=broker.now_ms(),
        )

    # --- test and demo helpers -----------------------------------------------------------------

    @property
    def undelivered_events(self) -> int:
        """Changes the copier has not taken yet (0 once every master event is delivered)."""
        return len(self._changes)

    @property
    def last_seq(self) -> int:
        return self._seq

    def restart(self) -> None:
        """Simulate a terminal restart: the executor forgets which command ids it executed."""
        self._executor.forget()

    def start_trader(
        self,
        *,
        seed: int,
        interval_ms: float = 200.0,
        steps: int | None = None,
        symbols: tuple[str, ...] = (),
        magic: int = 0,
    ) -> RandomTrader:
        """Let a seeded random trader act on this account every ``interval_ms`` (``steps``
        times, or until ``stop_trader``). Call it from inside the running event loop."""
        if self._trader_task is not None:
            raise RuntimeError(f"{self._account_id}: a trader is already running")
        trader = RandomTrader(self._broker, seed=seed, symbols=symbols, magic=magic)
        self._trader_task = asyncio.create_task(
            self._run_trader(trader, interval_ms / 1000.0, steps), name=f"{self._account_id} trader"
        )
        return trader

    async def stop_trader(self) -> None:
        task, self._trader_task = self._trader_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def trader_done(self) -> None:
        """Wait until a trader started with ``steps`` has made them all."""
        if self._trader_task is not None:
            await asyncio.shield(self._trader_task)

    # --- tasks ---------------------------------------------------------------------------------

    def _on_change(self, change: TradeChange) -> None:
        self._changes.append((change, self._broker.now_ms()))
        self._changed.set()

    async def _run_market(self) -> None:
        next_status = self._broker.now_ms() + self._status_every_ms
        while True:
            self._broker.tick()
            now = self._broker.now_ms()
            if now >= next_status and self._sink is not None:
                self._sink.on_status(self._status(connected=True))
                next_status = now + self._status_every_ms
            await asyncio.sleep(self._tick_s)

    async def _deliver_events(self, sink: TerminalSink) -> None:
        while True:
            if not self._changes:
                self._changed.clear()
                await self._changed.wait()
                continue
            change, detected_ms = self._changes[0]
            event = self._event(change, detected_ms, self._seq + 1)
            try:
                await sink.on_event(event)
            except Exception:
                log.exception(
                    "%s: event %d not taken by the copier; retrying", event.account_id, event.seq
                )
                await asyncio.sleep(_RETRY_DELIVERY_S)
                continue
            # Only a delivered event uses up its seq and leaves the queue (at least once).
            self._seq = event.seq
            self._changes.popleft()

    async def _execute_commands(self, sink: TerminalSink) -> None:
        while True:
            if not self._commands:
                self._submitted.clear()
                await self._submitted.wait()
                continue
            command = self._commands[0]
            delay_ms = self._broker.faults.execution_delay_ms
            if delay_ms > 0:
                await asyncio.sleep(delay_ms / 1000.0)
            result = self._execute(command)
            # Nothing awaits between executing and dropping the command, so a stop cannot
            # leave a command executed but still queued (which would report it twice).
            self._commands.popleft()
            sink.on_result(result)

    def _execute(self, command: Command) -> ExecutionResult:
        try:
            return self._executor.execute(command)
        except Exception as exc:  # a bug must still answer the command, once
            log.exception("%s: command %s failed", self._account_id, command.id)
            return ExecutionResult(
                command_id=command.id,
                slave_id=self._account_id,
                retcode=int(Retcode.ERROR),
                message=f"{command.symbol}: the simulated executor failed: {exc}",
                executed_ms=self._broker.now_ms(),
            )

    async def _run_trader(self, trader: RandomTrader, interval_s: float, steps: int | None) -> None:
        done = 0
        while steps is None or done < steps:
            await asyncio.sleep(interval_s)
            trader.step()
            done += 1

    # --- values --------------------------------------------------------------------------------

    def _event(self, change: TradeChange, detected_ms: int, seq: int) -> MasterEvent:
        return MasterEvent(
            account_id=self._account_id,
            seq=seq,
            kind=change.kind,
            ticket=change.ticket,
            symbol=change.symbol,
            order_type=change.order_type,
            volume=change.volume,
            price=change.price,
            time_ms=detected_ms,
            sl=change.sl,
            tp=change.tp,
            closed_volume=change.closed_volume,
            new_ticket=change.new_ticket,
            magic=change.magic,
            comment=change.comment,
            received_ms=self._broker.now_ms(),
        )

    def _status(self, *, connected: bool) -> TerminalStatus:
        now = self._broker.now_ms()
        detail = f"simulated terminal ({self._profile})" if self._profile else "simulated terminal"
        return TerminalStatus(
            account_id=self._account_id,
            connected=connected,
            since_ms=self._since_ms,
            last_heartbeat_ms=now,
            rtt_ms=0.0,
            build="sim-1",
            trade_allowed=self._broker.trade_allowed,
            account=self._broker.account_info(self._account_id),
            positions=len(self._broker.positions()),
            detail=detail,
        )
