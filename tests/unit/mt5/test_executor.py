"""The MT5 executor against the stand-in in this process: filling modes, closes, retries, netting,
pendings, refusals and recognising its own work after a restart."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from msgspec import structs

import copier.testbed.mt5standin as mt5
from copier.domain import Command, CommandKind, OrderType, Retcode, copy_comment
from copier.terminals.mt5.config import Mt5Config
from copier.terminals.mt5.execute import Executor, filling_type
from copier.terminals.mt5.session import Session, now_ms
from copier.testbed.mt5standin import registry
from copier.testbed.mt5standin.profiles import TerminalProfile
from copier.testbed.mt5standin.terminal import SimTerminal

pytestmark = pytest.mark.timeout(20)
_ids = itertools.count(1)


class RecordingModule:
    """The stand-in module, with every order_send request written down."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(mt5, name)

    def order_send(self, request: dict[str, Any]) -> Any:
        self.requests.append(dict(request))
        return mt5.order_send(request)


def connect(broker: str = "standard", hedging: bool = True) -> tuple[SimTerminal, Executor, Any]:
    path = f"C:/slave-{broker}-{hedging}"
    profile = TerminalProfile(path=path, login=7001, server="Sim-Demo", broker=broker,
                              hedging=hedging, balance=100_000.0)  # fmt: skip
    terminal = registry.ensure(profile)
    module = RecordingModule()
    session = Session(module, Mt5Config(path=path, login=7001, server="Sim-Demo"))
    session.connect()
    return terminal, Executor(session), module


@pytest.fixture(autouse=True)
def fresh_registry() -> Iterator[None]:
    registry.clear()
    yield
    mt5.shutdown()
    registry.clear()


def command(kind: CommandKind, symbol: str = "EURUSD", **fields: Any) -> Command:
    master = fields.pop("master_ticket", 900_001)
    base = Command(
        id=f"L1-T{master}-S{next(_ids)}", link_id=1, slave_id="mt5-7001", kind=kind,
        master_ticket=master, symbol=symbol, order_type=OrderType.BUY, volume=0.1,
        comment=copy_comment(master), created_ms=now_ms(),
    )  # fmt: skip
    return structs.replace(base, **fields)


@pytest.mark.parametrize(
    ("broker", "symbol", "expected_filling"),
    [
        ("standard", "EURUSD", mt5.ORDER_FILLING_FOK),  # bitmask 3: FOK and IOC
        ("suffix", "EURUSD.m", mt5.ORDER_FILLING_FOK),  # bitmask 1: FOK only
        ("gold", "GOLD", mt5.ORDER_FILLING_IOC),  # bitmask 2: IOC only
        ("ecn", "EURUSD", mt5.ORDER_FILLING_RETURN),  # bitmask 0: neither
    ],
)
def test_open_uses_the_filling_mode_the_symbols_bitmask_allows(
    broker: str, symbol: str, expected_filling: int
) -> None:
    _, executor, module = connect(broker)
    bitmask = mt5.symbol_info(symbol).filling_mode

    result = executor.execute(command(CommandKind.OPEN, symbol, volume=0.2))

    assert result.retcode == Retcode.DONE, result.message
    assert module.requests[-1]["type_filling"] == expected_filling == filling_type(bitmask)


def test_passing_the_bitmask_as_type_filling_is_refused_by_the_standin_as_by_mt5() -> None:
    connect("gold")  # GOLD's bitmask is 2 (IOC), which as a type_filling means RETURN
    tick = mt5.symbol_info_tick("GOLD")
    request = {"action": mt5.TRADE_ACTION_DEAL, "symbol": "GOLD", "volume": 0.1,
               "type": mt5.ORDER_TYPE_BUY, "price": tick.ask, "type_filling": 2}  # fmt: skip

    result = mt5.order_send(request)

    assert result.retcode == mt5.TRADE_RETCODE_INVALID_FILL


def test_close_on_a_hedging_account_names_the_position_and_keeps_the_others() -> None:
    _, executor, module = connect()
    first = executor.execute(command(CommandKind.OPEN, volume=0.3))
    second = executor.execute(command(CommandKind.OPEN, volume=0.3, master_ticket=900_002))

    result = executor.execute(
        command(CommandKind.CLOSE, slave_ticket=first.slave_ticket, volume=0.1,
                order_type=OrderType.BUY)
    )  # fmt: skip

    assert result.retcode == Retcode.DONE and result.volume == pytest.approx(0.1)
    assert module.requests[-1]["position"] == first.slave_ticket
    volumes = {p.ticket: p.volume for p in mt5.positions_get()}
    assert volumes == {first.slave_ticket: pytest.approx(0.2), second.slave_ticket: 0.3}


def test_requotes_are_retried_with_a_fresh_tick_until_filled() -> None:
    terminal, executor, module = connect()
    terminal.requote_next(2)

    result = executor.execute(command(CommandKind.OPEN))

    assert result.retcode == Retcode.DONE
    assert len(module.requests) == 3


def test_requotes_beyond_the_retry_limit_fail_with_a_message_in_words() -> None:
    terminal, executor, _ = connect()
    terminal.requote_next(10)

    result = executor.execute(command(CommandKind.OPEN))

    assert result.retcode == Retcode.REQUOTE
    assert "gave up after 3 retries" in result.message and "EURUSD" in result.message


def test_netting_open_adds_to_the_one_position_and_close_is_an_opposite_deal() -> None:
    _, executor, module = connect(hedging=False)
    first = executor.execute(command(CommandKind.OPEN, volume=0.2))
    added = executor.execute(command(CommandKind.OPEN, volume=0.1, master_ticket=900_002))

    closed = executor.execute(
        command(CommandKind.CLOSE, slave_ticket=first.slave_ticket, volume=0.1)
    )

    assert added.slave_ticket == first.slave_ticket
    assert closed.retcode == Retcode.DONE
    assert "position" not in module.requests[-1]
    assert [p.volume for p in mt5.positions_get()] == [pytest.approx(0.2)]


def test_expired_and_deviating_commands_are_refused_without_trading() -> None:
    _, executor, module = connect()
    ask = mt5.symbol_info_tick("EURUSD").ask

    expired = executor.execute(command(CommandKind.OPEN, expires_ms=now_ms() - 1))
    deviating = executor.execute(
        command(CommandKind.OPEN, price=ask + 0.0050, max_deviation_points=10)
    )

    assert expired.retcode == Retcode.EXPIRED and "older than" in expired.message
    assert deviating.retcode == Retcode.DEVIATION and "500 points" in deviating.message
    assert module.requests == []


def test_stops_as_distance_are_set_from_the_slaves_fill_in_a_second_step() -> None:
    _, executor, module = connect()

    result = executor.execute(
        command(CommandKind.OPEN, sl_distance_points=200, tp_distance_points=300)
    )

    assert result.retcode == Retcode.DONE
    assert [r["action"] for r in module.requests] == [mt5.TRADE_ACTION_DEAL, mt5.TRADE_ACTION_SLTP]
    assert result.sl == pytest.approx(result.price - 0.002)
    assert result.tp == pytest.approx(result.price + 0.003)


def test_pending_orders_are_placed_modified_and_deleted() -> None:
    _, executor, _ = connect()
    ask = mt5.symbol_info_tick("EURUSD").ask
    limit = dict(order_type=OrderType.BUY_LIMIT, price=round(ask - 0.0100, 5))

    placed = executor.execute(command(CommandKind.PLACE_PENDING, **limit))
    moved = executor.execute(
        command(CommandKind.MODIFY_PENDING, slave_ticket=placed.slave_ticket,
                order_type=OrderType.BUY_LIMIT, price=round(ask - 0.0120, 5))
    )  # fmt: skip
    deleted = executor.execute(
        command(CommandKind.DELETE_PENDING, slave_ticket=placed.slave_ticket)
    )

    assert (placed.retcode, moved.retcode, deleted.retcode) == (Retcode.DONE,) * 3
    assert mt5.orders_get() == ()


def test_deleting_a_pending_copy_that_already_filled_closes_its_position() -> None:
    terminal, executor, _ = connect()
    ask = mt5.symbol_info_tick("EURUSD").ask
    placed = executor.execute(
        command(
            CommandKind.PLACE_PENDING, order_type=OrderType.BUY_STOP, price=round(ask + 0.002, 5)
        )
    )
    terminal.move_market("EURUSD", ask + 0.003)
    assert len(mt5.positions_get()) == 1

    result = executor.execute(command(CommandKind.DELETE_PENDING, slave_ticket=placed.slave_ticket))

    assert result.retcode == Retcode.DONE
    assert mt5.positions_get() == ()


class FillsBeforeTheChange(RecordingModule):
    """The slave's market reaches the pending copy's price between the executor's look at the
    order and its change request (the demo under load: the change failed with "not pending")."""

    def __init__(self, terminal: SimTerminal, price: float) -> None:
        super().__init__()
        self.terminal, self.price = terminal, price

    def order_send(self, request: dict[str, Any]) -> Any:
        if request["action"] == mt5.TRADE_ACTION_MODIFY:
            self.terminal.move_market("EURUSD", self.price)
        return super().order_send(request)


def test_a_change_to_a_pending_copy_the_market_fills_meanwhile_is_not_a_failure() -> None:
    terminal, executor, _ = connect()
    ask = mt5.symbol_info_tick("EURUSD").ask
    placed = executor.execute(
        command(CommandKind.PLACE_PENDING, order_type=OrderType.BUY_STOP,
                price=round(ask + 0.002, 5))
    )  # fmt: skip
    executor.session.mt5 = FillsBeforeTheChange(terminal, ask + 0.003)

    moved = executor.execute(
        command(CommandKind.MODIFY_PENDING, slave_ticket=placed.slave_ticket,
                order_type=OrderType.BUY_STOP, price=round(ask + 0.004, 5))
    )  # fmt: skip

    assert moved.retcode == Retcode.NO_CHANGES, moved.message
    assert "has already filled" in moved.message
    assert [p.ticket for p in mt5.positions_get()] == [placed.slave_ticket]


def test_fill_pending_replaces_a_still_pending_copy_with_a_market_order() -> None:
    _, executor, _ = connect()
    ask = mt5.symbol_info_tick("EURUSD").ask
    placed = executor.execute(
        command(
            CommandKind.PLACE_PENDING, order_type=OrderType.BUY_LIMIT, price=round(ask - 0.01, 5)
        )
    )

    filled = executor.execute(
        command(CommandKind.FILL_PENDING, slave_ticket=placed.slave_ticket,
                order_type=OrderType.BUY_LIMIT)
    )  # fmt: skip

    assert filled.retcode == Retcode.DONE
    assert mt5.orders_get() == ()
    assert [p.ticket for p in mt5.positions_get()] == [filled.slave_ticket]


def test_a_command_repeated_to_the_same_executor_runs_once() -> None:
    _, executor, module = connect()
    once = command(CommandKind.OPEN)

    first = executor.execute(once)
    again = executor.execute(once)

    assert again == first
    assert len(module.requests) == 1


def test_after_a_restart_a_resent_open_is_recognised_by_its_comment_and_not_opened_twice() -> None:
    _, before_restart, _ = connect()
    open_command = command(CommandKind.OPEN, magic=42)
    done = before_restart.execute(open_command)
    _, after_restart, module = connect()  # a new worker: no memory of command ids

    again = after_restart.execute(open_command, recover=True)

    assert again.retcode == Retcode.DUPLICATE and again.slave_ticket == done.slave_ticket
    assert module.requests == []
    assert len(mt5.positions_get()) == 1


def test_a_fresh_open_for_another_leg_is_not_mistaken_for_an_earlier_one() -> None:
    _, executor, _ = connect()
    executor.execute(command(CommandKind.OPEN, magic=42))

    second_leg = executor.execute(command(CommandKind.OPEN, magic=42, leg=1))

    assert second_leg.retcode == Retcode.DONE
    assert len(mt5.positions_get()) == 2


def test_a_resent_netting_open_is_recognised_by_its_deal() -> None:
    _, before_restart, _ = connect(hedging=False)
    open_command = command(CommandKind.OPEN, magic=7)
    done = before_restart.execute(open_command)
    _, after_restart, module = connect(hedging=False)

    again = after_restart.execute(open_command, recover=True)

    assert again.retcode == Retcode.DUPLICATE and again.slave_ticket == done.slave_ticket
    assert module.requests == []


def test_deleting_a_filled_pending_copy_on_netting_closes_only_what_that_order_added() -> None:
    terminal, executor, _ = connect(hedging=False)
    executor.execute(command(CommandKind.OPEN, volume=0.3, master_ticket=900_010))
    ask = mt5.symbol_info_tick("EURUSD").ask
    placed = executor.execute(
        command(CommandKind.PLACE_PENDING, order_type=OrderType.BUY_STOP, volume=0.2,
                price=round(ask + 0.002, 5))
    )  # fmt: skip
    terminal.move_market("EURUSD", ask + 0.003)
    assert [p.volume for p in mt5.positions_get()] == [pytest.approx(0.5)]

    result = executor.execute(command(CommandKind.DELETE_PENDING, slave_ticket=placed.slave_ticket))

    assert result.retcode == Retcode.DONE and result.volume == pytest.approx(0.2)
    assert [p.volume for p in mt5.positions_get()] == [pytest.approx(0.3)]


def test_a_close_decided_before_the_opens_result_finds_the_copy_by_its_comment_and_leg() -> None:
    """Hedging, no slave ticket yet (the open's result had not reached the copier): the copy is
    the leg-th position by ticket whose comment names the master ticket, with the magic —
    not 'already closed', which would leave the copy open for good."""
    _, executor, _ = connect()
    leg0 = executor.execute(command(CommandKind.OPEN, volume=0.1, magic=7))
    leg1 = executor.execute(command(CommandKind.OPEN, volume=0.2, magic=7, leg=1))
    other_magic = executor.execute(command(CommandKind.OPEN, volume=0.3, magic=8))
    lookalike = executor.execute(command(CommandKind.OPEN, volume=0.4, magic=7,
                                         master_ticket=9_000_010))  # TC|9000010 ≠ TC|900001

    closed = executor.execute(command(CommandKind.CLOSE, magic=7, leg=1, volume=0.0))
    left = {p.ticket for p in mt5.positions_get()}

    assert closed.retcode == Retcode.DONE, closed.message
    assert closed.slave_ticket == leg1.slave_ticket
    assert left == {leg0.slave_ticket, other_magic.slave_ticket, lookalike.slave_ticket}


def test_a_close_of_a_re_keyed_copy_without_a_slave_ticket_looks_for_the_original_ticket() -> None:
    _, executor, _ = connect()
    opened = executor.execute(command(CommandKind.OPEN, volume=0.2, master_ticket=900_001))

    closed = executor.execute(command(CommandKind.CLOSE, master_ticket=900_077,
                                      copy_ticket=900_001, comment="", volume=0.0))

    assert closed.retcode == Retcode.DONE, closed.message
    assert closed.slave_ticket == opened.slave_ticket
    assert mt5.positions_get() == ()


class RecordingTicks(RecordingModule):
    """Also writes down the time of every tick read."""

    def __init__(self) -> None:
        super().__init__()
        self.tick_times: list[int] = []

    def symbol_info_tick(self, symbol: str) -> Any:
        tick = mt5.symbol_info_tick(symbol)
        if tick is not None:
            self.tick_times.append(tick.time_msc)
        return tick


def test_a_requote_is_retried_on_a_newer_tick_not_the_refused_price_again() -> None:
    terminal, executor, _ = connect()
    module = RecordingTicks()
    executor.session.mt5 = module
    terminal.requote_next(2)

    result = executor.execute(command(CommandKind.OPEN))

    assert result.retcode == Retcode.DONE
    assert len(module.requests) == 3
    used = sorted(set(module.tick_times))
    assert len(used) >= 3  # each send on a tick of its own


def test_the_first_trade_on_a_symbol_not_in_market_watch_waits_for_its_first_tick() -> None:
    # After symbol_select the terminal has no tick for the symbol until the first one arrives
    # (https://www.mql5.com/en/docs/python_metatrader5/mt5symbolselect_py).
    terminal, executor, _ = connect()
    assert "US30" not in terminal.selected

    result = executor.execute(command(CommandKind.OPEN, symbol="US30"))

    assert result.retcode == Retcode.DONE, result.message
    assert "US30" in terminal.selected


def test_stops_after_a_fill_are_set_on_the_new_position_even_before_the_terminal_shows_it() -> None:
    path = "C:/slow-books"
    profile = TerminalProfile(path=path, login=7001, server="Sim-Demo", balance=100_000.0,
                              apply_lag_ms=1_500)  # the books follow the trade slowly  # fmt: skip
    terminal = registry.ensure(profile)
    session = Session(mt5, Mt5Config(path=path, login=7001, server="Sim-Demo"))
    session.connect()

    opened = Executor(session).execute(command(CommandKind.OPEN, sl_distance_points=200,
                                               tp_distance_points=300))  # fmt: skip

    assert opened.retcode == Retcode.DONE and "stops set" in opened.message, opened.message
    position = terminal.broker.position(opened.slave_ticket or 0)
    assert position is not None and (position.sl, position.tp) == (opened.sl, opened.tp)
    assert position.sl > 0 and position.tp > 0
