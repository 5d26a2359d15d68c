"""Compiled MQL EAs against the real bridge and copy service: trades on a master harness terminal
end as mapped positions on the slave's, across platforms, bridge restarts and bad frames."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from harness.world import Copier, copier_world, until

from copier.bridge import Role

pytestmark = pytest.mark.timeout(60)


def _copies(positions: list[dict[str, Any]], master_ticket: str) -> list[dict[str, Any]]:
    return [p for p in positions if p["comment"] == f"TC|{master_ticket}"]


async def _copy_of(world: Copier, ticket: str) -> dict[str, Any] | None:
    found = _copies(await world.slave.positions(), ticket)
    return found[0] if len(found) == 1 else None


async def _trade_and_check_copies(world: Copier) -> None:
    ticket = await world.master.control("open EURUSD buy 0.10 sl=1.0800")

    async def opened() -> bool:
        copy = await _copy_of(world, ticket)
        want = ("EURUSD.m", 0.2, 1.08)
        return copy is not None and (copy["sym"], copy["vol"], copy["sl"]) == want
    await until(opened, "the copy opened")

    await world.master.control(f"modify {ticket} tp=1.0950")

    async def modified() -> bool:
        copy = await _copy_of(world, ticket)
        return copy is not None and copy["tp"] == 1.095
    await until(modified, "the copy's TP set")

    await world.master.control(f"close {ticket} 0.05")

    async def halved() -> bool:
        return [p["vol"] for p in await world.slave.positions()] == [0.1]
    await until(halved, "half the copy closed")

    rest = (await world.master.positions())[0]["ticket"]
    await world.master.control(f"close {rest}")

    async def flat() -> bool:
        return await world.slave.positions() == []
    await until(flat, "the copy closed")


@pytest.mark.parametrize(("master", "slave"), [("monitor4", "executor4"), ("monitor5", "executor5"),
                                               ("monitor4", "executor5")])
async def test_open_modify_partial_and_full_close_are_copied_through_compiled_eas(
        ea_binaries: dict[str, Path], tmp_path: Path, master: str, slave: str) -> None:
    async with copier_world(ea_binaries, tmp_path, master, slave) as world:
        await _trade_and_check_copies(world)

    assert "CRITICAL" not in "\n".join(world.master.lines + world.slave.lines)


async def test_trades_made_while_the_bridge_restarts_are_copied_once(
        ea_binaries: dict[str, Path], tmp_path: Path) -> None:
    async with copier_world(ea_binaries, tmp_path, "monitor4", "executor4") as world:
        first = await world.master.control("open EURUSD buy 0.10")
        await until(lambda: _has_copy(world, first), "first copy")

        await world.server.stop()
        second = await world.master.control("open GBPUSD sell 0.20")
        await world.master.wait_output("session ended")
        await world.server.start()  # same port: the EAs reconnect with backoff
        await until(lambda: _has_copy(world, second), "copy made after the restart", 15)
        await asyncio.sleep(0.5)  # any duplicate would arrive by now

        positions = await world.slave.positions()

    assert sorted((p["sym"], p["vol"]) for p in positions) == [("EURUSD.m", 0.2), ("GBPUSD.m", 0.4)]
    assert len(_copies(positions, first)) == len(_copies(positions, second)) == 1


async def _has_copy(world: Copier, ticket: str) -> bool:
    return await _copy_of(world, ticket) is not None


async def test_a_bad_frame_from_the_bridge_is_logged_and_copying_goes_on(
        ea_binaries: dict[str, Path], tmp_path: Path) -> None:
    async with copier_world(ea_binaries, tmp_path, "monitor5", "executor5") as world:
        session = world.server.terminal(world.slave_id).session(Role.EXECUTOR)
        assert session is not None

        session.send(b'{"t":"command","id":')
        logged = await world.slave.wait_output("unreadable frame")
        ticket = await world.master.control("open USDJPY buy 0.30")
        await until(lambda: _has_copy(world, ticket), "copy after the bad frame")

    assert '{"t":"command","id":' in logged
