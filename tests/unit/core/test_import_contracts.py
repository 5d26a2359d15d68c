"""The import contracts in pyproject.toml name every top-level package of ``copier``: a package
added later is inside the core-never-imports-Qt contract and outside the engine's allowed imports
unless someone decides otherwise in that file. ``lint-imports`` (run by .ci/run) checks the
contracts themselves."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]


def _contracts() -> dict[str, dict[str, Any]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return {c["name"]: c for c in config["tool"]["importlinter"]["contracts"]}


def _top_level() -> set[str]:
    package = ROOT / "copier"
    modules = {p.stem for p in package.glob("*.py") if p.stem != "__init__"}
    folders = {p.parent.name for p in package.glob("*/__init__.py")}
    return {f"copier.{name}" for name in modules | folders}


def _named(contract: dict[str, Any], key: str) -> set[str]:
    return {name for name in contract[key] if name.startswith("copier.")}


def test_the_qt_contract_covers_every_package_but_the_ui() -> None:
    contract = _contracts()["The core never imports Qt"]

    assert _named(contract, "source_modules") == _top_level() - {"copier.ui"}


def test_the_engine_contract_forbids_every_package_but_the_domain() -> None:
    name = "The engine is pure: it imports only the domain and the settings checker"
    contract = _contracts()[name]

    assert _named(contract, "forbidden_modules") == _top_level() - {
        "copier.engine", "copier.domain", "copier.settings_check"
    }
