"""Background WAL checkpoints, so the writer never pays for an fsync on the copy hot path.

With synchronous=NORMAL a WAL commit only writes; the fsyncs happen when the WAL is copied back
into the database (a checkpoint). SQLite would run that inside whichever commit crosses the
threshold, and on these machines it adds 4–6 ms to one decision in thirty: the p99 of the whole
event → command path. Here a thread of its own checkpoints (PASSIVE: it never blocks the writer)
right after a commit — the moment the next one is furthest away — at most every
``MIN_INTERVAL_S``. The writer's own automatic checkpoint is kept only as a far-off safety net
for when this thread falls behind.
"""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy import Engine

log = logging.getLogger(__name__)

MIN_INTERVAL_S = 0.05  # a burst of commits shares one checkpoint
WRITER_AUTOCHECKPOINT_PAGES = 10_000  # ~40 MB of WAL: only if the background thread lags
WAL_SIZE_LIMIT_BYTES = 16 * 1024 * 1024  # truncate a WAL that grew during a burst


class Checkpointer:
    def __init__(self, engine: Engine, min_interval_s: float = MIN_INTERVAL_S) -> None:
        self._engine = engine
        self._min_interval_s = min_interval_s
        self._nudged = threading.Event()
        self._stopping = threading.Event()
        self.checkpoints = 0
        self._thread = threading.Thread(target=self._run, name="store-checkpoints", daemon=True)
        self._thread.start()

    def nudge(self) -> None:
        """Something was committed: checkpoint soon."""
        self._nudged.set()

    def close(self, timeout: float | None = 10.0) -> None:
        self._stopping.set()
        self._nudged.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        raw = self._engine.raw_connection()
        try:
            driver = raw.driver_connection
            assert driver is not None
            last = 0.0
            while True:
                self._nudged.wait()
                if self._stopping.wait(max(0.0, last + self._min_interval_s - time.monotonic())):
                    return
                self._nudged.clear()
                last = time.monotonic()
                self._checkpoint(driver)
        finally:
            raw.close()

    def _checkpoint(self, driver: object) -> None:
        try:
            # The driver runs in autocommit mode (see schema.make_engine), as a checkpoint needs.
            driver.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()  # type: ignore[attr-defined]
            self.checkpoints += 1
        except Exception as exc:  # a failed checkpoint is retried on the next nudge
            log.warning("WAL checkpoint failed: %s", exc)
