"""The trade log as typed reports, for the trade-log screen and the command line: every copy and
every refusal (``queries.LOG``) under filters plus free text, sorted by any column, in pages, its
count, the accounts and symbols it names, a row's details, and the CSV export of exactly the rows
a query selects. Blocking (the database): the window runs them on its worker thread.

The filter semantics are the store's (``CopyFilter``: an account matches as master or slave, a
symbol as master or slave name, dates on the decision time, ``until`` exclusive); the CSV columns
are the store's export columns, so a file from the screen and one from ``copier export-log``
read the same.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, func, or_, select

from copier.store.export import COLUMNS, HEADER, replacing
from copier.store.queries import LOG, CopyDetails, CopyFilter, CopyRecord, copy_conditions
from copier.store.queries import copy_details as _copy_details
from copier.store.store import Store

_log = LOG  # copies and refusals
CHUNK = 1_000

# Column key → the SQL expression it sorts by.
SORT_KEYS: dict[str, ColumnElement[Any]] = {
    "decided_ms": _log.c.decided_ms,
    "link_id": _log.c.link_id,
    "master_id": _log.c.master_id,
    "slave_id": _log.c.slave_id,
    "symbol": _log.c.symbol,
    "slave_symbol": _log.c.slave_symbol,
    "kind": _log.c.kind,
    "side": _log.c.side,
    "requested_volume": _log.c.requested_volume,
    "filled_volume": _log.c.filled_volume,
    "master_price": _log.c.master_price,
    "slave_price": _log.c.slave_price,
    "slippage_points": _log.c.slippage_points,
    "status": _log.c.status,
    "total_latency_ms": _log.c.executed_ms - _log.c.detected_ms,
    "message": _log.c.message,
    "rule": _log.c.rule,
    "command_id": _log.c.command_id,
}

Progress = Callable[[int, int], bool]  # (rows written, rows in total) → False cancels


@dataclass(frozen=True, slots=True)
class LogQuery:
    filters: CopyFilter = field(default_factory=CopyFilter)
    text: str = ""  # found in the command id, either symbol, either account or the message
    sort: str = "decided_ms"
    descending: bool = True


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def conditions(query: LogQuery) -> list[ColumnElement[bool]]:
    c = _log.c
    found = copy_conditions(query.filters, c)
    text = query.text.strip()
    if text:
        pattern = f"%{_escape_like(text)}%"
        searched = (c.command_id, c.symbol, c.slave_symbol, c.master_id, c.slave_id, c.message,
                    c.rule)
        found.append(or_(*(col.ilike(pattern, escape="\\") for col in searched)))
    return found


@dataclass(frozen=True, slots=True)
class LogChoices:
    """The accounts and symbols the trade log mentions (the filter bar's choices)."""

    accounts: tuple[str, ...]
    symbols: tuple[str, ...]


def page(store: Store, query: LogQuery, limit: int, offset: int) -> list[CopyRecord]:
    """``limit`` rows of the query from ``offset``, in its order."""
    return store.read(lambda conn: fetch_page(conn, query, limit, offset))


def count(store: Store, query: LogQuery) -> int:
    """How many rows the query selects."""
    return store.read(lambda conn: count_rows(conn, query))


def choices(store: Store) -> LogChoices:
    return store.read(distinct_values)


def details(store: Store, record: CopyRecord) -> CopyDetails:
    """The master event and the rules' verdicts behind one row (the details pane)."""
    return store.read(lambda conn: _copy_details(conn, record))


def fetch_page(conn: Connection, query: LogQuery, limit: int, offset: int) -> list[CopyRecord]:
    key = SORT_KEYS.get(query.sort, _log.c.decided_ms)
    order = [key.desc(), _log.c.command_id.desc()] if query.descending else [
        key.asc(), _log.c.command_id.asc()
    ]
    statement = (
        select(_log)
        .where(and_(True, *conditions(query)))
        .order_by(*order)
        .limit(limit)
        .offset(offset)
    )
    return [CopyRecord(**row) for row in conn.execute(statement).mappings()]


def count_rows(conn: Connection, query: LogQuery) -> int:
    statement = select(func.count()).select_from(_log).where(and_(True, *conditions(query)))
    return int(conn.scalar(statement) or 0)


def iter_rows(conn: Connection, query: LogQuery) -> Iterator[CopyRecord]:
    """Every matching row, oldest first (as ``copier export-log`` writes them), in chunks."""
    statement = (
        select(_log)
        .where(and_(True, *conditions(query)))
        .order_by(_log.c.decided_ms, _log.c.command_id)
    )
    for row in conn.execution_options(yield_per=CHUNK).execute(statement).mappings():
        yield CopyRecord(**row)


def distinct_values(conn: Connection) -> LogChoices:
    """The accounts and symbols the log mentions (for the filter bar's choices)."""
    c = _log.c
    accounts = {a for (a,) in conn.execute(select(c.master_id).distinct())}
    accounts |= {a for (a,) in conn.execute(select(c.slave_id).distinct())}
    symbols = {s for (s,) in conn.execute(select(c.symbol).distinct())}
    symbols |= {s for (s,) in conn.execute(select(c.slave_symbol).distinct())}
    return LogChoices(tuple(sorted(accounts)), tuple(sorted(symbols)))


class ExportCancelled(Exception):
    """The user cancelled an export; the partial file was removed."""


def export_csv(store: Store, query: LogQuery, out: Path, progress: Progress | None = None) -> int:
    """Write the matching rows to ``out`` (UTF-8, header row, ISO-8601 UTC times, one row per
    copy) and return how many. Rows stream from one read connection, so any size needs little
    memory. The file appears only when complete: a cancelled or failed export leaves nothing
    half-written behind."""
    return store.read(lambda conn: _write_csv(conn, query, out, progress))


def _write_csv(conn: Connection, query: LogQuery, out: Path, progress: Progress | None) -> int:
    total = count_rows(conn, query)
    written = 0
    with replacing(out) as stream:  # UTF-8 with BOM; a file open in Excel: ExportError
        writer = csv.writer(stream, lineterminator="\r\n")
        writer.writerow(HEADER)
        for record in iter_rows(conn, query):
            writer.writerow(["" if (v := value(record)) is None else v for _, value in COLUMNS])
            written += 1
            if progress is not None and written % CHUNK == 0 and not progress(written, total):
                raise ExportCancelled(f"export cancelled after {written} of {total} rows")
    if progress is not None:
        progress(written, total)
    return written
