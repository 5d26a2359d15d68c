"""EaTerminal hands the copier the events that arrived while it was busy as one run
(``TerminalSink.on_events``): consecutive seqs, at most RUN_LIMIT, never across a gap or a
refused seq; one acknowledgement when the run is stored, none when it is not."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import cast

import pytest

from copier.bridge.protocol import CloseCode
from copier.bridge.session import Session
from copier.domain import ExecutionResult, MasterEvent, TerminalStatus
from copier.terminals.ea.terminal import RUN_LIMIT, EaTerminal
from tests.unit.bridge.test_bridge_event_order import MonitorSession, frame, until

pytestmark = pytest.mark.timeout(10)


class RunSink:
    """Records each run it is handed; holds each until ``let_through`` lets it go; ``refuse``
    fails runs that contain that seq."""

    def __init__(self) -> None:
        self.runs: list[list[int]] = []
        self.gate = asyncio.Semaphore(0)
        self.refuse = 0

    def let_through(self, runs: int = 1) -> None:
        for _ in range(runs):
            self.gate.release()

    async def on_event(self, event: MasterEvent) -> None:
        await self.on_events((event,))

    async def on_events(self, events: Sequence[MasterEvent]) -> None:
        self.runs.append([e.seq for e in events])
        await self.gate.acquire()
        if any(e.seq == self.refuse for e in events):
            raise RuntimeError("database or disk is full")

    def on_result(self, result: ExecutionResult) -> None:
        return None

    def on_status(self, status: TerminalStatus) -> None:
        return None


async def started() -> tuple[EaTerminal, MonitorSession, RunSink]:
    terminal = EaTerminal("m")
    session = MonitorSession()
    sink = RunSink()
    await terminal.start(sink)
    terminal.attach(cast(Session, session))
    return terminal, session, sink


async def busy_with_the_first() -> tuple[EaTerminal, MonitorSession, RunSink]:
    """A started terminal whose sink holds the run of event 1: what arrives now waits."""
    terminal, session, sink = await started()
    deliver(terminal, session, 1)
    await until(lambda: sink.runs == [[1]])
    return terminal, session, sink


def deliver(terminal: EaTerminal, session: MonitorSession, *seqs: int) -> None:
    for seq in seqs:
        terminal.deliver_event(frame(seq), cast(Session, session))


async def test_events_arriving_while_one_is_handled_go_over_together_and_are_acked_once() -> None:
    terminal, session, sink = await busy_with_the_first()
    deliver(terminal, session, 2, 3, 4)
    await asyncio.sleep(0.01)
    sink.let_through(2)

    await until(lambda: terminal.last_seq == 4)

    assert sink.runs == [[1], [2, 3, 4]]
    await until(lambda: session.acks == [1, 4])
    await terminal.stop()


async def test_a_run_ends_before_a_refused_seq_and_at_a_gap() -> None:
    terminal, session, sink = await busy_with_the_first()
    deliver(terminal, session, 2)
    terminal.skip_event(3, cast(Session, session))
    deliver(terminal, session, 4, 5, 7)
    sink.let_through(3)

    await until(lambda: terminal.last_seq == 5)
    await asyncio.sleep(0.01)

    assert sink.runs == [[1], [2], [4, 5]]  # 3 acknowledged, never handed over; 7 waits for 6
    assert session.acks == [1, 2, 3, 5]
    await terminal.stop()


async def test_a_run_is_at_most_the_run_limit() -> None:
    terminal, session, sink = await busy_with_the_first()
    deliver(terminal, session, *range(2, RUN_LIMIT + 3))
    sink.let_through(3)

    await until(lambda: terminal.last_seq == RUN_LIMIT + 2)

    assert [len(run) for run in sink.runs] == [1, RUN_LIMIT, 1]
    await terminal.stop()


async def test_an_event_of_the_run_being_handled_that_comes_again_is_not_handed_twice() -> None:
    terminal, session, sink = await busy_with_the_first()
    deliver(terminal, session, 2, 3)
    sink.let_through()
    await until(lambda: len(sink.runs) == 2)  # the run [2, 3] is being stored
    deliver(terminal, session, 2, 3)  # and comes again meanwhile (a resend)
    sink.let_through()

    await until(lambda: terminal.last_seq == 3)
    await asyncio.sleep(0.01)

    assert sink.runs == [[1], [2, 3]]
    # Nothing left held below the last seq, where it would open a gap and a needless resend.
    assert terminal.held_events == 0 and session.closed == []
    await terminal.stop()


async def test_a_run_the_copier_could_not_store_is_not_acked_and_the_monitor_resends() -> None:
    terminal, session, sink = await busy_with_the_first()
    deliver(terminal, session, 2, 3)
    sink.refuse = 3
    sink.let_through(2)

    await until(lambda: session.closed)

    assert sink.runs == [[1], [2, 3]]
    assert session.acks == [1]  # neither 2 nor 3
    assert session.closed[0][0] == CloseCode.INTERNAL_ERROR
    assert terminal.last_seq == 1 and terminal.held_events == 0
    await terminal.stop()
