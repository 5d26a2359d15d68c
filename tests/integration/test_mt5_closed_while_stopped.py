"""A master position closed while the copier was stopped is closed on its slave after the restart,
exactly once: the master adapter keeps its last books between runs and its first read after the
restart is compared with them (``copier.terminals.mt5.laststate``)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from copier.domain import EventKind, MasterEvent, Platform
from copier.engine.config import Link
from copier.events import Bus, MasterEventReceived
from copier.service import CopyService
from copier.store import AccountRecord, Store
from copier.terminals.mt5 import Mt5Config, Mt5Terminal
from copier.testbed.mt5standin.backend import StandIn
from copier.testbed.mt5standin.host import TerminalHost
from copier.testbed.mt5standin.profiles import TerminalProfile

pytestmark = pytest.mark.timeout(90)
MASTER = TerminalProfile(path="C:/MT5/master/terminal64.exe", login=7501, server="Sim-Demo",
                         balance=100_000.0)  # fmt: skip
SLAVE = TerminalProfile(path="C:/MT5/slave/terminal64.exe", login=7502, server="Sim-Demo",
                        balance=100_000.0)  # fmt: skip
FAR_FUTURE_S = 4_102_444_800


async def eventually(condition: Callable[[], Any], what: str, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def adapter(host: TerminalHost, profile: TerminalProfile, account_id: str, state: Path) -> Any:
    config = Mt5Config(path=profile.path, login=profile.login, server=profile.server,
                       account_id=account_id, symbols=("EURUSD",),
                       backend=StandIn(endpoint=host.endpoint),
                       state_path=str(state / f"{account_id}.json"))  # fmt: skip
    return Mt5Terminal(config)


async def run(host: TerminalHost, store: Store, state: Path, until: Callable[[], Any],
              what: str) -> list[MasterEvent]:  # fmt: skip
    """One copier run: start, wait for ``until``, let it settle, stop. Returns the master's
    events the copier took."""
    bus = Bus()
    taken: list[MasterEvent] = []
    bus.subscribe(
        lambda e: taken.append(e.event)
        if isinstance(e, MasterEventReceived) and e.event.account_id == "m"
        else None
    )
    service = CopyService(store, bus)
    master, slave = adapter(host, MASTER, "m", state), adapter(host, SLAVE, "s", state)
    service.add_terminal(master)
    service.add_terminal(slave)
    await service.start()
    try:
        await eventually(lambda: master.connected and slave.connected, "both workers connected")
        await eventually(until, what)
        await asyncio.sleep(0.5)  # anything more would show now
    finally:
        await service.stop()
    return taken


def closing_deals(host: TerminalHost, position_id: int) -> int:
    deals = host.terminal(SLAVE.path).call("history_deals_get", position=position_id)
    return sum(1 for d in deals if d.entry == 1)  # DEAL_ENTRY_OUT


async def test_a_master_close_while_the_copier_was_stopped_closes_the_copy_once_after_restart(
    tmp_path: Path,
) -> None:
    state = tmp_path / "mt5-state"
    with TerminalHost() as host, Store.open(path=tmp_path / "tc.db") as store:
        master_sim, slave_sim = host.add(MASTER), host.add(SLAVE)
        store.save_account(AccountRecord("m", Platform.MT5, MASTER.login, MASTER.server))
        store.save_account(AccountRecord("s", Platform.MT5, SLAVE.login, SLAVE.server))
        store.save_link(Link(0, "m", "s"))
        request = {"action": 1, "symbol": "EURUSD", "volume": 0.1, "type": 0}

        opened: list[Any] = []

        def master_opens_and_the_copy_is_open() -> bool:
            if not opened:  # the master trades once both workers are connected
                opened.append(master_sim.call("order_send", request))
            return len(slave_sim.call("positions_get")) == 1

        first = await run(host, store, state, master_opens_and_the_copy_is_open, "the copy")
        (copy,) = slave_sim.call("positions_get")

        # The copier is stopped; the master closes its position.
        close = {**request, "type": 1, "position": opened[0].order}
        assert master_sim.call("order_send", close).retcode == 10009

        second = await run(host, store, state, lambda: not slave_sim.call("positions_get"),
                           "the copy closed after the restart")  # fmt: skip
        # A third run finds nothing more to do: the close is not copied twice.
        third = await run(host, store, state, lambda: True, "a quiet restart")

    assert [(e.kind, e.ticket) for e in first] == [(EventKind.OPENED, opened[0].order)]
    assert [(e.kind, e.ticket, e.seq) for e in second] == [(EventKind.CLOSED, opened[0].order, 2)]
    assert third == []
    assert closing_deals(host, copy.identifier) == 1
