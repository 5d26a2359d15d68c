"""API keys for EA connections: made here, shown once, stored only as salted hashes; their
lifecycle (expiry, rotation with a grace period, revocation), every step audited.

A key reads ``tc1.<key id>.<secret>``. The key id is public and finds the one row to check, so
verifying costs one hash, not one per stored key. The secret is 256 random bits: no dictionary or
brute force can reach it, so the hash only has to make a leaked database useless, not slow down
guessing. PBKDF2-SHA256 at 1,000 iterations (about 0.5 ms) keeps a burst of thousands of EA
hellos cheap; the scheme and count are stored per key so they can be raised later.

A key opens only the EA roles it was issued for (``monitor``, ``executor``), by default those
of its account (a master: monitor; a slave: executor; both: both), and only while its account
still has them: a slave's key cannot open a monitor session whose events would be stored as the
account's trades.

Rotation issues a new key and lets the old one work until its grace period ends (its
``expires_ms`` is brought forward to then), so a trader can update the EA inputs without a gap in
copying. Revocation is immediate. An account's ``settings`` may set ``key_days`` (lifetime of new
keys, default 30) and ``key_grace_hours`` (default 24).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, func, select, update

from copier.store.errors import StoreError
from copier.store.journal import Journal
from copier.store.models import AccountRow, ApiKeyRow, table
from copier.store.schema import EXECUTOR, MONITOR

KEY_PREFIX = "tc1"
SCHEME = "pbkdf2_sha256"
ITERATIONS = 1_000
DAY_MS = 86_400_000
HOUR_MS = 3_600_000
DEFAULT_KEY_DAYS = 30
DEFAULT_GRACE_HOURS = 24.0
_DUMMY_SALT = bytes(16)
_STATE_BATCH = 500  # key ids per query: far below SQLite's bound-parameter limit

_keys = table(ApiKeyRow)
_ROLES_OF_ACCOUNT = {
    "master": frozenset({MONITOR}),
    "slave": frozenset({EXECUTOR}),
    "both": frozenset({MONITOR, EXECUTOR}),
}


def account_roles(account_role: str | None) -> frozenset[str]:
    """The EA roles an account of this role (master, slave, both) runs."""
    return _ROLES_OF_ACCOUNT.get(account_role or "", frozenset())


def roles_text(roles: Collection[str]) -> str:
    return ",".join(sorted(roles))


class KeyStatus(StrEnum):
    VALID = "valid"
    UNKNOWN = "unknown"  # malformed, never issued, or the secret does not match
    WRONG_ACCOUNT = "wrong_account"  # a real key, issued for another account
    EXPIRED = "expired"
    REVOKED = "revoked"
    REPLACED = "replaced"  # rotated away and its grace period is over


@dataclass(frozen=True, slots=True)
class KeyCheck:
    status: KeyStatus
    account_id: str | None = None  # the account the key was issued for, when known
    key_id: str | None = None  # the key's public id, when the key is real
    expires_ms: int | None = None  # when it stops working (a replaced key: its grace end)
    replaced: bool = False  # a newer key exists; this one works only until ``expires_ms``
    roles: frozenset[str] = frozenset()  # EA roles it opens now: its own, that its account has

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
            KeyStatus.REPLACED: "API key was replaced and its grace period is over — "
            "put the newest key in the EA inputs",
        }[self.status]


@dataclass(frozen=True, slots=True)
class ApiKeyInfo:
    """What the UI may show about a key (never the key)."""

    key_id: str
    account_id: str
    created_ms: int
    expires_ms: int
    revoked_ms: int | None
    replaced_ms: int | None = None
    replaced_by: str | None = None
    roles: tuple[str, ...] = ()  # the EA roles it was issued for

    def status(self, now_ms: int) -> KeyStatus:
        return _status(self.revoked_ms, self.replaced_ms, self.expires_ms, now_ms)


@dataclass(frozen=True, slots=True)
class KeyPolicy:
    """An account's key settings, from its ``settings`` or the defaults."""

    days: int = DEFAULT_KEY_DAYS
    grace_ms: int = int(DEFAULT_GRACE_HOURS * HOUR_MS)


def key_policy(conn: Connection, account_id: str) -> KeyPolicy:
    if not _account_exists(conn, account_id):
        raise StoreError(f"{account_id} is not a known account — add the account first")
    settings = conn.scalar(select(AccountRow.settings).where(AccountRow.id == account_id))
    return policy_from_settings(settings or {})


def policy_from_settings(settings: dict[str, Any]) -> KeyPolicy:
    days = settings.get("key_days", DEFAULT_KEY_DAYS)
    hours = settings.get("key_grace_hours", DEFAULT_GRACE_HOURS)
    if not isinstance(days, int) or isinstance(days, bool) or days <= 0:
        raise StoreError(f"key_days must be a whole number of days ≥ 1, not {days!r}")
    if not isinstance(hours, int | float) or isinstance(hours, bool) or hours < 0:
        raise StoreError(f"key_grace_hours must be a number of hours ≥ 0, not {hours!r}")
    return KeyPolicy(days, int(hours * HOUR_MS))


def create_api_key(
    conn: Connection,
    account_id: str,
    days: int | None,
    actor: str,
    now_ms: int,
    roles: Collection[str] | None = None,
) -> str:
    """A new key for the account, valid ``days`` (None: the account's ``key_days``), opening
    ``roles`` (None: every role the account has; else some of them)."""
    if days is not None and days <= 0:
        raise StoreError("an API key must be valid for at least one day")
    lifetime = days if days is not None else key_policy(conn, account_id).days
    if not _account_exists(conn, account_id):
        raise StoreError(f"{account_id} is not a known account — add the account first")
    has = account_roles(conn.scalar(select(AccountRow.role).where(AccountRow.id == account_id)))
    opens = has if roles is None else frozenset(roles)
    if not opens or not opens <= has:
        wanted = " and ".join(sorted(opens)) or "no"
        runs = " and ".join(sorted(has)) or "no EA"
        raise StoreError(
            f"{account_id} runs the {runs} role(s), so its key cannot open {wanted} — "
            "change the account's role first"
        )
    key_id = secrets.token_hex(8)
    key = f"{KEY_PREFIX}.{key_id}.{secrets.token_urlsafe(32)}"
    salt = secrets.token_bytes(16)
    expires_ms = now_ms + lifetime * DAY_MS
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
            replaced_ms=None,
            replaced_by=None,
            roles=roles_text(opens),
        )
    )
    detail = {
        "account": account_id,
        "key_id": key_id,
        "expires_ms": expires_ms,
        "roles": sorted(opens),
    }
    Journal.audit(conn, now_ms, actor, "api_key.created", detail)
    return key


def rotate_api_key(
    conn: Connection,
    account_id: str,
    days: int | None,
    actor: str,
    now_ms: int,
    grace_ms: int | None = None,
    roles: Collection[str] | None = None,
) -> str:
    """Issue a new key (for ``roles``, as ``create_api_key``); the account's working keys keep
    working for ``grace_ms`` (None: the account's ``key_grace_hours``; 0: revoked at once).
    One transaction."""
    grace = grace_ms if grace_ms is not None else key_policy(conn, account_id).grace_ms
    if grace < 0:
        raise StoreError("the grace period cannot be negative")
    key = create_api_key(conn, account_id, days, actor, now_ms, roles)
    key_id = key.split(".")[1]
    old = _working_key_ids(conn, account_id, now_ms, exclude=key_id)
    grace_until = now_ms + grace
    for old_id in old:
        conn.execute(
            update(_keys)
            .where(_keys.c.key_id == old_id)
            .values(
                replaced_ms=now_ms,
                replaced_by=key_id,
                revoked_ms=now_ms if grace == 0 else None,
                expires_ms=_earlier(_keys.c.expires_ms, grace_until),
            )
        )
    detail = {
        "account": account_id,
        "key_id": key_id,
        "replaced": old,
        "grace_until_ms": grace_until,
    }
    Journal.audit(conn, now_ms, actor, "api_key.rotated", detail)
    return key


def revoke_api_keys(conn: Connection, account_id: str, actor: str, now_ms: int) -> int:
    """Revoke every unrevoked key of the account, at once."""
    ids = list(
        conn.scalars(
            select(_keys.c.key_id).where(
                _keys.c.account_id == account_id, _keys.c.revoked_ms.is_(None)
            )
        )
    )
    if not ids:
        return 0
    conn.execute(update(_keys).where(_keys.c.key_id.in_(ids)).values(revoked_ms=now_ms))
    detail = {"account": account_id, "count": len(ids), "key_ids": ids}
    Journal.audit(conn, now_ms, actor, "api_key.revoked", detail)
    return len(ids)


def check_api_key(conn: Connection, key: str, account_id: str, now_ms: int) -> KeyCheck:
    """Why ``key`` does or does not open ``account_id``. A key that is not even well formed, or
    names no stored key, costs the same hash as a wrong secret, so the answer's timing does not
    tell a stranger which key ids exist."""
    parts = key.split(".")
    key_id = parts[1] if len(parts) == 3 and parts[0] == KEY_PREFIX else None
    row = None
    if key_id is not None:
        row = conn.execute(select(_keys).where(_keys.c.key_id == key_id)).first()
    if row is None or row.scheme != SCHEME:
        _hash(key, _DUMMY_SALT, ITERATIONS)  # the same work as a wrong secret
        return KeyCheck(KeyStatus.UNKNOWN)
    if not hmac.compare_digest(_hash(key, row.salt, row.iterations), row.hash):
        return KeyCheck(KeyStatus.UNKNOWN)
    if row.account_id != account_id:
        return KeyCheck(KeyStatus.WRONG_ACCOUNT, row.account_id)
    role = conn.scalar(select(AccountRow.role).where(AccountRow.id == row.account_id))
    return _check_of(row, now_ms, role)


def key_states(conn: Connection, key_ids: Collection[str], now_ms: int) -> dict[str, KeyCheck]:
    """The status of keys already verified once, by id and without hashing (a live session's
    key is re-checked this way). Ids of keys that no longer exist are UNKNOWN."""
    found: dict[str, KeyCheck] = {}
    ids = list(dict.fromkeys(key_ids))
    for start in range(0, len(ids), _STATE_BATCH):
        batch = ids[start : start + _STATE_BATCH]
        query = (
            select(_keys, AccountRow.role.label("account_role"))
            .join(AccountRow, AccountRow.id == _keys.c.account_id, isouter=True)
            .where(_keys.c.key_id.in_(batch))
        )
        for row in conn.execute(query):
            found[row.key_id] = _check_of(row, now_ms, row.account_role)
    return {key_id: found.get(key_id, KeyCheck(KeyStatus.UNKNOWN)) for key_id in ids}


def list_api_keys(conn: Connection, account_id: str) -> list[ApiKeyInfo]:
    query = select(_keys).where(_keys.c.account_id == account_id).order_by(_keys.c.created_ms)
    return [
        ApiKeyInfo(
            r.key_id,
            r.account_id,
            r.created_ms,
            r.expires_ms,
            r.revoked_ms,
            r.replaced_ms,
            r.replaced_by,
            tuple(x for x in r.roles.split(",") if x),
        )
        for r in conn.execute(query)
    ]


def _check_of(row: Any, now_ms: int, account_role: str | None) -> KeyCheck:
    status = _status(row.revoked_ms, row.replaced_ms, row.expires_ms, now_ms)
    roles = frozenset(r for r in row.roles.split(",") if r) & account_roles(account_role)
    replaced = row.replaced_ms is not None
    return KeyCheck(status, row.account_id, row.key_id, row.expires_ms, replaced, roles)


def _status(
    revoked_ms: int | None, replaced_ms: int | None, expires_ms: int, now: int
) -> KeyStatus:
    if revoked_ms is not None:
        return KeyStatus.REVOKED
    if expires_ms <= now:
        return KeyStatus.REPLACED if replaced_ms is not None else KeyStatus.EXPIRED
    return KeyStatus.VALID


def _working_key_ids(conn: Connection, account_id: str, now_ms: int, exclude: str) -> list[str]:
    """Keys that work now and have no successor yet (a key in its grace period keeps its end)."""
    query = select(_keys.c.key_id).where(
        _keys.c.account_id == account_id,
        _keys.c.key_id != exclude,
        _keys.c.revoked_ms.is_(None),
        _keys.c.replaced_ms.is_(None),
        _keys.c.expires_ms > now_ms,
    )
    return list(conn.scalars(query))


def _earlier(column: Any, limit: int) -> Any:
    return func.min(column, limit)  # SQLite's two-argument min(): the smaller of the two


def _account_exists(conn: Connection, account_id: str) -> bool:
    return conn.scalar(select(AccountRow.id).where(AccountRow.id == account_id)) is not None


def _hash(key: str, salt: bytes, iterations: int) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", key.encode("utf-8"), salt, iterations)
