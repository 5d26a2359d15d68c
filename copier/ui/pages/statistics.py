"""Statistics (SPEC §8): per link and per slave, per day and in total, as a table and a bar chart.

Every figure comes from ``copier.stats.compute_stats`` (computed on the worker thread); this
screen only lays it out, so it shows exactly what ``copier stats --json`` prints.
"""

from __future__ import annotations

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

from copier.ui.assets import style_chart
from copier.ui.session import CoreSession
from copier.ui.widgets import (
    Column,
    RowsModel,
    fmt_number,
    fmt_percent,
    group_box,
    launch,
    make_table,
)

AUTO_REFRESH_MS = 10_000
TOTAL = "Total"
SCOPES = ("Links", "Slaves")
CHARTS = (
    ("P&L: copies vs master", ("pnl", "master_pnl")),
    ("Copies", ("copies",)),
    ("Volume copied (lots)", ("volume_copied",)),
    ("Slippage (money)", ("slippage_money",)),
    ("Denials", ("denials",)),
)
BAR_COLOURS = ("#1f77b4", "#ff7f0e")
LEGEND = {"pnl": "copies", "master_pnl": "master"}

Row = dict[str, Any]  # {"name": ..., **figures}


def _top_denials(row: Row) -> str:
    ranked = sorted(row["denials_by_rule"].items(), key=lambda kv: (-kv[1], kv[0]))
    return ", ".join(f"{rule} {count}" for rule, count in ranked[:3])


STATS_COLUMNS: list[Column[Row]] = [
    Column("Link / slave", lambda r: r["name"]),
    Column("Copies", lambda r: str(r["copies"]), numeric=True),
    Column("Executed", lambda r: str(r["executed"]), numeric=True),
    Column("Failed", lambda r: str(r["failed"] + r["expired"]), numeric=True),
    Column("Success", lambda r: fmt_percent(r["success_rate"]), numeric=True),
    Column("Volume copied", lambda r: fmt_number(r["volume_copied"]), numeric=True),
    Column("P&L of copies", lambda r: fmt_number(r["pnl"]), numeric=True,
           colour=lambda r: "#c62828" if r["pnl"] < 0 else None),
    Column("Master P&L", lambda r: fmt_number(r["master_pnl"]), numeric=True),
    Column("Slippage (points)", lambda r: fmt_number(r["slippage_points"], 1), numeric=True),
    Column("Slippage (money)", lambda r: fmt_number(r["slippage_money"]), numeric=True),
    Column("Denials", lambda r: str(r["denials"]), numeric=True),
    Column("Denials by reason", _top_denials,
           tooltip=lambda r: "\n".join(f"{k}: {v}" for k, v in r["denials_by_rule"].items())),
]


def link_name(entry: dict[str, Any]) -> str:
    label = f"#{entry['link_id']}"
    if entry.get("name"):
        label += f" {entry['name']}"
    return f"{label}: {entry['master_id']} → {entry['slave_id']}"


def rows_of(stats: dict[str, Any], scope: str, period: str) -> list[Row]:
    """The table's rows for a scope ("Links"/"Slaves") and a period ("Total" or a day)."""
    entries = stats.get("links" if scope == "Links" else "slaves", [])
    out: list[Row] = []
    for entry in entries:
        figures = entry["total"] if period == TOTAL else entry["days"].get(period)
        if figures is None:
            continue
        name = link_name(entry) if scope == "Links" else entry["slave_id"]
        out.append({"name": name, **figures})
    return out


class StatisticsPage(QWidget):
    def __init__(self, session: CoreSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.stats: dict[str, Any] = {}
        self._loading = False
        self.scope = QComboBox()
        self.scope.addItems(SCOPES)
        self.period = QComboBox()
        self.period.addItem(TOTAL)
        self.chart_choice = QComboBox()
        self.chart_choice.addItems([title for title, _ in CHARTS])
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

        self.model = RowsModel(STATS_COLUMNS, self)
        self.table = make_table(self.model)
        self.chart = pg.PlotWidget()
        self.chart.showGrid(y=True, alpha=0.2)
        self.legend = self.chart.addLegend(offset=(10, 5))
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

    async def load(self) -> dict[str, Any]:
        """Compute the statistics off the GUI thread and show them."""
        try:
            stats = await self.session.stats()
        finally:
            self._loading = False
        self.set_stats(stats)
        return stats

    def _failed(self, message: str) -> None:
        self.notice.setText(f"statistics unavailable: {message}")

    def set_stats(self, stats: dict[str, Any]) -> None:
        self.stats = stats
        chosen = self.period.currentText()
        self.period.blockSignals(True)
        self.period.clear()
        self.period.addItem(TOTAL)
        self.period.addItems(sorted(stats.get("days", {}), reverse=True))
        index = self.period.findText(chosen)
        self.period.setCurrentIndex(max(0, index))
        self.period.blockSignals(False)
        unpriced = stats.get("total", {}).get("unpriced", 0)
        note = f"{stats['total']['copies']:,} copies in the log" if stats.get("total") else ""
        if unpriced:
            note += f"; {unpriced} fills lack a symbol spec and are left out of money figures"
        self.notice.setText(note)
        self.present()

    def present(self) -> None:
        """Lay out the rows of the chosen scope and period, and their chart."""
        rows = rows_of(self.stats, self.scope.currentText(), self.period.currentText())
        self.model.set_rows(rows)
        self._draw(rows)

    def _draw(self, rows: list[Row]) -> None:
        self.chart.clear()
        self.legend.clear()
        _title, keys = CHARTS[self.chart_choice.currentIndex()]
        width = 0.8 / len(keys)
        for i, key in enumerate(keys):
            xs = [n + (i - (len(keys) - 1) / 2) * width for n in range(len(rows))]
            heights = [float(r[key] or 0) for r in rows]
            bars = pg.BarGraphItem(x=xs, height=heights, width=width * 0.95,
                                   brush=BAR_COLOURS[i % 2])
            self.chart.addItem(bars)
            self.legend.addItem(bars, LEGEND.get(key, key.replace("_", " ")))
        axis = self.chart.getAxis("bottom")
        axis.setTicks([[(n, _short(r["name"])) for n, r in enumerate(rows)]])


def _short(name: str, limit: int = 28) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"
