"""``copier demo --transport ea``: the demo's accounts behind reference EAs and real sockets.

The same simulated brokers and seeded master as the sim transport, but every account is served
the way a MetaTrader terminal is: a reference Monitor EA on the master diffs its account and
streams events over the WebSocket bridge; a reference Executor EA on each slave executes the
commands it receives. The copier sees only ``EaTerminal`` objects of the real bridge, with
accounts and API keys from its store.

``EaFleet`` is the terminals' side alone (brokers, EAs, the master's trader) and needs nothing of
the copier but its URL and keys, so it can run in a process of its own (``bench/soak.py``);
``EaWorld`` puts a fleet beside an app in one process, as the demo runs it.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable

from copier.app import CopierApp
from copier.bridge import Role
from copier.store import AccountRecord, AccountRole
from copier.terminals.ea.terminal import EaTerminal
from copier.testbed.broker.broker import SimBroker
from copier.testbed.broker.clock import Clock
from copier.testbed.broker.executor import SimExecutor
from copier.testbed.broker.profiles import build_broker, profile
from copier.testbed.broker.quotes import Market
from copier.testbed.broker.trader import RandomTrader
from copier.testbed.demo_check import stop_closes
from copier.testbed.refea.client import EaSettings, ReferenceEa

READY_TIMEOUT_S = 15.0
SLAVE_TICK_S = 0.005
DEMO_MASTER = "demo-master"
DEMO_ACCOUNTS = (
    ("master-mt5", DEMO_MASTER),
    ("slave-suffix", "demo-suffix"),
    ("slave-netting", "demo-netting"),
    ("slave-mt5", "demo-capped"),
)

MarketStep = Callable[[SimBroker], Awaitable[None]]


class EaFleet:
    """The demo's brokers, each served by a reference EA, and the master's seeded trader."""

    def __init__(self, seed: int, market: Market, clock: Clock, market_step: MarketStep) -> None:
        self._step_market = market_step
        self.brokers: dict[str, SimBroker] = {
            name: build_broker(prof, seed=seed + i, market=market, clock=clock)
            for i, (prof, name) in enumerate(DEMO_ACCOUNTS)
        }
        self.trader = RandomTrader(self.brokers[DEMO_MASTER], seed=seed)
        self.executors = {
            name: SimExecutor(broker, name) for name, broker in self.brokers.items()
            if name != DEMO_MASTER
        }
        self.eas: list[ReferenceEa] = []
        self._tasks: list[asyncio.Task[None]] = []

    def records(self) -> list[AccountRecord]:
        """The accounts as the copier's store must know them (ids are the demo's names)."""
        records = []
        for prof, name in DEMO_ACCOUNTS:
            account = self.brokers[name].account
            role = AccountRole.MASTER if profile(prof).master else AccountRole.SLAVE
            records.append(AccountRecord(name, account.platform, account.login, account.server,
                                         company=account.company, role=role,
                                         label=f"demo ({prof})"))  # fmt: skip
        return records

    def start(self, url: str, keys: dict[str, str]) -> None:
        """Start every account's EA against the bridge at ``url`` with its key."""
        for name, broker in self.brokers.items():
            role = Role.MONITOR if name == DEMO_MASTER else Role.EXECUTOR
            ea = ReferenceEa(broker, EaSettings(url=url, key=keys[name], role=role),
                             executor=self.executors.get(name))  # fmt: skip
            self.eas.append(ea)
            self._tasks.append(asyncio.create_task(ea.run(), name=f"ea {name}"))
        self._tasks.append(asyncio.create_task(self._tick_slaves(), name="demo slave market"))

    async def drive(self, steps: int | None) -> None:
        """The master's seeded trading, as the sim transport drives it."""
        done = 0
        master = self.brokers[DEMO_MASTER]
        while steps is None or done < steps:
            await self._step_market(master)
            self.trader.step()
            done += 1

    def undelivered_events(self, handled: int) -> int:
        """Events the master's EA numbered above ``handled`` (the copier's last seq), plus those
        it has not had acknowledged."""
        monitor = self.eas[0] if self.eas else None
        if monitor is None:
            return 0
        return max(0, monitor.outbox.seq - handled) + len(monitor.outbox.unacked)

    def duplicated(self) -> int:
        """Copies a slave traded more than once, by command id."""
        executions: Counter[str] = Counter()
        for executor in self.executors.values():
            executions.update(executor.executed_counts())
        return sum(n - 1 for n in executions.values() if n > 1)

    async def close(self) -> None:
        for ea in self.eas:
            await ea.stop()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _tick_slaves(self) -> None:
        """The slaves' servers act on prices (pending fills, stops) as the market moves."""
        while True:
            await asyncio.sleep(SLAVE_TICK_S)
            for name, broker in self.brokers.items():
                if name != DEMO_MASTER:
                    broker.tick()


class EaWorld:
    """An ``EaFleet`` served by the copier's own bridge, in the copier's process."""

    def __init__(self, app: CopierApp, seed: int, market: Market, clock: Clock,
                 interval_s: float, market_step: MarketStep) -> None:
        self.app = app
        self.interval_s = interval_s
        if app.bridge is None:
            raise ValueError("the EA demo needs the app's bridge (AppConfig.bridge)")
        self.server = app.bridge
        self.fleet = EaFleet(seed, market, clock, market_step)
        self.brokers = self.fleet.brokers
        self.trader = self.fleet.trader
        self.executors = self.fleet.executors
        self.terminals: dict[str, EaTerminal] = {}
        for record in self.fleet.records():
            app.store.save_account(record, actor="demo")
            self.terminals[record.id] = self.server.terminal(record.id)

    @property
    def eas(self) -> list[ReferenceEa]:
        return self.fleet.eas

    @property
    def master(self) -> EaTerminal:
        return self.terminals[DEMO_MASTER]

    @property
    def slaves(self) -> list[EaTerminal]:
        return [t for name, t in self.terminals.items() if name != DEMO_MASTER]

    async def ready(self) -> None:
        """Start the EAs (the app has started the bridge) and wait until every account is
        connected."""
        keys = {name: self.app.store.create_api_key(name, days=1, actor="demo")
                for name in self.brokers}  # fmt: skip
        self.fleet.start(self.server.url, keys)
        await wait_connected(self.terminals)

    async def drive(self, steps: int | None) -> None:
        await self.fleet.drive(steps)

    def halt(self) -> None:
        return None  # the master trades only while ``drive`` runs

    async def undelivered_events(self) -> int:
        """Events the master's EA numbered that the copier has not handled yet, plus changes
        its next look would still find."""
        return self.fleet.undelivered_events(self.app.service.last_seq(DEMO_MASTER))

    async def duplicated(self) -> int:
        return self.fleet.duplicated()

    async def stop_closes(self, slave_id: str) -> dict[int, str]:
        """Read from the slave broker's deal history, which its EA reads too."""
        return stop_closes(self.brokers[slave_id].history_deals())

    async def close(self) -> None:
        await self.fleet.close()


async def wait_connected(terminals: dict[str, EaTerminal]) -> None:
    """Wait until every terminal has its EA connected (at most READY_TIMEOUT_S)."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    while not all(t.connected for t in terminals.values()):
        if time.monotonic() > deadline:
            missing = [n for n, t in terminals.items() if not t.connected]
            raise RuntimeError(f"EAs did not connect within {READY_TIMEOUT_S:g} s: {missing}")
        await asyncio.sleep(0.05)
