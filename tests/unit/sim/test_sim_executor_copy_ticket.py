"""Commands for a copy re-keyed by the copier (an MT4 master renumbered its remainder) find the
copy by the ticket its comment names, ``copy_ticket``, not by the master's new ticket."""

from __future__ import annotations

from typing import Any

import pytest
from msgspec import structs
from sim_helpers import command, set_price

from copier.domain import Command, CommandKind, OrderType, Retcode, copy_comment
from copier.testbed.broker import SimBroker
from copier.testbed.broker.executor import SimExecutor

C = CommandKind
OPENED_FOR = 100  # the copy's comment says TC|100
REST = 177  # the master's renumbered remainder the commands are now about


def for_the_rest(kind: CommandKind, seq: int, **fields: Any) -> Command:
    """A command about the master's remainder for the copy of the ticket it was opened for."""
    made = command(kind, REST, seq, **fields)
    return structs.replace(made, copy_ticket=OPENED_FOR, comment=copy_comment(OPENED_FOR))


@pytest.fixture
def executor(broker: SimBroker) -> SimExecutor:
    set_price(broker, "EURUSD", 1.10000)
    return SimExecutor(broker, "slave")


def test_a_close_of_the_rest_without_slave_ticket_closes_the_copy_of_the_old_ticket(
    executor: SimExecutor, broker: SimBroker
) -> None:
    executor.execute(command(C.OPEN, OPENED_FOR, 1, volume=0.2))
    executor.execute(command(C.OPEN, REST, 2, volume=0.1))  # an unrelated copy of ticket 177

    result = executor.execute(for_the_rest(C.CLOSE, 3, volume=0.0, slave_ticket=None))

    assert result.retcode == Retcode.DONE
    assert [p.comment for p in broker.positions()] == ["TC|177"]


def test_after_a_restart_a_fill_finds_the_copy_the_slaves_market_filled_first(
    executor: SimExecutor, broker: SimBroker
) -> None:
    place = command(C.PLACE_PENDING, OPENED_FOR, 1, order_type=OrderType.BUY_LIMIT, volume=0.2,
                    price=1.09900)  # fmt: skip
    executor.execute(place)
    set_price(broker, "EURUSD", 1.09880)
    broker.tick()
    [filled_first] = broker.positions()
    executor.forget()

    fill = for_the_rest(C.FILL_PENDING, 2, order_type=OrderType.BUY_LIMIT, volume=0.2)
    result = executor.execute(fill)

    # The copy named by the comment had filled: adopted as "already filled", not opened again.
    assert (result.retcode, result.slave_ticket) == (Retcode.DONE, filled_first.ticket)
    assert len(broker.positions()) == 1
