"""Micro-benchmark of the EA bridge's command send path and result path, without a network.

Each slave account is an ``EaTerminal`` with one executor ``Session`` over a real websockets
``ServerConnection`` whose transport swallows what is written (``--loopback`` uses a real TCP
connection instead, with a client draining it, so the socket's ``send`` system call is included).
What is timed is exactly what the copy service pays per command:
``EaTerminal.submit`` → ``Session.send`` → ``encode_command`` → WebSocket framing → transport.

- **send**: one event's commands, one per slave, submitted back to back; µs per command.
- **result**: one ``result`` frame per slave fed into the connection as it would arrive from the
  socket (masked, as EAs send them), read by the session's reader, decoded, validated and handed
  to the sink; µs per result, loop wake-ups included (not with ``--loopback``).

Each figure comes with its websockets-only floor, taken in the same run: the same bytes framed and
written by ``protocol.send_text`` + ``send_data`` (send), and a bare ``async for`` reader over the
same frames (result). What lies above the floor is the bridge's own share.

    python bench/bridge_send.py [--slaves 10] [--events 4000] [--loopback] [--profile send|result]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import os
import platform
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import websockets
from websockets.asyncio.client import connect
from websockets.asyncio.connection import Connection
from websockets.asyncio.server import ServerConnection, serve
from websockets.frames import Frame, Opcode
from websockets.protocol import State
from websockets.server import ServerProtocol

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from copier.bridge import BridgeConfig, Role
from copier.bridge.convert import encode_command
from copier.bridge.protocol import Hello
from copier.bridge.session import Session
from copier.domain import (
    Command,
    CommandKind,
    ExecutionResult,
    MarginMode,
    OrderType,
    Platform,
    TerminalStatus,
    command_id,
)
from copier.percentiles import percentile
from copier.terminals.base import events_one_by_one
from copier.terminals.ea.terminal import EaTerminal

CONFIG = BridgeConfig(port=0, rate_per_s=1e9, rate_burst=1_000_000_000)
WARMUP = 200  # events left out of the figures (a tenth of a shorter run)


def warmup(events: int) -> int:
    """How many of the first events are left out: 200, or a tenth of a run shorter than 2,000
    (a run of 200 events used to leave nothing to report)."""
    return min(WARMUP, events // 10)


class NullTransport(asyncio.Transport):
    """A transport that takes every write and keeps nothing: the socket without its syscall."""

    def __init__(self) -> None:
        super().__init__()
        self.written = 0

    def write(self, data: Any) -> None:
        self.written += len(data)

    def get_write_buffer_size(self) -> int:
        return 0

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        return None

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return ("127.0.0.1", 50000) if name == "peername" else default

    def can_write_eof(self) -> bool:
        return True

    def write_eof(self) -> None:
        return None

    def pause_reading(self) -> None:
        return None

    def resume_reading(self) -> None:
        return None

    def is_closing(self) -> bool:
        return False

    def close(self) -> None:
        return None


class CountingSink:
    """Takes results and counts them; wakes the benchmark when the expected number arrived."""

    def __init__(self) -> None:
        self.results = 0
        self.expected = 0
        self.done = asyncio.Event()

    on_events = events_one_by_one

    async def on_event(self, event: object) -> None:
        return None

    def on_result(self, result: ExecutionResult) -> None:
        self.results += 1
        if self.results >= self.expected:
            self.done.set()

    def on_status(self, status: TerminalStatus) -> None:
        return None


def null_connection(kind: type[ServerConnection] = ServerConnection) -> ServerConnection:
    """An open server-side websockets connection (``kind``: ServerConnection or a subclass,
    such as the bridge's MeteredConnection) over a NullTransport (no handshake)."""
    protocol = ServerProtocol(state=State.OPEN)
    connection = kind(protocol, cast(Any, None), ping_interval=None, max_queue=64)
    connection.request = cast(Any, "handshake done")  # later events are frames
    # The base class's connection_made: the server's would start a handshake handler task.
    Connection.connection_made(connection, NullTransport())
    return connection


def hello(login: int) -> Hello:
    return Hello(
        v=1, key="k", role=Role.EXECUTOR, platform=Platform.MT5, login=login, server="Bench",
        currency="USD", margin=MarginMode.HEDGING, ea="bench", build=1, trade=True,
    )  # fmt: skip


def commands_for(event: int, slaves: list[EaTerminal]) -> list[Command]:
    """What the engine makes of one master event: one command per slave (a ~400-byte frame)."""
    ticket = 5_000_000 + event
    price = round(1.08 + (event % 1000) * 1e-5, 5)  # a new price for every event
    return [
        Command(
            id=command_id(n + 1, ticket, event), link_id=n + 1, slave_id=slave.account_id,
            kind=CommandKind.OPEN, master_ticket=ticket, symbol="EURUSD",
            order_type=OrderType.BUY, volume=0.25, price=price, sl=price - 0.005,
            tp=price + 0.01,
            magic=20240101, comment=f"TC|{ticket}", max_deviation_points=30, master_seq=event,
            created_ms=1767225602000 + event, expires_ms=1767225612000 + event,
        )
        for n, slave in enumerate(slaves)
    ]  # fmt: skip


def result_frame(command: Command) -> bytes:
    """The masked WebSocket frame an executor sends for a command's result."""
    text = (
        f'{{"t":"result","id":"{command.id}","rc":10009,"msg":"EURUSD: opened #880021, 0.25 at '
        f'1.08491","ticket":{880000 + command.master_seq},"vol":0.25,"price":1.08491,'
        f'"time":{command.created_ms + 40},"sl":1.08,"tp":1.09}}'
    )
    return Frame(Opcode.TEXT, text.encode()).serialize(mask=True)


def summary(samples_ns: list[int], per: int) -> str:
    """p50 / mean / p99 in µs per item, for batches of ``per`` items."""
    per_item = sorted(s / per / 1000 for s in samples_ns[warmup(len(samples_ns)) :])
    p99 = percentile(per_item, 0.99)
    return (
        f"p50 {statistics.median(per_item):6.2f}  mean {statistics.fmean(per_item):6.2f}  "
        f"p99 {p99:6.2f} µs"
    )


class Rig:
    """N slave terminals, each with an executor session, over null or loopback connections."""

    def __init__(self, slaves: int) -> None:
        self.count = slaves
        self.terminals: list[EaTerminal] = []
        self.sessions: list[Session] = []
        self.sink = CountingSink()
        self._closers: list[Callable[[], Any]] = []

    async def open(self, loopback: bool) -> None:
        connections = await (self._loopback() if loopback else self._null())
        clock = lambda: time.time_ns() // 1_000_000  # noqa: E731
        for n, ws in enumerate(connections):
            terminal = EaTerminal(f"mt5:{2000 + n}@Bench")
            session = Session(ws, hello(2000 + n), terminal.account_id, f"s{n}", terminal,
                              CONFIG, clock)  # fmt: skip
            terminal.attach(session)
            terminal.mark_ready(session)
            await terminal.start(self.sink)
            self.terminals.append(terminal)
            self.sessions.append(session)

    async def _null(self) -> list[ServerConnection]:
        return [null_connection() for _ in range(self.count)]

    async def _loopback(self) -> list[ServerConnection]:
        accepted: asyncio.Queue[ServerConnection] = asyncio.Queue()
        hold = asyncio.Event()

        async def handler(ws: ServerConnection) -> None:
            await accepted.put(ws)
            await hold.wait()

        server = await serve(handler, "127.0.0.1", 0, ping_interval=None, compression=None)
        port = server.sockets[0].getsockname()[1]
        drains = []
        for _ in range(self.count):
            client = await connect(f"ws://127.0.0.1:{port}", ping_interval=None,
                                   compression=None, max_size=None)  # fmt: skip
            drains.append(asyncio.create_task(_drain(client)))
        connections = [await accepted.get() for _ in range(self.count)]

        async def close() -> None:
            hold.set()
            for task in drains:
                task.cancel()
            server.close()

        self._closers.append(close)
        return connections

    async def close(self) -> None:
        for terminal in self.terminals:
            await terminal.stop()
        for close in self._closers:
            await close()


async def _drain(client: Any) -> None:
    async for _ in client:
        pass


async def bench_send(rig: Rig, events: int, loopback: bool) -> dict[str, list[int]]:
    """Time one event's submits (all slaves), the encoder alone and the websockets-only floor."""
    batches = [commands_for(e, rig.terminals) for e in range(1, events + 1)]
    rig.sink.expected = 1 << 62
    pairs = list(zip(rig.terminals, rig.sessions, strict=True))
    timed: dict[str, list[int]] = {"submit": [], "encode": [], "websockets": []}
    clock = time.perf_counter_ns
    for batch in batches:
        frames = [encode_command(c) for c in batch]
        gc.disable()
        start = clock()
        for command in batch:
            encode_command(command)
        middle = clock()
        for (_, session), frame in zip(pairs, frames, strict=True):
            protocol = session.ws.protocol
            protocol.send_text(frame)
            session.ws.send_data()
        floor_end = clock()
        for terminal, command in zip(rig.terminals, batch, strict=True):
            terminal.submit(command)
        end = clock()
        gc.enable()
        timed["encode"].append(middle - start)
        timed["websockets"].append(floor_end - middle)
        timed["submit"].append(end - floor_end)
        if loopback:
            await asyncio.sleep(0)  # let the clients drain
    return timed


async def bench_result(rig: Rig, events: int) -> dict[str, list[int]]:
    """Time one result frame per slave through the session readers, and through bare readers."""
    batches = [commands_for(events + e, rig.terminals) for e in range(1, events + 1)]
    timed: dict[str, list[int]] = {"session": [], "websockets": []}
    clock = time.perf_counter_ns
    readers = [asyncio.create_task(s.run()) for s in rig.sessions]
    for batch in batches:
        for terminal, command in zip(rig.terminals, batch, strict=True):
            terminal.submit(command)
        frames = [result_frame(c) for c in batch]
        sink = rig.sink
        sink.done.clear()
        sink.expected = sink.results + len(batch)
        gc.disable()
        start = clock()
        for session, frame in zip(rig.sessions, frames, strict=True):
            session.ws.data_received(frame)
        await sink.done.wait()
        timed["session"].append(clock() - start)
        gc.enable()
    for task in readers:
        task.cancel()
    await asyncio.gather(*readers, return_exceptions=True)

    # The floor: the same frames read by a bare ``async for`` over fresh connections.
    bare = [null_connection() for _ in rig.sessions]
    left = [0]
    woken = asyncio.Event()

    async def read(ws: ServerConnection) -> None:
        async for _ in ws:
            left[0] -= 1
            if left[0] == 0:
                woken.set()

    bare_readers = [asyncio.create_task(read(ws)) for ws in bare]
    for batch in batches:
        frames = [result_frame(c) for c in batch]
        woken.clear()
        left[0] = len(frames)
        gc.disable()
        start = clock()
        for ws, frame in zip(bare, frames, strict=True):
            ws.data_received(frame)
        await woken.wait()
        timed["websockets"].append(clock() - start)
        gc.enable()
    for task in bare_readers:
        task.cancel()
    await asyncio.gather(*bare_readers, return_exceptions=True)
    return timed


async def main(args: argparse.Namespace) -> None:
    rig = Rig(args.slaves)
    await rig.open(args.loopback)
    profiler = cProfile.Profile()
    try:
        if args.profile == "send":
            profiler.enable()
        sent = await bench_send(rig, args.events, args.loopback)
        profiler.disable()
        answered: dict[str, list[int]] = {}
        if not args.loopback:  # the clients would read the commands inside the timed window
            if args.profile == "result":
                profiler.enable()
            answered = await bench_result(rig, args.events)
            profiler.disable()
    finally:
        await rig.close()
    n = args.slaves
    where = "loopback TCP, clients draining" if args.loopback else "null transport"
    print(
        f"{n} slaves × {args.events} events ({warmup(args.events)} left out), {where}; "
        f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}, Python "
        f"{platform.python_version()}, websockets {websockets.__version__}"
    )
    print(f"send, per command   submit → written   {summary(sent['submit'], n)}")
    print(f"                    encode_command     {summary(sent['encode'], n)}")
    print(f"                    websockets floor   {summary(sent['websockets'], n)}")
    if answered:
        print(f"result, per frame   session reader     {summary(answered['session'], n)}")
        print(f"                    websockets floor   {summary(answered['websockets'], n)}")
    if args.profile:
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--slaves", type=int, default=10)
    parser.add_argument("--events", type=int, default=4000)
    parser.add_argument("--loopback", action="store_true", help="real TCP sockets, not a null one")
    parser.add_argument("--profile", choices=("send", "result"), help="cProfile that part")
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
