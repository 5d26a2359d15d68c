"""Benchmark of EA-bridge latency: one master's events fanned out to N slaves, on the real path.

The copier runs in a process of its own exactly as the app wires it — ``BridgeServer`` →
``CopyService`` (engine + store outbox, SQLite WAL in a temporary folder) → command frames to
every executor session — with one link per slave. This process is the load: one monitor and N
executor clients speaking protocol v1 (hello, snapshot, pongs, a result for every command). The
monitor sends ``opened``/``closed`` events at ``--rate`` for ``--seconds``. In the same run the
bare ``websockets`` relay (bench/relay.py) serves the same load, and each figure is also given
as a ratio to it.

Targets: ``copier`` (the real path above), ``bridge`` (the bridge with a sink that makes one
command per slave at once — the bridge's own share, no engine, no store) and ``relay``.

Figures (ms, p50 / p99 / max, the first second left out as warm-up):
- server: inside the server process, event frame received (its bytes handed to the
  connection, before websockets parses them; for the relay too) → command written to every
  slave (the last slave's frame handed to its socket), and → the decision committed (the copier
  sends before it commits and acknowledges the event after; the bridge and relay commit
  nothing: for them the two rows are the same);
- end to end: monitor send → executor receive, per copy and for the last slave of each event;
- server CPU per event: the server process's CPU time from set-up to stop over the events it
  handled;
and for each target, its ratio to the relay of every one of them (``copier ÷ relay``).

    python bench/bridge_latency.py --slaves 10 --rate 100 --seconds 10 [--compression]
        [--target all|copier|bridge|relay] [--db-dir /dev/shm] [--profile]
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
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cpus import describe, pin_load, pin_server, plan

from copier.bridge import (
    BridgeConfig,
    BridgeServer,
    MemoryKeyVerifier,
    StoreKeyVerifier,
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
from copier.percentiles import percentile
from copier.terminals.base import TerminalSink, events_one_by_one
from copier.terminals.ea.terminal import EaTerminal

MASTER_LOGIN = 1000
SERVER = "Bench-Server"
WARMUP_S = 1.0

SNAPSHOT = {
    "t": "snapshot", "sid": 0, "part": 1, "last": True, "time": 0, "balance": 100_000.0,
    "equity": 100_000.0, "margin": 0.0, "free": 100_000.0, "trade": True,
    "positions": [], "orders": [],
    "symbols": [{
        "name": "EURUSD", "digits": 5, "point": 1e-05, "contract": 100000, "tick_size": 1e-05,
        "tick_value": 1.0, "vol_min": 0.01, "vol_max": 100, "vol_step": 0.01, "stops": 0,
        "filling": 3, "currency": "USD", "bid": 1.10000, "ask": 1.10002,
    }],
}  # fmt: skip


# ----- the server processes ------------------------------------------------------------------


class TimingSink:
    """Forwards to the copy service and times, from the event frame's arrival, the moment its
    last command was written to a slave's socket (``times_s``) and the return of ``on_events``
    (``committed_s``: for the copier, the decision committed — commands go out before the
    commit, docs/store.md). Without ``note_write`` calls (the bridge's sink writes every command
    before it returns) the two are the same.

    Events that arrive together are handed over together (``EaTerminal``'s runs): each is timed
    from its own arrival to its own last write; the span below is the run's.

    It also times the span from the event's delivery to the sink to its last write twice: by the
    wall clock (``span_s``) and by the CPU time of the thread that runs it (``span_cpu_s``). Where
    the two part, the thread was not running: preempted by another process or waiting for the
    GIL (docs/performance.md, "Where a 1 × 10 event's time goes"). And it counts the garbage
    collections that started inside a span (``span_collections``, all events, warm-up included)."""

    def __init__(self, inner: TerminalSink, server: BridgeServer, master_id: str) -> None:
        self.inner = inner
        self.times_s: list[float] = []
        self.committed_s: list[float] = []
        self.span_s: list[float] = []
        self.span_cpu_s: list[float] = []
        self.span_collections = 0  # garbage collections that started inside a span
        self._collections = 0
        # by event seq: when its frame arrived; when its last command was written (perf_counter
        # and thread CPU seconds, collections started so far)
        self._arrived: dict[int, float] = {}
        self._written: dict[int, tuple[float, float, int]] = {}
        gc.callbacks.append(self._count_collection)
        master = server.terminal(master_id)
        deliver = master.deliver_event

        def arrived(message: Any, session: Any) -> None:
            self._arrived.setdefault(message.seq, session.last_rx)
            deliver(message, session)

        master.deliver_event = arrived  # type: ignore[method-assign]

    def _count_collection(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._collections += 1

    def note_write(self, command: Command) -> None:
        self._written[command.master_seq] = (
            time.perf_counter(), time.thread_time(), self._collections)

    async def on_event(self, event: MasterEvent) -> None:
        await self.on_events((event,))

    async def on_events(self, events: Sequence[MasterEvent]) -> None:
        """The events the terminal hands over together (those that arrived together): each is
        timed from its own frame's arrival to its own last write; the span is the whole run's."""
        entered, entered_cpu = time.perf_counter(), time.thread_time()
        collections = self._collections
        await self.inner.on_events(events)
        returned = (time.perf_counter(), time.thread_time(), self._collections)
        last = returned
        for event in events:
            arrived = self._arrived.pop(event.seq, entered)
            written = self._written.pop(event.seq, None)
            if written is None or written[0] < entered:
                written = returned
            last = written
            self.times_s.append(written[0] - arrived)
            self.committed_s.append(returned[0] - arrived)
        self.span_s.append(last[0] - entered)
        self.span_cpu_s.append(last[1] - entered_cpu)
        self.span_collections += last[2] - collections

    def on_result(self, result: ExecutionResult) -> None:
        self.inner.on_result(result)

    def on_status(self, status: TerminalStatus) -> None:
        self.inner.on_status(status)


def note_writes(terminals: list[EaTerminal], timer: TimingSink) -> None:
    """Have each slave terminal tell ``timer`` when it wrote a command (``submit`` writes the
    frame to the executor's socket before it returns)."""
    for terminal in terminals:
        submit = terminal.submit

        def timed(command: Command, _submit: Any = submit) -> None:
            _submit(command)
            timer.note_write(command)

        terminal.submit = timed  # type: ignore[method-assign]


async def _wait_for_stop(conn: Connection) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_reader(conn.fileno(), stop.set)
    await stop.wait()
    loop.remove_reader(conn.fileno())
    conn.recv()


async def _serve_copier(
    conn: Connection, slaves: int, compression: bool, db_dir: str | None
) -> dict[str, Any]:
    from copier.app import AppConfig, CopierApp
    from copier.engine.config import Link
    from copier.store.catalog import AccountRecord, AccountRole

    folder = tempfile.mkdtemp(prefix="copier-bench-", dir=db_dir)
    app = CopierApp(AppConfig(database=Path(folder) / "bench.db", bridge=False))
    accounts = [AccountRecord.new(Platform.MT5, MASTER_LOGIN, SERVER, role=AccountRole.MASTER)]
    accounts += [AccountRecord.new(Platform.MT5, 2000 + i, SERVER) for i in range(slaves)]
    for account in accounts:
        app.store.save_account(account)
    keys = {a.login: app.store.create_api_key(a.id) for a in accounts}
    for slave in accounts[1:]:
        app.save_link(Link(0, accounts[0].id, slave.id))
    config = BridgeConfig(port=0, compression=compression, rate_per_s=1e6, rate_burst=1_000_000)
    server = BridgeServer(StoreKeyVerifier(app.store), config, last_seqs=app.store.last_seqs())
    for account in accounts:
        app.add_terminal(server.terminal(account.id))
    store_times = _time_store_writes(app.store)
    await app.start()
    app.keep_heap_for(server)  # as the app does for its own bridge (copier/gc_policy.py)
    timer = TimingSink(app.service, server, accounts[0].id)
    note_writes([server.terminal(a.id) for a in accounts[1:]], timer)
    await server.terminal(accounts[0].id).start(timer)
    await server.start()
    conn.send({"port": server.port, "keys": keys})
    cpu0 = time.process_time()
    await _wait_for_stop(conn)
    cpu = time.process_time() - cpu0
    await server.stop()
    await app.stop()
    return {
        "times_s": timer.times_s,
        "committed_s": timer.committed_s,
        "span_s": timer.span_s,
        "span_cpu_s": timer.span_cpu_s,
        "span_collections": timer.span_collections,
        "cpu_s": cpu,
        "store_s": store_times,
    }


def _time_store_writes(store: Any) -> list[float]:
    """Time each awaited ``persist_decisions`` (the outbox write on the copy path: one per run
    of events handed over together)."""
    times: list[float] = []
    persist = store.persist_decisions

    async def timed(*args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        result = await persist(*args, **kwargs)
        times.append(time.perf_counter() - t0)
        return result

    store.persist_decisions = timed
    return times


class FanOutSink:
    """The bridge without engine or store: each event becomes one command per slave at once."""

    def __init__(self, slaves: list[EaTerminal]) -> None:
        self.slaves = slaves

    on_events = events_one_by_one

    async def on_event(self, event: MasterEvent) -> None:
        for n, slave in enumerate(self.slaves, start=1):
            slave.submit(Command(
                id=command_id(n, event.ticket, event.seq), link_id=n, slave_id=slave.account_id,
                kind=CommandKind.OPEN if event.kind is EventKind.OPENED else CommandKind.CLOSE,
                master_ticket=event.ticket, symbol=event.symbol, order_type=event.order_type,
                volume=event.volume or event.closed_volume, price=event.price,
                comment=f"TC|{event.ticket}", master_seq=event.seq,
            ))  # fmt: skip

    def on_result(self, result: ExecutionResult) -> None:
        return None

    def on_status(self, status: TerminalStatus) -> None:
        return None


async def _serve_bridge(
    conn: Connection, slaves: int, compression: bool, db_dir: str | None
) -> dict[str, Any]:
    keys = MemoryKeyVerifier()
    logins = [MASTER_LOGIN, *range(2000, 2000 + slaves)]
    ids = {login: account_id_for(Platform.MT5, login, SERVER) for login in logins}
    issued = {login: keys.issue(ids[login], login, SERVER) for login in logins}
    config = BridgeConfig(port=0, compression=compression, rate_per_s=1e6, rate_burst=1_000_000)
    server = BridgeServer(keys, config)
    fan_out = FanOutSink([server.terminal(ids[login]) for login in logins[1:]])
    timer = TimingSink(fan_out, server, ids[MASTER_LOGIN])
    for login in logins:
        await server.terminal(ids[login]).start(timer if login == MASTER_LOGIN else fan_out)
    await server.start()
    conn.send({"port": server.port, "keys": issued})
    cpu0 = time.process_time()
    await _wait_for_stop(conn)
    cpu = time.process_time() - cpu0
    await server.stop()
    return {"times_s": timer.times_s, "committed_s": timer.committed_s, "cpu_s": cpu, "store_s": [],
            "span_s": timer.span_s, "span_cpu_s": timer.span_cpu_s,
            "span_collections": timer.span_collections}  # fmt: skip


async def _serve_relay(
    conn: Connection, slaves: int, compression: bool, db_dir: str | None
) -> dict[str, Any]:
    from relay import serve_relay

    relay, server = await serve_relay(0, compression, stamp_arrivals=True)
    port = server.sockets[0].getsockname()[1]
    logins = [MASTER_LOGIN, *range(2000, 2000 + slaves)]
    conn.send({"port": port, "keys": dict.fromkeys(logins, "relay")})
    cpu0 = time.process_time()
    await _wait_for_stop(conn)
    cpu = time.process_time() - cpu0
    server.close()
    await server.wait_closed()
    times = relay.event_times_s
    return {"times_s": times, "committed_s": times, "cpu_s": cpu, "store_s": [],
            "handler_s": relay.handler_times_s}  # fmt: skip


def server_process(conn: Connection, target: str, slaves: int, compression: bool,
                   profile: bool, db_dir: str | None,
                   cpus: dict[str, list[int]] | None) -> None:  # fmt: skip
    """Entry point of the server process (spawned)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    pin_server(cpus)
    serve = {"copier": _serve_copier, "bridge": _serve_bridge, "relay": _serve_relay}[target]
    if profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        report = profiler.runcall(asyncio.run, serve(conn, slaves, compression, db_dir))
        stats = pstats.Stats(profiler).sort_stats("tottime")
        stats.print_stats(25)
    else:
        report = asyncio.run(serve(conn, slaves, compression, db_dir))
    conn.send(report)


# ----- the load ------------------------------------------------------------------------------


def hello(key: str, role: str, login: int) -> str:
    return json.dumps({
        "t": "hello", "v": 1, "key": key, "role": role, "platform": "mt5", "login": login,
        "server": SERVER, "currency": "USD", "margin": "hedging", "ea": "bench", "build": 1,
        "trade": True,
    })  # fmt: skip


class Client:
    """One EA connection of the load: answers pings and snapshot requests, results commands."""

    def __init__(self, name: int) -> None:
        self.name = name
        self.ws: ClientConnection | None = None
        self.received: dict[int, float] = {}  # master seq → perf_counter at arrival
        self._ticket = name * 1_000_000
        self._reader: asyncio.Task[None] | None = None

    async def open(self, url: str, key: str, role: str, compression: bool) -> None:
        self.ws = await connect(url, ping_interval=None, max_size=2**20,
                                compression="deflate" if compression else None)  # fmt: skip
        await self.ws.send(hello(key, role, self.name))
        welcome = json.loads(await self.ws.recv())
        assert welcome["t"] == "welcome", welcome
        await self.ws.send(json.dumps(SNAPSHOT))
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.ws is not None
        ws = self.ws
        with contextlib.suppress(Exception):
            async for raw in ws:
                arrived = time.perf_counter()
                frame = json.loads(raw)
                kind = frame["t"]
                if kind == "command":
                    self.received.setdefault(frame["seq"], arrived)
                    self._ticket += 1
                    await ws.send(json.dumps({"t": "result", "id": frame["id"], "rc": 10009,
                                              "ticket": frame["slave_ticket"] or self._ticket,
                                              "vol": frame["vol"], "price": frame["price"],
                                              "time": int(time.time() * 1000)}))  # fmt: skip
                elif kind == "ping":
                    await ws.send(json.dumps({"t": "pong", "id": frame["id"]}))
                elif kind == "snapshot_request":
                    await ws.send(json.dumps({**SNAPSHOT, "sid": frame["sid"]}))

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)


async def run_load(port: int, keys: dict[int, str], args: argparse.Namespace) -> dict[str, Any]:
    url = f"ws://127.0.0.1:{port}/ea/v1"
    monitor = Client(MASTER_LOGIN)
    executors = [Client(2000 + i) for i in range(args.slaves)]
    for client in executors:
        await client.open(url, keys[client.name], "executor", args.compression)
    await monitor.open(url, keys[MASTER_LOGIN], "monitor", args.compression)
    await asyncio.sleep(1.0)  # the copy service takes its first snapshots
    assert monitor.ws is not None
    sent: dict[int, float] = {}
    start = time.perf_counter()
    period = 1.0 / args.rate
    total = int(args.rate * args.seconds)
    for seq in range(1, total + 1):
        due = start + (seq - 1) * period
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        ticket = 500_000 + (seq + 1) // 2
        opened = seq % 2 == 1
        frame = json.dumps({
            "t": "event", "seq": seq, "kind": "opened" if opened else "closed", "ticket": ticket,
            "sym": "EURUSD", "type": "buy", "vol": 0.1 if opened else 0.0, "price": 1.10002,
            "time": int(time.time() * 1000), "closed": 0.0 if opened else 0.1,
        })  # fmt: skip
        sent[seq] = time.perf_counter()
        await monitor.ws.send(frame)
    await asyncio.sleep(1.0)
    for client in (monitor, *executors):
        await client.close()
    warm = int(args.rate * WARMUP_S)
    per_copy = []
    per_event = []
    for seq, t0 in sent.items():
        if seq <= warm:
            continue
        arrivals = [c.received[seq] for c in executors if seq in c.received]
        per_copy += [t - t0 for t in arrivals]
        if len(arrivals) == len(executors):
            per_event.append(max(arrivals) - t0)
    missing = sum(1 for seq in sent if seq > warm for c in executors if seq not in c.received)
    return {"per_copy_s": per_copy, "per_event_s": per_event, "missing": missing}


def measure(target: str, args: argparse.Namespace) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=server_process,
                       args=(child, target, args.slaves, args.compression, args.profile,
                             args.db_dir, args.cpus))  # fmt: skip
    proc.start()
    pin_load(args.cpus)
    setup = parent.recv()
    load = asyncio.run(run_load(setup["port"], setup["keys"], args))
    parent.send("stop")
    server = parent.recv()
    proc.join(30)
    warm = int(args.rate * WARMUP_S)
    return {**load, "server_s": server["times_s"][warm:],
            "committed_s": server["committed_s"][warm:], "cpu_s": server["cpu_s"],
            "events": len(server["times_s"]), "store_s": server["store_s"][warm:],
            "handler_s": server.get("handler_s", [])[warm:],
            "span_s": server.get("span_s", [])[warm:],
            "span_cpu_s": server.get("span_cpu_s", [])[warm:],
            "span_collections": server.get("span_collections", 0)}  # fmt: skip


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile in ms of values in seconds."""
    return percentile(sorted(values), q) * 1000.0 if values else float("nan")


def triple(values: list[float]) -> tuple[float, float, float]:
    return pct(values, 0.50), pct(values, 0.99), max(values, default=float("nan")) * 1000.0


def cpu_per_event_ms(result: dict[str, Any]) -> float:
    """Server CPU from set-up to stop over the events it handled (warm-up included in both)."""
    return result["cpu_s"] * 1000.0 / result["events"] if result["events"] else float("nan")


ROWS = (("server: received → all written", "server_s", "server"),
        ("server: received → committed", "committed_s", "committed"),
        ("end to end, per copy", "per_copy_s", "per copy"),
        ("end to end, last slave", "per_event_s", "last slave"))  # fmt: skip


def ratio_line(mine: dict[str, Any], floor: dict[str, Any]) -> str:
    """``mine ÷ floor`` for p50 / p99 / max of every row, and for server CPU per event."""
    parts = []
    for _, key, short in ROWS:
        a, b = triple(mine[key]), triple(floor[key])
        parts.append(f"{short} {a[0] / b[0]:.2f} / {a[1] / b[1]:.2f} / {a[2] / b[2]:.2f}")
    cpu = cpu_per_event_ms(mine) / cpu_per_event_ms(floor)
    return "; ".join(parts) + f"; server CPU per event {cpu:.2f}"


def report(results: dict[str, dict[str, Any]], args: argparse.Namespace) -> None:
    print(f"bridge latency — 1 master × {args.slaves} slaves, {args.rate:g} events/s, "
          f"{args.seconds:g} s, compression {'on' if args.compression else 'off'}")  # fmt: skip
    if "copier" in results:
        print(f"copier database in: {args.db_dir or tempfile.gettempdir()}")
    print(f"machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()}; load average {os.getloadavg()[0]:.2f} "
          f"(a shared machine: compare the ratios of one run)")  # fmt: skip
    print(describe(args.cpus))
    targets = list(results)
    print(f"{'(ms)':32}" + "".join(f"{t + ' p50 / p99 / max':>28}" for t in targets))
    for label, key, _ in ROWS:
        cells = [triple(results[t][key]) for t in targets]
        print(f"{label:32}" + "".join(f"{a:>12.3f}{b:>8.3f}{c:>8.3f}" for a, b, c in cells))
    cpu_cells = "".join(f"{cpu_per_event_ms(results[t]):>28.3f}" for t in targets)
    print(f"{'server CPU per event':32}{cpu_cells}")
    if "relay" in results:
        for t in (t for t in targets if t != "relay"):
            print(f"{t} ÷ relay (p50 / p99 / max): {ratio_line(results[t], results['relay'])}")
    if "relay" in results and results["relay"]["handler_s"]:
        # Before 2026-12-08 the relay was timed from the frame's receipt in its handler, after
        # websockets had parsed it and the reader's task had woken: the copier and bridge rows
        # start when the bytes reach the connection, and now the relay's do too.
        floor = triple(results["relay"]["handler_s"])
        line = " / ".join(f"{v:.3f}" for v in floor)
        ratios = "; ".join(
            f"{t} ÷ it {triple(results[t]['server_s'])[1] / floor[1]:.2f}"
            for t in targets if t != "relay"
        )
        print(f"relay from its handler's receipt (the figure before 2026-12-08), server p50 / "
              f"p99 / max {line} ms; p99 {ratios}")  # fmt: skip
    for t in targets:
        if results[t]["span_s"]:
            wall = " / ".join(f"{v:.3f}" for v in triple(results[t]["span_s"]))
            cpu = " / ".join(f"{v:.3f}" for v in triple(results[t]["span_cpu_s"]))
            print(f"{t}: the event's delivery → its last write, wall p50 / p99 / max {wall} ms; "
                  f"the thread's CPU over it {cpu} ms (the rest: the thread not running); "
                  f"garbage collections started inside it: {results[t]['span_collections']}")
    if "copier" in results and results["copier"]["store_s"]:
        p50, p99, top = triple(results["copier"]["store_s"])
        print(f"copier: of which the store's outbox write (persist_decisions) {p50:.3f} / "
              f"{p99:.3f} / {top:.3f} ms")  # fmt: skip
    for t in targets:
        r = results[t]
        mean = statistics.fmean(r["server_s"]) * 1000
        print(f"{t}: {len(r['server_s'])} events timed, {r['missing']} copies missing, "
              f"server CPU {r['cpu_s']:.2f} s over {r['events']} events, server mean "
              f"{mean:.3f} ms")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slaves", type=int, default=10)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--compression", action="store_true")
    parser.add_argument("--target", choices=("all", "copier", "bridge", "relay"), default="all")
    parser.add_argument("--profile", action="store_true", help="cProfile the server process")
    parser.add_argument("--db-dir", help="folder for the copier's database (default: the temp "
                        "folder; /dev/shm keeps disk flushes out of the figures)")  # fmt: skip
    parser.add_argument(
        "--pin",
        action="store_true",
        help="the load on a CPU of its own, the server on the others (bench/cpus.py)",
    )
    args = parser.parse_args(argv)
    args.cpus = plan(args.pin)
    targets = ["copier", "bridge", "relay"] if args.target == "all" else [args.target]
    results = {t: measure(t, args) for t in targets}
    report(results, args)
    return 0 if all(r["missing"] == 0 for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
