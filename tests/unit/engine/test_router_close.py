"""Router: closes, partial closes, SL/TP changes, renumbering, netting — never blocked by rules."""

from __future__ import annotations

from typing import Any

import pytest

from copier.domain import (
    Command,
    CommandKind,
    EventKind,
    ExecutionResult,
    MasterEvent,
    OrderType,
    Retcode,
    Side,
)
from copier.engine.book import TicketBook
from copier.engine.config import LinkMode, StopsMode
from copier.engine.results import apply_result
from copier.engine.router import route
from copier.engine.state import RouteOutcome, SlaveView, TicketLink, TicketState

from .builders import (
    NOW,
    account,
    copy,
    event,
    link,
    master_view,
    netting_slave,
    position,
    slave_view,
    spec,
)

E = EventKind


def run(
    ev: MasterEvent,
    tickets: TicketBook,
    slave: SlaveView | None = None,
    **link_fields: Any,
) -> RouteOutcome:
    return route(ev, link(**link_fields), tickets, master_view(), slave or slave_view(), NOW)


def closes(outcome: RouteOutcome) -> list[tuple[float, int | None]]:
    assert all(c.kind is CommandKind.CLOSE for c in outcome.commands)
    return [(c.volume, c.slave_ticket) for c in outcome.commands]


def partial(seq: int, remaining: float, closed: float, **fields: Any) -> MasterEvent:
    return event(E.PARTIALLY_CLOSED, seq=seq, volume=remaining, closed_volume=closed, **fields)


def done(
    command: Command, volume: float | None = None, ticket: int | None = None
) -> ExecutionResult:
    return ExecutionResult(
        command_id=command.id,
        slave_id="slave",
        retcode=Retcode.DONE,
        volume=command.volume if volume is None else volume,
        slave_ticket=ticket,
    )


@pytest.mark.parametrize(
    ("slave_volume", "remaining", "closed", "step", "minimum", "expected_close"),
    [
        (1.0, 1.5, 0.5, 0.01, 0.01, 0.25),  # a quarter of the master closed
        (0.3, 0.5, 0.5, 0.1, 0.1, 0.2),  # target 0.15 rounds down to 0.1
        (0.05, 1.0, 1.0, 0.01, 0.01, 0.03),  # target 0.025 → 0.02
        (0.02, 0.9, 0.1, 0.01, 0.01, 0.01),  # target 0.018 → 0.01
        (2.0, 1.0, 2.0, 1.0, 1.0, 2.0),  # target 0.67 → 0: close it all
        (0.3, 1.0, 3.0, 0.01, 0.1, 0.3),  # target 0.07 is below the 0.10 minimum: close it all
    ],
)
def test_partial_close_closes_the_masters_fraction_of_the_copy(
    slave_volume: float,
    remaining: float,
    closed: float,
    step: float,
    minimum: float,
    expected_close: float,
) -> None:
    slave = slave_view(spec(volume_step=step, volume_min=minimum))
    tickets = {1001: copy(volume=slave_volume, master_volume=remaining + closed)}

    outcome = run(partial(2, remaining, closed), tickets, slave)

    assert closes(outcome) == [(expected_close, 5001)]


def test_partial_close_that_rounds_to_nothing_sends_nothing_and_says_why() -> None:
    tickets = {1001: copy(volume=0.105, master_volume=10.0)}  # adopted, off the 0.01 step

    outcome = run(partial(2, 9.99, 0.01), tickets)  # keep 0.10, close 0.005

    assert outcome.commands == ()
    assert [(d.rule, d.reason) for d in outcome.denials] == [
        (
            "rounding",
            "EURUSD.m: master closed 0.01 of 10.00 lots; that share of the copy's 0.105 lots "
            "rounds to 0 at step 0.01 — nothing closed",
        )
    ]


def test_second_and_third_partial_closes_work_from_the_slaves_current_volume() -> None:
    ticket = copy(volume=0.9, master_volume=3.0)

    for seq, remaining, closed, expected in [
        (2, 2.0, 1.0, 0.3),
        (3, 1.0, 1.0, 0.3),
        (4, 0.5, 0.5, 0.15),
    ]:
        outcome = run(partial(seq, remaining, closed), {1001: ticket})
        assert closes(outcome) == [(expected, 5001)]
        ticket = apply_result(outcome.tickets[0], outcome.commands[0], done(outcome.commands[0]))

    assert (ticket.state, ticket.slave_volume) == (TicketState.OPEN, 0.15)


def test_burst_of_partial_closes_before_any_result_still_closes_the_right_volumes() -> None:
    ticket = copy(volume=1.0, master_volume=1.0)
    sent = []

    for seq, remaining, closed in [(2, 0.5, 0.5), (3, 0.25, 0.25)]:
        outcome = run(partial(seq, remaining, closed), {1001: ticket})
        ticket = outcome.tickets[0]
        sent.extend(closes(outcome))

    assert sent == [(0.5, 5001), (0.25, 5001)]
    assert ticket.slave_volume == 0.25


def test_mt4_partial_close_rekeys_the_copy_to_the_remainders_new_ticket() -> None:
    tickets = {1001: copy(volume=1.0, master_volume=1.0)}

    outcome = run(partial(2, 0.6, 0.4, new_ticket=1077), tickets)

    assert [(c.master_ticket, c.volume) for c in outcome.commands] == [(1077, 0.4)]
    assert [(t.master_ticket, t.slave_volume, t.master_volume) for t in outcome.tickets] == [
        (1077, 0.6, 0.6)
    ]
    assert outcome.retired_keys == ((7, 1001, 0),)


def test_mt4_renumbered_copy_keeps_closing_under_its_new_ticket() -> None:
    first = run(partial(2, 0.6, 0.4, new_ticket=1077), {1001: copy()})
    rekeyed = apply_result(
        first.tickets[0], first.commands[0], done(first.commands[0], ticket=5077)
    )

    second = run(event(E.CLOSED, ticket=1077, seq=3, volume=0.0), {1077: rekeyed})

    assert [(c.master_ticket, c.slave_ticket, c.volume) for c in second.commands] == [
        (1077, 5077, 0.6)
    ]


def test_burst_of_master_closes_gives_each_copy_its_own_close() -> None:
    tickets: TicketBook = {t: copy(t, slave_ticket=t + 4000, volume=0.1) for t in range(1, 6)}

    outcomes = [run(event(E.CLOSED, ticket=t, seq=10 + t), tickets) for t in range(1, 6)]

    commands = [c for o in outcomes for c in o.commands]
    assert [c.slave_ticket for c in commands] == [4001, 4002, 4003, 4004, 4005]
    assert len({c.id for c in commands}) == 5
    assert all(o.tickets[0].state is TicketState.CLOSING for o in outcomes)


def test_full_close_closes_every_leg_of_the_master_ticket() -> None:
    legs = (copy(volume=0.5, slave_ticket=501), copy(volume=0.2, slave_ticket=502, leg=1))

    outcome = run(event(E.CLOSED, seq=8), {1001: legs})

    assert [(c.volume, c.slave_ticket, c.leg, c.id) for c in outcome.commands] == [
        (0.5, 501, 0, "L7-T1001-S8"),
        (0.2, 502, 1, "L7-T1001-S8.1"),
    ]


def test_partial_close_of_legs_takes_from_the_newest_leg_first() -> None:
    legs = (copy(volume=0.5, slave_ticket=501), copy(volume=0.3, slave_ticket=502, leg=1))

    outcome = run(partial(2, 1.0, 1.0), {1001: legs})  # half of 0.8 → close 0.4

    assert closes(outcome) == [(0.3, 502), (0.1, 501)]


def test_close_of_a_copy_whose_open_has_no_result_yet_goes_out_without_a_slave_ticket() -> None:
    opening = copy(state=TicketState.OPENING, slave_ticket=None)

    outcome = run(event(E.CLOSED), {1001: opening})

    assert closes(outcome) == [(1.0, None)]
    assert outcome.commands[0].comment == "TC|1001"


BLOCKING_RULES: dict[str, Any] = {
    "equity_floor": 1e9,
    "max_daily_loss_money": 1.0,
    "max_drawdown_pct": 1.0,
    "trading_hours": (0, 1),
    "trading_days": (6,),
    "max_signal_age_ms": 1,
    "max_orders_per_minute": 1,
    "max_lot_per_order": 0.01,
    "min_margin_level_pct": 1e6,
    "max_deviation_points": 1,
}


@pytest.mark.parametrize(
    ("ev", "kind"),
    [
        (event(E.CLOSED, time_ms=NOW - 3_600_000), CommandKind.CLOSE),
        (partial(2, 0.5, 0.5, time_ms=NOW - 3_600_000), CommandKind.CLOSE),
        (event(E.MODIFIED, sl=1.08, time_ms=NOW - 3_600_000), CommandKind.MODIFY),
    ],
    ids=["closed", "partially_closed", "modified"],
)
def test_closes_and_modifications_are_never_blocked_by_protection(
    ev: MasterEvent, kind: CommandKind
) -> None:
    slave = slave_view(
        account=account(equity=100, margin=100),
        day_start_equity=10_000,
        equity_peak_day=10_000,
        recent_order_times_ms=(NOW - 10,),
    )
    blocked_open = run(event(E.OPENED), {}, slave, **BLOCKING_RULES)

    outcome = run(ev, {1001: copy()}, slave, **BLOCKING_RULES)

    assert blocked_open.commands == () and blocked_open.denials
    assert [c.kind for c in outcome.commands] == [kind]
    assert outcome.denials == ()
    assert outcome.commands[0].expires_ms == 0


def test_pending_deletion_is_never_blocked_by_protection() -> None:
    pending = copy(state=TicketState.PENDING, is_pending=True, slave_ticket=6001)
    ev = event(E.PENDING_DELETED, order_type=OrderType.BUY_LIMIT, time_ms=0)

    outcome = run(ev, {1001: pending}, None, mode=LinkMode.CLOSE_ONLY, **BLOCKING_RULES)

    assert [c.kind for c in outcome.commands] == [CommandKind.DELETE_PENDING]


@pytest.mark.parametrize(
    ("reverse", "mode", "expected"),
    [
        (False, StopsMode.PRICE, (1.09000, 1.12000, 0, 0)),
        (True, StopsMode.PRICE, (1.12000, 1.09000, 0, 0)),
        (False, StopsMode.DISTANCE, (0.0, 0.0, 1000, 2000)),
    ],
)
def test_modification_sends_the_mapped_stops(
    reverse: bool, mode: StopsMode, expected: tuple[float, float, int, int]
) -> None:
    ev = event(E.MODIFIED, price=1.10000, sl=1.09000, tp=1.12000)

    outcome = run(ev, {1001: copy()}, reverse=reverse, stops_mode=mode)

    [command] = outcome.commands
    assert command.kind is CommandKind.MODIFY and command.slave_ticket == 5001
    assert (command.sl, command.tp, command.sl_distance_points, command.tp_distance_points) == (
        expected
    )


@pytest.mark.parametrize("mode", [StopsMode.FIXED, StopsMode.NONE])
def test_modification_is_not_copied_when_slave_stops_do_not_follow_the_master(
    mode: StopsMode,
) -> None:
    outcome = run(event(E.MODIFIED, sl=1.09), {1001: copy()}, stops_mode=mode)

    assert outcome == RouteOutcome()


def test_modification_to_the_stops_the_copy_already_has_sends_nothing() -> None:
    ticket = copy(sl=1.09, tp=1.12)

    outcome = run(event(E.MODIFIED, sl=1.09, tp=1.12), {1001: ticket})

    assert outcome.commands == ()


# --- netting slaves -------------------------------------------------------------------------------


def netting_with(*positions: Any) -> SlaveView:
    return netting_slave(positions=positions)


def test_hedging_master_into_netting_slave_nets_and_reverses_by_deals() -> None:
    slave = netting_with()
    open_a = run(event(E.OPENED, ticket=1, seq=1, volume=1.0), {}, slave)
    a = apply_result(open_a.tickets[0], open_a.commands[0], done(open_a.commands[0], ticket=900))
    slave = netting_with(position(900, 1.0))

    open_b = run(
        event(E.OPENED, ticket=2, seq=2, volume=1.5, order_type=OrderType.SELL), {1: a}, slave
    )
    b = apply_result(open_b.tickets[0], open_b.commands[0], done(open_b.commands[0], ticket=900))
    slave = netting_with(position(900, 0.5, side=Side.SELL))

    close_a = run(event(E.CLOSED, ticket=1, seq=3), {1: a, 2: b}, slave)

    assert [(c.kind, c.order_type, c.volume) for c in (*open_a.commands, *open_b.commands)] == [
        (CommandKind.OPEN, OrderType.BUY, 1.0),
        (CommandKind.OPEN, OrderType.SELL, 1.5),
    ]
    # closing A's contribution is a SELL deal of 1.0 against the symbol's one position
    [command] = close_a.commands
    assert (command.kind, command.order_type, command.volume, command.slave_ticket) == (
        CommandKind.CLOSE, OrderType.BUY, 1.0, 900,
    )  # fmt: skip


def test_netting_partial_close_is_an_opposite_deal_of_the_contributions_part() -> None:
    contribution = copy(volume=0.8, master_volume=2.0, slave_ticket=None)
    slave = netting_with(position(900, 1.3))

    outcome = run(partial(2, 1.0, 1.0), {1001: contribution}, slave)

    assert closes(outcome) == [(0.4, 900)]
    assert outcome.tickets[0].slave_volume == 0.4


def test_netting_increase_adds_a_contribution_leg() -> None:
    contribution = copy(volume=1.0, master_volume=1.0, slave_ticket=900)
    slave = netting_with(position(900, 1.0))

    outcome = run(event(E.INCREASED, seq=2, volume=1.5), {1001: contribution}, slave)

    [command] = outcome.commands
    assert (command.kind, command.order_type, command.volume, command.leg) == (
        CommandKind.OPEN, OrderType.BUY, 0.5, 1,
    )  # fmt: skip
    assert isinstance(outcome.tickets[-1], TicketLink) and outcome.tickets[-1].leg == 1


def test_netting_stops_follow_only_the_side_the_links_copies_add_up_to() -> None:
    book: TicketBook = {
        1: copy(1, volume=1.0, slave_ticket=900),
        2: copy(2, volume=1.5, side=Side.SELL, slave_ticket=900),
    }
    slave = netting_with(position(900, 0.5, side=Side.SELL))

    on_buy = run(event(E.MODIFIED, ticket=1, sl=1.09), book, slave)
    on_sell = run(event(E.MODIFIED, ticket=2, order_type=OrderType.SELL, sl=1.11), book, slave)

    assert on_buy.commands == ()
    assert [(d.rule, d.reason) for d in on_buy.denials] == [
        ("netting", "EURUSD.m: the netting position of this link is a sell; SL/TP of the buy "
                    "copy of master #1 not set"),
    ]  # fmt: skip
    assert [(c.kind, c.sl, c.slave_ticket) for c in on_sell.commands] == [
        (CommandKind.MODIFY, 1.11, 900)
    ]
