"""Fault suite settings: its marker, and the summary line of what it tried and checked."""

from __future__ import annotations

import pytest

from tests.fault.tally import TALLY


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "heavy: long fault or fuzz runs, only when TC_HEAVY=1 (scripts/fault_heavy.sh)"
    )


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if TALLY.events or TALLY.kill_points:
        terminalreporter.write_sep("=", TALLY.fault_line())
        for line in TALLY.crash_lines():
            terminalreporter.write_line(line)
