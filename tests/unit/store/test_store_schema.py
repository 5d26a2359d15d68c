"""The database file: WAL and pragmas, the versioned schema and where the file lives."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from old_files import to_version_7
from sqlalchemy import Connection, text

from copier.store import DATA_DIR_ENV, Store, StoreError, database_path, default_data_dir
from copier.store.schema import SCHEMA_VERSION, current_version, make_engine, upgrade


def _pragma(store: Store, name: str) -> object:
    return store.read(lambda conn: conn.exec_driver_sql(f"PRAGMA {name}").scalar())


def test_new_database_runs_in_wal_mode_with_the_house_pragmas(store: Store) -> None:
    assert _pragma(store, "journal_mode") == "wal"
    assert _pragma(store, "synchronous") == 1  # NORMAL
    assert _pragma(store, "foreign_keys") == 1
    assert _pragma(store, "busy_timeout") == 5000
    assert store.path.with_name(store.path.name + "-wal").exists()


def test_new_database_is_at_the_latest_version_and_reopening_keeps_it(db_path: Path) -> None:
    first = Store.open(path=db_path)
    version = first.read(current_version)
    first.close()

    second = Store.open(path=db_path)
    try:
        reopened = second.read(current_version)
        rows = second.read(lambda conn: conn.scalar(text("SELECT count(*) FROM schema_version")))
    finally:
        second.close()

    assert version == SCHEMA_VERSION == 8
    assert reopened == 8
    assert rows == 1


def test_reopening_keeps_what_was_written(db_path: Path) -> None:
    from copier.engine.config import Link

    first = Store.open(path=db_path)
    saved = first.save_link(Link(id=0, master_id="mt4:1@A", slave_id="mt4:2@A", name="keep me"))
    first.close()

    second = Store.open(path=db_path)
    try:
        assert second.load_links() == [saved]
    finally:
        second.close()


def test_database_from_a_newer_version_is_refused_with_a_reason(db_path: Path) -> None:
    Store.open(path=db_path).close()
    engine = make_engine(db_path, writer=True)
    with engine.begin() as conn:
        conn.execute(text("UPDATE schema_version SET version = 99"))
    engine.dispose()

    with pytest.raises(StoreError, match="newer TradeCopier"):
        Store.open(path=db_path)


def test_older_database_runs_the_missing_migrations_in_order(db_path: Path) -> None:
    Store.open(path=db_path).close()
    _stamp_version_1(db_path)
    applied: list[int] = []

    def to_v2(conn: Connection) -> None:
        applied.append(2)
        conn.execute(text("ALTER TABLE accounts ADD COLUMN colour TEXT DEFAULT ''"))

    def to_v3(conn: Connection) -> None:
        applied.append(3)
        conn.execute(text("UPDATE accounts SET colour = 'teal'"))

    engine = make_engine(db_path, writer=True)
    try:
        with engine.begin() as conn:
            version = upgrade(conn, (upgrade_noop, to_v2, to_v3))
        with engine.begin() as conn:
            again = upgrade(conn, (upgrade_noop, to_v2, to_v3))
            columns = [r[1] for r in conn.exec_driver_sql("PRAGMA table_info(accounts)")]
    finally:
        engine.dispose()

    assert (version, again, applied) == (3, 3, [2, 3])
    assert "colour" in columns


def _stamp_version_1(db_path: Path) -> None:
    """Mark the file as version 1 so these tests' own migration lists run after it."""
    engine = make_engine(db_path, writer=True)
    with engine.begin() as conn:
        conn.execute(text("UPDATE schema_version SET version = 1"))
    engine.dispose()


def upgrade_noop(conn: Connection) -> None:
    raise AssertionError("version 1 exists already and must not run again")


def test_failed_migration_leaves_the_file_at_its_old_version(db_path: Path) -> None:
    Store.open(path=db_path).close()
    _stamp_version_1(db_path)

    def broken(conn: Connection) -> None:
        conn.execute(text("ALTER TABLE accounts ADD COLUMN half_done TEXT"))
        raise RuntimeError("disk full")

    engine = make_engine(db_path, writer=True)
    try:
        with pytest.raises(RuntimeError), engine.begin() as conn:
            upgrade(conn, (upgrade_noop, broken))
        with engine.connect() as conn:
            columns = [r[1] for r in conn.exec_driver_sql("PRAGMA table_info(accounts)")]
            version = current_version(conn)
    finally:
        engine.dispose()

    assert version == 1
    assert "half_done" not in columns


def test_data_dir_comes_from_the_environment_when_set(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "elsewhere"))

    assert default_data_dir() == tmp_path / "elsewhere"
    assert database_path(default_data_dir()) == tmp_path / "elsewhere" / "tradecopier.db"


def test_data_dir_defaults_to_the_users_data_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)

    assert default_data_dir().name == "TradeCopier"


def test_opening_a_data_dir_creates_it_with_the_database_inside(tmp_path: Path) -> None:
    folder = tmp_path / "new" / "folder"

    with Store.open(folder) as store:
        assert store.path == folder / "tradecopier.db"
        assert store.path.exists()


def test_a_version_4_file_gains_the_trader_state_table(db_path: Path) -> None:
    Store.open(path=db_path).close()
    with closing(sqlite3.connect(db_path)) as db:
        to_version_7(db)
        db.execute("DROP TABLE trader_state")
        db.execute("UPDATE schema_version SET version = 4")
        db.commit()

    with Store.open(path=db_path) as store:
        store.set_trader_state({"copying": {"enabled": False}})
        assert store.read(current_version) == SCHEMA_VERSION == 8
        assert store.load_trader_state() == {"copying": {"enabled": False}}
