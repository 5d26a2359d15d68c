"""Applying a whole set-up — accounts and links, as a configuration file describes them — in one
transaction, after saying what it adds, changes and removes.

Accounts are matched by id. Links carry no id in a file: a file link is the saved link with the
same master, slave and name (the first such, by id), so re-importing an edited file changes the
links it names in place and their open copies stay managed. ``replace`` also removes the
accounts and links the file does not name.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import Connection

from copier.engine.config import Link
from copier.store import AccountRecord, Store, catalog

LinkKey = tuple[str, str, str]  # master, slave, name


@dataclass(frozen=True, slots=True)
class Setup:
    """Accounts and links as a file gives them (links with id 0)."""

    accounts: tuple[AccountRecord, ...] = ()
    links: tuple[Link, ...] = ()


def link_key(link: Link) -> LinkKey:
    return (link.master_id, link.slave_id, link.name)


def link_label(link: Link) -> str:
    name = f" '{link.name}'" if link.name else ""
    return f"link{name} {link.master_id} → {link.slave_id}"


@dataclass(slots=True)
class SetupPlan:
    """What applying a set-up does, in words, and the records it writes."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    accounts: list[AccountRecord] = field(default_factory=list)  # to save
    links: list[Link] = field(default_factory=list)  # to save (id 0: new)
    drop_accounts: list[str] = field(default_factory=list)
    drop_links: list[int] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.changed or self.removed)

    def lines(self) -> list[str]:
        return ([f"add {w}" for w in self.added] + [f"change {w}" for w in self.changed]
                + [f"remove {w}" for w in self.removed]) or ["nothing to change"]


def unknown_accounts(store: Store, setup: Setup, *, replace: bool) -> list[str]:
    """The links whose master or slave is neither in the set-up nor (without ``replace``) saved
    already, each as a problem naming its place."""
    named = {a.id for a in setup.accounts}
    known = named if replace else named | {a.id for a in store.load_accounts()}
    where = "in the file" if replace else "in the file or in this folder"
    return [
        f"links[{i}].{end}: no account {account_id} {where}"
        for i, link in enumerate(setup.links, start=1)
        for end, account_id in (("master", link.master_id), ("slave", link.slave_id))
        if account_id not in known
    ]


def plan_setup(store: Store, setup: Setup, *, replace: bool) -> SetupPlan:
    """Compare the set-up with what the store holds; nothing is written."""
    plan = SetupPlan()
    saved_accounts = {a.id: a for a in store.load_accounts()}
    for account in setup.accounts:
        saved = saved_accounts.get(account.id)
        if saved is None:
            plan.added.append(f"account {account.id}")
        elif dataclasses.replace(saved, created_ms=0) != dataclasses.replace(account,
                                                                             created_ms=0):
            plan.changed.append(f"account {account.id}")
        else:
            continue
        plan.accounts.append(account)
    named = {a.id for a in setup.accounts}
    if replace:
        plan.drop_accounts = [i for i in saved_accounts if i not in named]
        plan.removed += [f"account {i} (with its keys and links)" for i in plan.drop_accounts]
    saved_links: dict[LinkKey, list[Link]] = defaultdict(list)
    for link in store.load_links():
        saved_links[link_key(link)].append(link)
    for link in setup.links:
        matches = saved_links.get(link_key(link))
        if not matches:
            plan.added.append(link_label(link))
            plan.links.append(link)
            continue
        old = matches.pop(0)
        new = dataclasses.replace(link, id=old.id)
        if new != old:
            plan.changed.append(f"#{old.id} {link_label(link)}")
            plan.links.append(new)
    if replace:
        dropped = set(plan.drop_accounts)
        for leftover in (link for group in saved_links.values() for link in group):
            plan.drop_links.append(leftover.id)
            if not dropped & {leftover.master_id, leftover.slave_id}:
                plan.removed.append(f"#{leftover.id} {link_label(leftover)}")
    return plan


def apply_plan(store: Store, plan: SetupPlan, *, actor: str = "import") -> None:
    """Write the plan in one transaction (audited); nothing is written when a step fails."""
    for link in plan.links:
        link.rules.validate()

    def work(conn: Connection, now_ms: int) -> None:
        for link_id in plan.drop_links:
            catalog.delete_link(conn, link_id, actor, now_ms)
        for account_id in plan.drop_accounts:
            catalog.delete_account(conn, account_id, actor, now_ms)
        for account in plan.accounts:
            catalog.save_account(conn, account, actor, now_ms)
        for link in plan.links:
            catalog.save_link(conn, link, actor, now_ms)

    store.write(work)
