"""Fault suite settings: its marker. What the suite tried and checked is summed up at the end of
the run by tests/fault/tally.py."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "heavy: long fault or fuzz runs, only when TC_HEAVY=1 (scripts/fault_heavy.sh)"
    )
