"""The statistics from the store's SQL sums (``copier.store.statrows``): counts per link, day,
status and rule, fills per slave symbol and day, and each copied position's opens and closes
summed, so a refresh reads a few rows per position, not the whole trade log.

A position's realised P&L comes from its sums when its average open price is the average of all
its opens, that is when every open precedes every close, each close has a size and the closes
do not exceed the opens; a master's 'increased' events (they carry the total, not what was
added) and renumbered tickets also need their rows. Those few positions are replayed row by row
(``rowwise``) from the same read, so the figures equal a full replay (tests/unit/store).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from copier.stats.figures import (
    Aliases,
    Holding,
    LinkFacts,
    SpecBook,
    money,
    name_parties,
    overlay_specs,
    report,
    spec_of,
    start_links,
)
from copier.stats.report import Statistics
from copier.stats.rowwise import TradeLog, realise_fill, tally_master
from copier.store import Store, statrows
from copier.store.statrows import CopyPosition, MasterPosition

VOLUME_SLACK = 1e-9  # lots: closes summing to the opens give or take float rounding


@dataclass(frozen=True, slots=True)
class Sums:
    """Everything the statistics read, in one transaction."""

    statuses: list[statrows.StatusCount]
    rules: list[statrows.RuleCount]
    denied_parties: list[statrows.Parties]
    copied_parties: list[statrows.Parties]
    fills: list[statrows.FillSums]
    positions: list[CopyPosition]
    closes: list[statrows.CopyCloses]
    masters: list[MasterPosition]
    master_closes: list[statrows.MasterCloses]
    renumberings: list[statrows.Renumbering]
    fill_rows: list[Any]  # fills of the positions replayed row by row
    event_rows: list[Any]  # master events of the positions replayed row by row


def statistics(store: Store, specs: SpecBook | None = None,
               now_ms: int | None = None) -> Statistics:
    """Statistics of everything in ``store``, priced with the saved symbol specs overlaid by
    ``specs`` (the live ones, when a terminal is running). Blocking (it reads the database):
    call it from a worker thread or the command line, never from an event loop."""
    book = overlay_specs(store.load_symbol_specs(), specs or {})
    return stats_from_sums(store.read(read_sums), store.load_links(), book, now_ms)


def compute_stats(store: Store, specs: SpecBook | None = None,
                  now_ms: int | None = None) -> dict[str, Any]:
    """``statistics`` as JSON-ready data (``copier stats --json``)."""
    return statistics(store, specs, now_ms).to_dict()


def _renumbered(renumberings: Iterable[statrows.Renumbering]) -> set[tuple[str, int]]:
    tickets: set[tuple[str, int]] = set()
    for r in renumberings:
        tickets.update(((r.account_id, r.ticket), (r.account_id, r.new_ticket)))
    return tickets


def copy_from_sums(p: CopyPosition, renumbered: set[tuple[str, int]]) -> bool:
    if (p.master_id, p.master_ticket) in renumbered:
        return False
    if p.closes == 0:
        return True
    return (p.opens > 0 and p.unsized_closes == 0 and p.last_open_ms is not None
            and p.first_close_ms is not None and p.last_open_ms < p.first_close_ms
            and p.close_volume <= p.open_volume + VOLUME_SLACK)


def master_from_sums(m: MasterPosition, renumbered: set[tuple[str, int]]) -> bool:
    if (m.account_id, m.ticket) in renumbered:
        return False
    if m.closes == 0:
        return True
    return (m.adds > 0 and m.increases == 0 and m.unsized_closes == 0
            and m.last_add_id is not None and m.first_close_id is not None
            and m.last_add_id < m.first_close_id
            and m.close_volume <= m.add_volume + VOLUME_SLACK)


def read_sums(conn: Connection) -> Sums:
    """The sums, and the rows of the positions the sums cannot price (one read)."""
    renumberings = statrows.renumberings(conn)
    renumbered = _renumbered(renumberings)
    positions = statrows.copy_positions(conn)
    masters = statrows.master_positions(conn)
    replayed = [(p.link_id, p.master_id, p.master_ticket) for p in positions
                if not copy_from_sums(p, renumbered)]
    replayed_masters = [(m.account_id, m.ticket) for m in masters
                        if not master_from_sums(m, renumbered)]
    denied, copied = statrows.first_parties(conn)
    return Sums(
        statrows.status_counts(conn), statrows.rule_counts(conn), denied, copied,
        statrows.fill_sums(conn), positions, statrows.copy_closes(conn), masters,
        statrows.master_closes(conn), renumberings, statrows.fill_rows(conn, replayed),
        statrows.master_event_rows(conn, replayed_masters),
    )


def stats_from_sums(sums: Sums, known_links: Iterable[Any], specs: SpecBook | None = None,
                    now_ms: int | None = None) -> Statistics:
    links = start_links(known_links)
    book = specs or {}
    for parties in (*sums.denied_parties, *sums.copied_parties):  # refusals name a link first
        name_parties(links[parties.link_id], parties.master_id, parties.slave_id)
    for rule in sums.rules:
        links[rule.link_id].ledger.days[rule.day].denials[rule.rule] += rule.count
    for status in sums.statuses:
        tally = links[status.link_id].ledger.days[status.day]
        tally.copies += status.count
        tally.statuses[status.status] += status.count
    _tally_fills(sums, links, book)
    renumbered = _renumbered(sums.renumberings)
    aliases = Aliases()
    for r in sums.renumberings:
        aliases.learn(r.account_id, r.ticket, r.new_ticket)
    _realise_copies(sums, links, book, renumbered, aliases)
    _realise_masters(sums, links, book, renumbered, aliases)
    return report(links, now_ms)


def _tally_fills(sums: Sums, links: dict[int, LinkFacts], book: SpecBook) -> None:
    for fill in sums.fills:
        tally = links[fill.link_id].ledger.days[fill.day]
        tally.volume_copied += fill.opened_volume
        if fill.slippage_points is None:
            continue
        tally.slippage_points += fill.slippage_points
        spec = spec_of(book, fill.slave_id, fill.slave_symbol)
        if spec is not None:
            tally.slippage_money += money(spec, spec.point, fill.slippage_lot_points) or 0.0
        else:
            tally.unpriced += fill.slipped


def _realise_copies(sums: Sums, links: dict[int, LinkFacts], book: SpecBook,
                    renumbered: set[tuple[str, int]], aliases: Aliases) -> None:
    average: dict[tuple[int, str, int], float] = {}
    for p in sums.positions:
        if not copy_from_sums(p, renumbered):
            continue
        if p.opens:
            links[p.link_id].copied_tickets.add(p.master_ticket)
        average[(p.link_id, p.master_id, p.master_ticket)] = (
            p.open_value / p.open_volume if p.open_volume > 0 else 0.0)
    for closes in sums.closes:
        entry = average.get((closes.link_id, closes.master_id, closes.master_ticket))
        if entry is None:  # replayed below
            continue
        sign = 1.0 if closes.side == "buy" else -1.0
        realised = money(spec_of(book, closes.slave_id, closes.slave_symbol),
                         sign * (closes.value - entry * closes.volume), 1.0)
        tally = links[closes.link_id].ledger.days[closes.day]
        if realised is None:
            tally.unpriced += closes.closes
        else:
            tally.pnl += realised
    holdings: dict[tuple[int, int], Holding] = defaultdict(Holding)
    for row in sums.fill_rows:
        realise_fill(row, links[row.link_id], holdings, book, aliases)


def _realise_masters(sums: Sums, links: dict[int, LinkFacts], book: SpecBook,
                     renumbered: set[tuple[str, int]], aliases: Aliases) -> None:
    by_master: dict[str, list[LinkFacts]] = defaultdict(list)
    for facts in links.values():
        by_master[facts.master_id].append(facts)
    average = {(m.account_id, m.ticket): m.add_value / m.add_volume if m.add_volume > 0 else 0.0
               for m in sums.masters if master_from_sums(m, renumbered)}
    for closes in sums.master_closes:
        entry = average.get((closes.account_id, closes.ticket))
        if entry is None:
            continue
        sign = 1.0 if closes.buy else -1.0
        realised = money(spec_of(book, closes.account_id, closes.symbol),
                         sign * (closes.value - entry * closes.volume), 1.0)
        for facts in by_master.get(closes.account_id, ()):
            if closes.ticket not in facts.copied_tickets:
                continue
            tally = facts.ledger.days[closes.day]
            if realised is None:
                tally.unpriced += closes.closes
            else:
                tally.master_pnl += realised
    tally_master(TradeLog([], [], sums.event_rows), links, book, aliases)
