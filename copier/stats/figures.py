"""The figures of the statistics (what each means: ``copier.stats``): a scope's tally per UTC
day, a copied position's running average, a price move in money, master ticket renumbering, and
the JSON-ready report every path builds (``rowwise`` replays the trade log row by row,
``aggregated`` starts from the store's SQL sums)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from copier import clock
from copier.domain import SymbolSpec
from copier.stats.report import Figures, LinkFigures, SlaveFigures, Statistics

SpecBook = Mapping[str, Mapping[str, SymbolSpec]]  # account id → symbol name → spec

DAY_MS = 86_400_000
OPENING_KINDS = frozenset({"open", "fill_pending"})
FILL_KINDS = OPENING_KINDS | {"close"}
MASTER_ADDS = frozenset({"opened", "increased", "pending_filled"})
MASTER_CLOSES = frozenset({"partially_closed", "closed"})
FINISHED = ("executed", "failed", "expired")


def day_of(epoch_ms: int) -> str:
    """The UTC day of an instant, as ``YYYY-MM-DD`` (the key of every per-day figure)."""
    return datetime.fromtimestamp(epoch_ms / 1000, tz=UTC).strftime("%Y-%m-%d")


@dataclass(slots=True)
class Tally:
    """The figures of one scope (a link, a slave, everything) over one period (a day, all)."""

    copies: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    volume_copied: float = 0.0
    pnl: float = 0.0
    master_pnl: float = 0.0
    slippage_points: float = 0.0
    slippage_money: float = 0.0
    denials: Counter[str] = field(default_factory=Counter)
    unpriced: int = 0

    def add(self, other: Tally) -> None:
        self.copies += other.copies
        self.statuses.update(other.statuses)
        self.volume_copied += other.volume_copied
        self.pnl += other.pnl
        self.master_pnl += other.master_pnl
        self.slippage_points += other.slippage_points
        self.slippage_money += other.slippage_money
        self.denials.update(other.denials)
        self.unpriced += other.unpriced

    def figures(self) -> Figures:
        """The figures as shown: money to the cent, points to a tenth, rates to 0.01 %."""
        finished = sum(self.statuses[s] for s in FINISHED)
        executed = self.statuses["executed"]
        return Figures(
            copies=self.copies,
            executed=executed,
            failed=self.statuses["failed"],
            expired=self.statuses["expired"],
            in_flight=self.copies - finished,
            success_rate=round(executed / finished, 4) if finished else None,
            volume_copied=round(self.volume_copied, 2),
            pnl=round(self.pnl, 2),
            master_pnl=round(self.master_pnl, 2),
            slippage_points=round(self.slippage_points, 1),
            slippage_money=round(self.slippage_money, 2),
            denials=sum(self.denials.values()),
            denials_by_rule=dict(sorted(self.denials.items())),
            unpriced=self.unpriced,
        )


class Ledger:
    """Tallies of one scope: one per day plus the total."""

    def __init__(self) -> None:
        self.days: dict[str, Tally] = defaultdict(Tally)

    def on(self, epoch_ms: int) -> Tally:
        return self.days[day_of(epoch_ms)]

    def total(self) -> Tally:
        whole = Tally()
        for tally in self.days.values():
            whole.add(tally)
        return whole

    def merge(self, other: Ledger) -> None:
        for day, tally in other.days.items():
            self.days[day].add(tally)

    def total_figures(self) -> Figures:
        return self.total().figures()

    def day_figures(self) -> dict[str, Figures]:
        return {day: self.days[day].figures() for day in sorted(self.days)}


@dataclass(slots=True)
class Holding:
    """The open volume and average price of one copied (or master) position."""

    volume: float = 0.0
    price: float = 0.0

    def add(self, volume: float, price: float) -> None:
        total = self.volume + volume
        if total > 0:
            self.price = (self.price * self.volume + price * volume) / total
        self.volume = total

    def take(self, volume: float) -> float:
        """Remove up to ``volume``; return what was really held (a close never exceeds it)."""
        taken = min(volume, self.volume) if volume > 0 else self.volume
        self.volume -= taken
        return taken


def money(spec: SymbolSpec | None, price_move: float, volume: float) -> float | None:
    """Account-currency value of a price move on ``volume`` lots, or None without a spec."""
    if spec is None or spec.tick_size <= 0:
        return None
    return price_move / spec.tick_size * spec.tick_value * volume


def spec_of(specs: SpecBook, account_id: str, symbol: str) -> SymbolSpec | None:
    return specs.get(account_id, {}).get(symbol)


@dataclass(slots=True)
class LinkFacts:
    master_id: str = ""
    slave_id: str = ""
    name: str = ""
    ledger: Ledger = field(default_factory=Ledger)
    copied_tickets: set[int] = field(default_factory=set)  # master tickets with a real copy


class Aliases:
    """Master ticket renumbering (MT4 partial-close remainders, pendings that became positions):
    every later ticket resolves to the first, so one position's history stays together."""

    def __init__(self) -> None:
        self._first: dict[tuple[str, int], int] = {}

    def learn(self, account_id: str, ticket: int, new_ticket: int | None) -> None:
        if new_ticket and new_ticket != ticket:
            self._first[(account_id, new_ticket)] = self.resolve(account_id, ticket)

    def resolve(self, account_id: str, ticket: int) -> int:
        return self._first.get((account_id, ticket), ticket)


def start_links(known_links: Iterable[Any]) -> dict[int, LinkFacts]:
    """A scope per saved link (more appear as the log names links no longer saved)."""
    links: dict[int, LinkFacts] = defaultdict(LinkFacts)
    for link in known_links:
        links[link.id] = LinkFacts(link.master_id, link.slave_id, link.name)
    return links


def name_parties(facts: LinkFacts, master_id: str, slave_id: str) -> None:
    """A link no longer saved is named by the first row that mentions it."""
    facts.master_id = facts.master_id or master_id
    facts.slave_id = facts.slave_id or slave_id


def report(links: dict[int, LinkFacts], now_ms: int | None) -> Statistics:
    """The statistics: every link together, per link and per slave."""
    everything = Ledger()
    slaves: dict[str, Ledger] = defaultdict(Ledger)
    for facts in links.values():
        everything.merge(facts.ledger)
        slaves[facts.slave_id].merge(facts.ledger)
    return Statistics(
        generated_ms=now_ms if now_ms is not None else clock.now_ms(),
        total=everything.total_figures(),
        days=everything.day_figures(),
        links=tuple(
            LinkFigures(link_id, f.name, f.master_id, f.slave_id, f.ledger.total_figures(),
                        f.ledger.day_figures())
            for link_id, f in sorted(links.items())
        ),
        slaves=tuple(
            SlaveFigures(slave_id, ledger.total_figures(), ledger.day_figures())
            for slave_id, ledger in sorted(slaves.items())
        ),
    )


def overlay_specs(saved: SpecBook, live: SpecBook) -> dict[str, dict[str, SymbolSpec]]:
    """The saved specs with the live ones laid over them, account by account, symbol by symbol."""
    book = {account_id: dict(symbols) for account_id, symbols in saved.items()}
    for account_id, symbols in live.items():
        book.setdefault(account_id, {}).update(symbols)
    return book
