"""Start-up and shutdown: closing the window stops the core and leaves no thread, worker process
or open port behind; a second launch brings the first window to the front instead of starting."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from copier.ui.instance import SingleInstance
from copier.ui.main import Gui
from tests.ui.conftest import Run, until

ROOT = Path(__file__).resolve().parents[2]
OUR_THREADS = ("copier-core", "ui-io", "store-writer")

CHILD = textwrap.dedent(
    """
    import json, sys, threading
    from pathlib import Path
    import psutil
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication
    from copier.ui.main import LaunchOptions, run_app
    from copier.ui.window import MainWindow

    app = QApplication([])
    def close_when_running():
        for widget in app.topLevelWidgets():
            if isinstance(widget, MainWindow) and widget.status.text().startswith("running"):
                widget.close()
                return
        QTimer.singleShot(100, close_when_running)
    QTimer.singleShot(500, close_when_running)
    code = run_app(LaunchOptions(demo=sys.argv[1] == "demo", seconds=None, seed=5,
                                 preferences_file=Path(sys.argv[2]), instance_name=sys.argv[3]))
    print(json.dumps({"code": code,
                      "threads": [t.name for t in threading.enumerate()],
                      "children": [p.pid for p in psutil.Process().children(recursive=True)]}))
    """
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _run_child(mode: str, tmp_path: Path, port: int) -> dict[str, Any]:
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({"bind_port": port, "minimise_to_tray": False}), "utf-8")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT),
           "TRADECOPIER_DATA_DIR": str(tmp_path / "data")}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, mode, str(settings), f"tc-test-{os.getpid()}-{mode}"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def test_closing_the_demo_window_exits_cleanly_with_no_worker_left(tmp_path: Path) -> None:
    port = _free_port()

    outcome = _run_child("demo", tmp_path, port)

    assert outcome["code"] == 0
    assert outcome["children"] == []
    assert not [t for t in outcome["threads"] if t.startswith(OUR_THREADS)]
    assert not _listening(port)


def test_closing_the_window_of_the_saved_setup_closes_its_port(tmp_path: Path) -> None:
    port = _free_port()

    outcome = _run_child("saved", tmp_path, port)

    assert outcome["code"] == 0
    assert outcome["children"] == []
    assert not [t for t in outcome["threads"] if t.startswith(OUR_THREADS)]
    assert not _listening(port)
    assert (tmp_path / "data" / "tradecopier.db").exists()


def test_stopping_the_gui_ends_the_core_thread_workers_and_writer(
    make_gui: Callable[..., Gui], run: Run[Any]
) -> None:
    gui = make_gui()

    async def scenario() -> None:
        await gui.start()
        await until(lambda: gui.window.dashboard.accounts.rowCount() == 3, what="the dashboard")
        await gui.stop()

    run(scenario())

    alive = [t.name for t in threading.enumerate() if t.name.startswith(OUR_THREADS)]
    assert alive == []
    assert gui.session.thread.loop.is_closed()


def test_a_second_launch_brings_the_first_window_to_the_front(loop: Any, run: Run[Any]) -> None:
    name = f"tc-test-instance-{os.getpid()}"
    first = SingleInstance(name)
    raised: list[bool] = []
    first.activated.connect(lambda: raised.append(True))

    try:
        assert first.claim()
        second = SingleInstance(name)
        assert second.claim() is False
        run(until(lambda: raised == [True], what="the first instance to be asked"))
    finally:
        first.release()

    assert SingleInstance(name).claim()  # once the first has gone, a new launch may start
