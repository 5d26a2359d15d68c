"""The app hands the C allocator's free memory back once a minute, off the loop, and nothing it
holds is touched: a failed trim is logged and the next minute tries again; without glibc the
trimmer does nothing at all."""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from pathlib import Path

import pytest

from copier import memory_trim
from copier.app import AppConfig, CopierApp
from copier.memory_trim import MemoryTrimmer

glibc_only = pytest.mark.skipif(not memory_trim.can_trim(), reason="glibc's malloc_trim only")


class Calls:
    def __init__(self) -> None:
        self.count = 0

    def trim(self) -> bool:
        self.count += 1
        return True


async def _until(condition: object, timeout_s: float = 5.0) -> None:
    async with asyncio.timeout(timeout_s):
        while not condition():  # type: ignore[operator]
            await asyncio.sleep(0.005)


async def test_it_trims_every_period_off_the_loop_and_goes_on_after_a_failure() -> None:
    threads: list[int] = []

    def trim() -> bool:
        threads.append(threading.get_ident())
        if len(threads) == 2:
            raise OSError("refused")
        return True

    trimmer = MemoryTrimmer(period_s=0.01, trim=trim, enabled=True)
    task = asyncio.create_task(trimmer.run())
    await _until(lambda: trimmer.trims >= 4)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)

    assert len(threads) >= 4  # the failed second one did not stop the third
    assert threading.get_ident() not in threads


async def test_without_an_allocator_to_trim_it_does_nothing() -> None:
    calls = Calls()
    trimmer = MemoryTrimmer(period_s=0.0, trim=calls.trim, enabled=False)

    await asyncio.wait_for(trimmer.run(), 1.0)  # returns at once

    assert calls.count == 0


def test_it_is_glibc_only() -> None:
    if not sys.platform.startswith("linux"):
        assert not memory_trim.can_trim()
        assert memory_trim.trim() is False


async def test_the_app_trims_while_it_runs_and_stops_trimming_when_it_stops(tmp_path: Path) -> None:
    app = CopierApp(AppConfig(data_dir=tmp_path, bridge=False, load_accounts=False, notify=False))
    calls = Calls()
    app.memory_trimmer = MemoryTrimmer(period_s=0.01, trim=calls.trim, enabled=True)
    await app.start()
    try:
        await _until(lambda: calls.count >= 2)
    finally:
        await app.stop()
    stopped_at = calls.count
    await asyncio.sleep(0.05)

    assert calls.count == stopped_at


@glibc_only
def test_a_trim_gives_back_the_free_pages_and_keeps_every_live_byte() -> None:
    # 32 MB in 64 KB blocks (malloc's arena, below its mmap threshold), each filled; all but the
    # last freed: that one pins the arena's top, so free() alone cannot give the rest back.
    blocks = [bytearray(bytes([i % 251]) * 65_536) for i in range(512)]
    kept = blocks[-1]
    survivors = blocks[::64]
    del blocks
    before = _rss_bytes()
    stop = threading.Event()
    errors: list[str] = []

    def allocate() -> None:  # another thread allocates and checks its bytes during the trims
        while not stop.is_set():
            block = bytearray(b"\x5a" * 200_000)
            if block.count(0x5A) != len(block):
                errors.append("a live block changed")

    other = threading.Thread(target=allocate)
    other.start()
    try:
        given_back = [memory_trim.trim() for _ in range(5)]
    finally:
        stop.set()
        other.join()

    assert given_back[0] is True
    assert before - _rss_bytes() > 16 * 1024 * 1024
    assert errors == []
    assert kept == bytes([511 % 251]) * 65_536
    assert all(s == bytes([(64 * n) % 251]) * 65_536 for n, s in enumerate(survivors))


def _rss_bytes() -> int:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE")
