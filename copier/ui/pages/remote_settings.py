"""The Settings screen's Remote EAs section: the opt-in TLS listener for EAs on other machines
(address, port, certificate files or a self-signed certificate, the allow list), with the running
listener's certificate fingerprints to pin in the EAs (SHA-256, and the SHA-1 that MT5 EAs compare)
with a button to copy each. Problems are shown
inline as the user types; the listener itself changes at the next start. On Windows, a listener
other machines can reach comes with a note on Windows Firewall's prompt, which only an
administrator can approve."""

from __future__ import annotations

import ipaddress
import sys
from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QWidget,
)

from copier.bridge import tls
from copier.bridge.config import is_loopback_host
from copier.preferences import Preferences
from copier.ui.api_keys import parse_allow_list
from copier.ui.file_dialogs import open_file
from copier.ui.session import CoreSession
from copier.ui.widgets import launch


def firewall_note(host: str, port: int, *, platform: str = sys.platform,
                  program: str = sys.executable) -> str:
    """What to expect from Windows Firewall when the remote listener binds ``host`` ("" when
    it needs nothing: loopback only, not an address yet, or not Windows). The first program
    listening on a port other machines can reach makes Windows ask to allow it; allowing takes
    an administrator, so a standard user needs one, or the rule added beforehand
    (https://learn.microsoft.com/en-us/troubleshoot/windows-server/networking/netsh-advfirewall-firewall-control-firewall-behavior)."""
    if platform != "win32":
        return ""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return ""
    if is_loopback_host(host):
        return ""
    return (
        "Windows Firewall will ask whether TradeCopier may accept connections when the remote "
        "listener first starts: allow it on the networks your other machines are on. Allowing "
        "takes an administrator — on a standard account, ask one to approve the prompt, or to "
        "add the rule from a Command Prompt run as administrator:\n"
        f'netsh advfirewall firewall add rule name="TradeCopier remote EAs" dir=in '
        f'action=allow protocol=TCP localport={port} program="{program}"')


def _file_row(edit: QLineEdit, browse: QPushButton) -> QHBoxLayout:
    row = QHBoxLayout()
    row.addWidget(edit, 1)
    row.addWidget(browse)
    return row


class RemoteSection(QGroupBox):
    """Remote EAs: every field of the remote listener, checked as it is typed."""

    def __init__(self, session: CoreSession, parent: QWidget | None = None) -> None:
        super().__init__("Remote EAs (other machines, TLS only)", parent)
        self.session = session
        self.bind_port = 8080  # the EA bridge's port, which the remote one must not reuse
        self.enabled = QCheckBox("let EAs on other machines connect over TLS (wss)")
        self.host = QLineEdit()
        self.host.setPlaceholderText("0.0.0.0 (every network) or this machine's address")
        self.port = QSpinBox()
        self.port.setRange(0, 65535)
        self.self_signed = QRadioButton("self-signed certificate, made in the data folder")
        self.own_files = QRadioButton("my certificate and key (PEM files)")
        choice = QButtonGroup(self)
        choice.addButton(self.self_signed)
        choice.addButton(self.own_files)
        self.generate_button = QPushButton("Generate now")
        self.generate_button.setToolTip("make the self-signed certificate now (reused if it "
                                        "exists) to see its fingerprint before the restart")
        self.generate_button.clicked.connect(
            lambda: launch(self.generate(), on_error=self._show_generate_error))
        self.cert_file = QLineEdit()
        self.key_file = QLineEdit()
        cert_browse = QPushButton("Browse…")
        cert_browse.clicked.connect(lambda: self._browse(self.cert_file, "Certificate (PEM)"))
        key_browse = QPushButton("Browse…")
        key_browse.clicked.connect(lambda: self._browse(self.key_file, "Private key (PEM)"))
        self.allow = QLineEdit()
        self.allow.setPlaceholderText("e.g. 203.0.113.7, 192.168.1.0/24")
        self.fingerprint = QLineEdit()
        self.fingerprint.setReadOnly(True)
        self.fingerprint.setPlaceholderText("no remote listener running")
        self.copy_button = QPushButton("Copy")
        self.copy_button.clicked.connect(self.copy_fingerprint)
        # MT5's SocketTlsCertificate gives only the SHA-1 thumbprint: the MT5 EAs' CertFingerprint
        # (https://www.mql5.com/en/docs/network/sockettlscertificate).
        self.fingerprint_sha1 = QLineEdit()
        self.fingerprint_sha1.setReadOnly(True)
        self.copy_sha1_button = QPushButton("Copy")
        self.copy_sha1_button.clicked.connect(
            lambda: self._copy(self.fingerprint_sha1, self.copy_sha1_button))
        self.listener = QLabel("")
        self.listener.setWordWrap(True)
        self.problems = QLabel("")
        self.problems.setObjectName("problems")
        self.problems.setWordWrap(True)
        self.problems.hide()
        self.firewall = QLabel("")
        self.firewall.setObjectName("notice")
        self.firewall.setWordWrap(True)
        self.firewall.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.firewall.hide()
        self.platform = sys.platform  # the firewall note is Windows'; tests set "win32"
        self_signed_row = QHBoxLayout()
        self_signed_row.addWidget(self.self_signed)
        self_signed_row.addWidget(self.generate_button)
        self_signed_row.addStretch(1)
        fingerprint_row = QHBoxLayout()
        fingerprint_row.addWidget(self.fingerprint, 1)
        fingerprint_row.addWidget(self.copy_button)
        sha1_row = QHBoxLayout()
        sha1_row.addWidget(self.fingerprint_sha1, 1)
        sha1_row.addWidget(self.copy_sha1_button)
        form = QFormLayout(self)
        form.addRow("", self.enabled)
        form.addRow("Listen on address", self.host)
        form.addRow("Port", self.port)
        form.addRow("Certificate", self_signed_row)
        form.addRow("", self.own_files)
        form.addRow("Certificate file", _file_row(self.cert_file, cert_browse))
        form.addRow("Key file", _file_row(self.key_file, key_browse))
        form.addRow("Allowed addresses", self.allow)
        form.addRow("", self.problems)
        form.addRow("", self.firewall)
        form.addRow("TLS fingerprint (SHA-256)", fingerprint_row)
        form.addRow("SHA-1 (MT5 EAs' CertFingerprint)", sha1_row)
        form.addRow("", self.listener)
        for edit in (self.host, self.cert_file, self.key_file, self.allow):
            edit.textChanged.connect(lambda _text: self.check())
        self.port.valueChanged.connect(lambda _value: self.check())
        for toggle in (self.enabled, self.self_signed, self.own_files):
            toggle.toggled.connect(lambda _on: self._update_enabled())

    # ----- preferences in and out ---------------------------------------------------------
    def show_preferences(self, p: Preferences) -> None:
        self.bind_port = p.bind_port
        self.enabled.setChecked(p.remote_enabled)
        self.host.setText(p.remote_host)
        self.port.setValue(p.remote_port)
        (self.self_signed if p.self_signed else self.own_files).setChecked(True)
        self.cert_file.setText(p.cert_file)
        self.key_file.setText(p.key_file)
        self.allow.setText(", ".join(p.remote_allow))
        self._update_enabled()

    def entered(self, p: Preferences) -> Preferences:
        entries, _problems = parse_allow_list(self.allow.text())
        return replace(
            p,
            remote_enabled=self.enabled.isChecked(),
            remote_host=self.host.text().strip(),
            remote_port=self.port.value(),
            self_signed=self.self_signed.isChecked(),
            cert_file=self.cert_file.text().strip(),
            key_file=self.key_file.text().strip(),
            remote_allow=tuple(entries),
        )

    def check(self) -> list[str]:
        """Show what would stop the remote listener, beside the fields (empty: nothing)."""
        found: list[str] = []
        if self.enabled.isChecked():
            found = self.entered(Preferences(bind_port=self.bind_port)).remote_problems()
        self.problems.setText("\n".join(f"• {p}" for p in found))
        self.problems.setVisible(bool(found))
        note = firewall_note(self.host.text().strip(), self.port.value(),
                             platform=self.platform) if self.enabled.isChecked() else ""
        self.firewall.setText(note)
        self.firewall.setVisible(bool(note))
        return found

    def _update_enabled(self) -> None:
        on = self.enabled.isChecked()
        own = self.own_files.isChecked()
        for widget in (self.host, self.port, self.self_signed, self.own_files, self.allow):
            widget.setEnabled(on)
        self.generate_button.setEnabled(on and not own)
        for widget in (self.cert_file, self.key_file):
            widget.setEnabled(on and own)
        self.check()

    # ----- the running listener -----------------------------------------------------------
    async def load_running(self) -> None:
        """The running bridge's remote URL and certificate fingerprint (if it has one)."""

        def read() -> tuple[str | None, str | None, str | None]:
            bridge = self.session.app.bridge
            if bridge is None:
                return None, None, None
            return bridge.remote_url, bridge.tls_fingerprint, bridge.tls_fingerprint_sha1

        url, fingerprint, sha1 = await self.session.in_core(read)
        if not url and self.fingerprint.text():
            return  # a certificate generated meanwhile: keep showing its fingerprint
        self.fingerprint.setText(fingerprint or "")
        self.copy_button.setEnabled(bool(fingerprint))
        self.fingerprint_sha1.setText(sha1 or "")
        self.copy_sha1_button.setEnabled(bool(sha1))
        self.listener.setText(
            f"Running: remote EAs connect to {url}; put this fingerprint in their inputs to "
            "pin the certificate." if url else
            "The remote listener is not running. Enable it, save, and restart TradeCopier.")

    async def generate(self) -> str:
        """Make (or reuse) the self-signed certificate where the core will look for it."""
        folder = self.session.app.data_dir
        host = self.host.text().strip()
        material = await self.session.run_blocking(tls.self_signed_material, folder, host)
        self.fingerprint.setText(material.fingerprint)
        self.copy_button.setEnabled(True)
        self.fingerprint_sha1.setText(material.fingerprint_sha1)
        self.copy_sha1_button.setEnabled(True)
        self.listener.setText(f"Self-signed certificate ready in {material.cert_file}; the "
                              "remote listener uses it after TradeCopier restarts.")
        return material.fingerprint

    def _show_generate_error(self, message: str) -> None:
        self.listener.setText(f"could not make the certificate: {message}")

    def copy_fingerprint(self) -> None:
        self._copy(self.fingerprint, self.copy_button)

    def _copy(self, field: QLineEdit, button: QPushButton) -> None:
        QGuiApplication.clipboard().setText(field.text())
        button.setText("Copied")

    def _browse(self, edit: QLineEdit, title: str) -> None:
        path = open_file(self, title, edit.text(),
                         "PEM files (*.pem *.crt *.key);;All files (*)")
        if path:
            edit.setText(path)
