"""The demo's MT5 world: master and slaves as stand-in MT5 terminals on one ``TerminalHost``.

The copier reaches every account the way it reaches a real MetaTrader 5 terminal: an
``Mt5Terminal`` per account, each with its own spawned worker process that polls
``positions_get``/``orders_get`` and sends orders through the stand-in module over the host's
pipe. The master trades inside its stand-in terminal (a seeded ``RandomTrader`` attached to it),
so its events are found by the master worker's polling, not handed to the copier.

One clock: the stand-in terminals, the workers and the adapters all run on ``clock`` (the demo's
shifted wall clock, which the copier runs on too), so a copy's detection, receipt, decision,
sending and execution are stamped on one clock and its latencies are true.

Thread-safety: the host serves worker calls on its own threads. The master's trader is attached
to the master terminal (``attach_trader``), so it only ever runs inside a terminal call, under the
lock the host's terminals share; the demo's asyncio side only raises or reads the trader's step
budget (guarded by a lock of its own) and reads books through ``SimTerminal.call``.

Checks answered from the stand-in terminals, never from the copier's bookkeeping:

* ``undelivered`` — master positions and pendings that differ from what the master adapter last
  delivered as events (its baseline);
* ``stop_closes`` — slave positions closed by their own SL or TP: deals with reason
  ``DEAL_REASON_SL``/``DEAL_REASON_TP`` in the slave's deal history;
* ``duplicated`` — opening deals (and pending orders placed) on a slave per (magic, comment,
  side) beyond the opening commands the copier sent for that key, read from the slave's deal
  and order history.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from typing import Any

from copier.domain import Command, CommandKind, Side
from copier.events import Bus, CopySent
from copier.terminals.mt5 import Mt5Config, Mt5Terminal
from copier.terminals.mt5.protocol import Baseline
from copier.testbed.broker.clock import ShiftedClock
from copier.testbed.broker.quotes import Market
from copier.testbed.broker.symbols import catalogue
from copier.testbed.broker.trader import RandomTrader
from copier.testbed.demo_check import stop_closes
from copier.testbed.mt5standin.backend import StandIn
from copier.testbed.mt5standin.host import TerminalHost
from copier.testbed.mt5standin.profiles import TerminalProfile
from copier.testbed.mt5standin.terminal import SimTerminal

REAL_MT5_HINT = (
    "the demo drives MT5 only through the stand-in (--transport mt5 --simulate); real MT5 "
    "terminals are configured as accounts in the app (Accounts → \"Add MT5 (direct)…\"), "
    "not in the demo"
)
DEMO_SERVER = "TradeCopier-Demo"
FAR_FUTURE_S = 4_102_444_800  # 2100-01-01: "all history" for history_*_get
SETTLE_POLL_S = 0.05
CONNECT_TIMEOUT_S = 30.0  # spawning four workers takes seconds on a busy machine
_OPENING = (CommandKind.OPEN, CommandKind.PLACE_PENDING, CommandKind.FILL_PENDING)
_PENDING_TYPES = range(2, 6)  # ORDER_TYPE_BUY_LIMIT … ORDER_TYPE_SELL_STOP

MASTER_PROFILE = TerminalProfile(path="C:/TradeCopier Demo/master/terminal64.exe", login=70001,
                                 server=DEMO_SERVER, broker="standard", balance=10_000.0)
# account id → profile, mirroring the sim transport's slave profiles
SLAVE_PROFILES: dict[str, TerminalProfile] = {
    "demo-suffix": TerminalProfile(path="C:/TradeCopier Demo/suffix/terminal64.exe",
                                   login=70002, server=DEMO_SERVER, broker="suffix",
                                   currency="EUR", balance=5_000.0),
    "demo-netting": TerminalProfile(path="C:/TradeCopier Demo/netting/terminal64.exe",
                                    login=70003, server=DEMO_SERVER, hedging=False,
                                    balance=5_000.0),
    "demo-capped": TerminalProfile(path="C:/TradeCopier Demo/capped/terminal64.exe",
                                   login=70004, server=DEMO_SERVER, balance=5_000.0),
}


class PacedTrader:
    """The master's trader with a step budget, run by the master terminal as time passes.

    Called inside the terminal's calls (so under the host's lock); the budget and the count of
    steps done are shared with the asyncio side and guarded by a lock of their own.
    """

    def __init__(self, trader: RandomTrader, interval_ms: int) -> None:
        self.trader = trader
        self.interval_ms = max(1, interval_ms)
        self._lock = threading.Lock()
        self._budget = 0  # steps still allowed; -1: no limit
        self._done = 0
        self._due_ms = 0

    @property
    def done(self) -> int:
        with self._lock:
            return self._done

    def allow(self, steps: int | None) -> None:
        with self._lock:
            self._budget = -1 if steps is None else steps

    def halt(self) -> None:
        with self._lock:
            self._budget = 0

    def __call__(self, now_ms: int) -> None:
        with self._lock:
            if self._budget == 0 or now_ms < self._due_ms:
                return
            # Steps keep to their schedule: the terminal's calls that run them come a little
            # after each step is due, and counting the next from the late call would slow the
            # master below its rate. At most one step is made up for.
            base = self._due_ms or now_ms
            self._due_ms = max(base + self.interval_ms, now_ms - self.interval_ms)
            if self._budget > 0:
                self._budget -= 1
        self.trader.step()
        with self._lock:
            self._done += 1


@dataclass
class Mt5Account:
    """One demo account: its stand-in terminal (in the host) and the copier's adapter to it."""

    account_id: str
    sim: SimTerminal
    adapter: Mt5Terminal


class Mt5World:
    """Stand-in MT5 terminals for the demo's master and slaves, each behind a worker process."""

    def __init__(self, seed: int, interval_s: float, clock: ShiftedClock | None = None) -> None:
        self.clock = clock or ShiftedClock()
        self.host = TerminalHost(seed=seed, clock=self.clock)
        self.master = self._account("demo-master", replace(MASTER_PROFILE, seed=seed))
        self.slaves = [
            self._account(account_id, replace(profile, seed=seed + i))
            for i, (account_id, profile) in enumerate(SLAVE_PROFILES.items(), start=1)
        ]
        self.trader = RandomTrader(self.master.sim.broker, seed=seed)
        self.pacer = PacedTrader(self.trader, round(interval_s * 1000))
        self.master.sim.attach_trader(self.pacer)
        self._opening_ids: dict[tuple[str, int, str, Side], set[str]] = defaultdict(set)
        self._pending_ids: dict[tuple[str, int, str], set[str]] = defaultdict(set)

    def _account(self, account_id: str, profile: TerminalProfile) -> Mt5Account:
        sim = self.host.add(profile)
        config = Mt5Config(path=profile.path, login=profile.login, server=profile.server,
                           symbols=catalogue(profile.broker).symbols, account_id=account_id,
                           backend=StandIn(endpoint=self.host.endpoint, clock=self.clock))
        return Mt5Account(account_id, sim, Mt5Terminal(config))

    # -- what the demo session uses -----------------------------------------------------------

    @property
    def market(self) -> Market:
        return self.master.sim.broker.market

    @property
    def master_terminal(self) -> Mt5Terminal:
        return self.master.adapter

    @property
    def slave_terminals(self) -> list[Mt5Terminal]:
        return [slave.adapter for slave in self.slaves]

    def watch(self, bus: Bus) -> None:
        """Note the opening commands the copier sends (the allowance ``duplicated`` checks)."""
        bus.subscribe(self._on_bus)

    def _on_bus(self, event: object) -> None:
        if isinstance(event, CopySent) and event.command.kind in _OPENING:
            command: Command = event.command
            self._opening_ids[_deal_key(command)].add(command.id)
            if command.kind is CommandKind.PLACE_PENDING:
                self._pending_ids[(command.slave_id, command.magic, command.comment)].add(
                    command.id)

    async def ready(self) -> None:
        """Wait until every worker has connected to its terminal."""
        deadline = time.monotonic() + CONNECT_TIMEOUT_S
        accounts = (self.master, *self.slaves)
        while not all(a.adapter.connected for a in accounts):
            if time.monotonic() > deadline:
                waiting = ", ".join(a.account_id for a in accounts if not a.adapter.connected)
                raise SystemExit(f"demo: MT5 workers for {waiting} did not connect within "
                                 f"{CONNECT_TIMEOUT_S:.0f} s")
            await asyncio.sleep(SETTLE_POLL_S)

    async def drive(self, steps: int | None) -> None:
        """Let the master trade ``steps`` actions (None: until cancelled).

        The market moves only while the master trades: once it stops, prices hold, so no
        pending order fills (on the master or a slave) while the copier settles and is checked.
        """
        start = self.pacer.done
        self.host.freeze_market(False)
        self.pacer.allow(steps)
        try:
            while steps is None or self.pacer.done - start < steps:
                await asyncio.sleep(SETTLE_POLL_S)
        finally:
            self.pacer.halt()
            self.host.freeze_market(True)

    def halt(self) -> None:
        self.pacer.halt()
        self.host.freeze_market(True)

    async def undelivered_events(self) -> int:
        """Master changes not yet delivered; a change seen in transit gets up to a second."""
        missing = 0
        for _ in range(20):
            missing = await asyncio.to_thread(self._undelivered_now)
            if missing == 0:
                return 0
            await asyncio.sleep(SETTLE_POLL_S)
        return missing

    def _undelivered_now(self) -> int:
        real = book_of(self.master.sim)
        delivered = self.master.adapter.baseline or Baseline()
        seen: dict[int, tuple[Any, ...]] = {
            p.ticket: (p.volume, p.sl, p.tp) for p in delivered.positions
        }
        seen.update({o.ticket: (o.volume, o.price, o.sl, o.tp) for o in delivered.orders})
        in_transit = self.master.adapter.undelivered_events
        return len(set(real.items()) ^ set(seen.items())) + in_transit

    async def duplicated(self) -> int:
        return await asyncio.to_thread(self._duplicated_now)

    def _duplicated_now(self) -> int:
        extra = 0
        for slave in self.slaves:
            deals = slave.sim.call("history_deals_get", 0, FAR_FUTURE_S) or ()
            opened: Counter[tuple[str, int, str, Side]] = Counter(
                (slave.account_id, d.magic, d.comment, Side.BUY if d.type == 0 else Side.SELL)
                for d in deals if d.comment.startswith("TC|") and d.type in (0, 1)
            )
            for key, count in opened.items():
                allowed = len(self._opening_ids.get(key, ()))
                # A copy's closing deals carry its comment on the other side; only the
                # opening side has an allowance to exceed.
                if allowed or _nothing_opened_opposite(self._opening_ids, key):
                    extra += max(0, count - allowed)
            orders = (*(slave.sim.call("history_orders_get", 0, FAR_FUTURE_S) or ()),
                      *(slave.sim.call("orders_get") or ()))
            placed: Counter[tuple[str, int, str]] = Counter(
                (slave.account_id, o.magic, o.comment)
                for o in orders if o.comment.startswith("TC|") and o.type in _PENDING_TYPES
            )
            for pkey, count in placed.items():
                extra += max(0, count - len(self._pending_ids.get(pkey, ())))
        return extra

    async def stop_closes(self, slave_id: str) -> dict[int, str]:
        slave = next(s for s in self.slaves if s.account_id == slave_id)
        deals = await asyncio.to_thread(slave.sim.call, "history_deals_get", 0, FAR_FUTURE_S)
        return stop_closes(deals or ())

    def worker_pids(self) -> list[int]:
        return [pid for account in (self.master, *self.slaves)
                if (pid := account.adapter.worker_pid) is not None]

    async def close(self) -> None:
        """After the copier stopped its terminals (and with them the workers)."""
        self.pacer.halt()
        await asyncio.to_thread(self.host.close)


def _deal_key(command: Command) -> tuple[str, int, str, Side]:
    return (command.slave_id, command.magic, command.comment, command.order_type.side)


def _nothing_opened_opposite(ids: dict[tuple[str, int, str, Side], set[str]],
                        key: tuple[str, int, str, Side]) -> bool:
    """True when no copy was opened on the other side under this comment, so deals on this
    side cannot be closing deals of a copy."""
    slave_id, magic, comment, side = key
    other = Side.SELL if side is Side.BUY else Side.BUY
    return (slave_id, magic, comment, other) not in ids


def book_of(sim: SimTerminal) -> dict[int, tuple[Any, ...]]:
    """The terminal's positions and pending orders as the master diff compares them."""
    book: dict[int, tuple[Any, ...]] = {
        p.ticket: (p.volume, p.sl, p.tp) for p in sim.call("positions_get") or ()
    }
    book.update({o.ticket: (o.volume_current, o.price_open, o.sl, o.tp)
                 for o in sim.call("orders_get") or () if o.type in _PENDING_TYPES})
    return book
