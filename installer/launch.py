"""The frozen executable's entry point (``build.spec``): the ``copier`` command line as
``TradeCopier.exe``.

``freeze_support`` comes first: the MT5 terminal workers are ``multiprocessing`` spawn children,
and in a frozen build each child starts this same executable, which must run the worker rather
than open a second window.
"""

from __future__ import annotations

import multiprocessing

if __name__ == "__main__":
    multiprocessing.freeze_support()
    from copier.cli import main

    raise SystemExit(main())
