"""The stand-in where brokers are strict, and the adapter on it: FIFO accounts refuse to close a
position while an older one on its symbol is open (ACCOUNT_FIFO_CLOSE, 10045 — the adapter
answers so in words, without a request bound to fail); pending orders good for the day expire
at the end of the trading day on the trade server's clock (ORDER_TIME_DAY); index symbols quote
on their tick grid (SYMBOL_TRADE_TICK_SIZE).

https://www.mql5.com/en/docs/constants/errorswarnings/enum_trade_return_codes,
https://www.mql5.com/en/docs/constants/environment_state/accountinformation,
https://www.mql5.com/en/docs/constants/tradingconstants/orderproperties#enum_order_type_time,
https://www.mql5.com/en/docs/constants/environment_state/marketinfoconstants
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import copier.testbed.mt5standin as mt5
from copier.domain import CommandKind, Retcode
from copier.terminals.mt5.config import Mt5Config
from copier.terminals.mt5.execute import Executor
from copier.terminals.mt5.session import Session
from copier.testbed.broker.clock import ManualClock
from copier.testbed.mt5standin import registry
from copier.testbed.mt5standin.profiles import TerminalProfile
from copier.testbed.mt5standin.terminal import SimTerminal
from tests.unit.mt5.test_executor import RecordingModule, command

pytestmark = pytest.mark.timeout(20)
PATH = "C:/strict"
HOUR_MS = 3_600_000
# 2026-01-05 21:00 UTC: 23:00 on a trade server two hours east of UTC (the stand-in's default).
LATE_EVENING_UTC_MS = 1_767_646_800_000


@pytest.fixture(autouse=True)
def fresh_registry() -> Iterator[None]:
    registry.clear()
    yield
    mt5.shutdown()
    registry.clear()


def terminal(clock: ManualClock | None = None, **options: Any) -> SimTerminal:
    profile = TerminalProfile(path=PATH, login=7701, server="Sim-Demo", balance=1_000_000.0,
                              sync_ms=0, first_tick_ms=0, apply_lag_ms=0, **options)  # fmt: skip
    built = registry.register(SimTerminal.from_profile(profile, clock=clock))
    assert mt5.initialize(PATH, login=7701, server="Sim-Demo")
    for symbol in ("EURUSD", "US30"):
        mt5.symbol_select(symbol, True)
    return built


def buy(volume: float = 0.1, symbol: str = "EURUSD") -> Any:
    request = {"action": mt5.TRADE_ACTION_DEAL, "symbol": symbol, "volume": volume,
               "type": mt5.ORDER_TYPE_BUY, "price": mt5.symbol_info_tick(symbol).ask}  # fmt: skip
    sent = mt5.order_send(request)
    assert sent.retcode == mt5.TRADE_RETCODE_DONE, sent.comment
    return sent


def close(ticket: int, volume: float = 0.1) -> Any:
    request = {"action": mt5.TRADE_ACTION_DEAL, "symbol": "EURUSD", "volume": volume,
               "type": mt5.ORDER_TYPE_SELL, "position": ticket,
               "price": mt5.symbol_info_tick("EURUSD").bid}  # fmt: skip
    return mt5.order_send(request)


def test_a_fifo_account_refuses_to_close_a_newer_position_before_the_older_one() -> None:
    clock = ManualClock()
    terminal(clock, fifo_close=True)
    older = buy().order
    clock.advance(1_000)
    newer = buy().order

    refused = close(newer)
    oldest_first = close(older)
    then_newer = close(newer)

    assert mt5.account_info().fifo_close is True
    assert refused.retcode == mt5.TRADE_RETCODE_FIFO_CLOSE == 10045
    assert (oldest_first.retcode, then_newer.retcode) == (mt5.TRADE_RETCODE_DONE,) * 2


def test_an_account_without_the_fifo_rule_closes_in_any_order() -> None:
    clock = ManualClock()
    terminal(clock)
    buy()
    clock.advance(1_000)
    newer = buy().order

    assert mt5.account_info().fifo_close is False
    assert close(newer).retcode == mt5.TRADE_RETCODE_DONE


def connected_executor() -> tuple[Executor, RecordingModule]:
    module = RecordingModule()
    session = Session(module, Mt5Config(path=PATH, login=7701, server="Sim-Demo"))
    session.connect()
    return Executor(session), module


def test_the_adapter_says_why_a_copy_on_a_fifo_account_cannot_be_closed_yet() -> None:
    clock = ManualClock()
    terminal(clock, fifo_close=True)
    run, module = connected_executor()
    older = run.execute(command(CommandKind.OPEN, master_ticket=900_001))
    clock.advance(1_000)
    newer = run.execute(command(CommandKind.OPEN, master_ticket=900_002))
    sent_before = len(module.requests)

    refused = run.execute(command(CommandKind.CLOSE, slave_ticket=newer.slave_ticket,
                                  master_ticket=900_002))  # fmt: skip
    closed = run.execute(command(CommandKind.CLOSE, slave_ticket=older.slave_ticket))

    assert run.session.fifo
    assert refused.retcode == Retcode.FIFO_CLOSE
    assert "oldest first" in refused.message and f"#{older.slave_ticket}" in refused.message
    assert len(module.requests) == sent_before + 1  # only the close that can succeed was sent
    assert closed.retcode == Retcode.DONE
    assert [p.ticket for p in mt5.positions_get()] == [newer.slave_ticket]


def test_a_fifo_refusal_from_the_server_is_put_in_words_too() -> None:
    clock = ManualClock()
    terminal(clock, fifo_close=True)
    run, _ = connected_executor()
    run.execute(command(CommandKind.OPEN, master_ticket=900_001))
    clock.advance(1_000)
    newer = run.execute(command(CommandKind.OPEN, master_ticket=900_002))
    run.session.fifo = False  # the rule was not known when the adapter connected

    refused = run.execute(command(CommandKind.CLOSE, slave_ticket=newer.slave_ticket))

    assert refused.retcode == Retcode.FIFO_CLOSE
    assert "oldest first" in refused.message and "ask the broker" in refused.message


def pending(type_time: int) -> int:
    price = round(mt5.symbol_info_tick("EURUSD").bid - 0.01, 5)
    request = {"action": mt5.TRADE_ACTION_PENDING, "symbol": "EURUSD", "volume": 0.1,
               "type": mt5.ORDER_TYPE_BUY_LIMIT, "price": price, "type_time": type_time,
               "type_filling": mt5.ORDER_FILLING_RETURN}  # fmt: skip
    sent = mt5.order_send(request)
    assert sent.retcode == mt5.TRADE_RETCODE_DONE, sent.comment
    return int(sent.order)


def test_a_day_order_expires_at_the_end_of_the_trading_day_on_the_servers_clock() -> None:
    clock = ManualClock(LATE_EVENING_UTC_MS)
    terminal(clock, server_offset_s=2 * 3600)  # 23:00 on the server, whatever the default zone
    day, gtc = pending(mt5.ORDER_TIME_DAY), pending(mt5.ORDER_TIME_GTC)
    [placed] = mt5.orders_get(ticket=day)
    assert placed.type_time == mt5.ORDER_TIME_DAY

    clock.advance(HOUR_MS - 1_000)  # 23:59:59 on the server: still today
    still = {o.ticket for o in mt5.orders_get()}
    clock.advance(2_000)  # 00:00:01: a new trading day
    left = {o.ticket for o in mt5.orders_get()}
    [gone] = mt5.history_orders_get(ticket=day)

    assert still == {day, gtc}
    assert left == {gtc}
    assert gone.state == mt5.ORDER_STATE_EXPIRED


def test_index_quotes_and_fills_are_on_the_symbols_tick_grid() -> None:
    clock = ManualClock()
    terminal(clock)
    info = mt5.symbol_info("US30")
    tick_size = info.trade_tick_size
    assert tick_size == pytest.approx(5 * info.point)
    seen = []
    for _ in range(50):
        clock.advance(700)
        tick = mt5.symbol_info_tick("US30")
        seen += [tick.bid, tick.ask]
    fill = buy(symbol="US30").price

    assert len(set(seen)) > 10  # the market moved
    assert all(abs(p / tick_size - round(p / tick_size)) < 1e-6 for p in [*seen, fill])
