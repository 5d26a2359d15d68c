"""Every module of the app imports on its own, first, in a fresh interpreter's state.

The suite imports modules in one order; the app, the CLI, a frozen build or a helper script may
import them in another, and a cycle between two modules shows only in some orders (the EA
terminal, imported before the bridge package, met the bridge's server half-built and failed).
One child interpreter imports each module after forgetting every ``copier`` module before it.
"""

from __future__ import annotations

import os
import pkgutil
import subprocess
import sys

import copier

_CHILD = """
import importlib, sys
for name in sys.argv[1:]:
    for loaded in [m for m in sys.modules if m == "copier" or m.startswith("copier.")]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except Exception as exc:
        print(f"{name}: {type(exc).__name__}: {exc}")
"""


def test_every_module_imports_when_it_is_the_first_one() -> None:
    names = [m.name for m in pkgutil.walk_packages(copier.__path__, "copier.")]
    assert len(names) > 100  # the walk found the app, not an empty folder
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    child = subprocess.run([sys.executable, "-c", _CHILD, *names], capture_output=True,
                           text=True, timeout=300, env=env, check=False)  # fmt: skip
    assert child.returncode == 0, child.stderr[-2000:]
    assert child.stdout == "", "modules that fail when imported first:\n" + child.stdout
