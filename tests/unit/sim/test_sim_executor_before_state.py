"""Commands that say what their copy looked like before them (protocol §14 step 5): a resend the
executor has no id for — its terminal died between the trade and writing the id down, or its
id file was lost — finds the copy already as the command leaves it and answers DUPLICATE."""

from __future__ import annotations

import pytest
from msgspec import structs
from sim_helpers import BrokerFactory, command, set_price

from copier.domain import (
    Command,
    CommandKind,
    CopyState,
    ExecutionResult,
    OrderType,
    Platform,
    Retcode,
)
from copier.testbed.broker import SimBroker
from copier.testbed.broker.executor import SimExecutor

C = CommandKind


def _restarted(broker: SimBroker) -> SimExecutor:
    """The executor after a terminal restart whose id file lacks the last command's id."""
    return SimExecutor(broker, "slave")


@pytest.fixture(params=[Platform.MT5, Platform.MT4], ids=["mt5", "mt4"])
def broker(request: pytest.FixtureRequest, make_broker: BrokerFactory) -> SimBroker:
    made = make_broker(platform=request.param)
    set_price(made, "EURUSD", 1.10000)
    return made


def _copy(broker: SimBroker, volume: float = 0.2) -> int:
    opened = SimExecutor(broker, "slave").execute(command(C.OPEN, 100, 1, volume=volume))
    assert opened.ok and opened.slave_ticket is not None
    return opened.slave_ticket


def _close(ticket: int, seq: int, volume: float, was: float) -> Command:
    return command(C.CLOSE, 100, seq, volume=volume, slave_ticket=ticket, before=CopyState(was))


def test_a_partial_close_resent_after_the_terminal_died_before_writing_its_id_closes_no_more(
    broker: SimBroker,
) -> None:
    ticket = _copy(broker, 0.2)
    close = _close(ticket, 2, 0.1, was=0.2)
    first = SimExecutor(broker, "slave").execute(close)  # traded; the id never reached the file

    again = _restarted(broker).execute(close)

    assert first.retcode == Retcode.DONE
    assert (again.retcode, again.slave_ticket, again.volume) == (
        Retcode.DUPLICATE, first.slave_ticket, pytest.approx(0.1),
    )  # fmt: skip
    assert [round(p.volume, 2) for p in broker.positions()] == [0.1]  # the master's half kept


def test_a_partial_close_not_yet_done_is_done(broker: SimBroker) -> None:
    ticket = _copy(broker, 0.2)

    result = _restarted(broker).execute(_close(ticket, 2, 0.1, was=0.2))

    assert result.retcode == Retcode.DONE
    assert [round(p.volume, 2) for p in broker.positions()] == [0.1]


def test_two_partial_closes_both_resent_without_ids_leave_the_volume_after_the_second(
    broker: SimBroker,
) -> None:
    ticket = _copy(broker, 0.3)
    first = SimExecutor(broker, "slave").execute(_close(ticket, 2, 0.1, was=0.3))
    assert first.slave_ticket is not None
    # The second was decided before the first's result: it names the copy's first ticket.
    SimExecutor(broker, "slave").execute(_close(ticket, 3, 0.1, was=0.2))

    restarted = _restarted(broker)
    answers = [restarted.execute(_close(ticket, seq, 0.1, was=was))
               for seq, was in ((2, 0.3), (3, 0.2))]  # fmt: skip

    assert [a.retcode for a in answers] == [Retcode.DUPLICATE, Retcode.DUPLICATE]
    assert [round(p.volume, 2) for p in broker.positions()] == [0.1]


def test_a_second_partial_close_sent_with_the_old_ticket_closes_the_renumbered_rest(
    broker: SimBroker,
) -> None:
    """MT4 renumbered the rest after the first close; the second still names the first ticket."""
    ticket = _copy(broker, 0.3)
    executor = SimExecutor(broker, "slave")
    executor.execute(_close(ticket, 2, 0.1, was=0.3))

    second = executor.execute(_close(ticket, 3, 0.1, was=0.2))

    assert second.retcode == Retcode.DONE
    assert [round(p.volume, 2) for p in broker.positions()] == [0.1]


def test_a_full_close_resent_without_its_id_answers_duplicate_with_the_ticket(
    broker: SimBroker,
) -> None:
    ticket = _copy(broker, 0.2)
    close = _close(ticket, 2, 0.0, was=0.2)
    SimExecutor(broker, "slave").execute(close)

    again = _restarted(broker).execute(close)

    assert (again.retcode, again.slave_ticket) == (Retcode.DUPLICATE, ticket)
    assert broker.positions() == ()


def test_a_close_without_a_before_state_acts_as_it_always_did(broker: SimBroker) -> None:
    """An older copier sends no ``was_*``: only the id memory guards the resend."""
    ticket = _copy(broker, 0.2)
    close = command(C.CLOSE, 100, 2, volume=0.1, slave_ticket=ticket)
    SimExecutor(broker, "slave").execute(close)

    again = _restarted(broker).execute(replace_ticket(close, broker))

    assert again.retcode == Retcode.DONE  # it closes again: what the before-state prevents


def replace_ticket(close: Command, broker: SimBroker) -> Command:
    """The same close aimed at the copy as it is now (MT4 renumbered it)."""
    return structs.replace(close, slave_ticket=broker.positions()[0].ticket)


def test_a_modify_resent_after_it_was_applied_answers_duplicate(broker: SimBroker) -> None:
    ticket = _copy(broker, 0.2)
    modify = command(C.MODIFY, 100, 2, volume=0.2, sl=1.09500, tp=1.10800, slave_ticket=ticket,
                     before=CopyState(0.2))  # fmt: skip
    SimExecutor(broker, "slave").execute(modify)

    again = _restarted(broker).execute(modify)

    assert (again.retcode, again.slave_ticket) == (Retcode.DUPLICATE, ticket)
    assert (again.sl, again.tp) == (1.09500, 1.10800)


def _place(broker: SimBroker) -> ExecutionResult:
    place = command(C.PLACE_PENDING, 200, 1, order_type=OrderType.BUY_LIMIT, volume=0.1,
                    price=1.09000)  # fmt: skip
    return SimExecutor(broker, "slave").execute(place)


def test_a_pending_move_resent_after_it_was_applied_answers_duplicate(broker: SimBroker) -> None:
    placed = _place(broker)
    assert placed.slave_ticket is not None
    move = command(C.MODIFY_PENDING, 200, 2, order_type=OrderType.BUY_LIMIT, volume=0.1,
                   price=1.08900, sl=1.08500, slave_ticket=placed.slave_ticket,
                   before=CopyState(0.1, price=1.09000))  # fmt: skip
    SimExecutor(broker, "slave").execute(move)

    again = _restarted(broker).execute(move)

    assert (again.retcode, again.slave_ticket) == (Retcode.DUPLICATE, placed.slave_ticket)
    [order] = broker.orders()
    assert (order.price_open, order.sl) == (1.08900, 1.08500)


def test_a_pending_delete_resent_after_the_order_was_deleted_answers_duplicate(
    broker: SimBroker,
) -> None:
    placed = _place(broker)
    delete = command(C.DELETE_PENDING, 200, 2, volume=0.1, slave_ticket=placed.slave_ticket,
                     before=CopyState(0.1, price=1.09000))  # fmt: skip
    SimExecutor(broker, "slave").execute(delete)

    again = _restarted(broker).execute(delete)
    old_style = _restarted(broker).execute(command(C.DELETE_PENDING, 200, 3,
                                                   slave_ticket=placed.slave_ticket))  # fmt: skip

    assert (again.retcode, again.slave_ticket) == (Retcode.DUPLICATE, placed.slave_ticket)
    assert old_style.retcode == Retcode.DONE  # no before-state: "already gone", as before
    assert broker.orders() == () and broker.positions() == ()


def test_a_fill_resent_after_the_copy_was_replaced_at_market_answers_duplicate(
    broker: SimBroker,
) -> None:
    placed = _place(broker)
    fill = command(C.FILL_PENDING, 200, 2, order_type=OrderType.BUY, volume=0.1)  # no ticket yet
    first = SimExecutor(broker, "slave").execute(fill)  # the order deleted, bought at market

    again = _restarted(broker).execute(fill)

    assert first.retcode == Retcode.DONE and first.slave_ticket != placed.slave_ticket
    assert (again.retcode, again.slave_ticket) == (Retcode.DUPLICATE, first.slave_ticket)
    assert [round(p.volume, 2) for p in broker.positions()] == [0.1] and broker.orders() == ()


def test_a_placement_resent_after_a_restart_and_a_later_move_is_still_recognised(
    broker: SimBroker,
) -> None:
    """The terminal died after placing; restarted, it moved the order (a command decided before
    the placement's result); then the placement comes again. Moving a copy does not make it one
    this executor created, so the placement still finds it."""
    placed = _place(broker)
    restarted = _restarted(broker)
    restarted.execute(command(C.MODIFY_PENDING, 200, 2, order_type=OrderType.BUY_LIMIT,
                              volume=0.1, price=1.08900))  # fmt: skip

    again = restarted.execute(command(C.PLACE_PENDING, 200, 1, order_type=OrderType.BUY_LIMIT,
                                      volume=0.1, price=1.09000))  # fmt: skip

    assert (again.retcode, again.slave_ticket) == (Retcode.DUPLICATE, placed.slave_ticket)
    assert len(broker.orders()) == 1


def test_an_sl_move_naming_the_ticket_before_a_partial_close_sets_the_stops_of_what_is_left(
    broker: SimBroker,
) -> None:
    """Decided before the partial close's result came back, it names the copy's first ticket,
    which MT4 has renumbered."""
    ticket = _copy(broker, 0.3)
    executor = SimExecutor(broker, "slave")
    executor.execute(_close(ticket, 2, 0.1, was=0.3))

    moved = executor.execute(command(C.MODIFY, 100, 3, volume=0.2, sl=1.09500,
                                     slave_ticket=ticket))  # fmt: skip

    assert moved.retcode == Retcode.DONE
    assert [(round(p.volume, 2), p.sl) for p in broker.positions()] == [(0.2, 1.09500)]
