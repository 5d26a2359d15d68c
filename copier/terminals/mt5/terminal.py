"""Mt5Terminal: the Terminal adapter for an MT5 account driven directly through MetaTrader5.

The terminal is bound inside a worker process (one per terminal, spawned); this side lives on the
copier's event loop and never blocks it: a reader thread hands worker messages to the loop, a
writer thread sends commands. This side owns what must survive a worker crash — the event seq,
the baseline the diff continues from, the results of executed command ids and the commands in
flight — so a restarted worker resynchronises from the terminal without duplicating anything.
With ``state_path`` the baseline also survives the copier (see ``laststate``).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import multiprocessing
import queue
import threading
from dataclasses import replace
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from copier.domain import Command, ExecutionResult, SymbolSpec, TerminalSnapshot, TerminalStatus
from copier.terminals.base import TerminalSink
from copier.terminals.mt5 import laststate
from copier.terminals.mt5.config import Mt5Config
from copier.terminals.mt5.protocol import (
    Baseline,
    Changes,
    Connected,
    Disconnected,
    Execute,
    Executed,
    Health,
    SnapshotReply,
    SnapshotRequest,
    StopWorker,
)
from copier.terminals.mt5.worker import run_worker

SNAPSHOT_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 3.0


class _WorkerGone:
    """The worker's pipe closed (it exited or crashed)."""


class Mt5Terminal:
    def __init__(self, config: Mt5Config) -> None:
        problems = config.problems()
        if problems:
            raise ValueError("; ".join(problems))
        self.config = config
        self._clock = config.clock()  # the worker's clock too: one clock for every time stamped
        self.seq = config.last_seq
        self.baseline: Baseline | None = None
        self.results: dict[str, ExecutionResult] = {}
        self.in_flight: dict[str, Command] = {}
        self._sent_ms: dict[str, int] = {}  # when each command in flight first went to a worker
        self._reached = False  # a worker has connected to the terminal since start()
        self.restarts = 0
        self.last_health: Health | None = None
        self._connected = False
        self._since_ms = 0
        self._sink: TerminalSink | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._inbox: asyncio.Queue[Any] = asyncio.Queue()
        self._outgoing: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._process: BaseProcess | None = None
        self._pump: asyncio.Task[None] | None = None
        self._snapshots: dict[int, asyncio.Future[TerminalSnapshot]] = {}
        self._changes: asyncio.Queue[Changes] = asyncio.Queue()
        self._undelivered = 0  # events the worker reported that the copier has not taken yet
        self._delivery: asyncio.Task[None] | None = None
        self._request_ids = itertools.count(1)
        self._stopping = False
        self._fatal = ""
        self._generation = 0
        self._build = ""
        self._catalogue: dict[str, SymbolSpec] = {}  # the terminal's symbols, sent at connect

    # -- Terminal protocol --------------------------------------------------------------------

    @property
    def account_id(self) -> str:
        return self.config.key

    @property
    def kind(self) -> str:
        return "mt5"

    @property
    def connected(self) -> bool:
        return self._connected

    @property
    def worker_pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    async def start(self, sink: TerminalSink) -> None:
        self._sink = sink
        self._loop = asyncio.get_running_loop()
        self._stopping = False
        self._reached = False
        # Go on numbering from what the copier already handled for this account (a copy service
        # says so), and diff the first read against the books as they were then.
        handled = getattr(sink, "last_seq", None)
        if callable(handled):
            self.seq = max(self.seq, int(handled(self.account_id)))
        if self.baseline is None and self.config.state_path:
            self.baseline = laststate.load(self.config.state_path, self.seq)
        self._pump = asyncio.create_task(self._run_pump(), name=f"mt5-{self.account_id}")
        self._delivery = asyncio.create_task(
            self._run_delivery(), name=f"mt5-{self.account_id}-events"
        )
        await self._spawn()

    async def stop(self) -> None:
        self._stopping = True
        self._outgoing.put(StopWorker())
        process = self._process
        if process is not None:
            await asyncio.to_thread(process.join, STOP_TIMEOUT_S)
            if process.is_alive():
                process.kill()
                await asyncio.to_thread(process.join, STOP_TIMEOUT_S)
        self._outgoing.put(None)  # ends the writer thread
        for task in (self._pump, self._delivery):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        for future in self._snapshots.values():
            if not future.done():
                future.set_exception(ConnectionError(f"{self.account_id}: terminal stopped"))
        self._set_connected(False, "stopped")

    def submit(self, command: Command) -> None:
        first = self.results.get(command.id)
        if first is not None:  # a repeat: answer with the first result, execute nothing
            if self._loop is not None and self._sink is not None:
                self._loop.call_soon(self._sink.on_result, first)
            return
        if command.id in self.in_flight:
            return  # already on its way; its one result will come
        self.in_flight[command.id] = command
        if self._reached:
            self._sent_ms[command.id] = self._clock()
            self._outgoing.put(Execute(command, sent_ms=self._sent_ms[command.id]))
        else:
            # Before this adapter ever reached its terminal, a command is either one the copier
            # resends from before a restart or one made while it waited: look before acting.
            self._sent_ms[command.id] = 0
            self._outgoing.put(Execute(command, recover=True))

    async def snapshot(self) -> TerminalSnapshot:
        if self._fatal:
            raise ConnectionError(f"{self.account_id}: {self._fatal}")
        assert self._loop is not None, "start() the terminal first"
        request_id = next(self._request_ids)
        future: asyncio.Future[TerminalSnapshot] = self._loop.create_future()
        self._snapshots[request_id] = future
        self._outgoing.put(SnapshotRequest(request_id))
        try:
            return await asyncio.wait_for(future, SNAPSHOT_TIMEOUT_S)
        except TimeoutError:
            raise ConnectionError(
                f"{self.account_id}: the MT5 terminal did not answer within "
                f"{SNAPSHOT_TIMEOUT_S:.0f} s"
            ) from None
        finally:
            self._snapshots.pop(request_id, None)

    # -- the worker process -------------------------------------------------------------------

    async def _spawn(self) -> None:
        context = multiprocessing.get_context("spawn")
        to_worker_r, to_worker_w = context.Pipe(duplex=False)
        from_worker_r, from_worker_w = context.Pipe(duplex=False)
        process = context.Process(
            target=run_worker,
            args=(self.config, self.baseline, to_worker_r, from_worker_w),
            name=f"mt5-worker-{self.config.login}",
            daemon=True,
        )
        try:
            await asyncio.to_thread(process.start)
        except OSError:
            for end in (to_worker_r, to_worker_w, from_worker_r, from_worker_w):
                end.close()
            raise
        to_worker_r.close()
        from_worker_w.close()
        self._process = process
        self._generation += 1
        generation = self._generation
        self._outgoing.put(None)  # ends the previous writer thread, if one is left
        self._outgoing = queue.SimpleQueue()
        for command in self.in_flight.values():  # may have run before the crash: look first
            sent = self._sent_ms.get(command.id, 0)
            self._outgoing.put(Execute(command, recover=True, sent_ms=sent))
        threading.Thread(
            target=self._read, args=(from_worker_r, generation), daemon=True,
            name=f"mt5-read-{self.config.login}",
        ).start()  # fmt: skip
        threading.Thread(
            target=self._write, args=(to_worker_w, self._outgoing), daemon=True,
            name=f"mt5-write-{self.config.login}",
        ).start()  # fmt: skip

    def _read(self, connection: Connection, generation: int) -> None:
        loop = self._loop
        assert loop is not None
        while True:
            try:
                message = connection.recv()
            except (EOFError, OSError):
                message = _WorkerGone()
            with contextlib.suppress(RuntimeError):  # the loop closed during shutdown
                loop.call_soon_threadsafe(self._inbox.put_nowait, (generation, message))
            if isinstance(message, _WorkerGone):
                connection.close()
                return

    @staticmethod
    def _write(connection: Connection, outgoing: queue.SimpleQueue[Any]) -> None:
        while True:
            message = outgoing.get()
            if message is None:
                break
            try:
                connection.send(message)
            except (OSError, ValueError):
                break
            if isinstance(message, StopWorker):
                break
        connection.close()

    async def _run_pump(self) -> None:
        while True:
            generation, message = await self._inbox.get()
            if generation != self._generation:
                continue  # left over from a worker that was replaced
            await self._handle(message)

    async def _handle(self, message: Any) -> None:
        if isinstance(message, Changes):
            await self._deliver(message)
        elif isinstance(message, Executed):
            self._executed(message.result)
        elif isinstance(message, Connected):
            self._reached = True
            self._build = message.build
            self._catalogue = {spec.name: spec for spec in message.catalogue}
            self._set_connected(True, message.detail, message)
        elif isinstance(message, Disconnected):
            if message.fatal:
                self._fatal = message.reason
            self._set_connected(False, message.reason)
        elif isinstance(message, Health):
            self.last_health = message
            self._report_health(message)
        elif isinstance(message, SnapshotReply):
            self._snapshot_reply(message)
        elif isinstance(message, _WorkerGone):
            await self._worker_gone()

    async def _deliver(self, changes: Changes) -> None:
        # Handed to a task of its own: the copier may hold an event until it has seen this
        # account's snapshot, and the pump that reads the snapshot reply must not be the one
        # waiting for that event to be taken.
        self.baseline = changes.baseline
        self._undelivered += len(changes.events)
        self._changes.put_nowait(changes)

    @property
    def undelivered_events(self) -> int:
        """Events already in ``baseline`` that the copier has not finished taking."""
        return self._undelivered

    async def _run_delivery(self) -> None:
        while True:
            changes = await self._changes.get()
            assert self._sink is not None
            # The changes of one poll are one run: decided in turn, stored in one commit
            # (TerminalSink.on_events; docs/store.md, "Events that arrive together").
            now = self._clock()
            run = [replace(event, seq=self.seq + n, received_ms=now)
                   for n, event in enumerate(changes.events, start=1)]  # fmt: skip
            self.seq += len(run)
            try:
                if run:
                    await self._sink.on_events(run)
            finally:
                self._undelivered -= len(run)
            if self.config.state_path:  # the books the copier has now taken in full
                laststate.save(self.config.state_path, self.seq, changes.baseline)

    def _executed(self, result: ExecutionResult) -> None:
        if result.command_id in self.results:
            return  # exactly one result per command, whatever a worker says twice
        self.results[result.command_id] = result
        self.in_flight.pop(result.command_id, None)
        self._sent_ms.pop(result.command_id, None)
        if self._sink is not None:
            self._sink.on_result(result)

    def _snapshot_reply(self, reply: SnapshotReply) -> None:
        future = self._snapshots.get(reply.request_id)
        if future is None or future.done():
            return
        if reply.snapshot is None:
            future.set_exception(ConnectionError(f"{self.account_id}: {reply.error}"))
        else:
            # Every symbol the terminal offers, so a slave that holds nothing yet can be mapped
            # to (symbols_get: https://www.mql5.com/en/docs/python_metatrader5/mt5symbolsget_py).
            symbols = {**self._catalogue, **reply.snapshot.symbols}
            future.set_result(replace(reply.snapshot, symbols=symbols))

    async def _worker_gone(self) -> None:
        for future in self._snapshots.values():  # their requests died with the worker
            if not future.done():
                future.set_exception(ConnectionError(f"{self.account_id}: the MT5 worker stopped"))
        process = self._process
        if process is not None:
            await asyncio.to_thread(process.join, STOP_TIMEOUT_S)
        if self._stopping:
            return
        code = process.exitcode if process is not None else None
        if self._fatal:
            self._set_connected(False, self._fatal)
            return
        self.restarts += 1
        self._set_connected(False, f"MT5 worker stopped (exit code {code}); restarting")
        delay = min(self.config.reconnect_min_ms * 2**self.restarts, self.config.reconnect_max_ms)
        await self._respawn(delay)

    async def _respawn(self, delay_ms: int) -> None:
        """Start a new worker after ``delay_ms``, and keep trying (backing off) while the machine
        refuses to start a process: a pump left without a worker would never try again, and
        the account would stay silent for good."""
        while True:
            await asyncio.sleep(delay_ms / 1000.0)
            if self._stopping:
                return
            try:
                await self._spawn()
                return
            except OSError as failure:
                delay_ms = min(delay_ms * 2, self.config.reconnect_max_ms)
                self._set_connected(
                    False,
                    f"the MT5 worker could not be started again ({failure}); trying again in "
                    f"{delay_ms} ms",
                )

    # -- status -------------------------------------------------------------------------------

    def _set_connected(self, connected: bool, detail: str, info: Connected | None = None) -> None:
        if connected != self._connected:
            self._since_ms = self._clock()
        self._connected = connected
        if self._sink is None:
            return
        self._sink.on_status(
            TerminalStatus(
                account_id=self.account_id,
                connected=connected,
                since_ms=self._since_ms,
                last_heartbeat_ms=self._clock(),
                build=self._build,
                trade_allowed=info.trade_allowed if info else False,
                account=info.account if info else None,
                positions=len(self.baseline.positions) if self.baseline else 0,
                detail=detail,
            )
        )

    def _report_health(self, health: Health) -> None:
        if self._sink is None:
            return
        self._sink.on_status(
            TerminalStatus(
                account_id=self.account_id,
                connected=self._connected,
                since_ms=self._since_ms,
                last_heartbeat_ms=self._clock(),
                rtt_ms=health.rtt_ms,
                build=self._build,
                trade_allowed=health.trade_allowed,
                account=health.account,
                positions=health.positions,
                detail=f"poll {health.poll_cpu_ms:.3f} ms CPU",
            )
        )
