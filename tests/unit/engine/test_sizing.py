"""Lot sizing: every lot mode, the multiplier, limits, steps and the below-minimum policy."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from copier.engine.config import BelowMinimum, LinkRules, LotMode, NoStopLoss
from copier.engine.sizing import Sized, round_down_to_step, size_lot
from copier.engine.verdicts import Denial

from .builders import account, spec


def sized(
    rules: LinkRules,
    master_lots: float = 1.0,
    *,
    symbol: Any = None,
    price: float = 1.10000,
    sl: float = 0.0,
    master: Any = None,
    slave: Any = None,
) -> Sized | Denial:
    return size_lot(
        rules=rules,
        spec=symbol or spec(),
        master_lots=master_lots,
        master_price=price,
        master_sl=sl,
        master_account=master or account("master"),
        slave_account=slave or account(),
    )


def master_acct(**values: Any) -> Any:
    return account("master", **values)


def volume_of(result: Sized | Denial) -> float:
    assert isinstance(result, Sized), result
    return result.volume


@pytest.mark.parametrize(
    ("mode", "value", "master_lots", "master", "slave", "expected"),
    [
        (LotMode.FIXED, 0.25, 3.0, master_acct(), account(), 0.25),
        (LotMode.MULTIPLIER, 0.5, 0.7, master_acct(), account(), 0.35),
        (LotMode.MULTIPLIER, 0.1, 0.7, master_acct(), account(), 0.07),  # 0.0699999… in floats
        (LotMode.MULTIPLIER, 3.0, 0.1, master_acct(), account(), 0.3),  # 0.30000000000000004
        (LotMode.BALANCE_RATIO, 1.0, 1.0, master_acct(balance=10e3), account(balance=2500), 0.25),
        (LotMode.BALANCE_RATIO, 2.0, 0.5, master_acct(balance=20e3), account(balance=5000), 0.25),
        (LotMode.EQUITY_RATIO, 1.0, 1.0, master_acct(equity=8_000), account(equity=2_000), 0.25),
        (LotMode.EQUITY_RATIO, 3.0, 1.0, master_acct(equity=30_000), account(equity=10_000), 1.0),
    ],
)  # fmt: skip
def test_each_lot_mode_gives_the_exact_lot(
    mode: LotMode, value: float, master_lots: float, master: Any, slave: Any, expected: float
) -> None:
    rules = LinkRules(lot_mode=mode, lot_value=value)

    result = sized(rules, master_lots, master=master, slave=slave)

    assert volume_of(result) == expected


@pytest.mark.parametrize(
    ("symbol", "equity", "risk_pct", "price", "sl", "expected"),
    [
        # 1% of 10,000 = 100 over 500 ticks of 1.00 = 0.20 lots
        (spec(), 10_000.0, 1.0, 1.10000, 1.09500, 0.2),
        # a sell's SL above the price measures the same
        (spec(), 10_000.0, 1.0, 1.10000, 1.10500, 0.2),
        # gold: 2% of 10,000 = 200 over 1,000 ticks of 0.01 worth 1.00 = 0.20 lots
        (spec("XAUUSD", digits=2, point=0.01, tick_size=0.01, tick_value=1.0), 10_000.0, 2.0,
         2000.00, 1990.00, 0.2),
        # yen: 1% of 5,000 = 50 over 500 ticks worth 0.67 = 0.1492… → 0.14
        (spec("USDJPY", digits=3, point=0.001, tick_size=0.001, tick_value=0.67), 5_000.0, 1.0,
         150.000, 149.500, 0.14),
        # index with a 0.5 tick worth 0.5: 1% of 10,000 over 100 ticks × 0.5 = 2.0 lots
        (spec("GER40", digits=1, point=0.1, tick_size=0.5, tick_value=0.5, volume_step=0.1,
              volume_min=0.1), 10_000.0, 1.0, 18000.0, 17950.0, 2.0),
    ],
)  # fmt: skip
def test_risk_percent_sizes_from_the_master_sl_distance_and_tick_value(
    symbol: Any, equity: float, risk_pct: float, price: float, sl: float, expected: float
) -> None:
    rules = LinkRules(lot_mode=LotMode.RISK_PERCENT, lot_value=risk_pct)

    result = sized(rules, 5.0, symbol=symbol, price=price, sl=sl, slave=account(equity=equity))

    assert volume_of(result) == expected


def test_risk_percent_without_master_sl_is_skipped_with_a_reason() -> None:
    rules = LinkRules(lot_mode=LotMode.RISK_PERCENT, lot_value=1.0, risk_no_sl=NoStopLoss.SKIP)

    result = sized(rules, sl=0.0)

    assert isinstance(result, Denial)
    assert result.rule == "risk_no_sl"
    assert "no stop loss" in result.reason


def test_risk_percent_without_master_sl_uses_the_fallback_lot_when_told() -> None:
    rules = LinkRules(
        lot_mode=LotMode.RISK_PERCENT,
        lot_value=1.0,
        risk_no_sl=NoStopLoss.FALLBACK_LOT,
        risk_fallback_lot=0.05,
    )

    assert volume_of(sized(rules, sl=0.0)) == 0.05


def test_per_symbol_multiplier_scales_after_the_lot_mode() -> None:
    index = spec("GER40.m", volume_step=0.1, volume_min=0.1)
    rules = LinkRules(lot_value=1.0, symbol_lot_multipliers={"GER40.m": 10.0})

    assert volume_of(sized(rules, 0.3, symbol=index)) == 3.0


@pytest.mark.parametrize(
    ("step", "minimum", "master_lots", "expected"),
    [
        (0.01, 0.01, 0.1234, 0.12),
        (0.1, 0.1, 0.37, 0.3),
        (1.0, 1.0, 2.9, 2.0),
        (0.05, 0.05, 0.37, 0.35),
        (0.05, 0.05, 0.15, 0.15),
        (0.01, 0.01, 0.1 + 0.2, 0.3),
    ],
)
def test_lots_round_down_to_the_volume_step(
    step: float, minimum: float, master_lots: float, expected: float
) -> None:
    symbol = spec(volume_step=step, volume_min=minimum)

    assert volume_of(sized(LinkRules(), master_lots, symbol=symbol)) == expected


def test_lot_above_the_link_max_is_capped_and_says_so() -> None:
    result = sized(LinkRules(max_lot=2.0), 5.0)

    assert isinstance(result, Sized)
    assert result.volume == 2.0
    assert result.adjustments == (
        ("max_lot", "EURUSD.m: lot 5.00 capped at the link's max lot 2.00"),
    )


def test_lot_above_the_broker_max_is_capped_at_the_broker_max() -> None:
    result = sized(LinkRules(), 80.0, symbol=spec(volume_max=50.0))

    assert volume_of(result) == 50.0
    assert isinstance(result, Sized)
    assert "broker maximum 50.00" in result.adjustments[0][1]


def test_a_lot_just_below_the_minimum_never_reads_as_the_minimum() -> None:
    # A ratio-sized 0.0099994 used to read "lot 0.01 below broker minimum 0.01" (issue #18):
    # rounded for display after the check. It shows the decimals that make it lower.
    rules = LinkRules(lot_mode=LotMode.MULTIPLIER, lot_value=0.0099994)

    result = sized(rules, 1.0)

    assert result == Denial(
        "below_minimum", "EURUSD.m: lot 0.0099 below broker minimum 0.01 — copy skipped"
    )


def test_a_lot_just_above_the_maximum_never_reads_as_the_maximum() -> None:
    result = sized(LinkRules(max_lot=2.0), 2.00004)

    assert isinstance(result, Sized)
    assert result.adjustments == (
        ("max_lot", "EURUSD.m: lot 2.0001 capped at the link's max lot 2.00"),
    )


def test_lot_below_broker_minimum_is_skipped_with_the_documented_reason() -> None:
    rules = LinkRules(lot_value=0.004, below_minimum=BelowMinimum.SKIP)

    result = sized(rules, 1.0)

    assert result == Denial(
        "below_minimum", "EURUSD.m: lot 0.004 below broker minimum 0.01 — copy skipped"
    )


def test_lot_below_broker_minimum_uses_the_minimum_when_told() -> None:
    rules = LinkRules(lot_value=0.004, below_minimum=BelowMinimum.USE_MINIMUM)

    result = sized(rules, 1.0)

    assert volume_of(result) == 0.01
    assert isinstance(result, Sized)
    assert result.adjustments[0][0] == "below_minimum"


@pytest.mark.parametrize(
    ("policy", "expected"), [(BelowMinimum.USE_MINIMUM, 0.1), (BelowMinimum.SKIP, None)]
)
def test_link_minimum_lot_applies_the_below_minimum_policy(
    policy: BelowMinimum, expected: float | None
) -> None:
    rules = LinkRules(min_lot=0.1, below_minimum=policy)

    result = sized(rules, 0.05)

    if expected is None:
        assert isinstance(result, Denial)
        assert "below the link's minimum lot 0.10" in result.reason
    else:
        assert volume_of(result) == expected


def test_ratio_against_a_master_without_balance_is_denied_not_divided_by_zero() -> None:
    rules = LinkRules(lot_mode=LotMode.BALANCE_RATIO)

    result = sized(rules, master=master_acct(balance=0.0))

    assert isinstance(result, Denial)
    assert "balance" in result.reason


@pytest.mark.parametrize(
    ("volume", "step", "expected"),
    [
        (0.30000000000000004, 0.1, 0.3),
        (0.1 + 0.2, 0.01, 0.3),
        (0.7 * 0.1, 0.01, 0.07),
        (1.0, 0.05, 1.0),
        (0.99, 0.05, 0.95),
        (2.9, 1.0, 2.0),
        (0.004, 0.01, 0.0),
    ],
)
def test_round_down_to_step_has_no_float_drift(volume: float, step: float, expected: float) -> None:
    assert round_down_to_step(volume, step) == expected


STEPS = st.sampled_from([0.001, 0.01, 0.05, 0.1, 1.0])


@settings(max_examples=300, deadline=None)
@given(
    master_lots=st.floats(min_value=0.0, max_value=500.0, allow_nan=False),
    lot_value=st.floats(min_value=0.001, max_value=50.0, allow_nan=False),
    mode=st.sampled_from([LotMode.FIXED, LotMode.MULTIPLIER, LotMode.BALANCE_RATIO]),
    step=STEPS,
    min_steps=st.integers(min_value=1, max_value=20),
    max_steps=st.integers(min_value=1, max_value=100_000),
    policy=st.sampled_from(list(BelowMinimum)),
    slave_balance=st.floats(min_value=1.0, max_value=1e6, allow_nan=False),
)
def test_any_sized_lot_is_a_step_multiple_within_limits_or_a_reasoned_denial(
    master_lots: float,
    lot_value: float,
    mode: LotMode,
    step: float,
    min_steps: int,
    max_steps: int,
    policy: BelowMinimum,
    slave_balance: float,
) -> None:
    step_dec = Decimal(repr(step))
    minimum = float(step_dec * min_steps)
    maximum = float(step_dec * (min_steps + max_steps))
    symbol = spec(volume_step=step, volume_min=minimum, volume_max=maximum)
    rules = LinkRules(lot_mode=mode, lot_value=lot_value, below_minimum=policy)

    result = sized(rules, master_lots, symbol=symbol, slave=account(balance=slave_balance))

    if isinstance(result, Denial):
        assert result.reason.strip()
    else:
        volume = Decimal(repr(result.volume))
        assert volume % step_dec == 0
        assert minimum <= result.volume <= maximum
