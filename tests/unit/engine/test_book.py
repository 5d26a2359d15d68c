"""The leg book: one link's ticket links kept current from outcomes and results."""

from __future__ import annotations

from copier.domain import Command, CommandKind, EventKind, ExecutionResult, MasterEvent, Retcode
from copier.engine.book import LegBook, apply_outcome, book_of, find, store
from copier.engine.results import apply_result
from copier.engine.router import route
from copier.engine.state import RouteOutcome, TicketState

from .builders import NOW, copy, event, link, master_view, slave_view

E = EventKind
LINK = link()


def step(book: LegBook, ev: MasterEvent, slave_ticket: int) -> RouteOutcome:
    """Route one event, store the decision, then execute every command as asked."""
    outcome = route(ev, LINK, book, master_view(), slave_view(), NOW)
    apply_outcome(book, outcome)
    for command in outcome.commands:
        settle(book, command, slave_ticket)
    return outcome


def settle(book: LegBook, command: Command, slave_ticket: int) -> None:
    ticket = find(book, command.master_ticket, command.leg)
    assert ticket is not None, command
    result = ExecutionResult(command.id, "slave", Retcode.DONE, volume=command.volume,
                             slave_ticket=slave_ticket + command.leg)  # fmt: skip
    store(book, apply_result(ticket, command, result))


def test_a_renumbered_position_with_two_legs_keeps_both_through_its_life() -> None:
    book: LegBook = {}

    step(book, event(E.OPENED, seq=1, volume=1.0), slave_ticket=500)
    step(book, event(E.INCREASED, seq=2, volume=1.5), slave_ticket=500)
    renumbered = step(book, event(E.PARTIALLY_CLOSED, seq=3, volume=1.0, closed_volume=0.5,
                                  new_ticket=2002), slave_ticket=700)  # fmt: skip
    closed = step(book, event(E.CLOSED, ticket=2002, seq=4, volume=0.0), slave_ticket=700)

    # the newest leg (the increase) goes first, under the remainder's new master ticket
    assert [(c.master_ticket, c.volume, c.leg, c.slave_ticket) for c in renumbered.commands] == [
        (2002, 0.5, 1, 501)
    ]
    assert set(book) == {2002}
    assert [(c.kind, c.volume, c.leg, c.slave_ticket) for c in closed.commands] == [
        (CommandKind.CLOSE, 1.0, 0, 500)
    ]
    assert all(t.state is TicketState.CLOSED for t in book[2002])


def test_book_of_groups_a_flat_table_by_master_ticket_in_leg_order() -> None:
    legs = [copy(1, leg=1), copy(2), copy(1)]

    book = book_of(legs)

    assert {t: [leg.leg for leg in v] for t, v in book.items()} == {1: [0, 1], 2: [0]}
