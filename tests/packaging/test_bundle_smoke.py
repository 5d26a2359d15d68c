"""The PyInstaller bundle builds from ``build.spec``, its executable passes ``--self-test``
headless, and the bundle stays under its recorded size (``scripts/build_smoke.py``).

About a minute here (the build is most of it). Needs PyInstaller (``pip install -e ".[build]"``);
set TRADECOPIER_BUNDLE_SMOKE=0 to leave it out of a run that builds the bundle anyway.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

from tests.packaging.conftest import load_script

smoke = load_script("build_smoke")


@pytest.mark.slow
@pytest.mark.timeout(1200)
@pytest.mark.skipif(os.environ.get("TRADECOPIER_BUNDLE_SMOKE") == "0", reason="off by request")
@pytest.mark.skipif(importlib.util.find_spec("PyInstaller") is None,
                    reason='PyInstaller not installed: pip install -e ".[build]"')
def test_the_built_bundle_passes_its_self_test_within_its_size_limit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = smoke.main(["--dist", str(tmp_path / "dist"), "--work", str(tmp_path / "build")])

    out = capsys.readouterr().out
    assert code == 0, out
    assert "self-test passed" in out
    if sys.platform != "win32":  # on Windows scripts/exe_no_stdio.ps1 does it
        assert "no-stdio self-test: ok" in out  # the windowed executable without stdout/stderr
    assert smoke.executable(tmp_path / "dist" / "TradeCopier", smoke.CLI_NAME).is_file()
    assert "bundle size:" in out
    assert (tmp_path / "dist" / "TradeCopier" / "_internal" / "ea" / "MQL5").is_dir()
