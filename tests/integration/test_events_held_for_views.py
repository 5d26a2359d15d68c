"""A master event is never routed past an account the copier has not seen yet: it is held,
unacknowledged, for as long as that takes; and while the copier holds a monitor's event it can
still ask that same monitor for a snapshot (the session's reader is not the one waiting)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

import copier.account_views as views_module
from copier.app import AppConfig, CopierApp
from copier.bridge import BridgeConfig, BridgeServer, Role, StoreKeyVerifier
from copier.domain import (
    ExecutionResult,
    MasterEvent,
    Platform,
    Side,
    TerminalSnapshot,
    TerminalStatus,
)
from copier.engine.config import Link
from copier.store import AccountRecord, AccountRole, Store
from copier.terminals.base import events_one_by_one
from copier.testbed.broker.broker import SimBroker
from copier.testbed.broker.profiles import build_broker
from copier.testbed.refea.client import EaSettings, ReferenceEa

pytestmark = pytest.mark.timeout(30)


def saved_accounts(path: Path, brokers: dict[str, SimBroker]) -> dict[str, str]:
    """The brokers' accounts, a link m → s when both exist; their API keys."""
    with Store.open(path=path) as store:
        for name, broker in brokers.items():
            acct = broker.account
            role = AccountRole.MASTER if name == "m" else AccountRole.SLAVE
            store.save_account(AccountRecord(name, Platform(acct.platform), acct.login,
                                             acct.server, role=role))  # fmt: skip
        if {"m", "s"} <= set(brokers):
            store.save_link(Link(0, "m", "s"))
        return {name: store.create_api_key(name) for name in brokers}


class SnapshotAskingSink:
    """Handles each event only after a fresh snapshot of the very account that sent it."""

    def __init__(self, bridge: BridgeServer) -> None:
        self.bridge = bridge
        self.snapshots: list[TerminalSnapshot] = []
        self.failures: list[str] = []

    on_events = events_one_by_one

    async def on_event(self, event: MasterEvent) -> None:
        try:
            self.snapshots.append(await self.bridge.terminal(event.account_id).snapshot())
        except Exception as exc:
            self.failures.append(str(exc))
            raise

    def on_result(self, result: ExecutionResult) -> None:
        return None

    def on_status(self, status: TerminalStatus) -> None:
        return None


@pytest.mark.parametrize("clock", ["wall", "one millisecond"])
async def test_a_snapshot_asked_of_a_monitor_while_its_event_is_handled_is_answered(
    tmp_path: Path, clock: str
) -> None:
    """"one millisecond" is a busy machine at its worst: the welcome's snapshot and the event
    after it are read in the same millisecond, so the snapshot taken before the change is no
    older than ``snapshot_max_age_ms`` when the event asks for one."""
    master = build_broker("master-mt5", seed=1)
    keys = saved_accounts(tmp_path / "tc.db", {"m": master})
    store = Store.open(path=tmp_path / "tc.db")
    config = BridgeConfig(port=0, snapshot_timeout_s=1.0, snapshot_max_age_ms=0)
    started_ms = time.time_ns() // 1_000_000
    frozen = {"wall": None, "one millisecond": lambda: started_ms}[clock]
    bridge = (BridgeServer(StoreKeyVerifier(store), config) if frozen is None
              else BridgeServer(StoreKeyVerifier(store), config, clock_ms=frozen))
    sink = SnapshotAskingSink(bridge)
    await bridge.terminal("m").start(sink)
    await bridge.start()
    monitor = ReferenceEa(master, EaSettings(url=bridge.url, key=keys["m"], role=Role.MONITOR))
    task = asyncio.create_task(monitor.run())
    try:
        await asyncio.wait_for(monitor.welcomed.wait(), 10)
        master.open_market("EURUSD", Side.BUY, 0.1)
        async with asyncio.timeout(10):
            while monitor.outbox.unacked or not sink.snapshots:
                await asyncio.sleep(0.01)
    finally:
        await monitor.stop()
        await asyncio.gather(task, return_exceptions=True)
        await bridge.stop()
        store.close()

    assert sink.failures == []
    assert len(sink.snapshots[-1].positions) == 1


async def test_an_event_waits_for_a_slave_past_the_first_view_allowance_and_is_copied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views_module, "FIRST_VIEW_WAIT_S", 0.2)  # only the warning's period
    master, slave = build_broker("master-mt5", seed=1), build_broker("slave-mt5", seed=2)
    keys = saved_accounts(tmp_path / "tc.db", {"m": master, "s": slave})
    app = CopierApp(AppConfig(database=tmp_path / "tc.db", bridge_port=0))
    await app.start()
    assert app.bridge is not None
    url = app.bridge.url
    monitor = ReferenceEa(master, EaSettings(url=url, key=keys["m"], role=Role.MONITOR))
    executor = ReferenceEa(slave, EaSettings(url=url, key=keys["s"], role=Role.EXECUTOR))
    tasks = [asyncio.create_task(monitor.run())]
    try:
        await asyncio.wait_for(monitor.welcomed.wait(), 10)
        ticket = master.open_market("EURUSD", Side.BUY, 0.1).position
        await asyncio.sleep(0.8)  # four allowances pass; the slave is still away
        held = len(monitor.outbox.unacked)
        tasks.append(asyncio.create_task(executor.run()))
        async with asyncio.timeout(10):
            while not slave.positions() or monitor.outbox.unacked:
                await asyncio.sleep(0.02)
    finally:
        for ea in (monitor, executor):
            await ea.stop()
        await asyncio.gather(*tasks, return_exceptions=True)
        await app.stop()

    assert held == 1  # not acknowledged while the slave had not been seen
    assert [p.comment for p in slave.positions()] == [f"TC|{ticket}"]
