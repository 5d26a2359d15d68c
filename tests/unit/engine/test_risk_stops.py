"""Risk stops outside an order: the trading clock (broker time) they count days in, the daily
profit target, and a stop in force refusing copies whatever the equity does next."""

from __future__ import annotations

from typing import Any

import pytest

from copier.domain import EventKind, OrderType
from copier.engine.config import DrawdownAction, LinkRules
from copier.engine.protection import risk_breach
from copier.engine.router import route
from copier.engine.state import RiskStop
from copier.engine.tradingday import TradingClock

from .builders import NOW, account, event, link, master_view, slave_view

HOUR = 3_600_000


def test_the_trading_day_turns_at_the_brokers_day_start() -> None:
    # NOW is 22:13 UTC on a Tuesday: 00:13 Wednesday on a UTC+2 server.
    utc, broker = TradingClock(), TradingClock(utc_offset_minutes=120)
    new_york_close = TradingClock(utc_offset_minutes=120, day_start_minute=17 * 60)

    assert broker.trading_day(NOW) == utc.trading_day(NOW) + 1
    assert broker.trading_day(NOW - 14 * 60_000) == utc.trading_day(NOW)  # 23:59 server time
    assert broker.minute_of_day(NOW) == 13 and broker.weekday(NOW) == 2
    assert new_york_close.trading_day(NOW) == new_york_close.trading_day(NOW - 6 * HOUR)
    assert new_york_close.trading_day(NOW) != new_york_close.trading_day(NOW - 8 * HOUR)
    assert broker.name == "broker time (UTC+02:00)"
    assert TradingClock(utc_offset_minutes=-210).name == "broker time (UTC-03:30)"


def test_a_clock_that_cannot_be_is_refused_with_a_sentence() -> None:
    with pytest.raises(ValueError, match="between UTC-14:00 and UTC\\+14:00"):
        TradingClock(utc_offset_minutes=15 * 60)


def test_trading_hours_read_the_brokers_clock() -> None:
    slave = slave_view(clock=TradingClock(utc_offset_minutes=120))
    ev = event(EventKind.OPENED)

    outcome = route(ev, link(trading_hours=(8 * 60, 17 * 60)), {}, master_view(), slave, NOW)

    assert outcome.denials[0].reason == (
        "EURUSD.m: 00:13 broker time (UTC+02:00) is outside trading hours 08:00–17:00 — copy "
        "skipped"
    )


@pytest.mark.parametrize(
    ("rules", "equity", "expected"),
    [
        ({"daily_profit_target_pct": 3}, 10_300,
         ("daily_profit_target", "daily profit 3.0% reached the target 3%",
          DrawdownAction.STOP_OPENING)),
        ({"daily_profit_target_money": 250, "profit_target_action": "close_all"}, 10_250,
         ("daily_profit_target", "daily profit 250.00 reached the target 250.00",
          DrawdownAction.CLOSE_ALL)),
        ({"equity_floor": 9_000, "drawdown_action": "close_only"}, 8_999,
         ("equity_floor", "equity 8,999.00 is at or below the floor 9,000.00",
          DrawdownAction.CLOSE_ONLY)),
        ({"daily_profit_target_pct": 3, "max_daily_loss_pct": 5}, 10_299, None),
    ],
)  # fmt: skip
def test_risk_breach_names_the_rule_the_reason_and_the_action(
    rules: dict[str, Any], equity: float, expected: tuple[str, str, DrawdownAction] | None
) -> None:
    slave = slave_view(account=account(equity=equity), day_start_equity=10_000)

    assert risk_breach(LinkRules.from_dict(rules), slave) == expected


def test_a_stop_in_force_refuses_opens_even_after_the_equity_came_back() -> None:
    stop = RiskStop(7, "max_daily_loss", "daily loss 600.00 reached the limit 500.00",
                    DrawdownAction.CLOSE_ONLY, 19_675, NOW - HOUR)  # fmt: skip
    recovered = slave_view(day_start_equity=10_000, risk_stops={7: stop})  # equity 10,000
    ev = event(EventKind.PENDING_PLACED, order_type=OrderType.BUY_LIMIT, price=1.09)

    outcome = route(ev, link(max_daily_loss_money=500), {}, master_view(), recovered, NOW)

    assert outcome.commands == ()
    assert [(d.rule, d.reason) for d in outcome.denials] == [(
        "max_daily_loss",
        "EURUSD.m: daily loss 600.00 reached the limit 500.00 — link is close-only",
    )]  # fmt: skip
    assert RiskStop.from_dict(stop.to_dict()) == stop
