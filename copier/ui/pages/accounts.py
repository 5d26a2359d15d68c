"""Accounts: the saved accounts with their live state; add an EA account (key shown once) or an
MT5 account driven directly; edit, disable, remove (each applied to the running copier at once);
the selected EA account's API keys with their status, rotated (the old key keeps working through
the grace period) or revoked (every key and its EA sessions end at once); Install EAs."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from copier.app.vocabulary import AccountRecord
from copier.eas.steps import setup_steps
from copier.ui.account_dialogs import EA, MT5_DIRECT, AccountDialog, bridge_url
from copier.ui.api_keys import KEY_COLUMNS, KeyDialog, KeyRow
from copier.ui.confirm import confirm
from copier.ui.core_signals import UiBridge
from copier.ui.install_dialog import InstallDialog
from copier.ui.pages import Screen
from copier.ui.session import AccountView, CoreSession
from copier.ui.widgets import Column, RowsModel, fmt_datetime, group_box, launch, make_table


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


class AccountsPage(Screen, QWidget):
    def __init__(self, session: CoreSession, bridge: UiBridge,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.dialog: AccountDialog | KeyDialog | InstallDialog | QMessageBox | None = None
        self.model = RowsModel(COLUMNS, self)
        self.table = make_table(self.model)
        self.table.selectionModel().selectionChanged.connect(self._on_selection)
        self.keys_model: RowsModel[KeyRow] = RowsModel(KEY_COLUMNS, self)
        self.keys_table = make_table(self.keys_model)
        self.keys_note = QLabel("Select an EA account to see its API keys.")
        self.keys_note.setObjectName("notice")
        self.keys_note.setWordWrap(True)
        self.keys_box = group_box("API keys", self.keys_table, self.keys_note)
        self._keys_of = ""  # the account whose keys are shown
        self.buttons: dict[str, QPushButton] = {}
        row = QHBoxLayout()
        for name, title, slot in (
            ("add_ea", "Add EA account…", lambda: self.open_add(EA)),
            ("add_mt5", "Add MT5 (direct)…", lambda: self.open_add(MT5_DIRECT)),
            ("edit", "Edit…", self.open_edit),
            ("toggle", "Disable", self._on_toggle),
            ("remove", "Remove", self._on_remove),
            ("key", "Rotate key…", self._on_new_key),
            ("revoke", "Revoke keys…", self._on_revoke),
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
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.keys_box)
        splitter.setSizes([420, 200])
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.message)
        bridge.config_changed.connect(self._on_config_changed)
        bridge.statuses_changed.connect(lambda _s: self.reload())
        self._update_buttons()

    # ----- data ---------------------------------------------------------------------------
    def _on_config_changed(self, what: str) -> None:
        if what == "accounts":
            self.reload()

    def start(self) -> None:
        self.reload()

    def reload(self) -> None:
        launch(self.load(), on_error=self.message.setText)

    async def load(self) -> None:
        views = await self.session.accounts()
        # The selection as it is now, not before the wait: a row the trader clicked meanwhile
        # stays selected, and its keys stay listed.
        selected = self.selected()
        self.model.set_rows(views)
        if selected is not None:
            ids = [v.account_id for v in self.model.rows]
            if selected.account_id in ids:
                self.table.selectRow(ids.index(selected.account_id))
        self._update_buttons()

    def selected(self) -> AccountView | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row(rows[0].row()) if rows else None

    def _on_selection(self) -> None:
        self._update_buttons()
        view = self.selected()
        account_id = view.account_id if view is not None and _is_ea(view) else ""
        if account_id != self._keys_of:
            self._keys_of = account_id
            self.reload_keys()

    def reload_keys(self) -> None:
        launch(self.load_keys(), on_error=self.message.setText)

    async def load_keys(self) -> None:
        account_id = self._keys_of
        if not account_id:
            self.keys_model.set_rows([])
            self.keys_box.setTitle("API keys")
            self.keys_note.setText("Select an EA account to see its API keys.")
            return
        rows = await self.session.api_keys(account_id)
        if account_id != self._keys_of:
            return  # the selection moved on while the keys were read
        self.keys_model.set_rows(list(reversed(rows)))  # newest first
        working = sum(1 for r in rows if r.works)
        self.keys_box.setTitle(f"API keys of {account_id}")
        self.keys_note.setText(
            f"{working} working key(s). Rotate key issues a new key; the previous one keeps "
            "working through the account's grace period (Edit… sets it, 24 h by default). "
            "Revoke keys ends every key of the account and its EA connections at once.")

    def _update_buttons(self) -> None:
        view = self.selected()
        saved = view is not None and view.record is not None
        for name in ("edit", "toggle", "remove"):
            self.buttons[name].setEnabled(saved)
        is_ea = saved and view is not None and _is_ea(view)
        self.buttons["key"].setEnabled(is_ea)
        self.buttons["revoke"].setEnabled(is_ea)
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
        launch(dialog.scan(), on_error=self.message.setText)
        return dialog

    def _open(self, dialog: AccountDialog | KeyDialog | InstallDialog | QMessageBox) -> None:
        self.dialog = dialog
        if isinstance(dialog, AccountDialog):
            dialog.accepted.connect(lambda: self.message.setText(
                f"{dialog.saved.id if dialog.saved else 'account'} saved and applied"))
            dialog.finished.connect(lambda _result: self.reload_keys())
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
            launch(self.ask_remove(view), on_error=self.message.setText)

    async def ask_remove(self, view: AccountView) -> QMessageBox:
        """Ask before removing, saying what goes with the account."""
        links = [lk for lk in await self.session.load_links()
                 if view.account_id in (lk.master_id, lk.slave_id)]
        named = ", ".join(f"#{lk.id} {lk.master_id} → {lk.slave_id}" for lk in links)
        goes = (f"its {len(links)} link(s) ({named}) are deleted, and copies they opened stay "
                "open on the slaves, no longer followed" if links else "it has no links")
        keys = " Its API keys stop working at once." if _is_ea(view) else ""
        box = confirm(self, "Remove account",
                      f"Remove {view.label}?{keys} With it, {goes}. The trade log keeps its "
                      "history.", "Remove",
                      lambda: launch(self.remove(view.account_id),
                                     on_error=self.message.setText))
        self.dialog = box
        return box

    async def remove(self, account_id: str) -> None:
        await self.session.delete_account(account_id)
        self.message.setText(f"{account_id} removed, with its keys and links")

    def _on_new_key(self) -> None:
        view = self.selected()
        if view is None or view.record is None:
            return
        record = view.record
        self.dialog = confirm(
            self, "Rotate API key",
            f"Issue a new API key for {view.label}? The current key keeps working only for its "
            "grace period (Accounts → the account's settings); after it, the EA is refused "
            "until you paste the new key into its ApiKey input.", "Issue new key",
            lambda: launch(self.new_key(record), on_error=self.message.setText))

    async def new_key(self, record: AccountRecord) -> KeyDialog:
        rotation = await self.session.rotate_api_key(record.id)
        steps = setup_steps(record.platform, record.role, bridge_url(self.session))
        dialog = KeyDialog(rotation, record, steps, parent=self)
        self._open(dialog)
        self.message.setText(f"{record.id}: new API key issued")
        await self.load_keys()
        return dialog

    def _on_revoke(self) -> None:
        view = self.selected()
        if view is None or view.record is None:
            return
        account_id = view.account_id
        self.dialog = confirm(
            self, "Revoke API keys",
            f"Revoke every API key of {account_id}? Its EAs are disconnected at once and cannot "
            "connect again until you issue a new key (Rotate key) and put it in the EA.",
            "Revoke", lambda: launch(self.revoke(account_id), on_error=self.message.setText))

    async def revoke(self, account_id: str) -> int:
        revoked = await self.session.revoke_api_keys(account_id)
        self.message.setText(f"{account_id}: {revoked} API key(s) revoked; its EA connections "
                             "were closed")
        await self.load_keys()
        return revoked


def _is_ea(view: AccountView) -> bool:
    return view.record is not None and _connection(view) == "EA"
