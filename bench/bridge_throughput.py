"""Benchmark of EA-bridge throughput: event frames taken in per second on one core.

The server process runs the bridge with a sink that takes every event at once, so what is
measured is the bridge's own cost per frame: receive, rate-limit, validate, order by seq, hand
to the sink, acknowledge (cumulatively). Load processes (``--load-procs``, each with ``--conns``
monitor connections) send event frames as fast as the server takes them, without waiting for
acknowledgements, as a monitor EA may; the frames are framed and masked before the clock starts
so the load costs almost nothing per frame. In the same run the bare ``websockets`` relay
(bench/relay.py) takes the same load and the copier's figure is also given as a ratio to it.

Printed for each target: events per wall second and per server CPU second, server CPU per
event, and the acknowledgement lag p50 / p99 / max (a batch of 256 frames written by the load →
the cumulative ack that covers it read back: how far behind the server runs while saturated);
then the ratio lines ``copier ÷ relay``.

    python bench/bridge_throughput.py [--frames 600000] [--conns 4] [--load-procs 1]
        [--target both|copier|relay] [--profile]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing as mp
import os
import platform
import sys
import time
from collections import deque
from collections.abc import Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from websockets.asyncio.client import connect

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bridge_latency import SERVER, hello, triple

from copier.bridge import BridgeConfig, BridgeServer, MemoryKeyVerifier
from copier.bridge.auth import account_id_for
from copier.domain import ExecutionResult, MasterEvent, Platform, TerminalStatus

FIRST_LOGIN = 1000
HIGH_WATER = 256 * 1024  # bytes a load connection may have queued before it waits


class Meter:
    """Counts frames between the first and the last, with the process's CPU time over them
    (read every 1024 frames: ``cpu_count`` is how many frames that CPU time covers)."""

    def __init__(self) -> None:
        self.count = self.cpu_count = 0
        self.first = self.last = 0.0
        self.cpu_first = self.cpu_last = 0.0

    def tick(self) -> None:
        now = time.perf_counter()
        if self.count == 0:
            self.first, self.cpu_first = now, time.process_time()
        self.count += 1
        self.last = now
        if self.count % 1024 == 0:
            self.cpu_last = time.process_time()
            self.cpu_count = self.count - 1  # the frames after the first one's clock reading

    def report(self) -> dict[str, Any]:
        elapsed = self.last - self.first
        return {"count": self.count, "elapsed_s": elapsed,
                "cpu_s": self.cpu_last - self.cpu_first, "cpu_count": self.cpu_count}  # fmt: skip


class CountingSink:
    """Takes every event at once: what is measured is the bridge alone."""

    def __init__(self, meter: Meter) -> None:
        self.meter = meter

    async def on_event(self, event: MasterEvent) -> None:
        self.meter.tick()

    async def on_events(self, events: Sequence[MasterEvent]) -> None:
        for _ in events:
            self.meter.tick()

    def on_result(self, result: ExecutionResult) -> None:
        return None

    def on_status(self, status: TerminalStatus) -> None:
        return None


async def _wait_for_stop(conn: Connection) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_reader(conn.fileno(), stop.set)
    await stop.wait()
    loop.remove_reader(conn.fileno())
    conn.recv()


async def _serve_copier(conn: Connection, logins: list[int]) -> dict[str, Any]:
    keys = MemoryKeyVerifier()
    issued = {}
    for login in logins:
        issued[login] = keys.issue(account_id_for(Platform.MT5, login, SERVER), login, SERVER)
    config = BridgeConfig(port=0, rate_per_s=1e7, rate_burst=10_000_000)
    server = BridgeServer(keys, config)
    meter = Meter()
    for login in logins:
        await server.terminal(account_id_for(Platform.MT5, login, SERVER)).start(
            CountingSink(meter)
        )
    await server.start()
    conn.send({"port": server.port, "keys": issued})
    await _wait_for_stop(conn)
    await server.stop()
    return meter.report()


async def _serve_relay(conn: Connection, logins: list[int]) -> dict[str, Any]:
    from relay import serve_relay

    meter = Meter()
    _, server = await serve_relay(0, on_frame=meter.tick)
    conn.send({"port": server.sockets[0].getsockname()[1], "keys": dict.fromkeys(logins, "x")})
    await _wait_for_stop(conn)
    server.close()
    await server.wait_closed()
    return meter.report()


def server_process(conn: Connection, target: str, logins: list[int], profile: bool) -> None:
    serve = _serve_copier if target == "copier" else _serve_relay
    if profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        report = profiler.runcall(asyncio.run, serve(conn, logins))
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    else:
        report = asyncio.run(serve(conn, logins))
    conn.send(report)


# ----- load ------------------------------------------------------------------------------------


async def _pump(
    url: str, key: str, login: int, frames: int, until: float
) -> tuple[int, list[float]]:
    """Send ``frames`` event frames as fast as the server reads them (or until ``until``);
    returns how many were sent and the ack lag of each batch (s).

    The frames are framed and masked before the clock starts, so the load costs almost nothing
    per frame and the server, not this process, sets the pace.
    """
    ws = await connect(url, ping_interval=None, compression=None, max_size=2**20)
    await ws.send(hello(key, "monitor", login))
    await ws.recv()  # welcome
    chunks = _framed_events(ws.protocol, frames)
    written: deque[tuple[int, float]] = deque()  # (last seq of a batch, when it was written)
    lags: list[float] = []
    drain = asyncio.create_task(_read_acks(ws, written, lags))
    transport = ws.transport
    sent = 0
    for chunk, count in chunks:
        if time.perf_counter() >= until:
            break
        transport.write(chunk)
        sent += count
        written.append((sent, time.perf_counter()))
        while transport.get_write_buffer_size() > HIGH_WATER:
            await asyncio.sleep(0.0005)
    await asyncio.sleep(0.5)
    await ws.close()
    drain.cancel()
    await asyncio.gather(drain, return_exceptions=True)
    return sent, lags


def _framed_events(protocol: Any, frames: int, per_chunk: int = 256) -> list[tuple[bytes, int]]:
    chunks = []
    for start in range(1, frames + 1, per_chunk):
        stop = min(start + per_chunk, frames + 1)
        for seq in range(start, stop):
            protocol.send_text(
                f'{{"t":"event","seq":{seq},"kind":"opened","ticket":{seq},"sym":"EURUSD",'
                f'"type":"buy","vol":0.1,"price":1.10002,"time":1767225600000}}'.encode()
            )
        chunks.append((b"".join(protocol.data_to_send()), stop - start))
    return chunks


async def _read_acks(ws: Any, written: deque[tuple[int, float]], lags: list[float]) -> None:
    """Time every written batch until the cumulative ack that covers it."""
    with contextlib.suppress(Exception):
        async for raw in ws:
            frame = json.loads(raw)
            if frame.get("t") != "ack":
                continue
            now = time.perf_counter()
            while written and written[0][0] <= frame["seq"]:
                lags.append(now - written.popleft()[1])


def load_process(port: int, keys: dict[int, str], logins: list[int], args: argparse.Namespace,
                 out: Connection) -> None:  # fmt: skip
    async def run() -> tuple[int, list[float]]:
        url = f"ws://127.0.0.1:{port}/ea/v1"
        frames = args.frames // len(logins) // args.load_procs
        until = time.perf_counter() + 3600
        pumps = [_pump(url, keys[login], login, frames, until) for login in logins]
        done = await asyncio.gather(*pumps)
        return sum(n for n, _ in done), [lag for _, lags in done for lag in lags]

    out.send(asyncio.run(run()))


def measure(target: str, args: argparse.Namespace) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    logins = [FIRST_LOGIN + i for i in range(args.conns * args.load_procs)]
    parent, child = ctx.Pipe()
    server = ctx.Process(target=server_process, args=(child, target, logins, args.profile))
    server.start()
    setup = parent.recv()
    loads = []
    for n in range(args.load_procs):
        mine = logins[n * args.conns : (n + 1) * args.conns]
        receiver, sender = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=load_process,
                           args=(setup["port"], setup["keys"], mine, args, sender))  # fmt: skip
        proc.start()
        loads.append((proc, receiver))
    answers = [receiver.recv() for _, receiver in loads]
    for proc, _ in loads:
        proc.join(30)
    parent.send("stop")
    report = parent.recv()
    server.join(30)
    return {**report, "sent": sum(n for n, _ in answers),
            "lags_s": [lag for _, lags in answers for lag in lags]}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=600_000, help="event frames in all")
    parser.add_argument("--conns", type=int, default=4, help="monitor connections per load process")
    parser.add_argument("--load-procs", type=int, default=1)
    parser.add_argument("--target", choices=("both", "copier", "relay"), default="both")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args(argv)
    targets = ["copier", "relay"] if args.target == "both" else [args.target]
    results = {t: measure(t, args) for t in targets}
    conns = args.conns * args.load_procs
    print(f"bridge throughput — {args.frames:,} event frames over {conns} monitor connections "
          f"from {args.load_procs} load process(es), cumulative acks")  # fmt: skip
    print(f"machine: {os.cpu_count()} cores, {platform.machine()}, "
          f"Python {platform.python_version()}; load average {os.getloadavg()[0]:.2f} "
          f"(a shared machine: compare the ratios of one run)")  # fmt: skip
    rates, per_cpu, cpu_us, lags = {}, {}, {}, {}
    for target, r in results.items():
        rates[target] = r["count"] / r["elapsed_s"] if r["elapsed_s"] else 0.0
        per_cpu[target] = r["cpu_count"] / r["cpu_s"] if r["cpu_s"] else 0.0
        cpu_us[target] = r["cpu_s"] * 1e6 / r["cpu_count"] if r["cpu_count"] else float("nan")
        lags[target] = triple(r["lags_s"])
        busy = r["cpu_s"] / r["elapsed_s"] if r["elapsed_s"] else 0.0
        print(f"{target:>7}: {rates[target]:>9,.0f} events/s wall, {per_cpu[target]:>9,.0f} per "
              f"server CPU second, server CPU per event {cpu_us[target]:.2f} µs ({busy:.0%} of "
              f"one core busy; {r['count']:,} of {r['sent']:,} sent taken in); ack lag p50 / "
              f"p99 / max {lags[target][0]:.1f} / {lags[target][1]:.1f} / "
              f"{lags[target][2]:.1f} ms")  # fmt: skip
    if len(rates) == 2 and rates["relay"] and per_cpu["relay"]:
        lag = [mine / floor for mine, floor in zip(lags["copier"], lags["relay"], strict=True)]
        print(f"  ratio copier/relay: {rates['copier'] / rates['relay']:.2f} wall, "
              f"{per_cpu['copier'] / per_cpu['relay']:.2f} per CPU second, server CPU per "
              f"event {cpu_us['copier'] / cpu_us['relay']:.2f}, ack lag p50 / p99 / max "
              f"{lag[0]:.2f} / {lag[1]:.2f} / {lag[2]:.2f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
