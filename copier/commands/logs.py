"""``copier logs [--lines N] [--level L] [--follow]``: the data folder's log file, read from the
command line — the copier's own lines (``copier.logfile``: ``<data>/logs/copier.log``), filtered
by level, and followed as it grows (through rotations) until Ctrl+C.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TextIO

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
POLL_S = 0.25


def add_parser(sub: Any) -> None:
    """Register ``logs`` on the ``copier`` sub-command parsers."""
    logs = sub.add_parser("logs", help="the copier's log file: the last lines, or follow it")
    logs.add_argument("--lines", type=int, default=50, metavar="N",
                      help="how many of the last lines to show (default 50)")
    logs.add_argument("--level", type=str.upper, choices=LEVELS, default=None,
                      help="only lines of this level and above")
    logs.add_argument("--follow", action="store_true",
                      help="keep printing new lines as they are written, until Ctrl+C")


def run(args: argparse.Namespace) -> int:
    from copier.logfile import log_path

    path = log_path(args.data_dir)
    if not path.exists() and not args.follow:
        _say(f"no log file yet at {path}: the window and copier run write it once they start")
        return 2
    keep = level_filter(args.level)
    # Following starts before the last lines are read, so a line written meanwhile is not lost.
    new = follow(path, level_filter(args.level)) if args.follow else iter(())
    for line in last_lines(path, max(args.lines, 0), keep):
        print(line, flush=True)
    for line in new:
        print(line, flush=True)
    return 0


def level_of(line: str) -> str | None:
    """The level of a line written with ``copier.logfile.FORMAT`` ("date time LEVEL name: …");
    None for a continuation line (a traceback's)."""
    parts = line.split(" ", 3)
    return parts[2] if len(parts) > 2 and parts[2] in LEVELS else None


def level_filter(level: str | None) -> Callable[[str], bool]:
    """Keep lines at ``level`` or above, and the continuation lines of those kept."""
    if level is None:
        return lambda _line: True
    floor = LEVELS.index(level)
    keeping = False

    def keep(line: str) -> bool:
        nonlocal keeping
        found = level_of(line)
        if found is not None:
            keeping = LEVELS.index(found) >= floor
        return keeping

    return keep


def last_lines(path: Path, count: int, keep: Callable[[str], bool]) -> list[str]:
    if not path.exists() or count == 0:
        return []
    with path.open(encoding="utf-8", errors="replace") as file:
        return list(deque((line.rstrip("\n") for line in file if keep(line.rstrip("\n"))),
                          maxlen=count))


def follow(path: Path, keep: Callable[[str], bool],
           stop: Callable[[], bool] = lambda: False) -> Iterator[str]:
    """New lines of ``path`` from now on, as they are written; a rotation (the file replaced by a
    new, shorter one) is followed into the new file. The file is opened here, before the first
    line is asked for, so nothing written after the call is missed. Ends when ``stop()`` says so
    (tests) or on Ctrl+C."""
    file: TextIO | None = None
    if path.exists():
        file = path.open(encoding="utf-8", errors="replace")
        file.seek(0, 2)  # the lines already there are last_lines' to show
    return _new_lines(path, file, keep, stop)


def _new_lines(path: Path, file: TextIO | None, keep: Callable[[str], bool],
               stop: Callable[[], bool]) -> Iterator[str]:
    partial = ""  # the start of a line still being written
    try:
        while not stop():
            if file is None and path.exists():
                file = path.open(encoding="utf-8", errors="replace")  # created since: all new
            if file is not None:
                read = file.readline()
                if read:
                    partial += read
                    if partial.endswith("\n"):
                        line, partial = partial.rstrip("\n"), ""
                        if keep(line):
                            yield line
                    continue
                if _rotated(path, file):
                    file.close()
                    file = path.open(encoding="utf-8", errors="replace")
                    continue
            time.sleep(POLL_S)
    except KeyboardInterrupt:
        return
    finally:
        if file is not None:
            file.close()


def _rotated(path: Path, file: TextIO) -> bool:
    try:
        return path.stat().st_size < file.tell()
    except OSError:
        return False


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
