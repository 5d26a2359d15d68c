"""The trade log summed in SQL for the statistics (``copier.stats``): typed rows of ``GROUP BY``
queries per link, day, status, rule, slave symbol and copied position, so a refresh reads a few
rows per position instead of every copy. Days are UTC (``YYYY-MM-DD``), as ``stats.day_of``.

A fill is an executed copy of an opening or closing kind with a slave price; its day is the day
it was executed (the decision's when the execution time is missing). The statistics decide from
the sums which positions need their rows after all (``fill_rows``, ``master_event_rows``): those
whose running average cannot be had from sums (a master ticket renumbered, an add after a close).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
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
MAX_LISTED = 10_000  # tickets named in one IN (...); SQLite takes up to 32,766 parameters


def _day(epoch_ms: Any) -> ColumnElement[str]:
    """The UTC day of a time in milliseconds (SQLite's integer division floors it to seconds)."""
    return func.strftime("%Y-%m-%d", epoch_ms / 1000, "unixepoch")


def _is_fill() -> ColumnElement[bool]:
    c = _copies.c
    return and_(c.status == "executed", c.kind.in_(FILL_KINDS), c.slave_price.is_not(None),
                c.slave_price != 0)


def _fill_ms() -> ColumnElement[int]:
    c = _copies.c
    return case((or_(c.executed_ms.is_(None), c.executed_ms == 0), c.decided_ms),
                else_=c.executed_ms)


def _when(condition: ColumnElement[bool], value: Any) -> ColumnElement[Any]:
    return case((condition, value), else_=None)


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
class CopyPosition:
    """The fills of one master ticket's copies on one link, summed."""

    link_id: int
    master_id: str
    master_ticket: int
    opens: int
    open_volume: float
    open_value: float  # Σ price × lots of the opening fills
    last_open_ms: int | None  # decision time of the last opening fill
    closes: int
    close_volume: float
    first_close_ms: int | None
    unsized_closes: int  # closing fills without a positive volume (they take all that is held)


@dataclass(frozen=True, slots=True)
class CopyCloses:
    """The closing fills of one copied position into one slave symbol on one day."""

    link_id: int
    master_id: str
    master_ticket: int
    slave_id: str
    slave_symbol: str
    side: str
    day: str
    closes: int
    volume: float
    value: float  # Σ price × lots


@dataclass(frozen=True, slots=True)
class MasterPosition:
    """A master ticket's logged adds and closes, summed."""

    account_id: str
    ticket: int
    adds: int
    add_volume: float
    add_value: float
    last_add_id: int | None
    increases: int  # 'increased' events carry the total after them, not what was added
    closes: int
    close_volume: float
    first_close_id: int | None
    unsized_closes: int


@dataclass(frozen=True, slots=True)
class MasterCloses:
    """A master ticket's closes on one day (one symbol, one direction)."""

    account_id: str
    ticket: int
    symbol: str
    buy: bool
    day: str
    closes: int
    volume: float
    value: float


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
    return [StatusCount(int(link), str(d), str(status), int(n)) for link, d, status, n in rows]


def rule_counts(conn: Connection) -> list[RuleCount]:
    d = _denials.c
    day = _day(d.time_ms)
    rows = conn.execute(select(d.link_id, day, d.rule, func.count())
                        .group_by(d.link_id, day, d.rule))
    return [RuleCount(int(link), str(dd), str(rule), int(n)) for link, dd, rule, n in rows]


def first_parties(conn: Connection) -> tuple[list[Parties], list[Parties]]:
    """Per link, the parties of its first refusal (by id) and of its first copy (by decision
    time, then command id)."""
    d, c = _denials.c, _copies.c
    first_denial = (select(d.link_id, func.min(d.id).label("first")).group_by(d.link_id)
                    .subquery())
    denied = conn.execute(select(d.link_id, d.master_id, d.slave_id)
                          .join(first_denial, d.id == first_denial.c.first))
    ranked = select(c.link_id, c.master_id, c.slave_id, func.row_number().over(
        partition_by=c.link_id, order_by=(c.decided_ms, c.command_id)).label("n")).subquery()
    copied = conn.execute(select(ranked.c.link_id, ranked.c.master_id, ranked.c.slave_id)
                          .where(ranked.c.n == 1))
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
    return [FillSums(int(r[0]), str(r[1]), str(r[2]), str(r[3]), float(r[4] or 0.0),
                     None if r[5] is None else float(r[5]), float(r[6]), int(r[7] or 0))
            for r in rows]


def copy_positions(conn: Connection) -> list[CopyPosition]:
    c = _copies.c
    opening = c.kind.in_(OPENING_KINDS)
    closing = c.kind == "close"
    volume = func.coalesce(c.filled_volume, 0.0)
    rows = conn.execute(
        select(
            c.link_id, c.master_id, c.master_ticket,
            func.count(_when(opening, 1)), func.sum(_when(opening, volume)),
            func.sum(_when(opening, c.slave_price * volume)),
            func.max(_when(opening, c.decided_ms)),
            func.count(_when(closing, 1)), func.sum(_when(closing, volume)),
            func.min(_when(closing, c.decided_ms)),
            func.count(_when(and_(closing, volume <= 0), 1)),
        ).where(_is_fill()).group_by(c.link_id, c.master_id, c.master_ticket))
    return [CopyPosition(
        int(r[0]), str(r[1]), int(r[2]), int(r[3]), float(r[4] or 0.0), float(r[5] or 0.0),
        None if r[6] is None else int(r[6]), int(r[7]), float(r[8] or 0.0),
        None if r[9] is None else int(r[9]), int(r[10]),
    ) for r in rows]


def copy_closes(conn: Connection) -> list[CopyCloses]:
    c = _copies.c
    day = _day(_fill_ms())
    volume = func.coalesce(c.filled_volume, 0.0)
    keys = (c.link_id, c.master_id, c.master_ticket, c.slave_id, c.slave_symbol, c.side, day)
    rows = conn.execute(select(*keys, func.count(), func.sum(volume),
                               func.sum(c.slave_price * volume))
                        .where(_is_fill(), c.kind == "close").group_by(*keys))
    return [CopyCloses(int(r[0]), str(r[1]), int(r[2]), str(r[3]), str(r[4]), str(r[5]),
                       str(r[6]), int(r[7]), float(r[8] or 0.0), float(r[9] or 0.0))
            for r in rows]


def master_positions(conn: Connection) -> list[MasterPosition]:
    e = _events.c
    adding = e.kind.in_(MASTER_ADDS)
    closing = e.kind.in_(MASTER_CLOSES)
    added = func.max(e.volume, 0.0)
    closed = func.coalesce(e.closed_volume, 0.0)
    rows = conn.execute(
        select(
            e.account_id, e.ticket,
            func.count(_when(adding, 1)), func.sum(_when(adding, added)),
            func.sum(_when(adding, added * e.price)), func.max(_when(adding, e.id)),
            func.count(_when(e.kind == "increased", 1)),
            func.count(_when(closing, 1)), func.sum(_when(closing, closed)),
            func.min(_when(closing, e.id)), func.count(_when(and_(closing, closed <= 0), 1)),
        ).where(e.kind.in_(MASTER_ADDS + MASTER_CLOSES)).group_by(e.account_id, e.ticket))
    return [MasterPosition(
        str(r[0]), int(r[1]), int(r[2]), float(r[3] or 0.0), float(r[4] or 0.0),
        None if r[5] is None else int(r[5]), int(r[6]), int(r[7]), float(r[8] or 0.0),
        None if r[9] is None else int(r[9]), int(r[10]),
    ) for r in rows]


def master_closes(conn: Connection) -> list[MasterCloses]:
    e = _events.c
    day = _day(e.decided_ms)
    buy = func.substr(e.order_type, 1, 3) == "buy"
    closed = func.coalesce(e.closed_volume, 0.0)
    keys = (e.account_id, e.ticket, e.symbol, buy, day)
    rows = conn.execute(select(*keys, func.count(), func.sum(closed),
                               func.sum(closed * e.price))
                        .where(e.kind.in_(MASTER_CLOSES)).group_by(*keys))
    return [MasterCloses(str(r[0]), int(r[1]), str(r[2]), bool(r[3]), str(r[4]), int(r[5]),
                         float(r[6] or 0.0), float(r[7] or 0.0)) for r in rows]


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
