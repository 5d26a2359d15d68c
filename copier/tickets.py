"""The copy service's live ticket links of one copy link, and reconciliation reports in words.

``TicketLedger`` keeps ticket links by master ticket and leg and hands the router the
``TicketBook`` view it reads (``copier.engine.book``) without copying anything per event.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from copier.engine.reconcile import ReconcileReport
from copier.engine.state import TicketLink


class _BookView(Mapping[int, Sequence[TicketLink]]):
    """Master ticket → its legs in order, read straight from the ledger."""

    def __init__(self, legs: dict[int, dict[int, TicketLink]]) -> None:
        self._legs = legs

    def __getitem__(self, master_ticket: int) -> Sequence[TicketLink]:
        legs = self._legs[master_ticket]
        return tuple(legs[n] for n in sorted(legs))

    def __iter__(self) -> Iterator[int]:
        return iter(self._legs)

    def __len__(self) -> int:
        return len(self._legs)


class TicketLedger:
    """Every ticket link of one copy link, by master ticket and leg."""

    def __init__(self) -> None:
        self._legs: dict[int, dict[int, TicketLink]] = {}
        self.book: Mapping[int, Sequence[TicketLink]] = _BookView(self._legs)

    def put(self, ticket: TicketLink) -> None:
        self._legs.setdefault(ticket.master_ticket, {})[ticket.leg] = ticket

    def drop(self, master_ticket: int, leg: int) -> None:
        legs = self._legs.get(master_ticket)
        if legs is None:
            return
        legs.pop(leg, None)
        if not legs:
            del self._legs[master_ticket]

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
