"""Adding and editing accounts: EA accounts (MT4/MT5 running our EAs, with an API key shown once)
and MT5 accounts driven directly (terminal path, login, server, password kept in the OS key
store)."""

from __future__ import annotations

import contextlib
from dataclasses import replace

from PySide6.QtGui import QIntValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from copier.app.vocabulary import AccountRecord, AccountRole
from copier.bridge.protocol import PATH as BRIDGE_PATH
from copier.domain import Platform
from copier.eas.steps import setup_steps
from copier.ui.api_keys import AccessFields, KeyPanel
from copier.ui.file_dialogs import open_file
from copier.ui.session import CoreSession
from copier.ui.widgets import launch

EA = "ea"
MT5_DIRECT = "mt5"
DIALOG_WIDTH = 620  # wide enough for the set-up steps to wrap into readable lines


def bridge_url(session: CoreSession) -> str:
    """Where EAs connect, as they must enter it: the port the bridge really listens on (a
    configured port 0 means any free one, as in the demo, and must never be shown as 0)."""
    bridge = getattr(session.app, "bridge", None)
    if bridge is not None:
        with contextlib.suppress(RuntimeError, IndexError, AttributeError):
            return str(bridge.url)  # not listening yet: the configured address below
    config = session.app.config
    return f"ws://{config.bridge_host}:{config.bridge_port}{BRIDGE_PATH}"


class AccountDialog(QDialog):
    """Add (``record`` None) or edit an account of one connection kind (EA or MT5 direct)."""

    def __init__(self, session: CoreSession, connection: str, record: AccountRecord | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.connection = connection
        self.record = record
        self.saved: AccountRecord | None = None
        self.setWindowTitle(("Edit " if record else "Add ") + (
            "MT5 account (direct)" if connection == MT5_DIRECT else "EA account (MT4/MT5)"))
        self._build()
        if record is not None:
            self._fill(record)

    def _build(self) -> None:
        self.platform = QComboBox()
        for platform in (Platform.MT4, Platform.MT5):
            self.platform.addItem(platform.value.upper(), platform.value)
        if self.connection == MT5_DIRECT:
            self.platform.setCurrentIndex(1)
            self.platform.setEnabled(False)
        self.login = QLineEdit()
        self.login.setValidator(QIntValidator(1, 2_147_483_647))
        self.server = QLineEdit()
        self.server.setPlaceholderText("e.g. Broker-Demo")
        self.label = QLineEdit()
        self.role = QComboBox()
        for role in AccountRole:
            self.role.addItem(role.value, role.value)
        self.enabled = QCheckBox("copy with this account")
        self.enabled.setChecked(True)
        form = QFormLayout()
        form.addRow("Platform", self.platform)
        form.addRow("Login", self.login)
        form.addRow("Server", self.server)
        form.addRow("Label", self.label)
        form.addRow("Role", self.role)
        form.addRow("", self.enabled)
        self.access = AccessFields(self)
        self.terminal_path = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        if self.connection == EA:
            self.access.add_rows(form)
        else:
            browse = QPushButton("Browse…")
            browse.clicked.connect(self._browse)
            path_row = QHBoxLayout()
            path_row.addWidget(self.terminal_path, 1)
            path_row.addWidget(browse)
            form.addRow("Terminal (terminal64.exe)", path_row)
            form.addRow("Password (optional)", self.password)
        self.message = QLabel("")
        self.message.setObjectName("problems")
        self.message.setWordWrap(True)
        self.keys = KeyPanel()
        self.save_button = QPushButton("Save")
        self.save_button.setDefault(True)
        self.close_button = QPushButton("Cancel")
        self.save_button.clicked.connect(lambda: launch(self.save(), on_error=self.message.setText))
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.close_button)
        # The form and, once saved, the key with its set-up steps scroll inside the dialog, which
        # grows to show them whole where the screen allows (it opened at 373×497 with the steps
        # and the "shown only once" warning cut off and out of reach).
        self.body = body = QWidget()
        body_layout = QVBoxLayout(body)
        body_layout.setContentsMargins(0, 0, 0, 0)
        body_layout.addLayout(form)
        body_layout.addWidget(self.message)
        body_layout.addWidget(self.keys)
        body_layout.addStretch(1)
        self.body_scroll = QScrollArea()
        self.body_scroll.setWidgetResizable(True)
        self.body_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.body_scroll.setWidget(body)
        layout = QVBoxLayout(self)
        layout.addWidget(self.body_scroll, 1)
        layout.addLayout(buttons)
        self.setMinimumWidth(DIALOG_WIDTH)
        self.fit_to_content()

    def fit_to_content(self) -> None:
        """As tall as the content, within the screen; what does not fit scrolls."""
        body = self.body
        body.adjustSize()
        wanted = body.sizeHint().height() + 90  # the buttons and the margins
        screen = self.screen().availableGeometry() if self.screen() else None
        limit = int(screen.height() * 0.9) if screen else wanted
        self.resize(max(self.width(), DIALOG_WIDTH), min(wanted, limit))

    def _fill(self, record: AccountRecord) -> None:
        self.platform.setCurrentIndex(self.platform.findData(record.platform.value))
        self.login.setText(str(record.login))
        self.server.setText(record.server)
        for widget in (self.platform, self.login, self.server):
            widget.setEnabled(False)  # they make the account's id: a new login is a new account
        self.label.setText(record.label)
        self.role.setCurrentIndex(self.role.findData(record.role.value))
        self.enabled.setChecked(record.enabled)
        self.terminal_path.setText(str(record.settings.get("terminal_path", "")))
        self.access.fill(record.settings)
        self.password.setPlaceholderText("(unchanged)")

    def _browse(self) -> None:
        path = open_file(self, "MetaTrader 5 terminal", self.terminal_path.text(),
                         "MetaTrader 5 (terminal64.exe terminal.exe);;All files (*)")
        if path:
            self.terminal_path.setText(path)

    def problems(self) -> list[str]:
        found = []
        if not self.login.text().strip().isdigit():
            found.append("the login is the account number (digits only)")
        if not self.server.text().strip():
            found.append("the server is the name MetaTrader shows at login, e.g. Broker-Demo")
        if self.connection == MT5_DIRECT and not self.terminal_path.text().strip():
            found.append("choose the MT5 terminal (terminal64.exe) that serves this account")
        if self.connection == EA:
            found.extend(self.access.check_allow_list())
        return found

    def _record(self) -> AccountRecord:
        settings = dict(self.record.settings) if self.record else {}
        settings["connection"] = self.connection
        if self.connection == MT5_DIRECT:
            settings["terminal_path"] = self.terminal_path.text().strip()
        else:
            settings = self.access.apply(settings)
        role = AccountRole(self.role.currentData())
        label, enabled = self.label.text().strip(), self.enabled.isChecked()
        if self.record is not None:
            return replace(self.record, label=label, role=role, enabled=enabled,
                           settings=settings)
        platform = Platform(self.platform.currentData())
        return AccountRecord.new(platform, int(self.login.text()), self.server.text().strip(),
                                 label=label, role=role, enabled=enabled, settings=settings)

    async def save(self) -> AccountRecord | None:
        """Save; for a new EA account also issue its API key and show it once."""
        found = self.problems()
        if found:
            self.message.setText("\n".join(f"• {p}" for p in found))
            return None
        self.message.setText("")
        record = self._record()
        self.saved = await self.session.save_account(record, self.password.text() or None)
        if self.connection == EA and self.record is None:
            key = await self.session.create_api_key(self.saved.id)  # the account's lifetime
            self.keys.present(key, setup_steps(self.saved.platform, self.saved.role,
                                               bridge_url(self.session)))
            self.fit_to_content()
            for widget in (self.platform, self.login, self.server, self.save_button):
                widget.setEnabled(False)
            self.close_button.setText("Done")
            self.close_button.clicked.disconnect()
            self.close_button.clicked.connect(self.accept)
            return self.saved
        self.accept()
        return self.saved
