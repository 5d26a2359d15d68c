"""``copier eas list`` and ``copier eas install``: the data folders found or a sentence saying
none was and how to name one; installing into named or found folders; a named folder that is not
a data folder stops everything with exit code 2 and a sentence."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from copier.cli import main
from tests.eas_fakes import (
    MT4_ID,
    MT4_INSTALL,
    MT5_ID,
    MT5_INSTALL,
    make_appdata,
    make_ea_tree,
    terminal_root,
    windows_env,
)


@pytest.fixture(autouse=True)
def shipped_eas(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The app runs frozen, with the EA files in its bundle (``sys._MEIPASS``), and the
    working directory is a folder that must never be installed into."""
    bundle = tmp_path / "bundle"
    make_ea_tree(bundle)
    monkeypatch.setattr(sys, "_MEIPASS", str(bundle), raising=False)
    here = tmp_path / "cwd"
    (here / "MQL5").mkdir(parents=True)
    monkeypatch.chdir(here)
    windows_env(monkeypatch, None, None)
    return bundle / "ea"


def _files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def test_list_without_any_terminal_says_so_and_how_to_name_one(
    capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["eas", "list"]) == 0

    out = capsys.readouterr().out
    assert "No MetaTrader data folder was found" in out
    assert "File → Open Data Folder" in out
    assert "copier eas install --terminal" in out


def test_list_prints_platform_install_and_data_folder_of_each_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    appdata = make_appdata(tmp_path)
    windows_env(monkeypatch, appdata, None)

    assert main(["eas", "list"]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        f"MT4  install: {MT4_INSTALL}  data: {terminal_root(appdata) / MT4_ID}",
        f"MT5  install: {MT5_INSTALL}  data: {terminal_root(appdata) / MT5_ID}",
    ]


def test_install_into_a_named_data_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "D"
    (data / "MQL4").mkdir(parents=True)

    assert main(["eas", "install", "--terminal", str(data)]) == 0

    assert "MQL4/Include/TradeCopy/Json.mqh" in _files(data)
    assert "MQL4/Experts/TradeCopy_Monitor.mq4" in _files(data)
    out = capsys.readouterr().out
    assert f"MT4 — install folder unknown: {data}" in out
    assert "copied: Json.mqh, Sha1.mqh, Ws.mqh, TradeCopy_Executor.ex4" in out
    assert _files(Path.cwd()) == []


def test_install_without_terminal_installs_into_every_one_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    appdata = make_appdata(tmp_path)
    windows_env(monkeypatch, appdata, None)

    assert main(["eas", "install"]) == 0

    root = terminal_root(appdata)
    assert "MQL5/Include/TradeCopy/Ws.mqh" in _files(root / MT5_ID)
    assert "MQL4/Experts/TradeCopy_Executor.ex4" in _files(root / MT4_ID)


def test_install_with_nothing_found_says_how_to_name_a_folder_and_installs_nothing(
    capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["eas", "install"]) == 1

    assert "--terminal" in capsys.readouterr().err
    assert _files(Path.cwd()) == []  # the working directory has an MQL5 folder: left alone


def test_a_named_folder_that_is_not_a_data_folder_stops_with_code_2(
    tmp_path: Path, shipped_eas: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "D"
    (good / "MQL5").mkdir(parents=True)
    for bad in (tmp_path / "nowhere", shipped_eas):
        assert main(["eas", "install", "--terminal", str(good), "--terminal", str(bad)]) == 2

        err = capsys.readouterr().err
        assert err.startswith("Nothing was installed: ")
        assert "File → Open Data Folder" in err
        assert "Traceback" not in err
    assert _files(good) == []
