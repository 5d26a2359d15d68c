"""Whether an MT5 terminal runs in portable mode, for ``MetaTrader5.initialize(path, portable=…)``.

Started with ``terminal64.exe /portable`` a terminal keeps its data (``MQL5``, ``config``, ``logs``
…) in its install folder, next to the executable, instead of under
``%APPDATA%\\MetaQuotes\\Terminal\\<id>`` (https://www.metatrader5.com/en/terminal/help/start_advanced/start).
``initialize`` starts the terminal when it is not running, and its ``portable`` flag — "Flag of
the terminal launch in portable mode. Optional named parameter. False by default."
(https://www.mql5.com/en/docs/python_metatrader5/mt5initialize_py) — decides which data folder
that start uses: started without it, a portable terminal would come up with an empty data folder
in %APPDATA%, without the trader's account, settings and EAs.

An account's ``settings["portable"]`` (true/false) says it outright; otherwise it is told from the
files: an install folder holding its own ``MQL5`` folder whose path no ``origin.txt`` under
%APPDATA% names (a terminal that keeps its data there writes one naming its install folder).
Blocking file work, a few ``stat`` calls and small files.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path, PureWindowsPath
from typing import Any

from copier.domain import Platform
from copier.eas.folders import data_folder_at, default_terminal_root, find_terminal_folders


def install_folder(terminal_path: str) -> Path:
    """The folder of ``terminal64.exe`` (a path to the executable or to its folder)."""
    path = Path(terminal_path)
    return path.parent if PureWindowsPath(terminal_path).suffix.lower() == ".exe" else path


def _key(path: Path) -> str:
    return os.path.normcase(os.path.normpath(str(path)))


def runs_portable(terminal_path: str, *, terminal_root: Path | None = None) -> bool:
    """True when the MT5 terminal at ``terminal_path`` keeps its data beside its executable.
    ``terminal_root``: where the %APPDATA% data folders are (None: from the environment)."""
    if not terminal_path.strip():
        return False
    folder = install_folder(terminal_path)
    if not folder.is_absolute():
        return False
    found = data_folder_at(folder)
    if found is None or not found.portable or found.platform is not Platform.MT5:
        return False
    root = default_terminal_root() if terminal_root is None else terminal_root
    named = {_key(Path(t.install_path)) for t in (find_terminal_folders(root) if root else [])
             if t.install_path}
    return _key(folder) not in named


def portable_setting(settings: Mapping[str, Any], *,
                     terminal_root: Path | None = None) -> bool:
    """The account's word (``settings["portable"]``) when it gives one, else what the files say."""
    said = settings.get("portable")
    if isinstance(said, bool):
        return said
    return runs_portable(str(settings.get("terminal_path", "")), terminal_root=terminal_root)
