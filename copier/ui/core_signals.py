"""The one core→Qt bridge: core events and log records in, coalesced Qt signals out.

The core publishes on its own thread, up to thousands of events a second. The bus handler here
only files each event in an inbox under a lock (about a microsecond, so it never slows a copy);
a 10 Hz timer on the GUI thread takes the inbox and emits one signal per kind of news. A burst of
1,000 copies a second therefore costs the window ten small updates a second, not a thousand.
Widgets connect to these signals only; none subscribes to the core.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, QTimer, Signal

from copier.clock import now_ms
from copier.domain import Retcode, TerminalStatus
from copier.events import (
    ApiKeyExpiring,
    CopyExecuted,
    CopyFailed,
    CopyingSwitched,
    CopySent,
    CopyWasDenied,
    MasterEventReceived,
    ReconciliationReported,
    TerminalStatusChanged,
)
from copier.notify.policy import failure_text

FLUSH_INTERVAL_MS = 100
MAX_SAMPLES_PER_FLUSH = 20_000  # a stalled window must not let the inbox grow without bound
MAX_PROBLEMS = 200
MAX_LOG_LINES = 5_000
MAX_TRACKED_SENDS = 100_000


@dataclass(frozen=True, slots=True)
class LatencySample:
    """One executed copy's latency, in total and by stage (None where a stage was not seen)."""

    at_s: float  # wall-clock seconds when the result arrived
    total_ms: float  # master detection → slave execution
    decide_ms: float | None  # detection → decision
    send_ms: float | None  # decision → frame sent
    execute_ms: float | None  # sent → executed (the terminal's round trip)


@dataclass(frozen=True, slots=True)
class Problem:
    """An error or denial the dashboard lists, with its reason in words."""

    time_ms: int
    kind: str  # denied | failed | reconciliation | key
    account_id: str
    text: str
    rule: str = ""
    link_id: int = 0


@dataclass(frozen=True, slots=True)
class CopyCounts:
    """What happened since the previous flush."""

    events: int = 0
    sent: int = 0
    executed: int = 0
    failed: int = 0
    denied: int = 0


@dataclass(frozen=True, slots=True)
class LogLine:
    time_s: float
    level: int
    logger: str
    message: str

    @property
    def level_name(self) -> str:
        return logging.getLevelName(self.level)


@dataclass(slots=True)
class _Batch:
    statuses: dict[str, TerminalStatus] = field(default_factory=dict)
    samples: list[LatencySample] = field(default_factory=list)
    problems: deque[Problem] = field(default_factory=lambda: deque(maxlen=MAX_PROBLEMS))
    copying: bool | None = None
    events: int = 0
    sent: int = 0
    executed: int = 0
    failed: int = 0
    denied: int = 0

    @property
    def counts(self) -> CopyCounts:
        return CopyCounts(self.events, self.sent, self.executed, self.failed, self.denied)


class BridgeLogHandler(logging.Handler):
    """Feeds Python logging records (from any thread) to the Logs screen through the bridge."""

    def __init__(self, level: int = logging.INFO) -> None:
        super().__init__(level)
        self._lines: deque[LogLine] = deque(maxlen=MAX_LOG_LINES)
        self._guard = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = LogLine(record.created, record.levelno, record.name, record.getMessage())
        except Exception:  # a bad format string in someone's log call must not break logging
            self.handleError(record)
            return
        if record.exc_info and record.exc_info[1] is not None:
            line = LogLine(line.time_s, line.level, line.logger,
                           f"{line.message} — {record.exc_info[1]!r}")
        with self._guard:
            self._lines.append(line)

    def take(self) -> list[LogLine]:
        with self._guard:
            lines = list(self._lines)
            self._lines.clear()
        return lines


class UiBridge(QObject):
    """Re-emits the core's events as Qt signals on the GUI thread, at most ten times a second."""

    statuses_changed = Signal(list)  # list[TerminalStatus], the latest of each account that changed
    latency_sampled = Signal(list)  # list[LatencySample]
    copies_counted = Signal(object)  # CopyCounts since the previous flush
    problems_reported = Signal(list)  # list[Problem], oldest first
    copying_switched = Signal(bool)
    trade_log_changed = Signal()  # new or settled copies: the trade log has rows to show
    log_lines = Signal(list)  # list[LogLine]
    config_changed = Signal(str)  # "accounts" | "links": the user changed the configuration

    def __init__(self, parent: QObject | None = None, *,
                 interval_ms: int = FLUSH_INTERVAL_MS) -> None:
        super().__init__(parent)
        self._guard = threading.Lock()
        self._batch = _Batch()
        self._sent_ms: dict[str, int] = {}  # touched on the core thread only
        self.log_handler = BridgeLogHandler()
        self._unsubscribe: Callable[[], None] | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.flush)

    # ----- wiring -------------------------------------------------------------------------
    def start(self, unsubscribe: Callable[[], None] | None = None) -> None:
        """Begin flushing; ``unsubscribe`` (from ``bus.subscribe(bridge.handle)``) is called
        by ``stop``."""
        self._unsubscribe = unsubscribe
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self.flush()

    def notify_config(self, what: str) -> None:
        """A session listener: the user changed accounts or links (called on the GUI thread)."""
        self.config_changed.emit(what)

    # ----- the core's side (runs on the core thread; cheap, never touches Qt) -------------
    def handle(self, event: object) -> None:
        if isinstance(event, CopySent):
            self._on_sent(event)
        elif isinstance(event, CopyExecuted):
            self._on_executed(event)
        elif isinstance(event, MasterEventReceived):
            with self._guard:
                self._batch.events += 1
        elif isinstance(event, CopyFailed):
            self._on_failed(event)
        elif isinstance(event, CopyWasDenied):
            self._on_denied(event)
        elif isinstance(event, TerminalStatusChanged):
            with self._guard:
                self._batch.statuses[event.status.account_id] = event.status
        elif isinstance(event, CopyingSwitched):
            with self._guard:
                self._batch.copying = event.enabled
        elif isinstance(event, ReconciliationReported):
            self._on_reconciliation(event)
        elif isinstance(event, ApiKeyExpiring):
            self._on_key_expiring(event)

    def _on_sent(self, event: CopySent) -> None:
        if len(self._sent_ms) >= MAX_TRACKED_SENDS:
            self._sent_ms.clear()  # results that never came: forget them rather than grow
        self._sent_ms.setdefault(event.command.id, event.sent_ms)
        with self._guard:
            self._batch.sent += 1

    def _on_executed(self, event: CopyExecuted) -> None:
        command, result = event.command, event.result
        sent = self._sent_ms.pop(command.id, None)
        executed = result.executed_ms or None
        detected = (executed - event.latency_ms) if executed and event.latency_ms else None
        sample = LatencySample(
            at_s=time.time(),
            total_ms=event.latency_ms,
            decide_ms=_span(detected, command.created_ms),
            send_ms=_span(command.created_ms, sent),
            execute_ms=_span(sent, executed),
        )
        with self._guard:
            self._batch.executed += 1
            if len(self._batch.samples) < MAX_SAMPLES_PER_FLUSH:
                self._batch.samples.append(sample)

    def _on_failed(self, event: CopyFailed) -> None:
        command, result = event.command, event.result
        self._sent_ms.pop(command.id, None)
        text = failure_text(event)  # in words, as the phone's notifications say it
        problem = Problem(result.executed_ms or now_ms(), "failed", command.slave_id, text,
                          rule=_retcode_name(result.retcode), link_id=command.link_id)
        with self._guard:
            self._batch.failed += 1
            self._batch.problems.append(problem)

    def _on_denied(self, event: CopyWasDenied) -> None:
        d = event.denial
        problem = Problem(now_ms(), "denied", d.slave_id, d.reason, rule=d.rule,
                          link_id=d.link_id)
        with self._guard:
            self._batch.denied += 1
            self._batch.problems.append(problem)

    def _on_reconciliation(self, event: ReconciliationReported) -> None:
        now = now_ms()
        with self._guard:
            for text in event.problems:
                self._batch.problems.append(
                    Problem(now, "reconciliation", event.slave_id, text, rule="reconciliation")
                )

    def _on_key_expiring(self, event: ApiKeyExpiring) -> None:
        rule = "api_key_replaced" if event.replaced else "api_key_expiring"
        problem = Problem(now_ms(), "key", event.account_id, event.reason, rule=rule)
        with self._guard:
            self._batch.problems.append(problem)

    # ----- the GUI's side -----------------------------------------------------------------
    def flush(self) -> None:
        """Emit everything gathered since the previous flush (called by the 10 Hz timer)."""
        with self._guard:
            batch, self._batch = self._batch, _Batch()
        if batch.copying is not None:
            self.copying_switched.emit(batch.copying)
        if batch.statuses:
            self.statuses_changed.emit(list(batch.statuses.values()))
        counts = batch.counts
        if counts != CopyCounts():
            self.copies_counted.emit(counts)
        if batch.samples:
            self.latency_sampled.emit(batch.samples)
        if batch.problems:
            self.problems_reported.emit(list(batch.problems))
        if batch.sent or batch.executed or batch.failed:
            self.trade_log_changed.emit()
        lines = self.log_handler.take()
        if lines:
            self.log_lines.emit(lines)


def _span(start: float | None, end: float | None) -> float | None:
    return None if not start or not end else float(end - start)


def _retcode_name(code: int) -> str:
    try:
        return Retcode(code).name
    except ValueError:
        return f"retcode {code}"
