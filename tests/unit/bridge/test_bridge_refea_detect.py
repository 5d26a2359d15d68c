"""The reference monitor's diff detection, driven by real trades on a simulated broker."""

from __future__ import annotations

from copier.bridge.protocol import Event, Role
from copier.domain import EventKind, MarginMode, OrderType, Platform, Side
from copier.testbed.broker import ManualClock, Market, SimAccount, SimBroker, catalogue
from copier.testbed.refea.client import EaSettings, ReferenceEa
from copier.testbed.refea.detect import Look, diff


def _monitor(
    platform: Platform = Platform.MT5, margin: MarginMode = MarginMode.HEDGING
) -> tuple[ReferenceEa, SimBroker]:
    clock = ManualClock()
    broker = SimBroker(
        SimAccount(1001, "Demo", platform=platform, margin_mode=margin),
        catalogue("standard"),
        Market(seed=3),
        clock=clock,
    )
    ea = ReferenceEa(broker, EaSettings("ws://unused", "k", Role.MONITOR))
    ea.detect()  # the first look records what is there and reports nothing
    return ea, broker


def _kinds(events: list[Event]) -> list[EventKind]:
    return [e.kind for e in events]


def _cross(broker: SimBroker, symbol: str, bid: float) -> None:
    listing = broker.listing(symbol)
    assert listing is not None
    broker.market.set_mid(listing.underlying, bid + listing.spread_points * listing.spec.point / 2)
    broker.tick(broker.now_ms())


def test_the_first_look_reports_nothing_for_positions_already_open() -> None:
    clock = ManualClock()
    broker = SimBroker(SimAccount(1, "S"), catalogue("standard"), Market(seed=1), clock=clock)
    broker.open_market("EURUSD", Side.BUY, 0.1)
    ea = ReferenceEa(broker, EaSettings("ws://unused", "k", Role.MONITOR))

    assert ea.detect() == []


def test_an_open_is_reported_with_its_fill_stops_and_comment() -> None:
    ea, broker = _monitor()
    done = broker.open_market("EURUSD", Side.SELL, 0.3, sl=1.2, magic=4, comment="manual")

    events = ea.detect()

    assert len(events) == 1
    event = events[0]
    assert (event.seq, event.kind, event.ticket, event.type) == (
        1,
        EventKind.OPENED,
        done.position,
        OrderType.SELL,
    )
    assert (event.vol, event.price, event.sl, event.magic, event.comment) == (
        0.3,
        done.price,
        1.2,
        4,
        "manual",
    )


def test_an_mt5_partial_close_keeps_the_ticket_and_reports_the_closed_volume() -> None:
    ea, broker = _monitor()
    ticket = broker.open_market("EURUSD", Side.BUY, 1.0).position
    ea.detect()

    broker.close_position(ticket, 0.4)
    (event,) = ea.detect()

    assert (event.kind, event.ticket, event.vol, event.closed, event.new_ticket) == (
        EventKind.PARTIALLY_CLOSED,
        ticket,
        0.6,
        0.4,
        0,
    )


def test_an_mt4_partial_close_reports_the_renumbered_remainder_as_new_ticket() -> None:
    ea, broker = _monitor(Platform.MT4)
    ticket = broker.open_market("EURUSD", Side.BUY, 1.0).position
    ea.detect()

    remainder = broker.close_position(ticket, 0.25).position
    events = ea.detect()

    assert remainder != ticket
    assert [(e.kind, e.ticket, e.vol, e.closed, e.new_ticket) for e in events] == [
        (EventKind.PARTIALLY_CLOSED, ticket, 0.75, 0.25, remainder)
    ]


def test_a_close_and_an_open_in_one_poll_are_reported_close_first() -> None:
    ea, broker = _monitor()
    old = broker.open_market("EURUSD", Side.BUY, 0.1).position
    ea.detect()

    new = broker.open_market("GBPUSD", Side.SELL, 0.2).position
    closed_at = broker.close_position(old).price
    _cross(broker, "EURUSD", closed_at + 0.0050)  # the market has moved on since
    events = ea.detect()

    assert [(e.kind, e.ticket) for e in events] == [
        (EventKind.CLOSED, old),
        (EventKind.OPENED, new),
    ]
    assert (events[0].closed, events[0].vol, events[0].price) == (0.1, 0.0, closed_at)
    assert [e.seq for e in events] == [2, 3]


def test_an_sl_tp_change_is_reported_as_modified() -> None:
    ea, broker = _monitor()
    ticket = broker.open_market("EURUSD", Side.BUY, 0.1).position
    ea.detect()

    broker.modify_position(ticket, sl=1.0, tp=1.3)
    (event,) = ea.detect()

    assert (event.kind, event.sl, event.tp) == (EventKind.MODIFIED, 1.0, 1.3)


def test_pending_orders_are_reported_placed_modified_and_deleted() -> None:
    ea, broker = _monitor()

    ticket = broker.place_pending("EURUSD", OrderType.BUY_LIMIT, 0.1, 1.0).order
    placed = ea.detect()
    broker.modify_pending(ticket, price=1.01)
    modified = ea.detect()
    broker.delete_pending(ticket)
    deleted = ea.detect()

    assert [(e.kind, e.ticket, e.price) for e in placed + modified + deleted] == [
        (EventKind.PENDING_PLACED, ticket, 1.0),
        (EventKind.PENDING_MODIFIED, ticket, 1.01),
        (EventKind.PENDING_DELETED, ticket, 1.01),
    ]


def test_a_hedging_pending_fill_keeps_its_ticket_and_is_not_also_an_open() -> None:
    ea, broker = _monitor(Platform.MT4)
    ticket = broker.place_pending("EURUSD", OrderType.BUY_LIMIT, 0.1, 1.0).order
    ea.detect()

    _cross(broker, "EURUSD", 0.9990)
    events = ea.detect()

    assert [(e.kind, e.ticket, e.new_ticket, e.type) for e in events] == [
        (EventKind.PENDING_FILLED, ticket, 0, OrderType.BUY_LIMIT)
    ]


def test_a_netting_pending_fill_into_the_open_position_names_it_and_is_not_an_increase() -> None:
    ea, broker = _monitor(margin=MarginMode.NETTING)
    position = broker.open_market("EURUSD", Side.BUY, 0.1).position
    order = broker.place_pending("EURUSD", OrderType.BUY_LIMIT, 0.2, 1.0).order
    ea.detect()

    _cross(broker, "EURUSD", 0.9990)
    events = ea.detect()

    assert [(e.kind, e.ticket, e.new_ticket, e.vol) for e in events] == [
        (EventKind.PENDING_FILLED, order, position, 0.3)
    ]


def test_a_netting_master_reports_increase_reduction_and_reversal() -> None:
    ea, broker = _monitor(margin=MarginMode.NETTING)
    position = broker.open_market("EURUSD", Side.BUY, 0.5).position
    ea.detect()

    broker.open_market("EURUSD", Side.BUY, 0.5)
    increased = ea.detect()
    broker.open_market("EURUSD", Side.SELL, 0.4)
    reduced = ea.detect()
    broker.open_market("EURUSD", Side.SELL, 1.0)
    reversed_ = ea.detect()

    assert [(e.kind, e.vol) for e in increased] == [(EventKind.INCREASED, 1.0)]
    assert [(e.kind, e.vol, e.closed) for e in reduced] == [(EventKind.PARTIALLY_CLOSED, 0.6, 0.4)]
    assert [(e.kind, e.ticket, e.type, e.vol) for e in reversed_] == [
        (EventKind.CLOSED, position, OrderType.BUY, 0.0),
        (EventKind.OPENED, position, OrderType.SELL, 0.4),
    ]


def test_nothing_changed_means_no_events() -> None:
    before = Look.of([], [])

    assert diff(before, Look.of([], []), lambda p: 0.0) == []
