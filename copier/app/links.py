"""The user's link actions over the store: a new link between two known accounts, save, find,
change, switch on or off, set the mode, remove. One door for the window, the command line and a
configuration file; blocking (the database), applied live by a running copier
(``CopierApp.apply_link``/``drop_link``). Refusals raise ``ActionError`` with a sentence.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from copier.app.accounts import find_named_account
from copier.app.errors import ActionError
from copier.engine.book import LIVE_STATES
from copier.engine.config import Link, LinkMode, LinkRules, RulesError
from copier.engine.state import TicketLink, TicketState
from copier.store import Store

UNSETTLED = LIVE_STATES | {TicketState.CLOSING}  # open, opening or pending, or being closed

# ----- links ------------------------------------------------------------------------------


def new_link(store: Store, master: str, slave: str, *, name: str = "",
             rules: LinkRules | None = None, actor: str = "user") -> Link:
    """Save a new link between two known accounts."""
    master_id, slave_id = find_named_account(store, master).id, find_named_account(store, slave).id
    if master_id == slave_id:
        raise ActionError("a link copies from one account to another: master and slave are "
                          f"both {master_id}")
    return save_link(store, Link(0, master_id, slave_id, rules or LinkRules(), name=name),
                     actor=actor)


def save_link(store: Store, link: Link, *, actor: str = "user") -> Link:
    """Validate and save a link (``id <= 0``: a new one). Raises RulesError listing every
    problem of rules that cannot work."""
    return store.save_link(link, actor=actor)


def load_links(store: Store) -> list[Link]:
    """Every saved link, by id."""
    return store.load_links()


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


def open_copies(store: Store, link_id: int) -> int:
    """How many copies of a link are open now, one per master position (they stay open when the
    link is deleted, and are then no longer followed)."""
    return count_open(store.load_tickets(), link_id)


def count_open(tickets: Iterable[TicketLink], link_id: int, *, closing: bool = False) -> int:
    """The link's copies open (or opening, or pending) on its slave, one per master ticket;
    with ``closing``, those whose close has no answer yet count too."""
    states = UNSETTLED if closing else LIVE_STATES
    return len({t.master_ticket for t in tickets if t.link_id == link_id
                and t.state in states})  # fmt: skip


def with_state(link: Link, *, enabled: bool | None = None, mode: LinkMode | None = None) -> Link:
    """The link switched on or off and/or set to a mode (not saved)."""
    return dataclasses.replace(link, enabled=link.enabled if enabled is None else enabled,
                               mode=link.mode if mode is None else mode)


def set_link_state(store: Store, link: Link, *, enabled: bool | None = None,
                   mode: LinkMode | None = None, actor: str = "user") -> Link:
    return save_link(store, with_state(link, enabled=enabled, mode=mode), actor=actor)


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
