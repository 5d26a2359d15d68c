"""The user's actions on an EA account's API keys: issue one, rotate (the old keys keep working
through the account's grace period), list them with their status now. Revoking ends EA sessions,
so it is the running app's (``CopierApp.revoke_api_keys``).

Blocking (the database): the window runs them on its worker thread, the command line directly.
Keys appear in clear only in the value a call returns, never in a log line.
"""

from __future__ import annotations

from dataclasses import dataclass

from copier.store import ApiKeyInfo, KeyStatus, Store
from copier.store.keys import HOUR_MS, policy_from_settings


@dataclass(frozen=True, slots=True)
class KeyRotation:
    """A rotation's outcome: the new key (shown once) and how long the old ones keep working."""

    key: str
    expires_ms: int  # when the new key expires
    grace_hours: float  # the account's grace period
    old_keys: int  # keys that were working and are now in their grace period (or ended)
    old_until_ms: int | None  # when the last of them stops working (None: none were working)


@dataclass(frozen=True, slots=True)
class KeyList:
    """An account's keys (never the keys themselves) and the instant their status is read at."""

    now_ms: int
    keys: tuple[ApiKeyInfo, ...]


def create_api_key(store: Store, account_id: str, days: int | None = None, *,
                   actor: str = "user") -> str:
    """A new key (``days`` None: the account's ``key_days``, default 30), in clear this once."""
    return store.create_api_key(account_id, days, actor=actor)


def rotate_api_key(store: Store, account_id: str) -> KeyRotation:
    """Issue a new key with the account's lifetime; the working keys keep working through the
    account's grace period (default 24 h), so the EA can be updated without a gap."""
    record = store.get_account(account_id)
    policy = policy_from_settings(record.settings if record else {})
    key = store.rotate_api_key(account_id)
    key_id = key.split(".")[1]
    infos = store.list_api_keys(account_id)
    new = next(i for i in infos if i.key_id == key_id)
    old = [i for i in infos if i.replaced_by == key_id]
    now = store.now_ms()
    working = [i.expires_ms for i in old if i.status(now) is KeyStatus.VALID]
    return KeyRotation(key, new.expires_ms, policy.grace_ms / HOUR_MS, len(old),
                       max(working, default=None))


def list_api_keys(store: Store, account_id: str) -> KeyList:
    """The account's keys with the instant to read their status at."""
    return KeyList(store.now_ms(), tuple(store.list_api_keys(account_id)))
