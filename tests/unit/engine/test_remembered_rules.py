"""Rule work the engine remembers between orders (symbol lists, lot limits) decides exactly as
working it out afresh would, including for settings it cannot remember."""

from __future__ import annotations

from typing import Any

from copier.domain import EventKind
from copier.engine import sizing
from copier.engine.config import BelowMinimum, LinkRules, LotMode, NoStopLoss
from copier.engine.filters import check_filters
from copier.engine.sizing import Sized, dec, fit_to_symbol, lot_limits, size_lot

from .builders import account, event, spec

OPENED = EventKind.OPENED


def test_symbol_lists_given_as_lists_still_filter() -> None:
    listed: Any = ["EUR*"]  # from code that skipped LinkRules.from_dict
    rules = LinkRules(symbols_allow=listed, symbols_deny=listed)

    denial = check_filters(rules, event(OPENED, symbol="GBPUSD"), 1.0)
    assert denial is not None and denial.rule == "symbols_allow"
    denial = check_filters(rules, event(OPENED, symbol="EURUSD"), 1.0)
    assert denial is not None and denial.rule == "symbols_deny"


def test_a_remembered_symbol_match_follows_the_list_it_was_made_for() -> None:
    allow_eur = LinkRules(symbols_allow=("EUR*",))
    allow_gbp = LinkRules(symbols_allow=("GBP*",))

    assert check_filters(allow_eur, event(OPENED, symbol="EURUSD"), 1.0) is None
    assert check_filters(allow_gbp, event(OPENED, symbol="EURUSD"), 1.0) is not None


def test_lot_limits_follow_the_link_and_the_symbol() -> None:
    symbol = spec(volume_min=0.01, volume_max=100.0, volume_step=0.01)

    capped = fit_to_symbol(dec(3.0), LinkRules(max_lot=2.0), symbol)
    uncapped = fit_to_symbol(dec(3.0), LinkRules(), symbol)

    assert isinstance(capped, Sized) and capped.volume == 2.0
    assert uncapped == Sized(3.0)
    assert lot_limits(0.01, 0.01, 100.0, 0.05, 0.0).minimum == dec(0.05)


LOTS = (0.0, -0.0, 0.004, 0.01, 0.1, 0.3, 1.0, 2.5, 7.0)
# What an order is sized from, each with values it may take.
SIZING_INPUTS: dict[str, tuple[Any, ...]] = {
    "lot_mode": tuple(LotMode),
    "lot_value": (0.0, -0.0, 0.01, 0.5, 1.0, 2.0),
    "risk_no_sl": tuple(NoStopLoss),
    "risk_fallback_lot": LOTS,
    "min_lot": LOTS,
    "max_lot": LOTS,
    "below_minimum": tuple(BelowMinimum),
    "symbol_lot_multipliers": ({}, {"EURUSD.m": 0.5}, {"EURUSD.m": -0.0}, {"XAUUSD.m": 2.0}),
    "name": ("EURUSD.m", "XAUUSD.m"),
    "volume_step": (0.0, 0.01, 0.1, 1.0),
    "volume_min": LOTS,
    "volume_max": (0.0, 5.0, 100.0),
    "tick_size": (0.0, 0.00001, 0.01),
    "tick_value": (0.0, 1.0, 10.0),
    "master_lots": LOTS,
    "master_price": (1.1, 2350.0),
    "master_sl": (0.0, 1.095, 2340.0),
    "master_equity": (0.0, 5_000.0, 10_000.0),
    "slave_equity": (0.0, 2_000.0, 20_000.0),
}
RULE_FIELDS = ("lot_mode", "lot_value", "risk_no_sl", "risk_fallback_lot", "min_lot", "max_lot",
               "below_minimum", "symbol_lot_multipliers")  # fmt: skip
SPEC_FIELDS = ("name", "volume_step", "volume_min", "volume_max", "tick_size", "tick_value")
BASE = {
    **{name: values[0] for name, values in SIZING_INPUTS.items()},
    "lot_mode": LotMode.MULTIPLIER, "lot_value": 1.0, "volume_step": 0.01, "volume_min": 0.01,
    "volume_max": 100.0, "tick_size": 0.00001, "tick_value": 1.0, "master_lots": 1.0,
    "master_sl": 1.095, "master_equity": 10_000.0, "slave_equity": 20_000.0,
}  # fmt: skip
BASES = (  # sent as asked, below the minimum, capped, fixed, sized from nothing
    BASE, {**BASE, "master_lots": 0.004}, {**BASE, "max_lot": 0.3},
    {**BASE, "lot_mode": LotMode.FIXED, "lot_value": 2.0}, {**BASE, "master_lots": 0.0},
)  # fmt: skip


def _size(inputs: dict[str, Any]) -> object:
    return size_lot(
        rules=LinkRules(**{name: inputs[name] for name in RULE_FIELDS}),
        spec=spec(**{name: inputs[name] for name in SPEC_FIELDS}),
        master_lots=inputs["master_lots"],
        master_price=inputs["master_price"],
        master_sl=inputs["master_sl"],
        master_account=account(equity=inputs["master_equity"], balance=inputs["master_equity"]),
        slave_account=account(equity=inputs["slave_equity"], balance=inputs["slave_equity"]),
    )


def test_a_remembered_lot_follows_everything_it_is_sized_from() -> None:
    for base in BASES:
        for name, values in SIZING_INPUTS.items():
            for value in values:
                then = {**base, name: value}
                sizing._SIZED.clear()
                fresh = _size(then)
                sizing._SIZED.clear()
                _size(base)  # remembered first

                assert [_size(then), _size(then)] == [fresh] * 2, (name, value, base)
