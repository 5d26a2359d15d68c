"""A data folder the trader chose outside %LOCALAPPDATA% (a shared drive, C:\\TradeCopier) is
limited to the current user with icacls on Windows
(https://learn.microsoft.com/en-us/windows-server/administration/windows-commands/icacls); the
default per-user folder is left alone, and a failure is said in the log. Windows' icacls is
replaced by a runner that records the command and answers as icacls would."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import pytest

from copier.store.acl import per_user_root, restrict_to_current_user
from copier.store.paths import DATABASE_FILE, prepare_database_file


class Icacls:
    def __init__(self, code: int = 0, output: str = "", fails_to_start: bool = False) -> None:
        self.calls: list[list[str]] = []
        self.code, self.output, self.fails_to_start = code, output, fails_to_start

    def __call__(self, args: Sequence[str]) -> tuple[int, str]:
        self.calls.append(list(args))
        if self.fails_to_start:
            raise FileNotFoundError(2, "The system cannot find the file specified", args[0])
        return self.code, self.output


@pytest.fixture
def signed_in(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("USERNAME", "trader")
    monkeypatch.setenv("USERDOMAIN", "TRADING-PC")
    return "TRADING-PC\\trader"


def test_a_chosen_data_folder_is_limited_to_the_user_and_system_on_windows(
    tmp_path: Path, signed_in: str
) -> None:
    shared = tmp_path / "shared drive" / "TradeCopier"
    icacls = Icacls()

    prepare_database_file(shared / DATABASE_FILE, own_folder=True, platform="win32", run=icacls,
                          per_user=tmp_path / "AppData" / "Local")

    assert icacls.calls == [[
        "icacls", str(shared), "/inheritance:r",
        "/grant:r", "TRADING-PC\\trader:(OI)(CI)F",
        "/grant:r", "*S-1-5-18:(OI)(CI)F",
        "/T", "/C", "/Q",
    ]]
    assert (shared / DATABASE_FILE).exists()


def test_the_default_per_user_folder_and_anything_under_localappdata_are_left_alone(
    tmp_path: Path, signed_in: str
) -> None:
    icacls = Icacls()
    local_appdata = tmp_path / "AppData" / "Local"

    assert restrict_to_current_user(local_appdata / "TradeCopier", platform="win32", run=icacls,
                                    default_root=local_appdata)
    assert restrict_to_current_user(local_appdata / "Temp" / "x", platform="win32", run=icacls,
                                    default_root=local_appdata)
    assert restrict_to_current_user(per_user_root() / "TradeCopier", platform="win32",
                                    run=icacls)
    assert icacls.calls == []


def test_nothing_is_run_off_windows_or_for_a_database_file_named_outright(
    tmp_path: Path, signed_in: str
) -> None:
    icacls = Icacls()

    prepare_database_file(tmp_path / "a" / DATABASE_FILE, own_folder=True, platform="linux",
                          run=icacls)
    prepare_database_file(tmp_path / "b" / DATABASE_FILE, own_folder=False, platform="win32",
                          run=icacls, per_user=tmp_path / "AppData" / "Local")

    assert icacls.calls == []


@pytest.mark.parametrize("icacls", [
    Icacls(code=5, output="C:\\Shared: Access is denied.\nSuccessfully processed 0 files"),
    Icacls(fails_to_start=True),
], ids=["refused", "missing"])
def test_a_folder_that_cannot_be_limited_is_said_in_a_sentence_and_the_store_carries_on(
    tmp_path: Path, signed_in: str, icacls: Icacls, caplog: pytest.LogCaptureFixture
) -> None:
    shared = tmp_path / "shared"

    with caplog.at_level(logging.WARNING, logger="copier.store.acl"):
        prepare_database_file(shared / DATABASE_FILE, own_folder=True, platform="win32",
                              run=icacls, per_user=tmp_path / "AppData" / "Local")

    assert len(icacls.calls) == 1
    [record] = caplog.records
    assert record.getMessage().startswith(f"The data folder {shared} could not be made private")
    assert "Other users of this computer" in record.getMessage()
    assert (shared / DATABASE_FILE).exists()
