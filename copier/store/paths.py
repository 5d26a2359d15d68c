"""Where the copier keeps its data: the data folder and the database file inside it."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_dir

DATA_DIR_ENV = "TRADECOPIER_DATA_DIR"
DATABASE_FILE = "tradecopier.db"


def default_data_dir() -> Path:
    """The data folder: ``$TRADECOPIER_DATA_DIR`` when set, else the per-user data folder
    (``%LOCALAPPDATA%\\TradeCopier`` on Windows)."""
    override = os.environ.get(DATA_DIR_ENV, "").strip()
    if override:
        return Path(override).expanduser()
    return Path(user_data_dir("TradeCopier", appauthor=False))


def database_path(data_dir: Path) -> Path:
    return data_dir / DATABASE_FILE
