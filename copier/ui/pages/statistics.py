"""Statistics (SPEC §8): per link and per slave, per day and in total, as a table and a bar chart.

Every figure comes from the application layer's ``reports.statistics`` (computed on the worker
thread, typed: ``copier.stats.Statistics``); this screen only lays it out, so it shows exactly
what ``copier stats --json`` prints.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from copier.app.reports import Figures, LinkFigures, SlaveFigures, Statistics
from copier.trader_words import rule_words
from copier.ui.assets import style_chart
from copier.ui.pages import Screen
from copier.ui.session import CoreSession
from copier.ui.widgets import (
    Column,
    RowsModel,
    fmt_number,
    fmt_percent,
    group_box,
    launch,
    sortable_table,
)

AUTO_REFRESH_MS = 10_000
TOTAL = "Total"
SCOPES = ("Links", "Slaves")
# (title, figures drawn, the y axis's unit: "money" is the accounts' deposit currency)
CHARTS = (
    ("P&L: copies vs master", ("pnl", "master_pnl"), "money"),
    ("Copies", ("copies",), "copies"),
    ("Lots copied", ("volume_copied",), "lots"),
    ("Slippage (money)", ("slippage_money",), "money"),
    ("Refused copies", ("denials",), "copies"),
)
BAR_COLOURS = ("#1f77b4", "#ff7f0e")
LEGEND = {"pnl": "copies", "master_pnl": "master"}



@dataclass(frozen=True, slots=True)
class Row:
    """One line of the table: a link or a slave, its figures over the chosen period, and what
    the figures alone do not say."""

    name: str
    figures: Figures
    currency: str = ""  # the slave's deposit currency
    master_currency: str = ""
    reversed: bool = False

    def figure(self, key: str) -> float:
        """A numeric figure by its name (for sorting and the chart)."""
        return float(getattr(self.figures, key) or 0)

NOT_MEASURED = "not measured"
REVERSED_SLIPPAGE = (
    "A reversed copy deals on the other side of the spread from the master (the master buys at "
    "the ask, the copy sells at the bid), so the gap between their prices is the spread, not "
    "slippage. It is not counted as slippage; compare the P&L columns instead.")
SUCCESS_HELP = ("Executed ÷ (executed + failed + expired). Refused copies were never sent and "
                "do not count: see Refused.")


@dataclass(frozen=True, slots=True)
class Context:
    """What the figures alone do not say: account names, currencies, which links reverse."""

    labels: dict[str, str] = field(default_factory=dict)  # account id → the trader's name
    currencies: dict[str, str] = field(default_factory=dict)  # account id → deposit currency
    reversed_links: frozenset[int] = frozenset()


def _top_denials(row: Row) -> str:
    ranked = sorted(row.figures.denials_by_rule.items(), key=lambda kv: (-kv[1], kv[0]))
    return ", ".join(f"{rule_words(rule)} {count}" for rule, count in ranked[:3])


def _money(amount: float, currency: str) -> str:
    return f"{fmt_number(amount)} {currency}".strip()


def _number(key: str) -> Callable[[Row], Any]:
    return lambda r: r.figure(key)


def _slippage_both(row: Row) -> str:
    if row.reversed:
        return NOT_MEASURED
    return (f"{row.figures.slippage_points:,.0f} pts · "
            f"{_money(row.figures.slippage_money, row.currency)}")


def _denials_tip(row: Row) -> str:
    return "\n".join(f"{rule_words(k)}: {v}" for k, v in row.figures.denials_by_rule.items())


# Columns that fit 1280 px; executed and failed copies are in the tooltips of Copies and Success.
STATS_COLUMNS: list[Column[Row]] = [
    Column("Link / slave", lambda r: r.name, tooltip=lambda r: r.name),
    Column("Copies", lambda r: str(r.figures.copies), numeric=True, sort=_number("copies"),
           tooltip=lambda r: f"{r.figures.executed} executed, {r.figures.in_flight} on their way"),
    Column("Success", lambda r: fmt_percent(r.figures.success_rate), numeric=True,
           tooltip=lambda r: f"{r.figures.failed + r.figures.expired} failed or expired. "
                             f"{SUCCESS_HELP}",
           sort=lambda r: -1.0 if r.figures.success_rate is None else r.figures.success_rate),
    Column("Lots", lambda r: fmt_number(r.figures.volume_copied), numeric=True,
           sort=_number("volume_copied"), tooltip=lambda _r: "lots the copies opened"),
    Column("Copies' P&L", lambda r: _money(r.figures.pnl, r.currency), numeric=True,
           sort=_number("pnl"), colour=lambda r: "#c62828" if r.figures.pnl < 0 else None),
    Column("Master P&L", lambda r: _money(r.figures.master_pnl, r.master_currency),
           numeric=True, sort=_number("master_pnl")),
    Column("Slippage", _slippage_both, numeric=True, sort=_number("slippage_points"),
           tooltip=lambda r: REVERSED_SLIPPAGE if r.reversed else
           "points and money; positive: the copies got worse prices than the master"),
    Column("Refused", lambda r: str(r.figures.denials), numeric=True, sort=_number("denials"),
           tooltip=_denials_tip),
    Column("Refused because", _top_denials, tooltip=_denials_tip),
]
NAME_WIDTH = 200  # the name column is elided past this; its tooltip has it whole


def link_name(entry: LinkFigures, context: Context | None = None) -> str:
    labels = context.labels if context else {}
    label = f"#{entry.link_id}"
    if entry.name:
        label += f" {entry.name}"
    master = labels.get(entry.master_id, entry.master_id)
    slave = labels.get(entry.slave_id, entry.slave_id)
    return f"{label}: {master} → {slave}"


def rows_of(stats: Statistics, scope: str, period: str,
            context: Context | None = None) -> list[Row]:
    """The table's rows for a scope ("Links"/"Slaves") and a period ("Total" or a day)."""
    known = context or Context()
    out: list[Row] = []
    entries: tuple[LinkFigures | SlaveFigures, ...] = (
        stats.links if scope == "Links" else stats.slaves)
    for entry in entries:
        figures = entry.total if period == TOTAL else entry.days.get(period)
        if figures is None:
            continue
        slave = entry.slave_id
        currency = known.currencies.get(slave, "")
        if isinstance(entry, LinkFigures):
            out.append(Row(link_name(entry, known), figures, currency,
                           known.currencies.get(entry.master_id, ""),
                           entry.link_id in known.reversed_links))
        else:
            out.append(Row(known.labels.get(slave, slave), figures, currency))
    return out


class StatisticsPage(Screen, QWidget):
    def __init__(self, session: CoreSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.stats = Statistics(0, Figures(), {})
        self._loading = False
        self.scope = QComboBox()
        self.scope.addItems(SCOPES)
        self.period = QComboBox()
        self.period.addItem(TOTAL)
        self.chart_choice = QComboBox()
        self.chart_choice.addItems([title for title, _keys, _unit in CHARTS])
        self.refresh_button = QPushButton("Refresh")
        self.notice = QLabel("")
        self.notice.setObjectName("notice")
        for combo in (self.scope, self.period, self.chart_choice):
            combo.currentIndexChanged.connect(self.present)
        self.refresh_button.clicked.connect(self.refresh)
        bar = QHBoxLayout()
        for label, widget in (("Per", self.scope), ("Period", self.period),
                              ("Chart", self.chart_choice)):
            bar.addWidget(QLabel(label))
            bar.addWidget(widget)
        bar.addWidget(self.refresh_button)
        bar.addWidget(self.notice, 1)

        self.context = Context()
        self.model = RowsModel(STATS_COLUMNS, self)
        self.table = sortable_table(self.model)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.model.refreshed.connect(lambda: self.table.setColumnWidth(
            0, min(NAME_WIDTH, self.table.columnWidth(0))))
        self.chart = pg.PlotWidget()
        self.chart.showGrid(y=True, alpha=0.2)
        # Top right, clear of the first bars (which start at the left).
        self.legend = self.chart.addLegend(offset=(-10, 5))
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(group_box("Figures", self.table))
        splitter.addWidget(group_box("Chart", self.chart))
        splitter.setSizes([300, 300])
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(splitter, 1)
        self._timer = QTimer(self)
        self._timer.setInterval(AUTO_REFRESH_MS)
        self._timer.timeout.connect(self._auto_refresh)

    def set_theme(self, theme: str) -> None:
        style_chart(self.chart, theme)

    def start(self) -> None:
        self._timer.start()
        self.refresh()

    def shown(self) -> None:
        if self.session.started:
            self.refresh()

    def stop(self) -> None:
        self._timer.stop()

    def _auto_refresh(self) -> None:
        if self.isVisible():
            self.refresh()

    def refresh(self) -> None:
        if self._loading:
            return
        self._loading = True
        self.notice.setText("computing…")
        launch(self.load(), on_error=self._failed)

    async def load(self) -> Statistics:
        """Compute the statistics off the GUI thread and show them."""
        try:
            stats = await self.session.stats()
            self.context = await self._context()
        finally:
            self._loading = False
        self.set_stats(stats)
        return stats

    async def _context(self) -> Context:
        views = await self.session.accounts()
        links = await self.session.load_links()
        currencies = {}
        for view in views:
            info = view.snapshot.account if view.snapshot else (
                view.status.account if view.status else None)
            if info is not None and info.currency:
                currencies[view.account_id] = info.currency
        return Context(
            labels={v.account_id: v.label for v in views},
            currencies=currencies,
            reversed_links=frozenset(link.id for link in links if link.rules.reverse),
        )

    def _failed(self, message: str) -> None:
        self.notice.setText(f"statistics unavailable: {message}")

    def set_stats(self, stats: Statistics) -> None:
        self.stats = stats
        chosen = self.period.currentText()
        self.period.blockSignals(True)
        self.period.clear()
        self.period.addItem(TOTAL)
        self.period.addItems(sorted(stats.days, reverse=True))
        index = self.period.findText(chosen)
        self.period.setCurrentIndex(max(0, index))
        self.period.blockSignals(False)
        unpriced = stats.total.unpriced
        note = f"{stats.total.copies:,} copies in the log" if stats.generated_ms else ""
        if unpriced:
            note += f"; {unpriced} fills lack a symbol spec and are left out of money figures"
        self.notice.setText(note)
        self.present()

    def present(self) -> None:
        """Lay out the rows of the chosen scope and period, and their chart."""
        rows = rows_of(self.stats, self.scope.currentText(), self.period.currentText(),
                       self.context)
        self.model.set_rows(rows)
        self._draw(rows)

    def _draw(self, rows: list[Row]) -> None:
        self.chart.clear()
        self.legend.clear()
        _title, keys, unit = CHARTS[self.chart_choice.currentIndex()]
        currencies = sorted({r.currency for r in rows if r.currency})
        if unit == "money":
            unit = " / ".join(currencies) if currencies else "deposit currency"
        self.chart.setLabel("left", unit)
        width = 0.8 / len(keys)
        for i, key in enumerate(keys):
            xs = [n + (i - (len(keys) - 1) / 2) * width for n in range(len(rows))]
            heights = [r.figure(key) for r in rows]
            bars = pg.BarGraphItem(x=xs, height=heights, width=width * 0.95,
                                   brush=BAR_COLOURS[i % 2])
            self.chart.addItem(bars)
            self.legend.addItem(bars, LEGEND.get(key, key.replace("_", " ")))
        heights = [r.figure(key) for r in rows for key in keys]
        low, high = min([0.0, *heights]), max([0.0, *heights])
        # Headroom over the tallest bar for the legend, which would otherwise cover it.
        self.chart.setYRange(low, high + (high - low) * 0.3 or 1.0, padding=0.02)
        axis = self.chart.getAxis("bottom")
        axis.setTicks([[(n, _short(r.name)) for n, r in enumerate(rows)]])


def _short(name: str, limit: int = 28) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"
