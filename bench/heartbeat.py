"""Micro-benchmark of the bridge's heartbeats over many idle EA sessions, without a network.

``--sessions`` executor sessions, each a real ``Session`` with its reader running over a
``MeteredConnection`` (as the bridge makes them) whose transport discards what is written.
Each round pings every session (``Session.ping``: the frame written) and feeds each its EA's
pong as the socket would deliver it (masked), then waits until every pong was handled. Printed:

- the event loop thread's CPU per heartbeat (ping written + pong read), p50 over the rounds;
- the objects each session leaves alive per heartbeat, counted after the warm-up round froze
  the heap (``gc.freeze``): what outlives a young collection and must then be walked by the
  older ones — with ten thousand sessions, 2,000 heartbeats a second;
- the collections of each generation the rounds set off.

    python bench/heartbeat.py [--sessions 2000] [--rounds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import sys
import time
from pathlib import Path
from typing import cast

from websockets.frames import Frame, Opcode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bridge_send import CONFIG, hello, null_connection

from copier.bridge.metered import MeteredConnection
from copier.bridge.session import Session
from copier.terminals.ea.terminal import EaTerminal


def metered_connection() -> MeteredConnection:
    """An open connection as the bridge makes it, over a transport that discards the bytes."""
    return cast(MeteredConnection, null_connection(MeteredConnection))


def pong(ping_id: int) -> bytes:
    return Frame(Opcode.TEXT, b'{"t":"pong","id":%d}' % ping_id).serialize(mask=True)


async def main(args: argparse.Namespace) -> None:
    sessions = []
    for n in range(args.sessions):
        ws = metered_connection()
        terminal = EaTerminal(f"mt5:{100_000 + n}@Bench")
        session = Session(ws, hello(100_000 + n), terminal.account_id, f"s{n}", terminal,
                          CONFIG, lambda: 0)  # fmt: skip
        terminal.attach(session)
        sessions.append(session)
    readers = [asyncio.create_task(s.run()) for s in sessions]
    await asyncio.sleep(0)
    cpu_per_beat: list[float] = []
    before = gc.get_stats()
    for round_number in range(args.rounds + 1):
        frames = [pong(round_number + 1) for _ in sessions]
        start = time.thread_time()
        for session in sessions:
            session.ping()
        for session, frame in zip(sessions, frames, strict=True):
            session.ws.data_received(frame)
        while any(s.rtt_ms is None or s._pings for s in sessions):
            await asyncio.sleep(0)
        cpu_per_beat.append((time.thread_time() - start) / len(sessions))
        if round_number == 0:  # the warm-up: what lives on from here is frozen
            gc.collect()
            gc.freeze()
            before = gc.get_stats()
    alive = len(gc.get_objects())
    if args.census:
        kinds: dict[str, int] = {}
        for obj in gc.get_objects():
            kinds[type(obj).__qualname__] = kinds.get(type(obj).__qualname__, 0) + 1
        print(sorted(kinds.items(), key=lambda kv: -kv[1])[:8])
    after = gc.get_stats()
    for task in readers:
        task.cancel()
    await asyncio.gather(*readers, return_exceptions=True)
    runs = [after[g]["collections"] - before[g]["collections"] for g in range(3)]
    print(f"{args.sessions} idle sessions × {args.rounds} heartbeats (after one warm-up); "
          f"Python {sys.version.split()[0]}")  # fmt: skip
    print(f"CPU per heartbeat (ping written + pong read): p50 "
          f"{statistics.median(cpu_per_beat[1:]) * 1e6:.2f} µs, min "
          f"{min(cpu_per_beat[1:]) * 1e6:.2f} µs")  # fmt: skip
    print(f"objects made since the freeze and still alive: {alive} "
          f"({alive / args.sessions:.1f} per session)")  # fmt: skip
    print(f"collections during the rounds: gen 0 {runs[0]}, gen 1 {runs[1]}, gen 2 {runs[2]}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--census", action="store_true", help="the types of those objects")
    asyncio.run(main(parser.parse_args()))
