"""The main window: a navigation list of the seven screens, the tray, and a status bar. Closing it
hides to the tray (when the settings say so and a tray exists) or asks the app to quit, which
stops the core cleanly before the window goes."""

from __future__ import annotations

import logging
from pathlib import Path

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

from copier.preferences import Preferences
from copier.ui.account_dialogs import EA, AccountDialog
from copier.ui.assets import Assets
from copier.ui.core_signals import UiBridge
from copier.ui.pages.accounts import AccountsPage
from copier.ui.pages.dashboard import DashboardPage
from copier.ui.pages.links import LinksPage
from copier.ui.pages.logs import LogsPage
from copier.ui.pages.settings import SettingsPage
from copier.ui.pages.statistics import StatisticsPage
from copier.ui.pages.tradelog import TradeLogPage
from copier.ui.session import CoreSession
from copier.ui.tray import TrayController
from copier.ui.widgets import launch

SCREENS = ("Dashboard", "Statistics", "Accounts", "Links & rules", "Trade log", "Logs",
           "Settings")


class MainWindow(QMainWindow):
    quit_requested = Signal()

    def __init__(self, session: CoreSession, bridge: UiBridge, assets: Assets,
                 preferences: Preferences, preferences_file: Path, *, title: str = "TradeCopier"
                 ) -> None:
        super().__init__()
        self.session = session
        self.bridge = bridge
        self.assets = assets
        self.preferences = preferences
        self.setWindowTitle(title)
        self.setWindowIcon(assets.icon("app"))
        self.resize(1360, 860)
        self.dashboard = DashboardPage(session, bridge)
        self.statistics = StatisticsPage(session)
        self.accounts = AccountsPage(session, bridge)
        self.links = LinksPage(session, bridge)
        self.trade_log = TradeLogPage(session, bridge)
        self.logs = LogsPage(bridge)
        self.settings = SettingsPage(session, preferences, preferences_file, self.apply_preferences)
        self.pages: dict[str, QWidget] = dict(zip(SCREENS, (
            self.dashboard, self.statistics, self.accounts, self.links, self.trade_log,
            self.logs, self.settings), strict=True))
        self.navigation = QListWidget()
        self.navigation.setObjectName("navigation")
        self.navigation.addItems(list(SCREENS))
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
                                   disconnect_alert_s=preferences.disconnect_alert_s, parent=self)
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
        self.dashboard.start()
        self.statistics.start()
        self.statistics.refresh()
        self.accounts.reload()
        self.links.reload()
        self.trade_log.start()
        self.settings.start()
        launch(self._show_running())

    async def _show_running(self) -> None:
        now = await self.session.running()
        self.status.setText(f"running — {len(now.terminals)} terminals, {len(now.links)} links")

    def stop(self) -> None:
        self.dashboard.stop()
        self.statistics.stop()
        self.trade_log.stop()
        self.tray.stop()

    def show_page(self, name: str) -> QWidget:
        self.navigation.setCurrentRow(SCREENS.index(name))
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
        page = self.stack.currentWidget()
        if page is self.statistics and self.session.started:
            self.statistics.refresh()

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
