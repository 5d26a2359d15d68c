"""Handing the C allocator's free memory back to the system, once a minute.

On Linux, glibc's malloc keeps what is freed for the next allocation instead of returning it:
it gives memory back on its own only from the top of an arena, above ``M_TRIM_THRESHOLD``. The
free pages below a block still in use stay in the RSS, and every thread that allocates (the
loop, the store's writer, its checkpointer) has an arena of its own that keeps them. Nothing is
lost — the next allocations reuse them — but a long run's RSS keeps creeping up (``bench/soak.py
--probe``: the loop's arena grew 0.2 MB a minute at 20 master actions a second, all of it free
memory, with no Python object or SQLite cache growing). ``malloc_trim(0)`` walks every arena
and hands its free pages back (``madvise``); :class:`MemoryTrimmer` calls it once a minute, off
the loop. What it cannot reach is Python's own small-object allocator: it returns an arena of
its (1 MiB) only once the arena is empty, so its RSS is bounded by the most arenas it ever held.

Elsewhere there is nothing to do, and nothing is done (:func:`trim` returns False): Windows'
heap, which the C runtime's malloc allocates from — one heap for every thread, no arena per
thread — decommits free blocks of a page or more by itself once more than 64 KiB of it is free
(its default ``DeCommitFreeBlockThreshold`` and ``DeCommitTotalFreeThreshold``); macOS and musl
have no ``malloc_trim``.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import logging
import sys
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

TRIM_EVERY_S = 60.0

Trim = Callable[[int], int]


def _glibc_trim() -> Trim | None:
    """glibc's ``malloc_trim``, or None where the C library is not glibc."""
    if not sys.platform.startswith("linux"):
        return None
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name or "libc.so.6")
    except OSError:
        return None
    function = getattr(libc, "malloc_trim", None)  # musl has none
    if function is None:
        return None
    function.argtypes = [ctypes.c_size_t]
    function.restype = ctypes.c_int
    trim: Trim = function
    return trim


_trim = _glibc_trim()


def trim() -> bool:
    """Hand the allocator's free memory back now; True when glibc says it gave some back. It
    takes each arena's lock in turn (about a millisecond for the copier's heap) and releases the
    GIL meanwhile."""
    return _trim is not None and _trim(0) == 1


def can_trim() -> bool:
    """Whether :func:`trim` does anything here (glibc)."""
    return _trim is not None


class MemoryTrimmer:
    """Calls ``trim`` every ``period_s`` in a worker thread (the GIL is released meanwhile, so the
    loop goes on; an allocation of its from the arena being trimmed waits for that arena). With
    nothing to trim (``enabled`` False: not glibc) ``run`` returns at once."""

    def __init__(self, period_s: float = TRIM_EVERY_S, trim: Callable[[], bool] = trim,
                 *, enabled: bool | None = None) -> None:  # fmt: skip
        self._period_s = period_s
        self._trim = trim
        self.enabled = can_trim() if enabled is None else enabled
        self.trims = 0
        self.last_s = 0.0  # the last trim's wall time and its thread's CPU time
        self.last_cpu_s = 0.0

    async def run(self) -> None:
        while self.enabled:
            await asyncio.sleep(self._period_s)
            try:
                await asyncio.to_thread(self._timed)
            except Exception:  # a failed trim costs memory, never a copy
                log.exception("handing free memory back failed")
            self.trims += 1

    def _timed(self) -> None:
        wall, cpu = time.perf_counter(), time.thread_time()
        self._trim()
        self.last_s, self.last_cpu_s = time.perf_counter() - wall, time.thread_time() - cpu
