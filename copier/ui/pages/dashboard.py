"""The dashboard: the global Stop/Start switch, every account's health, the live latency chart
(p50/p95/p99 and the breakdown by stage), copies per minute, success rate, the latest errors and
denials with their reasons, and the app's own CPU and memory."""

from __future__ import annotations

import time

import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from copier.trader_words import rule_words
from copier.ui.assets import style_chart
from copier.ui.core_signals import CopyCounts, LatencySample, Problem, UiBridge
from copier.ui.first_steps import FirstSteps
from copier.ui.metrics import LatencyWindow, Percentiles, ProcessMeter, RateCounter, SuccessCounter
from copier.ui.pages import Screen
from copier.ui.session import AccountView, CoreSession
from copier.ui.widgets import (
    Column,
    Figure,
    RowsModel,
    fmt_ago,
    fmt_clock,
    fmt_ms,
    fmt_number,
    fmt_percent,
    group_box,
    launch,
    make_table,
)

CHART_SPAN_S = 300
X_STEPS = (30.0, 60.0, 120.0, 180.0, float(CHART_SPAN_S))
Y_STEPS = (5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0, 5000.0)
PROBLEMS_SHOWN = 200
PROBLEMS_PER_TICK = 50  # the newest of a storm; the trade log and the Logs screen keep them all
STAGE_SAMPLES = 1_000
# Drawn in this order, so the lower percentiles lie on top: p95 is often p99 itself on a calm
# copier and used to vanish under it. p95 is dashed, so both read where they overlap.
CURVES = (("p99", "#c62828", Qt.PenStyle.SolidLine), ("p95", "#f9a825", Qt.PenStyle.DashLine),
          ("p50", "#2e7d32", Qt.PenStyle.SolidLine))


def _state(view: AccountView) -> str:
    status = view.status
    if status is None:
        return "not running" if not view.kind else "starting"
    word = "connected" if status.connected else "disconnected"
    since = f" since {fmt_clock(status.since_ms)}" if status.since_ms else ""
    return f"● {word}{since}" if status.connected else f"○ {word}{since}"


def _state_colour(view: AccountView) -> str | None:
    if view.status is None:
        return "#78909c"
    return "#2e7d32" if view.status.connected else "#c62828"


def _account_info(view: AccountView) -> object:
    if view.snapshot is not None:
        return view.snapshot.account
    return view.status.account if view.status else None


def _money(view: AccountView, field: str) -> str:
    info = _account_info(view)
    if info is None:
        return ""
    return f"{fmt_number(getattr(info, field))} {getattr(info, 'currency', '')}".strip()


def _state_detail(view: AccountView) -> str:
    if view.status is None:
        return ""
    parts = [view.status.detail, f"build {view.status.build}" if view.status.build else ""]
    return " · ".join(p for p in parts if p)


def _margin_level(view: AccountView) -> str:
    info = _account_info(view)
    level = getattr(info, "margin_level", None)
    return "" if level is None else f"{level:,.0f} %"


def _trading(view: AccountView) -> str:
    if view.status is None:
        return ""
    allowed = view.status.trade_allowed
    if view.snapshot is not None:
        allowed = allowed and view.snapshot.account.trade_allowed
    return "allowed" if allowed else "NOT allowed (AutoTrading off?)"


def _positions(view: AccountView) -> str:
    if view.snapshot is not None:
        return str(len(view.snapshot.positions))
    return str(view.status.positions) if view.status else ""


ACCOUNT_COLUMNS: list[Column[AccountView]] = [
    Column("Account", lambda v: v.label, tooltip=lambda v: v.account_id),
    Column("Platform · role", lambda v: f"{v.platform.upper()} · {v.role}".strip(" ·")),
    Column("State", _state, colour=_state_colour, tooltip=_state_detail),
    Column("Heartbeat", lambda v: fmt_ago(v.status.last_heartbeat_ms) if v.status else ""),
    Column("Round trip", lambda v: fmt_ms(v.status.rtt_ms) if v.status and
           v.status.rtt_ms is not None else "", numeric=True),
    Column("Trading", _trading,
           colour=lambda v: "#c62828" if _trading(v).startswith("NOT") else None),
    Column("Balance", lambda v: _money(v, "balance"), numeric=True),
    Column("Equity", lambda v: _money(v, "equity"), numeric=True),
    Column("Margin level", _margin_level, numeric=True),
    Column("Positions", _positions, numeric=True),
]

def _problem_what(problem: Problem) -> str:
    return f"{problem.kind}: {rule_words(problem.rule)}" if problem.rule else problem.kind


PROBLEM_COLUMNS: list[Column[Problem]] = [
    Column("Time", lambda p: fmt_clock(p.time_ms)),
    Column("Account", lambda p: p.account_id, tooltip=lambda p: p.account_id),
    Column("What", _problem_what, tooltip=_problem_what,
           colour=lambda p: "#c62828" if p.kind == "failed" else "#ef6c00"),
    Column("Reason", lambda p: p.text, tooltip=lambda p: p.text),  # last: it takes the room
]
PROBLEM_WIDTHS = (72, 110, 150)  # Time, Account, What; the reason stretches and wraps
SUCCESS_HELP = ("Executed ÷ (executed + failed) copies since the window opened. Copies a rule "
                "refused were never sent, so they do not count here: see \"refused\" and the "
                "Trade log's denied filter.")


class DashboardPage(Screen, QWidget):
    def __init__(self, session: CoreSession, bridge: UiBridge,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.latency = LatencyWindow(CHART_SPAN_S)
        self.rate = RateCounter()
        self.success = SuccessCounter()
        self.refused = 0
        self.meter = ProcessMeter()
        self._stages: list[LatencySample] = []
        self._new_problems: list[Problem] = []
        self._refreshing = False
        self._build()
        bridge.latency_sampled.connect(self.on_latency)
        bridge.copies_counted.connect(self.on_counts)
        bridge.problems_reported.connect(self.on_problems)
        bridge.copying_switched.connect(self.show_copying)
        bridge.statuses_changed.connect(lambda _statuses: self.refresh_accounts())
        bridge.config_changed.connect(lambda _what: self.refresh_accounts())
        bridge.config_changed.connect(lambda _what: self.refresh_first_steps())
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self.tick)

    # ----- layout -------------------------------------------------------------------------
    def _build(self) -> None:
        self.switch = QPushButton("Copying is ON — click to stop")
        self.switch.setObjectName("copyingSwitch")
        self.switch.setCheckable(True)  # checked means stopped
        self.switch.clicked.connect(self.on_switch_clicked)
        self.figures = {name: Figure(caption) for name, caption in (
            ("rate", "copies / min"), ("success", "success of sent copies"),
            ("refused", "refused (not sent)"), ("p50", "latency p50"),
            ("p95", "latency p95"), ("p99", "latency p99"), ("cpu", "app CPU"),
            ("memory", "app memory"))}
        self.figures["success"].setToolTip(SUCCESS_HELP)
        self.figures["refused"].setToolTip("Copies a rule refused since the window opened; "
                                           "each reason is in the list below and the Trade log.")
        # Two rows, so the figures fit beside the switch at 1280 px: copies and app above,
        # latency below (one row of eight held the window 130 px wider than the screen).
        top = QHBoxLayout()
        top.addWidget(self.switch)
        grid = QGridLayout()
        grid.setHorizontalSpacing(4)
        grid.setVerticalSpacing(0)
        for column, pair in enumerate((("rate", "p50"), ("success", "p95"),
                                       ("refused", "p99"), ("cpu", "memory"))):
            for row, name in enumerate(pair):
                grid.addWidget(self.figures[name], row, column)
        top.addLayout(grid)
        top.addStretch(1)

        self.accounts = RowsModel(ACCOUNT_COLUMNS, self)
        self.accounts_view = make_table(self.accounts)
        self.chart = pg.PlotWidget()
        self.chart.setLabel("left", "ms")
        self.chart.setLabel("bottom", "seconds ago")
        # Fixed ranges: pyqtgraph then reuses its axes' drawing instead of recomputing ticks
        # every second, which is most of what a redraw costs (and the GUI thread's time is
        # shared with the copier's). The y range changes only when the data leaves it.
        self.chart.setMouseEnabled(x=False, y=False)
        self.chart.hideButtons()
        self.chart.disableAutoRange()
        self._x_span = 0.0
        self._y_top = 0.0
        self._set_x_span(X_STEPS[0])
        self._set_y_top(Y_STEPS[0])
        self.chart.showGrid(x=True, y=True, alpha=0.2)
        self.chart.addLegend(offset=(10, 5))
        self.curves = {name: self.chart.plot([], [], name=f"{name} (ms)",
                                             pen=pg.mkPen(colour, width=2, style=style))
                       for name, colour, style in CURVES}
        self.stage_label = QLabel("breakdown by stage appears with the first copies")
        self.stage_label.setObjectName("notice")
        self.stage_label.setWordWrap(True)  # a long line must not widen the chart's panel
        chart_box = group_box("Latency, master detection → slave execution (last 5 minutes)",
                           self.chart, self.stage_label)
        self.problems = RowsModel(PROBLEM_COLUMNS, self)
        self.problems_view = make_table(self.problems, fit_contents=False)
        self.problems_view.setWordWrap(True)  # a whole reason, on as many lines as it needs
        self.problems_view.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.problems_view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        for column, width in enumerate(PROBLEM_WIDTHS):
            self.problems_view.setColumnWidth(column, width)
        self.problems.refreshed.connect(self.problems_view.resizeRowsToContents)
        self.pause = QPushButton("Pause the list")
        self.pause.setCheckable(True)
        self.pause.setToolTip("Hold the list still to read it; new rows wait and come in when "
                              "you resume. The Trade log keeps every one.")
        self.pause.toggled.connect(self._on_pause_toggled)
        self._held = 0  # problems that arrived while the list was paused

        lower = QSplitter(Qt.Orientation.Horizontal)
        lower.addWidget(chart_box)
        lower.addWidget(group_box("Latest errors and refusals", self.pause, self.problems_view))
        lower.setSizes([600, 600])
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(group_box("Accounts", self.accounts_view))
        splitter.addWidget(lower)
        splitter.setSizes([260, 420])
        self.first_steps = FirstSteps()
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.first_steps)
        layout.addWidget(splitter, 1)

    # ----- life cycle ---------------------------------------------------------------------
    def start(self) -> None:
        self._timer.start()
        launch(self._load_switch())
        self.refresh_accounts()
        self.refresh_first_steps()

    def refresh_first_steps(self) -> None:
        if self.session.started:
            launch(self.load_first_steps())

    async def load_first_steps(self) -> None:
        """Tick the first launch's steps that are done; the guide goes once all are."""
        self.first_steps.refresh(await self.session.accounts(), await self.session.load_links())

    def stop(self) -> None:
        self._timer.stop()

    async def _load_switch(self) -> None:
        self.show_copying(await self.session.copying_enabled())

    # ----- the switch ---------------------------------------------------------------------
    def on_switch_clicked(self) -> None:
        stop = self.switch.isChecked()
        self.switch.setEnabled(False)  # until the core confirms, through the bridge
        launch(self.session.set_copying(not stop), on_error=self._switch_failed)

    def _switch_failed(self, message: str) -> None:
        self.switch.setEnabled(True)
        self.stage_label.setText(f"could not switch copying: {message}")
        launch(self._load_switch())

    def show_copying(self, enabled: bool) -> None:
        self.switch.setEnabled(True)
        self.switch.setChecked(not enabled)
        self.switch.setText("Copying is ON — click to stop" if enabled
                            else "Copying STOPPED — click to start")

    # ----- live data ----------------------------------------------------------------------
    def on_latency(self, samples: list[LatencySample]) -> None:
        self.latency.add((s.at_s, s.total_ms) for s in samples)
        self._stages = (self._stages + samples)[-STAGE_SAMPLES:]

    def on_counts(self, counts: CopyCounts) -> None:
        self.rate.add(counts.executed, time.time())
        self.success.add(counts.executed, counts.failed)
        self.refused += counts.denied

    def on_problems(self, problems: list[Problem]) -> None:
        # Shown on the next tick: a storm of denials redraws the list once a second, not ten
        # times, and every repaint saved is time the copier's thread keeps.
        self._new_problems = (list(reversed(problems)) + self._new_problems)[:PROBLEMS_SHOWN]
        if self.pause.isChecked():
            self._held += len(problems)
            self.pause.setText(f"Paused — {self._held:,} new, click to resume")

    def _on_pause_toggled(self, paused: bool) -> None:
        if not paused:
            self._held = 0
            self.pause.setText("Pause the list")
            self._show_problems()
        else:
            self.pause.setText("Paused — click to resume")

    def _show_problems(self) -> None:
        if self._new_problems and not self.pause.isChecked():
            fresh, self._new_problems = self._new_problems[:PROBLEMS_PER_TICK], []
            self.problems.prepend_rows(fresh, PROBLEMS_SHOWN)

    def tick(self) -> None:
        """Once a second: redraw the chart and the figures, refresh the accounts."""
        now = time.time()
        self.latency.trim(now)
        self.redraw_chart()
        recent = self.latency.recent(60, now)
        self._show_percentiles(recent)
        self.figures["rate"].set(f"{self.rate.per_minute(now):,.0f}")
        self.figures["success"].set(fmt_percent(self.success.rate))
        self.figures["refused"].set(f"{self.refused:,}")
        usage = self.meter.read()
        self.figures["cpu"].set(f"{usage.cpu_percent:.0f} %")
        self.figures["memory"].set(f"{usage.memory_mb:,.0f} MB")
        self._show_stages()
        self._show_problems()
        self.refresh_accounts()

    def set_theme(self, theme: str) -> None:
        style_chart(self.chart, theme)

    def redraw_chart(self) -> None:
        points = self.latency.points()
        now = time.time()
        xs = [p.second - now for p in points]
        for name, _colour, _style in CURVES:
            ys = [getattr(p.figures, name) for p in points]
            self.curves[name].setData(xs, ys, skipFiniteCheck=True)
        highest = max((p.figures.p99 for p in points), default=0.0)
        self._set_y_top(next((step for step in Y_STEPS if step >= highest), highest * 1.2))
        oldest = -min(xs, default=0.0)
        self._set_x_span(next((step for step in X_STEPS if step >= oldest), X_STEPS[-1]))

    def _set_x_span(self, span: float) -> None:
        if span != self._x_span:  # the chart widens as history builds up, to five minutes
            self._x_span = span
            self.chart.setXRange(-span, 0, padding=0.01)

    def _set_y_top(self, top: float) -> None:
        if top != self._y_top:
            self._y_top = top
            self.chart.setYRange(0, top, padding=0.02)

    def chart_point_count(self) -> int:
        data = self.curves["p99"].getData()[0]
        return 0 if data is None else len(data)

    def _show_percentiles(self, figures: Percentiles | None) -> None:
        for name in ("p50", "p95", "p99"):
            self.figures[name].set(fmt_ms(getattr(figures, name)) if figures else "—")

    def _show_stages(self) -> None:
        parts = []
        for label, attr in (("detect → decide", "decide_ms"), ("decide → send", "send_ms"),
                            ("send → execute", "execute_ms")):
            figures = Percentiles.of(v for s in self._stages
                                     if (v := getattr(s, attr)) is not None)
            if figures is not None:
                parts.append(f"{label} p50 {figures.p50:.1f} / p99 {figures.p99:.1f} ms")
        if parts:
            self.stage_label.setText("By stage (last copies): " + " · ".join(parts))

    def refresh_accounts(self) -> None:
        if self._refreshing or not self.session.started:
            return
        self._refreshing = True
        launch(self._load_accounts())

    async def _load_accounts(self) -> None:
        try:
            views = await self.session.accounts()
        finally:
            self._refreshing = False
        self.accounts.set_rows(views)

