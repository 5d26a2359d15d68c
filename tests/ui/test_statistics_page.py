"""The Statistics screen shows exactly what copier.stats.compute_stats computes after a seeded
simulated run: per link and per slave, in total and per day."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from copier.app.reports import LogQuery
from copier.stats import Figures, Statistics, compute_stats
from copier.ui.main import Gui
from copier.ui.pages.statistics import STATS_COLUMNS, Context, Row, rows_of
from tests.ui.conftest import Run, eventually


def _table(page: Any) -> list[list[str]]:
    model = page.model
    return [[model.data(model.index(r, c)) for c in range(model.columnCount())]
            for r in range(model.rowCount())]


def _expected(stats: dict[str, Any], scope: str, period: str,
              context: Context) -> list[list[str]]:
    return [[column.text(row) for column in STATS_COLUMNS]
            for row in rows_of(Statistics.from_dict(stats), scope, period, context)]


def test_statistics_screen_figures_equal_compute_stats_after_a_seeded_run(
    make_gui: Callable[..., Gui], run: Run[Any]
) -> None:
    gui = make_gui(seed=11, interval_ms=20)
    page = gui.window.statistics

    async def scenario() -> None:
        await gui.start()
        await eventually(lambda: gui.session.log_count(_all()), lambda n: n >= 40,
                         what="forty copies in the log")
        await gui.session.on_core(gui.session.core.quiesce())  # type: ignore[attr-defined]
        await eventually(lambda: gui.session.in_core(lambda: gui.session.app.service.inflight),
                         lambda n: n == 0, what="every copy settled")
        await gui.session.on_core(_flushed(gui))  # the last results are committed
        await gui.session.accounts()  # the symbol specs the money figures need
        await page.load()

    run(scenario())

    expected = compute_stats(gui.session.app.store, gui.session.symbol_specs)
    shown = {k: v for k, v in page.stats.to_dict().items() if k != "generated_ms"}
    assert shown == {k: v for k, v in expected.items() if k != "generated_ms"}
    assert expected["total"]["copies"] >= 40
    assert expected["total"]["unpriced"] == 0
    assert _table(page) == _expected(expected, "Links", "Total", page.context)
    assert page.model.rowCount() == 2
    page.scope.setCurrentText("Slaves")
    day = next(iter(expected["days"]))
    page.period.setCurrentText(day)
    assert _table(page) == _expected(expected, "Slaves", day, page.context)


def _all() -> LogQuery:
    return LogQuery()


async def _flushed(gui: Gui) -> None:
    await gui.session.app.store.flush()


def test_money_has_its_currency_and_a_reversed_link_says_why_slippage_is_not_measured() -> None:
    figures = {"copies": 3, "executed": 3, "failed": 0, "expired": 0, "in_flight": 0,
               "success_rate": 1.0, "volume_copied": 0.3, "pnl": -4.5, "master_pnl": 9.0,
               "slippage_points": 48.0, "slippage_money": 4.8, "denials": 2,
               "denials_by_rule": {"below_minimum": 2}, "unpriced": 0}
    stats = {"links": [{"link_id": 3, "name": "", "master_id": "m", "slave_id": "s",
                        "total": figures, "days": {}}]}
    context = Context(labels={"m": "My master", "s": "Reverse slave"},
                      currencies={"m": "USD", "s": "EUR"}, reversed_links=frozenset({3}))

    [row] = rows_of(Statistics.from_dict(stats), "Links", "Total", context)
    shown = {column.title: column.text(row) for column in STATS_COLUMNS}

    assert shown["Link / slave"] == "#3: My master → Reverse slave"
    assert shown["Copies' P&L"] == "-4.50 EUR"
    assert shown["Master P&L"] == "9.00 USD"
    assert shown["Slippage"] == "not measured"
    slippage = next(c for c in STATS_COLUMNS if c.title == "Slippage")
    assert slippage.tooltip is not None and "spread" in slippage.tooltip(row)
    assert shown["Refused because"] == "below the minimum lot 2"


def test_columns_sort_numbers_as_numbers(qtbot: Any) -> None:
    from copier.ui.widgets import RowsModel, sortable_table

    owner = QWidget()
    qtbot.addWidget(owner)
    model: RowsModel[Row] = RowsModel(STATS_COLUMNS, owner)
    model.set_rows([Row(n, Figures(copies=c)) for n, c in (("a", 9), ("b", 1234), ("c", 85))])
    view = sortable_table(model)
    view.setParent(owner)

    view.sortByColumn(1, Qt.SortOrder.DescendingOrder)

    shown = [view.model().index(r, 0).data() for r in range(3)]
    assert shown == ["b", "c", "a"]  # 1,234 > 85 > 9, not "9" > "85" > "1234"
