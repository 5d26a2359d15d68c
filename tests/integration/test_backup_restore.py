"""`copier backup` while the demo copies, `copier restore` into a new folder: the trade log
counts match; a restore is refused while a copier holds the folder, and for files that are not a
TradeCopier database of a schema this build knows; the window's staged restore goes in at the
next start."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from pathlib import Path

import pytest

from copier.app import AppConfig, CopierApp
from copier.backup import (
    BackupError,
    apply_pending_restore,
    backup,
    inspect,
    restore,
    stage_restore,
)
from copier.cli import main
from copier.datalock import DataFolderLock
from copier.store.paths import DATA_DIR_ENV, database_path
from copier.store.schema import SCHEMA_VERSION
from copier.testbed.demo import DemoOptions, run_demo


@pytest.fixture(autouse=True)
def data_dir_variable_restored(monkeypatch: pytest.MonkeyPatch) -> None:
    """``main(["--data-dir", ...])`` sets the data-folder variable for the process: put it back
    after each test."""
    monkeypatch.setenv(DATA_DIR_ENV, os.environ.get(DATA_DIR_ENV, ""))


def copies_in(database: Path) -> int:
    with sqlite3.connect(database) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM trade_log_copies").fetchone()[0])


async def test_a_backup_taken_while_the_demo_copies_restores_with_the_same_trade_log(
    tmp_path: Path,
) -> None:
    live, restored, out = tmp_path / "live", tmp_path / "restored", tmp_path / "backup.db"
    demo = asyncio.create_task(run_demo(DemoOptions(seconds=5, seed=11, rate=20,
                                                    data_dir=live)))
    database = database_path(live)
    for _ in range(200):  # until copies are being written (bounded: 20 s)
        if database.exists() and copies_in(database) > 5:
            break
        await asyncio.sleep(0.1)
    backed_up = await asyncio.to_thread(
        main, ["--data-dir", str(live), "backup", "--out", str(out)])
    taken = inspect(out)
    report = await demo

    assert backed_up == 0 and report.healthy
    assert taken.counts["copies"] > 5
    assert copies_in(database) > taken.counts["copies"]  # the demo went on copying after it
    assert main(["--data-dir", str(restored), "restore", str(out)]) == 0
    assert copies_in(database_path(restored)) == taken.counts["copies"]
    assert inspect(database_path(restored)) == taken
    assert taken.counts["links"] == 3  # the demo's links came along


def test_a_restore_is_refused_while_a_copier_runs_on_the_folder(tmp_path: Path) -> None:
    source, target = tmp_path / "a", tmp_path / "b"
    CopierApp(AppConfig(data_dir=source, bridge=False, notify=False)).store.close()
    CopierApp(AppConfig(data_dir=target, bridge=False, notify=False)).store.close()
    backup(source, tmp_path / "a.db")
    before = database_path(target).read_bytes()
    held = inspect(database_path(target))

    with DataFolderLock.claim(target), pytest.raises(BackupError, match="is running on"):
        restore(target, tmp_path / "a.db")
    assert database_path(target).read_bytes() == before
    _, kept = restore(target, tmp_path / "a.db")  # the copier has stopped: it goes in
    assert kept is not None and inspect(kept) == held


def test_files_that_are_not_a_known_tradecopier_database_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("not a database at all, just words " * 50)
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    CopierApp(AppConfig(data_dir=tmp_path / "new", bridge=False, notify=False)).store.close()
    newer = tmp_path / "newer.db"
    backup(tmp_path / "new", newer)
    with sqlite3.connect(newer) as conn:
        conn.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION + 1,))

    for bad, words in ((text, "is not a TradeCopier database"),
                       (other, "is not a TradeCopier database"),
                       (newer, "newer TradeCopier"),
                       (tmp_path / "missing.db", "does not exist")):
        assert main(["--data-dir", str(tmp_path / "target"), "restore", str(bad)]) == 2
        said = capsys.readouterr().err
        assert words in said and "Traceback" not in said
    assert not database_path(tmp_path / "target").exists()


def test_a_backup_of_a_folder_without_a_database_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--data-dir", str(tmp_path), "backup", "--out", str(tmp_path / "x.db")]) == 2
    assert "There is no TradeCopier database" in capsys.readouterr().err


def test_a_staged_restore_goes_in_when_the_copier_next_starts(tmp_path: Path) -> None:
    source, target = tmp_path / "a", tmp_path / "b"
    CopierApp(AppConfig(data_dir=source, bridge=False, notify=False)).store.close()
    with sqlite3.connect(database_path(source)) as conn:  # a mark only the backup carries
        conn.execute("UPDATE schema_version SET updated_ms = 12345")
    backup(source, tmp_path / "a.db")
    CopierApp(AppConfig(data_dir=target, bridge=False, notify=False)).store.close()

    stage_restore(target, tmp_path / "a.db")
    app = CopierApp(AppConfig(data_dir=target, bridge=False, notify=False))
    app.store.close()

    with sqlite3.connect(database_path(target)) as conn:
        [(mark,)] = conn.execute("SELECT updated_ms FROM schema_version").fetchall()
    assert mark == 12345
    assert not apply_pending_restore(target)  # used once
    assert list(target.glob("tradecopier.db.before-restore-*"))
