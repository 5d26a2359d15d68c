"""Soak benchmark: does the copier's memory stay flat over a long run on the real EA path?

This process is the copier, wired as the app wires it (``CopierApp`` with its bridge, the
store in a temporary folder, the demo's three links). A spawned load process is the terminals:
the demo's seeded master and three slaves on simulated brokers, each served by a reference EA
over the WebSocket bridge (``testbed.demo_ea.EaFleet``). The master trades ``--rate`` actions a
second for ``--minutes``. The two processes share the machine's cores; only the copier's own
process is measured, so the EAs' and brokers' memory (their histories grow with every trade)
is not counted.

Printed every minute: the copier's RSS, its CPU, copies sent and executed in that minute and
their latency (master detection → slave execution) p50 / p99. At the end: the RSS slope after
the warm-up (least squares over the samples from minute ``--warmup`` on, MB a minute), the
latency p99 spread, and the invariants — lost (events or commands never settled), duplicated
(a command traded twice on a slave), failed (an executor refused a copy) and mismatched (a
slave's positions differ from the ticket links).

The app hands the C allocator's free memory back once a minute (``copier.memory_trim``, glibc
only); ``--trim`` does it once more before each RSS sample.
``--probe`` prints, each minute, where the RSS is (``bench/memory_probe.py``: files, glibc's
arenas and what they hold free, pymalloc's arenas, Python's objects, the database's files) and,
at the end, each one's slope.
``--tracemalloc`` diffs the copier's allocations between the warm-up's end and the last minute
(top lines by growth); ``--types`` diffs ``gc.get_objects()`` counts by type. Both slow the
copier: use them in a shorter run to find what grows, not for the figures.

    python bench/soak.py --minutes 10 --rate 20 [--seed 7] [--warmup 2] [--tracemalloc]
        [--types] [--trim] [--probe] [--db-dir /dev/shm]
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import ctypes.util
import gc
import multiprocessing as mp
import os
import platform
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from dataclasses import replace
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from copier.app import AppConfig, CopierApp
from copier.domain import Retcode
from copier.events import CopyExecuted, CopyFailed, CopySent
from copier.memory_trim import trim
from copier.percentiles import percentile
from copier.testbed.broker.broker import SimBroker
from copier.testbed.broker.clock import WallClock
from copier.testbed.demo import MARKET_DT_MS, DrivenMarket, demo_links
from copier.testbed.demo_ea import DEMO_MASTER, EaFleet, wait_connected

sys.path.insert(0, str(Path(__file__).resolve().parent))
import memory_probe

MB = 1024 * 1024
SETTLE_S = 60.0


async def receive(conn: Connection, timeout_s: float | None = None) -> Any:
    """The other process's next message, waiting on the loop so this one keeps serving."""
    loop = asyncio.get_running_loop()
    ready = asyncio.Event()
    loop.add_reader(conn.fileno(), ready.set)
    try:
        if not conn.poll():
            await asyncio.wait_for(ready.wait(), timeout_s)
    finally:
        loop.remove_reader(conn.fileno())
    return conn.recv()


# ----- the load process: the terminals ---------------------------------------------------------


class PacedSteps:
    """One master action every ``1 / rate`` s; the market moves one fixed virtual step before
    each, so the price path depends on the seed alone (as the demo's ``MarketSteps``)."""

    def __init__(self, market: DrivenMarket, rate: float) -> None:
        self.market = market
        self.period = 1.0 / rate
        self.due = 0.0

    async def __call__(self, master: SimBroker) -> None:
        now = time.perf_counter()
        self.due = max(self.due + self.period, now - self.period)  # a late step is not made up
        if self.due > now:
            await asyncio.sleep(self.due - now)
        self.market.advance(MARKET_DT_MS)
        master.tick()


async def run_load(conn: Connection, seed: int, rate: float, steps: int) -> None:
    market = DrivenMarket(seed)
    fleet = EaFleet(seed, market, WallClock(), PacedSteps(market, rate))
    conn.send({"records": fleet.records()})
    setup = await receive(conn)
    fleet.start(setup["url"], setup["keys"])
    await receive(conn)  # "go": every EA is connected
    me = psutil.Process()
    me.cpu_percent()
    await fleet.drive(steps)
    conn.send({"driven": steps, "seq": fleet.eas[0].outbox.seq})
    while True:
        message = await receive(conn)
        if message == "stop":
            break
        conn.send({"undelivered": fleet.undelivered_events(message["handled"]),
                   "duplicated": fleet.duplicated()})  # fmt: skip
    cpu = me.cpu_percent()
    await fleet.close()
    conn.send({"load_cpu_pct": cpu, "load_rss": me.memory_info().rss})


def load_process(conn: Connection, seed: int, rate: float, steps: int) -> None:
    """Entry point of the load process (spawned)."""
    asyncio.run(run_load(conn, seed, rate, steps))


# ----- the copier (this process) ----------------------------------------------------------------


class Minutes:
    """What the copier did in the current minute, from its bus; ``close`` ends the minute."""

    def __init__(self) -> None:
        self.sent = 0
        self.executed = 0
        self.latencies: list[float] = []
        self.failed = 0
        self.failures: list[str] = []

    def __call__(self, event: object) -> None:
        if isinstance(event, CopySent):
            self.sent += 1
        elif isinstance(event, CopyExecuted):
            self.executed += 1
            self.latencies.append(event.latency_ms)
        elif isinstance(event, CopyFailed) and event.result.retcode != Retcode.DUPLICATE:
            self.failed += 1
            if len(self.failures) < 10:
                self.failures.append(f"{event.command.id}: {event.result.message}")

    def close(self) -> dict[str, float]:
        ordered = sorted(self.latencies)
        row = {"sent": self.sent, "executed": self.executed,
               "p50": percentile(ordered, 0.5) if ordered else float("nan"),
               "p99": percentile(ordered, 0.99) if ordered else float("nan")}  # fmt: skip
        self.sent = self.executed = 0
        self.latencies = []
        return row


def slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of y over x."""
    n = len(points)
    if n < 2:
        return float("nan")
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / sxx if sxx else float("nan")


def sqlite_memory_mb() -> float:
    """Memory SQLite holds in this process (page caches, statements), from its own counter
    (``sqlite3_status64(SQLITE_STATUS_MEMORY_USED)``, https://sqlite.org/c3ref/status.html);
    NaN where the library cannot be reached."""
    name = ctypes.util.find_library("sqlite3")
    if name is None:
        return float("nan")
    try:
        status = ctypes.CDLL(name).sqlite3_status64
    except (OSError, AttributeError):
        return float("nan")
    current, highest = ctypes.c_int64(), ctypes.c_int64()
    if status(0, ctypes.byref(current), ctypes.byref(highest), 0) != 0:
        return float("nan")
    return current.value / MB


def type_counts() -> Counter[str]:
    return Counter(type(o).__qualname__ for o in gc.get_objects())


async def sample_minutes(args: argparse.Namespace, minutes: Minutes, app: CopierApp, database: Path,
                         rows: list[dict[str, float]], probes: dict[str, Any]) -> None:  # fmt: skip
    me = psutil.Process()
    me.cpu_percent()
    start = time.monotonic()
    for minute in range(1, args.minutes + 1):
        await asyncio.sleep(max(0.0, start + minute * 60 - time.monotonic()))
        if args.trim:
            trim()
        row = {"minute": minute, **minutes.close(), "rss_mb": me.memory_info().rss / MB,
               "sqlite_mb": sqlite_memory_mb(), "blocks": sys.getallocatedblocks(),
               "cpu_pct": me.cpu_percent(), "inflight": app.service.inflight}  # fmt: skip
        rows.append(row)
        print(f"  minute {minute:>3}: RSS {row['rss_mb']:6.1f} MB (SQLite {row['sqlite_mb']:4.1f}, "
              f"Python blocks {row['blocks']:,}), CPU {row['cpu_pct']:3.0f} %, sent "
              f"{row['sent']:>5}, executed {row['executed']:>5}, latency p50 {row['p50']:6.1f} / "
              f"p99 {row['p99']:6.1f} ms, in flight {row['inflight']}", flush=True)  # fmt: skip
        trimmer = app.memory_trimmer
        if trimmer.enabled:
            print(f"    the app handed free memory back {trimmer.trims} times, the last in "
                  f"{1000 * trimmer.last_s:.1f} ms ({1000 * trimmer.last_cpu_s:.1f} ms CPU)",
                  flush=True)  # fmt: skip
        if args.probe:
            seen = memory_probe.look(database)
            print(memory_probe.line(seen), flush=True)
            row.update(memory_probe.numbers(seen))
        if minute in (args.warmup, args.minutes):
            if args.tracemalloc:
                probes.setdefault("snapshots", []).append(tracemalloc.take_snapshot())
            if args.types:
                probes.setdefault("types", []).append(type_counts())


async def settle(app: CopierApp, conn: Connection) -> dict[str, int]:
    """Wait until the copier has handled every event and settled every command."""
    deadline = time.monotonic() + SETTLE_S
    checked: dict[str, int] = {}
    calm = 0
    while time.monotonic() < deadline and calm < 2:
        await asyncio.sleep(0.3)
        conn.send({"handled": app.service.last_seq(DEMO_MASTER)})
        checked = await receive(conn, SETTLE_S)
        calm = calm + 1 if app.service.busy == 0 and checked["undelivered"] == 0 else 0
    return {"lost": app.service.busy + checked.get("undelivered", 0),
            "duplicated": checked.get("duplicated", 0)}  # fmt: skip


async def mismatches(app: CopierApp) -> list[str]:
    await app.service.refresh_snapshots()
    found: list[str] = []
    for account_id in ("demo-suffix", "demo-netting", "demo-capped"):
        problems = await app.service.reconcile_slave(account_id)
        found += [f"{account_id}: {p}" for p in problems]
    return found


async def run_copier(args: argparse.Namespace) -> dict[str, Any]:
    if args.tracemalloc:
        tracemalloc.start(args.frames)
    folder = tempfile.mkdtemp(prefix="copier-soak-", dir=args.db_dir)
    app = CopierApp(AppConfig(database=Path(folder) / "soak.db", bridge_port=0,
                              load_accounts=False))  # fmt: skip
    assert app.bridge is not None
    ctx = mp.get_context("spawn")
    conn, child = ctx.Pipe()
    steps = int(args.minutes * 60 * args.rate)
    proc = ctx.Process(target=load_process, args=(child, args.seed, args.rate, steps), daemon=True)
    proc.start()
    minutes = Minutes()
    app.bus.subscribe(minutes)
    rows: list[dict[str, float]] = []
    probes: dict[str, Any] = {}
    try:
        records = (await receive(conn, 60))["records"]
        for record in records:
            app.store.save_account(record, actor="soak")
            app.add_terminal(app.bridge.terminal(record.id))
        # Trading hours off: the demo's capped link would stop opening copies mid-run.
        for link in demo_links(0):
            app.save_link(replace(link, rules=replace(link.rules, trading_hours=None)))
        await app.start()
        keys = {r.id: app.store.create_api_key(r.id, days=1, actor="soak") for r in records}
        conn.send({"url": app.bridge.url, "keys": keys})
        await wait_connected({r.id: app.bridge.terminal(r.id) for r in records})
        await app.service.refresh_snapshots()
        conn.send("go")
        print(f"soak: {steps} master actions at {args.rate:g}/s over {args.minutes} min, "
              f"seed {args.seed}; copier pid {os.getpid()}, load pid {proc.pid}",
              flush=True)  # fmt: skip
        sampler = asyncio.create_task(
            sample_minutes(args, minutes, app, Path(folder) / "soak.db", rows, probes))
        driven = await receive(conn)
        await sampler
        checks = await settle(app, conn)
        found = await mismatches(app)
        conn.send("stop")
        load = await receive(conn, 60)
    finally:
        await app.stop()
        proc.join(10)
        if proc.is_alive():
            proc.kill()
    return {
        "rows": rows,
        "driven": driven,
        **checks,
        "failed": minutes.failed,
        "failures": minutes.failures,
        "mismatches": found,
        "load": load,
        "probes": probes,
    }


def report(r: dict[str, Any], args: argparse.Namespace) -> None:
    rows = r["rows"]
    print(
        f"machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}; load average {os.getloadavg()[0]:.2f}"
    )
    after = [(row["minute"], row["rss_mb"]) for row in rows if row["minute"] >= args.warmup]
    first, last = rows[0]["rss_mb"], rows[-1]["rss_mb"]
    print(f"copier RSS: {first:.1f} MB at minute 1 → {last:.1f} MB at minute {len(rows)}; "
          f"slope after warm-up (minutes {args.warmup}–{len(rows)}): "
          f"{slope(after):+.3f} MB/min")  # fmt: skip
    kept = [row for row in rows if row["minute"] >= args.warmup]
    sqlite = slope([(row["minute"], row["sqlite_mb"]) for row in kept])
    rest = slope([(row["minute"], row["rss_mb"] - row["sqlite_mb"]) for row in kept])
    blocks = slope([(row["minute"], row["blocks"]) for row in kept])
    print(f"  of which SQLite's own memory {sqlite:+.3f} MB/min (page caches fill up to "
          f"cache_size per connection), the rest {rest:+.3f} MB/min; Python allocated blocks "
          f"{blocks:+,.0f} a minute")  # fmt: skip
    if args.probe:
        print("  slopes after warm-up, a minute: " + ", ".join(
            f"{k} {slope([(row['minute'], row[k]) for row in kept]):+.3f}"
            for k in memory_probe.numbers_order))
    p99s = [row["p99"] for row in rows if row["minute"] > 1]
    if p99s:
        print(f"latency p99 per minute after the first: {min(p99s):.1f}–{max(p99s):.1f} ms; "
              f"p99 slope {slope(list(enumerate(p99s))):+.2f} ms/min")  # fmt: skip
    load = r["load"]
    print(f"load process (not measured above): CPU {load['load_cpu_pct']:.0f} % of one core, "
          f"RSS {load['load_rss'] / MB:.0f} MB")  # fmt: skip
    print(f"master actions {r['driven']['driven']}, master events {r['driven']['seq']}, copies "
          f"sent {sum(int(row['sent']) for row in rows)}")  # fmt: skip
    print(f"lost {r['lost']}, duplicated {r['duplicated']}, failed {r['failed']}, "
          f"mismatched {len(r['mismatches'])}")  # fmt: skip
    for line in r["failures"][:5] + r["mismatches"][:5]:
        print(f"  {line}")
    probes = r["probes"]
    if len(probes.get("snapshots", ())) == 2:
        early, late = probes["snapshots"]
        print(f"tracemalloc: top growth, minute {args.warmup} → {args.minutes}")
        for stat in late.compare_to(early, "traceback")[: args.top]:
            print(f"  {stat.size_diff / 1024:+9.1f} KiB {stat.count_diff:+7d} blocks")
            for line in stat.traceback.format()[-2 * args.frames :]:
                print(f"      {line}")
    if len(probes.get("types", ())) == 2:
        early, late = probes["types"]
        growth = Counter({k: late[k] - early[k] for k in late if late[k] > early[k]})
        print(f"gc objects by type, growth minute {args.warmup} → {args.minutes}: "
              + ", ".join(f"{k} {v:+d}" for k, v in growth.most_common(args.top)))  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=int, default=10)
    parser.add_argument("--rate", type=float, default=20.0, help="master actions per second")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--warmup", type=int, default=2, help="minutes left out of the slope")
    parser.add_argument("--tracemalloc", action="store_true")
    parser.add_argument("--frames", type=int, default=6, help="tracemalloc traceback depth")
    parser.add_argument("--types", action="store_true")
    parser.add_argument("--trim", action="store_true", help="malloc_trim before each sample")
    parser.add_argument("--probe", action="store_true",
                        help="each minute, where the RSS is (bench/memory_probe.py)")
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--db-dir", help="folder for the copier's database")
    args = parser.parse_args(argv)
    if not 1 <= args.warmup < args.minutes:
        parser.error("--warmup must be at least 1 and less than --minutes")
    results = asyncio.run(run_copier(args))
    report(results, args)
    healthy = results["lost"] == results["duplicated"] == results["failed"] == 0
    return 0 if healthy and not results["mismatches"] else 1


if __name__ == "__main__":
    sys.exit(main())
