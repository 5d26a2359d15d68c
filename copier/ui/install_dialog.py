"""Install EAs: the MetaTrader data folders found (or picked by the trader), ticked, get our EAs;
the dialog reports what was done in each and the set-up steps of each platform installed into.
Finding and copying are ``copier.eas``'s (the same code as ``copier eas install``), run on the
worker thread. Nothing is ever looked for in the working directory."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from copier.domain import Platform
from copier.eas.folders import (
    NotADataFolder,
    TerminalFolder,
    discover_terminals,
    open_data_folder,
)
from copier.eas.install import InstallReport, install_eas
from copier.eas.steps import terminal_options
from copier.ui.account_dialogs import bridge_url
from copier.ui.file_dialogs import existing_folder
from copier.ui.session import CoreSession
from copier.ui.widgets import launch

WHERE = ("TradeCopier looks for terminals in %APPDATA%\\MetaQuotes\\Terminal and for portable "
         "ones under Program Files. A terminal not listed: in it choose File → Open Data Folder, "
         "then pick the folder that opens with Add data folder… here.")


class InstallDialog(QDialog):
    def __init__(self, session: CoreSession, *, ea_root: Path | None = None,
                 terminal_root: Path | None = None, install_roots: Iterable[Path] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.ea_root = ea_root
        self.terminal_root = terminal_root  # None: from the environment (%APPDATA%)
        self.install_roots = None if install_roots is None else list(install_roots)
        self.setWindowTitle("Install EAs into MetaTrader terminals")
        self.resize(760, 520)
        self.terminals: list[TerminalFolder] = []
        self.reports: list[InstallReport] = []
        where = QLabel(WHERE)
        where.setWordWrap(True)
        self.found = QListWidget()
        self.report = QPlainTextEdit()
        self.report.setReadOnly(True)
        self.scan_button = QPushButton("Find terminals")
        self.add_button = QPushButton("Add data folder…")
        self.install_button = QPushButton("Install into ticked terminals")
        self.install_button.setEnabled(False)
        close = QPushButton("Close")
        self.scan_button.clicked.connect(lambda: launch(self.scan(), on_error=self._error))
        self.add_button.clicked.connect(self._pick_folder)
        self.install_button.clicked.connect(lambda: launch(self.install(), on_error=self._error))
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        for button in (self.scan_button, self.add_button, self.install_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(where)
        layout.addWidget(QLabel("Terminals:"))
        layout.addWidget(self.found, 1)
        layout.addWidget(QLabel("What was done:"))
        layout.addWidget(self.report, 1)
        layout.addLayout(buttons)

    def _error(self, message: str) -> None:
        self.report.appendPlainText(f"Not done: {message}")

    def _show(self, terminal: TerminalFolder) -> None:
        self.terminals.append(terminal)
        item = QListWidgetItem(terminal.title)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked)
        item.setToolTip(str(terminal.data_path))
        self.found.addItem(item)
        self.install_button.setEnabled(True)

    async def scan(self) -> list[TerminalFolder]:
        found = await self.session.run_blocking(discover_terminals, self.terminal_root,
                                                self.install_roots)
        picked = [t for t in self.terminals if t.data_path not in {f.data_path for f in found}]
        self.terminals = []
        self.found.clear()
        self.install_button.setEnabled(False)
        for terminal in [*found, *picked]:
            self._show(terminal)
        if not self.terminals:
            self.report.appendPlainText(f"No MetaTrader terminal was found. {WHERE}")
        return self.terminals

    def _pick_folder(self) -> None:
        folder = existing_folder(
            self, "A terminal's data folder (File → Open Data Folder in the terminal)")
        if folder:
            launch(self.add_folder(Path(folder)), on_error=self._error)

    async def add_folder(self, folder: Path) -> TerminalFolder | None:
        """Add a data folder the trader picked; say why not when it is not one."""
        try:
            terminal = await self.session.run_blocking(open_data_folder, folder)
        except NotADataFolder as exc:
            self.report.appendPlainText(f"Not added: {exc}")
            return None
        if terminal.data_path not in {t.data_path for t in self.terminals}:
            self._show(terminal)
        return terminal

    def ticked(self) -> list[TerminalFolder]:
        return [t for i, t in enumerate(self.terminals)
                if self.found.item(i).checkState() == Qt.CheckState.Checked]

    async def install(self) -> list[InstallReport]:
        self.reports = []
        for terminal in self.ticked():
            report = await self.session.run_blocking(install_eas, terminal, self.ea_root)
            self.reports.append(report)
            self.report.appendPlainText(report.describe())
        if not self.reports:
            self.report.appendPlainText("No terminal is ticked: nothing was installed.")
        url = bridge_url(self.session)
        for platform in (Platform.MT4, Platform.MT5):
            if any(r.ok and r.terminal.platform is platform for r in self.reports):
                steps = terminal_options(platform, url)
                self.report.appendPlainText(f"Then, in each {platform.value.upper()} terminal:\n"
                                            + "\n".join(f"• {step}" for step in steps))
        return self.reports
