"""The MT5 worker keeps its own log in the data folder. A worker of the windowed exe is a spawn
child of a process without a console: Python gives it ``sys.stdout``/``sys.stderr`` of ``None``
(https://docs.python.org/3/library/sys.html#sys.__stderr__), so its log file is the only place
its start, its losses and its tracebacks can be read. Here the worker entry runs in a spawned
process whose standard streams are set to ``None`` first, as in the frozen build."""

from __future__ import annotations

import multiprocessing
import sys
from multiprocessing.connection import Connection
from pathlib import Path

import pytest

from copier.terminals.mt5 import Mt5Config
from copier.terminals.mt5.protocol import Connected, StopWorker
from copier.terminals.mt5.worker import run_worker
from copier.terminals.mt5.workerlog import worker_log_name
from copier.testbed.mt5standin.backend import StandIn
from copier.testbed.mt5standin.profiles import TerminalProfile

pytestmark = pytest.mark.timeout(60)

PROFILE = TerminalProfile(path="C:/MT5/logged", login=7002, server="Sim-Demo")


def config(log_dir: str, account_id: str = "") -> Mt5Config:
    return Mt5Config(path=PROFILE.path, login=PROFILE.login, server=PROFILE.server,
                     symbols=("EURUSD",), backend=StandIn(profile=PROFILE), account_id=account_id,
                     log_dir=log_dir)


def _worker_without_stdio(cfg: Mt5Config, inbox: Connection, outbox: Connection) -> None:
    sys.stdout = None  # type: ignore[assignment]
    sys.stderr = None  # type: ignore[assignment]
    run_worker(cfg, None, inbox, outbox)


def run_until_connected_then_stop(cfg: Mt5Config) -> int | None:
    context = multiprocessing.get_context("spawn")
    to_worker_r, to_worker_w = context.Pipe(duplex=False)
    from_worker_r, from_worker_w = context.Pipe(duplex=False)
    process = context.Process(target=_worker_without_stdio,
                              args=(cfg, to_worker_r, from_worker_w))
    process.start()
    to_worker_r.close()
    from_worker_w.close()
    try:
        while True:
            assert from_worker_r.poll(30), "the worker never said it was connected"
            if isinstance(from_worker_r.recv(), Connected):
                break
        to_worker_w.send(StopWorker())
        process.join(30)
        return process.exitcode
    finally:
        to_worker_w.close()
        from_worker_r.close()
        if process.is_alive():
            process.kill()
            process.join(5)


def test_a_worker_without_stdio_writes_its_own_log_in_the_data_folder(tmp_path: Path) -> None:
    cfg = config(str(tmp_path), account_id="acct/1 main")

    assert run_until_connected_then_stop(cfg) == 0

    log = tmp_path / "logs" / "mt5-worker-acct_1_main.log"
    assert sorted(p.name for p in (tmp_path / "logs").iterdir()) == [log.name]
    text = log.read_text(encoding="utf-8")
    assert "MT5 worker for acct/1 main started (terminal C:/MT5/logged)" in text
    assert "MT5 worker for acct/1 main stopped" in text


def test_with_no_data_folder_given_a_worker_without_stdio_logs_in_the_default_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRADECOPIER_DATA_DIR", str(tmp_path))  # read by the spawned child

    assert run_until_connected_then_stop(config("")) == 0

    text = (tmp_path / "logs" / worker_log_name(config(""))).read_text(encoding="utf-8")
    assert "MT5 worker for mt5-7002 started" in text
