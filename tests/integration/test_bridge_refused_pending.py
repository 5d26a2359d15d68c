"""On the path the soak found it: a master's buy stop is copied over the EA transport, and the
market reaches its price while the copy is on its way, so the slave's broker refuses it as
MetaTrader's trade server does (10015, "invalid price"). The copy is then opened at market on a
quote asked of the slave's EA after the refusal — never left as a failed copy."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from copier.app import AppConfig, CopierApp
from copier.bridge import Role
from copier.domain import Command, CommandKind, ExecutionResult, OrderType, Platform, Retcode
from copier.engine.config import Link
from copier.events import CopyFailed, CopyWasAdjusted
from copier.store import AccountRecord, AccountRole
from copier.testbed.broker import Market, SimAccount, SimBroker, catalogue
from copier.testbed.broker.executor import SimExecutor
from copier.testbed.refea.client import EaSettings, ReferenceEa

pytestmark = pytest.mark.timeout(60)


class MarketRunsAhead(SimExecutor):
    """The slave's executor, where the market reaches a pending copy's price just before the
    order gets to the broker."""

    def __init__(self, broker: SimBroker) -> None:
        super().__init__(broker, "ea")
        self.slave = broker
        self.refusals: list[ExecutionResult] = []

    def execute(self, command: Command) -> ExecutionResult:
        if command.kind is not CommandKind.PLACE_PENDING or self.refusals:
            return super().execute(command)
        listing = self.slave.listing(command.symbol)
        assert listing is not None
        half = listing.spread_points * listing.spec.point / 2
        self.slave.market.set_mid(listing.underlying, command.price + half)
        result = super().execute(command)
        self.refusals.append(result)
        return result


async def until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)


@pytest.mark.parametrize("slave_platform", [Platform.MT5, Platform.MT4])
async def test_a_pending_copy_the_market_reached_on_its_way_is_opened_at_market(
    tmp_path: Path, slave_platform: Platform
) -> None:
    market = Market(seed=3)
    market.frozen = True  # only the test moves prices
    master = SimBroker(SimAccount(1001, "Demo-Server", platform=Platform.MT5),
                       catalogue("standard"), market, seed=1)  # fmt: skip
    slave = SimBroker(SimAccount(2002, "Demo-Server", platform=slave_platform),
                      catalogue("standard"), market, seed=2)  # fmt: skip
    executor = MarketRunsAhead(slave)
    app = CopierApp(AppConfig(database=tmp_path / "tc.db", bridge_port=0, load_accounts=False))
    seen: list[object] = []
    app.bus.subscribe(seen.append)
    keys = {}
    for name, b in (("master", master), ("slave", slave)):
        role = AccountRole.MASTER if name == "master" else AccountRole.SLAVE
        app.store.save_account(AccountRecord(name, b.account.platform, b.account.login,
                                             b.account.server, role=role))  # fmt: skip
        keys[name] = app.store.create_api_key(name)
        assert app.bridge is not None
        app.add_terminal(app.bridge.terminal(name))
    app.save_link(Link(0, "master", "slave"))
    await app.start()
    assert app.bridge is not None
    eas = [ReferenceEa(master, EaSettings(app.bridge.url, keys["master"], Role.MONITOR)),
           ReferenceEa(slave, EaSettings(app.bridge.url, keys["slave"], Role.EXECUTOR),
                       executor=executor)]  # fmt: skip
    runners = [asyncio.create_task(ea.run()) for ea in eas]
    try:
        await until(lambda: all(t.connected for t in app.service.terminals.values()))
        await app.service.refresh_snapshots()
        price = round(master.quote("EURUSD").ask + 0.0002, 5)
        order = master.place_pending("EURUSD", OrderType.BUY_STOP, 0.1, price).order
        await until(lambda: any(p.comment == f"TC|{order}" for p in slave.positions())
                    and app.service.busy == 0)  # fmt: skip
    finally:
        for ea in eas:
            await ea.stop()
        for task in runners:
            task.cancel()
        await asyncio.gather(*runners, return_exceptions=True)
        await app.stop()

    (refusal,) = executor.refusals
    assert refusal.retcode == Retcode.INVALID_PRICE, refusal.message
    assert slave.orders() == ()
    assert [e for e in seen if isinstance(e, CopyFailed)] == []
    reasons = [e.adjustment.reason for e in seen if isinstance(e, CopyWasAdjusted)]
    assert any("opened at market" in r for r in reasons), reasons
