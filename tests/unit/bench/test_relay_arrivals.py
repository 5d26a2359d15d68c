"""The bare relay the latency benchmarks compare against is timed from the same point as the
copier: when an event's bytes reach the connection (bench/relay.py, ``stamp_arrivals``), one
stamp per text frame, each at or before the frame's receipt in the handler."""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))

from relay import ArrivalStamps, Relay, serve_relay


def _event(seq: int) -> str:
    return json.dumps({"t": "event", "seq": seq, "ticket": 100 + seq, "sym": "EURUSD",
                       "type": "buy", "vol": 0.1, "price": 1.1})  # fmt: skip


@asynccontextmanager
async def _relay_with_pair(
    stamp_arrivals: bool,
) -> AsyncIterator[tuple[Relay, Any, ClientConnection, ClientConnection]]:
    """A relay on a free loopback port with an executor and a monitor said hello to it."""
    relay, server = await serve_relay(0, stamp_arrivals=stamp_arrivals)
    port = server.sockets[0].getsockname()[1]
    try:
        async with connect(f"ws://127.0.0.1:{port}") as executor, \
                connect(f"ws://127.0.0.1:{port}") as monitor:  # fmt: skip
            for ws, role in ((executor, "executor"), (monitor, "monitor")):
                await ws.send(json.dumps({"t": "hello", "role": role, "login": 1}))
                await ws.recv()
            yield relay, server, executor, monitor
    finally:
        server.close()
        await server.wait_closed()


async def test_each_event_is_timed_from_its_bytes_arrival_not_its_receipt() -> None:
    async with _relay_with_pair(stamp_arrivals=True) as (relay, server, executor, monitor):
        for seq in (1, 2, 3):  # 2 and 3 sent back to back: maybe one read, one stamp
            await monitor.send(_event(seq))
        for _ in range(3):
            await executor.recv()
        await executor.send(json.dumps({"t": "result", "id": "x"}))  # taken, dropped
        await monitor.send(_event(4))
        await executor.recv()
        connections = list(server.connections)
    assert len(relay.event_times_s) == len(relay.handler_times_s) == 4
    for from_arrival, from_receipt in zip(relay.event_times_s, relay.handler_times_s,
                                          strict=True):  # fmt: skip
        assert from_arrival >= from_receipt >= 0.0
    # Every text frame's stamp was taken by its own frame: none left over, none missing.
    assert len(connections) == 2
    assert all(isinstance(c, ArrivalStamps) and not c.arrivals for c in connections)


async def test_without_stamps_both_figures_start_at_the_handler() -> None:
    async with _relay_with_pair(stamp_arrivals=False) as (relay, _, executor, monitor):
        await monitor.send(_event(1))
        await executor.recv()
    assert relay.event_times_s == relay.handler_times_s
    assert len(relay.event_times_s) == 1
