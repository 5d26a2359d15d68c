"""Start the demo in the window and save one PNG per screen and per dialog, at each size and
in each theme, with live data on each.

    python scripts/screenshots.py --out shots/ [--sizes 1280x720,1600x1000]
        [--themes light,dark] [--seconds 12] [--seed 7] [--plain-names]

Files are named ``<theme>-<width>x<height>-<n>-<screen>.png`` (dialogs: ``…-d<n>-<dialog>.png``);
``--plain-names`` writes ``<n>-<screen>.png`` (one size and theme: the README's pictures, made
with ``--sizes 1600x1000 --themes light --plain-names --out resources/screenshots``). Look at
every picture before relying on a layout. Under a real X server (``Xvfb :99 &`` then
``DISPLAY=:99``) fonts and sizes are as a desktop shows them.

Runs headless where there is no display (Qt's offscreen platform). The demo trades for
``--seconds`` before the first picture so tables, the latency chart and the statistics have data.
Its database goes to a temporary folder (or ``$TRADECOPIER_DATA_DIR`` when set), never into the
user's own data folder.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

if sys.platform.startswith("linux") and not os.environ.get("DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import qasync  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from copier.domain import Platform  # noqa: E402
from copier.eas.steps import setup_steps  # noqa: E402
from copier.preferences import Preferences  # noqa: E402
from copier.store import AccountRole  # noqa: E402
from copier.store.paths import DATA_DIR_ENV  # noqa: E402
from copier.testbed.demo_core import demo_core_builder  # noqa: E402
from copier.ui.account_dialogs import EA, MT5_DIRECT, AccountDialog, bridge_url  # noqa: E402
from copier.ui.assets import Assets  # noqa: E402
from copier.ui.main import Gui  # noqa: E402
from copier.ui.window import SCREEN_NAMES  # noqa: E402

log = logging.getLogger("screenshots")


def _slug(name: str) -> str:
    return name.lower().replace(" & ", "-").replace(" ", "-")


async def _wait_for(condition: object, timeout: float, what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():  # type: ignore[operator]
        if loop.time() > deadline:
            raise SystemExit(f"screenshots: gave up waiting for {what}")
        await asyncio.sleep(0.1)


Size = tuple[int, int]


def parse_sizes(text: str) -> list[Size]:
    sizes = []
    for part in text.split(","):
        width, _, height = part.strip().partition("x")
        sizes.append((int(width), int(height)))
    return sizes


async def capture(out: Path, themes: list[str], sizes: list[Size], seconds: float, seed: int,
                  plain_names: bool = False) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    theme = themes[0]
    scratch = Path(tempfile.mkdtemp(prefix="tradecopier-shots-"))
    os.environ.setdefault(DATA_DIR_ENV, str(scratch / "data"))
    settings = scratch / "settings.json"
    preferences = Preferences(theme=theme, log_level="INFO", minimise_to_tray=False)
    assets = Assets.load()
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    assets.apply_theme(app, theme)
    gui = Gui(demo_core_builder(None, seed, rate=8.0, data_dir=scratch / "data"), preferences,
              settings, assets,
              title="TradeCopier — demo (simulated terminals)")
    window = gui.window
    window.resize(*sizes[0])
    window.show()
    await gui.start()
    saved: list[Path] = []
    try:
        log.info("demo running with seed %s; trading for %.0f s before the pictures", seed,
                 seconds)
        await asyncio.sleep(seconds)
        dashboard = window.dashboard
        await _wait_for(lambda: dashboard.accounts.rowCount() >= 4, 20, "four account rows")
        await _wait_for(lambda: dashboard.chart_point_count() >= 3, 20, "latency points")
        await window.statistics.load()
        await window.trade_log.reload()
        await window.links.load()
        await window.accounts.load()
        await window.open_copies.load()
        if window.links.links:
            window.links.table.selectRow(0)
        window.links.form.symbol_map.suggest()
        window.accounts.table.selectRow(0)
        for theme in themes:
            window.apply_preferences(replace(preferences, theme=theme))
            for width, height in sizes:
                window.resize(width, height)
                prefix = "" if plain_names else f"{theme}-{width}x{height}-"
                log.info("%s %dx%d: %d screens", theme, width, height, len(SCREEN_NAMES))
                for number, name in enumerate(SCREEN_NAMES, start=1):
                    window.show_page(name)
                    await asyncio.sleep(0.6)  # a paint or two, and a fresh dashboard tick
                    _warn_if_wider(window, width, name)
                    saved.append(_save(window, out / f"{prefix}{number}-{_slug(name)}.png"))
            if not plain_names:
                saved += await _dialogs(gui, out, f"{theme}-")
    finally:
        await gui.stop()
        gui.dispose()
    return saved


def _warn_if_wider(window: QWidget, width: int, name: str) -> None:
    """A window that cannot shrink to the size asked: say which pages hold it wide."""
    if window.width() <= width:
        return
    pages = getattr(window, "pages", {})
    needs = ", ".join(f"{page_name} {page.minimumSizeHint().width()} px"
                      for page_name, page in pages.items())
    log.warning("%s: the window is %d px wide, not %d; minimum widths: %s", name,
                window.width(), width, needs)


def _save(widget: QWidget, path: Path) -> Path:
    if not widget.grab().save(str(path)):
        raise SystemExit(f"screenshots: could not write {path}")
    return path


async def _shown(dialog: QWidget, path: Path) -> Path:
    dialog.show()
    await asyncio.sleep(0.5)
    saved = _save(dialog, path)
    dialog.close()
    return saved


async def _dialogs(gui: Gui, out: Path, prefix: str) -> list[Path]:
    """Every dialog a trader meets, as it opens (its own size), with demo data in it."""
    window = gui.window
    saved = []
    window.show_page("Accounts")
    adding = AccountDialog(gui.session, EA, parent=window)
    saved.append(await _shown(adding, out / f"{prefix}d1-add-ea-account.png"))
    adding = AccountDialog(gui.session, EA, parent=window)
    adding.keys.present("tc_demo0000_" + "x" * 32, setup_steps(
        Platform.MT5, AccountRole.MASTER, bridge_url(gui.session)))
    saved.append(await _shown(adding, out / f"{prefix}d2-add-ea-account-key-shown.png"))
    saved.append(await _shown(AccountDialog(gui.session, MT5_DIRECT, parent=window),
                              out / f"{prefix}d3-add-mt5-account.png"))
    page = window.trade_log
    window.show_page("Trade log")
    page.status.setCurrentIndex(page.status.findText("denied"))
    await page.reload()
    if page.model.rows:
        details = await page.show_details(page.model.rows[0])
        saved.append(await _shown(details, out / f"{prefix}d4-refusal-details.png"))
    page.status.setCurrentIndex(0)
    await page.reload()
    window.show_page("Links & rules")
    links = window.links
    if links.links:
        links.table.selectRow(0)
        preview = await links.preview()
        if preview is not None:
            saved.append(await _shown(preview, out / f"{prefix}d5-link-preview.png"))
        if links.editing is not None:  # asks what becomes of the link's open copies
            question = await links.ask_delete(links.editing)
            saved.append(await _shown(question, out / f"{prefix}d6-delete-link.png"))
    window.show_page("Open copies")
    copies = window.open_copies
    await copies.load()
    if copies.rows and copies.rows[0].copies:
        first = copies.rows[0].copies[0]
        copies.select_copy(first.link_id, first.master_ticket)
        question = copies.ask_close_copy()
        if question is not None:
            saved.append(await _shown(question, out / f"{prefix}d7-close-one-copy.png"))
    return saved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("shots"))
    parser.add_argument("--themes", default="light,dark", help="comma separated: light,dark")
    parser.add_argument("--sizes", default="1280x720,1600x1000",
                        help="window sizes, comma separated WIDTHxHEIGHT")
    parser.add_argument("--plain-names", action="store_true",
                        help="<n>-<screen>.png, no dialogs (the README's pictures)")
    parser.add_argument("--seconds", type=float, default=12.0, help="trading before the pictures")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for handler in logging.getLogger().handlers:  # the console tells this script's progress only
        handler.addFilter(logging.Filter("screenshots"))
    app = QApplication(sys.argv[:1])
    app.setApplicationName("TradeCopier")
    with asyncio.Runner(loop_factory=qasync.QEventLoop) as runner:
        themes = [t.strip() for t in args.themes.split(",") if t.strip()]
        saved = runner.run(capture(args.out, themes, parse_sizes(args.sizes), args.seconds,
                                   args.seed, args.plain_names))
    for path in saved:
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
