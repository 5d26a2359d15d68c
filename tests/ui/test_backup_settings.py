"""Settings → Backup: a backup of the data folder's database while the window runs, a restore
staged for the next start (the window holds the folder), a file that is not a backup refused with
a sentence."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from copier.app import AppConfig, CopierApp
from copier.backup import PENDING_FILE, inspect
from copier.preferences import Preferences
from copier.ui.main import Gui
from tests.ui.conftest import Run


def test_backup_and_a_staged_restore_from_settings(
    make_gui: Callable[..., Gui], run: Run[Any], tmp_path: Path
) -> None:
    data = tmp_path / "data"
    CopierApp(AppConfig(data_dir=data, bridge=False, notify=False)).store.close()
    gui = make_gui(trade=False, preferences=Preferences(data_dir=str(data)))
    section = gui.window.settings.backup
    junk = tmp_path / "junk.db"
    junk.write_text("not a backup " * 100)

    async def scenario() -> list[str]:
        await gui.start()
        said = []
        assert await section.backup_to(tmp_path / "backup.db")
        said.append(section.message.text())
        assert not await section.restore_from(junk)
        said.append(section.message.text())
        assert await section.restore_from(tmp_path / "backup.db")
        said.append(section.message.text())
        return said

    backed_up, refused, staged = run(scenario())

    assert backed_up.startswith("backed up 0 accounts, 0 links and 0 copies")
    assert refused.endswith("is not a TradeCopier database (file is not a database).")
    assert "replaces the database when TradeCopier next starts" in staged
    assert inspect(data / PENDING_FILE) == inspect(tmp_path / "backup.db")
