"""Per-symbol lot multipliers, chosen from the slave's own symbols rather than typed as free text,
and the sentence that refuses one for a symbol the slave does not have (``GER40=0.5`` for a slave
trading ``GER40.m`` was accepted and never applied)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from copier.engine.symbols import normalise

FIELD = "symbol_lot_multipliers"


def unknown_symbols(multipliers: Iterable[str], slave_symbols: Sequence[str]) -> list[str]:
    """One sentence per multiplier keyed on a symbol the slave lacks (none when the slave's
    symbols are not known yet: nothing can be said before its terminal reports them)."""
    if not slave_symbols:
        return []
    known = set(slave_symbols)
    problems = []
    for symbol in multipliers:
        if symbol in known:
            continue
        close = [s for s in slave_symbols if normalise(s) == normalise(symbol)]
        hint = f" — did you mean {close[0]}?" if close else " — choose one of its symbols"
        problems.append(f"{FIELD}: the slave has no symbol {symbol}, so its multiplier would "
                        f"never apply{hint}")
    return problems


class MultipliersEditor(QWidget):
    """Pick a slave symbol, set its factor, Add; the list shows ``symbol × factor``."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.symbol = QComboBox()
        self.symbol.setEditable(True)  # the slave may not have reported its symbols yet
        self.symbol.setMinimumWidth(140)
        self.factor = QDoubleSpinBox()
        self.factor.setDecimals(4)
        self.factor.setRange(0.0001, 1000.0)
        self.factor.setValue(1.0)
        self.factor.setPrefix("× ")
        self.add_button = QPushButton("Add")
        self.remove_button = QPushButton("Remove")
        self.list = QListWidget()
        self.list.setFixedHeight(72)  # a few lines; the form does not hand it spare height
        self.add_button.clicked.connect(self.add_current)
        self.remove_button.clicked.connect(self.remove_selected)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        for widget in (self.symbol, self.factor, self.add_button, self.remove_button):
            row.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.list)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self._values: dict[str, float] = {}

    def set_symbols(self, symbols: Sequence[str]) -> None:
        current = self.symbol.currentText()
        self.symbol.clear()
        self.symbol.addItems(list(symbols))
        self.symbol.setEditText(current)

    def add_current(self) -> None:
        symbol = self.symbol.currentText().strip()
        if symbol:
            self._values[symbol] = self.factor.value()
            self._show()

    def remove_selected(self) -> None:
        for item in self.list.selectedItems():
            self._values.pop(str(item.data(Qt.ItemDataRole.UserRole)), None)
        self._show()

    def get(self) -> dict[str, float]:
        return dict(self._values)

    def set(self, values: dict[str, float]) -> None:
        self._values = dict(values)
        self._show()

    def _show(self) -> None:
        self.list.clear()
        for symbol, factor in sorted(self._values.items()):
            item = QListWidgetItem(f"{symbol} × {factor:g}")
            item.setData(Qt.ItemDataRole.UserRole, symbol)
            self.list.addItem(item)
        self.changed.emit()
