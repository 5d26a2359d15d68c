"""Benchmark of the EA bridge at scale: thousands of idle EA sessions while one master copies.

This process is the server; the copier is wired as bench/bridge_latency.py wires it:
``BridgeServer`` → ``CopyService`` (engine + store outbox, SQLite WAL in a temporary folder)
with one link per slave. A spawned load process opens ``--count`` idle EA sessions (hello,
then a pong for every ping of the bridge, as the EA does), spread over the source addresses
127.0.0.1–127.0.0.x so ephemeral ports never run out, then one monitor and ``--slaves``
executors (bridge_latency's clients) while the monitor sends ``opened``/``closed`` events
at ``--rate`` for ``--seconds``.

Every account's key is checked by ``MemoryKeyVerifier`` (a salted SHA-256), so the cost of the
store's slow key hashing (PBKDF2) is excluded from the connect figures; it is measured apart:
``--key-checks`` real store checks, timed and extrapolated to ``--count``.

In the same run (``--target both``, the default) the bare ``websockets`` relay (bench/relay.py)
serves the same load in this process: the same idle sessions (they say role ``idle``, so it does
not broadcast to them), monitor and executors. It sends no pings and checks no keys, so the
ratio also shows what heartbeats and key checks cost.

Printed for each target: sessions connected and how long that took, heartbeat misses (sessions
the bridge closed with 4410 for silence), copy latency in the server (event received → command
written to every slave, bridge_latency's "server" figure) and end to end, copies missing (the
load waits up to ``--drain-s`` for the last copies, and says how many a 1 s wait would have
called missing), the server's RSS, CPU % and CPU per event, both processes' event-loop lag and
the server's queue (events held + commands without a result) — so a late copy can be put down
to the side that was behind — the load average, and the open-file limits; then the ratio line
``copier ÷ relay`` (p50 / p99 / max and server CPU per event).

    python bench/connections.py --count 10000 --seconds 60 [--slaves 10 --rate 100]
        [--target both|copier|relay] [--per-address 5000] [--drain-s 10] [--db-dir /dev/shm]
        [--pin]   (the load on a CPU of its own, the server on the others: bench/cpus.py)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import multiprocessing as mp
import os
import platform
import resource
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import psutil
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bridge_latency import (
    MASTER_LOGIN,
    SERVER,
    WARMUP_S,
    Client,
    TimingSink,
    hello,
    note_writes,
    triple,
)
from cpus import describe, pin_load, pin_server, plan

from copier.bridge import (
    BridgeConfig,
    BridgeServer,
    MemoryKeyVerifier,
    account_id_for,
)
from copier.domain import Platform

IDLE_LOGIN_BASE = 100_000
# Handshakes in flight. All loopback is one source, and the bridge lets at most
# pending_per_source (128) connections of a source wait for their hello's answer, dropping the
# oldest for a newcomer (docs/security.md): 200 at once had 5-8 % of the sessions dropped so, and
# counted as failures ("no close frame received or sent"). Three quarters of the cap keeps the
# load inside it with room for the monitor, the executors and a slow answer.
CONNECT_AT_ONCE = BridgeConfig().pending_per_source * 3 // 4
HEARTBEAT_TIMEOUT = 4410


def raise_nofile() -> tuple[int, int]:
    """Raise the soft open-file limit to the hard one; returns (soft, hard) after."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)


class LagProbe:
    """How late this process's event loop runs: a task asks to sleep 5 ms again and again and
    records how much later it wakes (a busy loop, a long collection, a starved process)."""

    def __init__(self) -> None:
        self.lags_s: list[float] = []
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            t0 = time.perf_counter()
            await asyncio.sleep(0.005)
            self.lags_s.append(time.perf_counter() - t0 - 0.005)

    def stop(self) -> tuple[float, float, float]:
        if self._task is not None:
            self._task.cancel()
        return triple(self.lags_s)


class GcProbe:
    """Every garbage collection on this thread (the event loop's) while it runs: how many of
    each generation and the CPU time each took (``gc.callbacks``, thread CPU time: on a shared
    machine the wall time of a pause is mostly the neighbours')."""

    def __init__(self) -> None:
        self.pauses_s: dict[int, list[float]] = {0: [], 1: [], 2: []}
        self._started = 0.0

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.thread_time()
        else:
            self.pauses_s[info["generation"]].append(time.thread_time() - self._started)

    def start(self) -> None:
        gc.callbacks.append(self._callback)

    def stop(self) -> dict[int, list[float]]:
        gc.callbacks.remove(self._callback)
        return self.pauses_s


def census(top: int = 12) -> list[tuple[str, int]]:
    """The commonest types among the objects in generation 2 that are not frozen."""
    counts: dict[str, int] = {}
    for obj in gc.get_objects(generation=2):
        name = type(obj).__qualname__
        counts[name] = counts.get(name, 0) + 1
    return sorted(counts.items(), key=lambda kv: -kv[1])[:top]


# ----- the load process ----------------------------------------------------------------------


class IdleSession:
    """One idle EA: hello, welcome, then only pongs until the bridge or the bench closes it."""

    def __init__(self, login: int, source: str) -> None:
        self.login = login
        self.source = source
        self.ws: ClientConnection | None = None
        self.close_code: int | None = None
        self._reader: asyncio.Task[None] | None = None

    async def open(self, url: str, key: str, role: str) -> None:
        self.ws = await connect(url, ping_interval=None, max_size=2**20, compression=None,
                                open_timeout=20, local_addr=(self.source, 0))  # fmt: skip
        await self.ws.send(hello(key, role, self.login))
        welcome = json.loads(await asyncio.wait_for(self.ws.recv(), 20))
        if welcome.get("t") != "welcome":
            raise RuntimeError(f"refused: {welcome}")
        self._reader = asyncio.create_task(self._answer_pings())

    async def _answer_pings(self) -> None:
        assert self.ws is not None
        ws = self.ws
        try:
            async for raw in ws:
                frame = json.loads(raw)
                if frame["t"] == "ping":
                    await ws.send(json.dumps({"t": "pong", "id": frame["id"]}))
        except ConnectionClosed:
            pass
        if ws.close_code is not None:
            self.close_code = ws.close_code

    async def close(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.ws.close(), 5)
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)


async def open_idle(url: str, keys: dict[int, str], per_address: int, role: str) -> dict[str, Any]:
    sessions = [IdleSession(login, f"127.0.0.{1 + n // per_address}")
                for n, login in enumerate(sorted(keys))]  # fmt: skip
    gate = asyncio.Semaphore(CONNECT_AT_ONCE)
    errors: dict[str, int] = {}

    async def one(session: IdleSession) -> bool:
        async with gate:
            try:
                await session.open(url, keys[session.login], role)
                return True
            except Exception as exc:  # counted by kind: the report says why sessions failed
                name = f"{type(exc).__name__}: {str(exc)[:80]}"
                errors[name] = errors.get(name, 0) + 1
                return False

    t0 = time.perf_counter()
    opened = await asyncio.gather(*(one(s) for s in sessions))
    took = time.perf_counter() - t0
    live = [s for s, ok in zip(sessions, opened, strict=True) if ok]
    return {"sessions": live, "connect_s": took, "errors": errors,
            "sources": len({s.source for s in sessions})}  # fmt: skip


async def copy_load(url: str, keys: dict[int, str], args: argparse.Namespace) -> dict[str, Any]:
    """bridge_latency's load: the monitor's events at ``rate``; per-copy arrival times."""
    monitor = Client(MASTER_LOGIN)
    executors = [Client(2000 + i) for i in range(args.slaves)]
    for client in executors:
        await client.open(url, keys[client.name], "executor", False)
    await monitor.open(url, keys[MASTER_LOGIN], "monitor", False)
    await asyncio.sleep(1.0)  # the copy service takes its first snapshots
    assert monitor.ws is not None
    sent: dict[int, float] = {}
    start = time.perf_counter()
    total = int(args.rate * args.seconds)
    for seq in range(1, total + 1):
        delay = start + (seq - 1) / args.rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        opened = seq % 2 == 1
        frame = json.dumps({
            "t": "event", "seq": seq, "kind": "opened" if opened else "closed",
            "ticket": 500_000 + (seq + 1) // 2, "sym": "EURUSD", "type": "buy",
            "vol": 0.1 if opened else 0.0, "price": 1.10002, "time": int(time.time() * 1000),
            "closed": 0.0 if opened else 0.1,
        })  # fmt: skip
        sent[seq] = time.perf_counter()
        await monitor.ws.send(frame)
    ended = time.perf_counter()
    warm = int(args.rate * WARMUP_S)
    expected = len([seq for seq in sent if seq > warm]) * len(executors)

    def arrived() -> int:
        return sum(1 for c in executors for seq in c.received if warm < seq <= total)

    late_after_1s = 0
    while arrived() < expected and time.perf_counter() - ended < args.drain_s:
        await asyncio.sleep(0.05)
        if time.perf_counter() - ended >= 1.0 and not late_after_1s:
            late_after_1s = expected - arrived()  # what a 1 s wait would have called missing
    drained = time.perf_counter() - ended
    for client in (monitor, *executors):
        await client.close()
    per_copy = [c.received[seq] - t0 for seq, t0 in sent.items() if seq > warm
                for c in executors if seq in c.received]  # fmt: skip
    lost = sorted({seq for seq in sent if seq > warm for c in executors
                   if seq not in c.received})  # fmt: skip
    missing = sum(1 for seq in sent if seq > warm for c in executors if seq not in c.received)
    return {"per_copy_s": per_copy, "missing": missing, "events": total, "drain_s": drained,
            "missing_after_1s": late_after_1s, "missing_seqs": (lost[0], lost[-1]) if lost
            else None}  # fmt: skip


async def run_load(conn: Connection, port: int, keys: dict[int, str],
                   args: argparse.Namespace, idle_role: str) -> None:  # fmt: skip
    url = f"ws://127.0.0.1:{port}/ea/v1"
    me = psutil.Process()
    idle_keys = {login: key for login, key in keys.items() if login >= IDLE_LOGIN_BASE}
    idle = await open_idle(url, idle_keys, args.per_address, idle_role)
    conn.send({"phase": "connected", "count": len(idle["sessions"]),
               "connect_s": idle["connect_s"], "errors": idle["errors"],
               "sources": idle["sources"]})  # fmt: skip
    me.cpu_percent()
    probe = LagProbe()
    probe.start()
    copied = await copy_load(url, keys, args)
    load_cpu = me.cpu_percent()
    copied["load_lag_ms"] = probe.stop()
    sessions: list[IdleSession] = idle["sessions"]
    still_open = sum(1 for s in sessions if s.close_code is None)
    misses = sum(1 for s in sessions if s.close_code == HEARTBEAT_TIMEOUT)
    other = sum(1 for s in sessions if s.close_code not in (None, HEARTBEAT_TIMEOUT))
    conn.send({"phase": "done", **copied, "still_open": still_open, "heartbeat_misses": misses,
               "other_closes": other, "load_cpu_pct": load_cpu,
               "load_rss": me.memory_info().rss})  # fmt: skip
    closing = asyncio.gather(*(s.close() for s in sessions))
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(closing, 30)


def load_process(conn: Connection, port: int, keys: dict[int, str],
                 args: argparse.Namespace, idle_role: str) -> None:  # fmt: skip
    """Entry point of the load process (spawned)."""
    pin_load(args.cpus)
    conn.send({"phase": "limits", "nofile": raise_nofile()})
    asyncio.run(run_load(conn, port, keys, args, idle_role))


# ----- the copier (this process) -------------------------------------------------------------


def time_store_key_checks(store: Any, account_ids: list[str], checks: int) -> float:
    """Mean seconds of one real store key check (the PBKDF2 hash the bench leaves out)."""
    keys = [(store.create_api_key(account_id), account_id) for account_id in account_ids]
    t0 = time.perf_counter()
    for n in range(checks):
        key, account_id = keys[n % len(keys)]
        if not store.check_api_key(key, account_id).ok:
            raise RuntimeError("a freshly created store key was refused")
    return (time.perf_counter() - t0) / checks


async def next_message(conn: Connection, deadline: float) -> dict[str, Any]:
    """The load process's next report, waiting on the loop so the copier keeps serving."""
    loop = asyncio.get_running_loop()
    ready = asyncio.Event()
    loop.add_reader(conn.fileno(), ready.set)
    try:
        await asyncio.wait_for(ready.wait(), max(1.0, deadline - time.monotonic()))
    finally:
        loop.remove_reader(conn.fileno())
    message: dict[str, Any] = conn.recv()
    return message


async def sample_rss(peak: list[int], me: psutil.Process) -> None:
    while True:
        peak[0] = max(peak[0], me.memory_info().rss)
        await asyncio.sleep(1.0)


async def sample_queue(peak: list[int], queue: Callable[[], int]) -> None:
    while True:
        peak[0] = max(peak[0], queue())
        await asyncio.sleep(0.05)


@dataclass
class Served:
    """A server under test, started in this process: where it listens, the keys its load
    uses, its per-event times (received → all written, appended as it runs) and how to stop
    it."""

    port: int
    keys: dict[int, str]
    times_s: list[float]
    sessions: Callable[[], int]
    stop: Callable[[], Awaitable[None]]
    key_check_s: float = float("nan")
    queue: Callable[[], int] = lambda: 0  # events held + commands without a result


async def serve_copier(args: argparse.Namespace) -> Served:
    from copier.app import AppConfig, CopierApp
    from copier.engine.config import Link
    from copier.store.catalog import AccountRecord, AccountRole

    folder = tempfile.mkdtemp(prefix="copier-bench-", dir=args.db_dir)
    app = CopierApp(AppConfig(database=Path(folder) / "bench.db", bridge=False))
    accounts = [AccountRecord.new(Platform.MT5, MASTER_LOGIN, SERVER, role=AccountRole.MASTER)]
    accounts += [AccountRecord.new(Platform.MT5, 2000 + i, SERVER) for i in range(args.slaves)]
    for account in accounts:
        app.store.save_account(account)
    key_check_s = time_store_key_checks(app.store, [a.id for a in accounts], args.key_checks)
    for slave in accounts[1:]:
        app.save_link(Link(0, accounts[0].id, slave.id))
    verifier = MemoryKeyVerifier()
    keys = {a.login: verifier.issue(a.id, a.login, SERVER) for a in accounts}
    for login in range(IDLE_LOGIN_BASE, IDLE_LOGIN_BASE + args.count):
        keys[login] = verifier.issue(account_id_for(Platform.MT5, login, SERVER), login, SERVER)
    config = BridgeConfig(port=0, rate_per_s=1e6, rate_burst=1_000_000)
    server = BridgeServer(verifier, config, last_seqs=app.store.last_seqs())
    for account in accounts:
        app.add_terminal(server.terminal(account.id))
    await app.start()
    app.keep_heap_for(server)  # as the app does for its own bridge (copier/gc_policy.py)
    timer = TimingSink(app.service, server, accounts[0].id)
    note_writes([server.terminal(a.id) for a in accounts[1:]], timer)
    await server.terminal(accounts[0].id).start(timer)
    await server.start()

    async def stop() -> None:
        await server.stop()
        await app.stop()

    master = server.terminal(accounts[0].id)
    slaves = [server.terminal(a.id) for a in accounts[1:]]

    def queue() -> int:
        return master.held_events + sum(t.pending_commands for t in slaves)

    return Served(server.port, keys, timer.times_s, lambda: len(server.sessions()), stop,
                  key_check_s, queue)  # fmt: skip


async def serve_relay(args: argparse.Namespace) -> Served:
    """The bare relay (bench/relay.py) under the same load: it neither pings nor checks keys,
    so its idle sessions cost it only their open connections."""
    from relay import serve_relay as start_relay

    relay, server = await start_relay(0, stamp_arrivals=True)
    logins = [MASTER_LOGIN, *range(2000, 2000 + args.slaves)]
    logins += range(IDLE_LOGIN_BASE, IDLE_LOGIN_BASE + args.count)

    async def stop() -> None:
        server.close()
        await server.wait_closed()

    port = server.sockets[0].getsockname()[1]
    return Served(port, dict.fromkeys(logins, "relay"), relay.event_times_s,
                  lambda: len(server.connections), stop)  # fmt: skip


async def run_server(target: str, args: argparse.Namespace) -> dict[str, Any]:
    served = await (serve_copier if target == "copier" else serve_relay)(args)
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    # The relay counts every "executor" as a slave to broadcast to: idle sessions say "idle".
    idle_role = "executor" if target == "copier" else "idle"
    proc = ctx.Process(target=load_process, args=(child, served.port, served.keys, args,
                                                  idle_role), daemon=True)  # fmt: skip
    me = psutil.Process()
    peak = [me.memory_info().rss]
    sampler = asyncio.create_task(sample_rss(peak, me))
    deadline = time.monotonic() + args.connect_budget + args.seconds + 60
    proc.start()
    try:
        limits = await next_message(parent, deadline)
        connected = await next_message(parent, deadline)
        sessions_at_start = served.sessions()
        rss_connected = me.memory_info().rss
        timed_from = len(served.times_s)
        me.cpu_percent()
        cpu0 = time.process_time()
        load0 = os.getloadavg()
        probe = LagProbe()
        probe.start()
        collections = GcProbe()
        collections.start()
        queued = [0]
        queue_sampler = asyncio.create_task(sample_queue(queued, served.queue))
        done = await next_message(parent, deadline)
        cpu_pct = me.cpu_percent()
        cpu_s = time.process_time() - cpu0
        lag = probe.stop()
        pauses = collections.stop()
        survivors = census() if args.census else []
        queue_sampler.cancel()
        load1 = os.getloadavg()
        sessions_at_end = served.sessions()
    finally:
        sampler.cancel()
        proc.join(35)
        if proc.is_alive():
            proc.kill()
            proc.join(5)
        await served.stop()
    warm = int(args.rate * WARMUP_S)
    return {
        "load_nofile": limits["nofile"], "connected": connected, "done": done,
        "server_s": served.times_s[timed_from + warm:], "cpu_pct": cpu_pct,
        "cpu_per_event_ms": cpu_s * 1000 / max(1, done["events"]),
        "rss_connected": rss_connected, "rss_peak": peak[0], "load_during": load0,
        "load_after": load1, "sessions_at_start": sessions_at_start,
        "sessions_at_end": sessions_at_end, "key_check_s": served.key_check_s,
        "server_lag_ms": lag, "queue_peak": queued[0], "gc_pauses_s": pauses,
        "gen2_survivors": survivors,
    }  # fmt: skip


def report_target(target: str, r: dict[str, Any], args: argparse.Namespace) -> None:
    c, d = r["connected"], r["done"]
    mib = 1024 * 1024
    print(f"--- {target}")
    if target == "copier":
        per = r["key_check_s"]
        print(f"store key check (PBKDF2), {args.key_checks} timed: {per * 1000:.1f} ms each → "
              f"{per * args.count:.1f} s for {args.count} sessions on one thread")  # fmt: skip
    print(f"open files (soft/hard) of the load: {r['load_nofile'][0]}/{r['load_nofile'][1]}")
    print(
        f"sessions connected: {c['count']} / {args.count} in {c['connect_s']:.1f} s "
        f"from {c['sources']} source address(es); server saw {r['sessions_at_start']}"
    )
    for reason, n in sorted(c["errors"].items(), key=lambda kv: -kv[1]):
        print(f"  failed {n}: {reason}")
    print(f"heartbeat misses (closed 4410 for silence): {d['heartbeat_misses']}; "
          f"other closes {d['other_closes']}; idle still open at the end {d['still_open']}; "
          f"server sessions at the end {r['sessions_at_end']}")  # fmt: skip
    s50, s99, smax = triple(r["server_s"])
    e50, e99, emax = triple(d["per_copy_s"])
    print(f"copy latency, server received → all written (ms): p50 {s50:.3f}  p99 {s99:.3f}  "
          f"max {smax:.3f}  ({len(r['server_s'])} events)")  # fmt: skip
    print(f"copy latency, end to end per copy (ms):           p50 {e50:.3f}  p99 {e99:.3f}  "
          f"max {emax:.3f}")  # fmt: skip
    seqs = d["missing_seqs"]
    where = f" (seqs {seqs[0]}–{seqs[1]})" if seqs else ""
    print(f"copies missing: {d['missing']}{where} after waiting {d['drain_s']:.1f} s for the "
          f"last; a 1 s wait would have called {d['missing_after_1s']} missing")  # fmt: skip
    print(f"server process: CPU {r['cpu_pct']:.0f} % of one core while copying, "
          f"{r['cpu_per_event_ms']:.3f} ms per event; RSS {r['rss_connected'] / mib:.0f} MiB "
          f"with all connected, peak {r['rss_peak'] / mib:.0f} MiB; loop lag p50 / p99 / max "
          "{:.1f} / {:.1f} / {:.1f} ms; queue peak {} (events held + commands without a "
          "result)".format(*r["server_lag_ms"], r["queue_peak"]))  # fmt: skip
    gens = []
    for generation, pauses in r["gc_pauses_s"].items():
        p50, p99, top = triple(pauses) if pauses else (0.0, 0.0, 0.0)
        gens.append(f"gen {generation}: {len(pauses)}, p50 {p50:.2f} p99 {p99:.1f} "
                    f"max {top:.1f} ms, "
                    f"{sum(pauses) * 1000:.0f} ms in all")  # fmt: skip
    print("server collections while copying (CPU): " + "; ".join(gens))
    if r["gen2_survivors"]:
        print("generation 2 (not frozen) at the end: " + ", ".join(
            f"{name} {n}" for name, n in r["gen2_survivors"]))  # fmt: skip
    print(f"load process: CPU {d['load_cpu_pct']:.0f} % of one core, RSS "
          f"{d['load_rss'] / mib:.0f} MiB; loop lag p50 / p99 / max "
          "{:.1f} / {:.1f} / {:.1f} ms".format(*d["load_lag_ms"]))  # fmt: skip
    la, lb = r["load_during"], r["load_after"]
    print(f"load average (1/5/15 min): {la[0]:.2f} {la[1]:.2f} {la[2]:.2f} when copying began, "
          f"{lb[0]:.2f} {lb[1]:.2f} {lb[2]:.2f} at its end")  # fmt: skip


def report(results: dict[str, dict[str, Any]], nofile: tuple[int, int],
           args: argparse.Namespace) -> None:  # fmt: skip
    print(f"connections — {args.count} idle EA sessions + 1 master × {args.slaves} slaves, "
          f"{args.rate:g} events/s, {args.seconds:g} s")  # fmt: skip
    print(f"machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
          f"{psutil.virtual_memory().total / 2**30:.1f} GiB, Python {platform.python_version()}, "
          f"{platform.system()} {platform.release()}; a shared machine: compare the ratios "
          f"of one run")  # fmt: skip
    print(describe(args.cpus))
    print(f"open files (soft/hard) of the server: {nofile[0]}/{nofile[1]}")
    print("keys: MemoryKeyVerifier (salted SHA-256) — the store's key hashing is excluded; the "
          "relay checks no key and sends no ping")  # fmt: skip
    for target, r in results.items():
        report_target(target, r, args)
    if len(results) == 2:
        mine, floor = results["copier"], results["relay"]
        parts = []
        for label, a, b in (("server", mine["server_s"], floor["server_s"]),
                            ("per copy", mine["done"]["per_copy_s"],
                             floor["done"]["per_copy_s"])):  # fmt: skip
            x, y = triple(a), triple(b)
            parts.append(f"{label} {x[0] / y[0]:.2f} / {x[1] / y[1]:.2f} / {x[2] / y[2]:.2f}")
        cpu = mine["cpu_per_event_ms"] / floor["cpu_per_event_ms"]
        print("copier ÷ relay (p50 / p99 / max): " + "; ".join(parts)
              + f"; server CPU per event {cpu:.2f}")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="idle EA sessions")
    parser.add_argument("--seconds", type=float, default=60.0, help="copying time")
    parser.add_argument("--slaves", type=int, default=10)
    parser.add_argument("--rate", type=float, default=100.0, help="master events per second")
    parser.add_argument("--target", choices=("both", "copier", "relay"), default="both")
    parser.add_argument("--per-address", type=int, default=5000,
                        help="idle sessions per source address 127.0.0.x")  # fmt: skip
    parser.add_argument("--key-checks", type=int, default=200,
                        help="real store key checks timed for the extrapolation")  # fmt: skip
    parser.add_argument("--drain-s", type=float, default=10.0,
                        help="how long the load waits for the last copies before counting "
                        "the missing")  # fmt: skip
    parser.add_argument(
        "--connect-budget",
        type=float,
        default=300.0,
        help="seconds allowed for connecting before the run is abandoned",
    )
    parser.add_argument("--db-dir", help="folder for the copier's database")
    parser.add_argument(
        "--census",
        action="store_true",
        help="count the types of generation 2 in the server at the end",
    )
    parser.add_argument(
        "--pin",
        action="store_true",
        help="the load on a CPU of its own, the server on the others (bench/cpus.py)",
    )
    args = parser.parse_args(argv)
    args.cpus = plan(args.pin)
    pin_server(args.cpus)  # the server runs in this process, the load in one it spawns
    nofile = raise_nofile()
    targets = ["copier", "relay"] if args.target == "both" else [args.target]
    results = {t: asyncio.run(run_server(t, args)) for t in targets}
    report(results, nofile, args)
    ok = all(r["connected"]["count"] == args.count and r["done"]["missing"] == 0
             and r["done"]["heartbeat_misses"] == 0 for r in results.values())  # fmt: skip
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
