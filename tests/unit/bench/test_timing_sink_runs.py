"""The latency benchmarks time each event from its own frame's arrival to its own last command
written, also when the copier takes several events as one run (bench/bridge_latency.py,
``TimingSink``). Timed from the monitor's newest frame instead, as before runs, an event that
waited behind others was timed from a later frame's arrival and its wait went unseen."""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))

from bridge_latency import TimingSink


class Master:
    def deliver_event(self, message: Any, session: Any) -> None:
        return None


class Server:
    def __init__(self) -> None:
        self.master = Master()

    def terminal(self, account_id: str) -> Master:
        return self.master


class WritingSink:
    """Writes one command per event of the run, ``gap_s`` apart, as the copy service would."""

    def __init__(self, gap_s: float) -> None:
        self.gap_s = gap_s
        self.timer: TimingSink | None = None
        self.written: dict[int, float] = {}

    async def on_events(self, events: Sequence[Any]) -> None:
        assert self.timer is not None
        for event in events:
            time.sleep(self.gap_s)
            self.timer.note_write(SimpleNamespace(master_seq=event.seq))  # type: ignore[arg-type]
            self.written[event.seq] = time.perf_counter()


async def test_each_event_of_a_run_is_timed_from_its_own_arrival_to_its_own_last_write() -> None:
    server = Server()
    inner = WritingSink(gap_s=0.005)
    timer = TimingSink(inner, server, "m")  # type: ignore[arg-type]
    inner.timer = timer
    first_arrived = time.perf_counter() - 0.050  # waited 50 ms behind an earlier run
    second_arrived = time.perf_counter() - 0.010
    server.master.deliver_event(SimpleNamespace(seq=1), SimpleNamespace(last_rx=first_arrived))
    server.master.deliver_event(SimpleNamespace(seq=2), SimpleNamespace(last_rx=second_arrived))

    await timer.on_events([SimpleNamespace(seq=1), SimpleNamespace(seq=2)])

    expected = [inner.written[1] - first_arrived, inner.written[2] - second_arrived]
    assert timer.times_s == pytest.approx(expected, abs=0.001)
    assert timer.times_s[0] > 0.050
    assert len(timer.span_s) == 1  # one span for the run
