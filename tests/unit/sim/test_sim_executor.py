"""The executor semantics of copier.domain, carried out on a simulated account."""

from __future__ import annotations

import pytest
from sim_helpers import BrokerFactory, command, set_price

from copier.domain import CommandKind, MarginMode, OrderType, Platform, Retcode, Side
from copier.testbed.broker import BrokerFaults, ManualClock, SimBroker
from copier.testbed.broker.executor import SimExecutor

C = CommandKind


@pytest.fixture
def executor(broker: SimBroker) -> SimExecutor:
    set_price(broker, "EURUSD", 1.10000)
    return SimExecutor(broker, "slave")


def test_open_buys_at_market_with_the_commands_comment_and_magic(
    executor: SimExecutor, broker: SimBroker
) -> None:
    result = executor.execute(command(C.OPEN, 100, 1, volume=0.3, magic=9, sl=1.09000))

    pos = broker.position(result.slave_ticket or 0)
    assert result.retcode == Retcode.DONE
    assert (result.volume, result.price, result.sl) == (0.3, 1.10010, 1.09000)
    assert pos is not None and (pos.comment, pos.magic) == ("TC|100", 9)
    assert result.message == f"EURUSD: buy 0.3 at 1.10010 → #{pos.ticket}"
    assert (result.command_id, result.slave_id) == ("L1-T100-S1", "slave")


def test_a_repeated_command_id_gets_the_first_result_and_executes_nothing(
    executor: SimExecutor, broker: SimBroker
) -> None:
    cmd = command(C.OPEN, 100, 1, volume=0.1)

    first = executor.execute(cmd)
    second = executor.execute(cmd)

    assert second == first
    assert len(broker.positions()) == 1


def test_a_command_past_its_max_age_expires(
    executor: SimExecutor, broker: SimBroker, clock: ManualClock
) -> None:
    cmd = command(C.OPEN, 100, 1, volume=0.1, expires_ms=clock.now_ms() - 250)

    result = executor.execute(cmd)

    assert result.retcode == Retcode.EXPIRED
    assert "250 ms past its max age" in result.message
    assert broker.positions() == ()


def test_a_price_too_far_from_the_masters_fill_is_a_deviation(
    executor: SimExecutor, broker: SimBroker
) -> None:
    cmd = command(C.OPEN, 100, 1, volume=0.1, price=1.09950, max_deviation_points=30)

    result = executor.execute(cmd)

    assert result.retcode == Retcode.DEVIATION
    assert result.message == (
        "EURUSD: price 1.10010 is 60 points from the master's 1.09950 (max 30) — copy skipped"
    )
    assert broker.positions() == ()


def test_a_price_within_the_deviation_is_executed(executor: SimExecutor) -> None:
    cmd = command(C.OPEN, 100, 1, volume=0.1, price=1.10000, max_deviation_points=30)

    assert executor.execute(cmd).retcode == Retcode.DONE


def test_stops_as_distance_are_measured_from_the_slaves_fill(
    make_broker: BrokerFactory,
) -> None:
    broker = make_broker(faults=BrokerFaults(slippage_points=4), seed=2)
    set_price(broker, "EURUSD", 1.10000)
    executor = SimExecutor(broker, "slave")

    result = executor.execute(
        command(C.OPEN, 1, 1, volume=0.1, sl_distance_points=200, tp_distance_points=300)
    )

    assert result.sl == pytest.approx(result.price - 0.00200)
    assert result.tp == pytest.approx(result.price + 0.00300)


def test_two_step_stops_open_bare_then_set_them_on_a_market_execution_broker(
    make_broker: BrokerFactory,
) -> None:
    broker = make_broker("ecn", faults=BrokerFaults(refuse_stops_on_open=True))
    set_price(broker, "EURUSD", 1.10000)
    executor = SimExecutor(broker, "slave")
    stops = {"sl": 1.10500, "tp": 1.09000}

    one_step = executor.execute(
        command(C.OPEN, 1, 1, order_type=OrderType.SELL, volume=0.1, **stops)
    )
    two_step = executor.execute(
        command(C.OPEN, 2, 1, order_type=OrderType.SELL, volume=0.1, two_step_stops=True, **stops)
    )

    assert one_step.retcode == Retcode.INVALID_STOPS
    assert two_step.retcode == Retcode.DONE
    assert (two_step.sl, two_step.tp) == (1.10500, 1.09000)


def test_requotes_are_retried_and_reported_when_they_never_stop(
    make_broker: BrokerFactory,
) -> None:
    broker = make_broker(faults=BrokerFaults(requote_probability=1.0))
    executor = SimExecutor(broker, "slave", max_retries=3)

    result = executor.execute(command(C.OPEN, 1, 1, volume=0.1))

    assert result.retcode == Retcode.REQUOTE
    assert result.message.endswith("(after 3 retries)")


def test_requoted_orders_are_sent_again_and_answered_once(make_broker: BrokerFactory) -> None:
    def session(retries: int) -> list[int]:
        broker = make_broker(faults=BrokerFaults(requote_probability=0.5), seed=1, login=retries)
        executor = SimExecutor(broker, "slave", max_retries=retries)
        return [executor.execute(command(C.OPEN, t, 1, volume=0.1)).retcode for t in range(10)]

    without_retries = session(0)
    with_retries = session(5)

    assert Retcode.REQUOTE in without_retries
    assert with_retries == [Retcode.DONE] * 10


def test_partial_close_on_mt4_reports_the_remainders_new_ticket(
    make_broker: BrokerFactory,
) -> None:
    broker = make_broker(platform=Platform.MT4)
    executor = SimExecutor(broker, "slave")
    opened = executor.execute(command(C.OPEN, 1, 1, volume=1.0))

    closed = executor.execute(command(C.CLOSE, 1, 2, slave_ticket=opened.slave_ticket, volume=0.25))

    assert closed.retcode == Retcode.DONE
    assert closed.volume == 0.25
    assert closed.slave_ticket != opened.slave_ticket
    rest = broker.position(closed.slave_ticket or 0)
    assert rest is not None and rest.volume == 0.75
    assert f"the rest is now #{closed.slave_ticket}" in closed.message


def test_close_volume_is_rounded_to_the_symbols_step(
    executor: SimExecutor, broker: SimBroker
) -> None:
    opened = executor.execute(command(C.OPEN, 1, 1, volume=1.0))

    closed = executor.execute(
        command(C.CLOSE, 1, 2, slave_ticket=opened.slave_ticket, volume=0.3333)
    )

    assert closed.volume == 0.33
    assert broker.position(opened.slave_ticket or 0).volume == 0.67  # type: ignore[union-attr]


def test_close_of_a_position_already_gone_says_so(executor: SimExecutor) -> None:
    result = executor.execute(command(C.CLOSE, 1, 2, slave_ticket=999))

    assert result.retcode == Retcode.POSITION_CLOSED
    assert result.message == "EURUSD: position #999 is no longer open"


def test_netting_open_nets_and_close_without_a_ticket_takes_the_symbols_position(
    make_broker: BrokerFactory,
) -> None:
    broker = make_broker(margin_mode=MarginMode.NETTING)
    executor = SimExecutor(broker, "slave")

    a = executor.execute(command(C.OPEN, 1, 1, volume=0.2))
    b = executor.execute(command(C.OPEN, 2, 1, volume=0.3))
    closed = executor.execute(command(C.CLOSE, 1, 2, volume=0.2))

    assert a.slave_ticket == b.slave_ticket == closed.slave_ticket
    (pos,) = broker.positions()
    assert pos.volume == 0.3


def test_modify_with_the_same_stops_is_done_already(
    executor: SimExecutor,
) -> None:
    opened = executor.execute(command(C.OPEN, 1, 1, volume=0.1, sl=1.09000))

    again = executor.execute(command(C.MODIFY, 1, 2, slave_ticket=opened.slave_ticket, sl=1.09000))

    assert again.retcode == Retcode.DONE
    assert again.message.endswith("(already set)")


def test_deleting_a_pending_copy_that_already_filled_closes_its_position(
    executor: SimExecutor, broker: SimBroker
) -> None:
    placed = executor.execute(
        command(C.PLACE_PENDING, 5, 1, order_type=OrderType.BUY_LIMIT, volume=0.2, price=1.09900)
    )
    set_price(broker, "EURUSD", 1.09880)
    broker.tick()
    assert broker.position(placed.slave_ticket or 0) is not None

    deleted = executor.execute(
        command(
            C.DELETE_PENDING, 5, 2, order_type=OrderType.BUY_LIMIT, slave_ticket=placed.slave_ticket
        )
    )

    assert deleted.retcode == Retcode.DONE
    assert deleted.volume == 0.2
    assert broker.positions() == ()
    assert deleted.message.startswith(f"order #{placed.slave_ticket} had filled")


def test_fill_pending_adopts_the_position_the_copy_already_became(
    executor: SimExecutor, broker: SimBroker
) -> None:
    placed = executor.execute(
        command(C.PLACE_PENDING, 5, 1, order_type=OrderType.SELL_STOP, volume=0.2, price=1.09900)
    )
    set_price(broker, "EURUSD", 1.09890)
    broker.tick()

    filled = executor.execute(
        command(
            C.FILL_PENDING,
            5,
            2,
            order_type=OrderType.SELL_STOP,
            volume=0.2,
            slave_ticket=placed.slave_ticket,
        )
    )

    assert filled.retcode == Retcode.DONE
    assert filled.slave_ticket == placed.slave_ticket
    assert len(broker.positions()) == 1


def test_fill_pending_without_a_copy_opens_at_market(
    executor: SimExecutor, broker: SimBroker
) -> None:
    filled = executor.execute(
        command(C.FILL_PENDING, 5, 2, order_type=OrderType.SELL_LIMIT, volume=0.2)
    )

    pos = broker.position(filled.slave_ticket or 0)
    assert filled.retcode == Retcode.DONE
    assert pos is not None and pos.side is Side.SELL


def test_modifying_a_pending_copy_that_is_gone_is_an_invalid_order(
    executor: SimExecutor,
) -> None:
    result = executor.execute(
        command(C.MODIFY_PENDING, 5, 2, order_type=OrderType.BUY_LIMIT, slave_ticket=77, price=1.09)
    )

    assert result.retcode == Retcode.INVALID_ORDER


def test_after_a_restart_a_resent_pending_is_found_by_its_comment(
    executor: SimExecutor, broker: SimBroker
) -> None:
    cmd = command(C.PLACE_PENDING, 5, 1, order_type=OrderType.BUY_LIMIT, volume=0.2, price=1.099)
    placed = executor.execute(cmd)

    executor.forget()
    again = executor.execute(cmd)

    assert (again.retcode, again.slave_ticket) == (Retcode.DUPLICATE, placed.slave_ticket)
    assert len(broker.orders()) == 1


def test_a_new_leg_for_the_same_master_ticket_is_not_taken_for_a_resend(
    executor: SimExecutor, broker: SimBroker
) -> None:
    executor.execute(command(C.OPEN, 8, 1, volume=0.1))

    second_leg = executor.execute(command(C.OPEN, 8, 3, volume=0.1, leg=1))

    assert second_leg.retcode == Retcode.DONE
    assert len(broker.positions()) == 2


def test_after_a_restart_each_resent_leg_finds_its_own_position(
    executor: SimExecutor,
) -> None:
    leg0 = executor.execute(command(C.OPEN, 8, 1, volume=0.1))
    leg1 = executor.execute(command(C.OPEN, 8, 3, volume=0.1, leg=1))

    executor.forget()
    again1 = executor.execute(command(C.OPEN, 8, 3, volume=0.1, leg=1))
    again0 = executor.execute(command(C.OPEN, 8, 1, volume=0.1))
    new_leg = executor.execute(command(C.OPEN, 8, 4, volume=0.1, leg=2))

    assert (again0.retcode, again0.slave_ticket) == (Retcode.DUPLICATE, leg0.slave_ticket)
    assert (again1.retcode, again1.slave_ticket) == (Retcode.DUPLICATE, leg1.slave_ticket)
    assert new_leg.retcode == Retcode.DONE


def test_netting_accounts_rely_on_command_ids_alone(make_broker: BrokerFactory) -> None:
    broker = make_broker(margin_mode=MarginMode.NETTING)
    executor = SimExecutor(broker, "slave")
    cmd = command(C.OPEN, 1, 1, volume=0.2)
    executor.execute(cmd)

    repeated = executor.execute(cmd)
    executor.forget()
    after_restart = executor.execute(cmd)

    assert repeated.retcode == Retcode.DONE
    assert after_restart.retcode == Retcode.DONE  # the comment cannot tell, so it is sent
    assert broker.positions()[0].volume == 0.4


def test_unknown_symbol_is_refused_in_words(executor: SimExecutor) -> None:
    result = executor.execute(command(C.OPEN, 1, 1, symbol="EURUSD.m", volume=0.1))

    assert result.retcode == Retcode.INVALID
    assert result.message == "EURUSD.m: symbol not offered by this broker"


def test_netting_deleting_a_filled_copy_undoes_its_deal_after_its_position_closed(
    make_broker: BrokerFactory,
) -> None:
    # The long-run demo's mismatch: a reversed buy stop filled by the slave's market ahead of
    # the master's order flattened the netting position it went into; the master then deleted
    # its order, and the delete found no position and left the +0.1 lots in the account.
    broker = make_broker(margin_mode=MarginMode.NETTING)
    executor = SimExecutor(broker, "slave")
    set_price(broker, "EURUSD", 1.10000)
    executor.execute(command(C.OPEN, 1, 1, order_type=OrderType.SELL, volume=0.1))
    placed = executor.execute(
        command(C.PLACE_PENDING, 5, 1, order_type=OrderType.BUY_STOP, volume=0.1, price=1.10100)
    )
    set_price(broker, "EURUSD", 1.10150)
    broker.tick()
    assert broker.positions() == ()  # the copy's fill closed the other copy's sell
    executor.execute(command(C.OPEN, 2, 1, order_type=OrderType.BUY, volume=0.3))

    delete = command(
        C.DELETE_PENDING, 5, 2, order_type=OrderType.BUY_STOP, slave_ticket=placed.slave_ticket
    )

    deleted = executor.execute(delete)

    assert deleted.retcode == Retcode.DONE
    assert "had filled into a netting position closed since" in deleted.message
    (pos,) = broker.positions()
    # what the links expect: master #1's sell 0.1 and #2's buy 0.3, nothing from #5
    assert (pos.side, round(pos.volume, 8)) == (Side.BUY, 0.2)
