"""EaTerminal takes events in whatever order the wire brings them and hands them to the copier in
``seq`` order; its acknowledgement never covers a seq it has not handled, and a gap that stays
open makes the monitor resend."""

from __future__ import annotations

import asyncio
from typing import Any, cast

import pytest

from copier.bridge.protocol import CloseCode, Event, Role
from copier.bridge.session import Session
from copier.domain import EventKind, ExecutionResult, MasterEvent, OrderType, TerminalStatus
from copier.terminals.base import events_one_by_one
from copier.terminals.ea.terminal import EaTerminal

pytestmark = pytest.mark.timeout(10)


class MonitorSession:
    """What the terminal asks of a monitor session: acknowledgements and closes, recorded."""

    role = Role.MONITOR

    def __init__(self) -> None:
        self.acks: list[int] = []
        self.closed: list[tuple[int, str]] = []
        self.closing = False

    def ack_later(self, seq: int) -> None:
        self.acks.append(seq)

    def close_soon(self, code: CloseCode, reason: str) -> None:
        self.closed.append((int(code), reason))

    def send(self, frame: str) -> bool:
        return True


class RecordingSink:
    def __init__(self, session: MonitorSession) -> None:
        self.session = session
        self.seen: list[int] = []
        self.acked_when_seen: list[int] = []

    on_events = events_one_by_one

    async def on_event(self, event: MasterEvent) -> None:
        self.acked_when_seen.append(max(self.session.acks, default=0))
        await asyncio.sleep(0)
        self.seen.append(event.seq)

    def on_result(self, result: ExecutionResult) -> None:
        return None

    def on_status(self, status: TerminalStatus) -> None:
        return None


def frame(seq: int) -> Event:
    return Event(seq=seq, kind=EventKind.OPENED, ticket=100 + seq, sym="EURUSD",
                 type=OrderType.BUY, vol=0.1, price=1.1, time=1)  # fmt: skip


async def started(gap_wait_s: float = 2.0) -> tuple[EaTerminal, MonitorSession, RecordingSink]:
    terminal = EaTerminal("m", gap_wait_s=gap_wait_s)
    session = MonitorSession()
    sink = RecordingSink(session)
    await terminal.start(sink)
    terminal.attach(cast(Session, session))
    return terminal, session, sink


async def until(condition: Any) -> None:
    async with asyncio.timeout(5):
        while not condition():
            await asyncio.sleep(0.001)


async def test_events_arriving_out_of_order_are_handled_in_seq_order() -> None:
    terminal, session, sink = await started()
    for seq in (2, 4, 1, 3):
        terminal.deliver_event(frame(seq), cast(Session, session))

    await until(lambda: sink.seen == [1, 2, 3, 4])

    assert terminal.last_seq == 4
    await terminal.stop()


async def test_an_ack_never_covers_an_event_above_a_gap() -> None:
    terminal, session, sink = await started()
    terminal.deliver_event(frame(2), cast(Session, session))
    terminal.deliver_event(frame(3), cast(Session, session))
    await asyncio.sleep(0.05)
    acked_before_the_gap_filled = max(session.acks, default=0)

    terminal.deliver_event(frame(1), cast(Session, session))
    await until(lambda: sink.seen == [1, 2, 3])

    assert acked_before_the_gap_filled == 0
    assert sink.seen == [1, 2, 3]
    await until(lambda: max(session.acks, default=0) == 3)
    await terminal.stop()


async def test_a_duplicated_event_is_handled_once() -> None:
    terminal, session, sink = await started()
    for seq in (1, 1, 2, 1, 2):
        terminal.deliver_event(frame(seq), cast(Session, session))

    await until(lambda: terminal.last_seq == 2)
    await asyncio.sleep(0.02)

    assert sink.seen == [1, 2]
    await terminal.stop()


async def test_a_gap_that_stays_open_makes_the_monitor_resend_from_the_last_ack() -> None:
    terminal, session, sink = await started(gap_wait_s=0.05)  # the production wait is 2 s
    terminal.deliver_event(frame(2), cast(Session, session))

    await until(lambda: session.closed)

    assert session.closed[0][0] == CloseCode.INTERNAL_ERROR
    assert "event 1 never arrived" in session.closed[0][1]
    assert sink.seen == [] and terminal.held_events == 0
    await terminal.stop()
