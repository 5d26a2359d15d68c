"""Test-wide settings: Qt runs offscreen, hypothesis stays within the suite's time budget."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# No test may write into the user's real data folder.
os.environ["TRADECOPIER_DATA_DIR"] = tempfile.mkdtemp(prefix="tradecopier-tests-")

from hypothesis import settings

# Timing figures are reported, not failed: see tests/perf.py.
pytest_plugins = ["tests.perf"]

settings.register_profile("ci", max_examples=200, deadline=None)
settings.register_profile("dev", max_examples=100, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
