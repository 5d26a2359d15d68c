"""Bad input, one test per row of tests/vectors/protocol/session_outcomes.json: the misbehaving
connection gets its documented close code or error frame, and a healthy monitor and executor on
the same bridge go on copying with nothing lost."""

from __future__ import annotations

import asyncio
import contextlib
import json
from pathlib import Path
from typing import Any

import pytest
from test_bridge_support import FAST, World, bridge_world, make_account
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from copier.bridge import BridgeServer
from copier.bridge.codec import decode, encode
from copier.bridge.protocol import Error, Ping, Pong
from copier.domain import Platform, Side

pytestmark = pytest.mark.timeout(20)

CASES = json.loads(
    (Path(__file__).parents[1] / "vectors" / "protocol" / "session_outcomes.json").read_text(
        encoding="utf-8"
    )
)["cases"]


class RawEa:
    """A hand-driven EA connection: sends exactly what a step says, answers pings unless told
    to keep silent, and keeps every other frame it receives."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.frames: asyncio.Queue[Any] = asyncio.Queue()
        self.answer_pings = True
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        with contextlib.suppress(ConnectionClosed):
            async for raw in self.ws:
                message = decode(raw)
                if isinstance(message, Ping):
                    if self.answer_pings:
                        await self.ws.send(encode(Pong(id=message.id)))
                    continue
                await self.frames.put(message)

    async def next_error(self) -> Error:
        async with asyncio.timeout(2):
            while True:
                message = await self.frames.get()
                if isinstance(message, Error):
                    return message

    async def close_code(self) -> int | None:
        async with asyncio.timeout(3):
            await self.ws.wait_closed()
        return self.ws.close_code

    async def still_answers(self) -> bool:
        """The session is alive: a ping from the EA is answered."""
        await self.ws.send(encode(Ping(id=424242)))
        async with asyncio.timeout(2):
            while True:
                message = await self.frames.get()
                if isinstance(message, Pong) and message.id == 424242:
                    return True

    async def stop(self) -> None:
        self._reader.cancel()
        await asyncio.gather(self._reader, return_exceptions=True)
        await self.ws.close()


class Case:
    def __init__(self, world: World, spec: dict[str, Any]) -> None:
        self.world = world
        self.spec = spec
        self.account = make_account(world.keys, world.market, 5001, "Bad-Demo", Platform.MT5)
        self.keys = {"{key}": self.account.key, "{other_key}": world.master.key}
        self.ea: RawEa | None = None
        self.extra: list[RawEa] = []

    def hello(self, overrides: dict[str, Any]) -> str:
        fields = _hello_fields(self.account.key)
        for name, value in overrides.items():
            fields[name] = self.keys.get(value, value) if isinstance(value, str) else value
        return json.dumps(fields)

    async def open(self) -> RawEa:
        ea = RawEa(await connect(self.world.server.url, max_size=None, ping_interval=None))
        self.extra.append(ea)
        return ea

    async def run(self) -> RawEa:
        for step in self.spec["steps"]:
            await self.step(step)
        assert self.ea is not None
        return self.ea

    async def step(self, step: dict[str, Any]) -> None:
        if "failed_hellos" in step:
            for _ in range(step["failed_hellos"]):
                ea = await self.open()
                await ea.ws.send(self.hello({"key": "tc1.000000000000.wrong"}))
                assert await ea.close_code() == 4401
            return
        if self.ea is None:
            self.ea = await self.open()
        ws = self.ea.ws
        if "hello" in step:
            await ws.send(self.hello(step["hello"]))
        elif "second_connection_hello" in step:
            await asyncio.sleep(0.05)  # the first session is welcomed
            self.ea = await self.open()
            await self.ea.ws.send(self.hello(step["second_connection_hello"]))
        elif "send_binary" in step:
            await ws.send(bytes.fromhex(step["send_binary"]))
        elif "send_padded" in step:
            await ws.send(json.dumps({"t": "ping", "id": 1, "pad": "x" * step["send_padded"]}))
        elif "flood" in step:
            for n in range(step["flood"]):
                await ws.send(f'{{"t":"ping","id":{n}}}')
        elif "silent" in step:
            self.ea.answer_pings = False
        elif "send" in step:
            for _ in range(step.get("repeat", 1)):
                await ws.send(step["send"])

    async def stop(self) -> None:
        for ea in self.extra:
            await ea.stop()


def _hello_fields(key: str) -> dict[str, Any]:
    return {
        "t": "hello", "v": 1, "key": key, "role": "monitor", "platform": "mt5", "login": 5001,
        "server": "Bad-Demo", "currency": "USD", "margin": "hedging", "ea": "bad-1", "build": 1,
        "trade": True,
    }  # fmt: skip


async def _healthy_copy_still_works(world: World, seq_before: int) -> None:
    ticket = world.master.broker.open_market("EURUSD", Side.BUY, 0.01).position
    sink = world.sink
    await sink.wait_for(lambda: sink.last_seq == seq_before + 1 and not sink.inflight)
    assert any(p.comment == f"TC|{ticket}" for p in world.slave.broker.positions())
    assert [e.seq for e in sink.events] == list(range(1, seq_before + 2))


@pytest.mark.parametrize("spec", CASES, ids=lambda c: c["name"])
async def test_bad_input_gets_its_documented_answer_and_healthy_sessions_go_on(
    spec: dict[str, Any],
) -> None:
    async with bridge_world(FAST) as world:
        await _healthy_copy_still_works(world, 0)
        case = Case(world, spec)
        try:
            ea = await case.run()
            if "close" in spec:
                assert await ea.close_code() == spec["close"]
            else:
                error = await ea.next_error()
                assert error.code == spec["error"]
                assert await ea.still_answers()
        finally:
            await case.stop()

        await _healthy_copy_still_works(world, 1)
        assert all(ea.connected for ea in world.eas)
        assert all(ea.welcomes == 1 for ea in world.eas)


class BrokenKeyBook:
    def verify(self, key: str, login: int, server: str) -> str:
        raise OSError("database is locked")


async def test_a_key_book_that_fails_closes_with_internal_error_not_bad_key() -> None:
    server = BridgeServer(BrokenKeyBook(), FAST)
    await server.start()
    try:
        async with connect(server.url, ping_interval=None) as ws:
            await ws.send(json.dumps(_hello_fields("tc1.a.b")))
            async with asyncio.timeout(3):
                await ws.wait_closed()
    finally:
        await server.stop()

    assert ws.close_code == 1011
