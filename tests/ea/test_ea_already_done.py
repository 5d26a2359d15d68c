"""A slave terminal that dies right after a partial close (or an SL move), before the Executor
writes the command's id down — or with its id file lost as well — gets the command again from the
copier when the EA comes back. The MQL4 and MQL5 Executors (hedging and netting) find the copy
already as the command leaves it (docs/protocol.md §14 step 5) and answer 19003, so the copy keeps
the master's remaining fraction (issue #14; tests/fault/test_slave_killed_after_a_partial_close.py
is the same with the reference EA)."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness.world import Copier, copier_world, until

pytestmark = pytest.mark.timeout(90)

SLAVES = [("monitor4", "executor4", "hedging"), ("monitor5", "executor5", "hedging"),
          ("monitor5", "executor5", "netting")]


async def _slave_lots(world: Copier) -> float:
    """What the slave holds on EURUSD.m (an MT4 remainder's comment is "from #…", not TC|)."""
    return round(sum(p["vol"] for p in await world.slave.positions() if p["sym"] == "EURUSD.m"), 8)


async def _open_copied(world: Copier) -> str:
    ticket = await world.master.control("open EURUSD buy 0.20")

    async def copied() -> bool:
        return await _slave_lots(world) == 0.4
    await until(copied, "the 0.4-lot copy opened")
    return ticket


async def _answered(world: Copier, kind: str) -> int:
    """The retcode of the only command of ``kind`` once every command has its result."""
    terminal = world.server.terminal(world.slave_id)

    async def done() -> bool:
        rows = [r for r in world.app.store.query_copies() if r.kind == kind]
        return terminal.pending_commands == 0 and len(rows) == 1 and rows[0].retcode != 0
    await until(done, f"the {kind} answered after the restart", 20)
    [row] = [r for r in world.app.store.query_copies() if r.kind == kind]
    return int(row.retcode)


@pytest.mark.parametrize(("master", "slave", "margin"), SLAVES,
                         ids=["mt4", "mt5-hedging", "mt5-netting"])
@pytest.mark.parametrize("crash", ["", "lost"], ids=["killed", "ids-lost"])
async def test_a_partial_close_resent_after_the_slave_died_keeps_the_masters_fraction(
        ea_binaries: dict[str, Path], tmp_path: Path, master: str, slave: str, margin: str,
        crash: str) -> None:
    async with copier_world(ea_binaries, tmp_path, master, slave, slave_margin=margin) as world:
        ticket = await _open_copied(world)
        await world.slave.control(f"crash_after_trade {crash}".strip())

        await world.master.control(f"close {ticket} 0.1")  # the master keeps half
        await world.slave.wait_output("FAULT crash", 10)
        retcode = await _answered(world, "close")
        held = await _slave_lots(world)

    assert held == 0.2  # closed once: half of the 0.4 copy, as the master
    assert retcode == 19003  # the resend, recognised by the copy's volume


@pytest.mark.parametrize(("master", "slave", "margin"), SLAVES[:2], ids=["mt4", "mt5-hedging"])
async def test_an_sl_move_resent_after_it_was_applied_is_answered_as_already_done(
        ea_binaries: dict[str, Path], tmp_path: Path, master: str, slave: str, margin: str) -> None:
    async with copier_world(ea_binaries, tmp_path, master, slave, slave_margin=margin) as world:
        ticket = await _open_copied(world)
        await world.slave.control("crash_after_trade lost")

        await world.master.control(f"modify {ticket} sl=1.0800")
        await world.slave.wait_output("FAULT crash", 10)
        retcode = await _answered(world, "modify")
        [copy] = await world.slave.positions()

    assert copy["sl"] == 1.08
    assert retcode == 19003
