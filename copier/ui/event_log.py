"""Writes what the bridge reports — failed copies, denials, reconciliation problems, connection
changes, the copying switch — to Python logging, so the Logs screen and any log file tell the
same story as the dashboard. At most a few lines per flush: a burst is summarised, not listed."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject

from copier.domain import TerminalStatus
from copier.ui.core_signals import Problem, UiBridge

log = logging.getLogger("copier.events")
LINES_PER_FLUSH = 10


class EventLog(QObject):
    def __init__(self, bridge: UiBridge, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._connected: dict[str, bool] = {}
        bridge.problems_reported.connect(self.on_problems)
        bridge.statuses_changed.connect(self.on_statuses)
        bridge.copying_switched.connect(self.on_copying)

    def on_problems(self, problems: list[Problem]) -> None:
        for problem in problems[:LINES_PER_FLUSH]:
            level = logging.INFO if problem.kind == "denied" else logging.WARNING
            log.log(level, "%s %s (%s): %s", problem.account_id, problem.kind, problem.rule,
                    problem.text)
        if len(problems) > LINES_PER_FLUSH:
            log.info("… and %d more errors and denials (see the trade log)",
                     len(problems) - LINES_PER_FLUSH)

    def on_statuses(self, statuses: list[TerminalStatus]) -> None:
        for status in statuses:
            if self._connected.get(status.account_id) == status.connected:
                continue
            self._connected[status.account_id] = status.connected
            if status.connected:
                log.info("%s connected%s", status.account_id,
                         f" ({status.detail})" if status.detail else "")
            else:
                log.warning("%s disconnected%s", status.account_id,
                            f": {status.detail}" if status.detail else "")

    def on_copying(self, enabled: bool) -> None:
        log.warning("copying %s", "started" if enabled else "STOPPED — no new copies are opened")
