"""Executor crash points on MT5-direct slaves: for every command kind, the slave's worker process
is killed right after its trade request was carried out and before the command's result left
it; the adapter starts a new worker, which gets the command again with no memory of it. On
hedging and netting slaves, through the copy service, the engine, the store and real worker
processes against stand-in terminals: nothing is lost, nothing is traded twice, and the slave
holds what the link makes of the master's book, read from the slave terminal; and each killed
command's resend is answered 19003 (already done).

The master's stream is scripted so every kind comes once: open, SL move, partial close, pending
placed, moved and deleted, a pending fill (its slave copy removed by hand first, so the fill is
a market order the worker can die after), and a full close.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil
import pytest

from copier.domain import CommandKind, Platform, Retcode
from copier.engine.config import Link
from copier.store import AccountRecord, Store
from copier.testbed.mt5standin.host import TerminalHost
from copier.testbed.mt5standin.profiles import TerminalProfile
from copier.testbed.mt5standin.terminal import SimTerminal
from tests.fault.tally import TALLY
from tests.integration.test_mt5_resent_after_a_partial_close import (
    MASTER,
    Run,
    eventually,
    net,
    slave_profile,
)

pytestmark = pytest.mark.timeout(180)
KILLED = "MT5 worker killed after the trade, before the result left it"
ACCEPTED = frozenset({10008, 10009, 10010})


class Killer:
    """Kills the slave's worker right after the first accepted trade request of each command
    kind it has not killed at yet. The command being carried out is the adapter's one command in
    flight (the stream waits for every result before the master's next action)."""

    def __init__(self, terminal: SimTerminal, run: Run) -> None:
        self.run = run
        self.killed: list[CommandKind] = []
        self.killed_ids: list[str] = []
        self._invoke = terminal.invoke
        terminal.invoke = self._trapped  # type: ignore[method-assign]

    def _trapped(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        answer = self._invoke(name, args, kwargs)
        sent, _ = answer
        in_flight = list(self.run.slave.in_flight.values())
        if name != "order_send" or sent is None or sent.retcode not in ACCEPTED or not in_flight:
            return answer
        kind = in_flight[0].kind
        pid = self.run.slave.worker_pid
        if kind not in self.killed and pid is not None:
            self.killed.append(kind)
            self.killed_ids.append(in_flight[0].id)
            psutil.Process(pid).kill()
        return answer


def send(terminal: SimTerminal, **request: Any) -> Any:
    done = terminal.call("order_send", {"symbol": "EURUSD", **request})
    assert done.retcode in ACCEPTED, done.comment
    return done


def holdings(slave: SimTerminal, master: SimTerminal, hedging: bool) -> tuple[Any, Any]:
    """What the slave holds and what the link makes of the master's book (multiplier 1)."""
    if not hedging:
        return net(slave), net(master)
    copies = sorted((p.comment, round(p.volume, 2)) for p in slave.call("positions_get"))
    target = sorted((f"TC|{p.ticket}", round(p.volume, 2)) for p in master.call("positions_get"))
    return copies, target


@pytest.mark.parametrize("hedging", [True, False], ids=["hedging", "netting"])
async def test_mt5_direct_workers_killed_after_a_trade_lose_nothing_and_trade_nothing_twice(
    tmp_path: Path, hedging: bool
) -> None:
    slave_p: TerminalProfile = slave_profile(hedging)
    with TerminalHost() as host, Store.open(path=tmp_path / "tc.db") as store:
        master, slave = host.add(MASTER), host.add(slave_p)
        store.save_account(AccountRecord("m", Platform.MT5, MASTER.login, MASTER.server))
        store.save_account(AccountRecord("s", Platform.MT5, slave_p.login, slave_p.server))
        store.save_link(Link(0, "m", "s"))
        run = Run(host, store, tmp_path, slave_p)
        killer = Killer(slave, run)
        async with run:

            async def step(action: Callable[[], Any], kind: CommandKind) -> Any:
                # Waits for this action's own command of ``kind`` to be answered: a kind seen
                # before (the second pending placed, the last close) must not end the wait
                # while the new command is still in flight — the next one would then find it
                # first in the adapter's queue and the killer would take it for that one.
                seen = sum(1 for k in run.kinds.values() if k is kind)
                done = action()
                await run.settled(lambda: sum(1 for k in run.kinds.values() if k is kind) > seen,
                                  f"the {kind.value}")  # fmt: skip
                return done

            def quote() -> Any:
                return master.call("symbol_info_tick", "EURUSD")

            opened = await step(lambda: send(master, action=1, volume=0.3, type=0),
                                CommandKind.OPEN)  # fmt: skip
            position = opened.order
            sl = round(quote().bid - 0.005, 5)
            await step(lambda: send(master, action=6, position=position, sl=sl),
                       CommandKind.MODIFY)  # fmt: skip
            await step(lambda: send(master, action=1, volume=0.1, type=1, position=position),
                       CommandKind.CLOSE)  # fmt: skip
            limit = dict(action=5, volume=0.1, type=2, type_filling=2)
            placed = await step(lambda: send(master, price=round(quote().ask - 0.01, 5),
                                             **limit), CommandKind.PLACE_PENDING)  # fmt: skip
            await step(lambda: send(master, action=7, order=placed.order,
                                    price=round(quote().ask - 0.012, 5)),
                       CommandKind.MODIFY_PENDING)  # fmt: skip
            await step(lambda: send(master, action=8, order=placed.order),
                       CommandKind.DELETE_PENDING)  # fmt: skip
            ask = quote().ask
            stop = dict(action=5, volume=0.2, type=4, type_filling=2, price=round(ask + 0.002, 5))
            placed = await step(lambda: send(master, **stop), CommandKind.PLACE_PENDING)
            await eventually(lambda: len(slave.call("orders_get")) == 1, "the slave's copy")
            [copy] = slave.call("orders_get")
            send(slave, action=8, order=copy.ticket)  # gone by hand: the fill is a market order
            await step(lambda: master.move_market("EURUSD", ask + 0.003),
                       CommandKind.FILL_PENDING)  # fmt: skip
            closing = dict(action=1, volume=0.2, type=1, position=position)
            await step(lambda: send(master, **closing), CommandKind.CLOSE)
            await run.settled(lambda: True, "everything answered")
            have, want = holdings(slave, master, hedging)

    mode = "hedging" if hedging else "netting"
    for kind in killer.killed:
        TALLY.executor_crashes[(mode, kind.value, KILLED)] += 1
    failed = {i: codes for i, codes in run.answers.items() if not set(codes) <= _FINE}
    missed = set(CommandKind) - set(killer.killed)
    assert not missed, f"crash points never reached: {sorted(k.value for k in missed)}"
    assert have == want
    assert failed == {}
    # Each killed command had been carried out: its resend is recognised, never done again.
    assert {i: run.answers[i] for i in killer.killed_ids} == {
        i: [Retcode.DUPLICATE] for i in killer.killed_ids
    }
    assert run.slave.restarts == len(CommandKind)


_FINE = frozenset({Retcode.DONE, Retcode.PLACED, Retcode.DUPLICATE})
