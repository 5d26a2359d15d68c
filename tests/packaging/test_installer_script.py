"""The NSIS installer script compiles with makensis (warnings are errors), refuses to build without
a version, and removes the user's data folder only in the section that is unticked by default."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.packaging.conftest import ROOT, load_script

check = load_script("check_installer")
SCRIPT = ROOT / "installer" / "TradeCopier.nsi"
MAKENSIS = shutil.which("makensis")
# CI must prove the script compiles, so there a missing makensis fails; elsewhere it skips.
needs_makensis = pytest.mark.skipif(
    MAKENSIS is None and not os.environ.get("CI"),
    reason="makensis not installed (apt-get install nsis)",
)


@needs_makensis
@pytest.mark.timeout(120)
def test_the_installer_script_compiles_into_a_windows_executable(tmp_path: Path) -> None:
    code = check.main(["--out", str(tmp_path)])

    assert code == 0
    made = list(tmp_path.glob("TradeCopier-*-setup.exe"))
    assert len(made) == 1
    assert made[0].read_bytes()[:2] == b"MZ"


@needs_makensis
@pytest.mark.timeout(60)
def test_the_installer_script_refuses_to_compile_without_a_version(tmp_path: Path) -> None:
    assert MAKENSIS is not None, "makensis must be installed in CI (apt-get install nsis)"
    bundle = check.make_stand_in_bundle(tmp_path)

    done = subprocess.run(
        [MAKENSIS, "-V2", f"-DBUNDLE_DIR={bundle}", f"-DOUTFILE={tmp_path / 'x.exe'}",
         str(SCRIPT)],
        cwd=SCRIPT.parent, capture_output=True, text=True, timeout=50,
    )

    assert done.returncode != 0
    assert "pass the version" in done.stdout + done.stderr
    assert not (tmp_path / "x.exe").exists()


def test_the_data_folder_is_deleted_only_by_the_unticked_uninstall_option() -> None:
    text = SCRIPT.read_text(encoding="utf-8")
    sections = re.findall(r'^Section (.*?)$(.*?)^SectionEnd', text, re.MULTILINE | re.DOTALL)

    deleting = [head for head, body in sections if "${DATA_DIR}" in body]

    assert deleting == ['/o "un.Also delete my data" UnSecData']


def test_the_install_goes_per_user_without_administrator_rights() -> None:
    text = SCRIPT.read_text(encoding="utf-8")

    assert "RequestExecutionLevel user" in text
    assert 'InstallDir "$LOCALAPPDATA\\Programs\\${APP_NAME}"' in text
    assert "HKLM" not in text


@pytest.mark.parametrize(("version", "quad"), [
    ("0.1.0", "0.1.0.0"), ("1.2", "1.2.0.0"), ("2.0.1rc1", "2.0.1.0"), ("1.2.3.4.5", "1.2.3.4"),
])
def test_the_file_version_has_the_four_numbers_windows_needs(version: str, quad: str) -> None:
    assert check.version_quad(version) == quad
