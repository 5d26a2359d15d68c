"""Open copies: every master position with its copies on each slave — the master's ticket,
symbol, side and volume; each copy's slave account, ticket, volume and floating P&L — refreshed
every second while the page is shown and whenever copies change. "Close this copy…" and "Close
all copies of this link…" ask first, then close through the core (each once, audited); the rows
come from the session (``copier.app.opencopies``), never from the store."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QBrush, QColor, QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from copier.app.opencopies import CopyRow, MasterRow
from copier.engine.state import TicketState
from copier.ui.confirm import confirm
from copier.ui.core_signals import UiBridge
from copier.ui.pages import Screen
from copier.ui.session import CoreSession
from copier.ui.widgets import fmt_number, group_box, launch

COLUMNS = ("Master", "Ticket", "Symbol", "Side", "Volume", "Slave account", "Slave ticket",
           "Copy volume", "P&L")
REFRESH_MS = 1000
LOSS, GAIN = "#c62828", "#2e7d32"
STATE_WORDS = {TicketState.OPENING: "opening…", TicketState.PENDING: "pending order",
               TicketState.CLOSING: "closing…"}


class OpenCopiesPage(Screen, QWidget):
    def __init__(self, session: CoreSession, bridge: UiBridge,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.rows: list[MasterRow] = []
        self.confirm_box: QMessageBox | None = None
        self._loading = False
        self._build()
        bridge.trade_log_changed.connect(self._refresh_if_shown)
        bridge.config_changed.connect(lambda _what: self._refresh_if_shown())
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self._refresh_if_shown)

    def _build(self) -> None:
        self.tree = QTreeWidget()
        self.tree.setColumnCount(len(COLUMNS))
        self.tree.setHeaderLabels(list(COLUMNS))
        self.tree.setRootIsDecorated(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        for column in (0, 5):  # the account names share what the figures leave
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        for column in (1, 4, 6, 7, 8):
            self.tree.headerItem().setTextAlignment(
                column, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.tree.itemSelectionChanged.connect(self._on_selected)
        self.summary = QLabel("")
        self.close_copy_button = QPushButton("Close this copy…")
        self.close_link_button = QPushButton("Close all copies of this link…")
        for button in (self.close_copy_button, self.close_link_button):
            button.setEnabled(False)
        self.close_copy_button.clicked.connect(self.ask_close_copy)
        self.close_link_button.clicked.connect(self.ask_close_link)
        self.message = QLabel("")
        self.message.setObjectName("notice")
        self.message.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.close_copy_button)
        buttons.addWidget(self.close_link_button)
        buttons.addWidget(self.message, 1)
        box = group_box("Master positions and their copies")
        box_layout = box.layout()
        assert isinstance(box_layout, QVBoxLayout)
        box_layout.addWidget(self.summary)
        box_layout.addWidget(self.tree, 1)
        box_layout.addLayout(buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(box)

    # ----- life cycle ---------------------------------------------------------------------
    def start(self) -> None:
        self._timer.start()
        self.reload()

    def stop(self) -> None:
        self._timer.stop()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.reload()

    def _refresh_if_shown(self) -> None:
        if self.isVisible():
            self.reload()

    def reload(self) -> None:
        if self._loading or not self.session.started:
            return
        self._loading = True
        launch(self.load(), on_error=self.show_message)

    async def load(self) -> None:
        try:
            if not self.session.started:  # the window is closing: the core has gone
                return
            self.rows = await self.session.open_copies()
        finally:
            self._loading = False
        self._fill()

    # ----- the tree -----------------------------------------------------------------------
    def _fill(self) -> None:
        chosen = self.selected_copy()
        key = (chosen.link_id, chosen.master_ticket) if chosen else None
        self.tree.blockSignals(True)
        self.tree.clear()
        copies = 0
        for row in self.rows:
            top = QTreeWidgetItem([
                self.session.account_name(row.master_id), f"#{row.master_ticket}", row.symbol,
                row.order_type.replace("_", " ") or row.side.value, fmt_number(row.volume),
                _copies_text(len(row.copies)), "", "", "",
            ])  # fmt: skip
            top.setToolTip(0, row.master_id)
            _align_numbers(top)
            self.tree.addTopLevelItem(top)
            for copy in row.copies:
                copies += 1
                child = QTreeWidgetItem(["", "", copy.symbol, copy.side.value, "",
                                         self.session.account_name(copy.slave_id),
                                         _ticket_text(copy), fmt_number(copy.volume),
                                         _profit_text(copy)])  # fmt: skip
                child.setToolTip(5, f"{copy.slave_id} — link #{copy.link_id}")
                child.setData(0, Qt.ItemDataRole.UserRole, (copy.link_id, row.master_ticket))
                if copy.profit:
                    child.setForeground(8, QBrush(QColor(LOSS if copy.profit < 0 else GAIN)))
                _align_numbers(child)
                top.addChild(child)
                if key == (copy.link_id, row.master_ticket):
                    child.setSelected(True)
            top.setExpanded(True)
        self.tree.blockSignals(False)
        self.summary.setText(
            f"{len(self.rows)} master position(s) with {copies} open cop"
            f"{'y' if copies == 1 else 'ies'}" if self.rows else
            "No open copies: what the masters open and the links copy shows here.")
        self._on_selected()

    def _on_selected(self) -> None:
        chosen = self.selected_copy()
        self.close_copy_button.setEnabled(
            chosen is not None and chosen.state is not TicketState.CLOSING)
        self.close_link_button.setEnabled(chosen is not None)

    def selected_copy(self) -> CopyRow | None:
        items = self.tree.selectedItems()
        data = items[0].data(0, Qt.ItemDataRole.UserRole) if items else None
        if not data:
            return None
        link_id, master_ticket = data
        return self._copy(link_id, master_ticket)

    def select_copy(self, link_id: int, master_ticket: int) -> None:
        """Select a copy's row (tests, and keeping the selection across refreshes)."""
        for child in self._copy_items():
            if child.data(0, Qt.ItemDataRole.UserRole) == (link_id, master_ticket):
                self.tree.setCurrentItem(child)
                return

    def _copy_items(self) -> list[QTreeWidgetItem]:
        tops = [self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount())]
        children = [top.child(i) for top in tops if top is not None
                    for i in range(top.childCount())]  # fmt: skip
        return [child for child in children if child is not None]

    def _copy(self, link_id: int, master_ticket: int) -> CopyRow | None:
        for row in self.rows:
            if row.master_ticket == master_ticket:
                for copy in row.copies:
                    if copy.link_id == link_id:
                        return copy
        return None

    # ----- closing ------------------------------------------------------------------------
    def ask_close_copy(self) -> QMessageBox | None:
        copy = self.selected_copy()
        if copy is None:
            return None
        master_ticket = copy.master_ticket
        slave = self.session.account_name(copy.slave_id)
        self.confirm_box = confirm(
            self, "Close this copy",
            f"Close the copy of master #{master_ticket} ({copy.symbol} {copy.side.value} "
            f"{fmt_number(copy.volume)}) on {slave} now? The master keeps its trade.",
            "Close this copy",
            lambda: launch(self.close_copy(copy.link_id, master_ticket),
                           on_error=self.show_message))
        return self.confirm_box

    def ask_close_link(self) -> QMessageBox | None:
        copy = self.selected_copy()
        if copy is None:
            return None
        count = sum(1 for row in self.rows for c in row.copies if c.link_id == copy.link_id)
        slave = self.session.account_name(copy.slave_id)
        self.confirm_box = confirm(
            self, "Close all copies of this link",
            f"Close all {count} open cop{'y' if count == 1 else 'ies'} of link #{copy.link_id} "
            f"on {slave} now? The masters keep their trades.",
            "Close all copies",
            lambda: launch(self.close_link(copy.link_id), on_error=self.show_message))
        return self.confirm_box

    async def close_copy(self, link_id: int, master_ticket: int) -> int:
        sent = await self.session.close_copy(link_id, master_ticket)
        self.show_message(f"closing the copy of master #{master_ticket}: {sent} close order(s) "
                          "sent" if sent else "that copy is already being closed")
        await self.load()
        return sent

    async def close_link(self, link_id: int) -> int:
        sent = await self.session.close_all_copies(link_id=link_id)
        self.show_message(f"closing all copies of link #{link_id}: {sent} close order(s) sent")
        await self.load()
        return sent

    def show_message(self, text: str) -> None:
        self.message.setText(text)


def _copies_text(count: int) -> str:
    return f"{count} cop{'y' if count == 1 else 'ies'}"


def _ticket_text(copy: CopyRow) -> str:
    ticket = f"#{copy.slave_ticket}" if copy.slave_ticket else ""
    state = STATE_WORDS.get(copy.state, "")
    return f"{ticket} ({state})" if ticket and state else ticket or state


def _profit_text(copy: CopyRow) -> str:
    if copy.profit is None:
        return "—"
    return f"{copy.profit:+,.2f} {copy.currency}".strip()


def _align_numbers(item: QTreeWidgetItem) -> None:
    for column in (1, 4, 6, 7, 8):
        item.setTextAlignment(column, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
