"""The wall clock the app reads: milliseconds since the Unix epoch (UTC), from the system clock.

Code that must be testable takes a clock (``Callable[[], int]``) and defaults to ``now_ms``.
"""

from __future__ import annotations

import time


def now_ms() -> int:
    """Epoch milliseconds now."""
    return time.time_ns() // 1_000_000
