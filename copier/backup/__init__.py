"""Backup and restore of a data folder's database (accounts, links, ticket links, outbox, trade
and audit logs): ``copier backup --out FILE``, ``copier restore FILE``, Settings → Backup.

A backup is taken with SQLite's online backup API (``sqlite3.Connection.backup``,
https://docs.python.org/3/library/sqlite3.html#sqlite3.Connection.backup; https://sqlite.org/backup.html)
in one step, which reads one consistent snapshot under a read transaction: in WAL mode the
copier's writer goes on committing meanwhile, so a backup is safe while copying runs. The file
it writes is self-contained (rollback journal, no ``-wal`` beside it).

A restore is refused while a copier runs on the folder (its lock, ``copier.datalock``), and
refused for a file that is not a TradeCopier database or whose schema is newer than this build
knows (an older one is upgraded when the copier next opens it). The database it replaces is kept
beside it as ``tradecopier.db.before-restore-<time>``. The window holds its own folder's lock, so
it stages the file (``restore-pending.db``) and the copier puts it in place at its next start,
before it opens the database.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from copier.datalock import AlreadyRunning, DataFolderLock
from copier.store.paths import database_path, default_data_dir
from copier.store.schema import SCHEMA_VERSION

PENDING_FILE = "restore-pending.db"
COUNTED = {"accounts": "accounts", "links": "links", "trade_log_copies": "copies"}


class BackupError(Exception):
    """A backup or restore that cannot be done; the message is a sentence for the trader."""


@dataclass(frozen=True, slots=True)
class Contents:
    """What a database holds, as a trader counts it."""

    schema: int
    counts: dict[str, int]  # accounts, links, copies (the trade log's rows)

    def describe(self) -> str:
        c = self.counts
        return (f"{c['accounts']} accounts, {c['links']} links and {c['copies']} copies in the "
                "trade log")


def backup(data_dir: Path | None, out: Path) -> Contents:
    """Copy the folder's database to ``out`` while the copier may be running."""
    source = database_path(_folder(data_dir))
    if not source.is_file():
        raise BackupError(f"There is no TradeCopier database in {source.parent} to back up.")
    if out.exists() and out.resolve() == source.resolve():
        raise BackupError("The backup cannot overwrite the database it copies: choose another "
                          "file.")
    _copy(source, out, "back up")
    return inspect(out)


def restore(data_dir: Path | None, file: Path) -> tuple[Contents, Path | None]:
    """Put the backup ``file`` in place of the folder's database (no copier may run on it).
    Returns what it holds and where the database it replaced was kept (None: there was none)."""
    folder = _folder(data_dir)
    contents = inspect(file)
    try:
        lock = DataFolderLock.claim(folder, wait_s=0.0)
    except AlreadyRunning:
        raise BackupError(
            f"TradeCopier is running on {folder}: close the window (or stop copier run) and "
            "restore then, or use Settings → Backup → Restore, which restores at the next start."
        ) from None
    with lock:
        staged = folder / (PENDING_FILE + ".new")
        _copy(file, staged, "restore")
        kept = _swap_in(staged, database_path(folder))
    return contents, kept


def stage_restore(data_dir: Path | None, file: Path) -> Contents:
    """The window's restore: check ``file`` and keep a copy that replaces the database at the
    copier's next start (``apply_pending_restore``)."""
    folder = _folder(data_dir)
    contents = inspect(file)
    _copy(file, folder / PENDING_FILE, "restore")
    return contents


def apply_pending_restore(data_dir: Path | None) -> bool:
    """At start-up, before the database is opened (the folder's lock held): put a staged
    restore in place. True when one was."""
    folder = _folder(data_dir)
    pending = folder / PENDING_FILE
    if not pending.is_file():
        return False
    _swap_in(pending, database_path(folder))
    return True


def inspect(file: Path) -> Contents:
    """What ``file`` holds; BackupError in words when it is not a database of this build."""
    if not file.is_file():
        raise BackupError(f"{file} does not exist or is not a file.")
    try:
        with contextlib.closing(sqlite3.connect(f"{file.resolve().as_uri()}?mode=ro",
                                                uri=True)) as conn:
            tables = {row[0] for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
            if "schema_version" not in tables or not set(COUNTED) <= tables:
                raise BackupError(f"{file} is not a TradeCopier database (it has none of its "
                                  "tables).")
            row = conn.execute("SELECT version FROM schema_version WHERE id = 1").fetchone()
            version = int(row[0]) if row else 0
            if version > SCHEMA_VERSION:
                raise BackupError(
                    f"{file} was written by a newer TradeCopier (schema {version}; this version "
                    f"knows up to {SCHEMA_VERSION}): update TradeCopier first.")
            if version < 1:
                raise BackupError(f"{file} is not a TradeCopier database (it has no schema "
                                  "version).")
            counts = {name: int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
                      for table, name in COUNTED.items()}
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{file} is not a TradeCopier database ({exc}).") from None
    return Contents(version, counts)


def _copy(source: Path, target: Path, doing: str) -> None:
    """SQLite's online backup of ``source`` into a new ``target`` (written whole, then
    renamed into place, so a failure never leaves half a file under the name)."""
    partial = target.with_name(target.name + ".partial")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial.unlink(missing_ok=True)
        with contextlib.closing(sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro",
                                                uri=True)) as src, \
                contextlib.closing(sqlite3.connect(partial)) as dst:
            src.backup(dst)  # all pages in one step: one consistent snapshot
            dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
            check = dst.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise BackupError(f"The copy of {source} is damaged ({check}); nothing was written.")
        os.replace(partial, target)
    except (OSError, sqlite3.Error) as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"Could not {doing} to {target}: {exc}.") from None


def _swap_in(staged: Path, database: Path) -> Path | None:
    """Replace ``database`` by ``staged``, keeping the old one beside it; its ``-wal`` and
    ``-shm`` go (a stale write-ahead log would otherwise be read into the restored file)."""
    kept = None
    if database.is_file():
        stamp = time.strftime("%Y%m%d-%H%M%S")
        kept = database.with_name(f"{database.name}.before-restore-{stamp}")
        _copy(database, kept, "keep the current database")
    for suffix in ("-wal", "-shm", "-journal"):
        database.with_name(database.name + suffix).unlink(missing_ok=True)
    os.replace(staged, database)
    return kept


def _folder(data_dir: Path | None) -> Path:
    return data_dir if data_dir is not None else default_data_dir()
