"""The core's outward events and the tiny Qt-free bus that carries them to subscribers.

The copy service publishes; the UI bridge (``copier.ui.core_signals``), the self-test, the demo's
report collector and tests subscribe. Handlers run synchronously on the core loop's thread, so
they must be quick: the UI bridge only queues a Qt signal.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from copier.domain import Command, ExecutionResult, MasterEvent, TerminalStatus
from copier.engine.state import CopyAdjusted, CopyDenied

log = logging.getLogger(__name__)

# The protection rules whose refusals are risk stops (a limit on the slave account's losses or
# margin, not a per-copy filter): the tray and the notifications report these.
RISK_STOP_RULES = frozenset({"max_daily_loss", "max_drawdown", "equity_floor",
                             "min_margin_level", "daily_profit_target"})


@dataclass(frozen=True, slots=True)
class MasterEventReceived:
    event: MasterEvent


@dataclass(frozen=True, slots=True)
class CopySent:
    command: Command
    sent_ms: int


@dataclass(frozen=True, slots=True)
class CopyExecuted:
    command: Command
    result: ExecutionResult
    latency_ms: float  # master detection → slave execution


@dataclass(frozen=True, slots=True)
class CopyFailed:
    command: Command
    result: ExecutionResult


@dataclass(frozen=True, slots=True)
class CopyWasDenied:
    denial: CopyDenied


@dataclass(frozen=True, slots=True)
class CopyWasAdjusted:
    adjustment: CopyAdjusted


@dataclass(frozen=True, slots=True)
class TerminalStatusChanged:
    status: TerminalStatus


@dataclass(frozen=True, slots=True)
class CopyingSwitched:
    enabled: bool


@dataclass(frozen=True, slots=True)
class ReconciliationReported:
    slave_id: str
    problems: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ApiKeyExpiring:
    """An EA is connected with a key that stops working soon: it expires, or it was replaced by
    a rotation and its grace period is running out. Published once per key."""

    account_id: str
    key_id: str  # the key's public id, never the key
    expires_ms: int
    days_left: int  # whole days left (0: less than a day)
    replaced: bool = False

    @property
    def reason(self) -> str:
        if self.replaced:
            return (
                f"{self.account_id}: the EA still uses a replaced API key ({self.key_id}); "
                "it stops working at the end of its grace period — put the newest key in the EA"
            )
        when = "within a day" if self.days_left == 0 else f"in {self.days_left} days"
        return (
            f"{self.account_id}: API key {self.key_id} expires {when} — "
            "generate a new one in Accounts"
        )


CoreEvent = (
    MasterEventReceived
    | CopySent
    | CopyExecuted
    | CopyFailed
    | CopyWasDenied
    | CopyWasAdjusted
    | TerminalStatusChanged
    | CopyingSwitched
    | ReconciliationReported
    | ApiKeyExpiring
)

Handler = Callable[[Any], None]


class Bus:
    """Publish/subscribe without Qt. A failing handler is logged and never stops the others."""

    def __init__(self) -> None:
        self._handlers: list[Handler] = []

    def subscribe(self, handler: Handler) -> Callable[[], None]:
        self._handlers.append(handler)

        def unsubscribe() -> None:
            if handler in self._handlers:
                self._handlers.remove(handler)

        return unsubscribe

    def publish(self, event: CoreEvent) -> None:
        for handler in tuple(self._handlers):
            try:
                handler(event)
            except Exception:  # a subscriber's bug must never stop a copy
                log.exception("event handler %r failed on %s", handler, type(event).__name__)
