"""The demo's end check of a slave: only a missing position copy whose own SL/TP deal closed it is
set apart; every other difference stays a mismatch."""

from __future__ import annotations

from types import SimpleNamespace

from copier.domain import Side
from copier.engine.reconcile import ReconcileReport
from copier.engine.state import TicketLink, TicketState
from copier.testbed.broker.records import TradeReason
from copier.testbed.demo_check import judge, stop_closes


def _copy(master: int, slave: int, *, pending: bool = False) -> TicketLink:
    return TicketLink(3, master, "US30", Side.BUY, TicketState.OPEN, slave_ticket=slave,
                      slave_volume=0.1, is_pending=pending)


def _deal(position: int, reason: int) -> SimpleNamespace:
    return SimpleNamespace(position_id=position, reason=reason)


def test_stop_closes_names_the_positions_closed_by_their_own_sl_or_tp() -> None:
    deals = [_deal(11, TradeReason.EXPERT), _deal(12, 4), _deal(13, 5), _deal(14, TradeReason.SO)]

    assert stop_closes(deals) == {12: "stop-loss", 13: "take-profit"}


def test_a_missing_copy_closed_by_its_own_stop_is_set_apart_and_the_rest_stays() -> None:
    report = ReconcileReport(missing=(_copy(1, 101), _copy(2, 102), _copy(3, 103, pending=True)))

    verdict = judge(report, {101: "take-profit", 103: "stop-loss"})

    assert len(verdict.stopped) == 1
    assert "master #1" in verdict.stopped[0] and "take-profit" in verdict.stopped[0]
    assert len(verdict.mismatches) == 2  # no stop deal for #102; a pending order has no stops
    assert any("master #2" in line for line in verdict.mismatches)
    assert any("master #3" in line for line in verdict.mismatches)


def test_other_differences_are_mismatches_whatever_the_stops_did() -> None:
    report = ReconcileReport(stale=(_copy(4, 104),), adoptable=(_copy(5, 105),))

    verdict = judge(report, {104: "stop-loss", 105: "take-profit"})

    assert verdict.stopped == ()
    assert len(verdict.mismatches) == 2
