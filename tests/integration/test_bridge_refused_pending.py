"""On the path the soak found it: a master's buy stop is copied over the EA transport, and the
market reaches its price while the copy is on its way, so the slave's broker refuses it as
MetaTrader's trade server does (10015, "invalid price"). The copy is then opened at market on a
quote asked of the slave's EA after the refusal — never left as a failed copy."""

from __future__ import annotations

from pathlib import Path

import pytest

from copier.domain import Command, CommandKind, ExecutionResult, OrderType, Platform, Retcode
from copier.events import CopyFailed, CopyWasAdjusted
from copier.testbed.broker import Market, SimAccount, SimBroker, catalogue
from copier.testbed.broker.executor import SimExecutor
from tests.ea_app import app_with_eas, until

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
    seen: list[object] = []
    async with app_with_eas(tmp_path, master, slave, executor=executor) as (app, _):
        app.bus.subscribe(seen.append)
        price = round(master.quote("EURUSD").ask + 0.0002, 5)
        order = master.place_pending("EURUSD", OrderType.BUY_STOP, 0.1, price).order
        await until(lambda: any(p.comment == f"TC|{order}" for p in slave.positions())
                    and app.service.busy == 0)  # fmt: skip

    (refusal,) = executor.refusals
    assert refusal.retcode == Retcode.INVALID_PRICE, refusal.message
    assert slave.orders() == ()
    assert [e for e in seen if isinstance(e, CopyFailed)] == []
    reasons = [e.adjustment.reason for e in seen if isinstance(e, CopyWasAdjusted)]
    assert any("opened at market" in r for r in reasons), reasons
