"""``copier demo --transport ea``: the demo's accounts behind reference EAs and real sockets.

The same simulated brokers and seeded master as the sim transport, but every account is served
the way a MetaTrader terminal is: a reference Monitor EA on the master diffs its account and
streams events over the WebSocket bridge; a reference Executor EA on each slave executes the
commands it receives. The copier sees only ``EaTerminal`` objects of the real bridge, with
accounts and API keys from its store.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable

from copier.app import CopierApp
from copier.bridge import EaTerminal, Role
from copier.refea.client import EaSettings, ReferenceEa
from copier.sim.broker import SimBroker
from copier.sim.clock import Clock
from copier.sim.executor import SimExecutor
from copier.sim.profiles import build_broker, profile
from copier.sim.quotes import Market
from copier.sim.trader import RandomTrader
from copier.store import AccountRecord, AccountRole

READY_TIMEOUT_S = 15.0
SLAVE_TICK_S = 0.005
DEMO_ACCOUNTS = (
    ("master-mt5", "demo-master"),
    ("slave-suffix", "demo-suffix"),
    ("slave-netting", "demo-netting"),
    ("slave-mt5", "demo-capped"),
)


class EaWorld:
    """The demo's brokers, each served by a reference EA through the copier's own bridge."""

    def __init__(self, app: CopierApp, seed: int, market: Market, clock: Clock,
                 interval_s: float, market_step: Callable[[SimBroker], Awaitable[None]]) -> None:
        self.app = app
        self.interval_s = interval_s
        self._step_market = market_step
        self.brokers: dict[str, SimBroker] = {
            name: build_broker(prof, seed=seed + i, market=market, clock=clock)
            for i, (prof, name) in enumerate(DEMO_ACCOUNTS)
        }
        if app.bridge is None:
            raise ValueError("the EA demo needs the app's bridge (AppConfig.bridge)")
        self.server = app.bridge
        self.terminals: dict[str, EaTerminal] = {}
        for prof, name in DEMO_ACCOUNTS:
            broker = self.brokers[name]
            role = AccountRole.MASTER if profile(prof).master else AccountRole.SLAVE
            app.store.save_account(
                AccountRecord(name, broker.account.platform, broker.account.login,
                              broker.account.server, company=broker.account.company, role=role,
                              label=f"demo ({prof})"),
                actor="demo",
            )
            self.terminals[name] = self.server.terminal(name)
        self.trader = RandomTrader(self.brokers["demo-master"], seed=seed)
        self.executors = {
            name: SimExecutor(broker, name) for name, broker in self.brokers.items()
            if name != "demo-master"
        }
        self.eas: list[ReferenceEa] = []
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def master(self) -> EaTerminal:
        return self.terminals["demo-master"]

    @property
    def slaves(self) -> list[EaTerminal]:
        return [t for name, t in self.terminals.items() if name != "demo-master"]

    async def ready(self) -> None:
        """Start the EAs (the app has started the bridge) and wait until every account is
        connected."""
        url = self.server.url
        for name, broker in self.brokers.items():
            key = self.app.store.create_api_key(name, days=1, actor="demo")
            role = Role.MONITOR if name == "demo-master" else Role.EXECUTOR
            ea = ReferenceEa(broker, EaSettings(url=url, key=key, role=role),
                             executor=self.executors.get(name))
            self.eas.append(ea)
            self._tasks.append(asyncio.create_task(ea.run(), name=f"ea {name}"))
        self._tasks.append(asyncio.create_task(self._tick_slaves(), name="demo slave market"))
        deadline = time.monotonic() + READY_TIMEOUT_S
        while not all(t.connected for t in self.terminals.values()):
            if time.monotonic() > deadline:
                missing = [n for n, t in self.terminals.items() if not t.connected]
                raise RuntimeError(f"EAs did not connect within {READY_TIMEOUT_S:g} s: {missing}")
            await asyncio.sleep(0.05)

    async def drive(self, steps: int | None) -> None:
        """The master's seeded trading, as the sim transport drives it."""
        done = 0
        master = self.brokers["demo-master"]
        while steps is None or done < steps:
            await self._step_market(master)
            self.trader.step()
            done += 1

    def halt(self) -> None:
        return None  # the master trades only while ``drive`` runs

    async def undelivered_events(self) -> int:
        """Events the master's EA numbered that the copier has not handled yet, plus changes
        its next look would still find."""
        monitor = self.eas[0] if self.eas else None
        if monitor is None:
            return 0
        handled = self.app.service.last_seq("demo-master")
        return max(0, monitor.outbox.seq - handled) + len(monitor.outbox.unacked)

    async def duplicated(self) -> int:
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
                if name != "demo-master":
                    broker.tick()
