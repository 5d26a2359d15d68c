"""Running the ``copier`` command line as a user does: a fresh process, the data folder given on
the command line (never the test-wide ``TRADECOPIER_DATA_DIR``), and ``copier run`` in the
background with its start-up summary read line by line."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time

from copier.store import DATA_DIR_ENV

SUMMARY_END = "links: "


def env_without_data_dir() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != DATA_DIR_ENV}


def copier(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "copier.cli", *args], env=env_without_data_dir(),
                          capture_output=True, text=True, timeout=120, check=False)


class Running:
    """A ``copier run`` in the background whose stdout is read line by line."""

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "copier.cli", "run", *args], env=env_without_data_dir(),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        assert self.process.stdout is not None
        stream = self.process.stdout
        threading.Thread(target=lambda: [self.lines.put(line) for line in stream],
                         daemon=True).start()

    def summary(self, timeout_s: float = 60.0) -> list[str]:
        """The start-up summary: every line up to the links and theirs."""
        got: list[str] = []
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                got.append(self.lines.get(timeout=0.5).rstrip("\n"))
            except queue.Empty:
                assert self.process.poll() is None, self.process.stderr.read()  # type: ignore[union-attr]
                continue
            if got[-1].startswith(SUMMARY_END):
                time.sleep(0.3)  # the link lines follow in the same write
                while not self.lines.empty():
                    got.append(self.lines.get().rstrip("\n"))
                return got
        raise AssertionError(f"no start-up summary within {timeout_s} s: {got}")

    def stop(self) -> int:
        self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(30)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait(10)


