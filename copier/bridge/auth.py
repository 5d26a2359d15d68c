"""Who may open an EA session: the key-verification hook and an in-memory key book.

The bridge asks a ``KeyVerifier`` whether a hello's API key opens the account it names
(login + server). The store's API keys plug in through ``StoreKeyVerifier``; tests and
benchmarks may use ``MemoryKeyVerifier``. Verification runs in a worker thread because real
key hashing (scrypt, PBKDF2) is deliberately slow and must not stall the event loop.

A verifier may also be a ``KeyLifecycle`` (live sessions' keys are re-checked by id, so a
revoked, expired or replaced key ends its sessions) and an ``AddressPolicy`` (an account's own
IP allow list, checked before its key). Both built-in verifiers are.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol, runtime_checkable

from copier.bridge.allowlist import AllowList, AllowListError
from copier.bridge.protocol import CloseCode, Role
from copier.domain import Platform


@dataclass(frozen=True, slots=True)
class AuthRefusal:
    """Why a hello was refused: the close code and a sentence for the EA's journal and the UI."""

    code: CloseCode
    reason: str


@dataclass(frozen=True, slots=True)
class KeyGrant:
    """A key accepted: the account it opens and what the bridge tracks about it."""

    account_id: str
    key_id: str
    expires_ms: int | None = None  # when the key stops working (a replaced key: grace end)
    replaced: bool = False  # a newer key exists; this one works only until ``expires_ms``
    roles: frozenset[str] | None = None  # EA roles it opens ("monitor", "executor"); None: any


class KeyVerifier(Protocol):
    def verify(self, key: str, login: int, server: str) -> str | KeyGrant | AuthRefusal:
        """What this key opens for login@server (an account id, or a grant), or why not."""
        ...


@runtime_checkable
class KeyLifecycle(Protocol):
    def recheck(self, key_ids: Collection[str]) -> Mapping[str, KeyGrant | AuthRefusal]:
        """The current verdict on keys verified before, by key id (no secret needed)."""
        ...


@runtime_checkable
class AddressPolicy(Protocol):
    def address_refusal(self, login: int, server: str, address: str) -> AuthRefusal | None:
        """Why login@server may not connect from ``address`` (its own allow list), or None."""
        ...


def key_id_of(key: str) -> str:
    """The public id inside a ``tc1.<key id>.<secret>`` key ("" for anything else)."""
    parts = key.split(".")
    return parts[1] if len(parts) == 3 and parts[0] == KEY_PREFIX else ""


def grant_of(outcome: str | KeyGrant, key: str) -> KeyGrant:
    """A verifier's answer as a grant (a verifier may answer with the account id only)."""
    if isinstance(outcome, KeyGrant):
        return outcome
    return KeyGrant(outcome, key_id_of(key))


def role_refusal(grant: KeyGrant, role: Role) -> AuthRefusal | None:
    """Why this key may not open a session of ``role``, or None when it may."""
    if grant.roles is None or role.value in grant.roles:
        return None
    if not grant.roles:
        text = "API key opens no EA role this account has now — generate a new one"
    else:
        opens = " and ".join(sorted(grant.roles))
        text = f"API key is for the {opens} EA, not the {role.value} — use that EA's key"
    return AuthRefusal(CloseCode.ROLE_REFUSED, text)


def address_refused(account: str, address: str) -> AuthRefusal:
    return AuthRefusal(
        CloseCode.ADDRESS_REFUSED, f"address {address} is not in the allow list of {account}"
    )


def account_allow_list(settings: Mapping[str, Any]) -> AllowList:
    """An account's own allow list (``settings["allow_ips"]``); a broken one allows nothing."""
    entries = settings.get("allow_ips") or ()
    if isinstance(entries, str):
        entries = (entries,)
    try:
        return AllowList(str(e) for e in entries)
    except AllowListError:
        return AllowList(("0.0.0.0/32",))  # refuse rather than let everyone in


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

    @property
    def settings(self) -> Mapping[str, Any]: ...


class KeyStateLike(KeyCheckLike, Protocol):
    @property
    def key_id(self) -> str | None: ...

    @property
    def expires_ms(self) -> int | None: ...

    @property
    def replaced(self) -> bool: ...

    @property
    def roles(self) -> frozenset[str]: ...


class KeyStore(Protocol):
    """What ``copier.store.Store`` offers for checking keys."""

    def load_accounts(self) -> Sequence[AccountLike]: ...

    def check_api_key(self, key: str, account_id: str) -> KeyStateLike: ...

    def api_key_states(self, key_ids: Collection[str]) -> Mapping[str, KeyStateLike]: ...


class StoreKeyVerifier:
    """Keys from the copier's store: the account is found by login + server among the configured
    accounts, and the store says why a key is refused (unknown, expired, revoked, another
    account's). Runs in a worker thread, like every verifier (see ``BridgeServer``)."""

    def __init__(self, store: KeyStore) -> None:
        self._store = store

    def verify(self, key: str, login: int, server: str) -> KeyGrant | AuthRefusal:
        """Only a caller holding a real key learns more than "not valid": an unknown account
        and a wrong key get the same answer after the same work (one lookup, one hash)."""
        accounts = self._store.load_accounts()
        account = next((a for a in accounts if a.login == login and a.server == server), None)
        check = self._store.check_api_key(key, account.id if account is not None else "")
        if check.status == "wrong_account":
            other = next((a for a in accounts if a.id == check.account_id), None)
            owner = f"{other.login}@{other.server}" if other else "another account"
            return AuthRefusal(
                CloseCode.ACCOUNT_MISMATCH,
                f"API key belongs to {owner}, not {login}@{server}",
            )
        if account is None or check.status == "unknown":
            return _bad_key(login, server)
        if not account.enabled:
            return AuthRefusal(CloseCode.BAD_KEY, f"account {login}@{server} is disabled")
        if check.ok:
            key_id = check.key_id or key_id_of(key)
            return KeyGrant(account.id, key_id, check.expires_ms, check.replaced, check.roles)
        return AuthRefusal(CloseCode.BAD_KEY, check.reason)

    def recheck(self, key_ids: Collection[str]) -> dict[str, KeyGrant | AuthRefusal]:
        verdicts: dict[str, KeyGrant | AuthRefusal] = {}
        for key_id, check in self._store.api_key_states(key_ids).items():
            if check.ok and check.account_id is not None:
                verdicts[key_id] = KeyGrant(
                    check.account_id, key_id, check.expires_ms, check.replaced, check.roles
                )
            else:
                verdicts[key_id] = AuthRefusal(CloseCode.BAD_KEY, check.reason)
        return verdicts

    def address_refusal(self, login: int, server: str, address: str) -> AuthRefusal | None:
        accounts = self._store.load_accounts()
        account = next((a for a in accounts if a.login == login and a.server == server), None)
        if account is None or account_allow_list(account.settings).allows(address):
            return None
        return address_refused(f"{login}@{server}", address)


@dataclass(frozen=True, slots=True)
class _KeyRecord:
    account_id: str
    login: int
    server: str
    salt: bytes
    digest: bytes
    expires_ms: int
    revoked: bool = False
    replaced: bool = False
    roles: frozenset[str] | None = None  # None: any role


KEY_PREFIX = "tc1"


class MemoryKeyVerifier:
    """API keys held in memory as salted hashes, bound to login + server, with expiry.

    A key reads ``tc1.<key id>.<secret>``: the id finds the record without trying every hash,
    which is also what lets the bridge tell "wrong key" from "another account's key". The secret
    has 256 bits, so a salted SHA-256 is enough; a slow hash protects guessable passwords only.
    """

    def __init__(self, clock_ms: Callable[[], int] | None = None) -> None:
        self._records: dict[str, _KeyRecord] = {}
        self._allow: dict[tuple[int, str], AllowList] = {}
        self._clock_ms = clock_ms or (lambda: int(time.time() * 1000))

    def issue(
        self,
        account_id: str,
        login: int,
        server: str,
        days: float = 30,
        roles: Collection[str] | None = None,
    ) -> str:
        """A new key for the account, shown once: only its salted hash is kept. It opens
        ``roles`` ("monitor", "executor"; None: any)."""
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
            roles=None if roles is None else frozenset(roles),
        )
        return f"{KEY_PREFIX}.{key_id}.{secret}"

    def revoke_account(self, account_id: str) -> int:
        """Revoke every key of an account at once."""
        hits = [k for k, r in self._records.items() if r.account_id == account_id]
        for key_id in hits:
            self._records[key_id] = replace(self._records[key_id], revoked=True)
        return len(hits)

    def rotate(self, account_id: str, grace_ms: int, days: float = 30) -> str:
        """A new key; the account's other keys keep working for ``grace_ms`` only."""
        ends = self._clock_ms() + grace_ms
        for key_id, old in list(self._records.items()):
            if old.account_id == account_id and not old.revoked and not old.replaced:
                expires = min(old.expires_ms, ends)
                self._records[key_id] = replace(old, expires_ms=expires, replaced=True)
        record = next(r for r in self._records.values() if r.account_id == account_id)
        return self.issue(account_id, record.login, record.server, days)

    def allow(self, login: int, server: str, entries: Iterable[str]) -> None:
        """Set the account's own IP allow list (empty: any address)."""
        self._allow[(login, server)] = AllowList(entries)

    def verify(self, key: str, login: int, server: str) -> KeyGrant | AuthRefusal:
        key_id = key_id_of(key)
        record = self._records.get(key_id)
        if record is None or not hmac.compare_digest(
            record.digest, self._digest(record.salt, key.split(".")[2])
        ):
            return _bad_key(login, server)
        refusal = self._refusal(record)
        if refusal is not None:
            return refusal
        if (record.login, record.server) != (login, server):
            return AuthRefusal(
                CloseCode.ACCOUNT_MISMATCH,
                f"API key belongs to account {record.login}@{record.server}, not {login}@{server}",
            )
        return KeyGrant(record.account_id, key_id, record.expires_ms, record.replaced, record.roles)

    def recheck(self, key_ids: Collection[str]) -> dict[str, KeyGrant | AuthRefusal]:
        verdicts: dict[str, KeyGrant | AuthRefusal] = {}
        for key_id in key_ids:
            record = self._records.get(key_id)
            if record is None:
                verdicts[key_id] = AuthRefusal(CloseCode.BAD_KEY, "API key no longer exists")
                continue
            refusal = self._refusal(record)
            verdicts[key_id] = refusal or KeyGrant(
                record.account_id, key_id, record.expires_ms, record.replaced, record.roles
            )
        return verdicts

    def address_refusal(self, login: int, server: str, address: str) -> AuthRefusal | None:
        allowed = self._allow.get((login, server))
        if allowed is None or allowed.allows(address):
            return None
        return address_refused(f"{login}@{server}", address)

    def _refusal(self, record: _KeyRecord) -> AuthRefusal | None:
        if record.revoked:
            return AuthRefusal(CloseCode.BAD_KEY, "API key was revoked — generate a new one")
        if self._clock_ms() >= record.expires_ms:
            if record.replaced:
                text = "API key was replaced and its grace period is over — use the newest key"
                return AuthRefusal(CloseCode.BAD_KEY, text)
            return AuthRefusal(CloseCode.BAD_KEY, "API key expired — generate a new one")
        return None

    @staticmethod
    def _digest(salt: bytes, secret: str) -> bytes:
        return hashlib.sha256(salt + secret.encode()).digest()
