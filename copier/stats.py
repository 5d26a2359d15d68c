"""Copy statistics (SPEC §8) from the store: per link and per slave, per UTC day and in total.

Qt-free, so the Statistics screen and ``copier stats --json`` print the same figures. Everything is
read from the trade log: copy rows (status, fills, slippage), denials, and the master events that
give the master's own prices.

What the figures mean:

* ``copies`` counts copy commands (one trade-log row each); ``executed``/``failed``/``expired``/
  ``in_flight`` split them by status, and ``success_rate`` is executed over finished copies.
* ``volume_copied`` is the volume the slave opened (executed opens and filled pendings).
* ``pnl`` is the realised profit of the copies, from the slave's own fills: each executed close
  realises (close − average open) × side × closed volume. ``master_pnl`` is the same for the
  master's trades that the link copied, from the master's own fills. Open positions count once
  they are closed, on the day of the close.
* ``slippage_points`` adds up each fill's slippage (positive: the slave got a worse price) and
  ``slippage_money`` prices it with the slave symbol's tick value. A reversed copy has none: it
  deals on the other side of the spread from the master, so the gap to the master's price is the
  spread, not slippage (``copier.store.rows.slippage_points``); the screen says so.
* Money needs a symbol's tick size and tick value, which the trade log does not keep. The
  copier saves the specs each terminal last reported (table ``symbol_specs``) and
  ``compute_stats`` prices with those; specs passed live (``specs``, as the running app does)
  win per account and symbol. So ``copier stats`` run from a shell, with the app closed, prints
  the figures the Statistics screen shows. A trade or fill whose spec is unknown (its terminal
  never reported one) is counted in ``unpriced`` and left out of the money figures, never
  guessed.
* Totals over several links add up per link, so ``master_pnl`` of a slave (or of everything) is
  the master's result once per link that copied it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select

from copier import clock
from copier.domain import SymbolSpec
from copier.store import Store
from copier.store.models import TradeLogCopyRow, TradeLogDenialRow, TradeLogEventRow, table

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

    def to_dict(self) -> dict[str, Any]:
        finished = sum(self.statuses[s] for s in FINISHED)
        executed = self.statuses["executed"]
        return {
            "copies": self.copies,
            "executed": executed,
            "failed": self.statuses["failed"],
            "expired": self.statuses["expired"],
            "in_flight": self.copies - finished,
            "success_rate": round(executed / finished, 4) if finished else None,
            "volume_copied": round(self.volume_copied, 2),
            "pnl": round(self.pnl, 2),
            "master_pnl": round(self.master_pnl, 2),
            "slippage_points": round(self.slippage_points, 1),
            "slippage_money": round(self.slippage_money, 2),
            "denials": sum(self.denials.values()),
            "denials_by_rule": dict(sorted(self.denials.items())),
            "unpriced": self.unpriced,
        }


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

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total().to_dict(),
            "days": {day: self.days[day].to_dict() for day in sorted(self.days)},
        }


@dataclass(slots=True)
class _Holding:
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


def _spec(specs: SpecBook, account_id: str, symbol: str) -> SymbolSpec | None:
    return specs.get(account_id, {}).get(symbol)


# --- reading the trade log ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TradeLog:
    copies: list[Any]
    denials: list[Any]
    events: list[Any]


def read_trade_log(conn: Connection) -> TradeLog:
    c, d, e = table(TradeLogCopyRow).c, table(TradeLogDenialRow).c, table(TradeLogEventRow).c
    copies = conn.execute(
        select(
            c.link_id, c.master_id, c.slave_id, c.master_ticket, c.symbol, c.slave_symbol,
            c.side, c.kind, c.status, c.filled_volume, c.slave_price, c.slippage_points,
            c.decided_ms, c.executed_ms,
        ).order_by(c.decided_ms, c.command_id)
    ).all()
    denials = conn.execute(
        select(d.link_id, d.master_id, d.slave_id, d.rule, d.time_ms).order_by(d.id)
    ).all()
    events = conn.execute(
        select(
            e.account_id, e.kind, e.ticket, e.new_ticket, e.symbol, e.order_type, e.volume,
            e.closed_volume, e.price, e.decided_ms,
        )
        .where(e.kind.in_(tuple(MASTER_ADDS | MASTER_CLOSES)))
        .order_by(e.id)
    ).all()
    return TradeLog(list(copies), list(denials), list(events))


# --- computing --------------------------------------------------------------------------------


@dataclass(slots=True)
class _LinkFacts:
    master_id: str = ""
    slave_id: str = ""
    name: str = ""
    ledger: Ledger = field(default_factory=Ledger)
    copied_tickets: set[int] = field(default_factory=set)  # master tickets with a real copy


class _Aliases:
    """Master ticket renumbering (MT4 partial-close remainders, pendings that became positions):
    every later ticket resolves to the first, so one position's history stays together."""

    def __init__(self) -> None:
        self._first: dict[tuple[str, int], int] = {}

    def learn(self, account_id: str, ticket: int, new_ticket: int | None) -> None:
        if new_ticket and new_ticket != ticket:
            self._first[(account_id, new_ticket)] = self.resolve(account_id, ticket)

    def resolve(self, account_id: str, ticket: int) -> int:
        return self._first.get((account_id, ticket), ticket)


def _tally_copies(log: TradeLog, links: dict[int, _LinkFacts], specs: SpecBook,
                  aliases: _Aliases) -> None:
    holdings: dict[tuple[int, int], _Holding] = defaultdict(_Holding)
    for row in log.copies:
        facts = links[row.link_id]
        facts.master_id = facts.master_id or row.master_id
        facts.slave_id = facts.slave_id or row.slave_id
        tally = facts.ledger.on(row.decided_ms)
        tally.copies += 1
        tally.statuses[row.status] += 1
        if row.status != "executed" or row.kind not in FILL_KINDS or not row.slave_price:
            continue
        ticket = aliases.resolve(row.master_id, row.master_ticket)
        volume = float(row.filled_volume or 0.0)
        spec = _spec(specs, row.slave_id, row.slave_symbol)
        fill_tally = facts.ledger.on(row.executed_ms or row.decided_ms)
        _add_slippage(fill_tally, spec, row.slippage_points, volume)
        holding = holdings[(row.link_id, ticket)]
        if row.kind in OPENING_KINDS:
            facts.copied_tickets.add(ticket)
            fill_tally.volume_copied += volume
            holding.add(volume, float(row.slave_price))
            continue
        sign = 1.0 if row.side == "buy" else -1.0
        closed = holding.take(volume)
        realised = money(spec, (float(row.slave_price) - holding.price) * sign, closed)
        if realised is None:
            fill_tally.unpriced += 1
        else:
            fill_tally.pnl += realised


def _add_slippage(tally: Tally, spec: SymbolSpec | None, points: float | None,
                  volume: float) -> None:
    if points is None:
        return
    tally.slippage_points += float(points)
    if spec is not None:
        priced = money(spec, float(points) * spec.point, volume)
        tally.slippage_money += priced or 0.0
    elif points:
        tally.unpriced += 1


def _tally_master(log: TradeLog, links: dict[int, _LinkFacts], specs: SpecBook,
                  aliases: _Aliases) -> None:
    """Realise the master's P&L close by close and book it on every link that copied it."""
    by_master: dict[str, list[_LinkFacts]] = defaultdict(list)
    for facts in links.values():
        by_master[facts.master_id].append(facts)
    holdings: dict[tuple[str, int], _Holding] = defaultdict(_Holding)
    for event in log.events:
        ticket = aliases.resolve(event.account_id, event.ticket)
        holding = holdings[(event.account_id, ticket)]
        if event.kind in MASTER_ADDS:
            added = event.volume - holding.volume if event.kind == "increased" else event.volume
            holding.add(max(0.0, float(added)), float(event.price))
            continue
        closed_volume = float(event.closed_volume or 0.0)
        if event.kind == "closed" and closed_volume <= 0:
            closed_volume = holding.volume  # a full close takes whatever is left
        sign = 1.0 if event.order_type.startswith("buy") else -1.0
        entry = holding.price
        closed = holding.take(closed_volume)
        spec = _spec(specs, event.account_id, event.symbol)
        realised = money(spec, (float(event.price) - entry) * sign, closed)
        for facts in by_master.get(event.account_id, ()):
            if ticket not in facts.copied_tickets:
                continue
            tally = facts.ledger.on(event.decided_ms)
            if realised is None:
                tally.unpriced += 1
            else:
                tally.master_pnl += realised


def _tally_denials(log: TradeLog, links: dict[int, _LinkFacts]) -> None:
    for row in log.denials:
        facts = links[row.link_id]
        facts.master_id = facts.master_id or row.master_id
        facts.slave_id = facts.slave_id or row.slave_id
        facts.ledger.on(row.time_ms).denials[row.rule] += 1


def build_stats(log: TradeLog, known_links: Iterable[Any], specs: SpecBook | None = None,
                now_ms: int | None = None) -> dict[str, Any]:
    """The statistics of a trade log already read (``compute_stats`` reads it for you)."""
    links: dict[int, _LinkFacts] = defaultdict(_LinkFacts)
    for link in known_links:
        links[link.id] = _LinkFacts(link.master_id, link.slave_id, link.name)
    aliases = _Aliases()
    for event in log.events:
        aliases.learn(event.account_id, event.ticket, event.new_ticket)
    book = specs or {}
    _tally_denials(log, links)
    _tally_copies(log, links, book, aliases)
    _tally_master(log, links, book, aliases)
    everything = Ledger()
    slaves: dict[str, Ledger] = defaultdict(Ledger)
    for facts in links.values():
        everything.merge(facts.ledger)
        slaves[facts.slave_id].merge(facts.ledger)
    return {
        "generated_ms": now_ms if now_ms is not None else clock.now_ms(),
        **everything.to_dict(),  # "total" and "days": every link together
        "links": [
            {"link_id": link_id, "name": f.name, "master_id": f.master_id,
             "slave_id": f.slave_id, **f.ledger.to_dict()}
            for link_id, f in sorted(links.items())
        ],
        "slaves": [
            {"slave_id": slave_id, **ledger.to_dict()}
            for slave_id, ledger in sorted(slaves.items())
        ],
    }


def compute_stats(store: Store, specs: SpecBook | None = None,
                  now_ms: int | None = None) -> dict[str, Any]:
    """Statistics of everything in ``store``, JSON-ready, priced with the saved symbol specs
    overlaid by ``specs`` (the live ones, when a terminal is running). Blocking (it reads the
    database): call it from a worker thread or the command line, never from an event loop."""
    log = store.read(read_trade_log)
    book = overlay_specs(store.load_symbol_specs(), specs or {})
    return build_stats(log, store.load_links(), book, now_ms)


def overlay_specs(saved: SpecBook, live: SpecBook) -> dict[str, dict[str, SymbolSpec]]:
    """The saved specs with the live ones laid over them, account by account, symbol by symbol."""
    book = {account_id: dict(symbols) for account_id, symbols in saved.items()}
    for account_id, symbols in live.items():
        book.setdefault(account_id, {}).update(symbols)
    return book
