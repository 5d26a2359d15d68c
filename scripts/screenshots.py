"""Start the demo in the window and save one PNG per screen, with live data on each.

    python scripts/screenshots.py --out shots/ [--theme dark] [--seconds 12] [--seed 7]

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
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

if sys.platform.startswith("linux") and not os.environ.get("DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import qasync  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from copier.preferences import Preferences  # noqa: E402
from copier.store.paths import DATA_DIR_ENV  # noqa: E402
from copier.ui.assets import Assets  # noqa: E402
from copier.ui.demo_core import demo_core_builder  # noqa: E402
from copier.ui.main import Gui  # noqa: E402
from copier.ui.window import SCREENS  # noqa: E402

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


async def capture(out: Path, theme: str, seconds: float, seed: int) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
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
    window.resize(1440, 900)
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
        if window.links.links:
            window.links.table.selectRow(0)
        window.links.form.symbol_map.suggest()
        window.accounts.table.selectRow(0)
        log.info("pictures of %d screens", len(SCREENS))
        for number, name in enumerate(SCREENS, start=1):
            window.show_page(name)
            await asyncio.sleep(0.6)  # a paint or two, and a fresh dashboard tick
            path = out / f"{number}-{_slug(name)}.png"
            if not window.grab().save(str(path)):
                raise SystemExit(f"screenshots: could not write {path}")
            saved.append(path)
    finally:
        await gui.stop()
        gui.dispose()
    return saved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("shots"))
    parser.add_argument("--theme", choices=("light", "dark"), default="light")
    parser.add_argument("--seconds", type=float, default=12.0, help="trading before the pictures")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for handler in logging.getLogger().handlers:  # the console tells this script's progress only
        handler.addFilter(logging.Filter("screenshots"))
    app = QApplication(sys.argv[:1])
    app.setApplicationName("TradeCopier")
    with asyncio.Runner(loop_factory=qasync.QEventLoop) as runner:
        saved = runner.run(capture(args.out, args.theme, args.seconds, args.seed))
    for path in saved:
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
