"""Render the app icon's SVG into the bitmaps packaging needs: ``icons/app.ico`` (Windows
executable and shortcuts) and ``icons/app-256.png``. Run it after editing ``icons/app.svg``:

    python resources/make_icons.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

if sys.platform.startswith("linux") and not os.environ.get("DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ICONS = Path(__file__).resolve().parent / "icons"


def render(svg: Path, size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    QSvgRenderer(str(svg)).render(painter)
    painter.end()
    return image


def main() -> int:
    _app = QGuiApplication(sys.argv[:1])
    svg = ICONS / "app.svg"
    written = []
    for name, size in (("app.ico", 256), ("app-256.png", 256)):
        target = ICONS / name
        if not render(svg, size).save(str(target)):
            print(f"could not write {target}", file=sys.stderr)
            return 1
        written.append(target)
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
