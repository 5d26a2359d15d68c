"""Schema version 4: the symbol specs a terminal reported are kept per account and symbol, so
statistics can price money from the store alone; a version-3 file gains the table on upgrade."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

from old_files import to_version_7
from store_samples import MASTER, SLAVE, T0, FakeClock

from copier.domain import SymbolSpec
from copier.store import Store
from copier.store.schema import SCHEMA_VERSION, current_version

EURUSD = SymbolSpec("EURUSD", 5, 0.00001, 100_000, 0.00001, 1.0, 0.01, 100, 0.01,
                    stops_level=10, filling_mode=2, currency_profit="USD", description="Euro")
GOLD = SymbolSpec("XAUUSD.r", 2, 0.01, 100, 0.01, 1.0, 0.01, 50, 0.01, currency_profit="USD")


async def test_saved_specs_load_back_by_account_and_symbol(store: Store) -> None:
    await store.save_symbol_specs(MASTER, {"EURUSD": EURUSD})
    await store.save_symbol_specs(SLAVE, {"EURUSD": EURUSD, "XAUUSD.r": GOLD})

    assert store.load_symbol_specs() == {
        MASTER: {"EURUSD": EURUSD},
        SLAVE: {"EURUSD": EURUSD, "XAUUSD.r": GOLD},
    }


async def test_saving_a_changed_spec_replaces_it_and_keeps_the_others(
    store: Store, clock: FakeClock
) -> None:
    await store.save_symbol_specs(SLAVE, {"EURUSD": EURUSD, "XAUUSD.r": GOLD})
    dearer = replace(GOLD, tick_value=1.25)
    clock.now_ms = T0 + 60_000

    await store.save_symbol_specs(SLAVE, {"XAUUSD.r": dearer})

    assert store.load_symbol_specs() == {SLAVE: {"EURUSD": EURUSD, "XAUUSD.r": dearer}}
    stamps = store.read(lambda conn: dict(conn.exec_driver_sql(
        "SELECT symbol, updated_ms FROM symbol_specs").all()))
    assert stamps == {"EURUSD": T0, "XAUUSD.r": T0 + 60_000}


def test_a_store_without_saved_specs_loads_none(store: Store) -> None:
    assert store.load_symbol_specs() == {}


def _make_version_3_file(path: Path) -> None:
    """A file as schema version 3 left it: no symbol_specs table."""
    Store.open(path=path, clock=FakeClock()).close()
    db = sqlite3.connect(path)
    try:
        to_version_7(db)  # the outbox had a table of its own
        db.execute("DROP TABLE symbol_specs")
        db.execute("ALTER TABLE api_keys DROP COLUMN roles")  # version 6
        db.execute("DROP TABLE trader_state")  # version 7
        db.execute("UPDATE schema_version SET version = 3")
        db.commit()
    finally:
        db.close()


async def test_a_version_3_file_upgrades_and_then_keeps_specs(db_path: Path) -> None:
    _make_version_3_file(db_path)

    with Store.open(path=db_path, clock=FakeClock()) as upgraded:
        version = upgraded.read(current_version)
        before = upgraded.load_symbol_specs()
        await upgraded.save_symbol_specs(SLAVE, {"EURUSD": EURUSD})

    with Store.open(path=db_path, clock=FakeClock()) as reopened:
        after = reopened.load_symbol_specs()

    assert version == SCHEMA_VERSION == 8
    assert before == {}
    assert after == {SLAVE: {"EURUSD": EURUSD}}
