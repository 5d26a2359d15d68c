"""A pending-order command routed before the placement's result came back (slave ticket unknown)
acts on the pending copy found by its comment (TC|<master ticket>), magic and leg — on hedging
and netting accounts, MT5 and MT4 — or on the position that copy already filled into."""

from __future__ import annotations

import pytest
from sim_helpers import BrokerFactory, command, set_price

from copier.domain import CommandKind, ExecutionResult, MarginMode, OrderType, Platform, Retcode
from copier.testbed.broker import SimBroker
from copier.testbed.broker.executor import SimExecutor

C = CommandKind
ACCOUNTS = [
    (Platform.MT5, MarginMode.HEDGING),
    (Platform.MT5, MarginMode.NETTING),
    (Platform.MT4, MarginMode.HEDGING),
]


@pytest.fixture(params=ACCOUNTS, ids=["mt5-hedging", "mt5-netting", "mt4"])
def broker(request: pytest.FixtureRequest, make_broker: BrokerFactory) -> SimBroker:
    platform, margin_mode = request.param
    built = make_broker(platform=platform, margin_mode=margin_mode)
    set_price(built, "EURUSD", 1.10000)
    return built


@pytest.fixture
def executor(broker: SimBroker) -> SimExecutor:
    return SimExecutor(broker, "slave")


def place(executor: SimExecutor, master: int, price: float, **kw: object) -> ExecutionResult:
    placed = executor.execute(
        command(C.PLACE_PENDING, master, 1, order_type=OrderType.BUY_LIMIT, volume=0.1,
                price=price, **kw)
    )  # fmt: skip
    assert placed.retcode == Retcode.DONE, placed.message
    return placed


def test_a_delete_without_slave_ticket_deletes_the_legs_pending_copy(
    executor: SimExecutor, broker: SimBroker
) -> None:
    leg0 = place(executor, 100, 1.09900, magic=7)
    leg1 = place(executor, 100, 1.09800, magic=7, leg=1)
    other_magic = place(executor, 100, 1.09700, magic=8)
    lookalike = place(executor, 1000, 1.09600, magic=7)  # TC|1000 ≠ TC|100

    deleted = executor.execute(command(C.DELETE_PENDING, 100, 2, magic=7, leg=1))

    assert deleted.retcode == Retcode.DONE, deleted.message
    assert deleted.slave_ticket == leg1.slave_ticket
    left = {o.ticket for o in broker.orders()}
    assert left == {leg0.slave_ticket, other_magic.slave_ticket, lookalike.slave_ticket}


def test_a_modify_without_slave_ticket_moves_the_pending_copy(
    executor: SimExecutor, broker: SimBroker
) -> None:
    placed = place(executor, 100, 1.09900, magic=7)

    moved = executor.execute(
        command(C.MODIFY_PENDING, 100, 2, order_type=OrderType.BUY_LIMIT, price=1.09850, magic=7)
    )

    assert moved.retcode == Retcode.DONE, moved.message
    assert moved.slave_ticket == placed.slave_ticket
    assert [o.price_open for o in broker.orders()] == [1.09850]


def test_a_fill_without_slave_ticket_replaces_the_pending_copy_at_market(
    executor: SimExecutor, broker: SimBroker
) -> None:
    place(executor, 100, 1.09900, magic=7)

    filled = executor.execute(command(C.FILL_PENDING, 100, 2, volume=0.1, magic=7))

    assert filled.retcode == Retcode.DONE, filled.message
    assert broker.orders() == ()
    assert [p.ticket for p in broker.positions()] == [filled.slave_ticket]


def test_without_slave_ticket_and_no_copy_a_delete_is_already_gone_and_a_modify_refused(
    executor: SimExecutor, broker: SimBroker
) -> None:
    deleted = executor.execute(command(C.DELETE_PENDING, 100, 2, magic=7))
    moved = executor.execute(command(C.MODIFY_PENDING, 100, 3, price=1.09850, magic=7))

    assert deleted.retcode == Retcode.DONE and "already gone" in deleted.message
    assert moved.retcode == Retcode.INVALID_ORDER
    assert "no pending copy of master #100" in moved.message


@pytest.mark.parametrize("broker", ACCOUNTS[::2], ids=["mt5-hedging", "mt4"], indirect=True)
def test_a_delete_without_slave_ticket_closes_the_position_the_copy_filled_into(
    executor: SimExecutor, broker: SimBroker
) -> None:
    placed = place(executor, 100, 1.09900, magic=7)
    set_price(broker, "EURUSD", 1.09880)
    broker.tick()
    assert [p.ticket for p in broker.positions()] == [placed.slave_ticket]

    deleted = executor.execute(command(C.DELETE_PENDING, 100, 2, magic=7))

    assert deleted.retcode == Retcode.DONE, deleted.message
    assert broker.positions() == ()
