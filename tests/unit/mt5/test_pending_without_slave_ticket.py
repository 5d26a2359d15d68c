"""MT5 direct: a pending-order command decided before the placement's result came back names no
slave ticket; it acts on the copy found by its comment (TC|<master ticket>), magic and leg."""

from __future__ import annotations

import pytest

import copier.testbed.mt5standin as mt5
from copier.domain import CommandKind, ExecutionResult, OrderType, Retcode
from copier.terminals.mt5.execute import Executor
from tests.unit.mt5.test_executor import command, connect, fresh_registry  # noqa: F401

pytestmark = pytest.mark.timeout(20)
C = CommandKind


def place(executor: Executor, offset: float, magic: int = 7, **fields: object) -> ExecutionResult:
    ask = mt5.symbol_info_tick("EURUSD").ask
    price = round(ask - offset, 5)
    placed = executor.execute(
        command(C.PLACE_PENDING, order_type=OrderType.BUY_LIMIT, price=price, magic=magic, **fields)
    )
    assert placed.retcode == Retcode.DONE, placed.message
    return placed


@pytest.mark.parametrize("hedging", [True, False])
def test_a_delete_without_slave_ticket_deletes_the_legs_pending_copy(hedging: bool) -> None:
    _, executor, _ = connect(hedging=hedging)
    leg0 = place(executor, 0.010)
    leg1 = place(executor, 0.011, leg=1)
    other_magic = place(executor, 0.012, magic=8)
    lookalike = place(executor, 0.013, master_ticket=9_000_010)  # TC|9000010 ≠ TC|900001

    deleted = executor.execute(command(C.DELETE_PENDING, magic=7, leg=1))

    assert deleted.retcode == Retcode.DONE, deleted.message
    assert deleted.slave_ticket == leg1.slave_ticket
    left = {o.ticket for o in mt5.orders_get()}
    assert left == {leg0.slave_ticket, other_magic.slave_ticket, lookalike.slave_ticket}


def test_a_delete_without_slave_ticket_closes_the_position_the_copy_filled_into() -> None:
    terminal, executor, _ = connect()
    ask = mt5.symbol_info_tick("EURUSD").ask
    executor.execute(command(C.PLACE_PENDING, order_type=OrderType.BUY_STOP, magic=7,
                             price=round(ask + 0.002, 5)))  # fmt: skip
    terminal.move_market("EURUSD", ask + 0.003)
    assert len(mt5.positions_get()) == 1

    deleted = executor.execute(command(C.DELETE_PENDING, magic=7))

    assert deleted.retcode == Retcode.DONE, deleted.message
    assert mt5.positions_get() == ()


def test_a_delete_without_slave_ticket_and_no_copy_is_already_gone() -> None:
    _, executor, module = connect()

    deleted = executor.execute(command(C.DELETE_PENDING, magic=7))

    assert deleted.retcode == Retcode.DONE
    assert "already gone" in deleted.message
    assert module.requests == []


@pytest.mark.parametrize("hedging", [True, False])
def test_a_modify_without_slave_ticket_moves_the_pending_copy(hedging: bool) -> None:
    _, executor, _ = connect(hedging=hedging)
    placed = place(executor, 0.010)
    new_price = round(mt5.symbol_info_tick("EURUSD").ask - 0.015, 5)

    moved = executor.execute(command(C.MODIFY_PENDING, magic=7, order_type=OrderType.BUY_LIMIT,
                                     price=new_price))  # fmt: skip

    assert moved.retcode == Retcode.DONE, moved.message
    assert moved.slave_ticket == placed.slave_ticket
    assert [o.price_open for o in mt5.orders_get()] == [new_price]


def test_a_modify_without_slave_ticket_and_no_pending_copy_is_refused() -> None:
    _, executor, _ = connect()

    moved = executor.execute(command(C.MODIFY_PENDING, magic=7, price=1.05))

    assert moved.retcode == Retcode.INVALID_ORDER
    assert "no pending copy of master #900001" in moved.message


def test_a_fill_without_slave_ticket_replaces_the_pending_copy_with_a_market_order() -> None:
    _, executor, _ = connect()
    place(executor, 0.010)

    filled = executor.execute(command(C.FILL_PENDING, magic=7, order_type=OrderType.BUY_LIMIT))

    assert filled.retcode == Retcode.DONE, filled.message
    assert mt5.orders_get() == ()
    assert [p.ticket for p in mt5.positions_get()] == [filled.slave_ticket]
