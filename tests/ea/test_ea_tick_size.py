"""A slave symbol whose prices move in steps coarser than its point (an index with tick size 0.25):
the Executors put pending prices and SL/TP on that grid instead of having them refused as invalid
(issue #11: prices were only normalised to digits)."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness.world import copier_world, until

pytestmark = pytest.mark.timeout(60)


@pytest.mark.parametrize(("master", "slave"),
                         [("monitor4", "executor4"), ("monitor5", "executor5")])
async def test_a_pending_copy_and_its_stops_are_put_on_the_slaves_tick_grid(
        ea_binaries: dict[str, Path], tmp_path: Path, master: str, slave: str) -> None:
    async with copier_world(ea_binaries, tmp_path, master, slave,
                            slave_env={"TC_US500_TICK": "0.25"}) as world:
        ticket = await world.master.control("pending US500 buy_limit 0.10 4490.10 sl=4480.05")

        async def placed() -> bool:
            return len((await world.slave.state())["orders"]) == 1
        await until(placed, "the pending copy placed", 15)
        order = (await world.slave.state())["orders"][0]

    assert (order["sym"], order["comment"]) == ("US500.m", f"TC|{ticket}")
    assert (order["price"], order["sl"]) == (4490.0, 4480.0)
