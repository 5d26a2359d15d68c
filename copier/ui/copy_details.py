"""The details of one trade-log row, shown on double-click: the master event that started it, the
rules that refused or changed the copy, the time of each stage, and the slave's result."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from copier.app.reports import CopyDetails
from copier.app.vocabulary import CopyRecord
from copier.trader_words import kind_words, rule_words
from copier.ui.widgets import fmt_datetime, fmt_number

STATUS_WORDS = {
    "pending": "decided, not sent yet",
    "sent": "sent, waiting for the slave's answer",
    "executed": "executed by the slave",
    "failed": "failed on the slave",
    "expired": "expired before the slave executed it",
    "denied": "refused by a rule: nothing was sent",
}


def status_words(status: str) -> str:
    return STATUS_WORDS.get(status, status)


def _price(value: Any) -> str:
    return "" if value is None or value == 0 else f"{float(value):g}"


def _after(start: int | None, end: int | None) -> str:
    if not end:
        return "—"
    shown = fmt_datetime(end)
    return f"{shown}  (+{end - start} ms)" if start else shown


def master_lines(event: dict[str, Any], record: CopyRecord) -> list[tuple[str, str]]:
    if not event:
        return [("Event", f"{record.master_id} #{record.master_seq} (no longer kept)")]
    return [
        ("Account", str(event["account_id"])),
        ("Event", f"{kind_words(str(event['kind']))} (#{event['seq']})"),
        ("Ticket", str(event["ticket"])),
        ("Symbol", str(event["symbol"])),
        ("Order", str(event["order_type"]).replace("_", " ")),
        ("Volume", f"{float(event['volume']):g} lots"),
        ("Price", _price(event["price"])),
        ("SL / TP", f"{_price(event['sl']) or 'none'} / {_price(event['tp']) or 'none'}"),
        ("Comment", str(event["comment"] or "")),
    ]


def stage_lines(record: CopyRecord) -> list[tuple[str, str]]:
    total = record.total_latency_ms
    return [
        ("Detected on the master", fmt_datetime(record.detected_ms)),
        ("Received by the copier", _after(record.detected_ms, record.received_ms)),
        ("Decided", _after(record.received_ms, record.decided_ms)),
        ("Sent to the slave", _after(record.decided_ms, record.sent_ms)),
        ("Executed on the slave", _after(record.sent_ms, record.executed_ms)),
        ("Total", "—" if total is None else f"{total} ms"),
    ]


def result_lines(record: CopyRecord) -> list[tuple[str, str]]:
    if record.denied:
        return [("Result", status_words(record.status))]
    lines = [
        ("Result", status_words(record.status)),
        ("Slave", record.slave_id),
        ("What", f"{kind_words(record.kind)} {record.side} {record.slave_symbol}"),
        ("Lots asked", fmt_number(record.requested_volume)),
        ("Lots filled", fmt_number(record.filled_volume) or "—"),
        ("Slave price", _price(record.slave_price) or "—"),
        ("Slippage", "—" if record.slippage_points is None
         else f"{record.slippage_points:g} points"),
        ("Slave ticket", str(record.slave_ticket or "—")),
    ]
    if record.message:
        lines.append(("Message", record.message))
    if record.retcode is not None:
        lines.append(("Return code", str(record.retcode)))
    return lines


def verdict_lines(details: CopyDetails) -> list[tuple[str, str]]:
    if not details.verdicts:
        return [("Rules", "every rule let the copy through unchanged")]
    return [(f"{word.capitalize()}: {rule_words(rule)}", reason)
            for rule, reason, word in details.verdicts]


def _section(title: str, lines: list[tuple[str, str]]) -> QGroupBox:
    box = QGroupBox(title)
    form = QFormLayout(box)
    for label, value in lines:
        text = QLabel(value)
        text.setWordWrap(True)
        text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow(label, text)
    return box


class CopyDetailsDialog(QDialog):
    """One row's whole story, in sections a trader reads top to bottom."""

    def __init__(self, record: CopyRecord, details: CopyDetails,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"{record.symbol or record.slave_symbol} → {record.slave_id}: "
                            f"{status_words(record.status)}")
        body = QWidget()
        layout = QVBoxLayout(body)
        if record.reason:
            why = QLabel(f"Why: {record.reason}")
            why.setWordWrap(True)
            why.setObjectName("notice")
            layout.addWidget(why)
        self.sections = {
            "master": _section("Master event", master_lines(details.event, record)),
            "rules": _section("Rules that decided", verdict_lines(details)),
            "stages": _section("Each stage's time", stage_lines(record)),
            "result": _section("Slave's result", result_lines(record)),
        }
        for section in self.sections.values():
            layout.addWidget(section)
        layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        outer = QVBoxLayout(self)
        outer.addWidget(scroll)
        outer.addWidget(buttons)
        self.resize(560, 640)

    def text(self) -> str:
        """Every label and value shown (tests read the dialog through this)."""
        found = []
        for label in self.findChildren(QLabel):
            found.append(label.text())
        return "\n".join(found)
