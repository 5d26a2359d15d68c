"""A netting slave's copies as their deals add up: the before-state of a netting deal.

On a netting account every copy on a symbol is a share of one position, so an executor that
lost a command's id measures the copy by the deals carrying its comment and magic (protocol §14
step 5). ``NettingDeals`` is the copier's side of that sum: per slave symbol and comment ticket,
the booked volume of the live position legs, buys positive. Legs are booked optimistically and an
executor runs one slave's commands in order, so when a command runs, every command decided before
it has run and the deals come to exactly this. Each command of one decision moves the sum as its
deal will, so a decision with several deals for one copy says each one's own before-state.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from copier.domain import CopyState, Side
from copier.engine.book import positions
from copier.engine.sizing import dec
from copier.engine.state import TicketLink


class NettingDeals:
    """The deals of a link's copies on a netting slave, as the copier has booked them."""

    def __init__(self, netting: bool, legs: Iterable[TicketLink]) -> None:
        self.netting = netting
        self._net: defaultdict[tuple[str, int], Decimal] = defaultdict(Decimal)
        if not netting:
            return  # a hedging slave: ``before`` says nothing, nothing to add up
        for leg in positions(legs):
            key = (leg.slave_symbol, leg.comment_ticket)
            self._net[key] += dec(leg.slave_volume) * leg.side.sign

    def before(self, symbol: str, comment_ticket: int, side: Side, lots: float) -> CopyState | None:
        """What the copy's deals come to on ``side`` before a deal of ``lots`` on that side (a
        close: negative), which is then counted; None on a hedging slave."""
        if not self.netting:
            return None
        key = (symbol, comment_ticket)
        was = self._net[key] * side.sign
        self._net[key] += dec(lots) * side.sign
        return CopyState(float(was))
