"""Compiled MQL EAs against the real bridge and copy service: trades on a master harness terminal
end as mapped positions on the slave's, across platforms, bridge restarts and bad frames."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from harness.run import EaProcess

from copier.app import AppConfig, CopierApp
from copier.bridge import BridgeConfig, BridgeServer, MemoryKeyVerifier, Role, account_id_for
from copier.domain import Platform
from copier.engine.config import Link, LinkRules, LotMode

pytestmark = pytest.mark.timeout(60)

SERVER = "Harness-Demo"


@dataclass
class Copier:
    server: BridgeServer
    app: CopierApp
    master: EaProcess
    slave: EaProcess
    master_id: str
    slave_id: str


@contextlib.asynccontextmanager
async def copier_world(binaries: dict[str, Path], tmp: Path, master: str, slave: str,
                       slave_margin: str = "hedging") -> AsyncIterator[Copier]:
    """Bridge + CopierApp on 127.0.0.1, a link master → slave (×2 lots, .m suffix), EAs live."""
    keys = MemoryKeyVerifier()
    platforms = {"4": Platform.MT4, "5": Platform.MT5}
    master_id = account_id_for(platforms[master[-1]], 1001, SERVER)
    slave_id = account_id_for(platforms[slave[-1]], 2002, SERVER)
    config = BridgeConfig(port=0, ping_interval_s=0.5, silence_timeout_s=3.0,
                          heartbeat_tick_s=0.1, duplicate_probe_s=0.3, snapshot_timeout_s=2.0)
    server = BridgeServer(keys, config)
    await server.start()
    server.config = replace(config, port=server.port)  # a restart listens where the EAs look
    app = CopierApp(AppConfig(database=tmp / "tc.db", bridge=False))  # the bridge above
    app.add_terminal(server.terminal(master_id))
    app.add_terminal(server.terminal(slave_id))
    rules = LinkRules(lot_mode=LotMode.MULTIPLIER, lot_value=2.0, add_suffix=".m")
    app.save_link(Link(0, master_id, slave_id, rules=rules, name="harness"))
    await app.start()
    monitor = EaProcess(binaries[master], tmp / "master", key=keys.issue(master_id, 1001, SERVER),
                        url=server.url, login=1001)
    executor = EaProcess(binaries[slave], tmp / "slave", key=keys.issue(slave_id, 2002, SERVER),
                         url=server.url, login=2002, margin=slave_margin, suffix=".m")
    world = Copier(server, app, await monitor.start(), await executor.start(), master_id, slave_id)
    try:
        await until(lambda: _both_connected(world), "both EAs welcomed")
        yield world
    finally:
        codes = [await monitor.stop(), await executor.stop()]
        await app.stop()
        await server.stop()
        assert codes == [0, 0], "\n".join(monitor.lines[-20:] + executor.lines[-20:])


async def _both_connected(world: Copier) -> bool:
    master = world.server.terminal(world.master_id).session(Role.MONITOR)
    slave = world.server.terminal(world.slave_id)
    return master is not None and slave.connected


async def until(check: Callable[[], Awaitable[bool]], what: str, timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not await check():
            await asyncio.sleep(0.02)
    del what


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

        session.send('{"t":"command","id":')
        logged = await world.slave.wait_output("unreadable frame")
        ticket = await world.master.control("open USDJPY buy 0.30")
        await until(lambda: _has_copy(world, ticket), "copy after the bad frame")

    assert '{"t":"command","id":' in logged
