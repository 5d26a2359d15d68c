"""Clocks the simulator reads time from: a manual one for tests, the wall clock for live use, and
the wall clock shifted by a fixed amount (the demo's, see ``copier.testbed.demo``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from copier.clock import now_ms as wall_ms


class Clock(Protocol):
    def now_ms(self) -> int: ...


class WallClock:
    """Epoch milliseconds from the system clock (UTC)."""

    def now_ms(self) -> int:
        return wall_ms()


@dataclass(frozen=True, slots=True)
class ShiftedClock:
    """The wall clock plus ``shift_ms``; picklable, so another process reads the same clock."""

    shift_ms: int = 0

    def now_ms(self) -> int:
        return wall_ms() + self.shift_ms


class ManualClock:
    """A clock that only moves when told to, so a test decides what time it is."""

    def __init__(self, start_ms: int = 1_767_225_600_000) -> None:  # 2026-01-01 00:00 UTC
        self._now = start_ms

    def now_ms(self) -> int:
        return self._now

    def advance(self, ms: int) -> int:
        if ms < 0:
            raise ValueError("a clock does not run backwards")
        self._now += ms
        return self._now

    def set(self, now_ms: int) -> None:
        if now_ms < self._now:
            raise ValueError("a clock does not run backwards")
        self._now = now_ms
