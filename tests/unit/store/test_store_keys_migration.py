"""Schema version 2 (key rotation with a grace period): a version-1 file upgrades in place and
keeps its keys working."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from old_files import to_version_7
from store_samples import T0, FakeClock

from copier.domain import Platform
from copier.store import AccountRecord, KeyStatus, Store
from copier.store.schema import SCHEMA_VERSION, current_version

DAY_MS = 86_400_000
ACCOUNT = AccountRecord.new(Platform.MT4, 1001, "Broker-Demo")


def _make_version_1_file(path: Path) -> str:
    """A file as schema version 1 left it: api_keys without the replacement columns (and
    ticket_links and outbox without version 3's copy_ticket, no version 4 symbol_specs)."""
    with Store.open(path=path, clock=FakeClock()) as store:
        store.save_account(ACCOUNT)
        key = store.create_api_key(ACCOUNT.id)
    db = sqlite3.connect(path)
    try:
        to_version_7(db)  # the outbox had a table of its own
        db.execute("ALTER TABLE api_keys DROP COLUMN replaced_ms")
        db.execute("ALTER TABLE api_keys DROP COLUMN replaced_by")
        db.execute("ALTER TABLE ticket_links DROP COLUMN copy_ticket")
        db.execute("ALTER TABLE outbox DROP COLUMN copy_ticket")
        db.execute("DROP TABLE symbol_specs")
        db.execute("ALTER TABLE api_keys DROP COLUMN roles")  # version 6
        db.execute("DROP TABLE trader_state")  # version 7
        db.execute("UPDATE schema_version SET version = 1")
        db.commit()
    finally:
        db.close()
    return key


def _columns(store: Store) -> list[str]:
    return store.read(
        lambda conn: [r[1] for r in conn.exec_driver_sql("PRAGMA table_info(api_keys)")]
    )


def test_a_version_1_file_upgrades_to_the_latest_and_its_keys_still_work(tmp_path: Path) -> None:
    path = tmp_path / "tradecopier.db"
    key = _make_version_1_file(path)

    with Store.open(path=path, clock=FakeClock()) as store:
        version = store.read(current_version)
        columns = _columns(store)
        check = store.check_api_key(key, ACCOUNT.id)

    assert version == SCHEMA_VERSION
    assert {"replaced_ms", "replaced_by"} <= set(columns)
    assert (check.status, check.replaced) == (KeyStatus.VALID, False)


def test_an_upgraded_file_rotates_with_a_grace_period(tmp_path: Path) -> None:
    path = tmp_path / "tradecopier.db"
    old = _make_version_1_file(path)
    clock = FakeClock()

    with Store.open(path=path, clock=clock) as store:
        new = store.rotate_api_key(ACCOUNT.id)
        in_grace = store.check_api_key(old, ACCOUNT.id).status
        clock.now_ms = T0 + DAY_MS
        after = store.check_api_key(old, ACCOUNT.id).status
        new_works = store.verify_api_key(new, ACCOUNT.id)

    assert (in_grace, after, new_works) == (KeyStatus.VALID, KeyStatus.REPLACED, True)
