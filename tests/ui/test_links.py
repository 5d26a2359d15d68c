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
    asked: list[str] = []
    page.confirm = lambda title, text: asked.append(text) is None  # type: ignore[method-assign]

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
    # link #2 already copies this master to this slave: the trader confirmed the second one
    assert len(asked) == 1 and live.rules.allow_overlap
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


def test_a_second_link_of_the_same_master_and_slave_is_saved_only_when_confirmed(
    make_gui: Callable[..., Gui], run: Run[Any]
) -> None:
    gui = make_gui(trade=False)
    page = gui.window.links
    answers: list[bool] = [False, True]
    asked: list[str] = []

    def confirm(title: str, text: str) -> bool:
        asked.append(text)
        return answers.pop(0)

    page.confirm = confirm  # type: ignore[method-assign]

    async def scenario() -> tuple[Any, Any]:
        await gui.start()
        await page.load()
        first = page.links[0]
        page.new_link()
        page.master.setEditText(first.master_id)
        page.slave.setEditText(first.slave_id)
        refused = await page.save()
        message = page.message.text()
        accepted = await page.save()
        await until(lambda: page.table.rowCount() == 3, what="the overlapping link listed")
        return (refused, message), accepted

    (refused, message), accepted = run(scenario())

    assert refused is None
    assert message.startswith("not saved — link #1 already copies")
    assert "would copy every trade again" in asked[0]
    assert accepted is not None and accepted.rules.allow_overlap
    pairs = [page.table.item(row, 2).text() for row in range(page.table.rowCount())]
    assert pairs[0].endswith(f"(overlaps #{accepted.id})")
    assert pairs[-1].endswith("(overlaps #1)")


def test_close_all_copies_of_a_link_asks_first_and_sends_the_closes(
    make_gui: Callable[..., Gui], run: Run[Any]
) -> None:
    gui = make_gui(trade=False)
    page = gui.window.links
    answers = [False, True]
    page.confirm = lambda title, text: answers.pop(0)  # type: ignore[method-assign]

    async def open_copies() -> int:
        return await gui.session.in_core(lambda: sum(
            1 for t in gui.session.app.service.tickets()
            if t.link_id == page.links[0].id and t.state.value == "open"))

    async def scenario() -> tuple[Any, Any, int]:
        await gui.start()
        await page.load()
        core = gui.session.core
        master = core.master.broker  # type: ignore[attr-defined]
        symbol = next(iter(master.symbols()))
        from copier.domain import Side

        master.open_market(symbol, Side.BUY, 0.1)
        await eventually(open_copies, lambda n: n >= 1, what="a copy on the first link")
        page.edit(page.links[0])
        declined = await page.close_all(per_slave=False)
        sent = await page.close_all(per_slave=True)
        left = await eventually(open_copies, lambda n: n == 0, what="the copies closed")
        await gui.session.app.store.flush()  # the audit entry is written by the store's writer
        return declined, sent, left

    declined, sent, left = run(scenario())

    assert declined is None
    assert sent is not None and sent >= 1
    assert left == 0
    assert "close orders sent" in page.message.text()
    audit = gui.session.app.store.load_audit(limit=100_000)  # every entry, whatever the order
    assert any(e.action == "copies.close_all" for e in audit)
