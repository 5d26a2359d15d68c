"""``copier demo --transport mt5 --simulate``: the demo end to end through MT5 worker processes
against stand-in terminals, its invariants, its clean exit, and the CLI entry spawning workers."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from copier.terminals.mt5 import Mt5Terminal
from copier.testbed.demo import (
    DemoOptions,
    DemoReport,
    DemoSession,
    _check,
    _settle,
    build_demo,
    run_demo,
)
from copier.testbed.demo_mt5 import Mt5World
from copier.testbed.mt5standin.profiles import APPLY_LAG_MS

pytestmark = pytest.mark.timeout(90)
REPO = Path(__file__).resolve().parents[2]
# What pip writes for the ``copier = "copier.cli:main"`` console script.
CONSOLE_SCRIPT = """\
import re
import sys
from copier.cli import main
if __name__ == "__main__":
    sys.argv[0] = re.sub(r"(-script\\.pyw|\\.exe)?$", "", sys.argv[0])
    sys.exit(main())
"""


async def test_mt5_demo_copies_with_no_loss_duplicate_failure_or_mismatch_and_leaves_no_worker(
    tmp_path: Path,
) -> None:
    session = build_demo(DemoOptions(seconds=5, seed=21, rate=10, transport="mt5",
                                     simulate=True, data_dir=tmp_path))
    world = session.world
    assert isinstance(world, Mt5World)
    report = session.report
    await session.start()
    try:
        pids = world.worker_pids()
        await session.start_trading(steps=50)
        await _settle(session)
        await _check(session, report)
        # The duplicate count reads the slave's deals: one more deal of an existing copy shows.
        extra = await _duplicate_one_copy(session)
    finally:
        await session.stop()

    assert all(isinstance(t, Mt5Terminal) for t in (session.master, *session.slaves))
    assert len(set(pids)) == 4
    assert report.master_events >= 50
    assert report.executed > 0
    assert report.denied, "the capped link must deny some copies"
    assert (report.failed, report.lost, report.duplicated, report.mismatches) == (0, 0, 0, 0), (
        report.failures, report.mismatch_details)
    assert extra == 1
    assert not [pid for pid in pids if _alive(pid)], "worker processes left behind"


async def _duplicate_one_copy(session: DemoSession) -> int:
    world = session.world
    assert isinstance(world, Mt5World)
    suffix = next(s for s in world.slaves if s.account_id == "demo-suffix")
    opened = [d for d in suffix.sim.call("history_deals_get", 0, 4_102_444_800)
              if d.comment.startswith("TC|") and d.entry == 0]  # DEAL_ENTRY_IN
    assert opened, "the suffix slave must have opened a copy to repeat"
    copy = opened[0]
    repeat = {"action": 1, "symbol": copy.symbol, "volume": copy.volume, "type": copy.type,
              "magic": copy.magic, "comment": copy.comment}
    assert suffix.sim.call("order_send", repeat).retcode == 10009
    await asyncio.sleep(APPLY_LAG_MS / 1000 + 0.01)  # the terminal shows it a moment later
    return await world.duplicated()


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


async def test_mt5_demo_without_simulate_says_real_terminals_are_accounts_in_the_app(
    tmp_path: Path,
) -> None:
    with pytest.raises(SystemExit) as refused:
        await run_demo(DemoOptions(seconds=1, transport="mt5", data_dir=tmp_path))

    assert "configured as accounts in the app" in str(refused.value)
    assert "--simulate" in str(refused.value)


def test_the_console_script_spawns_mt5_workers_and_prints_the_sim_report_fields(
    tmp_path: Path,
) -> None:
    script = tmp_path / "copier-script.py"
    script.write_text(CONSOLE_SCRIPT, encoding="utf-8")

    run = subprocess.run(
        [sys.executable, str(script), "--data-dir", str(tmp_path / "data"), "demo", "--headless",
         "--transport", "mt5", "--simulate", "--seconds", "2", "--seed", "4", "--json"],
        capture_output=True, text=True, timeout=80, cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO)},  # as if installed: not the script's folder
    )

    assert run.returncode == 0, (run.stdout[-3000:], run.stderr[-2000:])
    report = json.loads(run.stdout)
    assert set(report) == set(DemoReport(seed=4, transport="sim").to_dict())
    assert report["transport"] == "mt5"
    assert report["executed"] > 0
    assert (report["failed"], report["lost"], report["duplicated"], report["mismatches"]) == (
        0, 0, 0, 0)
