"""A netting master reversed by one deal: MT5 keeps the position's identifier and gives it the
reversing order's ticket (https://www.mql5.com/en/docs/constants/tradingconstants/
positionproperties, POSITION_TICKET and POSITION_IDENTIFIER). The worker reports one reversal — the
old ticket closed, then the new one opened, in one batch — never an open before the close (which
would have the slaves hold both for a moment)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import copier.testbed.mt5standin as mt5
from copier.domain import EventKind, OrderType
from copier.testbed.mt5standin import registry
from copier.testbed.mt5standin.profiles import TerminalProfile
from tests.unit.mt5.test_account_and_sync import applied, drain, started

pytestmark = pytest.mark.timeout(20)
PROFILE = TerminalProfile(path="C:/shared/terminal64.exe", login=7201, server="Sim-Demo",
                          hedging=False, balance=100_000.0)  # fmt: skip


@pytest.fixture(autouse=True)
def fresh_registry() -> Iterator[None]:
    registry.clear()
    yield
    mt5.shutdown()
    registry.clear()


def deal(side: int, volume: float) -> mt5.OrderSendResult:
    terminal = registry.find(PROFILE.path)
    assert terminal is not None
    result = terminal.call("order_send", {"action": mt5.TRADE_ACTION_DEAL, "symbol": "EURUSD",
                                          "volume": volume, "type": side})  # fmt: skip
    assert result.retcode == mt5.TRADE_RETCODE_DONE, result.comment
    applied()
    return result


def test_the_stand_in_gives_a_reversed_netting_position_the_reversing_orders_ticket() -> None:
    registry.ensure(PROFILE)
    opened = deal(mt5.ORDER_TYPE_BUY, 0.3)
    reversing = deal(mt5.ORDER_TYPE_SELL, 1.0)

    (position,) = registry.find(PROFILE.path).call("positions_get")  # type: ignore[union-attr]

    assert (position.ticket, position.identifier) == (reversing.order, opened.order)
    assert (position.type, round(position.volume, 2)) == (mt5.POSITION_TYPE_SELL, 0.7)


def test_a_reversal_is_one_close_then_one_open_in_a_single_batch() -> None:
    registry.ensure(PROFILE)
    opened = deal(mt5.ORDER_TYPE_BUY, 0.3)
    worker, parent_end, worker_end = started()
    try:
        drain(parent_end)
        reversing = deal(mt5.ORDER_TYPE_SELL, 1.0)
        worker._poll()
        batches = [m for m in drain(parent_end) if getattr(m, "events", ())]
    finally:
        parent_end.close()
        worker_end.close()

    assert len(batches) == 1
    closed, reopened = batches[0].events
    assert (closed.kind, closed.ticket, closed.closed_volume) == (
        EventKind.CLOSED, opened.order, 0.3,
    )  # fmt: skip
    assert (reopened.kind, reopened.ticket, reopened.order_type, reopened.volume) == (
        EventKind.OPENED, reversing.order, OrderType.SELL, 0.7,
    )  # fmt: skip
