"""The process's logging and its last line of defence, set up once by every entry point.

Owns: the rotating log file in the data folder (``<data>/logs/copier.log``, at most
``MAX_BYTES`` per file and ``BACKUPS`` older files, so never more than 12 MiB), the console
handler beside it, stand-ins for a missing ``sys.stdout``/``sys.stderr`` (the windowed
``TradeCopier.exe`` started by a double-click has neither: Python sets them to ``None``) and the
hooks that send an unexpected exception's traceback to the log instead of to a console nobody
sees or to PyInstaller's "Unhandled exception" dialog.

https://docs.python.org/3/library/sys.html#sys.__stderr__ — "under some conditions stdin,
stdout and stderr as well as the original values __stdin__, __stdout__ and __stderr__ can be
None. It is usually the case for Windows GUI apps that aren't connected to a console".
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import TracebackType
from typing import Any

from copier.store.paths import default_data_dir

LOG_FOLDER = "logs"
LOG_FILE = "copier.log"
MAX_BYTES = 2 * 1024 * 1024  # per file; copier.log.1 … copier.log.5 keep the older lines
BACKUPS = 5
ROTATION_RETRY_S = 60.0  # when another process holds the file open (Windows)
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
CRASH_MESSAGE = "TradeCopier stopped on an unexpected error"

log = logging.getLogger("copier")


def log_path(data_dir: Path | None = None, file_name: str = LOG_FILE) -> Path:
    """``<data>/logs/copier.log`` of ``data_dir`` (None: the default data folder); another
    ``file_name`` for a process with a log of its own (an MT5 worker)."""
    folder = data_dir if data_dir is not None else default_data_dir()
    return folder / LOG_FOLDER / file_name


class _LoggedStream:
    """A text stream that turns each line written to it into a log record: what the process
    prints when it has no console still ends up in the log file. Writes made while the record is
    being handled (a handler reporting its own error to ``sys.stderr``, say) are dropped rather
    than looped back."""

    def __init__(self, name: str, level: int) -> None:
        self.logger = logging.getLogger(name)
        self.level = level
        self.encoding = "utf-8"
        self.errors = "replace"
        self._partial = ""
        self._busy = threading.local()

    def write(self, text: str) -> int:
        if getattr(self._busy, "on", False):
            return len(text)
        self._busy.on = True
        try:
            *lines, self._partial = (self._partial + text).split("\n")
            for line in lines:
                if line.strip():
                    self.logger.log(self.level, line.rstrip())
        finally:
            self._busy.on = False
        return len(text)

    def flush(self) -> None:
        if self._partial.strip():
            self.write("\n")

    def isatty(self) -> bool:
        return False

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        raise OSError("a log stream has no file descriptor")


def guard_stdio() -> list[str]:
    """Give a missing ``sys.stdout``/``sys.stderr`` a stream that writes to the log; return the
    names replaced. Safe to call more than once, and first of all in a frozen process (before
    ``multiprocessing.freeze_support`` runs a worker child, which has no console either)."""
    replaced = []
    for name, level in (("stdout", logging.INFO), ("stderr", logging.WARNING)):
        if getattr(sys, name) is None:
            setattr(sys, name, _LoggedStream(f"copier.{name}", level))
            replaced.append(name)
    return replaced


def has_console(name: str = "stderr") -> bool:
    """True when ``sys.<name>`` reaches a real stream (a console, a pipe, a file)."""
    stream = getattr(sys, name)
    return stream is not None and not isinstance(stream, _LoggedStream)


class _Ours:
    """Marks the handlers this module installed, so a second set-up replaces them."""


class _OurFileHandler(RotatingFileHandler, _Ours):
    """RotatingFileHandler that tolerates another process having the file open. Windows cannot
    rename a file another process holds (a ``copier keys`` next to a running copier, say), and
    the standard rollover would then shift the older files on every record while failing to
    rotate the current one, losing them. Here the current file is moved aside first; when that
    fails, nothing is shifted and rotation waits ``ROTATION_RETRY_S`` while lines are appended."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._rotate_after = 0.0

    def shouldRollover(self, record: logging.LogRecord) -> int:
        if time.monotonic() < self._rotate_after:
            return False
        return super().shouldRollover(record)

    def doRollover(self) -> None:
        if self.stream:
            self.stream.close()
            self.stream = None
        base = self.baseFilename
        aside = f"{base}.rotating"
        try:
            os.replace(base, aside)
        except OSError:  # held open elsewhere (Windows): keep appending, try again later
            self._rotate_after = time.monotonic() + ROTATION_RETRY_S
        else:
            for n in range(self.backupCount - 1, 0, -1):
                older = f"{base}.{n}"
                if os.path.exists(older):
                    os.replace(older, f"{base}.{n + 1}")
            os.replace(aside, f"{base}.1")
        self.stream = self._open()


class _OurConsoleHandler(logging.StreamHandler, _Ours):
    pass


def setup_logging(
    data_dir: Path | None = None,
    *,
    level: int | str = logging.INFO,
    console_level: int | str = logging.WARNING,
    to_file: bool = True,
    file_name: str = LOG_FILE,
) -> Path | None:
    """Log ``level`` and above to the data folder's rotating file (when ``to_file``; always when
    the process has no console, where it is the only place output can go) and
    ``console_level`` and above to stderr when there is one. Installs the exception hooks.
    Returns the log file, or None when there is none (its folder cannot be made: said on the
    console). ``file_name``: the file in ``<data>/logs`` (rotated the same way). Calling it again
    replaces what the previous call installed."""
    guard_stdio()
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _Ours)]:
        root.removeHandler(handler)
        handler.close()
    root.setLevel(level)
    formatter = logging.Formatter(FORMAT)
    if has_console():
        console = _OurConsoleHandler(sys.stderr)
        console.setLevel(console_level)
        console.setFormatter(formatter)
        root.addHandler(console)
    path: Path | None = None
    if to_file or not has_console():
        path = _add_file_handler(root, log_path(data_dir, file_name), level, formatter)
    install_exception_hooks()
    return path


def _add_file_handler(
    root: logging.Logger, path: Path, level: int | str, formatter: logging.Formatter
) -> Path | None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = _OurFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS,
                                  encoding="utf-8", delay=True)
    except OSError as exc:
        log.warning("no log file: the folder %s cannot be written (%s)", path.parent,
                    exc.strerror or exc)
        return None
    handler.setLevel(level)
    handler.setFormatter(formatter)
    root.addHandler(handler)
    return path


def log_crash(
    kind: type[BaseException], value: BaseException, trace: TracebackType | None
) -> None:
    """``sys.excepthook``: the traceback goes to the log (file and console), never to a dialog."""
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, value, trace)
        return
    log.critical(CRASH_MESSAGE, exc_info=(kind, value, trace))


def _log_thread_crash(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is SystemExit:
        return
    name = args.thread.name if args.thread is not None else "a thread"
    log.critical("%s in %s", CRASH_MESSAGE, name,
                 exc_info=(args.exc_type, args.exc_value or args.exc_type(),
                           args.exc_traceback))


def install_exception_hooks() -> None:
    """Route uncaught exceptions of the main thread and of other threads to the log. A hook
    someone else installed (a test runner's) is left in place."""
    if sys.excepthook is sys.__excepthook__:
        sys.excepthook = log_crash
    if threading.excepthook is threading.__excepthook__:
        threading.excepthook = _log_thread_crash


def run_logged(main: Callable[[], Any]) -> int:
    """Run a frozen entry point: whatever escapes ``main`` is logged and becomes exit code 1,
    so PyInstaller's bootloader never shows a traceback dialog. ``SystemExit`` keeps its code."""
    try:
        code = main()
    except SystemExit as done:
        code = done.code
    except KeyboardInterrupt:
        return 130
    except BaseException as exc:  # the last line of defence
        if not any(isinstance(h, _Ours) for h in logging.getLogger().handlers):
            setup_logging()  # it failed before the command line set logging up
        log_crash(type(exc), exc, exc.__traceback__)
        return 1
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1

