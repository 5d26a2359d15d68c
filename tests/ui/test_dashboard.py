"""The dashboard over a running simulated copier: account rows, the latency chart, the figures,
and the Stop switch."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select

from copier.store.models import TradeLogCopyRow, TradeLogEventRow, table
from copier.ui.main import Gui
from tests.ui.conftest import Run, until


def test_running_demo_fills_account_rows_and_draws_latency_points(
    make_gui: Callable[..., Gui], run: Run[Any]
) -> None:
    gui = make_gui()
    dashboard = gui.window.dashboard

    async def scenario() -> None:
        await gui.start()
        await until(lambda: dashboard.accounts.rowCount() == 3, what="three account rows")
        await until(lambda: dashboard.chart_point_count() >= 2, timeout=15,
                    what="two seconds of latency points")

    run(scenario())

    states = [dashboard.accounts.data(dashboard.accounts.index(r, 3))
              for r in range(dashboard.accounts.rowCount())]
    assert all(state.startswith("● connected") for state in states), states
    assert dashboard.figures["p99"].text().endswith("ms")
    assert dashboard.figures["rate"].text() != "0"


def _count(gui: Gui, model: type, since_ms: int, until_ms: int | None = None,
           kinds: tuple[str, ...] = ()) -> int:
    rows = table(model)
    conditions = [rows.c.decided_ms >= since_ms]
    if until_ms is not None:
        conditions.append(rows.c.decided_ms < until_ms)
    if kinds:
        conditions.append(rows.c.kind.in_(kinds))
    query = select(func.count()).select_from(rows).where(*conditions)
    return int(gui.session.app.store.read(lambda conn: conn.scalar(query)) or 0)


OPENING = ("open", "place_pending")  # new copies (a fill follows a copy that already exists)


def test_stop_switch_stops_new_copies_while_the_master_keeps_trading(
    make_gui: Callable[..., Gui], run: Run[Any]
) -> None:
    gui = make_gui(interval_ms=20)
    dashboard = gui.window.dashboard
    marks: dict[str, int] = {}

    async def scenario() -> None:
        await gui.start()
        await until(lambda: _count(gui, TradeLogCopyRow, 0, kinds=OPENING) >= 3,
                    what="copies before the stop")
        dashboard.switch.click()
        await until(lambda: dashboard.switch.text().startswith("Copying STOPPED"),
                    what="the core to confirm the stop")
        marks["stopped"] = _now_ms()
        await asyncio.sleep(1.5)
        marks["checked"] = _now_ms()
        dashboard.switch.click()
        await until(lambda: dashboard.switch.text().startswith("Copying is ON"),
                    what="the core to confirm the restart")
        marks["started"] = _now_ms()
        await until(lambda: _count(gui, TradeLogCopyRow, marks["started"], kinds=OPENING) >= 1,
                    timeout=10, what="copies after the restart")

    run(scenario())

    stopped, checked = marks["stopped"], marks["checked"]
    assert _count(gui, TradeLogEventRow, stopped, checked) > 0, "the master kept trading"
    assert _count(gui, TradeLogCopyRow, stopped, checked, kinds=OPENING) == 0


def _now_ms() -> int:
    return time.time_ns() // 1_000_000
