"""Finding MetaTrader data folders, and telling whether a folder a trader names is one.

Installed normally, a terminal keeps its data in ``%APPDATA%\\MetaQuotes\\Terminal\\<id>\\``, with
``origin.txt`` naming the install folder (UTF-16 LE with a byte-order mark, as MetaTrader writes
it). Started in portable mode (``terminal64.exe /portable``) it keeps its data in its install
folder, next to ``terminal.exe``/``terminal64.exe``
(https://www.metatrader5.com/en/terminal/help/start_advanced/start). Either way the data folder
holds an ``MQL4`` or ``MQL5`` folder, which says the platform.

Searching looks only where terminals live: the ``%APPDATA%`` folder above and one level under the
Program Files folders, all absolute paths from the environment. It never looks in the working
directory, and never takes the app's own ``ea/`` source folder (which has ``MQL4``/``MQL5``
folders too) for a terminal. Blocking file work: run it off the UI thread.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from copier.domain import Platform
from copier.eas.sources import MQL_FOLDER, default_ea_root

TERMINAL_EXES = ("terminal64.exe", "terminal.exe")
OPEN_DATA_FOLDER = ("in the terminal choose File → Open Data Folder and give the folder that "
                    "opens")


class NotADataFolder(ValueError):
    """A folder the trader named is not a MetaTrader data folder; the message says what to do."""


@dataclass(frozen=True, slots=True)
class TerminalFolder:
    """One MetaTrader data folder."""

    data_path: Path
    platform: Platform
    install_path: str  # from origin.txt, or the folder itself when portable; "" when unknown
    portable: bool = False

    @property
    def id(self) -> str:
        return self.data_path.name

    @property
    def title(self) -> str:
        where = self.install_path or "install folder unknown"
        return f"{self.platform.value.upper()} — {where}{' (portable)' if self.portable else ''}"


def read_origin(folder: Path) -> str:
    """The install path in ``origin.txt``, whatever encoding MetaTrader used; "" if unreadable."""
    try:
        raw = (folder / "origin.txt").read_bytes()
    except OSError:
        return ""
    encoding = "utf-16" if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"
    try:
        return raw.decode(encoding).strip()
    except UnicodeDecodeError:
        return ""


def _platform_of(folder: Path) -> Platform | None:
    for platform in (Platform.MT5, Platform.MT4):
        if (folder / MQL_FOLDER[platform]).is_dir():
            return platform
    return None


def _has_terminal_exe(folder: Path) -> bool:
    return any((folder / name).is_file() for name in TERMINAL_EXES)


def data_folder_at(folder: Path) -> TerminalFolder | None:
    """``folder`` as a data folder MetaTrader made (an MQL folder, and ``origin.txt`` or, in
    portable mode, the terminal's executable beside it); None for anything else."""
    platform = _platform_of(folder)
    if platform is None:
        return None
    if _has_terminal_exe(folder):
        return TerminalFolder(folder, platform, str(folder), portable=True)
    if (folder / "origin.txt").is_file():
        return TerminalFolder(folder, platform, read_origin(folder))
    return None


def _children(root: Path) -> list[Path]:
    try:
        return sorted(p for p in root.iterdir() if p.is_dir())
    except OSError:
        return []


def find_terminal_folders(root: Path) -> list[TerminalFolder]:
    """Every data folder directly under ``root`` (``%APPDATA%\\MetaQuotes\\Terminal``), sorted by
    install path. The ``Common`` and ``Community`` folders MetaTrader keeps there are skipped."""
    if not root.is_absolute() or not root.is_dir():
        return []
    found = [t for t in map(data_folder_at, _children(root)) if t is not None]
    return sorted(found, key=lambda t: (t.install_path.lower(), t.id))


def _env_folder(name: str, *parts: str) -> Path | None:
    """An absolute folder from an environment variable; an unset, empty or relative value is
    ignored (``Path("")`` would be the working directory)."""
    value = os.environ.get(name, "").strip()
    if not value or not Path(value).is_absolute():
        return None
    folder = Path(value, *parts)
    return folder if folder.is_dir() else None


def default_terminal_root() -> Path | None:
    """``%APPDATA%\\MetaQuotes\\Terminal``; None where there is no such folder."""
    return _env_folder("APPDATA", "MetaQuotes", "Terminal")


def default_install_roots() -> list[Path]:
    """The Program Files folders, where portable terminals are installed."""
    roots = [_env_folder(name) for name in ("ProgramFiles", "ProgramFiles(x86)", "ProgramW6432")]
    return list(dict.fromkeys(r for r in roots if r is not None))


def discover_terminals(terminal_root: Path | None = None,
                       install_roots: Iterable[Path] | None = None) -> list[TerminalFolder]:
    """Every data folder found: under ``%APPDATA%\\MetaQuotes\\Terminal``, and the portable ones
    (an install folder holding its own MQL folder) one level under the Program Files folders.
    An install folder an ``origin.txt`` names is not taken as portable: that terminal keeps its
    data in %APPDATA% (an MT4 install folder keeps the MQL4 folder its installer put there,
    which the terminal does not read). Defaults come from the environment; nothing relative is
    read."""
    root = default_terminal_root() if terminal_root is None else terminal_root
    found = find_terminal_folders(root) if root is not None else []
    named = {_key(Path(t.install_path)) for t in found if Path(t.install_path).is_absolute()}
    for install_root in default_install_roots() if install_roots is None else install_roots:
        if not install_root.is_absolute():
            continue
        for folder in _children(install_root):
            terminal = data_folder_at(folder)
            if terminal is not None and terminal.portable and _key(folder) not in named:
                found.append(terminal)
    return sorted(found, key=lambda t: (t.install_path.lower(), t.id))


def _key(path: Path) -> str:
    return os.path.normcase(str(path.resolve()))


def _inside(path: Path, folder: Path) -> bool:
    inner, outer = _key(path), _key(folder)
    return inner == outer or inner.startswith(outer.rstrip(os.sep) + os.sep)


def open_data_folder(folder: Path, *, ea_root: Path | None = None,
                     terminal_root: Path | None = None) -> TerminalFolder:
    """The data folder a trader named (``--terminal``, or picked in the app). An install folder
    whose data folder is known from an ``origin.txt`` leads to that data folder. Raises
    :class:`NotADataFolder` with a sentence saying what to give instead."""
    folder = folder.expanduser().absolute()
    sources = default_ea_root() if ea_root is None else ea_root
    if not folder.is_dir():
        raise NotADataFolder(f"{folder} is not a folder: {OPEN_DATA_FOLDER}.")
    if _inside(folder, sources):
        raise NotADataFolder(f"{folder} holds the EA files that come with TradeCopier, not a "
                             f"terminal's data folder: {OPEN_DATA_FOLDER}.")
    if _has_terminal_exe(folder):  # started normally, a terminal reads %APPDATA%, not here
        root = default_terminal_root() if terminal_root is None else terminal_root
        for known in find_terminal_folders(root) if root is not None else []:
            if known.install_path and _key(Path(known.install_path)) == _key(folder):
                return known
    terminal = data_folder_at(folder)
    if terminal is not None:
        return terminal
    platform = _platform_of(folder)
    if platform is not None and all((folder / mql).is_dir() for mql in MQL_FOLDER.values()):
        raise NotADataFolder(f"{folder} has both an MQL4 and an MQL5 folder, as a copy of the EA "
                             "files does; a terminal's data folder has one of them: "
                             f"{OPEN_DATA_FOLDER}.")
    if platform is not None:  # an MQL folder without the files MetaTrader writes beside it
        return TerminalFolder(folder, platform, "")
    if _has_terminal_exe(folder):
        raise NotADataFolder(f"{folder} is where MetaTrader is installed; it keeps its data "
                             f"elsewhere: {OPEN_DATA_FOLDER}.")
    raise NotADataFolder(f"{folder} is not a MetaTrader data folder (it has no MQL4 or MQL5 "
                         f"folder): {OPEN_DATA_FOLDER}.")
