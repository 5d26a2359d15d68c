"""The committed ``resources/app.ico`` is a real multi-size icon, and the script that made it
packs what Qt renders from the app's SVG into an icon Windows can read."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from tests.packaging.conftest import ROOT, load_script

icon = load_script("make_app_icon")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_the_committed_icon_holds_every_size_windows_asks_for() -> None:
    data = (ROOT / "resources" / "app.ico").read_bytes()

    sizes = icon.read_ico_sizes(data)

    assert sizes == list(icon.SIZES)


def test_the_icon_script_packs_rendered_svg_images_that_read_back(qtbot: QtBot) -> None:
    svg = (ROOT / "resources" / "icons" / "app.svg").read_bytes()
    images = {size: icon.render_png(svg, size) for size in (16, 256)}

    packed = icon.pack_ico(images)

    assert icon.read_ico_sizes(packed) == [16, 256]
    assert all(png.startswith(PNG_SIGNATURE) for png in images.values())
    assert packed.count(PNG_SIGNATURE) == 2
