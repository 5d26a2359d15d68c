"""An EA whose key ends soon is told so in its welcome, and the app hears of it once."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_bridge_security_support import ACCOUNT, DAY_MS, RawEa, store_bridge

from copier.bridge.protocol import Role

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
