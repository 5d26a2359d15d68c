"""An EA that the terminal re-initialises without reloading it — a chart or input change
(OnDeinit then OnInit, global variables keep their values: https://docs.mql4.com/runtime/event_fire)
or another account — starts from its own account's saved state, not from what the globals held:
the unacknowledged events are not doubled, and an account's existing positions are not reported
as opened (issue #11)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from harness.run import EaProcess, offline_ea

pytestmark = pytest.mark.timeout(60)


async def _settled(ea: EaProcess, want: tuple[int, int]) -> tuple[int, int]:
    """The figures once they equal ``want`` or have stayed put for half a second."""
    last, since = await ea.monitor_figures(), asyncio.get_running_loop().time()
    async with asyncio.timeout(5):
        while last != want and asyncio.get_running_loop().time() - since < 0.5:
            await asyncio.sleep(0.05)
            now = await ea.monitor_figures()
            if now != last:
                last, since = now, asyncio.get_running_loop().time()
    return last


@contextlib.asynccontextmanager
async def _monitor_with_one_event(binary: Path, files: Path) -> AsyncIterator[EaProcess]:
    """A Monitor with no copier (nothing is acknowledged) that has queued one opened event."""
    ea = offline_ea(binary, files)
    await ea.start()
    try:
        await asyncio.sleep(0.2)  # the first look records the empty account
        await ea.control("open EURUSD buy 0.10")
        assert await _settled(ea, (1, 1)) == (1, 1)
        yield ea
    finally:
        assert await ea.stop() == 0


@pytest.mark.parametrize("monitor", ["monitor4", "monitor5"])
async def test_a_chart_change_keeps_the_unacknowledged_events_once(
        ea_binaries: dict[str, Path], tmp_path: Path, monitor: str) -> None:
    async with _monitor_with_one_event(ea_binaries[monitor], tmp_path) as ea:
        await ea.control("reinit 3")  # REASON_CHARTCHANGE
        after_one = await _settled(ea, (1, 1))
        await ea.control("reinit 5")  # REASON_PARAMETERS
        after_two = await _settled(ea, (1, 1))

    assert (after_one, after_two) == ((1, 1), (1, 1))


@pytest.mark.parametrize("monitor", ["monitor4", "monitor5"])
async def test_another_account_starts_from_its_own_state_and_reports_no_existing_position(
        ea_binaries: dict[str, Path], tmp_path: Path, monitor: str) -> None:
    async with _monitor_with_one_event(ea_binaries[monitor], tmp_path) as ea:
        await ea.control("account 3003 2")  # two positions already open there
        figures = await _settled(ea, (0, 0))
        await ea.control("open GBPUSD sell 0.20")
        then = await _settled(ea, (1, 1))

    assert figures == (0, 0)  # none of the 1001 events, no "opened" for 3003's positions
    assert then == (1, 1)
    old = (tmp_path / "TradeCopy_1001_monitor.dat").read_text(encoding="utf-8").splitlines()
    assert [line.split("\t")[1] for line in old if line.startswith("event\t")] == ["1"]
    assert (tmp_path / "TradeCopy_3003_monitor.dat").is_file()
