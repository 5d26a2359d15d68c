"""The poll diff over plain rows, with a hand-written history: every event kind and its numbers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import pytest

from copier.domain import EventKind, MasterEvent, OrderType, Side
from copier.terminals.mt5.detect import OrderOutcome, diff
from copier.terminals.mt5.protocol import Baseline, DealRow, OrderRow, PositionRow

IN, OUT, INOUT, OUT_BY = 0, 1, 2, 3
CANCELED, FILLED = 2, 4


class FakeHistory:
    def __init__(
        self, deals: Sequence[DealRow] = (), orders: dict[int, OrderOutcome] | None = None
    ):
        self.deals = list(deals)
        self.orders = orders or {}

    def deals_of_position(self, position_id: int) -> Sequence[DealRow]:
        return [d for d in self.deals if d.position_id == position_id]

    def order_outcome(self, ticket: int) -> OrderOutcome | None:
        return self.orders.get(ticket)


def position(ticket: int = 101, **fields: object) -> PositionRow:
    base = PositionRow(ticket=ticket, identifier=ticket, symbol="EURUSD", side=Side.BUY,
                       volume=1.0, price_open=1.1000, sl=0.0, tp=0.0, time_msc=1_000,
                       time_update_msc=1_000)  # fmt: skip
    return replace(base, **fields)  # type: ignore[arg-type]


def order(ticket: int = 201, **fields: object) -> OrderRow:
    base = OrderRow(ticket=ticket, symbol="EURUSD", order_type=OrderType.BUY_LIMIT, volume=0.5,
                    price=1.0950, sl=0.0, tp=0.0, time_setup_msc=1_000)  # fmt: skip
    return replace(base, **fields)  # type: ignore[arg-type]


def deal(ticket: int, position_id: int, entry: int, volume: float, price: float, t: int) -> DealRow:
    return DealRow(ticket=ticket, order=ticket, position_id=position_id, entry=entry,
                   side=Side.SELL, volume=volume, price=price, time_msc=t)  # fmt: skip


def kinds(events: list[MasterEvent]) -> list[EventKind]:
    return [e.kind for e in events]


def run(before: Baseline, after: Baseline, history: FakeHistory | None = None) -> list[MasterEvent]:
    return diff(before, after, history or FakeHistory(), "mt5-1", now_ms=5_000)


def test_an_unchanged_account_gives_no_events() -> None:
    same = Baseline((position(),), (order(),))

    assert run(same, same) == []


def test_a_new_position_is_opened_at_its_open_price() -> None:
    (event,) = run(Baseline(), Baseline((position(),)))

    assert (event.kind, event.ticket, event.volume, event.price) == (
        EventKind.OPENED,
        101,
        1.0,
        1.1,
    )
    assert (event.account_id, event.seq, event.time_ms) == ("mt5-1", 0, 5_000)


def test_a_partial_close_reports_the_closed_volume_at_the_deals_average_price() -> None:
    history = FakeHistory([deal(1, 101, OUT, 0.2, 1.1010, 2_000),
                           deal(2, 101, OUT, 0.2, 1.1020, 2_001)])  # fmt: skip

    (event,) = run(Baseline((position(),)), Baseline((position(volume=0.6),)), history)

    assert event.kind is EventKind.PARTIALLY_CLOSED
    assert (event.volume, event.closed_volume) == (0.6, 0.4)
    assert event.price == pytest.approx(1.1015)
    assert event.closed_fraction == pytest.approx(0.4)


def test_a_full_close_takes_its_price_from_the_newest_exit_deal() -> None:
    history = FakeHistory([deal(1, 101, OUT, 0.5, 1.0990, 2_000),
                           deal(2, 101, OUT, 1.0, 1.1030, 3_000)])  # fmt: skip

    (event,) = run(Baseline((position(),)), Baseline(), history)

    assert (event.kind, event.volume, event.closed_volume) == (EventKind.CLOSED, 0.0, 1.0)
    assert event.price == pytest.approx(1.1030)


def test_a_netting_reversal_is_closed_then_opened_on_the_same_ticket() -> None:
    history = FakeHistory([deal(1, 101, INOUT, 1.5, 1.1040, 2_000)])
    reversed_ = position(side=Side.SELL, volume=0.5, price_open=1.1040, time_update_msc=2_000)

    closed, opened = run(Baseline((position(),)), Baseline((reversed_,)), history)

    assert (closed.kind, closed.order_type, closed.closed_volume) == (
        EventKind.CLOSED, OrderType.BUY, 1.0,
    )  # fmt: skip
    assert closed.price == pytest.approx(1.1040)
    assert (opened.kind, opened.order_type, opened.volume, opened.ticket) == (
        EventKind.OPENED, OrderType.SELL, 0.5, 101,
    )  # fmt: skip


def test_a_netting_increase_is_priced_from_its_deal_or_else_from_the_new_average() -> None:
    grown = position(volume=1.5, price_open=1.1010, time_update_msc=2_000)
    with_deal = FakeHistory([deal(1, 101, IN, 0.5, 1.1030, 2_000)])

    (from_deal,) = run(Baseline((position(),)), Baseline((grown,)), with_deal)
    (from_average,) = run(Baseline((position(),)), Baseline((grown,)))

    assert (from_deal.kind, from_deal.volume, from_deal.price) == (EventKind.INCREASED, 1.5, 1.103)
    assert from_average.price == pytest.approx(1.1030)


def test_stops_changed_with_a_partial_close_give_both_events_in_that_order() -> None:
    after = position(volume=0.5, sl=1.0900, time_update_msc=2_000)

    events = run(Baseline((position(),)), Baseline((after,)))

    assert kinds(events) == [EventKind.PARTIALLY_CLOSED, EventKind.MODIFIED]
    assert events[1].sl == 1.09


def test_pending_orders_placed_modified_and_deleted() -> None:
    history = FakeHistory(orders={202: OrderOutcome(CANCELED)})
    before = Baseline((), (order(201), order(202)))
    after = Baseline((), (order(201, price=1.0940), order(203)))

    events = run(before, after, history)

    assert kinds(events) == [
        EventKind.PENDING_DELETED, EventKind.PENDING_MODIFIED, EventKind.PENDING_PLACED,
    ]  # fmt: skip
    assert [e.ticket for e in events] == [202, 201, 203]


def test_a_filled_pending_becomes_one_fill_event_naming_the_new_position() -> None:
    history = FakeHistory(orders={201: OrderOutcome(FILLED, position_id=301)})
    became = position(301, volume=0.5, price_open=1.0949)

    (event,) = run(Baseline((), (order(),)), Baseline((became,)), history)

    assert (event.kind, event.ticket, event.new_ticket) == (EventKind.PENDING_FILLED, 201, 301)
    assert (event.order_type, event.volume, event.price) == (OrderType.BUY_LIMIT, 0.5, 1.0949)


def test_a_pending_filled_into_a_netting_position_is_not_also_an_increase() -> None:
    history = FakeHistory(
        [deal(1, 101, IN, 0.5, 1.0950, 2_000)], {201: OrderOutcome(FILLED, position_id=101)}
    )
    grown = position(volume=1.5, price_open=1.0983, time_update_msc=2_000)

    (event,) = run(Baseline((position(),), (order(),)), Baseline((grown,)), history)

    assert (event.kind, event.volume, event.new_ticket) == (EventKind.PENDING_FILLED, 0.5, 101)


def test_a_pending_filled_and_closed_between_two_polls_gives_fill_then_close() -> None:
    history = FakeHistory(
        [deal(1, 201, IN, 0.5, 1.0950, 2_000), deal(2, 201, OUT, 0.5, 1.0900, 2_500)],
        {201: OrderOutcome(FILLED, position_id=201)},
    )

    filled, closed = run(Baseline((), (order(),)), Baseline(), history)

    assert (filled.kind, filled.price) == (EventKind.PENDING_FILLED, 1.095)
    assert (closed.kind, closed.closed_volume, closed.price) == (EventKind.CLOSED, 0.5, 1.09)


def test_a_close_by_closes_both_positions_at_their_out_by_deals() -> None:
    sell = position(102, side=Side.SELL, price_open=1.1050)
    history = FakeHistory([deal(1, 101, OUT_BY, 1.0, 1.1050, 2_000),
                           deal(2, 102, OUT_BY, 1.0, 1.1000, 2_000)])  # fmt: skip

    events = run(Baseline((position(), sell)), Baseline(), history)

    assert [(e.kind, e.ticket, e.price) for e in events] == [
        (EventKind.CLOSED, 101, 1.105), (EventKind.CLOSED, 102, 1.1),
    ]  # fmt: skip
