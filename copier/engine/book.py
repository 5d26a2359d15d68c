"""The ticket links one copy link holds, as the router reads them: by master ticket, in legs.

A master ticket usually has one ticket link (leg 0). It gets more legs when a netting master adds
volume (each add is copied as its own leg, a separate position on a hedging slave) or when a
netting master reverses and the same position ticket is opened again after its close. The router
therefore accepts, per master ticket, either one ticket link or a sequence of its legs; pass the
legs still in flight or open, and at least the highest leg number ever used for the ticket.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from copier.engine.state import TicketLink, TicketState

TicketBook = Mapping[int, TicketLink | Sequence[TicketLink]]

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
