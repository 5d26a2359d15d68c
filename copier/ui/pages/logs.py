"""Logs: the app's Python logging records as they happen (fed by the bridge, ten times a second),
filtered by level, with pause and clear."""

from __future__ import annotations

import logging
from datetime import datetime

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from copier.ui.core_signals import LogLine, UiBridge
from copier.ui.pages import Screen

MAX_LINES = 5_000
LEVELS = (("debug", logging.DEBUG), ("info", logging.INFO), ("warning", logging.WARNING),
          ("error", logging.ERROR))


def format_line(line: LogLine) -> str:
    stamp = datetime.fromtimestamp(line.time_s).strftime("%H:%M:%S.%f")[:-3]
    return f"{stamp}  {line.level_name:<7}  {line.logger}: {line.message}"


class LogsPage(Screen, QWidget):
    def __init__(self, bridge: UiBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setMaximumBlockCount(MAX_LINES)  # older lines fall off: memory stays flat
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.level = QComboBox()
        for name, value in LEVELS:
            self.level.addItem(name, value)
        self.level.setCurrentIndex(1)
        self.paused = QCheckBox("Pause")
        clear = QPushButton("Clear")
        clear.clicked.connect(self.text.clear)
        self.held: list[LogLine] = []
        self.paused.toggled.connect(self._on_pause)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Show from level"))
        bar.addWidget(self.level)
        bar.addWidget(self.paused)
        bar.addWidget(clear)
        bar.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.text, 1)
        bridge.log_lines.connect(self.add_lines)

    def add_lines(self, lines: list[LogLine]) -> None:
        if self.paused.isChecked():
            self.held = (self.held + lines)[-MAX_LINES:]
            return
        threshold = int(self.level.currentData())
        shown = [format_line(line) for line in lines if line.level >= threshold]
        if shown:
            self.text.appendPlainText("\n".join(shown))  # one append per batch, not per line

    def _on_pause(self, paused: bool) -> None:
        if not paused and self.held:
            held, self.held = self.held, []
            self.add_lines(held)
