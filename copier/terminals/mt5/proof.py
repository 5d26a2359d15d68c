"""When a master's position or pending order missing from a read may be reported gone.

A terminal that is starting, or that has just logged in again, answers ``positions_get`` and
``orders_get`` with what it has loaded so far — often nothing — while ``terminal_info().connected``
is false (https://www.mql5.com/en/docs/python_metatrader5/mt5terminalinfo_py). Reporting every
missing position as closed would close every copy on every slave. So something that vanished is
only let through to the diff with proof:

* a position: its deals in history (``history_deals_get(position=)``,
  https://www.mql5.com/en/docs/python_metatrader5/mt5historydealsget_py) add up to nothing — it
  was closed (by a deal, a close-by or a reversal's counterpart);
* a pending order: it is in the order history (``history_orders_get(ticket=)``,
  https://www.mql5.com/en/docs/python_metatrader5/mt5historyordersget_py), filled or not;
* or, for either, it stayed missing in ``CONSISTENT_READS`` reads over ``CONSISTENT_MS`` while the
  terminal said it was connected (a broker that keeps no history cannot hide a close forever).

Until then it is carried over from the previous baseline, as if still there; a position that an
unproven order filled into is held back with it, so the fill is reported once, as a fill.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TypeVar

from copier.domain import Side
from copier.terminals.mt5.protocol import Baseline, OrderRow, PositionRow
from copier.terminals.mt5.session import Session

CONSISTENT_READS = 5
CONSISTENT_MS = 2_000
_EPSILON = 1e-9
T = TypeVar("T")


@dataclass
class _Miss:
    since_ms: float
    reads: int = 0


@dataclass
class Proof:
    session: Session
    clock: Callable[[], float] = field(default=lambda: time.monotonic() * 1000.0)
    _positions: dict[int, _Miss] = field(default_factory=dict)
    _orders: dict[int, _Miss] = field(default_factory=dict)

    def settle(self, previous: Baseline, current: Baseline) -> tuple[Baseline, bool]:
        """``current`` with every unproven disappearance carried over from ``previous``, and
        whether something is still held (then the next read must be looked at again)."""
        gone_positions = _missing(
            {p.identifier: p for p in previous.positions},
            {p.identifier for p in current.positions},
        )
        gone_orders = _missing(
            {o.ticket: o for o in previous.orders}, {o.ticket for o in current.orders}
        )
        self._forget(self._positions, gone_positions)
        self._forget(self._orders, gone_orders)
        if not gone_positions and not gone_orders:
            return current, False
        connected = bool(self.session.call("terminal_info").connected)
        held_positions = [
            previous_row
            for identifier, previous_row in gone_positions.items()
            if not self._proved(self._positions, identifier, connected, self._flat)
        ]
        held_orders = [
            previous_row
            for ticket, previous_row in gone_orders.items()
            if not self._proved(self._orders, ticket, connected, self._in_history)
        ]
        if not held_positions and not held_orders:
            return current, False
        positions = self._without_unproven_fills(previous, current, held_orders)
        orders = current.orders + tuple(held_orders)
        return replace(current, positions=positions + tuple(held_positions), orders=orders), True

    def _without_unproven_fills(
        self, previous: Baseline, current: Baseline, held_orders: list[OrderRow]
    ) -> tuple[PositionRow, ...]:
        """The positions an order still held may have filled into, as they were before: on a
        hedging account the order's own position (its identifier is the order's ticket), on a
        netting one the symbol's position. The fill is then reported once, when proved."""
        tickets = {o.ticket for o in held_orders}
        symbols = {o.symbol for o in held_orders} if not self.session.hedging else set()
        before = {p.identifier: p for p in previous.positions}
        kept: list[PositionRow] = []
        for p in current.positions:
            if p.identifier in tickets:
                continue
            if p.symbol in symbols:
                if p.identifier in before:
                    kept.append(before[p.identifier])
                continue
            kept.append(p)
        return tuple(kept)

    def _proved(
        self, misses: dict[int, _Miss], key: int, connected: bool, proof: Callable[[int], bool]
    ) -> bool:
        if not connected:
            return False  # a terminal still synchronising proves nothing, and counts no read
        miss = misses.setdefault(key, _Miss(self.clock()))
        miss.reads += 1
        if proof(key):
            misses.pop(key, None)
            return True
        if miss.reads >= CONSISTENT_READS and self.clock() - miss.since_ms >= CONSISTENT_MS:
            misses.pop(key, None)
            return True
        return False

    def _flat(self, identifier: int) -> bool:
        """The position's deals net out to nothing: it was closed."""
        deals = self.session.call("history_deals_get", position=identifier)
        trades = [d for d in deals if d.type in (0, 1)]  # DEAL_TYPE_BUY / DEAL_TYPE_SELL
        if not trades:
            return False
        net = sum(d.volume * (Side.BUY if d.type == 0 else Side.SELL).sign for d in trades)
        return abs(round(net, 8)) < _EPSILON

    def _in_history(self, ticket: int) -> bool:
        return bool(self.session.call("history_orders_get", ticket=ticket))

    @staticmethod
    def _forget(misses: dict[int, _Miss], gone: Mapping[int, object]) -> None:
        for key in [k for k in misses if k not in gone]:
            del misses[key]  # back in the books (or never proved): start over next time


def _missing(before: dict[int, T], after: set[int]) -> dict[int, T]:
    return {key: row for key, row in before.items() if key not in after}
