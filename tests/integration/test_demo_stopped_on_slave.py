"""The demo's end check tells a copy the slave's own stop closed apart from a copy lost.

A copy's stops sit at a distance from the slave's own fill, so a slave's take-profit or stop-loss
can be hit while the master's trade stays open. Reconciliation reports that copy missing; the
demo's check must count it as stopped on the slave (read from the slave's own SL/TP deal), while
a copy gone without such a deal stays a mismatch. Each transport is driven for real: the master
opens, the copier copies, the slave's broker hits the stop on a price move.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Protocol

import pytest

from copier.domain import Side
from copier.testbed.broker.broker import SimBroker
from copier.testbed.demo import DemoOptions, DemoSession, _check, _settle, build_demo
from copier.testbed.demo_ea import EaWorld
from copier.testbed.demo_mt5 import Mt5World

pytestmark = pytest.mark.timeout(90)
SLAVE = "demo-capped"  # same symbol names as the master, lot multiplier 1, stops copied
SYMBOL = "EURUSD"
POINT = 0.00001
TRADE_ACTION_DEAL = 1
TRADE_ACTION_SLTP = 6


class Accounts(Protocol):
    """The master's and one slave's accounts of a demo world, reached as its terminals are."""

    def open_on_master(self) -> int: ...
    def copy_of(self, master_ticket: int) -> tuple[int, float]: ...
    def set_stop(self, ticket: int, sl: float, tp: float) -> None: ...
    def move_to(self, mid: float) -> None: ...
    def close_by_hand(self, ticket: int) -> None: ...


class BrokerAccounts:
    """Sim and EA worlds: the simulated brokers behind the terminals or the reference EAs."""

    def __init__(self, session: DemoSession, master: SimBroker, slave: SimBroker) -> None:
        self.session, self.master, self.slave = session, master, slave

    def open_on_master(self) -> int:
        done = self.master.open_market(SYMBOL, Side.BUY, 0.1)
        assert done.ok, done.comment
        return done.position

    def copy_of(self, master_ticket: int) -> tuple[int, float]:
        copy = next(p for p in self.slave.positions() if p.comment == f"TC|{master_ticket}")
        return copy.ticket, self.slave.quote(SYMBOL).bid

    def set_stop(self, ticket: int, sl: float, tp: float) -> None:
        done = self.slave.modify_position(ticket, sl, tp)
        assert done.ok, done.comment

    def move_to(self, mid: float) -> None:
        self.session.market.set_mid(SYMBOL, mid)
        self.slave.tick()

    def close_by_hand(self, ticket: int) -> None:
        done = self.slave.close_position(ticket)
        assert done.ok, done.comment


class StandInAccounts:
    """The MT5 world: the stand-in terminals, through the calls of the MetaTrader5 package."""

    def __init__(self, world: Mt5World) -> None:
        self.master = world.master.sim
        self.slave = next(s.sim for s in world.slaves if s.account_id == SLAVE)

    def open_on_master(self) -> int:
        done = self.master.call("order_send", {"action": TRADE_ACTION_DEAL, "symbol": SYMBOL,
                                               "volume": 0.1, "type": 0})
        assert done.retcode == 10009, done.comment
        return int(done.order)

    def copy_of(self, master_ticket: int) -> tuple[int, float]:
        copy = next(p for p in self.slave.call("positions_get")
                    if p.comment == f"TC|{master_ticket}")
        return int(copy.ticket), float(self.slave.call("symbol_info_tick", SYMBOL).bid)

    def set_stop(self, ticket: int, sl: float, tp: float) -> None:
        done = self.slave.call("order_send", {"action": TRADE_ACTION_SLTP, "position": ticket,
                                              "symbol": SYMBOL, "sl": sl, "tp": tp})
        assert done.retcode == 10009, done.comment

    def move_to(self, mid: float) -> None:
        self.slave.move_market(SYMBOL, mid)

    def close_by_hand(self, ticket: int) -> None:
        copy = self.slave.call("positions_get", ticket=ticket)[0]
        done = self.slave.call("order_send", {"action": TRADE_ACTION_DEAL, "position": ticket,
                                              "symbol": SYMBOL, "volume": copy.volume,
                                              "type": 1})
        assert done.retcode == 10009, done.comment


def accounts_of(session: DemoSession) -> Accounts:
    world: Any = session.world
    if isinstance(world, Mt5World):
        return StandInAccounts(world)
    if isinstance(world, EaWorld):
        return BrokerAccounts(session, world.brokers["demo-master"], world.brokers[SLAVE])
    slave = next(s for s in session.slaves if s.account_id == SLAVE)
    return BrokerAccounts(session, session.master.broker, slave.broker)


async def copied_then(tmp_path: Path, transport: str, what: str) -> DemoSession:
    """A demo whose master holds one trade and whose slave's copy is then closed: by its own
    take-profit or stop-loss (``what``: ``tp``, ``sl``), or by hand (``hand``). Checked."""
    # Ten minutes: the capped link's trading hours end long after this test.
    session = build_demo(DemoOptions(seconds=600, seed=7, transport=transport,
                                     simulate=True, data_dir=tmp_path))
    await session.start()
    try:
        accounts = accounts_of(session)
        master_ticket = accounts.open_on_master()
        await _settle(session)
        copy, bid = accounts.copy_of(master_ticket)
        if what == "hand":
            accounts.close_by_hand(copy)
        else:
            sign = 1 if what == "tp" else -1
            stop = round(bid + sign * 100 * POINT, 5)
            accounts.set_stop(copy, *((0.0, stop) if what == "tp" else (stop, 0.0)))
            accounts.move_to(bid + sign * 400 * POINT)
        await _settle(session)
        await gone_from_snapshot(session, copy)
        await _check(session, session.report)
    finally:
        await session.stop()
    return session


async def gone_from_snapshot(session: DemoSession, ticket: int) -> None:
    """Wait until the slave's terminal reports the copy gone (an EA sends its account's
    books now and then, not on every change)."""
    slave = next(s for s in session.slaves if s.account_id == SLAVE)
    for _ in range(100):
        if all(p.ticket != ticket for p in (await slave.snapshot()).positions):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{SLAVE} still shows #{ticket}")


@pytest.mark.parametrize("transport", ["sim", "ea", "mt5"])
async def test_a_copy_closed_by_the_slaves_own_take_profit_is_not_a_mismatch(
    tmp_path: Path, transport: str
) -> None:
    report = (await copied_then(tmp_path, transport, "tp")).report

    assert report.mismatches == 0, report.mismatch_details
    assert report.stopped_on_slave == 1
    assert "was closed by the slave's own take-profit" in report.stopped_details[0]
    assert report.to_dict()["stopped_on_slave"] == 1
    assert report.healthy
    assert "closed by the slave's own stop-loss or take-profit" in report.describe()


async def test_a_copy_closed_by_the_slaves_own_stop_loss_is_not_a_mismatch(
    tmp_path: Path,
) -> None:
    report = (await copied_then(tmp_path, "sim", "sl")).report

    assert (report.mismatches, report.stopped_on_slave) == (0, 1), report.mismatch_details
    assert "was closed by the slave's own stop-loss" in report.stopped_details[0]


@pytest.mark.parametrize("transport", ["sim", "ea", "mt5"])
async def test_a_copy_gone_without_a_stop_of_its_own_is_still_a_mismatch(
    tmp_path: Path, transport: str
) -> None:
    report = (await copied_then(tmp_path, transport, "hand")).report

    assert report.stopped_on_slave == 0
    assert report.mismatches == 1
    assert "is missing on the slave" in report.mismatch_details[0]
    assert not report.healthy
