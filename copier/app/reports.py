"""What the trader reads, as typed reports over the store: trade-log pages, counts, choices, a
row's details and its CSV export, the master's logged events (a link preview replays them),
statistics and the audit log. The window and the command line ask here, never the store's tables.

Blocking (the database): the window runs them on its worker thread. A file that cannot be
written raises ``ExportError`` with a sentence; a cancelled export raises ``ExportCancelled``.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TextIO

from copier.stats import Figures, LinkFigures, SlaveFigures, SpecBook, Statistics
from copier.stats import statistics as _statistics
from copier.store import AuditEntry, CopyRecord, Store
from copier.store import tradelog as _log
from copier.store.export import ExportError, export_copies_csv
from copier.store.queries import CopyDetails, LoggedEvent, master_events
from copier.store.tradelog import ExportCancelled, LogChoices, LogQuery, Progress

__all__ = [
    "AuditEntry",
    "CopyDetails",
    "ExportCancelled",
    "ExportError",
    "Figures",
    "LinkFigures",
    "LogChoices",
    "LogQuery",
    "LoggedEvent",
    "Progress",
    "SlaveFigures",
    "Statistics",
    "audit",
    "copy_details",
    "export_log",
    "export_log_between",
    "log_choices",
    "log_count",
    "log_page",
    "master_history",
    "now_ms",
    "statistics",
]


# ----- the trade log ------------------------------------------------------------------------


def log_page(store: Store, query: LogQuery, limit: int, offset: int) -> list[CopyRecord]:
    """``limit`` rows of the trade log from ``offset``, filtered and sorted as ``query`` says."""
    return _log.page(store, query, limit, offset)


def log_count(store: Store, query: LogQuery) -> int:
    return _log.count(store, query)


def log_choices(store: Store) -> LogChoices:
    """The accounts and symbols the trade log names (the filter bar's choices)."""
    return _log.choices(store)


def copy_details(store: Store, record: CopyRecord) -> CopyDetails:
    """The master event and the rules' verdicts behind one trade-log row."""
    return _log.details(store, record)


def export_log(store: Store, query: LogQuery, out: Path, progress: Progress | None = None
               ) -> int:
    """Write the rows ``query`` selects to the CSV file ``out`` (oldest first); how many."""
    return _log.export_csv(store, query, out, progress)


def export_log_between(store: Store, out: Path | str | TextIO, *, since: datetime | None = None,
                       until: datetime | None = None, account: str | None = None,
                       symbol: str | None = None) -> int:
    """``copier export-log``: the copies and refusals decided in ``[since, until)``, of an
    account (master or slave) and a symbol (either name) when given, to a file or a stream."""
    return export_copies_csv(store, out, since=since, until=until, account=account,
                             symbol=symbol)


def master_history(store: Store, account_id: str, limit: int = 500) -> list[LoggedEvent]:
    """The master's newest logged events, oldest first (a link preview replays them)."""
    return store.read(lambda conn: master_events(conn, account_id, limit))


def now_ms(store: Store) -> int:
    """The store's clock (the instant a preview without logged events starts at)."""
    return store.now_ms()


# ----- statistics and the audit log -----------------------------------------------------------


def statistics(store: Store, specs: SpecBook | None = None) -> Statistics:
    """The copy statistics of everything in the store (summed in SQL), priced with the saved
    symbol specs overlaid by ``specs`` (the live ones)."""
    return _statistics(store, specs)


def audit(store: Store, *, limit: int = 200, since_ms: int | None = None) -> list[AuditEntry]:
    """The newest ``limit`` audit entries (at or after ``since_ms``), oldest first."""
    return list(reversed(store.load_audit(limit, since_ms=since_ms)))
