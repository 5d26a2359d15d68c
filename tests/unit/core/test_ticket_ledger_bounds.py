"""The copy service's ticket ledger keeps what is live and only the newest settled master
tickets of a link: a copier running for months does not keep every closed copy in memory."""

from __future__ import annotations

from copier.domain import Side
from copier.engine.book import next_leg
from copier.engine.state import TicketLink, TicketState
from copier.ticket_ledger import TicketLedger


def link(master_ticket: int, state: TicketState, leg: int = 0) -> TicketLink:
    return TicketLink(link_id=1, master_ticket=master_ticket, slave_symbol="EURUSD",
                      side=Side.BUY, state=state, leg=leg, slave_volume=0.1)  # fmt: skip


def test_only_the_newest_settled_master_tickets_are_kept() -> None:
    ledger = TicketLedger(settled_keep=3)
    for ticket in range(1, 11):
        ledger.put(link(ticket, TicketState.OPEN))
        ledger.put(link(ticket, TicketState.CLOSED))

    assert ledger.settled == 3
    assert sorted(ledger.book) == [8, 9, 10]


def test_live_tickets_are_never_forgotten_however_many_settle() -> None:
    ledger = TicketLedger(settled_keep=2)
    for ticket in range(1, 6):
        ledger.put(link(ticket, TicketState.OPEN))
    for ticket in range(100, 120):
        ledger.put(link(ticket, TicketState.FAILED))

    assert [t for t in ledger.book if t < 100] == [1, 2, 3, 4, 5]
    assert len(ledger.book) == 7


def test_a_ticket_with_one_live_leg_is_not_settled() -> None:
    ledger = TicketLedger(settled_keep=1)
    ledger.put(link(5, TicketState.CLOSED, leg=0))
    ledger.put(link(5, TicketState.OPENING, leg=1))  # a netting master's reversal reopens it
    for ticket in range(10, 15):
        ledger.put(link(ticket, TicketState.CLOSED))

    assert next_leg(ledger.book[5]) == 2  # the closed leg is still there to number the next
    assert ledger.settled == 1


def test_a_recently_settled_ticket_still_numbers_its_next_leg() -> None:
    ledger = TicketLedger(settled_keep=4)
    ledger.put(link(5, TicketState.CLOSED))

    assert next_leg(ledger.book[5]) == 1


def test_dropping_the_last_leg_forgets_the_settled_ticket() -> None:
    ledger = TicketLedger(settled_keep=4)
    ledger.put(link(5, TicketState.CLOSED))
    ledger.drop(5, 0)

    assert ledger.settled == 0
    assert 5 not in ledger.book


def test_the_book_reads_a_ticket_s_legs_in_order_and_none_for_an_unknown_one() -> None:
    ledger = TicketLedger()
    for leg in (2, 0, 1):
        ledger.put(link(7, TicketState.OPEN, leg=leg))
    ledger.put(link(8, TicketState.OPEN))

    assert [t.leg for t in ledger.book.get(7)] == [0, 1, 2]
    assert [t.leg for t in ledger.book[7]] == [0, 1, 2]
    assert [t.master_ticket for t in ledger.book.get(8)] == [8]
    assert ledger.book.get(9) is None and ledger.book.get(9, ()) == ()
    assert 7 in ledger.book and 9 not in ledger.book
