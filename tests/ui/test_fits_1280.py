"""The window fits 1280×720 with live data on every screen, the main tables need no horizontal
scrolling there, and settings and rule fields read as a trader reads them (issue #18)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QDoubleSpinBox, QFormLayout, QLabel

from copier.app.reports import LogQuery
from copier.ui.main import Gui
from copier.ui.pages.tradelog import REASON_COLUMN
from copier.ui.rules_form import FIELD_WIDTH, RulesForm
from copier.ui.window import SCREEN_NAMES
from tests.ui.conftest import Run, eventually, until


def test_every_screen_fits_1280_by_720_and_the_trade_log_does_not_scroll_sideways(
    make_gui: Callable[..., Gui], run: Run[Any]
) -> None:
    gui = make_gui(seed=3, interval_ms=20)
    window = gui.window
    window.resize(1280, 720)
    window.show()

    async def scenario() -> None:
        await gui.start()
        await eventually(lambda: gui.session.log_count(LogQuery()), lambda n: n >= 40,
                         what="forty rows in the log")
        await until(lambda: window.dashboard.accounts.rowCount() == 3, what="account rows")
        await window.trade_log.reload()
        await window.links.load()
        await window.accounts.load()
        await window.statistics.load()

    run(scenario())
    for name in SCREEN_NAMES:
        window.show_page(name)
        window.resize(1280, 720)
        assert window.minimumSizeHint().width() <= 1280, name
        assert window.width() <= 1280, name
        assert window.minimumSizeHint().height() <= 720, name  # tall pages scroll instead
        assert window.height() <= 720, name
    window.show_page("Trade log")
    page = window.trade_log
    page.fit_reason()
    assert page.view.horizontalScrollBar().maximum() == 0
    assert page.view.columnWidth(REASON_COLUMN) >= 220  # the reason keeps a readable width


def test_zero_reads_as_off_and_fields_are_not_stretched(qtbot: Any) -> None:
    form = RulesForm()
    qtbot.addWidget(form)
    form.resize(1600, 800)

    max_positions = form.inputs["max_open_positions"]
    min_lot = form.inputs["min_lot"]
    assert isinstance(min_lot, QDoubleSpinBox)
    assert max_positions.text() == "off"  # type: ignore[attr-defined]
    assert min_lot.text() == "broker's"
    assert all(w.maximumWidth() <= FIELD_WIDTH for w in form.inputs.values())


def test_the_autostart_switch_is_named_for_the_platform(make_gui: Callable[..., Gui]) -> None:
    gui = make_gui(trade=False)
    settings = gui.window.settings
    form = settings.findChild(QFormLayout)
    assert form is not None
    label = form.labelForField(settings.start_with_windows)
    assert isinstance(label, QLabel)
    expected = "Start with Windows" if sys.platform == "win32" else "Start at log-in"
    assert label.text() == expected
    column = settings.bind_host.parentWidget()
    assert column is not None and column.maximumWidth() <= 800  # not stretched to 1,300 px
