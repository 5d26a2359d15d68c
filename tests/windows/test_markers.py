"""The platform markers of tests/conftest.py: each becomes a skip with its reason on the other
platform, whole POSIX-only folders are marked, and a marker without a reason is refused. The hook
is called on this very test's item with ``sys.platform`` set to the platform under test."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests import conftest
from tests.packaging.conftest import ROOT


def skip_reasons(item: pytest.Item) -> list[str]:
    return [str(mark.kwargs["reason"]) for mark in item.iter_markers("skip")]


@pytest.mark.posix_only(reason="checked by this test")
def test_posix_only_becomes_a_skip_with_its_reason_on_windows(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "platform", "win32")
    conftest.pytest_collection_modifyitems(request.config, [request.node])

    assert skip_reasons(request.node) == ["POSIX only: checked by this test"]


def test_windows_only_becomes_a_skip_with_its_reason_elsewhere(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    request.node.add_marker(pytest.mark.windows_only(reason="Ctrl+Break"))
    monkeypatch.setattr(sys, "platform", "linux")
    conftest.pytest_collection_modifyitems(request.config, [request.node])

    assert skip_reasons(request.node) == ["Windows only: Ctrl+Break"]


def test_on_its_own_platform_a_marked_test_runs(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    request.node.add_marker(pytest.mark.windows_only(reason="the registry"))
    monkeypatch.setattr(sys, "platform", "win32")
    conftest.pytest_collection_modifyitems(request.config, [request.node])

    assert skip_reasons(request.node) == []


def test_a_marker_without_a_reason_is_refused(
    request: pytest.FixtureRequest,
) -> None:
    request.node.add_marker(pytest.mark.posix_only)

    with pytest.raises(pytest.UsageError, match="needs reason"):
        conftest.pytest_collection_modifyitems(request.config, [request.node])


def test_every_test_under_tests_ea_is_posix_only() -> None:
    """Collected in a pytest of its own: selecting by the marker keeps all of tests/ea or none."""

    def collected(expression: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
             "-m", expression, "tests/ea/test_gate.py"],
            cwd=ROOT, capture_output=True, text=True, timeout=120)
        return done.stdout

    assert "test_gate.py::" in collected("posix_only")
    assert "test_gate.py::" not in collected("not posix_only")
