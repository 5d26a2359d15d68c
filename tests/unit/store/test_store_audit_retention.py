"""The audit log's retention policy: rows, bytes and age are bounded, oldest entries first, on
open and while entries are written (issue #15: nothing used to purge the audit log)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Connection
from store_samples import FakeClock

from copier.store import Store
from copier.store.journal import Journal
from copier.store.retention import DAY_MS, PRUNE_EVERY, AuditRetention, prune_audit


def _fill(store: Store, count: int, *, start_ms: int, step_ms: int = 1, pad: int = 0) -> None:
    def work(conn: Connection, _now: int) -> None:
        for n in range(count):
            detail = {"n": n, "pad": "x" * pad}
            Journal.audit(conn, start_ms + n * step_ms, "bridge", "test.entry", detail)

    store.write(work)


def _numbers(store: Store) -> list[int]:
    return sorted(e.detail["n"] for e in store.load_audit(limit=10**6))


def test_the_oldest_rows_beyond_the_row_limit_go_first(db_path: Path, clock: FakeClock) -> None:
    with Store.open(path=db_path, clock=clock) as store:
        _fill(store, 50, start_ms=clock())
        store.write(lambda conn, now: prune_audit(conn, now, AuditRetention(max_rows=20)))
        kept = _numbers(store)

    assert kept == list(range(30, 50))


def test_entries_older_than_the_age_limit_are_removed_on_open(
    db_path: Path, clock: FakeClock
) -> None:
    with Store.open(path=db_path, clock=clock) as store:
        _fill(store, 10, start_ms=clock() - 10 * DAY_MS, step_ms=DAY_MS)  # one a day, 10 days
    with Store.open(path=db_path, clock=clock, audit_retention=AuditRetention(max_age_days=3.5)):
        pass
    with Store.open(path=db_path, clock=clock) as store:
        kept = _numbers(store)

    assert kept == [7, 8, 9]


def test_the_byte_limit_keeps_the_newest_entries_that_fit(db_path: Path, clock: FakeClock) -> None:
    with Store.open(path=db_path, clock=clock) as store:
        _fill(store, 100, start_ms=clock(), pad=1000)  # about 1.1 KB an entry
        policy = AuditRetention(max_rows=0, max_age_days=0, max_bytes=20_000)
        store.write(lambda conn, now: prune_audit(conn, now, policy))
        kept = _numbers(store)

    assert 10 <= len(kept) < 20 and kept[-1] == 99 and kept == list(range(kept[0], 100))


async def test_the_store_prunes_while_entries_are_written(db_path: Path, clock: FakeClock) -> None:
    policy = AuditRetention(max_rows=100)
    with Store.open(path=db_path, clock=clock, audit_retention=policy) as store:
        for n in range(PRUNE_EVERY * 2):
            store.audit("bridge", "test.entry", {"n": n})
        await store.flush()
        kept = _numbers(store)

    assert len(kept) <= 100 + PRUNE_EVERY and kept[-1] == PRUNE_EVERY * 2 - 1


def test_negative_limits_are_refused() -> None:
    with pytest.raises(ValueError, match="cannot be negative"):
        AuditRetention(max_rows=-1)
