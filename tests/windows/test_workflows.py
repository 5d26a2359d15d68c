"""The GitHub workflows validate against GitHub's workflow schema (the copy check-jsonschema ships,
so no network is needed) and hold the Windows jobs docs/windows.md describes."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys

import pytest

from tests.packaging.conftest import ROOT, load_script

WORKFLOWS = ROOT / ".github" / "workflows"
SCRIPTS = ROOT / "scripts"


@pytest.mark.skipif(importlib.util.find_spec("check_jsonschema") is None,
                    reason='check-jsonschema not installed: pip install -e ".[dev]"')
def test_every_workflow_validates_against_githubs_schema() -> None:
    files = sorted(str(path) for path in WORKFLOWS.glob("*.yml"))
    done = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows",
         *files], capture_output=True, text=True, timeout=120)

    assert done.returncode == 0, done.stdout + done.stderr
    assert len(files) >= 2


def test_windows_runs_on_every_push_and_pull_request_with_the_release_python() -> None:
    text = (WORKFLOWS / "windows.yml").read_text(encoding="utf-8")
    release = (WORKFLOWS / "release.yml").read_text(encoding="utf-8")

    assert "\non:\n  push:\n  pull_request:\n" in text
    assert text.count('python-version: "3.13"') == 2 and 'python-version: "3.13"' in release
    assert "python -m pytest" in text and "python -m mypy --platform win32 copier" in text
    # makensis is on the runner before the tests that compile the installer script
    assert text.index("choco install nsis") < text.index("python -m pytest")
    assert release.index("choco install nsis") < release.index("python -m pytest")


def test_every_script_a_workflow_runs_exists() -> None:
    for workflow in WORKFLOWS.glob("*.yml"):
        text = workflow.read_text(encoding="utf-8")
        for script in re.findall(r"scripts/[\w./-]+\.(?:py|ps1)", text.replace("\\", "/")):
            assert (ROOT / script).is_file(), f"{workflow.name} runs {script}, which is missing"


def test_the_windows_dependency_check_targets_the_release_python() -> None:
    release = (WORKFLOWS / "release.yml").read_text(encoding="utf-8")
    lock_header = (ROOT / "requirements-win.txt").read_text(encoding="utf-8")[:400]
    python = load_script("check_windows_deps").RELEASE_PYTHON

    assert f'python-version: "{python}"' in release
    assert f"Python {python} on win_amd64" in lock_header
