"""``requirements-win.txt`` pins, with hashes, every runtime, test and build dependency for the
Windows target, and resolves as win_amd64 wheels for Python 3.13 (the release's)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.packaging.conftest import ROOT

LOCK = ROOT / "requirements-win.txt"


def _name(requirement: str) -> str:
    project = re.split(r"[<>=!~;\[ ]", requirement.strip(), maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", project).lower()


def _pins_on_target() -> dict[str, str]:
    """Pinned packages without a marker (a marker here means: not installed on Windows 3.13)."""
    pins = {}
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        found = re.match(r"^([A-Za-z0-9._-]+)==(\S+) \\$", line)
        if found:
            pins[_name(found.group(1))] = found.group(2)
    return pins


def test_every_dependency_the_release_installs_is_locked_for_windows() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    wanted = [*project["dependencies"], *extras["dev"], *extras["build"]]

    missing = {_name(r) for r in wanted} - set(_pins_on_target())

    assert missing == set(), f"not in requirements-win.txt: {sorted(missing)}; " \
                             "run scripts/lock_windows_requirements.py"
    assert "metatrader5" in _pins_on_target()


def test_every_locked_package_carries_a_hash() -> None:
    text = LOCK.read_text(encoding="utf-8")
    pins = re.findall(r"^[A-Za-z0-9._-]+==.*$", text, re.MULTILINE)
    hashed = re.findall(r"^[A-Za-z0-9._-]+==[^\n]*\\\n\s+--hash=sha256:", text, re.MULTILINE)

    assert len(pins) == len(hashed) > 0


@pytest.mark.slow
@pytest.mark.timeout(600)
@pytest.mark.skipif(os.environ.get("TRADECOPIER_OFFLINE") == "1", reason="offline by request")
def test_the_lock_resolves_as_windows_wheels_for_python_313(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
         "--only-binary=:all:", "--platform", "win_amd64", "--python-version", "3.13",
         "--require-hashes", "-r", str(LOCK), "--dest", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=580,
    )

    assert done.returncode == 0, done.stderr[-3000:]
    assert list(tmp_path.glob("metatrader5-*-cp313-*win_amd64.whl"))
    assert list(tmp_path.glob("pyinstaller-*win_amd64.whl"))
