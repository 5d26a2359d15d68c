"""What a running copier logs while it runs: connection changes, risk stops (not repeated on every
master event) and failed copies, in words."""

from __future__ import annotations

import logging

import pytest

from copier.domain import Command, CommandKind, ExecutionResult, OrderType, TerminalStatus
from copier.engine.state import CopyDenied
from copier.events import Bus, CopyFailed, CopyWasDenied, TerminalStatusChanged
from copier.run_log import RISK_REPEAT_MS, RunLines


def _lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "copier.run"]


def test_connection_changes_risk_stops_and_failures_are_each_one_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = [1_000_000]
    bus = Bus()
    RunLines(lambda: now[0]).attach(bus)
    denial = CopyDenied(3, "slave", 77, 1, "max_drawdown", "drawdown 12 % above the 10 % limit")
    command = Command("c1", 3, "slave", CommandKind.OPEN, 77, "EURUSD", OrderType.BUY, 0.1)

    with caplog.at_level(logging.INFO, logger="copier.run"):
        bus.publish(TerminalStatusChanged(TerminalStatus("slave", connected=False)))  # never up
        bus.publish(TerminalStatusChanged(TerminalStatus("slave", connected=True)))
        bus.publish(TerminalStatusChanged(TerminalStatus("slave", connected=True, rtt_ms=2.0)))
        bus.publish(TerminalStatusChanged(TerminalStatus("slave", False, detail="EA stopped")))
        for _ in range(3):
            bus.publish(CopyWasDenied(denial))
        now[0] += RISK_REPEAT_MS
        bus.publish(CopyWasDenied(denial))
        bus.publish(CopyFailed(command, ExecutionResult("c1", "slave", 10019, "not enough money")))

    assert _lines(caplog) == [
        "slave connected",
        "slave disconnected: EA stopped",
        "risk stop on link 3 (slave): drawdown 12 % above the 10 % limit",
        "risk stop on link 3 (slave): drawdown 12 % above the 10 % limit",
        "copy failed on slave: not enough money",
    ]
