"""MT5 direct: a command resent after the worker lost its id memory is set against the account
(protocol §14 steps 4 and 5). A copy already as the command's before-state says it leaves it is
answered 19003 and nothing is traded again; a copy the account already holds is not opened twice.

``connect()`` again on the same terminal is a restarted worker: a new session and executor, no
memory of the ids it ran. The commands are resent as the copier resends them: without
``recover`` (the worker was already connected when the copier sent them again)."""

from __future__ import annotations

import pickle
from typing import Any

import pytest
from msgspec import structs

import copier.testbed.mt5standin as mt5
from copier.domain import CommandKind, CopyState, OrderType, Retcode
from copier.terminals.mt5.config import Mt5Config
from copier.terminals.mt5.execute import Executor
from copier.terminals.mt5.protocol import Execute
from copier.terminals.mt5.session import Session
from copier.testbed.broker.clock import ManualClock
from copier.testbed.mt5standin import registry
from copier.testbed.mt5standin.profiles import TerminalProfile
from copier.testbed.mt5standin.terminal import SimTerminal
from tests.unit.mt5.test_executor import (  # noqa: F401
    RecordingModule,
    command,
    connect,
    fresh_registry,
)

pytestmark = pytest.mark.timeout(20)
C = CommandKind


def volumes() -> list[float]:
    return sorted(round(p.volume, 2) for p in mt5.positions_get())


def net() -> float:
    return round(sum(p.volume if p.type == 0 else -p.volume for p in mt5.positions_get()), 8)


def test_a_partial_close_resent_after_the_worker_restarted_closes_nothing_more() -> None:
    _, executor, _ = connect()
    opened = executor.execute(command(C.OPEN, volume=0.2))
    close = command(C.CLOSE, slave_ticket=opened.slave_ticket, volume=0.1,
                    before=CopyState(0.2))  # fmt: skip
    assert executor.execute(close).retcode == Retcode.DONE
    _, restarted, module = connect()

    again = restarted.execute(close)

    assert again.retcode == Retcode.DUPLICATE, again.message
    assert (again.slave_ticket, again.volume) == (opened.slave_ticket, pytest.approx(0.1))
    assert module.requests == [] and volumes() == [0.1]


def test_a_full_close_resent_after_its_copy_is_gone_is_already_done_not_already_closed() -> None:
    _, executor, _ = connect()
    opened = executor.execute(command(C.OPEN, volume=0.2))
    close = command(C.CLOSE, slave_ticket=opened.slave_ticket, volume=0.0, before=CopyState(0.2))
    executor.execute(close)
    _, restarted, _ = connect()

    again = restarted.execute(close)

    assert again.retcode == Retcode.DUPLICATE and again.volume == pytest.approx(0.2)


def test_a_partial_close_whose_copy_is_gone_altogether_is_not_taken_for_done() -> None:
    _, executor, _ = connect()
    opened = executor.execute(command(C.OPEN, volume=0.2))
    executor.execute(command(C.CLOSE, slave_ticket=opened.slave_ticket, volume=0.0))

    partial = executor.execute(command(C.CLOSE, slave_ticket=opened.slave_ticket, volume=0.1,
                                       before=CopyState(0.2)))  # fmt: skip

    assert partial.retcode == Retcode.POSITION_CLOSED


def test_a_partial_close_not_yet_done_runs_with_its_before_state() -> None:
    _, executor, _ = connect()
    opened = executor.execute(command(C.OPEN, volume=0.3))

    closed = executor.execute(command(C.CLOSE, slave_ticket=opened.slave_ticket, volume=0.1,
                                      before=CopyState(0.3)))  # fmt: skip

    assert closed.retcode == Retcode.DONE and volumes() == [0.2]


def test_netting_a_partial_close_resent_is_recognised_by_the_copys_deals() -> None:
    _, executor, _ = connect(hedging=False)
    executor.execute(command(C.OPEN, volume=0.2, master_ticket=900_050))  # another copy
    opened = executor.execute(command(C.OPEN, volume=0.2, before=CopyState(0.0)))
    close = command(C.CLOSE, slave_ticket=opened.slave_ticket, volume=0.1,
                    before=CopyState(0.2))  # fmt: skip
    assert executor.execute(close).retcode == Retcode.DONE
    assert net() == pytest.approx(0.3)
    _, restarted, module = connect(hedging=False)

    again = restarted.execute(close)

    assert again.retcode == Retcode.DUPLICATE, again.message
    assert again.volume == pytest.approx(0.1)
    assert module.requests == [] and net() == pytest.approx(0.3)


def test_netting_an_open_resent_is_recognised_by_its_deal_without_a_recovery_search() -> None:
    _, executor, _ = connect(hedging=False)
    executor.execute(command(C.OPEN, volume=0.2, master_ticket=900_050))  # another copy
    opening = command(C.OPEN, volume=0.2, before=CopyState(0.0))
    opened = executor.execute(opening)
    _, restarted, module = connect(hedging=False)

    again = restarted.execute(opening)

    assert again.retcode == Retcode.DUPLICATE, again.message
    assert again.slave_ticket == opened.slave_ticket
    assert module.requests == [] and net() == pytest.approx(0.4)


def test_netting_a_sell_copys_deals_count_on_its_own_side() -> None:
    _, executor, _ = connect(hedging=False)
    sell = dict(order_type=OrderType.SELL)
    executor.execute(command(C.OPEN, volume=0.3, before=CopyState(0.0), **sell))
    _, restarted, module = connect(hedging=False)

    more = restarted.execute(command(C.OPEN, volume=0.1, before=CopyState(0.3), **sell))

    assert more.retcode == Retcode.DONE and net() == pytest.approx(-0.4)
    assert len(module.requests) == 1


def test_an_sl_move_resent_after_it_was_applied_is_answered_as_already_done() -> None:
    _, executor, _ = connect()
    opened = executor.execute(command(C.OPEN, volume=0.2))
    sl = round(mt5.symbol_info_tick("EURUSD").bid - 0.005, 5)
    modify = command(C.MODIFY, slave_ticket=opened.slave_ticket, sl=sl,
                     before=CopyState(0.2))  # fmt: skip
    assert executor.execute(modify).retcode == Retcode.DONE
    _, restarted, module = connect()

    again = restarted.execute(modify)

    assert again.retcode == Retcode.DUPLICATE, again.message
    assert (again.slave_ticket, again.sl) == (opened.slave_ticket, sl)
    assert module.requests == []


def test_pending_moves_and_deletes_resent_after_they_were_applied_are_already_done() -> None:
    _, executor, _ = connect()
    ask = mt5.symbol_info_tick("EURUSD").ask
    limit = dict(order_type=OrderType.BUY_LIMIT)
    placed = executor.execute(command(C.PLACE_PENDING, price=round(ask - 0.01, 5), **limit))
    was = CopyState(0.1, price=round(ask - 0.01, 5))
    move = command(C.MODIFY_PENDING, slave_ticket=placed.slave_ticket,
                   price=round(ask - 0.012, 5), before=was, **limit)  # fmt: skip
    delete = command(C.DELETE_PENDING, slave_ticket=placed.slave_ticket,
                     before=structs.replace(was, price=move.price), **limit)  # fmt: skip
    assert executor.execute(move).retcode == Retcode.DONE
    _, restarted, _ = connect()
    moved_again = restarted.execute(move)
    assert restarted.execute(delete).retcode == Retcode.DONE
    _, once_more, module = connect()

    deleted_again = once_more.execute(delete)

    assert moved_again.retcode == Retcode.DUPLICATE, moved_again.message
    assert moved_again.price == pytest.approx(move.price)
    assert deleted_again.retcode == Retcode.DUPLICATE, deleted_again.message
    assert module.requests == [] and mt5.orders_get() == ()


def test_a_fill_resent_after_it_replaced_the_copy_at_market_is_already_done() -> None:
    _, executor, _ = connect()
    ask = mt5.symbol_info_tick("EURUSD").ask
    limit = dict(order_type=OrderType.BUY_LIMIT)
    executor.execute(command(C.PLACE_PENDING, price=round(ask - 0.01, 5), **limit))
    fill = command(C.FILL_PENDING, **limit)  # no slave ticket yet
    filled = executor.execute(fill)
    assert filled.retcode == Retcode.DONE and mt5.orders_get() == ()
    _, restarted, module = connect()

    again = restarted.execute(fill)

    assert again.retcode == Retcode.DUPLICATE, again.message
    assert again.slave_ticket == filled.slave_ticket
    assert module.requests == [] and volumes() == [0.1]


def test_a_resent_open_finds_a_copy_this_worker_only_changed_but_not_one_it_made() -> None:
    _, executor, _ = connect()
    first = command(C.OPEN, volume=0.3)
    opened = executor.execute(first)
    _, restarted, _ = connect()
    # The restarted worker closes part of the old copy: it changed that ticket, not made it.
    restarted.execute(command(C.CLOSE, slave_ticket=opened.slave_ticket, volume=0.1))
    second_leg = restarted.execute(command(C.OPEN, volume=0.3, leg=1))

    again = restarted.execute(structs.replace(first, id=first.id + "-again"))
    again_leg = restarted.execute(command(C.OPEN, volume=0.3, leg=1))

    assert second_leg.retcode == Retcode.DONE  # leg 1 is not leg 0's copy
    assert again.retcode == Retcode.DUPLICATE and again.slave_ticket == opened.slave_ticket
    assert again_leg.retcode == Retcode.DONE  # leg 1's copy is this worker's own: a new leg
    assert volumes() == [0.2, 0.3, 0.3]


def test_the_before_state_crosses_to_the_worker_process() -> None:
    cmd = command(C.CLOSE, volume=0.1, before=CopyState(0.2, 1.1, 1.05, 1.2, 1_700_000_000_000))

    sent = pickle.loads(pickle.dumps(Execute(cmd, recover=True, sent_ms=5)))

    assert sent.command.before == CopyState(0.2, 1.1, 1.05, 1.2, 1_700_000_000_000)
    assert sent.command == cmd


def test_netting_a_delete_resent_after_it_took_back_a_filled_copy_takes_nothing_more() -> None:
    terminal, executor, _ = connect(hedging=False)
    executor.execute(command(C.OPEN, volume=0.3, master_ticket=900_050))  # another copy
    ask = mt5.symbol_info_tick("EURUSD").ask
    stop = dict(order_type=OrderType.BUY_STOP)
    placed = executor.execute(command(C.PLACE_PENDING, volume=0.2, price=round(ask + 0.002, 5),
                                      **stop))  # fmt: skip
    terminal.move_market("EURUSD", ask + 0.003)  # the slave's copy fills before the master's
    assert net() == pytest.approx(0.5)
    delete = command(C.DELETE_PENDING, slave_ticket=placed.slave_ticket,
                     before=CopyState(0.2, price=round(ask + 0.002, 5)), **stop)  # fmt: skip
    assert executor.execute(delete).retcode == Retcode.DONE
    _, restarted, module = connect(hedging=False)

    again = restarted.execute(delete)

    assert again.retcode == Retcode.DUPLICATE, again.message
    assert module.requests == [] and net() == pytest.approx(0.3)


def test_an_already_done_close_reports_the_volume_before_less_what_is_left() -> None:
    _, executor, _ = connect()
    opened = executor.execute(command(C.OPEN, volume=0.3))
    close = command(C.CLOSE, slave_ticket=opened.slave_ticket, volume=0.1, before=CopyState(0.3))
    executor.execute(close)
    executor.execute(command(C.CLOSE, slave_ticket=opened.slave_ticket, volume=0.1))  # by another
    _, restarted, _ = connect()

    again = restarted.execute(close)

    assert again.retcode == Retcode.DUPLICATE and again.volume == pytest.approx(0.2)
    assert volumes() == [0.1]


class CountingDeals(RecordingModule):
    """Writes down how many deals every history_deals_get returned."""

    def __init__(self) -> None:
        super().__init__()
        self.deals_read: list[int] = []

    def history_deals_get(self, *args: Any, **kwargs: Any) -> Any:
        found = mt5.history_deals_get(*args, **kwargs)
        self.deals_read.append(len(found or ()))
        return found


def test_netting_deals_are_summed_as_the_history_grows_not_read_whole_every_time() -> None:
    clock = ManualClock()
    profile = TerminalProfile(path="C:/long-run", login=7001, server="Sim-Demo", hedging=False,
                              balance=100_000.0, sync_ms=0, first_tick_ms=0,
                              apply_lag_ms=0)  # fmt: skip
    registry.register(SimTerminal.from_profile(profile, clock=clock))
    module = CountingDeals()
    session = Session(module, Mt5Config(path="C:/long-run", login=7001, server="Sim-Demo"))
    session.connect()
    run = Executor(session)
    for n in range(5):  # five copies, five minutes apart
        opened = run.execute(command(C.OPEN, volume=0.1, master_ticket=910_000 + n,
                                     before=CopyState(0.0)))  # fmt: skip
        assert opened.retcode == Retcode.DONE, opened.message
        clock.advance(300_000)
    module.deals_read.clear()

    again = run.execute(command(C.OPEN, volume=0.1, master_ticket=910_004, before=CopyState(0.0)))

    assert again.retcode == Retcode.DUPLICATE, again.message
    # Only the last minute's deals are read again (a terminal may list a deal a moment late).
    assert len(module.deals_read) == 1 and module.deals_read[0] < 5
