"""The fault suite's world: the copier as a process of its own, reference EAs here, a master stream.

The copier runs exactly as a user runs it headless — ``python -m copier.cli --data-dir D run
--headless --port P`` — with the accounts, links and API keys saved in ``D`` beforehand. The
master's Monitor and the slaves' Executors are reference EAs in this process, on simulated
brokers, so they outlive every copier death and reconnect on their own. Their backoff is
shortened (``FAST_BACKOFF``: 50 ms doubling to 400 ms instead of 0.5 s to 30 s) so a restart
costs the suite well under a second of reconnecting; the backoff logic itself is unchanged.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from copier.bridge import Role
from copier.bridge.protocol import Event
from copier.domain import Platform, Side
from copier.engine.config import Link
from copier.store import AccountRecord, AccountRole, Store
from copier.store.models import OUTBOX_WHERE
from copier.store.paths import database_path
from copier.testbed.broker.broker import SimBroker
from copier.testbed.broker.executor import SimExecutor
from copier.testbed.broker.profiles import build_broker
from copier.testbed.broker.quotes import Market
from copier.testbed.refea.client import EaSettings, EventOutbox, ReferenceEa
from copier.testbed.refea.detect import Change

# Ctrl+Break reaches only a process group of its own (CREATE_NEW_PROCESS_GROUP), so the test
# process is not stopped with it.
if sys.platform == "win32":
    OWN_PROCESS_GROUP, ORDERLY_STOP = subprocess.CREATE_NEW_PROCESS_GROUP, signal.CTRL_BREAK_EVENT
else:
    OWN_PROCESS_GROUP, ORDERLY_STOP = 0, signal.SIGTERM
REPO = Path(__file__).resolve().parents[2]
MASTER_ID = "master"
SYMBOLS = ("EURUSD", "GBPUSD", "USDJPY")
FAST_BACKOFF = {"backoff_base_s": 0.05, "backoff_cap_s": 0.4, "welcome_timeout_s": 3.0}
START_TIMEOUT_S = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"not within {timeout:g} s: {what}")
        await asyncio.sleep(0.005)


class CopierProcess:
    """``copier run --headless`` on a fixed port, killed and restarted at will."""

    def __init__(self, data_dir: Path, port: int) -> None:
        self.data_dir = data_dir
        self.port = port
        self.log_path = data_dir / "copier.log"
        self.starts = 0
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self, failpoint: str = "") -> None:
        """``failpoint``: ``name:N`` of ``copier.failpoints``, where this copier will die."""
        self.starts += 1
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "TRADECOPIER_FAILPOINT": failpoint}
        with self.log_path.open("ab") as log:
            log.write(f"--- start {self.starts}\n".encode())
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "copier.cli", "--data-dir", str(self.data_dir), "run",
                 "--headless", "--port", str(self.port)],
                cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
                creationflags=OWN_PROCESS_GROUP,
            )  # fmt: skip

    async def wait_listening(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if self._proc is not None and self._proc.poll() is not None:
                raise RuntimeError(f"copier exited with {self._proc.returncode}: {self.log_tail()}")
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
            except OSError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"copier not listening: {self.log_tail()}") from None
                await asyncio.sleep(0.02)
                continue
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
            return

    @property
    def died(self) -> bool:
        """The process ended without being stopped (a failpoint reached, or a crash)."""
        return self._proc is not None and self._proc.poll() is not None

    def kill(self) -> None:
        """No clean-up of any kind, as a power cut or the OOM killer would do it: SIGKILL on
        POSIX, TerminateProcess on Windows (``Popen.kill``)."""
        self._stop(lambda proc: proc.kill())

    def terminate(self) -> int:
        """The copier's own orderly stop (bridge closed with 1001, store flushed): SIGTERM on
        POSIX; on Windows Ctrl+Break to the copier's own process group, on which ``copier run``
        stops as on SIGTERM (``Popen.send_signal``:
        https://docs.python.org/3/library/subprocess.html#subprocess.Popen.send_signal)."""
        return self._stop(lambda proc: proc.send_signal(ORDERLY_STOP))

    async def stop(self) -> int:
        """``terminate`` with this process's event loop running meanwhile, as the EAs' own
        terminals would: the reference EAs here answer the bridge's close frames (1001) at once.
        A blocked loop leaves every session to websockets' close timeout (10 s) in the copier."""
        return await asyncio.to_thread(self.terminate)

    def _stop(self, how: Callable[[subprocess.Popen[bytes]], None]) -> int:
        proc = self._proc
        if proc is None:
            return 0
        if proc.poll() is None:
            how(proc)
        code = proc.wait(20)
        self._proc = None
        return code

    def log_tail(self, chars: int = 3000) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return text[-chars:]

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@dataclass
class Slave:
    account_id: str
    broker: SimBroker
    executor: SimExecutor
    key: str
    link_id: int = 0
    ea: ReferenceEa | None = None


ExecutorFactory = Callable[[SimBroker, str], SimExecutor]


class FaultWorld:
    """One master and N slaves saved in a fresh data folder, and their reference EAs.

    Slave ``i`` has profile ``profiles[i % len(profiles)]``. With ``market`` every broker trades
    the same prices (pending copies then sit where the master's orders do)."""

    def __init__(
        self,
        data_dir: Path,
        seed: int,
        slaves: int = 10,
        *,
        profiles: Sequence[str] = ("slave-mt5",),
        market: Market | None = None,
        executor: ExecutorFactory = SimExecutor,
    ) -> None:
        self.data_dir = data_dir
        self.seed = seed
        self._executor = executor
        self.master = build_broker("master-mt5", seed=seed, market=market)
        self.slaves = [
            self._slave(
                f"slave{i}",
                build_broker(profiles[i % len(profiles)], seed=seed * 100 + i + 1, market=market),
            )
            for i in range(slaves)
        ]
        self.port = free_port()
        self.copier = CopierProcess(data_dir, self.port)
        self.outbox = TicketedOutbox()  # the Monitor's file: kept across its restarts
        self.monitor: ReferenceEa | None = None
        self.master_key = ""
        self._tasks: dict[ReferenceEa, asyncio.Task[None]] = {}
        self._save()

    def _slave(self, account_id: str, broker: SimBroker) -> Slave:
        return Slave(account_id, broker, self._executor(broker, account_id), key="")

    def _save(self) -> None:
        with Store.open(self.data_dir) as store:
            for account_id, broker in [(MASTER_ID, self.master)] + [
                (s.account_id, s.broker) for s in self.slaves
            ]:
                account = broker.account
                store.save_account(
                    AccountRecord(account_id, Platform(account.platform), account.login,
                                  account.server, company=account.company,
                                  role=AccountRole.MASTER if account_id == MASTER_ID
                                  else AccountRole.SLAVE),
                    actor="fault-suite",
                )  # fmt: skip
            self.master_key = store.create_api_key(MASTER_ID, days=1)
            for slave in self.slaves:
                slave.key = store.create_api_key(slave.account_id, days=1)
                slave.link_id = store.save_link(Link(0, MASTER_ID, slave.account_id)).id

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ea/v1"

    def settings(self, key: str, role: Role, url: str | None = None, seed: int = 0) -> EaSettings:
        return EaSettings(url=url or self.url, key=key, role=role, poll_ms=2, seed=seed,
                          **FAST_BACKOFF)  # type: ignore[arg-type]  # fmt: skip

    # ----- EAs ------------------------------------------------------------------------------
    def start_monitor(self, url: str | None = None) -> ReferenceEa:
        settings = self.settings(self.master_key, Role.MONITOR, url, seed=self.seed)
        self.monitor = self._run(ReferenceEa(self.master, settings, outbox=self.outbox))
        return self.monitor

    def start_executor(self, slave: Slave, url: str | None = None) -> ReferenceEa:
        settings = self.settings(slave.key, Role.EXECUTOR, url, seed=self.seed + slave.link_id)
        slave.ea = self._run(ReferenceEa(slave.broker, settings, executor=slave.executor))
        return slave.ea

    def start_eas(self, url_for: Callable[[str], str] | None = None) -> None:
        self.start_monitor(url_for(MASTER_ID) if url_for else None)
        for slave in self.slaves:
            self.start_executor(slave, url_for(slave.account_id) if url_for else None)

    def _run(self, ea: ReferenceEa) -> ReferenceEa:
        self._tasks[ea] = asyncio.create_task(ea.run(), name=f"ea {ea.settings.role}")
        return ea

    async def stop_ea(self, ea: ReferenceEa, crash: bool = False) -> None:
        """Stop one EA; ``crash`` cuts its connection without a close frame first."""
        if crash:
            ea.drop_connection()
        await ea.stop()
        task = self._tasks.pop(ea, None)
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    def eas(self) -> list[ReferenceEa]:
        return list(self._tasks)

    async def all_connected(self, timeout: float = 15.0) -> None:
        try:
            await wait_until(lambda: all(ea.connected for ea in self._tasks), timeout,
                             "every EA welcomed")  # fmt: skip
        except TimeoutError as exc:
            states = [
                f"{ea.settings.role}:{ea.broker.account.login} connected={ea.connected} "
                f"welcomes={ea.welcomes} closes={ea.close_codes[-5:]} fatal={ea.fatal} "
                f"task_done={task.done()}"
                for ea, task in self._tasks.items()
            ]
            tail = self.copier.log_tail(1500)
            raise TimeoutError(f"{exc}: {states}; copier log: {tail}") from None

    async def close(self) -> None:
        for ea in list(self._tasks):
            await self.stop_ea(ea)
        self.copier.terminate()

    # ----- the copier's database (read beside the running process) --------------------------
    def outbox_size(self) -> int:
        uri = f"file:{database_path(self.data_dir)}?mode=ro"
        with contextlib.closing(sqlite3.connect(uri, uri=True, timeout=5)) as conn:
            # The outbox is the copy rows without a result (schema 8, ix_outbox).
            sql = f"SELECT count(*) FROM trade_log_copies WHERE {OUTBOX_WHERE}"
            return int(conn.execute(sql).fetchone()[0])


@dataclass(frozen=True, slots=True)
class StreamEvent:
    seq: int
    kind: str  # opened | closed | modified
    ticket: int


class TicketedOutbox(EventOutbox):
    """The monitor's outbox, also remembering each event's ticket by seq."""

    def __init__(self) -> None:
        super().__init__()
        self.tickets: dict[int, int] = {}

    def add(self, change: Change, time_ms: int) -> Event:
        event = super().add(change, time_ms)
        self.tickets[event.seq] = event.ticket
        return event


class MasterStream:
    """A seeded master: one trade action at a time, each seen by the Monitor as one event."""

    def __init__(self, world: FaultWorld, seed: int, max_open: int = 8) -> None:
        self.world = world
        self.broker = world.master
        self.rng = random.Random(seed)
        self.max_open = max_open
        self.events: list[StreamEvent] = []

    async def step(self) -> StreamEvent:
        (event,) = await self.burst(1)
        return event

    async def burst(self, actions: int) -> list[StreamEvent]:
        """``actions`` trades on the master between two looks of its monitor (no await between
        them): their events leave the monitor together, as a close-all's do."""
        outbox = self.world.outbox
        first = outbox.seq + 1
        touched: set[int] = set()  # a ticket acted on twice in one look would make one event
        done = [self._act(touched) for _ in range(actions)]
        last = first + actions - 1
        kinds = ", ".join(kind for kind, _ in done)
        await wait_until(lambda: outbox.seq >= last, 5.0, f"monitor saw {kinds}")
        assert outbox.seq == last, "one action must make exactly one event"
        # The monitor numbers the changes of one look in its own order: each found by its ticket.
        seqs = {outbox.tickets[seq]: seq for seq in range(first, last + 1)}
        assert set(seqs) == touched, "one action must make exactly one event"
        events = sorted((StreamEvent(seqs[ticket], kind, ticket) for kind, ticket in done),
                        key=lambda e: e.seq)  # fmt: skip
        self.events.extend(events)
        return events

    def _act(self, touched: set[int]) -> tuple[str, int]:
        positions = [p.ticket for p in self.broker.positions()]
        open_tickets = [t for t in positions if t not in touched]
        roll = self.rng.random()
        if len(open_tickets) < 2 or (len(positions) < self.max_open and roll < 0.45):
            kind, ticket = "opened", self._open()
        elif len(positions) >= self.max_open or roll < 0.8:
            kind, ticket = "closed", self._close(self.rng.choice(open_tickets))
        else:
            kind, ticket = "modified", self._modify(self.rng.choice(open_tickets))
        touched.add(ticket)
        return kind, ticket

    def _open(self) -> int:
        side = Side.BUY if self.rng.random() < 0.5 else Side.SELL
        volume = self.rng.choice((0.01, 0.02, 0.03, 0.05))
        result = self.broker.open_market(self.rng.choice(SYMBOLS), side, volume)
        assert result.ok, result.comment
        return result.position

    def _close(self, ticket: int) -> int:
        result = self.broker.close_position(ticket)
        assert result.ok, result.comment
        return ticket

    def _modify(self, ticket: int) -> int:
        pos = self.broker.position(ticket)
        assert pos is not None
        spec = self.broker.symbol_spec(pos.symbol)
        assert spec is not None
        quote = self.broker.quote(pos.symbol)
        distance = self.rng.randint(200, 900) * spec.point
        if pos.side is Side.BUY:
            sl = round(quote.bid - distance, spec.digits)
        else:
            sl = round(quote.ask + distance, spec.digits)
        result = self.broker.modify_position(ticket, sl, 0.0)
        assert result.ok, result.comment
        return ticket

    async def run(self, count: int, pause_s: float = 0.0) -> None:
        for _ in range(count):
            await self.step()
            if pause_s:
                await asyncio.sleep(pause_s)
