"""Settings → Trading clock: the broker's offset and trading-day start apply at once, are kept
for the next start, and the rules editor names the clock trading hours read."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QTime

from copier.engine.tradingday import TradingClock
from copier.store import traderstate as ts
from copier.ui.main import Gui
from tests.ui.conftest import Run, until


def test_the_trading_clock_set_in_settings_applies_and_is_named_in_the_rules_editor(
    make_gui: Callable[..., Gui], run: Run[Any]
) -> None:
    gui = make_gui(trade=False)
    section = gui.window.settings.trading_clock
    links = gui.window.links

    async def scenario() -> TradingClock:
        await gui.start()
        await section.load()
        section.offset.setValue(2.0)
        section.day_start.setTime(QTime(17, 0))
        applied = await section.apply()
        await links.load()
        await until(lambda: "UTC+02:00" in _hours_label(links), what="the clock named")
        return applied

    applied = run(scenario())

    assert applied == TradingClock(utc_offset_minutes=120, day_start_minute=17 * 60)
    assert _hours_label(links) == "Trading hours (broker time (UTC+02:00))"
    stored = gui.session.app.store.load_trader_state(ts.TRADING_CLOCK)
    assert stored == {ts.TRADING_CLOCK: applied.to_dict()}


def _hours_label(page: Any) -> str:
    widget = page.form.inputs["trading_hours"]
    layout = widget.parentWidget().layout()
    return str(layout.labelForField(widget).text())
