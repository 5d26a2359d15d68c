"""API keys on the Accounts screen: each key's status in words (active, replaced until …,
expired, revoked), the rotation notice with its grace period, and the dialog that shows a new
key once. Rotation keeps the old key working through the account's grace period, so the trader
can update the EA without a gap in copying; revocation ends every key and its sessions at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from copier.app.keys import KeyRotation
from copier.app.vocabulary import (
    DEFAULT_GRACE_HOURS,
    DEFAULT_KEY_DAYS,
    AccountRecord,
    ApiKeyInfo,
    KeyStatus,
)
from copier.bridge.allowlist import AllowListError, parse_entry
from copier.ui.widgets import Column


def fmt_minute(epoch_ms: int | None) -> str:
    if not epoch_ms:
        return ""
    return datetime.fromtimestamp(epoch_ms / 1000).strftime("%Y-%m-%d %H:%M")


def fmt_hours(hours: float) -> str:
    return f"{hours:g} h"


@dataclass(frozen=True, slots=True)
class KeyRow:
    """One key of an account as the keys table shows it (never the key itself)."""

    info: ApiKeyInfo
    now_ms: int

    @property
    def status(self) -> KeyStatus:
        return self.info.status(self.now_ms)

    @property
    def works(self) -> bool:
        return self.status is KeyStatus.VALID

    @property
    def text(self) -> str:
        return key_status_text(self.info, self.now_ms)


def key_status_text(info: ApiKeyInfo, now_ms: int) -> str:
    status = info.status(now_ms)
    if status is KeyStatus.REVOKED:
        return f"revoked {fmt_minute(info.revoked_ms)}"
    if status is KeyStatus.VALID and info.replaced_ms is not None:
        return f"replaced — still works until {fmt_minute(info.expires_ms)} (grace period)"
    if status is KeyStatus.VALID:
        return f"active until {fmt_minute(info.expires_ms)}"
    if status is KeyStatus.REPLACED:
        return f"replaced — grace period ended {fmt_minute(info.expires_ms)}"
    return f"expired {fmt_minute(info.expires_ms)}"


def _status_colour(row: KeyRow) -> str | None:
    if not row.works:
        return "#78909c"
    return "#ef6c00" if row.info.replaced_ms is not None else "#2e7d32"


KEY_COLUMNS: list[Column[KeyRow]] = [
    Column("Key id", lambda r: r.info.key_id),
    Column("Issued", lambda r: fmt_minute(r.info.created_ms)),
    Column("Status", lambda r: r.text, colour=_status_colour),
]


def rotation_notice(rotation: KeyRotation) -> str:
    """What the trader must know after a rotation, in words."""
    new = f"This key works until {fmt_minute(rotation.expires_ms)}."
    if rotation.old_keys == 0:
        return f"{new} The account had no other working key."
    if rotation.grace_hours <= 0 or rotation.old_until_ms is None:
        return (f"{new} The account's grace period is 0 h, so the previous key stopped working "
                "now: put this key in the EA to resume copying.")
    return (
        f"{new} The previous key keeps working for the grace period of "
        f"{fmt_hours(rotation.grace_hours)} — until {fmt_minute(rotation.old_until_ms)} — so "
        "copying goes on while you put this key in the EA's ApiKey input. After that only this "
        "key works."
    )


class KeyPanel(QWidget):
    """An API key shown once, with a copy button and the EA set-up steps."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = QLineEdit()
        self.key.setReadOnly(True)
        self.copy_button = QPushButton("Copy")
        self.copy_button.clicked.connect(self.copy)
        self.steps = QLabel("")
        self.steps.setWordWrap(True)
        self.steps.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # Above the key, where it is read before the dialog is closed (it used to end the steps,
        # below the fold of a dialog too small to show them).
        self.warning = QLabel("Copy this key now: it is shown only once. Lost? Make a new one "
                              "with Accounts → Rotate key.")
        self.warning.setObjectName("problems")
        self.warning.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.key, 1)
        row.addWidget(self.copy_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("API key for this account:"))
        layout.addLayout(row)
        layout.addWidget(self.warning)
        layout.addWidget(self.steps)
        self.hide()

    def present(self, key: str, steps: str) -> None:
        self.key.setText(key)
        self.steps.setText(steps)
        self.show()
        self.key.selectAll()
        self.key.setFocus()

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.key.text())
        self.copy_button.setText("Copied")


class KeyDialog(QDialog):
    """A newly issued key for an existing account (rotation): shown once, with its grace
    period and expiry."""

    def __init__(self, rotation: KeyRotation, record: AccountRecord, steps: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Rotated API key — {record.label or record.id}")
        self.notice = QLabel(rotation_notice(rotation))
        self.notice.setObjectName("notice")
        self.notice.setWordWrap(True)
        self.keys = KeyPanel()
        self.keys.present(rotation.key, steps)
        done = QPushButton("Done")
        done.clicked.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(self.notice)
        layout.addWidget(self.keys)
        layout.addWidget(done)


def parse_allow_list(text: str) -> tuple[list[str], list[str]]:
    """Entries typed as one line (commas, spaces or semicolons between them), checked with the
    bridge's own parser. Returns (entries, problems in words)."""
    entries = [e for e in text.replace(",", " ").replace(";", " ").split() if e]
    problems = []
    for entry in entries:
        try:
            parse_entry(entry)
        except AllowListError as exc:
            problems.append(str(exc))
    return entries, problems


class AccessFields(QWidget):
    """An EA account's key lifetime, grace period and IP allow list (``settings`` keys
    ``key_days``, ``key_grace_hours``, ``allow_ips``), with inline messages."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key_days = QSpinBox()
        self.key_days.setRange(1, 3650)
        self.key_days.setValue(DEFAULT_KEY_DAYS)
        self.key_days.setSuffix(" days")
        self.key_days.setToolTip("how long keys issued from now on work (existing keys keep "
                                 "their expiry)")
        self.grace_hours = QSpinBox()
        self.grace_hours.setRange(0, 24 * 90)
        self.grace_hours.setValue(int(DEFAULT_GRACE_HOURS))
        self.grace_hours.setSuffix(" h")
        self.grace_hours.setToolTip("after Rotate key, the previous key keeps working this long "
                                    "(0: it stops at once)")
        self.allow_ips = QLineEdit()
        self.allow_ips.setPlaceholderText("any address (e.g. 192.168.1.20, 10.0.0.0/24)")
        self.allow_problem = QLabel("")
        self.allow_problem.setObjectName("problems")
        self.allow_problem.setWordWrap(True)
        self.allow_problem.hide()
        self.allow_ips.textChanged.connect(lambda _text: self.check_allow_list())

    def add_rows(self, form: QFormLayout) -> None:
        form.addRow("API key lifetime", self.key_days)
        form.addRow("Grace period after rotation", self.grace_hours)
        form.addRow("EA addresses allowed", self.allow_ips)
        form.addRow("", self.allow_problem)

    def fill(self, settings: dict[str, Any]) -> None:
        days = settings.get("key_days", DEFAULT_KEY_DAYS)
        hours = settings.get("key_grace_hours", DEFAULT_GRACE_HOURS)
        self.key_days.setValue(days if isinstance(days, int) else DEFAULT_KEY_DAYS)
        self.grace_hours.setValue(round(hours) if isinstance(hours, int | float)
                                  else int(DEFAULT_GRACE_HOURS))
        entries = settings.get("allow_ips") or ()
        self.allow_ips.setText(", ".join([entries] if isinstance(entries, str) else entries))

    def check_allow_list(self) -> list[str]:
        _entries, problems = parse_allow_list(self.allow_ips.text())
        self.allow_problem.setText("\n".join(problems))
        self.allow_problem.setVisible(bool(problems))
        return problems

    def apply(self, settings: dict[str, Any]) -> dict[str, Any]:
        out = dict(settings)
        out["key_days"] = self.key_days.value()
        out["key_grace_hours"] = self.grace_hours.value()
        entries, _problems = parse_allow_list(self.allow_ips.text())
        if entries:
            out["allow_ips"] = entries
        else:
            out.pop("allow_ips", None)
        return out
