"""The installer's Windows-facing additions: makensis signs the uninstaller and the setup it
writes through the release's sign tool, the console companion is waited for and removed like the
app, and a silent uninstall can delete the data folder when asked (/DELETEDATA)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from tests.packaging.conftest import ROOT, load_script

check = load_script("check_installer")
MAKENSIS = shutil.which("makensis")
SCRIPT = (ROOT / "installer" / "TradeCopier.nsi").read_text(encoding="utf-8")
RECORD_SIGNED = "import sys; open(sys.argv[1], 'a').write(sys.argv[2] + '\\n')"


@pytest.mark.skipif(MAKENSIS is None, reason="makensis not installed (apt-get install nsis)")
def test_makensis_signs_the_uninstaller_and_the_setup_with_the_sign_tool(tmp_path: Path) -> None:
    signed = tmp_path / "signed.txt"
    recorder = tmp_path / "record_signed.py"
    recorder.write_text(RECORD_SIGNED, encoding="utf-8")
    setup = tmp_path / "TradeCopier-setup.exe"

    code = check.main(["--out", str(setup),
                       "--sign-tool", f'"{sys.executable}" "{recorder}" "{signed}"'])

    assert code == 0
    files = signed.read_text(encoding="utf-8").split()
    assert len(files) == 2  # the uninstaller (a temporary file makensis embeds), then the setup
    assert Path(files[1]) == setup.resolve() and Path(files[0]) != setup.resolve()


def test_both_executables_are_closed_before_files_are_replaced_or_removed() -> None:
    for section in ('Section "${APP_NAME}" SecApp', 'Section "un.${APP_NAME}" UnSecApp'):
        body = SCRIPT.split(section, 1)[1].split("SectionEnd", 1)[0]
        assert '!insertmacro WaitUntilAppClosed "$INSTDIR\\${APP_EXE}"' in body
        assert '!insertmacro WaitUntilAppClosed "$INSTDIR\\${CLI_EXE}"' in body
    assert '!define CLI_EXE "tradecopier-cli.exe"' in SCRIPT


def test_a_silent_uninstall_deletes_the_data_folder_only_with_deletedata() -> None:
    init = SCRIPT.split("Function un.onInit", 1)[1].split("FunctionEnd", 1)[0]

    assert '${GetOptions} $R0 "/DELETEDATA" $R1' in init
    assert "!insertmacro SelectSection ${UnSecData}" in init


def test_a_folder_that_needs_administrator_rights_is_refused_on_the_page_and_when_silent() -> None:
    directory_page = SCRIPT.split("!insertmacro MUI_PAGE_DIRECTORY", 1)[0].rsplit("\n", 2)[-2]
    app_section = SCRIPT.split('Section "${APP_NAME}" SecApp', 1)[1].split("SectionEnd", 1)[0]
    check_function = SCRIPT.split("Function CheckInstallFolder", 1)[1].split("FunctionEnd", 1)[0]
    macro = (ROOT / "installer" / "writable_folder.nsh").read_text(encoding="utf-8")

    assert "MUI_PAGE_CUSTOMFUNCTION_LEAVE CheckInstallFolder" in directory_page
    assert '!insertmacro RequireWritableFolder "$INSTDIR"' in check_function
    assert '!insertmacro RequireWritableFolder "$INSTDIR"' in app_section.split("SetOutPath")[0]
    assert "needs administrator rights" in macro and "Abort" in macro


def test_deleting_the_data_also_deletes_the_passwords_in_credential_manager() -> None:
    data_section = SCRIPT.split('Section /o "un.Also delete my data" UnSecData', 1)[1]
    data_section = data_section.split("SectionEnd", 1)[0]
    macro = (ROOT / "installer" / "forget_passwords.nsh").read_text(encoding="utf-8")

    assert 'RMDir /r "${DATA_DIR}"' in data_section
    assert "!insertmacro ForgetStoredPasswords" in data_section
    # keyring's Windows backend: the service as target, then "<user>@<service>" for the others
    assert 'CredDeleteW(w "${APP_NAME}"' in macro and 'CredEnumerateW(w "*@${APP_NAME}"' in macro
