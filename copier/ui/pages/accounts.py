"""Accounts: the saved accounts with their live state; add an EA account (key shown once) or an
MT5 account driven directly; edit, disable, remove; a new API key in one click; Install EAs."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from copier.store import AccountRecord
from copier.ui.account_dialogs import EA, MT5_DIRECT, AccountDialog, KeyDialog, bridge_url
from copier.ui.bridge import UiBridge
from copier.ui.install_dialog import InstallDialog
from copier.ui.session import AccountView, CoreSession
from copier.ui.widgets import Column, RowsModel, fmt_datetime, launch, make_table


def _connection(view: AccountView) -> str:
    configured = str(view.record.settings.get("connection", "")) if view.record else ""
    names = {EA: "EA", MT5_DIRECT: "MT5 direct", "simulated": "simulated"}
    return names.get(configured or view.kind, configured or view.kind or "—")


def _live(view: AccountView) -> str:
    if view.status is None:
        return "not running"
    return "connected" if view.status.connected else f"disconnected {view.status.detail}".strip()


COLUMNS: list[Column[AccountView]] = [
    Column("Account", lambda v: v.account_id),
    Column("Label", lambda v: v.record.label if v.record else ""),
    Column("Platform", lambda v: v.platform.upper()),
    Column("Connection", _connection),
    Column("Role", lambda v: v.role),
    Column("Enabled", lambda v: "yes" if v.enabled else "no",
           colour=lambda v: None if v.enabled else "#c62828"),
    Column("Now", _live, colour=lambda v: "#2e7d32" if v.status and v.status.connected
           else "#c62828"),
    Column("Terminal", lambda v: str(v.record.settings.get("terminal_path", "")) if v.record
           else ""),
    Column("Added", lambda v: fmt_datetime(v.record.created_ms) if v.record else "(not saved)"),
]


class AccountsPage(QWidget):
    def __init__(self, session: CoreSession, bridge: UiBridge,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.dialog: AccountDialog | KeyDialog | InstallDialog | None = None
        self.model = RowsModel(COLUMNS, self)
        self.table = make_table(self.model)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.buttons: dict[str, QPushButton] = {}
        row = QHBoxLayout()
        for name, title, slot in (
            ("add_ea", "Add EA account…", lambda: self.open_add(EA)),
            ("add_mt5", "Add MT5 (direct)…", lambda: self.open_add(MT5_DIRECT)),
            ("edit", "Edit…", self.open_edit),
            ("toggle", "Disable", self._on_toggle),
            ("remove", "Remove", self._on_remove),
            ("key", "New API key…", self._on_new_key),
            ("install", "Install EAs…", self.open_install),
        ):
            button = QPushButton(title)
            button.clicked.connect(slot)
            self.buttons[name] = button
            row.addWidget(button)
        row.addStretch(1)
        self.message = QLabel("")
        self.message.setObjectName("notice")
        self.message.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        bridge.config_changed.connect(self._on_config_changed)
        bridge.statuses_changed.connect(lambda _s: self.reload())
        self._update_buttons()

    # ----- data ---------------------------------------------------------------------------
    def _on_config_changed(self, what: str) -> None:
        if what == "accounts":
            self.reload()

    def reload(self) -> None:
        launch(self.load(), on_error=self.message.setText)

    async def load(self) -> None:
        selected = self.selected()
        self.model.set_rows(await self.session.accounts())
        if selected is not None:
            ids = [v.account_id for v in self.model.rows]
            if selected.account_id in ids:
                self.table.selectRow(ids.index(selected.account_id))
        self._update_buttons()

    def selected(self) -> AccountView | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row(rows[0].row()) if rows else None

    def _update_buttons(self) -> None:
        view = self.selected()
        saved = view is not None and view.record is not None
        for name in ("edit", "toggle", "remove"):
            self.buttons[name].setEnabled(saved)
        is_ea = saved and view is not None and _connection(view) == "EA"
        self.buttons["key"].setEnabled(is_ea)
        if view is not None and view.record is not None:
            self.buttons["toggle"].setText("Disable" if view.record.enabled else "Enable")

    # ----- actions ------------------------------------------------------------------------
    def open_add(self, connection: str) -> AccountDialog:
        dialog = AccountDialog(self.session, connection, parent=self)
        self._open(dialog)
        return dialog

    def open_edit(self) -> AccountDialog | None:
        view = self.selected()
        if view is None or view.record is None:
            return None
        connection = str(view.record.settings.get("connection", EA))
        dialog = AccountDialog(self.session, connection, view.record, parent=self)
        self._open(dialog)
        return dialog

    def open_install(self) -> InstallDialog:
        dialog = InstallDialog(self.session, parent=self)
        self._open(dialog)
        return dialog

    def _open(self, dialog: AccountDialog | KeyDialog | InstallDialog) -> None:
        self.dialog = dialog
        if isinstance(dialog, AccountDialog):
            dialog.accepted.connect(lambda: self.message.setText(
                f"{dialog.saved.id if dialog.saved else 'account'} saved and applied"))
        dialog.open()  # window-modal but not blocking: the copier keeps running behind it

    def _on_toggle(self) -> None:
        view = self.selected()
        if view is not None and view.record is not None:
            record = replace(view.record, enabled=not view.record.enabled)
            launch(self._save(record), on_error=self.message.setText)

    async def _save(self, record: AccountRecord) -> None:
        await self.session.save_account(record)
        self.message.setText(f"{record.id} {'enabled' if record.enabled else 'disabled'}")

    def _on_remove(self) -> None:
        view = self.selected()
        if view is not None and view.record is not None:
            launch(self.remove(view.account_id), on_error=self.message.setText)

    async def remove(self, account_id: str) -> None:
        await self.session.delete_account(account_id)
        self.message.setText(f"{account_id} removed, with its keys and links")

    def _on_new_key(self) -> None:
        view = self.selected()
        if view is not None and view.record is not None:
            launch(self.new_key(view.record), on_error=self.message.setText)

    async def new_key(self, record: AccountRecord) -> KeyDialog:
        key = await self.session.rotate_api_key(record.id)
        dialog = KeyDialog(key, record, bridge_url(self.session), parent=self)
        self._open(dialog)
        return dialog
