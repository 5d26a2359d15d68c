"""The copier's garbage-collector policy: what lives for good is moved out of the collector's
reach, so a full collection never stalls a copy for long.

A full collection walks every object the collector tracks. With 10,000 EA sessions connected
that is most of a 300 MB heap, and it took 500–670 ms on a 2-core machine — a copy arriving then
waits that long (bench/connections.py). Objects that live as long as the app (everything built at
start-up, and each session once its connection is up) need no walking: ``gc.freeze()`` puts them
in a permanent generation that collections skip.

``HeapKeeper`` watches how many sessions have opened and closed. Once the numbers have stood
still for ``quiet_s`` after sessions opened (a reconnect burst is over), it freezes. The price:
a session that closes after being frozen cannot have its reference cycles collected. So once
``rebuild_after`` sessions have closed, at the next quiet moment, it thaws everything, collects
once (one long pause, rarely: after a thousand disconnects) and freezes again.

``CollectionsHeld`` keeps the interpreter's automatic collections out of a short stretch of
code — the copy service's routes and writes, from a master event to its last command written —
and lets the one that came due run at the first allocation after it (the store's write of the
decision, which the copy does not wait for). A young collection takes 0.2–0.5 ms and one of
generation 1 1–2 ms (with 10,000 sessions connected, young ones up to 9.8 ms); at 1 × 10 @ 100
events a second 4–9 in 1,000 events started inside that stretch (bench/bridge_latency.py counts
them), none can now. Where automatic collection is off (the window's process,
``copier.ui.collector``) it does nothing.

A collection runs finalizers on the thread that calls it. In the window's process that must be
the GUI thread: a Qt object collected on the core's thread is destroyed where Qt forbids it (a
timer it still had running stays registered with the GUI thread and fires into freed memory, a
crash seconds later). So a process with a window hands this module's heap work to the GUI thread
(``hand_heap_work_to``); the core, which calls it from its own loop, never knows.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Callable
from typing import Protocol

SessionTotals = Callable[[], tuple[int, int]]  # (sessions opened, sessions closed) so far
HeapWork = Callable[[], None]

_hand_off: Callable[[HeapWork], None] | None = None


def hand_heap_work_to(hand_off: Callable[[HeapWork], None] | None) -> None:
    """From now on each collection (with the freezing around it) this module would run is given to
    ``hand_off``, which runs it on the thread that owns collections; None: run where asked."""
    global _hand_off
    _hand_off = hand_off


def _run(work: HeapWork) -> None:
    hand_off = _hand_off
    if hand_off is None:
        work()
    else:
        hand_off(work)


class Collector(Protocol):
    def collect(self) -> int: ...

    def freeze(self) -> None: ...

    def unfreeze(self) -> None: ...


class CollectionsHeld:
    """``with CollectionsHeld():`` — no automatic collection starts inside the block; one that
    came due meanwhile runs at the first allocation after it. For a block that does not give
    way to the loop (nothing awaited inside): the collector stays off only that long."""

    __slots__ = ("_held",)

    def __enter__(self) -> None:
        self._held = gc.isenabled()
        if self._held:
            gc.disable()

    def __exit__(self, *_: object) -> None:
        if self._held:
            gc.enable()


def settle_start_up(collector: Collector = gc) -> None:
    """Collect what start-up left behind, then freeze the rest: it lives as long as the app."""

    def settle() -> None:
        collector.collect()
        collector.freeze()

    _run(settle)


class HeapKeeper:
    def __init__(
        self,
        totals: SessionTotals,
        *,
        quiet_s: float = 2.0,
        rebuild_after: int = 1_000,
        tick_s: float = 1.0,
        collector: Collector = gc,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._totals = totals
        self._quiet_s = quiet_s
        self._rebuild_after = rebuild_after
        self._tick_s = tick_s
        self._gc = collector
        self._clock = clock
        self.freezes = 0
        self.rebuilds = 0
        self._frozen_opened, self._rebuilt_closed = totals()
        self._seen = totals()
        self._changed_at = clock()

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self._tick_s)
            self.tick()

    def tick(self) -> None:
        """One look at the session totals (``run`` calls it every ``tick_s``)."""
        now = self._totals()
        if now != self._seen:
            self._seen, self._changed_at = now, self._clock()
            return
        if self._clock() - self._changed_at < self._quiet_s:
            return
        opened, closed = now
        if closed - self._rebuilt_closed >= self._rebuild_after:
            _run(self._rebuild)
            self.rebuilds += 1
            self._rebuilt_closed, self._frozen_opened = closed, opened
        elif opened > self._frozen_opened:
            self._gc.freeze()  # moves objects, runs no finalizer: safe on any thread
            self.freezes += 1
            self._frozen_opened = opened

    def _rebuild(self) -> None:
        self._gc.unfreeze()
        self._gc.collect()
        self._gc.freeze()
