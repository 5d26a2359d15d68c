"""The stand-in behaves as the MetaTrader5 package does where the copier relies on it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

import copier.testbed.mt5standin as mt5
from copier.domain import Retcode
from copier.terminals.mt5.messages import LAST_ERROR_TEXT, RETCODE_TEXT
from copier.testbed.mt5standin import registry
from copier.testbed.mt5standin.profiles import APPLY_LAG_MS, TerminalProfile
from copier.testbed.mt5standin.terminal import SimTerminal

pytestmark = pytest.mark.timeout(20)
PATH = "C:/MT5/standin"


@pytest.fixture
def terminal() -> Iterator[SimTerminal]:
    registry.clear()
    made = registry.ensure(TerminalProfile(path=PATH, login=8001, server="Sim-Demo",
                                           password="secret", balance=50_000.0))  # fmt: skip
    yield made
    mt5.shutdown()
    registry.clear()


def applied() -> None:
    """Wait until the terminal shows the trades just sent (they follow order_send's answer)."""
    time.sleep(APPLY_LAG_MS / 1000 + 0.01)


def buy(volume: float = 0.1, symbol: str = "EURUSD", **extra: object) -> mt5.OrderSendResult:
    request = {"action": mt5.TRADE_ACTION_DEAL, "symbol": symbol, "volume": volume,
               "type": mt5.ORDER_TYPE_BUY, **extra}  # fmt: skip
    result = mt5.order_send(request)
    assert result is not None
    return result


def test_a_trade_shows_in_the_books_a_moment_after_order_send_answers() -> None:
    # order_send returns the trade server's answer; the terminal's positions and history follow
    # as trade transactions (https://www.mql5.com/en/docs/event_handlers/ontradetransaction).
    # A lag of a second here, so that "right after" holds on a machine busy with other work.
    registry.clear()
    registry.ensure(TerminalProfile(path=PATH, login=8001, server="Sim-Demo", password="secret",
                                    balance=50_000.0, apply_lag_ms=1_000))  # fmt: skip
    mt5.initialize(PATH)
    try:
        opened = buy()
        right_after = (mt5.positions_get(), mt5.history_orders_get(ticket=opened.order))
        time.sleep(1.05)
        later = (mt5.positions_get(), mt5.history_orders_get(ticket=opened.order))
    finally:
        mt5.shutdown()
        registry.clear()

    assert opened.retcode == mt5.TRADE_RETCODE_DONE
    assert right_after == ((), ())
    assert [p.ticket for p in later[0]] == [opened.order]
    assert [o.ticket for o in later[1]] == [opened.order]


def test_calls_before_initialize_fail_with_no_ipc_connection(terminal: SimTerminal) -> None:
    assert mt5.positions_get() is None
    assert mt5.last_error() == (mt5.RES_E_INTERNAL_FAIL_CONNECT, "No IPC connection")


def test_initialize_with_a_wrong_password_or_an_unknown_path_fails_with_the_real_codes(
    terminal: SimTerminal,
) -> None:
    assert not mt5.initialize(PATH, login=8001, password="wrong", server="Sim-Demo")
    assert mt5.last_error()[0] == mt5.RES_E_AUTH_FAILED
    assert not mt5.initialize("C:/nowhere")
    assert mt5.last_error()[0] == mt5.RES_E_INTERNAL_FAIL_INIT
    assert mt5.initialize(PATH, login=8001, password="secret", server="Sim-Demo")
    assert mt5.last_error() == (mt5.RES_S_OK, "Success")


def test_positions_are_filtered_by_ticket_symbol_or_group(terminal: SimTerminal) -> None:
    mt5.initialize(PATH)
    euro = buy(symbol="EURUSD")
    buy(symbol="GBPUSD")
    buy(symbol="XAUUSD", volume=0.01)
    applied()

    by_ticket = mt5.positions_get(ticket=euro.order)
    by_symbol = mt5.positions_get(symbol="GBPUSD")
    by_group = mt5.positions_get(group="*USD*,!XAU*")

    assert [p.ticket for p in by_ticket or ()] == [euro.order]
    assert [p.symbol for p in by_symbol or ()] == ["GBPUSD"]
    assert sorted(p.symbol for p in by_group or ()) == ["EURUSD", "GBPUSD"]
    assert mt5.positions_total() == 3


def test_history_is_found_by_position_by_ticket_and_by_period(terminal: SimTerminal) -> None:
    mt5.initialize(PATH)
    opened = buy(volume=0.3)
    closed = mt5.order_send({"action": 1, "symbol": "EURUSD", "volume": 0.1, "type": 1,
                             "position": opened.order})  # fmt: skip
    assert closed is not None and closed.retcode == mt5.TRADE_RETCODE_DONE
    applied()

    deals = mt5.history_deals_get(position=opened.order) or ()
    # ``ticket`` is the ORDER's ticket (DEAL_ORDER), not the deal's:
    # https://www.mql5.com/en/docs/python_metatrader5/mt5historydealsget_py
    one = mt5.history_deals_get(ticket=closed.order) or ()
    by_deal_ticket = mt5.history_deals_get(ticket=closed.deal) or ()
    period = mt5.history_deals_get(datetime(2020, 1, 1, tzinfo=UTC), datetime(2100, 1, 1))
    unbounded = mt5.history_deals_get()

    assert [(d.entry, d.volume) for d in deals] == [(mt5.DEAL_ENTRY_IN, 0.3),
                                                   (mt5.DEAL_ENTRY_OUT, 0.1)]  # fmt: skip
    assert [(d.ticket, d.order, d.price) for d in one] == [(closed.deal, closed.order,
                                                             closed.price)]  # fmt: skip
    assert by_deal_ticket == ()
    assert period is not None and len(period) == 3  # the deposit and two trades
    assert unbounded is None and mt5.last_error()[0] == mt5.RES_E_INVALID_PARAMS


def test_ticks_need_the_symbol_in_market_watch(terminal: SimTerminal) -> None:
    mt5.initialize(PATH)

    before = mt5.symbol_info_tick("US30")
    selected = mt5.symbol_select("US30", True)
    right_after = mt5.symbol_info_tick("US30")  # subscribed: the first tick is on its way
    time.sleep(0.06)
    after = mt5.symbol_info_tick("US30")

    assert before is None and selected
    assert right_after is None
    assert after is not None and after.ask > after.bid > 0
    assert mt5.symbol_info("US30").visible  # type: ignore[union-attr]


def test_a_market_deal_without_type_filling_is_fok_and_refused_on_an_ioc_only_symbol() -> None:
    registry.clear()
    registry.ensure(TerminalProfile(path=PATH, login=8002, server="Gold", broker="gold"))
    mt5.initialize(PATH)
    try:
        refused = buy(symbol="GOLD")
        accepted = buy(symbol="GOLD", type_filling=mt5.ORDER_FILLING_IOC)

        assert mt5.symbol_info("GOLD").filling_mode == 2  # type: ignore[union-attr]
        assert refused.retcode == mt5.TRADE_RETCODE_INVALID_FILL
        assert accepted.retcode == mt5.TRADE_RETCODE_DONE
    finally:
        mt5.shutdown()
        registry.clear()


def test_an_unknown_request_field_fails_the_call_as_in_the_package(terminal: SimTerminal) -> None:
    mt5.initialize(PATH)

    assert mt5.order_send({"action": 1, "symbol": "EURUSD", "lots": 0.1}) is None
    assert mt5.last_error() == (mt5.RES_E_INVALID_PARAMS, 'Invalid "lots" argument')


def test_order_check_calc_margin_and_calc_profit_answer_without_trading(
    terminal: SimTerminal,
) -> None:
    mt5.initialize(PATH)
    request = {"action": 1, "symbol": "EURUSD", "volume": 1.0, "type": 0, "type_filling": 0}

    check = mt5.order_check(request)
    margin = mt5.order_calc_margin(mt5.ORDER_TYPE_BUY, "EURUSD", 1.0, 1.1)
    profit = mt5.order_calc_profit(mt5.ORDER_TYPE_BUY, "EURUSD", 1.0, 1.1, 1.101)

    assert check is not None and (check.retcode, check.comment) == (0, "Done")
    assert check.margin > 0 and mt5.positions_total() == 0
    assert margin == pytest.approx(100_000 * 1.1 / 100)
    assert profit == pytest.approx(100.0)


def test_rates_ticks_and_book_come_as_the_packages_types(terminal: SimTerminal) -> None:
    mt5.initialize(PATH)
    mt5.symbol_select("EURUSD", True)
    terminal.move_market("EURUSD", 1.2)
    mt5.symbol_info_tick("EURUSD")

    rates = mt5.copy_rates_from_pos("EURUSD", mt5.TIMEFRAME_M1, 0, 10)
    ticks = mt5.copy_ticks_range("EURUSD", 0, 4_000_000_000, mt5.COPY_TICKS_ALL)
    no_book = mt5.market_book_get("EURUSD")
    mt5.market_book_add("EURUSD")
    book = mt5.market_book_get("EURUSD") or ()

    assert rates.dtype.names == ("time", "open", "high", "low", "close", "tick_volume",
                                 "spread", "real_volume")  # fmt: skip
    assert len(rates) >= 1 and len(ticks) >= 1 and ticks.dtype.names[:3] == ("time", "bid", "ask")
    assert no_book is None and len(book) == 10
    assert {b.type for b in book} == {mt5.BOOK_TYPE_SELL, mt5.BOOK_TYPE_BUY}


def test_fault_hooks_fail_calls_with_ipc_errors_and_a_closed_terminal_refuses_to_start(
    terminal: SimTerminal,
) -> None:
    mt5.initialize(PATH)
    terminal.fail_next(2, code=mt5.RES_E_INTERNAL_FAIL_TIMEOUT)

    failures = [mt5.account_info(), mt5.account_info()]
    recovered = mt5.account_info()
    terminal.go_down()
    down = mt5.positions_get()
    restart = mt5.initialize(PATH)
    terminal.come_up()

    assert failures == [None, None] and recovered is not None
    assert down is None and not restart
    assert mt5.last_error()[0] == mt5.RES_E_INTERNAL_FAIL_INIT
    assert mt5.initialize(PATH)


def test_the_same_profile_builds_the_same_terminal_in_any_process() -> None:
    profile = TerminalProfile(path="C:/A", login=8100, server="S", broker="suffix", seed=3)

    first, second = SimTerminal.from_profile(profile), SimTerminal.from_profile(profile)
    a = first.call("order_send", {"action": 1, "symbol": "EURUSD.m", "volume": 0.1, "type": 0})
    b = second.call("order_send", {"action": 1, "symbol": "EURUSD.m", "volume": 0.1, "type": 0})

    assert first.broker.catalogue.symbols == second.broker.catalogue.symbols
    assert (a.order, a.deal) == (b.order, b.deal)


def test_the_packages_own_buy_and_close_helpers_work_on_the_standin(
    terminal: SimTerminal,
) -> None:
    mt5.initialize(PATH)
    mt5.symbol_select("EURUSD", True)

    bought = mt5.Buy("EURUSD", 0.1)
    applied()
    closed = mt5.Close("EURUSD")
    applied()

    assert bought is not None and bought.retcode == mt5.TRADE_RETCODE_DONE
    assert closed is True and mt5.positions_total() == 0


def test_every_retcode_and_every_last_error_code_has_words_for_a_trader() -> None:
    retcodes = {v for n, v in vars(mt5).items() if n.startswith("TRADE_RETCODE_")}
    error_codes = {v for n, v in vars(mt5).items() if n.startswith("RES_")}
    ours = {int(r) for r in Retcode}

    assert retcodes | ours <= set(RETCODE_TEXT)
    assert error_codes <= set(LAST_ERROR_TEXT)


def test_an_mt5_config_that_cannot_work_is_refused_with_every_reason() -> None:
    from copier.terminals.mt5 import Mt5Config, Mt5Terminal

    with pytest.raises(ValueError) as refused:
        Mt5Terminal(Mt5Config(path="C:/MT5", login=0, server=" ", poll_ms=0))

    assert "login must be a positive account number" in str(refused.value)
    assert "server name is empty" in str(refused.value)
    assert "poll period 0 ms" in str(refused.value)
