"""The statistics computed by replaying the trade log row by row: the reference the SQL sums
(``copier.stats.aggregated``) must agree with, and the replay of the few positions whose running
average cannot be had from sums (renumbered tickets, an add after a close)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from copier.domain import SymbolSpec
from copier.stats.figures import (
    FILL_KINDS,
    MASTER_ADDS,
    MASTER_CLOSES,
    OPENING_KINDS,
    Aliases,
    Holding,
    LinkFacts,
    SpecBook,
    Tally,
    money,
    name_parties,
    report,
    spec_of,
    start_links,
)
from copier.store.models import TradeLogCopyRow, TradeLogDenialRow, TradeLogEventRow, table

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


def _tally_copies(log: TradeLog, links: dict[int, LinkFacts], specs: SpecBook,
                  aliases: Aliases) -> None:
    holdings: dict[tuple[int, int], Holding] = defaultdict(Holding)
    for row in log.copies:
        facts = links[row.link_id]
        name_parties(facts, row.master_id, row.slave_id)
        tally = facts.ledger.on(row.decided_ms)
        tally.copies += 1
        tally.statuses[row.status] += 1
        if row.status != "executed" or row.kind not in FILL_KINDS or not row.slave_price:
            continue
        volume = float(row.filled_volume or 0.0)
        spec = spec_of(specs, row.slave_id, row.slave_symbol)
        fill_tally = facts.ledger.on(row.executed_ms or row.decided_ms)
        _add_slippage(fill_tally, spec, row.slippage_points, volume)
        if row.kind in OPENING_KINDS:
            fill_tally.volume_copied += volume
        realise_fill(row, facts, holdings, specs, aliases)


def realise_fill(row: Any, facts: LinkFacts, holdings: dict[tuple[int, int], Holding],
                 specs: SpecBook, aliases: Aliases) -> None:
    """One executed fill of a copy: an opening one adds to the copied position, a close
    realises (close − average open) × side × closed volume on the day of the fill."""
    ticket = aliases.resolve(row.master_id, row.master_ticket)
    volume = float(row.filled_volume or 0.0)
    holding = holdings[(row.link_id, ticket)]
    if row.kind in OPENING_KINDS:
        facts.copied_tickets.add(ticket)
        holding.add(volume, float(row.slave_price))
        return
    sign = 1.0 if row.side == "buy" else -1.0
    closed = holding.take(volume)
    realised = money(spec_of(specs, row.slave_id, row.slave_symbol),
                     (float(row.slave_price) - holding.price) * sign, closed)
    fill_tally = facts.ledger.on(row.executed_ms or row.decided_ms)
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


def tally_master(log: TradeLog, links: dict[int, LinkFacts], specs: SpecBook,
                 aliases: Aliases) -> None:
    """Realise the master's P&L close by close and book it on every link that copied it."""
    by_master: dict[str, list[LinkFacts]] = defaultdict(list)
    for facts in links.values():
        by_master[facts.master_id].append(facts)
    holdings: dict[tuple[str, int], Holding] = defaultdict(Holding)
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
        spec = spec_of(specs, event.account_id, event.symbol)
        realised = money(spec, (float(event.price) - entry) * sign, closed)
        for facts in by_master.get(event.account_id, ()):
            if ticket not in facts.copied_tickets:
                continue
            tally = facts.ledger.on(event.decided_ms)
            if realised is None:
                tally.unpriced += 1
            else:
                tally.master_pnl += realised


def _tally_denials(log: TradeLog, links: dict[int, LinkFacts]) -> None:
    for row in log.denials:
        facts = links[row.link_id]
        name_parties(facts, row.master_id, row.slave_id)
        facts.ledger.on(row.time_ms).denials[row.rule] += 1


def build_stats(log: TradeLog, known_links: Iterable[Any], specs: SpecBook | None = None,
                now_ms: int | None = None) -> dict[str, Any]:
    """The statistics of a trade log already read, row by row, JSON-ready."""
    links = start_links(known_links)
    aliases = Aliases()
    for event in log.events:
        aliases.learn(event.account_id, event.ticket, event.new_ticket)
    book = specs or {}
    _tally_denials(log, links)
    _tally_copies(log, links, book, aliases)
    tally_master(log, links, book, aliases)
    return report(links, now_ms).to_dict()
