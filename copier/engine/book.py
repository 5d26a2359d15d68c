"""The ticket links one copy link holds, as the router reads them: by master ticket, in legs.

A master ticket usually has one ticket link (leg 0). It gets more legs when a netting master adds
volume (each add is copied as its own leg, a separate position on a hedging slave) or when a
netting master reverses and the same position ticket is opened again after its close. The router
therefore accepts, per master ticket, either one ticket link or a sequence of its legs; pass the
legs still in flight or open, and at least the highest leg number ever used for the ticket.

``LegBook`` (master ticket → its legs) is the shape the router reads fastest; ``store`` and
``apply_outcome`` keep one up to date from route outcomes and results, re-keys included.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from copier.engine.state import RouteOutcome, TicketLink, TicketState

TicketBook = Mapping[int, TicketLink | Sequence[TicketLink]]
LegBook = dict[int, tuple[TicketLink, ...]]

LIVE_STATES = frozenset({TicketState.OPENING, TicketState.OPEN, TicketState.PENDING})
SETTLED_STATES = frozenset({TicketState.CLOSED, TicketState.FAILED})


def book_of(tickets: Iterable[TicketLink]) -> dict[int, tuple[TicketLink, ...]]:
    """Group a flat list of ticket links by master ticket, legs in order."""
    grouped: dict[int, list[TicketLink]] = {}
    for ticket in tickets:
        grouped.setdefault(ticket.master_ticket, []).append(ticket)
    return {t: tuple(sorted(legs, key=lambda leg: leg.leg)) for t, legs in grouped.items()}


def legs_of(book: TicketBook, master_ticket: int) -> tuple[TicketLink, ...]:
    entry = book.get(master_ticket)
    if entry is None:
        return ()
    if isinstance(entry, TicketLink):
        return (entry,)
    if len(entry) == 1:  # the usual master ticket: one leg, nothing to sort
        return tuple(entry)
    return tuple(sorted(entry, key=lambda leg: leg.leg))


def all_legs(book: TicketBook) -> tuple[TicketLink, ...]:
    return tuple(leg for ticket in sorted(book) for leg in legs_of(book, ticket))


def live(legs: Iterable[TicketLink]) -> tuple[TicketLink, ...]:
    return tuple(leg for leg in legs if leg.state in LIVE_STATES)


def positions(legs: Iterable[TicketLink]) -> tuple[TicketLink, ...]:
    """Live legs that are (or are becoming) positions, not pending orders."""
    return tuple(leg for leg in live(legs) if not leg.is_pending)


def pendings(legs: Iterable[TicketLink]) -> tuple[TicketLink, ...]:
    return tuple(leg for leg in live(legs) if leg.is_pending)


def next_leg(legs: Sequence[TicketLink]) -> int:
    return max((leg.leg for leg in legs), default=-1) + 1


def find(book: TicketBook, master_ticket: int, leg: int = 0) -> TicketLink | None:
    """The ticket link a command or result is about (its ``master_ticket`` and ``leg``)."""
    return next((t for t in legs_of(book, master_ticket) if t.leg == leg), None)


def store(book: LegBook, ticket: TicketLink) -> None:
    """Put ``ticket`` in ``book``, replacing the leg it updates."""
    others = tuple(t for t in book.get(ticket.master_ticket, ()) if t.leg != ticket.leg)
    book[ticket.master_ticket] = tuple(sorted((*others, ticket), key=lambda t: t.leg))


def drop(book: LegBook, master_ticket: int, leg: int) -> None:
    kept = tuple(t for t in book.get(master_ticket, ()) if t.leg != leg)
    if kept:
        book[master_ticket] = kept
    else:
        book.pop(master_ticket, None)


def apply_outcome(book: LegBook, outcome: RouteOutcome) -> None:
    """Bring one link's ``book`` up to date with a route outcome: retired keys go, changed and
    new ticket links are stored (a re-keyed copy moves to its new master ticket)."""
    for _link_id, master_ticket, leg in outcome.retired_keys:
        drop(book, master_ticket, leg)
    for ticket in outcome.tickets:
        store(book, ticket)
