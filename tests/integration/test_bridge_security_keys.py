"""An EA whose key ends soon is told so in its welcome, and the app hears of it once; a key opens
only the EA roles of its account (issue #15)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from test_bridge_security_support import ACCOUNT, DAY_MS, RawEa, store_bridge

from copier.bridge.protocol import CloseCode, Role
from copier.domain import Platform
from copier.store import AccountRecord, AccountRole

pytestmark = pytest.mark.timeout(20)


async def test_a_key_expiring_within_a_week_is_announced_to_the_ea_and_once_to_the_app(
    tmp_path: Path,
) -> None:
    async with store_bridge(tmp_path) as world:
        key = world.store.create_api_key(ACCOUNT.id, days=30)
        world.clock.now_ms += 27 * DAY_MS  # three days left
        monitor = await RawEa.open(world.server.url)
        first = await monitor.hello(key)
        executor = await RawEa.open(world.server.url)
        second = await executor.hello(key, role=Role.EXECUTOR)
        await world.server.recheck_keys()
        await monitor.close()
        await executor.close()
        await world.store.flush()
        actions = [e.action for e in world.store.load_audit()]

    assert first.welcome is not None and second.welcome is not None
    assert (first.welcome.key_days, second.welcome.key_days) == (3, 3)
    assert "expires in 3 days" in first.welcome.warn
    assert [(n.account_id, n.days_left, n.replaced) for n in world.notices] == [
        (ACCOUNT.id, 3, False)
    ]
    assert "expires in 3 days" in world.notices[0].reason
    assert actions.count("api_key.expiring") == 1


async def test_a_fresh_key_brings_no_warning(tmp_path: Path) -> None:
    async with store_bridge(tmp_path) as world:
        key = world.store.create_api_key(ACCOUNT.id, days=30)
        ea = await RawEa.open(world.server.url)
        outcome = await ea.hello(key)
        await ea.close()

    assert outcome.welcome is not None
    assert (outcome.welcome.key_days, outcome.welcome.warn) == (30, "")
    assert world.notices == []


async def test_a_slave_only_key_is_refused_as_a_monitor_and_its_executor_is_welcomed(
    tmp_path: Path,
) -> None:
    slave = AccountRecord.new(Platform.MT5, 2002, "Sec-Demo", role=AccountRole.SLAVE)
    async with store_bridge(tmp_path) as world:
        world.store.save_account(slave)
        key = world.store.create_api_key(slave.id)
        as_monitor = await (await RawEa.open(world.server.url)).hello(key, login=2002)
        executor = await RawEa.open(world.server.url)
        as_executor = await executor.hello(key, login=2002, role=Role.EXECUTOR)
        await executor.close()
        await world.store.flush()
        refused = [e.detail for e in world.store.load_audit() if e.action == "bridge.hello_refused"]

    assert (as_monitor.code, CloseCode.ROLE_REFUSED) == (4405, 4405)
    assert "for the executor EA, not the monitor" in as_monitor.reason
    assert as_executor.welcome is not None
    assert [d["code"] for d in refused] == [4405]


async def test_a_monitor_session_ends_when_its_account_stops_being_a_master(
    tmp_path: Path,
) -> None:
    async with store_bridge(tmp_path) as world:
        key = world.store.create_api_key(ACCOUNT.id)  # a "both" account: monitor and executor
        monitor = await RawEa.open(world.server.url)
        assert (await monitor.hello(key)).welcome is not None

        world.store.save_account(replace(ACCOUNT, role=AccountRole.SLAVE))
        closed = await world.server.recheck_keys()
        ended = await monitor.wait_closed(timeout=1.0)

    assert closed == 1 and ended.code == 4405
