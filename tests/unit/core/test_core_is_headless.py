"""The core must import and run without Qt: a VPS user runs it headless."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

BLOCK_QT = textwrap.dedent(
    """
    import importlib.abc, sys

    class BlockQt(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split('.')[0] in ('PySide6', 'qasync', 'PyQt5', 'PyQt6', 'shiboken6'):
                raise ImportError(f'{name} is blocked: the core must not import Qt')
            return None

    sys.meta_path.insert(0, BlockQt())
    import pkgutil, copier
    names = [m.name for m in pkgutil.walk_packages(copier.__path__, 'copier.')
             if not m.name.startswith('copier.ui')]
    for name in names:
        __import__(name)
    print(len(names))
    """
)


def test_every_core_module_imports_with_qt_made_unimportable() -> None:
    result = subprocess.run(
        [sys.executable, "-c", BLOCK_QT], cwd=ROOT, capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip()) >= 5


def test_no_core_module_imports_metatrader5_at_top_level() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "copier").rglob("*.py")
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.startswith(("import MetaTrader5", "from MetaTrader5"))
    ]

    assert offenders == []
