"""``copier backup`` while copies are being written, ``copier restore`` into a new folder with
the same trade log, and no restore while a copier runs on the folder."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from copier.store import Store
from copier.store.backup import describe
from tests.cli_support import Running, copier, env_without_data_dir


def _copies(folder: Path) -> int:
    with Store.open(folder) as store:
        return store.count_copies()


def test_a_backup_taken_while_the_demo_copies_restores_with_the_same_trade_log(
    tmp_path: Path,
) -> None:
    demo_dir, restored = tmp_path / "demo", tmp_path / "restored"
    demo = subprocess.Popen(
        [sys.executable, "-m", "copier.cli", "demo", "--headless", "--seconds", "8",
         "--data-dir", str(demo_dir)],
        env=env_without_data_dir(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not (demo_dir / "tradecopier.db").exists() or _copies(demo_dir) < 5:
            assert time.monotonic() < deadline and demo.poll() is None, "the demo never copied"
            time.sleep(0.5)
        done = copier("backup", "--out", str(tmp_path / "b.db"), "--data-dir", str(demo_dir))
        still_copying = demo.poll() is None
    finally:
        demo.wait(120)

    assert done.returncode == 0, done.stderr
    assert still_copying
    backed_up = describe(tmp_path / "b.db")
    again = copier("restore", str(tmp_path / "b.db"), "--data-dir", str(restored))
    assert again.returncode == 0, again.stderr
    assert backed_up.copies >= 5
    assert _copies(restored) == backed_up.copies
    assert _copies(demo_dir) >= backed_up.copies  # the demo went on copying after it


@pytest.mark.skipif(sys.platform == "win32", reason="stops the copier with SIGINT")
def test_restore_is_refused_while_a_copier_runs_on_the_folder(tmp_path: Path) -> None:
    folder = tmp_path / "live"
    assert copier("accounts", "add", "--platform", "mt4", "--login", "1", "--server", "S",
                  "--data-dir", str(folder)).returncode == 0
    assert copier("backup", "--out", str(tmp_path / "b.db"),
                  "--data-dir", str(folder)).returncode == 0
    running = Running("--port", "0", "--data-dir", str(folder))
    try:
        running.summary()
        refused = copier("restore", str(tmp_path / "b.db"), "--yes", "--data-dir", str(folder))
    finally:
        running.stop()
    after = copier("restore", str(tmp_path / "b.db"), "--yes", "--data-dir", str(folder))

    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines()[-1] == (
        f"a copier is running on {folder} — stop it (close the window or Ctrl+C the copier "
        "run), then restore")
    assert after.returncode == 0, after.stderr
    assert (folder / "tradecopier.db.before-restore").exists()


def test_restore_refuses_a_file_that_is_not_a_backup_and_asks_before_replacing(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "d"
    (tmp_path / "notes.db").write_text("not a database")
    assert copier("accounts", "list", "--data-dir", str(folder)).returncode == 0
    assert copier("backup", "--out", str(tmp_path / "b.db"),
                  "--data-dir", str(folder)).returncode == 0

    wrong = copier("restore", str(tmp_path / "notes.db"), "--data-dir", str(folder))
    unasked = copier("restore", str(tmp_path / "b.db"), "--data-dir", str(folder))

    assert wrong.returncode == 2 and "is not a TradeCopier database" in wrong.stderr
    assert "Traceback" not in wrong.stderr
    assert unasked.returncode == 2 and "add --yes" in unasked.stderr
