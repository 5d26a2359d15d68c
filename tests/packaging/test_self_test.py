"""``copier --self-test``: the demo window offscreen copies a trade and the process exits 0; when
nothing is copied in time it exits non-zero and says what it was waiting for."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.packaging.conftest import ROOT


def _run(args: list[str], tmp_path: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT),
           "TRADECOPIER_CONFIG_DIR": str(tmp_path / "config"), **extra}
    return subprocess.run([sys.executable, *args], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=100)


@pytest.mark.timeout(120)
def test_the_self_test_copies_one_trade_and_exits_zero(tmp_path: Path) -> None:
    done = _run(["-m", "copier.cli", "--self-test"], tmp_path)

    assert done.returncode == 0, done.stderr[-2000:]
    assert "self-test passed" in done.stderr
    assert "lots copied to" in done.stderr


@pytest.mark.timeout(120)
def test_the_self_test_fails_with_its_reason_when_no_copy_arrives_in_time(tmp_path: Path) -> None:
    code = "from copier.ui.selftest import run_self_test; raise SystemExit(run_self_test(0.0))"

    done = _run(["-c", code], tmp_path)

    assert done.returncode == 1
    assert "self-test failed: waited 0 s for" in done.stderr


@pytest.mark.timeout(120)
def test_the_self_test_leaves_the_callers_data_folder_untouched(tmp_path: Path) -> None:
    data = tmp_path / "user-data"

    done = _run(["-m", "copier.cli", "--self-test"], tmp_path, TRADECOPIER_DATA_DIR=str(data))

    assert done.returncode == 0, done.stderr[-2000:]
    assert not data.exists()
