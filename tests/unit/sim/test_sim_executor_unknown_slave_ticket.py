"""A close or SL/TP change routed before its open's result came back (slave ticket unknown) acts
on the copy that carries the master ticket's comment, as the engine's contract says."""

from __future__ import annotations

import pytest
from sim_helpers import command, set_price

from copier.domain import CommandKind, Retcode
from copier.testbed.broker import SimBroker
from copier.testbed.broker.executor import SimExecutor

C = CommandKind


@pytest.fixture
def executor(broker: SimBroker) -> SimExecutor:
    set_price(broker, "EURUSD", 1.10000)
    return SimExecutor(broker, "slave")


def test_a_close_without_slave_ticket_closes_the_copy_found_by_its_comment(
    executor: SimExecutor, broker: SimBroker
) -> None:
    executor.execute(command(C.OPEN, 100, 1, volume=0.2))
    executor.execute(command(C.OPEN, 200, 2, volume=0.1))

    result = executor.execute(command(C.CLOSE, 100, 3, volume=0.0, slave_ticket=None))

    assert result.retcode == Retcode.DONE
    assert [p.comment for p in broker.positions()] == ["TC|200"]


def test_a_modify_without_slave_ticket_sets_the_stops_of_the_copy_found_by_its_comment(
    executor: SimExecutor, broker: SimBroker
) -> None:
    opened = executor.execute(command(C.OPEN, 100, 1, volume=0.2))

    result = executor.execute(command(C.MODIFY, 100, 2, sl=1.09000, slave_ticket=None))

    pos = broker.position(opened.slave_ticket or 0)
    assert result.retcode == Retcode.DONE
    assert pos is not None and pos.sl == 1.09000


def test_a_close_without_slave_ticket_and_no_copy_open_is_refused_with_the_reason(
    executor: SimExecutor, broker: SimBroker
) -> None:
    result = executor.execute(command(C.CLOSE, 100, 1, volume=0.0, slave_ticket=None))

    assert result.retcode == Retcode.INVALID
    assert "no copy of master #100 open" in result.message
