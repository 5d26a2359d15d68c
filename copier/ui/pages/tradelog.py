"""The trade log: every copy from decision to result and every copy a rule refused (status
``denied``, the reason in words), filtered, sorted by any column, paged from the store on the
worker thread (200 rows at a time, as the view scrolls), exported to CSV; a double-click shows a
row's whole story (``CopyDetailsDialog``)."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from dataclasses import replace
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QDate,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QColor, QResizeEvent, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressDialog,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from copier.app.reports import ExportCancelled, ExportError, LogQuery
from copier.app.vocabulary import CopyFilter, CopyRecord
from copier.trader_words import kind_words, rule_words
from copier.ui.copy_details import CopyDetailsDialog
from copier.ui.core_signals import UiBridge
from copier.ui.file_dialogs import save_file
from copier.ui.pages import Screen
from copier.ui.session import CoreSession
from copier.ui.widgets import fmt_datetime, fmt_number, fmt_when, launch

PAGE_SIZE = 200
LIVE_PAGE_SIZE = 60
DAY_MS = 86_400_000
LIVE_REFRESH_MS = 1_000
STATUSES = ("", "pending", "sent", "executed", "failed", "expired", "denied")
REASON_MIN_WIDTH = 220  # the "why" column takes the room the others leave, never less
# Shown in the details and brought back from the header's menu: without them the table fits
# 1280 px with no horizontal scrolling.
HIDDEN_AT_FIRST = ("link_id", "master_id", "slave_symbol", "side", "filled_volume",
                   "master_price", "slave_price", "command_id")
MAX_COLUMN_WIDTH = 150  # other columns are elided past this (their tooltip or details say all)
SIDED_KINDS = ("open", "close", "place_pending", "fill_pending")
Index = QModelIndex | QPersistentModelIndex

# (title, sort key, text of a record)
COLUMNS: tuple[tuple[str, str, Any], ...] = (
    ("Decided", "decided_ms", lambda r: fmt_when(r.decided_ms)),
    ("Status", "status", lambda r: r.status),
    ("Reason", "message", lambda r: r.reason),
    ("Link", "link_id", lambda r: str(r.link_id)),
    ("Master", "master_id", lambda r: r.master_id),
    ("Slave", "slave_id", lambda r: r.slave_id),
    ("Symbol", "symbol", lambda r: _symbols(r)),
    ("Slave symbol", "slave_symbol", lambda r: r.slave_symbol),
    ("What", "kind", lambda r: _what(r)),
    ("Side", "side", lambda r: r.side),
    ("Lots", "requested_volume", lambda r: fmt_number(r.requested_volume)),
    ("Filled", "filled_volume", lambda r: fmt_number(r.filled_volume)),
    ("Slippage", "slippage_points", lambda r: fmt_number(r.slippage_points, 1)),
    ("Latency", "total_latency_ms",
     lambda r: "" if r.total_latency_ms is None else f"{r.total_latency_ms} ms"),
    ("Master price", "master_price", lambda r: f"{r.master_price:g}" if r.master_price else ""),
    ("Slave price", "slave_price", lambda r: "" if r.slave_price is None else f"{r.slave_price:g}"),
    ("Command", "command_id", lambda r: r.command_id),
)
SORT_COLUMN = {key: column for column, (_title, key, _text) in enumerate(COLUMNS)}
REASON_COLUMN = SORT_COLUMN["message"]
STATUS_COLOURS = {"failed": "#c62828", "expired": "#ef6c00", "pending": "#78909c",
                  "sent": "#1565c0", "denied": "#8e24aa"}


class TradeLogModel(QStandardItemModel):
    """The rows of one query, fetched a page at a time as the view asks for more. Cells are Qt
    items (see ``RowsModel``): painting a screenful never calls back into Python."""

    loaded = Signal()  # rows arrived: a first page or one more

    def __init__(self, session: CoreSession, parent: QObject | None = None) -> None:
        super().__init__(0, len(COLUMNS), parent)
        self.setHorizontalHeaderLabels([title for title, _key, _text in COLUMNS])
        self.session = session
        self.query = LogQuery()
        self.rows: list[CopyRecord] = []
        self.labels: dict[str, str] = {}  # account id → its label
        self.total = 0
        self._fetching = False
        self._generation = 0  # results of a superseded query are dropped

    async def reload(self, query: LogQuery | None = None, first_page: int = PAGE_SIZE) -> None:
        """Run a (new) query from its first page; more pages follow as the view scrolls."""
        if query is not None:
            self.query = query
        self._generation += 1
        generation = self._generation
        total = await self.session.log_count(self.query)
        rows = await self.session.log_page(self.query, first_page, 0)
        if generation != self._generation:
            return
        if query is None and total == self.total and _same_top(rows, self.rows):
            return  # a live refresh that found nothing new: nothing to redraw
        self.rows, self.total = [], max(total, len(rows))
        self.setRowCount(0)
        self._append(rows)

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008 (Qt's signature)
        return not parent.isValid() and len(self.rows) < self.total and not self._fetching

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if self.canFetchMore(parent):
            self._fetching = True
            launch(self._fetch_next())

    async def _fetch_next(self) -> None:
        generation = self._generation
        try:
            page = await self.session.log_page(self.query, PAGE_SIZE, len(self.rows))
        finally:
            self._fetching = False
        if generation == self._generation and page:
            self._append(page)

    def _append(self, records: list[CopyRecord]) -> None:
        self.rows.extend(records)
        for record in records:
            self.appendRow(_items(record, self.labels))
        self.loaded.emit()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        descending = order == Qt.SortOrder.DescendingOrder
        self.query = replace(self.query, sort=COLUMNS[column][1], descending=descending)
        if self.session.started:  # the view sorts once when it is built, before the core runs
            launch(self.reload())


def _symbols(record: CopyRecord) -> str:
    """The master's symbol, and the slave's when it differs (EURUSD → EURUSD.m)."""
    slave = record.slave_symbol
    return f"{record.symbol} → {slave}" if slave and slave != record.symbol else record.symbol


def _what(record: CopyRecord) -> str:
    """What the copy did in words, with its side where it has one ("opened sell"); for a
    refusal, what the master did and its order ("master opened: buy")."""
    words = kind_words(record.kind)
    if record.denied and record.order_type:
        return f"{words}: {record.order_type.replace('_', ' ')}"
    return f"{words} {record.side}" if record.side and record.kind in SIDED_KINDS else words


def _same_top(fetched: list[CopyRecord], shown: list[CopyRecord]) -> bool:
    return fetched == shown[: len(fetched)]


def _items(record: CopyRecord, labels: dict[str, str]) -> list[QStandardItem]:
    colour = STATUS_COLOURS.get(record.status)
    items = []
    for _title, _key, text in COLUMNS:
        item = QStandardItem(text(record))
        item.setEditable(False)
        if colour:
            item.setForeground(QColor(colour))
        items.append(item)
    items[0].setToolTip(fmt_datetime(record.decided_ms))
    for key, account_id in (("master_id", record.master_id), ("slave_id", record.slave_id)):
        # The trader's name for the account, as on the dashboard; the id in the tooltip.
        items[SORT_COLUMN[key]].setText(labels.get(account_id) or account_id)
        items[SORT_COLUMN[key]].setToolTip(account_id)
    items[SORT_COLUMN["symbol"]].setToolTip(_symbols(record))
    items[SORT_COLUMN["kind"]].setToolTip(_what(record))
    if record.message:
        items[REASON_COLUMN].setToolTip(record.message)
    if record.rule:
        items[SORT_COLUMN["status"]].setToolTip(f"refused by: {rule_words(record.rule)}")
    return items


def _day_start_ms(day: QDate) -> int:
    moment = datetime.combine(day.toPython(), time(0), tzinfo=UTC)  # type: ignore[arg-type]
    return int(moment.timestamp() * 1000)


class TradeLogPage(Screen, QWidget):
    def __init__(self, session: CoreSession, bridge: UiBridge,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.model = TradeLogModel(session, self)
        self._sized = False
        self._build()
        bridge.trade_log_changed.connect(self._on_log_changed)
        self._live = QTimer(self)
        self._live.setSingleShot(True)
        self._live.setInterval(LIVE_REFRESH_MS)
        self._live.timeout.connect(self._refresh_live)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(300)
        self._debounce.timeout.connect(self.apply_filters)

    def _build(self) -> None:
        today = QDate.currentDate()
        self.use_since, self.since = QCheckBox("From"), QDateEdit(today.addDays(-7))
        self.use_until, self.until = QCheckBox("to"), QDateEdit(today)
        for edit in (self.since, self.until):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        self.account = QComboBox()
        self.symbol = QComboBox()
        for combo in (self.account, self.symbol):
            combo.setEditable(True)
            combo.setMinimumWidth(150)
        self.status = QComboBox()
        self.status.addItems([s or "any status" for s in STATUSES])
        self.text = QLineEdit()
        self.text.setPlaceholderText("search: symbol, account, reason…")
        self.count_label = QLabel("")
        self.notice = QLabel("")  # what the last export or error did; counts are kept apart
        self.notice.setObjectName("notice")
        self.export_button = QPushButton("Export CSV…")
        self.export_button.clicked.connect(self._on_export_clicked)
        bar = QHBoxLayout()
        for widget in (self.use_since, self.since, self.use_until, self.until,
                       QLabel("Account"), self.account, QLabel("Symbol"), self.symbol,
                       self.status, self.text):
            bar.addWidget(widget)
        bar.addWidget(self.export_button)
        for signal in (self.use_since.toggled, self.use_until.toggled, self.since.dateChanged,
                       self.until.dateChanged, self.account.currentTextChanged,
                       self.symbol.currentTextChanged, self.status.currentIndexChanged,
                       self.text.textChanged):
            signal.connect(lambda *_: self._debounce.start())
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSortingEnabled(True)
        self.view.horizontalHeader().setSortIndicator(0, Qt.SortOrder.DescendingOrder)
        self.view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.view.verticalHeader().setVisible(False)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        self.view.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.view.doubleClicked.connect(self._on_double_clicked)
        header = self.view.horizontalHeader()
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        for column, (title, key, _text) in enumerate(COLUMNS):
            toggle = QAction(title, header, checkable=True)
            toggle.setChecked(key not in HIDDEN_AT_FIRST)
            toggle.toggled.connect(lambda on, c=column: self._show_column(c, on))
            header.addAction(toggle)
            self.view.setColumnHidden(column, key in HIDDEN_AT_FIRST)
        header.setToolTip("right-click to show or hide columns; double-click a row for details")
        self.details_dialog: CopyDetailsDialog | None = None
        self.model.loaded.connect(self._show_count)
        self.model.loaded.connect(self._size_columns_once)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        footer = QHBoxLayout()
        footer.addWidget(self.count_label)
        footer.addWidget(self.notice, 1)
        layout.addLayout(footer)

    # ----- queries ------------------------------------------------------------------------
    def current_query(self) -> LogQuery:
        filters = CopyFilter(
            since_ms=_day_start_ms(self.since.date()) if self.use_since.isChecked() else None,
            until_ms=(_day_start_ms(self.until.date()) + DAY_MS  # the whole "to" day
                      if self.use_until.isChecked() else None),
            account=self.account.currentText().strip() or None,
            symbol=self.symbol.currentText().strip() or None,
            status=STATUSES[self.status.currentIndex()] or None,
        )
        return replace(self.model.query, filters=filters, text=self.text.text().strip())

    def apply_filters(self) -> None:
        if self.session.started:
            launch(self.reload(), on_error=self._show_error)

    async def reload(self) -> None:
        # This reload reads the filters as they are now: a debounced one still pending would
        # only run the same query again and, superseding this one, leave its rows unshown.
        self._debounce.stop()
        await self.model.reload(self.current_query())

    async def load_choices(self) -> None:
        self.model.labels = {v.account_id: v.label for v in await self.session.accounts()}
        choices = await self.session.log_choices()
        for combo, values in ((self.account, choices.accounts), (self.symbol, choices.symbols)):
            current = combo.currentText()
            combo.blockSignals(True)
            combo.clear()
            combo.addItems(["", *values])
            combo.setEditText(current)
            combo.blockSignals(False)

    def start(self) -> None:
        launch(self.load_choices(), on_error=self._show_error)
        self.apply_filters()

    def stop(self) -> None:
        self._live.stop()
        self._debounce.stop()

    def _on_log_changed(self) -> None:
        # Coalesced again to once a second: a count over 100,000 rows is cheap, not free.
        if not self._live.isActive():
            self._live.start()

    def _refresh_live(self) -> None:
        at_top = self.view.verticalScrollBar().value() == 0
        if self.isVisible() and at_top and self.session.started:
            # One screenful is enough while the newest rows stream in; scrolling loads the rest.
            launch(self.model.reload(first_page=LIVE_PAGE_SIZE), on_error=self._show_error)

    def _show_count(self) -> None:
        shown, total = len(self.model.rows), self.model.total
        self.count_label.setText(f"{total:,} copies and refusals match" + (
            f" — {shown:,} loaded, scroll for more" if shown < total else ""))

    def _size_columns_once(self) -> None:
        # Measuring every row on every refresh would cost more than it shows; once is enough.
        if self.model.rows and not self._sized:
            self._sized = True
            self.view.resizeColumnsToContents()
            for column in range(len(COLUMNS)):
                if column != REASON_COLUMN and self.view.columnWidth(column) > MAX_COLUMN_WIDTH:
                    self.view.setColumnWidth(column, MAX_COLUMN_WIDTH)
            self.fit_reason()

    def fit_reason(self) -> None:
        """Give the reason column the width the other visible columns leave."""
        others = sum(self.view.columnWidth(c) for c in range(len(COLUMNS))
                     if c != REASON_COLUMN and not self.view.isColumnHidden(c))
        room = self.view.viewport().width() - others - 2
        self.view.setColumnWidth(REASON_COLUMN, max(REASON_MIN_WIDTH, room))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._sized:
            self.fit_reason()

    def _show_column(self, column: int, shown: bool) -> None:
        self.view.setColumnHidden(column, not shown)
        if shown:
            self.view.resizeColumnToContents(column)
        self.fit_reason()

    # ----- details ------------------------------------------------------------------------
    def _on_double_clicked(self, index: QModelIndex) -> None:
        if 0 <= index.row() < len(self.model.rows):
            launch(self.show_details(self.model.rows[index.row()]), on_error=self._show_error)

    async def show_details(self, record: CopyRecord) -> CopyDetailsDialog:
        """Open the details of ``record``: its master event, the rules' verdicts, each stage's
        time and the slave's result."""
        found = await self.session.copy_details(record)
        if self.details_dialog is not None:
            self.details_dialog.close()
        self.details_dialog = CopyDetailsDialog(record, found, self)
        self.details_dialog.show()
        return self.details_dialog

    def _show_error(self, message: str) -> None:
        self.notice.setText(f"trade log unavailable: {message}")

    # ----- export -------------------------------------------------------------------------
    def _on_export_clicked(self) -> None:
        name = save_file(self, "Export the filtered trade log", "trade-log.csv",
                         "CSV files (*.csv)")
        if name:
            launch(self.export_to(Path(name)), on_error=self._show_error)

    async def export_to(self, path: Path) -> int:
        """Export the rows the filters select, with a progress dialog that can cancel."""
        query = self.current_query()
        dialog = QProgressDialog("Exporting the trade log…", "Cancel", 0, 0, self)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(300)
        cancel = threading.Event()
        dialog.canceled.connect(cancel.set)
        loop = asyncio.get_running_loop()

        def progress(done: int, total: int) -> bool:  # runs on the worker thread
            loop.call_soon_threadsafe(_show_progress, dialog, done, total)
            return not cancel.is_set()

        try:
            written = await self.session.export_log(query, path, progress)
        except (ExportCancelled, ExportError) as exc:  # cancelled; the file open in Excel
            self.notice.setText(str(exc))
            return 0
        finally:
            dialog.reset()
            dialog.deleteLater()
        self.notice.setText(f"exported {written:,} rows (copies and refusals) to {path}")
        return written


def _show_progress(dialog: QProgressDialog, done: int, total: int) -> None:
    with contextlib.suppress(RuntimeError):  # the export finished and the dialog is gone
        dialog.setMaximum(max(total, 1))
        dialog.setValue(min(done, max(total, 1)))
