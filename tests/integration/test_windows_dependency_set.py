"""The Windows dependency set — MetaTrader5 included — must resolve as win_amd64 wheels.

This runs the real check (``scripts/check_windows_deps.py``: ``pip install --dry-run --platform
win_amd64``), so CI proves on every run that a Windows build can install what the app needs.
Set TRADECOPIER_OFFLINE=1 to skip it where no package index can be reached.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.timeout(600)
@pytest.mark.skipif(os.environ.get("TRADECOPIER_OFFLINE") == "1", reason="offline by request")
def test_every_runtime_requirement_resolves_for_windows() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "check_windows_deps.py")],
        cwd=ROOT, capture_output=True, text=True, timeout=580,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "MetaTrader5" in result.stdout


@pytest.mark.slow
@pytest.mark.timeout(300)
@pytest.mark.skipif(os.environ.get("TRADECOPIER_OFFLINE") == "1", reason="offline by request")
def test_a_requirement_with_no_windows_wheel_is_named_and_fails_the_check(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\nname = "x"\nversion = "0"\n'
                         'dependencies = ["msgspec>=0.19", "uvloop"]\n', encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "check_windows_deps.py"), "--pyproject",
         str(pyproject)], capture_output=True, text=True, timeout=280,
    )

    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert any(line.startswith("FAIL uvloop") for line in lines)
    assert any(line.startswith("ok   msgspec") and "win_amd64" in line for line in lines)
