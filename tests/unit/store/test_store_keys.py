"""API keys: shown once, bound to one account, expiring, rotating, never stored in clear."""

from __future__ import annotations

import pytest
from store_samples import T0, FakeClock

from copier.domain import Platform
from copier.store import AccountRecord, KeyStatus, Store, StoreError

DAY_MS = 86_400_000


@pytest.fixture
def account(store: Store) -> str:
    return store.save_account(AccountRecord.new(Platform.MT4, 1001, "Broker-Demo")).id


@pytest.fixture
def other_account(store: Store) -> str:
    return store.save_account(AccountRecord.new(Platform.MT4, 1002, "Broker-Demo")).id


def test_a_new_key_verifies_for_its_account(store: Store, account: str) -> None:
    key = store.create_api_key(account)

    assert store.verify_api_key(key, account) is True
    assert store.check_api_key(key, account).status is KeyStatus.VALID


def test_a_key_used_from_another_account_is_refused(
    store: Store, account: str, other_account: str
) -> None:
    key = store.create_api_key(account)

    check = store.check_api_key(key, other_account)

    assert store.verify_api_key(key, other_account) is False
    assert (check.status, check.account_id) == (KeyStatus.WRONG_ACCOUNT, account)
    assert check.reason == "API key belongs to another account"


@pytest.mark.parametrize("forged", ["", "hello", "tc1.nothing.here", "tc1..", "tc1.a.b.c"])
def test_malformed_or_unknown_keys_are_refused(store: Store, account: str, forged: str) -> None:
    store.create_api_key(account)

    assert store.verify_api_key(forged, account) is False
    assert store.check_api_key(forged, account).status is KeyStatus.UNKNOWN


def test_a_key_with_a_real_id_but_a_wrong_secret_is_refused(store: Store, account: str) -> None:
    key = store.create_api_key(account)
    prefix, key_id, secret = key.split(".")
    tampered = f"{prefix}.{key_id}.{secret[:-1]}{'A' if secret[-1] != 'A' else 'B'}"

    assert store.check_api_key(tampered, account).status is KeyStatus.UNKNOWN


def test_a_key_expires_after_its_days(store: Store, account: str, clock: FakeClock) -> None:
    key = store.create_api_key(account, days=30)
    clock.now_ms = T0 + 30 * DAY_MS - 1
    still_valid = store.verify_api_key(key, account)

    clock.now_ms = T0 + 30 * DAY_MS

    assert still_valid is True
    assert store.check_api_key(key, account).status is KeyStatus.EXPIRED


def test_rotation_revokes_the_old_key_and_issues_a_working_new_one(
    store: Store, account: str
) -> None:
    old = store.create_api_key(account)

    new = store.rotate_api_key(account, days=7)

    assert store.check_api_key(old, account).status is KeyStatus.REVOKED
    assert store.verify_api_key(new, account) is True
    keys = store.list_api_keys(account)
    assert [k.revoked_ms is None for k in keys] == [False, True]
    assert keys[1].expires_ms == T0 + 7 * DAY_MS


def test_keys_are_stored_only_as_salted_hashes(store: Store, account: str) -> None:
    keys = [store.create_api_key(account) for _ in range(3)]
    store.close()

    on_disk = b"".join(path.read_bytes() for path in store.path.parent.iterdir() if path.is_file())

    for key in keys:
        secret = key.split(".")[2]
        assert key.encode() not in on_disk
        assert secret.encode() not in on_disk
    assert len(set(keys)) == 3


def test_issuing_a_key_is_audited_without_the_key(store: Store, account: str) -> None:
    key = store.create_api_key(account)
    store.rotate_api_key(account)

    entries = store.load_audit()

    actions = [e.action for e in reversed(entries)]
    assert actions[-4:] == [
        "api_key.created",
        "api_key.revoked",
        "api_key.created",
        "api_key.rotated",
    ]
    assert all(key.split(".")[2] not in str(e.detail) for e in entries)


def test_a_key_for_an_unknown_account_is_refused_with_a_reason(store: Store) -> None:
    with pytest.raises(StoreError, match="mt4:9@Nowhere is not a known account"):
        store.create_api_key("mt4:9@Nowhere")


def test_a_key_must_last_at_least_a_day(store: Store, account: str) -> None:
    with pytest.raises(StoreError, match="at least one day"):
        store.create_api_key(account, days=0)
