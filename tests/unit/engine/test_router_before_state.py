"""Router: every command for an existing copy says what the copy looks like before it (protocol
§14 step 5), from the ticket link as it stands before the decision books its own effect."""

from __future__ import annotations

from dataclasses import replace

from copier.domain import (
    CommandKind,
    CopyState,
    EventKind,
    ExecutionResult,
    OrderType,
    PendingOrder,
    Retcode,
    Side,
)
from copier.engine.results import apply_result
from copier.engine.router import route
from copier.engine.state import TicketState

from .builders import NOW, copy, event, link, master_view, netting_slave, slave_view

E = EventKind


def test_a_burst_of_partial_closes_says_the_volume_before_each_one() -> None:
    ticket = copy(volume=1.0, master_volume=1.0, sl=1.09, tp=1.12)
    befores = []

    for seq, remaining, closed in [(2, 0.5, 0.5), (3, 0.25, 0.25)]:
        ev = event(E.PARTIALLY_CLOSED, seq=seq, volume=remaining, closed_volume=closed)
        outcome = route(ev, link(), {1001: ticket}, master_view(), slave_view(), NOW)
        ticket = outcome.tickets[0]
        befores += [c.before for c in outcome.commands]

    assert befores == [CopyState(1.0, sl=1.09, tp=1.12), CopyState(0.5, sl=1.09, tp=1.12)]


def test_a_full_close_says_the_whole_copy() -> None:
    ev = event(E.CLOSED, seq=2, volume=0.0, closed_volume=1.0)
    hedging = route(ev, link(), {1001: copy(volume=0.4)}, master_view(), slave_view(), NOW)

    assert [c.before for c in hedging.commands] == [CopyState(0.4)]


def test_netting_deals_say_what_the_copy_s_deals_come_to_before_each_one() -> None:
    """The copy's opens, increases and closes as the deals carrying its comment add up."""
    slave = netting_slave()
    opened = route(event(E.OPENED, seq=1, volume=0.4), link(), {}, master_view(), slave, NOW)
    [leg0] = opened.tickets
    increased = route(event(E.INCREASED, seq=2, volume=0.6), link(), {1001: leg0},
                      master_view(), slave, NOW)  # fmt: skip
    legs = {1001: (leg0, increased.tickets[-1])}
    closed = route(event(E.CLOSED, seq=3, volume=0.0, closed_volume=0.6), link(), legs,
                   master_view(), slave, NOW)  # fmt: skip

    said = [(c.kind.value, c.volume, c.before) for c in
            opened.commands + increased.commands + closed.commands]  # fmt: skip
    assert said == [
        ("open", 0.4, CopyState(0.0)),
        ("open", 0.2, CopyState(0.4)),
        ("close", 0.4, CopyState(0.6)),  # leg 0 first, then leg 1: each its own before
        ("close", 0.2, CopyState(0.2)),
    ]


def test_a_netting_sell_copy_counts_its_deals_on_the_sell_side() -> None:
    sold = copy(volume=0.3, side=Side.SELL)
    ev = event(E.PARTIALLY_CLOSED, seq=2, order_type=OrderType.SELL, volume=0.5,
               closed_volume=0.5)  # fmt: skip

    [command] = route(ev, link(), {1001: sold}, master_view(), netting_slave(), NOW).commands

    assert (command.order_type, command.volume, command.before) == (
        OrderType.SELL, 0.15, CopyState(0.3),
    )  # fmt: skip


def test_an_sl_change_says_the_stops_the_copy_had() -> None:
    ev = event(E.MODIFIED, seq=2, sl=1.095, tp=1.12)
    had = copy(volume=0.3, sl=1.09, tp=1.12)

    outcome = route(ev, link(), {1001: had}, master_view(), slave_view(), NOW)

    [command] = outcome.commands
    assert command.kind is CommandKind.MODIFY and (command.sl, command.tp) == (1.095, 1.12)
    assert command.before == CopyState(0.3, sl=1.09, tp=1.12)


def test_a_pending_move_and_delete_say_the_order_as_the_slave_shows_it() -> None:
    order = PendingOrder(8001, "EURUSD.m", OrderType.BUY_LIMIT, 0.2, 1.09, sl=1.085,
                         expiration_ms=NOW + 3_600_000)  # fmt: skip
    slave = slave_view(orders=(order,))
    pending = copy(volume=0.2, slave_ticket=8001, is_pending=True, state=TicketState.PENDING,
                   sl=1.085)  # fmt: skip
    moved = event(E.PENDING_MODIFIED, seq=2, order_type=OrderType.BUY_LIMIT, volume=0.2,
                  price=1.089)  # fmt: skip
    deleted = replace(moved, kind=E.PENDING_DELETED, seq=3)

    move = route(moved, link(), {1001: pending}, master_view(), slave, NOW).commands
    delete = route(deleted, link(), {1001: pending}, master_view(), slave, NOW).commands

    said = CopyState(0.2, 1.09, 1.085, 0.0, NOW + 3_600_000)
    assert [(c.kind, c.before) for c in move + delete] == [
        (CommandKind.MODIFY_PENDING, said), (CommandKind.DELETE_PENDING, said),
    ]  # fmt: skip


def test_a_partial_close_answered_as_already_done_keeps_the_booked_remainder() -> None:
    ev = event(E.PARTIALLY_CLOSED, seq=2, volume=0.5, closed_volume=0.5)
    outcome = route(ev, link(), {1001: copy(volume=0.4)}, master_view(), slave_view(), NOW)
    [command] = outcome.commands
    duplicate = ExecutionResult(command.id, "slave", Retcode.DUPLICATE, slave_ticket=5001,
                                volume=0.2)  # fmt: skip

    after = apply_result(outcome.tickets[0], command, duplicate)

    assert (after.state, after.slave_volume, after.slave_ticket) == (TicketState.OPEN, 0.2, 5001)


def test_a_partial_close_right_after_a_pending_fill_closes_the_copy_it_became() -> None:
    """The master's order fills and is partly closed before the fill's result comes back: the
    copy is booked as the position it becomes, so the close is sent — by comment and leg, as the
    executor may have replaced the order at market under another ticket."""
    pending = copy(volume=0.4, master_volume=0.4, slave_ticket=8001, is_pending=True,
                   state=TicketState.PENDING)  # fmt: skip
    filled = event(E.PENDING_FILLED, seq=2, order_type=OrderType.BUY_LIMIT, volume=0.4)
    fill = route(filled, link(), {1001: pending}, master_view(), slave_view(), NOW)
    [booked] = fill.tickets
    partly = event(E.PARTIALLY_CLOSED, seq=3, volume=0.2, closed_volume=0.2)

    close = route(partly, link(), {1001: booked}, master_view(), slave_view(), NOW)

    assert (booked.state, booked.is_pending, booked.slave_ticket) == (
        TicketState.OPENING, False, None,
    )  # fmt: skip
    assert [(c.kind, c.volume, c.slave_ticket, c.before) for c in close.commands] == [
        (CommandKind.CLOSE, 0.2, None, CopyState(0.4)),
    ]


def test_a_fill_that_failed_leaves_the_pending_copy_under_its_order_ticket() -> None:
    pending = copy(volume=0.4, slave_ticket=8001, is_pending=True, state=TicketState.PENDING)
    filled = event(E.PENDING_FILLED, seq=2, order_type=OrderType.BUY_LIMIT, volume=0.4)
    fill = route(filled, link(), {1001: pending}, master_view(), slave_view(), NOW)
    [command], [booked] = fill.commands, fill.tickets
    refused = ExecutionResult(command.id, "slave", Retcode.INVALID_STOPS)

    after = apply_result(booked, command, refused)

    assert (after.state, after.is_pending, after.slave_ticket) == (
        TicketState.PENDING, True, 8001,
    )  # fmt: skip
