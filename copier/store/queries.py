"""Read queries over the trade log and the audit log: filters, pages for the UI, a stream for
export.

Query functions take a Connection and return plain frozen values. Statistics aggregated in SQL
belong here too (one function per figure: per link, per slave, per day), so the UI and the CLI
share them.

Dates filter on ``decided_ms``, the copier's own clock when it decided the copy (terminal clocks
may drift); ``since`` is inclusive and ``until`` exclusive.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, and_, func, or_, select

from copier.store.models import AuditRow, TradeLogCopyRow, table

_copies = table(TradeLogCopyRow)
_audit = table(AuditRow)
STREAM_CHUNK = 1_000


@dataclass(frozen=True, slots=True)
class CopyFilter:
    since_ms: int | None = None  # inclusive
    until_ms: int | None = None  # exclusive
    account: str | None = None  # master or slave account id
    symbol: str | None = None  # master or slave symbol
    status: str | None = None  # pending | sent | executed | failed | expired
    link_id: int | None = None


@dataclass(frozen=True, slots=True)
class CopyRecord:
    """One row of the trade log: a copy command from decision to result."""

    command_id: str
    link_id: int
    master_id: str
    slave_id: str
    master_ticket: int
    master_seq: int
    symbol: str
    slave_symbol: str
    side: str
    order_type: str
    kind: str
    requested_volume: float
    filled_volume: float | None
    master_price: float
    slave_price: float | None
    slippage_points: float | None
    status: str
    retcode: int | None
    message: str
    slave_ticket: int | None
    detected_ms: int
    received_ms: int
    decided_ms: int
    sent_ms: int | None
    executed_ms: int | None

    # The latency breakdown (SPEC §7): None where a stage has not happened or was not stamped.
    @property
    def receive_latency_ms(self) -> int | None:
        return _span(self.detected_ms, self.received_ms)

    @property
    def decide_latency_ms(self) -> int | None:
        return _span(self.received_ms, self.decided_ms)

    @property
    def send_latency_ms(self) -> int | None:
        return _span(self.decided_ms, self.sent_ms)

    @property
    def execute_latency_ms(self) -> int | None:
        return _span(self.sent_ms, self.executed_ms)

    @property
    def total_latency_ms(self) -> int | None:
        return _span(self.detected_ms, self.executed_ms)


def _span(start: int | None, end: int | None) -> int | None:
    return None if not start or not end else end - start


def copy_conditions(filters: CopyFilter) -> list[ColumnElement[bool]]:
    """The WHERE terms of a copy filter (the export, the statistics and the Trade log screen)."""
    c = _copies.c
    found: list[ColumnElement[bool]] = []
    if filters.since_ms is not None:
        found.append(c.decided_ms >= filters.since_ms)
    if filters.until_ms is not None:
        found.append(c.decided_ms < filters.until_ms)
    if filters.account:
        found.append(or_(c.master_id == filters.account, c.slave_id == filters.account))
    if filters.symbol:
        found.append(or_(c.symbol == filters.symbol, c.slave_symbol == filters.symbol))
    if filters.status:
        found.append(c.status == filters.status)
    if filters.link_id is not None:
        found.append(c.link_id == filters.link_id)
    return found


def _select_copies(filters: CopyFilter) -> Select[Any]:
    return select(_copies).where(and_(True, *copy_conditions(filters)))


def query_copies(
    conn: Connection, filters: CopyFilter | None = None, limit: int = 200, offset: int = 0
) -> list[CopyRecord]:
    """A page of the trade log, newest first."""
    query = (
        _select_copies(filters or CopyFilter())
        .order_by(_copies.c.decided_ms.desc(), _copies.c.command_id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [CopyRecord(**row) for row in conn.execute(query).mappings()]


def count_copies(conn: Connection, filters: CopyFilter | None = None) -> int:
    query = (
        select(func.count())
        .select_from(_copies)
        .where(and_(True, *copy_conditions(filters or CopyFilter())))
    )
    return int(conn.scalar(query) or 0)


def iter_copies(conn: Connection, filters: CopyFilter | None = None) -> Iterator[CopyRecord]:
    """The trade log oldest first, fetched in chunks so any size streams in constant memory."""
    query = _select_copies(filters or CopyFilter()).order_by(
        _copies.c.decided_ms, _copies.c.command_id
    )
    result = conn.execution_options(yield_per=STREAM_CHUNK).execute(query).mappings()
    for row in result:
        yield CopyRecord(**row)


# --- audit ---


@dataclass(frozen=True, slots=True)
class AuditEntry:
    time_ms: int
    actor: str
    action: str
    detail: dict[str, Any]


def load_audit(
    conn: Connection, limit: int = 200, offset: int = 0, since_ms: int | None = None
) -> list[AuditEntry]:
    """The audit log, newest first (only entries at or after ``since_ms`` when given)."""
    query = (
        select(_audit.c.time_ms, _audit.c.actor, _audit.c.action, _audit.c.detail)
        .order_by(_audit.c.id.desc())
        .limit(limit)
        .offset(offset)
    )
    if since_ms is not None:
        query = query.where(_audit.c.time_ms >= since_ms)
    return [
        AuditEntry(r.time_ms, r.actor, r.action, dict(r.detail or {})) for r in conn.execute(query)
    ]
