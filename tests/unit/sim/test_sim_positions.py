"""Hedging and netting books: many positions or one per symbol, reductions, reversals, close-by."""

from __future__ import annotations

import pytest
from sim_helpers import BrokerFactory, set_price

from copier.domain import EventKind, MarginMode, Retcode, Side
from copier.testbed.broker import DealEntry, ManualClock, SimBroker, TradeChange


@pytest.fixture
def netting(make_broker: BrokerFactory, changes: list[TradeChange]) -> SimBroker:
    broker = make_broker(margin_mode=MarginMode.NETTING)
    broker.subscribe(changes.append)
    return broker


def test_hedging_holds_two_buys_on_one_symbol_as_two_positions(broker: SimBroker) -> None:
    first = broker.open_market("EURUSD", Side.BUY, 0.1)
    second = broker.open_market("EURUSD", Side.BUY, 0.2)

    assert first.position != second.position
    assert sorted(p.volume for p in broker.positions("EURUSD")) == [0.1, 0.2]


def test_market_open_gives_the_position_the_order_ticket(broker: SimBroker) -> None:
    result = broker.open_market("EURUSD", Side.BUY, 0.1, magic=7, comment="TC|99")

    pos = broker.position(result.position)
    assert pos is not None
    assert result.order == pos.ticket == pos.identifier
    assert (pos.magic, pos.comment) == (7, "TC|99")
    assert broker.history_order(result.order).position_id == pos.ticket  # type: ignore[union-attr]


def test_mt5_partial_close_keeps_the_ticket_and_records_an_out_deal(
    broker: SimBroker, changes: list[TradeChange]
) -> None:
    ticket = broker.open_market("EURUSD", Side.BUY, 0.5).position

    result = broker.close_position(ticket, 0.2)

    assert result.position == ticket
    assert broker.position(ticket).volume == 0.3  # type: ignore[union-attr]
    deal = broker.history_deals()[-1]
    assert (deal.entry, deal.volume, deal.position_id) == (DealEntry.OUT, 0.2, ticket)
    assert changes[-1].kind is EventKind.PARTIALLY_CLOSED
    assert (changes[-1].volume, changes[-1].closed_volume, changes[-1].new_ticket) == (
        0.3,
        0.2,
        None,
    )


def test_closing_at_a_profit_adds_it_to_the_balance(broker: SimBroker) -> None:
    set_price(broker, "EURUSD", 1.10000)
    ticket = broker.open_market("EURUSD", Side.BUY, 1.0).position  # at the ask, 1.10010
    set_price(broker, "EURUSD", 1.10110)
    before = broker.balance

    result = broker.close_position(ticket)

    assert result.price == 1.10110
    assert broker.balance == pytest.approx(before + 100.0)  # 100 points × 1 USD
    assert broker.history_deals()[-1].profit == pytest.approx(100.0)


def test_open_position_is_marked_to_market(broker: SimBroker) -> None:
    set_price(broker, "EURUSD", 1.10000)
    ticket = broker.open_market("EURUSD", Side.SELL, 0.5).position  # at the bid
    set_price(broker, "EURUSD", 1.09890)  # ask 1.09900: 100 points in favour

    pos = broker.position(ticket)

    assert pos is not None
    assert pos.price_current == 1.09900
    assert pos.profit == pytest.approx(50.0)
    assert broker.equity == pytest.approx(broker.balance + 50.0)


def test_margin_is_contract_times_volume_times_price_over_leverage(broker: SimBroker) -> None:
    broker.market.set_mid("EURUSD", 1.10000)

    broker.open_market("EURUSD", Side.BUY, 1.0)

    assert broker.margin == pytest.approx(100_000 * 1.10 / 100, rel=1e-6)
    assert broker.margin_free == pytest.approx(broker.equity - broker.margin, abs=0.01)
    assert broker.margin_level == pytest.approx(broker.equity / broker.margin * 100)


def test_netting_second_buy_increases_the_one_position_at_an_average_price(
    netting: SimBroker, changes: list[TradeChange]
) -> None:
    set_price(netting, "EURUSD", 1.10000)
    first = netting.open_market("EURUSD", Side.BUY, 0.1)  # ask 1.10010
    set_price(netting, "EURUSD", 1.10090)
    second = netting.open_market("EURUSD", Side.BUY, 0.3)  # ask 1.10100

    (pos,) = netting.positions()
    assert second.position == first.position == pos.ticket
    assert pos.volume == 0.4
    assert pos.price_open == pytest.approx((1.10010 * 0.1 + 1.10100 * 0.3) / 0.4)
    assert [c.kind for c in changes] == [EventKind.OPENED, EventKind.INCREASED]
    assert (changes[-1].volume, changes[-1].price) == (0.4, 1.10100)


def test_netting_opposite_smaller_deal_reduces_and_keeps_the_identifier(
    netting: SimBroker, changes: list[TradeChange]
) -> None:
    opened = netting.open_market("EURUSD", Side.BUY, 1.0)

    reduced = netting.open_market("EURUSD", Side.SELL, 0.4)

    (pos,) = netting.positions()
    assert (pos.ticket, pos.identifier, pos.side, pos.volume) == (
        opened.position,
        opened.position,
        Side.BUY,
        0.6,
    )
    assert reduced.position == opened.position
    assert netting.history_deals()[-1].entry is DealEntry.OUT
    assert changes[-1].kind is EventKind.PARTIALLY_CLOSED
    assert changes[-1].closed_volume == 0.4


def test_netting_opposite_equal_deal_closes_the_position(
    netting: SimBroker, changes: list[TradeChange]
) -> None:
    netting.open_market("EURUSD", Side.SELL, 0.5)

    netting.open_market("EURUSD", Side.BUY, 0.5)

    assert netting.positions() == ()
    assert changes[-1].kind is EventKind.CLOSED
    assert changes[-1].closed_volume == 0.5


def test_netting_reversal_is_closed_then_opened_on_the_same_position(
    netting: SimBroker, changes: list[TradeChange]
) -> None:
    opened = netting.open_market("EURUSD", Side.BUY, 0.3)
    changes.clear()

    result = netting.open_market("EURUSD", Side.SELL, 1.0, sl=0.0)

    (pos,) = netting.positions()
    assert (pos.ticket, pos.identifier) == (opened.position, opened.position)
    assert (pos.side, pos.volume, pos.price_open) == (Side.SELL, 0.7, result.price)
    deal = netting.history_deals()[-1]
    assert (deal.entry, deal.volume) == (DealEntry.INOUT, 1.0)
    assert [(c.kind, c.ticket, c.order_type.side) for c in changes] == [
        (EventKind.CLOSED, pos.ticket, Side.BUY),
        (EventKind.OPENED, pos.ticket, Side.SELL),
    ]
    assert (changes[0].closed_volume, changes[1].volume) == (0.3, 0.7)


def test_netting_margin_check_counts_only_the_volume_beyond_the_position(
    make_broker: BrokerFactory,
) -> None:
    broker = make_broker(margin_mode=MarginMode.NETTING, balance=1_500.0)
    broker.open_market("EURUSD", Side.BUY, 1.0)  # uses ~1,085 of 1,500

    closing = broker.open_market("EURUSD", Side.SELL, 1.0)

    assert closing.retcode == Retcode.DONE


def test_close_by_closes_the_smaller_and_reduces_the_larger(
    broker: SimBroker, changes: list[TradeChange]
) -> None:
    buy = broker.open_market("EURUSD", Side.BUY, 0.5).position
    sell = broker.open_market("EURUSD", Side.SELL, 0.2).position

    result = broker.close_by(buy, sell)

    assert result.retcode == Retcode.DONE
    assert broker.position(sell) is None
    assert broker.position(buy).volume == 0.3  # type: ignore[union-attr]
    entries = [d.entry for d in broker.history_deals()[-2:]]
    assert entries == [DealEntry.OUT_BY, DealEntry.OUT_BY]
    assert [c.kind for c in changes[-2:]] == [EventKind.PARTIALLY_CLOSED, EventKind.CLOSED]


def test_close_by_is_refused_on_a_netting_account(netting: SimBroker) -> None:
    ticket = netting.open_market("EURUSD", Side.BUY, 0.5).position

    result = netting.close_by(ticket, ticket)

    assert result.retcode == Retcode.INVALID


def test_closing_an_unknown_position_says_it_is_not_open(broker: SimBroker) -> None:
    result = broker.close_position(123)

    assert result.retcode == Retcode.POSITION_CLOSED
    assert result.comment == "position #123 is not open"


def test_the_opening_deposit_is_the_first_deal(broker: SimBroker) -> None:
    deposit = broker.history_deals()[0]

    assert (deposit.deal_type.name, deposit.profit, deposit.comment) == (
        "BALANCE",
        100_000.0,
        "Deposit",
    )


def test_history_can_be_read_for_a_time_range(broker: SimBroker, clock: ManualClock) -> None:
    broker.open_market("EURUSD", Side.BUY, 0.1)
    middle = clock.advance(1_000)
    broker.open_market("EURUSD", Side.BUY, 0.1)

    later = broker.history_deals(from_ms=middle)

    assert len(later) == 1
    assert len(broker.history_orders(to_ms=middle - 1)) == 1
