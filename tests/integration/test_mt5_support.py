"""Shared pieces of the MT5 integration tests (no tests here): a sink that records and waits."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from copier.domain import ExecutionResult, MasterEvent, TerminalStatus
from copier.terminals.base import events_one_by_one

WAIT_S = 5.0


class RecordingSink:
    def __init__(self) -> None:
        self.events: list[MasterEvent] = []
        self.results: list[ExecutionResult] = []
        self.statuses: list[TerminalStatus] = []
        self._changed = asyncio.Event()

    on_events = events_one_by_one

    async def on_event(self, event: MasterEvent) -> None:
        self.events.append(event)
        self._changed.set()

    def on_result(self, result: ExecutionResult) -> None:
        self.results.append(result)
        self._changed.set()

    def on_status(self, status: TerminalStatus) -> None:
        self.statuses.append(status)
        self._changed.set()

    async def until(self, condition: Callable[[], Any], what: str) -> None:
        deadline = time.monotonic() + WAIT_S
        while not condition():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"timed out waiting for {what}")
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except TimeoutError:
                continue

    async def next_events(self, count: int, what: str) -> list[MasterEvent]:
        start = len(self.events) - count
        await self.until(lambda: len(self.events) >= start + count, what)
        return self.events[start : start + count]
