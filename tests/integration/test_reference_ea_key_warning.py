"""The reference EA shows the welcome's key warning as the MQL EAs do: logged once per distinct
text (an ``Alert()`` there), kept as the notice their chart comment shows, cleared by a welcome
without a warning."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import replace

import pytest
from test_bridge_support import Account, World, bridge_world

from copier.bridge import Role
from copier.testbed.refea import ReferenceEa

pytestmark = pytest.mark.timeout(20)

DAY_MS = 86_400_000
EA_LOGGER = "copier.testbed.refea.client"


async def _until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.005)


async def _reconnect(ea: ReferenceEa) -> None:
    """Cut the connection and wait for the EA's next welcome."""
    welcomes = ea.welcomes
    await _until(lambda: ea.connected)
    ea.drop_connection()
    await _until(lambda: ea.welcomes > welcomes and ea.connected)


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == EA_LOGGER and r.levelno == logging.WARNING
    ]


async def _monitor_with_key(world: World, key: str) -> ReferenceEa:
    master = world.master
    account = Account(master.broker, master.account_id, key)
    ea = world.start_ea(ReferenceEa(master.broker, world.settings(account, Role.MONITOR)))
    await _until(lambda: ea.welcomes == 1 and ea.connected)
    return ea


async def test_a_key_near_its_end_is_logged_once_and_kept_as_the_notice(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger=EA_LOGGER)
    async with bridge_world(with_eas=False) as world:
        master = world.master
        key = world.keys.issue(master.account_id, master.broker.account.login,
                               master.broker.account.server, days=3.5)  # fmt: skip
        ea = await _monitor_with_key(world, key)
        first_notice = ea.notice
        await _reconnect(ea)
        await _reconnect(ea)
        warnings_after_reconnects = _warnings(caplog)

    assert "API key expires in 3 days" in first_notice
    assert ea.notice == first_notice
    assert ea.welcomes == 3
    assert warnings_after_reconnects == [f"TradeCopy monitor: {first_notice}"]


async def test_a_new_warning_is_logged_again_and_a_welcome_without_one_clears_the_notice(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger=EA_LOGGER)
    async with bridge_world(with_eas=False) as world:
        master = world.master
        key = world.keys.issue(master.account_id, master.broker.account.login,
                               master.broker.account.server, days=3.5)  # fmt: skip
        ea = await _monitor_with_key(world, key)
        expiring = ea.notice

        newest = world.keys.rotate(master.account_id, grace_ms=DAY_MS)
        await _reconnect(ea)
        replaced = ea.notice

        ea.settings = replace(ea.settings, key=newest)  # the trader pastes the new key
        await _reconnect(ea)
        cleared = ea.notice
        warnings = _warnings(caplog)

    assert "API key expires in 3 days" in expiring
    assert "API key replaced: it stops working in 24 h" in replaced
    assert cleared == ""
    assert warnings == [f"TradeCopy monitor: {expiring}", f"TradeCopy monitor: {replaced}"]
