"""One copier per data folder (copier.datalock): the window and ``copier run`` take the folder's
lock before anything starts, and a second copy on the same folder is refused with a sentence —
before it opens the database, starts a terminal or listens for EAs."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from copier.datalock import LOCK_FILE, AlreadyRunning, DataFolderLock, DataFolderRefused
from copier.store.paths import database_path
from tests.packaging.conftest import ROOT

HOLD = """
import sys
from pathlib import Path
from copier.datalock import DataFolderLock
lock = DataFolderLock.claim(Path(sys.argv[1]))
print("held", flush=True)
sys.stdin.read()
"""


@pytest.fixture
def held_elsewhere(tmp_path: Path) -> Iterator[Path]:
    """The data folder, its lock held by another process until the test ends."""
    data = tmp_path / "data"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(data)], cwd=tmp_path,
                              env={**os.environ, "PYTHONPATH": str(ROOT)},
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        yield data
    finally:
        holder.kill()  # TerminateProcess on Windows, SIGKILL on POSIX: no clean-up at all
        holder.wait(10)


def test_a_second_claim_on_one_folder_is_refused_in_words(tmp_path: Path) -> None:
    with DataFolderLock.claim(tmp_path), pytest.raises(AlreadyRunning) as refused:
        DataFolderLock.claim(tmp_path)
    message = str(refused.value)
    assert str(tmp_path) in message and "already running" in message and "--data-dir" in message
    assert "Errno" not in message


def test_a_released_lock_can_be_claimed_again_and_other_folders_are_free(tmp_path: Path) -> None:
    first = DataFolderLock.claim(tmp_path / "a")
    with DataFolderLock.claim(tmp_path / "b"):
        pass
    first.release()
    first.release()  # twice is harmless

    again = DataFolderLock.claim(tmp_path / "a")
    assert again.held and not first.held
    again.release()


def test_a_killed_holder_leaves_no_stale_lock(tmp_path: Path) -> None:
    data = tmp_path / "data"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(data)], cwd=tmp_path,
                              env={**os.environ, "PYTHONPATH": str(ROOT)},
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    with pytest.raises(AlreadyRunning):
        DataFolderLock.claim(data)

    holder.kill()
    holder.wait(10)

    with DataFolderLock.claim(data) as lock:
        assert lock.held
    assert (data / LOCK_FILE).exists()  # the file stays; only the OS lock counted


def test_copier_run_is_refused_before_it_opens_the_database_or_listens(
    held_elsewhere: Path,
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "copier.cli", "--data-dir", str(held_elsewhere), "run",
         "--headless", "--port", "0"],
        cwd=held_elsewhere.parent, env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True, text=True, timeout=60)

    assert done.returncode == 2
    assert "TradeCopier is already running on the data folder" in done.stderr
    assert "Traceback" not in done.stderr
    assert not database_path(held_elsewhere).exists()  # no store, so no terminal either


@pytest.mark.timeout(90)
def test_the_window_is_refused_before_its_core_starts(held_elsewhere: Path) -> None:
    # Its own single-instance name, so another window on this machine cannot answer instead.
    code = ("from copier.ui.main import LaunchOptions, run_app\n"
            f"raise SystemExit(run_app(LaunchOptions(instance_name={uuid.uuid4().hex!r})))")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen",
           "TRADECOPIER_DATA_DIR": str(held_elsewhere),
           "TRADECOPIER_CONFIG_DIR": str(held_elsewhere.parent / "config")}

    done = subprocess.run([sys.executable, "-c", code], cwd=held_elsewhere.parent, env=env,
                          capture_output=True, text=True, timeout=80)

    assert done.returncode == 1, done.stderr
    assert "TradeCopier is already running on the data folder" in done.stderr
    assert not database_path(held_elsewhere).exists()


def test_a_data_folder_that_cannot_be_made_is_refused_in_words(tmp_path: Path) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("a file where the data folder should be", encoding="utf-8")

    with pytest.raises(DataFolderRefused) as refused:
        DataFolderLock.claim(blocker / "inner")
    assert "cannot be used" in str(refused.value) and "--data-dir" in str(refused.value)
    assert not isinstance(refused.value, AlreadyRunning)


def test_a_claim_waits_a_moment_for_a_copier_that_is_ending(tmp_path: Path) -> None:
    """A restart right after a crash or a quit: the old process's lock may outlive it briefly
    on Windows; the claim keeps trying for WAIT_S instead of refusing at once."""
    data = tmp_path / "data"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(data)], cwd=tmp_path,
                              env={**os.environ, "PYTHONPATH": str(ROOT)},
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    assert holder.stdin is not None
    with pytest.raises(AlreadyRunning):
        DataFolderLock.claim(data, wait_s=0)
    ending = threading.Timer(0.3, holder.stdin.close)  # the holder reads stdin to its end, exits
    ending.start()
    try:
        with DataFolderLock.claim(data, wait_s=30) as lock:
            assert lock.held
    finally:
        ending.join()
        holder.wait(10)
