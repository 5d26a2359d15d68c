"""Generates ``resources/app.ico`` (the Windows executable's and installer's icon) from
``resources/icons/app.svg``: Qt renders the SVG at every size Windows asks for, and each size is
stored as a PNG image inside one ICO file (the format Windows has read since Vista).

    QT_QPA_PLATFORM=offscreen python scripts/make_app_icon.py [--svg PATH] [--out PATH]
"""

from __future__ import annotations

import argparse
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIZES = (16, 20, 24, 32, 40, 48, 64, 128, 256)
ICO_HEADER = struct.Struct("<HHH")  # reserved 0, type 1 (icon), image count
# per image: width, height, colours, reserved, planes, bits per pixel, byte size, offset
ICO_ENTRY = struct.Struct("<BBBBHHII")


def render_png(svg: bytes, size: int) -> bytes:
    """The SVG drawn on a transparent ``size``×``size`` square, as PNG bytes."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(QByteArray(svg))
    if not renderer.isValid():
        raise ValueError("the SVG cannot be read")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(0)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")  # type: ignore[call-overload]  # stubs say bytes; it takes str
    return bytes(buffer.data().data())


def pack_ico(images: dict[int, bytes]) -> bytes:
    """One ICO file holding a PNG per size (256 is written as 0 in the directory, as specified)."""
    sizes = sorted(images)
    offset = ICO_HEADER.size + ICO_ENTRY.size * len(sizes)
    directory, data = [], []
    for size in sizes:
        png = images[size]
        side = 0 if size >= 256 else size
        directory.append(ICO_ENTRY.pack(side, side, 0, 0, 1, 32, len(png), offset))
        data.append(png)
        offset += len(png)
    return ICO_HEADER.pack(0, 1, len(sizes)) + b"".join(directory) + b"".join(data)


def read_ico_sizes(ico: bytes) -> list[int]:
    """The square sizes an ICO file holds (256 for a 0 in the directory)."""
    reserved, kind, count = ICO_HEADER.unpack_from(ico, 0)
    if reserved != 0 or kind != 1:
        raise ValueError("not an icon file")
    sizes = []
    for index in range(count):
        width = ICO_ENTRY.unpack_from(ico, ICO_HEADER.size + index * ICO_ENTRY.size)[0]
        sizes.append(width or 256)
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--svg", type=Path, default=ROOT / "resources" / "icons" / "app.svg")
    parser.add_argument("--out", type=Path, default=ROOT / "resources" / "app.ico")
    args = parser.parse_args(argv)
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    svg = args.svg.read_bytes()
    icon = pack_ico({size: render_png(svg, size) for size in SIZES})
    args.out.write_bytes(icon)
    print(f"wrote {args.out} ({len(icon)} bytes, sizes {', '.join(map(str, SIZES))})")
    del app
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
