"""Filters: each one lets a matching master order through and refuses the others with a reason."""

from __future__ import annotations

from typing import Any

import pytest

from copier.domain import EventKind, OrderType
from copier.engine.config import LinkRules
from copier.engine.filters import check_filters

from .builders import event

OPENED = EventKind.OPENED


@pytest.mark.parametrize(
    ("rules", "fields", "lots"),
    [
        ({"symbols_allow": ("EUR*", "GOLD")}, {"symbol": "eurusd"}, 1.0),
        ({"symbols_deny": ("*JPY",)}, {"symbol": "EURUSD"}, 1.0),
        ({"magic_allow": (42,)}, {"magic": 42}, 1.0),
        ({"magic_deny": (13,)}, {"magic": 42}, 1.0),
        ({"comment_pattern": r"^scalp"}, {"comment": "scalp #3"}, 1.0),
        ({"order_types": ("buy", "buy_limit")}, {"order_type": OrderType.BUY_LIMIT}, 1.0),
        ({"direction": "sell"}, {"order_type": OrderType.SELL}, 1.0),
        ({"master_lot_min": 0.1, "master_lot_max": 2.0}, {}, 2.0),
    ],
)
def test_filter_lets_a_matching_order_through(
    rules: dict[str, Any], fields: dict[str, Any], lots: float
) -> None:
    assert check_filters(LinkRules(**rules), event(OPENED, **fields), lots) is None


@pytest.mark.parametrize(
    ("rules", "fields", "lots", "rule", "reason"),
    [
        ({"symbols_allow": ("EUR*",)}, {"symbol": "GBPUSD"}, 1.0, "symbols_allow",
         "GBPUSD: not in the allowed symbols — copy skipped"),
        ({"symbols_deny": ("*JPY",)}, {"symbol": "USDJPY"}, 1.0, "symbols_deny",
         "USDJPY: in the denied symbols — copy skipped"),
        ({"magic_allow": (42,)}, {"magic": 7}, 1.0, "magic_allow",
         "EURUSD: magic 7 is not allowed — copy skipped"),
        ({"magic_deny": (13,)}, {"magic": 13}, 1.0, "magic_deny",
         "EURUSD: magic 13 is denied — copy skipped"),
        ({"comment_pattern": r"^scalp"}, {"comment": "swing"}, 1.0, "comment_pattern",
         "EURUSD: comment 'swing' does not match '^scalp' — copy skipped"),
        ({"order_types": ("buy", "sell")}, {"order_type": OrderType.SELL_STOP}, 1.0,
         "order_types", "EURUSD: sell stop orders are not copied — copy skipped"),
        ({"direction": "buy"}, {"order_type": OrderType.SELL}, 1.0, "direction",
         "EURUSD: only buy orders are copied, this is a sell — copy skipped"),
        ({"master_lot_min": 0.1}, {}, 0.05, "master_lot_range",
         "EURUSD: master lot 0.05 below the filter minimum 0.10 — copy skipped"),
        ({"master_lot_max": 2.0}, {}, 2.5, "master_lot_range",
         "EURUSD: master lot 2.50 above the filter maximum 2.00 — copy skipped"),
    ],
)  # fmt: skip
def test_filter_refuses_a_non_matching_order_with_a_reason(
    rules: dict[str, Any], fields: dict[str, Any], lots: float, rule: str, reason: str
) -> None:
    denial = check_filters(LinkRules(**rules), event(OPENED, **fields), lots)

    assert denial is not None
    assert (denial.rule, denial.reason) == (rule, reason)


def test_first_refusing_filter_in_the_documented_order_is_reported() -> None:
    rules = LinkRules(symbols_deny=("EURUSD",), magic_deny=(13,))

    denial = check_filters(rules, event(OPENED, magic=13), 1.0)

    assert denial is not None
    assert denial.rule == "symbols_deny"
