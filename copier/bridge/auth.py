"""Who may open an EA session: the key-verification hook and an in-memory key book.

The bridge asks a ``KeyVerifier`` whether a hello's API key opens the account it names
(login + server). The store's API keys plug in through ``StoreKeyVerifier``; tests and
benchmarks may use ``MemoryKeyVerifier``. Verification runs in a worker thread because real
key hashing (scrypt, PBKDF2) is deliberately slow and must not stall the event loop.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from copier.bridge.protocol import CloseCode
from copier.domain import Platform


@dataclass(frozen=True, slots=True)
class AuthRefusal:
    """Why a hello was refused: the close code and a sentence for the EA's journal and the UI."""

    code: CloseCode
    reason: str


class KeyVerifier(Protocol):
    def verify(self, key: str, login: int, server: str) -> str | AuthRefusal:
        """The copier's account id this key opens for login@server, or why not."""
        ...


def account_id_for(platform: Platform | str, login: int, server: str) -> str:
    """The copier's id of an account, e.g. ``mt4:12345@Broker-Demo``."""
    return f"{Platform(platform).value}:{login}@{server}"


def _bad_key(login: int, server: str) -> AuthRefusal:
    return AuthRefusal(CloseCode.BAD_KEY, f"API key not valid for account {login}@{server}")


class KeyCheckLike(Protocol):
    @property
    def ok(self) -> bool: ...

    @property
    def status(self) -> str: ...

    @property
    def reason(self) -> str: ...

    @property
    def account_id(self) -> str | None: ...


class AccountLike(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def login(self) -> int: ...

    @property
    def server(self) -> str: ...

    @property
    def enabled(self) -> bool: ...


class KeyStore(Protocol):
    """What ``copier.store.Store`` offers for checking keys."""

    def load_accounts(self) -> Sequence[AccountLike]: ...

    def check_api_key(self, key: str, account_id: str) -> KeyCheckLike: ...


class StoreKeyVerifier:
    """Keys from the copier's store: the account is found by login + server among the configured
    accounts, and the store says why a key is refused (unknown, expired, revoked, another
    account's). Runs in a worker thread, like every verifier (see ``BridgeServer``)."""

    def __init__(self, store: KeyStore) -> None:
        self._store = store

    def verify(self, key: str, login: int, server: str) -> str | AuthRefusal:
        accounts = self._store.load_accounts()
        account = next((a for a in accounts if a.login == login and a.server == server), None)
        if account is None:
            return AuthRefusal(
                CloseCode.BAD_KEY, f"account {login}@{server} is not set up in the copier"
            )
        if not account.enabled:
            return AuthRefusal(CloseCode.BAD_KEY, f"account {login}@{server} is disabled")
        check = self._store.check_api_key(key, account.id)
        if check.ok:
            return account.id
        if check.status == "wrong_account":
            other = next((a for a in accounts if a.id == check.account_id), None)
            owner = f"{other.login}@{other.server}" if other else "another account"
            return AuthRefusal(
                CloseCode.ACCOUNT_MISMATCH,
                f"API key belongs to {owner}, not {login}@{server}",
            )
        return AuthRefusal(CloseCode.BAD_KEY, check.reason)


@dataclass(frozen=True, slots=True)
class _KeyRecord:
    account_id: str
    login: int
    server: str
    salt: bytes
    digest: bytes
    expires_ms: int
    revoked: bool = False


KEY_PREFIX = "tc1"


class MemoryKeyVerifier:
    """API keys held in memory as salted hashes, bound to login + server, with expiry.

    A key reads ``tc1.<key id>.<secret>``: the id finds the record without trying every hash,
    which is also what lets the bridge tell "wrong key" from "another account's key". The secret
    has 256 bits, so a salted SHA-256 is enough; a slow hash protects guessable passwords only.
    """

    def __init__(self, clock_ms: Callable[[], int] | None = None) -> None:
        self._records: dict[str, _KeyRecord] = {}
        self._clock_ms = clock_ms or (lambda: int(time.time() * 1000))

    def issue(self, account_id: str, login: int, server: str, days: float = 30) -> str:
        """A new key for the account, shown once: only its salted hash is kept."""
        key_id = secrets.token_hex(6)
        secret = secrets.token_urlsafe(32)
        salt = secrets.token_bytes(16)
        self._records[key_id] = _KeyRecord(
            account_id=account_id,
            login=login,
            server=server,
            salt=salt,
            digest=self._digest(salt, secret),
            expires_ms=self._clock_ms() + int(days * 86_400_000),
        )
        return f"{KEY_PREFIX}.{key_id}.{secret}"

    def revoke_account(self, account_id: str) -> int:
        """Revoke every key of an account (key rotation revokes, then issues)."""
        hits = [k for k, r in self._records.items() if r.account_id == account_id]
        for key_id in hits:
            old = self._records[key_id]
            self._records[key_id] = _KeyRecord(
                old.account_id, old.login, old.server, old.salt, old.digest, old.expires_ms, True
            )
        return len(hits)

    def verify(self, key: str, login: int, server: str) -> str | AuthRefusal:
        parts = key.split(".")
        if len(parts) != 3 or parts[0] != KEY_PREFIX:
            return _bad_key(login, server)
        record = self._records.get(parts[1])
        if record is None or not hmac.compare_digest(
            record.digest, self._digest(record.salt, parts[2])
        ):
            return _bad_key(login, server)
        if record.revoked:
            return AuthRefusal(CloseCode.BAD_KEY, "API key was revoked — generate a new one")
        if self._clock_ms() >= record.expires_ms:
            return AuthRefusal(CloseCode.BAD_KEY, "API key expired — generate a new one")
        if (record.login, record.server) != (login, server):
            return AuthRefusal(
                CloseCode.ACCOUNT_MISMATCH,
                f"API key belongs to account {record.login}@{record.server}, not {login}@{server}",
            )
        return record.account_id

    @staticmethod
    def _digest(salt: bytes, secret: str) -> bytes:
        return hashlib.sha256(salt + secret.encode()).digest()
