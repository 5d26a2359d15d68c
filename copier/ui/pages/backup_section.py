"""The Settings screen's Backup section: a copy of the database taken now, while copying goes on
(SQLite's online backup, ``copier.store.backup``), and how to restore one — which needs the
copier stopped, so it is done with ``copier restore`` while TradeCopier is closed."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QGroupBox, QLabel, QPushButton, QVBoxLayout, QWidget

from copier.ui.session import CoreSession
from copier.ui.widgets import launch

RESTORE_HOW = ("To restore a backup, close TradeCopier (Quit in the tray), then run "
               "copier restore FILE; the database it replaces is kept beside it.")


class BackupSection(QGroupBox):
    def __init__(self, session: CoreSession, parent: QWidget | None = None) -> None:
        super().__init__("Backup", parent)
        self.session = session
        self.backup_button = QPushButton("Back up now…")
        self.backup_button.clicked.connect(self._choose)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        how = QLabel(RESTORE_HOW)
        how.setObjectName("notice")
        how.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.backup_button)
        layout.addWidget(self.message)
        layout.addWidget(how)

    def _choose(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, "Back up the database", "tradecopier-backup.db",
            "SQLite database (*.db)", options=QFileDialog.Option.DontUseNativeDialog)
        if name:
            launch(self.back_up(Path(name)), on_error=self._show)

    async def back_up(self, out: Path) -> None:
        self.backup_button.setEnabled(False)
        try:
            snapshot = await self.session.back_up(out)
        finally:
            self.backup_button.setEnabled(True)
        self._show(f"backed up to {out}: {snapshot.accounts} account(s), {snapshot.links} "
                   f"link(s), {snapshot.copies} trade-log copies")

    def _show(self, text: str) -> None:
        self.message.setText(text)
