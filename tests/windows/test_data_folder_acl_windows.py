"""On a real Windows: icacls limits a chosen data folder to the signed-in user and SYSTEM, and
the copier can still write in it. (tests/unit/store/test_data_folder_acl.py checks the command
and the fallbacks everywhere; only Windows can say what the ACL then holds.)"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from copier.store.acl import current_user, restrict_to_current_user


@pytest.mark.windows_only(reason="icacls and NTFS access control lists")
def test_icacls_leaves_only_the_user_and_system_on_the_folder(tmp_path: Path) -> None:
    folder = tmp_path / "chosen data folder"
    folder.mkdir()
    (folder / "settings.json").write_text("{}", encoding="utf-8")

    # tmp_path is under %LOCALAPPDATA%\Temp, which is left alone: treat it as a chosen folder.
    assert restrict_to_current_user(folder, default_root=tmp_path / "elsewhere")

    listing = subprocess.run(["icacls", str(folder)], capture_output=True, text=True,
                             check=True).stdout
    # "C:\...\folder DOMAIN\user:(OI)(CI)(F)", then one entry a line, then a summary.
    entries = [rest.split(":(", 1)[0].strip()
               for rest in (line.replace(str(folder), "", 1) for line in listing.splitlines())
               if ":(" in rest]
    assert {e.casefold() for e in entries} == {
        current_user().casefold(), "nt authority\\system"}, listing
    assert "(I)" not in listing  # nothing inherited any more
    (folder / "settings.json").write_text('{"theme": "dark"}', encoding="utf-8")
