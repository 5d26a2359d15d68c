"""Prices on the symbol's tick grid and pending lifetimes the symbol allows.

Index symbols move in ticks of several points: SYMBOL_TRADE_TICK_SIZE above SYMBOL_POINT, prices
off that grid refused with 10015/10016; symbols whose SYMBOL_EXPIRATION_MODE has no GTC refuse a
good-till-cancelled pending with 10022
(https://www.mql5.com/en/docs/constants/environment_state/marketinfoconstants,
https://www.mql5.com/en/docs/constants/errorswarnings/enum_trade_return_codes).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import copier.testbed.mt5standin as mt5
from copier.domain import CommandKind, OrderType, Retcode
from copier.terminals.mt5.config import Mt5Config
from copier.terminals.mt5.execute import Executor
from copier.terminals.mt5.session import Session
from copier.testbed.mt5standin import registry
from copier.testbed.mt5standin.profiles import TerminalProfile
from tests.unit.mt5.test_executor import RecordingModule, command

pytestmark = pytest.mark.timeout(20)
PATH = "C:/ticks"


@pytest.fixture(autouse=True)
def fresh_registry() -> Iterator[None]:
    registry.clear()
    yield
    mt5.shutdown()
    registry.clear()


def executor(**profile: object) -> tuple[Executor, RecordingModule]:
    registry.ensure(TerminalProfile(path=PATH, login=7601, server="Sim-Demo",
                                    balance=1_000_000.0, **profile))  # type: ignore[arg-type]
    module = RecordingModule()
    session = Session(module, Mt5Config(path=PATH, login=7601, server="Sim-Demo",
                                        symbols=("US30", "EURUSD")))  # fmt: skip
    session.connect()
    return Executor(session), module


def on_grid(price: float, tick: float) -> bool:
    return abs(price / tick - round(price / tick)) < 1e-6


def test_the_stand_in_refuses_index_prices_and_stops_off_the_tick_grid() -> None:
    executor(sync_ms=0)
    info = mt5.symbol_info("US30")
    assert info is not None and info.trade_tick_size == pytest.approx(5 * info.point)
    bid = round(info.bid - 500.0)  # a whole number: on the 0.5 grid
    base = {"action": mt5.TRADE_ACTION_PENDING, "symbol": "US30", "volume": 0.1,
            "type": mt5.ORDER_TYPE_BUY_LIMIT, "type_filling": mt5.ORDER_FILLING_RETURN}  # fmt: skip

    off_price = mt5.order_send({**base, "price": bid + 0.3})
    off_stop = mt5.order_send({**base, "price": bid, "sl": bid - 100.2})
    on = mt5.order_send({**base, "price": bid + 0.5, "sl": bid - 100.0})

    assert off_price is not None and off_price.retcode == mt5.TRADE_RETCODE_INVALID_PRICE
    assert off_stop is not None and off_stop.retcode == mt5.TRADE_RETCODE_INVALID_STOPS
    assert on is not None and on.retcode == mt5.TRADE_RETCODE_DONE


def test_the_executor_snaps_pending_prices_and_stops_to_the_tick_size() -> None:
    run, module = executor()
    info = mt5.symbol_info("US30")
    assert info is not None
    price = round(info.bid - 300.0, 1) + 0.3  # the master's broker quotes in 0.1 steps

    placed = run.execute(command(CommandKind.PLACE_PENDING, symbol="US30", volume=0.1,
                                 order_type=OrderType.BUY_LIMIT, price=price,
                                 sl=price - 100.1, tp=price + 200.2))  # fmt: skip
    opened = run.execute(command(CommandKind.OPEN, symbol="US30", volume=0.1,
                                 sl_distance_points=1003, tp_distance_points=2007,
                                 master_ticket=900_002))  # fmt: skip

    assert placed.retcode in (Retcode.DONE, Retcode.PLACED), placed.message
    assert opened.retcode == Retcode.DONE, opened.message
    assert "refused" not in opened.message
    # A market deal's price is the quote itself; every price the copier works out is snapped.
    sent = [(r.get("price", 0.0) if r["action"] != 1 else 0.0, r["sl"], r["tp"])
            for r in module.requests]  # fmt: skip
    assert sent and all(on_grid(p, info.trade_tick_size) for row in sent for p in row if p)


def test_a_pending_copy_on_a_day_only_symbol_is_placed_as_a_day_order() -> None:
    run, module = executor(day_only_symbols=("EURUSD",))
    info = mt5.symbol_info("EURUSD")
    # The package names no SYMBOL_EXPIRATION_* constants: the flags are GTC 1, DAY 2, ...
    assert info is not None and info.expiration_mode == 2

    placed = run.execute(command(CommandKind.PLACE_PENDING, order_type=OrderType.BUY_LIMIT,
                                 price=round(info.bid - 0.005, 5)))  # fmt: skip

    assert placed.retcode in (Retcode.DONE, Retcode.PLACED), placed.message
    assert module.requests[-1]["type_time"] == mt5.ORDER_TIME_DAY
