"""Test-wide settings: Qt runs offscreen, hypothesis stays within the suite's time budget, and
the platform markers: ``posix_only(reason=...)`` tests are skipped on Windows and
``windows_only(reason=...)`` tests everywhere else, each with its reason in the report (a marker
without a reason is refused). Whole folders that need POSIX are listed in ``POSIX_ONLY_FOLDERS``."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# No test may write into the user's real data folder.
os.environ["TRADECOPIER_DATA_DIR"] = tempfile.mkdtemp(prefix="tradecopier-tests-")

import pytest
from hypothesis import settings

# Timing figures are reported, not failed (tests/perf.py); the fault and fuzz suites' tally is
# printed at the end (tests/fault/tally.py). Both are plugins of the whole run, so that under
# pytest-xdist the controller, which collects no test folder's conftest, prints them too.
pytest_plugins = ["tests.perf", "tests.fault.tally"]

settings.register_profile("ci", max_examples=200, deadline=None)
settings.register_profile("dev", max_examples=100, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


TESTS = Path(__file__).resolve().parent
POSIX_ONLY_FOLDERS = {
    "ea": "the EA harness builds the EAs with g++ against net_posix.cpp and freezes terminals with "
          "SIGSTOP/SIGCONT; on Windows the release workflow compiles the EAs with MetaEditor",
}


def _reason(item: pytest.Item, marker: pytest.Mark) -> str:
    reason = marker.kwargs.get("reason") or (marker.args[0] if marker.args else "")
    if not reason:
        raise pytest.UsageError(f"{item.nodeid}: @pytest.mark.{marker.name} needs reason=...")
    return str(reason)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    windows = sys.platform == "win32"
    for item in items:
        parts = item.path.relative_to(TESTS).parts if item.path.is_relative_to(TESTS) else ()
        folder_reason = POSIX_ONLY_FOLDERS.get(parts[0]) if len(parts) > 1 else None
        if folder_reason is not None and item.get_closest_marker("posix_only") is None:
            item.add_marker(pytest.mark.posix_only(reason=folder_reason))
        posix_only = item.get_closest_marker("posix_only")
        if posix_only is not None:
            reason = _reason(item, posix_only)
            if windows:
                item.add_marker(pytest.mark.skip(reason=f"POSIX only: {reason}"))
        windows_only = item.get_closest_marker("windows_only")
        if windows_only is not None:
            reason = _reason(item, windows_only)
            if not windows:
                item.add_marker(pytest.mark.skip(reason=f"Windows only: {reason}"))
    # The window's tests run last: the QApplication they create lives on for the rest of the
    # session and pytest-qt processes its events after every later test, so Qt objects a window
    # test left behind were being handled in the middle of unrelated tests (and, in one run, an
    # interpreter crash in the bridge's unit tests after the window's tests had finished).
    items.sort(key=lambda item: item.path.is_relative_to(TESTS / "ui"))
