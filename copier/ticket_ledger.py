"""The copy service's live ticket links of one copy link, and reconciliation reports in words.

``TicketLedger`` keeps ticket links by master ticket and leg and hands the router the
``TicketBook`` view it reads (``copier.engine.book``) without copying anything per event.

Its memory is bounded by what is live: a master ticket whose every leg is settled (closed or
failed) is kept only among the link's ``SETTLED_KEEP`` most recently settled ones, then
forgotten — as a restart forgets them all (the store loads only live ticket links). The router
reads settled legs for one thing, the next leg number of a master ticket that opens again (a
netting master's reversal keeps its position ticket), which comes right after the close; the
store keeps every row for the trade log and statistics.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from copier.engine.book import SETTLED_STATES
from copier.engine.reconcile import ReconcileReport
from copier.engine.state import TicketLink

SETTLED_KEEP = 256  # fully settled master tickets kept per copy link, the newest


class _BookView(Mapping[int, Sequence[TicketLink]]):
    """Master ticket → its legs in order, read straight from the ledger."""

    def __init__(self, legs: dict[int, dict[int, TicketLink]]) -> None:
        self._legs = legs

    def __getitem__(self, master_ticket: int) -> Sequence[TicketLink]:
        return _in_order(self._legs[master_ticket])

    def get(self, master_ticket: int, default: Any = None) -> Any:
        # Mapping.get goes through __getitem__ and a caught KeyError: the router asks once per
        # link and event, most often for a ticket it has not seen yet.
        legs = self._legs.get(master_ticket)
        return default if legs is None else _in_order(legs)

    def __contains__(self, master_ticket: object) -> bool:
        return master_ticket in self._legs

    def __iter__(self) -> Iterator[int]:
        return iter(self._legs)

    def __len__(self) -> int:
        return len(self._legs)


def _in_order(legs: dict[int, TicketLink]) -> tuple[TicketLink, ...]:
    if len(legs) == 1:  # most tickets have one leg: nothing to sort
        return tuple(legs.values())
    return tuple(legs[n] for n in sorted(legs))


class TicketLedger:
    """The live ticket links of one copy link and its newest settled ones, by master ticket and
    leg."""

    def __init__(self, settled_keep: int | None = None) -> None:
        self._legs: dict[int, dict[int, TicketLink]] = {}
        self._settled: OrderedDict[int, None] = OrderedDict()  # oldest settled first
        self._settled_keep = SETTLED_KEEP if settled_keep is None else settled_keep
        self.book: Mapping[int, Sequence[TicketLink]] = _BookView(self._legs)

    def put(self, ticket: TicketLink) -> None:
        legs = self._legs.setdefault(ticket.master_ticket, {})
        legs[ticket.leg] = ticket
        if ticket.state not in SETTLED_STATES:  # a live leg: the master ticket is live (most puts)
            self._settled.pop(ticket.master_ticket, None)
        else:
            self._note_settled(ticket.master_ticket, legs)

    def drop(self, master_ticket: int, leg: int) -> None:
        legs = self._legs.get(master_ticket)
        if legs is None:
            return
        legs.pop(leg, None)
        if not legs:
            del self._legs[master_ticket]
            self._settled.pop(master_ticket, None)
        else:
            self._note_settled(master_ticket, legs)

    @property
    def settled(self) -> int:
        """Master tickets kept whose every leg is settled (at most ``settled_keep``)."""
        return len(self._settled)

    def _note_settled(self, master_ticket: int, legs: dict[int, TicketLink]) -> None:
        if any(leg.state not in SETTLED_STATES for leg in legs.values()):
            self._settled.pop(master_ticket, None)
            return
        self._settled[master_ticket] = None
        self._settled.move_to_end(master_ticket)
        while len(self._settled) > self._settled_keep:
            oldest, _ = self._settled.popitem(last=False)
            del self._legs[oldest]

    def find(self, master_ticket: int, leg: int) -> TicketLink | None:
        return self._legs.get(master_ticket, {}).get(leg)

    def all(self) -> tuple[TicketLink, ...]:
        return tuple(t for legs in self._legs.values() for t in legs.values())


def describe_report(report: ReconcileReport) -> list[str]:
    """One sentence per difference between the links and a slave's real positions."""
    lines: list[str] = []
    for t in report.missing:
        lines.append(f"link {t.link_id}: copy of master #{t.master_ticket} ({t.slave_symbol} "
                     f"{t.slave_volume:g}) is missing on the slave")
    lines.extend(f"orphan: {o.reason}" for o in report.orphans)
    lines.extend(f"volume: {v.reason}" for v in report.volume_mismatches)
    for t in report.adoptable:
        lines.append(f"link {t.link_id}: slave #{t.slave_ticket} copies master "
                     f"#{t.master_ticket} but is not in the link table (adoptable)")
    for t in report.stale:
        lines.append(f"link {t.link_id}: master #{t.master_ticket} is gone on both sides but "
                     f"the link still says {t.state.value}")
    return lines
