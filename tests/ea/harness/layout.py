"""Lays out a MetaTrader data folder from the repository's ``ea/`` tree, as the installer does, so
the harness compiles the EAs from exactly where a terminal's MetaEditor would find them:

- ``ea/Include/TradeCopy/*.mqh`` (one source for both platforms) into
  ``<data>/MQL4/Include/TradeCopy`` and ``<data>/MQL5/Include/TradeCopy``, where
  ``#include <TradeCopy/X.mqh>`` resolves;
- ``ea/MQL4/Experts/*.mq4`` into ``<data>/MQL4/Experts``, ``ea/MQL5/Experts/*.mq5`` into
  ``<data>/MQL5/Experts``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from harness.gate import REPO

EA_ROOT = REPO / "ea"
PLATFORM_FOLDERS = {"mql4": ("MQL4", "*.mq4"), "mql5": ("MQL5", "*.mq5")}


def lay_out_data_folder(data_folder: Path, platforms: tuple[str, ...] = ("mql4", "mql5"),
                        ea_root: Path = EA_ROOT) -> Path:
    """Copy the EAs into ``data_folder`` for each of ``platforms``; returns ``data_folder``."""
    for platform in platforms:
        folder, pattern = PLATFORM_FOLDERS[platform]
        include = data_folder / folder / "Include" / "TradeCopy"
        experts = data_folder / folder / "Experts"
        include.mkdir(parents=True, exist_ok=True)
        experts.mkdir(parents=True, exist_ok=True)
        for path in sorted((ea_root / "Include" / "TradeCopy").glob("*.mqh")):
            shutil.copy2(path, include / path.name)
        for path in sorted((ea_root / folder / "Experts").glob(pattern)):
            shutil.copy2(path, experts / path.name)
    return data_folder
