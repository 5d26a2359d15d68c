"""copier.stats over a hand-made trade log: P&L of copies beside the master's, slippage in points
and money, success rate, denials by reason, per day and in total, per link and per slave."""

from __future__ import annotations

from collections import namedtuple
from datetime import UTC, datetime

from copier.domain import SymbolSpec
from copier.engine.config import Link
from copier.stats import TradeLog, build_stats, day_of

CopyRow = namedtuple(
    "CopyRow",
    "link_id master_id slave_id master_ticket symbol slave_symbol side kind status "
    "filled_volume slave_price slippage_points decided_ms executed_ms",
)
DenialRow = namedtuple("DenialRow", "link_id master_id slave_id rule time_ms")
EventRow = namedtuple(
    "EventRow",
    "account_id kind ticket new_ticket symbol order_type volume closed_volume price decided_ms",
)

DAY1 = int(datetime(2026, 3, 2, 10, tzinfo=UTC).timestamp() * 1000)
DAY2 = DAY1 + 86_400_000
# EURUSD: one point 0.00001 is worth 1 USD per lot (tick value 1 at tick size 0.00001).
EURUSD = SymbolSpec("EURUSD", 5, 0.00001, 100_000, 0.00001, 1.0, 0.01, 100, 0.01)
SPECS = {"M": {"EURUSD": EURUSD}, "S": {"EURUSD": EURUSD}}
LINKS = [Link(1, "M", "S", name="main")]


def _copy(kind: str, side: str, volume: float, price: float, at: int, *, ticket: int = 100,
          status: str = "executed", slippage: float | None = 0.0) -> CopyRow:
    return CopyRow(1, "M", "S", ticket, "EURUSD", "EURUSD", side, kind, status, volume, price,
                   slippage, at, at + 5)


def _event(kind: str, volume: float, price: float, at: int, *, closed: float = 0.0,
           ticket: int = 100, new_ticket: int | None = None) -> EventRow:
    return EventRow("M", kind, ticket, new_ticket, "EURUSD", "buy", volume, closed, price, at)


def test_pnl_of_copies_is_realised_close_by_close_beside_the_masters() -> None:
    log = TradeLog(
        copies=[
            _copy("open", "buy", 1.0, 1.10000, DAY1, slippage=2.0),
            _copy("close", "buy", 0.5, 1.10100, DAY1 + 1000),
            _copy("close", "buy", 0.5, 1.10050, DAY2),
        ],
        denials=[],
        events=[
            _event("opened", 1.0, 1.09990, DAY1),
            _event("partially_closed", 0.5, 1.10110, DAY1 + 1000, closed=0.5),
            _event("closed", 0.0, 1.10060, DAY2, closed=0.5),
        ],
    )

    stats = build_stats(log, LINKS, SPECS, now_ms=DAY2)

    link = stats["links"][0]
    # copies: 0.5 lot × 100 points + 0.5 lot × 50 points = 75 USD
    assert link["total"]["pnl"] == 75.0
    # master: 0.5 × 120 points + 0.5 × 70 points = 95 USD
    assert link["total"]["master_pnl"] == 95.0
    assert link["days"][day_of(DAY1)]["pnl"] == 50.0
    assert link["days"][day_of(DAY2)]["master_pnl"] == 35.0
    # 2 points of slippage on 1 lot of EURUSD cost 2 USD
    assert link["total"]["slippage_points"] == 2.0
    assert link["total"]["slippage_money"] == 2.0
    assert link["total"]["volume_copied"] == 1.0
    assert stats["total"]["pnl"] == 75.0


def test_success_rate_counts_finished_copies_only_and_denials_group_by_rule() -> None:
    log = TradeLog(
        copies=[
            _copy("open", "buy", 1.0, 1.1, DAY1, ticket=1),
            _copy("open", "sell", 0.0, 0.0, DAY1, ticket=2, status="failed", slippage=None),
            _copy("open", "buy", 0.0, 0.0, DAY1, ticket=3, status="sent", slippage=None),
        ],
        denials=[
            DenialRow(1, "M", "S", "max_lot_per_order", DAY1),
            DenialRow(1, "M", "S", "max_lot_per_order", DAY2),
            DenialRow(1, "M", "S", "symbol_map", DAY2),
        ],
        events=[],
    )

    stats = build_stats(log, LINKS, SPECS, now_ms=DAY2)

    total = stats["links"][0]["total"]
    assert (total["copies"], total["executed"], total["failed"], total["in_flight"]) == (3, 1, 1, 1)
    assert total["success_rate"] == 0.5
    assert total["denials_by_rule"] == {"max_lot_per_order": 2, "symbol_map": 1}
    assert stats["links"][0]["days"][day_of(DAY2)]["denials"] == 2
    assert stats["slaves"][0]["slave_id"] == "S"
    assert stats["slaves"][0]["total"]["denials"] == 3
    assert list(stats["days"]) == [day_of(DAY1), day_of(DAY2)]


def test_money_without_a_symbol_spec_is_counted_unpriced_not_guessed() -> None:
    log = TradeLog(
        copies=[
            _copy("open", "buy", 1.0, 1.10000, DAY1),
            _copy("close", "buy", 1.0, 1.10100, DAY1 + 1000),
        ],
        denials=[],
        events=[],
    )

    stats = build_stats(log, LINKS, specs=None, now_ms=DAY1)

    total = stats["links"][0]["total"]
    assert total["pnl"] == 0.0
    assert total["unpriced"] == 1


def test_renumbered_master_remainder_closes_against_the_original_open() -> None:
    log = TradeLog(
        copies=[
            _copy("open", "buy", 1.0, 1.10000, DAY1, ticket=100),
            _copy("close", "buy", 0.5, 1.10100, DAY1 + 1, ticket=100),
            _copy("close", "buy", 0.5, 1.10200, DAY1 + 2, ticket=101),  # MT4 remainder ticket
        ],
        denials=[],
        events=[
            _event("opened", 1.0, 1.10000, DAY1, ticket=100),
            _event("partially_closed", 0.5, 1.10100, DAY1 + 1, closed=0.5, ticket=100,
                   new_ticket=101),
            _event("closed", 0.0, 1.10200, DAY1 + 2, closed=0.5, ticket=101),
        ],
    )

    stats = build_stats(log, LINKS, SPECS, now_ms=DAY1)

    total = stats["links"][0]["total"]
    assert total["pnl"] == 150.0  # 0.5 × 100 + 0.5 × 200 points
    assert total["master_pnl"] == 150.0


def test_a_master_trade_the_link_never_copied_is_not_in_its_master_pnl() -> None:
    log = TradeLog(
        copies=[],
        denials=[],
        events=[
            _event("opened", 1.0, 1.10000, DAY1, ticket=7),
            _event("closed", 0.0, 1.10500, DAY1 + 1, closed=1.0, ticket=7),
        ],
    )

    stats = build_stats(log, LINKS, SPECS, now_ms=DAY1)

    assert stats["links"][0]["total"]["master_pnl"] == 0.0
