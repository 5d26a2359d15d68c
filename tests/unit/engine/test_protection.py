"""Protection rules: each one allows a copy inside its limit and refuses (or clamps) outside it."""

from __future__ import annotations

from typing import Any

import pytest
from msgspec import structs

from copier.domain import EventKind, MarginMode, Side
from copier.engine.config import DrawdownAction, LinkRules
from copier.engine.protection import (
    OpenContext,
    Protected,
    check_protection,
    max_deviation,
    max_volume_per_symbol,
    risk_stop,
)
from copier.engine.state import SlaveView
from copier.engine.verdicts import Clamp, Denial

from .builders import NOW, account, event, position, quote, slave_view, spec

MINUTE = 60_000


def context(
    rules: dict[str, Any] | None = None,
    *,
    slave: SlaveView | None = None,
    volume: float = 1.0,
    side: Side = Side.BUY,
    is_pending: bool = False,
    now_ms: int = NOW,
    **event_fields: Any,
) -> OpenContext:
    return OpenContext(
        rules=LinkRules(**(rules or {})),
        event=event(EventKind.OPENED, **event_fields),
        slave=slave or slave_view(),
        spec=spec(),
        side=side,
        volume=volume,
        is_pending=is_pending,
        now_ms=now_ms,
    )


def equity_slave(equity: float, **fields: Any) -> SlaveView:
    return slave_view(account=account(balance=10_000, equity=equity), **fields)


ALLOWED: list[tuple[str, OpenContext]] = [
    ("max_daily_loss money", context({"max_daily_loss_money": 500},
                                     slave=equity_slave(9_600, day_start_equity=10_000))),
    ("max_daily_loss pct", context({"max_daily_loss_pct": 5},
                                   slave=equity_slave(9_600, day_start_equity=10_000))),
    ("max_drawdown day", context({"max_drawdown_pct": 10},
                                 slave=equity_slave(9_100, equity_peak_day=10_000))),
    ("max_drawdown all time", context({"max_drawdown_pct": 10, "drawdown_from": "all_time"},
                                      slave=equity_slave(11_000, equity_peak_all_time=12_000))),
    ("equity_floor", context({"equity_floor": 5_000}, slave=equity_slave(5_001))),
    ("daily_profit_target", context({"daily_profit_target_money": 300},
                                    slave=equity_slave(10_299, day_start_equity=10_000))),
    ("min_margin_level", context({"min_margin_level_pct": 200},
                                 slave=slave_view(account=account(equity=1_000, margin=400)))),
    ("min_margin_level without margin", context({"min_margin_level_pct": 200})),
    ("max_signal_age", context({"max_signal_age_ms": 1_000}, time_ms=NOW - 1_000)),
    ("trading_days", context({"trading_days": (1,)})),  # NOW is a Tuesday
    ("trading_hours", context({"trading_hours": (22 * 60, 23 * 60)})),  # NOW is 22:13 UTC
    ("trading_hours overnight", context({"trading_hours": (22 * 60, 6 * 60)})),
    ("max_orders_per_minute", context({"max_orders_per_minute": 3},
                                      slave=slave_view(recent_order_times_ms=(
                                          NOW - MINUTE, NOW - 1_000, NOW - 500)))),
    ("max_lot_per_order", context({"max_lot_per_order": 1.0}, volume=1.0)),
    ("max_open_positions", context({"max_open_positions": 2},
                                   slave=slave_view(positions=(position(1, 0.1),)))),
    ("max_open_positions netting", context(
        {"max_open_positions": 1},
        slave=slave_view(account=account(margin_mode=MarginMode.NETTING),
                         positions=(position(1, 0.1),)))),
    ("max_volume_per_symbol", context({"max_volume_per_symbol": 2.0}, volume=1.0,
                                      slave=slave_view(positions=(position(1, 1.0),)))),
    ("max_deviation", context({"max_deviation_points": 10}, price=1.10000,
                              slave=slave_view(quotes={"EURUSD.m": quote(ask=1.10010)}))),
    ("max_deviation without quote", context({"max_deviation_points": 1})),
]  # fmt: skip


@pytest.mark.parametrize("ctx", [c for _, c in ALLOWED], ids=[n for n, _ in ALLOWED])
def test_copy_inside_every_limit_is_allowed(ctx: OpenContext) -> None:
    assert check_protection(ctx) == Protected(ctx.volume)


DENIED: list[tuple[str, OpenContext, str]] = [
    ("max_daily_loss", context({"max_daily_loss_money": 500},
                               slave=equity_slave(9_500, day_start_equity=10_000)),
     "EURUSD.m: daily loss 500.00 reached the limit 500.00 — opening stopped"),
    ("max_daily_loss", context({"max_daily_loss_pct": 5},
                               slave=equity_slave(9_400, day_start_equity=10_000)),
     "EURUSD.m: daily loss 6.0% reached the limit 5% — opening stopped"),
    ("max_drawdown", context({"max_drawdown_pct": 10},
                             slave=equity_slave(9_000, equity_peak_day=10_000)),
     "EURUSD.m: drawdown 10.0% from the day's equity peak 10,000.00 reached the limit 10% — "
     "opening stopped"),
    ("max_drawdown", context({"max_drawdown_pct": 10, "drawdown_from": "all_time"},
                             slave=equity_slave(10_000, equity_peak_all_time=12_000)),
     "EURUSD.m: drawdown 16.7% from the all-time equity peak 12,000.00 reached the limit 10% — "
     "opening stopped"),
    ("equity_floor", context({"equity_floor": 5_000}, slave=equity_slave(5_000)),
     "EURUSD.m: equity 5,000.00 is at or below the floor 5,000.00 — opening stopped"),
    ("daily_profit_target", context({"daily_profit_target_money": 300},
                                    slave=equity_slave(10_300, day_start_equity=10_000)),
     "EURUSD.m: daily profit 300.00 reached the target 300.00 — opening stopped"),
    ("daily_profit_target", context({"daily_profit_target_pct": 2},
                                    slave=equity_slave(10_250, day_start_equity=10_000)),
     "EURUSD.m: daily profit 2.5% reached the target 2% — opening stopped"),
    ("min_margin_level", context({"min_margin_level_pct": 200},
                                 slave=slave_view(account=account(equity=1_000, margin=600))),
     "EURUSD.m: margin level 167% below the minimum 200% — copy denied"),
    ("max_signal_age", context({"max_signal_age_ms": 1_000}, time_ms=NOW - 1_001),
     "EURUSD.m: signal is 1,001 ms old, limit 1,000 ms — copy skipped"),
    ("trading_days", context({"trading_days": (0, 2, 3, 4)}),
     "EURUSD.m: Tuesday (broker time (UTC+00:00)) is not a trading day for this link — copy "
     "skipped"),
    ("trading_hours", context({"trading_hours": (8 * 60, 17 * 60)}),
     "EURUSD.m: 22:13 broker time (UTC+00:00) is outside trading hours 08:00–17:00 — copy "
     "skipped"),
    ("trading_hours", context({"trading_hours": (23 * 60, 6 * 60)}),
     "EURUSD.m: 22:13 broker time (UTC+00:00) is outside trading hours 23:00–06:00 — copy "
     "skipped"),
    ("max_orders_per_minute", context({"max_orders_per_minute": 2},
                                      slave=slave_view(recent_order_times_ms=(NOW - 2_000, NOW))),
     "EURUSD.m: 2 orders sent in the last minute, limit 2 — copy denied"),
    ("max_lot_per_order", context({"max_lot_per_order": 1.0}, volume=1.01),
     "EURUSD.m: lot 1.01 above max lot per order 1.00 — copy denied"),
    ("max_open_positions", context({"max_open_positions": 2},
                                   slave=slave_view(positions=(position(1, 0.1),
                                                               position(2, 0.1)))),
     "EURUSD.m: 2 positions open, limit 2 — copy denied"),
    ("max_volume_per_symbol", context({"max_volume_per_symbol": 2.0}, volume=0.5,
                                      slave=slave_view(positions=(position(1, 1.995),))),
     "EURUSD.m: 1.995 lots held, max 2.00 per symbol, no room for 0.50 — copy denied"),
    ("max_deviation", context({"max_deviation_points": 10}, price=1.10000,
                              slave=slave_view(quotes={"EURUSD.m": quote(ask=1.10015)})),
     "EURUSD.m: slave price 1.10015 is 15 points from the master's fill 1.10000, limit 10 — "
     "copy denied"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("ctx", "rule", "reason"),
    [(c, rule, reason) for rule, c, reason in DENIED],
    ids=[f"{rule}-{i}" for i, (rule, _, _) in enumerate(DENIED)],
)
def test_copy_outside_a_limit_is_denied_with_a_reason(
    ctx: OpenContext, rule: str, reason: str
) -> None:
    assert check_protection(ctx) == Denial(rule, reason)


def test_volume_per_symbol_clamps_to_the_room_left() -> None:
    ctx = context(
        {"max_volume_per_symbol": 2.0},
        volume=1.5,
        slave=slave_view(positions=(position(1, 0.7), position(2, 0.55, side=Side.SELL))),
    )

    result = check_protection(ctx)

    assert isinstance(result, Protected)
    assert result.volume == 0.75
    assert result.clamps == (
        Clamp(
            0.75,
            "max_volume_per_symbol",
            "EURUSD.m: 1.25 lots held, max 2.00 per symbol: lot 1.50 reduced to 0.75",
        ),
    )


def test_volume_per_symbol_on_netting_lets_a_reducing_deal_through() -> None:
    netting = slave_view(
        account=account(margin_mode=MarginMode.NETTING), positions=(position(1, 2.0),)
    )
    ctx = context({"max_volume_per_symbol": 2.0}, side=Side.SELL, volume=3.0, slave=netting)

    assert max_volume_per_symbol(ctx) is None  # buy 2.0 → sell 1.0


def test_deviation_on_a_reversed_sell_is_measured_at_the_slave_bid() -> None:
    slave = slave_view(quotes={"EURUSD.m": quote(bid=1.09990, ask=1.10000)})
    ctx = context({"max_deviation_points": 5}, side=Side.SELL, price=1.10000, slave=slave)

    denial = max_deviation(ctx)

    assert denial is not None
    assert "slave price 1.09990 is 10 points" in denial.reason


def test_pending_placement_skips_position_and_price_rules() -> None:
    slave = slave_view(positions=(position(1, 5.0),), quotes={"EURUSD.m": quote(ask=1.2)})
    rules = {"max_open_positions": 1, "max_volume_per_symbol": 1.0, "max_deviation_points": 1}

    assert check_protection(context(rules, slave=slave, is_pending=True)) == Protected(1.0)


@pytest.mark.parametrize(
    ("action", "is_pending", "expected"),
    [
        (DrawdownAction.STOP_OPENING, False, "opening stopped"),
        (DrawdownAction.STOP_OPENING, True, None),
        (DrawdownAction.CLOSE_ONLY, False, "link is close-only"),
        (DrawdownAction.CLOSE_ONLY, True, "link is close-only"),
        (DrawdownAction.CLOSE_ALL, False, "closing all copies"),
        (DrawdownAction.CLOSE_ALL, True, "closing all copies"),
    ],
)
def test_drawdown_action_decides_what_a_risk_stop_refuses(
    action: DrawdownAction, is_pending: bool, expected: str | None
) -> None:
    rules = {"max_drawdown_pct": 5, "drawdown_action": action}
    ctx = context(rules, slave=equity_slave(9_000, equity_peak_day=10_000), is_pending=is_pending)

    result = check_protection(ctx)

    if expected is None:
        assert isinstance(result, Protected)
    else:
        assert isinstance(result, Denial)
        assert result.reason.endswith(expected)
        assert result.close_all is (action is DrawdownAction.CLOSE_ALL)


def test_risk_stop_is_callable_without_an_order() -> None:
    rules = LinkRules(max_daily_loss_money=100, drawdown_action=DrawdownAction.CLOSE_ALL)
    slave = equity_slave(9_850, day_start_equity=10_000)

    stop = risk_stop(rules, slave)

    assert stop == Denial(
        "max_daily_loss", "daily loss 150.00 reached the limit 100.00 — closing all copies", True
    )
    assert risk_stop(rules, structs.replace(slave, day_start_equity=9_900)) is None


def test_first_refusal_in_the_documented_order_wins() -> None:
    ctx = context({"equity_floor": 20_000, "max_lot_per_order": 0.5}, slave=equity_slave(10_000))

    result = check_protection(ctx)

    assert isinstance(result, Denial)
    assert result.rule == "equity_floor"
