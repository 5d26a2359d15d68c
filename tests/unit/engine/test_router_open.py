"""Router: opens, increases and pending orders — mapping, reverse, stops, modes and risk stops."""

from __future__ import annotations

from typing import Any

import pytest

from copier.domain import Command, CommandKind, EventKind, OrderType, Side
from copier.engine.book import TicketBook
from copier.engine.config import DrawdownAction, LinkMode, LotMode, StopsMode
from copier.engine.router import route
from copier.engine.state import (
    CopyAdjusted,
    CopyDenied,
    RouteOutcome,
    SlaveView,
    TicketLink,
    TicketState,
)

from .builders import NOW, account, copy, event, link, master_view, slave_view

E = EventKind


def run(
    ev: Any,
    tickets: TicketBook | None = None,
    slave: SlaveView | None = None,
    **link_fields: Any,
) -> RouteOutcome:
    return route(ev, link(**link_fields), tickets or {}, master_view(), slave or slave_view(), NOW)


def only_command(outcome: RouteOutcome) -> Command:
    assert outcome.denials == ()
    assert len(outcome.commands) == 1, outcome
    return outcome.commands[0]


def test_opened_sends_one_open_with_every_field_a_slave_needs() -> None:
    ev = event(E.OPENED, seq=3, volume=0.5, sl=1.09500, tp=1.11000)

    outcome = run(
        ev, slave_magic=77, max_signal_age_ms=2_000, max_deviation_points=20, two_step_stops=True
    )

    assert outcome.commands == (
        Command(
            id="L7-T1001-S3",
            link_id=7,
            slave_id="slave",
            kind=CommandKind.OPEN,
            master_ticket=1001,
            symbol="EURUSD.m",
            order_type=OrderType.BUY,
            volume=0.5,
            price=1.10000,
            sl=1.09500,
            tp=1.11000,
            magic=77,
            comment="TC|1001",
            max_deviation_points=20,
            two_step_stops=True,
            master_seq=3,
            created_ms=NOW,
            expires_ms=ev.time_ms + 2_000,
        ),
    )
    assert outcome.tickets == (
        TicketLink(
            link_id=7,
            master_ticket=1001,
            slave_symbol="EURUSD.m",
            side=Side.BUY,
            state=TicketState.OPENING,
            slave_volume=0.5,
            master_volume=0.5,
            sl=1.09500,
            tp=1.11000,
            opened_ms=NOW,
            last_command_id="L7-T1001-S3",
        ),
    )


def test_reversed_open_flips_the_side_and_swaps_sl_and_tp() -> None:
    ev = event(E.OPENED, sl=1.09500, tp=1.11000)

    command = only_command(run(ev, reverse=True))

    assert (command.order_type, command.sl, command.tp) == (OrderType.SELL, 1.11000, 1.09500)


@pytest.mark.parametrize(
    ("mode", "reverse", "expected"),
    [
        (StopsMode.PRICE, False, (1.09500, 1.11000, 0, 0)),
        (StopsMode.DISTANCE, False, (0.0, 0.0, 500, 1000)),
        (StopsMode.DISTANCE, True, (0.0, 0.0, 1000, 500)),
        (StopsMode.FIXED, False, (0.0, 0.0, 300, 600)),
        (StopsMode.NONE, False, (0.0, 0.0, 0, 0)),
    ],
)
def test_stops_mode_decides_how_sl_and_tp_travel(
    mode: StopsMode, reverse: bool, expected: tuple[float, float, int, int]
) -> None:
    ev = event(E.OPENED, sl=1.09500, tp=1.11000)

    command = only_command(
        run(ev, stops_mode=mode, reverse=reverse, fixed_sl_points=300, fixed_tp_points=600)
    )

    assert (command.sl, command.tp, command.sl_distance_points, command.tp_distance_points) == (
        expected
    )


def test_a_ticket_already_copied_is_not_opened_again() -> None:
    outcome = run(event(E.OPENED), tickets={1001: copy(state=TicketState.OPENING)})

    assert outcome == RouteOutcome()


def test_netting_reopen_of_a_closed_ticket_gets_a_new_leg() -> None:
    closing = copy(state=TicketState.CLOSING)

    command = only_command(run(event(E.OPENED, seq=9), tickets={1001: closing}))

    assert (command.leg, command.id) == (1, "L7-T1001-S9.1")


def test_filtered_open_is_denied_with_the_link_ticket_and_seq() -> None:
    outcome = run(event(E.OPENED, seq=4, magic=5), magic_allow=(1,))

    assert outcome.commands == ()
    assert outcome.denials == (
        CopyDenied(
            7, "slave", 1001, 4, "magic_allow", "EURUSD: magic 5 is not allowed — copy skipped"
        ),
    )


def test_clamped_copy_goes_out_with_its_adjustment_reported() -> None:
    outcome = run(event(E.OPENED, volume=3.0), max_lot=2.0)

    assert only_command(outcome).volume == 2.0
    assert outcome.adjustments == (
        CopyAdjusted(
            7, "slave", 1001, 1, "max_lot", "EURUSD.m: lot 3.00 capped at the link's max lot 2.00"
        ),
    )


@pytest.mark.parametrize(
    "ev",
    [
        event(E.OPENED),
        event(E.INCREASED, volume=2.0),
        event(E.PENDING_PLACED, order_type=OrderType.BUY_LIMIT, price=1.09),
    ],
    ids=["opened", "increased", "pending_placed"],
)
def test_close_only_link_denies_whatever_adds_exposure(ev: Any) -> None:
    tickets = {1001: copy()} if ev.kind is E.INCREASED else {}

    outcome = run(ev, tickets, mode=LinkMode.CLOSE_ONLY)

    assert outcome.commands == ()
    assert [d.reason for d in outcome.denials] == ["link is close-only"]


def test_close_only_link_still_closes_and_modifies() -> None:
    tickets = {1001: copy()}

    closed = run(event(E.CLOSED), tickets, mode=LinkMode.CLOSE_ONLY)
    modified = run(event(E.MODIFIED, sl=1.09), tickets, mode=LinkMode.CLOSE_ONLY)

    assert only_command(closed).kind is CommandKind.CLOSE
    assert only_command(modified).kind is CommandKind.MODIFY


@pytest.mark.parametrize("kind", [E.OPENED, E.CLOSED, E.MODIFIED])
def test_paused_link_denies_everything(kind: EventKind) -> None:
    outcome = run(event(kind), {1001: copy()}, mode=LinkMode.PAUSED)

    assert outcome.commands == ()
    assert [d.reason for d in outcome.denials] == ["link is paused"]


@pytest.mark.parametrize("kind", [E.OPENED, E.CLOSED])
def test_disabled_link_sends_and_reports_nothing(kind: EventKind) -> None:
    assert run(event(kind), {1001: copy()}, enabled=False) == RouteOutcome()


@pytest.mark.parametrize(
    "kind",
    [E.INCREASED, E.PARTIALLY_CLOSED, E.CLOSED, E.MODIFIED, E.PENDING_MODIFIED, E.PENDING_DELETED],
)
def test_events_about_a_ticket_never_copied_produce_nothing(kind: EventKind) -> None:
    ev = event(kind, ticket=4242, volume=0.5, closed_volume=0.5)

    assert run(ev, {1001: copy()}) == RouteOutcome()


def test_increase_opens_the_scaled_added_volume_as_a_new_leg() -> None:
    tickets = {1001: copy(volume=0.5, master_volume=1.0)}
    ev = event(E.INCREASED, seq=2, volume=1.5)

    outcome = run(ev, tickets, lot_value=0.5)

    command = only_command(outcome)
    assert (command.kind, command.volume, command.leg, command.id) == (
        CommandKind.OPEN, 0.25, 1, "L7-T1001-S2.1",
    )  # fmt: skip
    legs = {t.leg: t for t in outcome.tickets}
    assert legs[0].master_volume == 1.5
    assert (legs[1].state, legs[1].slave_volume) == (TicketState.OPENING, 0.25)


def test_increase_under_risk_percent_keeps_the_copy_ratio() -> None:
    tickets = {1001: copy(volume=0.3, master_volume=2.0)}

    outcome = run(event(E.INCREASED, volume=3.0), tickets, lot_mode=LotMode.RISK_PERCENT)

    assert only_command(outcome).volume == 0.15  # 1.0 added × 0.3 / 2.0


def test_increase_of_a_reversed_copy_keeps_the_copy_side() -> None:
    tickets = {1001: copy(side=Side.SELL)}

    command = only_command(run(event(E.INCREASED, volume=2.0), tickets, reverse=True))

    assert command.order_type is OrderType.SELL


def test_pending_is_placed_with_the_offset_added_to_its_price() -> None:
    ev = event(E.PENDING_PLACED, order_type=OrderType.BUY_LIMIT, price=1.09500, sl=1.09000,
               tp=1.10500)  # fmt: skip

    outcome = run(ev, pending_offset_points=-20)

    command = only_command(outcome)
    assert (command.kind, command.order_type, command.price, command.sl, command.tp) == (
        CommandKind.PLACE_PENDING, OrderType.BUY_LIMIT, 1.09480, 1.09000, 1.10500,
    )  # fmt: skip
    assert outcome.tickets[0].is_pending


@pytest.mark.parametrize(
    ("master_type", "slave_type"),
    [
        (OrderType.BUY_LIMIT, OrderType.SELL_STOP),
        (OrderType.SELL_LIMIT, OrderType.BUY_STOP),
        (OrderType.BUY_STOP, OrderType.SELL_LIMIT),
        (OrderType.SELL_STOP, OrderType.BUY_LIMIT),
    ],
)
def test_reversed_pending_enters_the_opposite_trade_at_the_masters_price(
    master_type: OrderType, slave_type: OrderType
) -> None:
    ev = event(E.PENDING_PLACED, order_type=master_type, price=1.09500, sl=1.09000, tp=1.10500)

    command = only_command(run(ev, reverse=True))

    # it fills when the master's order fills; the slave's SL sits where the master takes profit
    assert (command.order_type, command.price, command.sl, command.tp) == (
        slave_type, 1.09500, 1.10500, 1.09000,
    )  # fmt: skip


def test_reversed_pending_in_distance_mode_swaps_the_distances() -> None:
    ev = event(E.PENDING_PLACED, order_type=OrderType.BUY_LIMIT, price=1.09500, sl=1.09000,
               tp=1.10500)  # fmt: skip

    command = only_command(
        run(ev, reverse=True, stops_mode=StopsMode.DISTANCE, pending_offset_points=-20)
    )

    # measured from the offset price: SL at the master's 100-pip profit distance, TP at its risk
    assert (command.order_type, command.price, command.sl, command.tp) == (
        OrderType.SELL_STOP, 1.09480, 1.10480, 1.08980,
    )  # fmt: skip


def test_pending_in_distance_mode_gets_prices_from_the_slave_order_price() -> None:
    ev = event(E.PENDING_PLACED, order_type=OrderType.SELL_STOP, price=1.09000, sl=1.09300,
               tp=1.08000)  # fmt: skip

    command = only_command(run(ev, stops_mode=StopsMode.DISTANCE, pending_offset_points=10))

    assert (command.price, command.sl, command.tp) == (1.09010, 1.09310, 1.08010)


def test_pendings_not_copied_are_denied_and_their_fill_opens_at_market() -> None:
    placed = event(E.PENDING_PLACED, order_type=OrderType.BUY_STOP, price=1.101)
    filled = event(E.PENDING_FILLED, seq=2, order_type=OrderType.BUY_STOP, price=1.101,
                   new_ticket=2002)  # fmt: skip

    placed_outcome = run(placed, copy_pendings=False)
    filled_outcome = run(filled, copy_pendings=False)

    assert [d.rule for d in placed_outcome.denials] == ["copy_pendings"]
    command = only_command(filled_outcome)
    assert (command.kind, command.order_type, command.master_ticket) == (
        CommandKind.OPEN, OrderType.BUY, 2002,
    )  # fmt: skip


def test_fill_of_a_refused_pending_is_not_copied() -> None:
    filled = event(E.PENDING_FILLED, order_type=OrderType.BUY_STOP)

    assert run(filled) == RouteOutcome()


def test_fill_of_a_pending_copy_follows_it_and_rekeys_to_the_position_ticket() -> None:
    pending = copy(is_pending=True, state=TicketState.PENDING, slave_ticket=6001, volume=0.3)
    filled = event(E.PENDING_FILLED, seq=5, order_type=OrderType.BUY_LIMIT, price=1.095,
                   new_ticket=3003)  # fmt: skip

    outcome = run(filled, {1001: pending}, max_signal_age_ms=1_000)

    command = only_command(outcome)
    assert (command.kind, command.slave_ticket, command.master_ticket, command.volume) == (
        CommandKind.FILL_PENDING, 6001, 3003, 0.3,
    )  # fmt: skip
    assert command.expires_ms == filled.time_ms + 1_000
    assert outcome.tickets[0].master_ticket == 3003
    assert outcome.retired_keys == ((7, 1001, 0),)


def test_pending_copy_is_moved_and_deleted_with_its_master() -> None:
    pending = {1001: copy(is_pending=True, state=TicketState.PENDING, slave_ticket=6001)}
    moved = event(E.PENDING_MODIFIED, order_type=OrderType.BUY_LIMIT, price=1.09400)

    modify = only_command(run(moved, pending))
    delete = only_command(run(event(E.PENDING_DELETED, order_type=OrderType.BUY_LIMIT), pending))

    assert (modify.kind, modify.price, modify.slave_ticket) == (
        CommandKind.MODIFY_PENDING, 1.09400, 6001,
    )  # fmt: skip
    assert (delete.kind, delete.slave_ticket) == (CommandKind.DELETE_PENDING, 6001)


def test_close_all_risk_stop_refuses_the_open_and_closes_every_copy() -> None:
    tickets: TicketBook = {
        11: copy(11, slave_ticket=511, volume=0.4),
        12: copy(12, state=TicketState.PENDING, is_pending=True, slave_ticket=512),
        13: copy(13, state=TicketState.CLOSED, slave_ticket=513),
    }
    slave = slave_view(account=account(equity=8_000), equity_peak_day=10_000)

    outcome = run(
        event(E.OPENED, seq=30), tickets, slave,
        max_drawdown_pct=15, drawdown_action=DrawdownAction.CLOSE_ALL,
    )  # fmt: skip

    assert [d.rule for d in outcome.denials] == ["max_drawdown"]
    assert [(c.kind, c.slave_ticket, c.volume) for c in outcome.commands] == [
        (CommandKind.CLOSE, 511, 0.4),
        (CommandKind.DELETE_PENDING, 512, 1.0),
    ]
    assert {t.state for t in outcome.tickets} == {TicketState.CLOSING}
