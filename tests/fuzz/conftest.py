"""Fuzz suite settings: the summary line of how many frames the live bridge was fed."""

from __future__ import annotations

import pytest

from tests.fault.tally import TALLY


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if TALLY.frames_fuzzed:
        terminalreporter.write_sep("=", TALLY.fuzz_line())
