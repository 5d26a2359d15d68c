"""The chart comment is redrawn when its text changes, not on every timer event: Comment() redraws
the chart, and the EAs' timer runs every TimerMs (10 ms by default), so the status was drawn 100
times a second (issue #11)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from harness.run import offline_ea

pytestmark = pytest.mark.timeout(60)


@pytest.mark.parametrize("name", ["monitor4", "executor4", "monitor5", "executor5"])
async def test_an_idle_ea_redraws_its_chart_comment_only_when_it_changes(
        ea_binaries: dict[str, Path], tmp_path: Path, name: str) -> None:
    ea = offline_ea(ea_binaries[name], tmp_path)  # nothing listens: it waits to reconnect
    await ea.start()
    try:
        await asyncio.sleep(0.3)
        before = int(await ea.control("draws"))
        await asyncio.sleep(1.0)  # about 200 timer events at TimerMs 5
        during = int(await ea.control("draws")) - before
        shown = await ea.chart_comment()
    finally:
        assert await ea.stop() == 0

    assert "reconnecting" in shown
    assert during <= 5, f"{during} redraws in a second"
