"""Read queries over the trade log and the audit log: filters, pages for the UI, a stream for
export.

Query functions take a Connection and return plain frozen values. Statistics aggregated in SQL
belong here too (one function per figure: per link, per slave, per day), so the UI and the CLI
share them.

Dates filter on ``decided_ms``, the copier's own clock when it decided the copy (terminal clocks
may drift); ``since`` is inclusive and ``until`` exclusive.

The trade log a trader reads (``LOG``) is every copy command *and* every copy a rule refused: a
refusal is a row with status ``denied``, the master event's symbol, kind and prices, the rule that
decided in ``rule`` and its reason in ``message``. Statistics keep reading the copies alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Float,
    Integer,
    Select,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.sql.expression import ColumnCollection

from copier.domain import EventKind, MasterEvent, OrderType
from copier.store.models import (
    AuditRow,
    TradeLogAdjustmentRow,
    TradeLogCopyRow,
    TradeLogDenialRow,
    TradeLogEventRow,
    table,
)

_copies = table(TradeLogCopyRow)
_denials = table(TradeLogDenialRow)
_events = table(TradeLogEventRow)
_adjustments = table(TradeLogAdjustmentRow)
DENIED = "denied"
DENIAL_ID_PREFIX = "denied-"
_audit = table(AuditRow)
STREAM_CHUNK = 1_000


@dataclass(frozen=True, slots=True)
class CopyFilter:
    since_ms: int | None = None  # inclusive
    until_ms: int | None = None  # exclusive
    account: str | None = None  # master or slave account id
    symbol: str | None = None  # master or slave symbol
    status: str | None = None  # pending | sent | executed | failed | expired | denied
    link_id: int | None = None


@dataclass(frozen=True, slots=True)
class CopyRecord:
    """One row of the trade log: a copy command from decision to result, or a copy a rule
    refused (status ``denied``: ``rule`` names the rule, ``message`` says why, no volume)."""

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
    rule: str = ""  # the rule that refused the copy (denied rows only)

    @property
    def denied(self) -> bool:
        return self.status == DENIED

    @property
    def reason(self) -> str:
        """Why the copy was refused or failed, in words (empty for a copy that went through)."""
        return self.message if self.status in (DENIED, "failed", "expired") else ""

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


def copy_conditions(
    filters: CopyFilter, columns: ColumnCollection[str, Any] | None = None
) -> list[ColumnElement[bool]]:
    """The WHERE terms of a copy filter over the copies (statistics) or, given its ``columns``,
    over the whole log (``LOG.c``: the export and the Trade log screen)."""
    c = _copies.c if columns is None else columns
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


def _denial_rows() -> Select[Any]:
    """Each refusal as a trade-log row, with its master event's symbol, kind, price and times
    (the event and its refusals are written in one transaction with the same decision time)."""
    d, e = _denials.c, _events.c
    event_of = and_(
        e.decided_ms == d.time_ms, e.account_id == d.master_id, e.seq == d.master_seq
    )
    side = case((e.order_type.like("sell%"), "sell"), (e.order_type.like("buy%"), "buy"), else_="")
    return select(
        (literal(DENIAL_ID_PREFIX) + cast(d.id, String)).label("command_id"),
        d.link_id, d.master_id, d.slave_id, d.master_ticket, d.master_seq,
        func.coalesce(e.symbol, "").label("symbol"),
        literal("").label("slave_symbol"),
        side.label("side"),
        func.coalesce(e.order_type, "").label("order_type"),
        func.coalesce(e.kind, "").label("kind"),
        null().cast(Float).label("requested_volume"),
        null().cast(Float).label("filled_volume"),
        func.coalesce(e.price, 0.0).label("master_price"),
        null().cast(Float).label("slave_price"),
        null().cast(Float).label("slippage_points"),
        literal(DENIED).label("status"),
        null().cast(Integer).label("retcode"),
        d.reason.label("message"),
        null().cast(Integer).label("slave_ticket"),
        func.coalesce(e.detected_ms, d.time_ms).label("detected_ms"),
        func.coalesce(e.received_ms, d.time_ms).label("received_ms"),
        d.time_ms.label("decided_ms"),
        null().cast(Integer).label("sent_ms"),
        null().cast(Integer).label("executed_ms"),
        d.rule.label("rule"),
    ).select_from(_denials.outerjoin(_events, event_of))


# The copy rows' trade-log columns (a CopyRecord's fields); the rest is the command a row without
# a result keeps for a resend (schema 8), which a reader of the log has no use for.
_LOG_COLUMNS = [_copies.c[f.name] for f in fields(CopyRecord) if f.name != "rule"]


def _copy_rows() -> Select[Any]:
    return select(*_LOG_COLUMNS, literal("").label("rule"))


# The trade log as a trader reads it: copies and refusals, one row each (see the docstring).
LOG = union_all(_copy_rows(), _denial_rows()).subquery("trade_log")


def query_log(conn: Connection, filters: CopyFilter | None = None, limit: int = 200,
              offset: int = 0) -> list[CopyRecord]:
    """A page of the trade log with its refusals, newest first."""
    query = (
        select(LOG)
        .where(and_(True, *copy_conditions(filters or CopyFilter(), LOG.c)))
        .order_by(LOG.c.decided_ms.desc(), LOG.c.command_id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [CopyRecord(**row) for row in conn.execute(query).mappings()]


def iter_log(conn: Connection, filters: CopyFilter | None = None) -> Iterator[CopyRecord]:
    """The trade log with its refusals, oldest first, in chunks (the CSV export)."""
    query = (
        select(LOG)
        .where(and_(True, *copy_conditions(filters or CopyFilter(), LOG.c)))
        .order_by(LOG.c.decided_ms, LOG.c.command_id)
    )
    result = conn.execution_options(yield_per=STREAM_CHUNK).execute(query).mappings()
    for row in result:
        yield CopyRecord(**row)


def _select_copies(filters: CopyFilter) -> Select[Any]:
    return select(*_LOG_COLUMNS).where(and_(True, *copy_conditions(filters)))


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


@dataclass(frozen=True, slots=True)
class CopyDetails:
    """What a trader sees on a trade-log row's details: the master event that started it
    (its columns, or empty when it is no longer kept) and every rule that spoke about the copy
    (``(rule, reason, "refused" | "adjusted")``)."""

    event: dict[str, Any]
    verdicts: list[tuple[str, str, str]]


def copy_details(conn: Connection, record: CopyRecord) -> CopyDetails:
    e = _events.c
    event = conn.execute(
        select(_events).where(
            e.account_id == record.master_id, e.seq == record.master_seq,
            e.decided_ms == record.decided_ms,
        ).limit(1)
    ).mappings().first()
    verdicts: list[tuple[str, str, str]] = []
    for verdict_table, word in ((_denials, "refused"), (_adjustments, "adjusted")):
        v = verdict_table.c
        found = conn.execute(
            select(v.rule, v.reason).where(
                v.link_id == record.link_id, v.master_id == record.master_id,
                v.master_seq == record.master_seq, v.time_ms == record.decided_ms,
            ).order_by(v.id)
        )
        verdicts.extend((rule, reason, word) for rule, reason in found)
    return CopyDetails(dict(event) if event is not None else {}, verdicts)


@dataclass(frozen=True, slots=True)
class LoggedEvent:
    """A master event as the trade log kept it, with the copier's clock when it decided."""

    event: MasterEvent
    decided_ms: int


def master_events(conn: Connection, account_id: str, limit: int = 500) -> list[LoggedEvent]:
    """The master's newest ``limit`` logged events, oldest first (a link preview replays them);
    an event decided twice (after a crash) once."""
    e = _events.c
    newest = conn.execute(
        select(_events).where(e.account_id == account_id)
        .order_by(e.decided_ms.desc(), e.id.desc()).limit(limit)
    ).mappings().all()
    seen: set[int] = set()
    found: list[LoggedEvent] = []
    for row in sorted(newest, key=lambda r: (r["seq"], r["id"])):
        if row["seq"] in seen:
            continue
        seen.add(row["seq"])
        found.append(LoggedEvent(_event_of(row), row["decided_ms"]))
    return found


def _event_of(row: Any) -> MasterEvent:
    return MasterEvent(
        account_id=row["account_id"], seq=row["seq"], kind=EventKind(row["kind"]),
        ticket=row["ticket"], symbol=row["symbol"], order_type=OrderType(row["order_type"]),
        volume=row["volume"], price=row["price"], time_ms=row["detected_ms"], sl=row["sl"],
        tp=row["tp"], closed_volume=row["closed_volume"], new_ticket=row["new_ticket"],
        magic=row["magic"], comment=row["comment"], received_ms=row["received_ms"],
    )


# --- statistics ---


def copies_by_status(conn: Connection, filters: CopyFilter | None = None) -> dict[str, int]:
    """How many copies ended in each status (the dashboard's success rate)."""
    query = (
        select(_copies.c.status, func.count())
        .where(and_(True, *copy_conditions(filters or CopyFilter())))
        .group_by(_copies.c.status)
    )
    return {status: int(count) for status, count in conn.execute(query)}


def denials_by_rule(
    conn: Connection, since_ms: int | None = None, until_ms: int | None = None
) -> dict[str, int]:
    """How many copies each rule refused (Statistics: denials by reason)."""
    query = select(_denials.c.rule, func.count()).group_by(_denials.c.rule)
    if since_ms is not None:
        query = query.where(_denials.c.time_ms >= since_ms)
    if until_ms is not None:
        query = query.where(_denials.c.time_ms < until_ms)
    return {rule: int(count) for rule, count in conn.execute(query)}


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
