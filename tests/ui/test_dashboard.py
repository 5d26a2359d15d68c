"""The dashboard over a running simulated copier: account rows (from the core's cached
snapshots), the latency chart, the figures, and the Stop switch."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from copier.domain import TerminalSnapshot
from copier.preferences import Preferences
from copier.store.models import TradeLogCopyRow, TradeLogEventRow, table
from copier.terminals.simulated import SimulatedTerminal
from copier.ui.assets import Assets
from copier.ui.main import Gui
from tests.ui.conftest import Run, SimCore, until


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

    states = [dashboard.accounts.data(dashboard.accounts.index(r, 2))
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


class SilencedTerminal(SimulatedTerminal):
    """A simulated terminal that stops answering snapshots when told to (a terminal busy or
    gone quiet), while staying connected."""

    answering = True
    asked_while_silent = 0

    async def snapshot(self) -> TerminalSnapshot:
        if not self.answering:
            self.asked_while_silent += 1
            raise ConnectionError("the terminal is not answering")
        return await super().snapshot()


def test_dashboard_shows_the_cores_cached_snapshot_without_asking_the_terminal(
    tmp_path: Path, run: Run[Any]
) -> None:
    silent = SilencedTerminal.from_profile("slave-mt5", seed=99, account_id="quiet-slave")

    def build() -> SimCore:
        core = SimCore(tmp_path / "cached.db", trade=False)
        core.app.add_terminal(silent)
        return core

    gui = Gui(build, Preferences(), tmp_path / "settings.json", Assets.load())
    dashboard = gui.window.dashboard
    service_asks: list[int] = []

    def quiet_row() -> list[str]:
        for row in range(dashboard.accounts.rowCount()):
            view = dashboard.accounts.row(row)
            if view.account_id == "quiet-slave":
                return [dashboard.accounts.data(dashboard.accounts.index(row, c)) or ""
                        for c in range(dashboard.accounts.columnCount())]
        return []

    async def scenario() -> list[str]:
        await gui.start()
        service = gui.session.app.service
        await until(lambda: service.snapshot("quiet-slave") is not None, what="a cached view")
        silent.answering = False
        await asyncio.sleep(0.6)  # the core's own refresh asks (and fails) a few times
        service_asks.append(silent.asked_while_silent)
        for _ in range(3):
            dashboard.tick()
            await until(lambda: not dashboard._refreshing, what="the dashboard's refresh")
        views = {v.account_id: v for v in dashboard.accounts.rows}
        cached = await gui.session.in_core(service.snapshot, "quiet-slave")
        assert views["quiet-slave"].snapshot is cached  # the core's view, no new question
        return quiet_row()

    try:
        row = run(scenario())
    finally:
        run(gui.stop())
        gui.dispose()

    balance = dashboard.accounts.columns.index(
        next(c for c in dashboard.accounts.columns if c.title == "Balance"))
    positions = dashboard.accounts.columns.index(
        next(c for c in dashboard.accounts.columns if c.title == "Positions"))
    assert row, "the quiet account has a row"
    assert row[balance] != ""  # the cached snapshot's balance, though the terminal is silent
    assert row[positions] == "0"
    assert service_asks[0] >= 1  # the core did ask: the terminal really was silent
