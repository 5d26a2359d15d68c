"""The rules editor: one input per ``LinkRules`` setting (SPEC §4–§5), grouped in tabs, with
inline validation. The form only collects plain values; ``LinkRules.from_dict`` decides what is
valid, and each of its problems is shown beside the input it is about."""

from __future__ import annotations

import dataclasses
from enum import StrEnum
from typing import Any

from PySide6.QtCore import QTime, QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QTabWidget,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from copier.domain import OrderType
from copier.engine.config import LinkRules, RulesError
from copier.ui.multipliers import MultipliersEditor, unknown_symbols
from copier.ui.symbol_map import SymbolMapEditor
from copier.ui.widgets import scrolling

DEFAULTS = LinkRules()
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
TABS = ("Lot sizing", "Symbols", "Stops & orders", "Filters", "Protection")

# setting → (tab, label, tooltip)
FIELDS: dict[str, tuple[str, str, str]] = {
    "lot_mode": ("Lot sizing", "Lot sizing", "how the slave's lot is derived from the master's"),
    "lot_value": ("Lot sizing", "Value", "fixed lots, multiplier, ratio factor or risk percent"),
    "risk_no_sl": ("Lot sizing", "Risk mode, master has no SL", "skip, or use the fallback lot"),
    "risk_fallback_lot": ("Lot sizing", "Fallback lot", "used by risk % when the master has no SL"),
    "min_lot": ("Lot sizing", "Min lot (0 = broker's)", ""),
    "max_lot": ("Lot sizing", "Max lot (0 = broker's)", ""),
    "below_minimum": ("Lot sizing", "Below the broker minimum", "skip the copy, or use it"),
    "symbol_lot_multipliers": ("Lot sizing", "Per-symbol lot multipliers",
                               "a slave symbol and its factor, e.g. GER40.m × 0.1"),
    "strip_prefix": ("Symbols", "Strip master prefix", ""),
    "strip_suffix": ("Symbols", "Strip master suffix", ""),
    "add_prefix": ("Symbols", "Add slave prefix", ""),
    "add_suffix": ("Symbols", "Add slave suffix", "e.g. .m"),
    "auto_match": ("Symbols", "Match by normalised name", "EURUSD ↔ EURUSD.m when nothing else"),
    "reverse": ("Stops & orders", "Reverse copy (buy ↔ sell, SL ↔ TP)", ""),
    "stops_mode": ("Stops & orders", "SL/TP", "as price, as distance from the fill, none, fixed"),
    "fixed_sl_points": ("Stops & orders", "Fixed SL (points)", ""),
    "fixed_tp_points": ("Stops & orders", "Fixed TP (points)", ""),
    "two_step_stops": ("Stops & orders", "Two-step SL/TP (open, then modify)",
                       "for market-execution brokers that refuse stops on open"),
    "copy_pendings": ("Stops & orders", "Copy pending orders", ""),
    "pending_offset_points": ("Stops & orders", "Pending price offset (points)", ""),
    "pending_reached": ("Stops & orders", "Pending price already reached on the slave",
                        "market: open at market within the max price deviation; skip: do not "
                        "copy it (the reason is logged)"),
    "stops_passed": ("Stops & orders", "SL/TP already passed on the slave",
                     "skip: do not copy it (a change: not copied); without: open without the "
                     "passed stop (a change keeps the copy's own); the reason is logged"),
    "copy_existing": ("Stops & orders", "When the link starts, what the master holds",
                      "ignore it; copy it at market near the master's price; or place a pending "
                      "order at the master's price"),
    "copy_existing_points": ("Stops & orders", "…at market within (points)", "0: any distance"),
    "copy_existing_expiry_min": ("Stops & orders", "…pending order expires after (min)", ""),
    "comment_template": ("Stops & orders", "Comment template", "must start with TC|{ticket}"),
    "slave_magic": ("Stops & orders", "Slave magic number", ""),
    "symbols_allow": ("Filters", "Only these symbols", "comma separated; empty: all"),
    "symbols_deny": ("Filters", "Never these symbols", "comma separated"),
    "magic_allow": ("Filters", "Only these magic numbers", "comma separated; empty: all"),
    "magic_deny": ("Filters", "Never these magic numbers", "comma separated"),
    "comment_pattern": ("Filters", "Master comment matches", "a regular expression; empty: any"),
    "order_types": ("Filters", "Order types", "none ticked: all"),
    "direction": ("Filters", "Direction", ""),
    "master_lot_min": ("Filters", "Master lot at least", "0: no minimum"),
    "master_lot_max": ("Filters", "Master lot at most", "0: no maximum"),
    "max_lot_per_order": ("Protection", "Max lot per order", "0: off"),
    "max_open_positions": ("Protection", "Max open positions", "0: off"),
    "max_volume_per_symbol": ("Protection", "Max volume per symbol", "0: off"),
    "max_daily_loss_money": ("Protection", "Max daily loss (money)", "0: off"),
    "max_daily_loss_pct": ("Protection", "Max daily loss (%)", "0: off"),
    "max_drawdown_pct": ("Protection", "Max drawdown (%)", "0: off"),
    "drawdown_from": ("Protection", "Drawdown measured from", "the day's or the all-time peak"),
    "drawdown_action": ("Protection", "When a loss limit is hit", ""),
    "equity_floor": ("Protection", "Equity floor", "0: off"),
    "daily_profit_target_money": ("Protection", "Daily profit target (money)", "0: off"),
    "daily_profit_target_pct": ("Protection", "Daily profit target (%)", "0: off"),
    "profit_target_action": ("Protection", "When the profit target is hit", ""),
    "max_deviation_points": ("Protection", "Max price deviation (points)", "0: off"),
    "max_signal_age_ms": ("Protection", "Max signal age (ms)", "0: off"),
    "trading_hours": ("Protection", "Trading hours (broker time)",
                      "the trading clock: the broker's offset from UTC (Settings); the trading "
                      "day of the loss, profit and drawdown limits starts on the same clock"),
    "trading_days": ("Protection", "Trading days", "none ticked: every day"),
    "min_margin_level_pct": ("Protection", "Min margin level (%)", "0: off"),
    "max_orders_per_minute": ("Protection", "Max orders per minute", "0: off"),
}
CHOICES = {"direction": ("both", "buy", "sell"), "drawdown_from": ("day", "all_time")}
LOT_FIELDS = {"lot_value", "risk_fallback_lot", "min_lot", "max_lot", "master_lot_min",
              "master_lot_max", "max_lot_per_order", "max_volume_per_symbol"}
# Words that open a validation message → the settings it is about.
MESSAGE_FIELDS = (
    ("lot_value", ("lot_value",)), ("a fixed lot", ("lot_value",)),
    ("risk percent", ("lot_value",)), ("lot limits", ("min_lot", "max_lot")),
    ("min lot", ("min_lot", "max_lot")), ("direction", ("direction",)),
    ("drawdown_from", ("drawdown_from",)),
    ("percent limits", ("max_drawdown_pct", "max_daily_loss_pct", "daily_profit_target_pct")),
    ("money limits", ("daily_profit_target_money", "equity_floor")),
    ("copy existing", ("copy_existing_points", "copy_existing_expiry_min")),
    ("comment template", ("comment_template",)), ("trading hours", ("trading_hours",)),
    ("trading days", ("trading_days",)), ("lot multiplier for", ("symbol_lot_multipliers",)),
    ("comment pattern", ("comment_pattern",)), ("symbol map", ("symbol_map",)),
)


FIELD_WIDTH = 420
CHECK_DELAY_MS = 300
ERROR_COLOUR = "#d32f2f"


def _on_change(widget: QWidget, call: Any) -> None:
    """Call ``call`` whenever the trader changes ``widget``'s value."""
    if isinstance(widget, MultipliersEditor):
        widget.changed.connect(call)
    elif isinstance(widget, _Checks):
        for box, _value in widget.boxes:
            box.toggled.connect(call)
    elif isinstance(widget, _Hours):
        widget.enabled.toggled.connect(call)
        widget.start.timeChanged.connect(call)
        widget.end.timeChanged.connect(call)
    elif isinstance(widget, QComboBox):
        widget.currentIndexChanged.connect(call)
    elif isinstance(widget, QCheckBox):
        widget.toggled.connect(call)
    elif isinstance(widget, QSpinBox | QDoubleSpinBox):
        widget.valueChanged.connect(call)
    elif isinstance(widget, QLineEdit):
        widget.textChanged.connect(call)
# What 0 means, shown in the field itself rather than only in a tooltip: "0: off" reads "off".
ZERO_WORDS = (("0: off", "off"), ("0 = broker's", "broker's"), ("0: no minimum", "no minimum"),
              ("0: no maximum", "no maximum"))


def _say_zero(widget: QWidget, tip: str, label: str) -> None:
    if not isinstance(widget, QSpinBox | QDoubleSpinBox):
        return
    words = next((w for marker, w in ZERO_WORDS if marker in tip or marker in label), None)
    if words is not None:
        widget.setSpecialValueText(words)  # shown while the value is the minimum, 0


class FieldProblem(ValueError):
    """A value the form itself cannot read (letters in a number list...)."""


def in_words(problem: str) -> str:
    """A problem as the trader reads it: the setting's label, never its code name
    ("lot_value must be above 0" → "Value (Lot sizing) must be above 0")."""
    for name in sorted(FIELDS, key=len, reverse=True):
        tab, label, _tip = FIELDS[name]
        if problem.startswith(f"{name}:") or problem.startswith(f"{name} "):
            return f"{label} ({tab}){problem[len(name):]}".replace("all_time", "all-time")
    if problem.startswith("symbol_map:"):
        return "Symbol map" + problem[len("symbol_map"):]
    return problem


def fields_of(problem: str) -> tuple[str, ...]:
    """The settings a problem message is about (empty when it names none)."""
    head = problem.split(":", 1)[0].strip()
    if head in FIELDS or head == "symbol_map":
        return (head,)
    return next((names for prefix, names in MESSAGE_FIELDS if problem.startswith(prefix)), ())


class _Checks(QWidget):
    """A row of check boxes returning the ticked values."""

    def __init__(self, labels: tuple[str, ...], values: tuple[Any, ...]) -> None:
        super().__init__()
        pairs = zip(labels, values, strict=True)
        self.boxes = [(QCheckBox(label), value) for label, value in pairs]
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for box, _ in self.boxes:
            layout.addWidget(box)
        layout.addStretch(1)

    def get(self) -> list[Any]:
        return [value for box, value in self.boxes if box.isChecked()]

    def set(self, chosen: Any) -> None:
        for box, value in self.boxes:
            box.setChecked(value in chosen)


class _Hours(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.enabled = QCheckBox("only from")
        self.start, self.end = QTimeEdit(), QTimeEdit()
        for edit in (self.start, self.end):
            edit.setDisplayFormat("HH:mm")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.enabled, self.start, QLabel("to"), self.end):
            layout.addWidget(widget)
        layout.addStretch(1)

    def get(self) -> list[int] | None:
        if not self.enabled.isChecked():
            return None
        end = self.end.time().hour() * 60 + self.end.time().minute()
        return [self.start.time().hour() * 60 + self.start.time().minute(), end or 1440]

    def set(self, hours: tuple[int, int] | None) -> None:
        self.enabled.setChecked(hours is not None)
        start, end = hours or (0, 1440)
        self.start.setTime(QTime(start // 60, start % 60))
        self.end.setTime(QTime(end // 60 % 24, end % 60))


def _editor(name: str, default: Any) -> QWidget:
    if name == "symbol_lot_multipliers":
        return MultipliersEditor()
    if name == "order_types":
        return _Checks(tuple(t.value.replace("_", " ") for t in OrderType),
                       tuple(t.value for t in OrderType))
    if name == "trading_days":
        return _Checks(DAYS, tuple(range(7)))
    if name == "trading_hours":
        return _Hours()
    if name in CHOICES or isinstance(default, StrEnum):
        combo = QComboBox()
        enum = type(default) if isinstance(default, StrEnum) else None
        for value in CHOICES.get(name) or tuple(member.value for member in enum or ()):
            combo.addItem(value.replace("_", " "), value)
        return combo
    if isinstance(default, bool):
        return QCheckBox()
    if isinstance(default, int):
        spin = QSpinBox()
        spin.setRange(0, 2_147_483_647)
        return spin
    if isinstance(default, float):
        spin_f = QDoubleSpinBox()
        spin_f.setDecimals(4 if name in LOT_FIELDS else 2)
        spin_f.setRange(0.0, 1e12)
        return spin_f
    return QLineEdit()


def _read(name: str, widget: QWidget) -> Any:
    if isinstance(widget, MultipliersEditor):
        return widget.get()
    if isinstance(widget, _Checks):
        return widget.get()
    if isinstance(widget, _Hours):
        return widget.get()
    if isinstance(widget, QComboBox):
        return widget.currentData()
    if isinstance(widget, QCheckBox):
        return widget.isChecked()
    if isinstance(widget, QSpinBox | QDoubleSpinBox):
        return widget.value()
    assert isinstance(widget, QLineEdit)
    return _parse_text(name, widget.text())


def _parse_text(name: str, text: str) -> Any:
    items = [part.strip() for part in text.split(",") if part.strip()]
    if name in ("symbols_allow", "symbols_deny"):
        return items
    if name in ("magic_allow", "magic_deny"):
        bad = [i for i in items if not i.lstrip("-").isdigit()]
        if bad:
            raise FieldProblem(f"{name}: '{bad[0]}' is not a whole number")
        return [int(i) for i in items]
    return text


def _write(name: str, widget: QWidget, value: Any) -> None:
    if isinstance(widget, MultipliersEditor):
        widget.set(dict(value))
    elif isinstance(widget, _Checks | _Hours):
        widget.set(value)
    elif isinstance(widget, QComboBox):
        widget.setCurrentIndex(max(0, widget.findData(str(value))))
    elif isinstance(widget, QCheckBox):
        widget.setChecked(bool(value))
    elif isinstance(widget, QSpinBox | QDoubleSpinBox):
        widget.setValue(value)
    elif isinstance(widget, QLineEdit):
        if isinstance(value, dict):
            widget.setText(", ".join(f"{k}={v:g}" for k, v in value.items()))
        elif isinstance(value, tuple | list):
            widget.setText(", ".join(str(v) for v in value))
        else:
            widget.setText(str(value))


class RulesForm(QWidget):
    """Every rule of one link, editable; ``rules()`` returns valid LinkRules or raises RulesError
    after marking each input that has a problem."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.inputs: dict[str, QWidget] = {}
        self.symbol_map = SymbolMapEditor()
        self.tabs = QTabWidget()
        forms = {tab: QFormLayout() for tab in TABS}
        for f in dataclasses.fields(LinkRules):
            if f.name not in FIELDS:
                continue
            tab, label, tip = FIELDS[f.name]
            widget = _editor(f.name, getattr(DEFAULTS, f.name))
            widget.setToolTip(tip)
            widget.setMaximumWidth(FIELD_WIDTH)  # not stretched across a wide window
            _say_zero(widget, tip, label)
            self.inputs[f.name] = widget
            forms[tab].addRow(label, widget)
        forms["Symbols"].addRow(QLabel("Symbol map (master → slave), checked first:"))
        forms["Symbols"].addRow(self.symbol_map)
        for tab in TABS:
            page = QWidget()
            page.setLayout(forms[tab])
            # A tall tab scrolls: the Links page fits a 720-pixel-high screen.
            self.tabs.addTab(scrolling(page), tab.replace("&", "&&"))  # a lone & is a shortcut
        self.problems = QLabel("")
        self.problems.setObjectName("problems")
        self.problems.setWordWrap(True)
        self.slave_symbols: tuple[str, ...] = ()
        # Checked as the trader types (a pause of CHECK_DELAY_MS), not only on Save.
        self._check_timer = QTimer(self)
        self._check_timer.setSingleShot(True)
        self._check_timer.setInterval(CHECK_DELAY_MS)
        self._check_timer.timeout.connect(self.check)
        for widget in self.inputs.values():
            # Restart the wait on every change (a lambda: QTimer.start(int) must not receive
            # the new value as its interval).
            _on_change(widget, lambda *_: self._check_timer.start())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.problems)
        self.set_rules(DEFAULTS)

    def show_clock(self, clock_name: str) -> None:
        """Say which clock trading hours read, e.g. "broker time (UTC+02:00)"."""
        parent = self.inputs["trading_hours"].parentWidget()
        layout = parent.layout() if parent is not None else None
        if isinstance(layout, QFormLayout):
            label = layout.labelForField(self.inputs["trading_hours"])
            if isinstance(label, QLabel):
                label.setText(f"Trading hours ({clock_name})")

    def set_rules(self, rules: LinkRules) -> None:
        for name, widget in self.inputs.items():
            _write(name, widget, getattr(rules, name))
        self.symbol_map.set_mapping(dict(rules.symbol_map))
        self.show_problems([])

    def raw(self) -> tuple[dict[str, Any], list[str]]:
        """The plain values entered, and what the form itself could not read."""
        values: dict[str, Any] = {}
        problems: list[str] = []
        for name, widget in self.inputs.items():
            try:
                values[name] = _read(name, widget)
            except FieldProblem as exc:
                problems.append(str(exc))
        values["symbol_map"], map_problems = self.symbol_map.mapping()
        return values, problems + map_problems

    def set_slave_symbols(self, symbols: tuple[str, ...]) -> None:
        """The slave's symbols: the multipliers are chosen from them and checked against them."""
        self.slave_symbols = tuple(symbols)
        editor = self.inputs["symbol_lot_multipliers"]
        assert isinstance(editor, MultipliersEditor)
        editor.set_symbols(self.slave_symbols)
        self._check_timer.start()

    def _problems(self) -> tuple[LinkRules | None, list[str]]:
        values, problems = self.raw()
        problems += unknown_symbols(values.get("symbol_lot_multipliers", {}), self.slave_symbols)
        try:
            rules = LinkRules.from_dict(values)
        except RulesError as exc:
            problems.extend(exc.problems)
            rules = None
        return rules, problems

    def check(self) -> list[str]:
        """Mark what is wrong now, without raising (the as-you-type check)."""
        _rules, problems = self._problems()
        self.show_problems(problems)
        return problems

    def rules(self) -> LinkRules:
        rules, problems = self._problems()
        if problems or rules is None:
            self.show_problems(problems)
            raise RulesError(problems)
        self.show_problems([])
        return rules

    def show_problems(self, problems: list[str]) -> None:
        marked = {name for problem in problems for name in fields_of(problem)}
        for name, widget in [*self.inputs.items(), ("symbol_map", self.symbol_map.table)]:
            invalid = name in marked
            widget.setProperty("invalid", invalid)
            widget.style().unpolish(widget)
            widget.style().polish(widget)
            tip = FIELDS.get(name, ("", "", ""))[2]
            mine = [in_words(p) for p in problems if name in fields_of(p)]
            widget.setToolTip("\n".join(mine) if mine else tip)
        self.problems.setText("\n".join(f"• {in_words(p)}" for p in problems))
        self._mark_tabs(marked)

    def _mark_tabs(self, marked: set[str]) -> None:
        """A tab holding a setting in error says so, in its title and in red."""
        wrong = {FIELDS[name][0] for name in marked if name in FIELDS}
        if "symbol_map" in marked:
            wrong.add("Symbols")
        bar = self.tabs.tabBar()
        for index, tab in enumerate(TABS):
            title = tab.replace("&", "&&")
            self.tabs.setTabText(index, f"⚠ {title}" if tab in wrong else title)
            bar.setTabTextColor(index, QColor(ERROR_COLOUR) if tab in wrong else QColor())

    def invalid_fields(self) -> set[str]:
        return {name for name, widget in self.inputs.items() if widget.property("invalid")}
