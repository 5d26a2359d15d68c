"""Settings: saved to the settings file and applied at once (theme, log level), refused with
reasons when they cannot work; an unreadable or old file never stops the app."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QApplication

from copier.ui.main import Gui
from copier.ui.preferences import Preferences, load_preferences
from tests.ui.conftest import Run


def test_saved_settings_are_written_and_the_theme_applies_at_once(
    make_gui: Callable[..., Gui], run: Run[Any], tmp_path: Path, qapp: QApplication
) -> None:
    gui = make_gui(trade=False)
    page = gui.window.settings
    root = logging.getLogger()
    level = root.level

    async def scenario() -> bool:
        await gui.start()
        page.theme.setCurrentText("dark")
        page.log_level.setCurrentText("WARNING")
        page.bind_port.setValue(9443)
        return await page.save()

    try:
        saved = run(scenario())
        assert saved
        assert root.level == logging.WARNING
    finally:
        root.setLevel(level)

    written = load_preferences(tmp_path / "settings.json")
    assert (written.theme, written.log_level, written.bind_port) == ("dark", "WARNING", 9443)
    assert "#1e2227" in qapp.styleSheet()  # the dark style sheet's background
    assert "restart TradeCopier" in page.message.text()
    qapp.setStyleSheet("")


def test_settings_that_cannot_work_are_refused_and_nothing_is_written(
    make_gui: Callable[..., Gui], run: Run[Any], tmp_path: Path
) -> None:
    gui = make_gui(trade=False)
    page = gui.window.settings

    async def scenario() -> bool:
        await gui.start()
        page.bind_host.setText("my machine")
        page.bind_port.setValue(0)
        return await page.save()

    assert run(scenario()) is False
    assert "bind address 'my machine' is not an IP address" in page.message.text()
    assert "port 0 is outside 1–65535" in page.message.text()
    assert not (tmp_path / "settings.json").exists()


def test_a_damaged_or_old_settings_file_falls_back_to_defaults(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    old = tmp_path / "old.json"
    old.write_text(json.dumps({"theme": "dark", "bind_port": "8080", "retired": 1}),
                   encoding="utf-8")

    assert load_preferences(broken) == Preferences()
    assert load_preferences(old) == Preferences(theme="dark")
