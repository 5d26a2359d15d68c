"""Shared set-up of the bridge integration tests (no tests here): a bridge on port 0, simulated
accounts with reference EAs, and ``MirrorSink`` — a hand-written copy service that copies each
master event one to one and keeps its commands until their results, as the real one does."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

from copier.bridge import BridgeConfig, BridgeServer, MemoryKeyVerifier, Role
from copier.bridge.auth import account_id_for
from copier.domain import (
    Command,
    CommandKind,
    EventKind,
    ExecutionResult,
    MarginMode,
    MasterEvent,
    OrderType,
    Platform,
    TerminalStatus,
    command_id,
    copy_comment,
)
from copier.terminals.base import events_one_by_one
from copier.terminals.ea.terminal import EaTerminal
from copier.testbed.broker import Market, SimAccount, SimBroker, catalogue
from copier.testbed.refea import EaSettings, ReferenceEa

FAST = BridgeConfig(
    port=0,
    hello_timeout_s=0.3,
    ping_interval_s=0.2,
    silence_timeout_s=0.6,
    heartbeat_tick_s=0.05,
    duplicate_probe_s=0.2,
    snapshot_timeout_s=1.0,
    snapshot_max_age_ms=100,
    rate_per_s=100.0,
    rate_burst=200,
    auth_delay_base_s=0.01,  # failed-hello delays scaled down with the other timings
    auth_delay_cap_s=0.05,
    key_recheck_s=0.2,
)

_COMMAND_KINDS = {
    EventKind.OPENED: CommandKind.OPEN,
    EventKind.MODIFIED: CommandKind.MODIFY,
    EventKind.PARTIALLY_CLOSED: CommandKind.CLOSE,
    EventKind.CLOSED: CommandKind.CLOSE,
    EventKind.PENDING_PLACED: CommandKind.PLACE_PENDING,
    EventKind.PENDING_MODIFIED: CommandKind.MODIFY_PENDING,
    EventKind.PENDING_DELETED: CommandKind.DELETE_PENDING,
    EventKind.PENDING_FILLED: CommandKind.FILL_PENDING,
}


class MirrorSink:
    """Copies every event of ``master_id`` to ``slave`` one to one (same symbol and volume)."""

    def __init__(self, master_id: str, slave: EaTerminal | None = None) -> None:
        self.master_id = master_id
        self.slave = slave
        self.events: list[MasterEvent] = []
        self.results: list[ExecutionResult] = []
        self.statuses: list[TerminalStatus] = []
        self.connected: dict[str, bool] = {}
        self.last_seq = 0
        self.inflight: dict[str, Command] = {}  # the outbox: commands without a result
        self.tickets: dict[int, int] = {}  # master ticket → slave ticket
        self.block: asyncio.Event | None = None  # set: on_event waits for it (slow storage)
        self.fail_next = 0  # how many on_event calls raise, as a broken store would
        self.changed = asyncio.Event()

    on_events = events_one_by_one

    async def on_event(self, event: MasterEvent) -> None:
        if self.block is not None:
            await self.block.wait()
        if self.fail_next:
            self.fail_next -= 1
            raise OSError("disk full")
        if event.seq <= self.last_seq:
            return
        self.last_seq = event.seq
        self.events.append(event)
        command = self._command(event)
        if event.new_ticket and event.ticket in self.tickets:
            self.tickets[event.new_ticket] = self.tickets[event.ticket]
        if command is not None:
            self.inflight[command.id] = command
            if self.slave is not None:
                self.slave.submit(command)
        self._poke()

    def on_result(self, result: ExecutionResult) -> None:
        self.results.append(result)
        command = self.inflight.pop(result.command_id, None)
        if command is not None and result.ok and result.slave_ticket:
            self.tickets[command.master_ticket] = result.slave_ticket
        self._poke()

    def on_status(self, status: TerminalStatus) -> None:
        previous = self.connected.get(status.account_id, False)
        self.connected[status.account_id] = status.connected
        self.statuses.append(status)
        came_back = status.connected and not previous
        if came_back and self.slave is not None and status.account_id == self.slave.account_id:
            for command in list(self.inflight.values()):  # resend the outbox, as the service does
                self.slave.submit(command)
        self._poke()

    def _command(self, event: MasterEvent) -> Command | None:
        if self.slave is None or event.account_id != self.master_id:
            return None
        kind = _COMMAND_KINDS.get(event.kind)
        if kind is None:
            return None
        volume = event.closed_volume if event.kind is EventKind.PARTIALLY_CLOSED else event.volume
        if event.kind is EventKind.CLOSED:
            volume = 0.0
        order_type = event.order_type
        if kind is CommandKind.FILL_PENDING:
            order_type = OrderType.market(event.order_type.side)
        return Command(
            id=command_id(1, event.ticket, event.seq),
            link_id=1,
            slave_id=self.slave.account_id,
            kind=kind,
            master_ticket=event.ticket,
            symbol=event.symbol,
            order_type=order_type,
            volume=volume,
            price=event.price,
            sl=event.sl,
            tp=event.tp,
            slave_ticket=self.tickets.get(event.ticket),
            comment=copy_comment(event.ticket),
            master_seq=event.seq,
        )

    def _poke(self) -> None:
        self.changed.set()
        self.changed = asyncio.Event()

    async def wait_for(self, condition: Callable[[], bool], timeout: float = 5.0) -> None:
        """Wait until ``condition()`` holds, re-checking on every event, result and status."""
        async with asyncio.timeout(timeout):
            while not condition():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.changed.wait(), 0.05)


@dataclass
class Account:
    broker: SimBroker
    account_id: str
    key: str


@dataclass
class World:
    """A bridge, a master and a slave account, their keys and the reference EAs running."""

    server: BridgeServer
    keys: MemoryKeyVerifier
    master: Account
    slave: Account
    sink: MirrorSink
    market: Market
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    eas: list[ReferenceEa] = field(default_factory=list)

    def settings(self, account: Account, role: Role, **overrides: float) -> EaSettings:
        values: dict[str, object] = {
            "poll_ms": 5,
            "backoff_base_s": 0.05,
            "backoff_cap_s": 0.2,
            "account_every_s": 0.1,
            "seed": 1,
        }
        values.update(overrides)
        return EaSettings(self.server.url, account.key, role, **values)  # type: ignore[arg-type]

    def start_ea(self, ea: ReferenceEa) -> ReferenceEa:
        self.eas.append(ea)
        self.tasks.append(asyncio.create_task(ea.run()))
        return ea

    async def stop_eas(self) -> None:
        for ea in self.eas:
            await ea.stop()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        self.eas.clear()
        self.tasks.clear()


def make_account(
    keys: MemoryKeyVerifier,
    market: Market,
    login: int,
    server: str,
    platform: Platform = Platform.MT5,
    margin: MarginMode = MarginMode.HEDGING,
) -> Account:
    account = SimAccount(login, server, platform=platform, margin_mode=margin)
    broker = SimBroker(account, catalogue("standard"), market, seed=login)
    account_id = account_id_for(platform, login, server)
    return Account(broker, account_id, keys.issue(account_id, login, server))


@contextlib.asynccontextmanager
async def bridge_world(
    config: BridgeConfig = FAST,
    master_platform: Platform = Platform.MT5,
    slave_platform: Platform = Platform.MT5,
    with_eas: bool = True,
) -> AsyncIterator[World]:
    """A running bridge with a master monitor EA and a slave executor EA, both welcomed."""
    keys = MemoryKeyVerifier()
    market = Market(seed=11)
    master = make_account(keys, market, 1001, "Master-Demo", master_platform)
    slave = make_account(keys, market, 2002, "Slave-Demo", slave_platform)
    server = BridgeServer(keys, config)
    await server.start()
    sink = MirrorSink(master.account_id, server.terminal(slave.account_id))
    await server.terminal(master.account_id).start(sink)
    await server.terminal(slave.account_id).start(sink)
    world = World(server, keys, master, slave, sink, market)
    try:
        if with_eas:
            monitor = world.start_ea(
                ReferenceEa(master.broker, world.settings(master, Role.MONITOR))
            )
            executor = world.start_ea(
                ReferenceEa(slave.broker, world.settings(slave, Role.EXECUTOR))
            )
            async with asyncio.timeout(3):
                await monitor.welcomed.wait()
                await executor.welcomed.wait()
            await sink.wait_for(lambda: server.terminal(slave.account_id).connected)
        yield world
    finally:
        await world.stop_eas()
        await world.server.stop()
