"""The statistics as typed values: one scope's figures over one period (``Figures``), a link's
and a slave's figures in total and per UTC day, and everything together (``Statistics``). The
window and ``copier stats`` read these; ``to_dict`` is the JSON ``copier stats --json`` prints.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Figures:
    """One scope (a link, a slave, everything) over one period (a day, or in total); what each
    figure means is in ``copier.stats``."""

    copies: int = 0
    executed: int = 0
    failed: int = 0
    expired: int = 0
    in_flight: int = 0
    success_rate: float | None = None  # executed over finished copies; None: none finished
    volume_copied: float = 0.0
    pnl: float = 0.0
    master_pnl: float = 0.0
    slippage_points: float = 0.0
    slippage_money: float = 0.0
    denials: int = 0
    denials_by_rule: dict[str, int] = dataclasses.field(default_factory=dict)
    unpriced: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)} | {
            "denials_by_rule": dict(self.denials_by_rule)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Figures:
        return cls(**data)


def _days_dict(days: dict[str, Figures]) -> dict[str, Any]:
    return {day: figures.to_dict() for day, figures in days.items()}


def _days_of(data: dict[str, Any]) -> dict[str, Figures]:
    return {day: Figures.from_dict(f) for day, f in data.get("days", {}).items()}


@dataclass(frozen=True, slots=True)
class LinkFigures:
    link_id: int
    name: str
    master_id: str
    slave_id: str
    total: Figures
    days: dict[str, Figures]  # UTC day (YYYY-MM-DD) → its figures, oldest first

    def to_dict(self) -> dict[str, Any]:
        return {"link_id": self.link_id, "name": self.name, "master_id": self.master_id,
                "slave_id": self.slave_id, "total": self.total.to_dict(),
                "days": _days_dict(self.days)}


@dataclass(frozen=True, slots=True)
class SlaveFigures:
    """Every link into one slave, added up."""

    slave_id: str
    total: Figures
    days: dict[str, Figures]

    def to_dict(self) -> dict[str, Any]:
        return {"slave_id": self.slave_id, "total": self.total.to_dict(),
                "days": _days_dict(self.days)}


@dataclass(frozen=True, slots=True)
class Statistics:
    generated_ms: int
    total: Figures  # every link together
    days: dict[str, Figures]
    links: tuple[LinkFigures, ...] = ()
    slaves: tuple[SlaveFigures, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"generated_ms": self.generated_ms, "total": self.total.to_dict(),
                "days": _days_dict(self.days), "links": [link.to_dict() for link in self.links],
                "slaves": [slave.to_dict() for slave in self.slaves]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Statistics:
        """The statistics ``to_dict`` (or ``copier stats --json``) wrote."""
        return cls(
            int(data.get("generated_ms", 0)), Figures.from_dict(data.get("total", {})),
            _days_of(data),
            tuple(LinkFigures(int(link["link_id"]), str(link.get("name", "")),
                              str(link["master_id"]), str(link["slave_id"]),
                              Figures.from_dict(link["total"]), _days_of(link))
                  for link in data.get("links", ())),
            tuple(SlaveFigures(str(slave["slave_id"]), Figures.from_dict(slave["total"]),
                               _days_of(slave)) for slave in data.get("slaves", ())),
        )
