"""Netting accounts: a copy is a share of the symbol's one position, so an executor with no memory
of a deal's id measures the copy by the deals carrying its comment and magic (protocol §14 step
5) — a resent open, close or fill whose deal was made before the terminal died is not made again."""

from __future__ import annotations

import pytest
from sim_helpers import BrokerFactory, command, set_price

from copier.domain import CommandKind, CopyState, MarginMode, OrderType, Retcode, Side
from copier.testbed.broker import SimBroker
from copier.testbed.broker.executor import SimExecutor

C = CommandKind


@pytest.fixture
def broker(make_broker: BrokerFactory) -> SimBroker:
    made = make_broker(margin_mode=MarginMode.NETTING)
    set_price(made, "EURUSD", 1.10000)
    return made


def _restarted(broker: SimBroker) -> SimExecutor:
    """The executor after a terminal restart whose id file lacks the last command's id."""
    return SimExecutor(broker, "slave")


def _net(broker: SimBroker) -> float:
    return round(sum(p.volume * p.side.sign for p in broker.positions("EURUSD")), 2)


def test_an_open_resent_after_the_terminal_died_before_writing_its_id_is_not_dealt_again(
    broker: SimBroker,
) -> None:
    SimExecutor(broker, "slave").execute(command(C.OPEN, 300, 1, volume=0.1))  # another copy
    open_ = command(C.OPEN, 100, 2, volume=0.2, before=CopyState(0.0))
    SimExecutor(broker, "slave").execute(open_)

    again = _restarted(broker).execute(open_)

    assert (again.retcode, again.volume) == (Retcode.DUPLICATE, pytest.approx(0.2))
    assert _net(broker) == 0.3


def test_a_second_open_of_the_same_master_ticket_is_dealt(broker: SimBroker) -> None:
    """A netting master that added volume: the copy's new leg comes after 0.2 already dealt."""
    SimExecutor(broker, "slave").execute(command(C.OPEN, 100, 1, volume=0.2, before=CopyState(0)))

    more = _restarted(broker).execute(
        command(C.OPEN, 100, 2, leg=1, volume=0.1, before=CopyState(0.2))
    )

    assert more.retcode == Retcode.DONE and _net(broker) == 0.3


def test_a_partial_close_resent_without_its_id_keeps_the_rest_of_the_copy(
    broker: SimBroker,
) -> None:
    executor = SimExecutor(broker, "slave")
    executor.execute(command(C.OPEN, 100, 1, volume=0.2))
    executor.execute(command(C.OPEN, 300, 2, volume=0.1))
    close = command(C.CLOSE, 100, 3, volume=0.1, before=CopyState(0.2))
    SimExecutor(broker, "slave").execute(close)

    again = _restarted(broker).execute(close)
    then_all = _restarted(broker).execute(command(C.CLOSE, 100, 4, volume=0.1,
                                                  before=CopyState(0.1)))  # fmt: skip

    assert again.retcode == Retcode.DUPLICATE
    assert then_all.retcode == Retcode.DONE
    assert _net(broker) == 0.1  # only the other copy is left


def test_a_sell_copy_is_counted_on_the_sell_side(broker: SimBroker) -> None:
    SimExecutor(broker, "slave").execute(command(C.OPEN, 300, 1, volume=0.3))  # a buy copy
    sell = command(C.OPEN, 100, 2, order_type=OrderType.SELL, volume=0.1, before=CopyState(0))
    close = command(C.CLOSE, 100, 3, order_type=OrderType.SELL, volume=0.1, before=CopyState(0.1))
    answers = []
    for each in (sell, close):  # each resent after the terminal died before writing its id
        SimExecutor(broker, "slave").execute(each)
        answers.append(_restarted(broker).execute(each).retcode)

    assert answers == [Retcode.DUPLICATE, Retcode.DUPLICATE]
    assert _net(broker) == 0.3 and broker.positions()[0].side is Side.BUY


def test_a_fill_resent_after_the_copy_was_replaced_at_market_is_not_dealt_again(
    broker: SimBroker,
) -> None:
    place = command(C.PLACE_PENDING, 100, 1, order_type=OrderType.BUY_LIMIT, volume=0.1,
                    price=1.09000)  # fmt: skip
    placed = SimExecutor(broker, "slave").execute(place)
    fill = command(C.FILL_PENDING, 100, 2, volume=0.1, slave_ticket=placed.slave_ticket,
                   before=CopyState(0.0))  # fmt: skip
    first = SimExecutor(broker, "slave").execute(fill)  # the order deleted, bought at market

    again = _restarted(broker).execute(fill)

    assert first.retcode == Retcode.DONE
    assert again.retcode == Retcode.DUPLICATE
    assert _net(broker) == 0.1 and broker.orders() == ()


def test_an_open_without_a_before_state_relies_on_the_id_alone(broker: SimBroker) -> None:
    """What an older copier sends: a restarted executor without the id deals again."""
    open_ = command(C.OPEN, 100, 1, volume=0.2)
    SimExecutor(broker, "slave").execute(open_)

    again = _restarted(broker).execute(open_)

    assert again.retcode == Retcode.DONE and _net(broker) == 0.4


@pytest.mark.parametrize("before", [CopyState(0.1, price=1.10100), None],
                         ids=["with its before-state", "without one"])  # fmt: skip
def test_a_delete_resent_after_it_undid_a_filled_copy_undoes_nothing_more(
    broker: SimBroker, before: CopyState | None
) -> None:
    # The pending copy filled on the slave's market first; the master then deleted its order,
    # and the delete took the fill's 0.1 lots back. The terminal died before the delete's id
    # was written down: the delete comes again, to an executor with no memory of it.
    SimExecutor(broker, "slave").execute(command(C.OPEN, 300, 1, volume=0.5))  # another copy
    placed = SimExecutor(broker, "slave").execute(
        command(C.PLACE_PENDING, 5, 1, order_type=OrderType.BUY_STOP, volume=0.1, price=1.10100)
    )
    set_price(broker, "EURUSD", 1.10150)
    broker.tick()
    assert _net(broker) == 0.6  # the copy filled into the one position
    delete = command(C.DELETE_PENDING, 5, 2, order_type=OrderType.BUY_STOP, volume=0.1,
                     slave_ticket=placed.slave_ticket, before=before)  # fmt: skip
    first = SimExecutor(broker, "slave").execute(delete)
    assert (first.retcode, _net(broker)) == (Retcode.DONE, 0.5)

    again = _restarted(broker).execute(delete)

    assert again.retcode == Retcode.DUPLICATE
    assert _net(broker) == 0.5  # master #300's copy only: the fill is not taken back twice
