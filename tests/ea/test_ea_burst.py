"""A close routed before its open's result came back carries no slave ticket: the compiled
Executors find the copy by its TC|<master ticket> comment and the slave ends flat, traded once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from harness.world import Copier, copier_world, open_and_close_with_the_slave_frozen, until

pytestmark = pytest.mark.timeout(60)


async def _settled(world: Copier) -> dict[str, Any]:
    slave_terminal = world.server.terminal(world.slave_id)

    async def answered_and_flat() -> bool:
        return slave_terminal.pending_commands == 0 and await world.slave.positions() == []
    await until(answered_and_flat, "both commands answered, the slave flat")
    return await world.slave.state()


async def test_mt4_slave_closes_a_copy_whose_open_result_had_not_come_back(
        ea_binaries: dict[str, Path], tmp_path: Path) -> None:
    async with copier_world(ea_binaries, tmp_path, "monitor4", "executor4") as world:
        ticket = await open_and_close_with_the_slave_frozen(world, "open EURUSD buy 0.10")
        state = await _settled(world)

    closed = [(h["sym"], h["type"], h["vol"], h["comment"]) for h in state["history"]]
    assert closed == [("EURUSD.m", 0, 0.2, f"TC|{ticket}")]  # one order opened, closed whole


@pytest.mark.parametrize("margin", ["hedging", "netting"])
async def test_mt5_slave_closes_a_copy_whose_open_result_had_not_come_back(
        ea_binaries: dict[str, Path], tmp_path: Path, margin: str) -> None:
    async with copier_world(ea_binaries, tmp_path, "monitor5", "executor5",
                            slave_margin=margin) as world:
        await open_and_close_with_the_slave_frozen(world, "open EURUSD sell 0.10")
        state = await _settled(world)

    deals = [(d["sym"], d["type"], d["entry"], d["vol"]) for d in state["deals"]]
    assert deals == [("EURUSD.m", 1, 0, 0.2), ("EURUSD.m", 0, 1, 0.2)]  # sell in, buy out



# An MT4 master's partial close gives its rest a new ticket, and the engine re-keys the copy to it;
# the copy still says TC|<old>, so the commands that follow name the old ticket in their frame for
# a copy whose open result has not come back to be found by its comment.
@pytest.mark.parametrize("master", ["monitor5", "monitor4"])
async def test_mt4_slave_closes_the_rest_of_a_partly_closed_copy_found_without_tickets(
        ea_binaries: dict[str, Path], tmp_path: Path, master: str) -> None:
    async with copier_world(ea_binaries, tmp_path, master, "executor4") as world:
        slave_terminal = world.server.terminal(world.slave_id)
        world.slave.pause()
        try:
            ticket = await world.master.control("open EURUSD buy 0.10")
            rest = await world.master.control(f"close {ticket} 0.04")
            await world.master.control(f"close {rest or ticket}")  # MT5 keeps the ticket

            async def all_routed() -> bool:
                return slave_terminal.pending_commands == 3
            await until(all_routed, "open, partial and full close routed before any result", 5)
        finally:
            world.slave.resume()
        state = await _settled(world)

    closed = [(h["type"], h["vol"], h["comment"].split("#")[0]) for h in state["history"]]
    assert closed == [(0, 0.08, "to "), (0, 0.12, "from ")]  # the rest found by its note
