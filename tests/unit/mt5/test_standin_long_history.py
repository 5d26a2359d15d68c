"""A stand-in terminal with a long history answers as a fresh one does: one order's or one
position's history is looked up, and a trade request's held view copies no history (the long
MT5 demo slowed down as every read and every trade made records of the whole history). The demo
master keeps its rate however late the terminal's calls that run its steps come."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any, cast

import pytest

import copier.testbed.mt5standin.reader as reader
from copier.testbed.broker.trader import RandomTrader
from copier.testbed.demo_mt5 import PacedTrader
from copier.testbed.mt5standin import registry
from copier.testbed.mt5standin.profiles import TerminalProfile
from copier.testbed.mt5standin.terminal import SimTerminal

pytestmark = pytest.mark.timeout(60)
TRADES = 150


@pytest.fixture
def terminal() -> Iterator[SimTerminal]:
    registry.clear()
    made = registry.ensure(TerminalProfile(path="C:/MT5/long", login=8101, server="Sim-Demo",
                                           apply_lag_ms=0))  # fmt: skip
    made.call("initialize", "C:/MT5/long")
    yield made
    registry.clear()


def deal(terminal: SimTerminal, side: int, position: int = 0) -> Any:
    request = {"action": 1, "symbol": "EURUSD", "volume": 0.1, "type": side}
    if position:
        request["position"] = position
    sent = terminal.call("order_send", request)
    assert sent is not None and sent.retcode == 10009
    return sent


def counting(monkeypatch: pytest.MonkeyPatch, name: str) -> list[int]:
    made: list[int] = []
    original: Callable[..., Any] = getattr(reader, name)

    def count(*args: Any, **kwargs: Any) -> Any:
        made.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(reader, name, count)
    return made


def test_one_orders_and_one_positions_history_is_read_without_the_rest(
    terminal: SimTerminal, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(TRADES):  # a long run's history: 300 orders and deals
        opened = deal(terminal, 0)
        deal(terminal, 1, position=opened.order)
    last = deal(terminal, 0)
    # From here a request holds the books as they were for a minute: every read below is held.
    terminal.profile = replace(terminal.profile, apply_lag_ms=60_000)
    deals, orders = counting(monkeypatch, "deal_record"), counting(monkeypatch, "order_record")

    held_trade = deal(terminal, 1, position=last.order)  # a request holds the view
    by_order = terminal.call("history_deals_get", ticket=opened.order)
    by_position = terminal.call("history_deals_get", position=opened.order)
    one_order = terminal.call("history_orders_get", ticket=opened.order)
    not_yet = terminal.call("history_deals_get", ticket=held_trade.order)

    assert [d.order for d in by_order] == [opened.order]
    assert len(by_position) == 2 and len(one_order) == 1
    assert not_yet == ()  # the trade just sent is not in the books yet
    assert len(deals) <= 5 and len(orders) <= 5  # not one record per order or deal in history


def test_the_demo_master_keeps_its_rate_when_the_calls_that_run_it_come_late() -> None:
    class Steps:
        count = 0

        def step(self) -> None:
            self.count += 1

    steps = Steps()
    pacer = PacedTrader(cast(RandomTrader, steps), interval_ms=50)  # 20 actions a second
    pacer.allow(None)
    for now_ms in range(1_000, 11_000, 7):  # the terminal is called every 7 ms for 10 s
        pacer(now_ms)

    assert 199 <= steps.count <= 201
