"""scripts/windows_smoke.py, whose checks the windows workflow runs against the built bundle: here
they run against the same entry point unfrozen (``python installer/launch.py``), so the script's
own logic is proved before a Windows runner depends on it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.packaging.conftest import ROOT, load_script

smoke = load_script("windows_smoke")
PROGRAM = [sys.executable, str(ROOT / "installer" / "launch.py")]


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_the_frozen_worker_check_copies_through_mt5_worker_processes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = smoke.main(["frozen-worker", "--program", *PROGRAM])

    out = capsys.readouterr().out
    assert code == 0, out
    assert "frozen-worker: ok" in out and "copies executed through the worker processes" in out


def test_a_program_that_fails_fails_the_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    failing = tmp_path / "fails.py"
    failing.write_text("raise SystemExit(3)\n", encoding="utf-8")

    code = smoke.main(["frozen-worker", "--program", sys.executable, str(failing)])

    assert code == 1 and "frozen-worker: FAILED — exit 3" in capsys.readouterr().out


def test_no_leftover_process_is_found_when_none_runs(capsys: pytest.CaptureFixture[str]) -> None:
    assert smoke.main(["leftovers"]) == 0
    assert "no TradeCopier process left" in capsys.readouterr().out


@pytest.mark.windows_only(reason="Credential Manager is the key store under test")
def test_the_key_store_round_trip_works_on_windows(capsys: pytest.CaptureFixture[str]) -> None:
    assert smoke.main(["keyring"]) == 0, capsys.readouterr().out
