"""Every MT4/MT5 pairing through the whole product: reference EAs, the app's bridge, the copy
service, the engine and the store — open, SL/TP change, partial close, close and pendings."""

from __future__ import annotations

from pathlib import Path

import pytest

from copier.domain import OrderType, Platform, Side
from copier.engine.config import LinkRules
from copier.testbed.broker import Market, SimAccount, SimBroker, catalogue
from tests.ea_app import app_with_eas, until

pytestmark = pytest.mark.timeout(60)

PAIRS = [
    (Platform.MT4, Platform.MT4),
    (Platform.MT4, Platform.MT5),
    (Platform.MT5, Platform.MT4),
    (Platform.MT5, Platform.MT5),
]


def broker(market: Market, login: int, platform: Platform) -> SimBroker:
    return SimBroker(SimAccount(login, "Demo-Server", platform=platform), catalogue("standard"),
                     market, seed=login)


def copies(slave: SimBroker, master_ticket: int) -> list[float]:
    return [p.volume for p in slave.positions() if p.comment == f"TC|{master_ticket}"]


@pytest.mark.parametrize(("master_platform", "slave_platform"), PAIRS)
async def test_every_kind_of_master_change_reaches_the_slave(
    tmp_path: Path, master_platform: Platform, slave_platform: Platform
) -> None:
    # Arrange: two accounts, a link doubling lots; EAs connected to the app's bridge.
    market = Market(seed=3)
    master, slave = broker(market, 1001, master_platform), broker(market, 2002, slave_platform)
    async with app_with_eas(tmp_path, master, slave, LinkRules(lot_value=2.0)) as (app, _):
        settled = lambda: app.service.inflight == 0  # noqa: E731

        # Act and assert, step by step.
        ticket = master.open_market("EURUSD", Side.BUY, 0.5, sl=1.0).position
        await until(lambda: copies(slave, ticket) == [1.0] and settled())

        master.modify_position(ticket, sl=1.01, tp=1.3)
        await until(lambda: [(p.sl, p.tp) for p in slave.positions()] == [(1.01, 1.3)])

        remainder = master.close_position(ticket, 0.2).position
        await until(lambda: [p.volume for p in slave.positions()] == [0.6] and settled())

        master.close_position(remainder)
        await until(lambda: slave.positions() == () and settled())

        price = round(master.quote("EURUSD").bid - 0.01, 5)
        order = master.place_pending("EURUSD", OrderType.BUY_LIMIT, 0.3, price).order
        await until(lambda: [o.volume_current for o in slave.orders()] == [0.6])
        master.delete_pending(order)
        await until(lambda: slave.orders() == () and settled())
        await app.service.refresh_snapshots()
        problems = await app.service.reconcile_slave("slave")

    # Nothing left over: the copy service's own check against both terminals is clean.
    assert slave.positions() == () and slave.orders() == ()
    assert problems == ()
