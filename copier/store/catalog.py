"""Accounts and links as the user configured them: records, saving, deleting and loading.

Every change is audited in the transaction that makes it. Links name their accounts by id without
a foreign key: a link may be saved before its accounts are registered (the demo, an import), and
the copy service simply ignores a link whose terminal it does not have.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, delete, or_, select, text, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from copier.domain import Platform
from copier.engine.config import Link, LinkMode, LinkRules, RulesError
from copier.store import rows
from copier.store.errors import StoreError
from copier.store.journal import Journal
from copier.store.models import (
    OUTBOX_WHERE,
    AccountRow,
    LinkRow,
    TicketLinkRow,
    TradeLogCopyRow,
    table,
)

_accounts = table(AccountRow)
_links = table(LinkRow)


class AccountRole(StrEnum):
    MASTER = "master"
    SLAVE = "slave"
    BOTH = "both"


def account_id_for(platform: Platform, login: int, server: str) -> str:
    """The copier's key for an account, e.g. ``"mt4:12345@Broker-Demo"``."""
    return f"{platform.value}:{login}@{server}"


@dataclass(frozen=True, slots=True)
class AccountRecord:
    """An account as configured (not its live state, which terminals report)."""

    id: str
    platform: Platform
    login: int
    server: str
    company: str = ""
    role: AccountRole = AccountRole.SLAVE
    label: str = ""
    enabled: bool = True
    settings: dict[str, Any] = field(default_factory=dict)
    created_ms: int = 0  # set by the store when first saved

    @classmethod
    def new(cls, platform: Platform, login: int, server: str, **fields: Any) -> AccountRecord:
        return cls(account_id_for(platform, login, server), platform, login, server, **fields)


# --- accounts ---


def save_account(
    conn: Connection, account: AccountRecord, actor: str, now_ms: int
) -> AccountRecord:
    existing = conn.scalar(select(_accounts.c.created_ms).where(_accounts.c.id == account.id))
    created_ms = existing if existing is not None else (account.created_ms or now_ms)
    saved = dataclasses.replace(account, created_ms=created_ms)
    values = _account_values(saved)
    upsert = sqlite_insert(_accounts).values(values)
    conn.execute(upsert.on_conflict_do_update(index_elements=[_accounts.c.id], set_=values))
    action = "account.updated" if existing is not None else "account.added"
    Journal.audit(conn, now_ms, actor, action, {"account": account.id, "label": account.label})
    return saved


def delete_account(conn: Connection, account_id: str, actor: str, now_ms: int) -> bool:
    """Delete an account, its API keys (by cascade) and every link that uses it."""
    link_ids = conn.scalars(
        select(_links.c.id).where(
            or_(_links.c.master_id == account_id, _links.c.slave_id == account_id)
        )
    ).all()
    for link_id in link_ids:
        delete_link(conn, link_id, actor, now_ms)
    deleted = conn.execute(delete(_accounts).where(_accounts.c.id == account_id)).rowcount > 0
    if deleted:
        Journal.audit(conn, now_ms, actor, "account.deleted", {"account": account_id})
    return deleted


def load_accounts(conn: Connection) -> list[AccountRecord]:
    return [_account_from_row(r) for r in conn.execute(select(_accounts).order_by(_accounts.c.id))]


def get_account(conn: Connection, account_id: str) -> AccountRecord | None:
    row = conn.execute(select(_accounts).where(_accounts.c.id == account_id)).first()
    return None if row is None else _account_from_row(row)


def _account_values(account: AccountRecord) -> dict[str, Any]:
    return {
        "id": account.id,
        "platform": account.platform.value,
        "login": account.login,
        "server": account.server,
        "company": account.company,
        "role": account.role.value,
        "label": account.label,
        "enabled": account.enabled,
        "settings": dict(account.settings),
        "created_ms": account.created_ms,
    }


def _account_from_row(row: Any) -> AccountRecord:
    return AccountRecord(
        id=row.id,
        platform=Platform(row.platform),
        login=row.login,
        server=row.server,
        company=row.company,
        role=AccountRole(row.role),
        label=row.label,
        enabled=bool(row.enabled),
        settings=dict(row.settings or {}),
        created_ms=row.created_ms,
    )


# --- links ---


def save_link(conn: Connection, link: Link, actor: str, now_ms: int) -> Link:
    """Insert (``link.id <= 0``: the store assigns the id) or replace a link; return it saved."""
    values = {
        "master_id": link.master_id,
        "slave_id": link.slave_id,
        "enabled": link.enabled,
        "mode": link.mode.value,
        "rules": link.rules.to_dict(),
        "name": link.name,
    }
    if link.id <= 0:
        inserted = conn.execute(_links.insert().values(values)).inserted_primary_key
        assert inserted is not None  # an INSERT always reports its key
        saved = dataclasses.replace(link, id=int(inserted[0]))
        action = "link.added"
    else:
        upsert = sqlite_insert(_links).values(id=link.id, **values)
        conn.execute(upsert.on_conflict_do_update(index_elements=[_links.c.id], set_=values))
        saved, action = link, "link.saved"
    detail = {
        "link": saved.id,
        "name": saved.name,
        "master": saved.master_id,
        "slave": saved.slave_id,
        "enabled": saved.enabled,
        "mode": saved.mode.value,
        "rules": values["rules"],
    }
    Journal.audit(conn, now_ms, actor, action, detail)
    return saved


LINK_DELETED = (
    "The link was deleted before this command's result came: check the slave account to see "
    "whether it was carried out."
)


def delete_link(conn: Connection, link_id: int, actor: str, now_ms: int) -> bool:
    """Delete a link with its ticket links; its commands without a result leave the outbox as
    failed, with the reason (its trade log stays)."""
    conn.execute(delete(table(TicketLinkRow)).where(TicketLinkRow.link_id == link_id))
    copies = table(TradeLogCopyRow)
    conn.execute(
        update(copies)
        .where(copies.c.link_id == link_id, text(OUTBOX_WHERE))
        .values(status=rows.FAILED, message=LINK_DELETED)
    )
    deleted = conn.execute(delete(_links).where(_links.c.id == link_id)).rowcount > 0
    if deleted:
        Journal.audit(conn, now_ms, actor, "link.deleted", {"link": link_id})
    return deleted


def load_links(conn: Connection) -> list[Link]:
    return [_link_from_row(r) for r in conn.execute(select(_links).order_by(_links.c.id))]


def _link_from_row(row: Any) -> Link:
    try:
        rules = LinkRules.from_dict(dict(row.rules or {}))
    except RulesError as exc:
        label = f"link {row.id}" + (f" ({row.name})" if row.name else "")
        raise StoreError(f"{label}: stored rules are invalid — {exc}") from exc
    return Link(
        id=row.id,
        master_id=row.master_id,
        slave_id=row.slave_id,
        rules=rules,
        enabled=bool(row.enabled),
        mode=LinkMode(row.mode),
        name=row.name,
    )
