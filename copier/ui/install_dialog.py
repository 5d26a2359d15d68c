"""Install EAs: find the MetaTrader data folders, tick the terminals, copy our EAs into them and
report what was done in each. The file work runs on the worker thread."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from copier.ui.ea_install import (
    InstallReport,
    TerminalFolder,
    default_ea_folder,
    default_terminal_root,
    find_terminal_folders,
    install_eas,
)
from copier.ui.session import CoreSession
from copier.ui.widgets import launch


class InstallDialog(QDialog):
    def __init__(self, session: CoreSession, *, root: Path | None = None,
                 ea_folder: Path | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setWindowTitle("Install EAs into MetaTrader terminals")
        self.resize(720, 480)
        self.terminals: list[TerminalFolder] = []
        self.reports: list[InstallReport] = []
        start_root = root or default_terminal_root()
        self.root = QLineEdit(str(start_root) if start_root else "")
        self.root.setPlaceholderText(r"%APPDATA%\MetaQuotes\Terminal")
        self.ea_folder = QLineEdit(str(ea_folder or default_ea_folder()))
        form = QFormLayout()
        form.addRow("MetaTrader data folders", self._with_browse(self.root))
        form.addRow("EA files", self._with_browse(self.ea_folder))
        self.found = QListWidget()
        self.report = QPlainTextEdit()
        self.report.setReadOnly(True)
        self.scan_button = QPushButton("Find terminals")
        self.install_button = QPushButton("Install into ticked terminals")
        self.install_button.setEnabled(False)
        close = QPushButton("Close")
        self.scan_button.clicked.connect(lambda: launch(self.scan(), on_error=self._error))
        self.install_button.clicked.connect(lambda: launch(self.install(), on_error=self._error))
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        for button in (self.scan_button, self.install_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel("Terminals found:"))
        layout.addWidget(self.found, 1)
        layout.addWidget(QLabel("What was done:"))
        layout.addWidget(self.report, 1)
        layout.addLayout(buttons)

    def _with_browse(self, line: QLineEdit) -> QHBoxLayout:
        button = QPushButton("Browse…")
        button.clicked.connect(lambda: self._browse(line))
        row = QHBoxLayout()
        row.addWidget(line, 1)
        row.addWidget(button)
        return row

    def _browse(self, line: QLineEdit) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Choose a folder", line.text(), QFileDialog.Option.DontUseNativeDialog)
        if folder:
            line.setText(folder)

    def _error(self, message: str) -> None:
        self.report.appendPlainText(f"error: {message}")

    async def scan(self) -> list[TerminalFolder]:
        root = Path(self.root.text().strip())
        self.terminals = await self.session.run_blocking(find_terminal_folders, root)
        self.found.clear()
        for terminal in self.terminals:
            item = QListWidgetItem(terminal.title)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            item.setToolTip(str(terminal.data_path))
            self.found.addItem(item)
        self.install_button.setEnabled(bool(self.terminals))
        if not self.terminals:
            self.report.appendPlainText(f"no MetaTrader data folders under {root}")
        return self.terminals

    def ticked(self) -> list[TerminalFolder]:
        return [t for i, t in enumerate(self.terminals)
                if self.found.item(i).checkState() == Qt.CheckState.Checked]

    async def install(self) -> list[InstallReport]:
        ea_folder = Path(self.ea_folder.text().strip())
        self.reports = []
        for terminal in self.ticked():
            report = await self.session.run_blocking(install_eas, terminal, ea_folder)
            self.reports.append(report)
            self.report.appendPlainText(report.describe())
        if not self.reports:
            self.report.appendPlainText("no terminal ticked — nothing installed")
        return self.reports
