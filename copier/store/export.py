"""CSV export of the trade log (SPEC §7) and the date parsing the ``export-log`` command uses.

One row per copy command, oldest first, streamed from the database so a year of copies needs no
more memory than a thousand. UTF-8, a header row, times in ISO-8601 UTC with milliseconds
(``2026-11-25T10:15:02.123Z``), and the latency of each stage in milliseconds.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO

from copier.store.errors import StoreError
from copier.store.paths import database_path
from copier.store.queries import CopyFilter, CopyRecord
from copier.store.store import Store

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ONE_MS = timedelta(milliseconds=1)
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")

Cell = str | int | float | None

# (header, value of a record) — the order is the file's column order.
COLUMNS: tuple[tuple[str, Callable[[CopyRecord], Cell]], ...] = (
    ("decided_at", lambda r: format_time(r.decided_ms)),
    ("command_id", lambda r: r.command_id),
    ("link_id", lambda r: r.link_id),
    ("master_account", lambda r: r.master_id),
    ("slave_account", lambda r: r.slave_id),
    ("master_ticket", lambda r: r.master_ticket),
    ("master_seq", lambda r: r.master_seq),
    ("symbol", lambda r: r.symbol),
    ("slave_symbol", lambda r: r.slave_symbol),
    ("kind", lambda r: r.kind),
    ("side", lambda r: r.side),
    ("order_type", lambda r: r.order_type),
    ("requested_volume", lambda r: r.requested_volume),
    ("filled_volume", lambda r: r.filled_volume),
    ("master_price", lambda r: r.master_price),
    ("slave_price", lambda r: r.slave_price),
    ("slippage_points", lambda r: r.slippage_points),
    ("status", lambda r: r.status),
    ("retcode", lambda r: r.retcode),
    ("message", lambda r: r.message),
    ("slave_ticket", lambda r: r.slave_ticket),
    ("detected_at", lambda r: format_time(r.detected_ms)),
    ("received_at", lambda r: format_time(r.received_ms)),
    ("sent_at", lambda r: format_time(r.sent_ms)),
    ("executed_at", lambda r: format_time(r.executed_ms)),
    ("detect_to_receive_ms", lambda r: r.receive_latency_ms),
    ("receive_to_decide_ms", lambda r: r.decide_latency_ms),
    ("decide_to_send_ms", lambda r: r.send_latency_ms),
    ("send_to_execute_ms", lambda r: r.execute_latency_ms),
    ("total_ms", lambda r: r.total_latency_ms),
)
HEADER = tuple(name for name, _ in COLUMNS)


def parse_date(text: str, *, end_of_day: bool = False) -> datetime:
    """``YYYY-MM-DD`` (midnight UTC) or ISO-8601 (``2026-11-25T10:15:02Z``, offsets allowed;
    no offset means UTC). With ``end_of_day`` a bare date means the midnight that ends it, which
    is what an exclusive ``until`` needs for "up to and including that day"."""
    cleaned = text.strip()
    try:
        parsed = datetime.fromisoformat(cleaned)
    except ValueError:
        raise ValueError(
            f"'{text}' is not a date — use YYYY-MM-DD or ISO-8601 like 2026-11-25T10:15:02Z"
        ) from None
    parsed = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    if end_of_day and _DATE_ONLY.match(cleaned):
        parsed += timedelta(days=1)
    return parsed


def to_epoch_ms(moment: datetime) -> int:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return (aware - EPOCH) // ONE_MS


def format_time(epoch_ms: int | None) -> str:
    """``2026-11-25T10:15:02.123Z``; empty for a stage that never happened."""
    if not epoch_ms:
        return ""
    moment = EPOCH + timedelta(milliseconds=epoch_ms)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{epoch_ms % 1000:03d}Z"


def export_copies_csv(
    store_or_path: Store | Path | str,
    out: Path | str | TextIO,
    since: datetime | None = None,
    until: datetime | None = None,
    account: str | None = None,
    symbol: str | None = None,
) -> int:
    """Write the copies decided in ``[since, until)`` — of ``account`` (master or slave) and
    ``symbol`` (master or slave name) when given — to ``out``; return the number of rows.
    ``store_or_path`` is an open Store, a data folder or a database file."""
    filters = CopyFilter(
        since_ms=to_epoch_ms(since) if since is not None else None,
        until_ms=to_epoch_ms(until) if until is not None else None,
        account=account or None,
        symbol=symbol or None,
    )
    with _opened(store_or_path) as store, _text_out(out) as stream:
        writer = csv.writer(stream, lineterminator="\r\n")
        writer.writerow(HEADER)
        count = 0
        for record in store.stream_copies(filters):
            writer.writerow([_cell(value(record)) for _, value in COLUMNS])
            count += 1
    return count


def _cell(value: Cell) -> Cell:
    return "" if value is None else value


@contextmanager
def _opened(store_or_path: Store | Path | str) -> Iterator[Store]:
    if isinstance(store_or_path, Store):
        yield store_or_path
        return
    location = Path(store_or_path)
    file = database_path(location) if location.is_dir() else location
    if not file.exists():
        raise StoreError(f"no TradeCopier database at {file}")
    store = Store.open(path=file)
    try:
        yield store
    finally:
        store.close()


@contextmanager
def _text_out(out: Path | str | TextIO) -> Iterator[TextIO]:
    if isinstance(out, (str, Path)):
        with open(out, "w", encoding="utf-8", newline="") as stream:
            yield stream
    else:
        yield out
