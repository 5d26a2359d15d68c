"""Fake trees for the EA installer's tests: the app's ``ea/`` source folder in its layout (shared
includes once in ``ea/Include/TradeCopy``, experts per platform), MetaTrader data folders as the
terminals make them, and a Windows-like environment that points at them."""

from __future__ import annotations

from pathlib import Path

import pytest

MT5_ID = "D0E8209F77C8CF37AD8BF550E51FF075"
MT4_ID = "2C68BEBD7A2A4A7D9A3C2B6E1F0A1B2C"
MT5_INSTALL = r"C:\Program Files\MetaTrader 5"
MT4_INSTALL = r"C:\Program Files (x86)\Broker MT4"
EX4_BYTES = b"EX-4\x00\x01compiled"

BOTH = "#include <TradeCopy/Json.mqh>\n#include <TradeCopy/Ws.mqh>\n"
EA_FILES = {
    "Include/TradeCopy/Json.mqh": "// Json\n",
    "Include/TradeCopy/Sha1.mqh": "// Sha1\n",
    "Include/TradeCopy/Ws.mqh": '#include "Sha1.mqh"\n// Ws\n',
    "MQL4/Experts/TradeCopy_Monitor.mq4": BOTH,
    "MQL4/Experts/TradeCopy_Executor.mq4": "#include <TradeCopy/Json.mqh>\n",
    "MQL5/Experts/TradeCopy_Monitor.mq5": BOTH,
    "MQL5/Experts/TradeCopy_Executor.mq5": "#include <TradeCopy/Ws.mqh>\n",
    "README.md": "# EAs\n",
}


def make_ea_tree(folder: Path) -> Path:
    """An ``ea/`` source folder under ``folder``, with the compiled MT4 EAs beside their sources
    (the release ships them; the MT5 ones are left out here)."""
    root = folder / "ea"
    for relative, text in EA_FILES.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for name in ("TradeCopy_Executor.ex4", "TradeCopy_Monitor.ex4"):
        (root / "MQL4" / "Experts" / name).write_bytes(EX4_BYTES)
    return root


def origin_bytes(text: str) -> bytes:
    """``origin.txt`` as MetaTrader writes it: UTF-16 LE with a byte-order mark."""
    return b"\xff\xfe" + text.encode("utf-16-le")


def make_data_folder(root: Path, ident: str, origin: bytes, mql: str) -> Path:
    folder = root / ident
    (folder / mql).mkdir(parents=True)
    (folder / "origin.txt").write_bytes(origin)
    return folder


def terminal_root(appdata: Path) -> Path:
    return appdata / "MetaQuotes" / "Terminal"


def make_appdata(folder: Path) -> Path:
    """%APPDATA% whose ``MetaQuotes\\Terminal`` holds an MT5 and an MT4 terminal (one
    ``origin.txt`` in UTF-16, one in UTF-8) and the ``Common`` folder MetaTrader keeps beside
    them; returns the %APPDATA% folder."""
    appdata = folder / "AppData" / "Roaming"
    root = terminal_root(appdata)
    make_data_folder(root, MT5_ID, origin_bytes(MT5_INSTALL), "MQL5")
    make_data_folder(root, MT4_ID, MT4_INSTALL.encode("utf-8"), "MQL4")
    (root / "Common" / "Files").mkdir(parents=True)
    return appdata


def make_program_files(folder: Path) -> Path:
    """Program Files with a portable MT4 (its data in its install folder) and a normal MT5 install
    (its data elsewhere)."""
    root = folder / "Program Files"
    portable = root / "Broker MT4 Portable"
    (portable / "MQL4" / "Experts").mkdir(parents=True)
    (portable / "terminal.exe").write_bytes(b"MZ")
    (root / "MetaTrader 5").mkdir(parents=True)
    (root / "MetaTrader 5" / "terminal64.exe").write_bytes(b"MZ")
    return root


def windows_env(monkeypatch: pytest.MonkeyPatch, appdata: Path | None,
                program_files: Path | None) -> None:
    """Point %APPDATA% and the Program Files variables at fake folders (None: unset)."""
    for name in ("APPDATA", "ProgramFiles", "ProgramFiles(x86)", "ProgramW6432"):
        monkeypatch.delenv(name, raising=False)
    if appdata is not None:
        monkeypatch.setenv("APPDATA", str(appdata))
    if program_files is not None:
        monkeypatch.setenv("ProgramFiles", str(program_files))
