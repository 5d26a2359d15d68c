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


def test_rotation_issues_a_working_key_and_keeps_the_old_one_through_the_grace_period(
    store: Store, account: str, clock: FakeClock
) -> None:
    old = store.create_api_key(account)

    new = store.rotate_api_key(account, days=7)
    during_grace = store.check_api_key(old, account)
    clock.now_ms = T0 + DAY_MS - 1
    at_the_last_moment = store.check_api_key(old, account).status
    clock.now_ms = T0 + DAY_MS
    after_grace = store.check_api_key(old, account)

    assert (during_grace.status, during_grace.replaced) == (KeyStatus.VALID, True)
    assert during_grace.expires_ms == T0 + DAY_MS
    assert at_the_last_moment is KeyStatus.VALID
    assert after_grace.status is KeyStatus.REPLACED and "newest key" in after_grace.reason
    assert store.verify_api_key(new, account) is True
    keys = store.list_api_keys(account)
    assert [k.replaced_by for k in keys] == [new.split(".")[1], None]
    assert keys[1].expires_ms == T0 + 7 * DAY_MS


def test_rotation_with_no_grace_revokes_the_old_key_at_once(store: Store, account: str) -> None:
    old = store.create_api_key(account)

    store.rotate_api_key(account, grace_ms=0)

    assert store.check_api_key(old, account).status is KeyStatus.REVOKED


def test_rotating_twice_never_extends_a_key_already_in_its_grace_period(
    store: Store, account: str, clock: FakeClock
) -> None:
    first = store.create_api_key(account)
    store.rotate_api_key(account)
    clock.now_ms = T0 + 12 * 3_600_000

    store.rotate_api_key(account)

    assert store.check_api_key(first, account).expires_ms == T0 + DAY_MS


def test_the_accounts_settings_choose_key_lifetime_and_grace(
    store: Store, clock: FakeClock
) -> None:
    settings = {"key_days": 10, "key_grace_hours": 2}
    account = store.save_account(
        AccountRecord.new(Platform.MT5, 3003, "Broker-Demo", settings=settings)
    ).id
    old = store.create_api_key(account)

    store.rotate_api_key(account)

    assert store.list_api_keys(account)[1].expires_ms == T0 + 10 * DAY_MS
    assert store.check_api_key(old, account).expires_ms == T0 + 2 * 3_600_000


def test_a_revoked_key_is_refused_at_once_and_its_state_is_seen_by_id(
    store: Store, account: str
) -> None:
    key = store.create_api_key(account)
    key_id = key.split(".")[1]

    revoked = store.revoke_api_keys(account)
    states = store.api_key_states([key_id, "feedfacefeedface"])

    assert revoked == 1
    assert store.check_api_key(key, account).status is KeyStatus.REVOKED
    assert states[key_id].status is KeyStatus.REVOKED
    assert states["feedfacefeedface"].status is KeyStatus.UNKNOWN


def test_key_states_report_expiry_and_replacement_without_the_secret(
    store: Store, account: str, clock: FakeClock
) -> None:
    old_id = store.create_api_key(account, days=5).split(".")[1]
    new_id = store.rotate_api_key(account, days=30, grace_ms=DAY_MS).split(".")[1]

    clock.now_ms = T0 + DAY_MS
    states = store.api_key_states([old_id, new_id])

    assert states[old_id].status is KeyStatus.REPLACED
    assert (states[new_id].status, states[new_id].expires_ms) == (
        KeyStatus.VALID,
        T0 + 30 * DAY_MS,
    )


def test_keys_are_stored_only_as_salted_hashes(store: Store, account: str) -> None:
    keys = [store.create_api_key(account) for _ in range(3)]
    store.close()

    on_disk = b"".join(path.read_bytes() for path in store.path.parent.iterdir() if path.is_file())

    for key in keys:
        secret = key.split(".")[2]
        assert key.encode() not in on_disk
        assert secret.encode() not in on_disk
    assert len(set(keys)) == 3


def test_every_step_of_a_keys_life_is_audited_without_the_key(store: Store, account: str) -> None:
    key = store.create_api_key(account)
    store.rotate_api_key(account)
    store.revoke_api_keys(account)

    entries = store.load_audit()
    actions = [e.action for e in reversed(entries)]
    assert actions[-4:] == [
        "api_key.created",
        "api_key.created",
        "api_key.rotated",
        "api_key.revoked",
    ]
    assert entries[1].detail["replaced"] == [key.split(".")[1]]
    assert len(entries[0].detail["key_ids"]) == 2
    assert all(key.split(".")[2] not in str(e.detail) for e in entries)


def test_a_key_for_an_unknown_account_is_refused_with_a_reason(store: Store) -> None:
    with pytest.raises(StoreError, match="mt4:9@Nowhere is not a known account"):
        store.create_api_key("mt4:9@Nowhere")


def test_a_key_must_last_at_least_a_day(store: Store, account: str) -> None:
    with pytest.raises(StoreError, match="at least one day"):
        store.create_api_key(account, days=0)
