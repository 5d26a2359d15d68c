"""A fresh MT5-direct slave — configured with no symbols, holding nothing — receives its first copy.

The adapter learns what the slave can trade from the terminal's catalogue (``symbols_get``,
https://www.mql5.com/en/docs/python_metatrader5/mt5symbolsget_py), as the app configures MT5
accounts (no symbol list), instead of from the symbols it already holds.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from copier.domain import EventKind, MasterEvent, OrderType, Platform
from copier.engine.config import Link
from copier.events import Bus
from copier.service import CopyService
from copier.store import AccountRecord, Store
from copier.terminals.mt5 import Mt5Config, Mt5Terminal
from copier.testbed.broker.profiles import build_broker
from copier.testbed.mt5standin.backend import StandIn
from copier.testbed.mt5standin.host import TerminalHost
from copier.testbed.mt5standin.profiles import TerminalProfile
from tests.unit.core.test_service_decisions import BrokerTerminal

pytestmark = pytest.mark.timeout(60)
SLAVE = TerminalProfile(path="C:/MT5/fresh-slave/terminal64.exe", login=7401, server="Sim-Demo",
                        balance=100_000.0)  # fmt: skip


async def eventually(condition: object, what: str, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def test_a_fresh_slave_with_no_symbols_configured_and_no_position_gets_its_first_copy(
    tmp_path: Path,
) -> None:
    master_broker = build_broker("master-mt5", seed=1)
    with TerminalHost() as host, Store.open(path=tmp_path / "tc.db") as store:
        slave_sim = host.add(SLAVE)
        acct = master_broker.account
        store.save_account(AccountRecord("m", Platform(acct.platform), acct.login, acct.server))
        store.save_account(AccountRecord("s", Platform.MT5, SLAVE.login, SLAVE.server))
        store.save_link(Link(0, "m", "s"))
        service = CopyService(store, Bus())
        config = Mt5Config(path=SLAVE.path, login=SLAVE.login, server=SLAVE.server,
                           account_id="s",  # no symbols: as the app
                           backend=StandIn(endpoint=host.endpoint))
        slave = Mt5Terminal(config)
        service.add_terminal(BrokerTerminal("m", master_broker))
        service.add_terminal(slave)
        await service.start()
        try:
            await eventually(lambda: slave.connected, "the slave's worker connected")
            assert slave_sim.call("positions_get") == ()
            price = slave_sim.call("symbol_info", "EURUSD").ask
            await service.on_event(MasterEvent("m", 1, EventKind.OPENED, 500, "EURUSD",
                                               OrderType.BUY, 0.1, price, 1))  # fmt: skip
            await eventually(lambda: len(slave_sim.call("positions_get")) == 1, "the copy")
            (copy,) = slave_sim.call("positions_get")
        finally:
            await service.stop()

    assert (copy.symbol, copy.volume, copy.comment) == ("EURUSD", 0.1, "TC|500")
