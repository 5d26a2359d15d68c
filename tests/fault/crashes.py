"""Executor crash points: a slave terminal that fails right after a trade, and the check of what
the slaves then hold against what the link's rules make of the master's book.

``CrashingExecutor`` is the simulated executor of a reference EA whose terminal fails, once for
every command kind and each of three failures, at a seeded random command of that kind that
traded:

* ``KILLED`` — the terminal dies after the trade, before the command id is written (protocol
  §15): the id file keeps every earlier id but not this one; the tickets made since start are
  forgotten;
* ``MEMORY_LOST`` — the terminal dies after the trade and its id file is lost with it;
* ``RESULT_LOST`` — the result frame is lost with the connection; the terminal keeps running.

Each cuts the EA's connection before the result is written, so the copier sends the command
again after the reconnect. Until the EA is welcomed again the terminal is down: commands already
in its socket are not executed (a dead terminal reads nothing more).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from copier.domain import (
    SUCCESS_RETCODES,
    Command,
    CommandKind,
    ExecutionResult,
    MarginMode,
    Retcode,
    parse_copy_comment,
    result_of,
)
from copier.testbed.broker.broker import SimBroker
from copier.testbed.broker.executor import SimExecutor
from copier.testbed.refea.client import ReferenceEa
from tests.fault.world import FaultWorld, Slave


class Crash(StrEnum):
    KILLED = "killed after the trade, before the id was written"
    MEMORY_LOST = "id memory lost"
    RESULT_LOST = "result frame lost"


class CrashingExecutor(SimExecutor):
    """A SimExecutor whose terminal fails after chosen trades (see the module docstring)."""

    def __init__(
        self,
        broker: SimBroker,
        slave_id: str,
        *,
        seed: int = 0,
        chance: float = 1.0,
        crashes: Iterable[tuple[CommandKind, Crash]] | None = None,
        repeat: int = 1,
    ) -> None:
        """``crashes``: the (kind, failure) pairs to try, each ``repeat`` times (default: all)."""
        super().__init__(broker, slave_id)
        self._rng = random.Random(f"{seed}:{slave_id}")
        self._chance = chance
        every = [(kind, crash) for kind in CommandKind for crash in Crash]
        self.untried = Counter({pair: repeat for pair in (every if crashes is None else crashes)})
        self.tried: list[tuple[CommandKind, Crash, str]] = []
        self.ea: ReferenceEa | None = None  # the EA this executor serves (set once it runs)
        self._down_since = -1  # the EA's welcome count when its terminal failed
        self.log: list[str] = []  # every command received and its answer, for a failure's story

    def execute(self, command: Command) -> ExecutionResult:
        if self.ea is not None and self.ea.welcomes == self._down_since:
            down = "terminal down: never executed, never answered"
            return result_of(command, Retcode.CONNECTION, down, executed_ms=0)
        if self.remembers(command.id):
            result = super().execute(command)
            self._note(command, result, "remembered")
            return result
        result = self._run(command)
        self._count(command.id, result)
        crash = self._crash_after(command, result)
        if crash is Crash.KILLED:
            self._made.clear()  # restarted: the file has every id but this one
        elif crash is Crash.MEMORY_LOST:
            self.forget()
        else:
            self._remember(command, result)
        if crash is not None and self.ea is not None:
            self._down_since = self.ea.welcomes
            self.ea.drop_connection()  # the result below goes to a dead connection
        self._note(command, result, crash.value if crash else "")
        return result

    def _note(self, command: Command, result: ExecutionResult, what: str) -> None:
        before = command.before
        said = f" was {before.volume:g}/{before.sl:g}" if before else ""
        self.log.append(
            f"{command.id} {command.kind.value} {command.order_type.value} {command.volume:g} "
            f"#{command.slave_ticket}{said} → {result.retcode} #{result.slave_ticket} "
            f"{result.volume:g} {result.message} {what}".rstrip()
        )

    def _crash_after(self, command: Command, result: ExecutionResult) -> Crash | None:
        if result.retcode not in SUCCESS_RETCODES:
            return None  # nothing traded: not a crash point "after the trade"
        due = sorted(crash for (kind, crash), left in self.untried.items()
                     if kind is command.kind and left > 0)  # fmt: skip
        if not due or self._rng.random() >= self._chance:
            return None
        crash = self._rng.choice(due)
        self.untried[(command.kind, crash)] -= 1
        self.tried.append((command.kind, crash, command.id))
        return crash


def crashing(seed: int, chance: float, repeat: int = 1) -> Callable[[SimBroker, str], SimExecutor]:
    def make(broker: SimBroker, slave_id: str) -> SimExecutor:
        return CrashingExecutor(broker, slave_id, seed=seed, chance=chance, repeat=repeat)

    return make


# ----- what the slaves hold against the rules' target ---------------------------------------
@dataclass
class Holdings:
    copies_checked: int = 0
    lost: int = 0
    duplicated: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.lost or self.duplicated or self.problems)

    def missing(self, text: str) -> None:
        self.lost += 1
        self.problems.append(text)


def check_holdings(world: FaultWorld) -> Holdings:
    """The default link copies at a multiplier of 1 with the master's prices: a hedging slave
    holds one copy of each master position with its volume and SL, a netting slave nets each
    symbol to the master's net, and every slave holds one pending copy of each master order at
    its price and SL. Nothing else. Any command id traded twice is a duplicate."""
    found = Holdings()
    for slave in world.slaves:
        counts = slave.executor.executed_counts()
        for command_id, times in counts.items():
            if times > 1:
                found.duplicated += times - 1
                found.problems.append(f"{slave.account_id}: {command_id} traded {times} times")
        if slave.broker.margin_mode is MarginMode.NETTING:
            _check_netting(world, slave, found)
        else:
            _check_hedging(world, slave, found)
        _check_orders(world, slave, found)
    return found


def _check_hedging(world: FaultWorld, slave: Slave, found: Holdings) -> None:
    master = {p.ticket: p for p in world.master.positions()}
    copies: dict[int | None, list[str]] = {}
    for pos in slave.broker.positions():
        ticket = parse_copy_comment(pos.comment)
        copies.setdefault(ticket, []).append(f"#{pos.ticket} {pos.volume:g} SL {pos.sl:g}")
        want = master.get(ticket) if ticket is not None else None
        found.copies_checked += 1
        if want is None:
            found.problems.append(f"{slave.account_id}: #{pos.ticket} copies no open master "
                                  f"position ({pos.comment})")  # fmt: skip
        elif abs(pos.volume - want.volume) > 1e-9 or abs(pos.sl - want.sl) > 1e-9:
            have = f"{pos.volume:g} SL {pos.sl:g}"
            found.missing(f"{slave.account_id}: copy #{pos.ticket} holds {have}, master "
                          f"#{ticket} {want.volume:g} SL {want.sl:g}")  # fmt: skip
    for ticket in master:
        held = copies.get(ticket, [])
        if not held:
            found.missing(f"{slave.account_id}: no copy of master #{ticket}")
        elif len(held) > 1:
            found.duplicated += len(held) - 1
            found.problems.append(f"{slave.account_id}: {len(held)} copies of #{ticket}: {held}")


def _check_netting(world: FaultWorld, slave: Slave, found: Holdings) -> None:
    def net(broker: SimBroker, symbol: str) -> float:
        return round(sum(p.volume * p.side.sign for p in broker.positions(symbol)), 6)

    symbols = {p.symbol for p in world.master.positions()} | {
        p.symbol for p in slave.broker.positions()
    }
    for symbol in sorted(symbols):
        found.copies_checked += 1
        want, have = net(world.master, symbol), net(slave.broker, symbol)
        if abs(want - have) > 1e-9:
            found.missing(f"{slave.account_id}: {symbol} nets {have:g}, the master {want:g}")


def _check_orders(world: FaultWorld, slave: Slave, found: Holdings) -> None:
    master = {o.ticket: o for o in world.master.orders()}
    copies: dict[int | None, list[object]] = {}
    for order in slave.broker.orders():
        ticket = parse_copy_comment(order.comment)
        copies.setdefault(ticket, []).append(order)
        want = master.get(ticket) if ticket is not None else None
        found.copies_checked += 1
        if want is None:
            found.problems.append(f"{slave.account_id}: order #{order.ticket} copies no "
                                  f"pending master order ({order.comment})")  # fmt: skip
            continue
        same = (order.order_type, round(order.volume_current, 6), order.price_open, order.sl)
        if same != (want.order_type, round(want.volume_current, 6), want.price_open, want.sl):
            found.missing(f"{slave.account_id}: order copy {same} of master #{ticket} "
                          f"{want.order_type} {want.volume_current:g} at {want.price_open} "
                          f"SL {want.sl}")  # fmt: skip
    for ticket in master:
        held = copies.get(ticket, [])
        if not held:
            found.missing(f"{slave.account_id}: no pending copy of master order #{ticket}")
        elif len(held) > 1:
            found.duplicated += len(held) - 1
            found.problems.append(f"{slave.account_id}: {len(held)} pending copies of #{ticket}")
