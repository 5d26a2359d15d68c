"""An MT5-direct slave whose worker dies right after a partial close (or an SL move) — before the
command's result reaches the copier — or whose command memory is lost with the copier, gets the
command again and finds the copy already as it leaves it: 19003, and the copy keeps the master's
remaining fraction (issue #14). Through the whole product: the copy service, the engine, the
store, real worker processes and stand-in terminals served by a TerminalHost, hedging and
netting slaves."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil
import pytest

from copier.domain import CommandKind, Platform, Retcode
from copier.engine.config import Link
from copier.events import Bus, CopyExecuted, CopyFailed
from copier.service import CopyService
from copier.store import AccountRecord, Store
from copier.terminals.mt5 import Mt5Config, Mt5Terminal
from copier.testbed.mt5standin.backend import StandIn
from copier.testbed.mt5standin.host import TerminalHost
from copier.testbed.mt5standin.profiles import TerminalProfile
from copier.testbed.mt5standin.terminal import SimTerminal

pytestmark = pytest.mark.timeout(120)
MASTER = TerminalProfile(path="C:/MT5/m/terminal64.exe", login=7601, server="Sim-Demo",
                         balance=100_000.0)  # fmt: skip
BUY = {"action": 1, "symbol": "EURUSD", "volume": 0.2, "type": 0}
DEAL, SLTP = 1, 6


def slave_profile(hedging: bool) -> TerminalProfile:
    return TerminalProfile(path=f"C:/MT5/s-{hedging}/terminal64.exe", login=7602,
                           server="Sim-Demo", hedging=hedging, balance=100_000.0)  # fmt: skip


async def eventually(condition: Callable[[], Any], what: str, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


class Trap:
    """Lets the slave terminal carry out the next trade request of one action, then holds its
    answer until released: the worker that sent it waits (and may be killed meanwhile)."""

    def __init__(self, terminal: SimTerminal, action: int) -> None:
        self.action = action
        self.sprung = threading.Event()
        self.release = threading.Event()
        self._armed = False
        self._invoke = terminal.invoke
        terminal.invoke = self._trapped  # type: ignore[method-assign]

    def arm(self) -> None:
        self.sprung, self.release = threading.Event(), threading.Event()
        self._armed = True

    def _trapped(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        answer = self._invoke(name, args, kwargs)
        if self._armed and name == "order_send" and args and args[0].get("action") == self.action:
            self._armed = False
            sprung, release = self.sprung, self.release
            sprung.set()
            release.wait(10.0)
        return answer


class Run:
    """One copier run over the host's terminals and the store."""

    def __init__(self, host: TerminalHost, store: Store, state: Path, slave: TerminalProfile):
        self.answers: dict[str, list[int]] = {}
        self.kinds: dict[str, CommandKind] = {}
        bus = Bus()
        bus.subscribe(self._record)
        self.service = CopyService(store, bus)
        self.master = _adapter(host, MASTER, "m", state)
        self.slave = _adapter(host, slave, "s", state)
        self.service.add_terminal(self.master)
        self.service.add_terminal(self.slave)

    def _record(self, event: object) -> None:
        if isinstance(event, CopyExecuted | CopyFailed):
            self.answers.setdefault(event.command.id, []).append(event.result.retcode)
            self.kinds[event.command.id] = event.command.kind

    async def __aenter__(self) -> Run:
        await self.service.start()
        await eventually(lambda: self.master.connected and self.slave.connected, "connected")
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.service.stop()

    async def settled(self, condition: Callable[[], Any], what: str) -> None:
        await eventually(lambda: condition() and self.service.inflight == 0, what)


def _adapter(host: TerminalHost, p: TerminalProfile, account_id: str, state: Path) -> Mt5Terminal:
    config = Mt5Config(path=p.path, login=p.login, server=p.server, account_id=account_id,
                       symbols=("EURUSD",), backend=StandIn(endpoint=host.endpoint),
                       reconnect_min_ms=50,
                       state_path=str(state / f"{account_id}.json"))  # fmt: skip
    return Mt5Terminal(config)


def net(terminal: SimTerminal) -> float:
    positions = terminal.call("positions_get", symbol="EURUSD")
    return round(sum(p.volume if p.type == 0 else -p.volume for p in positions), 8)


def kill(pid: int | None) -> None:
    assert pid is not None
    psutil.Process(pid).kill()  # SIGKILL on POSIX, TerminateProcess on Windows


async def trade_and_fail(run: Run, trap: Trap, trade: Callable[[], None], failure: str) -> None:
    """The master trades; the slave carries out the copy's command and its worker is killed
    before the result is back — and with ``lost`` the copier stops with it, so nothing of the
    command's result is kept anywhere."""
    trap.arm()
    trade()
    await eventually(trap.sprung.is_set, "the slave's trade")
    if failure == "lost":
        stopping = asyncio.ensure_future(run.service.stop())
        await asyncio.sleep(0.1)
    kill(run.slave.worker_pid)
    trap.release.set()
    if failure == "lost":
        await stopping


@pytest.mark.parametrize("hedging", [True, False], ids=["hedging", "netting"])
@pytest.mark.parametrize("failure", ["killed", "lost"])
async def test_a_partial_close_resent_after_the_slave_failed_keeps_the_masters_fraction(
    tmp_path: Path, hedging: bool, failure: str
) -> None:
    """A quick master: it closes half before the copy's open result is back, so the close names
    no slave ticket and the copy is found by its comment — and by its before-state the resend
    sees that it was already closed."""
    slave_p = slave_profile(hedging)
    with TerminalHost() as host, Store.open(path=tmp_path / "tc.db") as store:
        master, slave = host.add(MASTER), host.add(slave_p)
        store.save_account(AccountRecord("m", Platform.MT5, MASTER.login, MASTER.server))
        store.save_account(AccountRecord("s", Platform.MT5, slave_p.login, slave_p.server))
        store.save_link(Link(0, "m", "s"))
        trap = Trap(slave, DEAL)
        run = Run(host, store, tmp_path, slave_p)
        async with run:
            trap.arm()  # the copy's open is held until the master's partial close is decided
            opened = master.call("order_send", BUY)
            await eventually(trap.sprung.is_set, "the copy's open")
            partial = {**BUY, "type": 1, "volume": 0.1, "position": opened.order}
            master.call("order_send", partial)
            await eventually(lambda: run.service.inflight == 2, "the close decided")
            held = trap.release
            await trade_and_fail(run, trap, held.set, failure)
            if failure == "killed":
                await run.settled(lambda: CommandKind.CLOSE in run.kinds.values(), "the resend")
        if failure == "lost":  # the copier comes back and resends what has no result
            run = Run(host, store, tmp_path, slave_p)
            async with run:
                await run.settled(lambda: CommandKind.CLOSE in run.kinds.values(), "the resend")
                await asyncio.sleep(0.5)  # anything more would show now

        assert net(master) == pytest.approx(0.1)
        assert net(slave) == pytest.approx(0.1)  # the master's remaining half, not flat
        [close_id] = [i for i, kind in run.kinds.items() if kind is CommandKind.CLOSE]
        assert run.answers[close_id] == [Retcode.DUPLICATE]


async def test_an_sl_move_resent_after_it_was_applied_is_answered_as_already_done(
    tmp_path: Path,
) -> None:
    slave_p = slave_profile(True)
    with TerminalHost() as host, Store.open(path=tmp_path / "tc.db") as store:
        master, slave = host.add(MASTER), host.add(slave_p)
        store.save_account(AccountRecord("m", Platform.MT5, MASTER.login, MASTER.server))
        store.save_account(AccountRecord("s", Platform.MT5, slave_p.login, slave_p.server))
        store.save_link(Link(0, "m", "s"))
        trap = Trap(slave, SLTP)
        run = Run(host, store, tmp_path, slave_p)
        async with run:
            opened = master.call("order_send", BUY)
            await run.settled(lambda: net(slave) == 0.2, "the copy")
            sl = round(master.call("symbol_info_tick", "EURUSD").bid - 0.005, 5)
            move = {"action": SLTP, "symbol": "EURUSD", "position": opened.order, "sl": sl}
            await trade_and_fail(run, trap, lambda: master.call("order_send", move), "lost")
        run = Run(host, store, tmp_path, slave_p)
        async with run:
            await run.settled(lambda: CommandKind.MODIFY in run.kinds.values(), "the resend")

        [copy] = slave.call("positions_get")
        assert copy.sl == sl
        [modify_id] = [i for i, kind in run.kinds.items() if kind is CommandKind.MODIFY]
        assert run.answers[modify_id] == [Retcode.DUPLICATE]
