"""The reference EA's own rules, against a scripted bridge and a real one: a silent connection is
dropped, a refused key stops it for good, reconnects back off and the backoff resets."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from test_bridge_support import bridge_world
from websockets.asyncio.server import ServerConnection, serve

from copier.bridge import Role
from copier.bridge.protocol import CloseCode
from copier.testbed.broker import Market, SimAccount, SimBroker, catalogue
from copier.testbed.refea import EaSettings, ReferenceEa, main, run_reference_ea
from copier.testbed.refea.run import broker_from_args, parse_args

pytestmark = pytest.mark.timeout(20)

Behaviour = Callable[[ServerConnection, int], Awaitable[None]]


def _welcome(timeout_ms: int = 15000) -> str:
    return json.dumps(
        {
            "t": "welcome",
            "v": 1,
            "session": "scripted",
            "account": "mt5:7@S",
            "ack": 0,
            "ping": 5000,
            "timeout": timeout_ms,
            "max_frame": 65536,
            "rate": 5000,
            "burst": 10000,
            "time": 0,
        }
    )


class ScriptedBridge:
    """A bare WebSocket server playing the bridge's part as a test scripts it; it records when
    each hello arrived and the close code each EA connection ended with."""

    def __init__(self, behaviour: Behaviour) -> None:
        self.behaviour = behaviour
        self.hellos: list[float] = []
        self.close_codes: list[int | None] = []

    async def handle(self, ws: ServerConnection) -> None:
        await ws.recv()
        self.hellos.append(time.perf_counter())
        await self.behaviour(ws, len(self.hellos))
        with contextlib.suppress(Exception):
            async for _ in ws:
                pass
        self.close_codes.append(ws.close_code)


@contextlib.asynccontextmanager
async def scripted(behaviour: Behaviour) -> AsyncIterator[tuple[str, ScriptedBridge]]:
    bridge = ScriptedBridge(behaviour)
    async with serve(bridge.handle, "127.0.0.1", 0, ping_interval=None) as server:
        port = server.sockets[0].getsockname()[1]
        yield f"ws://127.0.0.1:{port}/ea/v1", bridge


def _ea(url: str, **settings: Any) -> ReferenceEa:
    broker = SimBroker(SimAccount(7, "S"), catalogue("standard"), Market(seed=1))
    return ReferenceEa(broker, EaSettings(url, "key", Role.EXECUTOR, seed=5, **settings))


async def _until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.005)


async def test_an_ea_drops_a_connection_that_stays_silent_and_reconnects() -> None:
    async def silent(ws: ServerConnection, n: int) -> None:
        await ws.send(_welcome(timeout_ms=300))

    async with scripted(silent) as (url, bridge):
        ea = _ea(url, backoff_base_s=0.02)
        task = asyncio.create_task(ea.run())
        await _until(lambda: len(bridge.hellos) >= 2)
        await ea.stop()
        await task

    assert bridge.close_codes[0] == CloseCode.HEARTBEAT_TIMEOUT
    assert 0.3 <= bridge.hellos[1] - bridge.hellos[0] < 1.0


async def test_an_ea_refused_for_a_bad_key_stops_instead_of_retrying() -> None:
    async def refuse(ws: ServerConnection, n: int) -> None:
        await ws.close(int(CloseCode.BAD_KEY), "API key not valid for account 7@S")

    async with scripted(refuse) as (url, bridge):
        ea = _ea(url, backoff_base_s=0.01)
        async with asyncio.timeout(3):
            await ea.run()
        await asyncio.sleep(0.05)

    assert ea.fatal == (4401, "API key not valid for account 7@S")
    assert len(bridge.hellos) == 1


async def test_reconnects_back_off_doubling_within_their_jitter_band() -> None:
    async def busy(ws: ServerConnection, n: int) -> None:
        await ws.close(int(CloseCode.DUPLICATE_SESSION), "a executor EA is already connected")

    base, cap = 0.04, 0.32
    async with scripted(busy) as (url, bridge):
        ea = _ea(url, backoff_base_s=base, backoff_cap_s=cap)
        task = asyncio.create_task(ea.run())
        await _until(lambda: len(bridge.hellos) >= 7)
        await ea.stop()
        await task

    gaps = [b - a for a, b in zip(bridge.hellos, bridge.hellos[1:], strict=False)][:6]
    ceilings = [min(cap, base * 2**n) for n in range(6)]
    assert all(0.5 * c <= g <= c + 0.05 for g, c in zip(gaps, ceilings, strict=True)), gaps


async def test_a_session_that_lasted_resets_the_backoff() -> None:
    async def script(ws: ServerConnection, n: int) -> None:
        if n <= 3:
            await ws.close(int(CloseCode.DUPLICATE_SESSION), "busy")
            return
        await ws.send(_welcome())
        await asyncio.sleep(0.25)  # longer than the EA's reset time
        await ws.close(int(CloseCode.GOING_AWAY), "copier stopping")

    base = 0.1
    async with scripted(script) as (url, bridge):
        ea = _ea(url, backoff_base_s=base, backoff_cap_s=2.0, backoff_reset_after_s=0.2)
        task = asyncio.create_task(ea.run())
        await _until(lambda: len(bridge.hellos) >= 5)
        await ea.stop()
        await task

    before_reset = bridge.hellos[3] - bridge.hellos[2]  # third failure: 0.2–0.4 s
    after_reset = bridge.hellos[4] - bridge.hellos[3] - 0.25  # first again: 0.05–0.1 s
    assert before_reset >= 0.2
    assert after_reset < 0.18


async def test_run_reference_ea_serves_until_told_to_stop() -> None:
    async with bridge_world(with_eas=False) as world:
        stop = asyncio.Event()
        runner = asyncio.create_task(
            run_reference_ea(
                world.server.url,
                world.master.key,
                "monitor",
                world.master.broker,
                tick_ms=5,
                trade_every_ms=10,
                seed=3,
                stop=stop,
            )
        )
        await world.sink.wait_for(lambda: len(world.sink.events) >= 3)
        stop.set()
        ea = await runner

    assert ea.welcomes == 1 and ea.fatal is None
    assert [e.seq for e in world.sink.events[:3]] == [1, 2, 3]


def test_sim_ea_command_line_builds_the_account_it_names() -> None:
    args = parse_args(
        [
            "--role",
            "executor",
            "--key",
            "k",
            "--login",
            "4242",
            "--server",
            "Demo-X",
            "--platform",
            "mt4",
            "--broker",
            "suffix",
        ]
    )

    broker = broker_from_args(args)

    assert (broker.account.login, broker.account.server, broker.platform.value) == (
        4242,
        "Demo-X",
        "mt4",
    )
    assert "EURUSD.m" in broker.symbols()


def test_sim_ea_exits_with_2_when_the_bridge_refuses_its_key() -> None:
    async def refuse(ws: ServerConnection, n: int) -> None:
        await ws.close(int(CloseCode.BAD_KEY), "API key not valid")

    ready = threading.Event()
    done = threading.Event()
    address: list[str] = []

    def bridge_thread() -> None:
        async def serve_until_done() -> None:
            async with scripted(refuse) as (url, _):
                address.append(url)
                ready.set()
                while not done.is_set():
                    await asyncio.sleep(0.01)

        asyncio.run(serve_until_done())

    thread = threading.Thread(target=bridge_thread, daemon=True)
    thread.start()
    ready.wait(5)
    try:
        code = main(
            [
                "--role",
                "monitor",
                "--url",
                address[0],
                "--key",
                "wrong",
                "--login",
                "7",
                "--server",
                "S",
                "--tick-ms",
                "0",
            ]
        )
    finally:
        done.set()
        thread.join(5)

    assert code == 2
