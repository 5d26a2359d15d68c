"""Broker faults with fixed seeds: requotes, rejections, slippage, refusing stops on open."""

from __future__ import annotations

from sim_helpers import BrokerFactory, set_price

from copier.domain import OrderType, Retcode, Side
from copier.testbed.broker import BrokerFaults


def _retcodes(make_broker: BrokerFactory, seed: int, faults: BrokerFaults) -> list[int]:
    broker = make_broker(faults=faults, seed=seed, login=seed + 100)
    return [broker.open_market("EURUSD", Side.BUY, 0.01).retcode for _ in range(40)]


def test_requotes_follow_the_seed(make_broker: BrokerFactory) -> None:
    faults = BrokerFaults(requote_probability=0.3)

    first = _retcodes(make_broker, 1, faults)
    again = _retcodes(make_broker, 1, faults)
    other = _retcodes(make_broker, 2, faults)

    assert first == again
    assert first != other
    assert set(first) == {Retcode.DONE, Retcode.REQUOTE}


def test_requote_carries_the_fresh_prices(make_broker: BrokerFactory) -> None:
    broker = make_broker(faults=BrokerFaults(requote_probability=1.0))
    set_price(broker, "EURUSD", 1.10000)

    result = broker.open_market("EURUSD", Side.BUY, 0.1)

    assert result.retcode == Retcode.REQUOTE
    assert (result.bid, result.ask) == (1.10000, 1.10010)
    assert broker.positions() == ()


def test_price_moved_beyond_the_deviation_is_requoted(make_broker: BrokerFactory) -> None:
    broker = make_broker()
    set_price(broker, "EURUSD", 1.10000)

    far = broker.open_market("EURUSD", Side.BUY, 0.1, price=1.09900, deviation=20)
    near = broker.open_market("EURUSD", Side.BUY, 0.1, price=1.10000, deviation=20)

    assert far.retcode == Retcode.REQUOTE
    assert near.retcode == Retcode.DONE


def test_rejections_refuse_market_and_pending_requests(make_broker: BrokerFactory) -> None:
    broker = make_broker(faults=BrokerFaults(reject_probability=1.0))
    set_price(broker, "EURUSD", 1.10000)

    market = broker.open_market("EURUSD", Side.SELL, 0.1)
    pending = broker.place_pending("EURUSD", OrderType.SELL_LIMIT, 0.1, 1.10500)

    assert market.retcode == pending.retcode == Retcode.REJECT
    assert broker.positions() == () and broker.orders() == ()


def test_slippage_goes_against_the_trader_within_the_limit_and_follows_the_seed(
    make_broker: BrokerFactory,
) -> None:
    def fills(seed: int) -> list[float]:
        broker = make_broker(faults=BrokerFaults(slippage_points=5), seed=seed, login=seed)
        set_price(broker, "EURUSD", 1.10000)
        return [broker.open_market("EURUSD", Side.BUY, 0.01).price for _ in range(30)]

    prices = fills(3)

    assert prices == fills(3)
    assert all(1.10010 <= p <= 1.10015 + 1e-9 for p in prices)
    assert len(set(prices)) > 1


def test_sell_slippage_fills_below_the_bid(make_broker: BrokerFactory) -> None:
    broker = make_broker(faults=BrokerFaults(slippage_points=3), seed=9)
    set_price(broker, "EURUSD", 1.10000)

    prices = [broker.open_market("EURUSD", Side.SELL, 0.01).price for _ in range(20)]

    assert all(1.09997 - 1e-9 <= p <= 1.10000 for p in prices)
    assert min(prices) < 1.10000


def test_market_execution_broker_refuses_stops_sent_with_the_order(
    make_broker: BrokerFactory,
) -> None:
    broker = make_broker("ecn", faults=BrokerFaults(refuse_stops_on_open=True))
    set_price(broker, "EURUSD", 1.10000)

    with_stops = broker.open_market("EURUSD", Side.BUY, 0.1, sl=1.09500)
    bare = broker.open_market("EURUSD", Side.BUY, 0.1)
    then_stops = broker.modify_position(bare.position, sl=1.09500, tp=1.10500)

    assert with_stops.retcode == Retcode.INVALID_STOPS
    assert "set them after it" in with_stops.comment
    assert bare.retcode == then_stops.retcode == Retcode.DONE


def test_faults_can_be_switched_off_at_run_time(make_broker: BrokerFactory) -> None:
    broker = make_broker(faults=BrokerFaults(reject_probability=1.0))
    refused = broker.open_market("EURUSD", Side.BUY, 0.1)

    broker.faults = BrokerFaults()
    accepted = broker.open_market("EURUSD", Side.BUY, 0.1)

    assert (refused.retcode, accepted.retcode) == (Retcode.REJECT, Retcode.DONE)
