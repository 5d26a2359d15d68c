"""The rules editor speaks the trader's words, checks as the trader types, marks the tab that
holds an error, and takes per-symbol multipliers from the slave's own symbols, refusing one for a
symbol the slave lacks with a sentence (issue #18)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from copier.engine.config import RulesError
from copier.ui.main import Gui
from copier.ui.multipliers import MultipliersEditor
from copier.ui.rules_form import RulesForm
from tests.ui.conftest import Run, until


def test_problems_show_as_the_trader_types_in_words_and_mark_their_tab(
    qtbot: Any, run: Run[Any]
) -> None:
    form = RulesForm()
    qtbot.addWidget(form)
    form.inputs["lot_value"].setValue(0)  # type: ignore[attr-defined]

    run(until(lambda: form.problems.text() != "", what="the as-you-type check"))

    assert "Value (Lot sizing) must be above 0" in form.problems.text()
    assert "lot_value" not in form.problems.text()
    assert form.tabs.tabText(0) == "⚠ Lot sizing"
    assert form.tabs.tabText(4) == "Protection"
    form.inputs["lot_value"].setValue(1.0)  # type: ignore[attr-defined]
    run(until(lambda: form.problems.text() == "", what="the problem to clear"))
    assert form.tabs.tabText(0) == "Lot sizing"


def test_a_multiplier_for_a_symbol_the_slave_lacks_is_refused_with_a_sentence(
    qtbot: Any,
) -> None:
    form = RulesForm()
    qtbot.addWidget(form)
    form.set_slave_symbols(("GER40.m", "US30.m", "EURUSD.m"))
    editor = form.inputs["symbol_lot_multipliers"]
    assert isinstance(editor, MultipliersEditor)
    assert [editor.symbol.itemText(i) for i in range(editor.symbol.count())] == [
        "GER40.m", "US30.m", "EURUSD.m"]  # chosen from the slave's symbols

    editor.symbol.setEditText("GER40")
    editor.factor.setValue(0.5)
    editor.add_current()

    problems = form.check()
    assert problems and "GER40" in problems[0]
    shown = form.problems.text()
    assert ("Per-symbol lot multipliers (Lot sizing): the slave has no symbol GER40, so its "
            "multiplier would never apply — did you mean GER40.m?") in shown
    with pytest.raises(RulesError):
        form.rules()
    editor.list.setCurrentRow(0)
    editor.remove_selected()
    editor.symbol.setCurrentIndex(0)
    editor.add_current()
    assert form.rules().symbol_lot_multipliers == {"GER40.m": 0.5}


def test_the_link_editor_offers_the_slaves_symbols_for_multipliers(
    make_gui: Callable[..., Gui], run: Run[Any]
) -> None:
    gui = make_gui(trade=False)
    page = gui.window.links
    run(gui.start())
    run(page.load())
    page.table.selectRow(0)
    link = page.editing
    assert link is not None
    slave_symbols = next(a.symbols for a in page.accounts if a.account_id == link.slave_id)

    editor = page.form.inputs["symbol_lot_multipliers"]
    assert isinstance(editor, MultipliersEditor)
    offered = tuple(editor.symbol.itemText(i) for i in range(editor.symbol.count()))
    assert offered == slave_symbols and offered


def test_the_link_editor_offers_masters_as_master_and_slaves_as_slave(
    make_gui: Callable[..., Gui], run: Run[Any]
) -> None:
    gui = make_gui(trade=False)
    page = gui.window.links
    run(gui.start())
    run(page.load())
    core = gui.session.core

    masters = [page.master.itemText(i) for i in range(page.master.count())]
    slaves = [page.slave.itemText(i) for i in range(page.slave.count())]

    assert masters == [core.master.account_id]  # type: ignore[attr-defined]
    assert sorted(slaves) == sorted(s.account_id for s in core.slaves)  # type: ignore[attr-defined]
