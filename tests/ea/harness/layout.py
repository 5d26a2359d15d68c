"""Lays out a MetaTrader data folder with the product's own EA installer (``copier.eas``: what
Accounts → Install EAs and ``copier eas install`` do), so the harness compiles the EAs from
exactly where the installer leaves them and where a terminal's MetaEditor would look:

- ``ea/Include/TradeCopy/*.mqh`` (one source for both platforms) into
  ``<data>/MQL4/Include/TradeCopy`` and ``<data>/MQL5/Include/TradeCopy``, where
  ``#include <TradeCopy/X.mqh>`` resolves;
- ``ea/MQL4/Experts/*.mq4`` into ``<data>/MQL4/Experts``, ``ea/MQL5/Experts/*.mq5`` into
  ``<data>/MQL5/Experts``.

A real data folder holds one platform; the harness lays both into one folder to compile all four
EAs from one place, so it names the platform itself instead of letting the installer's folder
check (which refuses a folder with both) decide.
"""

from __future__ import annotations

from pathlib import Path

from copier.domain import Platform
from copier.eas.folders import TerminalFolder
from copier.eas.install import install_eas
from harness.gate import REPO

EA_ROOT = REPO / "ea"
PLATFORMS = {"mql4": Platform.MT4, "mql5": Platform.MT5}


class InstallFailed(RuntimeError):
    """The installer reported problems (a missing file, an include that does not resolve)."""


def lay_out_data_folder(data_folder: Path, platforms: tuple[str, ...] = ("mql4", "mql5"),
                        ea_root: Path = EA_ROOT) -> Path:
    """Install the EAs into ``data_folder`` for each of ``platforms``; returns ``data_folder``."""
    for name in platforms:
        platform = PLATFORMS[name]
        (data_folder / ("MQL4" if platform is Platform.MT4 else "MQL5")).mkdir(
            parents=True, exist_ok=True)
        report = install_eas(TerminalFolder(data_folder, platform, ""), ea_root)
        if report.problems:
            raise InstallFailed("\n".join(report.problems))
    return data_folder
