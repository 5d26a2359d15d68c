"""The tray icon: overall state by colour (green all connected and copying, amber copying stopped,
red an account disconnected, grey nothing running yet), a menu, and notifications for disconnects
that last, failed copies, risk stops and API keys about to stop working — each rate-limited so
a burst is one message."""

from __future__ import annotations

import time
from dataclasses import dataclass

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from copier.domain import TerminalStatus
from copier.events import RISK_STOP_RULES
from copier.ui.assets import Assets
from copier.ui.core_signals import Problem, UiBridge

FAILED_NOTICE_EVERY_S = 10.0
RISK_NOTICE_EVERY_S = 300.0


@dataclass(frozen=True, slots=True)
class Notice:
    time_s: float
    title: str
    text: str


class TrayController(QObject):
    notified = Signal(str, str)  # title, text — also shown by the tray where there is one
    show_requested = Signal()
    copying_requested = Signal(bool)
    quit_requested = Signal()

    def __init__(self, assets: Assets, bridge: UiBridge, *, disconnect_alert_s: int = 30,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.assets = assets
        self.disconnect_alert_s = disconnect_alert_s
        self.failed_notice_every_s = FAILED_NOTICE_EVERY_S
        self.available = QSystemTrayIcon.isSystemTrayAvailable()
        self.statuses: dict[str, TerminalStatus] = {}
        self.copying = True
        self.history: list[Notice] = []
        self._down_since: dict[str, float] = {}
        self._alerted: set[str] = set()
        self._failed_pending: list[Problem] = []
        self._last_failed_notice = 0.0
        self._last_risk_notice: dict[tuple[int, str, str], float] = {}
        self.icon = QSystemTrayIcon(assets.icon("tray-idle"), self)
        self.icon.setToolTip("TradeCopier — starting")
        self.icon.activated.connect(lambda _reason: self.show_requested.emit())
        self._build_menu()
        bridge.statuses_changed.connect(self.on_statuses)
        bridge.problems_reported.connect(self.on_problems)
        bridge.copying_switched.connect(self.on_copying)
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self.check)

    def _build_menu(self) -> None:
        self.menu = QMenu()
        show = QAction("Show TradeCopier", self.menu)
        show.triggered.connect(self.show_requested.emit)
        self.switch_action = QAction("Stop copying", self.menu)
        self.switch_action.triggered.connect(
            lambda: self.copying_requested.emit(not self.copying))
        quit_action = QAction("Quit", self.menu)
        quit_action.triggered.connect(self.quit_requested.emit)
        for action in (show, self.switch_action, quit_action):
            self.menu.addAction(action)
        self.icon.setContextMenu(self.menu)

    def start(self) -> None:
        if self.available:
            self.icon.show()
        self._timer.start()
        self.update_icon()

    def stop(self) -> None:
        self._timer.stop()
        self.icon.hide()

    # ----- state --------------------------------------------------------------------------
    def state(self) -> str:
        if any(not s.connected for s in self.statuses.values()):
            return "error"
        if not self.copying:
            return "warn"
        return "ok" if self.statuses else "idle"

    def update_icon(self) -> None:
        state = self.state()
        self.icon.setIcon(self.assets.icon(f"tray-{state}"))
        connected = sum(1 for s in self.statuses.values() if s.connected)
        copying = "copying" if self.copying else "copying STOPPED"
        self.icon.setToolTip(f"TradeCopier — {copying}; {connected}/{len(self.statuses)} "
                             "accounts connected")

    def on_copying(self, enabled: bool) -> None:
        self.copying = enabled
        self.switch_action.setText("Stop copying" if enabled else "Start copying")
        self.update_icon()

    def on_statuses(self, statuses: list[TerminalStatus]) -> None:
        now = time.time()
        for status in statuses:
            self.statuses[status.account_id] = status
            if status.connected:
                self._down_since.pop(status.account_id, None)
                if status.account_id in self._alerted:
                    self._alerted.discard(status.account_id)
                    self.notify("Reconnected", f"{status.account_id} is connected again")
            else:
                since = status.since_ms / 1000 if status.since_ms else now
                self._down_since.setdefault(status.account_id, since)
        self.update_icon()
        self.check()

    def on_problems(self, problems: list[Problem]) -> None:
        now = time.time()
        for problem in problems:
            if problem.kind == "failed":
                self._failed_pending.append(problem)
            elif problem.kind == "key":  # the core says so once per key
                self.notify("API key expiring", problem.text)
            elif problem.kind == "denied" and problem.rule in RISK_STOP_RULES:
                key = (problem.link_id, problem.account_id, problem.rule)
                if now - self._last_risk_notice.get(key, 0.0) >= RISK_NOTICE_EVERY_S:
                    self._last_risk_notice[key] = now
                    self.notify("Risk stop", problem.text)
        self._flush_failed(now)

    def check(self) -> None:
        """Notify disconnects that have lasted long enough, and failures held back."""
        now = time.time()
        for account_id, since in self._down_since.items():
            lasted = now - since
            if lasted >= self.disconnect_alert_s and account_id not in self._alerted:
                self._alerted.add(account_id)
                detail = self.statuses[account_id].detail if account_id in self.statuses else ""
                self.notify("Account disconnected",
                            f"{account_id} has been disconnected for {lasted:.0f} s"
                            + (f" — {detail}" if detail else ""))
        self._flush_failed(now)

    def _flush_failed(self, now: float) -> None:
        if not self._failed_pending or now - self._last_failed_notice < self.failed_notice_every_s:
            return
        failed, self._failed_pending = self._failed_pending, []
        self._last_failed_notice = now
        text = failed[-1].text if len(failed) == 1 else (
            f"{len(failed)} copies failed; the latest: {failed[-1].text}")
        self.notify("Copy failed", text)

    def notify(self, title: str, text: str) -> None:
        self.history.append(Notice(time.time(), title, text))
        del self.history[:-100]
        self.notified.emit(title, text)
        if self.available and self.icon.isVisible():
            self.icon.showMessage(title, text, QSystemTrayIcon.MessageIcon.Warning, 8000)
