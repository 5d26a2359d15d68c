"""The trade server's checks: volume, stops, pending prices, filling, market hours, money."""

from __future__ import annotations

from sim_helpers import BrokerFactory, set_price

from copier.domain import OrderType, Retcode, Side
from copier.testbed.broker import BrokerFaults, Filling, ManualClock, SimBroker


def test_volume_below_the_minimum_is_refused_with_the_numbers(make_broker: BrokerFactory) -> None:
    broker = make_broker("suffix")

    result = broker.open_market("EURUSD.m", Side.BUY, 0.004)

    assert result.retcode == Retcode.INVALID_VOLUME
    assert result.comment == "EURUSD.m: volume 0.004 below minimum 0.01"
    assert broker.positions() == ()


def test_volume_above_the_maximum_is_refused(broker: SimBroker) -> None:
    result = broker.open_market("EURUSD", Side.SELL, 150)

    assert result.retcode == Retcode.INVALID_VOLUME
    assert "above maximum 100" in result.comment


def test_volume_off_the_step_is_refused(make_broker: BrokerFactory) -> None:
    broker = make_broker("gold")

    result = broker.open_market("GOLD", Side.BUY, 0.15)

    assert result.retcode == Retcode.INVALID_VOLUME
    assert "not a multiple of the step 0.1" in result.comment


def test_volume_on_the_step_is_accepted(make_broker: BrokerFactory) -> None:
    broker = make_broker("gold")

    result = broker.open_market("GOLD", Side.BUY, 0.3)

    assert result.retcode == Retcode.DONE
    assert broker.positions()[0].volume == 0.3


def test_unknown_symbol_is_refused(broker: SimBroker) -> None:
    result = broker.open_market("EURUSD.m", Side.BUY, 0.1)

    assert result.retcode == Retcode.INVALID
    assert "unknown symbol" in result.comment


def test_stop_loss_above_the_bid_of_a_buy_is_invalid(broker: SimBroker) -> None:
    set_price(broker, "EURUSD", 1.10000)
    ticket = broker.open_market("EURUSD", Side.BUY, 0.1).position

    result = broker.modify_position(ticket, sl=1.10100, tp=0.0)

    assert result.retcode == Retcode.INVALID_STOPS
    assert broker.position(ticket).sl == 0.0  # type: ignore[union-attr]


def test_stops_closer_than_the_stops_level_are_invalid(make_broker: BrokerFactory) -> None:
    broker = make_broker("gold")  # GOLD has a 50-point stops level
    set_price(broker, "GOLD", 2400.00)

    too_close = broker.open_market("GOLD", Side.BUY, 0.1, sl=2399.80)
    far_enough = broker.open_market("GOLD", Side.BUY, 0.1, sl=2399.40)

    assert too_close.retcode == Retcode.INVALID_STOPS
    assert "at least 50 points away" in too_close.comment
    assert far_enough.retcode == Retcode.DONE


def test_modify_with_the_same_stops_is_no_change(broker: SimBroker) -> None:
    set_price(broker, "EURUSD", 1.10000)
    ticket = broker.open_market("EURUSD", Side.SELL, 0.1, sl=1.10500).position

    result = broker.modify_position(ticket, sl=1.10500, tp=0.0)

    assert result.retcode == Retcode.NO_CHANGES


def test_buy_limit_above_the_ask_is_an_invalid_price(broker: SimBroker) -> None:
    set_price(broker, "EURUSD", 1.10000)

    result = broker.place_pending("EURUSD", OrderType.BUY_LIMIT, 0.1, 1.10100)

    assert result.retcode == Retcode.INVALID_PRICE
    assert broker.orders() == ()


def test_sell_stop_below_the_bid_is_accepted(broker: SimBroker) -> None:
    set_price(broker, "EURUSD", 1.10000)

    result = broker.place_pending("EURUSD", OrderType.SELL_STOP, 0.1, 1.09800, sl=1.10000)

    assert result.retcode == Retcode.DONE
    assert broker.order(result.order).price_open == 1.09800  # type: ignore[union-attr]


def test_filling_mode_must_be_allowed_by_the_symbol(make_broker: BrokerFactory) -> None:
    ioc_only = make_broker("gold")
    return_only = make_broker("ecn", login=42)

    fok = ioc_only.open_market("EURUSD", Side.BUY, 0.1, filling=Filling.FOK)
    ioc = ioc_only.open_market("EURUSD", Side.BUY, 0.1, filling=Filling.IOC)
    ret = return_only.open_market("EURUSD", Side.BUY, 0.1, filling=Filling.RETURN)
    bitmask_by_mistake = return_only.open_market("EURUSD", Side.BUY, 0.1, filling=Filling.BOC)

    assert fok.retcode == Retcode.INVALID_FILL
    assert "symbol allows IOC" in fok.comment
    assert ioc.retcode == Retcode.DONE
    assert ret.retcode == Retcode.DONE
    assert bitmask_by_mistake.retcode == Retcode.INVALID_FILL


def test_trading_inside_the_closed_window_is_refused(
    make_broker: BrokerFactory, clock: ManualClock
) -> None:
    broker = make_broker(faults=BrokerFaults(closed_window=(9 * 60, 10 * 60)))  # 09:00–10:00

    closed = broker.open_market("EURUSD", Side.BUY, 0.1)
    clock.advance(60 * 60_000)
    opened = broker.open_market("EURUSD", Side.BUY, 0.1)

    assert closed.retcode == Retcode.MARKET_CLOSED
    assert closed.comment == "EURUSD: market is closed"
    assert opened.retcode == Retcode.DONE


def test_an_order_needing_more_margin_than_is_free_is_refused(make_broker: BrokerFactory) -> None:
    broker = make_broker(balance=1_000.0, leverage=100)  # 1 lot EURUSD needs ~1,085 USD

    result = broker.open_market("EURUSD", Side.BUY, 1.0)

    assert result.retcode == Retcode.NO_MONEY
    assert "not enough money" in result.comment


def test_autotrading_off_refuses_every_request(broker: SimBroker) -> None:
    broker.trade_allowed = False

    result = broker.open_market("EURUSD", Side.BUY, 0.1)

    assert result.retcode == Retcode.CLIENT_DISABLES_AT
    assert not broker.account_info("a").trade_allowed


def test_close_of_more_than_the_position_holds_is_refused(broker: SimBroker) -> None:
    ticket = broker.open_market("EURUSD", Side.BUY, 0.1).position

    result = broker.close_position(ticket, 0.2)

    assert result.retcode == Retcode.INVALID_CLOSE_VOLUME
    assert broker.position(ticket) is not None


def test_expiration_in_the_past_is_refused(broker: SimBroker, clock: ManualClock) -> None:
    set_price(broker, "EURUSD", 1.10000)

    result = broker.place_pending(
        "EURUSD", OrderType.BUY_LIMIT, 0.1, 1.09000, expiration_ms=clock.now_ms() - 1
    )

    assert result.retcode == Retcode.INVALID_EXPIRATION
