"""Pending copies whose price the slave's market already reached: decided by the link's
``pending_reached`` choice (open at market within the deviation, or skip with a reason), never a
placement the broker refuses. The simulated broker's own check (testbed.broker.validation) is the
oracle for what a broker refuses."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from copier.domain import CommandKind, OrderType, Quote, Side
from copier.domain import EventKind as E
from copier.engine.config import PendingReached
from copier.engine.router import route
from copier.engine.state import RouteOutcome, SlaveView, TicketState
from copier.testbed.broker.validation import pending_price_problem, stops_problem

from .builders import NOW, copy, event, link, master_view, quote, slave_view, spec

PENDING_TYPES = (OrderType.BUY_LIMIT, OrderType.SELL_LIMIT, OrderType.BUY_STOP,
                 OrderType.SELL_STOP)  # fmt: skip


def run(ev: Any, slave: SlaveView, tickets: Any = None, **rules: Any) -> RouteOutcome:
    return route(ev, link(**rules), tickets or {}, master_view(), slave, NOW)


def market(bid: float, ask: float, **spec_fields: Any) -> SlaveView:
    return slave_view(spec(**spec_fields), quotes={"EURUSD.m": quote(bid=bid, ask=ask)})


def test_a_reversed_buy_limit_inside_the_spread_opens_the_sell_at_market() -> None:
    # The case: the master's buy limit sits under its ask, the reversed sell stop at the
    # same price is not under the slave's bid, so no broker would take it.
    ev = event(E.PENDING_PLACED, order_type=OrderType.BUY_LIMIT, price=1.10005)

    outcome = run(ev, market(1.10005, 1.10030), reverse=True)

    [command] = outcome.commands
    assert (command.kind, command.order_type, command.price) == (
        CommandKind.OPEN, OrderType.SELL, 1.10005)  # fmt: skip
    assert not outcome.tickets[0].is_pending
    assert [a.rule for a in outcome.adjustments] == ["pending_reached"]
    assert "opened at market" in outcome.adjustments[0].reason


def test_skip_refuses_a_reached_pending_with_a_reason() -> None:
    ev = event(E.PENDING_PLACED, order_type=OrderType.BUY_LIMIT, price=1.10005)

    outcome = run(ev, market(1.10005, 1.10030), reverse=True, pending_reached=PendingReached.SKIP)

    assert outcome.commands == ()
    [denial] = outcome.denials
    assert denial.rule == "pending_reached"
    assert denial.reason == (
        "EURUSD.m: sell_stop at 1.10005 is already reached by the market 1.10005/1.10030 — "
        "copy skipped (link set to skip)"
    )


def test_market_choice_keeps_to_the_allowed_deviation() -> None:
    # A buy stop the market jumped 40 points past, with 20 points allowed: skipped.
    ev = event(E.PENDING_PLACED, order_type=OrderType.BUY_STOP, price=1.10000)

    outcome = run(ev, market(1.10030, 1.10040), max_deviation_points=20)

    assert outcome.commands == ()
    assert "40 points from the order's price, limit 20" in outcome.denials[0].reason


def test_a_pending_far_from_the_market_is_placed_as_before() -> None:
    ev = event(E.PENDING_PLACED, order_type=OrderType.BUY_LIMIT, price=1.09500)

    [command] = run(ev, market(1.10000, 1.10010)).commands

    assert (command.kind, command.order_type) == (CommandKind.PLACE_PENDING, OrderType.BUY_LIMIT)


def test_a_move_onto_the_market_fills_the_copy_or_leaves_it_where_it_is() -> None:
    pending = copy(state=TicketState.PENDING, is_pending=True)
    ev = event(E.PENDING_MODIFIED, order_type=OrderType.BUY_LIMIT, price=1.10050)
    slave = market(1.10000, 1.10010)

    filled = run(ev, slave, {1001: pending})
    kept = run(ev, slave, {1001: pending}, pending_reached=PendingReached.SKIP)

    assert [c.kind for c in filled.commands] == [CommandKind.FILL_PENDING]
    assert not filled.tickets[0].is_pending
    assert kept.commands == ()
    assert kept.denials[0].reason.endswith("copy not moved (link set to skip)")


def test_a_copy_opened_at_market_follows_its_master_order_to_the_fill_or_the_delete() -> None:
    opened = copy(side=Side.SELL)  # opened at market for master buy limit #1001
    slave = market(1.10000, 1.10010)

    filled = run(event(E.PENDING_FILLED, order_type=OrderType.BUY_LIMIT, new_ticket=2002),
                 slave, {1001: opened})  # fmt: skip
    deleted = run(event(E.PENDING_DELETED, order_type=OrderType.BUY_LIMIT), slave,
                  {1001: opened})  # fmt: skip

    assert filled.commands == ()
    assert [t.master_ticket for t in filled.tickets] == [2002]
    assert filled.retired_keys == ((7, 1001, 0),)
    assert [(c.kind, c.slave_ticket) for c in deleted.commands] == [(CommandKind.CLOSE, 5001)]


def test_a_stop_the_market_already_passed_skips_the_copy_at_market() -> None:
    # A buy stop the market jumped past, its SL 10 points under the order: the SL is above the
    # bid now, and a buy opened at market would be refused (or closed at once).
    ev = event(E.PENDING_PLACED, order_type=OrderType.BUY_STOP, price=1.10000, sl=1.09990)

    outcome = run(ev, market(1.09985, 1.10000))

    assert outcome.commands == ()
    assert outcome.denials[0].reason == (
        "EURUSD.m: buy_stop at 1.10000 is already reached by the market 1.09985/1.10000; its SL "
        "1.09990 is already passed — copy skipped (link set to skip)")


prices = st.integers(min_value=100_000, max_value=120_000)  # in points of 0.00001


@settings(max_examples=400, deadline=None)
@given(
    order_type=st.sampled_from(PENDING_TYPES),
    master_price=prices,
    bid=prices,
    spread=st.integers(min_value=0, max_value=60),
    offset=st.integers(min_value=-300, max_value=300),
    stops=st.tuples(st.integers(min_value=-400, max_value=400),
                    st.integers(min_value=-400, max_value=400)),
    stops_level=st.integers(min_value=0, max_value=50),
    reverse=st.booleans(),
    choice=st.sampled_from(tuple(PendingReached)),
    modify=st.booleans(),
)
def test_no_pending_command_is_ever_sent_that_the_broker_refuses_for_its_price(
    order_type: OrderType,
    master_price: int,
    bid: int,
    spread: int,
    offset: int,
    stops: tuple[int, int],
    stops_level: int,
    reverse: bool,
    choice: PendingReached,
    modify: bool,
) -> None:
    symbol = spec(stops_level=stops_level)
    slave_quote = Quote("EURUSD.m", bid / 1e5, (bid + spread) / 1e5, NOW)
    slave = slave_view(symbol, quotes={"EURUSD.m": slave_quote})
    kind = E.PENDING_MODIFIED if modify else E.PENDING_PLACED
    # The master's SL/TP on their own sides of its order (0: none), as its broker requires.
    sl_away, tp_away = stops
    sign = order_type.side.sign
    sl = (master_price - sign * abs(sl_away)) / 1e5 if sl_away else 0.0
    tp = (master_price + sign * abs(tp_away)) / 1e5 if tp_away else 0.0
    ev = event(kind, order_type=order_type, price=master_price / 1e5, sl=sl, tp=tp)
    side = order_type.side.opposite if reverse else order_type.side
    tickets = {1001: copy(state=TicketState.PENDING, is_pending=True, side=side)} if modify else {}

    outcome = run(ev, slave, tickets, reverse=reverse, pending_offset_points=offset,
                  pending_reached=choice)  # fmt: skip

    for command in outcome.commands:
        if command.kind in (CommandKind.PLACE_PENDING, CommandKind.MODIFY_PENDING):
            assert pending_price_problem(symbol, command.order_type, command.price,
                                         slave_quote) is None  # fmt: skip
        else:  # opened at market: its stops must be on their sides of the market too
            assert command.kind in (CommandKind.OPEN, CommandKind.FILL_PENDING)
            side = command.order_type.side
            close_at = slave_quote.bid if side is Side.BUY else slave_quote.ask
            assert stops_problem(symbol, side, command.sl, command.tp, close_at) is None
    assert outcome.commands or outcome.denials
