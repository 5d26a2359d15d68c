"""The Settings screen's Backup section: back the database up to a file while copying runs, and
restore one — staged while the window holds the data folder, put in place at the next start
(copier.backup). The copying happens off the GUI thread."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import (
    QGroupBox,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from copier.backup import BackupError, backup, stage_restore
from copier.ui.file_dialogs import open_file, save_file
from copier.ui.session import CoreSession
from copier.ui.widgets import launch

FILTER = "TradeCopier backup (*.db);;All files (*)"


class BackupSection(QGroupBox):
    """Back up now / Restore… for the data folder ``folder()`` names (None: the default)."""

    def __init__(self, session: CoreSession, folder: Callable[[], Path | None],
                 parent: QWidget | None = None) -> None:
        super().__init__("Backup", parent)
        self.session = session
        self.folder = folder
        self.backup_button = QPushButton("Back up now…")
        self.backup_button.clicked.connect(self._choose_backup)
        self.restore_button = QPushButton("Restore…")
        self.restore_button.clicked.connect(self._choose_restore)
        self.message = QLabel("Accounts, links and the trade log; safe while copying runs. "
                              "A restore takes effect when TradeCopier next starts.")
        self.message.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.backup_button)
        layout.addWidget(self.restore_button)
        layout.addWidget(self.message, 1)

    async def backup_to(self, out: Path) -> bool:
        try:
            contents = await self.session.run_blocking(backup, self.folder(), out)
        except BackupError as exc:
            self.message.setText(str(exc))
            return False
        self.message.setText(f"backed up {contents.describe()} to {out}")
        return True

    async def restore_from(self, file: Path) -> bool:
        try:
            contents = await self.session.run_blocking(stage_restore, self.folder(), file)
        except BackupError as exc:
            self.message.setText(str(exc))
            return False
        self.message.setText(f"{file} holds {contents.describe()}: it replaces the database "
                             "when TradeCopier next starts (the current one is kept beside "
                             "it) — quit and start TradeCopier now to restore it")
        return True

    def _choose_backup(self) -> None:
        name = save_file(self, "Back up to", "tradecopier-backup.db", FILTER)
        if name:
            launch(self.backup_to(Path(name)), on_error=self.message.setText)

    def _choose_restore(self) -> None:
        name = open_file(self, "Restore from", "", FILTER)
        if name:
            launch(self.restore_from(Path(name)), on_error=self.message.setText)
