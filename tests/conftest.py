"""Test-wide settings: Qt runs offscreen, hypothesis stays within the suite's time budget, and
the platform markers: ``posix_only(reason=...)`` tests are skipped on Windows and
``windows_only(reason=...)`` tests everywhere else, each with its reason in the report (a marker
without a reason is refused). Whole folders that need POSIX are listed in ``POSIX_ONLY_FOLDERS``."""

from __future__ import annotations

import inspect
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
# pytest-xdist the controller, which collects no test folder's conftest, prints them too. The
# xdist_group markers set below keep their tests in one worker (tests/distribute.py).
pytest_plugins = ["tests.perf", "tests.fault.tally", "tests.distribute"]

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


# The xdist_groups of the tests that need a QApplication and of the timed tests (below).
QT_GROUP = "qt"
PERF_GROUP = "perf"
# Under pytest-xdist the Qt group is sent out while these folders' tests, many short ones, are
# still queued: the other worker runs them meanwhile (the Qt group's worker takes nothing after
# it), instead of waiting idle at the end of the run for the Qt group to finish.
QT_SENT_BEFORE = ("unit", "windows")


def needs_qt(item: pytest.Item) -> bool:
    """The window's tests, and any other test that takes pytest-qt's application."""
    in_ui = item.path.is_relative_to(TESTS / "ui")
    return in_ui or "qapp" in getattr(item, "fixturenames", ())


def _shared_fixtures(item: pytest.Item) -> list[str]:
    """The module- and session-scoped fixtures of this suite that ``item`` takes (directly or
    through another fixture), each named so that two modules' fixtures of one name differ."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return []
    names = []
    for name, defs in info.name2fixturedefs.items():
        fixturedef = defs[-1]
        if fixturedef.scope not in ("module", "session"):
            continue
        source = inspect.getsourcefile(fixturedef.func)
        if source is None or not Path(source).resolve().is_relative_to(TESTS):
            continue  # pytest's, pytest-qt's...: cheap, or the Qt group's
        names.append(f"{Path(source).resolve().relative_to(TESTS).as_posix()}::{name}")
    return names


def shared_setup_groups(items: list[pytest.Item]) -> dict[int, str]:
    """``id(item)`` → a group name, for the tests that share a costly module- or session-scoped
    fixture of the suite (the EAs compiled once, a demo run once for a module's checks): under
    pytest-xdist each group runs in one worker, which builds the fixture once instead of every
    worker building it again. Tests sharing any such fixture are one group."""
    parent: dict[str, str] = {}

    def root(name: str) -> str:
        while parent.setdefault(name, name) != name:
            name = parent[name]
        return name

    taken = {id(item): _shared_fixtures(item) for item in items}
    for names in taken.values():
        for name in names:
            parent[root(name)] = root(names[0])
    first = {}  # each set of fixtures named by the first of them in sorted order
    for name in sorted(parent):
        first.setdefault(root(name), name)
    return {key: first[root(names[0])] for key, names in taken.items() if names}


def pytest_configure(config: pytest.Config) -> None:
    # pytest-xdist registers it too; here so that a run without it knows the marker as well.
    config.addinivalue_line("markers", "xdist_group(name): tests run by one worker process")


# tryfirst: the hooks that read the xdist_group markers set here run after it.
@pytest.hookimpl(tryfirst=True)
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
    # The tests that need Qt run last: the QApplication they create lives on for the rest of the
    # session and pytest-qt processes its events after every later test, so Qt objects a window
    # test left behind were being handled in the middle of unrelated tests (and, in one run, an
    # interpreter crash in the bridge's unit tests after the window's tests had finished). Under
    # pytest-xdist they are one group, run by one worker process after all its other tests.
    # The perf tests run one after another in one worker, not beside each other; tests that
    # share a costly fixture are kept together likewise (shared_setup_groups).
    qt = {id(item) for item in items if needs_qt(item)}
    perf = {id(item) for item in items if item.get_closest_marker("perf") is not None}
    shared = shared_setup_groups([item for item in items if id(item) not in qt | perf])
    for item in items:
        if id(item) in qt:
            item.add_marker(pytest.mark.xdist_group(QT_GROUP, last=True))
            continue
        group = PERF_GROUP if id(item) in perf else shared.get(id(item))
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))
    if getattr(config.option, "loadgroup", False):  # a pytest-xdist worker under loadgroup

        def place(item: pytest.Item) -> int:
            if id(item) in qt:
                return 1
            parts = item.path.relative_to(TESTS).parts if item.path.is_relative_to(TESTS) else ()
            return 2 if parts and parts[0] in QT_SENT_BEFORE else 0

        items.sort(key=place)
    else:
        items.sort(key=lambda item: id(item) in qt)
