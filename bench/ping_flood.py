"""Benchmark: does one flooding EA session slow another account's copies? (issue #15)

A bridge (fan-out sink: each master event becomes one command for the slave at once, no engine
or store) serves a healthy pair — a master's monitor sending ``opened``/``closed`` events at
``--rate`` and a slave's executor that results every command — in this process. A third,
authenticated monitor session in a process of its own then floods the bridge with pings:

- ``burst``: 20,000 pings written at once (reconnecting ``--pause`` after each cut-off and
  repeating until the time is up; ``--pause 0`` reconnects at once, as no EA does);
- ``steady``: 4,000 pings a second, inside the session's rate limit.

The healthy pair's copy latency (monitor send → executor receive, ms) is reported before the
flood and during it, with the flooder's close codes.

    python bench/ping_flood.py --mode burst --seconds 3 [--rate 100] [--pause 0.5]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from websockets.asyncio.client import ClientConnection, connect

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from copier.bridge import (
    BridgeConfig,
    BridgeServer,
    MemoryKeyVerifier,
    account_id_for,
)
from copier.domain import (
    Command,
    CommandKind,
    EventKind,
    ExecutionResult,
    MasterEvent,
    Platform,
    TerminalStatus,
    command_id,
)
from copier.terminals.base import events_one_by_one
from copier.terminals.ea.terminal import EaTerminal

SERVER = "Flood-Server"
MASTER, SLAVE, FLOODER = 1000, 2000, 3000
BURST_PINGS = 20_000
STEADY_PER_S = 4_000
SNAPSHOT = {
    "t": "snapshot", "sid": 0, "part": 1, "last": True, "time": 0, "balance": 100_000.0,
    "equity": 100_000.0, "margin": 0.0, "free": 100_000.0, "trade": True,
    "positions": [], "orders": [], "symbols": [],
}  # fmt: skip


class CopySink:
    """Each master event becomes one command for the slave, written at once."""

    def __init__(self, slave: EaTerminal) -> None:
        self.slave = slave

    on_events = events_one_by_one

    async def on_event(self, event: MasterEvent) -> None:
        self.slave.submit(Command(
            id=command_id(1, event.ticket, event.seq), link_id=1, slave_id=self.slave.account_id,
            kind=CommandKind.OPEN if event.kind is EventKind.OPENED else CommandKind.CLOSE,
            master_ticket=event.ticket, symbol=event.symbol, order_type=event.order_type,
            volume=event.volume or event.closed_volume, price=event.price,
            comment=f"TC|{event.ticket}", master_seq=event.seq,
        ))  # fmt: skip

    def on_result(self, result: ExecutionResult) -> None:
        return None

    def on_status(self, status: TerminalStatus) -> None:
        return None


def hello(key: str, role: str, login: int) -> str:
    return json.dumps({
        "t": "hello", "v": 1, "key": key, "role": role, "platform": "mt5", "login": login,
        "server": SERVER, "currency": "USD", "margin": "hedging", "ea": "flood", "build": 1,
        "trade": True,
    })  # fmt: skip


async def open_ea(url: str, key: str, role: str, login: int) -> ClientConnection:
    ws = await connect(url, ping_interval=None, max_queue=None, compression=None)
    await ws.send(hello(key, role, login))
    welcome = json.loads(await ws.recv())
    if welcome.get("t") != "welcome":
        raise RuntimeError(f"not welcomed: {welcome}")
    await ws.send(json.dumps(SNAPSHOT))
    return ws


@dataclass
class Pair:
    """The healthy master and slave: events out, commands in, arrival times kept."""

    monitor: ClientConnection
    executor: ClientConnection
    sent: dict[int, float] = field(default_factory=dict)
    received: dict[int, float] = field(default_factory=dict)
    seq: int = 0

    async def read_commands(self) -> None:
        ticket = 9_000_000
        with contextlib.suppress(Exception):
            async for raw in self.executor:
                arrived = time.perf_counter()
                frame = json.loads(raw)
                if frame["t"] == "command":
                    self.received.setdefault(frame["seq"], arrived)
                    ticket += 1
                    await self.executor.send(json.dumps({
                        "t": "result", "id": frame["id"], "rc": 10009, "ticket": ticket,
                        "vol": frame["vol"], "price": frame["price"], "time": 1,
                    }))  # fmt: skip
                elif frame["t"] == "ping":
                    await self.executor.send(json.dumps({"t": "pong", "id": frame["id"]}))

    async def read_monitor(self) -> None:
        with contextlib.suppress(Exception):
            async for raw in self.monitor:
                frame = json.loads(raw)
                if frame["t"] == "ping":
                    await self.monitor.send(json.dumps({"t": "pong", "id": frame["id"]}))

    async def send_events(self, rate: float, seconds: float) -> list[int]:
        """Events at ``rate`` for ``seconds``; returns their seqs."""
        period = 1.0 / rate
        start = time.perf_counter()
        seqs = []
        for n in range(int(rate * seconds)):
            delay = start + n * period - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            self.seq += 1
            opened = self.seq % 2 == 1
            frame = json.dumps({
                "t": "event", "seq": self.seq, "kind": "opened" if opened else "closed",
                "ticket": 500_000 + (self.seq + 1) // 2, "sym": "EURUSD", "type": "buy",
                "vol": 0.1 if opened else 0.0, "price": 1.10002, "time": 1,
                "closed": 0.0 if opened else 0.1,
            })  # fmt: skip
            self.sent[self.seq] = time.perf_counter()
            await self.monitor.send(frame)
            seqs.append(self.seq)
        return seqs

    def latencies_ms(self, seqs: list[int]) -> list[float]:
        return [(self.received[s] - self.sent[s]) * 1000 for s in seqs if s in self.received]


@dataclass
class FloodReport:
    mode: str
    before_ms: list[float]
    during_ms: list[float]
    flooder_output: str

    def line(self, label: str, values: list[float]) -> str:
        return f"{label:>8}: p50 {pct(values, 0.5):7.2f}  p99 {pct(values, 0.99):7.2f}  " + (
            f"max {max(values, default=float('nan')):7.2f} ms  ({len(values)} copies)"
        )

    def text(self) -> str:
        return "\n".join(
            [
                f"ping flood ({self.mode}) from one authenticated session; healthy pair's copy:",
                self.line("before", self.before_ms),
                self.line("during", self.during_ms),
                f"flooder: {self.flooder_output.strip()}",
            ]
        )


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run(
    mode: str, seconds: float, rate: float, config: BridgeConfig, pause_s: float = 0.5
) -> FloodReport:
    """Measure the healthy pair ``seconds`` before and ``seconds`` during a ``mode`` flood; the
    flooder reconnects ``pause_s`` after each cut-off (0.5 s: an EA's shortest backoff)."""
    keys = MemoryKeyVerifier()
    ids = {n: account_id_for(Platform.MT5, n, SERVER) for n in (MASTER, SLAVE, FLOODER)}
    issued = {n: keys.issue(ids[n], n, SERVER) for n in ids}
    async with BridgeServer(keys, config) as server:
        sink = CopySink(server.terminal(ids[SLAVE]))
        for n in ids:
            await server.terminal(ids[n]).start(sink)
        pair = Pair(
            await open_ea(server.url, issued[MASTER], "monitor", MASTER),
            await open_ea(server.url, issued[SLAVE], "executor", SLAVE),
        )
        readers = [
            asyncio.create_task(pair.read_commands()),
            asyncio.create_task(pair.read_monitor()),
        ]
        await asyncio.sleep(0.3)
        await pair.send_events(rate, 0.5)  # warm-up, not counted
        before = await pair.send_events(rate, seconds)
        command = [sys.executable, __file__, "--flooder", server.url, issued[FLOODER], mode]
        flooder = subprocess.Popen(  # started once; its output is read after the run
            [*command, str(seconds), str(pause_s)],
            stdout=subprocess.PIPE,
            text=True,
        )
        await asyncio.sleep(0.5)  # the flooder connects and starts
        during = await pair.send_events(rate, seconds)
        await asyncio.sleep(0.3)
        output = await asyncio.to_thread(flooder.communicate, None, 30)
        await pair.monitor.close()
        await pair.executor.close()
        await asyncio.gather(*readers, return_exceptions=True)
    return FloodReport(mode, pair.latencies_ms(before), pair.latencies_ms(during), output[0])


# ----- the flooder (a process of its own) -----------------------------------------------------


def masked_ping(n: int) -> bytes:
    """One client ping frame, masked as RFC 6455 §5.3 requires of a client."""
    payload = json.dumps({"t": "ping", "id": n, "ts": 1}).encode()
    mask = os.urandom(4)
    body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return bytes((0x81, 0x80 | len(payload))) + mask + body


async def flood(url: str, key: str, mode: str, seconds: float, pause_s: float) -> str:
    ends = time.perf_counter() + seconds + 0.5
    codes: list[int | None] = []
    sent = 0
    frame = masked_ping(1)
    while time.perf_counter() < ends:
        ws = await open_ea(url, key, "monitor", FLOODER)
        drain = asyncio.create_task(_drain(ws))
        if mode == "burst":
            ws.transport.write(frame * BURST_PINGS)
            sent += BURST_PINGS
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(ws.wait_closed(), max(0.01, ends - time.perf_counter()))
        else:
            tick = 0.01
            per_tick = int(STEADY_PER_S * tick)
            start = time.perf_counter()
            n = 0
            while time.perf_counter() < ends and ws.close_code is None:
                n += 1
                ws.transport.write(frame * per_tick)
                sent += per_tick
                await asyncio.sleep(max(0.0, start + n * tick - time.perf_counter()))
        codes.append(ws.close_code)
        await ws.close()
        await asyncio.gather(drain, return_exceptions=True)
        await asyncio.sleep(pause_s)
    return f"{sent} pings in {len(codes)} sessions, close codes {codes}"


async def _drain(ws: ClientConnection) -> None:
    with contextlib.suppress(Exception):
        async for _ in ws:
            pass


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] == "--flooder":
        url, key, mode, seconds, pause = args[1:6]
        print(asyncio.run(flood(url, key, mode, float(seconds), float(pause))))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=("burst", "steady"), default="burst")
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rate", type=float, default=100.0, help="healthy events per second")
    parser.add_argument("--pause", type=float, default=0.5, help="flooder's reconnect pause (s)")
    options = parser.parse_args(args)
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    config = BridgeConfig(port=0)
    report = asyncio.run(run(options.mode, options.seconds, options.rate, config, options.pause))
    print(report.text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
