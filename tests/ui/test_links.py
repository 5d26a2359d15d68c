"""Links & rules: a link made through the form is saved, audited and applied live; rules that
cannot work are refused with a message beside each input; the table switches modes live; the
symbol map suggests slave names."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from copier.engine.config import LinkMode, LotMode
from copier.ui.main import Gui
from copier.ui.symbol_map import suggest_pairs
from tests.ui.conftest import Run, eventually, until


def _choose(combo: Any, value: str) -> None:
    combo.setCurrentIndex(combo.findData(value))


def test_a_link_created_through_the_form_is_saved_audited_and_applied_live(
    make_gui: Callable[..., Gui], run: Run[Any]
) -> None:
    gui = make_gui(trade=False)
    page = gui.window.links

    async def scenario() -> Any:
        await gui.start()
        await page.load()
        core = gui.session.core
        page.new_link()
        page.name.setText("gold only")
        page.master.setEditText(core.master.account_id)  # type: ignore[attr-defined]
        page.slave.setEditText(core.slaves[1].account_id)  # type: ignore[attr-defined]
        form = page.form
        _choose(form.inputs["lot_mode"], "fixed")
        form.inputs["lot_value"].setValue(0.05)  # type: ignore[attr-defined]
        form.inputs["symbols_allow"].setText("XAUUSD")  # type: ignore[attr-defined]
        form.symbol_map.add_row("XAUUSD", "XAUUSD.r")
        page.save_button.click()
        await until(lambda: "saved" in page.message.text(), what="the link to be saved")
        await until(lambda: page.table.rowCount() == 3, what="the new link in the table")
        links = await gui.session.load_links()
        return next(link for link in links if link.name == "gold only")

    live = run(scenario())

    assert live.rules.lot_mode is LotMode.FIXED
    assert live.rules.lot_value == 0.05
    assert live.rules.symbols_allow == ("XAUUSD",)
    assert live.rules.symbol_map == {"XAUUSD": "XAUUSD.r"}
    audit = gui.session.app.store.load_audit()
    assert any(e.action == "link.added" and e.detail["link"] == live.id for e in audit)
    assert page.table.rowCount() == 3


def test_entries_the_form_cannot_read_are_refused_with_messages(
    make_gui: Callable[..., Gui], run: Run[Any]
) -> None:
    gui = make_gui(trade=False)
    page = gui.window.links

    async def scenario() -> Any:
        await gui.start()
        await page.load()
        page.table.selectRow(0)
        form = page.form
        form.inputs["magic_allow"].setText("12, twelve")  # type: ignore[attr-defined]
        form.symbol_map.add_row("GOLD", "")
        return await page.save()

    saved = run(scenario())

    problems = page.form.problems.text()
    assert saved is None
    assert "Only these magic numbers (Filters): 'twelve' is not a whole number" in problems
    assert "magic_allow" not in problems  # the trader's words, never the code's
    assert "symbol map row 1: both symbols are needed" in problems
    assert "not saved" in page.message.text()
    assert "magic_allow" in page.form.invalid_fields()
    links = run(gui.session.load_links())
    assert all(link.rules.magic_allow == () for link in links)


def test_rules_that_cannot_work_are_refused_with_a_message_beside_each_input(
    make_gui: Callable[..., Gui], run: Run[Any]
) -> None:
    gui = make_gui(trade=False)
    page = gui.window.links

    async def scenario() -> Any:
        await gui.start()
        await page.load()
        page.table.selectRow(0)
        form = page.form
        _choose(form.inputs["lot_mode"], "fixed")
        form.inputs["lot_value"].setValue(0)  # type: ignore[attr-defined]
        form.inputs["min_lot"].setValue(2.0)  # type: ignore[attr-defined]
        form.inputs["max_lot"].setValue(1.0)  # type: ignore[attr-defined]
        form.inputs["comment_template"].setText("copied")  # type: ignore[attr-defined]
        return await page.save()

    saved = run(scenario())

    problems = page.form.problems.text()
    assert saved is None
    assert "a fixed lot must be above 0" in problems
    assert "min lot 2.0 is above max lot 1.0" in problems
    assert "comment template must start with TC|{ticket}" in problems
    assert {"lot_value", "min_lot", "max_lot", "comment_template"} <= page.form.invalid_fields()
    assert "a fixed lot must be above 0" in page.form.inputs["lot_value"].toolTip()


def test_changing_a_links_mode_in_the_table_applies_it_to_the_running_copier(
    make_gui: Callable[..., Gui], run: Run[Any]
) -> None:
    gui = make_gui(trade=False)
    page = gui.window.links

    async def live_mode(link_id: int) -> LinkMode:
        return await gui.session.in_core(lambda: gui.session.app.service.links[link_id].mode)

    async def scenario() -> Any:
        await gui.start()
        await page.load()
        link_id = page.links[0].id
        _choose(page.table.cellWidget(0, 4), "close_only")
        return await eventually(lambda: live_mode(link_id),
                                lambda mode: mode is LinkMode.CLOSE_ONLY, what="close-only")

    assert run(scenario()) is LinkMode.CLOSE_ONLY


def test_symbol_map_suggests_suffixed_names_and_known_aliases() -> None:
    pairs = suggest_pairs(["EURUSD", "XAUUSD", "GER40", "USDJPY"],
                          ["EURUSD.m", "GOLD", "DE40", "USDJPY"])

    assert pairs == {"EURUSD": "EURUSD.m", "XAUUSD": "GOLD", "GER40": "DE40"}
