"""Data files are owner-only on POSIX (issue #15: the database, WAL and shm files were 0644)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from store_samples import FakeClock

from copier.domain import Platform
from copier.store import AccountRecord, Store
from copier.store.paths import DATABASE_FILE

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_data_folder_is_0700_and_the_database_wal_and_shm_are_0600(tmp_path: Path) -> None:
    old_umask = os.umask(0o022)  # the usual default, which made the files 0644
    try:
        folder = tmp_path / "data"
        with Store.open(folder, clock=FakeClock()) as store:
            store.save_account(AccountRecord.new(Platform.MT5, 1, "Modes-Demo"))
            files = {p.name: _mode(p) for p in folder.iterdir()}
        folder_mode = _mode(folder)
    finally:
        os.umask(old_umask)

    assert folder_mode == 0o700
    assert {DATABASE_FILE, DATABASE_FILE + "-wal", DATABASE_FILE + "-shm"} <= set(files)
    assert set(files.values()) == {0o600}, files


def test_files_left_readable_by_an_older_version_are_narrowed_on_open(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    Store.open(folder, clock=FakeClock()).close()
    folder.chmod(0o755)
    (folder / DATABASE_FILE).chmod(0o644)

    Store.open(folder, clock=FakeClock()).close()

    assert (_mode(folder), _mode(folder / DATABASE_FILE)) == (0o700, 0o600)
