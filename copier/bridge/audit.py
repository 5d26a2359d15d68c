"""The bridge's entries in the audit log: refusals at the door and sessions ended for their key.

Refusals from one address are bounded: the same action from the same address is written at most
once per window, and the next entry carries how many were folded into it. A stranger hammering
the listener therefore cannot flood the database, yet every kind of refusal is on record.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

AuditSink = Callable[[str, dict[str, Any]], object]  # (action, detail), e.g. Store.audit bound
AUDIT_WINDOW_S = 60.0
_MAX_TRACKED = 10_000


class AuditTrail:
    def __init__(self, sink: AuditSink | None, window_s: float = AUDIT_WINDOW_S) -> None:
        self._sink = sink
        self._window_s = window_s
        self._last: dict[tuple[str, str], tuple[float, int]] = {}  # → (written at, folded)

    def record(self, action: str, detail: dict[str, Any]) -> None:
        """Write one entry now (key lifecycle, sessions closed): never folded."""
        if self._sink is None:
            return
        try:
            self._sink(action, detail)
        except Exception:  # the audit log failing must not break the bridge
            log.exception("audit entry %s could not be written", action)

    def refusal(self, action: str, address: str, detail: dict[str, Any]) -> None:
        """Write a refusal, folding repeats of the same action from the same address."""
        now = time.monotonic()
        key = (action, address)
        last = self._last.get(key)
        if last is not None and now - last[0] < self._window_s:
            self._last[key] = (last[0], last[1] + 1)
            return
        folded = last[1] if last is not None else 0
        if len(self._last) >= _MAX_TRACKED:
            self._forget(now)
        self._last[key] = (now, 0)
        self.record(action, {"address": address, **detail, "repeats_folded": folded})

    def _forget(self, now: float) -> None:
        for key in [k for k, (t, _) in self._last.items() if now - t >= self._window_s]:
            del self._last[key]
