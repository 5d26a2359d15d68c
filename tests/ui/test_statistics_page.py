"""The Statistics screen shows exactly what copier.stats.compute_stats computes after a seeded
simulated run: per link and per slave, in total and per day."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from copier.stats import compute_stats
from copier.ui.main import Gui
from copier.ui.pages.statistics import STATS_COLUMNS, rows_of
from copier.ui.tradelog_query import LogQuery
from tests.ui.conftest import Run, eventually


def _table(page: Any) -> list[list[str]]:
    model = page.model
    return [[model.data(model.index(r, c)) for c in range(model.columnCount())]
            for r in range(model.rowCount())]


def _expected(stats: dict[str, Any], scope: str, period: str) -> list[list[str]]:
    return [[column.text(row) for column in STATS_COLUMNS] for row in rows_of(stats, scope, period)]


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
    shown = {k: v for k, v in page.stats.items() if k != "generated_ms"}
    assert shown == {k: v for k, v in expected.items() if k != "generated_ms"}
    assert expected["total"]["copies"] >= 40
    assert expected["total"]["unpriced"] == 0
    assert _table(page) == _expected(expected, "Links", "Total")
    assert page.model.rowCount() == 2
    page.scope.setCurrentText("Slaves")
    day = next(iter(expected["days"]))
    page.period.setCurrentText(day)
    assert _table(page) == _expected(expected, "Slaves", day)


def _all() -> LogQuery:
    return LogQuery()


async def _flushed(gui: Gui) -> None:
    await gui.session.app.store.flush()
