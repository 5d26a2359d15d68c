"""Executors killed and restarted with their memory file, the copier restarted in order, and the
copier's SQLite writer locked out by another process: every event copied exactly once."""

from __future__ import annotations

import contextlib
import random
import sqlite3
from pathlib import Path

import pytest

from copier.store.paths import database_path
from tests.fault.checks import all_executed, verify_slaves, verify_store
from tests.fault.tally import TALLY
from tests.fault.world import FaultWorld, MasterStream, wait_until

pytestmark = pytest.mark.timeout(120)

EVENTS = 200
LOCKED = "the database is locked by another program"  # copier/store/writer.py logs it


async def _started(tmp_path: Path, seed: int) -> tuple[FaultWorld, MasterStream]:
    world = FaultWorld(tmp_path, seed=seed)
    world.copier.start()
    await world.copier.wait_listening()
    world.start_eas()
    await world.all_connected()
    return world, MasterStream(world, seed=seed)


async def _finish(world: FaultWorld, stream: MasterStream) -> None:
    await wait_until(lambda: all_executed(world, stream.events), 30, "every copy executed")
    await wait_until(lambda: not world.outbox.unacked, 15, "every event acknowledged")
    await wait_until(lambda: world.outbox_size() == 0, 15, "the copier's outbox empty")
    await world.close()
    verdict = verify_slaves(world, stream.events)
    stored = verify_store(world)
    TALLY.add_stream(verdict.events, verdict.copies_checked, verdict.lost, verdict.duplicated)
    assert verdict.clean, verdict.describe()
    assert stored == []
    assert "Traceback" not in world.copier.log_text()


async def test_executors_crashed_and_restarted_with_their_memory_execute_each_copy_once(
    tmp_path: Path,
) -> None:
    world, stream = await _started(tmp_path, seed=11)
    rng = random.Random(11)
    try:
        for n in range(1, EVENTS + 1):
            await stream.step()
            if n % 20 == 0:
                slave = rng.choice(world.slaves)
                assert slave.ea is not None
                await world.stop_ea(slave.ea, crash=True)  # the terminal dies mid-stream
                world.start_executor(slave)  # restarted: its memory file (executor) kept
                TALLY.restarts += 1
        await _finish(world, stream)
    finally:
        await world.close()


async def test_a_copier_restarted_in_order_mid_stream_copies_each_event_once(
    tmp_path: Path,
) -> None:
    world, stream = await _started(tmp_path, seed=12)
    try:
        for n in range(1, EVENTS + 1):
            await stream.step()
            if n % 50 == 0:
                assert await world.copier.stop() == 0  # bridge closes with 1001, store flushed
                world.copier.start()
                TALLY.restarts += 1
                await world.copier.wait_listening()
        await world.all_connected()
        # Every close frame the EAs read was the orderly stop's 1001 (an EA still reconnecting
        # when the next stop comes misses that one).
        codes = [ea.close_codes for ea in world.eas()]
        assert all(c and set(c) == {1001} for c in codes), codes
        await _finish(world, stream)
    finally:
        await world.close()


async def test_a_database_locked_by_another_writer_delays_copies_but_loses_none(
    tmp_path: Path,
) -> None:
    world, stream = await _started(tmp_path, seed=13)
    try:
        await stream.run(30)
        # Another process holds the write lock past the copier's busy timeout (5 s): its writes
        # wait for the lock (the monitor's events stay unacknowledged meanwhile) — results and
        # sent stamps of copies made just before included — and are written once it is free.
        lock = sqlite3.connect(database_path(world.data_dir), timeout=1)
        lock.execute("BEGIN EXCLUSIVE")
        try:
            await stream.run(20)
            await wait_until(lambda: LOCKED in world.copier.log_text(), 60,
                             "the copier to find the database locked past its busy timeout")
        finally:
            with contextlib.suppress(sqlite3.Error):
                lock.rollback()
            lock.close()
        await stream.run(30)
        await world.all_connected()
        await _finish(world, stream)
    finally:
        await world.close()
