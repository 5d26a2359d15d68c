"""The simulated terminal as the copier sees it: master events in seq order, one result per
command, idempotent execution, and recognition of its own copies after a terminal restart."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from copier.domain import (
    Command,
    CommandKind,
    EventKind,
    ExecutionResult,
    MasterEvent,
    OrderType,
    Retcode,
    Side,
    TerminalStatus,
    command_id,
    copy_comment,
)
from copier.terminals.base import Terminal, events_one_by_one
from copier.terminals.simulated import SimulatedTerminal
from copier.testbed.broker import BrokerFaults, ManualClock, Market, SimBroker

pytestmark = pytest.mark.timeout(20)


class RecordingSink:
    """A copier stand-in that records what the terminal hands it."""

    def __init__(self, fail_first_events: int = 0) -> None:
        self.events: list[MasterEvent] = []
        self.results: list[ExecutionResult] = []
        self.statuses: list[TerminalStatus] = []
        self.refusals_left = fail_first_events

    on_events = events_one_by_one

    async def on_event(self, event: MasterEvent) -> None:
        if self.refusals_left:
            self.refusals_left -= 1
            raise RuntimeError("store is busy")
        self.events.append(event)

    def on_result(self, result: ExecutionResult) -> None:
        self.results.append(result)

    def on_status(self, status: TerminalStatus) -> None:
        self.statuses.append(status)


async def until(condition: Callable[[], bool], seconds: float = 3.0) -> None:
    async with asyncio.timeout(seconds):
        while not condition():
            await asyncio.sleep(0.002)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start_ms=1_767_258_000_000)


@pytest.fixture
def market(clock: ManualClock) -> Market:
    return Market(seed=3, start_ms=clock.now_ms())


def terminal_for(name: str, market: Market, clock: ManualClock) -> SimulatedTerminal:
    return SimulatedTerminal.from_profile(name, seed=1, market=market, clock=clock, tick_ms=1.0)


def set_bid(broker: SimBroker, symbol: str, bid: float) -> None:
    listing = broker.listing(symbol)
    assert listing is not None
    broker.market.set_mid(listing.underlying, bid + listing.spread_points * listing.spec.point / 2)


@pytest.fixture
async def master(market: Market, clock: ManualClock) -> AsyncIterator[SimulatedTerminal]:
    terminal = terminal_for("master-mt5", market, clock)
    yield terminal
    await terminal.stop()


def test_the_simulated_terminal_is_a_terminal(market: Market, clock: ManualClock) -> None:
    terminal = terminal_for("slave-mt5", market, clock)

    assert isinstance(terminal, Terminal)
    assert terminal.kind == "simulated"


async def test_master_reports_every_kind_of_change_in_seq_order(
    master: SimulatedTerminal,
) -> None:
    sink = RecordingSink()
    broker = master.broker
    await master.start(sink)
    set_bid(broker, "EURUSD", 1.10000)

    ticket = broker.open_market("EURUSD", Side.BUY, 0.5).position
    broker.close_position(ticket, 0.2)
    broker.modify_position(ticket, sl=1.09000, tp=0.0)
    limit = broker.place_pending("EURUSD", OrderType.BUY_LIMIT, 0.1, 1.09800).order
    broker.modify_pending(limit, price=1.09850)
    stop = broker.place_pending("EURUSD", OrderType.SELL_STOP, 0.1, 1.09500).order
    broker.delete_pending(stop)
    set_bid(broker, "EURUSD", 1.09840)  # the market task fills the buy limit
    await until(lambda: broker.position(limit) is not None)
    set_bid(broker, "EURUSD", 1.08990)  # and then hits the SL of the first position
    await until(lambda: broker.position(ticket) is None)
    broker.close_position(limit)
    await until(lambda: len(sink.events) == 10)

    assert [e.kind for e in sink.events] == [
        EventKind.OPENED,
        EventKind.PARTIALLY_CLOSED,
        EventKind.MODIFIED,
        EventKind.PENDING_PLACED,
        EventKind.PENDING_MODIFIED,
        EventKind.PENDING_PLACED,
        EventKind.PENDING_DELETED,
        EventKind.PENDING_FILLED,
        EventKind.CLOSED,  # SL hit, server side
        EventKind.CLOSED,
    ]
    assert [e.seq for e in sink.events] == list(range(1, 11))
    assert {e.account_id for e in sink.events} == {master.account_id}
    partial, sl_hit = sink.events[1], sink.events[8]
    assert (partial.volume, partial.closed_volume, partial.new_ticket) == (0.3, 0.2, None)
    assert (sl_hit.ticket, sl_hit.closed_volume, sl_hit.price) == (ticket, 0.3, 1.08990)
    assert sink.events[4].price == 1.09850
    assert sink.events[7].new_ticket is None


async def test_events_carry_detection_and_receipt_times(
    master: SimulatedTerminal, clock: ManualClock
) -> None:
    sink = RecordingSink()
    await master.start(sink)

    master.broker.open_market("EURUSD", Side.SELL, 0.1)
    await until(lambda: len(sink.events) == 1)

    event = sink.events[0]
    assert event.time_ms == clock.now_ms()
    assert event.received_ms >= event.time_ms


async def test_mt4_master_reports_the_renumbered_remainder(
    market: Market, clock: ManualClock
) -> None:
    terminal = terminal_for("master-mt4", market, clock)
    sink = RecordingSink()
    await terminal.start(sink)
    broker = terminal.broker

    old = broker.open_market("EURUSD", Side.BUY, 1.0).position
    new = broker.close_position(old, 0.4).position
    await until(lambda: len(sink.events) == 2)
    await terminal.stop()

    partial = sink.events[1]
    assert (partial.kind, partial.ticket, partial.new_ticket) == (
        EventKind.PARTIALLY_CLOSED,
        old,
        new,
    )
    assert partial.closed_fraction == pytest.approx(0.4)


async def test_netting_master_reports_increases_and_a_reversal_as_close_then_open(
    market: Market, clock: ManualClock
) -> None:
    terminal = terminal_for("master-mt5-netting", market, clock)
    sink = RecordingSink()
    await terminal.start(sink)
    broker = terminal.broker

    set_bid(broker, "EURUSD", 1.10000)
    ticket = broker.open_market("EURUSD", Side.BUY, 0.2).position
    broker.open_market("EURUSD", Side.BUY, 0.3)
    broker.open_market("EURUSD", Side.SELL, 0.1)
    broker.open_market("EURUSD", Side.SELL, 1.0)
    order = broker.place_pending("EURUSD", OrderType.SELL_LIMIT, 0.2, 1.10100).order
    set_bid(broker, "EURUSD", 1.10110)  # the market task fills it into the position
    await until(lambda: len(sink.events) == 7)
    await terminal.stop()

    assert [(e.kind, e.ticket, e.side, e.volume) for e in sink.events] == [
        (EventKind.OPENED, ticket, Side.BUY, 0.2),
        (EventKind.INCREASED, ticket, Side.BUY, 0.5),
        (EventKind.PARTIALLY_CLOSED, ticket, Side.BUY, 0.4),
        (EventKind.CLOSED, ticket, Side.BUY, 0.0),
        (EventKind.OPENED, ticket, Side.SELL, 0.6),
        (EventKind.PENDING_PLACED, order, Side.SELL, 0.2),
        (EventKind.PENDING_FILLED, order, Side.SELL, 0.2),
    ]
    assert sink.events[-1].new_ticket == ticket  # it went into the symbol's one position
    assert broker.positions()[0].volume == 0.8


async def test_an_event_the_copier_failed_to_take_is_sent_again_with_the_same_seq(
    master: SimulatedTerminal,
) -> None:
    sink = RecordingSink(fail_first_events=2)
    await master.start(sink)

    master.broker.open_market("EURUSD", Side.BUY, 0.1)
    master.broker.open_market("GBPUSD", Side.BUY, 0.1)
    await until(lambda: len(sink.events) == 2)

    assert [(e.seq, e.symbol) for e in sink.events] == [(1, "EURUSD"), (2, "GBPUSD")]


async def test_changes_while_stopped_are_delivered_after_the_next_start(
    master: SimulatedTerminal,
) -> None:
    sink = RecordingSink()
    await master.start(sink)
    master.broker.open_market("EURUSD", Side.BUY, 0.1)
    await until(lambda: len(sink.events) == 1)
    await master.stop()

    master.broker.open_market("EURUSD", Side.SELL, 0.2)
    await master.start(sink)
    await until(lambda: len(sink.events) == 2)

    assert [e.seq for e in sink.events] == [1, 2]
    assert [s.connected for s in sink.statuses][:3] == [True, False, True]


async def test_random_trader_drives_a_stream_of_events_with_increasing_seq(
    market: Market,
) -> None:
    terminal = SimulatedTerminal.from_profile("master-mt5", seed=5, market=market, tick_ms=2.0)
    sink = RecordingSink()
    await terminal.start(sink)

    terminal.start_trader(seed=11, interval_ms=1.0, steps=80)
    await terminal.trader_done()
    await until(lambda: len(sink.events) >= 80)
    await terminal.stop()

    assert [e.seq for e in sink.events] == list(range(1, len(sink.events) + 1))
    assert len({e.kind for e in sink.events}) >= 5


# --- the slave side ----------------------------------------------------------------------------


def command(
    kind: CommandKind,
    master_ticket: int,
    seq: int,
    symbol: str = "EURUSD",
    order_type: OrderType = OrderType.BUY,
    **kw: Any,
) -> Command:
    return Command(
        id=command_id(1, master_ticket, seq),
        link_id=1,
        slave_id="slave",
        kind=kind,
        master_ticket=master_ticket,
        symbol=symbol,
        order_type=order_type,
        comment=copy_comment(master_ticket),
        master_seq=seq,
        **kw,
    )


@pytest.fixture
async def slave(market: Market, clock: ManualClock) -> AsyncIterator[SimulatedTerminal]:
    terminal = terminal_for("slave-mt5", market, clock)
    yield terminal
    await terminal.stop()


async def run(terminal: SimulatedTerminal, sink: RecordingSink, cmd: Command) -> ExecutionResult:
    before = len(sink.results)
    terminal.submit(cmd)
    await until(lambda: len(sink.results) > before)
    return sink.results[-1]


async def test_slave_executes_each_kind_of_command_with_one_result_each(
    slave: SimulatedTerminal,
) -> None:
    sink = RecordingSink()
    await slave.start(sink)
    broker = slave.broker
    set_bid(broker, "EURUSD", 1.10000)

    opened = await run(slave, sink, command(CommandKind.OPEN, 100, 1, volume=0.5))
    t = opened.slave_ticket
    modified = await run(
        slave, sink, command(CommandKind.MODIFY, 100, 2, slave_ticket=t, sl=1.09000, tp=1.12000)
    )
    partial = await run(slave, sink, command(CommandKind.CLOSE, 100, 3, slave_ticket=t, volume=0.2))
    placed = await run(
        slave,
        sink,
        command(
            CommandKind.PLACE_PENDING,
            200,
            4,
            order_type=OrderType.BUY_LIMIT,
            volume=0.1,
            price=1.09500,
        ),
    )
    o = placed.slave_ticket
    moved = await run(
        slave,
        sink,
        command(
            CommandKind.MODIFY_PENDING,
            200,
            5,
            order_type=OrderType.BUY_LIMIT,
            slave_ticket=o,
            price=1.09400,
        ),
    )
    filled = await run(
        slave,
        sink,
        command(
            CommandKind.FILL_PENDING,
            200,
            6,
            order_type=OrderType.BUY_LIMIT,
            slave_ticket=o,
            volume=0.1,
        ),
    )
    other = await run(
        slave,
        sink,
        command(
            CommandKind.PLACE_PENDING,
            300,
            7,
            order_type=OrderType.SELL_STOP,
            volume=0.1,
            price=1.09000,
        ),
    )
    deleted = await run(
        slave,
        sink,
        command(
            CommandKind.DELETE_PENDING,
            300,
            8,
            order_type=OrderType.SELL_STOP,
            slave_ticket=other.slave_ticket,
        ),
    )
    closed = await run(slave, sink, command(CommandKind.CLOSE, 100, 9, slave_ticket=t))

    results = [opened, modified, partial, placed, moved, filled, other, deleted, closed]
    assert [r.retcode for r in results] == [Retcode.DONE] * 9
    assert len(sink.results) == 9
    assert (modified.sl, modified.tp) == (1.09000, 1.12000)
    assert (partial.volume, partial.slave_ticket) == (0.2, t)
    assert moved.price == 1.09400
    # The copy was still pending: deleted, then bought at market.
    assert o is not None and broker.order(o) is None
    assert filled.slave_ticket is not None and broker.position(filled.slave_ticket) is not None
    assert other.slave_ticket is not None and broker.order(other.slave_ticket) is None
    assert t is not None and broker.position(t) is None
    assert closed.volume == 0.3
    assert {r.command_id for r in results} == {
        f"L1-T{m}-S{s}"
        for m, s in [
            (100, 1),
            (100, 2),
            (100, 3),
            (200, 4),
            (200, 5),
            (200, 6),
            (300, 7),
            (300, 8),
            (100, 9),
        ]
    }


async def test_a_command_submitted_twice_executes_once(slave: SimulatedTerminal) -> None:
    sink = RecordingSink()
    await slave.start(sink)
    open_ = command(CommandKind.OPEN, 100, 1, volume=0.1)

    slave.submit(open_)
    slave.submit(open_)
    await until(lambda: len(sink.results) == 2)

    assert len(slave.broker.positions()) == 1
    assert sink.results[0] == sink.results[1]
    assert sink.results[0].retcode == Retcode.DONE


async def test_after_a_restart_a_resent_open_is_a_duplicate_found_by_its_comment(
    slave: SimulatedTerminal,
) -> None:
    sink = RecordingSink()
    await slave.start(sink)
    open_ = command(CommandKind.OPEN, 4242, 1, volume=0.1)
    first = await run(slave, sink, open_)

    slave.restart()
    again = await run(slave, sink, open_)

    assert again.retcode == Retcode.DUPLICATE
    assert again.slave_ticket == first.slave_ticket
    assert again.ok
    assert len(slave.broker.positions()) == 1


async def test_commands_wait_for_the_brokers_execution_delay(
    market: Market, clock: ManualClock
) -> None:
    terminal = terminal_for("slave-ecn", market, clock)  # 20 ms execution delay
    sink = RecordingSink()
    await terminal.start(sink)
    loop = asyncio.get_running_loop()

    started = loop.time()
    result = await run(terminal, sink, command(CommandKind.OPEN, 1, 1, volume=0.1))
    waited = loop.time() - started
    await terminal.stop()

    assert result.retcode == Retcode.DONE
    assert waited >= 0.019


async def test_requotes_are_retried_until_the_order_fills(
    market: Market, clock: ManualClock
) -> None:
    terminal = terminal_for("slave-mt5", market, clock)
    terminal.broker.faults = BrokerFaults(requote_probability=0.5)
    sink = RecordingSink()
    await terminal.start(sink)

    results = [
        await run(terminal, sink, command(CommandKind.OPEN, t, 1, volume=0.1)) for t in range(1, 9)
    ]
    await terminal.stop()

    assert sum(r.retcode == Retcode.DONE for r in results) >= 7
    assert len(terminal.broker.positions()) == sum(r.retcode == Retcode.DONE for r in results)


async def test_commands_submitted_before_start_run_once_started(slave: SimulatedTerminal) -> None:
    sink = RecordingSink()
    slave.submit(command(CommandKind.OPEN, 7, 1, volume=0.1))

    await slave.start(sink)
    await until(lambda: len(sink.results) == 1)

    assert sink.results[0].retcode == Retcode.DONE


async def test_snapshot_reads_the_account_from_the_broker(slave: SimulatedTerminal) -> None:
    sink = RecordingSink()
    await slave.start(sink)
    opened = await run(slave, sink, command(CommandKind.OPEN, 55, 1, volume=0.2))

    snap = await slave.snapshot()

    assert snap.account.account_id == slave.account_id
    assert snap.account.login == slave.broker.account.login
    assert [(p.ticket, p.volume, p.comment) for p in snap.positions] == [
        (opened.slave_ticket, 0.2, "TC|55")
    ]
    assert {"EURUSD", "XAUUSD", "GER40"} <= set(snap.symbols)
    assert snap.quotes["EURUSD"].ask > snap.quotes["EURUSD"].bid


async def test_status_reports_connection_and_account(slave: SimulatedTerminal) -> None:
    sink = RecordingSink()

    await slave.start(sink)
    await slave.stop()

    first, last = sink.statuses[0], sink.statuses[-1]
    assert (first.connected, last.connected) == (True, False)
    assert first.account is not None and first.account.balance == 5_000.0
    assert first.detail == "simulated terminal (slave-mt5)"
