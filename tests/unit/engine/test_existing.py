"""copy_existing's pending copies of master positions follow their fill only on evidence of it
(a position with the copy's comment), and are deleted at expiry or when the master is gone."""

from __future__ import annotations

from copier.domain import CommandKind, Side
from copier.engine.existing import follow_existing_pending
from copier.engine.state import TicketState

from .builders import NOW, copy, link, position, slave_view

PENDING = copy(state=TicketState.PENDING, is_pending=True, slave_ticket=5001)
MASTER = position(1001, 1.0, symbol="EURUSD")


def test_an_order_missing_from_an_old_view_is_not_taken_for_a_fill() -> None:
    outcome = follow_existing_pending(link(), (PENDING,), MASTER, slave_view(), False, NOW, 9)

    assert outcome.commands == ()


def test_a_position_with_the_copys_comment_is_followed_with_fill_pending() -> None:
    filled = position(7001, 1.0, comment="TC|1001")

    outcome = follow_existing_pending(link(), (PENDING,), MASTER,
                                      slave_view(positions=(filled,)), False, NOW, 9)  # fmt: skip

    assert [(c.kind, c.id) for c in outcome.commands] == [(CommandKind.FILL_PENDING,
                                                           "L7-T1001-S10")]  # fmt: skip


def test_expiry_or_a_closed_master_deletes_the_waiting_copy() -> None:
    expired = follow_existing_pending(link(), (PENDING,), MASTER, slave_view(), True, NOW, 9)
    gone = follow_existing_pending(link(), (PENDING,), None, slave_view(), False, NOW, 9)

    for outcome in (expired, gone):
        assert [(c.kind, c.id, c.order_type.side) for c in outcome.commands] == [
            (CommandKind.DELETE_PENDING, "L7-T1001-S11", Side.BUY)]  # fmt: skip
