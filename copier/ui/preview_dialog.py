"""The link editor's preview: what the rules being edited would have done with the master's
recent history. The replay is ``copier.app.preview`` (the same pure engine the copier decides with);
this module only gathers its inputs off the GUI thread and lays the result out."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from copier.app.preview import (
    PreviewResult,
    PreviewStep,
    Replayed,
    events_from_snapshot,
    preview_link,
    views_of,
)
from copier.domain import EventKind, TerminalSnapshot
from copier.engine.config import Link
from copier.trader_words import kind_words, rule_words
from copier.ui.session import CoreSession
from copier.ui.widgets import (
    Column,
    RowsModel,
    fmt_datetime,
    fmt_number,
    fmt_when,
    make_table,
)

HISTORY = 500  # master events replayed, the newest


class PreviewUnavailable(Exception):
    """The preview lacks an input; the message says what the trader can do."""


async def run_preview(session: CoreSession, link: Link) -> tuple[PreviewResult, str, str]:
    """Replay the master's logged events (its snapshot when the log has none) through ``link``;
    return the result and the slave's and the master's deposit currencies."""
    views = {v.account_id: v for v in await session.accounts()}
    master, slave = views.get(link.master_id), views.get(link.slave_id)
    master_snap = master.snapshot if master else None
    slave_snap = slave.snapshot if slave else None
    if master_snap is None or slave_snap is None:
        who = link.master_id if master_snap is None else link.slave_id
        raise PreviewUnavailable(
            f"{who} has not reported its account and symbols yet — start its terminal (or the "
            "EA on it), wait until it shows connected, then preview again")
    logged, now_ms = await session.master_history(link.master_id, HISTORY)
    history = [Replayed(item.event, item.decided_ms) for item in logged]
    source = "the trade log's last master events"
    if not history:
        history = events_from_snapshot(master_snap, now_ms)
        source = "the master's open positions and orders (the trade log has none yet)"
    result = await session.run_blocking(_replay, link, history, master_snap, slave_snap, source)
    return result, slave_snap.account.currency, master_snap.account.currency


def _replay(link: Link, history: list[Replayed], master: TerminalSnapshot,
            slave: TerminalSnapshot, source: str) -> PreviewResult:
    master_view, slave_view = views_of(master, slave)
    return preview_link(link, history, master_view, slave_view, source)


def _event_text(step: PreviewStep) -> str:
    e = step.event
    closing = e.kind in (EventKind.CLOSED, EventKind.PARTIALLY_CLOSED)
    lots = e.closed_volume if closing and e.closed_volume > 0 else e.volume
    return (f"{kind_words(e.kind.value)}: {e.order_type.value.replace('_', ' ')} {e.symbol} "
            f"{lots:g} @ {e.price:g}")


def _copies_text(step: PreviewStep) -> str:
    return "; ".join(f"{kind_words(c.kind.value)} {c.side} {c.slave_symbol} {c.volume:g} lots"
                     + (f" ({'; '.join(c.adjustments)})" if c.adjustments else "")
                     for c in step.copies)


def _refusals_text(step: PreviewStep) -> str:
    return "; ".join(f"{rule_words(d.rule)}: {d.reason}" for d in step.denials)


def _money(value: float | None) -> str:
    return "" if value is None else fmt_number(value)


STEP_COLUMNS: list[Column[PreviewStep]] = [
    Column("Time", lambda s: fmt_when(s.event.time_ms),
           tooltip=lambda s: fmt_datetime(s.event.time_ms)),
    Column("Master did", _event_text, tooltip=_event_text),
    Column("Would copy", _copies_text, tooltip=_copies_text),
    Column("Copy P&L", lambda s: _money(s.copy_pnl), numeric=True),
    Column("Master P&L", lambda s: _money(s.master_pnl), numeric=True),
    Column("Refused", _refusals_text, tooltip=_refusals_text,  # last: it takes the room left
           colour=lambda s: "#8e24aa" if s.denials else None),
]
COLUMN_WIDTHS = (100, 290, 260, 80, 80)


def summary(result: PreviewResult, currency: str, master_currency: str = "") -> str:
    """The preview in one paragraph: what was replayed, what would have happened."""
    copies = result.copy_pnl
    master = result.master_pnl
    lines = [
        f"Replayed {len(result.steps):,} master events from {result.source}: "
        f"{result.copies:,} copies would have been sent, {result.denials:,} refused.",
    ]
    if copies is not None or master is not None:
        lines.append(
            f"Closed trades: copies {_money(copies) or '—'} {currency}, master "
            f"{_money(master) or '—'} {master_currency}".rstrip())
    lines.append("Assumes: " + " ".join(result.assumptions))
    return "\n".join(lines)


class PreviewDialog(QDialog):
    """The preview's summary and its events, one row each (newest last)."""

    def __init__(self, title: str, result: PreviewResult, currency: str,
                 master_currency: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Preview — {title}")
        self.outcome = result
        self.summary = QLabel(summary(result, currency, master_currency))
        self.summary.setWordWrap(True)
        self.model: RowsModel[PreviewStep] = RowsModel(STEP_COLUMNS, self)
        self.table = make_table(self.model, fit_contents=False)
        self.model.set_rows(result.steps)
        for column, width in enumerate(COLUMN_WIDTHS):
            self.table.setColumnWidth(column, width)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.scrollToBottom()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(1100, 600)
