"""The user's account actions over the store: add an account (with its first API key), say what
removing one takes with it, remove it. One door for the window, the command line and a
configuration file.

Each function validates its typed input, writes in one transaction (audited by the store with the
caller's ``actor``) and returns a typed result; a request that cannot work raises ``ActionError``
with a sentence the trader can act on. They are blocking (the database), so the window runs them
on its worker thread; a running copier applies the result live through ``CopierApp``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from copier.app.errors import ActionError
from copier.app.keyadmin import find_account
from copier.domain import Platform
from copier.engine.config import Link
from copier.store import AccountRecord, AccountRole, KeyStatus, Store, StoreError
from copier.terminals.registry import EA, MT5
from copier.vault import PasswordVault


@dataclass(frozen=True, slots=True)
class NewAccount:
    platform: Platform
    login: int
    server: str
    name: str = ""
    role: AccountRole = AccountRole.SLAVE
    mt5_path: str | None = None  # set: an MT5 account driven directly, without an EA

    @property
    def connection(self) -> str:
        return MT5 if self.mt5_path is not None else EA


@dataclass(frozen=True, slots=True)
class AddedAccount:
    record: AccountRecord
    api_key: str | None  # the first key of an EA account, in clear this once


@dataclass(frozen=True, slots=True)
class AccountRemoval:
    """What goes with an account: its keys, the links that use it and their open copies (the
    copies stay on the terminals; the copier stops managing them)."""

    account: AccountRecord
    keys: int
    links: tuple[Link, ...]
    open_copies: int

    def describe(self) -> str:
        links = ", ".join(f"#{link.id}" for link in self.links) or "none"
        return (f"{self.account.id} goes with its {self.keys} API key(s) and {len(self.links)} "
                f"link(s) ({links}); {self.open_copies} open copy(ies) on those links stay on "
                "the slave terminals but are no longer managed by the copier")


def connection_of(record: AccountRecord) -> str:
    return str(record.settings.get("connection", EA))


# ----- accounts ---------------------------------------------------------------------------


def add_account(store: Store, new: NewAccount, *, actor: str = "user") -> AddedAccount:
    """Save a new account; an EA account gets its first API key (returned once)."""
    if new.login <= 0:
        raise ActionError(f"the login must be a positive number, not {new.login}")
    if not new.server.strip():
        raise ActionError("the server cannot be empty (it is the name the terminal shows)")
    if new.mt5_path is not None and new.platform is not Platform.MT5:
        raise ActionError("only MT5 accounts are driven directly: leave out --mt5-path for MT4")
    settings: dict[str, Any] = {"connection": new.connection}
    if new.mt5_path is not None:
        settings["terminal_path"] = new.mt5_path
    record = AccountRecord.new(new.platform, new.login, new.server.strip(), label=new.name,
                               role=new.role, settings=settings)
    if store.get_account(record.id) is not None:
        raise ActionError(f"{record.id} already exists — remove it first or edit it")
    saved = store.save_account(record, actor=actor)
    key = store.create_api_key(saved.id, actor=actor) if new.connection == EA else None
    return AddedAccount(saved, key)


@dataclass(frozen=True, slots=True)
class AccountSummary:
    """A saved account with how it connects and how many of its API keys work now."""

    record: AccountRecord
    connection: str  # 'ea' or 'mt5'
    working_keys: int


def account_summaries(store: Store) -> list[AccountSummary]:
    """Every saved account with its connection and its working keys (``copier accounts list``)."""
    now = store.now_ms()
    return [
        AccountSummary(record, connection_of(record),
                       sum(1 for k in store.list_api_keys(record.id)
                           if k.status(now) is KeyStatus.VALID))
        for record in store.load_accounts()
    ]


def load_accounts(store: Store) -> list[AccountRecord]:
    """Every saved account."""
    return store.load_accounts()


def save_account(store: Store, record: AccountRecord, *, password: str | None = None,
                 vault: PasswordVault | None = None, actor: str = "user") -> AccountRecord:
    """Save an account as edited (audited); an MT5 password goes to the OS key store
    (``vault``), never to the database."""
    if password:
        if vault is None:
            raise ActionError(f"the password of {record.id} was not saved: no key store was "
                              "given to keep it in")
        vault.store(record.id, password)
    return store.save_account(record, actor=actor)


def account_removal(store: Store, name: str) -> AccountRemoval:
    """What removing the account ``name`` (id, login@server or login) would take with it."""
    account = find_named_account(store, name)
    links = tuple(link for link in store.load_links()
                  if account.id in (link.master_id, link.slave_id))
    link_ids = {link.id for link in links}
    open_copies = sum(1 for t in store.load_tickets() if t.link_id in link_ids)
    return AccountRemoval(account, len(store.list_api_keys(account.id)), links, open_copies)


def forget_password(vault: PasswordVault, account_id: str) -> None:
    """Remove an account's MT5 password from the OS key store, if one is kept there."""
    if vault.has(account_id):
        vault.forget(account_id)


def remove_account(store: Store, account_id: str, *, actor: str = "user",
                   forget_password: Callable[[str], None] | None = None) -> bool:
    """Remove an account with its keys and every link that uses it (one transaction), then its
    stored password. False when there was no such account."""
    removed = store.delete_account(account_id, actor=actor)
    if forget_password is not None:
        forget_password(account_id)
    return removed


def find_named_account(store: Store, name: str) -> AccountRecord:
    """An account by its id, login@server or login; ActionError names the known ones."""
    try:
        return find_account(store, name)
    except StoreError as exc:
        raise ActionError(str(exc)) from exc
