"""CSV export of the trade log (SPEC §7) and the date parsing the ``export-log`` command uses.

One row per copy command and one per copy a rule refused (status ``denied``, the rule's words in
``reason``), oldest first, streamed from the database so a year of copies needs no
more memory than a thousand. UTF-8 with a byte-order mark, a header row, times in ISO-8601 UTC
with milliseconds (``2026-11-25T10:15:02.123Z``), and the latency of each stage in milliseconds.

The byte-order mark is what makes Excel read the file as UTF-8: without it Excel uses the
Windows ANSI code page and garbles accents, "€" and the dashes in messages
(https://learn.microsoft.com/en-us/office/troubleshoot/excel/open-csv-file-with-utf8). A file is
written beside its target and moved over it when complete; a target Excel holds open cannot be
replaced on Windows (``PermissionError``), which becomes a sentence saying so (``ExportError``).
"""

from __future__ import annotations

import csv
import os
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

CSV_ENCODING = "utf-8-sig"  # UTF-8 with a byte-order mark (see above)
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
    ("reason", lambda r: r.reason),
    ("rule", lambda r: r.rule),
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
    """Write the copies and refusals decided in ``[since, until)`` — of ``account`` (master or
    slave) and ``symbol`` (master or slave name) when given — to ``out``; return the number of
    rows.
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
        for record in store.stream_log(filters):
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


class ExportError(StoreError):
    """The CSV file cannot be written where the trader asked; the message says what to do."""


def cannot_write(out: Path, exc: OSError) -> ExportError:
    if isinstance(exc, PermissionError):  # Windows: the file is open in Excel (a sharing
        # violation) or read-only; elsewhere: no permission
        return ExportError(
            f"{out.name} cannot be written: it is open in another program (Excel, say) or "
            f"read-only — close it or choose another file name, then export again ({out.parent})"
        )
    return ExportError(f"{out} cannot be written ({exc.strerror or exc}) — choose another "
                       "folder, then export again")


@contextmanager
def replacing(out: Path) -> Iterator[TextIO]:
    """A CSV text stream that becomes ``out`` only when complete: written to ``out.part`` and
    moved over ``out`` at the end, so a failed or cancelled export leaves nothing half-written
    and an existing file is kept until the new one is whole."""
    partial = out.with_name(out.name + ".part")
    try:
        try:
            stream = open(partial, "w", encoding=CSV_ENCODING, newline="")  # noqa: SIM115 (with below)
        except OSError as exc:
            raise cannot_write(out, exc) from None
        with stream:
            yield stream
        try:
            os.replace(partial, out)
        except OSError as exc:
            raise cannot_write(out, exc) from None
    finally:
        partial.unlink(missing_ok=True)


@contextmanager
def _text_out(out: Path | str | TextIO) -> Iterator[TextIO]:
    if isinstance(out, (str, Path)):
        with replacing(Path(out)) as stream:
            yield stream
    else:
        yield out
