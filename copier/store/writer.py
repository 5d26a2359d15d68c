"""The one writer thread: owns the write connection and commits queued work in batches.

Callers on the event loop hand over a unit of work (a function of a Connection) and get an
asyncio future back at once; the loop never waits on the disk. The thread takes whatever is
queued (up to ``max_batch`` units) and runs it in ONE transaction, so a burst of decisions costs
one commit. If that transaction fails, each unit is retried in a transaction of its own: the
failing unit leaves nothing behind and the others still commit. A batch that finds the file's
write lock held by another program past the busy timeout is not failed but tried again until the
lock is released (or the store closes): results and sent stamps are written by no one else (a
caller blocked in ``call`` is still told at once, as it can try again).
Futures are settled with one ``call_soon_threadsafe`` per batch, in the order the units were
queued.

``submit_now`` is the copy hot path's way in: when nothing is queued or being written, the
caller's thread runs the unit itself on the writer's connection (under the connection's lock)
instead of handing it over. Two thread hand-overs — the writer waking and winning the GIL from a
busy event loop, then the loop waking for the result — cost more than the write itself (a
decision's rows and commit take ~0.3 ms). Order is kept: the shortcut is taken only when no
earlier unit is outstanding, and anything queued meanwhile waits for the connection. Nor may it
take more than half of the caller's time: after an inline write of d ms the next one waits d ms
(a burst of decisions queued back to back goes to the thread, as one batch, instead of stalling
the caller's event loop for the whole burst).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine

from copier.store.errors import StoreClosed, StoreError
from copier.store.schema import BUSY_TIMEOUT_MS

log = logging.getLogger(__name__)

T = TypeVar("T")
Work = Callable[[Connection], Any]
AnyFuture = asyncio.Future[Any] | concurrent.futures.Future[Any]


@dataclass(slots=True)
class _Unit:
    work: Work
    future: AnyFuture
    loop: asyncio.AbstractEventLoop | None  # None for a caller blocking on a concurrent future


_STOP = object()


@dataclass(slots=True)
class WriterStats:
    units: int = 0
    transactions: int = 0
    isolated_retries: int = 0  # batches that failed and were re-run unit by unit
    inline: int = 0  # units the submitting thread wrote itself (``submit_now``)


class Writer:
    def __init__(
        self,
        engine: Engine,
        *,
        max_batch: int = 256,
        after_commit: Callable[[], None] | None = None,
        name: str = "store-writer",
    ) -> None:
        self._engine = engine
        self._max_batch = max_batch
        self._after_commit = after_commit
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._closing = False
        self._close_lock = threading.Lock()  # guards _closing and _outstanding
        self._outstanding = 0  # units queued or being written by the thread
        self._conn_lock = threading.Lock()  # held by whoever writes on the connection
        self._conn: Connection | None = None
        self._inline_free_at = 0.0  # perf_counter time before which no inline write is taken
        self.stats = WriterStats()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    # --- handing over work ---

    def submit(
        self, work: Callable[[Connection], T], future: asyncio.Future[T] | None = None
    ) -> asyncio.Future[T]:
        """Queue ``work`` from a coroutine on a running loop; the future (a new one, or
        ``future``, of the loop it belongs to) resolves after commit."""
        if future is None:
            future = asyncio.get_running_loop().create_future()
        self._put(_Unit(work, future, future.get_loop()))
        return future

    def submit_now(self, work: Callable[[Connection], T]) -> asyncio.Future[T]:
        """As ``submit``, but written at once on this thread when the writer is idle; the
        future is then already settled (committed, or failed with a StoreError)."""
        loop = asyncio.get_running_loop()
        started = time.perf_counter()
        with self._close_lock:
            conn = self._conn
            idle = not self._closing and self._outstanding == 0 and conn is not None
            # The connection's lock is tried last: taken, it must be released below.
            taken = idle and started >= self._inline_free_at and self._conn_lock.acquire(False)
            if not taken:
                conn = None
        if conn is None:
            return self.submit(work)
        try:
            result = self._write_inline(conn, work)
        except _Locked:
            return self.submit(work)  # the thread waits for the lock; the loop must not
        except Exception as exc:
            log.warning("store write failed: %s", exc)
            failed: asyncio.Future[T] = loop.create_future()
            failed.set_exception(_as_store_error(exc))
            return failed
        finally:
            ended = time.perf_counter()
            self._inline_free_at = ended + (ended - started)
            self._conn_lock.release()
        if self._after_commit is not None:
            self._after_commit()
        done: asyncio.Future[T] = loop.create_future()
        done.set_result(result)
        return done

    def _write_inline(self, conn: Connection, work: Callable[[Connection], T]) -> T:
        with _transaction(conn, wait=False):
            result = work(conn)
        self.stats.transactions += 1
        self.stats.units += 1
        self.stats.inline += 1
        return result

    def call(self, work: Callable[[Connection], T], timeout: float | None = 30.0) -> T:
        """Run ``work`` in the writer and block until it is committed (start-up, CLI, settings)."""
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        self._put(_Unit(work, future, None))
        return future.result(timeout)

    def _put(self, item: _Unit) -> None:
        with self._close_lock:
            if self._closing:
                raise StoreClosed("the store is closed — nothing more can be written")
            self._outstanding += 1
            self._queue.put(item)

    def close(self, timeout: float | None = 30.0) -> None:
        """Finish everything queued so far, then stop the thread."""
        with self._close_lock:
            if self._closing:
                return
            self._closing = True
            self._queue.put(_STOP)
        self._thread.join(timeout)

    @property
    def closed(self) -> bool:
        return self._closing

    # --- the thread ---

    def _run(self) -> None:
        try:
            with self._engine.connect() as conn:
                with self._close_lock:
                    self._conn = conn
                stopping = False
                while not stopping:
                    batch, stopping = self._take_batch()
                    if batch:
                        with self._conn_lock:
                            self._run_batch(conn, batch)
                            with self._close_lock:
                                self._outstanding -= len(batch)
                with self._close_lock:
                    self._conn = None
        except Exception as exc:  # the connection itself failed: nothing can be written any more
            log.error("store writer stopped: %s", exc)
            self._fail_remaining(_as_store_error(exc))

    def _fail_remaining(self, exc: StoreError) -> None:
        with self._close_lock:
            self._closing = True
        pending: list[_Unit] = []
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is not _STOP:
                pending.append(item)
        if pending:
            _settle(pending, [None] * len(pending), exc)

    def _take_batch(self) -> tuple[list[_Unit], bool]:
        first = self._queue.get()
        if first is _STOP:
            return [], True
        batch: list[_Unit] = [first]
        while len(batch) < self._max_batch:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is _STOP:
                return batch, True
            batch.append(item)
        return batch, False

    def _run_batch(self, conn: Connection, batch: list[_Unit]) -> None:
        locked_since = 0.0
        while True:
            try:
                with _transaction(conn):
                    results = [unit.work(conn) for unit in batch]
                break
            except Exception as exc:
                if not _locked_elsewhere(exc) or self._closing:
                    self._failed(conn, batch, exc)
                    return
                # Another program holds the file's write lock past the busy timeout. A caller
                # blocked in ``call`` (a user's save) is told now and may try again; the loop's
                # work — a decision, a result, a sent stamp, which nobody would redo — waits
                # (each try waits the busy timeout again), every unit in its queued order.
                blocking = [unit for unit in batch if unit.loop is None]
                if blocking:
                    _settle(blocking, [None] * len(blocking), _as_store_error(exc))
                    batch = [unit for unit in batch if unit.loop is not None]
                    if not batch:
                        return
                if not locked_since:
                    locked_since = time.monotonic()
                    log.warning("the database is locked by another program; %d writes wait "
                                "for it", len(batch))
        if locked_since:
            log.warning("the database is writable again after %.1f s",
                        time.monotonic() - locked_since)
        self.stats.transactions += 1
        self.stats.units += len(batch)
        _settle(batch, results, None)
        if self._after_commit is not None:
            self._after_commit()

    def _failed(self, conn: Connection, batch: list[_Unit], exc: Exception) -> None:
        """A unit failed: alone, it fails its caller; in a batch, each runs on its own."""
        if len(batch) == 1:
            log.warning("store write failed: %s", exc)
            _settle(batch, [None], _as_store_error(exc))
            return
        self.stats.isolated_retries += 1
        for unit in batch:
            self._run_batch(conn, [unit])


class _Locked(Exception):
    """Another connection holds the write lock; an inline write does not wait for it."""


@contextmanager
def _transaction(conn: Connection, *, wait: bool = True) -> Iterator[None]:
    """BEGIN IMMEDIATE ... COMMIT straight on the driver: SQLAlchemy's own begin costs ~0.1 ms,
    a fifth of a decision. Units that use Core join it: SQLAlchemy autobegins and the engine's
    begin hook sees the open transaction (schema.make_engine), so both end here together.

    Without ``wait``, a write lock held elsewhere (another process on the file) raises _Locked at
    once instead of waiting out the busy timeout: an inline write must never stall its caller's
    event loop for seconds; the writer thread can wait instead."""
    driver: Any = conn.connection.driver_connection
    if wait:
        driver.execute("BEGIN IMMEDIATE")
    else:
        driver.execute("PRAGMA busy_timeout=0")
        try:
            driver.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise _Locked(str(exc)) from exc
        finally:
            driver.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    try:
        yield
    except BaseException:
        if conn.in_transaction():
            conn.rollback()
        if driver.in_transaction:
            driver.rollback()
        raise
    if conn.in_transaction():
        conn.commit()
    if driver.in_transaction:
        driver.commit()


def _locked_elsewhere(exc: BaseException) -> bool:
    """SQLITE_BUSY: another connection holds the write lock (https://sqlite.org/rescode.html#busy)."""
    cause = getattr(exc, "orig", exc)  # SQLAlchemy wraps the driver's error
    return isinstance(cause, sqlite3.OperationalError) and (
        getattr(cause, "sqlite_errorcode", 0) & 0xFF == sqlite3.SQLITE_BUSY
    )


def _as_store_error(exc: Exception) -> StoreError:
    if isinstance(exc, StoreError):
        return exc
    error = StoreError(f"could not save to the database: {exc}")
    error.__cause__ = exc
    return error


def _settle(batch: list[_Unit], results: list[Any], exc: BaseException | None) -> None:
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Any], Any]]] = {}
    for unit, result in zip(batch, results, strict=True):
        if unit.loop is None:
            blocking: concurrent.futures.Future[Any] = unit.future  # type: ignore[assignment]
            if exc is None:
                blocking.set_result(result)
            else:
                blocking.set_exception(exc)
        else:
            by_loop.setdefault(unit.loop, []).append((unit.future, result))  # type: ignore[arg-type]
    for loop, settled in by_loop.items():
        try:
            loop.call_soon_threadsafe(_resolve, settled, exc)
        except RuntimeError:
            log.debug("event loop closed before %d store results could be delivered", len(settled))


def _resolve(settled: list[tuple[asyncio.Future[Any], Any]], exc: BaseException | None) -> None:
    for future, result in settled:
        if future.done():
            continue  # the caller gave up waiting; the write still happened
        if exc is None:
            future.set_result(result)
        else:
            future.set_exception(exc)
