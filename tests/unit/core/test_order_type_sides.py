"""An order type's side and a side's market order type, as the router, the store's rows and the
bridge read them (one look-up table in ``copier.domain``)."""

from __future__ import annotations

from copier.domain import ORDER_SIDE, OrderType, Side
from copier.store.rows import side_of


def test_every_order_type_has_the_side_its_name_says() -> None:
    for order_type in OrderType:
        expected = Side.BUY if order_type.name.startswith("BUY") else Side.SELL
        assert order_type.side is expected
        assert order_type.reversed().side is expected.opposite


def test_a_value_read_back_as_text_finds_its_side() -> None:
    assert ORDER_SIDE["sell_stop"] is Side.SELL
    assert side_of("buy_limit") == "buy"
    assert ORDER_SIDE.get("sideways") is None


def test_a_side_s_market_order_type() -> None:
    assert OrderType.market(Side.BUY) is OrderType.BUY
    assert OrderType.market(Side.SELL) is OrderType.SELL
    assert all(OrderType.market(side).side is side for side in Side)
