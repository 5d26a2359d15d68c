"""Install EAs: MetaTrader data folders are found in a fake %APPDATA% tree, and our EA files land
in the ticked terminals' MQL folders only, with a report of what was done."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from copier.domain import Platform
from copier.ui.ea_install import find_terminal_folders, install_eas
from copier.ui.install_dialog import InstallDialog
from copier.ui.session import CoreSession
from tests.ui.conftest import Run


def _terminal(root: Path, ident: str, origin: str, mql: str, encoding: str = "utf-16") -> Path:
    folder = root / ident
    (folder / mql).mkdir(parents=True)
    (folder / "origin.txt").write_bytes(origin.encode(encoding))
    return folder


def _fake_tree(tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "AppData" / "MetaQuotes" / "Terminal"
    _terminal(root, "D0E8209F77C8CF37AD8BF550E51FF075", r"C:\Program Files\MetaTrader 5", "MQL5")
    _terminal(root, "2C68BEBD7A2A4A7D9A3C2B6E1F0A1B2C", r"C:\Program Files (x86)\Broker MT4",
              "MQL4", encoding="utf-8")
    (root / "Common" / "Files").mkdir(parents=True)  # MetaTrader's shared folder: not a terminal
    ea = tmp_path / "ea"
    for relative in ("mql5/TradeCopy_Monitor.mq5", "mql5/TradeCopy_Executor.mq5",
                     "mql4/TradeCopy_Monitor.mq4", "mql4/TradeCopy_Executor.mq4",
                     "include/TradeCopyProtocol.mqh"):
        path = ea / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"// {path.name}\n", encoding="utf-8")
    return root, ea


def test_terminal_folders_are_found_with_their_platform_and_install_path(tmp_path: Path) -> None:
    root, _ea = _fake_tree(tmp_path)

    found = find_terminal_folders(root)

    assert [(t.platform, t.install_path) for t in found] == [
        (Platform.MT4, r"C:\Program Files (x86)\Broker MT4"),
        (Platform.MT5, r"C:\Program Files\MetaTrader 5"),
    ]


def test_installing_copies_the_platforms_eas_and_shared_includes_only(tmp_path: Path) -> None:
    root, ea = _fake_tree(tmp_path)
    mt5 = next(t for t in find_terminal_folders(root) if t.platform is Platform.MT5)

    report = install_eas(mt5, ea)

    experts = mt5.data_path / "MQL5" / "Experts" / "TradeCopier"
    assert report.ok
    assert sorted(p.name for p in experts.iterdir()) == [
        "TradeCopy_Executor.mq5", "TradeCopy_Monitor.mq5"]
    assert (mt5.data_path / "MQL5" / "Include" / "TradeCopier" / "TradeCopyProtocol.mqh").exists()
    assert "TradeCopy_Executor.mq5, TradeCopy_Monitor.mq5" in report.describe()


def test_installing_without_ea_files_reports_why_instead_of_failing(tmp_path: Path) -> None:
    root, _ea = _fake_tree(tmp_path)
    terminal = find_terminal_folders(root)[0]

    report = install_eas(terminal, tmp_path / "missing")

    assert not report.ok
    assert "no MT4 EA files found" in report.describe()


def test_install_dialog_installs_into_ticked_terminals_only(
    make_session: Callable[..., CoreSession], run: Run[Any], tmp_path: Path
) -> None:
    root, ea = _fake_tree(tmp_path)
    session = make_session(trade=False)
    dialog = InstallDialog(session, root=root, ea_folder=ea)

    async def scenario() -> Any:
        await session.start()
        await dialog.scan()
        dialog.found.item(0).setCheckState(Qt.CheckState.Unchecked)  # the MT4 terminal
        return await dialog.install()

    reports = run(scenario())

    assert [r.terminal.platform for r in reports] == [Platform.MT5]
    assert not list(root.glob("2C68*/MQL4/Experts/TradeCopier/*"))
    assert len(list(root.glob("D0E8*/MQL5/Experts/TradeCopier/*.mq5"))) == 2
    assert "copied" in dialog.report.toPlainText()
