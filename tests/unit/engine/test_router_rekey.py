"""Router: an MT4 master's renumbered remainder re-keys the copy, whose comment keeps naming the
ticket it was opened for — so every later command carries that ticket for executors to find it."""

from __future__ import annotations

import json
from typing import Any

from copier.bridge.convert import command_to_wire, encode_command
from copier.domain import Command, CommandKind, EventKind, MasterEvent, OrderType
from copier.engine.book import LegBook, apply_outcome, book_of
from copier.engine.config import StopsMode
from copier.engine.router import route
from copier.engine.state import RouteOutcome, TicketState

from .builders import NOW, copy, event, link, master_view, slave_view

E = EventKind
OPENED_FOR = 1001  # the copy was opened for this master ticket: its comment says TC|1001
REST = 1077  # the master's remainder after a partial close (MT4 renumbers it)
# The open's result has not come back: the copier does not know the copy's slave ticket yet.
UNCONFIRMED = copy(OPENED_FOR, state=TicketState.OPENING, slave_ticket=None)


def run(ev: MasterEvent, book: LegBook, **rules: Any) -> RouteOutcome:
    outcome = route(ev, link(**rules), book, master_view(), slave_view(), NOW)
    apply_outcome(book, outcome)
    return outcome


def partial(seq: int, ticket: int, new_ticket: int, remaining: float = 0.6) -> MasterEvent:
    closed = 1.0 - remaining
    return event(E.PARTIALLY_CLOSED, ticket=ticket, seq=seq, volume=remaining,
                 closed_volume=closed, new_ticket=new_ticket)  # fmt: skip


def frame(command: Command) -> dict[str, Any]:
    sent: dict[str, Any] = json.loads(encode_command(command))
    return sent


def test_rekey_keeps_the_ticket_the_copys_comment_names() -> None:
    book = book_of([UNCONFIRMED])

    outcome = run(partial(2, OPENED_FOR, REST), book)

    [rekeyed] = outcome.tickets
    assert (rekeyed.master_ticket, rekeyed.copy_ticket, rekeyed.comment_ticket) == (
        REST, OPENED_FOR, OPENED_FOR,
    )  # fmt: skip
    assert list(book) == [REST]
    [partly] = outcome.commands
    assert (partly.id, partly.master_ticket, partly.copy_ticket) == ("L7-T1077-S2", REST, 1001)
    assert partly.comment == "TC|1001"


def test_a_second_renumbering_still_names_the_ticket_the_copy_was_opened_for() -> None:
    book = book_of([UNCONFIRMED])
    run(partial(2, OPENED_FOR, REST), book)

    outcome = run(partial(3, REST, 1099, remaining=0.3), book)

    [rekeyed] = outcome.tickets
    assert (rekeyed.master_ticket, rekeyed.copy_ticket) == (1099, OPENED_FOR)
    assert [(c.master_ticket, c.copy_ticket) for c in outcome.commands] == [(1099, OPENED_FOR)]


def test_a_close_after_the_rekey_names_the_old_ticket_in_its_frame() -> None:
    book = book_of([UNCONFIRMED])
    run(partial(2, OPENED_FOR, REST), book)

    [close] = run(event(E.CLOSED, ticket=REST, seq=3, volume=0.0), book).commands

    sent = frame(close)
    assert (close.kind, close.master_ticket, close.slave_ticket) == (CommandKind.CLOSE, REST, None)
    assert (sent["id"], sent["ticket"], sent["slave_ticket"]) == ("L7-T1077-S3", OPENED_FOR, 0)
    assert sent["comment"] == "TC|1001"
    assert command_to_wire(close).ticket == OPENED_FOR


def test_an_sltp_change_after_the_rekey_names_the_old_ticket_too() -> None:
    book = book_of([copy(OPENED_FOR, slave_ticket=None)])
    run(partial(2, OPENED_FOR, REST), book)

    modified = event(E.MODIFIED, ticket=REST, seq=3, volume=0.6, sl=1.09)
    [modify] = run(modified, book, stops_mode=StopsMode.PRICE).commands

    assert (modify.kind, frame(modify)["ticket"]) == (CommandKind.MODIFY, OPENED_FOR)


def test_commands_for_a_copy_never_rekeyed_name_its_own_ticket() -> None:
    book = book_of([UNCONFIRMED])

    [close] = run(event(E.CLOSED, ticket=OPENED_FOR, seq=2, volume=0.0), book).commands

    assert (close.copy_ticket, close.comment_ticket, frame(close)["ticket"]) == (0, 1001, 1001)


def test_fill_of_a_renumbered_pending_order_names_the_pending_copys_ticket() -> None:
    pending = copy(OPENED_FOR, state=TicketState.PENDING, slave_ticket=None, is_pending=True)
    book = book_of([pending])
    filled = event(E.PENDING_FILLED, ticket=OPENED_FOR, seq=2, new_ticket=REST,
                   order_type=OrderType.BUY_LIMIT)  # fmt: skip

    outcome = run(filled, book)

    [fill] = outcome.commands
    [rekeyed] = outcome.tickets
    assert (fill.kind, fill.master_ticket, frame(fill)["ticket"]) == (
        CommandKind.FILL_PENDING, REST, OPENED_FOR,
    )  # fmt: skip
    assert fill.comment == "TC|1001"
    assert rekeyed.copy_ticket == OPENED_FOR
