"""The compiled EAs show the welcome's key warning to the trader: one Alert() per distinct text and
a line of the chart comment, cleared by a welcome without a warning — as the reference EA does."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from harness.run import EaProcess
from harness.world import copier_world
from websockets.asyncio.server import ServerConnection, serve

pytestmark = pytest.mark.timeout(60)

EXPIRING = "API key expires in 3 days — generate a new one in the copier's Accounts"
REPLACED = "API key replaced: it stops working in 24 h — put the newest key in inputs"
ROLES = {"monitor4": "monitor", "monitor5": "monitor", "executor4": "executor",
         "executor5": "executor"}


def _welcomes(ea: EaProcess) -> int:
    return sum("welcome, account" in line for line in ea.lines)


async def _welcomed(ea: EaProcess, count: int, timeout: float = 15.0) -> None:
    async with asyncio.timeout(timeout):
        while _welcomes(ea) < count:
            await asyncio.sleep(0.02)


@pytest.mark.parametrize(("master", "slave"),
                         [("monitor4", "executor5"), ("monitor5", "executor4")])
async def test_a_key_near_its_end_is_alerted_once_and_stays_on_the_chart_across_reconnects(
        ea_binaries: dict[str, Path], tmp_path: Path, master: str, slave: str) -> None:
    async with copier_world(ea_binaries, tmp_path, master, slave, key_days=3.5) as world:
        eas = {master: world.master, slave: world.slave}
        for ea in eas.values():
            await _welcomed(ea, 1)
        first = {name: await ea.chart_comment() for name, ea in eas.items()}

        await world.server.stop()
        for ea in eas.values():
            await ea.wait_output("session ended")
        await world.server.start()  # same port: the EAs reconnect with the same key
        for ea in eas.values():
            await _welcomed(ea, 2)
        again = {name: await ea.chart_comment() for name, ea in eas.items()}
        alerts = {name: ea.alerts() for name, ea in eas.items()}

    for name in eas:
        assert alerts[name] == [f"TradeCopy {ROLES[name]}: {EXPIRING}"]
        assert EXPIRING in first[name].splitlines()
        assert EXPIRING in again[name].splitlines()


def _welcome(warn: str) -> str:
    return json.dumps({"t": "welcome", "v": 1, "session": "scripted",
                       "account": "mt4:1001@Harness-Demo", "ack": 0, "ping": 5000,
                       "timeout": 15000, "max_frame": 65536, "rate": 5000, "burst": 10000,
                       "time": 0, "key_days": 3, "warn": warn}, ensure_ascii=False)


class WarningBridge:
    """Plays the bridge: welcomes each connection with the next of ``warns``, then keeps the
    connection until the test ends it with ``drop``."""

    def __init__(self, warns: list[str]) -> None:
        self.warns = warns
        self.connections = 0
        self._drop = asyncio.Event()

    async def handle(self, ws: ServerConnection) -> None:
        await ws.recv()  # hello
        warn = self.warns[min(self.connections, len(self.warns) - 1)]
        self.connections += 1
        await ws.send(_welcome(warn))
        reader = asyncio.create_task(self._read(ws))
        await self._drop.wait()
        self._drop = asyncio.Event()
        await ws.close(1001, "copier restarting")
        reader.cancel()
        await asyncio.gather(reader, return_exceptions=True)

    @staticmethod
    async def _read(ws: ServerConnection) -> None:
        with contextlib.suppress(Exception):
            async for _ in ws:
                pass  # snapshot, account frames: not needed here

    def drop(self) -> None:
        self._drop.set()


@contextlib.asynccontextmanager
async def warning_bridge(warns: list[str]) -> AsyncIterator[tuple[str, WarningBridge]]:
    bridge = WarningBridge(warns)
    async with serve(bridge.handle, "127.0.0.1", 0, ping_interval=None) as server:
        port = server.sockets[0].getsockname()[1]
        yield f"ws://127.0.0.1:{port}/ea/v1", bridge


@pytest.mark.parametrize("name", ["monitor4", "executor4", "monitor5", "executor5"])
async def test_each_new_warning_is_alerted_and_a_welcome_without_one_clears_the_chart(
        ea_binaries: dict[str, Path], tmp_path: Path, name: str) -> None:
    warns = [EXPIRING, EXPIRING, REPLACED, ""]
    comments: list[str] = []
    async with warning_bridge(warns) as (url, bridge):
        ea = EaProcess(ea_binaries[name], tmp_path / name, key="tc1.000000000000.secret", url=url,
                       login=1001)
        await ea.start()
        try:
            for welcomes in range(1, len(warns) + 1):
                await _welcomed(ea, welcomes)
                comments.append(await ea.chart_comment())
                bridge.drop()
            alerts = ea.alerts()
        finally:
            assert await ea.stop() == 0

    role = ROLES[name]
    assert alerts == [f"TradeCopy {role}: {EXPIRING}", f"TradeCopy {role}: {REPLACED}"]
    shown = [[w for w in (EXPIRING, REPLACED) if w in c.splitlines()] for c in comments]
    assert shown == [[EXPIRING], [EXPIRING], [REPLACED], []]
    assert all(c.startswith(f"TradeCopy {role.capitalize()} ") for c in comments)
