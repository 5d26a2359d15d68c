"""The trade log summed in SQL for the statistics (``copier.stats``): typed rows of ``GROUP BY``
queries per link, UTC day, status, rule and slave symbol, so a refresh reads a few rows per link
and day instead of every copy (the realised P&L: ``statpnl``). Days are ``YYYY-MM-DD``, as
``stats.day_of``.

A fill is an executed copy of an opening or closing kind with a slave price; its day is the day
it was executed (the decision's when the execution time is missing). ``fill_rows`` and
``master_event_rows`` read the rows of the few positions sums cannot price, and
``renumberings`` the master tickets that were renumbered.
"""

from __future__ import annotations

import functools
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, case, func, or_, select

from copier.store.models import TradeLogCopyRow, TradeLogDenialRow, TradeLogEventRow, table

_copies = table(TradeLogCopyRow)
_denials = table(TradeLogDenialRow)
_events = table(TradeLogEventRow)

OPENING_KINDS = ("open", "fill_pending")
FILL_KINDS = (*OPENING_KINDS, "close")
MASTER_ADDS = ("opened", "increased", "pending_filled")
MASTER_CLOSES = ("partially_closed", "closed")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MAX_LISTED = 10_000  # tickets named in one IN (...); SQLite takes up to 32,766 parameters


DAY_MS = 86_400_000


def _day(epoch_ms: Any) -> ColumnElement[int]:
    """The UTC day of a time in milliseconds as days since 1970 (grouped on as a number: far
    cheaper than formatting every row's date; ``day_text`` names it)."""
    return epoch_ms // DAY_MS


@functools.lru_cache(maxsize=4096)
def day_text(day: int) -> str:
    """A day since 1970 as ``YYYY-MM-DD`` (UTC)."""
    return (EPOCH + timedelta(days=day)).strftime("%Y-%m-%d")


def _is_fill() -> ColumnElement[bool]:
    c = _copies.c
    return and_(c.status == "executed", c.kind.in_(FILL_KINDS), c.slave_price.is_not(None),
                c.slave_price != 0)


def _fill_ms() -> ColumnElement[int]:
    c = _copies.c
    return case((or_(c.executed_ms.is_(None), c.executed_ms == 0), c.decided_ms),
                else_=c.executed_ms)


@dataclass(frozen=True, slots=True)
class StatusCount:
    """Copies of a link decided on a day that ended in (or are still in) one status."""

    link_id: int
    day: str
    status: str
    count: int


@dataclass(frozen=True, slots=True)
class RuleCount:
    """Copies of a link a rule refused on a day."""

    link_id: int
    day: str
    rule: str
    count: int


@dataclass(frozen=True, slots=True)
class Parties:
    """The master and slave a link's first logged row names (for a link no longer saved)."""

    link_id: int
    master_id: str
    slave_id: str


@dataclass(frozen=True, slots=True)
class FillSums:
    """A link's fills into one slave symbol on one day."""

    link_id: int
    slave_id: str
    slave_symbol: str
    day: str
    opened_volume: float  # lots of the opening fills
    slippage_points: float | None  # None: no fill reported slippage
    slippage_lot_points: float  # Σ slippage points × filled lots (priced with the spec)
    slipped: int  # fills with a non-zero slippage


@dataclass(frozen=True, slots=True)
class Renumbering:
    """A master event that gave a ticket a new number (MT4 partial-close remainders, pendings
    that became positions), in log order."""

    account_id: str
    ticket: int
    new_ticket: int


def status_counts(conn: Connection) -> list[StatusCount]:
    c = _copies.c
    day = _day(c.decided_ms)
    rows = conn.execute(select(c.link_id, day, c.status, func.count())
                        .group_by(c.link_id, day, c.status))
    return [StatusCount(int(link), day_text(int(d)), str(status), int(n))
            for link, d, status, n in rows]


def rule_counts(conn: Connection) -> list[RuleCount]:
    d = _denials.c
    day = _day(d.time_ms)
    rows = conn.execute(select(d.link_id, day, d.rule, func.count())
                        .group_by(d.link_id, day, d.rule))
    return [RuleCount(int(link), day_text(int(dd)), str(rule), int(n))
            for link, dd, rule, n in rows]


def first_parties(conn: Connection) -> tuple[list[Parties], list[Parties]]:
    """Per link, the parties of its first refusal (by id) and of its first copy (by decision
    time; a link's rows all name the same parties, so a tie needs no second key)."""
    d, c = _denials.c, _copies.c
    first_denial = (select(d.link_id, func.min(d.id).label("first")).group_by(d.link_id)
                    .subquery())
    denied = conn.execute(select(d.link_id, d.master_id, d.slave_id)
                          .join(first_denial, d.id == first_denial.c.first))
    # SQLite takes a bare column from the row MIN() picked (sqlite.org/lang_select.html#bareagg)
    copied = [(a, b, s) for a, b, s, _ in conn.execute(
        select(c.link_id, c.master_id, c.slave_id, func.min(c.decided_ms)).group_by(c.link_id))]
    return ([Parties(int(a), str(b), str(s)) for a, b, s in denied],
            [Parties(int(a), str(b), str(s)) for a, b, s in copied])


def fill_sums(conn: Connection) -> list[FillSums]:
    c = _copies.c
    day = _day(_fill_ms())
    volume = func.coalesce(c.filled_volume, 0.0)
    opened = func.sum(case((c.kind.in_(OPENING_KINDS), volume), else_=0.0))
    slipped = func.sum(case((and_(c.slippage_points.is_not(None), c.slippage_points != 0), 1),
                            else_=0))
    rows = conn.execute(
        select(c.link_id, c.slave_id, c.slave_symbol, day, opened, func.sum(c.slippage_points),
               func.coalesce(func.sum(c.slippage_points * volume), 0.0), slipped)
        .where(_is_fill()).group_by(c.link_id, c.slave_id, c.slave_symbol, day))
    return [FillSums(int(r[0]), str(r[1]), str(r[2]), day_text(int(r[3])), float(r[4] or 0.0),
                     None if r[5] is None else float(r[5]), float(r[6]), int(r[7] or 0))
            for r in rows]


def renumberings(conn: Connection) -> list[Renumbering]:
    e = _events.c
    rows = conn.execute(
        select(e.account_id, e.ticket, e.new_ticket)
        .where(e.kind.in_(MASTER_ADDS + MASTER_CLOSES), e.new_ticket.is_not(None),
               e.new_ticket != 0, e.new_ticket != e.ticket)
        .order_by(e.id))
    return [Renumbering(str(a), int(t), int(n)) for a, t, n in rows]


def fill_rows(conn: Connection, positions: Collection[tuple[int, str, int]]) -> list[Any]:
    """The fills of the given copied positions ``(link_id, master_id, master_ticket)``, in
    decision order (the statistics replay them one by one)."""
    if not positions:
        return []
    c = _copies.c
    statement = select(c.link_id, c.master_id, c.slave_id, c.master_ticket, c.slave_symbol,
                       c.side, c.kind, c.filled_volume, c.slave_price, c.decided_ms,
                       c.executed_ms).where(_is_fill())
    tickets = sorted({ticket for _, _, ticket in positions})
    if len(tickets) <= MAX_LISTED:  # else every fill, sifted below
        statement = statement.where(c.master_ticket.in_(tickets))
    rows = conn.execute(statement.order_by(c.decided_ms, c.command_id)).all()
    wanted = set(positions)
    return [r for r in rows if (r.link_id, r.master_id, r.master_ticket) in wanted]


def master_event_rows(conn: Connection, tickets: Collection[tuple[str, int]]) -> list[Any]:
    """The adds and closes of the given master tickets ``(account_id, ticket)``, in log order."""
    if not tickets:
        return []
    e = _events.c
    statement = select(e.account_id, e.kind, e.ticket, e.new_ticket, e.symbol, e.order_type,
                       e.volume, e.closed_volume, e.price, e.decided_ms
                       ).where(e.kind.in_(MASTER_ADDS + MASTER_CLOSES))
    numbers = sorted({ticket for _, ticket in tickets})
    if len(numbers) <= MAX_LISTED:
        statement = statement.where(e.ticket.in_(numbers))
    rows = conn.execute(statement.order_by(e.id)).all()
    wanted = set(tickets)
    return [r for r in rows if (r.account_id, r.ticket) in wanted]
