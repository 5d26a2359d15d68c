"""Live figures the dashboard draws, kept Qt-free: latency percentiles over time, copies per
minute, and the app's own CPU and memory."""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

import psutil

from copier.percentiles import percentile

SAMPLES_PER_BUCKET = 200  # a stable p99 per second without keeping every sample of a burst


@dataclass(frozen=True, slots=True)
class Percentiles:
    p50: float
    p95: float
    p99: float
    count: int

    @staticmethod
    def of(samples: Iterable[float]) -> Percentiles | None:
        ordered = sorted(samples)
        if not ordered:
            return None
        return Percentiles(
            percentile(ordered, 0.50), percentile(ordered, 0.95), percentile(ordered, 0.99),
            len(ordered),
        )


@dataclass(frozen=True, slots=True)
class LatencyPoint:
    """One second of the chart: its start (epoch seconds) and the percentiles within it."""

    second: int
    figures: Percentiles


class _Bucket:
    __slots__ = ("count", "rng", "samples", "second")

    def __init__(self, second: int) -> None:
        self.second = second
        self.count = 0
        self.samples: list[float] = []
        self.rng = random.Random(second)

    def add(self, value: float) -> None:
        # Reservoir sampling past the cap: a burst of thousands per second still gives an
        # unbiased sample for the percentiles while the memory per second stays bounded.
        self.count += 1
        if len(self.samples) < SAMPLES_PER_BUCKET:
            self.samples.append(value)
            return
        slot = self.rng.randrange(self.count)
        if slot < SAMPLES_PER_BUCKET:
            self.samples[slot] = value


class LatencyWindow:
    """Latency samples of the last ``span_s`` seconds, one bucket per second."""

    def __init__(self, span_s: int = 300) -> None:
        self.span_s = span_s
        self._buckets: deque[_Bucket] = deque()
        self._points: dict[int, LatencyPoint] = {}

    def add(self, samples: Iterable[tuple[float, float]]) -> None:
        """Add ``(time in epoch seconds, latency ms)`` samples, oldest first."""
        for at, latency in samples:
            bucket = self._bucket(int(at))
            if bucket is not None:
                bucket.add(latency)
                self._points.pop(bucket.second, None)

    def _bucket(self, second: int) -> _Bucket | None:
        if not self._buckets or self._buckets[-1].second < second:
            self._buckets.append(_Bucket(second))
            return self._buckets[-1]
        # A late sample goes to the second it belongs to, if that second is still kept.
        return next((b for b in reversed(self._buckets) if b.second == second), None)

    def trim(self, now_s: float) -> None:
        oldest = int(now_s) - self.span_s
        while self._buckets and self._buckets[0].second < oldest:
            self._points.pop(self._buckets.popleft().second, None)

    def points(self) -> list[LatencyPoint]:
        """The chart's points, oldest first (each second's percentiles are computed once)."""
        out: list[LatencyPoint] = []
        for bucket in self._buckets:
            point = self._points.get(bucket.second)
            if point is None:
                figures = Percentiles.of(bucket.samples)
                if figures is None:
                    continue
                point = LatencyPoint(bucket.second, figures)
                self._points[bucket.second] = point
            out.append(point)
        return out

    def recent(self, seconds: int, now_s: float) -> Percentiles | None:
        """The percentiles of the last ``seconds`` seconds taken together."""
        since = int(now_s) - seconds
        return Percentiles.of(v for b in self._buckets if b.second > since for v in b.samples)


class RateCounter:
    """Events per minute over a sliding minute, counted per second."""

    def __init__(self, window_s: int = 60) -> None:
        self.window_s = window_s
        self._counts: deque[tuple[int, int]] = deque()

    def add(self, count: int, now_s: float) -> None:
        if count <= 0:
            return
        second = int(now_s)
        if self._counts and self._counts[-1][0] == second:
            self._counts[-1] = (second, self._counts[-1][1] + count)
        else:
            self._counts.append((second, count))

    def per_minute(self, now_s: float) -> float:
        oldest = int(now_s) - self.window_s
        while self._counts and self._counts[0][0] <= oldest:
            self._counts.popleft()
        return sum(c for _, c in self._counts) * 60.0 / self.window_s


@dataclass(frozen=True, slots=True)
class ProcessUsage:
    cpu_percent: float  # of one core, as the task manager's per-process column shows
    memory_mb: float
    threads: int


class ProcessMeter:
    """The app's own CPU and memory, read from the operating system (no disk access)."""

    def __init__(self) -> None:
        self._process = psutil.Process()
        self._process.cpu_percent(None)  # the first reading only sets the baseline

    def read(self) -> ProcessUsage:
        with self._process.oneshot():
            return ProcessUsage(
                cpu_percent=self._process.cpu_percent(None),
                memory_mb=self._process.memory_info().rss / 1_048_576,
                threads=self._process.num_threads(),
            )


@dataclass(slots=True)
class SuccessCounter:
    """Executed versus failed copies since the window opened (the dashboard's success rate)."""

    executed: int = 0
    failed: int = 0

    def add(self, executed: int, failed: int) -> None:
        self.executed += executed
        self.failed += failed

    @property
    def rate(self) -> float | None:
        finished = self.executed + self.failed
        return None if finished == 0 else self.executed / finished
