"""MT4 semantics: a partial close renumbers the remainder; a filled pending keeps its ticket."""

from __future__ import annotations

import pytest
from sim_helpers import BrokerFactory, set_price

from copier.domain import EventKind, MarginMode, OrderType, Platform, Side
from copier.testbed.broker import OrderState, SimAccount, SimBroker, TradeChange


@pytest.fixture
def mt4(make_broker: BrokerFactory, changes: list[TradeChange]) -> SimBroker:
    broker = make_broker(platform=Platform.MT4)
    broker.subscribe(changes.append)
    return broker


def test_partial_close_gives_the_remainder_a_new_ticket_pointing_back(
    mt4: SimBroker, changes: list[TradeChange]
) -> None:
    old = mt4.open_market("EURUSD", Side.BUY, 1.0, sl=1.0, magic=5, comment="TC|42").position

    result = mt4.close_position(old, 0.4)

    assert mt4.position(old) is None
    rest = mt4.position(result.position)
    assert rest is not None and rest.ticket != old
    assert (rest.volume, rest.comment, rest.magic, rest.sl) == (0.6, f"from #{old}", 5, 1.0)
    change = changes[-1]
    assert (change.kind, change.ticket, change.new_ticket) == (
        EventKind.PARTIALLY_CLOSED,
        old,
        rest.ticket,
    )
    assert (change.volume, change.closed_volume, change.comment) == (0.6, 0.4, "TC|42")


def test_partial_close_keeps_the_closed_part_under_the_old_ticket_in_history(
    mt4: SimBroker,
) -> None:
    old = mt4.open_market("EURUSD", Side.SELL, 1.0).position

    new = mt4.close_position(old, 0.3).position

    record = mt4.history_order(old)
    assert record is not None
    assert (record.volume_initial, record.comment, record.state) == (
        0.3,
        f"to #{new}",
        OrderState.FILLED,
    )


def test_second_partial_close_renumbers_again(mt4: SimBroker) -> None:
    first = mt4.open_market("EURUSD", Side.BUY, 1.0).position
    second = mt4.close_position(first, 0.2).position

    third = mt4.close_position(second, 0.3).position

    assert len({first, second, third}) == 3
    (pos,) = mt4.positions()
    assert (pos.ticket, pos.volume, pos.comment) == (third, 0.5, f"from #{second}")


def test_full_close_keeps_the_ticket(mt4: SimBroker, changes: list[TradeChange]) -> None:
    ticket = mt4.open_market("EURUSD", Side.BUY, 0.5).position

    result = mt4.close_position(ticket)

    assert result.position == ticket
    assert changes[-1].kind is EventKind.CLOSED
    assert changes[-1].new_ticket is None


def test_filled_pending_order_keeps_its_ticket(mt4: SimBroker, changes: list[TradeChange]) -> None:
    set_price(mt4, "EURUSD", 1.10000)
    order = mt4.place_pending("EURUSD", OrderType.BUY_STOP, 0.2, 1.10100).order

    set_price(mt4, "EURUSD", 1.10200)
    mt4.tick()

    assert mt4.position(order) is not None
    assert changes[-1].kind is EventKind.PENDING_FILLED
    assert changes[-1].new_ticket is None


def test_mt4_has_no_netting_accounts() -> None:
    with pytest.raises(ValueError, match="MT4 accounts are always hedging"):
        SimAccount(login=1, server="x", platform=Platform.MT4, margin_mode=MarginMode.NETTING)
