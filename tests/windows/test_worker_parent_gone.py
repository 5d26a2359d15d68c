"""An MT5 worker whose parent died: the pipe's every ``OSError`` ends the worker quietly. In a
windowed build the worker has no stderr, so a traceback there would become PyInstaller's
"Unhandled exception" dialog on the trader's screen.

On Windows a pipe whose other end is closed makes ``poll()`` itself raise ``BrokenPipeError``
(``PipeConnection._poll`` calls ``PeekNamedPipe``, which fails with ERROR_BROKEN_PIPE:
https://github.com/python/cpython/blob/3.12/Lib/multiprocessing/connection.py); on POSIX a
``send()`` into a pipe nobody reads raises it (EPIPE, Python ignores SIGPIPE:
https://docs.python.org/3/library/signal.html#note-on-sigpipe). Both are tried here.
"""

from __future__ import annotations

import multiprocessing
from multiprocessing.connection import Connection
from typing import Any

import pytest

from copier.terminals.mt5 import Mt5Config
from copier.terminals.mt5.worker import run_worker
from copier.testbed.mt5standin.backend import StandIn
from copier.testbed.mt5standin.profiles import TerminalProfile

pytestmark = pytest.mark.timeout(60)

PROFILE = TerminalProfile(path="C:/MT5/orphan", login=7001, server="Sim-Demo")


def config() -> Mt5Config:
    return Mt5Config(path=PROFILE.path, login=PROFILE.login, server=PROFILE.server,
                     symbols=("EURUSD",), backend=StandIn(profile=PROFILE), health_every_ms=20)


class _WindowsBrokenInbox:
    """What a Windows ``PipeConnection`` does once the parent is gone: poll raises."""

    def poll(self, timeout: float = 0.0) -> bool:
        raise BrokenPipeError(109, "The pipe has been ended")

    def recv(self) -> Any:
        raise AssertionError("poll said nothing is there")


def test_a_worker_whose_inbox_breaks_as_on_windows_returns_without_raising() -> None:
    _, outbox = multiprocessing.Pipe(duplex=False)

    run_worker(config(), None, _WindowsBrokenInbox(), outbox)  # type: ignore[arg-type]


def _orphan_worker(inbox: Connection, outbox: Connection) -> None:
    run_worker(config(), None, inbox, outbox)


def test_a_worker_process_whose_parent_stops_reading_exits_quietly_with_code_0() -> None:
    context = multiprocessing.get_context("spawn")
    to_worker_r, to_worker_w = context.Pipe(duplex=False)
    from_worker_r, from_worker_w = context.Pipe(duplex=False)
    process = context.Process(target=_orphan_worker, args=(to_worker_r, from_worker_w))
    process.start()
    to_worker_r.close()
    from_worker_w.close()
    try:
        assert from_worker_r.poll(30), "the worker never spoke"
        from_worker_r.recv()  # connected and reporting
        from_worker_r.close()  # the parent's reading end is gone: the next send breaks
        process.join(30)
        # multiprocessing's bootstrap turns an exception that reaches the top into exit code 1
        # (after printing its traceback to the stderr a windowed worker does not have).
        assert process.exitcode == 0
    finally:
        to_worker_w.close()
        if process.is_alive():
            process.kill()
            process.join(5)
