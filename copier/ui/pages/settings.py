"""Settings: bridge address and port, remote EAs over TLS, theme, start with Windows, data folder,
log level and the tray's behaviour. Theme, log level, autostart and tray settings apply at once;
the addresses, ports, certificates and data folder at the next start (the listeners and the
database are open while the app runs)."""

from __future__ import annotations

import ipaddress
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from copier.bridge.config import is_loopback_host
from copier.notify import ServiceBook
from copier.preferences import (
    LOG_LEVELS,
    PLAIN_WS_REFUSED,
    THEMES,
    Preferences,
    save_preferences,
)
from copier.ui.autostart import AutostartState, autostart_state, set_autostart
from copier.ui.backup_settings import BackupSection
from copier.ui.file_dialogs import existing_folder
from copier.ui.notify_settings import NotifySection
from copier.ui.pages import Screen
from copier.ui.pages.remote_settings import RemoteSection
from copier.ui.pages.trading_clock import TradingClockSection
from copier.ui.session import CoreSession
from copier.ui.widgets import launch, scrolling

Apply = Callable[[Preferences], None]
OFF_IN_TASK_MANAGER = (
    "TradeCopier is set to start with Windows, but it is off in Task Manager's Startup apps, so "
    "Windows does not start it — turn it on there (Task Manager → Startup apps → TradeCopier → "
    "Enable).")
CONTENT_WIDTH = 760


class SettingsPage(Screen, QWidget):
    def __init__(self, session: CoreSession, preferences: Preferences, path: Path,
                 apply: Apply, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.preferences = preferences
        self.path = path
        self._apply = apply
        self.bind_host = QLineEdit()
        self.bind_host.textChanged.connect(lambda _text: self._check_bind_host())
        self.bind_host_problem = QLabel("")
        self.bind_host_problem.setObjectName("problems")
        self.bind_host_problem.setWordWrap(True)
        self.bind_host_problem.hide()
        self.bind_port = QSpinBox()
        self.bind_port.setRange(0, 65535)
        self.remote = RemoteSection(session)
        self.notify = NotifySection(session, lambda: ServiceBook(self.preferences.data_path))
        self.backup = BackupSection(session, lambda: self.preferences.data_path)
        self.bind_port.valueChanged.connect(self._on_bind_port)
        self.theme = QComboBox()
        self.theme.addItems(list(THEMES))
        self.start_with_windows = QCheckBox("start TradeCopier when I log in")
        self.autostart_note = QLabel("")
        self.autostart_note.setObjectName("notice")
        self.autostart_note.setWordWrap(True)
        self.autostart_note.hide()
        # What the system will do at log-in; replaced in tests by a reader of a fake registry.
        self.read_autostart: Callable[[], AutostartState] = autostart_state
        self.data_dir = QLineEdit()
        self.data_dir.setPlaceholderText("default: the user data folder")
        self.browse_button = QPushButton("Browse…")
        self.browse_button.clicked.connect(self._browse)
        data_row = QHBoxLayout()
        data_row.addWidget(self.data_dir, 1)
        data_row.addWidget(self.browse_button)
        self.log_level = QComboBox()
        self.log_level.addItems(list(LOG_LEVELS))
        self.minimise_to_tray = QCheckBox("closing the window keeps copying in the tray")
        self.disconnect_alert_s = QSpinBox()
        self.disconnect_alert_s.setRange(0, 86_400)
        self.disconnect_alert_s.setSuffix(" s")
        form = QFormLayout()
        form.addRow("EA bridge address", self.bind_host)
        form.addRow("", self.bind_host_problem)
        form.addRow("EA bridge port", self.bind_port)
        form.addRow("Theme", self.theme)
        # The installer's word on Windows; elsewhere the same switch is the session's autostart.
        form.addRow("Start with Windows" if sys.platform == "win32" else "Start at log-in",
                    self.start_with_windows)
        form.addRow("", self.autostart_note)
        form.addRow("Data folder", data_row)
        form.addRow("Log level", self.log_level)
        form.addRow("Tray", self.minimise_to_tray)
        form.addRow("Notify a disconnect after", self.disconnect_alert_s)
        note = QLabel("The EA bridge serves EAs on this machine (plain ws, 127.0.0.1). EAs on "
                      "other machines connect through Remote EAs, over TLS only. Addresses, "
                      "ports, certificates and the data folder apply after a restart.")
        note.setObjectName("notice")
        note.setWordWrap(True)
        self.save_button = QPushButton("Save")
        self.save_button.clicked.connect(lambda: launch(self.save(), on_error=self._show))
        self.message = QLabel("")
        self.message.setWordWrap(True)
        # One readable column, not fields stretched across a 1,600 px window.
        content = QWidget()
        content.setMaximumWidth(CONTENT_WIDTH)
        layout = QVBoxLayout(content)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addWidget(self.remote)
        self.trading_clock = TradingClockSection(session)
        layout.addWidget(self.trading_clock)
        extras = QHBoxLayout()  # side by side: the page fits the window's height
        extras.addWidget(self.notify, 3)
        extras.addWidget(self.backup, 1)
        layout.addLayout(extras)
        layout.addWidget(note)
        layout.addWidget(self.save_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.message)
        layout.addStretch(1)
        column = QWidget()  # the column scrolls when the window is shorter than it (720 px)
        column_layout = QHBoxLayout(column)
        column_layout.setContentsMargins(0, 0, 0, 0)
        column_layout.addWidget(content, 1)
        column_layout.addStretch(0)
        outer = QVBoxLayout(self)
        outer.addWidget(scrolling(column))
        self.show_preferences(preferences)

    def show_preferences(self, p: Preferences) -> None:
        self.bind_host.setText(p.bind_host)
        self.bind_port.setValue(p.bind_port)
        self.theme.setCurrentText(p.theme)
        self.start_with_windows.setChecked(p.start_with_windows)
        self.data_dir.setText(p.data_dir)
        self.log_level.setCurrentText(p.log_level)
        self.minimise_to_tray.setChecked(p.minimise_to_tray)
        self.disconnect_alert_s.setValue(p.disconnect_alert_s)
        self.remote.show_preferences(p)

    def start(self) -> None:
        """The core is running: show its remote listener and certificate fingerprint, and
        whether the app really starts with Windows."""
        launch(self.remote.load_running(), on_error=self._show)
        launch(self.load_autostart(), on_error=self._show)
        launch(self.notify.refresh(), on_error=self.notify.show_message)
        launch(self.trading_clock.load(), on_error=self._show)

    async def load_autostart(self) -> bool:
        """The real start-with-Windows state (the Run key and Task Manager's Startup-apps switch,
        or the autostart entry elsewhere): the installer or the user may have set it outside the
        app, so settings.json alone cannot say. The box is ticked only when the system will
        start the app."""
        state = await self.session.run_blocking(self.read_autostart)
        actual = state.starts
        recorded = self.preferences.start_with_windows
        self.preferences = replace(self.preferences, start_with_windows=actual)
        self.start_with_windows.setChecked(actual)
        note = ""
        if state.disabled_in_windows:
            note = OFF_IN_TASK_MANAGER
        elif actual != recorded:
            note = ("TradeCopier " + ("starts" if actual else "does not start") + " with Windows "
                    "(set outside the app, e.g. by the installer); this box shows the real state.")
        self.autostart_note.setText(note)
        self.autostart_note.setVisible(bool(note))
        return actual

    def _check_bind_host(self) -> None:
        host = self.bind_host.text().strip()
        try:
            ipaddress.ip_address(host)
        except ValueError:
            plain_ws_beyond_loopback = False  # not an address (yet): Save says so
        else:
            plain_ws_beyond_loopback = not is_loopback_host(host)
        self.bind_host_problem.setText(PLAIN_WS_REFUSED.format(host=host)
                                       if plain_ws_beyond_loopback else "")
        self.bind_host_problem.setVisible(plain_ws_beyond_loopback)

    def _on_bind_port(self, port: int) -> None:
        self.remote.bind_port = port
        self.remote.check()

    def entered(self) -> Preferences:
        return self.remote.entered(Preferences(
            bind_host=self.bind_host.text().strip(),
            bind_port=self.bind_port.value(),
            theme=self.theme.currentText(),
            start_with_windows=self.start_with_windows.isChecked(),
            data_dir=self.data_dir.text().strip(),
            log_level=self.log_level.currentText(),
            minimise_to_tray=self.minimise_to_tray.isChecked(),
            disconnect_alert_s=self.disconnect_alert_s.value(),
            mute_notifications=self.preferences.mute_notifications,  # the tray's menu sets it
        ))

    async def save(self) -> bool:
        chosen = self.entered()
        problems = chosen.problems()
        if problems:
            self._show("not saved: " + "; ".join(problems))
            return False
        await self.session.run_blocking(save_preferences, chosen, self.path)
        autostart_changed = chosen.start_with_windows != self.preferences.start_with_windows
        if autostart_changed:
            await self.session.run_blocking(set_autostart, chosen.start_with_windows)
        restart = chosen.restart_settings != self.preferences.restart_settings
        self.preferences = chosen
        self._apply(chosen)
        if autostart_changed:  # Task Manager's switch may still keep Windows from starting it
            await self.load_autostart()
        self._show("saved" + (" — applies after restart: restart TradeCopier for the "
                              "addresses, ports, certificates or data folder" if restart else ""))
        return True

    def _browse(self) -> None:
        folder = existing_folder(self, "Data folder", self.data_dir.text())
        if folder:
            self.data_dir.setText(folder)

    def _show(self, text: str) -> None:
        self.message.setText(text)
