"""What is open on the slaves and what the trader can do with it: the open-copies rows the
window lists (each master position with its copies on each slave), closing one copy, and what
becomes of a link's open copies when the link is deleted.

The rows are built from what the copy service already holds — its ticket links and the
terminals' cached snapshots — so listing them asks no terminal anything. Closing goes the way of
"Close all copies" (``TraderControls``): commands stored in the outbox with their ticket links in
one transaction, ids made from a fresh number, and a copy already closing is never closed again —
so a second click, or a restart in between, closes nothing twice. Each close is audited.

Deleting a link offers two fates for its open copies: leave them open (they stay on the slave and
the copier no longer follows them) or close them first. Closing first sends the closes through the
same path as "Close all copies", waits for the slave to answer, and deletes the link only once
none of its copies is left open; a slave that is not connected cannot close anything, so the
link is then kept and the trader told why. ``remove_link_offline`` is the command line's version:
it stores a close-all request for the running copier (``copier.app.closeall``) instead.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from copier.app import closeall
from copier.app import links as link_cases
from copier.app.links import UNSETTLED, count_open
from copier.domain import Position, Side, TerminalSnapshot
from copier.engine.book import legs_of, live
from copier.engine.config import Link
from copier.engine.copies import close_all_copies
from copier.engine.state import TicketLink, TicketState

if TYPE_CHECKING:
    from copier.app import CopierApp
    from copier.store import Store

DELETE_WAIT_S = 20.0  # how long deleting a link waits for the slave to answer its closes
POLL_S = 0.05


class CopiesFate(StrEnum):
    """What becomes of a deleted link's open copies."""

    LEAVE = "leave"  # they stay open on the slave, no longer followed
    CLOSE = "close"  # closed first, then the link is deleted


class CopyActionError(ValueError):
    """A close or deletion that cannot be done now; the message says why and what to do."""


# ----- the open copies ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CopyRow:
    """One copy of a master position on one slave (the legs of one link and master ticket)."""

    link_id: int
    master_ticket: int
    slave_id: str
    slave_ticket: int | None  # None while the opening command has no result yet
    symbol: str
    side: Side
    volume: float
    profit: float | None  # the slave's floating P&L, None when the slave has not reported it
    currency: str  # of the profit: the slave account's ("" when it has not reported)
    state: TicketState


@dataclass(frozen=True, slots=True)
class MasterRow:
    """A master position (or pending order) with its copies."""

    master_id: str
    master_ticket: int
    symbol: str
    side: Side
    volume: float
    copies: tuple[CopyRow, ...]
    order_type: str = ""  # a pending order's type ("buy_limit"); empty for a position


def open_copies_of(app: CopierApp) -> list[MasterRow]:
    """The running copier's open copies (call on the core loop)."""
    service = app.service
    return open_copies(dict(service.links), service.tickets(), service.snapshot)


def open_copies(
    links: Mapping[int, Link],
    tickets: Iterable[TicketLink],
    snapshot: Callable[[str], TerminalSnapshot | None],
) -> list[MasterRow]:
    """Every master ticket with a live copy, its copies by link, ordered by master and ticket.
    ``snapshot`` gives an account's last known snapshot (the service's cache)."""
    groups: dict[tuple[str, int], dict[int, list[TicketLink]]] = {}
    for leg in tickets:
        link = links.get(leg.link_id)
        if link is None or leg.state not in UNSETTLED:
            continue
        by_link = groups.setdefault((link.master_id, leg.master_ticket), {})
        by_link.setdefault(leg.link_id, []).append(leg)
    rows = []
    for (master_id, ticket), by_link in sorted(groups.items()):
        copies = tuple(_copy_row(links[link_id], legs, snapshot(links[link_id].slave_id))
                       for link_id, legs in sorted(by_link.items()))  # fmt: skip
        first = next(iter(by_link.values()))[0]
        held = _master_position(snapshot(master_id), ticket)
        rows.append(MasterRow(
            master_id, ticket,
            symbol=held[0] if held else first.slave_symbol,
            side=held[1] if held else first.side,
            volume=held[2] if held else first.master_volume,
            copies=copies,
            order_type=held[3] if held else "",
        ))  # fmt: skip
    return rows


def _master_position(snap: TerminalSnapshot | None, ticket: int
                     ) -> tuple[str, Side, float, str] | None:
    """The master's own symbol, side, volume (and order type when pending) of ``ticket``."""
    if snap is None:
        return None
    for position in snap.positions:
        if position.ticket == ticket:
            return position.symbol, position.side, position.volume, ""
    for order in snap.orders:
        if order.ticket == ticket:
            return order.symbol, order.order_type.side, order.volume, order.order_type.value
    return None


def _copy_row(link: Link, legs: list[TicketLink], slave: TerminalSnapshot | None) -> CopyRow:
    legs.sort(key=lambda leg: leg.leg)
    first = legs[0]
    held = {p.ticket: p for p in slave.positions} if slave is not None else {}
    profits = [_share(held[leg.slave_ticket], leg) for leg in legs if leg.slave_ticket in held]
    ticket = next((leg.slave_ticket for leg in legs if leg.slave_ticket), None)
    state = next((leg.state for leg in legs if leg.state is not TicketState.CLOSING),
                 TicketState.CLOSING)  # fmt: skip
    return CopyRow(link.id, first.master_ticket, link.slave_id, ticket, first.slave_symbol,
                   first.side, round(sum(leg.slave_volume for leg in legs), 8),
                   round(sum(profits), 2) if profits else None,
                   slave.account.currency if slave is not None else "", state)  # fmt: skip


def _share(position: Position, leg: TicketLink) -> float:
    """The leg's part of its slave position's P&L: all of it on a hedging account; on a netting
    one, where several copies add up to one position, in proportion to the leg's volume."""
    if position.volume <= 0:
        return position.profit
    return position.profit * min(1.0, abs(leg.slave_volume) / position.volume)


def connected(app: CopierApp, account_id: str) -> bool:
    """Whether the account's terminal is connected now (a cached snapshot is not enough: a
    close sent to a terminal that is down waits for it)."""
    status = app.service.status(account_id)
    return status is None or status.connected


# ----- closing one copy ---------------------------------------------------------------------


async def close_copy(app: CopierApp, link_id: int, master_ticket: int, *,
                     actor: str = "user") -> int:
    """Close the copy of ``master_ticket`` made by link ``link_id`` (every leg of it); returns
    how many commands went out (0: it was already closing or closed). Call on the core loop."""
    service = app.service
    link = service.links.get(link_id)
    if link is None:
        raise CopyActionError(f"link #{link_id} no longer exists: its copies are not followed")
    slave = service.views.slave_view(link.slave_id)
    if slave is None or not connected(app, link.slave_id):
        raise CopyActionError(f"{link.slave_id} is not connected, so nothing can be closed on "
                              "it now: try again once it is back")
    number = service.clock()
    async with service.master_lock(link.master_id):
        legs = live(legs_of(service.ledger_book(link_id), master_ticket))
        if not legs:
            return 0  # already closing or closed: nothing is closed twice
        outcome = close_all_copies(link, {master_ticket: legs}, slave, number, number)
        sent = await service.commit(link.master_id, outcome)
    app.store.audit(actor, "copies.close_one", {"link_id": link_id,
                                                "master_ticket": master_ticket,
                                                "commands": sent})  # fmt: skip
    return sent


# ----- deleting a link ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LinkDeletion:
    """What deleting a link would leave behind: its copies open on the slave now."""

    link: Link
    open_copies: int

    def question(self) -> str:
        link = self.link
        head = f"Delete link #{link.id} ({link.master_id} → {link.slave_id})?"
        if not self.open_copies:
            return f"{head} It has no open copies. The trade log keeps its history."
        copies = "1 copy is" if self.open_copies == 1 else f"{self.open_copies} copies are"
        return (f"{head} {copies} open on {link.slave_id}. Leave them open (the master's closes "
                "will no longer close them) or close them now? The trade log keeps the link's "
                "history.")


def link_deletion(app: CopierApp, link_id: int) -> LinkDeletion:
    """What deleting link ``link_id`` of the running copier would leave open (core loop)."""
    link = app.service.links.get(link_id)
    if link is None:
        raise CopyActionError(f"there is no link #{link_id} any more")
    return LinkDeletion(link, count_open(app.service.tickets(), link_id))


@dataclass(frozen=True, slots=True)
class LinkDeleted:
    link_id: int
    deleted: bool
    closed: int  # close commands sent before deleting
    message: str


async def delete_link(app: CopierApp, link_id: int, fate: CopiesFate, *,
                      actor: str = "user", wait_s: float = DELETE_WAIT_S) -> LinkDeleted:
    """Delete a link of the running copier, closing its copies first when ``fate`` says so
    (core loop). With CLOSE the link is deleted only once none of its copies is open."""
    deletion = link_deletion(app, link_id)
    closed = 0
    if fate is CopiesFate.CLOSE and deletion.open_copies:
        link = deletion.link
        if app.service.views.slave_view(link.slave_id) is None \
                or not connected(app, link.slave_id):
            raise CopyActionError(
                f"{link.slave_id} is not connected, so its copies cannot be closed now: the "
                "link is kept. Delete it again once the slave is back, or leave the copies "
                "open.")
        closed = await app.close_all_copies(link_id=link_id, actor=actor)
        left = await _settled(app, link_id, wait_s)
        if left:
            return LinkDeleted(link_id, False, closed, (
                f"{left} of link #{link_id}'s copies are still open on {link.slave_id} (the "
                "trade log says why): the link is kept — delete it again to retry"))
        await app.store.flush()  # the closes' results are written before the link goes
    await asyncio.to_thread(link_cases.remove_link, app.store, link_id, actor=actor)
    app.drop_link(link_id)
    if fate is CopiesFate.CLOSE and deletion.open_copies:
        message = f"link #{link_id} deleted after closing its {deletion.open_copies} open copies"
    elif deletion.open_copies:
        message = (f"link #{link_id} deleted; its {deletion.open_copies} open copies stay on "
                   f"{deletion.link.slave_id}")
    else:
        message = f"link #{link_id} deleted"
    return LinkDeleted(link_id, True, closed, message)


async def _settled(app: CopierApp, link_id: int, wait_s: float) -> int:
    """Wait until no copy of the link is open or closing; return how many are still open."""
    deadline = time.monotonic() + wait_s
    while True:
        legs = [t for t in app.service.tickets() if t.link_id == link_id]
        if not any(t.state is TicketState.CLOSING for t in legs) or time.monotonic() > deadline:
            return count_open(legs, link_id, closing=True)
        await asyncio.sleep(POLL_S)


def remove_link_offline(store: Store, link: Link, fate: CopiesFate, *, actor: str = "cli",
                        wait_s: float | None = None) -> closeall.Answer:
    """The command line's deletion: with CLOSE, a close-all request for the running copier
    (``copier.app.closeall``); the link is removed once its copies are closed, else kept."""
    open_now = count_open(store.load_tickets(), link.id)
    if fate is CopiesFate.CLOSE and open_now:
        wait = closeall.WAIT_S if wait_s is None else wait_s
        answer = closeall.close_all(store, link_id=link.id, slave_id=None, confirmed=True,
                                    ask=lambda _q: True, wait_s=wait)
        taken = not any(r.link_id == link.id for r in closeall.pending_requests(store))
        left = _left_in_store(store, link.id, wait if taken else 0.0)
        if left:
            return closeall.Answer(1, [*answer.lines, (
                f"link #{link.id} is kept while {left} of its copies are open: remove it again "
                "once the copier has closed them, or with --leave-copies")])
        link_cases.remove_link(store, link.id, actor=actor)
        return closeall.Answer(0, [f"closed the {open_now} open copies of link #{link.id} and "
                                   "removed it"])
    link_cases.remove_link(store, link.id, actor=actor)
    stay = f"; its {open_now} open copies stay on {link.slave_id}" if open_now else ""
    return closeall.Answer(0, [f"removed link #{link.id}{stay}"])


def _left_in_store(store: Store, link_id: int, wait_s: float) -> int:
    """Copies of the link not closed yet, once the copier has had ``wait_s`` to close them."""
    deadline = time.monotonic() + wait_s
    while True:
        left = count_open(store.load_tickets(), link_id, closing=True)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(closeall.POLL_S)
