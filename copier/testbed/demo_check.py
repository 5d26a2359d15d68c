"""The demo's end check of one slave: its reconciliation, with copies its own stops closed told
apart from copies really lost.

A copy's stops are placed by distance from the slave's own fill, and brokers quote different
spreads, so a slave's take-profit (or stop-loss) can be hit while its master's is not. The copy
is then gone while the master still holds its trade. Reconciliation reports it missing, and
rightly so: the product tells the trader. But on live markets it is ordinary, not a fault of the
copier, so the demo counts it apart (``stopped``) — known from the slave terminal's own deal
history: a deal of that position with reason ``DEAL_REASON_SL`` or ``DEAL_REASON_TP``
(ENUM_DEAL_REASON, https://www.mql5.com/en/docs/constants/tradingconstants/dealproperties). A
missing copy without such a deal stays a mismatch, as does every other difference.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from copier.engine.reconcile import ReconcileReport
from copier.engine.state import TicketLink
from copier.testbed.broker.records import TradeReason
from copier.ticket_ledger import describe_report

_STOP_WORDS = {TradeReason.SL: "stop-loss", TradeReason.TP: "take-profit"}


def stop_closes(deals: Iterable[Any]) -> dict[int, str]:
    """Position id → "stop-loss" or "take-profit" for every position a deal closed by its own
    stop. ``deals`` are a terminal's history deals, anything with ``reason`` and
    ``position_id`` (the simulated broker's ``SimDeal``, the MT5 stand-in's ``TradeDeal``)."""
    closed: dict[int, str] = {}
    for deal in deals:
        if deal.reason in _STOP_WORDS:
            closed[deal.position_id] = _STOP_WORDS[TradeReason(deal.reason)]
    return closed


@dataclass(frozen=True, slots=True)
class SlaveVerdict:
    """One slave at the end of a demo: differences that are faults, and copies its stops closed."""

    mismatches: tuple[str, ...] = ()
    stopped: tuple[str, ...] = ()


def judge(report: ReconcileReport, stopped: Mapping[int, str]) -> SlaveVerdict:
    """Split a slave's reconciliation: a missing position copy whose slave position was closed
    by its own stop (``stopped``, from ``stop_closes``) is not a mismatch; all else is."""
    own_stop = [t for t in report.missing if _stopped(t, stopped)]
    lost = tuple(t for t in report.missing if not _stopped(t, stopped))
    mismatches = tuple(describe_report(replace(report, missing=lost)))
    return SlaveVerdict(mismatches, tuple(_describe(t, stopped) for t in own_stop))


def _stopped(t: TicketLink, stopped: Mapping[int, str]) -> bool:
    return not t.is_pending and t.slave_ticket is not None and t.slave_ticket in stopped


def _describe(t: TicketLink, stopped: Mapping[int, str]) -> str:
    assert t.slave_ticket is not None
    return (f"link {t.link_id}: copy of master #{t.master_ticket} ({t.slave_symbol} "
            f"{t.slave_volume:g}, slave #{t.slave_ticket}) was closed by the slave's own "
            f"{stopped[t.slave_ticket]} while the master still holds its trade")
