"""The command line's key actions — what ``copier keys list|create|rotate|revoke ACCOUNT`` does.

A new key is returned once for the caller to print; it is never logged or stored in clear. The
account may be named by its id (``mt4:12345@Broker-Demo``), by ``login@server`` or by its login
alone when that is unambiguous. Every step is audited by the store with the actor ``cli``.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection
from dataclasses import dataclass

from copier.store import AccountRecord, Store, StoreError
from copier.store.keys import HOUR_MS, ApiKeyInfo

ACTOR = "cli"


@dataclass(frozen=True, slots=True)
class KeyAnswer:
    """What a key command printed: lines for the terminal, and a new key (shown once)."""

    lines: tuple[str, ...]
    new_key: str | None = None


def find_account(store: Store, name: str) -> AccountRecord:
    accounts = store.load_accounts()
    hits = [a for a in accounts if name in (a.id, f"{a.login}@{a.server}", str(a.login))]
    if len(hits) == 1:
        return hits[0]
    if not hits:
        known = ", ".join(a.id for a in accounts) or (
            "none yet — add one with: copier accounts add --platform mt4|mt5 --login N --server S")
        raise StoreError(f"no account {name!r} (known accounts: {known})")
    raise StoreError(f"{name!r} names {len(hits)} accounts — use the account id")


def list_keys(store: Store, name: str) -> KeyAnswer:
    account = find_account(store, name)
    now = store.now_ms()
    rows = [_describe(info, now) for info in store.list_api_keys(account.id)]
    return KeyAnswer(tuple(rows) or (f"{account.id} has no API keys",))


def create_key(
    store: Store, name: str, days: int | None, roles: Collection[str] | None = None
) -> KeyAnswer:
    """A new key for the account's EA ``roles`` (None: every role the account has)."""
    account = find_account(store, name)
    key = store.create_api_key(account.id, days, actor=ACTOR, roles=roles)
    info = _info(store, account.id, key)
    return KeyAnswer((f"new key {info.key_id} for {account.id}, {_until(info)}",), key)


def rotate_key(
    store: Store,
    name: str,
    days: int | None,
    grace_hours: float | None,
    roles: Collection[str] | None = None,
) -> KeyAnswer:
    account = find_account(store, name)
    grace_ms = None if grace_hours is None else int(grace_hours * HOUR_MS)
    key = store.rotate_api_key(account.id, days, grace_ms=grace_ms, actor=ACTOR, roles=roles)
    info = _info(store, account.id, key)
    replaced = [k for k in store.list_api_keys(account.id) if k.replaced_by == info.key_id]
    lines = [f"new key {info.key_id} for {account.id}, {_until(info)}"]
    for old in replaced:
        ends = "now" if old.revoked_ms is not None else f"at {_iso(old.expires_ms)}"
        lines.append(f"old key {old.key_id} keeps working until the grace period ends {ends}")
    return KeyAnswer(tuple(lines), key)


def revoke_keys(store: Store, name: str) -> KeyAnswer:
    account = find_account(store, name)
    count = store.revoke_api_keys(account.id, actor=ACTOR)
    return KeyAnswer(
        (
            f"revoked {count} key(s) of {account.id}; a running copier ends their EA sessions "
            "within seconds",
        )
    )


def _info(store: Store, account_id: str, key: str) -> ApiKeyInfo:
    key_id = key.split(".")[1]
    return next(k for k in store.list_api_keys(account_id) if k.key_id == key_id)


def _describe(info: ApiKeyInfo, now_ms: int) -> str:
    status = info.status(now_ms).value
    text = f"{info.key_id}  {status:<8}  created {_iso(info.created_ms)}  "
    text += f"until {_iso(info.expires_ms)}  {_roles(info)}"
    if info.replaced_by:
        text += f"  replaced by {info.replaced_by}"
    return text


def _until(info: ApiKeyInfo) -> str:
    return f"{_roles(info)}, valid until {_iso(info.expires_ms)}"


def _roles(info: ApiKeyInfo) -> str:
    return f"for the {' and '.join(info.roles) or 'no'} EA" + ("s" if len(info.roles) > 1 else "")


def _iso(ms: int) -> str:
    moment = datetime.datetime.fromtimestamp(ms / 1000, tz=datetime.UTC)
    return moment.strftime("%Y-%m-%d %H:%M UTC")
