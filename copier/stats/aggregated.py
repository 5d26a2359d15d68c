"""The statistics from the store's SQL sums: counts per link, day, status and rule, fills per
slave symbol and day (``copier.store.statrows``) and the realised P&L per link, symbol and day
(``copier.store.statpnl``), so a refresh reads a few rows per link and day, not the trade log.

The few positions whose average open price sums cannot give (renumbered tickets, an add after a
close, a close without a size, closes beyond the opens, a master's 'increased' event) are
replayed row by row (``rowwise``) from the same read, so the figures equal a full replay
(tests/unit/store/test_store_statrows.py, tests/integration/test_stats_after_the_app.py).
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
from copier.store import Store, statpnl, statrows
from copier.store.statpnl import PnlSum


@dataclass(frozen=True, slots=True)
class Sums:
    """Everything the statistics read, in one transaction."""

    statuses: list[statrows.StatusCount]
    rules: list[statrows.RuleCount]
    denied_parties: list[statrows.Parties]
    copied_parties: list[statrows.Parties]
    fills: list[statrows.FillSums]
    copy_pnl: list[PnlSum]
    master_pnl: list[PnlSum]
    renumberings: list[statrows.Renumbering]
    fill_rows: list[Any]  # fills of the positions replayed row by row
    event_rows: list[Any]  # master events of the positions replayed row by row
    copying: list[tuple[int, str, int]]  # links that copied a replayed master position


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


def read_sums(conn: Connection) -> Sums:
    """The sums, and the rows of the positions the sums cannot price (one read)."""
    denied, copied = statrows.first_parties(conn)
    replayed_masters = statpnl.replayed_masters(conn)
    return Sums(
        statrows.status_counts(conn), statrows.rule_counts(conn), denied, copied,
        statrows.fill_sums(conn), statpnl.copy_pnl(conn), statpnl.master_pnl(conn),
        statrows.renumberings(conn),
        statrows.fill_rows(conn, statpnl.replayed_copies(conn)),
        statrows.master_event_rows(conn, replayed_masters),
        statpnl.copying_links(conn, replayed_masters),
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
    aliases = Aliases()
    for r in sums.renumberings:
        aliases.learn(r.account_id, r.ticket, r.new_ticket)
    _realise(sums, links, book, aliases)
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


def _realise(sums: Sums, links: dict[int, LinkFacts], book: SpecBook, aliases: Aliases) -> None:
    for pnl in sums.copy_pnl:
        tally = links[pnl.link_id].ledger.days[pnl.day]
        realised = money(spec_of(book, pnl.account_id, pnl.symbol), pnl.price_lots, 1.0)
        if realised is None:
            tally.unpriced += pnl.closes
        else:
            tally.pnl += realised
    holdings: dict[tuple[int, int], Holding] = defaultdict(Holding)
    for row in sums.fill_rows:
        realise_fill(row, links[row.link_id], holdings, book, aliases)
    for pnl in sums.master_pnl:
        facts = links[pnl.link_id]
        if facts.master_id != pnl.account_id:
            continue
        tally = facts.ledger.days[pnl.day]
        realised = money(spec_of(book, pnl.account_id, pnl.symbol), pnl.price_lots, 1.0)
        if realised is None:
            tally.unpriced += pnl.closes
        else:
            tally.master_pnl += realised
    for link_id, _master, ticket in sums.copying:
        links[link_id].copied_tickets.add(ticket)
    tally_master(TradeLog([], [], sums.event_rows), links, book, aliases)
