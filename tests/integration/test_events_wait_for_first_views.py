"""After a start, a master event that arrives before a slave's first snapshot still gets copied:
it waits for the slave's view instead of being routed past it (and acknowledged) for good."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from copier.app import AppConfig, CopierApp
from copier.bridge import Role
from copier.domain import Platform, Side
from copier.engine.config import Link
from copier.store import AccountRecord, AccountRole, Store
from copier.testbed.broker.profiles import build_broker
from copier.testbed.refea.client import EaSettings, ReferenceEa

pytestmark = pytest.mark.timeout(30)


async def test_an_event_sent_before_the_slave_connected_is_copied_once_it_connects(
    tmp_path: Path,
) -> None:
    master, slave = build_broker("master-mt5", seed=1), build_broker("slave-mt5", seed=2)
    with Store.open(path=tmp_path / "tc.db") as store:
        for name, broker in (("m", master), ("s", slave)):
            acct = broker.account
            role = AccountRole.MASTER if name == "m" else AccountRole.SLAVE
            platform = Platform(acct.platform)
            record = AccountRecord(name, platform, acct.login, acct.server, role=role)
            store.save_account(record)
        keys = {name: store.create_api_key(name) for name in ("m", "s")}
        store.save_link(Link(0, "m", "s"))
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
        await asyncio.sleep(0.5)  # the event reached the copier; the slave is still away
        tasks.append(asyncio.create_task(executor.run()))
        async with asyncio.timeout(10):
            while not slave.positions():
                await asyncio.sleep(0.02)
    finally:
        for ea in (monitor, executor):
            await ea.stop()
        await asyncio.gather(*tasks, return_exceptions=True)
        await app.stop()

    assert [p.comment for p in slave.positions()] == [f"TC|{ticket}"]
