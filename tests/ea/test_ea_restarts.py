"""An EA that the terminal re-initialises without reloading it — a chart or input change
(OnDeinit then OnInit, global variables keep their values: https://docs.mql4.com/runtime/event_fire)
or another account — starts from its own account's saved state, not from what the globals held:
the unacknowledged events are not doubled, and an account's existing positions are not reported
as opened (issue #11)."""

from __future__ import annotations

import asyncio
import re
import socket
from pathlib import Path

import pytest
from harness.run import EaProcess

pytestmark = pytest.mark.timeout(60)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _figures(ea: EaProcess) -> tuple[int, int]:
    """(seq, unacknowledged) from the Monitor's chart comment (blank right after OnDeinit)."""
    async with asyncio.timeout(5):
        while (m := re.search(r"seq (\d+), unacknowledged (\d+)",
                              await ea.chart_comment())) is None:
            await asyncio.sleep(0.02)
    return int(m.group(1)), int(m.group(2))


async def _settled(ea: EaProcess, want: tuple[int, int]) -> tuple[int, int]:
    """The figures once they equal ``want`` or have stayed put for half a second."""
    last, since = await _figures(ea), asyncio.get_running_loop().time()
    async with asyncio.timeout(5):
        while last != want and asyncio.get_running_loop().time() - since < 0.5:
            await asyncio.sleep(0.05)
            now = await _figures(ea)
            if now != last:
                last, since = now, asyncio.get_running_loop().time()
    return last


@pytest.mark.parametrize("monitor", ["monitor4", "monitor5"])
async def test_a_chart_change_keeps_the_unacknowledged_events_once(
        ea_binaries: dict[str, Path], tmp_path: Path, monitor: str) -> None:
    ea = EaProcess(ea_binaries[monitor], tmp_path, key="tc1.k", login=1001,
                   url=f"ws://127.0.0.1:{_closed_port()}/ea/v1")  # no copier: nothing is acked
    await ea.start()
    try:
        await asyncio.sleep(0.2)  # the first look records the empty account
        await ea.control("open EURUSD buy 0.10")
        assert await _settled(ea, (1, 1)) == (1, 1)

        await ea.control("reinit 3")  # REASON_CHARTCHANGE
        after_one = await _settled(ea, (1, 1))
        await ea.control("reinit 5")  # REASON_PARAMETERS
        after_two = await _settled(ea, (1, 1))
    finally:
        assert await ea.stop() == 0

    assert (after_one, after_two) == ((1, 1), (1, 1))


@pytest.mark.parametrize("monitor", ["monitor4", "monitor5"])
async def test_another_account_starts_from_its_own_state_and_reports_no_existing_position(
        ea_binaries: dict[str, Path], tmp_path: Path, monitor: str) -> None:
    ea = EaProcess(ea_binaries[monitor], tmp_path, key="tc1.k", login=1001,
                   url=f"ws://127.0.0.1:{_closed_port()}/ea/v1")
    await ea.start()
    try:
        await asyncio.sleep(0.2)
        await ea.control("open EURUSD buy 0.10")
        assert await _settled(ea, (1, 1)) == (1, 1)

        await ea.control("account 3003 2")  # two positions already open there
        figures = await _settled(ea, (0, 0))
        await ea.control("open GBPUSD sell 0.20")
        then = await _settled(ea, (1, 1))
    finally:
        assert await ea.stop() == 0

    assert figures == (0, 0)  # none of the 1001 events, no "opened" for 3003's positions
    assert then == (1, 1)
    old = (tmp_path / "TradeCopy_1001_monitor.dat").read_text(encoding="utf-8").splitlines()
    assert [line.split("\t")[1] for line in old if line.startswith("event\t")] == ["1"]
    assert (tmp_path / "TradeCopy_3003_monitor.dat").is_file()
