"""Finding MetaTrader data folders: the %APPDATA% ones with their origin.txt, portable terminals
under Program Files, a folder the trader names — and never the working directory or the app's
own ea/ source folder, which looks like a data folder (it has MQL4 and MQL5 folders)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from copier.domain import Platform
from copier.eas.folders import (
    NotADataFolder,
    discover_terminals,
    find_terminal_folders,
    open_data_folder,
    read_origin,
)
from tests.eas_fakes import (
    MT4_ID,
    MT4_INSTALL,
    MT5_ID,
    MT5_INSTALL,
    make_appdata,
    make_data_folder,
    make_ea_tree,
    make_program_files,
    origin_bytes,
    terminal_root,
    windows_env,
)


def test_appdata_and_portable_terminals_are_found_with_platform_and_install_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    appdata, program_files = make_appdata(tmp_path), make_program_files(tmp_path)
    windows_env(monkeypatch, appdata, program_files)

    found = discover_terminals()

    portable = program_files / "Broker MT4 Portable"
    assert [(t.platform, t.install_path, t.portable) for t in found] == sorted([
        (Platform.MT4, MT4_INSTALL, False),
        (Platform.MT5, MT5_INSTALL, False),
        (Platform.MT4, str(portable), True),
    ], key=lambda row: row[1].lower())
    assert {t.data_path for t in found} == {
        terminal_root(appdata) / MT4_ID, terminal_root(appdata) / MT5_ID, portable}


def test_origin_txt_is_read_as_metatrader_writes_it_utf16_le_with_bom(tmp_path: Path) -> None:
    folder = make_data_folder(tmp_path, MT5_ID, origin_bytes(r"D:\Brokers\Ünïcode MT5"), "MQL5")

    assert read_origin(folder) == r"D:\Brokers\Ünïcode MT5"


def test_nothing_is_searched_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The working directory looks like every place a terminal could be: data folders with their
    # origin.txt, a portable terminal, and the app's own ea/ source tree.
    here = tmp_path / "cwd"
    make_data_folder(here, MT5_ID, origin_bytes(MT5_INSTALL), "MQL5")
    make_program_files(here)
    make_ea_tree(here)
    monkeypatch.chdir(here)
    windows_env(monkeypatch, None, None)
    assert discover_terminals() == []

    for unusable in ("", ".", "MetaQuotes"):  # empty or relative variables are ignored
        monkeypatch.setenv("APPDATA", unusable)
        monkeypatch.setenv("ProgramFiles", unusable)
        assert discover_terminals() == []
    # Path("") is the working directory: the old "Find terminals" with an empty field read it
    assert find_terminal_folders(Path("")) == []
    assert find_terminal_folders(Path(".")) == []


def test_the_apps_ea_source_folder_is_never_taken_for_a_data_folder(tmp_path: Path) -> None:
    ea_root = make_ea_tree(tmp_path)

    # ea/ has MQL4/ and MQL5/ folders but is not a data folder
    assert find_terminal_folders(tmp_path.absolute()) == []
    for named in (ea_root, ea_root / "MQL5", ea_root / "MQL4" / "Experts"):
        with pytest.raises(NotADataFolder, match="EA files that come with TradeCopier"):
            open_data_folder(named, ea_root=ea_root)
    copy = make_ea_tree(tmp_path / "unzipped elsewhere")
    with pytest.raises(NotADataFolder, match="both an MQL4 and an MQL5 folder"):
        open_data_folder(copy, ea_root=ea_root)


def test_a_named_folder_with_an_mql_folder_is_a_data_folder(tmp_path: Path) -> None:
    folder = tmp_path / "D"
    (folder / "MQL4").mkdir(parents=True)

    terminal = open_data_folder(folder, ea_root=tmp_path / "ea")

    assert (terminal.data_path, terminal.platform) == (folder, Platform.MT4)


def test_a_named_install_folder_leads_to_its_data_folder_through_origin_txt(
    tmp_path: Path
) -> None:
    install = tmp_path / "Program Files" / "MetaTrader 5"
    install.mkdir(parents=True)
    (install / "terminal64.exe").write_bytes(b"MZ")
    root = terminal_root(tmp_path / "AppData")
    data = make_data_folder(root, MT5_ID, origin_bytes(str(install)), "MQL5")

    terminal = open_data_folder(install, ea_root=tmp_path / "ea", terminal_root=root)

    assert terminal.data_path == data
    (install / "MQL5").mkdir()  # as unpacked there by an earlier portable start: still not read
    assert open_data_folder(install, ea_root=tmp_path / "ea", terminal_root=root) == terminal
    (install / "MQL5").rmdir()
    with pytest.raises(NotADataFolder, match=r"where MetaTrader is installed.*Open Data Folder"):
        open_data_folder(install, ea_root=tmp_path / "ea", terminal_root=tmp_path / "none")


@pytest.mark.parametrize("name", ["missing", "empty"])
def test_a_named_folder_that_is_not_a_data_folder_is_refused_in_words(
    tmp_path: Path, name: str
) -> None:
    folder = tmp_path / name
    if name == "empty":
        folder.mkdir()

    with pytest.raises(NotADataFolder, match=r"File → Open Data Folder") as refused:
        open_data_folder(folder, ea_root=tmp_path / "ea")

    assert str(folder) in str(refused.value)
    assert not folder.exists() or list(folder.iterdir()) == []


def test_an_install_folder_whose_data_is_in_appdata_is_not_taken_for_a_portable_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # MT4's installer leaves an MQL4 folder next to terminal.exe; started normally, the terminal
    # reads its data folder in %APPDATA%, whose origin.txt names this install folder
    program_files = make_program_files(tmp_path)
    install = program_files / "Broker MT4 Portable"
    appdata = tmp_path / "AppData"
    make_data_folder(terminal_root(appdata), MT4_ID, origin_bytes(str(install)), "MQL4")
    windows_env(monkeypatch, appdata, program_files)

    found = discover_terminals()

    assert [(t.data_path, t.portable) for t in found] == [(terminal_root(appdata) / MT4_ID, False)]
    shutil.rmtree(terminal_root(appdata))
    assert [(t.data_path, t.portable) for t in discover_terminals()] == [(install, True)]
