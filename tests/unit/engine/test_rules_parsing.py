"""``LinkRules.from_dict`` checks every element's type and refuses with a sentence naming the rule
and the bad value; stored rules (every rule, as ``to_dict`` wrote them) load back unchanged."""

from __future__ import annotations

import json
from typing import Any

import pytest

from copier.domain import OrderType
from copier.engine.config import (
    BelowMinimum,
    DrawdownAction,
    LinkRules,
    LotMode,
    NoStopLoss,
    RulesError,
    StopsMode,
)

FULL_RULES = LinkRules(
    lot_mode=LotMode.RISK_PERCENT,
    lot_value=1.5,
    risk_no_sl=NoStopLoss.FALLBACK_LOT,
    risk_fallback_lot=0.02,
    min_lot=0.01,
    max_lot=5.0,
    below_minimum=BelowMinimum.USE_MINIMUM,
    symbol_map={"GOLD": "XAUUSD.r", "US30": "DJ30"},
    strip_prefix="m.",
    strip_suffix=".pro",
    add_prefix="x",
    add_suffix=".m",
    auto_match=False,
    symbol_lot_multipliers={"DJ30": 10.0, "XAUUSD.r": 0.5},
    reverse=True,
    stops_mode=StopsMode.FIXED,
    fixed_sl_points=150,
    fixed_tp_points=300,
    two_step_stops=True,
    copy_pendings=False,
    pending_offset_points=5,
    comment_template="TC|{ticket}|copy",
    slave_magic=77,
    symbols_allow=("EUR*", "GOLD"),
    symbols_deny=("BTCUSD",),
    magic_allow=(7, 8),
    magic_deny=(0,),
    comment_pattern="^scalp",
    order_types=(OrderType.BUY, OrderType.SELL_LIMIT),
    direction="buy",
    master_lot_min=0.1,
    master_lot_max=10.0,
    max_lot_per_order=3.0,
    max_open_positions=12,
    max_volume_per_symbol=6.0,
    max_daily_loss_money=500.0,
    max_daily_loss_pct=5.0,
    max_drawdown_pct=12.5,
    drawdown_from="all_time",
    drawdown_action=DrawdownAction.CLOSE_ALL,
    equity_floor=1000.0,
    max_deviation_points=30,
    max_signal_age_ms=1500,
    trading_hours=(420, 1260),
    trading_days=(0, 1, 2, 3, 4),
    min_margin_level_pct=150.0,
    max_orders_per_minute=20,
)


def _refused(data: dict[str, Any]) -> list[str]:
    with pytest.raises(RulesError) as refused:
        LinkRules.from_dict(data)
    return refused.value.problems


def _stored(rules: LinkRules) -> dict[str, Any]:
    """What the store keeps and hands back: the rules through JSON."""
    loaded: dict[str, Any] = json.loads(json.dumps(rules.to_dict()))
    return loaded


@pytest.mark.parametrize("rules", [LinkRules(), FULL_RULES], ids=["defaults", "every rule set"])
def test_stored_rules_load_back_unchanged(rules: LinkRules) -> None:
    assert LinkRules.from_dict(_stored(rules)) == rules
    assert LinkRules.from_dict(rules.to_dict()) == rules


def test_rules_stored_before_every_field_existed_take_the_defaults() -> None:
    assert LinkRules.from_dict({"lot_mode": "fixed", "lot_value": 0.1}) == LinkRules(
        lot_mode=LotMode.FIXED, lot_value=0.1
    )


def test_a_magic_number_written_as_text_is_refused() -> None:
    assert _refused({"magic_allow": ["7"]}) == ["magic_allow: '7' is not a whole number"]


def test_a_symbol_list_given_as_one_text_is_refused_not_split_into_letters() -> None:
    assert _refused({"symbols_allow": "EURUSD"}) == ["symbols_allow: 'EURUSD' is not a list"]


def test_an_order_type_that_does_not_exist_is_refused_with_the_ones_that_do() -> None:
    assert _refused({"order_types": ["sideways"]}) == [
        "order_types: 'sideways' is not one of buy, sell, buy_limit, sell_limit, buy_stop, "
        "sell_stop"
    ]


def test_order_types_are_read_as_order_types() -> None:
    rules = LinkRules.from_dict({"order_types": ["buy_stop"]})

    assert rules.order_types == (OrderType.BUY_STOP,)
    assert isinstance(rules.order_types[0], OrderType)


def test_every_bad_rule_is_named_at_once_unknown_ones_first() -> None:
    problems = _refused({
        "reverse": 1,
        "lot_speed": 3,
        "symbol_lot_multipliers": {"DJ30": 10.0, "GOLD": "ten"},
        "trading_hours": [420, 1260, 5],
        "lot_value": None,
        "stops_mode": "far",
        "symbol_map": ["GOLD"],
    })

    assert problems == [
        "unknown rule 'lot_speed'",
        "reverse: 1 is not true or false",
        "symbol_lot_multipliers: 'ten' is not a number",
        "trading_hours: [420, 1260, 5] should hold 2 items, not 3",
        "lot_value: an empty value is not a number",
        "stops_mode: 'far' is not one of price, distance, none, fixed",
        "symbol_map: ['GOLD'] is not a table of names and values",
    ]


def test_a_whole_number_rule_refuses_a_fraction_and_a_number_rule_takes_a_whole_one() -> None:
    assert _refused({"max_open_positions": 2.5}) == [
        "max_open_positions: 2.5 is not a whole number"
    ]
    assert LinkRules.from_dict({"max_lot": 2}).max_lot == 2.0


def test_well_typed_rules_that_cannot_work_are_still_refused_by_the_checks_between_them() -> None:
    assert _refused({"lot_value": -1.0, "direction": "up"}) == [
        "lot_value must be above 0",
        "direction must be both, buy or sell",
    ]
