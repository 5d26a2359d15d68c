"""API keys for EA connections: made here, shown once, stored only as salted hashes.

A key reads ``tc1.<key id>.<secret>``. The key id is public and finds the one row to check, so
verifying costs one hash, not one per stored key. The secret is 256 random bits: no dictionary or
brute force can reach it, so the hash only has to make a leaked database useless, not slow down
guessing. PBKDF2-SHA256 at 1,000 iterations (about 0.5 ms) keeps a burst of thousands of EA
hellos cheap; the scheme and count are stored per key so they can be raised later.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import Connection, select, update

from copier.store.errors import StoreError
from copier.store.journal import Journal
from copier.store.models import AccountRow, ApiKeyRow, table

KEY_PREFIX = "tc1"
SCHEME = "pbkdf2_sha256"
ITERATIONS = 1_000
DAY_MS = 86_400_000

_keys = table(ApiKeyRow)


class KeyStatus(StrEnum):
    VALID = "valid"
    UNKNOWN = "unknown"  # malformed, never issued, or the secret does not match
    WRONG_ACCOUNT = "wrong_account"  # a real key, issued for another account
    EXPIRED = "expired"
    REVOKED = "revoked"


@dataclass(frozen=True, slots=True)
class KeyCheck:
    status: KeyStatus
    account_id: str | None = None  # the account the key was issued for, when known

    @property
    def ok(self) -> bool:
        return self.status is KeyStatus.VALID

    @property
    def reason(self) -> str:
        return {
            KeyStatus.VALID: "key accepted",
            KeyStatus.UNKNOWN: "API key not recognised",
            KeyStatus.WRONG_ACCOUNT: "API key belongs to another account",
            KeyStatus.EXPIRED: "API key expired — generate a new one in Accounts",
            KeyStatus.REVOKED: "API key was revoked — use the newest key for this account",
        }[self.status]


@dataclass(frozen=True, slots=True)
class ApiKeyInfo:
    """What the UI may show about a key (never the key)."""

    key_id: str
    account_id: str
    created_ms: int
    expires_ms: int
    revoked_ms: int | None


def create_api_key(conn: Connection, account_id: str, days: int, actor: str, now_ms: int) -> str:
    if days <= 0:
        raise StoreError("an API key must be valid for at least one day")
    if conn.scalar(select(AccountRow.id).where(AccountRow.id == account_id)) is None:
        raise StoreError(f"{account_id} is not a known account — add the account first")
    key_id = secrets.token_hex(8)
    key = f"{KEY_PREFIX}.{key_id}.{secrets.token_urlsafe(32)}"
    salt = secrets.token_bytes(16)
    expires_ms = now_ms + days * DAY_MS
    conn.execute(
        _keys.insert().values(
            key_id=key_id,
            account_id=account_id,
            scheme=SCHEME,
            iterations=ITERATIONS,
            salt=salt,
            hash=_hash(key, salt, ITERATIONS),
            created_ms=now_ms,
            expires_ms=expires_ms,
            revoked_ms=None,
        )
    )
    detail = {"account": account_id, "key_id": key_id, "expires_ms": expires_ms}
    Journal.audit(conn, now_ms, actor, "api_key.created", detail)
    return key


def rotate_api_key(conn: Connection, account_id: str, days: int, actor: str, now_ms: int) -> str:
    """Revoke the account's keys and issue a new one, in one transaction."""
    revoked = revoke_api_keys(conn, account_id, actor, now_ms)
    key = create_api_key(conn, account_id, days, actor, now_ms)
    Journal.audit(
        conn,
        now_ms,
        actor,
        "api_key.rotated",
        {"account": account_id, "revoked": revoked, "key_id": key.split(".")[1]},
    )
    return key


def revoke_api_keys(conn: Connection, account_id: str, actor: str, now_ms: int) -> int:
    result = conn.execute(
        update(_keys)
        .where(_keys.c.account_id == account_id, _keys.c.revoked_ms.is_(None))
        .values(revoked_ms=now_ms)
    )
    if result.rowcount:
        Journal.audit(
            conn,
            now_ms,
            actor,
            "api_key.revoked",
            {"account": account_id, "count": result.rowcount},
        )
    return int(result.rowcount)


def check_api_key(conn: Connection, key: str, account_id: str, now_ms: int) -> KeyCheck:
    parts = key.split(".")
    if len(parts) != 3 or parts[0] != KEY_PREFIX:
        return KeyCheck(KeyStatus.UNKNOWN)
    row = conn.execute(select(_keys).where(_keys.c.key_id == parts[1])).first()
    if row is None or row.scheme != SCHEME:
        return KeyCheck(KeyStatus.UNKNOWN)
    if not hmac.compare_digest(_hash(key, row.salt, row.iterations), row.hash):
        return KeyCheck(KeyStatus.UNKNOWN)
    if row.account_id != account_id:
        return KeyCheck(KeyStatus.WRONG_ACCOUNT, row.account_id)
    if row.revoked_ms is not None:
        return KeyCheck(KeyStatus.REVOKED, row.account_id)
    if row.expires_ms <= now_ms:
        return KeyCheck(KeyStatus.EXPIRED, row.account_id)
    return KeyCheck(KeyStatus.VALID, row.account_id)


def list_api_keys(conn: Connection, account_id: str) -> list[ApiKeyInfo]:
    query = select(_keys).where(_keys.c.account_id == account_id).order_by(_keys.c.created_ms)
    return [
        ApiKeyInfo(r.key_id, r.account_id, r.created_ms, r.expires_ms, r.revoked_ms)
        for r in conn.execute(query)
    ]


def _hash(key: str, salt: bytes, iterations: int) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", key.encode("utf-8"), salt, iterations)
