"""The tray icon: overall state by colour (green all connected and copying, amber copying stopped,
red an account disconnected, grey nothing running yet), a menu, and notifications for disconnects
that last, failed copies, risk stops and API keys about to stop working — each rate-limited so
a burst is one message.

Connected accounts are counted against every enabled account ("4 of 5 connected"), also those
whose terminal has not reported at all. Messages name accounts by the names the trader gave them.
"Mute notifications" in the menu stops the pop-ups (they still reach the status bar); the window
keeps the choice in the preferences."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from copier.domain import TerminalStatus
from copier.events import RISK_STOP_RULES
from copier.notify.policy import duration
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
    mute_toggled = Signal(bool)  # the trader switched "Mute notifications"

    def __init__(self, assets: Assets, bridge: UiBridge, *, disconnect_alert_s: int = 30,
                 muted: bool = False, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.assets = assets
        self.names: dict[str, str] = {}  # every enabled account: id → the trader's name for it
        self.muted = muted
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
        self.mute_action = QAction("Mute notifications", self.menu)
        self.mute_action.setCheckable(True)
        self.mute_action.setChecked(self.muted)
        self.mute_action.toggled.connect(self._on_mute)
        quit_action = QAction("Quit", self.menu)
        quit_action.triggered.connect(self.quit_requested.emit)
        for action in (show, self.switch_action, self.mute_action, quit_action):
            self.menu.addAction(action)
        self.icon.setContextMenu(self.menu)

    def _on_mute(self, muted: bool) -> None:
        if muted != self.muted:
            self.muted = muted
            self.mute_toggled.emit(muted)

    def start(self) -> None:
        if self.available:
            self.icon.show()
        self._timer.start()
        self.update_icon()

    def stop(self) -> None:
        self._timer.stop()
        self.icon.hide()

    # ----- state --------------------------------------------------------------------------
    def set_accounts(self, names: Mapping[str, str]) -> None:
        """Every enabled account (id → name): each counts, connected or not."""
        self.names = dict(names)
        self.update_icon()

    def name(self, account_id: str) -> str:
        return self.names.get(account_id, account_id)

    def counted(self) -> tuple[int, int]:
        """(connected, of all): enabled accounts and any other account a terminal serves."""
        accounts = set(self.names) | set(self.statuses)
        connected = sum(1 for a in accounts if a in self.statuses and self.statuses[a].connected)
        return connected, len(accounts)

    def state(self) -> str:
        connected, total = self.counted()
        if self.statuses and connected < total:
            return "error"
        if not self.copying:
            return "warn"
        return "ok" if self.statuses else "idle"

    def update_icon(self) -> None:
        state = self.state()
        self.icon.setIcon(self.assets.icon(f"tray-{state}"))
        connected, total = self.counted()
        copying = "copying" if self.copying else "copying is stopped"
        self.icon.setToolTip(f"TradeCopier — {copying}; {connected} of {total} accounts "
                             "connected")

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
                    self.notify("Reconnected", f"{self.name(status.account_id)} is connected "
                                "again")
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
                    self.notify("Risk stop", f"{self.name(problem.account_id)}: {problem.text}")
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
                            f"{self.name(account_id)} has been disconnected for "
                            f"{duration(lasted)}" + (f" — {detail}" if detail else ""))
        self._flush_failed(now)

    def _flush_failed(self, now: float) -> None:
        if not self._failed_pending or now - self._last_failed_notice < self.failed_notice_every_s:
            return
        failed, self._failed_pending = self._failed_pending, []
        self._last_failed_notice = now
        text = failed[-1].text if len(failed) == 1 else (
            f"{len(failed)} copies failed; the latest: {failed[-1].text}")
        self.notify("Copy failed", text)

    def pops_up(self) -> bool:
        """Whether a message shows as a pop-up now (a tray icon shown, and not muted)."""
        return self.available and self.icon.isVisible() and not self.muted

    def notify(self, title: str, text: str) -> None:
        """Tell the trader: the status bar always, a pop-up unless muted. Account ids in the
        text become the account's name."""
        for account_id, name in sorted(self.names.items(), key=lambda item: -len(item[0])):
            if name != account_id:
                text = text.replace(account_id, name)
        self.history.append(Notice(time.time(), title, text))
        del self.history[:-100]
        self.notified.emit(title, text)
        if self.pops_up():
            self.icon.showMessage(title, text, QSystemTrayIcon.MessageIcon.Warning, 8000)
