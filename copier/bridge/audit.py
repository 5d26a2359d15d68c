"""The bridge's entries in the audit log: refusals at the door and sessions ended for their key.

Refusals are folded so a stranger hammering the listener cannot flood the database: the first
refusal of a kind (action and close code) from a source in a window is written at once, with
``count`` 1; the ones after it in the same window become one more row when the window ends,
with their ``count`` and the ``first_ms``/``last_ms`` they span. Every kind of refusal is on
record, at most two rows per source, kind and window. Sources beyond ``_MAX_TRACKED`` at once
are folded together under ``"other sources"``. Outside text in the entries (the hello's
``server``, a reason that quotes it) is cut to 64 characters and escaped (``copier.logsafe``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from copier.clock import now_ms as _wall_ms
from copier.logsafe import outside_text

log = logging.getLogger(__name__)

AuditSink = Callable[[str, dict[str, Any]], object]  # (action, detail), e.g. Store.audit bound
AUDIT_WINDOW_S = 60.0
OTHER_SOURCES = "other sources"
_MAX_TRACKED = 10_000



@dataclass(slots=True)
class _Fold:
    opened: float  # monotonic seconds when the window began
    first_ms: int = 0  # the first folded refusal (wall clock); 0 while none is folded
    last_ms: int = 0
    count: int = 0
    detail: dict[str, Any] | None = None  # the latest folded refusal's detail


class AuditTrail:
    def __init__(
        self,
        sink: AuditSink | None,
        window_s: float = AUDIT_WINDOW_S,
        clock_ms: Callable[[], int] = _wall_ms,
    ) -> None:
        self._sink = sink
        self._window_s = window_s
        self._clock_ms = clock_ms
        self._folds: dict[tuple[str, str, int], _Fold] = {}

    def record(self, action: str, detail: dict[str, Any]) -> None:
        """Write one entry now (key lifecycle, sessions closed): never folded."""
        if self._sink is None:
            return
        try:
            self._sink(action, detail)
        except Exception:  # the audit log failing must not break the bridge
            log.exception("audit entry %s could not be written", action)

    def refusal(self, action: str, source: str, code: int, detail: dict[str, Any]) -> bool:
        """Record a refusal of kind (``action``, ``code``) from ``source``. Returns True when
        it was written now, False when it was folded into the window's count."""
        now = time.monotonic()
        stamp = self._clock_ms()
        safe = {k: _safe(v) for k, v in detail.items()}
        key = (action, source, code)
        fold = self._folds.get(key)
        if fold is not None and now - fold.opened < self._window_s:
            if fold.count == 0:
                fold.first_ms = stamp
            fold.count += 1
            fold.last_ms = stamp
            fold.detail = safe
            return False
        if fold is not None:
            self._write_fold(key, fold)
        elif len(self._folds) >= _MAX_TRACKED:
            self.flush()
            if len(self._folds) >= _MAX_TRACKED and source != OTHER_SOURCES:
                return self.refusal(action, OTHER_SOURCES, code, detail)
        self._folds[key] = _Fold(now)
        self.record(action, {**safe, "count": 1, "first_ms": stamp, "last_ms": stamp})
        return True

    def flush(self, *, everything: bool = False) -> int:
        """Write the folded rows of windows that have ended (all of them with ``everything``,
        when the bridge stops) and forget those windows. Returns how many rows were written."""
        now = time.monotonic()
        written = 0
        for key, fold in list(self._folds.items()):
            if everything or now - fold.opened >= self._window_s:
                written += self._write_fold(key, fold)
                del self._folds[key]
        return written

    def _write_fold(self, key: tuple[str, str, int], fold: _Fold) -> int:
        if fold.count == 0 or fold.detail is None:
            return 0
        action, source, _ = key
        detail = {
            **fold.detail,
            "source": source,
            "count": fold.count,
            "first_ms": fold.first_ms,
            "last_ms": fold.last_ms,
            "folded": True,
        }
        fold.count = 0
        self.record(action, detail)
        return 1


def _safe(value: Any) -> Any:
    """Strings cut and escaped; numbers, booleans and None as they are."""
    if value is None or isinstance(value, bool | int | float):
        return value
    return outside_text(value)
