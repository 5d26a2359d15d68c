"""The one percentile the app and its benchmarks report: nearest rank, as the dashboard, the
demo's report and docs/performance.md read p50, p95 and p99."""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(ordered: Sequence[float], fraction: float) -> float:
    """The value at nearest rank ``ceil(fraction × n)`` of an already sorted, non-empty list
    (``fraction`` 0.99 for p99; 0 gives the smallest)."""
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]
