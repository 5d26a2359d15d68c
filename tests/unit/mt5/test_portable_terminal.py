"""Portable-mode MT5 terminals: ``initialize(path, portable=True)`` when the terminal keeps its data
beside ``terminal64.exe`` (https://www.mql5.com/en/docs/python_metatrader5/mt5initialize_py,
https://www.metatrader5.com/en/terminal/help/start_advanced/start). Told from the files, or said
by the account's settings; passed through the worker's configuration to ``initialize``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import copier.testbed.mt5standin as mt5
from copier.domain import Platform
from copier.store import AccountRecord
from copier.terminals.mt5 import Mt5Config
from copier.terminals.mt5.portable import portable_setting, runs_portable
from copier.terminals.mt5.session import Session
from copier.terminals.registry import default_registry
from copier.testbed.mt5standin import registry
from copier.testbed.mt5standin.profiles import TerminalProfile
from tests.eas_fakes import make_data_folder, origin_bytes, terminal_root

pytestmark = pytest.mark.timeout(20)


def install(folder: Path, *, mql5: bool) -> Path:
    folder.mkdir(parents=True)
    (folder / "terminal64.exe").write_bytes(b"MZ")
    if mql5:
        (folder / "MQL5" / "Experts").mkdir(parents=True)
        (folder / "config").mkdir()
    return folder / "terminal64.exe"


def test_a_terminal_with_its_data_beside_the_exe_runs_portable(tmp_path: Path) -> None:
    exe = install(tmp_path / "Documents" / "MT5 Portable", mql5=True)
    appdata_root = terminal_root(tmp_path / "AppData" / "Roaming")

    assert runs_portable(str(exe), terminal_root=appdata_root)
    assert runs_portable(str(exe.parent), terminal_root=appdata_root)  # the folder itself


def test_a_normal_install_keeps_its_data_in_appdata_and_is_not_portable(tmp_path: Path) -> None:
    exe = install(tmp_path / "Program Files" / "MetaTrader 5", mql5=False)

    assert not runs_portable(str(exe), terminal_root=terminal_root(tmp_path / "AppData"))


def test_an_install_folder_an_origin_txt_names_is_not_portable_even_with_an_mql5_folder(
    tmp_path: Path,
) -> None:
    # Started once with /portable and then normally: the terminal reads %APPDATA% again, and
    # the data folder there names its install folder in origin.txt.
    exe = install(tmp_path / "Program Files" / "MetaTrader 5", mql5=True)
    root = terminal_root(tmp_path / "AppData" / "Roaming")
    make_data_folder(root, "D0E8209F77C8CF37AD8BF550E51FF075", origin_bytes(str(exe.parent)),
                     "MQL5")

    assert not runs_portable(str(exe), terminal_root=root)


def test_an_mt4_or_a_relative_or_empty_path_is_not_taken_for_a_portable_mt5(
    tmp_path: Path,
) -> None:
    mt4 = tmp_path / "MT4 Portable"
    (mt4 / "MQL4").mkdir(parents=True)
    (mt4 / "terminal.exe").write_bytes(b"MZ")
    root = tmp_path / "none"

    assert not runs_portable(str(mt4 / "terminal.exe"), terminal_root=root)
    assert not runs_portable("MT5/terminal64.exe", terminal_root=root)
    assert not runs_portable("", terminal_root=root)


def test_the_accounts_setting_says_it_outright_whatever_the_files(tmp_path: Path) -> None:
    exe = install(tmp_path / "MT5", mql5=True)
    root = tmp_path / "none"

    assert portable_setting({"terminal_path": str(exe)}, terminal_root=root)
    assert not portable_setting({"terminal_path": str(exe), "portable": False},
                                terminal_root=root)
    assert portable_setting({"terminal_path": "C:/MT5/terminal64.exe", "portable": True},
                            terminal_root=root)


def test_the_worker_configuration_carries_the_portable_flag(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("APPDATA", str(tmp_path / "AppData" / "Roaming"))
    portable = install(tmp_path / "Documents" / "MT5 Portable", mql5=True)
    normal = install(tmp_path / "Program Files" / "MetaTrader 5", mql5=False)
    accounts = [
        AccountRecord(name, Platform.MT5, login, "Broker-Demo",
                      settings={"connection": "mt5", "terminal_path": str(path)})
        for name, login, path in (("p", 1, portable), ("n", 2, normal))
    ]

    made = default_registry(None, tmp_path / "data").terminals_for(accounts)

    assert [(t.account_id, t.config.portable) for t in made] == [("p", True), ("n", False)]
    assert {t.config.log_dir for t in made} == {str(tmp_path / "data")}


PATH = "C:/MT5/portable"


@pytest.fixture
def standin() -> Iterator[None]:
    registry.clear()
    registry.ensure(TerminalProfile(path=PATH, login=8101, server="Sim-Demo"))
    yield
    mt5.shutdown()
    registry.clear()


@pytest.mark.parametrize("portable", [True, False])
def test_session_connect_passes_portable_to_initialize_and_the_terminal_starts_that_way(
    standin: None, portable: bool
) -> None:
    config = Mt5Config(path=PATH, login=8101, server="Sim-Demo", portable=portable)

    Session(mt5, config).connect()
    info = mt5.terminal_info()

    assert info is not None
    # Portable: the data folder is the install folder; otherwise one under %APPDATA%.
    assert (info.data_path == PATH) is portable
    assert ("AppData\\Roaming\\MetaQuotes\\Terminal" in info.data_path) is not portable
