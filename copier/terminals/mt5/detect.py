"""Turns two observations of a master MT5 account into MasterEvents (MT5 gives no trade events).

Positions are matched by identifier and pending orders by ticket. A position's identifier never
changes, while its ticket does when a netting position is reversed (it becomes the reversing
order's ticket: https://www.mql5.com/en/docs/constants/tradingconstants/positionproperties,
POSITION_TICKET and POSITION_IDENTIFIER), so a reversal is one CLOSED of the old ticket followed by
one OPENED of the new, never an open seen before the close. A position whose ``time_update_msc``,
volume, side and stops are unchanged is skipped without looking further. Exact close prices and
volumes come from the deal history, because a position that is gone no longer shows them.
Everything here is plain data in, events out: the history is read through :class:`History`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from copier.domain import EventKind, MasterEvent, OrderType
from copier.terminals.mt5.protocol import Baseline, DealRow, OrderRow, PositionRow

DEAL_ENTRY_IN = 0
DEAL_ENTRY_OUT = 1
DEAL_ENTRY_INOUT = 2
DEAL_ENTRY_OUT_BY = 3
ORDER_STATE_PARTIAL = 3
ORDER_STATE_FILLED = 4

_EPSILON = 1e-9


@dataclass(frozen=True, slots=True)
class OrderOutcome:
    """How a pending order left the order list, from the order history."""

    state: int
    position_id: int = 0

    @property
    def filled(self) -> bool:
        return self.state in (ORDER_STATE_FILLED, ORDER_STATE_PARTIAL)


class History(Protocol):
    def deals_of_position(self, position_id: int) -> Sequence[DealRow]: ...

    def order_outcome(self, ticket: int) -> OrderOutcome | None: ...


@dataclass(slots=True)
class _Diff:
    account_id: str
    history: History
    now_ms: int
    events: list[MasterEvent]

    def emit(self, kind: EventKind, row: PositionRow | OrderRow, **fields: object) -> None:
        if isinstance(row, PositionRow):
            base: dict[str, object] = {
                "ticket": row.ticket,
                "order_type": OrderType.market(row.side),
                "volume": row.volume,
                "price": row.price_open,
            }
        else:
            base = {
                "ticket": row.ticket,
                "order_type": row.order_type,
                "volume": row.volume,
                "price": row.price,
            }
        base.update(
            account_id=self.account_id,
            seq=0,
            kind=kind,
            symbol=row.symbol,
            time_ms=self.now_ms,
            sl=row.sl,
            tp=row.tp,
            magic=row.magic,
            comment=row.comment,
        )
        base.update(fields)
        self.events.append(MasterEvent(**base))  # type: ignore[arg-type]

    def recent_deals(self, position_id: int, entries: tuple[int, ...], volume: float) -> float:
        """Volume-weighted price of the newest deals of ``entries`` that add up to ``volume``."""
        deals = sorted(
            (d for d in self.history.deals_of_position(position_id) if d.entry in entries),
            key=lambda d: (d.time_msc, d.ticket),
            reverse=True,
        )
        taken = 0.0
        weighted = 0.0
        for deal in deals:
            part = min(deal.volume, volume - taken) if deal.entry != DEAL_ENTRY_INOUT else volume
            weighted += part * deal.price
            taken += part
            if taken >= volume - _EPSILON:
                break
        return weighted / taken if taken > _EPSILON else 0.0


def diff(
    previous: Baseline, current: Baseline, history: History, account_id: str, now_ms: int
) -> list[MasterEvent]:
    """Events that take a master account from ``previous`` to ``current``, in causal order."""
    state = _Diff(account_id, history, now_ms, [])
    filled = _diff_orders(state, previous.orders, current.orders)
    _diff_positions(state, previous.positions, current.positions, filled)
    return state.events


def _diff_orders(
    state: _Diff, before: Sequence[OrderRow], after: Sequence[OrderRow]
) -> dict[int, tuple[OrderRow, int]]:
    """Emit pending placed/modified/deleted; return the orders that filled, with their position."""
    old = {o.ticket: o for o in before}
    new = {o.ticket: o for o in after}
    filled: dict[int, tuple[OrderRow, int]] = {}
    for ticket, order in old.items():
        if ticket in new:
            continue
        outcome = state.history.order_outcome(ticket)
        if outcome is not None and outcome.filled:
            filled[ticket] = (order, outcome.position_id or ticket)
        else:
            state.emit(EventKind.PENDING_DELETED, order, volume=0.0)
    for ticket, order in new.items():
        previous = old.get(ticket)
        if previous is None:
            state.emit(EventKind.PENDING_PLACED, order)
        elif _order_changed(previous, order):
            state.emit(EventKind.PENDING_MODIFIED, order)
    return filled


def _order_changed(a: OrderRow, b: OrderRow) -> bool:
    return (a.price, a.sl, a.tp, a.volume, a.expiration_ms, a.order_type) != (
        b.price,
        b.sl,
        b.tp,
        b.volume,
        b.expiration_ms,
        b.order_type,
    )


def _diff_positions(
    state: _Diff,
    before: Sequence[PositionRow],
    after: Sequence[PositionRow],
    filled: dict[int, tuple[OrderRow, int]],
) -> None:
    old = {p.identifier: p for p in before}
    new = {p.identifier: p for p in after}
    for order, position_id in filled.values():
        _pending_filled(state, order, new.get(position_id), old)
    filled_into = {pid: order for order, pid in filled.values()}
    for identifier, position in new.items():
        if identifier not in old and identifier not in filled_into:
            state.emit(EventKind.OPENED, position)
    for identifier, position in new.items():
        if identifier in old:
            absorbed = filled_into.get(identifier)
            _position_changed(state, old[identifier], position, absorbed)
    for identifier, position in old.items():
        if identifier not in new:
            _position_closed(state, position)


def _pending_filled(
    state: _Diff, order: OrderRow, position: PositionRow | None, old: dict[int, PositionRow]
) -> None:
    """A pending order filled: into a new position, into a netting one, or filled and closed."""
    if position is None:
        # Filled and closed between two polls: the fill, then the close, both from history.
        price = state.recent_deals(order.ticket, (DEAL_ENTRY_IN,), order.volume) or order.price
        state.emit(EventKind.PENDING_FILLED, order, price=price)
        out = state.recent_deals(order.ticket, (DEAL_ENTRY_OUT, DEAL_ENTRY_OUT_BY), order.volume)
        state.emit(
            EventKind.CLOSED,
            order,
            order_type=OrderType.market(order.order_type.side),
            volume=0.0,
            closed_volume=order.volume,
            price=out or price,
        )
        return
    new_ticket = position.ticket if position.ticket != order.ticket else None
    if position.identifier in old:  # netting: the fill was a deal into the symbol's position
        price = state.recent_deals(position.identifier, (DEAL_ENTRY_IN,), order.volume)
        state.emit(
            EventKind.PENDING_FILLED,
            order,
            volume=order.volume,
            price=price or order.price,
            new_ticket=position.ticket,
        )
        return
    state.emit(
        EventKind.PENDING_FILLED,
        order,
        volume=position.volume,
        price=position.price_open,
        sl=position.sl,
        tp=position.tp,
        new_ticket=new_ticket,
    )


def _position_changed(
    state: _Diff, before: PositionRow, after: PositionRow, absorbed: OrderRow | None
) -> None:
    if before == after:
        return
    if before.side != after.side:
        _netting_reversal(state, before, after)
        return
    delta = round(after.volume - before.volume, 8)  # volumes are lot steps: drop float dust
    if absorbed is not None:  # a filled pending already reported this much volume
        signed = absorbed.volume if absorbed.order_type.side == after.side else -absorbed.volume
        delta = round(delta - signed, 8)
    if delta > _EPSILON:
        price = state.recent_deals(after.identifier, (DEAL_ENTRY_IN,), delta) or _added_price(
            before, after, delta
        )
        state.emit(EventKind.INCREASED, after, price=price)
    elif delta < -_EPSILON:
        closed = -delta
        exits = (DEAL_ENTRY_OUT, DEAL_ENTRY_OUT_BY)
        price = state.recent_deals(after.identifier, exits, closed) or after.price_open
        state.emit(EventKind.PARTIALLY_CLOSED, after, price=price, closed_volume=closed)
    if (before.sl, before.tp) != (after.sl, after.tp):
        state.emit(EventKind.MODIFIED, after)


def _added_price(before: PositionRow, after: PositionRow, delta: float) -> float:
    """Price of the added volume from the netting average (used when the deal is not in history)."""
    return (after.volume * after.price_open - before.volume * before.price_open) / delta


def _netting_reversal(state: _Diff, before: PositionRow, after: PositionRow) -> None:
    """One deal closed the position and opened the other way: CLOSED, then OPENED."""
    price = state.recent_deals(after.identifier, (DEAL_ENTRY_INOUT,), before.volume)
    state.emit(
        EventKind.CLOSED,
        before,
        volume=0.0,
        closed_volume=before.volume,
        price=price or after.price_open,
    )
    state.emit(EventKind.OPENED, after)


def _position_closed(state: _Diff, position: PositionRow) -> None:
    exits = (DEAL_ENTRY_OUT, DEAL_ENTRY_OUT_BY, DEAL_ENTRY_INOUT)
    price = state.recent_deals(position.identifier, exits, position.volume)
    state.emit(
        EventKind.CLOSED,
        position,
        volume=0.0,
        closed_volume=position.volume,
        price=price or position.price_open,
    )
