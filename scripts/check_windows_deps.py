"""Checks the runtime dependencies in pyproject.toml resolve as Windows wheels (MetaTrader5 too).

Resolves every runtime requirement with ``pip install --dry-run --report --only-binary=:all:
--platform win_amd64 --python-version 3.13`` (pip reads the wheels' metadata, PEP 658, instead of
downloading them) as one set, and prints one line per requirement with the wheel it resolved to;
when the set does not resolve, each requirement alone, to name the one that fails. Exit 0 when all
resolve, 1 when any does not (with pip's reason), 2 when pyproject.toml cannot be read.

    python scripts/check_windows_deps.py [--pyproject PATH] [--python-version 3.13]

The default is the Python the release is built with (``RELEASE_PYTHON``: the release workflow's
and requirements-win.txt's; tests/windows holds them equal).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLATFORM = "win_amd64"
RELEASE_PYTHON = "3.13"  # .github/workflows/release.yml, requirements-win.txt


@dataclass(frozen=True)
class Outcome:
    requirement: str
    ok: bool
    detail: str


def runtime_requirements(pyproject: Path) -> list[str]:
    """``[project].dependencies`` with environment markers dropped: on Windows they all apply,
    and a marker such as ``sys_platform == 'win32'`` would hide MetaTrader5 from this check."""
    data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    found = data.get("project", {}).get("dependencies", [])
    return [requirement.split(";", 1)[0].strip() for requirement in found]


def pip_resolve(requirements: list[str], python_version: str) -> tuple[Outcome, dict[str, str]]:
    """Resolve ``requirements`` (with their dependencies) as one set: the outcome, and the wheel
    file each resolved project came to (by normalised project name)."""
    requirement = " + ".join(requirements) if len(requirements) > 1 else requirements[0]
    with tempfile.TemporaryDirectory(prefix="windeps-") as folder:
        report = Path(folder) / "report.json"
        command = [
            sys.executable, "-m", "pip", "install", "--dry-run", "--quiet",
            "--disable-pip-version-check", "--ignore-installed", "--only-binary=:all:",
            "--platform", PLATFORM, "--python-version", python_version,
            "--target", str(Path(folder) / "target"), "--report", str(report), *requirements,
        ]  # fmt: skip
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=600)
        except subprocess.TimeoutExpired:
            return Outcome(requirement, False, "pip did not finish within 10 minutes"), {}
        if done.returncode != 0:
            return Outcome(requirement, False, _last_error_line(done.stderr or done.stdout)), {}
        wheels = {
            _key(item["metadata"]["name"]): item["download_info"]["url"].rsplit("/", 1)[-1]
            for item in json.loads(report.read_text(encoding="utf-8")).get("install", [])
        }
    return Outcome(requirement, True, "resolved"), wheels


def _alone(requirement: str, python_version: str) -> Outcome:
    outcome, wheels = pip_resolve([requirement], python_version)
    return Outcome(requirement, True, wheels.get(_project(requirement), "resolved")) if (
        outcome.ok) else outcome


def _key(project: str) -> str:
    return re.sub(r"[-_.]+", "_", project).lower()


def _project(requirement: str) -> str:
    return _key(re.split(r"[<>=!~\[ ]", requirement, maxsplit=1)[0])


def _last_error_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("ERROR")]
    return (errors or lines or ["pip failed without saying why"])[-1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--pyproject", type=Path, default=ROOT / "pyproject.toml")
    parser.add_argument("--python-version", default=RELEASE_PYTHON)
    args = parser.parse_args(argv)
    try:
        requirements = runtime_requirements(args.pyproject)
    except (OSError, tomllib.TOMLDecodeError) as problem:
        print(f"cannot read {args.pyproject}: {problem}")
        return 2
    if not requirements:
        print(f"{args.pyproject} lists no runtime dependencies")
        return 2
    together, wheels = pip_resolve(requirements, args.python_version)
    if together.ok:
        outcomes = [Outcome(r, _project(r) in wheels, wheels.get(_project(r), "not in the set"))
                    for r in requirements]
    else:  # which one fails alone (the set may also conflict when each alone resolves)
        outcomes = [_alone(r, args.python_version) for r in requirements]
    for outcome in outcomes:
        mark = "ok  " if outcome.ok else "FAIL"
        print(f"{mark} {outcome.requirement:<45} {outcome.detail}")
    print(f"{'ok  ' if together.ok else 'FAIL'} {'all of them together':<45} {together.detail}")
    outcomes.append(together)
    failed = [o for o in outcomes if not o.ok]
    target = f"{PLATFORM}, Python {args.python_version}"
    if failed:
        print(f"{len(failed)} of {len(outcomes)} checks failed: the runtime requirements do not "
              f"all resolve for {target}")  # fmt: skip
        return 1
    print(f"all {len(requirements)} runtime requirements resolve for {target}, also together")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
