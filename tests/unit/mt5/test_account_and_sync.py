"""The worker against a terminal that changes account under it or is not yet connected to its
trade server: it never diffs another account's books, never trades on them, and never reports a
close it has no proof of.

The stand-in switches accounts as the real package does (initialize(login=…) / login():
https://www.mql5.com/en/docs/python_metatrader5/mt5login_py) and shows ``connected`` false with
empty books while it synchronises (https://www.mql5.com/en/docs/python_metatrader5/mt5terminalinfo_py).
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

import copier.testbed.mt5standin as mt5
from copier.domain import CommandKind
from copier.terminals.mt5.config import Mt5Config
from copier.terminals.mt5.protocol import Changes, Connected, Disconnected, Execute, Executed
from copier.terminals.mt5.worker import Worker
from copier.testbed.mt5standin import registry
from copier.testbed.mt5standin.backend import StandIn
from copier.testbed.mt5standin.profiles import APPLY_LAG_MS, TerminalProfile
from copier.testbed.mt5standin.terminal import SimTerminal
from tests.unit.mt5.test_executor import command

pytestmark = pytest.mark.timeout(20)
PATH = "C:/shared/terminal64.exe"
OURS = TerminalProfile(path=PATH, login=7201, server="Sim-Demo", balance=100_000.0, sync_ms=150)
OTHER = TerminalProfile(path=PATH, login=7202, server="Sim-Demo", balance=100_000.0, sync_ms=150)


@pytest.fixture(autouse=True)
def fresh_registry() -> Iterator[None]:
    registry.clear()
    yield
    mt5.shutdown()
    registry.clear()


def simulated(config: Mt5Config) -> Mt5Config:
    """The worker is handed the stand-in's module directly; the config says it is a simulation."""
    return replace(config, backend=StandIn())


def buy(terminal: SimTerminal, volume: float = 0.1) -> Any:
    request = {"action": mt5.TRADE_ACTION_DEAL, "symbol": "EURUSD", "volume": volume,
               "type": mt5.ORDER_TYPE_BUY}  # fmt: skip
    result = terminal.call("order_send", request)
    assert result.retcode == mt5.TRADE_RETCODE_DONE, result.comment
    applied()
    return result


def applied() -> None:
    """Wait until the terminal shows the trades just sent (they follow order_send's answer)."""
    time.sleep(APPLY_LAG_MS / 1000 + 0.01)


def started(module: Any = mt5) -> tuple[Worker, Any, Any]:
    config = Mt5Config(path=PATH, login=OURS.login, server=OURS.server, symbols=("EURUSD",))
    parent_end, worker_end = multiprocessing.Pipe()
    worker = Worker(module, simulated(config), worker_end, worker_end, None)
    worker._try_connect()
    assert worker.announced
    return worker, parent_end, worker_end


def drain(connection: Any) -> list[Any]:
    messages = []
    while connection.poll(0.05):
        messages.append(connection.recv())
    return messages


def events(messages: list[Any]) -> list[Any]:
    return [e for m in messages if isinstance(m, Changes) for e in m.events]


def polls_for(worker: Worker, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:  # what Worker.run does, without its pipe waits
        if not worker.announced and worker.connected:
            worker._announce()
        elif not worker.paused:
            worker._execute_queue()
        worker._poll()
        time.sleep(0.01)


def test_the_stand_in_switches_account_on_initialize_with_another_login() -> None:
    terminal = registry.ensure(OURS)
    terminal.add_account(OTHER)
    assert mt5.initialize(PATH, login=OURS.login)
    assert mt5.account_info().login == OURS.login  # type: ignore[union-attr]

    assert mt5.initialize(PATH, login=OTHER.login, server=OTHER.server)
    assert mt5.account_info().login == OTHER.login  # type: ignore[union-attr]
    assert mt5.terminal_info().connected is False  # type: ignore[union-attr]
    assert mt5.positions_get() == ()  # still synchronising: nothing loaded yet

    assert mt5.login(OURS.login)
    assert mt5.account_info().login == OURS.login  # type: ignore[union-attr]
    assert not mt5.initialize(PATH, login=9999)
    assert mt5.last_error()[0] == mt5.RES_E_AUTH_FAILED


def test_an_account_switch_under_the_worker_stops_the_diff_and_says_so_then_carries_on() -> None:
    terminal = registry.ensure(OURS)
    terminal.add_account(OTHER)
    mine = buy(terminal)
    worker, parent_end, worker_end = started()
    try:
        drain(parent_end)
        terminal.switch_to(OTHER.login)
        polls_for(worker, 0.3)  # past the other account's synchronisation
        buy(terminal, 0.3)  # the other account trades
        polls_for(worker, 0.1)
        worker.queue.append(_queued(Execute(command(CommandKind.OPEN, slave_id="mt5-7201"))))
        worker._execute_queue()
        while_away = drain(parent_end)

        terminal.switch_to(OURS.login)
        polls_for(worker, 0.4)
        back = drain(parent_end)
    finally:
        parent_end.close()
        worker_end.close()

    assert events(while_away) == []  # neither our close nor the other account's open
    paused = [m for m in while_away if isinstance(m, Disconnected)]
    assert len(paused) == 1
    assert f"logged in to account {OTHER.login}" in paused[0].reason
    assert "paused" in paused[0].reason
    assert not [m for m in while_away if isinstance(m, Executed)]  # nothing traded on it
    other_positions = terminal.accounts[OTHER.login][1].positions()
    assert [p.volume for p in other_positions] == [0.3]

    assert any(isinstance(m, Connected) for m in back)
    executed = [m for m in back if isinstance(m, Executed)]
    assert len(executed) == 1 and executed[0].result.retcode == mt5.TRADE_RETCODE_DONE
    # Our first position was there all along: the one event is the order the worker held back
    # while the other account was logged in, and then sent on ours.
    assert [(e.kind, e.ticket) for e in events(back)] == [
        ("opened", executed[0].result.slave_ticket)
    ]
    ours = terminal.accounts[OURS.login][1].positions()
    assert mine.order in [p.ticket for p in ours] and len(ours) == 2


def test_a_terminal_not_connected_to_its_server_with_empty_books_closes_nothing() -> None:
    terminal = registry.ensure(OURS)
    buy(terminal)
    buy(terminal, 0.2)
    worker, parent_end, worker_end = started()
    try:
        drain(parent_end)
        terminal.go_down()
        terminal.come_up()  # restarted: connected false, empty books, for sync_ms
        assert terminal.call("positions_get") == ()
        assert terminal.call("terminal_info").connected is False
        polls_for(worker, 0.4)
        messages = drain(parent_end)
    finally:
        parent_end.close()
        worker_end.close()

    assert events(messages) == []
    assert worker.baseline is not None and len(worker.baseline.positions) == 2


class NeverConnected:
    """A MetaTrader5 double written from its documentation: the terminal says it is not connected
    and lists no positions (what a terminal still synchronising answers)."""

    def __init__(self) -> None:
        self.syncing = False

    def __getattr__(self, name: str) -> Any:
        return getattr(mt5, name)

    def terminal_info(self) -> Any:
        info = mt5.terminal_info()
        return info._replace(connected=False) if self.syncing and info else info

    def positions_get(self, **kwargs: Any) -> Any:
        return () if self.syncing else mt5.positions_get(**kwargs)


def test_empty_reads_while_the_terminal_says_it_is_not_connected_are_never_closes() -> None:
    terminal = registry.ensure(OURS)
    buy(terminal)
    module = NeverConnected()
    worker, parent_end, worker_end = started(module)
    try:
        drain(parent_end)
        module.syncing = True
        polls_for(worker, 0.3)
        module.syncing = False
        polls_for(worker, 0.05)
        messages = drain(parent_end)
    finally:
        parent_end.close()
        worker_end.close()

    assert events(messages) == []


def test_a_position_gone_from_a_connected_read_is_closed_once_its_deals_prove_it() -> None:
    terminal = registry.ensure(OURS)
    opened = buy(terminal)
    worker, parent_end, worker_end = started()
    try:
        drain(parent_end)
        closed = terminal.call("order_send", {"action": mt5.TRADE_ACTION_DEAL, "symbol": "EURUSD",
                                              "volume": 0.1, "type": mt5.ORDER_TYPE_SELL,
                                              "position": opened.order})  # fmt: skip
        assert closed.retcode == mt5.TRADE_RETCODE_DONE
        applied()
        worker._poll()
        messages = drain(parent_end)
    finally:
        parent_end.close()
        worker_end.close()

    assert [(e.kind, e.ticket) for e in events(messages)] == [("closed", opened.order)]


def _queued(execute: Execute) -> Any:
    from copier.terminals.mt5.worker import _Pending

    return _Pending(execute)


class CountingLogins:
    """The stand-in module, counting initialize() calls (each one a login at the broker)."""

    def __init__(self) -> None:
        self.initializes = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(mt5, name)

    def initialize(self, *args: Any, **kwargs: Any) -> bool:
        self.initializes += 1
        return bool(mt5.initialize(*args, **kwargs))


def test_a_refused_login_waits_for_the_trader_instead_of_logging_in_again_and_again() -> None:
    registry.ensure(replace(OURS, password="right"))
    module = CountingLogins()
    config = Mt5Config(path=PATH, login=OURS.login, server=OURS.server, password="wrong",
                       reconnect_min_ms=1, reconnect_max_ms=1)  # fmt: skip
    parent_end, worker_end = multiprocessing.Pipe()
    worker = Worker(module, simulated(config), worker_end, worker_end, None)
    try:
        for _ in range(20):  # what Worker.run would do for a while
            if not worker.running:
                break
            worker._try_connect()
            time.sleep(0.005)
        messages = drain(parent_end)
    finally:
        parent_end.close()
        worker_end.close()

    assert module.initializes == 1
    assert not worker.running
    (refused,) = [m for m in messages if isinstance(m, Disconnected)]
    assert refused.fatal
    assert "check the account number, password and server" in refused.reason
    assert "save it to try again" in refused.reason


def test_a_terminal_with_the_python_trading_api_switched_off_says_so_and_may_not_trade() -> None:
    registry.ensure(replace(OURS, tradeapi_disabled=True))
    _, parent_end, worker_end = started()
    try:
        (connected,) = [m for m in drain(parent_end) if isinstance(m, Connected)]
    finally:
        parent_end.close()
        worker_end.close()

    assert connected.trade_allowed is False
    assert "Disable automatic trading via external Python API" in connected.detail


class HistoryBehind:
    """The stand-in module whose order history lags: an order that left the order list is not
    in the history for the first ``reads`` looks (a terminal still receiving the transaction)."""

    def __init__(self, reads: int) -> None:
        self.reads = reads

    def __getattr__(self, name: str) -> Any:
        return getattr(mt5, name)

    def history_orders_get(self, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("ticket") and self.reads > 0:
            self.reads -= 1
            return ()
        return mt5.history_orders_get(*args, **kwargs)


def test_a_pending_order_gone_from_the_list_but_not_yet_in_history_is_not_reported_deleted() -> (
    None
):
    terminal = registry.ensure(OURS)
    ask = terminal.call("symbol_info_tick", "EURUSD").ask
    placed = terminal.call("order_send", {
        "action": mt5.TRADE_ACTION_PENDING, "symbol": "EURUSD", "volume": 0.1,
        "type": mt5.ORDER_TYPE_BUY_STOP, "price": round(ask + 0.002, 5),
    })  # fmt: skip
    applied()
    module = HistoryBehind(reads=3)
    worker, parent_end, worker_end = started(module)
    try:
        drain(parent_end)
        terminal.move_market("EURUSD", ask + 0.003)  # the order fills
        for _ in range(6):
            worker._poll()
        kinds = [e.kind for e in events(drain(parent_end))]
    finally:
        parent_end.close()
        worker_end.close()

    assert kinds == ["pending_filled"], kinds
    assert placed.order in [p.identifier for p in worker.baseline.positions]  # type: ignore[union-attr]


def test_on_netting_a_fill_into_the_position_waits_for_its_order_in_history_too() -> None:
    terminal = registry.ensure(replace(OURS, hedging=False))
    buy(terminal)
    ask = terminal.call("symbol_info_tick", "EURUSD").ask
    terminal.call("order_send", {
        "action": mt5.TRADE_ACTION_PENDING, "symbol": "EURUSD", "volume": 0.1,
        "type": mt5.ORDER_TYPE_BUY_STOP, "price": round(ask + 0.002, 5),
    })  # fmt: skip
    applied()
    worker, parent_end, worker_end = started(HistoryBehind(reads=3))
    try:
        drain(parent_end)
        terminal.move_market("EURUSD", ask + 0.003)  # fills into the one position
        for _ in range(6):
            worker._poll()
        kinds = [e.kind for e in events(drain(parent_end))]
    finally:
        parent_end.close()
        worker_end.close()

    assert kinds == ["pending_filled"], kinds  # not "increased" first, then a fill
