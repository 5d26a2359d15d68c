"""Every file and folder dialog of the window: the platform's own dialogs, started in a folder the
trader knows.

Qt's static ``QFileDialog`` functions show the native dialog (on Windows the Explorer one, with
Quick access, OneDrive and network places) unless ``DontUseNativeDialog`` is passed
(https://doc.qt.io/qt-6/qfiledialog.html#getOpenFileName — "On Windows, and macOS, this static
function uses the native file dialog and not a QFileDialog"); nothing here passes it. A dialog
given no folder opens in the process's working directory, which for an app started from the
Start menu or at log-in is its install folder or ``C:\\Windows\\System32``: each dialog here starts
in the folder its field already names, else the folder last chosen in any dialog (remembered in
``last-folder.json`` beside ``settings.json``), else Documents, else the home folder — never the
working directory.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QFileDialog, QWidget

from copier.preferences import preferences_path
from copier.userpath import user_path

log = logging.getLogger(__name__)

MEMORY_FILE = "last-folder.json"

_memory_dir: Path | None = None  # set by the window at start; None: beside the default settings


def remember_in(folder: Path | None) -> None:
    """Keep the last chosen folder in ``folder`` (the settings file's; None: the default)."""
    global _memory_dir
    _memory_dir = folder


def _memory_file() -> Path:
    return (_memory_dir or preferences_path().parent) / MEMORY_FILE


def documents_folder() -> Path:
    """The user's Documents folder (Windows' known folder, XDG's elsewhere); home without one."""
    found = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(found) if found else Path.home()


def last_folder() -> Path | None:
    """The folder last chosen in a dialog, if it still exists."""
    try:
        data = json.loads(_memory_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    folder = Path(str(data.get("folder", ""))) if isinstance(data, dict) else None
    return folder if folder is not None and folder.is_absolute() and folder.is_dir() else None


def remember(chosen: str) -> None:
    """Remember the folder of what was chosen (a folder, or a file's folder) for the next dialog.
    Failing to write it costs only the convenience: logged, never raised."""
    path = Path(chosen)
    folder = path if path.is_dir() else path.parent
    if not folder.is_absolute():
        return
    target = _memory_file()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps({"folder": str(folder)}), encoding="utf-8")
    except OSError as exc:
        log.debug("the last folder is not remembered: %s", exc)


def _folder_of(text: str) -> Path | None:
    """The folder a field names (the file's folder for a file), when absolute and existing."""
    if not text.strip():
        return None
    path = Path(user_path(text))
    if not path.is_absolute():
        return None
    for candidate in (path, path.parent):
        if candidate.is_dir():
            return candidate
    return None


def start_folder(current: str = "") -> Path:
    """Where a dialog opens: the field's folder, the last chosen one, Documents, home."""
    for candidate in (_folder_of(current), last_folder(), documents_folder()):
        if candidate is not None and candidate.is_absolute() and candidate.is_dir():
            return candidate
    return Path.home()


def open_file(parent: QWidget | None, title: str, current: str, filters: str) -> str:
    """A file to read ("" when cancelled)."""
    chosen, _ = QFileDialog.getOpenFileName(parent, title, str(start_folder(current)), filters)
    if chosen:
        remember(chosen)
    return chosen


def save_file(parent: QWidget | None, title: str, suggested_name: str, filters: str,
              current: str = "") -> str:
    """A file to write, offered as ``suggested_name`` in the start folder ("" when cancelled)."""
    start = start_folder(current) / suggested_name
    chosen, _ = QFileDialog.getSaveFileName(parent, title, str(start), filters)
    if chosen:
        remember(chosen)
    return chosen


def existing_folder(parent: QWidget | None, title: str, current: str = "") -> str:
    """A folder ("" when cancelled)."""
    chosen = QFileDialog.getExistingDirectory(parent, title, str(start_folder(current)))
    if chosen:
        remember(chosen)
    return chosen
