"""apply_result: how each command's success or failure moves a ticket link."""

from __future__ import annotations

from typing import Any

import pytest
from msgspec import structs

from copier.domain import Command, CommandKind, ExecutionResult, OrderType, Retcode
from copier.engine.results import apply_result
from copier.engine.state import TicketLink, TicketState

from .builders import copy

S = TicketState


def command(
    kind: CommandKind, volume: float = 1.0, cid: str = "L7-T1001-S1", **fields: Any
) -> Command:
    return Command(
        id=cid, link_id=7, slave_id="slave", kind=kind, master_ticket=1001, symbol="EURUSD.m",
        order_type=OrderType.BUY, volume=volume, **fields,
    )  # fmt: skip


def result(
    cmd: Command, retcode: Retcode = Retcode.DONE, volume: float = 0.0, **fields: Any
) -> ExecutionResult:
    return ExecutionResult(cmd.id, "slave", retcode, volume=volume, **fields)


def opening(volume: float = 1.0, **fields: Any) -> TicketLink:
    return copy(
        state=S.OPENING, slave_ticket=None, volume=volume, last_command_id="L7-T1001-S1", **fields
    )


def test_successful_open_makes_the_copy_open_with_its_ticket_and_fill() -> None:
    cmd = command(CommandKind.OPEN, 1.0)

    after = apply_result(opening(), cmd, result(cmd, volume=1.0, slave_ticket=5001, sl=1.09))

    assert (after.state, after.slave_ticket, after.slave_volume, after.sl) == (
        S.OPEN,
        5001,
        1.0,
        1.09,
    )


def test_partly_filled_open_books_what_actually_filled() -> None:
    cmd = command(CommandKind.OPEN, 1.0)

    after = apply_result(opening(), cmd, result(cmd, Retcode.DONE_PARTIAL, 0.6, slave_ticket=5001))

    assert (after.state, after.slave_volume) == (S.OPEN, 0.6)


def test_failed_open_leaves_nothing_on_the_slave() -> None:
    cmd = command(CommandKind.OPEN)

    after = apply_result(opening(), cmd, result(cmd, Retcode.NO_MONEY))

    assert (after.state, after.slave_volume) == (S.FAILED, 0.0)


def test_placed_pending_becomes_pending_and_its_fill_opens_it() -> None:
    place = command(CommandKind.PLACE_PENDING, 0.3)
    fill = command(CommandKind.FILL_PENDING, 0.3, cid="L7-T1001-S2")

    placed = apply_result(
        opening(0.3, is_pending=True), place, result(place, Retcode.PLACED, slave_ticket=6001)
    )
    filled = apply_result(placed, fill, result(fill, volume=0.3, slave_ticket=7001))

    assert (placed.state, placed.is_pending, placed.slave_ticket) == (S.PENDING, True, 6001)
    assert (filled.state, filled.is_pending, filled.slave_ticket) == (S.OPEN, False, 7001)


def test_a_close_decided_before_the_fills_result_is_not_undone_by_it() -> None:
    """The master's pending order filled and its position closed (fully, or half) before the
    copy's fill came back: the fill's result must not restore the volume the close took off."""
    fill = command(CommandKind.FILL_PENDING, 0.2, cid="L7-T1001-S2")
    full = command(CommandKind.CLOSE, 0.2, cid="L7-T1001-S3")
    half = command(CommandKind.CLOSE, 0.1, cid="L7-T1001-S3")
    closing = copy(state=S.CLOSING, slave_ticket=None, volume=0.0, last_command_id=full.id)
    halved = copy(state=S.OPENING, slave_ticket=None, volume=0.1, last_command_id=half.id)

    filled = apply_result(closing, fill, result(fill, volume=0.2, slave_ticket=7001))
    closed = apply_result(filled, full, result(full, volume=0.2, slave_ticket=7001))
    filled_half = apply_result(halved, fill, result(fill, volume=0.2, slave_ticket=7001))
    left = apply_result(filled_half, half, result(half, volume=0.1, slave_ticket=7001))

    assert (filled.state, filled.slave_volume) == (S.CLOSING, 0.0)
    assert (closed.state, closed.slave_volume) == (S.CLOSED, 0.0)
    assert (left.state, left.slave_volume, left.slave_ticket) == (S.OPEN, 0.1, 7001)


def test_failed_fill_leaves_the_pending_copy_for_reconciliation() -> None:
    pending = copy(state=S.PENDING, is_pending=True)
    fill = command(CommandKind.FILL_PENDING)

    assert apply_result(pending, fill, result(fill, Retcode.EXPIRED)) == pending


def test_partial_close_success_keeps_the_booked_remainder_under_the_mt4_remainder_ticket() -> None:
    booked = copy(volume=0.6, slave_ticket=5001)  # the router already took 0.4 off
    cmd = command(CommandKind.CLOSE, 0.4)

    after = apply_result(booked, cmd, result(cmd, volume=0.4, slave_ticket=5077))

    assert (after.state, after.slave_volume, after.slave_ticket) == (S.OPEN, 0.6, 5077)


def test_partial_close_failure_restores_the_volume() -> None:
    booked = copy(volume=0.6)
    cmd = command(CommandKind.CLOSE, 0.4)

    after = apply_result(booked, cmd, result(cmd, Retcode.MARKET_CLOSED))

    assert (after.state, after.slave_volume) == (S.OPEN, 1.0)


def test_full_close_success_closes_the_copy() -> None:
    closing = copy(state=S.CLOSING, volume=0.0, last_command_id="L7-T1001-S1")
    cmd = command(CommandKind.CLOSE, 1.0)

    after = apply_result(closing, cmd, result(cmd, volume=1.0))

    assert (after.state, after.slave_volume) == (S.CLOSED, 0.0)


def test_full_close_failure_leaves_the_copy_open_for_reconciliation() -> None:
    closing = copy(state=S.CLOSING, volume=0.0, last_command_id="L7-T1001-S1")
    cmd = command(CommandKind.CLOSE, 1.0)

    after = apply_result(closing, cmd, result(cmd, Retcode.TIMEOUT))

    assert (after.state, after.slave_volume) == (S.OPEN, 1.0)


def test_close_of_a_position_already_gone_settles_the_copy_as_closed() -> None:
    closing = copy(state=S.CLOSING, volume=0.0, last_command_id="L7-T1001-S1")
    cmd = command(CommandKind.CLOSE, 1.0)

    after = apply_result(closing, cmd, result(cmd, Retcode.POSITION_CLOSED))

    assert after.state is S.CLOSED


def test_partly_done_full_close_leaves_the_rest_open() -> None:
    closing = copy(state=S.CLOSING, volume=0.0, last_command_id="L7-T1001-S1")
    cmd = command(CommandKind.CLOSE, 1.0)

    after = apply_result(closing, cmd, result(cmd, Retcode.DONE_PARTIAL, 0.7))

    assert (after.state, after.slave_volume) == (S.OPEN, pytest.approx(0.3))


def test_earlier_partial_close_result_does_not_undo_a_full_close_in_flight() -> None:
    closing = copy(state=S.CLOSING, volume=0.0, last_command_id="L7-T1001-S3")
    earlier = command(CommandKind.CLOSE, 0.4, cid="L7-T1001-S2")

    after = apply_result(closing, earlier, result(earlier, volume=0.4))

    assert (after.state, after.slave_volume) == (S.CLOSING, 0.0)


def test_open_result_after_the_master_already_closed_keeps_the_close_going() -> None:
    closing = structs.replace(opening(), state=S.CLOSING, slave_volume=0.0,
                              last_command_id="L7-T1001-S2")  # fmt: skip
    cmd = command(CommandKind.OPEN, 1.0)

    after = apply_result(closing, cmd, result(cmd, volume=1.0, slave_ticket=5001))

    assert (after.state, after.slave_ticket) == (S.CLOSING, 5001)


def test_pending_deletion_closes_the_copy_or_puts_it_back() -> None:
    deleting = copy(state=S.CLOSING, is_pending=True, volume=0.0)
    cmd = command(CommandKind.DELETE_PENDING, 0.3)

    deleted = apply_result(deleting, cmd, result(cmd))
    refused = apply_result(deleting, cmd, result(cmd, Retcode.FROZEN))

    assert deleted.state is S.CLOSED
    assert (refused.state, refused.slave_volume) == (S.PENDING, 0.3)


def test_modification_sets_stops_and_never_changes_the_state() -> None:
    ticket = copy(sl=1.08, tp=1.12)
    cmd = command(CommandKind.MODIFY, sl=1.09, tp=1.13)

    changed = apply_result(ticket, cmd, result(cmd))
    refused = apply_result(ticket, cmd, result(cmd, Retcode.INVALID_STOPS))

    assert (changed.state, changed.sl, changed.tp) == (S.OPEN, 1.09, 1.13)
    assert refused == ticket


@pytest.mark.parametrize("state", [S.CLOSED, S.FAILED])
def test_results_for_a_settled_copy_change_nothing(state: TicketState) -> None:
    settled = copy(state=state, volume=0.0)
    cmd = command(CommandKind.CLOSE, 1.0)

    assert apply_result(settled, cmd, result(cmd, Retcode.TIMEOUT)) == settled
