"""Finding MetaTrader data folders and copying our EAs into them (Accounts → Install EAs). Qt-free.

Every terminal keeps its data in ``%APPDATA%\\MetaQuotes\\Terminal\\<id>\\``; ``origin.txt`` there
names the terminal's install folder (UTF-16 with a byte-order mark, as MetaTrader writes it), and
an ``MQL4`` or ``MQL5`` folder says which platform it is. The root is a parameter so tests can use
a fake tree. Blocking file work: run it off the UI thread.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from copier.domain import Platform

SUBFOLDER = "TradeCopier"  # our files go in their own folder under Experts/ and Include/
EXPERT_SUFFIXES = {".mq4": Platform.MT4, ".ex4": Platform.MT4, ".mq5": Platform.MT5,
                   ".ex5": Platform.MT5}
MQL_FOLDER = {Platform.MT4: "MQL4", Platform.MT5: "MQL5"}


@dataclass(frozen=True, slots=True)
class TerminalFolder:
    """One MetaTrader data folder found under the root."""

    data_path: Path
    platform: Platform
    install_path: str  # from origin.txt; empty when the file is missing or unreadable

    @property
    def id(self) -> str:
        return self.data_path.name

    @property
    def title(self) -> str:
        where = self.install_path or "install folder unknown"
        return f"{self.platform.value.upper()} — {where} ({self.id[:8]}…)"


@dataclass(frozen=True, slots=True)
class InstallReport:
    terminal: TerminalFolder
    copied: tuple[Path, ...]
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return bool(self.copied) and not self.problems

    def describe(self) -> str:
        head = f"{self.terminal.title}: "
        if self.problems:
            return head + "; ".join(self.problems)
        names = ", ".join(p.name for p in self.copied)
        return head + f"copied {names} — restart the terminal or refresh its Navigator"


def default_terminal_root() -> Path | None:
    """``%APPDATA%\\MetaQuotes\\Terminal`` on Windows; None where there is no such folder."""
    appdata = os.environ.get("APPDATA")
    if not appdata:
        return None
    root = Path(appdata) / "MetaQuotes" / "Terminal"
    return root if root.is_dir() else None


def default_ea_folder() -> Path:
    """The EA sources shipped with the app (next to the package, or inside a frozen build)."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    base = Path(frozen_root) if frozen_root else Path(__file__).resolve().parents[2]
    return base / "ea"


def read_origin(folder: Path) -> str:
    """The install path in ``origin.txt``, whatever encoding MetaTrader used."""
    try:
        raw = (folder / "origin.txt").read_bytes()
    except OSError:
        return ""
    encoding = "utf-16" if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"
    try:
        return raw.decode(encoding).strip()
    except UnicodeDecodeError:
        return ""


def find_terminal_folders(root: Path) -> list[TerminalFolder]:
    """Every data folder under ``root`` that holds an MQL4 or MQL5 folder, sorted by install path.
    The shared ``Common`` and ``Community`` folders MetaTrader keeps beside them are skipped."""
    found: list[TerminalFolder] = []
    if not root.is_dir():
        return found
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        for platform in (Platform.MT5, Platform.MT4):
            if (folder / MQL_FOLDER[platform]).is_dir():
                found.append(TerminalFolder(folder, platform, read_origin(folder)))
                break
    return sorted(found, key=lambda t: (t.install_path.lower(), t.id))


def ea_files(ea_folder: Path, platform: Platform) -> list[tuple[Path, str]]:
    """(source file, destination folder under MQLn) of every EA file for ``platform``."""
    out: list[tuple[Path, str]] = []
    if not ea_folder.is_dir():
        return out
    for source in sorted(p for p in ea_folder.rglob("*") if p.is_file()):
        suffix = source.suffix.lower()
        if EXPERT_SUFFIXES.get(suffix) is platform:
            out.append((source, f"Experts/{SUBFOLDER}"))
        elif suffix == ".mqh" and _include_platform(source, ea_folder) in (None, platform):
            out.append((source, f"Include/{SUBFOLDER}"))
    return out


def _include_platform(source: Path, ea_folder: Path) -> Platform | None:
    """Which platform an include file is for, from its folder names (None: both)."""
    parts = {part.lower() for part in source.relative_to(ea_folder).parts[:-1]}
    if parts & {"mql4", "mt4"}:
        return Platform.MT4
    if parts & {"mql5", "mt5"}:
        return Platform.MT5
    return None


def install_eas(terminal: TerminalFolder, ea_folder: Path) -> InstallReport:
    """Copy our EA files into one terminal's MQL folder; report what was done or why not."""
    files = ea_files(ea_folder, terminal.platform)
    if not files:
        problem = f"no {terminal.platform.value.upper()} EA files found in {ea_folder}"
        return InstallReport(terminal, (), (problem,))
    mql = terminal.data_path / MQL_FOLDER[terminal.platform]
    copied: list[Path] = []
    problems: list[str] = []
    for source, relative in files:
        target_dir = mql / relative
        try:
            target_dir.mkdir(parents=True, exist_ok=True)
            copied.append(Path(shutil.copy2(source, target_dir / source.name)))
        except OSError as exc:
            problems.append(f"{source.name}: could not copy ({exc.strerror or exc})")
    return InstallReport(terminal, tuple(copied), tuple(problems))
