"""reconcile: a copy whose comment names the ticket it was opened for belongs to the ticket link
re-keyed since to the master's renumbered remainder (MT4 partial close)."""

from __future__ import annotations

from dataclasses import replace

from msgspec import structs

from copier.domain import MarginMode, Position, TerminalSnapshot
from copier.engine.reconcile import reconcile
from copier.engine.state import TicketLink, TicketState

from .builders import account, copy, link, position

LINK = link(slave_magic=0)
OPENED_FOR = 1001  # the slave copy's comment says TC|1001
REST = 1077  # the master's remainder the ticket link was re-keyed to


def terminal(*positions: Position, netting: bool = False) -> TerminalSnapshot:
    mode = MarginMode.NETTING if netting else MarginMode.HEDGING
    return TerminalSnapshot(account=account(margin_mode=mode), positions=positions, orders=())


MASTER = terminal(position(REST, 0.6, symbol="EURUSD"))
COPY = position(5001, 0.6, comment=f"TC|{OPENED_FOR}")


def rekeyed(state: TicketState, slave_ticket: int | None = None) -> TicketLink:
    link = copy(REST, state=state, slave_ticket=slave_ticket, volume=0.6, master_volume=0.6)
    return structs.replace(link, copy_ticket=OPENED_FOR)


def test_a_rekeyed_copy_whose_open_result_is_still_coming_is_not_an_orphan() -> None:
    report = reconcile(LINK, [rekeyed(TicketState.OPENING)], MASTER, terminal(COPY))

    assert report.consistent


def test_a_rekeyed_copy_booked_as_failed_is_adopted_under_the_new_ticket() -> None:
    report = reconcile(LINK, [rekeyed(TicketState.FAILED)], MASTER, terminal(COPY))

    [adopted] = report.adoptable
    assert (adopted.master_ticket, adopted.copy_ticket, adopted.leg) == (REST, OPENED_FOR, 1)
    assert (adopted.slave_ticket, adopted.state, report.orphans) == (5001, TicketState.OPEN, ())


def test_a_second_copy_of_a_rekeyed_ticket_is_an_extra_copy_of_the_new_ticket() -> None:
    extra = replace(COPY, ticket=5002)

    report = reconcile(LINK, [rekeyed(TicketState.OPEN, 5001)], MASTER, terminal(COPY, extra))

    [orphan] = report.orphans
    assert (orphan.master_ticket, orphan.slave_ticket) == (REST, 5002)
    assert orphan.reason.endswith("an extra copy the link does not know")


def test_a_netting_copy_of_a_rekeyed_ticket_the_table_lost_is_adoptable() -> None:
    slave = terminal(COPY, netting=True)

    report = reconcile(LINK, [rekeyed(TicketState.FAILED)], MASTER, slave)

    assert [(t.master_ticket, t.copy_ticket) for t in report.adoptable] == [(REST, OPENED_FOR)]
    assert report.volume_mismatches == ()
