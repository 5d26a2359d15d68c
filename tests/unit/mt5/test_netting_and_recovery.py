"""The MT5 executor where copies share a netting position, where a close finds nothing left, and
where a command is looked for on the account before it runs again (the worker's retry after a
lost link, with the copier's clock off from the terminal's)."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from msgspec import structs

import copier.testbed.mt5standin as mt5
from copier.domain import Command, CommandKind, OrderType, Retcode
from copier.terminals.mt5.config import Mt5Config
from copier.terminals.mt5.protocol import Execute, Executed
from copier.terminals.mt5.session import now_ms
from copier.terminals.mt5.worker import Worker
from copier.testbed.mt5standin import registry
from copier.testbed.mt5standin.backend import StandIn
from tests.unit.mt5.test_executor import command, connect

pytestmark = pytest.mark.timeout(20)
COPIER_CLOCK_AHEAD_MS = 30_000  # the demo's clock may run up to 30 s off the terminals'


@pytest.fixture(autouse=True)
def fresh_registry() -> Iterator[None]:
    registry.clear()
    yield
    mt5.shutdown()
    registry.clear()


def simulated(config: Mt5Config) -> Mt5Config:
    """The worker is handed the stand-in's module directly; the config says it is a simulation."""
    return replace(config, backend=StandIn())


def net_volume() -> float:
    """The netting account's one EURUSD position, signed (buy +, sell -)."""
    positions = mt5.positions_get(symbol="EURUSD")
    return round(sum(p.volume if p.type == 0 else -p.volume for p in positions), 8)


def test_netting_close_of_a_sell_copy_buys_back_its_volume_when_the_position_is_now_a_buy() -> None:
    _, executor, module = connect(hedging=False)
    sold = executor.execute(command(CommandKind.OPEN, order_type=OrderType.SELL, volume=0.1))
    executor.execute(command(CommandKind.OPEN, volume=0.3, master_ticket=900_002))
    assert net_volume() == pytest.approx(0.2)  # the other copy turned it into a buy

    closed = executor.execute(
        command(CommandKind.CLOSE, order_type=OrderType.SELL, volume=0.1,
                slave_ticket=sold.slave_ticket)
    )  # fmt: skip

    assert closed.retcode == Retcode.DONE, closed.message
    assert module.requests[-1]["type"] == mt5.ORDER_TYPE_BUY
    assert "position" not in module.requests[-1]
    assert net_volume() == pytest.approx(0.3)  # what the other copy alone holds


def test_netting_close_after_other_copies_closed_out_and_reopened_the_position_is_a_deal() -> None:
    _, executor, _ = connect(hedging=False)
    bought = executor.execute(command(CommandKind.OPEN, volume=0.1, master_ticket=900_001))
    executor.execute(
        command(CommandKind.OPEN, order_type=OrderType.SELL, volume=0.1, master_ticket=900_002)
    )
    assert mt5.positions_get() == ()  # flat: the first copy's position ticket is gone
    executor.execute(command(CommandKind.OPEN, volume=0.2, master_ticket=900_003))

    closed = executor.execute(
        command(CommandKind.CLOSE, volume=0.1, master_ticket=900_001,
                slave_ticket=bought.slave_ticket)
    )  # fmt: skip

    assert closed.retcode == Retcode.DONE, closed.message
    assert "already closed" not in closed.message
    assert net_volume() == pytest.approx(0.1)  # the second copy's -0.1 and the third's +0.2


def test_netting_modify_when_the_position_points_the_other_way_changes_nothing_and_says_why() -> (
    None
):
    _, executor, module = connect(hedging=False)
    executor.execute(command(CommandKind.OPEN, order_type=OrderType.SELL, volume=0.1))
    executor.execute(command(CommandKind.OPEN, volume=0.3, master_ticket=900_002))
    sent = len(module.requests)

    result = executor.execute(
        command(CommandKind.MODIFY, order_type=OrderType.SELL, sl=1.5, tp=0.5)
    )

    assert result.retcode == Retcode.NO_CHANGES and result.ok
    assert "now buy" in result.message and "left as they are" in result.message
    assert len(module.requests) == sent


def fill_buy_stop(terminal: Any, executor: Any, volume: float, master_ticket: int) -> Command:
    """Place a buy stop copy and let the market fill it; returns the FILL_PENDING to follow."""
    ask = mt5.symbol_info_tick("EURUSD").ask
    placed = executor.execute(
        command(CommandKind.PLACE_PENDING, order_type=OrderType.BUY_STOP, volume=volume,
                price=round(ask + 0.002, 5), master_ticket=master_ticket)
    )  # fmt: skip
    terminal.move_market("EURUSD", ask + 0.003)
    assert mt5.orders_get() == ()
    return command(CommandKind.FILL_PENDING, order_type=OrderType.BUY_STOP, volume=volume,
                   slave_ticket=placed.slave_ticket, master_ticket=master_ticket)  # fmt: skip


def test_netting_fill_of_a_copy_that_filled_and_was_closed_out_is_adopted_not_opened_again() -> (
    None
):
    terminal, executor, module = connect(hedging=False)
    fill = fill_buy_stop(terminal, executor, 0.2, 900_020)
    executor.execute(
        command(CommandKind.OPEN, order_type=OrderType.SELL, volume=0.2, master_ticket=900_021)
    )
    assert mt5.positions_get() == ()  # another copy closed the position out
    sent = len(module.requests)

    adopted = executor.execute(fill)

    assert adopted.retcode == Retcode.DONE and adopted.volume == pytest.approx(0.2)
    assert "had filled into the netting position (now flat)" in adopted.message
    assert len(module.requests) == sent
    assert mt5.positions_get() == ()


def test_modifying_a_pending_copy_that_already_filled_changes_nothing_and_says_why() -> None:
    terminal, executor, module = connect(hedging=False)
    fill = fill_buy_stop(terminal, executor, 0.1, 900_030)
    sent = len(module.requests)

    result = executor.execute(
        structs.replace(fill, id="L1-T900030-S99", kind=CommandKind.MODIFY_PENDING, price=1.5)
    )

    assert result.retcode == Retcode.NO_CHANGES and result.ok
    assert "has already filled on this account" in result.message
    assert len(module.requests) == sent


def test_closing_a_hedging_copy_whose_position_is_gone_answers_position_closed() -> None:
    _, executor, _ = connect()
    opened = executor.execute(command(CommandKind.OPEN))
    ticket = opened.slave_ticket
    request = {"action": mt5.TRADE_ACTION_DEAL, "symbol": "EURUSD", "volume": 0.1,
               "type": mt5.ORDER_TYPE_SELL, "position": ticket,
               "price": mt5.symbol_info_tick("EURUSD").bid}  # fmt: skip
    assert mt5.order_send(request).retcode == mt5.TRADE_RETCODE_DONE  # its own stop, say

    result = executor.execute(command(CommandKind.CLOSE, slave_ticket=ticket))

    assert result.retcode == Retcode.POSITION_CLOSED == 10036


def test_a_fresh_close_after_a_partial_close_runs_even_with_the_copiers_clock_behind() -> None:
    # The copier's clock behind the terminal's once made every command look older than the
    # worker and so "maybe run before": the full close found the partial close's deal by its
    # comment, answered DUPLICATE, and the copy was left open as an orphan.
    _, executor, _ = connect()
    behind = now_ms() - COPIER_CLOCK_AHEAD_MS
    opened = executor.execute(command(CommandKind.OPEN, volume=0.2, created_ms=behind))
    executor.execute(
        command(CommandKind.CLOSE, slave_ticket=opened.slave_ticket, volume=0.1,
                created_ms=behind)
    )  # fmt: skip

    closed = executor.execute(
        command(CommandKind.CLOSE, slave_ticket=opened.slave_ticket, created_ms=behind)
    )

    assert closed.retcode == Retcode.DONE, closed.message
    assert mt5.positions_get() == ()


class LinkLostAfterTheDeal:
    """The stand-in module whose link fails once, right after an order_send went through: the
    worker cannot tell whether its OPEN ran."""

    def __init__(self) -> None:
        self.deals = 0
        self.broken = False

    def __getattr__(self, name: str) -> Any:
        return getattr(mt5, name)

    def order_send(self, request: dict[str, Any]) -> Any:
        answer = mt5.order_send(request)
        if request["action"] == mt5.TRADE_ACTION_DEAL:
            self.deals += 1
            self.broken = self.deals == 1
        return answer

    def history_deals_get(self, *args: Any, **kwargs: Any) -> Any:
        if self.broken:
            self.broken = False
            return None
        return mt5.history_deals_get(*args, **kwargs)

    def last_error(self) -> tuple[int, str]:
        return (-10004, "No IPC connection") if self.deals == 1 else mt5.last_error()


def test_an_open_whose_link_broke_after_the_deal_runs_once_with_the_copiers_clock_ahead() -> None:
    # The original sequence: an OPEN's order_send went through, the link broke before its
    # answer was read, and the worker ran it again in recovery; with the copier's clock ahead of
    # the terminal's, the trace window began after the deal, nothing was found, and the master
    # ticket got two slave positions.
    path = "C:/slave-standard-True"
    connect()  # registers the terminal
    module = LinkLostAfterTheDeal()
    config = Mt5Config(path=path, login=7001, server="Sim-Demo", reconnect_min_ms=1)
    parent_end, worker_end = multiprocessing.Pipe()
    worker = Worker(module, simulated(config), worker_end, worker_end, None)
    ahead = command(CommandKind.OPEN, magic=9, created_ms=now_ms() + COPIER_CLOCK_AHEAD_MS)
    worker.queue.append(_pending(Execute(ahead, sent_ms=now_ms())))
    try:
        worker._try_connect()
        worker._guarded(worker._execute_queue)  # the link breaks after the deal
        assert not worker.connected and len(worker.queue) == 1
        worker.next_connect = 0.0
        worker._try_connect()
        worker._guarded(worker._execute_queue)  # the retry looks first

        results = [m.result for m in _drain(parent_end) if isinstance(m, Executed)]
    finally:
        parent_end.close()
        worker_end.close()

    assert [r.retcode for r in results] == [Retcode.DUPLICATE]
    assert module.deals == 1
    assert len(mt5.positions_get()) == 1


def _pending(message: Execute) -> Any:
    from copier.terminals.mt5.worker import _Pending

    return _Pending(message)


def _drain(connection: Any) -> list[Any]:
    messages = []
    while connection.poll(0.2):
        messages.append(connection.recv())
    return messages
