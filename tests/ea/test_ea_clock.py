"""With the market closed TimeCurrent() stands still (the time of the last quote,
https://docs.mql4.com/dateandtime/timecurrent): the MT4 Monitor's server-to-UTC offset must not
follow it, or a pending order's expiry, converted with it, changes every 15 minutes of a weekend
and is reported as pending_modified again and again (issue #11)."""

from __future__ import annotations

import asyncio
import re
import socket
import time
from pathlib import Path

import pytest
from harness.run import EaProcess

pytestmark = pytest.mark.timeout(60)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _seq(ea: EaProcess) -> int:
    async with asyncio.timeout(5):
        while (m := re.search(r"seq (\d+),", await ea.chart_comment())) is None:
            await asyncio.sleep(0.02)
    return int(m.group(1))


@pytest.mark.parametrize("monitor", ["monitor4", "monitor5"])
async def test_a_weekend_does_not_move_a_pending_orders_expiry(
        ea_binaries: dict[str, Path], tmp_path: Path, monitor: str) -> None:
    ea = EaProcess(ea_binaries[monitor], tmp_path, key="tc1.k", login=1001,
                   url=f"ws://127.0.0.1:{_closed_port()}/ea/v1")
    await ea.start()
    try:
        await asyncio.sleep(0.2)
        expires = int(time.time()) + 7200 + 3 * 86400  # server time (the harness server is UTC+2)
        await ea.control(f"pending EURUSD buy_limit 0.10 1.0800 exp={expires}")
        await asyncio.sleep(0.3)
        placed = await _seq(ea)
        await ea.control("market closed")
        for _ in range(8):  # two hours of a weekend, in 15-minute steps
            await ea.control("clock +900")
            await asyncio.sleep(0.1)
        after = await _seq(ea)
    finally:
        assert await ea.stop() == 0

    assert (placed, after) == (1, 1)
