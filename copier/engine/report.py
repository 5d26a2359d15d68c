"""What a reconciliation reports: each kind of difference between links and terminals."""

from __future__ import annotations

from dataclasses import dataclass

from copier.domain import TerminalSnapshot
from copier.engine.config import Link
from copier.engine.state import TicketLink


@dataclass(frozen=True, slots=True)
class LinkSide:
    """One link's part of a slave's reconciliation: its ticket links and its master's snapshot."""

    link: Link
    tickets: tuple[TicketLink, ...]
    master: TerminalSnapshot


@dataclass(frozen=True, slots=True)
class Orphan:
    link_ids: tuple[int, ...]  # the links it belongs to (several when magics do not tell)
    master_ticket: int
    slave_ticket: int
    symbol: str
    volume: float
    is_pending: bool
    reason: str


@dataclass(frozen=True, slots=True)
class VolumeMismatch:
    link_ids: tuple[int, ...]
    symbol: str
    slave_ticket: int | None
    expected: float  # netting: signed (buy +, sell −)
    actual: float
    reason: str


@dataclass(frozen=True, slots=True)
class ReconcileReport:
    missing: tuple[TicketLink, ...] = ()
    orphans: tuple[Orphan, ...] = ()
    volume_mismatches: tuple[VolumeMismatch, ...] = ()
    adoptable: tuple[TicketLink, ...] = ()
    stale: tuple[TicketLink, ...] = ()

    @property
    def mismatches(self) -> int:
        """Every difference found: zero when links and terminals agree."""
        return (
            len(self.missing)
            + len(self.orphans)
            + len(self.volume_mismatches)
            + len(self.adoptable)
            + len(self.stale)
        )

    @property
    def consistent(self) -> bool:
        return self.mismatches == 0

    def describe(self) -> tuple[str, ...]:
        """One line a trader can read per difference, for logs and notifications."""
        lines = [
            f"{_name(t)} (slave #{t.slave_ticket}) is gone from the slave" for t in self.missing
        ]
        lines += [o.reason for o in self.orphans]
        lines += [v.reason for v in self.volume_mismatches]
        lines += [
            f"{_name(t)} is on the slave as #{t.slave_ticket} but not in the link table"
            for t in self.adoptable
        ]
        lines += [f"{_name(t)} is still listed, yet neither account holds it" for t in self.stale]
        return tuple(lines)

    def for_link(self, link_id: int) -> ReconcileReport:
        return ReconcileReport(
            missing=tuple(t for t in self.missing if t.link_id == link_id),
            orphans=tuple(o for o in self.orphans if link_id in o.link_ids),
            volume_mismatches=tuple(v for v in self.volume_mismatches if link_id in v.link_ids),
            adoptable=tuple(t for t in self.adoptable if t.link_id == link_id),
            stale=tuple(t for t in self.stale if t.link_id == link_id),
        )


def _name(t: TicketLink) -> str:
    what = "pending order" if t.is_pending else "copy"
    return f"{t.slave_symbol}: link {t.link_id} {what} of master #{t.master_ticket}"
