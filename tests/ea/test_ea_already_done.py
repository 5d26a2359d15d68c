"""A slave terminal that dies right after a partial close (or an SL move), before the Executor
writes the command's id down — or with its id file lost as well — gets the command again from the
copier when the EA comes back. The MQL4 and MQL5 Executors (hedging and netting) find the copy
already as the command leaves it (docs/protocol.md §14 step 5) and answer 19003, so the copy keeps
the master's remaining fraction (issue #14; tests/fault/test_slave_killed_after_a_partial_close.py
is the same with the reference EA)."""

from __future__ import annotations

import asyncio
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
        return terminal.pending_commands == 0 and len(rows) == 1 and bool(rows[0].retcode)
    await until(done, f"the {kind} answered after the restart", 20)
    [row] = [r for r in world.app.store.query_copies() if r.kind == kind]
    return int(row.retcode)


async def _crashed(world: Copier, times: int) -> None:
    """Until the slave's terminal has died ``times`` times (crash_after_trade)."""
    async with asyncio.timeout(10):
        while sum(line.startswith("FAULT crash") for line in world.slave.lines) < times:
            await asyncio.sleep(0.05)


async def _resent_after_a_crash(world: Copier, master_line: str, kind: str, crash: str = "lost",
                                times: int = 1) -> int:
    """The master does ``master_line``; the slave's terminal dies right after the trade of the
    command it makes (the ``times``-th death); the retcode of that command's resend."""
    await world.slave.control(f"crash_after_trade {crash}".strip())
    await world.master.control(master_line)
    await _crashed(world, times)
    return await _answered(world, kind)


@pytest.mark.parametrize(("master", "slave", "margin"), SLAVES,
                         ids=["mt4", "mt5-hedging", "mt5-netting"])
@pytest.mark.parametrize("crash", ["", "lost"], ids=["killed", "ids-lost"])
async def test_a_partial_close_resent_after_the_slave_died_keeps_the_masters_fraction(
        ea_binaries: dict[str, Path], tmp_path: Path, master: str, slave: str, margin: str,
        crash: str) -> None:
    async with copier_world(ea_binaries, tmp_path, master, slave, slave_margin=margin) as world:
        ticket = await _open_copied(world)
        # the master keeps half
        retcode = await _resent_after_a_crash(world, f"close {ticket} 0.1", "close", crash)
        held = await _slave_lots(world)

    assert held == 0.2  # closed once: half of the 0.4 copy, as the master
    assert retcode == 19003  # the resend, recognised by the copy's volume


@pytest.mark.parametrize(("master", "slave", "margin"), SLAVES[:2], ids=["mt4", "mt5-hedging"])
async def test_an_sl_move_resent_after_it_was_applied_is_answered_as_already_done(
        ea_binaries: dict[str, Path], tmp_path: Path, master: str, slave: str, margin: str) -> None:
    async with copier_world(ea_binaries, tmp_path, master, slave, slave_margin=margin) as world:
        ticket = await _open_copied(world)
        retcode = await _resent_after_a_crash(world, f"modify {ticket} sl=1.0800", "modify")
        [copy] = await world.slave.positions()

    assert copy["sl"] == 1.08
    assert retcode == 19003


async def _pending_copied(world: Copier) -> str:
    ticket = await world.master.control("pending EURUSD buy_limit 0.10 1.0800")

    async def placed() -> bool:
        orders = (await world.slave.state())["orders"]
        return [(o["comment"], o["price"]) for o in orders] == [(f"TC|{ticket}", 1.08)]
    await until(placed, "the buy limit's copy placed")
    return ticket


@pytest.mark.parametrize(("master", "slave", "margin"), SLAVES[:2], ids=["mt4", "mt5-hedging"])
async def test_a_pending_move_or_delete_resent_after_it_was_done_is_answered_as_already_done(
        ea_binaries: dict[str, Path], tmp_path: Path, master: str, slave: str, margin: str) -> None:
    async with copier_world(ea_binaries, tmp_path, master, slave, slave_margin=margin) as world:
        ticket = await _pending_copied(world)
        moved = await _resent_after_a_crash(world, f"modify {ticket} price=1.0790",
                                            "modify_pending")
        [order] = (await world.slave.state())["orders"]

        deleted = await _resent_after_a_crash(world, f"delete {ticket}", "delete_pending", "", 2)
        orders = (await world.slave.state())["orders"]

    assert (order["price"], moved) == (1.079, 19003)
    assert (orders, deleted) == ([], 19003)


@pytest.mark.parametrize(("master", "slave", "margin"), SLAVES[:2], ids=["mt4", "mt5-hedging"])
async def test_a_fill_resent_after_its_market_replacement_is_answered_as_already_done(
        ea_binaries: dict[str, Path], tmp_path: Path, master: str, slave: str, margin: str) -> None:
    """The master places and fills an order while the slave is frozen: the fill names no slave
    ticket. The slave deletes its pending copy and buys at market, and dies right after that
    deal; the resent fill finds the market position by its comment: its own replacement."""
    async with copier_world(ea_binaries, tmp_path, master, slave, slave_margin=margin) as world:
        terminal = world.server.terminal(world.slave_id)
        await world.slave.control("crash_after_trade 3 lost")  # the placement, the delete, the deal
        world.slave.pause()
        try:
            await world.master.control("pending EURUSD buy_stop 0.10 1.0870")
            await world.master.control("price EURUSD 1.0871 1.0873")  # the master's order fills

            async def both_routed() -> bool:
                return terminal.pending_commands == 2
            await until(both_routed, "place and fill routed before any result", 5)
        finally:
            world.slave.resume()
        await _crashed(world, 1)
        filled = await _answered(world, "fill_pending")
        positions = await world.slave.positions()
        orders = (await world.slave.state())["orders"]

    assert [(p["side"], p["vol"]) for p in positions] == [("buy", 0.2)] and orders == []
    assert filled == 19003


@pytest.mark.parametrize("crash", ["", "lost"], ids=["killed", "ids-lost"])
async def test_an_open_resent_to_a_netting_slave_that_died_after_its_deal_is_not_doubled(
        ea_binaries: dict[str, Path], tmp_path: Path, crash: str) -> None:
    """A netting position cannot say which master tickets it holds: the resent open finds the
    copy's deals already at its volume after the open (§14 step 5, netting)."""
    async with copier_world(ea_binaries, tmp_path, "monitor5", "executor5",
                            slave_margin="netting") as world:
        retcode = await _resent_after_a_crash(world, "open EURUSD buy 0.20", "open", crash)
        held = await _slave_lots(world)

    assert (held, retcode) == (0.4, 19003)
