"""The Windows dependency check reads the runtime requirements it must resolve from pyproject."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[3]


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_windows_deps", ROOT / "scripts" /
                                                  "check_windows_deps.py")  # fmt: skip
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_runtime_requirements_include_metatrader5_with_its_windows_marker_dropped() -> None:
    script = load_script()

    requirements = script.runtime_requirements(ROOT / "pyproject.toml")

    assert any(r.startswith("MetaTrader5") for r in requirements)
    assert not [r for r in requirements if ";" in r]


def test_an_unreadable_pyproject_exits_with_code_2(tmp_path: Path) -> None:
    script = load_script()
    broken = tmp_path / "pyproject.toml"
    broken.write_text("[project\n", encoding="utf-8")

    assert script.main(["--pyproject", str(broken)]) == 2
