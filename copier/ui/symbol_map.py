"""The symbol-map table editor (master symbol → slave symbol) with completion from both accounts'
symbol lists and a Suggest button that proposes a slave symbol for every master symbol."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QCompleter,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from copier.engine.config import LinkRules
from copier.engine.symbols import map_symbol, normalise

# Names brokers give the same market that no suffix rule can reconcile (normalised form).
ALIASES: dict[str, tuple[str, ...]] = {
    "GOLD": ("XAUUSD",), "XAUUSD": ("GOLD",),
    "SILVER": ("XAGUSD",), "XAGUSD": ("SILVER",),
    "GER40": ("DE40", "DAX40", "GER30", "DE30"), "DE40": ("GER40", "DAX40"),
    "DAX40": ("GER40", "DE40"), "US30": ("DJ30", "WS30", "DOW30"), "DJ30": ("US30", "WS30"),
    "WS30": ("US30", "DJ30"), "NAS100": ("US100", "USTEC"), "US100": ("NAS100", "USTEC"),
    "USTEC": ("NAS100", "US100"), "SPX500": ("US500",), "US500": ("SPX500",),
}


def suggest_pairs(master_symbols: Sequence[str], slave_symbols: Sequence[str]) -> dict[str, str]:
    """A slave symbol for each master symbol whose name differs on the slave: by the copier's
    own automatic match first, then by the common aliases (GOLD ↔ XAUUSD, GER40 ↔ DE40...)."""
    slaves = tuple(slave_symbols)
    by_normal = {normalise(s): s for s in slaves}
    pairs: dict[str, str] = {}
    for master in master_symbols:
        found = map_symbol(master, LinkRules(), slaves)
        match = found if isinstance(found, str) else None
        if match is None:
            match = next((by_normal[a] for a in ALIASES.get(normalise(master), ())
                          if a in by_normal), None)
        if match is not None and match != master:
            pairs[master] = match
    return pairs


class _CompletingDelegate(QStyledItemDelegate):
    """Cell editors that complete from the master's (column 0) or slave's (column 1) symbols."""

    def __init__(self, editor: SymbolMapEditor) -> None:
        super().__init__(editor)
        self._editor = editor

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem,
                     index: QModelIndex | QPersistentModelIndex) -> QWidget:
        line = QLineEdit(parent)
        words = self._editor.master_symbols if index.column() == 0 else self._editor.slave_symbols
        completer = QCompleter(list(words), line)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        line.setCompleter(completer)
        return line

    def setModelData(self, editor: QWidget, model: QAbstractItemModel,
                     index: QModelIndex | QPersistentModelIndex) -> None:
        if isinstance(editor, QLineEdit):
            model.setData(index, editor.text().strip())


class SymbolMapEditor(QWidget):
    """Rows of master symbol → slave symbol; ``mapping()`` reads them back with any problems."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.master_symbols: tuple[str, ...] = ()
        self.slave_symbols: tuple[str, ...] = ()
        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels(["Master symbol", "Slave symbol"])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.setItemDelegate(_CompletingDelegate(self))
        add = QPushButton("Add row")
        remove = QPushButton("Remove row")
        self.suggest_button = QPushButton("Suggest from both accounts")
        add.clicked.connect(lambda: self.add_row("", ""))
        remove.clicked.connect(self.remove_selected)
        self.suggest_button.clicked.connect(self.suggest)
        buttons = QHBoxLayout()
        for button in (add, remove, self.suggest_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        layout.addLayout(buttons)

    def set_symbol_lists(self, master: Sequence[str], slave: Sequence[str]) -> None:
        self.master_symbols, self.slave_symbols = tuple(master), tuple(slave)
        self.suggest_button.setEnabled(bool(master) and bool(slave))

    def set_mapping(self, mapping: dict[str, str]) -> None:
        self.table.setRowCount(0)
        for master, slave in mapping.items():
            self.add_row(master, slave)

    def add_row(self, master: str, slave: str) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        self.table.setItem(row, 0, QTableWidgetItem(master))
        self.table.setItem(row, 1, QTableWidgetItem(slave))

    def remove_selected(self) -> None:
        for row in sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True):
            self.table.removeRow(row)

    def suggest(self) -> int:
        """Add a row for every suggested pair not mapped yet; return how many were added."""
        mapped = set(self.mapping()[0])
        added = 0
        for master, slave in suggest_pairs(self.master_symbols, self.slave_symbols).items():
            if master not in mapped:
                self.add_row(master, slave)
                added += 1
        return added

    def mapping(self) -> tuple[dict[str, str], list[str]]:
        """The map and the problems with it (half-filled rows, a master symbol twice)."""
        out: dict[str, str] = {}
        problems: list[str] = []
        for row in range(self.table.rowCount()):
            master, slave = (self._cell(row, c) for c in (0, 1))
            if not master and not slave:
                continue
            if not master or not slave:
                problems.append(f"symbol map row {row + 1}: both symbols are needed")
            elif master in out:
                problems.append(f"symbol map: {master} is mapped twice")
            else:
                out[master] = slave
        return out, problems

    def _cell(self, row: int, column: int) -> str:
        item = self.table.item(row, column)
        return item.text().strip() if item is not None else ""
