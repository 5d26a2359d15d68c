"""Trades copied through real sockets: reference EAs on simulated accounts, a bridge on port 0."""

from __future__ import annotations

import asyncio

import pytest
from test_bridge_support import FAST, MirrorSink, World, bridge_world

from copier.bridge import Role
from copier.domain import EventKind, OrderType, Platform, Retcode, Side
from copier.testbed.refea import ReferenceEa
from tests.perf import PerfFigures

pytestmark = pytest.mark.timeout(20)


def _slave_position(world: World, master_ticket: int):  # type: ignore[no-untyped-def]
    comment = f"TC|{master_ticket}"
    return next((p for p in world.slave.broker.positions() if p.comment == comment), None)


def _slave_order(world: World, master_ticket: int):  # type: ignore[no-untyped-def]
    comment = f"TC|{master_ticket}"
    return next((o for o in world.slave.broker.orders() if o.comment == comment), None)


def _settled(sink: MirrorSink) -> bool:
    return not sink.inflight and len(sink.results) == len(
        [e for e in sink.events if e.kind is not EventKind.INCREASED]
    )


def _cross(world: World, symbol: str, bid: float) -> None:
    for broker in (world.master.broker, world.slave.broker):
        listing = broker.listing(symbol)
        assert listing is not None
        mid = bid + listing.spread_points * listing.spec.point / 2
        broker.market.set_mid(listing.underlying, mid)
        broker.tick(broker.now_ms() + 1)


async def test_open_sl_tp_change_partial_close_and_close_are_copied() -> None:
    async with bridge_world(master_platform=Platform.MT4) as world:
        master, sink = world.master.broker, world.sink

        ticket = master.open_market("EURUSD", Side.BUY, 1.0, sl=1.0).position
        await sink.wait_for(lambda: _settled(sink) and len(sink.events) == 1)
        copy = _slave_position(world, ticket)
        assert copy is not None and (copy.volume, copy.sl) == (1.0, 1.0)

        master.modify_position(ticket, sl=1.01, tp=1.2)
        await sink.wait_for(lambda: _settled(sink) and len(sink.events) == 2)
        copy = _slave_position(world, ticket)
        assert copy is not None and (copy.sl, copy.tp) == (1.01, 1.2)

        remainder = master.close_position(ticket, 0.4).position
        await sink.wait_for(lambda: _settled(sink) and len(sink.events) == 3)
        assert sink.events[-1].new_ticket == remainder
        assert [p.volume for p in world.slave.broker.positions()] == [0.6]

        master.close_position(remainder)
        await sink.wait_for(lambda: _settled(sink) and len(sink.events) == 4)

    assert [e.kind for e in sink.events] == [
        EventKind.OPENED,
        EventKind.MODIFIED,
        EventKind.PARTIALLY_CLOSED,
        EventKind.CLOSED,
    ]
    assert [e.seq for e in sink.events] == [1, 2, 3, 4]
    assert all(r.retcode == Retcode.DONE for r in sink.results)
    assert world.slave.broker.positions() == ()


async def test_pending_orders_are_copied_placed_modified_filled_and_deleted() -> None:
    async with bridge_world() as world:
        master, sink = world.master.broker, world.sink

        filled = master.place_pending("EURUSD", OrderType.BUY_LIMIT, 0.2, 1.0).order
        deleted = master.place_pending("GBPUSD", OrderType.SELL_STOP, 0.1, 1.0).order
        await sink.wait_for(lambda: _settled(sink) and len(sink.events) == 2)
        assert _slave_order(world, filled) is not None and _slave_order(world, deleted) is not None

        master.modify_pending(filled, price=1.001)
        await sink.wait_for(lambda: _settled(sink) and len(sink.events) == 3)
        order = _slave_order(world, filled)
        assert order is not None and order.price_open == 1.001

        master.delete_pending(deleted)
        await sink.wait_for(lambda: _settled(sink) and len(sink.events) == 4)
        assert _slave_order(world, deleted) is None

        _cross(world, "EURUSD", 0.9990)
        await sink.wait_for(lambda: _settled(sink) and len(sink.events) == 5)

    assert [e.kind for e in sink.events] == [
        EventKind.PENDING_PLACED,
        EventKind.PENDING_PLACED,
        EventKind.PENDING_MODIFIED,
        EventKind.PENDING_DELETED,
        EventKind.PENDING_FILLED,
    ]
    assert all(r.ok for r in sink.results)
    copy = _slave_position(world, filled)
    assert copy is not None and copy.volume == 0.2
    assert world.slave.broker.orders() == ()


@pytest.mark.perf
async def test_the_account_status_shows_connection_round_trip_build_and_figures(
    perf: PerfFigures,
) -> None:
    async with bridge_world() as world:
        sink = world.sink
        await sink.wait_for(
            lambda: any(
                s.account_id == world.slave.account_id and s.rtt_ms is not None
                for s in sink.statuses
            )
        )
        status = world.server.terminal(world.slave.account_id).status()
        sessions = {(s.account_id, s.role) for s in world.server.sessions()}

    assert status.connected and status.detail == "executor connected"
    assert status.rtt_ms is not None and status.rtt_ms > 0
    perf.bound("executor ping round trip over loopback", status.rtt_ms, 100, "ms")
    assert status.build == "EA ref-1.0 / build 4000"
    assert status.account is not None and status.account.balance == 10_000.0
    assert sessions == {
        (world.master.account_id, Role.MONITOR),
        (world.slave.account_id, Role.EXECUTOR),
    }


async def test_a_snapshot_is_reused_while_fresh_then_asked_of_the_ea_again() -> None:
    async with bridge_world() as world:
        slave = world.server.terminal(world.slave.account_id)
        executor = world.eas[1]
        asked_before = executor.snapshots_sent
        cached = await slave.snapshot()
        world.slave.broker.open_market("USDJPY", Side.SELL, 0.3)
        still_cached = await slave.snapshot()
        await asyncio.sleep(FAST.snapshot_max_age_ms / 1000 * 1.5)

        fresh = await slave.snapshot()

    assert cached.positions == still_cached.positions == ()
    assert executor.snapshots_sent == asked_before + 1
    assert [(p.symbol, p.volume) for p in fresh.positions] == [("USDJPY", 0.3)]
    assert "EURUSD" in fresh.symbols and fresh.quotes["EURUSD"].bid > 0
    assert fresh.account.account_id == world.slave.account_id


async def test_commands_submitted_while_the_executor_is_away_are_executed_when_it_connects() -> (
    None
):
    async with bridge_world(with_eas=False) as world:
        sink = world.sink
        monitor = world.start_ea(
            ReferenceEa(world.master.broker, world.settings(world.master, Role.MONITOR))
        )
        await monitor.welcomed.wait()
        tickets = [world.master.broker.open_market("EURUSD", Side.BUY, 0.1).position]
        tickets.append(world.master.broker.open_market("GBPUSD", Side.SELL, 0.2).position)
        await sink.wait_for(lambda: len(sink.inflight) == 2)

        world.start_ea(ReferenceEa(world.slave.broker, world.settings(world.slave, Role.EXECUTOR)))
        await sink.wait_for(lambda: not sink.inflight)

    assert all(_slave_position(world, t) is not None for t in tickets)
    assert len(sink.results) == 2


async def test_events_that_arrive_before_the_copy_service_starts_wait_and_come_in_order() -> None:
    async with bridge_world(with_eas=False) as world:
        late = MirrorSink(world.master.account_id)
        master_id = world.master.account_id
        world.server._terminals.pop(master_id)  # a terminal nobody has started yet
        terminal = world.server.terminal(master_id)
        monitor = world.start_ea(
            ReferenceEa(world.master.broker, world.settings(world.master, Role.MONITOR))
        )
        await monitor.welcomed.wait()
        for symbol in ("EURUSD", "GBPUSD", "USDJPY"):
            world.master.broker.open_market(symbol, Side.BUY, 0.1)
        await late.wait_for(lambda: len(monitor.outbox.unacked) == 3 and monitor.outbox.seq == 3)
        await asyncio.sleep(0.05)
        unacked_before_start = len(monitor.outbox.unacked)

        await terminal.start(late)
        await late.wait_for(lambda: not monitor.outbox.unacked)

    assert unacked_before_start == 3
    assert [e.seq for e in late.events] == [1, 2, 3]
