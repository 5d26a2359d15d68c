"""End to end on a slave terminal that misbehaves at random, from a fixed seed: about a third of
its trade requests meet a requote, off quotes, a busy broker (MT4), a timeout after which the
trade was done, or (MT5) a deal the server only placed and fills a moment later
(harness/runtime/mql_faults.hpp). Every master trade is still copied exactly once and every
copy closed once."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from harness.world import Copier, copier_world, until

pytestmark = pytest.mark.timeout(120)

FAULTS = {"TC_FAULT_SEED": "7", "TC_FAULT_RATE": "0.35",
          "TC_FAULT_KINDS": "requote,off_quotes,busy,timeout,placed"}


async def _copies(world: Copier) -> list[dict[str, Any]]:
    return [p for p in await world.slave.positions() if p["comment"].startswith("TC|")]


@pytest.mark.parametrize(("master", "slave"), [("monitor4", "executor4"),
                                               ("monitor5", "executor5")])
async def test_trades_are_copied_exactly_once_under_random_trade_server_faults(
        ea_binaries: dict[str, Path], tmp_path: Path, master: str, slave: str) -> None:
    async with copier_world(ea_binaries, tmp_path, master, slave, slave_env=FAULTS) as world:
        tickets = []
        for sym, side in [("EURUSD", "buy"), ("GBPUSD", "sell"), ("USDJPY", "buy"),
                          ("EURUSD", "sell")]:
            tickets.append(await world.master.control(f"open {sym} {side} 0.10"))

        async def all_copied() -> bool:
            return len(await _copies(world)) == len(tickets)
        await until(all_copied, "every open copied", 30)
        await asyncio.sleep(0.5)
        opened = sorted(p["comment"] for p in await _copies(world))

        for ticket in tickets:
            await world.master.control(f"close {ticket}")

        async def flat() -> bool:
            return await _copies(world) == []
        await until(flat, "every copy closed", 30)
        await asyncio.sleep(0.5)
        state = await world.slave.state()
        fired = [line for line in world.slave.lines if line.startswith("FAULT trade")]

    assert opened == sorted(f"TC|{t}" for t in tickets)  # one copy each, none twice
    assert fired, "the seed drew no fault"
    if slave == "executor4":
        assert sorted(h["comment"] for h in state["history"]) == opened
    else:
        ins = sorted(d["position"] for d in state["deals"] if d["entry"] == 0)
        outs = sorted(d["position"] for d in state["deals"] if d["entry"] == 1)
        assert len(ins) == len(tickets) and ins == outs
