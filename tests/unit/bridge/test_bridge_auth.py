"""API keys: bound to login + server, salted hashes only, expiry, revocation, store adapter."""

from __future__ import annotations

import pickle
from pathlib import Path

from copier.bridge.auth import AuthRefusal, KeyGrant, MemoryKeyVerifier, StoreKeyVerifier
from copier.bridge.protocol import CloseCode
from copier.domain import Platform
from copier.store import Store
from copier.store.catalog import AccountRecord

ACCOUNT = "mt4:1001@Demo-A"


class Clock:
    def __init__(self) -> None:
        self.now = 1_767_225_600_000

    def __call__(self) -> int:
        return self.now


def test_a_key_opens_the_account_it_was_issued_for() -> None:
    keys = MemoryKeyVerifier()
    key = keys.issue(ACCOUNT, 1001, "Demo-A")

    grant = keys.verify(key, 1001, "Demo-A")

    assert isinstance(grant, KeyGrant)
    assert (grant.account_id, grant.key_id) == (ACCOUNT, key.split(".")[1])


def test_a_key_used_from_another_account_is_refused_as_a_mismatch() -> None:
    keys = MemoryKeyVerifier()
    key = keys.issue(ACCOUNT, 1001, "Demo-A")

    outcome = keys.verify(key, 1001, "Demo-B")

    assert isinstance(outcome, AuthRefusal)
    assert outcome.code is CloseCode.ACCOUNT_MISMATCH
    assert "1001@Demo-A" in outcome.reason


def test_a_tampered_or_unknown_key_is_refused_as_a_bad_key() -> None:
    keys = MemoryKeyVerifier()
    key = keys.issue(ACCOUNT, 1001, "Demo-A")

    tampered = keys.verify(key[:-1] + ("A" if key[-1] != "A" else "B"), 1001, "Demo-A")
    garbage = keys.verify("not-a-key", 1001, "Demo-A")

    assert isinstance(tampered, AuthRefusal) and tampered.code is CloseCode.BAD_KEY
    assert isinstance(garbage, AuthRefusal) and garbage.code is CloseCode.BAD_KEY


def test_an_expired_key_is_refused_with_a_reason_that_says_so() -> None:
    clock = Clock()
    keys = MemoryKeyVerifier(clock_ms=clock)
    key = keys.issue(ACCOUNT, 1001, "Demo-A", days=30)

    clock.now += 30 * 86_400_000

    outcome = keys.verify(key, 1001, "Demo-A")
    assert isinstance(outcome, AuthRefusal) and "expired" in outcome.reason


def test_rotating_revokes_the_old_key_and_the_new_one_works() -> None:
    keys = MemoryKeyVerifier()
    old = keys.issue(ACCOUNT, 1001, "Demo-A")

    keys.revoke_account(ACCOUNT)
    new = keys.issue(ACCOUNT, 1001, "Demo-A")

    assert isinstance(keys.verify(old, 1001, "Demo-A"), AuthRefusal)
    assert _account(keys.verify(new, 1001, "Demo-A")) == ACCOUNT


def test_the_key_itself_is_never_kept_only_a_salted_hash() -> None:
    keys = MemoryKeyVerifier()
    key = keys.issue(ACCOUNT, 1001, "Demo-A")

    held = pickle.dumps(keys._records)

    assert key.split(".")[2].encode() not in held


def test_the_store_verifier_finds_the_account_by_login_and_server(tmp_path: Path) -> None:
    with _store(tmp_path) as store:
        key = store.create_api_key(ACCOUNT_ID)

        grant = StoreKeyVerifier(store).verify(key, 1001, "Demo-A")

    assert isinstance(grant, KeyGrant)
    assert (grant.account_id, grant.key_id, grant.replaced) == (
        ACCOUNT_ID,
        key.split(".")[1],
        False,
    )


def test_the_store_verifier_refuses_another_accounts_key_as_a_mismatch(tmp_path: Path) -> None:
    with _store(tmp_path) as store:
        store.save_account(AccountRecord.new(Platform.MT5, 2002, "Demo-B"))
        other = store.create_api_key("mt5:2002@Demo-B")

        outcome = StoreKeyVerifier(store).verify(other, 1001, "Demo-A")

    assert isinstance(outcome, AuthRefusal) and outcome.code is CloseCode.ACCOUNT_MISMATCH
    assert "2002@Demo-B" in outcome.reason


def test_the_store_verifier_gives_the_stores_reason_for_a_revoked_key(tmp_path: Path) -> None:
    with _store(tmp_path) as store:
        key = store.create_api_key(ACCOUNT_ID)
        store.revoke_api_keys(ACCOUNT_ID)

        outcome = StoreKeyVerifier(store).verify(key, 1001, "Demo-A")

    assert isinstance(outcome, AuthRefusal) and outcome.code is CloseCode.BAD_KEY
    assert "revoked" in outcome.reason


def test_an_unknown_account_and_a_wrong_key_get_the_same_answer(tmp_path: Path) -> None:
    guess = "tc1.0123456789abcdef.guess"
    with _store(tmp_path) as store:
        store.create_api_key(ACCOUNT_ID)
        verifier = StoreKeyVerifier(store)

        unknown_account = verifier.verify(guess, 9999, "Demo-A")
        known_account = verifier.verify(guess, 1001, "Demo-A")

    assert isinstance(unknown_account, AuthRefusal) and isinstance(known_account, AuthRefusal)
    assert unknown_account.code is known_account.code is CloseCode.BAD_KEY
    # the same sentence but for the login the hello named: nothing says which account exists
    assert unknown_account.reason.replace("9999", "1001") == known_account.reason


ACCOUNT_ID = "mt4:1001@Demo-A"


def _store(tmp_path: Path) -> Store:
    store = Store.open(path=tmp_path / "copier.db")
    store.save_account(AccountRecord.new(Platform.MT4, 1001, "Demo-A"))
    return store


def test_a_rotated_memory_key_works_until_its_grace_ends_then_is_refused() -> None:
    clock = Clock()
    keys = MemoryKeyVerifier(clock_ms=clock)
    old = keys.issue(ACCOUNT, 1001, "Demo-A")
    new = keys.rotate(ACCOUNT, grace_ms=3_600_000)

    during = keys.verify(old, 1001, "Demo-A")
    clock.now += 3_600_000
    after = keys.verify(old, 1001, "Demo-A")

    assert isinstance(during, KeyGrant) and during.replaced
    assert isinstance(after, AuthRefusal) and "grace period is over" in after.reason
    assert _account(keys.verify(new, 1001, "Demo-A")) == ACCOUNT


def test_recheck_by_key_id_reports_a_revocation_without_the_secret(tmp_path: Path) -> None:
    with _store(tmp_path) as store:
        key_id = store.create_api_key(ACCOUNT_ID).split(".")[1]
        verifier = StoreKeyVerifier(store)
        before = verifier.recheck([key_id])[key_id]
        store.revoke_api_keys(ACCOUNT_ID)

        after = verifier.recheck([key_id])[key_id]

    assert isinstance(before, KeyGrant)
    assert isinstance(after, AuthRefusal) and after.code is CloseCode.BAD_KEY


def test_an_accounts_own_allow_list_refuses_other_addresses(tmp_path: Path) -> None:
    with _store(tmp_path) as store:
        record = AccountRecord.new(
            Platform.MT4, 1001, "Demo-A", settings={"allow_ips": ["10.1.0.0/16", "192.0.2.7"]}
        )
        store.save_account(record)
        verifier = StoreKeyVerifier(store)

        inside = verifier.address_refusal(1001, "Demo-A", "10.1.200.3")
        single = verifier.address_refusal(1001, "Demo-A", "192.0.2.7")
        outside = verifier.address_refusal(1001, "Demo-A", "10.2.0.1")

    assert inside is None and single is None
    assert isinstance(outside, AuthRefusal) and outside.code is CloseCode.ADDRESS_REFUSED
    assert "10.2.0.1" in outside.reason


def _account(outcome: object) -> str:
    assert isinstance(outcome, KeyGrant), outcome
    return outcome.account_id
