"""The master's trade pool changes while the Monitor walks it by index (a stop loss hit, another EA,
the trader): no still-open position is reported closed and opened again, and a position opened
meanwhile neither stops the EA nor is copied twice (issue #11: MT4 TakeLook walked orders by index
while they closed; Monitor.mq5 sized its look once and re-read the totals in its loops)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from harness.world import Copier, copier_world, until

pytestmark = pytest.mark.timeout(60)

PAIRS = [("monitor4", "executor4"), ("monitor5", "executor5")]


async def _copies(world: Copier) -> dict[str, dict[str, Any]]:
    """The slave's copies by the master ticket their comment names."""
    return {p["comment"].removeprefix("TC|"): p for p in await world.slave.positions()}


async def _three_copied(world: Copier) -> tuple[list[str], dict[str, dict[str, Any]]]:
    tickets = [await world.master.control(f"open {sym} buy 0.10")
               for sym in ("EURUSD", "GBPUSD", "USDJPY")]

    async def copied() -> bool:
        return sorted(await _copies(world)) == sorted(tickets)
    await until(copied, "three copies")
    return tickets, await _copies(world)


@pytest.mark.parametrize(("master", "slave"), PAIRS)
async def test_a_close_during_the_walk_reports_only_that_close(
        ea_binaries: dict[str, Path], tmp_path: Path, master: str, slave: str) -> None:
    async with copier_world(ea_binaries, tmp_path, master, slave) as world:
        tickets, before = await _three_copied(world)

        await world.master.control(f"during_scan 2 close {tickets[0]}")
        await world.master.wait_output("FAULT close")

        async def first_gone() -> bool:
            return sorted(await _copies(world)) == sorted(tickets[1:])
        await until(first_gone, "the first copy closed")
        await asyncio.sleep(0.5)  # a false close and re-open of another copy would be done by now
        after = await _copies(world)

    assert sorted(after) == sorted(tickets[1:])
    for ticket in tickets[1:]:  # the same copies, never closed and opened again
        assert after[ticket]["ticket"] == before[ticket]["ticket"]


@pytest.mark.parametrize(("master", "slave"), PAIRS)
async def test_an_open_during_the_walk_is_copied_once_and_the_monitor_keeps_running(
        ea_binaries: dict[str, Path], tmp_path: Path, master: str, slave: str) -> None:
    async with copier_world(ea_binaries, tmp_path, master, slave) as world:
        tickets, before = await _three_copied(world)

        await world.master.control("during_scan 1 open EURUSD sell 0.30")
        await world.master.wait_output("FAULT open")
        opened = [p["ticket"] for p in await world.master.positions()
                  if str(p["ticket"]) not in tickets]

        async def copied() -> bool:
            return len(await _copies(world)) == 4
        await until(copied, "the position opened during the walk copied")
        await asyncio.sleep(0.5)
        after = await _copies(world)

    assert "CRITICAL" not in "\n".join(world.master.lines)
    assert sorted(after) == sorted([*tickets, str(opened[0])])
    assert after[str(opened[0])]["vol"] == 0.6
    for ticket in tickets:
        assert after[ticket]["ticket"] == before[ticket]["ticket"]
