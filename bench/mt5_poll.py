"""Benchmark of MT5 direct polling: worker CPU per poll and change-detection latency.

A stand-in terminal (served by a TerminalHost in this process, as a real terminal is its own
process) holds 50 open positions; one Mt5Terminal worker polls it every ``--poll-ms``. The worker
process's CPU is read with psutil while it idles, then ``--changes`` SL modifications are made one
at a time and the time from each change to its MasterEvent arriving on the event loop is measured.

    python bench/mt5_poll.py [--poll-ms 10] [--positions 50] [--changes 200] [--idle-s 5]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import random
import statistics
import time
from typing import Any

import psutil

from copier.domain import EventKind, ExecutionResult, MasterEvent, TerminalStatus
from copier.percentiles import percentile
from copier.terminals.base import events_one_by_one
from copier.terminals.mt5 import Mt5Config, Mt5Terminal
from copier.testbed.mt5standin.backend import StandIn
from copier.testbed.mt5standin.host import TerminalHost
from copier.testbed.mt5standin.profiles import TerminalProfile

SYMBOLS = ("EURUSD", "GBPUSD", "USDJPY", "XAUUSD")


class LatencySink:
    def __init__(self) -> None:
        self.arrivals: dict[int, float] = {}  # ticket → perf_counter when its MODIFIED arrived
        self.detected_ms: dict[int, int] = {}
        self.connected = asyncio.Event()
        self.arrived = asyncio.Event()

    on_events = events_one_by_one

    async def on_event(self, event: MasterEvent) -> None:
        if event.kind is EventKind.MODIFIED:
            self.arrivals[event.ticket] = time.perf_counter()
            self.detected_ms[event.ticket] = event.time_ms
            self.arrived.set()

    def on_result(self, result: ExecutionResult) -> None:
        return None

    def on_status(self, status: TerminalStatus) -> None:
        if status.connected:
            self.connected.set()


def open_positions(terminal: Any, count: int) -> list[int]:
    tickets = []
    for i in range(count):
        symbol = SYMBOLS[i % len(SYMBOLS)]
        terminal.call("symbol_select", symbol, True)
        request = {"action": 1, "symbol": symbol, "volume": 0.01, "type": i % 2}
        tickets.append(terminal.call("order_send", request).order)
    return tickets


async def run(poll_ms: int, positions: int, changes: int, idle_s: float) -> None:
    with TerminalHost() as host:
        profile = TerminalProfile(path="C:/bench/mt5", login=4242, server="Bench-Demo",
                                  balance=1_000_000.0)  # fmt: skip
        terminal = host.add(profile)
        tickets = open_positions(terminal, positions)
        config = Mt5Config(
            path=profile.path, login=profile.login, server=profile.server, poll_ms=poll_ms,
            symbols=SYMBOLS, backend=StandIn(endpoint=host.endpoint),
        )  # fmt: skip
        sink = LatencySink()
        mt5 = Mt5Terminal(config)
        await mt5.start(sink)
        await asyncio.wait_for(sink.connected.wait(), 30)
        await asyncio.sleep(1.0)  # let start-up settle before measuring
        assert mt5.worker_pid is not None
        worker = psutil.Process(mt5.worker_pid)
        calls_before, cpu_before, wall_before = terminal.calls, worker.cpu_times(), time.monotonic()
        await asyncio.sleep(idle_s)
        cpu_after, wall = worker.cpu_times(), time.monotonic() - wall_before
        cpu_s = (cpu_after.user + cpu_after.system) - (cpu_before.user + cpu_before.system)
        polls = (terminal.calls - calls_before) / 2  # positions_get + orders_get per poll
        latencies, detections = await measure_latency(terminal, sink, tickets, changes)
        await mt5.stop()
    report(poll_ms, positions, wall, cpu_s, polls, latencies, detections)


async def measure_latency(
    terminal: Any, sink: LatencySink, tickets: list[int], changes: int
) -> tuple[list[float], list[float]]:
    """(change → event on the loop, change → seen by the worker), in ms."""
    rng = random.Random(7)
    latencies: list[float] = []
    detections: list[float] = []
    for n in range(changes):
        ticket = tickets[n % len(tickets)]
        position = terminal.call("positions_get", ticket=ticket)[0]
        step = (
            0.5 if position.symbol == "XAUUSD" else 0.01 if position.symbol == "USDJPY" else 0.0001
        )
        distance = (200 + n) * step
        sl = (
            position.price_current - distance
            if position.type == 0
            else position.price_current + distance
        )
        sink.arrivals.pop(ticket, None)
        sink.arrived.clear()
        await asyncio.sleep(rng.uniform(0.005, 0.030))  # changes land anywhere in a poll period
        changed_at = time.perf_counter()
        changed_ms = time.time_ns() / 1e6
        answer = terminal.call("order_send", {"action": 6, "position": ticket, "sl": round(sl, 5)})
        if answer is None or answer.retcode != 10009:
            continue
        # Wait on an event, not a busy loop: the terminal host shares this process's GIL.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(sink.arrived.wait(), 2.0)
        if ticket in sink.arrivals:
            latencies.append((sink.arrivals[ticket] - changed_at) * 1000.0)
            detections.append(max(0.0, sink.detected_ms[ticket] - changed_ms))
    return latencies, detections


def describe(values: list[float]) -> str:
    return (
        f"p50 {statistics.median(values):.2f} ms, p95 {percentile(sorted(values), 0.95):.2f} ms, "
        f"p99 {percentile(sorted(values), 0.99):.2f} ms, max {max(values):.2f} ms"
    )


def report(
    poll_ms: int, positions: int, wall: float, cpu_s: float, polls: float,
    latencies: list[float], detections: list[float],
) -> None:  # fmt: skip
    core_percent = cpu_s / wall * 100.0
    python = f"{platform.python_implementation()} {platform.python_version()}"
    print(f"machine: {platform.machine()}, {os.cpu_count()} logical cores, {python}, "
          f"{platform.system()}")  # fmt: skip
    print(f"poll period {poll_ms} ms, {positions} open positions, stand-in terminal over a pipe")
    print(f"polls: {polls / wall:.1f}/s over {wall:.1f} s idle")
    print(f"worker CPU: {core_percent:.2f} % of one core, "
          f"{cpu_s / max(polls, 1) * 1000.0:.3f} ms per poll")  # fmt: skip
    if latencies:
        seen = sum(1 for x in detections if x <= poll_ms + 1) / len(detections) * 100.0
        print(
            f"change seen by the worker ({len(detections)} changes, 1 ms clock): "
            f"{describe(detections)}; {seen:.0f} % within one poll period (+1 ms clock step)"
        )
        print(f"change → MasterEvent on the copier's loop: {describe(latencies)}")  # fmt: skip
    verdict_cpu = "meets" if core_percent < 5.0 else "MISSES"
    print(f"target < 5 % of one core per terminal: {verdict_cpu}")


def main() -> None:
    parser = argparse.ArgumentParser(description="MT5 direct polling benchmark")
    parser.add_argument("--poll-ms", type=int, default=10)
    parser.add_argument("--positions", type=int, default=50)
    parser.add_argument("--changes", type=int, default=200)
    parser.add_argument("--idle-s", type=float, default=5.0)
    args = parser.parse_args()
    asyncio.run(run(args.poll_ms, args.positions, args.changes, args.idle_s))


if __name__ == "__main__":
    main()
