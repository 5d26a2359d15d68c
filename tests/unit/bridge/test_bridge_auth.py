"""API keys: bound to login + server, salted hashes only, expiry, revocation, store adapter."""

from __future__ import annotations

import pickle

from copier.bridge.auth import AuthRefusal, CallbackKeyVerifier, MemoryKeyVerifier, account_id_for
from copier.bridge.protocol import CloseCode

ACCOUNT = "mt4:1001@Demo-A"


class Clock:
    def __init__(self) -> None:
        self.now = 1_767_225_600_000

    def __call__(self) -> int:
        return self.now


def test_a_key_opens_the_account_it_was_issued_for() -> None:
    keys = MemoryKeyVerifier()
    key = keys.issue(ACCOUNT, 1001, "Demo-A")

    assert keys.verify(key, 1001, "Demo-A") == ACCOUNT


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
    assert keys.verify(new, 1001, "Demo-A") == ACCOUNT


def test_the_key_itself_is_never_kept_only_a_salted_hash() -> None:
    keys = MemoryKeyVerifier()
    key = keys.issue(ACCOUNT, 1001, "Demo-A")

    held = pickle.dumps(keys._records)

    assert key.split(".")[2].encode() not in held


def test_the_store_adapter_finds_the_account_by_login_and_server_and_asks_the_store() -> None:
    asked: list[tuple[str, str]] = []

    def verify_api_key(key: str, account_id: str) -> bool:
        asked.append((key, account_id))
        return key == "good"

    def account_for(login: int, server: str) -> str | None:
        return account_id_for("mt5", login, server) if login == 7 else None

    verifier = CallbackKeyVerifier(verify_api_key, account_for)

    assert verifier.verify("good", 7, "S") == "mt5:7@S"
    bad = verifier.verify("bad", 7, "S")
    unknown = verifier.verify("good", 8, "S")
    assert isinstance(bad, AuthRefusal) and bad.code is CloseCode.BAD_KEY
    assert isinstance(unknown, AuthRefusal) and "not set up" in unknown.reason
    assert asked == [("good", "mt5:7@S"), ("bad", "mt5:7@S")]
