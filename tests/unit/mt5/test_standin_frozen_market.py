"""A stand-in market held still: time passing neither moves prices nor fills pending orders,
so a check that compares books does not race a fill; let go, it acts again."""

from __future__ import annotations

import pytest

from copier.testbed.broker.clock import ManualClock
from copier.testbed.mt5standin.profiles import TerminalProfile
from copier.testbed.mt5standin.terminal import SimTerminal

pytestmark = pytest.mark.timeout(20)
ORDER_TYPE_BUY_STOP = 4
TRADE_ACTION_PENDING = 5


def test_a_frozen_market_holds_prices_and_leaves_a_pending_order_unfilled() -> None:
    clock = ManualClock()
    terminal = SimTerminal.from_profile(
        TerminalProfile(path="C:/MT5/frozen", login=8101, server="Sim-Demo"), clock=clock)
    assert terminal.call("initialize")
    assert terminal.call("symbol_select", "EURUSD", True)
    ask = terminal.call("symbol_info_tick", "EURUSD").ask
    placed = terminal.call("order_send", {
        "action": TRADE_ACTION_PENDING, "symbol": "EURUSD", "volume": 0.1,
        "type": ORDER_TYPE_BUY_STOP, "price": round(ask + 0.0005, 5)})
    assert placed.retcode == 10009
    terminal.broker.market.frozen = True
    mid = terminal.broker.market.mid("EURUSD")

    for _ in range(50):  # long enough for a random walk to cross 5 pips many times over
        clock.advance(60_000)
        terminal.call("positions_get")
    held = (terminal.broker.market.mid("EURUSD"), len(terminal.call("orders_get")))

    terminal.broker.market.frozen = False
    terminal.move_market("EURUSD", ask + 0.01)
    after = (len(terminal.call("orders_get")), len(terminal.call("positions_get")))

    assert held == (mid, 1)
    assert after == (0, 1)
