"""Market copies and SL/TP changes whose stops the slave's market already passed: decided by the
link's ``stops_passed`` choice (skip with a reason, or go without the passed stop), never a
command the broker refuses for its stops. The simulated broker's own check
(testbed.broker.validation.stops_problem) is the oracle for what a broker refuses."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from copier.domain import CommandKind, OrderType, Quote, Side
from copier.domain import EventKind as E
from copier.engine.config import StopsPassed
from copier.engine.router import route
from copier.engine.state import RouteOutcome, SlaveView, TicketLink
from copier.testbed.broker.validation import stops_problem

from .builders import NOW, copy, event, link, master_view, quote, slave_view, spec

WITHOUT = StopsPassed.WITHOUT


def run(ev: Any, slave: SlaveView, tickets: Any = None, **rules: Any) -> RouteOutcome:
    return route(ev, link(**rules), tickets or {}, master_view(), slave, NOW)


def market(bid: float, ask: float, **spec_fields: Any) -> SlaveView:
    return slave_view(spec(**spec_fields), quotes={"EURUSD.m": quote(bid=bid, ask=ask)})


def test_an_open_whose_sl_the_slave_market_passed_is_skipped_with_the_reason() -> None:
    # The master bought at 1.10000 with SL 1.09980; the slave's bid is already at 1.09975.
    ev = event(E.OPENED, sl=1.09980, tp=1.10100)

    outcome = run(ev, market(1.09975, 1.09985))

    assert outcome.commands == ()
    [denial] = outcome.denials
    assert (denial.rule, denial.reason) == ("stops_passed", (
        "EURUSD.m: SL 1.09980 is already passed by the market 1.09975/1.09985 — copy skipped "
        "(link set to skip)"))  # fmt: skip


def test_without_opens_the_copy_without_the_passed_stop_and_says_so() -> None:
    ev = event(E.OPENED, sl=1.09980, tp=1.10100)

    outcome = run(ev, market(1.09975, 1.09985), stops_passed=WITHOUT)

    [command] = outcome.commands
    assert (command.kind, command.sl, command.tp) == (CommandKind.OPEN, 0.0, 1.10100)
    assert [(a.rule, a.reason) for a in outcome.adjustments] == [("stops_passed", (
        "EURUSD.m: SL 1.09980 is already passed by the market 1.09975/1.09985 — opened without "
        "it"))]  # fmt: skip


def test_a_stop_within_the_stops_level_and_a_spread_counts_as_passed() -> None:
    # A sell's TP 1.09998 is under the ask 1.10005, but by less than 3 points of stops level
    # plus the 5-point spread: a broker (or the market a moment later) refuses it.
    ev = event(E.OPENED, order_type=OrderType.SELL, sl=1.10100, tp=1.09998)

    outcome = run(ev, market(1.10000, 1.10005, stops_level=3))

    assert "TP 1.09998 is already passed" in outcome.denials[0].reason


def test_stops_far_from_the_market_go_out_as_before() -> None:
    ev = event(E.OPENED, sl=1.09900, tp=1.10100)

    [command] = run(ev, market(1.10000, 1.10010)).commands

    assert (command.sl, command.tp) == (1.09900, 1.10100)


def test_a_change_onto_the_passed_side_is_not_copied_or_keeps_the_copys_own_stop() -> None:
    held = copy(sl=1.09900, tp=1.10100)
    ev = event(E.MODIFIED, sl=1.09990, tp=1.10200)  # the new SL is above the slave's bid
    slave = market(1.09985, 1.09995)

    skipped = run(ev, slave, {1001: held})
    kept = run(ev, slave, {1001: held}, stops_passed=WITHOUT)

    assert skipped.commands == ()
    assert skipped.denials[0].reason.endswith("— change not copied (link set to skip)")
    [command] = kept.commands
    assert (command.kind, command.sl, command.tp) == (CommandKind.MODIFY, 1.09900, 1.10200)
    assert kept.adjustments[0].reason.endswith("— the copy keeps its own there")


def test_a_change_with_nothing_left_to_send_is_reported_not_sent() -> None:
    held = copy(sl=1.09900, tp=1.10100)
    ev = event(E.MODIFIED, sl=1.09990, tp=1.10100)  # only the SL moves, onto the passed side

    outcome = run(ev, market(1.09985, 1.09995), {1001: held}, stops_passed=WITHOUT)

    assert outcome.commands == ()
    assert outcome.denials[0].reason.endswith("SL 1.09990 is already passed by the market "
                                              "1.09985/1.09995 — change not copied")


prices = st.integers(min_value=100_000, max_value=100_600)  # in points of 0.00001
away = st.integers(min_value=-300, max_value=300)


@settings(max_examples=500, deadline=None)
@given(
    side=st.sampled_from((Side.BUY, Side.SELL)),
    master_price=prices,
    bid=prices,
    spread=st.integers(min_value=0, max_value=40),
    stops=st.tuples(away, away),
    held=st.tuples(away, away),
    stops_level=st.integers(min_value=0, max_value=40),
    reverse=st.booleans(),
    choice=st.sampled_from(tuple(StopsPassed)),
    kind=st.sampled_from((E.OPENED, E.MODIFIED)),
)
def test_no_open_or_modify_is_ever_sent_that_the_broker_refuses_for_its_stops(
    side: Side,
    master_price: int,
    bid: int,
    spread: int,
    stops: tuple[int, int],
    held: tuple[int, int],
    stops_level: int,
    reverse: bool,
    choice: StopsPassed,
    kind: E,
) -> None:
    symbol = spec(stops_level=stops_level)
    slave_quote = Quote("EURUSD.m", bid / 1e5, (bid + spread) / 1e5, NOW)
    slave = slave_view(symbol, quotes={"EURUSD.m": slave_quote})
    # The master's SL/TP on their own sides of its price (0: none), as its broker requires;
    # the slave's market is anywhere (another broker, a moment later).
    sl = (master_price - side.sign * abs(stops[0])) / 1e5 if stops[0] else 0.0
    tp = (master_price + side.sign * abs(stops[1])) / 1e5 if stops[1] else 0.0
    ev = event(kind, order_type=OrderType.market(side), price=master_price / 1e5, sl=sl, tp=tp)
    tickets: dict[int, TicketLink] = {}
    if kind is E.MODIFIED:  # a copy that holds stops the broker once accepted, or none
        slave_side = side.opposite if reverse else side
        close_at = slave_quote.bid if slave_side is Side.BUY else slave_quote.ask
        own_sl = round(close_at - slave_side.sign * abs(held[0]) / 1e5, 5) if held[0] else 0.0
        own_tp = round(close_at + slave_side.sign * abs(held[1]) / 1e5, 5) if held[1] else 0.0
        tickets = {1001: copy(side=slave_side, sl=own_sl, tp=own_tp)}

    outcome = run(ev, slave, tickets, reverse=reverse, stops_passed=choice)

    for command in outcome.commands:
        assert command.kind in (CommandKind.OPEN, CommandKind.MODIFY)
        copy_side = command.order_type.side
        close_at = slave_quote.bid if copy_side is Side.BUY else slave_quote.ask
        assert stops_problem(symbol, copy_side, command.sl, command.tp, close_at) is None
    if kind is E.OPENED:
        assert outcome.commands or outcome.denials


def test_both_stops_passed_open_without_them_or_leave_a_change_uncopied() -> None:
    # A sell whose SL and TP are both within a spread of the slave's ask.
    ev = event(E.OPENED, order_type=OrderType.SELL, sl=1.10012, tp=1.10008)
    held = copy(side=Side.SELL, sl=1.10200, tp=1.10005)  # its TP has come near the market too
    slave = market(1.10000, 1.10010)

    opened = run(ev, slave, stops_passed=WITHOUT)
    changed = run(event(E.MODIFIED, order_type=OrderType.SELL, sl=1.10300, tp=1.10008),
                  slave, {1001: held}, stops_passed=WITHOUT)  # fmt: skip

    assert (opened.commands[0].sl, opened.commands[0].tp) == (0.0, 0.0)
    assert opened.adjustments[0].reason.endswith("SL 1.10012 and TP 1.10008 are already passed "
                                                 "by the market 1.10000/1.10010 — opened without "
                                                 "them")  # fmt: skip
    assert changed.commands == ()
    assert changed.denials[0].reason == (
        "EURUSD.m: TP 1.10008 is already passed by the market 1.10000/1.10010; the copy's own TP "
        "1.10005 is already passed too — change not copied")
