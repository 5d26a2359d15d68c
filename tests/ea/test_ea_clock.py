"""With the market closed TimeCurrent() stands still (the time of the last quote,
https://docs.mql4.com/dateandtime/timecurrent): the MT4 Monitor's server-to-UTC offset must not
follow it, or a pending order's expiry, converted with it, changes every 15 minutes of a weekend
and is reported as pending_modified again and again (issue #11)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from harness.run import offline_ea

pytestmark = pytest.mark.timeout(60)


@pytest.mark.parametrize("monitor", ["monitor4", "monitor5"])
async def test_a_weekend_does_not_move_a_pending_orders_expiry(
        ea_binaries: dict[str, Path], tmp_path: Path, monitor: str) -> None:
    ea = offline_ea(ea_binaries[monitor], tmp_path)
    await ea.start()
    try:
        await asyncio.sleep(0.2)
        expires = int(time.time()) + 7200 + 3 * 86400  # server time (the harness server is UTC+2)
        await ea.control(f"pending EURUSD buy_limit 0.10 1.0800 exp={expires}")
        await asyncio.sleep(0.3)
        placed, _ = await ea.monitor_figures()
        await ea.control("market closed")
        for _ in range(8):  # two hours of a weekend, in 15-minute steps
            await ea.control("clock +900")
            await asyncio.sleep(0.1)
        after, _ = await ea.monitor_figures()
    finally:
        assert await ea.stop() == 0

    assert (placed, after) == (1, 1)
