"""Icons and style sheets from ``resources/``: read once off the GUI thread, turned into Qt
objects on it."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import QByteArray
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import QApplication

ICON_NAMES = ("app", "tray-ok", "tray-warn", "tray-error", "tray-idle")
THEMES = ("light", "dark")
CHART_COLOURS = {"light": ("#ffffff", "#33414f"), "dark": ("#262b31", "#c4ccd6")}


def style_chart(plot: pg.PlotWidget, theme: str) -> None:
    """Charts are drawn by pyqtgraph, not by the style sheet: give them the theme's colours."""
    background, foreground = CHART_COLOURS.get(theme, CHART_COLOURS["light"])
    plot.setBackground(background)
    for side in ("left", "bottom"):
        axis = plot.getAxis(side)
        axis.setPen(foreground)
        axis.setTextPen(foreground)


def resources_dir() -> Path:
    """``resources/`` beside the package, or inside a frozen build."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    base = Path(frozen_root) if frozen_root else Path(__file__).resolve().parents[2]
    return base / "resources"


@dataclass(frozen=True, slots=True)
class Assets:
    """The raw bytes of every icon and the text of every style sheet."""

    icons: dict[str, bytes] = field(default_factory=dict)
    stylesheets: dict[str, str] = field(default_factory=dict)
    _drawn: dict[str, QIcon] = field(default_factory=dict, compare=False, repr=False)

    @staticmethod
    def load(folder: Path | None = None) -> Assets:
        """Read everything (blocking: call it on a worker thread). Missing files are skipped:
        the app still runs with Qt's default look."""
        root = folder or resources_dir()
        icons: dict[str, bytes] = {}
        for name in ICON_NAMES:
            path = root / "icons" / f"{name}.svg"
            if path.is_file():
                icons[name] = path.read_bytes()
        sheets: dict[str, str] = {}
        for theme in THEMES:
            path = root / "styles" / f"{theme}.qss"
            if path.is_file():
                sheets[theme] = path.read_text(encoding="utf-8")
        return Assets(icons, sheets)

    def icon(self, name: str) -> QIcon:
        """The named icon, drawn from its SVG once and reused (the tray asks on every change)."""
        cached = self._drawn.get(name)
        if cached is not None:
            return cached
        data = self.icons.get(name)
        if data is None:
            return QIcon()
        pixmap = QPixmap()
        pixmap.loadFromData(QByteArray(data), "SVG")
        self._drawn[name] = QIcon(pixmap)
        return self._drawn[name]

    def apply_theme(self, app: QApplication, theme: str) -> None:
        app.setStyleSheet(self.stylesheets.get(theme, ""))
