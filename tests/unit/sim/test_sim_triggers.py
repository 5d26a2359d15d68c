"""What prices do at a tick: pending fills, SL/TP hits, expirations and stop-outs."""

from __future__ import annotations

from sim_helpers import BrokerFactory, set_price

from copier.domain import EventKind, MarginMode, OrderType, Side
from copier.testbed.broker import ManualClock, OrderState, SimBroker, TradeChange, TradeReason


def test_buy_limit_fills_when_the_ask_comes_down_to_it(
    broker: SimBroker, changes: list[TradeChange]
) -> None:
    set_price(broker, "EURUSD", 1.10000)
    order = broker.place_pending("EURUSD", OrderType.BUY_LIMIT, 0.3, 1.09900, sl=1.09500).order
    set_price(broker, "EURUSD", 1.09950)
    broker.tick()
    assert broker.order(order) is not None  # ask 1.09960: not yet

    set_price(broker, "EURUSD", 1.09880)
    broker.tick()

    pos = broker.position(order)
    assert pos is not None
    assert (pos.side, pos.volume, pos.sl, pos.price_open) == (Side.BUY, 0.3, 1.09500, 1.09890)
    assert broker.order(order) is None
    assert broker.history_order(order).state is OrderState.FILLED  # type: ignore[union-attr]
    filled = changes[-1]
    assert (filled.kind, filled.ticket, filled.new_ticket) == (
        EventKind.PENDING_FILLED,
        order,
        None,
    )
    assert (filled.order_type, filled.price) == (OrderType.BUY_LIMIT, 1.09890)


def test_sell_stop_fills_when_the_bid_falls_through_it(broker: SimBroker) -> None:
    set_price(broker, "EURUSD", 1.10000)
    order = broker.place_pending("EURUSD", OrderType.SELL_STOP, 0.1, 1.09800).order

    set_price(broker, "EURUSD", 1.09790)
    broker.tick()

    pos = broker.position(order)
    assert pos is not None and pos.side is Side.SELL


def test_netting_pending_fill_into_an_open_position_reports_its_ticket(
    make_broker: BrokerFactory, changes: list[TradeChange]
) -> None:
    broker = make_broker(margin_mode=MarginMode.NETTING)
    broker.subscribe(changes.append)
    set_price(broker, "EURUSD", 1.10000)
    held = broker.open_market("EURUSD", Side.BUY, 0.5).position
    order = broker.place_pending("EURUSD", OrderType.BUY_LIMIT, 0.2, 1.09900).order

    set_price(broker, "EURUSD", 1.09850)
    broker.tick()

    (pos,) = broker.positions()
    assert (pos.ticket, pos.volume) == (held, 0.7)
    assert changes[-1].kind is EventKind.PENDING_FILLED
    assert (changes[-1].ticket, changes[-1].new_ticket, changes[-1].volume) == (order, held, 0.2)
    assert broker.position_from_order(order) == pos


def test_stop_loss_hit_closes_the_position_server_side(
    broker: SimBroker, changes: list[TradeChange]
) -> None:
    set_price(broker, "EURUSD", 1.10000)
    ticket = broker.open_market("EURUSD", Side.BUY, 0.2, sl=1.09800).position

    set_price(broker, "EURUSD", 1.09790)
    broker.tick()

    assert broker.position(ticket) is None
    deal = broker.history_deals()[-1]
    assert (deal.reason, deal.comment, deal.price) == (TradeReason.SL, "[sl 1.098]", 1.09790)
    assert changes[-1].kind is EventKind.CLOSED
    assert (changes[-1].ticket, changes[-1].closed_volume) == (ticket, 0.2)


def test_take_profit_hit_on_a_sell_closes_at_the_ask(broker: SimBroker) -> None:
    set_price(broker, "EURUSD", 1.10000)
    ticket = broker.open_market("EURUSD", Side.SELL, 0.2, tp=1.09500).position

    set_price(broker, "EURUSD", 1.09480)  # ask 1.09490
    broker.tick()

    assert broker.position(ticket) is None
    deal = broker.history_deals()[-1]
    assert (deal.reason, deal.price) == (TradeReason.TP, 1.09490)
    assert deal.profit > 0


def test_pending_order_expires_at_its_expiration_time(
    broker: SimBroker, clock: ManualClock, changes: list[TradeChange]
) -> None:
    set_price(broker, "EURUSD", 1.10000)
    expiry = clock.now_ms() + 5_000
    order = broker.place_pending(
        "EURUSD", OrderType.BUY_LIMIT, 0.1, 1.09000, expiration_ms=expiry
    ).order

    clock.advance(5_000)
    broker.market.set_mid("EURUSD", 1.10000)
    broker.tick()

    assert broker.order(order) is None
    assert broker.history_order(order).state is OrderState.EXPIRED  # type: ignore[union-attr]
    assert changes[-1].kind is EventKind.PENDING_DELETED


def test_stop_out_closes_the_worst_positions_until_the_margin_level_recovers(
    make_broker: BrokerFactory, changes: list[TradeChange]
) -> None:
    broker = make_broker(balance=2_000.0, leverage=100)
    broker.subscribe(changes.append)
    set_price(broker, "EURUSD", 1.10000)
    broker.open_market("EURUSD", Side.BUY, 1.0)  # margin ~1,100
    broker.open_market("GBPUSD", Side.BUY, 0.01)

    set_price(broker, "EURUSD", 1.08600)  # -1,410 USD: equity ~590, level ~53 %
    broker.tick()
    assert len(broker.positions()) == 2

    set_price(broker, "EURUSD", 1.08500)  # equity ~490: below the 50 % stop-out
    broker.tick()

    assert [p.symbol for p in broker.positions()] == ["GBPUSD"]
    deal = broker.history_deals()[-1]
    assert deal.reason is TradeReason.SO
    assert changes[-1].kind is EventKind.CLOSED
