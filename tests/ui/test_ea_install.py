"""Install EAs (Accounts): the terminals found from a fake %APPDATA% get our EAs where their
includes resolve, ticked ones only, with each platform's own next steps; a folder the trader
picks is added or refused in words; and nothing is ever looked for or installed in the working
directory, even when it looks like a terminal's data folder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from copier.domain import Platform
from copier.ui.install_dialog import InstallDialog
from copier.ui.main import Gui
from copier.ui.session import CoreSession
from tests.eas_fakes import (
    MT4_ID,
    MT5_ID,
    make_appdata,
    make_data_folder,
    make_ea_tree,
    origin_bytes,
    terminal_root,
    windows_env,
)
from tests.ui.conftest import Run, until


def _files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def test_install_dialog_installs_into_ticked_terminals_only(
    make_session: Callable[..., CoreSession], run: Run[Any], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    appdata, ea_root = make_appdata(tmp_path), make_ea_tree(tmp_path)
    windows_env(monkeypatch, appdata, None)
    session = make_session(trade=False)
    dialog = InstallDialog(session, ea_root=ea_root)

    async def scenario() -> Any:
        await session.start()
        await dialog.scan()
        assert [t.platform for t in dialog.terminals] == [Platform.MT4, Platform.MT5]
        dialog.found.item(0).setCheckState(Qt.CheckState.Unchecked)  # the MT4 terminal
        return await dialog.install()

    reports = run(scenario())

    root = terminal_root(appdata)
    assert [r.terminal.platform for r in reports] == [Platform.MT5]
    assert _files(root / MT4_ID) == ["origin.txt"]
    assert "MQL5/Include/TradeCopy/Ws.mqh" in _files(root / MT5_ID)
    assert "MQL5/Experts/TradeCopy_Monitor.mq5" in _files(root / MT5_ID)
    text = dialog.report.toPlainText()
    assert "copied:" in text
    assert "Then, in each MT5 terminal:" in text and "Allow algorithmic trading" in text
    assert "MT4 terminal" not in text and "DLL" not in text


def test_find_terminals_never_looks_in_the_working_directory(
    make_session: Callable[..., CoreSession], run: Run[Any], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    # The working directory is the source tree, with a folder that looks like a data folder:
    # the old dialog, with no terminal found, scanned it and "installed" into it.
    here = tmp_path / "source tree"
    ea_root = make_ea_tree(here)
    make_data_folder(here, MT5_ID, origin_bytes(r"C:\MT5"), "MQL5")
    before = _files(here)
    monkeypatch.chdir(here)
    windows_env(monkeypatch, None, None)
    session = make_session(trade=False)
    dialog = InstallDialog(session, ea_root=ea_root)

    async def scenario() -> Any:
        await session.start()
        await dialog.scan()
        dialog.install_button.click()  # disabled: does nothing
        return await dialog.install()

    reports = run(scenario())

    assert dialog.terminals == [] and reports == []
    assert not dialog.install_button.isEnabled()
    assert "No MetaTrader terminal was found" in dialog.report.toPlainText()
    assert "File → Open Data Folder" in dialog.report.toPlainText()
    assert _files(here) == before


def test_a_picked_data_folder_is_added_and_a_wrong_one_refused_in_words(
    make_session: Callable[..., CoreSession], run: Run[Any], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    ea_root = make_ea_tree(tmp_path)
    picked = tmp_path / "Portable MT4"
    (picked / "MQL4").mkdir(parents=True)
    (picked / "terminal.exe").write_bytes(b"MZ")
    windows_env(monkeypatch, None, None)
    answers = [str(picked), str(tmp_path)]
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        staticmethod(lambda *_args, **_kw: answers.pop(0)))
    session = make_session(trade=False)
    dialog = InstallDialog(session, ea_root=ea_root)

    async def scenario() -> Any:
        await session.start()
        dialog.add_button.click()
        await until(lambda: len(dialog.terminals) == 1, what="the picked folder to be listed")
        dialog.add_button.click()
        await until(lambda: "Not added" in dialog.report.toPlainText(), what="the refusal")
        return await dialog.install()

    reports = run(scenario())

    assert [(t.data_path, t.platform, t.portable) for t in dialog.terminals] == [
        (picked, Platform.MT4, True)]
    assert f"Not added: {tmp_path} is not a MetaTrader data folder" in dialog.report.toPlainText()
    assert [r.ok for r in reports] == [True]
    assert "MQL4/Include/TradeCopy/Json.mqh" in _files(picked)
    assert "Allow DLL imports" in dialog.report.toPlainText()


def test_accounts_install_eas_lists_the_terminals_found_when_it_opens(
    make_gui: Callable[..., Gui], run: Run[Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    appdata = make_appdata(tmp_path)
    windows_env(monkeypatch, appdata, None)
    monkeypatch.chdir(tmp_path)
    gui = make_gui(trade=False)

    async def scenario() -> InstallDialog:
        await gui.start()
        dialog = gui.window.accounts.open_install()
        await until(lambda: dialog.found.count() == 2, what="the terminals to be listed")
        return dialog

    dialog = run(scenario())

    assert [t.data_path.name for t in dialog.terminals] == [MT4_ID, MT5_ID]
    assert dialog.install_button.isEnabled()
    dialog.close()
