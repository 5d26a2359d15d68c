"""The frozen executables' entry point (``build.spec``): the ``copier`` command line as
``TradeCopier.exe`` (windowed) and ``tradecopier-cli.exe`` (console).

``guard_stdio`` comes first: a windowed exe — and every MT5 worker child it spawns — has no
``sys.stdout``/``sys.stderr`` (they are None), so anything printed goes to the log instead of
failing. ``freeze_support`` next: the MT5 terminal workers are ``multiprocessing`` spawn children,
and in a frozen build each child starts this same executable, which must run the worker rather
than open a second window. ``run_logged`` last: whatever escapes the command line is written to
the log and ends the process with code 1, never in PyInstaller's traceback dialog.
"""

from __future__ import annotations

import multiprocessing

if __name__ == "__main__":
    from copier.logfile import guard_stdio, run_logged

    guard_stdio()
    multiprocessing.freeze_support()
    from copier.cli import main

    raise SystemExit(run_logged(main))
