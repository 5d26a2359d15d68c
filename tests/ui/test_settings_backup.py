"""Settings → Backup: a copy of the database taken while the copier runs, through the session,
and the way to restore one said in words."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QLabel

from copier.store.backup import describe
from copier.ui.main import Gui
from copier.ui.pages.backup_section import RESTORE_HOW
from tests.ui.conftest import Run, until


def test_back_up_now_writes_a_backup_of_the_running_copier(
    make_gui: Callable[..., Gui], run: Run[Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gui = make_gui(trade=False)
    section = gui.window.settings.backup
    out = tmp_path / "b.db"
    monkeypatch.setattr("copier.ui.pages.backup_section.QFileDialog.getSaveFileName",
                        lambda *a, **k: (str(out), ""))

    async def scenario() -> None:
        await gui.start()
        section.backup_button.click()  # the file dialog answers b.db
        await until(lambda: section.message.text(), what="the backup's answer")

    run(scenario())

    snapshot = describe(out)
    assert snapshot.links == 2  # the simulated core's two links
    assert section.message.text().startswith(f"backed up to {out}: 0 account(s), 2 link(s)")
    assert RESTORE_HOW in [label.text() for label in section.findChildren(QLabel)]
