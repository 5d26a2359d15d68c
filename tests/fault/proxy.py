"""A fault-injecting WebSocket proxy between the EAs and the bridge (loopback only).

Every connection to the proxy opens one to the bridge and relays frames both ways, seeded:

* EA → bridge: ``event`` and ``result`` frames are duplicated, delayed and so reordered (each
  one sent after a random pause of up to ``max_delay_s`` on a timer of its own, a duplicate after
  another); ``hello``, snapshot parts and the rest pass in order, as the protocol needs them so.
* bridge → EA: ``command`` and ``ack`` frames are duplicated; order is kept (commands to one
  executor are ordered by the copier, which a real network keeps too).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
from dataclasses import dataclass

from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

FAULTED_UP = frozenset({"event", "result"})
DUPLICATED_DOWN = frozenset({"command", "ack"})


@dataclass
class FaultCounts:
    sessions: int = 0
    duplicated: int = 0
    delayed: int = 0


def frame_type(raw: str | bytes) -> str:
    try:
        data = json.loads(raw)
    except ValueError:
        return ""
    return str(data.get("t", "")) if isinstance(data, dict) else ""


class FaultProxy:
    """``ws://127.0.0.1:<port>/ea/v1`` relaying to ``upstream`` with faults injected."""

    def __init__(
        self,
        upstream: str,
        seed: int,
        *,
        duplicate: float = 0.1,
        delay: float = 0.3,
        max_delay_s: float = 0.03,
    ) -> None:
        self.upstream = upstream
        self.rng = random.Random(seed)
        self.duplicate = duplicate
        self.delay = delay
        self.max_delay_s = max_delay_s
        self.counts = FaultCounts()
        self._server: Server | None = None
        self._timers: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self._server = await serve(self._relay, "127.0.0.1", 0, max_size=2**20,
                                   ping_interval=None, compression=None)  # fmt: skip

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close(close_connections=True)
            await self._server.wait_closed()
        for task in list(self._timers):
            task.cancel()
        await asyncio.gather(*self._timers, return_exceptions=True)

    @property
    def url(self) -> str:
        assert self._server is not None
        port = self._server.sockets[0].getsockname()[1]
        return f"ws://127.0.0.1:{port}/ea/v1"

    async def _relay(self, ea: ServerConnection) -> None:
        self.counts.sessions += 1
        try:
            async with connect(self.upstream, max_size=2**20, ping_interval=None,
                               compression=None) as bridge:  # fmt: skip
                up = asyncio.create_task(self._up(ea, bridge))
                down = asyncio.create_task(self._down(bridge, ea))
                await asyncio.wait({up, down}, return_when=asyncio.FIRST_COMPLETED)
                for task in (up, down):
                    task.cancel()
                await asyncio.gather(up, down, return_exceptions=True)
                await _close_like(bridge, ea)
        except (OSError, ConnectionClosed):
            await ea.close(1011, "bridge unreachable")

    async def _up(self, ea: ServerConnection, bridge: ClientConnection) -> None:
        with contextlib.suppress(ConnectionClosed):
            async for raw in ea:
                if frame_type(raw) not in FAULTED_UP:
                    await bridge.send(raw)
                    continue
                copies = 2 if self.rng.random() < self.duplicate else 1
                self.counts.duplicated += copies - 1
                for _ in range(copies):
                    if self.rng.random() < self.delay:
                        self.counts.delayed += 1
                        self._later(bridge, raw, self.rng.uniform(0.0, self.max_delay_s))
                    else:
                        await bridge.send(raw)

    async def _down(self, bridge: ClientConnection, ea: ServerConnection) -> None:
        with contextlib.suppress(ConnectionClosed):
            async for raw in bridge:
                await ea.send(raw)
                if frame_type(raw) in DUPLICATED_DOWN and self.rng.random() < self.duplicate:
                    self.counts.duplicated += 1
                    await ea.send(raw)

    def _later(self, ws: ClientConnection, raw: str | bytes, delay_s: float) -> None:
        async def send() -> None:
            await asyncio.sleep(delay_s)
            with contextlib.suppress(ConnectionClosed):
                await ws.send(raw)

        task = asyncio.create_task(send())
        self._timers.add(task)
        task.add_done_callback(self._timers.discard)


async def _close_like(bridge: ClientConnection, ea: ServerConnection) -> None:
    """Pass the bridge's close code on to the EA (it decides whether to reconnect by it)."""
    code = bridge.close_code or 1001
    reason = bridge.close_reason or ""
    if code in (1005, 1006):
        code = 1001
    with contextlib.suppress(ConnectionClosed):
        await ea.close(code, reason)
    with contextlib.suppress(ConnectionClosed):
        await bridge.close()
