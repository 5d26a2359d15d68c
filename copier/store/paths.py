"""Where the copier keeps its data — the data folder and the database file inside it — and who
may read it: on POSIX the folder is made owner-only (0700) and the database with its WAL and
shared-memory files owner-only (0600). SQLite gives the WAL and -shm files the database file's
permissions, so the database is created 0600 before SQLite opens it, and files left with wider
modes by an older version are narrowed on open. On Windows the per-user data folder
(%LOCALAPPDATA%) already carries an ACL for that user only; a data folder elsewhere is given one
(``store.acl``, docs/security.md).
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

from platformdirs import user_data_dir

from copier.store.acl import CommandRunner, restrict_to_current_user

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


OWNER_ONLY_DIR = 0o700
OWNER_ONLY_FILE = 0o600
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")
POSIX = os.name == "posix"


def prepare_database_file(file: Path, *, own_folder: bool, platform: str = sys.platform,
                          run: CommandRunner | None = None,
                          per_user: Path | None = None) -> None:
    """Create the database's folder (owner-only when it is the copier's own data folder: mode
    0700, or on Windows an ACL for the user when it lies outside %LOCALAPPDATA%) and the
    database file itself owner-only, then narrow an existing file and its WAL/-shm files.
    ``platform``, ``run`` (the command runner) and ``per_user`` (%LOCALAPPDATA%) are there for
    tests."""
    folder = file.parent
    if not folder.exists():
        folder.mkdir(parents=True, mode=OWNER_ONLY_DIR)
    if own_folder:
        _narrow(folder, OWNER_ONLY_DIR)
        restrict_to_current_user(folder, platform=platform, run=run, default_root=per_user)
    if not file.exists():
        os.close(os.open(file, os.O_CREAT | os.O_WRONLY, OWNER_ONLY_FILE))
    for path in (file, *(file.with_name(file.name + side) for side in SQLITE_SIDE_FILES)):
        if path.exists():
            _narrow(path, OWNER_ONLY_FILE)


def _narrow(path: Path, mode: int) -> None:
    if POSIX and stat.S_IMODE(path.stat().st_mode) & ~mode:
        path.chmod(mode)
