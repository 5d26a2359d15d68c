"""The floor the EA bridge is measured against: a bare ``websockets`` relay, no engine, no store.

It speaks just enough of protocol v1 that the same load generator drives it and the copier: a
``hello`` is answered with a ``welcome``; each monitor ``event`` is parsed, one command frame is
built from it and broadcast to every executor (``websockets.broadcast``, the library's own
fan-out), and the monitor gets a cumulative ``ack`` once the frames already buffered are handled.
Results, snapshots and pongs are parsed and dropped. Server-side time per event is to the last
command frame written, from the moment the frame's bytes reached the connection when the relay
stamps arrivals (``stamp_arrivals``: the point the copier's own figure starts from,
``MeteredConnection.arrived``, so websockets' parsing and the hop to the handler count on both
sides), else from the frame's receipt in the handler (``handler_times_s``, kept either way).

Run on its own (for profiling): ``python bench/relay.py --port 8765``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from websockets.asyncio.server import ServerConnection, broadcast, serve
from websockets.frames import Frame, Opcode


class ArrivalStamps(ServerConnection):
    """Notes, for every text frame, when the bytes that held it reached the connection."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.arrivals: deque[float] = deque()  # one per text frame not yet taken by the handler
        self._read_at = 0.0

    def data_received(self, data: bytes) -> None:
        self._read_at = time.perf_counter()
        super().data_received(data)

    def process_event(self, event: object) -> None:
        if isinstance(event, Frame) and event.opcode is Opcode.TEXT:
            self.arrivals.append(self._read_at)
        super().process_event(event)  # type: ignore[arg-type]


class Relay:
    def __init__(self, on_frame: Callable[[], None] | None = None) -> None:
        self.on_frame = on_frame  # called for every frame taken in (throughput counting)
        self.executors: set[ServerConnection] = set()
        self.event_times_s: list[float] = []  # arrival → all command frames written
        self.handler_times_s: list[float] = []  # receipt in the handler → all written
        self.frames = 0
        self._ack_pending: dict[ServerConnection, int] = {}

    async def handle(self, ws: ServerConnection) -> None:
        stamps = ws.arrivals if isinstance(ws, ArrivalStamps) else None
        hello = json.loads(await ws.recv())
        if stamps:
            stamps.popleft()
        role = hello.get("role", "monitor")
        await ws.send(_welcome(hello))
        if role == "executor":
            self.executors.add(ws)
        try:
            async for raw in ws:
                taken = time.perf_counter()
                arrived = stamps.popleft() if stamps else taken
                self.frames += 1
                if self.on_frame is not None:
                    self.on_frame()
                frame = json.loads(raw)
                if frame.get("t") == "event" and role == "monitor":
                    if self.executors:
                        broadcast(self.executors, _command(frame))
                        written = time.perf_counter()
                        self.event_times_s.append(written - arrived)
                        self.handler_times_s.append(written - taken)
                    self._ack_later(ws, frame["seq"])
        finally:
            self.executors.discard(ws)

    def _ack_later(self, ws: ServerConnection, seq: int) -> None:
        if ws not in self._ack_pending:
            asyncio.get_running_loop().call_soon(self._flush_ack, ws)
        self._ack_pending[ws] = seq

    def _flush_ack(self, ws: ServerConnection) -> None:
        seq = self._ack_pending.pop(ws)
        broadcast([ws], f'{{"t":"ack","seq":{seq}}}')


def _welcome(hello: dict[str, Any]) -> str:
    return json.dumps({
        "t": "welcome", "v": 1, "session": "relay", "account": f"relay:{hello.get('login')}",
        "ack": 0, "ping": 5000, "timeout": 15000, "max_frame": 65536, "rate": 1_000_000,
        "burst": 1_000_000, "time": int(time.time() * 1000),
    })  # fmt: skip


def _command(event: dict[str, Any]) -> str:
    return json.dumps({
        "t": "command", "id": f"L1-T{event['ticket']}-S{event['seq']}", "kind": "open", "link": 1,
        "ticket": event["ticket"], "sym": event["sym"], "type": event["type"],
        "vol": event["vol"], "price": event["price"], "sl": event.get("sl", 0.0),
        "tp": event.get("tp", 0.0), "slave_ticket": 0, "magic": 0,
        "comment": f"TC|{event['ticket']}", "dev": 0, "sl_pts": 0, "tp_pts": 0,
        "two_step": False, "seq": event["seq"], "leg": 0, "created": 0, "expires": 0,
    }, separators=(",", ":"))  # fmt: skip


async def serve_relay(
    port: int = 0,
    compression: bool = False,
    on_frame: Callable[[], None] | None = None,
    stamp_arrivals: bool = False,
) -> tuple[Relay, Any]:
    """Start a relay; returns it and the websockets server (``.sockets[0]`` has the port).
    ``stamp_arrivals``: time each event from its bytes' arrival (the latency benchmarks; the
    throughput benchmark counts CPU and leaves it off)."""
    relay = Relay(on_frame)
    server = await serve(
        relay.handle, "127.0.0.1", port, ping_interval=None, max_size=65536,
        compression="deflate" if compression else None, max_queue=64,
        create_connection=ArrivalStamps if stamp_arrivals else None,
    )  # fmt: skip
    return relay, server


async def _main(port: int) -> None:
    relay, server = await serve_relay(port)
    print(f"relay on ws://127.0.0.1:{server.sockets[0].getsockname()[1]}/ea/v1")
    try:
        await asyncio.Future()
    finally:
        print(f"{relay.frames} frames")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8765)
    asyncio.run(_main(parser.parse_args().port))
