"""The user's configuration actions on accounts and links, over the store: one door for the
window, the command line and a configuration file.

Each function validates its typed input, writes in one transaction (audited by the store with the
caller's ``actor``) and returns a typed result; a request that cannot work raises ``ActionError``
with a sentence the trader can act on. They are blocking (the database), so the window runs them
on its worker thread; a running copier applies the result live through ``CopierApp``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from copier.domain import Platform
from copier.engine.config import Link, LinkMode, LinkRules, RulesError
from copier.store import AccountRecord, AccountRole, Store, StoreError
from copier.store.keyadmin import find_account
from copier.terminals.registry import EA, MT5


class ActionError(ValueError):
    """A request that cannot be carried out; the message says why in words."""


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


def account_removal(store: Store, name: str) -> AccountRemoval:
    """What removing the account ``name`` (id, login@server or login) would take with it."""
    account = _account(store, name)
    links = tuple(link for link in store.load_links()
                  if account.id in (link.master_id, link.slave_id))
    link_ids = {link.id for link in links}
    open_copies = sum(1 for t in store.load_tickets() if t.link_id in link_ids)
    return AccountRemoval(account, len(store.list_api_keys(account.id)), links, open_copies)


def remove_account(store: Store, account_id: str, *, actor: str = "user",
                   forget_password: Callable[[str], None] | None = None) -> bool:
    """Remove an account with its keys and every link that uses it (one transaction), then its
    stored password. False when there was no such account."""
    removed = store.delete_account(account_id, actor=actor)
    if forget_password is not None:
        forget_password(account_id)
    return removed


# ----- links ------------------------------------------------------------------------------


def new_link(store: Store, master: str, slave: str, *, name: str = "",
             rules: LinkRules | None = None, actor: str = "user") -> Link:
    """Save a new link between two known accounts."""
    master_id, slave_id = _account(store, master).id, _account(store, slave).id
    if master_id == slave_id:
        raise ActionError("a link copies from one account to another: master and slave are "
                          f"both {master_id}")
    return save_link(store, Link(0, master_id, slave_id, rules or LinkRules(), name=name),
                     actor=actor)


def save_link(store: Store, link: Link, *, actor: str = "user") -> Link:
    """Validate and save a link (``id <= 0``: a new one). Raises RulesError listing every
    problem of rules that cannot work."""
    return store.save_link(link, actor=actor)


def find_link(store: Store, name: str) -> Link:
    """A link by its id or its (unique) name."""
    links = store.load_links()
    hits = [link for link in links if name in (str(link.id), link.name)]
    if len(hits) == 1:
        return hits[0]
    known = ", ".join(f"#{link.id}" for link in links) or "none yet"
    if not hits:
        raise ActionError(f"no link {name!r} (known links: {known})")
    raise ActionError(f"{name!r} names {len(hits)} links — use the link id")


def remove_link(store: Store, link_id: int, *, actor: str = "user") -> bool:
    """Delete a link with its ticket links; its commands without a result leave the outbox as
    failed (its trade log stays)."""
    return store.delete_link(link_id, actor=actor)


def set_link_state(store: Store, link: Link, *, enabled: bool | None = None,
                   mode: LinkMode | None = None, actor: str = "user") -> Link:
    changed = dataclasses.replace(link, enabled=link.enabled if enabled is None else enabled,
                                  mode=link.mode if mode is None else mode)
    return save_link(store, changed, actor=actor)


@dataclass(frozen=True, slots=True)
class LinkChange:
    """A link's fields by name (``name``, ``enabled``, ``mode`` and every rule), values already
    of their type (``copier.fields`` parses text into them)."""

    values: dict[str, Any] = field(default_factory=dict)

    def applied_to(self, link: Link) -> Link:
        values = dict(self.values)
        top = {k: values.pop(k) for k in ("name", "enabled", "mode") if k in values}
        rules = link.rules
        if values:
            try:
                rules = LinkRules.from_dict({**link.rules.to_dict(), **values})
            except RulesError as exc:
                raise ActionError(f"link #{link.id}: {exc}") from exc
        return dataclasses.replace(link, rules=rules, **top)


def change_link(store: Store, link: Link, change: LinkChange, *, actor: str = "user") -> Link:
    try:
        return save_link(store, change.applied_to(link), actor=actor)
    except RulesError as exc:
        raise ActionError(f"link #{link.id}: {exc}") from exc


def _account(store: Store, name: str) -> AccountRecord:
    try:
        return find_account(store, name)
    except StoreError as exc:
        raise ActionError(str(exc)) from exc
