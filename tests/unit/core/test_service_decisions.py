"""A result that comes back while the copy service is still storing a later decision about the
same ticket: the stored ticket link must end as the decision (and the result on top of it) says."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import pytest

from copier.domain import (
    Command,
    CommandKind,
    EventKind,
    ExecutionResult,
    MasterEvent,
    OrderType,
    Platform,
    Retcode,
    TerminalSnapshot,
)
from copier.engine.config import Link
from copier.engine.state import TicketState
from copier.events import Bus
from copier.service import CopyService
from copier.store import AccountRecord, Store
from copier.terminals.base import TerminalSink
from copier.testbed.broker.broker import SimBroker
from copier.testbed.broker.profiles import build_broker

pytestmark = pytest.mark.timeout(20)


class BrokerTerminal:
    """A connected account whose snapshot is its broker's; commands are only recorded."""

    def __init__(self, account_id: str, broker: SimBroker) -> None:
        self.account_id = account_id
        self.kind = "simulated"
        self.connected = True
        self.broker = broker
        self.commands: list[Command] = []

    async def start(self, sink: TerminalSink) -> None:
        return None

    async def stop(self) -> None:
        return None

    def submit(self, command: Command) -> None:
        self.commands.append(command)

    async def snapshot(self) -> TerminalSnapshot:
        broker = self.broker
        return TerminalSnapshot(
            account=broker.account_info(self.account_id),
            positions=tuple(p.to_domain() for p in broker.positions()),
            orders=tuple(o.to_domain() for o in broker.orders()),
            symbols=broker.symbols(),
            quotes=broker.quotes(),
            time_ms=broker.now_ms(),
        )


class GatedStore:
    """The real store, except that a decision's write is reported done only once the gate opens
    (it is queued at once, as the real store queues it)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.gate = asyncio.Event()
        self.gate.set()
        self.waiting = asyncio.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)

    async def persist_decisions(self, *args: Any, **kwargs: Any) -> None:
        written = self.store.persist_decisions(*args, **kwargs)
        self.waiting.set()
        await self.gate.wait()
        await written


def event(seq: int, kind: EventKind, ticket: int, volume: float) -> MasterEvent:
    closed = 0.1 if kind is EventKind.CLOSED else 0.0
    return MasterEvent(
        "m", seq, kind, ticket, "EURUSD", OrderType.BUY, volume, 1.1, 1, closed_volume=closed
    )


def linked_service(
    tmp_path: Path, gate: Callable[[Store], GatedStore] = GatedStore
) -> tuple[Store, GatedStore, CopyService, BrokerTerminal]:
    """A master "m" linked to a slave "s" on simulated brokers, the store behind a gate."""
    store = Store.open(path=tmp_path / "tc.db")
    for name, profile in (("m", "master-mt5"), ("s", "slave-mt5")):
        acct = build_broker(profile).account
        store.save_account(AccountRecord(name, Platform(acct.platform), acct.login, acct.server))
    store.save_link(Link(0, "m", "s"))
    gated = gate(store)
    service = CopyService(cast(Store, gated), Bus())
    slave = BrokerTerminal("s", build_broker("slave-mt5", seed=2))
    service.add_terminal(BrokerTerminal("m", build_broker("master-mt5", seed=1)))
    service.add_terminal(slave)
    return store, gated, service, slave


async def test_an_open_result_arriving_while_its_close_is_stored_leaves_the_link_closing(
    tmp_path: Path,
) -> None:
    store, gated, service, slave = linked_service(tmp_path)
    await service.start()
    try:
        await service.on_event(event(1, EventKind.OPENED, 500, 0.1))
        (open_command,) = slave.commands
        gated.gate.clear()
        gated.waiting.clear()
        closing = asyncio.create_task(service.on_event(event(2, EventKind.CLOSED, 500, 0.0)))
        await asyncio.wait_for(gated.waiting.wait(), 5)

        # The open's result comes back while the close decision is still being written.
        service.on_result(ExecutionResult(open_command.id, "s", int(Retcode.DONE), "filled",
                                          slave_ticket=9001, volume=0.1, price=1.1,
                                          executed_ms=2))  # fmt: skip
        gated.gate.set()
        await asyncio.wait_for(closing, 5)
        await store.flush()
        stored = store.load_tickets()
    finally:
        await service.stop()
        store.close()

    close_command = slave.commands[-1]
    assert close_command.kind is CommandKind.CLOSE
    assert [(t.state, t.last_command_id, t.slave_ticket) for t in stored] == [
        (TicketState.CLOSING, close_command.id, 9001)
    ]


async def test_busy_counts_an_event_whose_decision_is_still_being_written(tmp_path: Path) -> None:
    """``inflight`` only counts sent commands; ``busy`` also counts an event whose decision is not
    yet written, so a caller waiting for the copier to go quiet does not stop between the two.
    Commands go out before their decision is committed (docs/store.md): while it is written the
    command is already in flight."""
    store, gated, service, slave = linked_service(tmp_path)
    await service.start()
    try:
        gated.gate.clear()
        opening = asyncio.create_task(service.on_event(event(1, EventKind.OPENED, 500, 0.1)))
        await asyncio.wait_for(gated.waiting.wait(), 5)
        during = (service.inflight, service.busy)
        gated.gate.set()
        await asyncio.wait_for(opening, 5)
        sent = (service.inflight, service.busy)
        (command,) = slave.commands
        service.on_result(ExecutionResult(command.id, "s", int(Retcode.DONE), "filled",
                                          slave_ticket=9001, volume=0.1, price=1.1,
                                          executed_ms=2))  # fmt: skip
        done = (service.inflight, service.busy)
    finally:
        await service.stop()
        store.close()

    assert (during, sent, done) == ((1, 2), (1, 1), (0, 0))
