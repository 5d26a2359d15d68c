"""``copier eas list`` and ``copier eas install [--terminal DATA_FOLDER]...``: the data folders
found, and installing the EAs into them, in words a trader can act on.

Exit codes: 0 done; 1 nothing to install into, or a folder could not be completed; 2 a
``--terminal`` that is not a MetaTrader data folder (nothing is installed then).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from copier.eas.folders import (
    OPEN_DATA_FOLDER,
    NotADataFolder,
    TerminalFolder,
    discover_terminals,
    open_data_folder,
)
from copier.eas.install import install_eas

NONE_FOUND = ("No MetaTrader data folder was found (looked in %APPDATA%\\MetaQuotes\\Terminal and "
              "for portable terminals under Program Files). To name one, "
              f"{OPEN_DATA_FOLDER}, then run: copier eas install --terminal \"<that folder>\"")


def add_parser(sub: Any) -> None:
    """Register ``eas`` on the ``copier`` sub-command parsers."""
    eas = sub.add_parser("eas", help="list MetaTrader data folders; install the EAs into them")
    eas.add_argument("action", choices=("list", "install"))
    eas.add_argument("--terminal", action="append", type=Path, default=[],
                     metavar="DATA_FOLDER",
                     help="a terminal's data folder (File → Open Data Folder in the terminal); "
                          "repeat for several; default: every one found")


def run(args: argparse.Namespace) -> int:
    if args.action == "list":
        return _list()
    return _install(args.terminal)


def _list() -> int:
    terminals = discover_terminals()
    if not terminals:
        print(NONE_FOUND)
        return 0
    for terminal in terminals:
        print(_row(terminal))
    return 0


def _row(terminal: TerminalFolder) -> str:
    install = terminal.install_path or "(install folder unknown)"
    mode = "  (portable)" if terminal.portable else ""
    platform = terminal.platform.value.upper()
    return f"{platform}  install: {install}  data: {terminal.data_path}{mode}"


def _install(named: list[Path]) -> int:
    if named:
        try:
            terminals = list({t.data_path: t for t in map(open_data_folder, named)}.values())
        except NotADataFolder as exc:
            print(f"Nothing was installed: {exc}", file=sys.stderr)
            return 2
    else:
        terminals = discover_terminals()
        if not terminals:
            print(NONE_FOUND, file=sys.stderr)
            return 1
    worked = True
    for terminal in terminals:
        report = install_eas(terminal)
        print(report.describe())
        worked = worked and report.ok
    return 0 if worked else 1
