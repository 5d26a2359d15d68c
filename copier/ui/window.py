"""The main window: a navigation list of the eight screens, the tray, and a status bar. Closing it
hides to the tray (when the settings say so and a tray exists) or asks the app to quit, which
stops the core cleanly before the window goes."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import cast

from PySide6.QtCore import Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMainWindow,
    QStackedWidget,
    QWidget,
)

from copier.preferences import Preferences, save_preferences
from copier.ui.account_dialogs import EA, AccountDialog
from copier.ui.assets import Assets
from copier.ui.core_signals import UiBridge
from copier.ui.pages import Page
from copier.ui.pages.accounts import AccountsPage
from copier.ui.pages.dashboard import DashboardPage
from copier.ui.pages.links import LinksPage
from copier.ui.pages.logs import LogsPage
from copier.ui.pages.open_copies import OpenCopiesPage
from copier.ui.pages.settings import SettingsPage
from copier.ui.pages.statistics import StatisticsPage
from copier.ui.pages.tradelog import TradeLogPage
from copier.ui.session import CoreSession
from copier.ui.tray import TrayController
from copier.ui.widgets import launch


class MainWindow(QMainWindow):
    quit_requested = Signal()
    # the screens the window itself talks to (set from SCREENS)
    dashboard: DashboardPage
    statistics: StatisticsPage
    accounts: AccountsPage
    links: LinksPage
    settings: SettingsPage

    def __init__(self, session: CoreSession, bridge: UiBridge, assets: Assets,
                 preferences: Preferences, preferences_file: Path, *, title: str = "TradeCopier"
                 ) -> None:
        super().__init__()
        self.session = session
        self.bridge = bridge
        self.assets = assets
        self.preferences = preferences
        self.preferences_file = preferences_file
        self.setWindowTitle(title)
        self.setWindowIcon(assets.icon("app"))
        self.resize(1360, 860)
        self.pages: dict[str, QWidget] = {}
        for name, attribute, make in SCREENS:
            page = make(self)
            setattr(self, attribute, page)
            self.pages[name] = page
        self.navigation = QListWidget()
        self.navigation.setObjectName("navigation")
        self.navigation.addItems(list(SCREEN_NAMES))
        self.navigation.setFixedWidth(170)
        self.stack = QStackedWidget()
        for page in self.pages.values():
            self.stack.addWidget(page)
        self.navigation.currentRowChanged.connect(self._on_navigate)
        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.navigation)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self.status = QLabel("starting the copier…")
        self.statusBar().addWidget(self.status, 1)
        self.tray = TrayController(assets, bridge,
                                   disconnect_alert_s=preferences.disconnect_alert_s,
                                   muted=preferences.mute_notifications, parent=self)
        self.tray.mute_toggled.connect(lambda muted: launch(self.save_mute(muted)))
        bridge.config_changed.connect(lambda _what: self.refresh_tray_accounts())
        self.tray.show_requested.connect(self.bring_to_front)
        self.tray.quit_requested.connect(self.quit_requested.emit)
        self.tray.copying_requested.connect(
            lambda on: launch(self.session.set_copying(on)))
        self.tray.notified.connect(lambda title, text: self.status.setText(f"{title}: {text}"))
        self._told_about_tray = False
        steps = self.dashboard.first_steps
        steps.add_master.connect(lambda: self.add_account("master"))
        steps.add_slave.connect(lambda: self.add_account("slave"))
        steps.make_link.connect(self.make_link)
        self.navigation.setCurrentRow(0)
        self._style_charts(preferences.theme)

    # ----- life cycle ---------------------------------------------------------------------
    def start(self) -> None:
        """The core is running: begin live updates and load every screen."""
        self.tray.start()
        self.refresh_tray_accounts()
        for page in self._screens():
            page.start()
        launch(self._show_running())

    async def _show_running(self) -> None:
        now = await self.session.running()
        self.status.setText(f"running — {len(now.terminals)} terminals, {len(now.links)} links")

    def refresh_tray_accounts(self) -> None:
        if self.session.started:
            launch(self._load_tray_accounts())

    async def _load_tray_accounts(self) -> None:
        """The tray counts every enabled account, also one whose terminal has not reported."""
        views = await self.session.accounts()
        self.tray.set_accounts({v.account_id: v.label for v in views if v.enabled})

    async def save_mute(self, muted: bool) -> None:
        """Keep the tray's "Mute notifications" across restarts (the settings file)."""
        self.preferences = replace(self.preferences, mute_notifications=muted)
        self.settings.preferences = replace(self.settings.preferences,
                                            mute_notifications=muted)
        await self.session.run_blocking(save_preferences, self.preferences,
                                        self.preferences_file)

    def stop(self) -> None:
        for page in self._screens():
            page.stop()
        self.tray.stop()

    def _screens(self) -> list[Page]:
        return [cast(Page, page) for page in self.pages.values()]

    def show_page(self, name: str) -> QWidget:
        self.navigation.setCurrentRow(SCREEN_NAMES.index(name))
        return self.pages[name]

    # ----- the first launch's steps -------------------------------------------------------
    def add_account(self, role: str) -> AccountDialog:
        """Accounts → Add EA account, with the role of the step already chosen."""
        self.show_page("Accounts")
        dialog = self.accounts.open_add(EA)
        dialog.role.setCurrentIndex(dialog.role.findData(role))
        return dialog

    def make_link(self) -> None:
        self.show_page("Links & rules")
        self.links.new_link()

    def _on_navigate(self, row: int) -> None:
        self.stack.setCurrentIndex(row)
        cast(Page, self.stack.currentWidget()).shown()

    def bring_to_front(self) -> None:
        self.showNormal()
        self.raise_()
        self.activateWindow()

    # ----- settings applied live ----------------------------------------------------------
    def apply_preferences(self, preferences: Preferences) -> None:
        self.preferences = preferences
        app = QApplication.instance()
        if isinstance(app, QApplication):
            self.assets.apply_theme(app, preferences.theme)
        self._style_charts(preferences.theme)
        logging.getLogger().setLevel(preferences.log_level)
        self.tray.disconnect_alert_s = preferences.disconnect_alert_s

    def _style_charts(self, theme: str) -> None:
        self.dashboard.set_theme(theme)
        self.statistics.set_theme(theme)

    # ----- closing ------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        event.ignore()  # the app decides: hide to the tray, or stop the core and then quit
        if self.preferences.minimise_to_tray and self.tray.available:
            self.hide()
            if not self._told_about_tray:
                self._told_about_tray = True
                self.tray.notify("Still copying", "TradeCopier keeps running in the tray; "
                                 "use Quit from its menu to stop it.")
            return
        self.quit_requested.emit()


# Every screen, in the navigation's order: its name there, the window's attribute for it, and how
# it is made. A new screen is its file under copier/ui/pages/ and one line here.
SCREENS: tuple[tuple[str, str, Callable[[MainWindow], QWidget]], ...] = (
    ("Dashboard", "dashboard", lambda w: DashboardPage(w.session, w.bridge)),
    ("Statistics", "statistics", lambda w: StatisticsPage(w.session)),
    ("Accounts", "accounts", lambda w: AccountsPage(w.session, w.bridge)),
    ("Links & rules", "links", lambda w: LinksPage(w.session, w.bridge)),
    ("Open copies", "open_copies", lambda w: OpenCopiesPage(w.session, w.bridge)),
    ("Trade log", "trade_log", lambda w: TradeLogPage(w.session, w.bridge)),
    ("Logs", "logs", lambda w: LogsPage(w.bridge)),
    ("Settings", "settings", lambda w: SettingsPage(w.session, w.preferences,
                                                     w.preferences_file, w.apply_preferences)),
)
SCREEN_NAMES = tuple(name for name, _, _ in SCREENS)
