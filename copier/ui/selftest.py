"""``copier --self-test``: proves an installed or freshly built copy works end to end. It opens
the real window (offscreen where ``QT_QPA_PLATFORM=offscreen``) on the demo's simulated
terminals, waits until the core reports one trade copied to a slave, closes the window the way a
user does, and returns 0 — or a non-zero code with the reason on stderr.

Everything it writes (database, settings) goes to a temporary folder, and it claims its own
single-instance name, so it neither touches a trader's data nor hands over to a running copy.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from copier.app.vocabulary import DATA_DIR_ENV
from copier.events import CopyExecuted, CoreEvent
from copier.ui.main import LaunchOptions, run_app
from copier.ui.window import MainWindow

DEFAULT_TIMEOUT_S = 60.0
SHUTDOWN_GRACE_S = 30.0  # past the deadline, this long for a clean close before giving up
POLL_MS = 50
DEMO_SEED = 11
EXIT_PASSED, EXIT_FAILED, EXIT_HUNG = 0, 1, 3


class Stage(Enum):
    WINDOW = "the window to appear"
    CORE = "the copier to start"
    COPY = "a trade to be copied"
    DONE = "nothing"


@dataclass(frozen=True, slots=True)
class Copied:
    """The first copy the core reported: what a person would look for in the trade log."""

    kind: str
    symbol: str
    volume: float
    slave_id: str
    latency_ms: float

    def describe(self) -> str:
        return (f"{self.kind} {self.symbol} {self.volume:g} lots copied to {self.slave_id} "
                f"in {self.latency_ms:.0f} ms")


class CopyWatcher:
    """Runs on the GUI thread beside the app: finds the window, subscribes to the core's bus once
    the copier runs, and closes the window after the first executed copy or at the deadline."""

    def __init__(self, app: QApplication, timeout_s: float) -> None:
        self.app = app
        self.deadline = time.monotonic() + timeout_s
        self.timeout_s = timeout_s
        self.stage = Stage.WINDOW
        self.copied: Copied | None = None
        self.failure = ""
        self._window: MainWindow | None = None
        self._seen = threading.Event()  # set on the core's thread, read on the GUI thread
        self._subscription: concurrent.futures.Future[Callable[[], None]] | None = None

    def start(self) -> None:
        QTimer.singleShot(0, self._poll)

    def _poll(self) -> None:
        self._advance()
        if self.stage is not Stage.DONE and not self.failure and time.monotonic() > self.deadline:
            self.failure = self._timeout_reason()
        if self.stage is Stage.DONE or self.failure:
            self._window = self._window or self._find_window()
            if self._window is not None:  # not shown yet: closed as soon as it is
                self._close()
                return
        QTimer.singleShot(POLL_MS, self._poll)

    def _advance(self) -> None:
        if self.stage is Stage.WINDOW:
            self._window = self._find_window()
            if self._window is not None:
                self.stage = Stage.CORE
        if self.stage is Stage.CORE and self._core_running():
            self._subscribe()
            self.stage = Stage.COPY
        if self.stage is Stage.COPY and self._seen.is_set():
            self.stage = Stage.DONE

    def _find_window(self) -> MainWindow | None:
        windows = [w for w in self.app.topLevelWidgets() if isinstance(w, MainWindow)]
        return windows[0] if windows else None

    def _core_running(self) -> bool:
        # The window says "running" once the core has started and the bridge listens to it.
        return self._window is not None and self._window.status.text().startswith("running")

    def _subscribe(self) -> None:
        assert self._window is not None
        session = self._window.session

        async def subscribe() -> Callable[[], None]:
            return session.app.bus.subscribe(self._on_core_event)

        self._subscription = session.thread.submit(subscribe())

    def _on_core_event(self, event: CoreEvent) -> None:
        """On the core's thread: remember the first executed copy, nothing more."""
        if isinstance(event, CopyExecuted) and not self._seen.is_set():
            command = event.command
            self.copied = Copied(command.kind.value, command.symbol, event.result.volume,
                                 command.slave_id, event.latency_ms)
            self._seen.set()

    def _timeout_reason(self) -> str:
        reason = f"self-test failed: waited {self.timeout_s:g} s for {self.stage.value}"
        if self._window is not None:
            reason += f"; the window's status: '{self._window.status.text()}'"
        return reason

    def _close(self) -> None:
        """Unsubscribe, then close the window as a user would; the app stops the core."""
        if self._subscription is not None and self._subscription.done() \
                and self._subscription.exception() is None and self._window is not None:
            unsubscribe = self._subscription.result()

            async def leave() -> None:
                unsubscribe()

            self._window.session.thread.submit(leave())
        if self._window is not None:
            self._window.close()


def run_self_test(timeout_s: float = DEFAULT_TIMEOUT_S) -> int:
    """Open the demo window, wait for one copied trade, close it; 0 when all of that happened."""
    started = time.monotonic()
    watchdog = _start_watchdog(timeout_s + SHUTDOWN_GRACE_S)
    with tempfile.TemporaryDirectory(prefix="tradecopier-selftest-") as folder:
        settings = Path(folder) / "settings.json"
        # Closing the window must quit, not hide to a tray the self-test cannot click.
        settings.write_text(json.dumps({"minimise_to_tray": False}), encoding="utf-8")
        previous = os.environ.get(DATA_DIR_ENV)
        os.environ[DATA_DIR_ENV] = str(Path(folder) / "data")
        app = QApplication.instance() or QApplication(sys.argv[:1])
        assert isinstance(app, QApplication)
        watcher = CopyWatcher(app, timeout_s)
        watcher.start()
        options = LaunchOptions(demo=True, seconds=None, seed=DEMO_SEED,
                                preferences_file=settings,
                                instance_name=f"TradeCopier-selftest-{os.getpid()}")
        try:
            code = run_app(options)
        except Exception as exc:  # the reason matters more than the traceback here
            code, watcher.failure = EXIT_FAILED, f"self-test failed: the app raised {exc!r}"
        finally:
            _restore(DATA_DIR_ENV, previous)
    watchdog.cancel()
    return _report(watcher, code, time.monotonic() - started)


def _report(watcher: CopyWatcher, code: int, elapsed_s: float) -> int:
    if watcher.failure:
        _say(watcher.failure)
        return EXIT_FAILED
    if code != 0:
        _say(f"self-test failed: the app exited with code {code}")
        return code
    if watcher.copied is None:
        _say("self-test failed: the window closed before any trade was copied")
        return EXIT_FAILED
    _say(f"self-test passed in {elapsed_s:.1f} s: {watcher.copied.describe()}; "
         "the window closed and the copier stopped cleanly")
    return EXIT_PASSED


def _restore(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


def _start_watchdog(limit_s: float) -> threading.Timer:
    """A shutdown that hangs must still end the process, with a reason, not run forever."""

    def give_up() -> None:
        _say(f"self-test failed: still running after {limit_s:g} s (the app did not stop)")
        os._exit(EXIT_HUNG)

    timer = threading.Timer(limit_s, give_up)
    timer.daemon = True
    timer.start()
    return timer


def _say(message: str) -> None:
    # A windowed Windows build has no console: stderr is None there, and the exit code speaks.
    if sys.stderr is not None:
        print(message, file=sys.stderr, flush=True)
