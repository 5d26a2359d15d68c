"""Small pieces every screen shares: a table model over plain rows, big-figure labels, value
formatting, and launching an async action from a Qt slot."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSize,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QFrame,
    QGroupBox,
    QLabel,
    QScrollArea,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from copier import clock

log = logging.getLogger(__name__)
R = TypeVar("R")
_running: set[asyncio.Task[Any]] = set()


def launch(coro: Coroutine[Any, Any, Any], *,
           on_error: Callable[[str], None] | None = None) -> asyncio.Task[Any]:
    """Run an async action from a slot. The task is kept until done; a failure is logged and
    reported through ``on_error`` in words (never swallowed, never a crash of the window)."""
    task = asyncio.ensure_future(coro)
    _running.add(task)

    def finished(done: asyncio.Task[Any]) -> None:
        _running.discard(done)
        if done.cancelled():
            return
        error = done.exception()
        if error is None:
            return
        log.error("action failed: %s", error, exc_info=error)
        if on_error is not None:
            on_error(str(error) or type(error).__name__)

    task.add_done_callback(finished)
    return task


async def settle(timeout_s: float = 10.0) -> None:
    """Wait (up to ``timeout_s``) for every launched action to finish: tests, and shutdown."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while _running and loop.time() < deadline:
        await asyncio.wait(tuple(_running), timeout=deadline - loop.time())


async def cancel_pending() -> None:
    """Cancel the actions still running (the core they wait for has stopped)."""
    tasks = tuple(_running)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


# ----- formatting ---------------------------------------------------------------------------

def fmt_clock(epoch_ms: int | None) -> str:
    if not epoch_ms:
        return ""
    return datetime.fromtimestamp(epoch_ms / 1000).strftime("%H:%M:%S")


def fmt_datetime(epoch_ms: int | None) -> str:
    if not epoch_ms:
        return ""
    moment = datetime.fromtimestamp(epoch_ms / 1000)
    return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{epoch_ms % 1000:03d}"


def fmt_when(epoch_ms: int) -> str:
    """Today's moments by their time alone (to the millisecond), older ones with their date."""
    moment = datetime.fromtimestamp(epoch_ms / 1000)
    if moment.date() == datetime.now().date():
        return moment.strftime("%H:%M:%S.") + f"{epoch_ms % 1000:03d}"
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def fmt_ago(epoch_ms: int | None, now_ms: int | None = None) -> str:
    if not epoch_ms:
        return ""
    now = now_ms if now_ms is not None else clock.now_ms()
    seconds = max(0, (now - epoch_ms) // 1000)
    if seconds < 60:
        return f"{seconds} s ago"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min ago"


def fmt_number(value: float | None, decimals: int = 2) -> str:
    return "" if value is None else f"{value:,.{decimals}f}"


def fmt_percent(fraction: float | None) -> str:
    return "—" if fraction is None else f"{fraction * 100:.1f} %"


def fmt_ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} ms"


# ----- a table model over plain rows ----------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Column(Generic[R]):
    title: str
    text: Callable[[R], str]
    numeric: bool = False
    colour: Callable[[R], str | None] | None = None  # a text colour, e.g. "#c62828"
    tooltip: Callable[[R], str] | None = None
    sort: Callable[[R], Any] | None = None  # what the column sorts by (default: its text)


SORT_ROLE = Qt.ItemDataRole.UserRole + 1  # a cell's sort value (numbers sort as numbers)


class RowsModel(QStandardItemModel, Generic[R]):
    """A read-only table of rows (any objects) described by columns.

    The cells are Qt's own items, built once per update: painting then never calls back into
    Python. That matters here because every call back must win the GIL from the copier's thread,
    and a repaint that needs thousands of them stalls the window under load."""

    refreshed = Signal()  # the rows were replaced or added to

    def __init__(self, columns: Sequence[Column[R]], parent: QObject | None = None) -> None:
        super().__init__(0, len(columns), parent)
        self.columns = list(columns)
        self.rows: list[R] = []
        self.setHorizontalHeaderLabels([c.title for c in self.columns])

    def set_rows(self, rows: Sequence[R]) -> None:
        self.rows = list(rows)
        self.setRowCount(0)
        for row in self.rows:
            self.appendRow(self._items(row))
        self.refreshed.emit()

    def prepend_rows(self, rows: Sequence[R], limit: int) -> None:
        """Put ``rows`` (newest first) on top and keep at most ``limit`` rows."""
        fresh = list(rows)[:limit]
        for position, row in enumerate(fresh):
            self.insertRow(position, self._items(row))
        self.rows = (fresh + self.rows)[:limit]
        if self.rowCount() > limit:
            self.removeRows(limit, self.rowCount() - limit)
        self.refreshed.emit()

    def row(self, index: int) -> R:
        return self.rows[index]

    def _items(self, row: R) -> list[QStandardItem]:
        return [cell(column, row) for column in self.columns]


def cell(column: Column[R], row: R) -> QStandardItem:
    text = column.text(row)
    item = QStandardItem(text)
    item.setEditable(False)
    if column.sort is not None:
        item.setData(column.sort(row), SORT_ROLE)
    if column.numeric:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    if column.colour is not None:
        colour = column.colour(row)
        if colour:
            item.setForeground(QColor(colour))
    if column.tooltip is not None:
        item.setToolTip(column.tooltip(row))
    return item


# ----- figures ------------------------------------------------------------------------------

class Figure(QWidget):
    """A big number with a caption under it (copies/min, p99, CPU...)."""

    def __init__(self, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.value = QLabel("—")
        self.value.setObjectName("figure")
        label = QLabel(caption)
        label.setObjectName("figureCaption")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.value)
        layout.addWidget(label)

    def set(self, text: str) -> None:
        self.value.setText(text)

    def text(self) -> str:
        return self.value.text()


class SortProxy(QSortFilterProxyModel):
    """Sorts a ``RowsModel`` by each cell's sort value (``Column.sort``), so 1,234.50 comes after
    99.00; cells without one sort by their text."""

    def lessThan(self, left: QModelIndex | QPersistentModelIndex,
                 right: QModelIndex | QPersistentModelIndex) -> bool:
        a, b = left.data(SORT_ROLE), right.data(SORT_ROLE)
        if a is None or b is None:
            return str(left.data() or "") < str(right.data() or "")
        return bool(a < b)


def sortable_table(model: RowsModel[Any]) -> QTableView:
    """A read-only table whose columns sort on a header click, numbers as numbers."""
    proxy = SortProxy()
    proxy.setSourceModel(model)
    view = make_table(proxy)
    proxy.setParent(view)  # the view owns its proxy; the model's owner owns the model
    view.setSortingEnabled(True)
    view.horizontalHeader().setSortIndicatorShown(True)
    model.refreshed.connect(view.resizeColumnsToContents)
    return view


def make_table(model: QAbstractItemModel, *, fit_contents: bool = True) -> QTableView:
    """A read-only, row-selecting table view. ``fit_contents`` sizes columns to their text,
    which measures every row: keep it for short tables, not for long or fast-changing ones."""
    view = QTableView()
    view.setModel(model)
    view.setAlternatingRowColors(True)
    view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
    view.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
    view.verticalHeader().setVisible(False)
    view.horizontalHeader().setStretchLastSection(True)
    if fit_contents and isinstance(model, RowsModel):
        model.refreshed.connect(view.resizeColumnsToContents)
    return view


def group_box(title: str, *widgets: QWidget) -> QGroupBox:
    box = QGroupBox(title)
    layout = QVBoxLayout(box)
    for widget in widgets:
        layout.addWidget(widget)
    return box


class _UpDownScroll(QScrollArea):
    """Scrolls up and down only: as wide at least as its content needs, any height."""

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        content = self.widget()
        if content is None:
            return hint
        width = content.minimumSizeHint().width() + self.verticalScrollBar().sizeHint().width()
        return QSize(max(hint.width(), width), hint.height())


def scrolling(content: QWidget) -> QScrollArea:
    """``content`` in a frameless area that scrolls up and down when the window is shorter
    than it (a 1280×720 screen), never sideways: its width still holds the window as wide as
    the content needs."""
    area = _UpDownScroll()
    area.setWidget(content)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    area.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    return area
