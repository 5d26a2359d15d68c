"""The executable as a trader double-clicks it: ``TradeCopier.exe`` is windowed (build.spec,
``console=False``), so Python starts it with ``sys.stdout`` and ``sys.stderr`` set to None
(https://docs.python.org/3/library/sys.html#sys.__stderr__). Each test runs the frozen entry
point (installer/launch.py) in a fresh interpreter with both set to None before it starts, and
looks for what the trader would find: the log file, and no traceback anywhere else."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from copier.domain import Platform
from copier.logfile import CRASH_MESSAGE, log_path
from copier.store import AccountRecord, Store
from tests.packaging.conftest import ROOT

LAUNCH = ROOT / "installer" / "launch.py"
# The stand-in for the bootloader of a windowed build: no stdio, then the entry script as __main__.
WINDOWED = """
import runpy, sys
sys.stdout = sys.stderr = None
sys.argv = ["TradeCopier.exe", *sys.argv[1:]]
{before}
runpy.run_path({launch!r}, run_name="__main__")
"""


def run_windowed(
    data: Path, *args: str, before: str = "", timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    code = WINDOWED.format(launch=str(LAUNCH), before=before)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TRADECOPIER_DATA_DIR": str(data),
           "TRADECOPIER_CONFIG_DIR": str(data.parent / "config"), "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([sys.executable, "-c", code, *args], cwd=data.parent, env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_a_command_without_console_writes_its_start_up_and_its_answer_to_the_log(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"

    done = run_windowed(data, "keys", "list", "424242@Nowhere")

    assert done.returncode == 1  # the store's refusal, as with a console
    assert done.stdout == "" and done.stderr == ""
    text = log_path(data).read_text(encoding="utf-8")
    assert "TradeCopier" in text and "started: keys list 424242@Nowhere" in text
    assert "424242@Nowhere" in text.split("started:", 1)[1]  # the refusal's sentence too
    assert "Traceback" not in text


def test_an_unexpected_error_goes_to_the_log_and_ends_with_code_1_not_a_dialog(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    crash = ("import copier.cli\n"
             "def boom(): raise RuntimeError('disk on fire')\n"
             "copier.cli.main = boom")

    done = run_windowed(data, before=crash)

    # An exception leaving the script is what makes PyInstaller's bootloader show its dialog:
    # here the process ends by SystemExit(1) instead, and the traceback is in the log.
    assert done.returncode == 1
    assert done.stdout == "" and done.stderr == ""
    text = log_path(data).read_text(encoding="utf-8")
    assert CRASH_MESSAGE in text
    assert "Traceback" in text and "RuntimeError: disk on fire" in text


def test_a_new_key_is_never_written_to_the_log_when_there_is_no_console(tmp_path: Path) -> None:
    data = tmp_path / "data"
    account = AccountRecord.new(Platform.MT4, 1001, "Broker-Demo")
    with Store.open(data) as store:
        store.save_account(account)

    done = run_windowed(data, "keys", "create", "1001@Broker-Demo")

    assert done.returncode == 2
    text = log_path(data).read_text(encoding="utf-8")
    assert "tradecopier-cli.exe" in text
    assert "tc1." not in text
    with Store.open(data) as store:
        assert store.list_api_keys(account.id) == []


def test_the_console_companion_prints_a_new_key_and_its_exit_code(tmp_path: Path) -> None:
    """tradecopier-cli.exe runs the same launch.py with a console: the key reaches stdout."""
    data = tmp_path / "data"
    account = AccountRecord.new(Platform.MT4, 1001, "Broker-Demo")
    with Store.open(data) as store:
        store.save_account(account)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    done = subprocess.run(
        [sys.executable, str(LAUNCH), "--data-dir", str(data), "keys", "create", "1001"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().startswith("tc1.")
    assert "shown only once" in done.stderr
    assert done.stdout.strip() not in log_path(data).read_text(encoding="utf-8")


@pytest.mark.slow
@pytest.mark.timeout(150)
def test_the_self_test_without_console_reports_in_the_log(tmp_path: Path) -> None:
    data = tmp_path / "data"

    done = run_windowed(data, "--self-test", timeout=140)

    assert done.returncode == 0, log_path(data).read_text(encoding="utf-8")[-3000:]
    assert done.stdout == "" and done.stderr == ""
    assert "self-test passed" in log_path(data).read_text(encoding="utf-8")
