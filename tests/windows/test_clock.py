"""The clocks the copier stamps and schedules with resolve below a millisecond where it runs.

Python 3.12 on Windows reads time.time() from GetSystemTimeAsFileTime and time.monotonic() from
GetTickCount64, both ticking every ~15.6 ms: the MT5 worker's 10 ms poll could not be kept and
stage latencies under ~16 ms read as 0 or 16. Python 3.13 reads them from
GetSystemTimePreciseAsFileTime and QueryPerformanceCounter (cpython gh-88494,
https://docs.python.org/3.13/whatsnew/3.13.html#time), which is why the release is built with
3.13 (docs/windows.md). This test fails on a Windows runner given an older Python."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest


def smallest_step(clock: Callable[[], int], window_ns: int = 50_000_000) -> int:
    """The smallest non-zero difference between consecutive readings, within ``window_ns``."""
    end = time.perf_counter_ns() + window_ns
    smallest = window_ns
    last = clock()
    while time.perf_counter_ns() < end:
        now = clock()
        if now != last:
            smallest = min(smallest, now - last)
            last = now
    return smallest


@pytest.mark.parametrize(("name", "clock"), [("time", time.time_ns),
                                             ("monotonic", time.monotonic_ns)])
def test_the_wall_and_monotonic_clocks_tick_faster_than_a_millisecond(
    name: str, clock: Callable[[], int]
) -> None:
    assert time.get_clock_info(name).resolution <= 0.001
    assert smallest_step(clock) < 1_000_000, f"time.{name}() ticks too coarsely"
