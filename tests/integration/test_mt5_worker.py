"""Mt5Terminal with real worker processes against stand-in terminals served by a TerminalHost.

Few tests, each spawning as few workers as it can (spawn costs about a second on these machines).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import psutil
import pytest

from copier.domain import (
    Command,
    CommandKind,
    EventKind,
    MasterEvent,
    OrderType,
    Retcode,
    copy_comment,
)
from copier.terminals.mt5 import Mt5Config, Mt5Terminal
from copier.terminals.mt5 import terminal as terminal_module
from copier.testbed.mt5standin.backend import StandIn
from copier.testbed.mt5standin.host import TerminalHost
from copier.testbed.mt5standin.profiles import TerminalProfile
from copier.testbed.mt5standin.terminal import SimTerminal
from tests.integration.test_mt5_support import RecordingSink

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
async def host() -> AsyncIterator[TerminalHost]:
    with TerminalHost() as served:
        yield served


def profile(path: str, login: int, hedging: bool = True) -> TerminalProfile:
    return TerminalProfile(path=path, login=login, server="Sim-Demo", hedging=hedging,
                           balance=100_000.0)  # fmt: skip


def adapter(host: TerminalHost, p: TerminalProfile, **options: Any) -> Mt5Terminal:
    config = Mt5Config(path=p.path, login=p.login, server=p.server, symbols=("EURUSD",),
                       backend=StandIn(endpoint=host.endpoint), **options)  # fmt: skip
    return Mt5Terminal(config)


def deal(t: SimTerminal, side: int, volume: float, position: int = 0) -> Any:
    request = {
        "action": 1,
        "symbol": "EURUSD",
        "volume": volume,
        "type": side,
        "position": position,
    }
    result = t.call("order_send", request)
    assert result.retcode == 10009, result.comment
    return result


async def step(
    sink: RecordingSink, action: Callable[[], Any], kinds: list[EventKind]
) -> list[MasterEvent]:
    before = len(sink.events)
    action()
    await sink.until(lambda: len(sink.events) >= before + len(kinds), f"events {kinds}")
    events = sink.events[before:]
    assert [e.kind for e in events] == kinds
    return events


async def test_every_event_kind_is_detected_on_hedging_and_netting_masters_at_once(
    host: TerminalHost,
) -> None:
    hedging, netting = profile("C:/MT5/hedging", 3001), profile("C:/MT5/netting", 3002, False)
    h, n = host.add(hedging), host.add(netting)
    for terminal in (h, n):
        terminal.call("symbol_select", "EURUSD", True)
    h_sink, n_sink = RecordingSink(), RecordingSink()
    h_adapter, n_adapter = adapter(host, hedging), adapter(host, netting)
    await asyncio.gather(h_adapter.start(h_sink), n_adapter.start(n_sink))
    try:
        await h_sink.until(lambda: h_adapter.connected and n_adapter.connected, "both connected")
        assert h_adapter.worker_pid != n_adapter.worker_pid

        # Hedging: open, SL/TP, partial close, full close, pending placed/modified/deleted/filled.
        done: list[Any] = []
        (e,) = await step(h_sink, lambda: done.append(deal(h, 0, 0.5)), [EventKind.OPENED])
        opened = done[0]
        ticket = opened.order
        assert (e.ticket, e.volume, e.price) == (ticket, 0.5, opened.price)
        bid = h.call("symbol_info_tick", "EURUSD").bid
        sltp = {"action": 6, "position": ticket, "symbol": "EURUSD", "sl": round(bid - 0.01, 5)}
        (e,) = await step(h_sink, lambda: h.call("order_send", sltp), [EventKind.MODIFIED])
        assert e.sl == round(bid - 0.01, 5)
        closing: list[Any] = []
        (e,) = await step(h_sink, lambda: closing.append(deal(h, 1, 0.2, ticket)),
                          [EventKind.PARTIALLY_CLOSED])  # fmt: skip
        assert (e.volume, e.closed_volume, e.price) == (0.3, 0.2, closing[0].price)
        (e,) = await step(h_sink, lambda: closing.append(deal(h, 1, 0.3, ticket)),
                          [EventKind.CLOSED])  # fmt: skip
        assert (e.closed_volume, e.price) == (0.3, closing[1].price)
        ask = h.call("symbol_info_tick", "EURUSD").ask
        place = {"action": 5, "symbol": "EURUSD", "volume": 0.1, "type": 4,
                 "price": round(ask + 0.002, 5), "type_filling": 2}  # fmt: skip
        placed: list[Any] = []
        (e,) = await step(h_sink, lambda: placed.append(h.call("order_send", place)),
                          [EventKind.PENDING_PLACED])  # fmt: skip
        order = placed[0].order
        move = {"action": 7, "order": order, "price": round(ask + 0.003, 5)}
        await step(h_sink, lambda: h.call("order_send", move), [EventKind.PENDING_MODIFIED])
        (e,) = await step(h_sink, lambda: h.move_market("EURUSD", ask + 0.004),
                          [EventKind.PENDING_FILLED])  # fmt: skip
        assert (e.ticket, e.order_type, e.volume) == (order, OrderType.BUY_STOP, 0.1)
        place["price"] = round(h.call("symbol_info_tick", "EURUSD").ask + 0.002, 5)
        placed.clear()
        await step(h_sink, lambda: placed.append(h.call("order_send", place)),
                   [EventKind.PENDING_PLACED])  # fmt: skip
        remove = {"action": 8, "order": placed[0].order}
        await step(h_sink, lambda: h.call("order_send", remove), [EventKind.PENDING_DELETED])

        # Netting: open, increase, reduce, reverse (closed then opened), close.
        done.clear()
        (e,) = await step(n_sink, lambda: done.append(deal(n, 0, 0.3)), [EventKind.OPENED])
        first = done[0]
        position = e.ticket
        added: list[Any] = []
        (e,) = await step(n_sink, lambda: added.append(deal(n, 0, 0.2)), [EventKind.INCREASED])
        assert (e.volume, e.price) == (0.5, added[0].price)
        (e,) = await step(n_sink, lambda: deal(n, 1, 0.1), [EventKind.PARTIALLY_CLOSED])
        assert (e.volume, e.closed_volume) == (0.4, 0.1)
        # The reversal keeps the identifier and takes the reversing order's ticket
        # (https://www.mql5.com/en/docs/constants/tradingconstants/positionproperties): one
        # CLOSED of the old ticket, then one OPENED of the new.
        reversing: list[Any] = []
        closed, reopened = await step(
            n_sink, lambda: reversing.append(deal(n, 1, 1.0)), [EventKind.CLOSED, EventKind.OPENED]
        )
        assert (closed.order_type, closed.closed_volume, closed.ticket) == (
            OrderType.BUY, 0.4, position,
        )  # fmt: skip
        assert (reopened.order_type, reopened.volume, reopened.ticket) == (
            OrderType.SELL, 0.6, reversing[0].order,
        )  # fmt: skip
        assert reopened.ticket != position
        await step(n_sink, lambda: deal(n, 0, 0.6), [EventKind.CLOSED])
        assert first.order == position

        for sink in (h_sink, n_sink):
            assert [e.seq for e in sink.events] == list(range(1, len(sink.events) + 1))
            assert all(e.received_ms >= e.time_ms > 0 for e in sink.events)
    finally:
        await asyncio.gather(h_adapter.stop(), n_adapter.stop())


async def test_ipc_errors_make_the_worker_reconnect_and_carry_on(host: TerminalHost) -> None:
    p = profile("C:/MT5/flaky", 3003)
    terminal = host.add(p)
    sink = RecordingSink()
    mt5 = adapter(host, p, reconnect_min_ms=20)
    await mt5.start(sink)
    try:
        await sink.until(lambda: mt5.connected, "connected")
        seen = len(sink.statuses)
        terminal.fail_next(5, code=-10004)
        await sink.until(lambda: went(sink, seen, False), "the lost link reported")
        lost_at = len(sink.statuses)
        await sink.until(lambda: went(sink, lost_at, True), "reconnected")

        seen = len(sink.statuses)
        terminal.go_down()
        await sink.until(lambda: went(sink, seen, False), "the closed terminal reported")
        mt5.submit(open_command("C1", 910_001))
        terminal.come_up()
        await sink.until(lambda: len(sink.results) == 1, "the command run after reconnecting")

        assert sink.results[0].retcode == Retcode.DONE
        assert any("No IPC connection" in s.detail or "no connection" in s.detail
                   for s in sink.statuses if not s.connected)  # fmt: skip
        assert len(terminal.call("positions_get")) == 1
    finally:
        await mt5.stop()


def went(sink: RecordingSink, since: int, connected: bool) -> bool:
    """A status since index ``since`` said connected/disconnected (it may have flipped back)."""
    return any(s.connected is connected for s in sink.statuses[since:])


def open_command(command_id: str, master_ticket: int) -> Command:
    return Command(
        id=command_id, link_id=1, slave_id="mt5-3004", kind=CommandKind.OPEN,
        master_ticket=master_ticket, symbol="EURUSD", order_type=OrderType.BUY, volume=0.1,
        magic=5, comment=copy_comment(master_ticket), created_ms=int(time.time() * 1000),
    )  # fmt: skip


async def test_a_killed_worker_is_restarted_and_nothing_is_duplicated(host: TerminalHost) -> None:
    p = profile("C:/MT5/crashy", 3004)
    terminal = host.add(p)
    terminal.call("symbol_select", "EURUSD", True)
    sink = RecordingSink()
    mt5 = adapter(host, p, reconnect_min_ms=300)
    await mt5.start(sink)
    try:
        await sink.until(lambda: mt5.connected, "connected")
        mt5.submit(open_command("before", 920_001))
        await sink.until(lambda: len(sink.results) == 1 and len(sink.events) == 1, "first copy")
        first_pid = mt5.worker_pid

        assert first_pid is not None
        psutil.Process(first_pid).kill()  # SIGKILL on POSIX, TerminateProcess on Windows
        # While the worker is down: the command it may have run is resent, and it had run
        # (its position is there, result lost); the account also changes by hand.
        in_flight = open_command("in-flight", 920_002)
        mt5.submit(in_flight)
        already = deal_with_comment(terminal, in_flight)
        deal(terminal, 1, 0.2)
        await sink.until(lambda: len(sink.results) == 2, "the in-flight command's one result")
        await sink.until(lambda: len(sink.events) == 3, "changes made while the worker was down")
        mt5.submit(open_command("before", 920_001))  # a repeat of a finished command
        await sink.until(lambda: len(sink.results) == 3, "the repeat answered")

        assert mt5.worker_pid != first_pid and mt5.restarts == 1
        assert sink.results[1].retcode == Retcode.DUPLICATE
        assert sink.results[1].slave_ticket == already.order
        assert sink.results[2] == sink.results[0]
        assert len(terminal.call("positions_get")) == 3  # 'before', 'in-flight', the manual one
        assert [e.seq for e in sink.events] == [1, 2, 3]
        assert [e.kind for e in sink.events] == [EventKind.OPENED] * 3
    finally:
        await mt5.stop()


def deal_with_comment(t: SimTerminal, command: Command) -> Any:
    request = {"action": 1, "symbol": "EURUSD", "volume": 0.1, "type": 0, "magic": command.magic,
               "comment": command.comment}  # fmt: skip
    result = t.call("order_send", request)
    assert result.retcode == 10009
    return result


async def test_a_terminal_logged_in_to_another_account_is_refused_in_words(
    host: TerminalHost,
) -> None:
    p = profile("C:/MT5/other", 3005)
    host.add(p)
    config = Mt5Config(path=p.path, login=9999, server=p.server,
                       backend=StandIn(endpoint=host.endpoint),
                       reconnect_min_ms=50)  # fmt: skip
    sink = RecordingSink()
    mt5 = Mt5Terminal(config)
    await mt5.start(sink)
    try:
        await sink.until(lambda: any(not s.connected for s in sink.statuses), "a refusal")

        assert not mt5.connected
        assert "login failed" in sink.statuses[-1].detail or "not 9999" in sink.statuses[-1].detail
    finally:
        await mt5.stop()


class _RefusingOnce:
    """A spawn context whose next process refuses to start once, as a loaded machine may
    (EAGAIN, a full process table), then starts as usual."""

    def __init__(self, context: Any) -> None:
        self._context = context
        self.refused = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context, name)

    def Process(self, *args: Any, **kwargs: Any) -> Any:  # multiprocessing's name
        process = self._context.Process(*args, **kwargs)
        if self.refused == 0:
            self.refused += 1

            def refuse() -> None:
                raise BlockingIOError(11, "Resource temporarily unavailable")

            process.start = refuse
        return process


async def test_a_worker_that_cannot_be_started_again_at_once_is_retried(
    host: TerminalHost, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = profile("C:/MT5/refused", 3006)
    terminal = host.add(p)
    terminal.call("symbol_select", "EURUSD", True)
    sink = RecordingSink()
    mt5 = adapter(host, p, reconnect_min_ms=20, reconnect_max_ms=200)
    await mt5.start(sink)
    try:
        await sink.until(lambda: mt5.connected, "connected")
        first_pid = mt5.worker_pid
        refusing = _RefusingOnce(multiprocessing.get_context("spawn"))
        monkeypatch.setattr(terminal_module.multiprocessing, "get_context", lambda _: refusing)
        assert first_pid is not None
        psutil.Process(first_pid).kill()
        await sink.until(
            lambda: refusing.refused == 1 and mt5.connected and mt5.worker_pid != first_pid,
            "a new worker after the refusal",
        )
        mt5.submit(open_command("after", 930_001))
        await sink.until(lambda: len(sink.results) == 1, "a command on the new worker")

        assert sink.results[0].retcode == Retcode.DONE
        assert any("could not be started again" in s.detail for s in sink.statuses)
    finally:
        await mt5.stop()
