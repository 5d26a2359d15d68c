"""Schema version 5: an API key opens only the EA roles it was issued for, by default those of
its account, and only while its account has them; a version-4 file upgrades with its keys
working for the roles their account has, and says so in the log (issue #15)."""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest
from old_files import to_version_7
from store_samples import FakeClock

from copier.domain import Platform
from copier.store import AccountRecord, AccountRole, Store, StoreError
from copier.store.schema import SCHEMA_VERSION, current_version

MASTER = AccountRecord.new(Platform.MT5, 1001, "Roles-Demo", role=AccountRole.MASTER)
SLAVE = AccountRecord.new(Platform.MT5, 2002, "Roles-Demo", role=AccountRole.SLAVE)
BOTH = AccountRecord.new(Platform.MT5, 3003, "Roles-Demo", role=AccountRole.BOTH)


def _store(path: Path) -> Store:
    store = Store.open(path=path, clock=FakeClock())
    for account in (MASTER, SLAVE, BOTH):
        store.save_account(account)
    return store


def test_a_key_opens_the_roles_of_its_account_by_default(db_path: Path) -> None:
    with _store(db_path) as store:
        roles = {
            a.id: store.check_api_key(store.create_api_key(a.id), a.id).roles
            for a in (MASTER, SLAVE, BOTH)
        }
        listed = store.list_api_keys(BOTH.id)[0].roles

    assert roles == {
        MASTER.id: {"monitor"},
        SLAVE.id: {"executor"},
        BOTH.id: {"monitor", "executor"},
    }
    assert listed == ("executor", "monitor")


def test_a_key_may_be_issued_for_one_role_of_a_both_account_but_never_beyond_it(
    db_path: Path,
) -> None:
    with _store(db_path) as store:
        key = store.create_api_key(BOTH.id, roles=["executor"])
        check = store.check_api_key(key, BOTH.id)
        with pytest.raises(StoreError, match="cannot open monitor"):
            store.create_api_key(SLAVE.id, roles=["monitor"])

    assert check.roles == {"executor"}


def test_a_key_stops_opening_a_role_its_account_no_longer_has(db_path: Path) -> None:
    with _store(db_path) as store:
        key = store.create_api_key(BOTH.id)
        store.save_account(replace(BOTH, role=AccountRole.SLAVE))
        check = store.check_api_key(key, BOTH.id)
        [state] = store.api_key_states([key.split(".")[1]]).values()

    assert check.ok and check.roles == state.roles == {"executor"}


def test_a_version_4_file_keeps_its_keys_for_their_accounts_roles_and_says_so(
    db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with _store(db_path) as store:
        keys = {a.id: store.create_api_key(a.id) for a in (MASTER, SLAVE, BOTH)}
    db = sqlite3.connect(db_path)
    try:
        to_version_7(db)
        db.execute("ALTER TABLE api_keys DROP COLUMN roles")
        db.execute("UPDATE schema_version SET version = 4")
        db.commit()
    finally:
        db.close()

    with caplog.at_level(logging.WARNING), Store.open(path=db_path, clock=FakeClock()) as store:
        version = store.read(current_version)
        roles = {a: store.check_api_key(k, a).roles for a, k in keys.items()}

    assert version == SCHEMA_VERSION == 8
    assert roles == {
        MASTER.id: {"monitor"},
        SLAVE.id: {"executor"},
        BOTH.id: {"monitor", "executor"},
    }
    [line] = [r.getMessage() for r in caplog.records if "roles" in r.getMessage()]
    assert "1 for executor, 1 for executor and monitor, 1 for monitor" in line
