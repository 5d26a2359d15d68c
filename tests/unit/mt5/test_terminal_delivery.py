"""The MT5 adapter moves its baseline forward as soon as a worker reports changes, and hands the
events to the copier from a task of its own: until the copier has taken them they are counted
as undelivered, so nobody reading the baseline mistakes them for handled."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from copier.domain import EventKind, ExecutionResult, MasterEvent, OrderType, TerminalStatus
from copier.terminals.base import events_one_by_one
from copier.terminals.mt5 import Mt5Terminal
from copier.terminals.mt5.config import Mt5Config
from copier.terminals.mt5.protocol import Baseline, Changes

pytestmark = pytest.mark.timeout(10)


class HeldSink:
    """Takes each event only when the test lets it through."""

    def __init__(self) -> None:
        self.gate = asyncio.Semaphore(0)
        self.taken: list[MasterEvent] = []

    on_events = events_one_by_one

    async def on_event(self, event: MasterEvent) -> None:
        await self.gate.acquire()
        self.taken.append(event)

    def on_result(self, result: ExecutionResult) -> None:
        return None

    def on_status(self, status: TerminalStatus) -> None:
        return None


def opened(ticket: int) -> MasterEvent:
    return MasterEvent("mt5-7001", 0, EventKind.OPENED, ticket, "EURUSD", OrderType.BUY, 0.1,
                       1.1, 1)  # fmt: skip


async def test_events_count_as_undelivered_until_the_copier_has_taken_their_poll() -> None:
    """The changes of one poll go to the copier as one run, stored in one commit: none of them
    is taken until all are (docs/store.md, "Events that arrive together")."""
    terminal = Mt5Terminal(Mt5Config(path="C:/MT5", login=7001, server="Sim-Demo"))
    sink = HeldSink()
    terminal._sink = sink  # the delivery task alone, without a worker process
    delivery = asyncio.create_task(terminal._run_delivery())
    try:
        await terminal._deliver(Changes((opened(1), opened(2)), Baseline()))
        await asyncio.sleep(0.01)
        before = terminal.undelivered_events
        sink.gate.release()
        while len(sink.taken) < 1:
            await asyncio.sleep(0.001)
        await asyncio.sleep(0.01)
        after_one = terminal.undelivered_events
        sink.gate.release()
        while len(sink.taken) < 2:
            await asyncio.sleep(0.001)
        await asyncio.sleep(0.01)
        after_both = terminal.undelivered_events
    finally:
        delivery.cancel()

    assert terminal.baseline == Baseline()
    assert (before, after_one, after_both) == (2, 2, 0)
    assert [e.seq for e in sink.taken] == [1, 2]


class RunSink:
    def __init__(self) -> None:
        self.runs: list[list[int]] = []

    async def on_event(self, event: MasterEvent) -> None:
        await self.on_events((event,))

    async def on_events(self, events: Sequence[MasterEvent]) -> None:
        self.runs.append([e.seq for e in events])

    def on_result(self, result: ExecutionResult) -> None:
        return None

    def on_status(self, status: TerminalStatus) -> None:
        return None


async def test_the_changes_of_one_poll_go_over_as_one_run_numbered_on_from_the_last() -> None:
    terminal = Mt5Terminal(Mt5Config(path="C:/MT5", login=7001, server="Sim-Demo"))
    sink = RunSink()
    terminal._sink = sink
    delivery = asyncio.create_task(terminal._run_delivery())
    try:
        await terminal._deliver(Changes((opened(1), opened(2), opened(3)), Baseline()))
        await terminal._deliver(Changes((opened(4),), Baseline()))
        while terminal.undelivered_events:
            await asyncio.sleep(0.001)
    finally:
        delivery.cancel()

    assert sink.runs == [[1, 2, 3], [4]]
