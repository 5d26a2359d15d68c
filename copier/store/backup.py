"""Backing up and restoring a data folder's database: ``copier backup`` and ``copier restore``.

A backup uses SQLite's online backup API (https://www.sqlite.org/backup.html, through Python's
``sqlite3.Connection.backup``): it copies every page in one step inside one read transaction, so
it is a consistent snapshot taken while the copier keeps writing (in WAL mode readers never block
the writer). The copy is a single self-contained file (rollback journal, not WAL).

A restore is refused while a copier runs on the folder (``copier.store.running``). It checks the
file first (an SQLite database of this app, ``PRAGMA integrity_check`` ok, a schema this version
reads), keeps the database it replaces as ``tradecopier.db.before-restore``, and writes the new one
beside it before swapping, so a failure half-way leaves the old database in place.
"""

from __future__ import annotations

import contextlib
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from copier.store.errors import StoreError
from copier.store.paths import database_path
from copier.store.running import FolderLock
from copier.store.schema import SCHEMA_VERSION

BEFORE_RESTORE = ".before-restore"
BUSY_TIMEOUT_S = 5.0


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What a backup file holds."""

    path: Path
    schema_version: int
    copies: int  # trade-log rows (copy commands)
    accounts: int
    links: int


def backup(source: Path, out: Path) -> Snapshot:
    """Copy the database file ``source`` (``database_path(folder)``) to ``out`` while a copier
    may be running on it."""
    if not source.exists():
        raise StoreError(f"there is no database in {source.parent} to back up")
    partial = out.with_name(out.name + ".partial")
    partial.unlink(missing_ok=True)
    _copy(source, partial)
    partial.replace(out)
    return describe(out)


def restore(file: Path, folder: Path) -> Snapshot:
    """Make ``file`` (a backup) the folder's database; refused while a copier runs there."""
    snapshot = describe(file)
    lock = FolderLock(folder)
    if not lock.hold(alone=True):
        raise StoreError(f"a copier is running on {folder} — stop it (close the window or "
                         "Ctrl+C the copier run), then restore")
    try:
        target = database_path(folder)
        partial = target.with_name(target.name + ".restoring")
        partial.unlink(missing_ok=True)
        _copy(file, partial)
        if target.exists():
            _fold_wal(target)
            target.replace(target.with_name(target.name + BEFORE_RESTORE))
        for leftover in ("-wal", "-shm"):  # never let an old WAL meet the restored file
            target.with_name(target.name + leftover).unlink(missing_ok=True)
        partial.replace(target)
    finally:
        lock.release()
    return snapshot


def describe(file: Path) -> Snapshot:
    """Check that ``file`` is a database this copier can use and count what it holds."""
    if not file.is_file():
        raise StoreError(f"{file}: no such backup file")
    try:
        with contextlib.closing(sqlite3.connect(f"file:{file}?mode=ro", uri=True,
                                                timeout=BUSY_TIMEOUT_S)) as conn:
            if conn.execute("PRAGMA integrity_check").fetchone() != ("ok",):
                raise StoreError(f"{file} is damaged (SQLite's integrity check fails)")
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
            if "schema_version" not in tables:
                raise StoreError(f"{file} is not a TradeCopier database")
            (version,) = conn.execute("SELECT version FROM schema_version").fetchone()
            counts = [conn.execute(f"SELECT COUNT(*) FROM {name}").fetchone()[0]
                      for name in ("trade_log_copies", "accounts", "links")]
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{file} is not a TradeCopier database ({exc})") from None
    if version > SCHEMA_VERSION:
        raise StoreError(f"{file} was written by a newer TradeCopier (schema {version}; this "
                         f"version reads up to {SCHEMA_VERSION}) — update the app first")
    return Snapshot(file, int(version), *(int(c) for c in counts))


def _copy(source: Path, target: Path) -> None:
    with contextlib.closing(sqlite3.connect(source, timeout=BUSY_TIMEOUT_S)) as src, \
            contextlib.closing(sqlite3.connect(target)) as dst:
        src.backup(dst)  # every page in one step: one consistent snapshot
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file


def _fold_wal(database: Path) -> None:
    """Write the WAL back into the database file before it is set aside."""
    with contextlib.closing(sqlite3.connect(database, timeout=BUSY_TIMEOUT_S)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
