"""File and folder dialogs are the platform's own (Qt's static functions, never told
``DontUseNativeDialog``: https://doc.qt.io/qt-6/qfiledialog.html#getOpenFileName) and open in a
folder the trader knows — the field's folder, the last one chosen, Documents — never the working
directory, which for an app started from the Start menu is its install folder or System32."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QFileDialog

from copier.ui import file_dialogs
from copier.ui.main import Gui

Calls = list[tuple[str, tuple[Any, ...], dict[str, Any]]]


@pytest.fixture
def documents(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The Documents folder, a working directory elsewhere, the dialogs' memory in tmp_path."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # Documents is under it on Linux
    # Qt's answer (on Windows the Documents known folder, whatever HOME says).
    documents = Path(QStandardPaths.writableLocation(
        QStandardPaths.StandardLocation.DocumentsLocation))
    documents.mkdir(parents=True, exist_ok=True)
    working = tmp_path / "working-directory"
    working.mkdir()
    monkeypatch.chdir(working)
    file_dialogs.remember_in(tmp_path / "settings")
    yield documents
    file_dialogs.remember_in(None)


def record_dialogs(monkeypatch: pytest.MonkeyPatch, answers: list[str]) -> Calls:
    """Qt's dialog functions answer from ``answers`` and note how they were called."""
    calls: Calls = []

    def folder(*args: Any, **kwargs: Any) -> str:
        calls.append(("getExistingDirectory", args, kwargs))
        return answers.pop(0)

    def save(*args: Any, **kwargs: Any) -> tuple[str, str]:
        calls.append(("getSaveFileName", args, kwargs))
        return answers.pop(0), ""

    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(folder))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(save))
    return calls


def native(call: tuple[str, tuple[Any, ...], dict[str, Any]]) -> bool:
    options = [a for a in (*call[1], *call[2].values()) if isinstance(a, QFileDialog.Option)]
    return all(not (o & QFileDialog.Option.DontUseNativeDialog) for o in options)


def test_the_data_folder_dialog_is_native_and_opens_in_documents_not_the_working_directory(
    make_gui: Callable[..., Gui], documents: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = record_dialogs(monkeypatch, [""])
    page = make_gui(trade=False).window.settings
    page.data_dir.setText("")

    page.browse_button.click()

    [call] = calls
    assert call[1][2] == str(documents)
    assert call[1][2] != str(Path.cwd())
    assert native(call)
    assert page.data_dir.text() == ""  # cancelled: the field is left as it was


def test_a_field_naming_a_folder_opens_there_and_the_choice_is_where_the_next_dialog_opens(
    make_gui: Callable[..., Gui], documents: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = tmp_path / "shared drive" / "TradeCopier"
    shared.mkdir(parents=True)
    current = tmp_path / "current data"
    current.mkdir()
    calls = record_dialogs(monkeypatch, [str(shared), ""])
    window = make_gui(trade=False).window
    window.settings.data_dir.setText(str(current))

    window.settings.browse_button.click()
    window.trade_log.export_button.click()

    (_, folder_args, _), save = calls
    assert folder_args[2] == str(current)
    assert window.settings.data_dir.text() == str(shared)
    # The export is offered in the folder chosen last, under its usual name.
    assert save[1][2] == str(shared / "trade-log.csv")
    assert native(save)


def test_a_remembered_folder_that_is_gone_falls_back_to_documents(
    documents: Path, tmp_path: Path
) -> None:
    gone = tmp_path / "usb stick"
    gone.mkdir()
    file_dialogs.remember(str(gone / "backup.db"))
    assert file_dialogs.start_folder() == gone

    gone.rmdir()

    assert file_dialogs.start_folder() == documents
    assert file_dialogs.start_folder("relative/folder") == documents
