"""What a running copier says in its log while it runs: one line per connection change, risk stop
and failed copy, in the trader's words.

``copier run`` shows INFO lines on its console, so a VPS user watching it (or reading
``copier logs``) sees an account drop or come back, a protection rule stopping a link, and every
copy that failed with the broker's reason. The window writes the same lines to its log file.
Subscribed to the core's bus: handlers run on the core loop, so each is a dictionary look-up and,
now and then, one log record. Status updates that change nothing (heartbeats, round-trip times)
and a risk stop repeated on every master event are not repeated in the log.
"""

from __future__ import annotations

import logging
from typing import Any

from copier.events import RISK_STOP_RULES, Bus, CopyFailed, CopyWasDenied, TerminalStatusChanged

log = logging.getLogger("copier.run")

RISK_REPEAT_MS = 60_000  # the same risk stop of a link is said again at most once a minute


class RunLines:
    """The bus subscriber that writes the lines; ``now_ms`` is the copier's clock."""

    def __init__(self, now_ms: Any) -> None:
        self._now_ms = now_ms
        self._connected: dict[str, bool] = {}
        self._risk_said: dict[tuple[int, str], int] = {}  # (link, rule) → when last said
        self._stopping = False

    def stopping(self) -> None:
        """The copier itself is stopping: the terminals it lets go are not "disconnected"."""
        self._stopping = True

    def attach(self, bus: Bus) -> None:
        bus.subscribe(self.handle)

    def handle(self, event: object) -> None:
        if isinstance(event, TerminalStatusChanged):
            self._status(event)
        elif isinstance(event, CopyFailed):
            result = event.result
            log.warning("copy failed on %s: %s", event.command.slave_id,
                        result.message or f"the broker answered {result.retcode}")
        elif isinstance(event, CopyWasDenied) and event.denial.rule in RISK_STOP_RULES:
            self._risk(event)

    def _status(self, event: TerminalStatusChanged) -> None:
        status = event.status
        before = self._connected.get(status.account_id)
        if before == status.connected:
            return
        self._connected[status.account_id] = status.connected
        if self._stopping:
            return
        if status.connected:
            log.info("%s connected", status.account_id)
        elif before is not None:  # an account that never connected has nothing to lose
            detail = f": {status.detail}" if status.detail else ""
            log.warning("%s disconnected%s", status.account_id, detail)

    def _risk(self, event: CopyWasDenied) -> None:
        denial = event.denial
        key = (denial.link_id, denial.rule)
        now = self._now_ms()
        last = self._risk_said.get(key)
        if last is not None and now - last < RISK_REPEAT_MS:
            return
        self._risk_said[key] = now
        log.warning("risk stop on link %d (%s): %s", denial.link_id, denial.slave_id,
                    denial.reason)
