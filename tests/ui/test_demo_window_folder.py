"""``copier demo`` with a window runs in the demo's own folder, emptied first, like the headless
demo: the window's core opens that folder's database, never the trader's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from copier.cli import main
from copier.datalock import DataFolderLock
from copier.preferences import Preferences
from copier.store import DATA_DIR_ENV
from copier.ui.main import LaunchOptions, core_builder


def test_the_demo_window_is_given_an_emptied_folder_of_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    left = tmp_path / "demo" / "tradecopier.db"
    left.parent.mkdir()
    left.write_text("a previous run")
    launched: dict[str, Any] = {}
    monkeypatch.setattr("copier.ui.main.run_gui", lambda **kw: launched.update(kw) or 0)

    assert main(["demo", "--seconds", "3"]) == 0

    assert launched["demo"] is True and launched["data_dir"] == tmp_path / "demo"
    assert not left.exists()


def test_the_demo_core_opens_the_folder_it_is_given(tmp_path: Path) -> None:
    options = LaunchOptions(demo=True, seconds=3, data_dir=tmp_path / "demo")

    core = core_builder(options, Preferences(data_dir=str(tmp_path / "real")))()
    try:
        assert core.app.store.path.parent == tmp_path / "demo"
    finally:
        core.app.store.close()


def test_a_second_demo_leaves_the_running_one_its_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    running = DataFolderLock.claim(tmp_path / "demo")  # as the first demo does while it runs
    kept = tmp_path / "demo" / "tradecopier.db"
    kept.write_text("the running demo's")
    monkeypatch.setattr("copier.ui.main.run_gui", lambda **kw: 0)
    try:
        code = main(["demo", "--headless", "--seconds", "1"])
    finally:
        running.release()

    assert code == 2 and kept.exists()
    assert capsys.readouterr().err.strip() == (
        f"a demo is already running in {tmp_path / 'demo'} — close it first, or give this one "
        "a folder of its own with --data-dir")
